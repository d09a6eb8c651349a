//! Named profiles of connection settings in `config.toml`, as the aws and oxide CLIs keep
//! them: `$XDG_CONFIG_HOME/enkash/config.toml` (else `~/.config/enkash/config.toml`) on Linux
//! and macOS, the roaming application data folder on Windows.
//!
//! A profile never holds a secret: the file is read by whoever can read the home directory,
//! copied between machines and pasted into tickets. Secrets still come from the environment,
//! or from a command the profile names that prints one (`token_command`, `password_command`,
//! `client_secret_command`, as git's credential helpers and aws' `credential_process` do). A
//! key that looks like a secret is refused with a message saying where secrets go; any other
//! unknown key is refused with the list of known ones, so a misspelt setting is never
//! silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::CliError;
use crate::local_input;

/// The environment variable that names the profile when `--profile` does not.
pub const PROFILE_VAR: &str = "ENKASH_PROFILE";
/// The profile used when none is named, if the file has it.
pub const DEFAULT_PROFILE: &str = "default";
/// The most of the config file read: profiles are a few hundred bytes each.
const CONFIG_LIMIT: u64 = 256 * 1024;

/// One profile's settings; every one optional.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub base_url: Option<String>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub username: Option<String>,
    /// Seconds to wait for each response.
    pub timeout: Option<f64>,
    pub retries: Option<u32>,
    /// The page size of `--all`.
    pub page_size: Option<i32>,
    /// Without a password (refused when it has one).
    pub proxy: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub no_compression: Option<bool>,
    /// A program and its arguments (no shell) that prints a bearer token.
    pub token_command: Option<Vec<String>>,
    /// A program and its arguments (no shell) that prints the user's password.
    pub password_command: Option<Vec<String>>,
    /// A program and its arguments (no shell) that prints the API client's secret.
    pub client_secret_command: Option<Vec<String>>,
}

/// The keys a profile may have, for the message about one it may not.
pub const KEYS: [&str; 13] = [
    "base_url",
    "token_url",
    "client_id",
    "username",
    "timeout",
    "retries",
    "page_size",
    "proxy",
    "ca_cert",
    "no_compression",
    "token_command",
    "password_command",
    "client_secret_command",
];

/// Words that make a key look like a secret (`password`, `client_secret`, `api_key`, …).
const SECRET_WORDS: [&str; 7] = [
    "secret",
    "password",
    "passwd",
    "token",
    "key",
    "credential",
    "auth",
];

/// The profile in use: its name, where it came from, and its settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Chosen {
    pub name: String,
    /// `--profile`, `ENKASH_PROFILE`, or the default.
    pub named_by: &'static str,
    pub file: PathBuf,
    pub profile: Profile,
}

/// Where the config file is on this platform, from the environment `env`.
pub fn config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if cfg!(windows) {
        return directories::BaseDirs::new()
            .map(|dirs| dirs.config_dir().join("enkash").join("config.toml"));
    }
    let absolute = |value: Option<String>| value.map(PathBuf::from).filter(|p| p.is_absolute());
    absolute(env("XDG_CONFIG_HOME"))
        .or_else(|| absolute(env("HOME")).map(|home| home.join(".config")))
        .map(|dir| dir.join("enkash").join("config.toml"))
}

/// The profile `--profile` (`flag`), `ENKASH_PROFILE` or the default names, from the file at
/// `path`; `None` when none is named and the file has no default. A profile that is named
/// and missing, or a file that is not a valid config, is a usage error.
pub fn choose(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    path: Option<&Path>,
) -> Result<Option<Chosen>, CliError> {
    let named = match (flag, env(PROFILE_VAR).filter(|v| !v.is_empty())) {
        (Some(name), _) => Some((name.to_string(), "--profile")),
        (None, Some(name)) => Some((name, PROFILE_VAR)),
        (None, None) => None,
    };
    let Some(path) = path else {
        return match named {
            Some((name, by)) => Err(usage(format!(
                "{by} names the profile `{name}`, and there is no config file (neither \
                 XDG_CONFIG_HOME nor HOME is set)"
            ))),
            None => Ok(None),
        };
    };
    if !path.exists() {
        return match named {
            Some((name, by)) => Err(usage(format!(
                "{by} names the profile `{name}`, and {} does not exist (`enkash config init` \
                 writes one)",
                path.display()
            ))),
            None => Ok(None),
        };
    }
    let mut profiles = read(path)?;
    let (name, named_by) = match named {
        Some(named) => named,
        None if profiles.contains_key(DEFAULT_PROFILE) => {
            (DEFAULT_PROFILE.to_string(), "the default")
        }
        None => return Ok(None),
    };
    let profile = profiles.remove(&name).ok_or_else(|| {
        let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
        usage(format!(
            "{named_by} names the profile `{name}`, which {} does not have (it has: {})",
            path.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ))
    })?;
    Ok(Some(Chosen {
        name,
        named_by,
        file: path.to_path_buf(),
        profile,
    }))
}

/// Every profile of the file at `path`, checked.
pub fn read(path: &Path) -> Result<BTreeMap<String, Profile>, CliError> {
    let text = local_input::read_path_at_most(path, CONFIG_LIMIT)
        .and_then(local_input::text)
        .map_err(|why| usage(format!("{}: {why}", path.display())))?;
    parse(&text).map_err(|why| usage(format!("{}: {why}", path.display())))
}

/// The profiles of a config file's text: `[profiles.NAME]` tables.
pub fn parse(text: &str) -> Result<BTreeMap<String, Profile>, String> {
    // toml's message alone: its full text quotes the line, which may hold a secret.
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
        let at = line.map_or(String::new(), |line| format!(" on line {line}"));
        format!("not TOML{at} ({})", e.message().trim())
    })?;
    let mut profiles = BTreeMap::new();
    for (key, value) in table {
        let Some(tables) = value.as_table().filter(|_| key == "profiles") else {
            return Err(format!(
                "`{key}` at the top: settings go in a profile, under [profiles.NAME]"
            ));
        };
        for (name, settings) in tables {
            let settings = settings
                .as_table()
                .ok_or_else(|| format!("`profiles.{name}` is not a table of settings"))?;
            for key in settings.keys() {
                check_key(name, key)?;
            }
            // A value of the wrong type, named by its key and type, never shown.
            for (key, value) in settings {
                let alone = toml::Table::from_iter([(key.clone(), value.clone())]);
                if alone.try_into::<Profile>().is_err() {
                    return Err(format!(
                        "profile `{name}`: `{key}` does not take this {} (of the wrong type \
                         or out of range; `enkash config init` writes an example of each \
                         setting)",
                        value.type_str()
                    ));
                }
            }
            let profile: Profile = settings.clone().try_into().map_err(|_| {
                format!("profile `{name}`: a setting has a value of the wrong type")
            })?;
            check_commands(name, &profile)?;
            profiles.insert(name.clone(), profile);
        }
    }
    Ok(profiles)
}

/// A key a profile may not have: a secret's, or one it does not know.
fn check_key(profile: &str, key: &str) -> Result<(), String> {
    if KEYS.contains(&key) {
        return Ok(());
    }
    let lower = key.to_ascii_lowercase();
    if SECRET_WORDS.iter().any(|word| lower.contains(word)) {
        return Err(format!(
            "profile `{profile}` has `{key}`, which looks like a secret, and a profile never \
             holds one (the file is readable, copied and shared). Give the token in \
             ENKASH_TOKEN, the password in ENKASH_PASSWORD and the client secret in \
             ENKASH_CLIENT_SECRET, or name a command that prints it: token_command, \
             password_command, client_secret_command"
        ));
    }
    Err(format!(
        "profile `{profile}` has `{key}`, which is not a setting; the settings are {}",
        KEYS.join(", ")
    ))
}

fn check_commands(profile: &str, settings: &Profile) -> Result<(), String> {
    for (key, command) in [
        ("token_command", &settings.token_command),
        ("password_command", &settings.password_command),
        ("client_secret_command", &settings.client_secret_command),
    ] {
        if command
            .as_ref()
            .is_some_and(|c| c.first().is_none_or(String::is_empty))
        {
            return Err(format!(
                "profile `{profile}`: `{key}` is empty; give the program and its arguments, \
                 e.g. [\"pass\", \"show\", \"enkash\"] (it runs without a shell)"
            ));
        }
    }
    Ok(())
}

fn usage(message: String) -> CliError {
    CliError::Usage(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_with_every_setting() {
        let profiles = parse(
            r#"
            [profiles.default]
            base_url = "https://uat.example"
            page_size = 500
            timeout = 12.5
            token_command = ["pass", "show", "enkash/token"]

            [profiles.live]
            base_url = "https://live.example"
            proxy = "http://proxy.internal:3128"
            "#,
        )
        .unwrap();
        assert_eq!(profiles.len(), 2);
        let default = &profiles["default"];
        assert_eq!(default.page_size, Some(500));
        assert_eq!(default.timeout, Some(12.5));
        assert_eq!(
            default.token_command.as_deref(),
            Some(&["pass".to_string(), "show".into(), "enkash/token".into()][..])
        );
        assert_eq!(
            profiles["live"].proxy.as_deref(),
            Some("http://proxy.internal:3128")
        );
    }

    #[test]
    fn a_secret_looking_key_is_refused_with_where_secrets_go() {
        for key in [
            "password",
            "client_secret",
            "token",
            "api_key",
            "AuthHeader",
        ] {
            let text = format!("[profiles.ops]\n{key} = \"hunter2\"\n");
            let error = parse(&text).unwrap_err();
            assert!(
                error.contains(&format!("`{key}`, which looks like a secret")),
                "{error}"
            );
            assert!(error.contains("ENKASH_PASSWORD") && error.contains("token_command"));
            assert!(
                !error.contains("hunter2"),
                "the value is never echoed: {error}"
            );
        }
    }

    #[test]
    fn unknown_keys_bad_types_and_empty_commands_are_refused() {
        let error = parse("[profiles.ops]\nbase_ulr = \"x\"\n").unwrap_err();
        assert!(
            error.contains("`base_ulr`, which is not a setting"),
            "{error}"
        );
        assert!(error.contains("base_url"), "{error}");
        let error = parse("[profiles.ops]\npage_size = \"big\"\n").unwrap_err();
        assert!(
            error.contains("profile `ops`: `page_size` does not take this string"),
            "{error}"
        );
        assert!(!error.contains("big"), "{error}");
        // Neither a parse error nor a type error shows what the file holds.
        let error = parse("[profiles.ops]\npassword = hunter2\n").unwrap_err();
        assert!(error.starts_with("not TOML on line 2"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
        let error = parse("[profiles.ops]\ntoken_command = \"eyJ-secret\"\n").unwrap_err();
        assert!(!error.contains("eyJ-secret"), "{error}");
        let error = parse("[profiles.ops]\ntoken_command = []\n").unwrap_err();
        assert!(error.contains("runs without a shell"), "{error}");
        let error = parse("base_url = \"x\"\n").unwrap_err();
        assert!(error.contains("[profiles.NAME]"), "{error}");
        assert!(
            parse("[profiles.ops\n")
                .unwrap_err()
                .starts_with("not TOML")
        );
    }

    #[test]
    fn the_config_file_follows_xdg_then_home() {
        if cfg!(windows) {
            return;
        }
        let env = |xdg: Option<&'static str>, home: Option<&'static str>| {
            move |name: &str| match name {
                "XDG_CONFIG_HOME" => xdg.map(String::from),
                "HOME" => home.map(String::from),
                _ => None,
            }
        };
        let path = |xdg, home| config_path(&env(xdg, home));
        assert_eq!(
            path(Some("/xdg"), Some("/home/a")),
            Some(PathBuf::from("/xdg/enkash/config.toml"))
        );
        assert_eq!(
            path(Some("relative"), Some("/home/a")),
            Some(PathBuf::from("/home/a/.config/enkash/config.toml"))
        );
        assert_eq!(path(None, None), None);
    }
}
