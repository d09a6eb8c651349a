//! One set of environment variable names for every program built on this crate (its examples,
//! the `enkash` CLI, a downstream service), so that a deployment configures them all alike.

use crate::auth::Credentials;
use crate::error::BuildError;

/// The base URL (`ENKASH_BASE_URL`).
pub const BASE_URL_VAR: &str = "ENKASH_BASE_URL";
/// A bearer token to send as it is (`ENKASH_TOKEN`).
pub const TOKEN_VAR: &str = "ENKASH_TOKEN";
/// The API client id (`ENKASH_CLIENT_ID`), with the three below.
pub const CLIENT_ID_VAR: &str = "ENKASH_CLIENT_ID";
/// The API client secret (`ENKASH_CLIENT_SECRET`).
pub const CLIENT_SECRET_VAR: &str = "ENKASH_CLIENT_SECRET";
/// The user's e-mail (`ENKASH_USERNAME`).
pub const USERNAME_VAR: &str = "ENKASH_USERNAME";
/// The user's password (`ENKASH_PASSWORD`).
pub const PASSWORD_VAR: &str = "ENKASH_PASSWORD";

/// The variables reqwest reads for a proxy when none is given to the
/// [`ClientBuilder`](crate::ClientBuilder), in its order, and the hosts that go direct
/// (`NO_PROXY`); a test that must not go through the machine's proxy clears them all.
pub const PROXY_VARS: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// What the environment configures.
#[derive(Debug)]
pub(crate) struct Settings {
    pub base_url: String,
    pub auth: Auth,
}

/// How the environment says to authenticate.
#[derive(Debug)]
pub(crate) enum Auth {
    None,
    Token(String),
    Credentials(Credentials),
}

/// The settings that `var` (the environment, or a test's map) holds: [`BASE_URL_VAR`]
/// (required), then either [`TOKEN_VAR`], or all four of [`CLIENT_ID_VAR`],
/// [`CLIENT_SECRET_VAR`], [`USERNAME_VAR`] and [`PASSWORD_VAR`]; with none of them, no
/// authentication. Only the names of missing variables appear in errors, never a value.
pub(crate) fn settings_from(var: impl Fn(&str) -> Option<String>) -> Result<Settings, BuildError> {
    let base_url = var(BASE_URL_VAR).ok_or_else(|| BuildError::InvalidBaseUrl {
        url: String::new(),
        reason: format!("{BASE_URL_VAR} is not set"),
    })?;
    let settings = |auth| Ok(Settings { base_url, auth });
    if let Some(token) = var(TOKEN_VAR) {
        return settings(Auth::Token(token));
    }
    let names = [CLIENT_ID_VAR, CLIENT_SECRET_VAR, USERNAME_VAR, PASSWORD_VAR];
    let values: Vec<Option<String>> = names.iter().map(|name| var(name)).collect();
    match values.as_slice() {
        [Some(id), Some(secret), Some(username), Some(password)] => {
            settings(Auth::Credentials(Credentials::new(
                id.clone(),
                secret.clone(),
                username.clone(),
                password.clone(),
            )))
        }
        [None, None, None, None] => settings(Auth::None),
        _ => {
            let missing: Vec<&str> = names
                .iter()
                .zip(&values)
                .filter(|(_, value)| value.is_none())
                .map(|(name, _)| *name)
                .collect();
            Err(BuildError::InvalidCredentials(format!(
                "{} not set (the four credential variables go together)",
                missing.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn build(vars: &[(&str, &str)]) -> Result<crate::Client, BuildError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        crate::ClientBuilder::from_settings(settings_from(|name| vars.get(name).cloned())?).build()
    }

    #[test]
    fn the_base_url_is_required_and_the_credentials_go_together() {
        let err = build(&[]).unwrap_err();
        assert!(
            err.to_string().contains("ENKASH_BASE_URL is not set"),
            "{err}"
        );

        let err = build(&[
            (BASE_URL_VAR, "http://127.0.0.1:1"),
            (CLIENT_ID_VAR, "CEK1"),
            (PASSWORD_VAR, "PW-env-1"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("ENKASH_CLIENT_SECRET, ENKASH_USERNAME not set"),
            "{err}"
        );
        assert!(!err.contains("PW-env-1"), "{err}");

        let client = build(&[(BASE_URL_VAR, "http://127.0.0.1:1/x/")]).unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:1/x");
        assert!(build(&[(BASE_URL_VAR, "http://h"), (TOKEN_VAR, "TK-1")]).is_ok());
        let all = [
            (BASE_URL_VAR, "http://h"),
            (CLIENT_ID_VAR, "CEK1"),
            (CLIENT_SECRET_VAR, "S-1"),
            (USERNAME_VAR, "u@x.in"),
            (PASSWORD_VAR, "PW-1"),
        ];
        let shown = format!("{:?}", build(&all).unwrap());
        assert!(shown.contains("CEK1") && !shown.contains("PW-1") && !shown.contains("S-1"));
    }
}
