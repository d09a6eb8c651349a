//! Walks an offset/limit search page by page and hands back one item at a time.
//!
//! EnKash's customer search returns at most 5,000 records a call, addressed by `offset` and
//! `limit`, with `recordsCount` for the total. Callers want "every match", not pages, and want
//! it fast: so the next page is fetched in the background while the current one is consumed
//! (and, when the total is known, several pages at once), while items still come out in server
//! order. The pager also guards against the ways such a loop goes wrong: a server that ignores
//! `offset` (same page forever), a result set that changes under the walk (an item inserted
//! before the current offset shifts the next page by one, so its first item is the last one
//! already given), an offset that would overflow, and fetches left running after the caller has
//! lost interest.
//!
//! The pager is generic over the item and error types and knows nothing of HTTP: the caller
//! passes a `fetch` function that turns a `PageRequest` into a `Page`, and that may say, with
//! [`Answered`], when the server has answered, before the answer is read and decoded. Decoding
//! a page of 5,000 customers takes about as long as the server's latency, so the next request
//! going out only after it would add the decode of every page to the walk.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use std::sync::{Arc, Mutex};

use futures_core::{FusedStream, Stream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// One page as the `fetch` function returns it.
// pub(crate) in the client crate
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items, in server order.
    pub items: Vec<T>,
    /// How many items match in all, over every page, when the server says. Only the first
    /// page's value is used.
    pub records_count: Option<i64>,
}

/// Which page to fetch: skip `offset` records, return at most `limit`.
// pub(crate) in the client crate
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// How many records to skip.
    pub offset: i64,
    /// How many records to return at most: always the configured page size.
    pub limit: i64,
}

/// Where to start, how big the pages are, and how many may be fetched at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagerOptions {
    start_offset: i64,
    page_size: i64,
    concurrency: usize,
}

impl Default for PagerOptions {
    /// Start at offset 0, pages of 5,000 (the API's largest), one fetch at a time.
    fn default() -> Self {
        Self {
            start_offset: 0,
            page_size: Self::MAX_PAGE_SIZE,
            concurrency: 1,
        }
    }
}

impl PagerOptions {
    /// The largest page size the API accepts.
    pub const MAX_PAGE_SIZE: i64 = 5000;
    /// The most page fetches that may be in flight at once.
    pub const MAX_CONCURRENCY: usize = 16;

    /// The defaults: see [`PagerOptions::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how many records to skip before the first page; must not be negative.
    pub fn start_offset(mut self, start_offset: i64) -> Self {
        self.start_offset = start_offset;
        self
    }

    /// Sets the page size (the `limit` of every request); must be in
    /// `1..=`[`MAX_PAGE_SIZE`](Self::MAX_PAGE_SIZE).
    pub fn page_size(mut self, page_size: i64) -> Self {
        self.page_size = page_size;
        self
    }

    // The client sets it on the pager itself (`Pager::set_concurrency`).
    #[cfg(test)]
    /// Sets how many page fetches may be in flight at once; must be in
    /// `1..=`[`MAX_CONCURRENCY`](Self::MAX_CONCURRENCY). `1` still prefetches the next page
    /// while the current one is consumed; more than one is used only when the first page gave
    /// the total (`records_count`), since otherwise where the pages end is unknown.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// How many records are skipped before the first page.
    #[cfg(test)]
    fn get_start_offset(&self) -> i64 {
        self.start_offset
    }

    /// The page size.
    #[cfg(test)]
    fn get_page_size(&self) -> i64 {
        self.page_size
    }

    /// How many page fetches may be in flight at once.
    #[cfg(test)]
    fn get_concurrency(&self) -> usize {
        self.concurrency
    }

    /// Checks the options; `paginate` reports the same error as its stream's only item.
    pub fn validate(&self) -> Result<(), PaginationError> {
        let reason = if self.start_offset < 0 {
            format!(
                "start_offset must not be negative, got {}",
                self.start_offset
            )
        } else if !(1..=Self::MAX_PAGE_SIZE).contains(&self.page_size) {
            format!(
                "page_size must be in 1..={}, got {}",
                Self::MAX_PAGE_SIZE,
                self.page_size
            )
        } else if !(1..=Self::MAX_CONCURRENCY).contains(&self.concurrency) {
            format!(
                "concurrency must be in 1..={}, got {}",
                Self::MAX_CONCURRENCY,
                self.concurrency
            )
        } else {
            return Ok(());
        };
        Err(PaginationError::InvalidOptions { reason })
    }
}

/// What went wrong in the pager itself, as opposed to in a fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationError {
    /// The page at `offset` is the same as the one at `previous_offset` (same length, same
    /// last item): the server seems to ignore `offset`, and paging on would never end.
    RepeatedPage {
        /// The offset that was asked for.
        offset: i64,
        /// The offset of the page it repeats.
        previous_offset: i64,
    },
    /// The [`PagerOptions`] are out of range.
    InvalidOptions {
        /// Which option, and why.
        reason: String,
    },
    /// The page at `offset` was full and no total is known, but the next page's offset
    /// (`offset + page_size`) does not fit an `i64`.
    OffsetOverflow {
        /// The offset of the last page fetched.
        offset: i64,
    },
    /// The fetch of the page at `offset` was cancelled before it finished, which happens when
    /// its Tokio runtime shuts down.
    FetchCancelled {
        /// The offset of the page that was being fetched.
        offset: i64,
    },
    /// The page at `offset` holds an item (by its key) that the page at `previous_offset`
    /// already gave: the result set changed while paging.
    SeenBefore {
        /// The key of the item seen twice.
        key: String,
        /// The offset of the page that repeated it.
        offset: i64,
        /// The offset of the page that gave it first.
        previous_offset: i64,
    },
}

impl fmt::Display for PaginationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RepeatedPage {
                offset,
                previous_offset,
            } => write!(
                f,
                "the page at offset {offset} repeats the page at offset {previous_offset}; \
                 the server seems to ignore the offset"
            ),
            Self::InvalidOptions { reason } => write!(f, "invalid pager options: {reason}"),
            Self::OffsetOverflow { offset } => write!(
                f,
                "the page after offset {offset} would start past the largest possible offset"
            ),
            Self::FetchCancelled { offset } => write!(
                f,
                "the fetch of the page at offset {offset} was cancelled (runtime shutting down?)"
            ),
            Self::SeenBefore {
                key,
                offset,
                previous_offset,
            } => write!(
                f,
                "the page at offset {offset} repeats {key} from the page at offset \
                 {previous_offset}: the result set changed while paging"
            ),
        }
    }
}

impl std::error::Error for PaginationError {}

/// Handed to each fetch, to say that the server has answered its request (for HTTP: the
/// response's head has arrived, with a success status) while the answer is still to be read
/// and decoded. Saying it is optional; only the first call counts. Cloning shares it.
#[derive(Clone, Debug)]
pub struct Answered(Arc<Mutex<Option<oneshot::Sender<()>>>>);

impl Answered {
    fn new() -> (Answered, oneshot::Receiver<()>) {
        let (sender, receiver) = oneshot::channel();
        (Answered(Arc::new(Mutex::new(Some(sender)))), receiver)
    }

    /// The server has answered: the pager may send the next request now.
    pub fn notify(&self) {
        let sender = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(sender) = sender {
            // The pager may be gone, or have stopped listening: either way, nothing to do.
            let _ = sender.send(());
        }
    }
}

type Fetched<T, E> = Result<Page<T>, E>;
type Spawner<T, E> = Box<dyn Fn(PageRequest, Answered) -> JoinHandle<Fetched<T, E>> + Send + Sync>;
type KeyOf<T> = Box<dyn Fn(&T) -> Option<String> + Send + Sync>;

/// A spawned fetch.
struct InFlight<T, E> {
    offset: i64,
    handle: JoinHandle<Fetched<T, E>>,
    /// Fires when the fetch says its server has answered; `None` once that has been seen (or
    /// the fetch ended without saying it).
    answered: Option<oneshot::Receiver<()>>,
}

/// Pages through a search with `fetch`, yielding every item in server order.
///
/// Pages are requested at `start_offset`, `start_offset + page_size`, … with `limit =
/// page_size`, and the stream ends after a page that is short (fewer than `page_size` items,
/// empty included) or, when the first page gave `records_count`, once the next offset reaches
/// it. A later page's `records_count` that differs is logged at warn level and followed (the
/// walk ends on the latest total it saw); offsets only grow, so a changing total cannot make
/// the walk loop, and a short page still ends it.
///
/// `key` names an item for the check against the page before (`None`: not checked): a page
/// holding an item the previous page gave ends the stream with
/// [`PaginationError::SeenBefore`], before any of its items is yielded.
///
/// Errors come as `Err` items, after which the stream ends: a fetch's own error, or a
/// [`PaginationError`] (invalid `options`, a repeated page, an item seen before, an offset
/// overflow). See
/// [`Pager`] for how fetches are run and cancelled, and what [`Answered`] changes.
///
/// The stream must be polled inside a Tokio runtime (multi-thread or current-thread), as
/// fetches are run with `tokio::spawn`.
// pub(crate) in the client crate
pub fn paginate<T, E, F, Fut, K>(fetch: F, key: K, options: PagerOptions) -> Pager<T, E>
where
    F: Fn(PageRequest, Answered) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>, E>> + Send + 'static,
    K: Fn(&T) -> Option<String> + Send + Sync + 'static,
    T: PartialEq + Send + 'static,
    E: From<PaginationError> + Send + 'static,
{
    Pager {
        spawn: Box::new(move |request, answered| tokio::spawn(fetch(request, answered))),
        key: Box::new(key),
        previous_keys: HashSet::new(),
        page_size: options.page_size,
        concurrency: options.concurrency,
        invalid: options.validate().err(),
        state: State::NotStarted,
        next_offset: Some(options.start_offset),
        records_count: None,
        in_flight: VecDeque::new(),
        current: Vec::new().into_iter(),
        held: None,
        previous: None,
        queued_error: None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    NotStarted,
    Running,
    Done,
}

/// The stream `paginate` returns: `Stream<Item = Result<T, E>>`, fused, `Send` when `T`
/// and `E` are, and `Unpin`.
///
/// How it works:
/// - **Prefetch.** Each fetch runs as its own Tokio task. When a page is taken and more pages
///   may follow, the next page's fetch is spawned at once, so it progresses while the caller
///   consumes the current page or awaits something else. One at a time (`concurrency` 1, or no
///   `records_count`), at most two pages are held: the one being yielded and the one in flight
///   (plus, briefly, the last item of the page before; see below).
/// - **Answered early.** Once `records_count` is known, when the consumer has taken every item
///   of its page and waits for the oldest fetch, and that fetch has said [`Answered`], one
///   more fetch is spawned at once: the server works on the next page while this one is read
///   and decoded. The bounds above still hold, because the consumer holds no page then: two
///   pages at most one at a time, `concurrency + 1` with more. Without a `records_count` this
///   is not done, as the next page might not exist.
/// - **Concurrency.** With `concurrency` c > 1 and a `records_count` from the first page, up
///   to c fetches are in flight (never past `records_count`). Items still come out strictly in
///   offset order: only the oldest fetch is awaited, the others run meanwhile, so up to c
///   finished pages may wait in memory.
/// - **Repeated pages.** A non-empty page with the same length and the same last item
///   (`PartialEq`) as the page before ends the stream with
///   [`PaginationError::RepeatedPage`]. To compare without requiring `T: Clone`, the last item
///   of a page that may have a successor is held back until that successor arrives, so it is
///   yielded a little later than the rest of its page.
/// - **Cancellation.** Dropping the pager aborts every fetch still in flight, as does ending
///   the stream early (an error, a repeated or short page).
/// - **Panics.** A fetch that panics makes the poll that would have yielded its page resume
///   that panic (`std::panic::resume_unwind`) in the consumer, as if the fetch had run inline.
///   The pager is ended first, so if the panic is caught, it yields `None` from then on.
///   Polling outside a Tokio runtime panics, as `tokio::spawn` does.
pub struct Pager<T, E> {
    spawn: Spawner<T, E>,
    key: KeyOf<T>,
    /// The keys of the latest page taken, to find an item the next page gives again.
    previous_keys: HashSet<String>,
    page_size: i64,
    concurrency: usize,
    /// Reported as the only item, if the options were out of range.
    invalid: Option<PaginationError>,
    state: State,
    /// The offset of the next page to spawn, if more pages may be spawned.
    next_offset: Option<i64>,
    /// The latest `records_count` a page gave.
    records_count: Option<i64>,
    /// Spawned fetches, oldest (lowest offset) first.
    in_flight: VecDeque<InFlight<T, E>>,
    /// The items of the page being yielded, except `held`.
    current: std::vec::IntoIter<T>,
    /// The last item of the latest page taken, kept to compare with the next page and yielded
    /// when that arrives (or when no page will).
    held: Option<T>,
    /// The offset and length of the latest page taken.
    previous: Option<(i64, usize)>,
    /// An error to yield once `current` is drained.
    queued_error: Option<E>,
}

// Nothing in a `Pager` is ever pinned in place (its fields are moved freely, and the fetch
// futures live in their own tasks), so it is `Unpin` whatever `T` and `E` are.
impl<T, E> Unpin for Pager<T, E> {}

impl<T, E> Drop for Pager<T, E> {
    fn drop(&mut self) {
        self.abort_in_flight();
    }
}

impl<T, E> fmt::Debug for Pager<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("page_size", &self.page_size)
            .field("concurrency", &self.concurrency)
            .field("state", &self.state)
            .field("next_offset", &self.next_offset)
            .field("records_count", &self.records_count)
            .field(
                "in_flight",
                &self
                    .in_flight
                    .iter()
                    .map(|fetch| fetch.offset)
                    .collect::<Vec<_>>(),
            )
            .field(
                "buffered_items",
                &(self.current.len() + usize::from(self.held.is_some())),
            )
            .finish_non_exhaustive()
    }
}

impl<T, E> Pager<T, E> {
    /// The total the latest page reported (`records_count`), once one has arrived.
    pub fn records_count(&self) -> Option<i64> {
        self.records_count
    }

    /// How many page fetches may be in flight at once from now on; the caller has checked it
    /// against [`PagerOptions::MAX_CONCURRENCY`].
    pub fn set_concurrency(&mut self, concurrency: usize) {
        self.concurrency = concurrency;
    }

    fn abort_in_flight(&mut self) {
        for fetch in self.in_flight.drain(..) {
            fetch.handle.abort();
        }
    }

    /// No further pages: abort what is in flight and spawn nothing more.
    fn stop_fetching(&mut self) {
        self.next_offset = None;
        self.abort_in_flight();
    }

    fn finish(&mut self) {
        self.stop_fetching();
        self.state = State::Done;
        self.current = Vec::new().into_iter();
        self.held = None;
        self.queued_error = None;
    }

    /// Spawns fetches until `concurrency` (or, before a total is known, one) are in flight.
    fn top_up(&mut self) {
        let limit = match self.records_count {
            Some(_) => self.concurrency,
            None => 1,
        };
        self.top_up_to(limit);
    }

    /// Spawns fetches until `limit` are in flight, no further than the total.
    fn top_up_to(&mut self, limit: usize) {
        while self.in_flight.len() < limit {
            let Some(offset) = self.next_offset else {
                return;
            };
            if self.records_count.is_some_and(|count| offset >= count) {
                self.next_offset = None;
                return;
            }
            let (answered, answered_rx) = Answered::new();
            let request = PageRequest {
                offset,
                limit: self.page_size,
            };
            self.in_flight.push_back(InFlight {
                offset,
                handle: (self.spawn)(request, answered),
                answered: Some(answered_rx),
            });
            self.next_offset = offset.checked_add(self.page_size);
        }
    }
}

impl<T, E> Pager<T, E> {
    /// Called while the consumer waits for the oldest fetch, with nothing of its own left: if
    /// that fetch's server has answered, spawns one fetch beyond the usual number (see
    /// "Answered early" on [`Pager`]). Otherwise registers to be woken when it answers.
    fn start_next_if_answered(&mut self, cx: &mut Context<'_>) {
        if self.records_count.is_none() {
            return;
        }
        let Some(front) = self.in_flight.front_mut() else {
            return;
        };
        let Some(answered) = &mut front.answered else {
            return;
        };
        match Pin::new(answered).poll(cx) {
            Poll::Ready(Ok(())) => {
                front.answered = None;
                self.top_up_to(self.concurrency + 1);
            }
            // The fetch ended without saying so: its own result is what to wait for.
            Poll::Ready(Err(_)) => front.answered = None,
            Poll::Pending => {}
        }
    }
}

impl<T: PartialEq, E: From<PaginationError>> Pager<T, E> {
    /// Takes the page fetched at `offset`: checks it, decides whether more pages follow, and
    /// makes it the page being yielded. Returns the previous page's held item, which is to be
    /// yielded before this page's items.
    fn accept(&mut self, offset: i64, page: Page<T>) -> Option<T> {
        let Page {
            mut items,
            records_count,
        } = page;
        if self.previous.is_none() {
            self.records_count = records_count;
        } else if records_count.is_some() && records_count != self.records_count {
            tracing::warn!(
                offset,
                was = self.records_count,
                now = records_count,
                "the total (recordsCount) changed while paging; following the latest"
            );
            self.records_count = records_count;
        }
        if let Some((previous_offset, previous_len)) = self.previous
            && !items.is_empty()
            && items.len() == previous_len
            && items.last() == self.held.as_ref()
        {
            self.stop_fetching();
            self.queued_error = Some(E::from(PaginationError::RepeatedPage {
                offset,
                previous_offset,
            }));
            return self.held.take();
        }
        let keys: Vec<String> = items.iter().filter_map(&self.key).collect();
        if let Some((previous_offset, _)) = self.previous
            && let Some(key) = keys.iter().find(|key| self.previous_keys.contains(*key))
        {
            self.stop_fetching();
            self.queued_error = Some(E::from(PaginationError::SeenBefore {
                key: key.clone(),
                offset,
                previous_offset,
            }));
            return self.held.take();
        }
        self.previous_keys = keys.into_iter().collect();
        self.previous = Some((offset, items.len()));

        let full = usize::try_from(self.page_size).is_ok_and(|size| items.len() >= size);
        let more = full
            && match (offset.checked_add(self.page_size), self.records_count) {
                (Some(next), Some(count)) => next < count,
                (Some(_), None) => true,
                // Past `i64::MAX`, so past any total too.
                (None, Some(_)) => false,
                (None, None) => {
                    self.queued_error = Some(E::from(PaginationError::OffsetOverflow { offset }));
                    false
                }
            };
        let held_next = if more {
            self.top_up();
            items.pop()
        } else {
            self.stop_fetching();
            None
        };
        self.current = items.into_iter();
        std::mem::replace(&mut self.held, held_next)
    }
}

impl<T: PartialEq, E: From<PaginationError>> Stream for Pager<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match this.state {
            State::Done => return Poll::Ready(None),
            State::NotStarted => {
                if let Some(error) = this.invalid.take() {
                    this.finish();
                    return Poll::Ready(Some(Err(E::from(error))));
                }
                this.state = State::Running;
                this.top_up();
            }
            State::Running => {}
        }
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if let Some(error) = this.queued_error.take() {
                this.finish();
                return Poll::Ready(Some(Err(error)));
            }
            this.start_next_if_answered(cx);
            let Some(front) = this.in_flight.front_mut() else {
                if let Some(item) = this.held.take() {
                    return Poll::Ready(Some(Ok(item)));
                }
                this.finish();
                return Poll::Ready(None);
            };
            let offset = front.offset;
            let joined = ready!(Pin::new(&mut front.handle).poll(cx));
            this.in_flight.pop_front();
            let released = match joined {
                Ok(Ok(page)) => this.accept(offset, page),
                Ok(Err(error)) => {
                    this.stop_fetching();
                    this.queued_error = Some(error);
                    this.held.take()
                }
                Err(join_error) => match join_error.try_into_panic() {
                    Ok(payload) => {
                        this.finish();
                        std::panic::resume_unwind(payload);
                    }
                    Err(_cancelled) => {
                        this.stop_fetching();
                        this.queued_error =
                            Some(E::from(PaginationError::FetchCancelled { offset }));
                        this.held.take()
                    }
                },
            };
            if let Some(item) = released {
                return Poll::Ready(Some(Ok(item)));
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.state == State::Done {
            return (0, Some(0));
        }
        let buffered = self.current.len()
            + usize::from(self.held.is_some())
            + usize::from(self.queued_error.is_some() || self.invalid.is_some());
        (buffered, None)
    }
}

impl<T: PartialEq, E: From<PaginationError>> FusedStream for Pager<T, E> {
    fn is_terminated(&self) -> bool {
        self.state == State::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::future::poll_fn;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::time::{Instant, sleep};

    #[derive(Debug, PartialEq)]
    enum TestError {
        Pagination(PaginationError),
        Server(i64),
    }

    impl From<PaginationError> for TestError {
        fn from(error: PaginationError) -> Self {
            Self::Pagination(error)
        }
    }

    /// An in-memory search over the records `0..len`, with knobs for misbehaving.
    #[derive(Default)]
    struct Server {
        len: usize,
        /// `records_count` to report on each call (the last one repeats); empty: none.
        counts: Vec<i64>,
        /// Answer every request as if `offset` were 0.
        ignore_offset: bool,
        /// From this call on (0 for the first), answer as if `offset` were one less.
        shift_from_call: Option<usize>,
        /// Fail the request for this offset.
        fail_at: Option<i64>,
        /// Panic in the request for this offset.
        panic_at: Option<i64>,
        /// How long each fetch takes.
        delay: Duration,
        /// If set, each fetch says [`Answered`] after `delay`, then takes this much longer
        /// (reading and decoding the answer).
        decode: Option<Duration>,
        /// How many items the test's consumer has taken: kept up to date by `consume`.
        consumed: AtomicUsize,
        /// Each request's offset, with `consumed` at the moment it was made.
        spawned_when: Mutex<Vec<(i64, usize)>>,
        /// The most fetches started and not finished (at the server or decoding) at once.
        max_outstanding: AtomicUsize,
        calls: AtomicUsize,
        finished: AtomicUsize,
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
        requests: Mutex<Vec<PageRequest>>,
    }

    /// Decrements the in-flight gauge when a fetch ends, aborted or not.
    struct InFlight<'a>(&'a AtomicUsize);

    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    impl Server {
        fn with_len(len: usize) -> Self {
            Self {
                len,
                ..Self::default()
            }
        }

        fn counting(mut self) -> Self {
            self.counts = vec![i64::try_from(self.len).unwrap()];
            self
        }

        async fn serve(
            &self,
            request: PageRequest,
            answered: Answered,
        ) -> Result<Page<u32>, TestError> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            let outstanding = call + 1 - self.finished.load(Ordering::SeqCst);
            self.max_outstanding
                .fetch_max(outstanding, Ordering::SeqCst);
            self.requests.lock().unwrap().push(request);
            self.spawned_when
                .lock()
                .unwrap()
                .push((request.offset, self.consumed.load(Ordering::SeqCst)));
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            let gauge = InFlight(&self.in_flight);
            if self.delay.is_zero() {
                tokio::task::yield_now().await;
            } else {
                sleep(self.delay).await;
            }
            drop(gauge);
            if let Some(decode) = self.decode {
                answered.notify();
                sleep(decode).await;
            }
            self.finished.fetch_add(1, Ordering::SeqCst);
            if self.panic_at == Some(request.offset) {
                panic!("boom");
            }
            if self.fail_at == Some(request.offset) {
                return Err(TestError::Server(request.offset));
            }
            let offset = if self.ignore_offset {
                0
            } else if self.shift_from_call.is_some_and(|from| call >= from) {
                (request.offset - 1).max(0)
            } else {
                request.offset
            };
            let start = usize::try_from(offset).unwrap().min(self.len);
            let end = (start + usize::try_from(request.limit).unwrap()).min(self.len);
            let items = (start..end).map(|i| u32::try_from(i).unwrap()).collect();
            let records_count = self.counts.get(call).or(self.counts.last()).copied();
            Ok(Page {
                items,
                records_count,
            })
        }
    }

    fn pager(server: &Arc<Server>, options: PagerOptions) -> Pager<u32, TestError> {
        let server = Arc::clone(server);
        paginate(
            move |request, answered| {
                let server = Arc::clone(&server);
                async move { server.serve(request, answered).await }
            },
            |item: &u32| Some(item.to_string()),
            options,
        )
    }

    async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
        poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
    }

    /// Every item up to the end, then checks that the stream stays ended.
    async fn drain<T, E>(mut pager: Pager<T, E>) -> Vec<Result<T, E>>
    where
        T: PartialEq,
        E: From<PaginationError>,
    {
        let mut out = Vec::new();
        while let Some(item) = next(&mut pager).await {
            out.push(item);
        }
        assert!(pager.is_terminated());
        assert!(next(&mut pager).await.is_none());
        assert!(next(&mut pager).await.is_none());
        out
    }

    fn oks(items: &[Result<u32, TestError>]) -> Vec<u32> {
        items
            .iter()
            .filter_map(|item| item.as_ref().ok().copied())
            .collect()
    }

    fn range(start: u32, end: u32) -> Vec<u32> {
        (start..end).collect()
    }

    fn options(page_size: i64) -> PagerOptions {
        PagerOptions::new().page_size(page_size)
    }

    #[test]
    fn options_defaults_and_setters() {
        let options = PagerOptions::default();
        assert_eq!(options, PagerOptions::new());
        assert_eq!(options.get_start_offset(), 0);
        assert_eq!(options.get_page_size(), 5000);
        assert_eq!(options.get_concurrency(), 1);
        assert_eq!(options.validate(), Ok(()));
        let options = options.start_offset(9).page_size(1).concurrency(16);
        assert_eq!(
            (
                options.get_start_offset(),
                options.get_page_size(),
                options.get_concurrency()
            ),
            (9, 1, 16)
        );
        assert_eq!(options.validate(), Ok(()));
    }

    #[test]
    fn errors_display() {
        let repeated = PaginationError::RepeatedPage {
            offset: 10,
            previous_offset: 0,
        };
        assert!(repeated.to_string().contains("offset 10"));
        let invalid = PaginationError::InvalidOptions {
            reason: "page_size must be in 1..=5000, got 0".into(),
        };
        assert!(invalid.to_string().ends_with("got 0"));
        assert!(
            PaginationError::OffsetOverflow { offset: 7 }
                .to_string()
                .contains('7')
        );
        let boxed: Box<dyn std::error::Error> = Box::new(repeated);
        assert!(boxed.source().is_none());
    }

    #[test]
    fn pager_is_send_unpin_and_fused() {
        fn check<S: Stream + FusedStream + Send + Unpin>() {}
        check::<Pager<u32, TestError>>();
        // Unpin even for an item type that is not.
        check::<Pager<std::marker::PhantomPinned, TestError>>();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn walks_12345_records_in_3_fetches_multi_thread() {
        let server = Arc::new(Server::with_len(12_345).counting());
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(oks(&items), range(0, 12_345));
        assert_eq!(items.len(), 12_345);
        assert_eq!(server.calls.load(Ordering::SeqCst), 3);
        let requests = server.requests.lock().unwrap().clone();
        let offsets: Vec<i64> = requests.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, [0, 5000, 10_000]);
        assert!(requests.iter().all(|r| r.limit == 5000));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn walks_12345_records_in_3_fetches_current_thread() {
        let server = Arc::new(Server::with_len(12_345).counting());
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(oks(&items), range(0, 12_345));
        assert_eq!(items.len(), 12_345);
        assert_eq!(server.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn without_a_count_stops_on_the_short_page() {
        let server = Arc::new(Server::with_len(12_345));
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(oks(&items), range(0, 12_345));
        assert_eq!(items.len(), 12_345);
        assert_eq!(server.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn without_a_count_a_multiple_of_the_page_size_costs_one_empty_page() {
        let server = Arc::new(Server::with_len(10_000));
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(oks(&items), range(0, 10_000));
        assert_eq!(items.len(), 10_000);
        assert_eq!(server.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn with_a_count_a_multiple_of_the_page_size_needs_no_empty_page() {
        let server = Arc::new(Server::with_len(10_000).counting());
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(oks(&items), range(0, 10_000));
        assert_eq!(server.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn empty_first_page_ends_the_stream() {
        for server in [Server::with_len(0), Server::with_len(0).counting()] {
            let server = Arc::new(server);
            assert!(drain(pager(&server, PagerOptions::new())).await.is_empty());
            assert_eq!(server.calls.load(Ordering::SeqCst), 1);
        }
    }

    #[tokio::test]
    async fn a_changed_count_is_followed_to_the_latest() {
        // The first page says 20 in all, later ones 1,000: the walk goes on to 1,000.
        let server = Arc::new(Server {
            counts: vec![20, 1000],
            ..Server::with_len(1000)
        });
        let items = drain(pager(&server, options(10))).await;
        assert_eq!(oks(&items), range(0, 1000));
        assert_eq!(server.calls.load(Ordering::SeqCst), 100);

        // The first says 1,000, the second 20: it ends after the second page.
        let server = Arc::new(Server {
            counts: vec![1000, 20],
            ..Server::with_len(1000)
        });
        let items = drain(pager(&server, options(10))).await;
        assert_eq!(oks(&items), range(0, 20));
        assert_eq!(server.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_item_the_page_before_gave_ends_the_walk_before_it_repeats() {
        // From the second request on, one record was inserted at the front: each page starts
        // one earlier, with the last record of the page before.
        let server = Arc::new(Server {
            shift_from_call: Some(1),
            ..Server::with_len(100).counting()
        });
        let items = drain(pager(&server, options(10))).await;
        assert_eq!(oks(&items), range(0, 10), "every record once, none twice");
        assert_eq!(
            items.last(),
            Some(&Err(TestError::Pagination(PaginationError::SeenBefore {
                key: "9".into(),
                offset: 10,
                previous_offset: 0,
            })))
        );
        assert_eq!(items.len(), 11);
    }

    #[tokio::test]
    async fn items_without_a_key_are_not_compared() {
        let server = Arc::new(Server {
            shift_from_call: Some(1),
            ..Server::with_len(30).counting()
        });
        let walk = {
            let server = Arc::clone(&server);
            paginate(
                move |request, answered| {
                    let server = Arc::clone(&server);
                    async move { server.serve(request, answered).await }
                },
                |_: &u32| None,
                options(10),
            )
        };
        let items = drain(walk).await;
        assert!(items.iter().all(Result::is_ok));
        assert_eq!(oks(&items).iter().filter(|&&i| i == 9).count(), 2);
    }

    #[tokio::test]
    async fn starts_at_the_start_offset() {
        let server = Arc::new(Server::with_len(30));
        let items = drain(pager(&server, options(10).start_offset(7))).await;
        assert_eq!(oks(&items), range(7, 30));
        let requests = server.requests.lock().unwrap().clone();
        let expected: Vec<PageRequest> = [7, 17, 27]
            .into_iter()
            .map(|offset| PageRequest { offset, limit: 10 })
            .collect();
        assert_eq!(requests, expected);
    }

    #[tokio::test]
    async fn a_server_ignoring_the_offset_is_caught_after_two_fetches() {
        let server = Arc::new(Server {
            ignore_offset: true,
            ..Server::with_len(12_345)
        });
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(items.len(), 5001);
        assert_eq!(oks(&items[..5000]), range(0, 5000));
        assert_eq!(
            items[5000],
            Err(TestError::Pagination(PaginationError::RepeatedPage {
                offset: 5000,
                previous_offset: 0,
            }))
        );
        assert_eq!(server.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_server_ignoring_the_offset_is_caught_with_concurrency() {
        let server = Arc::new(Server {
            ignore_offset: true,
            ..Server::with_len(100).counting()
        });
        let items = drain(pager(&server, options(10).concurrency(4))).await;
        assert_eq!(items.len(), 11);
        assert_eq!(oks(&items), range(0, 10));
        assert_eq!(
            items[10],
            Err(TestError::Pagination(PaginationError::RepeatedPage {
                offset: 10,
                previous_offset: 0,
            }))
        );
        assert!(server.calls.load(Ordering::SeqCst) <= 5);
    }

    #[tokio::test]
    async fn a_fetch_error_ends_the_stream_after_the_earlier_items() {
        let server = Arc::new(Server {
            fail_at: Some(5000),
            ..Server::with_len(12_345)
        });
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(items.len(), 5001);
        assert_eq!(oks(&items[..5000]), range(0, 5000));
        assert_eq!(items[5000], Err(TestError::Server(5000)));
        assert_eq!(server.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_first_page_error_is_the_only_item() {
        let server = Arc::new(Server {
            fail_at: Some(0),
            ..Server::with_len(10)
        });
        let items = drain(pager(&server, PagerOptions::new())).await;
        assert_eq!(items, [Err(TestError::Server(0))]);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_4_keeps_4_fetches_in_flight_and_the_order() {
        let server = Arc::new(Server {
            delay: Duration::from_millis(100),
            ..Server::with_len(200).counting()
        });
        let started = Instant::now();
        let items = drain(pager(&server, options(10).concurrency(4))).await;
        assert_eq!(oks(&items), range(0, 200));
        assert_eq!(server.calls.load(Ordering::SeqCst), 20);
        assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 4);
        // The first page alone, then 19 more four at a time: 1 + 5 rounds of 100 ms.
        assert_eq!(started.elapsed(), Duration::from_millis(600));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrency_4_on_a_multi_thread_runtime() {
        let server = Arc::new(Server {
            delay: Duration::from_millis(5),
            ..Server::with_len(200).counting()
        });
        let items = drain(pager(&server, options(10).concurrency(4))).await;
        assert_eq!(oks(&items), range(0, 200));
        assert_eq!(server.calls.load(Ordering::SeqCst), 20);
        assert!(server.max_in_flight.load(Ordering::SeqCst) <= 4);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_without_a_count_is_sequential() {
        let server = Arc::new(Server {
            delay: Duration::from_millis(100),
            ..Server::with_len(195)
        });
        let items = drain(pager(&server, options(10).concurrency(4))).await;
        assert_eq!(oks(&items), range(0, 195));
        assert_eq!(server.calls.load(Ordering::SeqCst), 20);
        assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_short_page_ends_the_stream_even_if_the_count_says_more() {
        let server = Arc::new(Server {
            counts: vec![100],
            delay: Duration::from_millis(10),
            ..Server::with_len(35)
        });
        let items = drain(pager(&server, options(10).concurrency(4))).await;
        assert_eq!(oks(&items), range(0, 35));
        // The fetches at 40 and beyond were spawned before the short page at 30 arrived,
        // and aborted then: none is left running.
        sleep(Duration::from_secs(1)).await;
        assert_eq!(server.in_flight.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_page_is_prefetched_while_the_caller_is_busy() {
        let server = Arc::new(Server {
            delay: Duration::from_millis(100),
            ..Server::with_len(30).counting()
        });
        let mut pager = pager(&server, options(10));
        assert_eq!(next(&mut pager).await, Some(Ok(0)));
        // The caller does something else for a while without polling the pager.
        sleep(Duration::from_secs(1)).await;
        assert_eq!(server.calls.load(Ordering::SeqCst), 2);
        assert_eq!(server.finished.load(Ordering::SeqCst), 2);
        // Sequential: the third page waits until the second is taken.
        let requests = server.requests.lock().unwrap().clone();
        assert_eq!(requests.last().map(|r| r.offset), Some(10));
        // Page 2 is ready: the rest of the walk costs only the third fetch.
        let resumed = Instant::now();
        let mut rest = Vec::new();
        while let Some(item) = next(&mut pager).await {
            rest.push(item.unwrap());
        }
        assert_eq!(rest, range(1, 30));
        assert_eq!(resumed.elapsed(), Duration::from_millis(100));
    }

    /// A server of `len` records that answers after 50 ms, says so, and takes 40 ms more to
    /// decode.
    fn answering_after_50_ms(len: usize) -> Server {
        Server {
            delay: Duration::from_millis(50),
            decode: Some(Duration::from_millis(40)),
            ..Server::with_len(len)
        }
    }

    /// Checks that whenever a page was requested, the items from the consumer's next one to
    /// the end of the requested page were at most `pages` pages of 10, and the held-back last
    /// item of the page before.
    fn assert_pages_held_at_most(server: &Server, pages: usize) {
        for (offset, consumed) in server.spawned_when.lock().unwrap().iter() {
            let alive = usize::try_from(*offset).unwrap() + 10 - consumed;
            assert!(
                alive <= pages * 10 + 1,
                "offset {offset} requested at {consumed}"
            );
        }
    }

    /// Takes every item, `pause` after each, telling `server` how many were taken.
    async fn consume(
        server: &Server,
        mut pager: Pager<u32, TestError>,
        pause: Duration,
    ) -> Vec<u32> {
        let mut taken = Vec::new();
        while let Some(item) = next(&mut pager).await {
            taken.push(item.unwrap());
            server.consumed.store(taken.len(), Ordering::SeqCst);
            if !pause.is_zero() {
                sleep(pause).await;
            }
        }
        taken
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_request_goes_when_the_server_answers_not_after_the_decode() {
        let server = Arc::new(answering_after_50_ms(100).counting());
        let started = Instant::now();
        let taken = consume(&server, pager(&server, options(10)), Duration::ZERO).await;
        assert_eq!(taken, range(0, 100));
        assert_eq!(
            server.calls.load(Ordering::SeqCst),
            10,
            "none past the count"
        );
        // The first page whole (the count comes with it), then each next request as the one
        // before is answered: 90 + 9 × 50 + the last decode 40 ms. Without: 10 × 90 ms.
        assert_eq!(started.elapsed(), Duration::from_millis(580));
        // Still one at a time at the server; two fetches when one is being decoded.
        assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 1);
        assert_eq!(server.max_outstanding.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn answering_early_keeps_at_most_two_pages_held() {
        // A consumer slower than the server: an early request would pile pages up.
        let server = Arc::new(answering_after_50_ms(100).counting());
        let taken = consume(
            &server,
            pager(&server, options(10)),
            Duration::from_millis(20),
        )
        .await;
        assert_eq!(taken, range(0, 100));
        assert_pages_held_at_most(&server, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_count_answering_early_changes_nothing() {
        let server = Arc::new(answering_after_50_ms(95));
        let started = Instant::now();
        let taken = consume(&server, pager(&server, options(10)), Duration::ZERO).await;
        assert_eq!(taken, range(0, 95));
        // The next page might not exist: one request at a time, each after the decode.
        assert_eq!(server.calls.load(Ordering::SeqCst), 10);
        assert_eq!(server.max_outstanding.load(Ordering::SeqCst), 1);
        assert_eq!(started.elapsed(), Duration::from_millis(900));
    }

    #[tokio::test(start_paused = true)]
    async fn answering_early_with_concurrency_adds_one_fetch() {
        let server = Arc::new(answering_after_50_ms(200).counting());
        let taken = consume(
            &server,
            pager(&server, options(10).concurrency(4)),
            Duration::ZERO,
        )
        .await;
        assert_eq!(taken, range(0, 200));
        assert_eq!(server.calls.load(Ordering::SeqCst), 20);
        // Four at the server at most, and a fifth fetch while the oldest is decoded.
        assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 4);
        assert_eq!(server.max_outstanding.load(Ordering::SeqCst), 5);
        assert_pages_held_at_most(&server, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn sequential_mode_has_one_fetch_in_flight() {
        let server = Arc::new(Server {
            delay: Duration::from_millis(100),
            ..Server::with_len(95).counting()
        });
        let items = drain(pager(&server, options(10))).await;
        assert_eq!(oks(&items), range(0, 95));
        assert_eq!(server.calls.load(Ordering::SeqCst), 10);
        assert_eq!(server.max_in_flight.load(Ordering::SeqCst), 1);
    }

    /// An item that counts how many of its kind are alive.
    #[derive(Debug)]
    struct Tracked {
        value: u32,
        live: Arc<AtomicUsize>,
    }

    impl PartialEq for Tracked {
        fn eq(&self, other: &Self) -> bool {
            self.value == other.value
        }
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            self.live.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Walks 100 tracked items in pages of 10 with a slow consumer; returns the most items
    /// alive at once.
    async fn most_live_items(count: Option<i64>) -> usize {
        let live = Arc::new(AtomicUsize::new(0));
        let max_live = Arc::new(AtomicUsize::new(0));
        let (live_in, max_in) = (Arc::clone(&live), Arc::clone(&max_live));
        let mut pager = paginate(
            move |request: PageRequest, _answered| {
                let (live, max_live) = (Arc::clone(&live_in), Arc::clone(&max_in));
                async move {
                    sleep(Duration::from_millis(3)).await;
                    let start = u32::try_from(request.offset).unwrap();
                    let end = (start + 10).min(100);
                    let now = live.fetch_add((end - start) as usize, Ordering::SeqCst);
                    max_live.fetch_max(now + (end - start) as usize, Ordering::SeqCst);
                    let items = (start..end)
                        .map(|value| Tracked {
                            value,
                            live: Arc::clone(&live),
                        })
                        .collect();
                    Ok::<_, PaginationError>(Page {
                        items,
                        records_count: count,
                    })
                }
            },
            |item: &Tracked| Some(item.value.to_string()),
            options(10).concurrency(4),
        );
        let mut expected = 0;
        while let Some(item) = next(&mut pager).await {
            assert_eq!(item.unwrap().value, expected);
            expected += 1;
            sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(expected, 100);
        assert_eq!(live.load(Ordering::SeqCst), 0);
        max_live.load(Ordering::SeqCst)
    }

    #[tokio::test(start_paused = true)]
    async fn sequential_mode_holds_at_most_two_pages() {
        // No count, so concurrency 4 falls back to one fetch at a time.
        let most = most_live_items(None).await;
        assert!(most > 10, "prefetch overlapped pages ({most})");
        assert!(most <= 20, "{most} items alive at once");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sequential_mode_holds_at_most_two_pages_multi_thread() {
        // Here the next fetch may finish before the caller drops the held last item of the
        // page before: two pages and one item.
        let most = most_live_items(None).await;
        assert!(most <= 21, "{most} items alive at once");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_mode_holds_at_most_concurrency_plus_one_pages() {
        // Four pages in flight (finished ones wait in their tasks) plus the one being yielded.
        let most = most_live_items(Some(100)).await;
        assert!(most > 20, "pages were fetched ahead ({most})");
        assert!(most <= 50, "{most} items alive at once");
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_pager_aborts_fetches_in_flight() {
        let flag = Arc::new(AtomicBool::new(false));
        let started = Arc::new(AtomicUsize::new(0));
        let (flag_in, started_in) = (Arc::clone(&flag), Arc::clone(&started));
        let mut pager = paginate(
            move |request: PageRequest, _answered| {
                let (flag, started) = (Arc::clone(&flag_in), Arc::clone(&started_in));
                async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    if request.offset > 0 {
                        sleep(Duration::from_secs(10)).await;
                        flag.store(true, Ordering::SeqCst);
                    }
                    Ok::<_, PaginationError>(Page {
                        items: (0..10u32).collect(),
                        records_count: None,
                    })
                }
            },
            |item: &u32| Some(item.to_string()),
            options(10),
        );
        assert_eq!(next(&mut pager).await, Some(Ok(0)));
        sleep(Duration::from_secs(1)).await;
        assert_eq!(started.load(Ordering::SeqCst), 2, "page 2 is in flight");
        drop(pager);
        sleep(Duration::from_secs(60)).await;
        assert!(!flag.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn invalid_options_are_the_only_item() {
        for (options, reason) in [
            (options(0), "page_size must be in 1..=5000, got 0"),
            (options(5001), "page_size must be in 1..=5000, got 5001"),
            (options(-1), "page_size must be in 1..=5000, got -1"),
            (
                PagerOptions::new().start_offset(-1),
                "start_offset must not be negative, got -1",
            ),
            (
                PagerOptions::new().concurrency(0),
                "concurrency must be in 1..=16, got 0",
            ),
            (
                PagerOptions::new().concurrency(17),
                "concurrency must be in 1..=16, got 17",
            ),
        ] {
            let server = Arc::new(Server::with_len(10));
            let pager = pager(&server, options);
            assert_eq!(pager.size_hint(), (1, None));
            let items = drain(pager).await;
            assert_eq!(
                items,
                [Err(TestError::Pagination(
                    PaginationError::InvalidOptions {
                        reason: reason.into()
                    }
                ))]
            );
            assert_eq!(server.calls.load(Ordering::SeqCst), 0);
        }
    }

    /// A server whose every page is full, for walks near `i64::MAX`.
    fn always_full(count: Option<i64>) -> Pager<u32, TestError> {
        paginate(
            move |request: PageRequest, _answered| async move {
                let start = u32::try_from(request.offset % 1000).unwrap();
                Ok(Page {
                    items: (start..start + 10).collect(),
                    records_count: count,
                })
            },
            |item: &u32| Some(item.to_string()),
            options(10).start_offset(i64::MAX - 25),
        )
    }

    #[tokio::test]
    async fn an_offset_overflow_is_an_error_item() {
        let items = drain(always_full(None)).await;
        assert_eq!(items.len(), 31);
        assert_eq!(
            items[30],
            Err(TestError::Pagination(PaginationError::OffsetOverflow {
                offset: i64::MAX - 5
            }))
        );
    }

    #[tokio::test]
    async fn with_a_count_the_last_offset_ends_the_walk_quietly() {
        let items = drain(always_full(Some(i64::MAX))).await;
        assert_eq!(items.len(), 30);
        assert!(items.iter().all(Result::is_ok));
    }

    #[tokio::test]
    async fn a_panicking_fetch_panics_the_consumer() {
        let server = Arc::new(Server {
            panic_at: Some(10),
            ..Server::with_len(30)
        });
        let pager = pager(&server, options(10));
        let consumer = tokio::spawn(drain(pager));
        let error = consumer.await.unwrap_err();
        let payload = error.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    }

    #[tokio::test]
    async fn debug_and_size_hint() {
        let server = Arc::new(Server::with_len(25));
        let mut pager = pager(&server, options(10));
        assert_eq!(next(&mut pager).await, Some(Ok(0)));
        // Nine more of the first page: eight buffered plus the held last item.
        assert_eq!(pager.size_hint(), (9, None));
        let debug = format!("{pager:?}");
        assert!(debug.contains("in_flight: [10]"), "{debug}");
        drop(pager);
    }
}
