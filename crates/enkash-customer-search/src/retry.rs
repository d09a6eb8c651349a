//! When to try a failed request again, and how long to wait first.
//!
//! EnKash answers an overloaded or briefly unavailable service with 429/500/502/503/504, sometimes
//! with a `Retry-After` header. Retrying those few statuses, with exponential backoff and full
//! jitter (so that many clients that failed together do not retry together), rides out such
//! blips without hammering the service; everything else is returned to the caller at once.
//! The arithmetic is pure and takes its random number as an argument, so it is testable; the
//! randomness comes from `fastrand`.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderValue;

/// When and how long to wait before trying a request again.
///
/// Build one from [`RetryPolicy::new`] (the defaults) or [`RetryPolicy::none`] and adjust it
/// with the builder-style setters:
///
/// ```
/// # use std::time::Duration;
/// # use enkash_customer_search::RetryPolicy;
/// let policy = RetryPolicy::new()
///     .with_max_attempts(5)
///     .with_initial_backoff(Duration::from_millis(100));
/// assert_eq!(policy.max_attempts(), 5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts in all (the first try included), backoff from 250 ms up to 8 s, and a
    /// server's `Retry-After` honoured up to 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The default policy: see [`RetryPolicy::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy that never retries: one attempt in all.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// With this many attempts in all, the first try included. `0` is treated as `1`: a
    /// request is always tried once.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// With this cap of the delay before the first retry; each later retry doubles the cap,
    /// up to [`max_backoff`](Self::max_backoff).
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// With this largest delay that backoff alone can produce.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// With this longest wait that a server's `Retry-After` can impose; a longer one is cut to
    /// it.
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// How many attempts are made in all, the first try included (at least 1).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The cap of the delay before the first retry.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The largest delay that backoff alone can produce.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest wait that a server's `Retry-After` can impose.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    // pub(crate) in the client crate
    /// Whether another attempt may follow, given how many `attempts` have been made so far.
    pub(crate) fn should_retry(&self, attempts: u32) -> bool {
        attempts < self.max_attempts
    }

    // pub(crate) in the client crate
    /// The delay before retry number `retry` (1 for the first retry): the server's
    /// `retry_after` when it sent one, cut to [`max_retry_after`](Self::max_retry_after);
    /// otherwise the jittered [`backoff`](Self::backoff).
    pub(crate) fn delay_before_retry(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.backoff(retry, random_unit()),
        }
    }

    // pub(crate) in the client crate
    /// Exponential backoff with full jitter: for retry number `retry` (1 for the first retry;
    /// 0 is treated as 1), `unit` times `min(max_backoff, initial_backoff * 2^(retry - 1))`.
    ///
    /// `unit` is a random number in `[0, 1)`, such as [`random_unit`] gives; a value outside
    /// `[0, 1]` (or NaN) is clamped into it. The arithmetic saturates, so no `retry` or duration
    /// overflows.
    pub(crate) fn backoff(&self, retry: u32, unit: f64) -> Duration {
        let doublings = retry.saturating_sub(1);
        let grown = match 1u32.checked_shl(doublings) {
            Some(factor) => self.initial_backoff.saturating_mul(factor),
            None if self.initial_backoff.is_zero() => Duration::ZERO,
            None => Duration::MAX,
        };
        let cap = grown.min(self.max_backoff);
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        // Rounding can take the product of a huge `cap` past what a `Duration` holds: `cap`.
        Duration::try_from_secs_f64(cap.as_secs_f64() * unit).map_or(cap, |delay| delay.min(cap))
    }
}

/// A random number in `[0, 1)`, for [`RetryPolicy::backoff`]: jitter need not be
/// cryptographic, only differ between calls and between processes.
pub(crate) fn random_unit() -> f64 {
    fastrand::f64()
}

// pub(crate) in the client crate
/// Whether a response with this status is worth trying again: 408 Request Timeout, 429 Too
/// Many Requests, 500 Internal Server Error, 502 Bad Gateway, 503 Service Unavailable and 504
/// Gateway Timeout, and nothing else.
///
/// These say the service was slow, overloaded, briefly broken or unreachable; a search is a
/// read, so trying it again cannot do harm (aws-sdk-rust and the Stainless SDKs retry 5xx
/// too). Other 4xx statuses are the request's own fault and would fail again. The token call
/// retries none of them (see `Client::fetch_token`).
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    RETRIED_STATUSES.contains(&status.as_u16())
}

/// The HTTP statuses a search is retried after: 408 Request Timeout, 429 Too Many Requests,
/// 500 Internal Server Error, 502 Bad Gateway, 503 Service Unavailable and 504 Gateway
/// Timeout.
pub const RETRIED_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

// pub(crate) in the client crate
/// How long a `Retry-After` header asks to wait, as of `now`.
///
/// Accepts delta-seconds (ASCII digits only, e.g. `120`; a number too big for a `u64`
/// saturates) and an HTTP-date as the `httpdate` crate reads it: the IMF-fixdate
/// `Sun, 06 Nov 1994 08:49:37 GMT` and the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`)
/// and asctime (`Sun Nov  6 08:49:37 1994`) forms that RFC 9110 asks recipients to accept. A
/// date at or before `now` gives `Some(Duration::ZERO)`; anything else gives `None`.
pub(crate) fn parse_retry_after(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    let text = value
        .to_str()
        .ok()?
        .trim_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        let secs = text.bytes().fold(0u64, |acc, digit| {
            acc.saturating_mul(10)
                .saturating_add(u64::from(digit - b'0'))
        });
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::time::UNIX_EPOCH;

    fn header(text: &str) -> HeaderValue {
        HeaderValue::from_str(text).unwrap()
    }

    /// 1994-11-06 08:49:37 UTC, the RFC's example date.
    const EXAMPLE_SECS: u64 = 784_111_777;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn defaults() {
        let policy = RetryPolicy::default();
        assert_eq!(policy, RetryPolicy::new());
        assert_eq!(policy.max_attempts(), 3);
        assert_eq!(policy.initial_backoff(), Duration::from_millis(250));
        assert_eq!(policy.max_backoff(), Duration::from_secs(8));
        assert_eq!(policy.max_retry_after(), Duration::from_secs(30));
        assert!(policy.should_retry(0));
        assert!(policy.should_retry(2));
        assert!(!policy.should_retry(3));
        assert!(!policy.should_retry(u32::MAX));
    }

    #[test]
    fn none_tries_once() {
        let policy = RetryPolicy::none();
        assert_eq!(policy.max_attempts(), 1);
        assert!(policy.should_retry(0));
        assert!(!policy.should_retry(1));
    }

    #[test]
    fn zero_attempts_means_one() {
        let policy = RetryPolicy::new().with_max_attempts(0);
        assert_eq!(policy.max_attempts(), 1);
        assert!(!policy.should_retry(1));
    }

    #[test]
    fn setters_and_getters() {
        let policy = RetryPolicy::new()
            .with_max_attempts(7)
            .with_initial_backoff(Duration::from_millis(10))
            .with_max_backoff(Duration::from_secs(1))
            .with_max_retry_after(Duration::from_secs(5));
        assert_eq!(policy.max_attempts(), 7);
        assert_eq!(policy.initial_backoff(), Duration::from_millis(10));
        assert_eq!(policy.max_backoff(), Duration::from_secs(1));
        assert_eq!(policy.max_retry_after(), Duration::from_secs(5));
    }

    #[test]
    fn backoff_unit_zero_is_zero() {
        let policy = RetryPolicy::new();
        for retry in 0..=100 {
            assert_eq!(policy.backoff(retry, 0.0), Duration::ZERO);
        }
    }

    #[test]
    fn backoff_grows_exponentially_to_the_cap() {
        let policy = RetryPolicy::new();
        let almost_one = 1.0 - f64::EPSILON;
        let expected_caps_ms = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];
        for (index, cap_ms) in expected_caps_ms.into_iter().enumerate() {
            let retry = u32::try_from(index).unwrap() + 1;
            let cap = Duration::from_millis(cap_ms);
            let delay = policy.backoff(retry, almost_one);
            assert!(delay <= cap, "retry {retry}: {delay:?} > {cap:?}");
            assert!(
                cap - delay <= Duration::from_micros(1),
                "retry {retry}: {delay:?} far from {cap:?}"
            );
            assert_eq!(policy.backoff(retry, 1.0), cap);
            assert_eq!(policy.backoff(retry, 0.5), cap / 2);
        }
        // Retry 0 is treated as the first retry.
        assert_eq!(policy.backoff(0, 1.0), Duration::from_millis(250));
    }

    #[test]
    fn backoff_respects_the_cap_for_every_retry_and_huge_durations() {
        let policies = [
            RetryPolicy::new(),
            RetryPolicy::new()
                .with_initial_backoff(Duration::MAX)
                .with_max_backoff(Duration::MAX),
            RetryPolicy::new()
                .with_initial_backoff(Duration::from_secs(u64::MAX / 3))
                .with_max_backoff(Duration::from_secs(60)),
            RetryPolicy::new()
                .with_initial_backoff(Duration::from_nanos(1))
                .with_max_backoff(Duration::MAX),
            RetryPolicy::new()
                .with_initial_backoff(Duration::ZERO)
                .with_max_backoff(Duration::MAX),
            RetryPolicy::new()
                .with_initial_backoff(Duration::from_secs(1))
                .with_max_backoff(Duration::ZERO),
        ];
        let units = [0.0, 1e-9, 0.25, 0.5, 0.999_999, 1.0 - f64::EPSILON, 1.0];
        for policy in &policies {
            let mut previous_cap = Duration::ZERO;
            for retry in (0..=64).chain([65, 127, 128, 129, 1000, u32::MAX]) {
                let cap = policy.backoff(retry, 1.0);
                assert!(cap <= policy.max_backoff());
                assert!(cap >= previous_cap, "the cap never shrinks");
                previous_cap = cap;
                for unit in units {
                    assert!(policy.backoff(retry, unit) <= cap);
                }
            }
        }
        // Out-of-range units are clamped, not trusted.
        let policy = RetryPolicy::new();
        assert_eq!(policy.backoff(1, -3.0), Duration::ZERO);
        assert_eq!(policy.backoff(1, f64::NAN), Duration::ZERO);
        assert_eq!(policy.backoff(1, 7.0), Duration::from_millis(250));
        assert_eq!(policy.backoff(1, f64::INFINITY), Duration::from_millis(250));
    }

    #[test]
    fn delay_before_retry_prefers_retry_after_within_the_cap() {
        let policy = RetryPolicy::new();
        assert_eq!(
            policy.delay_before_retry(1, Some(Duration::from_secs(12))),
            Duration::from_secs(12)
        );
        assert_eq!(
            policy.delay_before_retry(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(30)
        );
        assert_eq!(
            policy.delay_before_retry(1, Some(Duration::ZERO)),
            Duration::ZERO
        );
        for retry in 1..=10 {
            assert!(policy.delay_before_retry(retry, None) <= policy.backoff(retry, 1.0));
        }
    }

    #[test]
    fn random_unit_is_in_range_and_varies() {
        let draws: Vec<f64> = (0..100).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|unit| (0.0..1.0).contains(unit)));
        let first = draws[0];
        assert!(draws.iter().any(|unit| *unit != first));
    }

    #[test]
    fn retryable_statuses_are_exactly_408_429_500_502_503_504() {
        for code in 100..=599u16 {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(
                retryable_status(status),
                [408, 429, 500, 502, 503, 504].contains(&code),
                "status {code}"
            );
        }
    }

    #[test]
    fn retry_after_delta_seconds() {
        let now = at(EXAMPLE_SECS);
        assert_eq!(
            parse_retry_after(&header("120"), now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(&header("0"), now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(&header("007"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(&header("99999999999999999999999999999"), now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn retry_after_imf_fixdate_in_the_future() {
        let now = at(EXAMPLE_SECS - 90);
        assert_eq!(
            parse_retry_after(&header("Sun, 06 Nov 1994 08:49:37 GMT"), now),
            Some(Duration::from_secs(90))
        );
        // Sub-second `now` is honoured too.
        let now = at(EXAMPLE_SECS - 1) + Duration::from_millis(250);
        assert_eq!(
            parse_retry_after(&header("Sun, 06 Nov 1994 08:49:37 GMT"), now),
            Some(Duration::from_millis(750))
        );
    }

    #[test]
    fn retry_after_obsolete_date_forms() {
        let now = at(EXAMPLE_SECS - 10);
        for text in ["Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"] {
            assert_eq!(
                parse_retry_after(&header(text), now),
                Some(Duration::from_secs(10)),
                "{text}"
            );
        }
    }

    #[test]
    fn retry_after_date_in_the_past_is_zero() {
        let now = at(EXAMPLE_SECS + 3600);
        assert_eq!(
            parse_retry_after(&header("Sun, 06 Nov 1994 08:49:37 GMT"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(&header("Sun, 06 Nov 1994 08:49:37 GMT"), at(EXAMPLE_SECS)),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after(&header("Thu, 01 Jan 1970 00:00:00 GMT"), now),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_garbage_is_none() {
        let now = at(EXAMPLE_SECS);
        for text in [
            "",
            "   ",
            "-5",
            "+5",
            "1.5",
            "12 34",
            "soon",
            "0x10",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
        ] {
            assert_eq!(parse_retry_after(&header(text), now), None, "{text:?}");
        }
        let not_utf8 = HeaderValue::from_bytes(b"12\xff").unwrap();
        assert_eq!(parse_retry_after(&not_utf8, now), None);
    }

    #[test]
    fn retry_after_never_panics_on_noise() {
        // Seeded: the same noise on every run.
        let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
        let alphabet = b"0123456789 ,:-ADFGJMNOSTWadefghilmnorstuvy\t";
        for length in 0..2000usize {
            let text: String = (0..length % 40)
                .map(|_| alphabet[rng.usize(..alphabet.len())] as char)
                .collect();
            if let Ok(value) = HeaderValue::from_str(&text) {
                let _ = parse_retry_after(&value, at(EXAMPLE_SECS));
                let _ = parse_retry_after(&value, UNIX_EPOCH);
            }
        }
    }
}
