//! A client's base URL, checked once when it is built, and any URL written without the
//! credentials it may carry.

use crate::error::BuildError;

/// An absolute `http` or `https` URL without query or fragment, returned without a trailing
/// slash (operation paths are appended to it as they are).
pub(crate) fn checked_base_url(base_url: &str) -> Result<String, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidBaseUrl {
        url: without_userinfo(base_url),
        reason: reason.to_string(),
    };
    let url = reqwest::Url::parse(base_url).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials do not belong in the base URL"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// `url` with any `user:password@` replaced by `***@`, so that errors never show a secret.
pub(crate) fn without_userinfo(url: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority_start + i);
    match url[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}***{}",
            &url[..authority_start],
            &url[authority_start + at..]
        ),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_redacted_even_from_urls_that_do_not_parse() {
        assert_eq!(
            without_userinfo("https://u:secret@host/x"),
            "https://***@host/x"
        );
        assert_eq!(without_userinfo("u:secret@host:99999"), "***@host:99999");
        assert_eq!(without_userinfo("https://host/a@b"), "https://host/a@b");
    }
}
