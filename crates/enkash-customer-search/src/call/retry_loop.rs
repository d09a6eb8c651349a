//! The loop that turns one operation into attempts: the retry policy's count and delays, a
//! server's `Retry-After`, the call's deadline, one `enkash.request` span per attempt, and the
//! scrubbing of every error before it is logged or returned.

use std::future::Future;
use std::time::Instant;

use tracing::{Instrument, field};

use super::deadline::{Deadline, within};
use crate::RetryPolicy;
use crate::error::Error;
use crate::redact::Secrets;

/// Runs `attempt` until it succeeds, fails for good, or the retry policy says stop;
/// `retryable` says which errors are worth another attempt of this operation. None of it goes
/// past `deadline`: a wait that would cross it is not started.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: &RetryPolicy,
    secrets: &Secrets,
    operation: &'static str,
    retryable: fn(&Error) -> bool,
    deadline: Option<Deadline>,
    mut attempt: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut attempts = 0u32;
    loop {
        attempts = attempts.saturating_add(1);
        let span = attempt_span(operation, attempts);
        let started = Instant::now();
        let mut cut = false;
        let result = within(
            deadline,
            attempts,
            || {
                cut = true;
                format!("during attempt {attempts}")
            },
            attempt().instrument(span.clone()),
        )
        .await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        let error = match result {
            Ok(value) => {
                tracing::debug!(parent: &span, "request succeeded");
                return Ok(value);
            }
            Err(error) => error.scrubbed(secrets),
        };
        if let Some(id) = error.request_id() {
            span.record("request_id", id);
        }
        if cut || !retryable(&error) || !policy.should_retry(attempts) {
            tracing::debug!(parent: &span, error = %error, "request failed");
            return Err(if cut {
                error
            } else {
                with_attempts(error, attempts)
            });
        }
        let delay = policy.delay_before_retry(attempts, error.retry_after());
        if let Some(deadline) = deadline.filter(|d| d.reached_after(delay)) {
            tracing::debug!(parent: &span, error = %error, "no retry: the deadline is too near");
            let next = attempts.saturating_add(1);
            return Err(deadline.passed(
                attempts,
                format!(
                    "before attempt {next} (after a wait of {delay:?}); attempt {attempts} \
                     failed: {error}"
                ),
            ));
        }
        tracing::warn!(
            parent: &span,
            delay_ms = delay.as_millis() as u64,
            error = %error,
            "request failed, retrying"
        );
        tokio::time::sleep(delay).await;
    }
}

fn attempt_span(operation: &'static str, attempt: u32) -> tracing::Span {
    tracing::info_span!(
        "enkash.request",
        operation,
        attempt,
        status = field::Empty,
        request_id = field::Empty,
        latency_ms = field::Empty,
    )
}

/// Adds the attempt count to the errors that report it.
fn with_attempts(mut error: Error, attempts: u32) -> Error {
    if let Error::Transport(e) | Error::Timeout(e) = &mut error {
        e.attempts = attempts;
    }
    error
}
