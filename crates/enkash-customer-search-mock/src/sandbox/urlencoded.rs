//! The search's query string as name/value pairs (decoded by `form_urlencoded`), and the
//! parameters among them that the API knows, each at most once, so that a refusal is the
//! sandbox's own error body.

/// The name/value pairs of `input` in order (`+` is a space, `%XX` a byte; what does not
/// decode is kept as it is).
pub(crate) fn parse(input: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(input.as_bytes())
        .into_owned()
        .collect()
}

/// The values of the `known` names among `pairs`, or the first known name given more than
/// once. Other names are ignored (as Spring ignores parameters it does not bind), however
/// often they come.
pub(crate) fn known(
    pairs: Vec<(String, String)>,
    known: &[&'static str],
) -> Result<std::collections::BTreeMap<&'static str, String>, &'static str> {
    let mut map = std::collections::BTreeMap::new();
    for (name, value) in pairs {
        let Some(name) = known.iter().copied().find(|known| *known == name) else {
            continue;
        };
        if map.insert(name, value).is_some() {
            return Err(name);
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_in_order() {
        assert_eq!(
            parse("username=ar-ops%40sandbox.enkash.test&password=a+b%2Bc&empty=&bare"),
            [
                ("username".into(), "ar-ops@sandbox.enkash.test".into()),
                ("password".into(), "a b+c".into()),
                ("empty".into(), String::new()),
                ("bare".into(), String::new()),
            ]
        );
        assert_eq!(parse(""), []);
    }

    #[test]
    fn a_known_name_given_twice_is_refused() {
        assert_eq!(known(parse("a=1&b=2&a=3"), &["a"]).unwrap_err(), "a");
        let only_a = known(parse("a=1&b=2&b=3"), &["a"]).unwrap();
        assert_eq!(
            only_a.into_iter().collect::<Vec<_>>(),
            [("a", "1".to_string())]
        );
    }
}
