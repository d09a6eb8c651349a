//! A task's handle that aborts the task when it is dropped, so that a page fetch never
//! outlives the walk that wanted it (a decode already handed to the blocking pool finishes
//! there, and its page is dropped).
//!
//! tokio-util's `AbortOnDropHandle` is the same thing, but its `rt` feature turns on
//! futures-util's macros and with them syn's full parser, which every crate that depends on
//! this one would then compile, for these few lines.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::{JoinError, JoinHandle};

/// `JoinHandle`, aborting its task on drop.
#[derive(Debug)]
pub(crate) struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    pub fn new(handle: JoinHandle<T>) -> Self {
        AbortOnDrop(handle)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dropping_the_handle_aborts_the_task() {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = AbortOnDrop::new(tokio::spawn(async move {
            // Held until the task ends: dropped by the abort, never sent.
            let _tx = tx;
            std::future::pending::<()>().await;
        }));
        drop(handle);
        // A task left running would hold the sender for ever.
        let ended = tokio::time::timeout(std::time::Duration::from_secs(10), rx).await;
        assert!(
            matches!(ended, Ok(Err(_))),
            "the task ended, its sender dropped"
        );
    }

    #[tokio::test]
    async fn awaited_it_gives_the_task_s_output() {
        let handle = AbortOnDrop::new(tokio::spawn(async { 7 }));
        assert_eq!(handle.await.unwrap(), 7);
    }
}
