//! What a client's every attempt is made with, fixed when the client is built: the HTTP
//! client, the URLs, the limits, the secrets to scrub. Apart from [`Client`](crate::Client) so
//! that a token fetch, which runs on its own, can have it without the client (and without a
//! caller's call options).

use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::error::Via;
use crate::hooks::CallContext;
use crate::redact::Secrets;
use crate::{RetryPolicy, generated};

/// What every clone of a [`Client`](crate::Client) shares, and a token fetch works with.
#[derive(Debug)]
pub(crate) struct Shared {
    pub base_url: String,
    pub token_base_url: String,
    pub http: reqwest::Client,
    pub retry: RetryPolicy,
    pub request_timeout: Option<Duration>,
    pub max_response_bytes: u64,
    /// Whether responses are asked for compressed (one that comes compressed unasked is
    /// decompressed all the same).
    pub compression: bool,
    pub user_agent: HeaderValue,
    /// Every secret above, and the tokens fetched, to hide in what servers send back.
    pub secrets: Secrets,
    /// Which way searches go, read when the client was built, as reqwest read its proxies.
    pub search_via: Via,
    /// Which way the token call goes, the same way.
    pub token_via: Via,
}

impl Shared {
    /// The settings of one attempt that sends `authorization` and may take `timeout`.
    pub(crate) fn call_context(
        &self,
        authorization: Option<HeaderValue>,
        timeout: Option<Duration>,
    ) -> CallContext {
        CallContext::new(
            authorization,
            self.user_agent.clone(),
            timeout,
            self.max_response_bytes,
        )
        .asking_compressed(self.compression)
    }

    /// The generated client for one attempt at `base_url`, with its own [`CallContext`].
    pub(crate) fn generated(&self, base_url: &str, context: CallContext) -> generated::Client {
        generated::Client::new_with_client(base_url, self.http.clone(), context)
    }
}
