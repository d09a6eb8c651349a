//! [`Faults`]: what a test asks the sandbox to get wrong, so that a client's handling of each
//! way EnKash (or what stands in front of it) misbehaves can be seen end to end.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;

use super::data::Render;

/// Faults to inject, changed through `&self` while the sandbox serves
/// ([`Sandbox::faults`](super::Sandbox::faults)); each change applies to the requests that
/// arrive after it.
///
/// **Queued faults** answer the next search requests (`POST /api/v0/customer/search`) in the
/// order they were queued: `fail_next(2, 503)` then `html_next(1, 502)` answers the next three
/// searches 503, 503, 502, and the fourth normally. Most (`fail_next`, `rate_limit_next`,
/// `html_next`, `error_in_200_next`, `redirect_next`, `endless_body_next`) answer before the
/// bearer token or the request is looked at, as a gateway or an overloaded service would. The
/// others change how a search that is answered normally comes out: `cut_body_next` and
/// `drip_body_next` break the way its body travels, `shift_next` answers it as if a customer
/// had been inserted at the front of the result set.
///
/// **Token faults** (`fail_token_next`, `redirect_token_next`, `echo_credentials_next`) answer
/// the next token requests (`POST /oauth/token`) the same way, in their own queue, and never
/// count as a failed login.
///
/// **Switches** (`null_fields`, `unknown_enum_values`, `offset_less_timestamps`,
/// `string_numbers_in_token`) change how responses are written until switched off; filtering
/// and ordering still use the stored values. **Latency** delays every response, token
/// requests included.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use std::time::Duration;
/// use enkash_customer_search_mock::Sandbox;
///
/// let sandbox = Sandbox::start().await?;
/// sandbox.faults().fail_next(2, 503);
/// sandbox.faults().rate_limit_next(1, Duration::from_secs(1));
/// sandbox.faults().null_fields(true);
/// sandbox.faults().cut_body_next(1);
/// sandbox.faults().fail_token_next(1, 503);
/// sandbox.faults().reset();
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Faults {
    state: Mutex<FaultState>,
    /// The latency the sandbox was built with, which `reset` restores.
    built_latency: Duration,
}

#[derive(Debug, Default)]
struct FaultState {
    queue: VecDeque<(Fault, usize)>,
    token_queue: VecDeque<(TokenFault, usize)>,
    latency: Duration,
    render: Render,
    unknown_error_type: bool,
    string_numbers_in_token: bool,
}

/// How an error envelope writes its `errorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ErrorTypeOnWire {
    /// The spec's value for the status.
    Known,
    /// A value the spec's enum does not list.
    Unknown,
    /// `null`.
    Null,
}

/// One queued fault: how a search request is answered instead of normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// This status with the error envelope.
    Status(StatusCode),
    /// 429 with `Retry-After` and the error envelope.
    RateLimit(Duration),
    /// A gateway's HTML page with this status.
    Html(StatusCode),
    /// The error envelope under HTTP 200 (`response_code` 117, "Token is invalid.").
    ErrorIn200,
    /// A redirect with this status to this `Location`.
    Redirect(StatusCode, String),
    /// HTTP 200 and a body that never ends.
    EndlessBody,
    /// The normal answer, with its `Content-Length`, cut off halfway.
    CutBody,
    /// The normal answer, one byte every this long.
    DripBody(Duration),
    /// The normal answer, starting one customer earlier (offsets above 0 only).
    Shift,
    /// The normal answer gzip'd, with `Content-Encoding: gzip`, whether asked for or not.
    GzipUnasked,
}

/// One queued token fault: how a token request is answered instead of normally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TokenFault {
    /// This status with a gateway's HTML page.
    Status(StatusCode),
    /// A redirect with this status to this `Location`.
    Redirect(StatusCode, String),
    /// 401 `invalid_grant` whose `error_description` repeats the credentials sent.
    EchoCredentials,
}

impl Faults {
    pub(crate) fn new(latency: Duration) -> Self {
        Faults {
            state: Mutex::new(FaultState {
                latency,
                ..FaultState::default()
            }),
            built_latency: latency,
        }
    }

    fn state(&self) -> MutexGuard<'_, FaultState> {
        // A panic elsewhere while holding the lock leaves nothing half-done worth refusing.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn queue(&self, count: usize, fault: Fault) {
        if count > 0 {
            self.state().queue.push_back((fault, count));
        }
    }

    fn queue_token(&self, count: usize, fault: TokenFault) {
        if count > 0 {
            self.state().token_queue.push_back((fault, count));
        }
    }

    /// The next `count` searches get `status` with EnKash's error envelope, its `errorType`
    /// chosen by status: 400 `VALIDATION_ERROR`, 401 `UNAUTHORIZED`, 403 `INVALID_ACCESS`, 404
    /// `RECORD_NOT_FOUND`, 422 `UNPROCESSABLE_REQUEST`, 5xx `SYSTEM_ERROR`, another 4xx
    /// `CLIENT_REQUEST_ERROR`.
    ///
    /// # Panics
    ///
    /// If `status` is not an error status (400 to 599).
    pub fn fail_next(&self, count: usize, status: u16) {
        assert!(
            (400..=599).contains(&status),
            "fail_next takes an error status (400-599), not {status}"
        );
        let status = StatusCode::from_u16(status).expect("400-599 are valid statuses");
        self.queue(count, Fault::Status(status));
    }

    /// The next `count` searches get 429 Too Many Requests with `Retry-After: <seconds>`
    /// (`retry_after` rounded up to whole seconds) and the error envelope (`errorType`
    /// `CLIENT_REQUEST_ERROR`).
    pub fn rate_limit_next(&self, count: usize, retry_after: Duration) {
        self.queue(count, Fault::RateLimit(retry_after));
    }

    /// The next `count` searches get a gateway's HTML error page with `status`, as
    /// `text/html`: what nginx sends when the service behind it is down.
    ///
    /// # Panics
    ///
    /// If `status` is not 200 to 599.
    pub fn html_next(&self, count: usize, status: u16) {
        assert!(
            (200..=599).contains(&status),
            "html_next takes a status of 200-599, not {status}"
        );
        let status = StatusCode::from_u16(status).expect("200-599 are valid statuses");
        self.queue(count, Fault::Html(status));
    }

    /// The next `count` searches get the error envelope under HTTP 200: `response_code` 117,
    /// `errorMessage` and `response_message` "Token is invalid.", `errorType` `UNAUTHORIZED`
    /// (as one EnKash integration has been seen to answer).
    pub fn error_in_200_next(&self, count: usize) {
        self.queue(count, Fault::ErrorIn200);
    }

    /// The next `count` searches get a redirect: `status` (300 to 399) with `Location:
    /// location`, unchecked, so a test can point it at another origin (`http://localhost:…`
    /// for the sandbox itself under another host name) or at the sandbox's own search path.
    ///
    /// # Panics
    ///
    /// If `status` is not 300 to 399.
    pub fn redirect_next(&self, count: usize, status: u16, location: impl Into<String>) {
        self.queue(
            count,
            Fault::Redirect(redirect_status(status), location.into()),
        );
    }

    /// The next `count` searches get HTTP 200, `application/json`, and a body that never ends
    /// (`{"payload":{"data":[` and then the first customer over and over), streamed as fast
    /// as the client reads it. What a broken proxy or a runaway export looks like.
    pub fn endless_body_next(&self, count: usize) {
        self.queue(count, Fault::EndlessBody);
    }

    /// The next `count` searches are answered normally, but the body stops halfway and the
    /// connection is closed, although `Content-Length` announced all of it.
    pub fn cut_body_next(&self, count: usize) {
        self.queue(count, Fault::CutBody);
    }

    /// The next `count` searches are answered normally, one byte of the body every
    /// `interval`: a server that never stalls long enough for a read timeout, yet never
    /// finishes.
    pub fn drip_body_next(&self, count: usize, interval: Duration) {
        self.queue(count, Fault::DripBody(interval));
    }

    /// The next `count` searches with an `offset` above 0 are answered from one customer
    /// earlier, as if a customer had been inserted at the front of the result set since the
    /// page before: the page begins with the last customer of the previous one. (A search at
    /// offset 0 takes one of them and is answered normally.)
    pub fn shift_next(&self, count: usize) {
        self.queue(count, Fault::Shift);
    }

    /// The next `count` searches are answered normally but gzip'd, with
    /// `Content-Encoding: gzip`, whether the request asked for it or not: a gateway that
    /// compresses for everyone.
    pub fn gzip_unasked_next(&self, count: usize) {
        self.queue(count, Fault::GzipUnasked);
    }

    /// The next `count` token requests get `status` (400 to 599) with a gateway's HTML page,
    /// whatever they hold.
    ///
    /// # Panics
    ///
    /// If `status` is not 400 to 599.
    pub fn fail_token_next(&self, count: usize, status: u16) {
        assert!(
            (400..=599).contains(&status),
            "fail_token_next takes an error status (400-599), not {status}"
        );
        let status = StatusCode::from_u16(status).expect("400-599 are valid statuses");
        self.queue_token(count, TokenFault::Status(status));
    }

    /// The next `count` token requests get a redirect, like
    /// [`redirect_next`](Self::redirect_next) for searches.
    ///
    /// # Panics
    ///
    /// If `status` is not 300 to 399.
    pub fn redirect_token_next(&self, count: usize, status: u16, location: impl Into<String>) {
        self.queue_token(
            count,
            TokenFault::Redirect(redirect_status(status), location.into()),
        );
    }

    /// The next `count` token requests get 401 `invalid_grant` with an `error_description`
    /// that repeats what was sent: `Bad credentials for <username> / <password> (client
    /// <id>:<secret>, Authorization: Basic <base64>)`. Not counted as failed logins.
    pub fn echo_credentials_next(&self, count: usize) {
        self.queue_token(count, TokenFault::EchoCredentials);
    }

    /// While on, the token response's `expires_in` is a string of digits (`"300"`), as some
    /// OAuth servers and gateways write it.
    pub fn string_numbers_in_token(&self, on: bool) {
        self.state().string_numbers_in_token = on;
    }

    /// Delays every response (searches and token requests) by `latency`, replacing the
    /// builder's [`latency`](super::SandboxBuilder::latency) until [`reset`](Self::reset).
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    /// While on, every customer field is `null` but `customerId`, arrays included, as a
    /// Spring/Jackson service writes fields it has no value for; so is an error envelope's
    /// `errorType` (which the spec says is never `null`), unless
    /// [`unknown_enum_values`](Self::unknown_enum_values) is on too.
    pub fn null_fields(&self, on: bool) {
        self.state().render.null_fields = on;
    }

    /// While on, every error envelope's `errorType` is `SOMETHING_NEW` (not in the spec's
    /// enum), and every customer carries a field the spec does not know
    /// (`"gstFilingStatus": "REGULAR"`): what a client sees after EnKash adds to its API.
    pub fn unknown_enum_values(&self, on: bool) {
        let mut state = self.state();
        state.unknown_error_type = on;
        state.render.unknown_field = on;
    }

    /// While on, date-times are IST wall-clock times without an offset, as Jackson writes a
    /// `LocalDateTime`: a customer's `createdOn`/`modifiedOn` as `2024-10-10T08:34:46`, a key
    /// contact's as `2024-10-10 08:34:46`. Each is the same instant as the RFC 3339 value it
    /// replaces, read at UTC+05:30.
    pub fn offset_less_timestamps(&self, on: bool) {
        self.state().render.offset_less_timestamps = on;
    }

    /// Drops every queued fault, switches every switch off and restores the builder's latency.
    /// The request counters, issued tokens and locked accounts are left alone.
    pub fn reset(&self) {
        *self.state() = FaultState {
            latency: self.built_latency,
            ..FaultState::default()
        };
    }

    /// Takes one unit of the first queued fault, if any.
    pub(crate) fn take_next(&self) -> Option<Fault> {
        take(&mut self.state().queue)
    }

    /// Takes one unit of the first queued token fault, if any.
    pub(crate) fn take_next_token(&self) -> Option<TokenFault> {
        take(&mut self.state().token_queue)
    }

    pub(crate) fn string_numbers_in_token_on(&self) -> bool {
        self.state().string_numbers_in_token
    }

    pub(crate) fn latency(&self) -> Duration {
        self.state().latency
    }

    pub(crate) fn render(&self) -> Render {
        self.state().render
    }

    /// How an error envelope writes its `errorType` while the switches are as they are.
    pub(crate) fn error_type_on_wire(&self) -> ErrorTypeOnWire {
        let state = self.state();
        if state.unknown_error_type {
            ErrorTypeOnWire::Unknown
        } else if state.render.null_fields {
            ErrorTypeOnWire::Null
        } else {
            ErrorTypeOnWire::Known
        }
    }
}

fn take<T: Clone>(queue: &mut VecDeque<(T, usize)>) -> Option<T> {
    let (fault, remaining) = queue.front_mut()?;
    let fault = fault.clone();
    *remaining -= 1;
    if *remaining == 0 {
        queue.pop_front();
    }
    Some(fault)
}

fn redirect_status(status: u16) -> StatusCode {
    assert!(
        (300..=399).contains(&status),
        "a redirect takes a status of 300-399, not {status}"
    );
    StatusCode::from_u16(status).expect("300-399 are valid statuses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_come_out_in_order_and_count() {
        let faults = Faults::new(Duration::ZERO);
        faults.fail_next(2, 503);
        faults.html_next(1, 502);
        faults.fail_next(0, 500);
        faults.error_in_200_next(1);
        faults.shift_next(1);
        faults.fail_token_next(1, 503);
        faults.echo_credentials_next(2);
        let taken: Vec<_> = std::iter::from_fn(|| faults.take_next()).collect();
        assert_eq!(
            taken,
            [
                Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
                Fault::Status(StatusCode::SERVICE_UNAVAILABLE),
                Fault::Html(StatusCode::BAD_GATEWAY),
                Fault::ErrorIn200,
                Fault::Shift,
            ]
        );
        let taken: Vec<_> = std::iter::from_fn(|| faults.take_next_token()).collect();
        assert_eq!(
            taken,
            [
                TokenFault::Status(StatusCode::SERVICE_UNAVAILABLE),
                TokenFault::EchoCredentials,
                TokenFault::EchoCredentials,
            ]
        );
    }

    #[test]
    fn reset_restores_the_built_state() {
        let faults = Faults::new(Duration::from_millis(5));
        faults.set_latency(Duration::from_secs(1));
        faults.null_fields(true);
        faults.unknown_enum_values(true);
        faults.rate_limit_next(3, Duration::from_secs(1));
        faults.redirect_token_next(1, 307, "http://localhost:1/oauth/token");
        faults.string_numbers_in_token(true);
        faults.reset();
        assert_eq!(faults.latency(), Duration::from_millis(5));
        assert_eq!(faults.render(), Render::default());
        assert_eq!(faults.error_type_on_wire(), ErrorTypeOnWire::Known);
        assert!(!faults.string_numbers_in_token_on());
        assert_eq!(faults.take_next(), None);
        assert_eq!(faults.take_next_token(), None);
    }

    #[test]
    #[should_panic(expected = "300-399")]
    fn a_redirect_needs_a_redirect_status() {
        Faults::new(Duration::ZERO).redirect_next(1, 200, "/");
    }

    #[test]
    #[should_panic(expected = "error status")]
    fn fail_next_refuses_a_success_status() {
        Faults::new(Duration::ZERO).fail_next(1, 200);
    }
}
