//! Walks an offset/limit search page by page and hands back one item at a time.
//!
//! EnKash's customer search returns at most a page a call, addressed by `offset` and `limit`,
//! with `recordsCount` for the total. Callers want "every match", fast and in server order.
//! So each page is fetched as its own Tokio task, spawned as soon as the page before is taken
//! (the next page downloads while the caller consumes the current one), and awaited in offset
//! order; once the total is known, several may run at once, and the next one goes out as soon
//! as the server has answered for the current one, before that answer is read and decoded
//! (decoding a page of 5,000 customers takes about as long as the server's latency).
//!
//! The walk also guards against the ways such a loop goes wrong: a server that ignores
//! `offset` (the same page again), a result set that changes under the walk (an item inserted
//! before the current offset shifts the next page by one, so it starts with an item already
//! given), an offset that would overflow, and fetches left running after the caller has lost
//! interest (every task is aborted when the walk ends or is dropped).

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};
use futures_util::future::{Either, select};
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::Notify;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;

use crate::error::PagingError;

mod abort_on_drop;
use abort_on_drop::AbortOnDrop;

/// The most page fetches that may run at once
/// ([`CustomerStream::pages_in_flight`](crate::CustomerStream::pages_in_flight)).
pub const MAX_PAGES_IN_FLIGHT: usize = 16;

/// One page as a fetch returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Page<T> {
    /// The page's items, in server order.
    pub items: Vec<T>,
    /// How many items match in all, over every page, when the server says.
    pub records_count: Option<i64>,
}

/// Which page to fetch: skip `offset` records, return at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct PageRequest {
    pub offset: i64,
    pub limit: i64,
}

/// Handed to each fetch; `notify_one` says that the server has answered (for HTTP: the head
/// has arrived with a success status) while the answer is still to be read and decoded.
/// Saying it is optional.
pub(crate) type Answered = Arc<Notify>;

type Fetched<T, E> = Result<Page<T>, E>;
type Spawn<T, E> = Box<dyn Fn(PageRequest, Answered) -> AbortOnDrop<Fetched<T, E>> + Send + Sync>;

/// A page fetch running as its own task.
struct Fetch<T, E> {
    offset: i64,
    task: AbortOnDrop<Fetched<T, E>>,
    /// `None` once its "answered" has been acted on.
    answered: Option<Answered>,
}

/// What the latest page taken was, to compare the next one with.
struct Taken<T> {
    offset: i64,
    len: usize,
    last: T,
    keys: HashSet<String>,
}

/// The walk itself: which pages are in flight, which comes next, what came before.
struct Walk<T, E> {
    spawn: Spawn<T, E>,
    key: fn(&T) -> Option<String>,
    page_size: i64,
    concurrency: Arc<AtomicUsize>,
    /// The offset of the next page to spawn, while more pages may follow.
    next_offset: Option<i64>,
    /// The latest `recordsCount` a page gave.
    records_count: Option<i64>,
    /// Spawned fetches, oldest (lowest offset) first; dropping one aborts it.
    in_flight: VecDeque<Fetch<T, E>>,
    taken: Option<Taken<T>>,
    /// The error that ends the walk after the page just given.
    then: Option<E>,
}

/// A page's items and the total as the walk knows it then.
type Step<T, E> = Result<(Vec<T>, Option<i64>), E>;

impl<T, E> Walk<T, E>
where
    T: Clone + PartialEq,
    E: From<PagingError>,
{
    /// The next page, the error that ends the walk, or `None` after the last page.
    async fn next_page(&mut self) -> Option<Step<T, E>> {
        if let Some(error) = self.then.take() {
            return Some(Err(error));
        }
        // Spawns the first page, and picks up a concurrency changed since the last one.
        self.top_up();
        let mut fetch = self.in_flight.pop_front()?;
        let joined = loop {
            match fetch.answered.take() {
                // Only once the total is known: before, the next page might not exist.
                Some(answered) if self.records_count.is_some() => {
                    match select(&mut fetch.task, pin!(answered.notified())).await {
                        Either::Left((joined, _)) => break joined,
                        // The server has answered: one more fetch while this one is decoded.
                        // The caller holds no page now, so the bound on pages held stays.
                        Either::Right(((), _)) => self.top_up_to(self.concurrency()),
                    }
                }
                _ => break (&mut fetch.task).await,
            }
        };
        let offset = fetch.offset;
        match joined {
            Ok(Ok(page)) => Some(self.take(offset, page)),
            Ok(Err(error)) => {
                self.stop();
                Some(Err(error))
            }
            Err(failure) => {
                self.stop();
                if failure.is_panic() {
                    std::panic::resume_unwind(failure.into_panic());
                }
                Some(Err(E::from(PagingError::FetchCancelled { offset })))
            }
        }
    }

    /// Checks the page fetched at `offset` against the one before and decides whether more
    /// pages follow.
    fn take(&mut self, offset: i64, page: Page<T>) -> Step<T, E> {
        let Page {
            items,
            records_count,
        } = page;
        if self.taken.is_none() {
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
        let keys: Vec<String> = items.iter().filter_map(self.key).collect();
        if let Some(taken) = &self.taken {
            let previous_offset = taken.offset;
            let broken = if items.len() == taken.len && items.last() == Some(&taken.last) {
                Some(PagingError::RepeatedPage {
                    offset,
                    previous_offset,
                })
            } else {
                keys.iter()
                    .find(|key| taken.keys.contains(*key))
                    .map(|key| PagingError::ResultSetChanged {
                        key: key.clone(),
                        offset,
                        previous_offset,
                    })
            };
            if let Some(broken) = broken {
                self.stop();
                return Err(E::from(broken));
            }
        }

        let full = usize::try_from(self.page_size).is_ok_and(|size| items.len() >= size);
        let more = full
            && match (offset.checked_add(self.page_size), self.records_count) {
                (Some(next), Some(count)) => next < count,
                (Some(_), None) => true,
                // Past `i64::MAX`, so past any total too.
                (None, Some(_)) => false,
                (None, None) => {
                    self.then = Some(E::from(PagingError::OffsetOutOfRange { offset }));
                    false
                }
            };
        if more {
            self.top_up();
        } else {
            self.stop();
        }
        if let Some(last) = items.last() {
            self.taken = Some(Taken {
                offset,
                len: items.len(),
                last: last.clone(),
                keys: keys.into_iter().collect(),
            });
        }
        Ok((items, self.records_count))
    }

    fn concurrency(&self) -> usize {
        self.concurrency.load(Ordering::Relaxed)
    }

    /// Spawns fetches until `concurrency` are in flight (one before the total is known).
    fn top_up(&mut self) {
        let limit = match self.records_count {
            Some(_) => self.concurrency(),
            None => 1,
        };
        self.top_up_to(limit);
    }

    /// Spawns fetches until `limit` are in flight, none at or past the total.
    fn top_up_to(&mut self, limit: usize) {
        while self.in_flight.len() < limit {
            let Some(offset) = self.next_offset else {
                return;
            };
            if self.records_count.is_some_and(|count| offset >= count) {
                self.next_offset = None;
                return;
            }
            let answered = Answered::default();
            let request = PageRequest {
                offset,
                limit: self.page_size,
            };
            self.in_flight.push_back(Fetch {
                offset,
                task: (self.spawn)(request, Arc::clone(&answered)),
                answered: Some(answered),
            });
            self.next_offset = offset.checked_add(self.page_size);
        }
    }

    /// No further pages: abort what is in flight and spawn nothing more.
    fn stop(&mut self) {
        self.next_offset = None;
        self.in_flight.clear();
    }
}

/// Every item of a walk, as `Stream<Item = Result<T, E>>`: fused, `Send` when `T` and `E`
/// are, and `Unpin`.
///
/// Pages are requested at `start_offset`, `start_offset + page_size`, … with `limit =
/// page_size`; the walk ends after a short page (fewer than `page_size` items, empty
/// included) or once the next offset reaches the latest `recordsCount`. A later page's total
/// that differs is logged at warn and followed; offsets only grow, so that cannot loop.
///
/// - **Pages held.** One fetch at a time (the default, and always before the total is
///   known): the page being yielded and the one in flight. With `concurrency` c, up to c
///   fetches run at once (finished ones wait in their tasks), plus one while the oldest is
///   being decoded.
/// - **Broken contracts** end the stream with a [`PagingError`] before any item of the
///   offending page: [`RepeatedPage`](PagingError::RepeatedPage) for a page with the length
///   and last item of the one before, [`ResultSetChanged`](PagingError::ResultSetChanged) for
///   an item (by `key`; `None` is not compared) the page before gave.
/// - **Errors** come as an `Err` item, after which the stream ends and every fetch still in
///   flight is aborted, as it is when the stream is dropped.
/// - **Panics.** A fetch that panics makes the poll that would have yielded its page resume
///   that panic in the consumer; if it is caught, the stream yields `None` from then on.
///
/// It must be polled inside a Tokio runtime, as fetches are run with `tokio::spawn`.
pub(crate) struct Pager<T, E> {
    /// `None` once the walk has ended (or panicked).
    pages: Option<BoxStream<'static, Step<T, E>>>,
    current: std::vec::IntoIter<T>,
    records_count: Option<i64>,
    concurrency: Arc<AtomicUsize>,
}

impl<T, E> Pager<T, E>
where
    T: Clone + PartialEq + Send + 'static,
    E: From<PagingError> + Send + 'static,
{
    /// A walk from `start_offset` in pages of `page_size` (at least 1), one fetch at a time.
    pub(crate) fn new<F, Fut>(
        fetch: F,
        key: fn(&T) -> Option<String>,
        start_offset: i64,
        page_size: i64,
    ) -> Self
    where
        F: Fn(PageRequest, Answered) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Fetched<T, E>> + Send + 'static,
    {
        let concurrency = Arc::new(AtomicUsize::new(1));
        let walk = Walk {
            // Each page's requests under the span of whoever polls the walk, and logged
            // where that caller logs, whichever worker thread runs them.
            spawn: Box::new(move |request, answered| {
                let page = fetch(request, answered)
                    .instrument(tracing::Span::current())
                    .with_current_subscriber();
                AbortOnDrop::new(tokio::spawn(page))
            }),
            key,
            page_size,
            concurrency: Arc::clone(&concurrency),
            next_offset: Some(start_offset),
            records_count: None,
            in_flight: VecDeque::new(),
            taken: None,
            then: None,
        };
        let pages = stream::unfold(walk, |mut walk| async move {
            let step = walk.next_page().await?;
            Some((step, walk))
        });
        Pager {
            pages: Some(pages.boxed()),
            current: Vec::new().into_iter(),
            records_count: None,
            concurrency,
        }
    }
}

impl<T, E> Pager<T, E> {
    /// How many fetches may run at once from the next page on, once the total is known; the
    /// caller has checked it against [`MAX_PAGES_IN_FLIGHT`].
    pub(crate) fn set_concurrency(&mut self, concurrency: usize) {
        self.concurrency.store(concurrency, Ordering::Relaxed);
    }

    /// The total the latest page reported (`recordsCount`), once one has arrived.
    pub(crate) fn records_count(&self) -> Option<i64> {
        self.records_count
    }
}

// Nothing in a `Pager` is pinned in place (the walk is boxed, the fetches live in their own
// tasks), so it is `Unpin` whatever `T` and `E` are.
impl<T, E> Unpin for Pager<T, E> {}

impl<T, E> fmt::Debug for Pager<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pager")
            .field("records_count", &self.records_count)
            .field("buffered_items", &self.current.len())
            .field("ended", &self.pages.is_none())
            .finish_non_exhaustive()
    }
}

impl<T, E> Stream for Pager<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            // Taken out while it is polled: a fetch's panic, resumed in this poll, leaves the
            // pager ended, and ending drops (so aborts) whatever is still in flight.
            let Some(mut pages) = self.pages.take() else {
                return Poll::Ready(None);
            };
            match pages.poll_next_unpin(cx) {
                Poll::Pending => {
                    self.pages = Some(pages);
                    return Poll::Pending;
                }
                Poll::Ready(Some(Ok((items, records_count)))) => {
                    self.pages = Some(pages);
                    self.records_count = records_count;
                    self.current = items.into_iter();
                }
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => return Poll::Ready(None),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.pages {
            Some(_) => (self.current.len(), None),
            None => (self.current.len(), Some(self.current.len())),
        }
    }
}

impl<T, E> FusedStream for Pager<T, E> {
    fn is_terminated(&self) -> bool {
        self.pages.is_none() && self.current.len() == 0
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
        Paging(PagingError),
        Server(i64),
    }

    impl From<PagingError> for TestError {
        fn from(error: PagingError) -> Self {
            Self::Paging(error)
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
                answered.notify_one();
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

    /// The largest page EnKash serves, as the client's walks use by default.
    const FULL_PAGE: i64 = crate::spec::SEARCH_CUSTOMER_LIMIT_MAX as i64;

    fn walk_from(
        server: &Arc<Server>,
        key: fn(&u32) -> Option<String>,
        start_offset: i64,
        page_size: i64,
    ) -> Pager<u32, TestError> {
        let server = Arc::clone(server);
        Pager::new(
            move |request, answered| {
                let server = Arc::clone(&server);
                async move { server.serve(request, answered).await }
            },
            key,
            start_offset,
            page_size,
        )
    }

    fn by_value(item: &u32) -> Option<String> {
        Some(item.to_string())
    }

    fn pager(server: &Arc<Server>, page_size: i64) -> Pager<u32, TestError> {
        walk_from(server, by_value, 0, page_size)
    }

    fn concurrent(server: &Arc<Server>, page_size: i64, pages: usize) -> Pager<u32, TestError> {
        let mut pager = pager(server, page_size);
        pager.set_concurrency(pages);
        pager
    }

    async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
        poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
    }

    /// Every item up to the end, then checks that the stream stays ended.
    async fn drain<T, E>(mut pager: Pager<T, E>) -> Vec<Result<T, E>> {
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
        let items = drain(pager(&server, FULL_PAGE)).await;
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
        let items = drain(pager(&server, FULL_PAGE)).await;
        assert_eq!(oks(&items), range(0, 12_345));
        assert_eq!(items.len(), 12_345);
        assert_eq!(server.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn without_a_count_stops_on_the_short_page() {
        let server = Arc::new(Server::with_len(12_345));
        let items = drain(pager(&server, FULL_PAGE)).await;
        assert_eq!(oks(&items), range(0, 12_345));
        assert_eq!(items.len(), 12_345);
        assert_eq!(server.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn without_a_count_a_multiple_of_the_page_size_costs_one_empty_page() {
        let server = Arc::new(Server::with_len(10_000));
        let items = drain(pager(&server, FULL_PAGE)).await;
        assert_eq!(oks(&items), range(0, 10_000));
        assert_eq!(items.len(), 10_000);
        assert_eq!(server.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn with_a_count_a_multiple_of_the_page_size_needs_no_empty_page() {
        let server = Arc::new(Server::with_len(10_000).counting());
        let items = drain(pager(&server, FULL_PAGE)).await;
        assert_eq!(oks(&items), range(0, 10_000));
        assert_eq!(server.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn empty_first_page_ends_the_stream() {
        for server in [Server::with_len(0), Server::with_len(0).counting()] {
            let server = Arc::new(server);
            assert!(drain(pager(&server, FULL_PAGE)).await.is_empty());
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
        let items = drain(pager(&server, 10)).await;
        assert_eq!(oks(&items), range(0, 1000));
        assert_eq!(server.calls.load(Ordering::SeqCst), 100);

        // The first says 1,000, the second 20: it ends after the second page.
        let server = Arc::new(Server {
            counts: vec![1000, 20],
            ..Server::with_len(1000)
        });
        let items = drain(pager(&server, 10)).await;
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
        let items = drain(pager(&server, 10)).await;
        assert_eq!(oks(&items), range(0, 10), "every record once, none twice");
        assert_eq!(
            items.last(),
            Some(&Err(TestError::Paging(PagingError::ResultSetChanged {
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
        let items = drain(walk_from(&server, |_| None, 0, 10)).await;
        assert!(items.iter().all(Result::is_ok));
        assert_eq!(oks(&items).iter().filter(|&&i| i == 9).count(), 2);
    }

    #[tokio::test]
    async fn starts_at_the_start_offset() {
        let server = Arc::new(Server::with_len(30));
        let items = drain(walk_from(&server, by_value, 7, 10)).await;
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
        let items = drain(pager(&server, FULL_PAGE)).await;
        assert_eq!(items.len(), 5001);
        assert_eq!(oks(&items[..5000]), range(0, 5000));
        assert_eq!(
            items[5000],
            Err(TestError::Paging(PagingError::RepeatedPage {
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
        let items = drain(concurrent(&server, 10, 4)).await;
        assert_eq!(items.len(), 11);
        assert_eq!(oks(&items), range(0, 10));
        assert_eq!(
            items[10],
            Err(TestError::Paging(PagingError::RepeatedPage {
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
        let items = drain(pager(&server, FULL_PAGE)).await;
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
        let items = drain(pager(&server, FULL_PAGE)).await;
        assert_eq!(items, [Err(TestError::Server(0))]);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_4_keeps_4_fetches_in_flight_and_the_order() {
        let server = Arc::new(Server {
            delay: Duration::from_millis(100),
            ..Server::with_len(200).counting()
        });
        let started = Instant::now();
        let items = drain(concurrent(&server, 10, 4)).await;
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
        let items = drain(concurrent(&server, 10, 4)).await;
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
        let items = drain(concurrent(&server, 10, 4)).await;
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
        let items = drain(concurrent(&server, 10, 4)).await;
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
        let mut pager = pager(&server, 10);
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
    /// the end of the requested page were at most `pages` pages of 10 (and one more item, the
    /// one the consumer holds).
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
        let taken = consume(&server, pager(&server, 10), Duration::ZERO).await;
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
        let taken = consume(&server, pager(&server, 10), Duration::from_millis(20)).await;
        assert_eq!(taken, range(0, 100));
        assert_pages_held_at_most(&server, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_count_answering_early_changes_nothing() {
        let server = Arc::new(answering_after_50_ms(95));
        let started = Instant::now();
        let taken = consume(&server, pager(&server, 10), Duration::ZERO).await;
        assert_eq!(taken, range(0, 95));
        // The next page might not exist: one request at a time, each after the decode.
        assert_eq!(server.calls.load(Ordering::SeqCst), 10);
        assert_eq!(server.max_outstanding.load(Ordering::SeqCst), 1);
        assert_eq!(started.elapsed(), Duration::from_millis(900));
    }

    #[tokio::test(start_paused = true)]
    async fn answering_early_with_concurrency_adds_one_fetch() {
        let server = Arc::new(answering_after_50_ms(200).counting());
        let taken = consume(&server, concurrent(&server, 10, 4), Duration::ZERO).await;
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
        let items = drain(pager(&server, 10)).await;
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

    impl Clone for Tracked {
        fn clone(&self) -> Self {
            self.live.fetch_add(1, Ordering::SeqCst);
            Self {
                value: self.value,
                live: Arc::clone(&self.live),
            }
        }
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
        let mut pager = Pager::new(
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
                    Ok::<_, TestError>(Page {
                        items,
                        records_count: count,
                    })
                }
            },
            |item: &Tracked| Some(item.value.to_string()),
            0,
            10,
        );
        pager.set_concurrency(4);
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
        let mut pager = Pager::new(
            move |request: PageRequest, _answered| {
                let (flag, started) = (Arc::clone(&flag_in), Arc::clone(&started_in));
                async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    if request.offset > 0 {
                        sleep(Duration::from_secs(10)).await;
                        flag.store(true, Ordering::SeqCst);
                    }
                    Ok::<_, TestError>(Page {
                        items: (0..10u32).collect(),
                        records_count: None,
                    })
                }
            },
            by_value,
            0,
            10,
        );
        assert_eq!(next(&mut pager).await, Some(Ok(0)));
        sleep(Duration::from_secs(1)).await;
        assert_eq!(started.load(Ordering::SeqCst), 2, "page 2 is in flight");
        drop(pager);
        sleep(Duration::from_secs(60)).await;
        assert!(!flag.load(Ordering::SeqCst));
    }

    /// A server whose every page is full, for walks near `i64::MAX`.
    fn always_full(count: Option<i64>) -> Pager<u32, TestError> {
        Pager::new(
            move |request: PageRequest, _answered| async move {
                let start = u32::try_from(request.offset % 1000).unwrap();
                Ok(Page {
                    items: (start..start + 10).collect(),
                    records_count: count,
                })
            },
            by_value,
            i64::MAX - 25,
            10,
        )
    }

    #[tokio::test]
    async fn an_offset_overflow_is_an_error_item() {
        let items = drain(always_full(None)).await;
        assert_eq!(items.len(), 31);
        assert_eq!(
            items[30],
            Err(TestError::Paging(PagingError::OffsetOutOfRange {
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
        let pager = pager(&server, 10);
        let consumer = tokio::spawn(drain(pager));
        let error = consumer.await.unwrap_err();
        let payload = error.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    }

    #[tokio::test]
    async fn debug_and_size_hint() {
        let server = Arc::new(Server::with_len(25));
        let mut pager = pager(&server, 10);
        assert_eq!(next(&mut pager).await, Some(Ok(0)));
        // Nine more of the first page are buffered; the end is not known yet.
        assert_eq!(pager.size_hint(), (9, None));
        let debug = format!("{pager:?}");
        assert!(debug.contains("buffered_items: 9"), "{debug}");
        assert!(debug.contains("ended: false"), "{debug}");
        let rest = drain(pager).await;
        assert_eq!(oks(&rest), range(1, 25));
    }
}
