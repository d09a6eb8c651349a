//! [`AuthSetting`]: how a [`ClientBuilder`](crate::ClientBuilder) was told to authenticate,
//! checked and turned into the secrets to scrub and the [`Supply`] the cache stands in front of.

use std::time::Duration;

use super::supply::{FromSource, StaticToken, Supply};
use super::{Credentials, PasswordGrant, TokenSource, sensitive_header};
use crate::Secret;
use crate::error::BuildError;
use crate::redact::Secrets;

/// How requests are to be authenticated.
pub(crate) enum AuthSetting {
    None,
    Bearer(Secret),
    Credentials(Credentials),
    Source(Box<dyn TokenSource>),
}

impl AuthSetting {
    /// The secrets of this setting, in every form a server may echo them.
    pub fn secrets(&self) -> Secrets {
        match self {
            AuthSetting::None => Secrets::new([]),
            AuthSetting::Bearer(token) => Secrets::new([token.expose_secret()]),
            AuthSetting::Credentials(credentials) => {
                let basic = credentials.basic_header();
                let basic = basic.to_str().unwrap_or_default();
                Secrets::new([
                    credentials.password.expose_secret(),
                    credentials.client_secret.expose_secret(),
                    basic.strip_prefix("Basic ").unwrap_or(basic),
                ])
            }
            // Its tokens are remembered as they come.
            AuthSetting::Source(_) => Secrets::new([]),
        }
    }

    /// The supply of tokens this setting describes, checked.
    pub fn supply(self, login_cooldown: Duration) -> Result<Option<Box<dyn Supply>>, BuildError> {
        Ok(Some(match self {
            AuthSetting::None => return Ok(None),
            AuthSetting::Bearer(token) => {
                if token.expose_secret().is_empty() {
                    return Err(BuildError::InvalidCredentials(
                        "the bearer token is empty".into(),
                    ));
                }
                if sensitive_header(&format!("Bearer {}", token.expose_secret())).is_err() {
                    return Err(BuildError::InvalidCredentials(
                        "the bearer token has characters an HTTP header cannot carry".into(),
                    ));
                }
                Box::new(StaticToken(token))
            }
            AuthSetting::Credentials(credentials) => {
                check_credentials(&credentials)?;
                Box::new(PasswordGrant::new(credentials, login_cooldown))
            }
            AuthSetting::Source(source) => Box::new(FromSource(source)),
        }))
    }
}

fn check_credentials(credentials: &Credentials) -> Result<(), BuildError> {
    let missing = [
        ("client id", credentials.client_id.is_empty()),
        (
            "client secret",
            credentials.client_secret.expose_secret().is_empty(),
        ),
        ("username", credentials.username.is_empty()),
        ("password", credentials.password.expose_secret().is_empty()),
    ];
    if let Some((name, _)) = missing.iter().find(|(_, empty)| *empty) {
        return Err(BuildError::InvalidCredentials(format!(
            "the {name} is empty"
        )));
    }
    if credentials.client_id.contains(':') {
        // HTTP Basic cannot carry a colon in the user part: EnKash would see another id.
        return Err(BuildError::InvalidCredentials(
            "the client id contains ':', which HTTP Basic cannot carry".into(),
        ));
    }
    Ok(())
}
