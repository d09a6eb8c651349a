//! `enkash config show` and `enkash config init`: what each connection setting is and where
//! it came from (a flag, the environment, the profile, or the default), and a commented
//! `config.toml` to start from. Secrets are shown only as set or not.

use std::fmt::Write as _;
use std::path::Path;

use clap::ArgMatches;
use clap::parser::ValueSource;
use comfy_table::{Table, presets};
use enkash_customer_search::env::{
    BASE_URL_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR, PASSWORD_VAR, PROXY_VARS, TOKEN_VAR,
    USERNAME_VAR,
};
use enkash_customer_search::text::TerminalSafe;
use enkash_customer_search::{DEFAULT_REQUEST_TIMEOUT, MAX_PAGE_SIZE, MIN_PAGE_SIZE, RetryPolicy};

use crate::CliError;
use crate::cli::ConnectionArgs;
use crate::profiles::{Chosen, DEFAULT_PROFILE, PROFILE_VAR};

/// Every setting as `enkash config show` prints it: the config file, the profile, then one
/// row per setting.
pub fn show(
    args: &ConnectionArgs,
    matches: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
    chosen: Option<&Chosen>,
    path: Option<&Path>,
) -> String {
    let mut out = String::new();
    let shown = |text: &str| TerminalSafe::line(text).to_string();
    let file = path.map_or(
        "(none: neither XDG_CONFIG_HOME nor HOME is set)".into(),
        |p| {
            let state = if p.exists() { "" } else { " (does not exist)" };
            format!("{}{state}", shown(&p.display().to_string()))
        },
    );
    let _ = writeln!(out, "config file  {file}");
    let _ = match chosen {
        Some(chosen) => writeln!(
            out,
            "profile      {} (named by {})",
            shown(&chosen.name),
            chosen.named_by
        ),
        None => writeln!(
            out,
            "profile      none (name one with --profile or {PROFILE_VAR}; [profiles.{DEFAULT_PROFILE}] is used when none is named)"
        ),
    };
    let listed = chosen.map(|c| c.profile.clone()).unwrap_or_default();
    // What a search would take from it.
    let profile = crate::config::in_use(&listed, env);
    let from_profile = || format!("profile {}", chosen.map_or("", |c| c.name.as_str()));
    let source = |id: &str, var: Option<&str>| match matches.value_source(id) {
        Some(ValueSource::CommandLine) => Some(format!("flag --{}", id.replace('_', "-"))),
        Some(ValueSource::EnvVariable) => Some(format!("environment {}", var.unwrap_or(""))),
        _ => None,
    };
    let mut rows: Vec<[String; 3]> = Vec::new();
    let mut row =
        |name: &str, given: Option<(String, String)>, in_profile: Option<String>, default: &str| {
            let (value, from) = given
                .or_else(|| in_profile.map(|value| (value, from_profile())))
                .unwrap_or_else(|| (default.to_string(), "default".to_string()));
            rows.push([name.to_string(), shown(&value), from]);
        };
    let flag_or_env = |id: &str, var: Option<&str>, value: &Option<String>| {
        value.as_deref().map(without_password).zip(source(id, var))
    };
    let url = |value: &Option<String>| value.as_deref().map(without_password);
    row(
        "base_url",
        flag_or_env("base_url", Some(BASE_URL_VAR), &args.base_url),
        url(&profile.base_url),
        "(none)",
    );
    row(
        "token_url",
        flag_or_env("token_url", None, &args.token_url),
        url(&profile.token_url),
        "<base_url>/oauth/token",
    );
    row(
        "client_id",
        flag_or_env("client_id", Some(CLIENT_ID_VAR), &args.client_id),
        profile.client_id.clone(),
        "(none)",
    );
    row(
        "username",
        flag_or_env("username", Some(USERNAME_VAR), &args.username),
        profile.username.clone(),
        "(none)",
    );
    row(
        "timeout",
        args.timeout
            .map(|t| format!("{} s", t.as_secs_f64()))
            .zip(source("timeout", None)),
        profile.timeout.map(|t| format!("{t} s")),
        &format!("{} s", DEFAULT_REQUEST_TIMEOUT.as_secs()),
    );
    row(
        "retries",
        args.retries
            .map(|r| r.to_string())
            .zip(source("retries", None)),
        profile.retries.map(|r| r.to_string()),
        &(RetryPolicy::new().max_attempts() - 1).to_string(),
    );
    row(
        "page_size",
        None,
        profile.page_size.map(|p| p.to_string()),
        &format!("{MAX_PAGE_SIZE} (--page-size: {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE})"),
    );
    row(
        "proxy",
        flag_or_env("proxy", None, &args.proxy).or_else(|| {
            // Its value may hold a password: named, never shown.
            PROXY_VARS
                .iter()
                .filter(|name| !name.eq_ignore_ascii_case("no_proxy"))
                .find(|name| env(name).is_some_and(|v| !v.is_empty()))
                .map(|name| (format!("as {name} says"), format!("environment {name}")))
        }),
        url(&profile.proxy),
        "none (no proxy variable is set)",
    );
    row(
        "ca_cert",
        args.ca_cert
            .as_ref()
            .map(|p| p.display().to_string())
            .zip(source("ca_cert", None)),
        profile.ca_cert.as_ref().map(|p| p.display().to_string()),
        "the system's CAs (and SSL_CERT_FILE's)",
    );
    row(
        "no_compression",
        args.no_compression
            .then(|| "true".to_string())
            .zip(source("no_compression", None)),
        profile.no_compression.map(|b| b.to_string()),
        "false",
    );
    // Secrets: only whether one is there, and from where.
    let set = "(set, never shown)".to_string();
    row(
        "token",
        args.token
            .as_ref()
            .map(|_| set.clone())
            .zip(source("token", Some(TOKEN_VAR))),
        None,
        "(none)",
    );
    row(
        "token_file",
        args.token_file
            .as_ref()
            .map(|p| p.display().to_string())
            .zip(source("token_file", None)),
        None,
        "(none)",
    );
    for (name, command, used) in [
        (
            "token_command",
            &listed.token_command,
            &profile.token_command,
        ),
        (
            "password_command",
            &listed.password_command,
            &profile.password_command,
        ),
        (
            "client_secret_command",
            &listed.client_secret_command,
            &profile.client_secret_command,
        ),
    ] {
        let shown = command.as_ref().map(|c| match used {
            Some(_) => c.join(" "),
            None => format!(
                "(not used: {CLIENT_SECRET_VAR} or {PASSWORD_VAR} is set) {}",
                c.join(" ")
            ),
        });
        row(name, None, shown, "(none)");
    }
    for var in [CLIENT_SECRET_VAR, PASSWORD_VAR] {
        let given = env(var)
            .filter(|v| !v.is_empty())
            .map(|_| (set.clone(), format!("environment {var}")));
        row(var, given, None, "(none)");
    }
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_header(["setting", "value", "from"]);
    for row in rows {
        table.add_row(row);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    let _ = writeln!(out, "\n{}", table.trim_fmt());
    out
}

/// A URL with any password in it replaced by `***`, to be shown.
fn without_password(text: &str) -> String {
    // By the text, not a URL parser: `user:pw@proxy:3128` parses with `user` as its scheme.
    let Some(at) = text.rfind('@') else {
        return text.to_string();
    };
    let (before, host) = text.split_at(at);
    let (scheme, user_info) = match before.find("://") {
        Some(i) => before.split_at(i + 3),
        None => ("", before),
    };
    match user_info.split_once(':') {
        Some((user, _)) => format!("{scheme}{user}:***{host}"),
        None => text.to_string(),
    }
}

/// `enkash config init`: a commented config file at `path` with a default profile; an
/// existing file is kept unless `force`.
pub fn init(path: Option<&Path>, force: bool) -> Result<String, CliError> {
    let path = path.ok_or_else(|| {
        CliError::Usage(
            "no place for a config file: neither XDG_CONFIG_HOME nor HOME is set".into(),
        )
    })?;
    let shown = TerminalSafe::line(&path.display().to_string()).to_string();
    if path.exists() && !force {
        return Err(CliError::Usage(format!(
            "{shown} exists; --force replaces it"
        )));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Other(format!("cannot create {}: {e}", dir.display())))?;
    }
    std::fs::write(path, template())
        .map_err(|e| CliError::Other(format!("cannot write {shown}: {e}")))?;
    Ok(format!("wrote {shown}; `enkash config show` reads it\n"))
}

/// The file `config init` writes: every setting, the first server set and the rest commented.
fn template() -> String {
    let servers = enkash_customer_search::spec::SERVERS;
    let mut text = format!(
        "# enkash's profiles. `enkash --profile NAME …` or {PROFILE_VAR}=NAME picks one, and\n\
         # [profiles.{DEFAULT_PROFILE}] is used when none is named. A flag wins over the\n\
         # environment, the environment over the profile, the profile over the defaults:\n\
         # `enkash config show` says which setting came from where.\n\
         #\n\
         # A profile never holds a secret. Give the token in {TOKEN_VAR}, the password in\n\
         # {PASSWORD_VAR} and the client secret in {CLIENT_SECRET_VAR}, or name a command\n\
         # (a program and its arguments, run without a shell) that prints one.\n\
         \n\
         [profiles.{DEFAULT_PROFILE}]\n\
         # EnKash's base URL; the spec's servers:\n"
    );
    for (i, server) in servers.iter().enumerate() {
        let hash = if i == 0 { "" } else { "# " };
        let _ = writeln!(text, "{hash}base_url = {server:?}");
    }
    let _ = write!(
        text,
        "# client_id = \"CEK…\"\n\
         # username = \"you@example.in\"\n\
         # token_url = \"https://auth.example.in/oauth/token\"\n\
         # timeout = {}  # seconds to wait for each response\n\
         # retries = {}\n\
         # page_size = {MAX_PAGE_SIZE}  # --all's page size, {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}\n\
         # proxy = \"http://proxy.internal:3128\"  # no password here: give it in HTTPS_PROXY\n\
         # ca_cert = \"/etc/ssl/certs/private-ca.pem\"\n\
         # no_compression = false\n\
         # token_command = [\"pass\", \"show\", \"enkash/token\"]\n\
         # password_command = [\"pass\", \"show\", \"enkash/password\"]\n\
         # client_secret_command = [\"pass\", \"show\", \"enkash/client-secret\"]\n",
        DEFAULT_REQUEST_TIMEOUT.as_secs(),
        RetryPolicy::new().max_attempts() - 1,
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::Profile;

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        for (url, shown) in [
            ("http://ops:PW@proxy:3128", "http://ops:***@proxy:3128"),
            ("ops:PW@proxy:3128", "ops:***@proxy:3128"),
            ("https://a:b:c@h/p@q", "https://a:***@q"),
            ("http://ops@proxy:3128", "http://ops@proxy:3128"),
            ("https://api.enkash.in", "https://api.enkash.in"),
        ] {
            assert_eq!(without_password(url), shown, "{url}");
        }
    }

    #[test]
    fn the_template_is_a_valid_config_with_a_default_profile_and_no_secret() {
        let profiles = crate::profiles::parse(&template()).unwrap();
        let default = &profiles[DEFAULT_PROFILE];
        assert_eq!(
            default.base_url.as_deref(),
            Some(enkash_customer_search::UAT_BASE_URL)
        );
        assert_eq!(
            default,
            &Profile {
                base_url: default.base_url.clone(),
                ..Profile::default()
            }
        );
        // Every setting a profile takes is in it, commented out or set.
        for key in crate::profiles::KEYS {
            assert!(template().contains(&format!("{key} = ")), "{key}");
        }
    }
}
