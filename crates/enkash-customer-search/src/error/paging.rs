//! [`PagingError`]: a server that breaks the paging contract, caught before the walk emits a
//! customer twice, skips some or never ends.

use std::fmt;

use reqwest::StatusCode;

use super::Error;
use crate::text::shown;

/// The server broke the contract that paging rests on, so a walk over every page
/// ([`Client::search_all`](crate::Client::search_all)) cannot go on without emitting a customer
/// twice, skipping some, or never ending. Nothing was emitted twice; the stream ends here.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagingError {
    /// A page holds a customer that the page before gave: the result set changed while paging
    /// (a customer inserted before the current offset shifts every later one). Trying again,
    /// in a stable order, may succeed.
    ResultSetChanged {
        /// The customer seen twice: `customerId KC…`, or `id 42` when it has no `customerId`.
        key: String,
        /// The offset of the page that repeated it.
        offset: i64,
        /// The offset of the page that gave it first.
        previous_offset: i64,
    },
    /// A page is the page before it again: the server seems to ignore `offset`.
    RepeatedPage {
        /// The offset asked for.
        offset: i64,
        /// The offset of the page it repeats.
        previous_offset: i64,
    },
    /// A page has fewer customers than asked for while `recordsCount` says more follow: the
    /// server may cap the page size, and paging on would skip customers.
    ShortPage {
        /// The page's offset.
        offset: i64,
        /// How many customers it has.
        received: i64,
        /// How many were asked for (`limit`).
        asked: i64,
        /// The total the page gave.
        records_count: i64,
    },
    /// A page has more customers than asked for: the server seems to ignore `limit`, and
    /// paging on would repeat customers.
    OversizedPage {
        /// The page's offset.
        offset: i64,
        /// How many customers it has.
        received: i64,
        /// How many were asked for at most (`limit`).
        asked: i64,
    },
    /// An envelope with neither `payload` nor `errorResponse`: there is no page to read, and
    /// taking it for an empty one would end a walk early without a word.
    NoPayload {
        /// The HTTP status it came with.
        status: StatusCode,
    },
    /// The next page would start past the largest offset the API takes (int32).
    OffsetOutOfRange {
        /// The offset that does not fit.
        offset: i64,
    },
    /// The fetch of a page was cancelled before it finished (its Tokio runtime shut down).
    FetchCancelled {
        /// The page's offset.
        offset: i64,
    },
}

impl From<PagingError> for Error {
    fn from(error: PagingError) -> Self {
        Error::Paging(Box::new(error))
    }
}

impl PagingError {
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(
            self,
            PagingError::ResultSetChanged { .. } | PagingError::FetchCancelled { .. }
        )
    }
}

impl fmt::Display for PagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagingError::ResultSetChanged {
                key,
                offset,
                previous_offset,
            } => write!(
                f,
                "the result set changed while paging: customer {} in the page at offset \
                 {offset} was already seen in the page at offset {previous_offset}; page in a \
                 stable order, e.g. by createdOn ascending, or retry",
                shown(key, 80)
            ),
            PagingError::RepeatedPage {
                offset,
                previous_offset,
            } => write!(
                f,
                "the page at offset {offset} repeats the page at offset {previous_offset}: the \
                 server seems to ignore `offset`"
            ),
            PagingError::ShortPage {
                offset,
                received,
                asked,
                records_count,
            } => write!(
                f,
                "the page at offset {offset} has {received} customers where {asked} were asked \
                 for, yet recordsCount is {records_count}: the server may cap the page size, so \
                 paging on would skip customers; use a smaller `limit`"
            ),
            PagingError::OversizedPage {
                offset,
                received,
                asked,
            } => write!(
                f,
                "the page at offset {offset} has {received} customers where at most {asked} \
                 were asked for: the server seems to ignore `limit`, so paging on would repeat \
                 customers"
            ),
            PagingError::NoPayload { status } => write!(
                f,
                "the envelope (HTTP {}) has neither `payload` nor `errorResponse`: there is no \
                 page to read",
                status.as_u16()
            ),
            PagingError::OffsetOutOfRange { offset } => write!(
                f,
                "the next page would start at offset {offset}, past what the API takes (int32)"
            ),
            PagingError::FetchCancelled { offset } => write!(
                f,
                "the fetch of the page at offset {offset} was cancelled (is the Tokio runtime \
                 shutting down?)"
            ),
        }
    }
}
