//! [`Credentials`]: what the EnKash "Get Authentication Token" call sends, and how each part
//! of it is kept out of `Debug`.

use std::fmt;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use reqwest::header::HeaderValue;

use crate::Secret;

/// The credentials of the EnKash "Get Authentication Token" call: the API client's id and
/// secret (sent as HTTP Basic) and a registered user's e-mail and password (the password
/// grant). `Debug` shows the ids, never the secret or the password.
#[derive(Clone)]
pub struct Credentials {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) username: String,
    pub(crate) password: Secret,
    pub(crate) company_id: Option<String>,
}

impl Credentials {
    /// Credentials from the API client's id and secret and the user's e-mail and password.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            username: username.into(),
            password: password.into(),
            company_id: None,
        }
    }

    /// The company id (`CEK…`) for the form's `clientId` field, when it differs from the API
    /// client id sent in the Basic header. By default the client id is sent in both places.
    pub fn company_id(mut self, company_id: impl Into<String>) -> Self {
        self.company_id = Some(company_id.into());
        self
    }

    /// The API client id (the user part of the Basic header).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The user's e-mail.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The user's password, still wrapped.
    pub fn password(&self) -> &Secret {
        &self.password
    }

    /// The value of the token call's `clientId` form field: the company id if one was set,
    /// else the client id.
    pub fn form_client_id(&self) -> &str {
        self.company_id.as_deref().unwrap_or(&self.client_id)
    }

    /// `Authorization: Basic base64(clientId:clientSecret)`, marked sensitive, for the token
    /// call (and for mocks that must match it).
    pub fn basic_header(&self) -> HeaderValue {
        let pair = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        // Base64 is always a valid header value.
        let mut header =
            HeaderValue::from_maybe_shared(format!("Basic {}", BASE64_STANDARD.encode(pair)))
                .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
        header.set_sensitive(true);
        header
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("company_id", &self.company_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basic_header_is_the_client_id_and_secret_and_is_sensitive() {
        let credentials = Credentials::new("CEK1234567", "s3cr3t", "a@b.in", "pw");
        let header = credentials.basic_header();
        assert_eq!(header.to_str().unwrap(), "Basic Q0VLMTIzNDU2NzpzM2NyM3Q=");
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("Q0VL"));
    }

    #[test]
    fn debug_shows_ids_but_no_secret() {
        let credentials =
            Credentials::new("CEK1234567", "client-SECRET-1", "a@b.in", "PASS-word-2")
                .company_id("CEK7654321");
        let shown = format!("{credentials:?}");
        assert!(
            shown.contains("CEK1234567") && shown.contains("a@b.in"),
            "{shown}"
        );
        assert!(
            !shown.contains("client-SECRET-1") && !shown.contains("PASS-word-2"),
            "{shown}"
        );
        assert_eq!(credentials.form_client_id(), "CEK7654321");
    }
}
