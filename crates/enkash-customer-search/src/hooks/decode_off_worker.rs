//! A search's decode kept off the async runtime's worker thread.
//!
//! progenitor-client decodes a response with serde_json in the same poll that reads its last
//! bytes: tens of milliseconds of CPU for a page of thousands of customers, during which the
//! worker runs nothing else. Whatever is queued on that worker waits as long, the next page's
//! request and the connection that would send it included (and tokio cannot hand the task in
//! a worker's LIFO slot to another worker). So a body, once wholly read, ends one poll later
//! ([`BodyEnd`]), and in a task of a multi-thread runtime (as the pager's fetches are) the poll
//! that decodes runs in [`tokio::task::block_in_place`], which first gives the worker's queue to
//! another thread. On a current-thread runtime, which cannot do that, and outside a task, where
//! no worker's queue waits, the decode runs where it always did.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::runtime::{Handle, RuntimeFlavor};

/// Set once a response body has been read to its end; shared by the body and the future that
/// decodes it.
#[derive(Clone, Debug, Default)]
pub(crate) struct BodyEnd(Arc<AtomicBool>);

impl BodyEnd {
    fn reached(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// A stream that adds nothing to a body but, after its last chunk, marks the end and
    /// yields once, so that the end is seen (and the decode runs) in the next poll.
    pub(super) fn after_the_last_chunk<E>(
        self,
    ) -> impl futures_util::Stream<Item = Result<Bytes, E>> {
        futures_util::stream::once(async move {
            self.0.store(true, Ordering::Release);
            tokio::task::yield_now().await;
        })
        .filter_map(|()| std::future::ready(None))
    }
}

/// `inner`, polled inside [`tokio::task::block_in_place`] once its body has been read.
pub(crate) struct DecodeOffWorker<F> {
    inner: Pin<Box<F>>,
    end: BodyEnd,
}

impl<F: Future> DecodeOffWorker<F> {
    pub fn new(inner: F, end: BodyEnd) -> Self {
        DecodeOffWorker {
            inner: Box::pin(inner),
            end,
        }
    }
}

impl<F: Future> Future for DecodeOffWorker<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        if this.end.reached() && on_a_multi_thread_runtime() {
            tracing::trace!("the body has been read: decoding it off the runtime's worker");
            tokio::task::block_in_place(|| this.inner.as_mut().poll(cx))
        } else {
            this.inner.as_mut().poll(cx)
        }
    }
}

/// Whether this poll is a task's on a multi-thread runtime, where `block_in_place` hands the
/// worker's queue on. Outside a task (a `block_on` thread) there is no worker queue to hand
/// on, and the entered handle alone could be another runtime's than the one polling.
fn on_a_multi_thread_runtime() -> bool {
    tokio::task::try_id().is_some()
        && Handle::try_current()
            .is_ok_and(|handle| handle.runtime_flavor() == RuntimeFlavor::MultiThread)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A future that blocks its thread, as a decode does: tokio allows it on a worker only
    /// inside `block_in_place` (`blocking_recv` panics on a worker otherwise).
    fn blocking() -> impl Future<Output = u8> + Send {
        let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
        tx.send(7).unwrap();
        async move { rx.blocking_recv().unwrap() }
    }

    fn body(end: &BodyEnd) -> impl futures_util::Stream<Item = Result<Bytes, ()>> {
        futures_util::stream::iter([Ok(Bytes::from_static(b"{}"))])
            .chain(end.clone().after_the_last_chunk())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn once_the_body_has_ended_the_next_poll_runs_off_the_worker() {
        let end = BodyEnd::default();
        // Before the end: polled on the worker, where blocking is refused.
        let early = tokio::spawn(DecodeOffWorker::new(blocking(), end.clone())).await;
        assert!(early.is_err_and(|e| e.is_panic()));

        let chunks: Vec<_> = body(&end).collect().await;
        assert_eq!(
            chunks,
            [Ok(Bytes::from_static(b"{}"))],
            "the end adds nothing"
        );
        assert!(end.reached());
        let late = tokio::spawn(DecodeOffWorker::new(blocking(), end)).await;
        assert_eq!(late.unwrap(), 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outside_a_task_the_poll_stays_in_place() {
        let end = BodyEnd::default();
        assert_eq!(body(&end).collect::<Vec<_>>().await.len(), 1);
        // The test's own future is no task: block_in_place would buy nothing here.
        assert_eq!(DecodeOffWorker::new(async { 42 }, end).await, 42);
    }

    /// A current-thread runtime's `block_on` while a multi-thread runtime is entered: the
    /// entered handle says multi-thread, but `block_in_place` would panic.
    #[test]
    fn another_runtime_entered_is_not_taken_for_the_one_polling() {
        let multi = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let current = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let end = BodyEnd::default();
        current.block_on(async {
            assert_eq!(body(&end).collect::<Vec<_>>().await.len(), 1);
        });
        let _entered = multi.enter();
        let answer = current.block_on(DecodeOffWorker::new(async { 42 }, end.clone()));
        assert_eq!(answer, 42);
        // A task of the current-thread runtime, too.
        let spawned =
            current.block_on(async { tokio::spawn(DecodeOffWorker::new(async { 43 }, end)).await });
        assert_eq!(spawned.unwrap(), 43);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn on_a_current_thread_runtime_the_poll_stays_in_place() {
        let end = BodyEnd::default();
        assert_eq!(body(&end).collect::<Vec<_>>().await.len(), 1);
        assert!(end.reached());
        // block_in_place would panic here; the wrapper must not call it.
        assert_eq!(DecodeOffWorker::new(async { 42 }, end).await, 42);
    }
}
