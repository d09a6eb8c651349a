//! The token endpoint (`POST /oauth/token`): one grant's request, and what its answers mean.
//!
//! Retried only when the request cannot have reached the server (a failed connect): an answer
//! lost on the way back may still have counted as a failed login, and EnKash locks an account
//! after 3. A 4xx but 408 and 429 is a verdict on the credentials; a 5xx, 408 or 429 the
//! endpoint's own failure; a 3xx is refused, never followed (the form holds the password or
//! the refresh token).

use std::time::Duration;

use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::StatusCode;

use super::credentials::Credentials;
use super::login_limit::LoginLimit;
use super::{MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME};
use crate::call::{self, Answer, Body, classify, record_observed, redirect_target};
use crate::error::{AuthenticationError, AuthenticationFailure, Error, why_undecodable};
use crate::hooks::Observed;
use crate::retry::retryable_status;
use crate::settings::Shared;
use crate::{Secret, types};

/// A token from the endpoint.
pub(crate) struct GrantedToken {
    pub access_token: Secret,
    /// `expires_in`, as a duration in [`token_lifetime`]'s range.
    pub lifetime: Option<Duration>,
    /// For the refresh grant, when the endpoint gave one.
    pub refresh_token: Option<Secret>,
}

/// One grant (`form`) at the token endpoint. With `logins`, each request is counted against
/// the password's limit before it goes.
pub(crate) async fn request_token(
    shared: &Shared,
    credentials: &Credentials,
    form: types::TokenGrant,
    logins: Option<&LoginLimit>,
) -> Result<GrantedToken, Error> {
    let basic = credentials.basic_header();
    let token = call::with_retries(
        &shared.retry,
        &shared.secrets,
        "get_token",
        Error::is_connect_failure,
        None,
        || async {
            let login = logins.map(LoginLimit::send).transpose()?;
            let context = shared.call_context(Some(basic.clone()), shared.request_timeout);
            let generated = shared.generated(&shared.token_base_url, context);
            let result = generated.get_token().body(form.clone()).send().await;
            let outcome = token_outcome(result, call::observed(&generated, &shared.secrets))
                .await
                .map_err(|e| e.through(|| shared.proxy.via(&shared.token_base_url)));
            if let Some(login) = login {
                login.settle(&outcome);
            }
            outcome
        },
    )
    .await?;
    shared
        .secrets
        .remember_token(token.access_token.expose_secret());
    Ok(token)
}

/// What the token endpoint's answer means.
async fn token_outcome(
    result: Result<ResponseValue<types::TokenResponse>, GeneratedError<types::TokenError>>,
    observed: Option<Observed>,
) -> Result<GrantedToken, Error> {
    record_observed(&observed);
    let retry_after = call::retry_after(&observed);
    match classify(result, &observed).await? {
        Answer::Success(_, token) => granted(token),
        Answer::Documented(status, body) => {
            Err(rejected(status, body.error_description.or(body.error)))
        }
        Answer::Redirect(status) => Err(authentication(
            AuthenticationFailure::Redirected,
            status,
            Some(format!(
                "HTTP {} to {}",
                status.as_u16(),
                redirect_target(&observed)
            )),
        )),
        Answer::Other(body) => Err(undocumented(&body, retry_after)),
    }
}

fn granted(token: types::TokenResponse) -> Result<GrantedToken, Error> {
    let (access_token, expires_in, refresh_token) = match token {
        types::TokenResponse::SnakeCaseToken(t) => (t.access_token, t.expires_in, t.refresh_token),
        types::TokenResponse::CamelCaseToken(t) => (t.access_token, t.expires_in, t.refresh_token),
    };
    if access_token.is_empty() {
        return Err(authentication(
            AuthenticationFailure::NoTokenInResponse,
            StatusCode::OK,
            Some("the access token is empty".into()),
        ));
    }
    Ok(GrantedToken {
        access_token,
        lifetime: expires_in.map(|seconds| token_lifetime(seconds.get())),
        // An empty one is no refresh token.
        refresh_token: refresh_token.filter(|t| !t.expose_secret().is_empty()),
    })
}

/// A lifetime of `seconds` as the endpoint gave it, within [`MIN_TOKEN_LIFETIME`] and
/// [`MAX_TOKEN_LIFETIME`]: a token the endpoint issued is used, whatever it says of itself. Under
/// a second (zero, negative: a server's slip, or a clock's) is a second, so such a server costs a
/// login a second rather than one a request; past a day is a day (a token that lapses sooner
/// is renewed when the API refuses it).
pub(crate) fn token_lifetime(seconds: i64) -> Duration {
    let seconds = u64::try_from(seconds).unwrap_or(0);
    Duration::from_secs(seconds).clamp(MIN_TOKEN_LIFETIME, MAX_TOKEN_LIFETIME)
}

/// An answer that is not as documented, by its status: under 200 an OAuth error is a
/// rejection all the same (taking it for anything else would send the password again), a 5xx
/// or a status a search is retried after (408, 429) the endpoint's failure, any other 4xx a
/// rejection whatever its body.
fn undocumented(body: &Body, retry_after: Option<Duration>) -> Error {
    let status = body.status;
    if status == StatusCode::OK {
        return if is_oauth_error(&body.bytes) {
            rejected(status, token_error_message(&body.bytes))
        } else {
            authentication(
                AuthenticationFailure::NoTokenInResponse,
                status,
                Some(why_no_token(&body.bytes)),
            )
        };
    }
    let failed = status.is_server_error() || retryable_status(status);
    if status.is_client_error() && !failed {
        return rejected(status, token_error_message(&body.bytes));
    }
    if failed {
        let message = token_error_message(&body.bytes).or_else(|| {
            body.content_type
                .as_ref()
                .map(|t| format!("a {} bytes {t} body", body.bytes.len()))
        });
        return authentication(AuthenticationFailure::TokenEndpointFailed, status, message);
    }
    // Not a token (a 204, say): its body may still be one, so none of it is kept.
    body.undecodable(b"", retry_after, None)
}

fn authentication(
    reason: AuthenticationFailure,
    status: StatusCode,
    message: Option<String>,
) -> Error {
    Error::Authentication(Box::new(AuthenticationError::new(
        reason,
        Some(status),
        message,
    )))
}

fn rejected(status: StatusCode, message: Option<String>) -> Error {
    authentication(AuthenticationFailure::CredentialsRejected, status, message)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lifetime_is_clamped_to_a_second_and_a_day() {
        for (seconds, lifetime) in [
            (86_399, 86_399),
            (1, 1),
            (0, 1),
            (-5, 1),
            (i64::MIN, 1),
            (86_400, 86_400),
            (86_401, 86_400),
            (i64::MAX, 86_400),
        ] {
            assert_eq!(
                token_lifetime(seconds),
                Duration::from_secs(lifetime),
                "{seconds}"
            );
        }
    }
}
