//! Profiles in `config.toml`: each level of flags > environment > profile > defaults
//! overriding the one below, `config show` naming each setting's source, `config init`
//! writing a file it then reads, a secret-looking key refused, and a `token_command` used,
//! its failure a usage error that never shows its output.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::common::{TestSandbox, enkash};

/// A config folder of its own, removed when the test ends.
struct ConfigHome(PathBuf);

impl std::ops::Deref for ConfigHome {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for ConfigHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A config folder of its own, with `config.toml` holding `text`.
fn config_home(name: &str, text: &str) -> ConfigHome {
    let home = std::env::temp_dir().join(format!("enkash-profiles-{}-{name}", std::process::id()));
    let dir = home.join("enkash");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), text).unwrap();
    ConfigHome(home)
}

fn with_config(home: &Path) -> assert_cmd::Command {
    let mut command = enkash();
    command.env("XDG_CONFIG_HOME", home);
    command
}

/// How many customers a one-page search printed, as NDJSON lines.
fn searched(command: &mut assert_cmd::Command) -> usize {
    let out = command
        .args(["customers", "search", "--limit", "3", "--format", "ndjson"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap().lines().count()
}

/// The `from` column of `config show` for `setting`.
fn source_of(show: &str, setting: &str) -> String {
    let line = show
        .lines()
        .find(|line| line.split_whitespace().next() == Some(setting))
        .unwrap_or_else(|| panic!("{setting} in {show}"));
    line.to_string()
}

/// Asserts `holds` of the line of `setting` in `shown`.
fn assert_source(shown: &str, setting: &str, holds: impl Fn(&str) -> bool) {
    assert!(holds(&source_of(shown, setting)), "{setting}: {shown}");
}

fn show(command: &mut assert_cmd::Command) -> String {
    let out = command
        .args(["config", "show"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn flags_beat_the_environment_which_beats_the_profile_which_beats_the_defaults() {
    let sandbox = TestSandbox::start(20);
    let closed = "http://127.0.0.1:9";
    let token = sandbox.token();

    // The profile alone.
    let home = config_home(
        "levels",
        &format!(
            "[profiles.default]\nbase_url = \"{}\"\npage_size = 5\ntimeout = 7\n",
            sandbox.url()
        ),
    );
    assert_eq!(searched(with_config(&home).env("ENKASH_TOKEN", &token)), 3);
    let shown = show(&mut with_config(&home));
    assert_source(&shown, "base_url", |s| s.ends_with("profile default"));
    assert_source(&shown, "timeout", |s| s.contains("7 s"));
    assert_source(&shown, "retries", |s| s.ends_with("default"));
    assert!(
        shown.contains("profile      default (named by the default)"),
        "{shown}"
    );
    // --all pages by the profile's page size: 20 customers in pages of 5.
    let before = sandbox.search_requests();
    with_config(&home)
        .env("ENKASH_TOKEN", &token)
        .args(["customers", "search", "--all", "--format", "ndjson"])
        .assert()
        .success();
    assert_eq!(sandbox.search_requests() - before, 4);

    // The environment over the profile.
    let home = config_home(
        "env",
        &format!("[profiles.default]\nbase_url = \"{closed}\"\n"),
    );
    let mut command = with_config(&home);
    command
        .env("ENKASH_BASE_URL", sandbox.url())
        .env("ENKASH_TOKEN", &token);
    assert_eq!(searched(&mut command), 3);
    let shown = show(with_config(&home).env("ENKASH_BASE_URL", sandbox.url()));
    assert_source(&shown, "base_url", |s| {
        s.ends_with("environment ENKASH_BASE_URL")
    });

    // A flag over the environment.
    let mut command = with_config(&home);
    command
        .env("ENKASH_BASE_URL", closed)
        .env("ENKASH_TOKEN", &token);
    command.args(["--base-url", &sandbox.url()]);
    assert_eq!(searched(&mut command), 3);
    let shown = show(
        with_config(&home)
            .env("ENKASH_BASE_URL", closed)
            .args(["--base-url", "https://flag.example"]),
    );
    assert_source(&shown, "base_url", |s| s.contains("https://flag.example"));
    assert_source(&shown, "base_url", |s| s.ends_with("flag --base-url"));
    // A secret shows as set, never its value.
    let shown = show(with_config(&home).env("ENKASH_PASSWORD", "PW-never-shown"));
    assert_source(&shown, "ENKASH_PASSWORD", |s| {
        s.contains("(set, never shown)")
    });
    assert!(!shown.contains("PW-never-shown"), "{shown}");
}

#[test]
fn a_profile_is_named_by_the_flag_or_the_environment_and_a_missing_one_is_refused() {
    let sandbox = TestSandbox::start(5);
    let home = config_home(
        "names",
        &format!(
            "[profiles.default]\nbase_url = \"http://127.0.0.1:9\"\n\n[profiles.sandbox]\nbase_url = \"{}\"\n",
            sandbox.url()
        ),
    );
    let token = sandbox.token();
    assert_eq!(
        searched(
            with_config(&home)
                .env("ENKASH_TOKEN", &token)
                .args(["--profile", "sandbox"])
        ),
        3
    );
    assert_eq!(
        searched(
            with_config(&home)
                .env("ENKASH_TOKEN", &token)
                .env("ENKASH_PROFILE", "sandbox")
        ),
        3
    );
    let shown = show(with_config(&home).env("ENKASH_PROFILE", "sandbox"));
    assert!(shown.contains("named by ENKASH_PROFILE"), "{shown}");
    with_config(&home)
        .args(["--profile", "nope", "customers", "search"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("`nope`, which")
                .and(predicate::str::contains("default, sandbox")),
        );
}

#[test]
fn a_secret_looking_key_is_refused_saying_where_secrets_go() {
    let home = config_home(
        "secret",
        "[profiles.default]\nbase_url = \"http://127.0.0.1:9\"\npassword = \"PW-in-a-file\"\n",
    );
    let assert = with_config(&home)
        .args(["customers", "search"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("`password`, which looks like a secret"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ENKASH_PASSWORD") && stderr.contains("password_command"),
        "{stderr}"
    );
    assert!(!stderr.contains("PW-in-a-file"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_token_command_is_used_and_its_failure_is_a_usage_error_without_its_output() {
    let sandbox = TestSandbox::start(5);
    let token = sandbox.token();
    let home = config_home(
        "command",
        &format!(
            "[profiles.default]\nbase_url = \"{}\"\ntoken_command = [\"/bin/sh\", \"-c\", \"printf '%s\\\\n' {token}\"]\n",
            sandbox.url()
        ),
    );
    let assert = with_config(&home)
        .env("RUST_LOG", "trace")
        .args(["customers", "search", "--limit", "3", "--format", "ndjson"])
        .assert()
        .success();
    let output = assert.get_output();
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains(&token),
        "the token in the logs"
    );

    let home = config_home(
        "failing",
        &format!(
            "[profiles.default]\nbase_url = \"{}\"\ntoken_command = [\"/bin/sh\", \"-c\", \"echo TK-half-printed; exit 7\"]\n",
            sandbox.url()
        ),
    );
    let assert = with_config(&home)
        .args(["customers", "search"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("token_command (/bin/sh): failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("TK-half-printed"), "{stderr}");
}

#[test]
fn config_init_writes_a_file_that_config_show_reads() {
    let home = std::env::temp_dir().join(format!("enkash-profiles-{}-init", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    with_config(&home)
        .args(["config", "init"])
        .assert()
        .success()
        .stdout(predicate::str::contains("config.toml"));
    let text = std::fs::read_to_string(home.join("enkash/config.toml")).unwrap();
    assert!(text.contains("[profiles.default]"), "{text}");
    let shown = show(&mut with_config(&home));
    assert_source(&shown, "base_url", |s| {
        s.contains(enkash_customer_search::UAT_BASE_URL)
    });
    assert_source(&shown, "base_url", |s| s.ends_with("profile default"));
    // A second init keeps the file, unless forced.
    with_config(&home)
        .args(["config", "init"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    with_config(&home)
        .args(["config", "init", "--force"])
        .assert()
        .success();
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn config_show_never_shows_a_password_in_a_url() {
    let home = config_home(
        "proxy-password",
        "[profiles.default]\nproxy = \"http://ops:PW-proxy@proxy.internal:3128\"\n",
    );
    let shown = show(&mut with_config(&home));
    assert_source(&shown, "proxy", |s| {
        s.contains("http://ops:***@proxy.internal:3128")
    });
    assert!(!shown.contains("PW-proxy"), "{shown}");
    // Used, it is refused, saying where the password goes.
    let assert = with_config(&home)
        .args(["customers", "search"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("HTTPS_PROXY") && !stderr.contains("PW-proxy"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn credentials_from_the_environment_win_over_the_profiles_token_command() {
    let sandbox = TestSandbox::start(5);
    let home = config_home(
        "command-vs-env",
        &format!(
            "[profiles.default]\nbase_url = \"{}\"\ntoken_command = [\"/bin/sh\", \"-c\", \"exit 9\"]\n",
            sandbox.url()
        ),
    );
    // The failing command is never run: the password grant from the environment is used.
    let mut command = with_config(&home);
    command
        .env(
            "ENKASH_CLIENT_ID",
            enkash_customer_search_mock::SANDBOX_CLIENT_ID,
        )
        .env(
            "ENKASH_CLIENT_SECRET",
            enkash_customer_search_mock::SANDBOX_CLIENT_SECRET,
        )
        .env(
            "ENKASH_USERNAME",
            enkash_customer_search_mock::SANDBOX_USERNAME,
        )
        .env(
            "ENKASH_PASSWORD",
            enkash_customer_search_mock::SANDBOX_PASSWORD,
        );
    assert_eq!(searched(&mut command), 3);
    assert_eq!(sandbox.token_requests(), 1);
}

#[test]
fn the_environment_beats_a_profiles_proxy_and_token_command_and_empty_values_count_as_unset() {
    let home = config_home(
        "env-over-profile",
        "[profiles.default]\nbase_url = \"https://profile.example\"\nproxy = \"http://profile-proxy:3128\"\ntoken_command = [\"pass\", \"show\", \"enkash\"]\n",
    );
    // An empty ENKASH_BASE_URL leaves the profile's.
    let shown = show(with_config(&home).env("ENKASH_BASE_URL", ""));
    assert_source(&shown, "base_url", |s| s.ends_with("profile default"));
    assert_source(&shown, "proxy", |s| s.ends_with("profile default"));
    assert_source(&shown, "token_command", |s| s.contains("pass show enkash"));
    // A proxy variable wins over the profile's proxy, and is never shown.
    let shown = show(with_config(&home).env("HTTPS_PROXY", "http://u:PW-env@env-proxy:3128"));
    assert_source(&shown, "proxy", |s| s.ends_with("environment HTTPS_PROXY"));
    assert!(
        !shown.contains("PW-env") && !shown.contains("profile-proxy"),
        "{shown}"
    );
    // A password in the environment is for the password grant, not the token command.
    let shown = show(with_config(&home).env("ENKASH_PASSWORD", "PW-grant"));
    assert_source(&shown, "token_command", |s| s.contains("(not used"));
}
