//! Secrets printed by a command a profile names (`token_command`, `password_command`,
//! `client_secret_command`), as git's credential helpers and aws' `credential_process` print
//! them. The command runs without a shell (the profile gives the program and its arguments),
//! with stderr (and stdin, when it is a terminal) left to the terminal so that a password
//! manager can ask; its stdout is read up to a bound and within a time limit, its first line
//! is the secret, and it is never logged nor put in a message.

use std::io::IsTerminal;
use std::process::Stdio;
use std::time::Duration;

use enkash_customer_search::text::TerminalSafe;
use enkash_customer_search::{SourcedToken, TokenFuture, TokenSource, TokenSourceError};
use tokio::io::AsyncReadExt;

/// The most of a command's output read: a secret is a few hundred bytes.
const OUTPUT_LIMIT: u64 = 64 * 1024;
/// How long a command may take (a password manager's prompt included).
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// How long a token a command printed is used before the command runs again.
const TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// What the profile's `setting` (`token_command`, …) `command` printed, its last line end
/// removed; or why not, naming the setting and the program, never the output.
pub async fn run(setting: &str, command: &[String]) -> Result<String, String> {
    let (program, arguments) = command
        .split_first()
        .ok_or_else(|| format!("{setting} is empty"))?;
    let named = format!("{setting} ({})", TerminalSafe::line(program));
    let mut child = tokio::process::Command::new(program)
        .args(arguments)
        // A prompt may read the terminal; piped input (a `--body-json -`) is not its to take.
        .stdin(if std::io::stdin().is_terminal() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{named}: cannot run it: {e}"))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| format!("{named}: no output"))?;
    let finished = async {
        let mut output = Vec::new();
        (&mut stdout)
            .take(OUTPUT_LIMIT + 1)
            .read_to_end(&mut output)
            .await
            .map_err(|e| format!("{named}: cannot read its output: {e}"))?;
        if output.len() as u64 > OUTPUT_LIMIT {
            return Err(format!("{named}: printed more than {OUTPUT_LIMIT} bytes"));
        }
        let status = child.wait().await.map_err(|e| format!("{named}: {e}"))?;
        if !status.success() {
            return Err(format!("{named}: failed ({status})"));
        }
        Ok(output)
    };
    let output = tokio::time::timeout(TIME_LIMIT, finished)
        .await
        .map_err(|_| format!("{named}: did not finish within {} s", TIME_LIMIT.as_secs()))??;
    let text = String::from_utf8(output).map_err(|_| format!("{named}: printed no UTF-8 text"))?;
    // The first line, as `pass show` prints a password above its other lines.
    let secret = text.lines().next().unwrap_or_default();
    if secret.trim().is_empty() {
        return Err(format!("{named}: printed nothing"));
    }
    Ok(secret.to_string())
}

/// `token_command`: a token from the command, run again when the token is a minute old or
/// EnKash refuses it.
pub struct CommandToken(pub Vec<String>);

impl TokenSource for CommandToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let token = run("token_command", &self.0)
                .await
                .map_err(TokenSourceError::unavailable)?;
            Ok(SourcedToken::new(token.trim()).expires_in(TOKEN_LIFETIME))
        })
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["/bin/sh".into(), "-c".into(), script.into()]
    }

    #[tokio::test]
    async fn the_output_is_the_secret_and_a_failure_never_shows_it() {
        assert_eq!(
            run("password_command", &sh("printf 'pa ss\\nurl: example\\n'")).await,
            Ok("pa ss".to_string())
        );
        let error = run("password_command", &sh("echo SECRET-OUT; exit 3"))
            .await
            .unwrap_err();
        assert!(
            error.starts_with("password_command (/bin/sh): failed"),
            "{error}"
        );
        assert!(!error.contains("SECRET-OUT"), "{error}");
        let error = run("token_command", &["/no/such/program".to_string()])
            .await
            .unwrap_err();
        assert!(error.contains("cannot run it"), "{error}");
        let error = run("token_command", &sh("true")).await.unwrap_err();
        assert!(error.ends_with("printed nothing"), "{error}");
        let error = run("token_command", &sh("head -c 70000 /dev/zero | tr '\\0' x"))
            .await
            .unwrap_err();
        assert!(error.contains("printed more than 65536 bytes"), "{error}");
    }
}
