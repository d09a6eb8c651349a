//! Matching the token call's form body, which the generated helpers cannot do.
//!
//! progenitor 0.15's httpmock generator writes `GetTokenWhen::body` as a JSON-body matcher
//! whatever the operation's content type, and the token call is
//! `application/x-www-form-urlencoded`, so that matcher never matches a real client. This
//! extension matches what the client really sends for a set of [`Credentials`]. (The generated
//! file is never edited; this sits beside it.)

use enkash_customer_search::Credentials;

use crate::operations::GetTokenWhen;

/// Form matchers for [`GetTokenWhen`].
pub trait GetTokenWhenFormExt {
    /// Matches the token request the client sends for `credentials`: the Basic header, and the
    /// form's `grant_type=password`, `username`, `password` and `clientId`.
    fn credentials(self, credentials: &Credentials) -> Self;
}

impl GetTokenWhenFormExt for GetTokenWhen {
    fn credentials(self, credentials: &Credentials) -> Self {
        let basic = credentials.basic_header();
        let when = self
            .into_inner()
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", basic.to_str().unwrap_or_default())
            .form_urlencoded_tuple("grant_type", "password")
            .form_urlencoded_tuple("username", credentials.username())
            .form_urlencoded_tuple("password", credentials.password().expose_secret())
            .form_urlencoded_tuple("clientId", credentials.form_client_id());
        GetTokenWhen::new(when)
    }
}
