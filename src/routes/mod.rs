//! HTTP: one module per resource, plus what every list shares.

pub mod articles;
pub mod authors;
pub mod categories;
pub mod fallback;
pub mod feeds;
pub mod media;
pub mod ops;
pub mod resource;
pub mod site;
pub mod tags;
pub mod tokens;
pub mod views;
pub mod webhooks;

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Access;
use crate::error::ApiError;
use crate::state::AppState;

/// What a handler answers: a response, or an error that becomes problem+json.
pub type Answer = Result<HttpResponse, ApiError>;
/// The application state, as a handler takes it.
pub type State = web::Data<AppState>;

/// What a page-mode list handler takes, in the order it is checked: the caller `A`
/// ([`Access`], or a role such as [`crate::auth::Admin`]), the page asked for, the
/// list's own query parameters `F`, and the page's ranges (400 outside them). The
/// handler's `params(PageParams, F)` documents them.
pub struct Listing<F = NoFilters, A = Access> {
    /// The request, for the `Link` header.
    pub req: HttpRequest,
    /// The application.
    pub state: State,
    /// Who asks.
    pub caller: A,
    /// Whether `page` was given at all (cursor mode refuses it).
    pub page_given: bool,
    /// The page asked for.
    pub paging: Paging,
    /// The list's own query parameters.
    pub filters: F,
}

/// The query parameters of a list that takes none beyond the page.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct NoFilters {}

impl<F, A> Listing<F, A> {
    /// A 200 answer with `data`, this page of `total` items.
    pub fn answer<T: Serialize + ToSchema>(&self, total: i64, data: Vec<T>) -> HttpResponse {
        paged(&self.req, self.paging, total, data)
    }

    /// Runs `load` off the async workers with this page's offset and limit, and
    /// answers the items it finds with the total it counts.
    pub async fn page_of<T, L>(&self, load: L) -> Answer
    where
        T: Serialize + ToSchema + Send + 'static,
        L: FnOnce(&mut crate::db::Conn, i64, i64) -> Result<(Vec<T>, i64), ApiError> + Send + 'static,
    {
        let (offset, limit) = (self.paging.offset(), self.paging.limit());
        let (data, total) = crate::db::run(&self.state.pool, move |conn| load(conn, offset, limit)).await?;
        Ok(self.answer(total, data))
    }

    fn extract(req: &HttpRequest, payload: &mut Payload) -> Result<Self, actix_web::Error>
    where
        F: DeserializeOwned,
        A: FromRequest<Error = ApiError, Future = Ready<Result<A, ApiError>>>,
    {
        let caller = A::from_request(req, payload).into_inner()?;
        let page = web::Query::<PageParams>::from_request(req, payload).into_inner()?.into_inner();
        let filters = web::Query::<F>::from_request(req, payload).into_inner()?.into_inner();
        let paging = page.paging()?;
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::internal("the application state is missing"))?;
        Ok(Listing { req: req.clone(), state, caller, page_given: page.page.is_some(), paging, filters })
    }
}

impl<F, A> FromRequest for Listing<F, A>
where
    F: DeserializeOwned,
    A: FromRequest<Error = ApiError, Future = Ready<Result<A, ApiError>>>,
{
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Self::extract(req, payload))
    }
}

/// `rows` made into API objects by `make`, each with its count in `counts` (0 when
/// absent).
pub fn counted<R: crate::db::Stored, T>(
    rows: Vec<R>,
    counts: &std::collections::HashMap<i32, i64>,
    make: impl Fn(R, i64) -> T,
) -> Vec<T> {
    rows.into_iter()
        .map(|row| {
            let count = counts.get(&row.id()).copied().unwrap_or(0);
            make(row, count)
        })
        .collect()
}

/// A page of `rows` and their total, each row made into its API object by `make`.
pub fn mapped<R, T>((rows, total): (Vec<R>, i64), make: impl FnMut(R) -> T) -> Result<(Vec<T>, i64), ApiError> {
    Ok((rows.into_iter().map(make).collect(), total))
}

/// A `limit` query parameter: `default` when absent, 400 outside 1 to `max`.
pub fn limit_in(limit: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit must be between 1 and {max}")));
    }
    Ok(limit)
}

/// A name-prefix filter (`q` of the tag and author lists) folded for matching: `None`
/// when absent or blank, 400 when over `max` characters.
pub fn folded_prefix(q: Option<&str>, max: usize) -> Result<Option<String>, ApiError> {
    match q {
        Some(q) if q.chars().count() > max => Err(ApiError::BadRequest(format!("q must be at most {max} characters"))),
        Some(q) if !crate::text::trim(q).is_empty() => Ok(Some(crate::text::fold(crate::text::trim(q)))),
        _ => Ok(None),
    }
}

/// The slug a write ends up with: an explicit one if free (409 if another `kind`
/// has it), else the current one when updating, else the first free slug made from
/// `source`. `taken(slug)` says whether another row of this kind has `slug`.
pub fn resolve_slug(
    explicit: Option<String>,
    current: Option<&str>,
    source: &str,
    kind: &str,
    mut taken: impl FnMut(&str) -> diesel::QueryResult<bool>,
) -> Result<String, ApiError> {
    match (explicit, current) {
        (Some(slug), _) => {
            if taken(&slug)? {
                return Err(ApiError::Conflict(format!("the slug '{slug}' is already used by another {kind}")));
            }
            Ok(slug)
        }
        (None, Some(current)) => Ok(current.to_owned()),
        (None, None) => Ok(crate::text::first_free_slug(&crate::text::slugify(source, kind), taken)?),
    }
}

/// A 200 (or `status`) answer carrying `body` with its `ETag` and `Last-Modified`.
pub fn tagged<T: Serialize>(
    status: actix_web::http::StatusCode,
    tag: String,
    updated_at: DateTime<Utc>,
    body: &T,
) -> HttpResponse {
    let modified = header::HttpDate::from(std::time::SystemTime::from(updated_at));
    HttpResponse::build(status)
        .insert_header((header::ETAG, tag))
        .insert_header((header::LAST_MODIFIED, modified))
        .json(body)
}

/// Largest `page`.
pub const MAX_PAGE: u32 = 1_000_000;
/// Largest `per_page`.
pub const MAX_PER_PAGE: u32 = 100;
/// `per_page` when absent.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// A stored UTC time as the API shows it.
pub fn utc(time: NaiveDateTime) -> DateTime<Utc> {
    time.and_utc()
}

/// Page-mode query parameters, shared by every list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1 (at most 1,000,000; use cursors to go deeper). 1 when absent;
    /// not allowed together with `cursor` (on lists that offer cursor mode).
    // No schema `default` on purpose: generated clients always send a declared default,
    // and `page=1` next to `cursor` is a 400.
    #[param(minimum = 1, maximum = 1_000_000, example = 1)]
    pub page: Option<u32>,
    /// Items per page.
    #[param(minimum = 1, maximum = 100, default = 20, example = 20)]
    pub per_page: Option<u32>,
}

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Page number, from 1.
    pub page: u32,
    /// Items per page, 1 to 100.
    pub per_page: u32,
}

impl PageParams {
    /// Checks the ranges: 400 outside them.
    pub fn paging(&self) -> Result<Paging, ApiError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if page == 0 || page > MAX_PAGE {
            return Err(ApiError::BadRequest(format!("page must be between 1 and {MAX_PAGE}")));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(ApiError::BadRequest(format!("per_page must be between 1 and {MAX_PER_PAGE}")));
        }
        Ok(Paging { page, per_page })
    }
}

impl Paging {
    /// Rows to skip.
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    /// Rows to take.
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }
}

/// `meta` of a page-mode list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PageMeta {
    /// This page's number.
    #[schema(example = 1)]
    pub page: u32,
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Items matching, over all pages.
    #[schema(example = 42)]
    pub total: i64,
    /// Pages in all (0 when nothing matches).
    #[schema(example = 3)]
    pub total_pages: i64,
    /// Searches (`q`) only: `true` when counting stopped at 10,000 (`total` is then
    /// 10,000 and more match); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_capped: Option<bool>,
}

/// `meta` of an unpaginated list: how many items it holds.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountMeta {
    /// Items in `data`.
    pub total: i64,
}

/// A page of items.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T: ToSchema> {
    /// The items.
    pub data: Vec<T>,
    /// Where this page stands.
    pub meta: PageMeta,
}

/// The request's URL path and query with `key` set to `value`, for `Link` headers.
pub fn url_with(req: &HttpRequest, key: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != key);
    pairs.push((key.to_owned(), value.to_owned()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", req.path())
}

fn page_url(req: &HttpRequest, page: i64) -> String {
    url_with(req, "page", &page.to_string())
}

/// A 200 answer with a page of `data`, `meta`, `X-Total-Count` and `Link`.
pub fn paged<T: Serialize + ToSchema>(req: &HttpRequest, paging: Paging, total: i64, data: Vec<T>) -> HttpResponse {
    paged_with(req, paging, total, None, data)
}

/// [`paged`] with `meta.total_capped` (searches).
pub fn paged_with<T: Serialize + ToSchema>(
    req: &HttpRequest,
    paging: Paging,
    total: i64,
    total_capped: Option<bool>,
    data: Vec<T>,
) -> HttpResponse {
    let per_page = i64::from(paging.per_page);
    let total_pages = (total + per_page - 1) / per_page;
    let page = i64::from(paging.page);
    let last = total_pages.max(1);
    let mut links = vec![format!("<{}>; rel=\"first\"", page_url(req, 1))];
    if page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", page_url(req, (page - 1).min(last))));
    }
    if page < total_pages {
        links.push(format!("<{}>; rel=\"next\"", page_url(req, page + 1)));
    }
    links.push(format!("<{}>; rel=\"last\"", page_url(req, last)));
    HttpResponse::Ok()
        .insert_header(("X-Total-Count", total.to_string()))
        .insert_header((header::LINK, links.join(", ")))
        .json(Paged {
            data,
            meta: PageMeta { page: paging.page, per_page: paging.per_page, total, total_pages, total_capped },
        })
}
