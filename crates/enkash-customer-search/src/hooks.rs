//! What every generated request passes through: progenitor's `ClientHooks`, with a context
//! made afresh for each attempt.
//!
//! The generated operations build, send and decode a request in one `send()`. Two things must
//! happen in between that the spec cannot say: the `Authorization` header (Bearer or Basic,
//! marked sensitive so it never shows in logs) and the per-request timeout and user agent
//! must go on, and the status, content type and `Retry-After` of the response must be noted,
//! because progenitor drops them when a body does not decode. A search made by the pager also
//! tells it when its response's head has arrived, so that the next page's request can go out
//! while this one's body is read and decoded. The xtask generates the client
//! with `HooksMode::Expected` and this [`CallContext`] as its inner type, so these hooks are
//! the only ones.

use std::sync::Mutex;
use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, USER_AGENT};

use crate::generated;
use crate::paginate::Answered;

/// The settings of one attempt, and what its response looked like.
#[derive(Debug)]
pub(crate) struct CallContext {
    pub authorization: Option<HeaderValue>,
    pub user_agent: Option<HeaderValue>,
    pub timeout: Option<Duration>,
    /// Told when a success status arrives, before the body is read.
    answered: Option<Answered>,
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
            answered: self.answered.clone(),
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
            answered: None,
            observed: Mutex::new(None),
        }
    }

    /// Tells `answered` when the response's head arrives with a success status.
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
            if let Some(answered) = &self.inner().answered
                && response.status().is_success()
            {
                answered.notify();
            }
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
