//! How one operation becomes attempts: progenitor's hooks, retries with backoff, a tracing
//! span per attempt, the bearer token, and the translation of progenitor's result into this
//! crate's [`Error`]: sending one attempt and classifying its outcome happen here and nowhere
//! else.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::{
    ClientHooks, ClientInfo, Error as GeneratedError, OperationInfo, ResponseValue,
};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use tracing::{Instrument, field};

use crate::auth::{Auth, Credentials, FetchedToken, Supply};
use crate::client::Client;
use crate::error::{
    ApiError, AuthenticationError, AuthenticationFailure, Error, TransportError,
    UndecodableResponse, why_undecodable,
};
use crate::hooks::{BodyTooLarge, CallContext, MAX_REDIRECTS, Observed};
use crate::redact::Secrets;
use crate::retry::parse_retry_after;
use crate::token_source::TokenSource;
use crate::{Secret, generated, types};

/// The most of an unexpected response's body read to look for an error envelope in it.
const UNEXPECTED_BODY_LIMIT: usize = 64 * 1024;

impl ClientHooks<CallContext> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), GeneratedError<E>> {
        self.inner().prepare(request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner().send(self.client(), request).await
    }
}

/// What the response of `generated`'s attempt looked like, its headers' text scrubbed of
/// `secrets` (a server may echo one in any header, and these reach errors and logs).
pub(crate) fn observed(generated: &generated::Client, secrets: &Secrets) -> Option<Observed> {
    let mut observed = generated.inner.observed()?;
    for text in [&mut observed.content_type, &mut observed.request_id]
        .into_iter()
        .flatten()
    {
        secrets.scrub_in_place(text);
    }
    for value in observed.headers.values_mut() {
        let Ok(text) = value.to_str() else { continue };
        let scrubbed = secrets.scrub(text);
        if scrubbed != text
            && let Ok(replacement) = HeaderValue::from_str(&scrubbed)
        {
            *value = replacement;
        }
    }
    Some(observed)
}

/// When a whole call must be over ([`CallOptions::deadline`](crate::CallOptions::deadline)).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    at: tokio::time::Instant,
    after: Duration,
}

impl Deadline {
    /// The deadline `after` from now, if there is one.
    pub fn starting_now(after: Option<Duration>) -> Option<Deadline> {
        after.map(|after| Deadline {
            at: tokio::time::Instant::now() + after,
            after,
        })
    }

    fn passed(&self, attempts: u32, when: String) -> Error {
        Error::Timeout(Box::new(TransportError::deadline_passed(
            self.after, attempts, when,
        )))
    }
}

/// `work`, cut short with a deadline error (`when` says at what point) if `deadline` comes
/// first.
pub(crate) async fn within<T>(
    deadline: Option<Deadline>,
    attempts: u32,
    when: impl FnOnce() -> String,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        None => work.await,
        Some(deadline) => tokio::time::timeout_at(deadline.at, work)
            .await
            .unwrap_or_else(|_| Err(deadline.passed(attempts, when()))),
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the retry policy says stop;
/// `retryable` says which errors are worth another attempt of this operation. Each attempt
/// runs in its own `enkash.request` span, and none of it goes past `deadline`: a wait that
/// would cross it is not started. Every error is scrubbed of the client's secrets before it
/// is logged or returned.
pub(crate) async fn with_retries<T, F, Fut>(
    client: &Client,
    operation: &'static str,
    retryable: fn(&Error) -> bool,
    deadline: Option<Deadline>,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let policy = client.retry_policy();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let span = tracing::info_span!(
            "enkash.request",
            operation,
            attempt = attempts,
            status = field::Empty,
            request_id = field::Empty,
            latency_ms = field::Empty,
        );
        let started = Instant::now();
        let mut cut = false;
        let result = within(
            deadline,
            attempts,
            || {
                cut = true;
                format!("during attempt {attempts}")
            },
            attempt().instrument(span.clone()),
        )
        .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        let error = match result {
            Ok(value) => {
                tracing::debug!(parent: &span, "request succeeded");
                return Ok(value);
            }
            Err(error) => error.scrubbed(&client.secrets),
        };
        if cut {
            tracing::debug!(parent: &span, error = %error, "request cut by the deadline");
            return Err(error);
        }
        if let Error::Api(e) = &error
            && let Some(id) = &e.request_id
        {
            span.record("request_id", id.as_str());
        }
        if retryable(&error) && policy.should_retry(attempts) {
            let delay = policy.delay_before_retry(attempts, error.retry_after());
            if let Some(deadline) = deadline
                && tokio::time::Instant::now() + delay >= deadline.at
            {
                tracing::debug!(parent: &span, error = %error, "no retry: the deadline is too near");
                return Err(deadline.passed(
                    attempts,
                    format!(
                        "before attempt {} (after a wait of {delay:?}); attempt {attempts} \
                         failed: {error}",
                        attempts + 1
                    ),
                ));
            }
            tracing::warn!(
                parent: &span,
                delay_ms = delay.as_millis() as u64,
                error = %error,
                "request failed, retrying"
            );
            tokio::time::sleep(delay).await;
            continue;
        }
        tracing::debug!(parent: &span, error = %error, "request failed");
        return Err(with_attempts(error, attempts));
    }
}

/// The `Authorization` header for an API request, fetching a token first if needed.
pub(crate) async fn authorization(client: &Client) -> Result<Option<HeaderValue>, Error> {
    match &client.shared.auth {
        Auth::None => Ok(None),
        Auth::Bearer(header) => Ok(Some(header.clone())),
        Auth::Fetched(cache) => match &cache.supply {
            Supply::Password(credentials) => cache
                .authorization(|refresh_token| fetch_token(client, credentials, refresh_token))
                .await
                .map(Some),
            Supply::Source(source) => cache
                .authorization(|_| from_source(client, source.as_ref()))
                .await
                .map(Some),
        },
    }
}

/// One token from the caller's source. A source that says its credential was rejected is a
/// rejection like the token endpoint's, remembered for good.
async fn from_source(client: &Client, source: &dyn TokenSource) -> Result<FetchedToken, Error> {
    let token = source.token().await.map_err(|error| {
        let reason = if error.is_rejected() {
            AuthenticationFailure::CredentialsRejected
        } else {
            AuthenticationFailure::TokenSourceFailed
        };
        Error::Authentication(Box::new(AuthenticationError {
            reason,
            status: None,
            message: Some(client.secrets.scrub(&error.message)),
            api_error: None,
        }))
    })?;
    if token.token.expose_secret().is_empty() {
        return Err(Error::Authentication(Box::new(AuthenticationError {
            reason: AuthenticationFailure::NoTokenInResponse,
            status: None,
            message: Some("the token source gave an empty token".into()),
            api_error: None,
        })));
    }
    client.secrets.remember_token(token.token.expose_secret());
    Ok(FetchedToken {
        access_token: token.token,
        expires_in: token
            .expires_in
            .map(|lifetime| i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)),
        refresh_token: None,
    })
}

/// A token from the token endpoint: by the refresh grant when a refresh token was kept, and
/// by the password grant when there was none or the endpoint refused it (once: a rejected
/// password is remembered by the cache and never sent again).
async fn fetch_token(
    client: &Client,
    credentials: &Credentials,
    refresh_token: Option<Secret>,
) -> Result<FetchedToken, Error> {
    if let Some(refresh_token) = refresh_token {
        let form = types::RefreshTokenRequest {
            client_id: credentials.form_client_id().to_string(),
            grant_type: types::RefreshGrantType::RefreshToken,
            refresh_token,
        };
        match token_call(client, credentials, form.into()).await {
            Err(Error::Authentication(refused))
                if refused.reason == AuthenticationFailure::CredentialsRejected =>
            {
                tracing::info!(
                    message = refused.message.as_deref().unwrap_or(""),
                    "the refresh token was refused; logging in with the password instead"
                );
            }
            other => return other,
        }
    }
    let form = types::TokenRequest {
        client_id: credentials.form_client_id().to_string(),
        grant_type: types::GrantType::Password,
        password: credentials.password.clone(),
        username: credentials.username.clone(),
    };
    token_call(client, credentials, form.into()).await
}

/// One call of the token endpoint with `form`. Retried only when the request cannot have
/// reached the server (a failed connect): an answer lost on the way back may still have
/// counted as a failed login, and EnKash locks an account after 3.
async fn token_call(
    client: &Client,
    credentials: &Credentials,
    form: types::TokenGrant,
) -> Result<FetchedToken, Error> {
    let basic = credentials.basic_header();
    // Not bounded by a caller's deadline here: a token fetch is shared by every caller that
    // waits for it, and each caller bounds its own wait.
    let token = with_retries(
        client,
        "get_token",
        Error::is_connect_failure,
        None,
        || async {
            // Never follows a redirect: the form holds the password or the refresh token.
            let context = client.call_context(Some(basic.clone()));
            let generated = client.generated(&client.shared.token_base_url, context);
            let result = generated.get_token().body(form.clone()).send().await;
            token_outcome(result, observed(&generated, &client.secrets)).await
        },
    )
    .await?;
    client
        .secrets
        .remember_token(token.access_token.expose_secret());
    if let Some(refresh_token) = &token.refresh_token {
        client.secrets.remember_token(refresh_token.expose_secret());
    }
    Ok(token)
}

/// Adds the attempt count to the errors that report it.
fn with_attempts(mut error: Error, attempts: u32) -> Error {
    if let Error::Transport(e) | Error::Timeout(e) = &mut error {
        e.attempts = attempts;
    }
    error
}

fn record_observed(observed: &Option<Observed>) {
    if let Some(observed) = observed {
        let span = tracing::Span::current();
        span.record("status", observed.status.as_u16());
        if let Some(id) = &observed.request_id {
            span.record("request_id", id.as_str());
        }
    }
}

fn retry_after(observed: &Option<Observed>) -> Option<std::time::Duration> {
    observed
        .as_ref()?
        .retry_after
        .as_ref()
        .and_then(|value| parse_retry_after(value, SystemTime::now()))
}

/// Translates the generated search's result. An envelope with `errorResponse` and no
/// `payload` is an API error whatever the status.
pub(crate) async fn envelope_outcome(
    result: Result<
        ResponseValue<types::CustomerSearchResponse>,
        GeneratedError<types::CustomerSearchResponse>,
    >,
    observed: Option<Observed>,
) -> Result<(StatusCode, types::CustomerSearchResponse), Error> {
    record_observed(&observed);
    let retry_after = retry_after(&observed);
    let envelope_error = |status, envelope: types::CustomerSearchResponse| {
        let response_code = envelope.response_code;
        let response_message = envelope.response_message.clone();
        ApiError::from_envelope(status, envelope, retry_after).unwrap_or(ApiError {
            status,
            error_type: None,
            error_message: None,
            request_id: None,
            api_sub_errors: Vec::new(),
            response_code,
            response_message,
            timestamp: None,
            retry_after,
        })
    };
    let api_error = |error: ApiError| Error::Api(Box::new(error));
    match result {
        Ok(response) => {
            let status = response.status();
            let envelope = response.into_inner();
            if envelope.payload.is_none() && envelope.error_response.is_some() {
                Err(api_error(envelope_error(status, envelope)))
            } else {
                Ok((status, envelope))
            }
        }
        Err(GeneratedError::ErrorResponse(response)) => {
            let status = response.status();
            Err(api_error(envelope_error(status, response.into_inner())))
        }
        Err(GeneratedError::UnexpectedResponse(response)) if response.status().is_redirection() => {
            let rule = if observed
                .as_ref()
                .is_some_and(|o| o.redirects_followed >= MAX_REDIRECTS)
            {
                format!("a search follows at most {MAX_REDIRECTS} redirects")
            } else {
                "a search follows a redirect only within its own origin (scheme, host and port)"
                    .to_string()
            };
            Err(refused_redirect(response.status(), &observed, &rule))
        }
        Err(GeneratedError::UnexpectedResponse(response)) => {
            let (status, content_type, body) = read_bounded(response).await?;
            match serde_json::from_slice::<types::CustomerSearchResponse>(&body) {
                Ok(envelope) if envelope.error_response.is_some() => {
                    Err(api_error(envelope_error(status, envelope)))
                }
                Ok(_) => Err(Error::Undecodable(Box::new(UndecodableResponse::new(
                    status,
                    content_type,
                    &body,
                    retry_after,
                    None,
                )))),
                Err(_) => Err(
                    match ApiError::from_json_leniently(status, &body, retry_after) {
                        Some(error) => api_error(error),
                        None => Error::Undecodable(Box::new(UndecodableResponse::new(
                            status,
                            content_type,
                            &body,
                            retry_after,
                            why_undecodable::<types::CustomerSearchResponse>(&body),
                        ))),
                    },
                ),
            }
        }
        Err(GeneratedError::InvalidResponsePayload(body, _)) => {
            let status = observed.as_ref().map_or(StatusCode::OK, |o| o.status);
            match ApiError::from_json_leniently(status, &body, retry_after) {
                Some(error) => Err(api_error(error)),
                None => Err(Error::Undecodable(Box::new(UndecodableResponse::new(
                    status,
                    observed.as_ref().and_then(|o| o.content_type.clone()),
                    &body,
                    retry_after,
                    why_undecodable::<types::CustomerSearchResponse>(&body),
                )))),
            }
        }
        Err(other) => Err(common_error(other, &observed, retry_after)),
    }
}

/// Translates the generated token call's result. A 4xx but 429 is a verdict on the
/// credentials; a 5xx or 429 is the endpoint's own failure; a 3xx is refused.
async fn token_outcome(
    result: Result<ResponseValue<types::TokenResponse>, GeneratedError<types::TokenError>>,
    observed: Option<Observed>,
) -> Result<FetchedToken, Error> {
    record_observed(&observed);
    let retry_after = retry_after(&observed);
    let authentication = |reason, status: StatusCode, message: Option<String>| {
        Error::Authentication(Box::new(AuthenticationError {
            reason,
            status: Some(status),
            message,
            api_error: None,
        }))
    };
    let rejected = |status, message| {
        authentication(AuthenticationFailure::CredentialsRejected, status, message)
    };
    match result {
        Ok(response) => {
            let (access_token, expires_in, refresh_token) = match response.into_inner() {
                types::TokenResponse::SnakeCaseToken(t) => {
                    (t.access_token, t.expires_in, t.refresh_token)
                }
                types::TokenResponse::CamelCaseToken(t) => {
                    (t.access_token, t.expires_in, t.refresh_token)
                }
            };
            if access_token.is_empty() {
                return Err(authentication(
                    AuthenticationFailure::NoTokenInResponse,
                    StatusCode::OK,
                    Some("the access token is empty".into()),
                ));
            }
            Ok(FetchedToken {
                access_token,
                expires_in: expires_in.map(|seconds| seconds.get()),
                // An empty one is no refresh token.
                refresh_token: refresh_token.filter(|t| !t.expose_secret().is_empty()),
            })
        }
        Err(GeneratedError::ErrorResponse(response)) => {
            let status = response.status();
            let body = response.into_inner();
            Err(rejected(status, body.error_description.or(body.error)))
        }
        Err(GeneratedError::UnexpectedResponse(response)) if response.status().is_redirection() => {
            let status = response.status();
            let to = observed
                .as_ref()
                .and_then(|o| o.redirect_to.clone())
                .unwrap_or_else(|| "no usable Location".into());
            Err(authentication(
                AuthenticationFailure::Redirected,
                status,
                Some(format!("HTTP {} to {to}", status.as_u16())),
            ))
        }
        Err(GeneratedError::UnexpectedResponse(response)) => {
            let (status, content_type, body) = read_bounded(response).await?;
            if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
                return Err(rejected(status, token_error_message(&body)));
            }
            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                let message = token_error_message(&body)
                    .or_else(|| content_type.map(|t| format!("a {} bytes {t} body", body.len())));
                return Err(authentication(
                    AuthenticationFailure::TokenEndpointFailed,
                    status,
                    message,
                ));
            }
            // Not a token (a 204, say): its body may still be one, so none of it is kept.
            Err(Error::Undecodable(Box::new(UndecodableResponse::new(
                status,
                content_type,
                b"",
                retry_after,
                None,
            ))))
        }
        Err(GeneratedError::InvalidResponsePayload(body, _))
            if observed
                .as_ref()
                .is_some_and(|o| o.status == StatusCode::OK) =>
        {
            // An OAuth error under 200 (`{"error": "invalid_grant", …}`) is a rejection all
            // the same: treating it as anything else would send the password again.
            if is_oauth_error(&body) {
                return Err(rejected(StatusCode::OK, token_error_message(&body)));
            }
            Err(authentication(
                AuthenticationFailure::NoTokenInResponse,
                StatusCode::OK,
                Some(why_no_token(&body)),
            ))
        }
        Err(GeneratedError::InvalidResponsePayload(body, _))
            if observed
                .as_ref()
                .is_some_and(|o| o.status.is_client_error()) =>
        {
            // A 400 or 401 whose body is not the documented error: still a rejection.
            let status = observed
                .as_ref()
                .map_or(StatusCode::UNAUTHORIZED, |o| o.status);
            Err(rejected(status, token_error_message(&body)))
        }
        Err(other) => Err(common_error(other, &observed, retry_after)),
    }
}

/// Why a 200 from the token endpoint holds no token, in the generated shapes' own words
/// (missing field `access_token`), never quoting a value: the body may hold a token.
fn why_no_token(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(_)) => {}
        Ok(_) => return format!("the {} bytes are JSON but not an object", body.len()),
        Err(_) => {
            return format!(
                "the {} bytes are not JSON: {}",
                body.len(),
                why_undecodable::<serde_json::Value>(body).unwrap_or_default()
            );
        }
    }
    let shape = |why: Option<String>, name: &str| match why {
        None => format!("the {name} shape decodes"),
        Some(why) => format!("not the {name} shape: {why}"),
    };
    let snake = shape(why_undecodable::<types::SnakeCaseToken>(body), "snake_case");
    let camel = shape(why_undecodable::<types::CamelCaseToken>(body), "camelCase");
    format!("{snake}; {camel}")
}

/// Whether `body` is an OAuth error (`{"error": "invalid_grant", …}`) or EnKash's error
/// envelope, rather than a token.
fn is_oauth_error(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|value| {
        value.get("error").is_some_and(serde_json::Value::is_string)
            || value
                .pointer("/errorResponse")
                .is_some_and(serde_json::Value::is_object)
    })
}

/// The explanation in a token endpoint's error body, whichever shape it has.
fn token_error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    [
        "/error_description",
        "/errorResponse/errorMessage",
        "/message",
        "/error",
    ]
    .iter()
    .find_map(|pointer| value.pointer(pointer)?.as_str().map(str::to_string))
}

/// The translation shared by every operation, for the outcomes that do not depend on it.
fn common_error<E>(
    error: GeneratedError<E>,
    observed: &Option<Observed>,
    retry_after: Option<std::time::Duration>,
) -> Error {
    let status = observed.as_ref().map(|o| o.status);
    match error {
        GeneratedError::InvalidRequest(reason) => Error::invalid_request("request", reason),
        GeneratedError::CommunicationError(e) | GeneratedError::ResponseBodyError(e) => {
            transport(e, status)
        }
        GeneratedError::InvalidResponsePayload(body, _) => {
            Error::Undecodable(Box::new(UndecodableResponse::new(
                status.unwrap_or(StatusCode::OK),
                observed.as_ref().and_then(|o| o.content_type.clone()),
                &body,
                retry_after,
                why_undecodable::<serde_json::Value>(&body),
            )))
        }
        GeneratedError::ErrorResponse(response) => {
            Error::Undecodable(Box::new(UndecodableResponse::new(
                response.status(),
                observed.as_ref().and_then(|o| o.content_type.clone()),
                b"",
                retry_after,
                None,
            )))
        }
        GeneratedError::UnexpectedResponse(response) => Error::Undecodable(Box::new(
            UndecodableResponse::new(response.status(), None, b"", retry_after, None),
        )),
        GeneratedError::InvalidUpgrade(e) => transport(e, status),
        GeneratedError::Custom(detail) => Error::Transport(Box::new(TransportError {
            status,
            connect: false,
            attempts: 1,
            deadline: None,
            source: None,
            detail: Some(detail),
        })),
    }
}

/// A refused redirect, as an error naming the status and the origin it pointed to.
fn refused_redirect(status: StatusCode, observed: &Option<Observed>, rule: &str) -> Error {
    let to = observed
        .as_ref()
        .and_then(|o| o.redirect_to.as_deref())
        .unwrap_or("no usable Location");
    Error::Undecodable(Box::new(UndecodableResponse::refused(
        status,
        observed.as_ref().and_then(|o| o.content_type.clone()),
        format!(
            "a redirect (HTTP {}) to {to} was not followed: {rule}",
            status.as_u16()
        ),
    )))
}

fn transport(error: reqwest::Error, status: Option<StatusCode>) -> Error {
    if let Some(too_large) = find_source::<BodyTooLarge>(&error) {
        return Error::Undecodable(Box::new(UndecodableResponse::refused(
            too_large.status,
            None,
            too_large.to_string(),
        )));
    }
    let timeout = error.is_timeout();
    let error = Box::new(TransportError::from_reqwest(error, status));
    if timeout {
        Error::Timeout(error)
    } else {
        Error::Transport(error)
    }
}

/// The first error of type `T` in `error`'s chain of sources.
fn find_source<T: std::error::Error + 'static>(error: &reqwest::Error) -> Option<&T> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        source = error.source();
    }
    None
}

/// The status, content type and at most [`UNEXPECTED_BODY_LIMIT`] bytes of the body.
async fn read_bounded(
    mut response: reqwest::Response,
) -> Result<(StatusCode, Option<String>, Vec<u8>), Error> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = Vec::new();
    while body.len() < UNEXPECTED_BODY_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => return Err(transport(e, Some(status))),
        }
    }
    Ok((status, content_type, body))
}
