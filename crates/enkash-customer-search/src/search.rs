//! Searching: one page with [`Client::search`], or every page as a stream with
//! [`Client::search_all`].
//!
//! A page comes back as a [`SearchPage`] rather than the raw envelope, because an envelope can
//! report an error under HTTP 200, which must not look like an empty page.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use reqwest::StatusCode;

use crate::call::{self, Deadline, envelope_outcome};
use crate::cassette::SearchExchange;
use crate::error::{AuthenticationError, AuthenticationFailure, Error, PagingError};
use crate::hooks;
use crate::paginate::{Answered, MAX_PAGES_IN_FLIGHT, Page, PageRequest, Pager};
use crate::query::{MAX_PAGE_SIZE, SearchQuery};
use crate::{Client, Open, types};

/// One page of a search, with what the envelope said about it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SearchPage {
    /// The customers on this page, in the server's order.
    pub customers: Vec<types::CustomerResponse>,
    /// How many customers match in all, over every page (`recordsCount`), if EnKash said.
    pub records_count: Option<i64>,
    /// The HTTP status (200).
    pub status: StatusCode,
    /// The response's headers (any secret the client holds, echoed, is scrubbed from them).
    pub headers: http::HeaderMap,
    /// The request id: the `x-request-id` header, else the `requestId` of an `errorResponse`
    /// that came with the page. Quote it to EnKash's support.
    pub request_id: Option<String>,
    /// EnKash's own result code (`response_code`).
    pub response_code: Option<i32>,
    /// EnKash's own result message (`response_message`).
    pub response_message: Option<String>,
    /// An `errorResponse` that came together with the page. The page is still a success;
    /// this keeps whatever EnKash had to say.
    pub error_response: Option<types::ErrorResponse>,
}

impl Client {
    /// One page of customers matching `query`.
    ///
    /// With credentials, a token is fetched first if there is none; a 401 then causes one
    /// fresh token and one more try. Transient failures are retried as the
    /// [`RetryPolicy`](crate::RetryPolicy) says.
    pub async fn search(&self, query: impl Borrow<SearchQuery>) -> Result<SearchPage, Error> {
        self.search_answering(query.borrow(), None).await
    }

    /// [`search`](Self::search), telling `answered` when EnKash has answered with a success
    /// status, before the page is read and decoded.
    async fn search_answering(
        &self,
        query: &SearchQuery,
        answered: Option<&Answered>,
    ) -> Result<SearchPage, Error> {
        query.validate()?;
        self.check_options()?;
        let deadline = Deadline::starting_now(self.options.deadline);
        let mut refreshed = false;
        loop {
            let authorization = self.authorization(deadline).await?;
            let result = call::with_retries(
                self.retry_policy(),
                &self.secrets,
                "search_customer",
                Error::is_retryable,
                deadline,
                || self.search_once(query, authorization.clone(), answered),
            )
            .await;
            match result {
                Err(error) if is_unauthenticated(&error) => {
                    let (Some(cache), Some(stale)) = (&self.auth, &authorization) else {
                        return Err(token_rejected(error, AuthenticationFailure::NotConfigured));
                    };
                    if !refreshed && cache.invalidate(stale) {
                        tracing::debug!("the token was refused; fetching a fresh one, once");
                        refreshed = true;
                        continue;
                    }
                    return Err(token_rejected(error, AuthenticationFailure::TokenRejected));
                }
                other => return other,
            }
        }
    }

    /// The `Authorization` header for a request, if the client authenticates, waiting at most
    /// until `deadline` for a token.
    async fn authorization(
        &self,
        deadline: Option<Deadline>,
    ) -> Result<Option<reqwest::header::HeaderValue>, Error> {
        let Some(cache) = &self.auth else {
            return Ok(None);
        };
        call::within(
            deadline,
            0,
            || "while it waited for a token".to_string(),
            cache.authorization(&self.shared),
        )
        .await
        .map(Some)
    }

    /// Every customer matching `query`, page after page, as a stream.
    ///
    /// Pages have the query's `limit` as their size (5,000 if unset) and start at its
    /// `offset`. The next page is fetched while you consume the current one (and, once
    /// `recordsCount` is known, requested as soon as EnKash has answered for the current one,
    /// while that is still being read and decoded), so at most two pages are held at once;
    /// [`CustomerStream::pages_in_flight`] fetches more at once. The stream ends after
    /// `recordsCount` customers, or on a short or empty page; it fails with
    /// [`Error::Paging`] (rather than looping, skipping or repeating) if the server breaks the
    /// paging contract. An invalid query is the stream's only item, an
    /// [`Error::InvalidRequest`], and nothing is sent.
    pub fn search_all(&self, query: impl Borrow<SearchQuery>) -> CustomerStream {
        let query = query.borrow().clone();
        // An invalid query is the stream's only item, naming its own field; nothing is sent.
        if let Err(error) = query.validate().and_then(|()| self.check_options()) {
            return CustomerStream {
                state: StreamState::Invalid(Some(error)),
            };
        }
        let start_offset = i64::from(query.get_offset().unwrap_or(0));
        let page_size = i64::from(query.get_limit().unwrap_or(MAX_PAGE_SIZE));
        let client = self.clone();
        let fetch = move |request: PageRequest, answered: Answered| {
            let client = client.clone();
            let query = query.clone();
            async move {
                let offset = i32::try_from(request.offset).map_err(|_| {
                    Error::Paging(Box::new(PagingError::OffsetOutOfRange {
                        offset: request.offset,
                    }))
                })?;
                // The page size came from the query's own `limit`, an i32.
                let limit = i32::try_from(request.limit).unwrap_or(MAX_PAGE_SIZE);
                let page = client
                    .search_answering(&query.offset(offset).limit(limit), Some(&answered))
                    .await?;
                check_page_size(&page, request)?;
                Ok(Page {
                    items: page.customers,
                    records_count: page.records_count,
                })
            }
        };
        CustomerStream {
            state: StreamState::Paging(Box::new(Pager::new(
                fetch,
                customer_key,
                start_offset,
                page_size,
            ))),
        }
    }

    /// A header of the call options that cannot be sent fails every call, before anything is
    /// sent.
    fn check_options(&self) -> Result<(), Error> {
        match &self.options.invalid_header {
            Some(reason) => Err(Error::invalid_request("header", reason.clone())),
            None => Ok(()),
        }
    }

    async fn search_once(
        &self,
        query: &SearchQuery,
        authorization: Option<reqwest::header::HeaderValue>,
        answered: Option<&Answered>,
    ) -> Result<SearchPage, Error> {
        let context = self
            .call_context(authorization)
            .following_redirects()
            .with_headers(self.options.headers.clone())
            .with_extras(
                query.get_extra_query().to_vec(),
                query.get_extra_body().clone(),
            )
            .copying_body(self.options.drift.is_some() || self.options.cassette.is_some())
            .copying_request(self.options.cassette.is_some())
            .answering(answered.map(|answered| {
                let answered = answered.clone();
                Arc::new(move || answered.notify_one()) as hooks::Answered
            }));
        let generated = self.shared.generated(&self.shared.base_url, context);
        let result = query.request(&generated).send().await;
        let observed = call::observed(&generated, &self.secrets);
        let (headers, header_request_id) = observed
            .as_ref()
            .map(|o| (o.headers.clone(), o.request_id.clone()))
            .unwrap_or_default();
        let answered_with = self
            .options
            .cassette
            .as_ref()
            .and(observed.as_ref())
            .map(|o| (o.status, o.headers.clone()));
        let outcome = envelope_outcome(result, observed)
            .await
            .map_err(|e| e.through(&self.shared.search_via));
        self.record_evidence(&generated.inner, answered_with);
        let (status, envelope) =
            outcome.map_err(|error| error.with_request_id(header_request_id.as_ref()))?;
        let Some(payload) = envelope.payload else {
            // Neither a page nor an error: treating it as an empty page would end a paging
            // loop early and silently.
            return Err(Error::Paging(Box::new(PagingError::NoPayload { status })));
        };
        let request_id = header_request_id.or_else(|| {
            envelope
                .error_response
                .as_ref()
                .and_then(|e| e.request_id.clone())
        });
        Ok(SearchPage {
            customers: payload.data.unwrap_or_default(),
            records_count: payload.records_count,
            status,
            headers,
            request_id,
            response_code: envelope.response_code,
            response_message: envelope.response_message,
            error_response: envelope.error_response,
        })
    }

    /// Hands the attempt's response body, read whatever the outcome (the envelope of an error
    /// included), to the drift report and the cassette that asked for it; `answered_with` is
    /// the response's status and headers, when a cassette wants them.
    fn record_evidence(
        &self,
        attempt: &hooks::CallContext,
        answered_with: Option<(StatusCode, http::HeaderMap)>,
    ) {
        let Some(body) = attempt.body_copy() else {
            return;
        };
        if let Some(drift) = &self.options.drift {
            drift.record_search_body(&body);
        }
        if let (Some(cassette), Some(request), Some((status, response_headers))) = (
            &self.options.cassette,
            attempt.request_copy(),
            &answered_with,
        ) {
            let exchange = SearchExchange {
                request: &request,
                status: *status,
                response_headers,
                response_body: &body,
            };
            cassette.record_search(exchange, &self.secrets);
        }
    }
}

/// What tells two customers apart across pages: `customerId`, else `id`.
fn customer_key(customer: &types::CustomerResponse) -> Option<String> {
    match (&customer.customer_id, customer.id) {
        (Some(customer_id), _) => Some(format!("customerId {customer_id}")),
        (None, Some(id)) => Some(format!("id {id}")),
        (None, None) => None,
    }
}

/// `pages_in_flight` must be what the pager allows.
fn check_pages_in_flight(pages_in_flight: usize) -> Result<(), Error> {
    let max = MAX_PAGES_IN_FLIGHT;
    if (1..=max).contains(&pages_in_flight) {
        Ok(())
    } else {
        Err(Error::invalid_request(
            "pages_in_flight",
            format!("must be between 1 and {max}, not {pages_in_flight}"),
        ))
    }
}

/// A page must hold what was asked for. A short page before `recordsCount` is reached means
/// the server sent fewer records than asked for, and going on by the page size would skip the
/// rest without a word (a server that caps `limit` below what was asked does exactly this); a
/// page longer than asked means the server ignores `limit`, and going on would repeat records.
/// An empty page is taken as the end (customers removed while paging).
fn check_page_size(page: &SearchPage, request: PageRequest) -> Result<(), Error> {
    let received = page.customers.len() as i64;
    let problem = match page.records_count {
        _ if received > request.limit => PagingError::OversizedPage {
            offset: request.offset,
            received,
            asked: request.limit,
        },
        Some(total)
            if received > 0
                && received < request.limit
                && request.offset.saturating_add(received) < total =>
        {
            PagingError::ShortPage {
                offset: request.offset,
                received,
                asked: request.limit,
                records_count: total,
            }
        }
        _ => return Ok(()),
    };
    Err(Error::Paging(Box::new(problem)))
}

/// Whether the API refused the request for want of a valid token: HTTP 401, or an envelope
/// whose `errorType` is `UNAUTHORIZED` under any status (EnKash has been seen to report an
/// invalid token inside an HTTP 200).
fn is_unauthenticated(error: &Error) -> bool {
    match error {
        Error::Api(api) => {
            api.status == StatusCode::UNAUTHORIZED
                || api.error_type == Some(Open::Known(types::ErrorType::Unauthorized))
        }
        other => other.status() == Some(StatusCode::UNAUTHORIZED),
    }
}

/// A refusal by the API, as the authentication error it is.
fn token_rejected(error: Error, reason: AuthenticationFailure) -> Error {
    let status = error.status();
    let (message, api_error) = match error {
        Error::Api(api) => (api.error_message.clone(), Some(*api)),
        _ => (None, None),
    };
    Error::Authentication(Box::new(AuthenticationError {
        api_error,
        ..AuthenticationError::new(reason, status, message)
    }))
}

/// Every customer of a search, as a [`Stream`](futures_core::Stream) of
/// `Result<CustomerResponse, Error>`; made by [`Client::search_all`]. An error ends it.
pub struct CustomerStream {
    state: StreamState,
}

enum StreamState {
    /// The query was invalid: this error, once, then the end.
    Invalid(Option<Error>),
    Paging(Box<Pager<types::CustomerResponse, Error>>),
}

impl CustomerStream {
    /// Fetches up to `pages` pages at once once `recordsCount` is known (customers still come
    /// in order), holding up to `pages + 1` pages; 1 (the default) to 16. Anything else makes
    /// the stream's only item an [`Error::InvalidRequest`], and nothing is sent. Set it before
    /// the first item; it applies from the next page fetched.
    pub fn pages_in_flight(mut self, pages: usize) -> Self {
        if let StreamState::Paging(pager) = &mut self.state {
            match check_pages_in_flight(pages) {
                Ok(()) => pager.set_concurrency(pages),
                Err(error) => self.state = StreamState::Invalid(Some(error)),
            }
        }
        self
    }

    /// How many customers match in all (`recordsCount`), once the first page has arrived
    /// (that is, after the first item); `None` before, or if EnKash did not say.
    pub fn records_count(&self) -> Option<i64> {
        match &self.state {
            StreamState::Paging(pager) => pager.records_count(),
            StreamState::Invalid(_) => None,
        }
    }

    /// The next customer, an error (which ends the stream), or `None` at the end. The same as
    /// `StreamExt::next` from `futures`, without needing that crate.
    pub async fn next(&mut self) -> Option<Result<types::CustomerResponse, Error>> {
        std::future::poll_fn(|cx| {
            futures_core::Stream::poll_next(std::pin::Pin::new(&mut *self), cx)
        })
        .await
    }
}

impl fmt::Debug for CustomerStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerStream").finish_non_exhaustive()
    }
}

impl futures_core::Stream for CustomerStream {
    type Item = Result<types::CustomerResponse, Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        match &mut self.state {
            StreamState::Invalid(error) => std::task::Poll::Ready(error.take().map(Err)),
            StreamState::Paging(pager) => std::pin::Pin::new(&mut **pager).poll_next(cx),
        }
    }
}

impl futures_core::FusedStream for CustomerStream {
    fn is_terminated(&self) -> bool {
        match &self.state {
            StreamState::Invalid(error) => error.is_none(),
            StreamState::Paging(pager) => pager.is_terminated(),
        }
    }
}
