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
                .map_err(|e| e.through(&shared.token_via));
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
        Answer::Other(body) => match with_numbers_in_range(&body) {
            Some(token) => granted(token),
            None => Err(undocumented(&body, retry_after)),
        },
    }
}

/// The token in a 200's `body` that serde_json refused only for a number beyond an `f64`
/// (`"expires_in": 1e400`, a 400-digit integer), each such number read as the largest finite
/// one of its sign: a token the endpoint issued is used, whatever it says of its lifetime.
fn with_numbers_in_range(body: &Body) -> Option<types::TokenResponse> {
    if body.status != StatusCode::OK {
        return None;
    }
    let mut bytes = body.bytes.clone();
    // A token's body holds a few numbers at most; each pass mends one.
    for _ in 0..8 {
        let error = match serde_json::from_slice::<types::TokenResponse>(&bytes) {
            Ok(token) => return (bytes != body.bytes).then_some(token),
            Err(error) if error.to_string().starts_with("number out of range") => error,
            Err(_) => return None,
        };
        let (start, end) = number_before(&bytes, error.line(), error.column())?;
        let finite: &[u8] = if bytes[start] == b'-' {
            b"-1e308"
        } else {
            b"1e308"
        };
        bytes.splice(start..end, finite.iter().copied());
    }
    None
}

/// Where the number literal starts and ends that serde_json stopped in or just after (`line`
/// and `column`, 1-based, the column in bytes: it stops early in a long exponent).
fn number_before(bytes: &[u8], line: usize, column: usize) -> Option<(usize, usize)> {
    let line_start = if line <= 1 {
        0
    } else {
        bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(line - 2)?
            .0
            + 1
    };
    let in_number = |b: &u8| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E');
    let mut end = (line_start + column).min(bytes.len());
    while end > line_start && !in_number(&bytes[end - 1]) {
        end -= 1;
    }
    let start = bytes[..end]
        .iter()
        .rposition(|b| !in_number(b))
        .map_or(0, |at| at + 1);
    let end = end + bytes[end..].iter().take_while(|b| in_number(b)).count();
    let first = *bytes.get(start)?;
    (start < end && (first.is_ascii_digit() || first == b'-')).then_some((start, end))
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
            let why = body
                .encoding_note()
                .unwrap_or_else(|| why_no_token(&body.bytes));
            authentication(AuthenticationFailure::NoTokenInResponse, status, Some(why))
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

    fn ok(body: &str) -> Body {
        Body {
            status: StatusCode::OK,
            content_type: None,
            content_encoding: None,
            bytes: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn numbers_past_an_f64_are_read_as_the_largest_finite_one_of_their_sign() {
        let lifetime = |body: &str| match with_numbers_in_range(&ok(body)) {
            Some(token) => granted(token).unwrap().lifetime,
            None => panic!("no token in {body}"),
        };
        let day = Some(MAX_TOKEN_LIFETIME);
        // Past lines of other text, and more than one number.
        let body = "{\"note\": \"é ü\",\n  \"access_token\": \"t\", \"n\": -2e999,\n  \"expires_in\": 1e400}";
        assert_eq!(lifetime(body), day);
        // The column counts bytes: multi-byte text before the number on its line.
        let line = "{\"é\": \"ü\", \"expires_in\": 12e999}";
        let error = serde_json::from_str::<serde_json::Value>(line).unwrap_err();
        let (start, end) = number_before(line.as_bytes(), error.line(), error.column()).unwrap();
        assert_eq!(&line[start..end], "12e999");
        // An exponent too long for serde_json to read to its end.
        let long = format!(
            r#"{{"access_token":"t","expires_in":1e{}}}"#,
            "9".repeat(80)
        );
        assert_eq!(lifetime(&long), day);
        assert_eq!(
            lifetime(r#"{"accessToken":"t","expiresIn":-1E+400}"#),
            Some(MIN_TOKEN_LIFETIME)
        );
        // A body that decodes, or fails for another reason, is not this function's.
        for body in [
            r#"{"access_token":"t","expires_in":60}"#,
            r#"{"access_token":"t","expires_in":1e400"#,
            r#"{"expires_in":1e400}"#,
        ] {
            assert!(with_numbers_in_range(&ok(body)).is_none(), "{body}");
        }
        let mut not_ok = ok(r#"{"access_token":"t","expires_in":1e400}"#);
        not_ok.status = StatusCode::CREATED;
        assert!(with_numbers_in_range(&not_ok).is_none());
    }

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
