//! `enkash sandbox`: the embedded EnKash sandbox, served until Ctrl-C.

use std::io::{self, Write};
use std::time::Duration;

use enkash_customer_search::env::{
    BASE_URL_VAR, CLIENT_ID_VAR, CLIENT_SECRET_VAR, PASSWORD_VAR, TOKEN_VAR, USERNAME_VAR,
};
use enkash_customer_search_mock::{
    REPLAY_TOKEN, Replay, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_PASSWORD,
    SANDBOX_USERNAME, Sandbox,
};

use enkash_customer_search::text::TerminalSafe;

use crate::CliError;
use crate::cli::{SandboxArgs, SandboxFault};

/// Starts the sandbox, prints where it is and how to use it, and serves until Ctrl-C.
pub async fn serve(args: &SandboxArgs) -> Result<(), CliError> {
    if let Some(cassette) = &args.replay {
        return replay(cassette, args.port).await;
    }
    let mut builder = Sandbox::builder()
        .customers(args.customers)
        .seed(args.seed)
        .latency(Duration::from_millis(args.latency_ms))
        .port(args.port)
        .tls(args.tls_ca_out.is_some())
        .compression(args.compression);
    if let Some(bytes_per_second) = args.bandwidth {
        builder = builder.bandwidth(bytes_per_second);
    }
    let sandbox = builder.start().await.map_err(|e| {
        CliError::Other(format!(
            "cannot start the sandbox on port {}: {e}",
            args.port
        ))
    })?;
    for fault in &args.fault {
        let faults = sandbox.faults();
        match fault {
            SandboxFault::NullFields => faults.null_fields(true),
            SandboxFault::UnknownEnumValues => faults.unknown_enum_values(true),
            SandboxFault::OffsetLessTimestamps => faults.offset_less_timestamps(true),
        }
    }
    if args.fail_first > 0 {
        sandbox.faults().fail_next(args.fail_first, 503);
    }
    if args.gzip_unasked > 0 {
        sandbox.faults().gzip_unasked_next(args.gzip_unasked);
    }
    let trust = match (&args.tls_ca_out, sandbox.ca_certificate_pem()) {
        (Some(path), Some(pem)) => {
            let path_text = path.display().to_string();
            std::fs::write(path, pem).map_err(|e| {
                CliError::Other(format!(
                    "cannot write the sandbox's CA certificate to {path_text}: {e}"
                ))
            })?;
            let path = TerminalSafe::line(&path_text);
            format!("# HTTPS: add --ca-cert {path} to every command (its CA, made at start)\n")
        }
        _ => String::new(),
    };
    let url = sandbox.base_url();
    let token = sandbox.token();
    let text = format!(
        "EnKash sandbox: {customers} customers (seed {seed}) at {url}\n\
         \n\
         # Paste into a shell, then try: enkash customers search --legal-name Traders\n\
         {trust}\
         export {BASE_URL_VAR}={url}\n\
         export {TOKEN_VAR}={token}\n\
         # Or log in with credentials instead of the token (unset {TOKEN_VAR}):\n\
         # export {CLIENT_ID_VAR}={SANDBOX_CLIENT_ID}\n\
         # export {CLIENT_SECRET_VAR}={SANDBOX_CLIENT_SECRET}\n\
         # export {USERNAME_VAR}={SANDBOX_USERNAME}\n\
         # export {PASSWORD_VAR}={SANDBOX_PASSWORD}\n\
         \n\
         Serving until Ctrl-C.\n",
        customers = args.customers,
        seed = args.seed,
    );
    announce_until_ctrl_c(&text).await?;
    drop(sandbox);
    eprintln!("enkash: sandbox stopped");
    Ok(())
}

/// Prints `text` (where the server is, how to use it) and waits for Ctrl-C.
async fn announce_until_ctrl_c(text: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::Other(format!("cannot wait for Ctrl-C: {e}")))
}

/// Serves a cassette until Ctrl-C.
async fn replay(cassette: &std::path::Path, port: u16) -> Result<(), CliError> {
    // The cassette is the user's own input: unreadable or malformed is a usage error.
    let replay = Replay::start_on(cassette, port)
        .await
        .map_err(|e| CliError::Usage(TerminalSafe::line(&e.to_string()).to_string()))?;
    let url = replay.base_url();
    let text = format!(
        "EnKash replay of {file}: {exchanges} recorded exchanges at {url}\n\
         \n\
         # Paste into a shell, then repeat the recorded search (any token will do):\n\
         export {BASE_URL_VAR}={url}\n\
         export {TOKEN_VAR}={REPLAY_TOKEN}\n\
         \n\
         Serving until Ctrl-C.\n",
        file = TerminalSafe::line(&cassette.display().to_string()),
        exchanges = replay.exchanges(),
    );
    announce_until_ctrl_c(&text).await?;
    drop(replay);
    eprintln!("enkash: replay stopped");
    Ok(())
}
