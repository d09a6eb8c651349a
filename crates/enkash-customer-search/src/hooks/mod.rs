//! What every generated request passes through: progenitor's `ClientHooks`, with a context
//! made afresh for each attempt.
//!
//! The generated operations build, send and decode a request in one `send()`. Several things
//! must happen in between that the spec cannot say:
//! - the `Authorization` header (Bearer or Basic, marked sensitive so it never shows in logs),
//!   the per-request timeout and the user agent go on;
//! - redirects are decided here, not by reqwest (whose client follows none): a search follows
//!   one only within its own origin, the token call never, because reqwest would re-post a
//!   307's body (the password) to wherever the `Location` points;
//! - the status, content type, `Retry-After`, request id and redirect target of the response
//!   are noted, because progenitor drops them when a body does not decode;
//! - the caller's own headers, query parameters and body fields (per-call options, escape
//!   hatches) go on after the generated ones;
//! - a request asks for a compressed response, and one that comes compressed (asked for or
//!   not) is decompressed as it streams;
//! - the body is read through a limit, so that a response of any size costs bounded memory,
//!   and copied while it is read when a drift report wants it;
//! - a search made by the pager tells it when its response's head has arrived, so that the
//!   next page's request can go out while this one's body is read and decoded.
//!
//! The xtask generates the client with `HooksMode::Expected` and this [`CallContext`] as its
//! inner type; `call/mod.rs` implements progenitor's hooks with [`CallContext::prepare`] and
//! [`CallContext::send`]. This module imports nothing of the crate: it is the leaf the
//! generated code names.

use std::sync::{Arc, Mutex};
use std::time::Duration;

mod body;
mod content_coding;
mod redirects;

pub(crate) use body::BodyTooLarge;
use body::limited;
pub(crate) use content_coding::BodyUndecompressible;
pub(crate) use content_coding::ContentCoding;
use redirects::{redirect_target, same_origin_redirect};

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT_ENCODING, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap,
    HeaderValue, RETRY_AFTER, USER_AGENT,
};

/// What a caller is told when the response's head has arrived with a success status: the
/// pager's signal that the next page's request may go.
pub(crate) type Answered = Arc<dyn Fn() + Send + Sync>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The most redirects one attempt follows (reqwest's own default is 10).
pub(crate) const MAX_REDIRECTS: usize = 10;

/// The settings of one attempt, and what its response looked like.
pub(crate) struct CallContext {
    pub authorization: Option<HeaderValue>,
    pub user_agent: Option<HeaderValue>,
    pub timeout: Option<Duration>,
    /// Whether a redirect within the request's origin is followed (never one to elsewhere).
    pub follow_redirects: bool,
    /// The most bytes of a response body read before it is refused (decompressed bytes, and
    /// compressed ones too, when it is compressed).
    pub body_limit: u64,
    /// Whether a compressed response is asked for (one that comes unasked is decompressed all
    /// the same).
    asking_compressed: bool,
    /// The caller's own headers, put on after the client's (which they cannot name).
    extra_headers: HeaderMap,
    /// Query parameters the spec lacks, appended to the generated ones.
    extra_query: Vec<(String, String)>,
    /// Body fields the spec lacks, merged into the generated JSON body.
    extra_body: serde_json::Map<String, serde_json::Value>,
    /// Called when a success status arrives, before the body is read.
    answered: Option<Answered>,
    observed: Mutex<Option<Observed>>,
    /// A copy of the response body as it is read, when one is wanted.
    body_copy: Option<Arc<Mutex<Vec<u8>>>>,
    /// The request as it was sent, when a copy is wanted.
    request_copy: Option<Arc<Mutex<Option<SentRequest>>>>,
}

/// A request as it went out, for a cassette.
#[derive(Clone, Debug)]
pub(crate) struct SentRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Option<Vec<u8>>,
}

/// The parts of a response that an error must keep whatever became of its body.
#[derive(Clone, Debug)]
pub(crate) struct Observed {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub retry_after: Option<HeaderValue>,
    pub request_id: Option<String>,
    /// For a redirect that was not followed: the origin (scheme, host, port) its `Location`
    /// points to, never its path or query, or why it has none.
    pub redirect_to: Option<String>,
    /// How many redirects were followed to get this response.
    pub redirects_followed: usize,
    /// Whether it came over HTTPS.
    pub over_tls: bool,
    /// The address that answered: a proxy's, when one was on the way.
    pub answered_from: Option<std::net::SocketAddr>,
    /// Every header of the response.
    pub headers: HeaderMap,
}

// The generated client derives `Debug`, so its inner type must be `Debug` too.
impl std::fmt::Debug for CallContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallContext")
            .field("authorization", &self.authorization)
            .field("timeout", &self.timeout)
            .field("follow_redirects", &self.follow_redirects)
            .field("body_limit", &self.body_limit)
            .field("answered", &self.answered.is_some())
            .finish_non_exhaustive()
    }
}

// The generated client derives `Clone`, so its inner type must be `Clone` too.
impl Clone for CallContext {
    fn clone(&self) -> Self {
        CallContext {
            authorization: self.authorization.clone(),
            user_agent: self.user_agent.clone(),
            timeout: self.timeout,
            follow_redirects: self.follow_redirects,
            body_limit: self.body_limit,
            asking_compressed: self.asking_compressed,
            extra_headers: self.extra_headers.clone(),
            extra_query: self.extra_query.clone(),
            extra_body: self.extra_body.clone(),
            answered: self.answered.clone(),
            observed: Mutex::new(self.observed()),
            body_copy: self.body_copy.clone(),
            request_copy: self.request_copy.clone(),
        }
    }
}

impl CallContext {
    pub fn new(
        authorization: Option<HeaderValue>,
        user_agent: HeaderValue,
        timeout: Option<Duration>,
        body_limit: u64,
    ) -> Self {
        CallContext {
            authorization,
            user_agent: Some(user_agent),
            timeout,
            follow_redirects: false,
            body_limit,
            asking_compressed: false,
            extra_headers: HeaderMap::new(),
            extra_query: Vec::new(),
            extra_body: serde_json::Map::new(),
            answered: None,
            observed: Mutex::new(None),
            body_copy: None,
            request_copy: None,
        }
    }

    /// Follows redirects that stay within the request's origin.
    pub fn following_redirects(mut self) -> Self {
        self.follow_redirects = true;
        self
    }

    /// Asks for a compressed response in every coding this build decodes, if `asking`.
    /// A response in one of them is decompressed whether it was asked for or not: without an
    /// `Accept-Encoding` any coding is acceptable (RFC 9110, 12.5.3), and a gateway may
    /// compress what it was not asked to.
    pub fn asking_compressed(mut self, asking: bool) -> Self {
        self.asking_compressed = asking;
        self
    }

    /// Sends `headers` too.
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.extra_headers = headers;
        self
    }

    /// Appends `query` to the request's query string and merges `body` into its JSON body;
    /// the caller has made sure that neither names what the request already has.
    pub fn with_extras(
        mut self,
        query: Vec<(String, String)>,
        body: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        self.extra_query = query;
        self.extra_body = body;
        self
    }

    /// Keeps a copy of the response body as it is read, for [`body_copy`](Self::body_copy).
    pub fn copying_body(mut self, copy: bool) -> Self {
        self.body_copy = copy.then(Arc::default);
        self
    }

    /// The response body as far as it was read, if a copy was asked for.
    pub fn body_copy(&self) -> Option<Vec<u8>> {
        let copy = self.body_copy.as_ref()?;
        Some(std::mem::take(
            &mut *copy.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        ))
    }

    /// Keeps a copy of the request as it is sent, for [`request_copy`](Self::request_copy).
    pub fn copying_request(mut self, copy: bool) -> Self {
        self.request_copy = copy.then(Arc::default);
        self
    }

    /// The request as it was sent, if a copy was asked for and it was sent.
    pub fn request_copy(&self) -> Option<SentRequest> {
        self.request_copy
            .as_ref()?
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Calls `answered` when the response's head arrives with a success status.
    pub fn answering(mut self, answered: Option<Answered>) -> Self {
        self.answered = answered;
        self
    }

    /// What the response of this attempt looked like, once it has arrived.
    pub fn observed(&self) -> Option<Observed> {
        self.observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn observe(&self, observed: Observed) {
        *self
            .observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(observed);
    }
}

impl CallContext {
    /// Puts this attempt's headers and timeout on `request` (progenitor's `pre` hook).
    pub fn prepare(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        if let Some(authorization) = &self.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        if let Some(user_agent) = &self.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
        if self.asking_compressed
            && let Some(accepted) = ContentCoding::accepted()
        {
            headers.insert(ACCEPT_ENCODING, accepted);
        }
        for (name, value) in &self.extra_headers {
            headers.insert(name, value.clone());
        }
        if let Some(timeout) = self.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        if !self.extra_query.is_empty() {
            request
                .url_mut()
                .query_pairs_mut()
                .extend_pairs(&self.extra_query);
        }
        if !self.extra_body.is_empty() {
            merge_json_body(request, &self.extra_body);
        }
    }

    /// Keeps `request` as it goes out, if a copy was asked for.
    fn copy_request(&self, request: &reqwest::Request) {
        let Some(copy) = &self.request_copy else {
            return;
        };
        *copy.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(SentRequest {
            method: request.method().to_string(),
            path: request.url().path().to_string(),
            query: request.url().query().map(str::to_string),
            body: request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(<[u8]>::to_vec),
        });
    }

    /// Sends `request` with `http`, following the redirects this attempt may follow, notes what
    /// the response looked like, and hands it back with its body under the limit
    /// (progenitor's `exec` hook).
    pub async fn send(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        self.copy_request(&request);
        let (response, hops) = self.execute_following_redirects(http, request).await?;
        let coding = ContentCoding::of(response.headers());
        // What the head will be once the body is decompressed, as the operation sees it.
        let mut headers = response.headers().clone();
        if coding.is_some() {
            headers.remove(CONTENT_ENCODING);
            headers.remove(CONTENT_LENGTH);
        }
        self.observe(observed(&response, headers.clone(), hops));
        if response.status().is_success()
            && let Some(answered) = &self.answered
        {
            answered();
        }
        if let Some(copy) = &self.body_copy {
            // A redirect's body, read before it was followed, is not this response's.
            copy.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clear();
        }
        Ok(limited(
            response,
            headers,
            coding,
            self.body_limit,
            self.body_copy.clone(),
        ))
    }

    /// Sends `request`, and again to where a redirect this attempt may follow points: the
    /// response, and how many redirects led to it. One timeout covers them all.
    async fn execute_following_redirects(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> reqwest::Result<(reqwest::Response, usize)> {
        let mut hops = 0;
        let ends = self
            .timeout
            .and_then(|timeout| tokio::time::Instant::now().checked_add(timeout));
        loop {
            if let Some(ends) = ends {
                let left = ends.saturating_duration_since(tokio::time::Instant::now());
                *request.timeout_mut() = Some(left.max(Duration::from_millis(1)));
            }
            // The body is bytes (JSON or a form), so a copy is always there to follow with.
            let copy = if self.follow_redirects && hops < MAX_REDIRECTS {
                request.try_clone()
            } else {
                None
            };
            let response = http.execute(request).await?;
            match copy.and_then(|copy| same_origin_redirect(&response, copy)) {
                Some(next) => {
                    tracing::debug!(
                        status = response.status().as_u16(),
                        "following a redirect within the origin"
                    );
                    hops += 1;
                    request = next;
                }
                None => return Ok((response, hops)),
            }
        }
    }
}

/// What an error must keep of `response`, whose head, as the operation sees it, is `headers`,
/// reached after `hops` redirects.
fn observed(response: &reqwest::Response, headers: HeaderMap, hops: usize) -> Observed {
    let status = response.status();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    Observed {
        status,
        content_type: text(CONTENT_TYPE.as_str()),
        retry_after: headers.get(RETRY_AFTER).cloned(),
        request_id: text("x-request-id"),
        redirect_to: status.is_redirection().then(|| redirect_target(response)),
        redirects_followed: hops,
        over_tls: response.url().scheme() == "https",
        answered_from: response.remote_addr(),
        headers,
    }
}

/// `extra` merged into `request`'s JSON object body (an absent body counts as `{}`).
fn merge_json_body(
    request: &mut reqwest::Request,
    extra: &serde_json::Map<String, serde_json::Value>,
) {
    let body = request.body().and_then(reqwest::Body::as_bytes);
    let mut object = match body.map(serde_json::from_slice::<serde_json::Value>) {
        None => {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            serde_json::Map::new()
        }
        Some(Ok(serde_json::Value::Object(object))) => object,
        // Not a JSON object (a form): nothing to merge into.
        Some(_) => return,
    };
    for (key, value) in extra {
        object.insert(key.clone(), value.clone());
    }
    // A map of JSON values always serialises.
    if let Ok(bytes) = serde_json::to_vec(&object) {
        *request.body_mut() = Some(bytes.into());
    }
}
