//! [`Client`] and its [`ClientBuilder`]: where base URL, auth, timeouts, retries and the HTTP
//! client are decided once, and checked once, when the client is built.
//!
//! progenitor's own `Client::new` unwraps the `reqwest::Client` it builds (which panics with
//! this crate's TLS setup, see [`crate::tls`]) and takes any base URL unchecked. Here a bad
//! setting is a [`BuildError`], and every call goes through the crate's auth, retry and error
//! layers rather than straight to the generated code.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::auth::{
    AuthSetting, Credentials, DEFAULT_LOGIN_COOLDOWN, DEFAULT_TOKEN_FETCH_TIMEOUT, TokenCache,
    TokenSource,
};
use crate::base_url::{checked_base_url, without_userinfo};
use crate::call_options::CallOptions;
use crate::error::BuildError;
use crate::hooks::CallContext;
use crate::http_client::HttpSettings;
use crate::proxy_route::{ProxyByUrl, ProxyRoute};
use crate::redact::Secrets;
use crate::settings::Shared;
use crate::{RetryPolicy, Secret};

/// EnKash's UAT (sandbox) host: the spec's first server. Documented for EnKash Payouts;
/// assumed for Accounts Receivable, whose pages show only a placeholder.
pub const UAT_BASE_URL: &str = crate::spec::SERVERS[0];

/// EnKash's live host: the spec's second server. Documented for EnKash Payouts; assumed for
/// Accounts Receivable.
pub const LIVE_BASE_URL: &str = crate::spec::SERVERS[1];

/// How long to wait for a connection, unless told otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait for a whole response (a page of 5,000 customers included), unless told
/// otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The largest response body read, unless told otherwise: 64 MiB, six times the largest real
/// page (5,000 customers).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// The `User-Agent` sent with every request, unless told otherwise.
pub const USER_AGENT: &str = concat!("enkash-customer-search/", env!("CARGO_PKG_VERSION"));

/// A client for the EnKash customer search API. Cheap to clone: clones share the connection
/// pool and the cached token.
///
/// Build one with [`Client::builder`]; see the crate docs for a first call.
#[derive(Clone, Debug)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
    /// `None`: no `Authorization` header (a test server, or auth added by the caller's own
    /// client).
    pub(crate) auth: Option<TokenCache>,
    /// What [`Client::with_options`] changed for this client's calls.
    pub(crate) options: Arc<CallOptions>,
    /// The shared secrets and the values of the options' sensitive headers.
    pub(crate) secrets: Arc<Secrets>,
}

impl Client {
    /// A builder for a client of the API at `base_url`: scheme, host, optional port and path
    /// prefix, for example [`UAT_BASE_URL`] or `http://127.0.0.1:8080/enkash`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            token_base_url: None,
            auth: AuthSetting::None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry: RetryPolicy::default(),
            user_agent: USER_AGENT.to_string(),
            http: None,
            token_fetch_timeout: DEFAULT_TOKEN_FETCH_TIMEOUT,
            login_cooldown: DEFAULT_LOGIN_COOLDOWN,
            compression: true,
            proxies: Ok(Vec::new()),
            extra_roots: Ok(Vec::new()),
        }
    }

    /// A builder configured from the environment: [`BASE_URL_VAR`](crate::env::BASE_URL_VAR)
    /// (required), then either [`TOKEN_VAR`](crate::env::TOKEN_VAR), or all four credential
    /// variables of [`env`](crate::env); with none of them, no authentication. Only the names
    /// of missing variables appear in errors, never a value.
    pub fn builder_from_env() -> Result<ClientBuilder, BuildError> {
        let settings =
            crate::env::settings_from(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))?;
        Ok(ClientBuilder::from_settings(settings))
    }

    /// A client configured from the environment with every other setting at its default:
    /// `Client::builder_from_env()?.build()`.
    pub fn from_env() -> Result<Client, BuildError> {
        Client::builder_from_env()?.build()
    }

    /// A client for `base_url` with the defaults and no authentication (for a test server, or
    /// one that needs none). Same as `Client::builder(base_url).build()`.
    pub fn new(base_url: &str) -> Result<Self, BuildError> {
        Client::builder(base_url).build()
    }

    /// The base URL requests are sent to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The retry policy in force for this client's calls.
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.options.retry.as_ref().unwrap_or(&self.shared.retry)
    }

    /// How long each attempt may take, for this client's calls.
    pub fn request_timeout(&self) -> Option<Duration> {
        self.options
            .request_timeout
            .unwrap_or(self.shared.request_timeout)
    }

    /// A client that shares this one's connections, token and settings, with `options` on top
    /// (and on top of any options this client already has). Cheap: nothing is built or
    /// fetched, and this client is unchanged. See [`CallOptions`] for what may be changed.
    pub fn with_options(&self, options: CallOptions) -> Client {
        let options = self.options.merged(options);
        let secrets = self.shared.secrets.extended(options.secret_values());
        Client {
            shared: Arc::clone(&self.shared),
            auth: self.auth.clone(),
            options: Arc::new(options),
            secrets: Arc::new(secrets),
        }
    }

    /// The settings of one attempt that sends `authorization`, with this client's timeout.
    pub(crate) fn call_context(&self, authorization: Option<HeaderValue>) -> CallContext {
        self.shared
            .call_context(authorization, self.request_timeout())
    }
}

/// Settings for a [`Client`]; every one has a default but the base URL.
pub struct ClientBuilder {
    base_url: String,
    token_base_url: Option<String>,
    auth: AuthSetting,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    max_response_bytes: u64,
    retry: RetryPolicy,
    user_agent: String,
    http: Option<reqwest::Client>,
    token_fetch_timeout: Duration,
    login_cooldown: Duration,
    compression: bool,
    /// Each with its URL when it was given by one; the first URL that could not be used fails
    /// the build.
    proxies: Result<Vec<(reqwest::Proxy, Option<ProxyByUrl>)>, String>,
    /// The first bundle that could not be read fails the build.
    extra_roots: Result<Vec<rustls::pki_types::CertificateDer<'static>>, String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            AuthSetting::None => "none",
            AuthSetting::Bearer(_) => "bearer token",
            AuthSetting::Credentials(_) => "credentials",
            AuthSetting::Source(_) => "token source",
        };
        f.debug_struct("ClientBuilder")
            .field("base_url", &without_userinfo(&self.base_url))
            .field("auth", &auth)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("token_fetch_timeout", &self.token_fetch_timeout)
            .field("login_cooldown", &self.login_cooldown)
            .field("compression", &self.compression)
            .field("proxies", &self.proxies.as_ref().map(Vec::len))
            .field(
                "extra_roots",
                &self
                    .extra_roots
                    .as_ref()
                    .map(Vec::len)
                    .map_err(|_| "invalid"),
            )
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The builder the environment's settings describe.
    pub(crate) fn from_settings(settings: crate::env::Settings) -> Self {
        let builder = Client::builder(settings.base_url);
        match settings.auth {
            crate::env::Auth::None => builder,
            crate::env::Auth::Token(token) => builder.bearer_token(token),
            crate::env::Auth::Credentials(credentials) => builder.credentials(credentials),
        }
    }

    /// Send this bearer token with every request (`Authorization: Bearer …`). A 401 is then
    /// an [`Error::Authentication`](crate::Error::Authentication) at once.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.auth = AuthSetting::Bearer(token.into());
        self
    }

    /// Fetch tokens with these credentials: on first use, again shortly before each expires,
    /// and once more (with one retry of the request) if the API answers 401. A rejected
    /// credential is never sent again.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.auth = AuthSetting::Credentials(credentials);
        self
    }

    /// Ask `source` for bearer tokens: whenever there is none that is fresh, once however many
    /// calls wait, and once more (with one retry of the request) if the API answers 401. A
    /// source that says its credential was rejected is never asked again. See
    /// [`TokenSource`].
    pub fn token_source(mut self, source: impl TokenSource) -> Self {
        self.auth = AuthSetting::Source(Box::new(source));
        self
    }

    /// Where the token endpoint lives (its `/oauth/token` is appended), when not on the
    /// API's base URL.
    pub fn token_base_url(mut self, url: impl Into<String>) -> Self {
        self.token_base_url = Some(url.into());
        self
    }

    /// How long to wait for a connection ([`DEFAULT_CONNECT_TIMEOUT`]). Not applied to a
    /// client given with [`reqwest_client`](Self::reqwest_client), which keeps its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to wait for each response, head and body, from sending the request to the
    /// body's last byte ([`DEFAULT_REQUEST_TIMEOUT`]); `None` waits as long as it takes. Applied
    /// per attempt, also to a given reqwest client: a server that drips its body, or never
    /// ends it, is cut at this time.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The largest response body the client reads ([`DEFAULT_MAX_RESPONSE_BYTES`]), counted
    /// in decompressed bytes when it is compressed (and in compressed bytes too). A longer one
    /// is refused while it streams, before it is all read (at once, when an uncompressed
    /// body's `Content-Length` says so), with an
    /// [`Error::Undecodable`](crate::Error::Undecodable) that names the limit and the status,
    /// and is not retried. Memory stays within a small multiple of it whatever a server sends.
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// When to retry ([`RetryPolicy::default`]: 3 attempts in all); [`RetryPolicy::none`]
    /// switches retries off.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The `User-Agent` header ([`USER_AGENT`]). To keep ours in yours, append it:
    /// `format!("my-app/1.0 {USER_AGENT}")`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Send requests through this `reqwest::Client` (its proxies, pool and connect timeout).
    /// Start it from [`reqwest_client_builder`](crate::reqwest_client_builder): that gives it
    /// TLS, and a redirect policy of `none`, which this client relies on to keep credentials
    /// from following a redirect to another host.
    pub fn reqwest_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// How long one token fetch may take ([`DEFAULT_TOKEN_FETCH_TIMEOUT`](crate::DEFAULT_TOKEN_FETCH_TIMEOUT)), whoever
    /// started it: a token endpoint or a [`TokenSource`] that takes longer fails the fetch (a
    /// source with [`AuthenticationFailure::TokenSourceFailed`](crate::AuthenticationFailure::TokenSourceFailed)),
    /// and the next call fetches again. A fetch runs with the client's settings, never with a
    /// caller's [`CallOptions`]; a caller's deadline bounds only its own wait.
    pub fn token_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.token_fetch_timeout = timeout;
        self
    }

    /// How long the password waits after two logins in a row brought no token
    /// ([`DEFAULT_LOGIN_COOLDOWN`](crate::DEFAULT_LOGIN_COOLDOWN)): a timeout, a broken read or a 5xx may each have counted as a
    /// failed login on EnKash's side, which locks an account after 3. Until it has passed,
    /// a call that needs a login fails at once with
    /// [`AuthenticationFailure::LoginPaused`](crate::AuthenticationFailure::LoginPaused). A
    /// failed connect sent nothing and does not count; neither does the refresh grant.
    pub fn login_cooldown(mut self, cooldown: Duration) -> Self {
        self.login_cooldown = cooldown;
        self
    }

    /// Whether requests ask for a compressed response (`Accept-Encoding: gzip`, and `zstd`
    /// with that feature); on by default with the `gzip` feature, which is a default one
    /// (without either feature, nothing is asked for). A response in a coding the build
    /// decodes is decompressed as it streams whether it was asked for or not (off, a gateway
    /// may still compress). The client decompresses, not reqwest, so this holds for a client
    /// given with [`reqwest_client`](Self::reqwest_client) too (unless that client has
    /// reqwest's own decompression on, which asks for gzip itself), and other reqwest clients
    /// in the build are left as they are. The [`max_response_bytes`](Self::max_response_bytes)
    /// limit counts decompressed bytes, so a small body that would inflate to gigabytes is
    /// refused at the limit.
    pub fn compression(mut self, enabled: bool) -> Self {
        self.compression = enabled;
        self
    }

    /// Sends requests through `proxy` (repeatable: the first whose rules match a URL is used),
    /// for example `reqwest::Proxy::https("http://proxy.corp:3128")?.basic_auth(user,
    /// password)`. Without one, the proxy comes from the environment (`HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY`, with `NO_PROXY` for the hosts that go direct), as with curl;
    /// with one, the environment's proxies are not read (nor `NO_PROXY`, but by
    /// [`proxy_url`](Self::proxy_url)). A proxy that answers 407 is an
    /// [`Error::Transport`](crate::Error::Transport) of kind
    /// [`Proxy`](crate::TransportErrorKind::Proxy), not retried and never taken for a verdict
    /// on EnKash's credentials; its message names the proxy (the address that answered, and
    /// where it was given: here, or by [`proxy_url`](Self::proxy_url) or the environment with
    /// its URL without credentials) but never its credentials. A 407 when no proxy was on the
    /// way came from the server itself, which read the request. Not applied to a client given
    /// with [`reqwest_client`](Self::reqwest_client).
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        if let Ok(proxies) = &mut self.proxies {
            proxies.push((proxy, None));
        }
        self
    }

    /// [`proxy`](Self::proxy) from a URL (`http://` or `https://`, with credentials in its user
    /// part if the proxy needs them), for every request but those to the hosts `NO_PROXY`
    /// names, as for the environment's proxies. Given this way, a proxy's 407 names it by its
    /// URL, without credentials, and a 407 on a request `NO_PROXY` sent direct is the
    /// server's. A URL that cannot be a proxy's makes [`build`](Self::build) fail with
    /// [`BuildError::InvalidProxy`].
    pub fn proxy_url(mut self, url: impl AsRef<str>) -> Self {
        if let Ok(proxies) = &mut self.proxies {
            match crate::proxy_route::proxy_from_url(url.as_ref()) {
                Ok((proxy, by_url)) => proxies.push((proxy, Some(by_url))),
                Err(why) => self.proxies = Err(why),
            }
        }
        self
    }

    /// Trusts the certificates of this PEM bundle as roots, besides the platform's (which on
    /// Linux include those of `SSL_CERT_FILE` and `SSL_CERT_DIR` when set): a company's own CA,
    /// as a TLS-inspecting proxy needs. Repeatable. A bundle that is not PEM or holds no
    /// certificate (or any bundle, on Android, where only the platform's roots are used) makes
    /// [`build`](Self::build) fail with [`BuildError::InvalidRootCertificates`]. Not applied to
    /// a client given with [`reqwest_client`](Self::reqwest_client).
    pub fn add_root_certificates(mut self, pem: impl AsRef<[u8]>) -> Self {
        if let Ok(roots) = &mut self.extra_roots {
            match crate::tls::certificates_in(pem.as_ref()) {
                Ok(more) => roots.extend(more),
                Err(why) => self.extra_roots = Err(why),
            }
        }
        self
    }

    /// The client, or what is wrong with the settings.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = checked_base_url(&self.base_url)?;
        let token_base_url = match &self.token_base_url {
            Some(url) => checked_base_url(url)?,
            None => base_url.clone(),
        };
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            BuildError::InvalidUserAgent("it has characters an HTTP header cannot carry".into())
        })?;
        let secrets = self.auth.secrets();
        let auth = self
            .auth
            .supply(self.login_cooldown)?
            .map(|supply| TokenCache::new(supply, self.token_fetch_timeout));
        let given = self.proxies.map_err(BuildError::InvalidProxy)?;
        let proxy = if self.http.is_some() {
            ProxyRoute::Callers
        } else if given.is_empty() {
            ProxyRoute::Environment
        } else {
            // Named by their URLs if every one was given by one.
            let by_url: Option<Arc<[_]>> = given.iter().map(|(_, by_url)| by_url.clone()).collect();
            by_url.map_or(ProxyRoute::Given, ProxyRoute::Urls)
        };
        // Read once, as reqwest reads its proxies once: what the errors say is where requests went.
        let (search_via, token_via) = (proxy.via(&base_url), proxy.via(&token_base_url));
        let http = match self.http {
            Some(http) => http,
            None => {
                let extra_roots = self
                    .extra_roots
                    .map_err(BuildError::InvalidRootCertificates)?;
                let trusted = extra_roots.len();
                let http = crate::http_client::build(HttpSettings {
                    connect_timeout: self.connect_timeout,
                    proxies: given.into_iter().map(|(proxy, _)| proxy).collect(),
                    extra_roots,
                })?;
                crate::http_client::log_route(&search_via, trusted);
                http
            }
        };
        Ok(Client {
            options: Arc::default(),
            secrets: Arc::new(secrets.extended([])),
            auth,
            shared: Arc::new(Shared {
                base_url,
                token_base_url,
                http,
                retry: self.retry,
                request_timeout: self.request_timeout,
                max_response_bytes: self.max_response_bytes,
                compression: self.compression,
                user_agent,
                secrets,
                search_via,
                token_via,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_urls_build_without_a_process_wide_tls_provider() {
        let client = Client::new(UAT_BASE_URL).expect("an https client builds");
        assert_eq!(client.base_url(), "https://ekpayout-uat.enkash.in");
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        Client::new(LIVE_BASE_URL).expect("the live host builds too");
    }

    #[test]
    fn a_path_prefix_is_kept_and_a_trailing_slash_dropped() {
        let client = Client::new("http://127.0.0.1:8080/enkash/").unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:8080/enkash");
    }

    #[test]
    fn bad_base_urls_are_errors_that_say_why() {
        for (url, reason) in [
            ("api.enkash.in", "relative URL without a base"),
            ("ftp://api.enkash.in", "the scheme must be http or https"),
            ("https://api.enkash.in/?a=1", "no query or fragment"),
            (
                "https://user:secret@api.enkash.in",
                "credentials do not belong",
            ),
        ] {
            let err = Client::new(url).expect_err(url).to_string();
            assert!(err.contains(reason), "{url}: {err}");
            assert!(!err.contains("secret"), "a credential leaked into {err:?}");
        }
        let err = Client::builder(UAT_BASE_URL)
            .token_base_url("nonsense")
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InvalidBaseUrl { .. }), "{err}");
    }

    #[test]
    fn unusable_credentials_and_settings_fail_the_build_without_showing_secrets() {
        let cases = [
            (
                Credentials::new("", "S3CR3T-1", "u@x.in", "PW-1"),
                "the client id is empty",
            ),
            (
                Credentials::new("CEK1", "", "u@x.in", "PW-1"),
                "the client secret is empty",
            ),
            (
                Credentials::new("CEK1", "S3CR3T-1", "", "PW-1"),
                "the username is empty",
            ),
            (
                Credentials::new("CEK1", "S3CR3T-1", "u@x.in", ""),
                "the password is empty",
            ),
            (
                Credentials::new("CEK:1", "S3CR3T-1", "u@x.in", "PW-1"),
                "contains ':'",
            ),
        ];
        for (credentials, reason) in cases {
            let err = Client::builder(UAT_BASE_URL)
                .credentials(credentials)
                .build()
                .unwrap_err()
                .to_string();
            assert!(err.contains(reason), "{err}");
            assert!(!err.contains("S3CR3T") && !err.contains("PW-1"), "{err}");
        }
        let err = Client::builder(UAT_BASE_URL)
            .bearer_token("")
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            BuildError::InvalidCredentials("the bearer token is empty".into())
        );
        let err = Client::builder(UAT_BASE_URL)
            .bearer_token("T0K\nEN")
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("T0K"), "{err}");
        let err = Client::builder(UAT_BASE_URL)
            .user_agent("bad\nagent")
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InvalidUserAgent(_)), "{err}");
    }

    #[test]
    fn the_builder_debug_names_the_auth_kind_but_no_secret() {
        let builder = Client::builder("https://user:pw-in-url@api.enkash.in")
            .credentials(Credentials::new("CEK1", "secret-1", "u@x.in", "password-1"));
        let shown = format!("{builder:?}");
        assert!(shown.contains("credentials"), "{shown}");
        for secret in ["pw-in-url", "secret-1", "password-1"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let client = Client::builder(UAT_BASE_URL)
            .credentials(Credentials::new("CEK1", "secret-1", "u@x.in", "password-1"))
            .build()
            .unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("secret-1") && !shown.contains("password-1"),
            "{shown}"
        );
        let client = Client::builder(UAT_BASE_URL)
            .bearer_token("bearer-token-1")
            .build()
            .unwrap();
        assert!(!format!("{client:?}").contains("bearer-token-1"));
    }

    #[tokio::test]
    async fn the_bearer_header_is_marked_sensitive() {
        let client = Client::builder(UAT_BASE_URL)
            .bearer_token("TK-1")
            .build()
            .unwrap();
        let cache = client
            .auth
            .as_ref()
            .expect("a bearer client has a token supply");
        let header = cache.authorization(&client.shared).await.unwrap();
        assert_eq!(header.to_str().unwrap(), "Bearer TK-1");
        assert!(header.is_sensitive());
    }
}
