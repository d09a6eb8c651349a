//! What every generated request passes through: progenitor's `ClientHooks`, with a context
//! made afresh for each attempt.
//!
//! The generated operations build, send and decode a request in one `send()`. Two things must
//! happen in between that the spec cannot say: the `Authorization` header (Bearer or Basic,
//! marked sensitive so it never shows in logs) and the per-request timeout and user agent
//! must go on, and the status, content type and `Retry-After` of the response must be noted,
//! because progenitor drops them when a body does not decode. The xtask generates the client
//! with `HooksMode::Expected` and this [`CallContext`] as its inner type, so these hooks are
//! the only ones.

use std::sync::Mutex;
use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, USER_AGENT};

use crate::generated;

/// The settings of one attempt, and what its response looked like.
#[derive(Debug)]
pub(crate) struct CallContext {
    pub authorization: Option<HeaderValue>,
    pub user_agent: Option<HeaderValue>,
    pub timeout: Option<Duration>,
    observed: Mutex<Option<Observed>>,
}

/// The parts of a response that an error must keep whatever became of its body.
#[derive(Clone, Debug)]
pub(crate) struct Observed {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub retry_after: Option<HeaderValue>,
    pub request_id: Option<String>,
}

// The generated client derives `Clone`, so its inner type must be `Clone` too.
impl Clone for CallContext {
    fn clone(&self) -> Self {
        CallContext {
            authorization: self.authorization.clone(),
            user_agent: self.user_agent.clone(),
            timeout: self.timeout,
            observed: Mutex::new(self.observed()),
        }
    }
}

impl CallContext {
    pub fn new(
        authorization: Option<HeaderValue>,
        user_agent: HeaderValue,
        timeout: Option<Duration>,
    ) -> Self {
        CallContext {
            authorization,
            user_agent: Some(user_agent),
            timeout,
            observed: Mutex::new(None),
        }
    }

    /// What the response of this attempt looked like, once it has arrived.
    pub fn observed(&self) -> Option<Observed> {
        self.observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl ClientHooks<CallContext> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let context = self.inner();
        let headers = request.headers_mut();
        if let Some(authorization) = &context.authorization {
            headers.insert(AUTHORIZATION, authorization.clone());
        }
        if let Some(user_agent) = &context.user_agent {
            headers.insert(USER_AGENT, user_agent.clone());
        }
        if let Some(timeout) = context.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        if let Ok(response) = result {
            let headers = response.headers();
            let text = |name| {
                headers
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .map(str::to_string)
            };
            let observed = Observed {
                status: response.status(),
                content_type: text(CONTENT_TYPE.as_str()),
                retry_after: headers.get(RETRY_AFTER).cloned(),
                request_id: text("x-request-id"),
            };
            *self
                .inner()
                .observed
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(observed);
        }
        Ok(())
    }
}
