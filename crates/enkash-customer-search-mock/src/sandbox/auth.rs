//! `POST /oauth/token` and the bearer tokens it issues: EnKash's password grant, with its
//! lockout after 3 consecutive failed attempts. The rules are documented on
//! [the `sandbox` module](super#the-token-call).

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::json;

use super::envelope::{ApiError, gateway_html, json_response, token_error};
use super::faults::TokenFault;
use super::rng;
use super::{
    SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PASSWORD, SANDBOX_USERNAME, Shared,
    broken_bodies,
};
use enkash_customer_search::types;

/// Consecutive failed attempts after which an account is locked.
pub(crate) const LOCKOUT_AFTER: u32 = 3;

/// How long an expired token is remembered (to answer "expired" rather than "invalid").
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Issued tokens and failed-attempt counts.
#[derive(Debug)]
pub(crate) struct Auth {
    lifetime: Duration,
    /// Whether [`LOCKOUT_AFTER`] failures lock an account.
    lockout: bool,
    state: Mutex<AuthState>,
}

#[derive(Debug, Default)]
struct AuthState {
    /// Each issued token and when it expires (`None`: never).
    tokens: HashMap<String, Option<Instant>>,
    /// Consecutive failed attempts by lower-cased username.
    failures: HashMap<String, u32>,
    /// The refresh tokens issued and not used yet (each is good for one refresh).
    refresh_tokens: HashSet<String>,
    /// Password grants answered with a token or a rejection.
    password_logins: usize,
    /// Refresh grants answered with a token or a rejection.
    refresh_grants: usize,
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Missing,
    Unknown,
    Expired,
}

impl Auth {
    pub fn new(lifetime: Duration, lockout: bool) -> Self {
        Auth {
            lifetime,
            lockout,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, AuthState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `token`, valid for the token lifetime, or for good when `forever`.
    pub fn register(&self, token: String, forever: bool) {
        let now = Instant::now();
        let expiry = (!forever).then(|| now + self.lifetime);
        let mut state = self.state();
        // Forget tokens long expired; recently expired ones are still told apart from unknown.
        state
            .tokens
            .retain(|_, expiry| expiry.is_none_or(|at| now.duration_since(at) < FORGET_AFTER));
        state.tokens.insert(token, expiry);
    }

    /// Whether `headers` carry `Authorization: Bearer <a token this sandbox issued that has not
    /// expired>`.
    pub fn check_bearer(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or(Refusal::Missing)?;
        match self.state().tokens.get(token) {
            None => Err(Refusal::Unknown),
            Some(Some(expiry)) if *expiry <= Instant::now() => Err(Refusal::Expired),
            Some(_) => Ok(()),
        }
    }

    /// How many password grants and refresh grants were answered (not counting faults or
    /// malformed forms).
    pub fn grants(&self) -> (usize, usize) {
        let state = self.state();
        (state.password_logins, state.refresh_grants)
    }

    /// Forgets every refresh token issued, as a server that revoked them would.
    pub fn revoke_refresh_tokens(&self) {
        self.state().refresh_tokens.clear();
    }

    /// `expires_in`: the lifetime in whole seconds, rounded down so that a client refreshes
    /// before the sandbox stops accepting the token.
    fn expires_in(&self) -> u64 {
        self.lifetime.as_secs()
    }
}

impl Refusal {
    /// The 401 envelope for this refusal.
    pub fn into_error(self) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            match self {
                Refusal::Missing => "Full authentication is required to access this resource",
                Refusal::Unknown => "Invalid access token",
                Refusal::Expired => "Access token expired",
            },
        )
    }
}

/// Answers one token request.
pub(crate) fn token(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Response {
    if let Some(fault) = shared.faults.take_next_token() {
        return token_fault(fault, headers, body);
    }
    let form = match parse_form(headers, body) {
        Ok(types::TokenGrant::TokenRequest(form)) => form,
        Ok(types::TokenGrant::RefreshTokenRequest(form)) => {
            return refresh(shared, headers, &form);
        }
        Ok(_) => {
            return token_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            );
        }
        Err(description) => {
            return token_error(StatusCode::BAD_REQUEST, "invalid_request", &description);
        }
    };
    let auth = &shared.auth;
    let account = form.username.to_lowercase();
    let mut state = auth.state();
    state.password_logins += 1;
    let failures = state.failures.get(&account).copied().unwrap_or(0);
    if auth.lockout && failures >= LOCKOUT_AFTER {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_grant",
            "User account is locked",
        );
    }
    let valid = basic_credentials(headers)
        .is_some_and(|(id, secret)| id == SANDBOX_CLIENT_ID && secret == SANDBOX_CLIENT_SECRET)
        && form.client_id == SANDBOX_CLIENT_ID
        && account == SANDBOX_USERNAME.to_lowercase()
        && form.password.expose_secret() == SANDBOX_PASSWORD;
    if !valid {
        state.failures.insert(account, failures + 1);
        return token_error(StatusCode::UNAUTHORIZED, "invalid_grant", "Bad credentials");
    }
    state.failures.remove(&account);
    drop(state);
    issue(shared)
}

/// Answers the refresh grant: a refresh token issued before and not used yet, with this
/// sandbox's client id and secret, is exchanged for a new token and a new refresh token.
/// A refused refresh does not count towards the lockout: no password was sent.
fn refresh(shared: &Shared, headers: &HeaderMap, form: &types::RefreshTokenRequest) -> Response {
    let client = basic_credentials(headers)
        .is_some_and(|(id, secret)| id == SANDBOX_CLIENT_ID && secret == SANDBOX_CLIENT_SECRET)
        && form.client_id == SANDBOX_CLIENT_ID;
    let mut state = shared.auth.state();
    state.refresh_grants += 1;
    if !client {
        return token_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Bad client credentials",
        );
    }
    if !state
        .refresh_tokens
        .remove(form.refresh_token.expose_secret())
    {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid refresh token",
        );
    }
    drop(state);
    issue(shared)
}

/// A new access token and refresh token, in Spring OAuth2's shape.
fn issue(shared: &Shared) -> Response {
    let auth = &shared.auth;
    let access_token = rng::uuid();
    auth.register(access_token.clone(), false);
    let refresh_token = rng::uuid();
    auth.state().refresh_tokens.insert(refresh_token.clone());
    let expires_in = if shared.faults.string_numbers_in_token_on() {
        json!(auth.expires_in().to_string())
    } else {
        json!(auth.expires_in())
    };
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "token_type": "bearer",
            "refresh_token": refresh_token,
            "expires_in": expires_in,
            "scope": "read write",
        }),
    )
}

/// The answer a token fault gives instead of the token call's.
fn token_fault(fault: TokenFault, headers: &HeaderMap, body: &[u8]) -> Response {
    match fault {
        TokenFault::Status(status) => gateway_html(status),
        TokenFault::Redirect(status, location) => broken_bodies::redirect(status, &location),
        TokenFault::EchoCredentials => {
            let (username, password) = match parse_form(headers, body) {
                Ok(types::TokenGrant::TokenRequest(form)) => {
                    (form.username, form.password.expose_secret().to_string())
                }
                Ok(types::TokenGrant::RefreshTokenRequest(form)) => (
                    String::new(),
                    form.refresh_token.expose_secret().to_string(),
                ),
                Ok(_) => Default::default(),
                Err(_) => Default::default(),
            };
            let (id, secret) = basic_credentials(headers).unwrap_or_default();
            let authorization = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                &format!(
                    "Bad credentials for {username} / {password} (client {id}:{secret}, \
                     Authorization: {authorization})"
                ),
            )
        }
    }
}

/// The form as the generated `TokenRequest`, or the `error_description` of a 400: a field
/// missing or given twice, a `grant_type` other than `password` (fields it does not have are
/// ignored).
fn parse_form(headers: &HeaderMap, body: &[u8]) -> Result<types::TokenGrant, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(format!(
            "Content type '{content_type}' not supported; send application/x-www-form-urlencoded"
        ));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| format!("Bad request: {e}"))
}

/// The id and secret of an `Authorization: Basic` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(BASE64_STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_expire_and_forever_tokens_do_not() {
        let auth = Auth::new(Duration::ZERO, true);
        let bearer = |token: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::AUTHORIZATION,
                format!("Bearer {token}").parse().unwrap(),
            );
            headers
        };
        auth.register("short".into(), false);
        auth.register("long".into(), true);
        assert_eq!(auth.check_bearer(&bearer("short")), Err(Refusal::Expired));
        assert_eq!(auth.check_bearer(&bearer("long")), Ok(()));
        assert_eq!(auth.check_bearer(&bearer("other")), Err(Refusal::Unknown));
        assert_eq!(auth.check_bearer(&HeaderMap::new()), Err(Refusal::Missing));
    }
}
