//! What the binary's tests share.

/// Every variable the binary reads, so the caller's environment does not leak into a test.
const ENV: [&str; 15] = [
    "ENKASH_BASE_URL",
    "ENKASH_TOKEN",
    "ENKASH_CLIENT_ID",
    "ENKASH_CLIENT_SECRET",
    "ENKASH_USERNAME",
    "ENKASH_PASSWORD",
    "RUST_LOG",
    // reqwest's: a machine's proxy must not stand between a test and its server.
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The `enkash` binary with none of [`ENV`] inherited.
pub fn clean_enkash() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("enkash").expect("the enkash binary");
    for name in ENV {
        command.env_remove(name);
    }
    command
}
