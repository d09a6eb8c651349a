//! The one cache in front of every [`Supply`]: a single flight that no caller can cancel.
//!
//! A fetch runs in a task of its own, never inside a caller, and its one outcome is shared
//! through a watch channel with every caller that waits for it. A caller that gives up (its
//! deadline, its timeout, a dropped stream) stops waiting and nothing else: the fetch
//! finishes, within its own time limit, and its outcome is kept for the next caller. So a
//! password in flight is never dropped and sent again by the next waiter, and a failure of the
//! token endpoint fails the callers of that fetch once, not one login per waiter.
//!
//! A rejection is remembered for good. A token is renewed a tenth of its lifetime (at most a
//! minute) before it lapses, less a random part of as much again, so a fleet of workers that
//! started together does not renew in the same second.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;

use super::supply::{Supply, Token};
use crate::error::{AuthenticationError, AuthenticationFailure, Error};
use crate::settings::Shared;

/// What one fetch gives every caller that waited for it.
type Outcome = Result<HeaderValue, Error>;

/// The cached token of a client, and the fetch of the next one.
#[derive(Clone)]
pub(crate) struct TokenCache {
    inner: Arc<Inner>,
}

struct Inner {
    supply: Box<dyn Supply>,
    fetch_timeout: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    token: Option<Cached>,
    /// The first rejection: nothing is fetched again.
    rejected: Option<AuthenticationError>,
    /// The fetch in flight, if one is.
    fetch: Option<watch::Receiver<Option<Outcome>>>,
}

struct Cached {
    authorization: HeaderValue,
    /// `None`: never.
    renew_at: Option<Instant>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("supply", &self.inner.supply)
            .field("fetch_timeout", &self.inner.fetch_timeout)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new(supply: Box<dyn Supply>, fetch_timeout: Duration) -> Self {
        TokenCache {
            inner: Arc::new(Inner {
                supply,
                fetch_timeout,
                state: Mutex::default(),
            }),
        }
    }

    /// The `Authorization` header to send: the cached token while it is fresh, else the
    /// outcome of the fetch in flight, started by this call if none is. Dropping this future
    /// only stops the wait.
    pub async fn authorization(&self, shared: &Arc<Shared>) -> Result<HeaderValue, Error> {
        // A fetch ends within its limit on a runtime that runs. One that has not ended long
        // after is stuck on a runtime that no longer does (a client shared between runtimes):
        // it is given up, and another is started on this caller's.
        let patience = self
            .inner
            .fetch_timeout
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(1));
        loop {
            let mut outcome = match self.cached_or_fetch(shared) {
                Ok(ready) => return ready,
                Err(waiting) => waiting,
            };
            let waited = tokio::time::timeout(patience, outcome.wait_for(Option::is_some))
                .await
                .map(|seen| seen.map(|outcome| outcome.clone()));
            match waited {
                Ok(Ok(outcome)) => return outcome.unwrap_or_else(|| Err(cancelled())),
                Ok(Err(_)) => return Err(cancelled()),
                Err(_) => self.inner.forget_fetch(&outcome),
            }
        }
    }

    /// Forgets `stale` (a token the API refused) unless it was replaced already, so that of
    /// many requests refused with one token only the first causes a new fetch. Whether a new
    /// token can be had at all.
    pub fn invalidate(&self, stale: &HeaderValue) -> bool {
        let mut state = self.inner.state();
        if state
            .token
            .as_ref()
            .is_some_and(|token| token.authorization == *stale)
        {
            state.token = None;
        }
        self.inner.supply.renews()
    }

    /// The answer now, or the outcome of a fetch to wait for.
    fn cached_or_fetch(
        &self,
        shared: &Arc<Shared>,
    ) -> Result<Outcome, watch::Receiver<Option<Outcome>>> {
        let mut state = self.inner.state();
        if let Some(earlier) = &state.rejected {
            return Ok(Err(Error::Authentication(Box::new(AuthenticationError {
                reason: AuthenticationFailure::CredentialsRejectedEarlier,
                ..earlier.clone()
            }))));
        }
        if let Some(token) = &state.token
            && token.renew_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(Ok(token.authorization.clone()));
        }
        // A fetch whose task is gone (its runtime shut down, its source panicked) left a
        // closed channel: another is started.
        if let Some(fetch) = &state.fetch
            && fetch.has_changed().is_ok()
        {
            return Err(fetch.clone());
        }
        let (sender, receiver) = watch::channel(None);
        state.fetch = Some(receiver.clone());
        let span = tracing::info_span!(
            parent: None,
            "enkash.token_fetch",
            supply = self.inner.supply.name()
        );
        span.follows_from(tracing::Span::current());
        let inner = Arc::clone(&self.inner);
        let shared = Arc::clone(shared);
        let own = receiver.clone();
        tokio::spawn(
            async move {
                let outcome = inner.fetch(&shared, &own).await;
                sender.send_replace(Some(outcome));
            }
            .instrument(span)
            .with_current_subscriber(),
        );
        Err(receiver)
    }
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets the fetch whose outcome `fetch` would bring, if it is still the one in flight.
    fn forget_fetch(&self, fetch: &watch::Receiver<Option<Outcome>>) {
        let mut state = self.state();
        if state.fetch.as_ref().is_some_and(|f| f.same_channel(fetch)) {
            state.fetch = None;
        }
    }

    /// One fetch within the time limit, its outcome kept before any caller hears of it;
    /// `own` is its channel.
    async fn fetch(&self, shared: &Shared, own: &watch::Receiver<Option<Outcome>>) -> Outcome {
        let fetched = tokio::time::timeout(self.fetch_timeout, self.supply.fetch(shared))
            .await
            .unwrap_or_else(|_| Err(self.supply.timed_out(self.fetch_timeout)));
        let outcome = fetched.and_then(|token| header_for(&token).map(|h| (token, h)));
        self.forget_fetch(own);
        let mut state = self.state();
        match outcome {
            Ok((token, authorization)) => {
                // Too far off for an `Instant`: never renewed.
                let renew_at = token.lifetime.and_then(|lifetime| {
                    Instant::now().checked_add(renew_after(lifetime, fastrand::f64()))
                });
                state.token = Some(Cached {
                    authorization: authorization.clone(),
                    renew_at,
                });
                Ok(authorization)
            }
            Err(Error::Authentication(rejected))
                if rejected.reason == AuthenticationFailure::CredentialsRejected =>
            {
                state.rejected = Some((*rejected).clone());
                Err(Error::Authentication(rejected))
            }
            Err(other) => Err(other),
        }
    }
}

/// How long to use a token of `lifetime` before fetching the next: its lifetime less a
/// margin of a tenth (at most a minute), less `unit` (a random number in `[0, 1)`) times as
/// much again.
pub(crate) fn renew_after(lifetime: Duration, unit: f64) -> Duration {
    let margin = (lifetime / 10).min(Duration::from_secs(60));
    let unit = if unit.is_nan() {
        0.0
    } else {
        unit.clamp(0.0, 1.0)
    };
    let jitter = margin.mul_f64(unit);
    lifetime.saturating_sub(margin).saturating_sub(jitter)
}

fn header_for(token: &Token) -> Result<HeaderValue, Error> {
    super::sensitive_header(&format!("Bearer {}", token.access_token.expose_secret())).map_err(
        |_| {
            Error::Authentication(Box::new(AuthenticationError::new(
                AuthenticationFailure::NoTokenInResponse,
                None,
                Some("the token has characters an HTTP header cannot carry".into()),
            )))
        },
    )
}

fn cancelled() -> Error {
    Error::Authentication(Box::new(AuthenticationError::new(
        AuthenticationFailure::TokenSourceFailed,
        None,
        Some(
            "the token fetch ended without an outcome (is the Tokio runtime shutting down?)".into(),
        ),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Client, SourcedToken, TokenFuture, TokenSource};

    /// A source whose tokens live 100 s, noting when it is asked.
    struct Noting(Arc<Mutex<Vec<Instant>>>);

    impl TokenSource for Noting {
        fn token(&self) -> TokenFuture<'_> {
            self.0.lock().unwrap().push(Instant::now());
            Box::pin(std::future::ready(Ok(
                SourcedToken::new("TK-1").expires_in(Duration::from_secs(100))
            )))
        }
    }

    /// A source whose tokens take a moment, counting how often it is asked.
    struct Slow(Arc<Mutex<Vec<Instant>>>);

    impl TokenSource for Slow {
        fn token(&self) -> TokenFuture<'_> {
            self.0.lock().unwrap().push(Instant::now());
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(SourcedToken::new("TK-slow"))
            })
        }
    }

    #[test]
    fn a_fetch_stuck_on_a_runtime_that_stopped_running_is_given_up() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let client = Client::builder("http://127.0.0.1:9")
            .token_source(Slow(Arc::clone(&asked)))
            .token_fetch_timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let cache = client.auth.as_ref().unwrap();
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        // The first caller's runtime starts the fetch, then is no longer driven.
        let stopped = runtime();
        stopped.block_on(async {
            let wait = cache.authorization(&client.shared);
            assert!(
                tokio::time::timeout(Duration::from_millis(10), wait)
                    .await
                    .is_err()
            );
        });
        let header = runtime().block_on(async {
            tokio::time::timeout(Duration::from_secs(5), cache.authorization(&client.shared))
                .await
                .expect("the caller waits forever for the stuck fetch")
        });
        assert_eq!(header.unwrap().to_str().unwrap(), "Bearer TK-slow");
        assert_eq!(asked.lock().unwrap().len(), 2);
        drop(stopped);
    }

    #[tokio::test(start_paused = true)]
    async fn renewals_of_clients_with_the_same_lifetime_are_spread() {
        let http = crate::reqwest_client_builder().unwrap().build().unwrap();
        let clients: Vec<_> = (0..50)
            .map(|_| {
                let asked = Arc::new(Mutex::new(Vec::new()));
                let client = Client::builder("http://127.0.0.1:9")
                    .reqwest_client(http.clone())
                    .token_source(Noting(Arc::clone(&asked)))
                    .build()
                    .unwrap();
                (client, asked)
            })
            .collect();
        let start = Instant::now();
        let ask_all = || async {
            for _ in 0..=240 {
                for (client, _) in &clients {
                    let cache = client.auth.as_ref().unwrap();
                    cache.authorization(&client.shared).await.unwrap();
                }
                tokio::time::advance(Duration::from_millis(50)).await;
            }
        };
        ask_all().await;
        for (_, asked) in &clients {
            assert_eq!(
                asked.lock().unwrap().len(),
                1,
                "asked again before renewal was due"
            );
        }
        // From 80 s to 92 s after the first token, each client renews once.
        tokio::time::advance(Duration::from_secs(68)).await;
        ask_all().await;
        let mut times: Vec<Duration> = clients
            .iter()
            .map(|(_, asked)| {
                let asked = asked.lock().unwrap();
                assert_eq!(asked.len(), 2, "renewed once");
                asked[1] - start
            })
            .collect();
        times.sort();
        let (first, last) = (times[0], times[49]);
        assert!(first >= Duration::from_secs(80), "{first:?}");
        assert!(last <= Duration::from_secs(91), "{last:?}");
        times.dedup();
        assert!(times.len() >= 20, "renewals bunch together: {times:?}");
    }

    #[test]
    fn tokens_are_renewed_before_they_lapse_with_jitter() {
        let day = Duration::from_secs(86_399);
        assert_eq!(renew_after(day, 0.0), Duration::from_secs(86_339));
        assert_eq!(renew_after(day, 1.0), Duration::from_secs(86_279));
        let five_minutes = Duration::from_secs(300);
        assert_eq!(renew_after(five_minutes, 0.0), Duration::from_secs(270));
        assert_eq!(renew_after(five_minutes, 0.5), Duration::from_secs(255));
        assert_eq!(renew_after(Duration::ZERO, 0.7), Duration::ZERO);
        assert!(renew_after(Duration::MAX, 0.99) > Duration::from_secs(1 << 40));
        // Out-of-range units are clamped.
        assert_eq!(renew_after(five_minutes, 7.0), Duration::from_secs(240));
        assert_eq!(
            renew_after(five_minutes, f64::NAN),
            Duration::from_secs(270)
        );
    }
}
