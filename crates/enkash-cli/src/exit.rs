//! The exit codes: one table, read by the code that exits and by `--help`, so the two cannot
//! drift apart. A script reads the code to decide what to do next: fix the command (2), fix
//! the credentials (4), or try again later (5).

/// Success.
pub const OK: u8 = 0;
/// Any failure without a code of its own.
pub const OTHER: u8 = 1;
/// Usage error or invalid request; nothing was sent.
pub const USAGE: u8 = 2;
/// EnKash's error envelope.
pub const API: u8 = 3;
/// Credentials or a token refused, or none configured.
pub const AUTHENTICATION: u8 = 4;
/// A transient failure: transport, timeout, a token endpoint's 5xx, 408 or 429.
pub const TRANSIENT: u8 = 5;
/// A response that is not EnKash's, or one the client refuses.
pub const UNDECODABLE: u8 = 6;
/// EnKash broke the paging contract.
pub const PAGING: u8 = 7;
/// Interrupted (Ctrl-C), as a shell reports a process SIGINT ended: 128 + 2.
pub const INTERRUPTED: u8 = 130;

/// Every code, and what it tells the reader, as `--help` shows it (continuation lines
/// indented to the text).
const TABLE: [(u8, &str); 9] = [
    (
        OK,
        "success (also when the reader of stdout closes it early, as `head` does)",
    ),
    (
        OTHER,
        "any other failure (the output could not be written, the sandbox could not start)",
    ),
    (
        USAGE,
        "usage error, bad local input or invalid request; nothing was sent (a bad flag or
     value, a missing or unusable setting, a --body-json or --token-file that is missing,
     empty, too long or not understood, a limit out of range)",
    ),
    (
        API,
        "EnKash answered with an API error (its errorResponse, under any HTTP status)",
    ),
    (
        AUTHENTICATION,
        "authentication failed: credentials or token rejected, or none configured; fix them
     before trying again",
    ),
    (
        TRANSIENT,
        "a transient failure, after every retry: the connection, a timeout, the deadline, or a
     token endpoint that failed (5xx, 408, 429) or paused logins; try again later",
    ),
    (
        UNDECODABLE,
        "a response that is not EnKash's (an HTML error page, say), or one refused",
    ),
    (
        PAGING,
        "EnKash broke the paging contract during --all (the result set changed, a page
     repeated or was short); what was printed holds every customer once",
    ),
    (
        INTERRUPTED,
        "interrupted by Ctrl-C during --all; what was printed ends on a whole customer (JSON
     closes its array)",
    ),
];

/// The `Exit codes:` section of `--help`.
pub fn help() -> String {
    let mut text = String::from("Exit codes:");
    for (code, meaning) in TABLE {
        text.push_str(&format!("\n  {code}  {meaning}"));
    }
    text
}

/// What `--retries` retries, from the client's own list of statuses.
pub fn retries_help() -> String {
    let statuses: Vec<String> = enkash_customer_search::RETRIED_STATUSES
        .iter()
        .map(u16::to_string)
        .collect();
    format!(
        "Retries of a search after a transient failure (a failed or broken connection, a \
         timeout, HTTP {}); 0 = none [default: the profile's retries, else 2]. A login is \
         retried only when it could not connect",
        statuses.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_in_the_help_once_and_in_order() {
        let help = help();
        let codes: Vec<u8> = help
            .lines()
            .skip(1)
            .filter_map(|line| line.trim_start().split_once("  "))
            .filter_map(|(code, _)| code.parse().ok())
            .collect();
        let mut expected: Vec<u8> = (OK..=PAGING).collect();
        expected.push(INTERRUPTED);
        assert_eq!(codes, expected);
    }

    #[test]
    fn the_retried_statuses_are_the_clients() {
        let help = retries_help();
        assert!(help.contains("HTTP 408, 429, 500, 502, 503, 504"), "{help}");
    }
}
