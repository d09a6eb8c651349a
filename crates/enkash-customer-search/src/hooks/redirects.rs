//! Redirects a search may follow, and how one it does not is named: within its own origin
//! only, since reqwest would re-send the body (a token call's password among them) to wherever
//! a `Location` points.

use reqwest::header::LOCATION;
use reqwest::{StatusCode, Url};

/// The request to send next if `response` is a redirect that [`followed`] allows: `copy` (the
/// same method, headers and body) to the new URL.
pub(super) fn same_origin_redirect(
    response: &reqwest::Response,
    mut copy: reqwest::Request,
) -> Option<reqwest::Request> {
    *copy.url_mut() = followed(response.url(), response.status(), location(response)?)?;
    Some(copy)
}

/// Where a search goes next after `status` from `from` to `target`: only for 301, 302, 307 and
/// 308, and only within `from`'s origin (scheme, host and port, so never from https to http).
/// A 303 would turn the search into a GET of something else.
fn followed(from: &Url, status: StatusCode, target: Url) -> Option<Url> {
    let allowed = matches!(status.as_u16(), 301 | 302 | 307 | 308);
    (allowed && target.origin() == from.origin()).then_some(target)
}

/// The redirect's `Location`, resolved against the URL that answered it.
fn location(response: &reqwest::Response) -> Option<Url> {
    let value = response.headers().get(LOCATION)?.to_str().ok()?;
    response.url().join(value).ok()
}

/// Where a redirect points, for an error message: the origin alone, since the path or query
/// of a `Location` may carry anything.
pub(super) fn redirect_target(response: &reqwest::Response) -> String {
    match location(response) {
        Some(target) if target.origin().is_tuple() => target.origin().ascii_serialization(),
        Some(target) => format!("a `{}:` URL", target.scheme()),
        None => "no usable Location".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_redirects_within_the_origin_are_followed() {
        let from = Url::parse("https://api.enkash.in:443/api/v0/customer/search?limit=5").unwrap();
        let follow = |status: u16, location: &str| {
            let target = from.join(location).unwrap();
            followed(&from, StatusCode::from_u16(status).unwrap(), target).map(String::from)
        };
        for status in [301, 302, 307, 308] {
            assert_eq!(
                follow(status, "/v2/search?x=1").as_deref(),
                Some("https://api.enkash.in/v2/search?x=1"),
                "{status}"
            );
        }
        assert_eq!(
            follow(307, "https://api.enkash.in/elsewhere").as_deref(),
            Some("https://api.enkash.in/elsewhere"),
            "an explicit default port is the same origin"
        );
        for location in [
            "http://api.enkash.in/api/v0/customer/search", // https to http
            "https://api.enkash.in:8443/api/v0/customer/search", // another port
            "https://evil.example/api/v0/customer/search",
            "//evil.example/x", // scheme-relative, another host
            "https://api.enkash.in.evil.example/",
        ] {
            assert_eq!(follow(307, location), None, "{location}");
        }
        for status in [300, 303, 304, 305, 306, 200] {
            assert_eq!(follow(status, "/v2/search"), None, "{status}");
        }
    }
}
