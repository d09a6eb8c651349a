//! [`SearchQuery`]: one search's filters and query parameters, checked before anything is
//! sent, since the spec's bounds are not enforced by the generated code.

use std::fmt;

use crate::error::Error;
use crate::{generated, spec, types};

/// The largest page EnKash serves (the spec's `maximum` of `limit`).
pub const MAX_PAGE_SIZE: i32 = spec::SEARCH_CUSTOMER_LIMIT_MAX;

/// The smallest page size (the spec's `minimum` of `limit`, assumed).
pub const MIN_PAGE_SIZE: i32 = spec::SEARCH_CUSTOMER_LIMIT_MIN;

/// One search: the filters (the request body) and the query parameters.
///
/// ```
/// use enkash_customer_search::{SearchQuery, types};
///
/// let query = SearchQuery::new()
///     .customer_status(types::CustomerStatusFilter::Active)
///     .legal_name("Traders")
///     .dso_from(30)
///     .dso_to(90)
///     .order_by("legalName")
///     .direction(types::SortDirection::Asc)
///     .limit(500);
///
/// // Each setter has a `get_` getter.
/// assert_eq!(query.get_limit(), Some(500));
/// assert_eq!(query.get_offset(), None);
/// assert_eq!(query.get_order_by(), Some("legalName"));
/// assert_eq!(query.get_direction(), Some(types::SortDirection::Asc));
/// let filters = query.get_filters().expect("valid filters");
/// assert_eq!(filters.legal_name.as_deref(), Some("Traders"));
/// assert_eq!((filters.dso_from, filters.dso_to), (Some(30), Some(90)));
/// ```
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    filters: Option<Result<types::CustomerSearchRequest, String>>,
    order_by: Option<String>,
    direction: Option<types::SortDirection>,
    limit: Option<i32>,
    offset: Option<i32>,
    extra_query: Vec<(String, String)>,
    extra_body: serde_json::Map<String, serde_json::Value>,
}

impl SearchQuery {
    /// A search with no filters: every customer the caller may see, in pages of EnKash's
    /// default size.
    pub fn new() -> Self {
        SearchQuery::default()
    }

    /// The filters: a [`types::CustomerSearchRequest`] or its builder. A builder whose value
    /// is invalid makes the search fail with [`Error::InvalidRequest`] before sending.
    pub fn filters<F>(mut self, filters: F) -> Self
    where
        F: TryInto<types::CustomerSearchRequest>,
        F::Error: fmt::Display,
    {
        self.filters = Some(filters.try_into().map_err(|e| e.to_string()));
        self
    }

    /// Sets filters through `set`, on those set so far (or on none): the way the generated
    /// one-per-filter setters of `SearchQuery` (`.legal_name("Traders")`, `.dso_from(30)`, …)
    /// set theirs. An invalid `filters` builder set before stays the error it was.
    pub fn filter(mut self, set: impl FnOnce(&mut types::CustomerSearchRequest)) -> Self {
        match &mut self.filters {
            Some(Ok(filters)) => set(filters),
            Some(Err(_)) => {}
            None => {
                let mut filters = types::CustomerSearchRequest::default();
                set(&mut filters);
                self.filters = Some(Ok(filters));
            }
        }
        self
    }

    /// The field to sort by (`orderBy`), for example `legalName`.
    pub fn order_by(mut self, field: impl Into<String>) -> Self {
        self.order_by = Some(field.into());
        self
    }

    /// The sort direction.
    pub fn direction(mut self, direction: types::SortDirection) -> Self {
        self.direction = Some(direction);
        self
    }

    /// The page size, [`MIN_PAGE_SIZE`]`..=`[`MAX_PAGE_SIZE`].
    pub fn limit(mut self, limit: i32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// How many matching customers to skip (0 or more).
    pub fn offset(mut self, offset: i32) -> Self {
        self.offset = Some(offset);
        self
    }

    // Getters as aws-sdk-rust's builders name them: the setter takes the field's name.

    /// The filters set so far, if any and valid.
    pub fn get_filters(&self) -> Option<&types::CustomerSearchRequest> {
        self.filters.as_ref()?.as_ref().ok()
    }

    /// The field to sort by, if set.
    pub fn get_order_by(&self) -> Option<&str> {
        self.order_by.as_deref()
    }

    /// The sort direction, if set.
    pub fn get_direction(&self) -> Option<types::SortDirection> {
        self.direction
    }

    /// Adds a query parameter the spec does not know (yet), sent as given after the typed ones;
    /// the same name may be added more than once. A parameter the spec names (`limit`,
    /// `orderBy`, …) makes the search an [`Error::InvalidRequest`], with nothing sent: use its
    /// setter.
    pub fn extra_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_query.push((name.into(), value.into()));
        self
    }

    /// Adds a field the spec does not know (yet) to the request body, merged into the typed
    /// filters; a later value for the same key replaces an earlier one. A field the spec names
    /// (`legalName`, …) makes the search an [`Error::InvalidRequest`], with nothing sent: use
    /// its setter.
    pub fn extra_body(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra_body.insert(key.into(), value);
        self
    }

    /// The extra query parameters added so far.
    pub fn get_extra_query(&self) -> &[(String, String)] {
        &self.extra_query
    }

    /// The extra body fields added so far.
    pub fn get_extra_body(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.extra_body
    }

    /// The page size set, if any.
    pub fn get_limit(&self) -> Option<i32> {
        self.limit
    }

    /// The offset set, if any.
    pub fn get_offset(&self) -> Option<i32> {
        self.offset
    }

    /// The generated search with this query's body and parameters (its extras go on in the
    /// hooks); [`validate`](Self::validate) has been passed.
    pub(crate) fn request<'a>(
        &self,
        generated: &'a generated::Client,
    ) -> generated::builder::SearchCustomer<'a> {
        let mut request = generated.search_customer();
        if let Some(Ok(filters)) = &self.filters {
            request = request.body(filters.clone());
        }
        if let Some(order_by) = &self.order_by {
            request = request.order_by(order_by.clone());
        }
        if let Some(direction) = self.direction {
            request = request.direction(direction);
        }
        // The generated setter takes a NonZeroU32 (from `minimum: 1`); `validate` has made
        // sure the value fits.
        if let Some(limit) = self.limit.and_then(|l| u32::try_from(l).ok()) {
            request = request.limit(limit);
        }
        if let Some(offset) = self.offset {
            request = request.offset(offset);
        }
        request
    }

    /// Checks what the spec promises and EnKash would otherwise reject (or, worse, accept):
    /// the bounds of `limit` and `offset`, and ranges whose ends are the wrong way round.
    pub fn validate(&self) -> Result<(), Error> {
        let filters = match &self.filters {
            Some(Err(reason)) => return Err(Error::invalid_request("body", reason.clone())),
            Some(Ok(filters)) => Some(filters),
            None => None,
        };
        if let Some(limit) = self.limit
            && !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&limit)
        {
            return Err(Error::invalid_request(
                "limit",
                format!("must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}, not {limit}"),
            ));
        }
        let min_offset = spec::SEARCH_CUSTOMER_OFFSET_MIN;
        if let Some(offset) = self.offset
            && offset < min_offset
        {
            return Err(Error::invalid_request(
                "offset",
                format!("must be {min_offset} or more, not {offset}"),
            ));
        }
        if let Some((name, _)) = self
            .extra_query
            .iter()
            .find(|(name, _)| spec::SEARCH_CUSTOMER_QUERY_PARAMETERS.contains(&name.as_str()))
        {
            return Err(Error::invalid_request(
                "extra_query",
                format!("`{name}` is a query parameter of the spec: set it with its own setter"),
            ));
        }
        if let Some(key) = self
            .extra_body
            .keys()
            .find(|key| spec::CUSTOMER_SEARCH_REQUEST_PROPERTIES.contains(&key.as_str()))
        {
            return Err(Error::invalid_request(
                "extra_body",
                format!("`{key}` is a filter of the spec: set it with its own setter"),
            ));
        }
        let Some(filters) = filters else {
            return Ok(());
        };
        if let (Some(from), Some(to)) = (filters.dso_from, filters.dso_to)
            && from > to
        {
            return Err(Error::invalid_request(
                "dsoFrom",
                format!("must not be greater than dsoTo ({from} > {to})"),
            ));
        }
        if let (Some(from), Some(to)) = (&filters.created_on_from, &filters.created_on_to)
            && from > to
        {
            return Err(Error::invalid_request(
                "createdOnFrom",
                format!("must not be later than createdOnTo ({from} > {to})"),
            ));
        }
        Ok(())
    }
}
