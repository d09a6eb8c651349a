//! A bound on a whole call ([`CallOptions::deadline`](crate::CallOptions::deadline)): every
//! attempt, every wait between them and the wait for a token. The arithmetic is checked, so a
//! deadline of `Duration::MAX` is one that never comes rather than a panic.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, TransportError};

/// When a whole call must be over.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    /// `None` when it is too far off for an `Instant` to hold: it never comes.
    at: Option<Instant>,
    after: Duration,
}

impl Deadline {
    /// The deadline `after` from now, if there is one.
    pub fn starting_now(after: Option<Duration>) -> Option<Deadline> {
        after.map(|after| Deadline {
            at: Instant::now().checked_add(after),
            after,
        })
    }

    /// Whether a wait of `delay` from now would reach it.
    pub fn reached_after(&self, delay: Duration) -> bool {
        match (self.at, Instant::now().checked_add(delay)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(at), Some(end)) => end >= at,
        }
    }

    pub fn passed(&self, attempts: u32, when: String) -> Error {
        Error::Timeout(Box::new(TransportError::deadline_passed(
            self.after, attempts, when,
        )))
    }
}

/// `work`, cut short with a deadline error (`when` says at what point) if `deadline` comes
/// first.
pub(crate) async fn within<T>(
    deadline: Option<Deadline>,
    attempts: u32,
    when: impl FnOnce() -> String,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        Some(Deadline {
            at: Some(at),
            after,
        }) => tokio::time::timeout_at(at, work).await.unwrap_or_else(|_| {
            Err(Deadline {
                at: Some(at),
                after,
            }
            .passed(attempts, when()))
        }),
        _ => work.await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_too_far_for_an_instant_never_comes() {
        let deadline = Deadline::starting_now(Some(Duration::MAX)).unwrap();
        assert!(!deadline.reached_after(Duration::MAX));
        assert!(!deadline.reached_after(Duration::ZERO));
        let near = Deadline::starting_now(Some(Duration::from_secs(60))).unwrap();
        assert!(
            near.reached_after(Duration::MAX),
            "an endless wait crosses it"
        );
        assert!(near.reached_after(Duration::from_secs(61)));
        assert!(!near.reached_after(Duration::from_secs(1)));
    }
}
