//! Runs a sandbox until killed, for tools outside Rust (schemathesis in `.ci/schemathesis`,
//! curl, another language's client).
//!
//! ```sh
//! cargo run -p enkash-customer-search-mock --example sandbox -- --port 8080
//! ```
//!
//! Options: `--port N` (0, any free port), `--customers N` (10000), `--seed N` (42),
//! `--latency-ms N` (0), `--no-lockout` (failed logins never lock the account, for tools that
//! send wrong passwords on purpose). Once serving, it prints on stdout, one per line,
//! `base_url=http://127.0.0.1:PORT`, `token=<a bearer token valid while it runs>` and the
//! sandbox's published test credentials (`client_id=`, `client_secret=`, `username=`,
//! `password=`), so that a tool outside Rust need not copy them.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use enkash_customer_search_mock::{
    SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PASSWORD, SANDBOX_USERNAME, Sandbox,
};

const USAGE: &str =
    "usage: sandbox [--port N] [--customers N] [--seed N] [--latency-ms N] [--no-lockout]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = Sandbox::builder();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        if flag == "--no-lockout" {
            builder = builder.lockout(false);
            continue;
        }
        let Some(value) = args.next() else {
            eprintln!("{flag} needs a value\n{USAGE}");
            return ExitCode::from(2);
        };
        let number = match value.parse::<u64>() {
            Ok(number) => number,
            Err(_) => {
                eprintln!("{flag} takes a whole number, not {value:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        builder = match flag.as_str() {
            "--port" => match u16::try_from(number) {
                Ok(port) => builder.port(port),
                Err(_) => {
                    eprintln!("--port takes 0 to 65535, not {number}");
                    return ExitCode::from(2);
                }
            },
            "--customers" => builder.customers(number as usize),
            "--seed" => builder.seed(number),
            "--latency-ms" => builder.latency(Duration::from_millis(number)),
            _ => {
                eprintln!("unknown option {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
    }
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("cannot start the sandbox: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    let printed = writeln!(stdout, "base_url={}", sandbox.base_url())
        .and_then(|()| writeln!(stdout, "token={}", sandbox.token()))
        .and_then(|()| writeln!(stdout, "client_id={SANDBOX_CLIENT_ID}"))
        .and_then(|()| writeln!(stdout, "client_secret={SANDBOX_CLIENT_SECRET}"))
        .and_then(|()| writeln!(stdout, "username={SANDBOX_USERNAME}"))
        .and_then(|()| writeln!(stdout, "password={SANDBOX_PASSWORD}"))
        .and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(error) = printed {
        eprintln!("cannot write to stdout: {error}");
        return ExitCode::FAILURE;
    }
    // Serve until the process is killed.
    std::future::pending::<()>().await;
    drop(sandbox);
    ExitCode::SUCCESS
}
