//! `application/x-www-form-urlencoded`, for the token form and the search's query string:
//! parsed by hand so that every malformed input is refused with the sandbox's own error body
//! rather than a framework's plain-text rejection.

/// The name/value pairs of `input` in order (`+` is a space, `%XX` a byte), or why it is not
/// urlencoded UTF-8.
pub(crate) fn parse(input: &str) -> Result<Vec<(String, String)>, String> {
    input
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
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

fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("malformed percent-encoding in {text:?}"))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| format!("{text:?} does not decode to UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_decoded_in_order() {
        assert_eq!(
            parse("username=ar-ops%40sandbox.enkash.test&password=a+b%2Bc&empty=&bare").unwrap(),
            [
                ("username".into(), "ar-ops@sandbox.enkash.test".into()),
                ("password".into(), "a b+c".into()),
                ("empty".into(), String::new()),
                ("bare".into(), String::new()),
            ]
        );
        assert_eq!(parse("").unwrap(), []);
    }

    #[test]
    fn malformed_input_is_refused() {
        assert!(parse("a=%4").is_err());
        assert!(parse("a=%zz").is_err());
        assert!(parse("a=%ff").is_err());
        assert_eq!(
            known(parse("a=1&b=2&a=3").unwrap(), &["a"]).unwrap_err(),
            "a"
        );
        let only_a = known(parse("a=1&b=2&b=3").unwrap(), &["a"]).unwrap();
        assert_eq!(
            only_a.into_iter().collect::<Vec<_>>(),
            [("a", "1".to_string())]
        );
    }
}
