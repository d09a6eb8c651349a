//! The password grant, and the refresh grant in front of it: a token by the refresh token
//! while one is kept, by the password when there is none or it was refused. The password goes
//! through the [`LoginLimit`]; the refresh grant does not count against it (a refused refresh
//! token is no failed login).

use std::sync::Mutex;
use std::time::Duration;

use super::credentials::Credentials;
use super::login_limit::LoginLimit;
use super::supply::{Fetch, Supply, Token};
use super::token_endpoint::{GrantedToken, request_token};
use crate::error::{AuthenticationFailure, Error, TransportError, TransportErrorKind};
use crate::settings::Shared;
use crate::{Secret, types};

#[derive(Debug)]
pub(crate) struct PasswordGrant {
    credentials: Credentials,
    logins: LoginLimit,
    /// The refresh token of the last token response that had one, while it is not refused.
    refresh_token: Mutex<Option<Secret>>,
}

impl PasswordGrant {
    pub fn new(credentials: Credentials, login_cooldown: Duration) -> Self {
        PasswordGrant {
            credentials,
            logins: LoginLimit::new(login_cooldown),
            refresh_token: Mutex::new(None),
        }
    }

    fn kept_refresh_token(&self) -> std::sync::MutexGuard<'_, Option<Secret>> {
        self.refresh_token
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `refresh_token` (or none) from now on, and tells the client's scrubber, which
    /// hides the live refresh token for as long as it is kept.
    fn keep(&self, shared: &Shared, refresh_token: Option<Secret>) {
        shared
            .secrets
            .set_refresh_token(refresh_token.as_ref().map(Secret::expose_secret));
        *self.kept_refresh_token() = refresh_token;
    }

    async fn by_refresh_token(
        &self,
        shared: &Shared,
        refresh_token: Secret,
    ) -> Option<Result<Token, Error>> {
        let form = types::RefreshTokenRequest {
            client_id: self.credentials.form_client_id().to_string(),
            grant_type: types::RefreshGrantType::RefreshToken,
            refresh_token: refresh_token.clone(),
        };
        match request_token(shared, &self.credentials, form.into(), None).await {
            Ok(granted) => {
                // A refresh grant need not rotate the refresh token.
                let next = granted.refresh_token.clone().or(Some(refresh_token));
                Some(Ok(self.granted(shared, granted, next)))
            }
            Err(Error::Authentication(refused))
                if refused.reason == AuthenticationFailure::CredentialsRejected =>
            {
                tracing::info!(
                    message = %crate::text::TerminalSafe::line(refused.message.as_deref().unwrap_or("")),
                    "the refresh token was refused; logging in with the password instead"
                );
                self.keep(shared, None);
                None
            }
            Err(other) => Some(Err(other)),
        }
    }

    async fn by_password(&self, shared: &Shared) -> Result<Token, Error> {
        let form = types::TokenRequest {
            client_id: self.credentials.form_client_id().to_string(),
            grant_type: types::GrantType::Password,
            password: self.credentials.password.clone(),
            username: self.credentials.username.clone(),
        };
        let granted =
            request_token(shared, &self.credentials, form.into(), Some(&self.logins)).await?;
        let next = granted.refresh_token.clone();
        Ok(self.granted(shared, granted, next))
    }

    fn granted(&self, shared: &Shared, granted: GrantedToken, refresh: Option<Secret>) -> Token {
        self.keep(shared, refresh);
        Token {
            access_token: granted.access_token,
            lifetime: Some(granted.lifetime.unwrap_or(super::DEFAULT_TOKEN_LIFETIME)),
        }
    }
}

impl Supply for PasswordGrant {
    fn fetch<'a>(&'a self, shared: &'a Shared) -> Fetch<'a> {
        Box::pin(async move {
            let kept = self.kept_refresh_token().clone();
            if let Some(refresh_token) = kept
                && let Some(outcome) = self.by_refresh_token(shared, refresh_token).await
            {
                return outcome;
            }
            self.by_password(shared).await
        })
    }

    fn timed_out(&self, limit: Duration) -> Error {
        Error::Timeout(Box::new(TransportError::described(
            TransportErrorKind::Timeout,
            format!(
                "the token endpoint gave no token within the token fetch limit of {limit:?} \
                 (ClientBuilder::token_fetch_timeout)"
            ),
        )))
    }

    fn name(&self) -> &'static str {
        "password grant"
    }
}
