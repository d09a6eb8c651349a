//! What the binary's tests share.

/// Every variable the binary reads, so the caller's environment does not leak into a test.
const ENV: [&str; 7] = [
    "ENKASH_BASE_URL",
    "ENKASH_TOKEN",
    "ENKASH_CLIENT_ID",
    "ENKASH_CLIENT_SECRET",
    "ENKASH_USERNAME",
    "ENKASH_PASSWORD",
    "RUST_LOG",
];

/// The `enkash` binary with none of [`ENV`] inherited.
pub fn clean_enkash() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("enkash").expect("the enkash binary");
    // reqwest's proxy variables too: a machine's proxy must not stand between a test and its
    // server.
    for name in ENV.iter().chain(&enkash_customer_search::env::PROXY_VARS) {
        command.env_remove(name);
    }
    command
}
