//! From the connection flags, the environment and the chosen profile (under both) to a
//! [`Client`], or to the usage error that says what is missing. No secret appears in any
//! message.

use enkash_customer_search::env::{
    CLIENT_ID_VAR, CLIENT_SECRET_VAR, PASSWORD_VAR, PROXY_VARS, USERNAME_VAR,
};
use enkash_customer_search::{
    BuildError, Client, ClientBuilder, Credentials, RetryPolicy, SourcedToken, TokenFuture,
    TokenSource, TokenSourceError,
};
use enkash_customer_search_mock::Sandbox;

use crate::CliError;
use crate::cli::ConnectionArgs;
use crate::local_input;
use crate::profiles::{Chosen, Profile};
use crate::secret_commands;

/// The token endpoint's path, which the client appends to the token base URL.
use enkash_customer_search::spec::GET_TOKEN_PATH as TOKEN_PATH;

/// A client to search with, and the sandbox it talks to if `--sandbox` started one (it
/// serves only while it is kept).
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The in-process sandbox, if any.
    pub _sandbox: Option<Sandbox>,
}

/// The client the connection flags describe, over the settings of the profile `chosen`.
pub async fn connect(
    args: &ConnectionArgs,
    chosen: Option<&Chosen>,
) -> Result<Connection, CliError> {
    if args.sandbox {
        let sandbox = Sandbox::start()
            .await
            .map_err(|e| CliError::Other(format!("cannot start the sandbox: {e}")))?;
        let builder = Client::builder(sandbox.base_url()).credentials(sandbox.credentials());
        let client = tuned(builder, args).build().map_err(CliError::Build)?;
        return Ok(Connection {
            client,
            _sandbox: Some(sandbox),
        });
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let profile = chosen.map(|c| in_use(&c.profile, &env)).unwrap_or_default();
    let args = &under(args, &profile)?;
    // The settings a search cannot do without are checked before a command may prompt.
    if args.base_url.is_none() {
        return Err(no_base_url());
    }
    // A secret the environment lacks, from the profile's command, when the password grant
    // is what will be used.
    let mut printed = std::collections::HashMap::new();
    if args.token.is_none() && args.token_file.is_none() && profile.token_command.is_none() {
        for (var, setting, command) in [
            (
                CLIENT_SECRET_VAR,
                "client_secret_command",
                &profile.client_secret_command,
            ),
            (PASSWORD_VAR, "password_command", &profile.password_command),
        ] {
            if let (None, Some(command)) = (env(var), command) {
                let secret = secret_commands::run(setting, command)
                    .await
                    .map_err(CliError::Usage)?;
                printed.insert(var, secret);
            }
        }
    }
    let secrets = |name: &str| env(name).or_else(|| printed.get(name).cloned());
    let client = builder(args, profile.token_command.clone(), secrets)?
        .build()
        .map_err(|error| match (&error, &args.ca_cert) {
            (BuildError::InvalidRootCertificates(_), Some(path)) => {
                CliError::Usage(format!("--ca-cert {}: {error}", path.display()))
            }
            (BuildError::InvalidProxy(_), _) => CliError::Usage(format!("--proxy: {error}")),
            _ => CliError::Build(error),
        })?;
    Ok(Connection {
        client,
        _sandbox: None,
    })
}

/// The builder for `args`, with the secrets read through `env` (the process environment, or
/// a map in tests).
fn builder(
    args: &ConnectionArgs,
    token_command: Option<Vec<String>>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ClientBuilder, CliError> {
    let present = |value: Option<String>| value.filter(|v| !v.is_empty());
    let base_url = present(args.base_url.clone()).ok_or_else(no_base_url)?;
    let mut builder = Client::builder(base_url);
    if let Some(url) = &args.token_url {
        builder = builder.token_base_url(token_base_url(url)?);
    }
    if let Some(token) = present(args.token.clone()) {
        builder = builder.bearer_token(token);
    } else if let Some(path) = &args.token_file {
        builder = builder.token_source(TokenFile(path.clone()));
    } else if let Some(command) = token_command {
        builder = builder.token_source(secret_commands::CommandToken(command));
    } else {
        let parts = [
            (
                format!("--client-id or {CLIENT_ID_VAR}"),
                present(args.client_id.clone()),
            ),
            (
                CLIENT_SECRET_VAR.to_string(),
                present(env(CLIENT_SECRET_VAR)),
            ),
            (
                format!("--username or {USERNAME_VAR}"),
                present(args.username.clone()),
            ),
            (PASSWORD_VAR.to_string(), present(env(PASSWORD_VAR))),
        ];
        match parts.each_ref().map(|(_, value)| value.clone()) {
            [Some(id), Some(secret), Some(username), Some(password)] => {
                builder = builder.credentials(Credentials::new(id, secret, username, password));
            }
            [None, None, None, None] => {}
            _ => {
                let missing: Vec<&str> = parts
                    .iter()
                    .filter(|(_, value)| value.is_none())
                    .map(|(name, _)| name.as_str())
                    .collect();
                return Err(CliError::Usage(format!(
                    "incomplete credentials, missing {} (the client id, client secret, \
                     username and password go together; or give a token with --token or \
                     ENKASH_TOKEN)",
                    missing.join(", ")
                )));
            }
        }
    }
    if let Some(url) = &args.proxy {
        refuse_a_password(url)?;
        builder = builder.proxy_url(url);
    }
    if let Some(path) = &args.ca_cert {
        builder = builder.add_root_certificates(read_ca_cert(path)?);
    }
    Ok(tuned(builder, args))
}

fn no_base_url() -> CliError {
    CliError::Usage(
        "no base URL: pass --base-url, set ENKASH_BASE_URL or give base_url in a profile (or \
         use --sandbox)"
            .into(),
    )
}

/// The part of `profile` a search uses, under what the environment `env` gives: its
/// `token_command` gives way to a password or client secret there (the password grant they
/// are for), and its `proxy` to a proxy variable (the environment over the profile).
pub fn in_use(profile: &Profile, env: &dyn Fn(&str) -> Option<String>) -> Profile {
    let mut profile = profile.clone();
    if env(CLIENT_SECRET_VAR).is_some() || env(PASSWORD_VAR).is_some() {
        profile.token_command = None;
    }
    let proxy_vars = PROXY_VARS
        .iter()
        .filter(|name| !name.eq_ignore_ascii_case("no_proxy"));
    if proxy_vars.clone().any(|name| env(name).is_some()) {
        profile.proxy = None;
    }
    profile
}

/// The profile's settings applied under the flags and the environment: each one the command
/// line and the environment left unset.
fn under(args: &ConnectionArgs, profile: &Profile) -> Result<ConnectionArgs, CliError> {
    let mut args = args.clone();
    let fill = |value: &mut Option<String>, from: &Option<String>| {
        if value.is_none() {
            value.clone_from(from);
        }
    };
    fill(&mut args.base_url, &profile.base_url);
    fill(&mut args.token_url, &profile.token_url);
    fill(&mut args.client_id, &profile.client_id);
    fill(&mut args.username, &profile.username);
    if let (None, Some(proxy)) = (&args.proxy, &profile.proxy)
        && has_password(proxy)
    {
        return Err(CliError::Usage(
            "the profile's proxy has a password, and a profile never holds a secret; give the \
             proxy's URL with its credentials in HTTPS_PROXY (or HTTP_PROXY) instead"
                .into(),
        ));
    }
    fill(&mut args.proxy, &profile.proxy);
    if args.ca_cert.is_none() {
        args.ca_cert.clone_from(&profile.ca_cert);
    }
    if args.timeout.is_none()
        && let Some(seconds) = profile.timeout
    {
        args.timeout = Some(
            crate::cli::timeout_of(seconds)
                .map_err(|why| CliError::Usage(format!("the profile's timeout {why}")))?,
        );
    }
    args.retries = args.retries.or(profile.retries);
    args.no_compression |= profile.no_compression == Some(true);
    Ok(args)
}

/// The most of a `--ca-cert` file read: a bundle of every public CA is about 200 KiB.
const CA_CERT_LIMIT: u64 = 1024 * 1024;

/// `--ca-cert FILE`, read up to its bound.
fn read_ca_cert(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    local_input::read_path_at_most(path, CA_CERT_LIMIT)
        .map_err(|why| CliError::Usage(format!("--ca-cert {}: {why}", path.display())))
}

/// Whether a proxy's `url` holds a password.
fn has_password(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|url| url.password().is_some())
}

/// `--proxy URL`: any user name is kept, a password refused, since a command line is seen by
/// every user of the machine (`ps`) and kept in shell histories. The rest of the URL is
/// checked by the client (`BuildError::InvalidProxy`, a usage error).
fn refuse_a_password(url: &str) -> Result<(), CliError> {
    if has_password(url) {
        return Err(CliError::Usage(
            "--proxy: a password does not belong on the command line, where every user of the \
             machine can see it; give the proxy's URL with its credentials in HTTPS_PROXY (or \
             HTTP_PROXY) instead"
                .into(),
        ));
    }
    Ok(())
}

/// `--token-file`: a token re-read from its file when it is a minute old or refused.
struct TokenFile(std::path::PathBuf);

/// How long a token read from a file is used before the file is read again.
const TOKEN_FILE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60);

/// The most of a token file read: a token is a few hundred bytes, and `/dev/zero` never ends.
const TOKEN_FILE_LIMIT: u64 = 64 * 1024;

impl TokenSource for TokenFile {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let unavailable = |why: String| {
                TokenSourceError::unavailable(format!("--token-file {}: {why}", self.0.display()))
            };
            let text = local_input::read_file_at_most(&self.0, TOKEN_FILE_LIMIT)
                .await
                .and_then(local_input::text)
                .map_err(unavailable)?;
            let token = text.trim();
            if token.is_empty() {
                return Err(unavailable("empty".into()));
            }
            Ok(SourcedToken::new(token).expires_in(TOKEN_FILE_LIFETIME))
        })
    }
}

/// `builder` with the compression, timeout and retries of `args`.
fn tuned(mut builder: ClientBuilder, args: &ConnectionArgs) -> ClientBuilder {
    builder = builder.compression(!args.no_compression);
    if let Some(timeout) = args.timeout {
        builder = builder.request_timeout(Some(timeout));
    }
    match args.retries {
        Some(0) => builder.retry_policy(RetryPolicy::none()),
        Some(retries) => {
            builder.retry_policy(RetryPolicy::new().with_max_attempts(retries.saturating_add(1)))
        }
        None => builder,
    }
}

/// The token *base* URL the client wants, from the token endpoint's full URL.
fn token_base_url(url: &str) -> Result<String, CliError> {
    url.trim_end_matches('/')
        .strip_suffix(TOKEN_PATH)
        .map(str::to_string)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--token-url must be the token endpoint's whole URL, ending in {TOKEN_PATH}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::Cli;

    fn connection(args: &[&str]) -> ConnectionArgs {
        let mut line = vec!["enkash"];
        line.extend_from_slice(args);
        line.push("sandbox");
        line.extend_from_slice(&["--port", "0"]);
        Cli::try_parse_from(line).unwrap().connection
    }

    #[test]
    fn the_token_url_must_end_in_the_token_path() {
        assert_eq!(
            token_base_url("https://auth.example/base/oauth/token/").ok(),
            Some("https://auth.example/base".into())
        );
        let Err(CliError::Usage(message)) = token_base_url("https://auth.example/token") else {
            panic!("a token URL without /oauth/token is a usage error");
        };
        assert!(message.contains("/oauth/token"), "{message}");
    }

    #[test]
    fn credentials_go_together_and_missing_ones_are_named_without_values() {
        let args = connection(&["--base-url", "http://127.0.0.1:1", "--client-id", "CEK1"]);
        let env = |name: &str| (name == PASSWORD_VAR).then(|| "PW-SECRET-1".to_string());
        let Err(CliError::Usage(message)) = builder(&args, None, env) else {
            panic!("incomplete credentials are a usage error");
        };
        assert!(message.contains("ENKASH_CLIENT_SECRET"), "{message}");
        assert!(
            message.contains("--username or ENKASH_USERNAME"),
            "{message}"
        );
        assert!(!message.contains("PW-SECRET-1") && !message.contains("CEK1"));

        let args = connection(&["--base-url", "http://127.0.0.1:1"]);
        assert!(
            builder(&args, None, |_| None).is_ok(),
            "no auth at all is allowed"
        );
        let Err(CliError::Usage(message)) = builder(&connection(&[]), None, |_| None) else {
            panic!("a base URL is required");
        };
        assert!(message.contains("--base-url"), "{message}");
    }

    #[test]
    fn the_profile_fills_what_the_flags_leave_unset() {
        let profile = Profile {
            base_url: Some("https://profile.example".into()),
            username: Some("ops@example.in".into()),
            timeout: Some(2.5),
            retries: Some(4),
            no_compression: Some(true),
            ..Profile::default()
        };
        let merged = under(
            &connection(&["--base-url", "https://flag.example"]),
            &profile,
        )
        .unwrap();
        assert_eq!(merged.base_url.as_deref(), Some("https://flag.example"));
        assert_eq!(merged.username.as_deref(), Some("ops@example.in"));
        assert_eq!(merged.timeout, Some(std::time::Duration::from_millis(2500)));
        assert_eq!(merged.retries, Some(4));
        assert!(merged.no_compression);
        let merged = under(&connection(&["--retries", "0", "--timeout", "9"]), &profile).unwrap();
        assert_eq!(
            (merged.retries, merged.timeout.map(|t| t.as_secs())),
            (Some(0), Some(9))
        );

        let bad = Profile {
            timeout: Some(-1.0),
            ..Profile::default()
        };
        assert!(
            matches!(under(&connection(&[]), &bad), Err(CliError::Usage(m)) if m.contains("timeout"))
        );
        let secret = Profile {
            proxy: Some("http://user:PW-proxy@proxy.internal:3128".into()),
            ..Profile::default()
        };
        let Err(CliError::Usage(message)) = under(&connection(&[]), &secret) else {
            panic!("a proxy password in a profile is refused");
        };
        assert!(
            message.contains("HTTPS_PROXY") && !message.contains("PW-proxy"),
            "{message}"
        );
    }
}
