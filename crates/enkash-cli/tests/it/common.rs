//! What the binary's tests share.

use std::time::Duration;

use assert_cmd::Command;
use enkash_customer_search_mock::{
    SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_USERNAME, Sandbox,
};

/// Every variable the binary reads, so the caller's environment does not leak into a test.
const ENV: [&str; 8] = [
    "ENKASH_BASE_URL",
    "ENKASH_TOKEN",
    "ENKASH_CLIENT_ID",
    "ENKASH_CLIENT_SECRET",
    "ENKASH_USERNAME",
    "ENKASH_PASSWORD",
    "RUST_LOG",
    "ENKASH_PROFILE",
];

/// The `enkash` binary with none of [`ENV`] inherited.
pub fn clean_enkash() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("enkash").expect("the enkash binary");
    // reqwest's proxy variables too: a machine's proxy must not stand between a test and its
    // server.
    for name in ENV.iter().chain(&enkash_customer_search::env::PROXY_VARS) {
        command.env_remove(name);
    }
    // Nor the machine's config file: a folder that holds none.
    command.env(
        "XDG_CONFIG_HOME",
        std::env::temp_dir().join("enkash-tests-no-config"),
    );
    command
}

/// `enkash` with a clean environment.
pub fn enkash() -> Command {
    let mut command = clean_enkash();
    command.timeout(Duration::from_secs(60));
    command
}

/// A sandbox with a runtime of its own to serve on, while the test thread runs the binary.
pub struct TestSandbox {
    sandbox: Option<Sandbox>,
    runtime: tokio::runtime::Runtime,
}

impl TestSandbox {
    pub fn start(customers: usize) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let sandbox = runtime
            .block_on(Sandbox::builder().customers(customers).start())
            .unwrap();
        TestSandbox {
            sandbox: Some(sandbox),
            runtime,
        }
    }

    pub fn url(&self) -> String {
        self.base_url().to_string()
    }

    /// `enkash` with the sandbox's URL and its long-lived token.
    pub fn enkash_with_token(&self) -> Command {
        let mut command = enkash();
        command.args(["--base-url", self.base_url(), "--token", &self.token()]);
        command
    }

    /// `enkash` with the sandbox's URL and its credentials in the environment.
    pub fn enkash_with_credentials(&self, password: &str) -> Command {
        let mut command = enkash();
        command
            .args(["--base-url", self.base_url()])
            .env("ENKASH_CLIENT_ID", SANDBOX_CLIENT_ID)
            .env("ENKASH_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
            .env("ENKASH_USERNAME", SANDBOX_USERNAME)
            .env("ENKASH_PASSWORD", password);
        command
    }
}

impl std::ops::Deref for TestSandbox {
    type Target = Sandbox;

    fn deref(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }
}

impl Drop for TestSandbox {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
        self.sandbox.take();
    }
}
