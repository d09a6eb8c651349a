//! How one operation becomes attempts and an outcome, one concern a file:
//! - `retry_loop`: the attempts, the waits between them and the deadline (`deadline`);
//! - `classify`: an attempt's response as one [`Answer`](classify::Answer), for both
//!   operations;
//! - `envelope`: what a search's answer means (the token call's is in `auth::token_endpoint`).
//!
//! Here: progenitor's hooks, which hand every generated request to the attempt's
//! [`CallContext`](crate::hooks::CallContext), and what the attempt observed of its response.

mod classify;
mod deadline;
mod envelope;
mod retry_loop;

use progenitor_client::{ClientHooks, ClientInfo, Error as GeneratedError, OperationInfo};
use reqwest::header::HeaderValue;

pub(crate) use classify::{Answer, Body, classify, record_observed, redirect_target, retry_after};
pub(crate) use deadline::{Deadline, within};
pub(crate) use envelope::envelope_outcome;
pub(crate) use retry_loop::with_retries;

use crate::generated;
use crate::hooks::{CallContext, Observed};
use crate::redact::Secrets;

impl ClientHooks<CallContext> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), GeneratedError<E>> {
        self.inner().prepare(request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner().send(self.client(), request).await
    }
}

/// What the response of `generated`'s attempt looked like, its headers' text scrubbed of
/// `secrets` (a server may echo one in any header, and these reach errors and logs).
pub(crate) fn observed(generated: &generated::Client, secrets: &Secrets) -> Option<Observed> {
    let mut observed = generated.inner.observed()?;
    for text in [&mut observed.content_type, &mut observed.request_id]
        .into_iter()
        .flatten()
    {
        secrets.scrub_in_place(text);
    }
    for value in observed.headers.values_mut() {
        let Ok(text) = value.to_str() else { continue };
        let scrubbed = secrets.scrub(text);
        if scrubbed != text
            && let Ok(replacement) = HeaderValue::from_str(&scrubbed)
        {
            *value = replacement;
        }
    }
    Some(observed)
}
