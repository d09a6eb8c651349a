//! A link of a set bandwidth between the sandbox and all its clients, as a WAN link to a
//! remote EnKash is: response bodies cross it one piece after another, sharing it, so four
//! pages in flight take as long on the wire as four pages one after the other. It paces the
//! bytes after compression, the ones a link carries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use futures_util::StreamExt;
use tokio::time::Instant;

/// The most a body sends at once: small enough that pieces of several bodies interleave.
const PIECE: usize = 16 * 1024;

/// `router` with every response body paced through one link of `bytes_per_second` (0 counts
/// as 1), all its responses sharing it: what [`SandboxBuilder::bandwidth`] does to the sandbox,
/// for a server of your own (a replay of recorded pages, say). It paces what the router's
/// layers produce, so add it after a compression layer to pace the bytes on the wire.
///
/// [`SandboxBuilder::bandwidth`]: super::SandboxBuilder::bandwidth
pub fn limit_bandwidth<S: Clone + Send + Sync + 'static>(
    router: axum::Router<S>,
    bytes_per_second: u64,
) -> axum::Router<S> {
    router.layer(axum::middleware::from_fn_with_state(
        Link::new(bytes_per_second),
        through_link,
    ))
}

struct Link {
    bytes_per_second: f64,
    /// When the bytes reserved so far will have crossed.
    free_at: Mutex<Instant>,
}

impl Link {
    fn new(bytes_per_second: u64) -> Arc<Link> {
        Arc::new(Link {
            bytes_per_second: bytes_per_second.max(1) as f64,
            free_at: Mutex::new(Instant::now()),
        })
    }

    /// Reserves the link for `bytes` after what is reserved already: when they have crossed.
    fn reserve(&self, bytes: usize) -> Instant {
        let mut free_at = self.free_at.lock().unwrap_or_else(|e| e.into_inner());
        let start = (*free_at).max(Instant::now());
        let crossing = Duration::try_from_secs_f64(bytes as f64 / self.bytes_per_second)
            .unwrap_or(Duration::MAX);
        *free_at = start.checked_add(crossing).unwrap_or(start);
        *free_at
    }
}

/// The response, its body paced by the link.
async fn through_link(
    State(link): State<Arc<Link>>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = next.run(request).await.into_parts();
    let state = (body.into_data_stream(), Bytes::new(), link);
    let paced = futures_util::stream::unfold(state, |(mut body, mut pending, link)| async move {
        if pending.is_empty() {
            match body.next().await? {
                Ok(bytes) => pending = bytes,
                Err(error) => return Some((Err(error), (body, pending, link))),
            }
        }
        let piece = pending.split_to(pending.len().min(PIECE));
        tokio::time::sleep_until(link.reserve(piece.len())).await;
        Some((Ok(piece), (body, pending, link)))
    });
    Response::from_parts(parts, Body::from_stream(paced))
}
