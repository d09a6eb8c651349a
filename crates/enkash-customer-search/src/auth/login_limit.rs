//! The cap on password logins: at most two sent in a row without a token coming back.
//!
//! EnKash locks an account after 3 failed logins. A rejection is plain (the cache remembers
//! it for good), but a timeout, a broken read or a 5xx may have counted as a failed login on
//! EnKash's side without saying so. So every password request that may have reached the server
//! counts from the moment it is sent (a fetch cut by its time limit, or a task dropped halfway,
//! has still sent it), a request that provably sent nothing (a failed connect) is taken back,
//! and a token clears the count. After two in a row, the password waits for the cool-down.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::error::{AuthenticationError, AuthenticationFailure, Error};

/// How many password requests may go unanswered by a token in a row.
pub(crate) const MAX_UNANSWERED_LOGINS: u32 = 2;

/// The count of password requests since the last token.
#[derive(Debug)]
pub(crate) struct LoginLimit {
    cooldown: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    unanswered: u32,
    last_sent: Option<Instant>,
    /// What became of the last few, for the error that says why the password waits.
    outcomes: Vec<String>,
}

/// One password request on its way: counted already; [`settle`](Self::settle) says how it went.
#[must_use]
pub(crate) struct Login<'a> {
    limit: &'a LoginLimit,
    /// When the one before was sent, for a request taken back.
    sent_before: Option<Instant>,
}

impl LoginLimit {
    pub fn new(cooldown: Duration) -> Self {
        LoginLimit {
            cooldown,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Counts a password request about to be sent, or refuses it while the cool-down runs.
    pub fn send(&self) -> Result<Login<'_>, Error> {
        let mut state = self.state();
        let now = Instant::now();
        if state.unanswered >= MAX_UNANSWERED_LOGINS
            && let Some(last) = state.last_sent
            && let Some(wait) = last
                .checked_add(self.cooldown)
                .map_or(Some(Duration::MAX), |until| {
                    until.checked_duration_since(now)
                })
                .filter(|wait| !wait.is_zero())
        {
            return Err(paused(&state.outcomes, wait));
        }
        state.unanswered = state.unanswered.saturating_add(1);
        let sent_before = state.last_sent.replace(now);
        state.outcomes.push("no answer in time".into());
        let excess = state
            .outcomes
            .len()
            .saturating_sub(MAX_UNANSWERED_LOGINS as usize);
        state.outcomes.drain(..excess);
        Ok(Login {
            limit: self,
            sent_before,
        })
    }
}

impl Login<'_> {
    /// Records how the request went: a token clears the count, a request that sent nothing is
    /// taken back, anything else stays counted.
    pub fn settle<T>(self, outcome: &Result<T, Error>) {
        let mut state = self.limit.state();
        match outcome {
            Ok(_) => *state = State::default(),
            Err(error) if error.sent_nothing() => {
                state.unanswered = state.unanswered.saturating_sub(1);
                state.last_sent = self.sent_before;
                state.outcomes.pop();
            }
            Err(error) => {
                if let Some(last) = state.outcomes.last_mut() {
                    *last = outcome_of(error);
                }
            }
        }
    }
}

/// A few words on what came back instead of a token.
fn outcome_of(error: &Error) -> String {
    match (error, error.status()) {
        (Error::Timeout(_), _) => "a timeout".into(),
        (_, Some(status)) => format!("HTTP {}", status.as_u16()),
        (Error::Transport(_), None) => "a broken connection".into(),
        _ => "no token".into(),
    }
}

fn paused(outcomes: &[String], wait: Duration) -> Error {
    let wait = Duration::from_secs(
        wait.as_secs()
            .saturating_add(u64::from(wait.subsec_nanos() > 0)),
    );
    let when = SystemTime::now()
        .checked_add(wait)
        .map(httpdate::fmt_http_date)
        .map_or_else(String::new, |at| format!(" ({at})"));
    let message = format!(
        "the last ones ended in {}; the next is sent in {wait:?}{when}, or when the client is \
         rebuilt",
        outcomes.join(", then "),
    );
    Error::Authentication(Box::new(AuthenticationError {
        retry_after: Some(wait),
        ..AuthenticationError::new(AuthenticationFailure::LoginPaused, None, Some(message))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{TransportError, TransportErrorKind};

    fn failed(kind: TransportErrorKind) -> Result<(), Error> {
        Err(Error::Transport(Box::new(TransportError::described(
            kind,
            "x".into(),
        ))))
    }

    #[test]
    fn two_unanswered_logins_pause_the_third_until_the_cooldown() {
        let limit = LoginLimit::new(Duration::from_secs(900));
        limit
            .send()
            .unwrap()
            .settle(&failed(TransportErrorKind::Io));
        // Dropped halfway: counted all the same.
        drop(limit.send().unwrap());
        let Err(Error::Authentication(e)) = limit.send() else {
            panic!("a third login was allowed");
        };
        assert_eq!(e.reason, AuthenticationFailure::LoginPaused);
        assert!(e.retry_after.unwrap() > Duration::from_secs(890), "{e:?}");
        let message = e.message.unwrap();
        assert!(
            message.contains("a broken connection, then no answer"),
            "{message}"
        );
    }

    #[test]
    fn a_connect_failure_is_taken_back_and_a_token_clears_the_count() {
        let limit = LoginLimit::new(Duration::from_secs(900));
        for _ in 0..5 {
            limit
                .send()
                .unwrap()
                .settle(&failed(TransportErrorKind::Connect));
        }
        limit
            .send()
            .unwrap()
            .settle(&failed(TransportErrorKind::Io));
        limit.send().unwrap().settle(&Ok(()));
        limit
            .send()
            .unwrap()
            .settle(&failed(TransportErrorKind::Timeout));
        limit
            .send()
            .unwrap()
            .settle(&failed(TransportErrorKind::Timeout));
        assert!(limit.send().is_err());
    }

    #[test]
    fn a_connect_failure_after_the_cooldown_does_not_restart_it() {
        let limit = LoginLimit::new(Duration::from_millis(50));
        for _ in 0..2 {
            limit
                .send()
                .unwrap()
                .settle(&failed(TransportErrorKind::Io));
        }
        assert!(limit.send().is_err());
        std::thread::sleep(Duration::from_millis(60));
        // The first login after the pause fails to connect: it sent nothing, so its retry may
        // go at once.
        limit
            .send()
            .unwrap()
            .settle(&failed(TransportErrorKind::Connect));
        limit
            .send()
            .unwrap()
            .settle(&failed(TransportErrorKind::Io));
        assert!(
            limit.send().is_err(),
            "a third unanswered login pauses again"
        );
    }

    #[test]
    fn after_the_cooldown_one_more_is_allowed() {
        let limit = LoginLimit::new(Duration::ZERO);
        for _ in 0..4 {
            limit
                .send()
                .unwrap()
                .settle(&failed(TransportErrorKind::Io));
        }
        let limit = LoginLimit::new(Duration::MAX);
        for _ in 0..2 {
            limit
                .send()
                .unwrap()
                .settle(&failed(TransportErrorKind::Io));
        }
        let Err(Error::Authentication(e)) = limit.send() else {
            panic!("an endless cool-down let a login through");
        };
        assert!(e.retry_after.unwrap() >= Duration::from_secs(u64::MAX));
    }
}
