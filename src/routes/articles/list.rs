//! Article lists: filters, sorts, page and cursor ("load more") modes, and related.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::{items, visible, ArticleItem};
use crate::auth::Access;
use crate::cursor::{self, ValueKind};
use crate::db::articles::{self as store, ListFilter, Loaded, SortField, SortValue, StatusFilter};
use crate::db::categories as category_store;
use crate::db::Conn;
use crate::error::ApiError;
use crate::routes::{limit_in, paged_with, url_with, CountMeta, Listing, PageMeta, PageParams, Paging};
use crate::routes::{Answer, State};
use crate::{db, search};

/// Most tag slugs in one `tag` filter.
pub const MAX_TAG_FILTER: usize = 100;

/// Filters, sort and cursor of the article list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleFilters {
    /// Cursor mode ("load more"): the `next_cursor` of the previous answer; empty to
    /// start. Not combinable with `page`.
    pub cursor: Option<String>,
    /// Full-text search over title, summary and body: case- and diacritic-insensitive
    /// both ways ("thi dua" finds "thi đua"), every word required, the last also as a
    /// prefix. Results are ordered by relevance (ties: newer first) unless `sort` is
    /// given, and carry `highlight`. In page mode, `page` × `per_page` ≤ 10,000 and
    /// `meta.total` stops counting at 10,000 (`meta.total_capped`). At most 200 characters.
    #[param(max_length = 200, example = "thi dua")]
    pub q: Option<String>,
    /// Category slug; includes its descendant categories.
    #[param(example = "thoi-su")]
    pub category: Option<String>,
    /// Tag slugs, comma-separated: articles with any of them (at most 100).
    #[param(example = "thi-dua,giao-duc")]
    pub tag: Option<String>,
    /// Exact byline.
    pub author: Option<String>,
    /// Author profile slug.
    #[param(example = "tran-thi-binh")]
    pub author_slug: Option<String>,
    /// Only featured (`true`) or only not featured (`false`).
    pub featured: Option<bool>,
    /// Published at or after this time (RFC 3339, or a date meaning its start, UTC).
    #[param(example = "2020-04-01")]
    pub published_after: Option<String>,
    /// Published before this time (RFC 3339, or a date meaning its start, UTC).
    #[param(example = "2020-05-01T00:00:00Z")]
    pub published_before: Option<String>,
    /// `published` (default: visible now), `scheduled`, `draft`, `archived` or `any`.
    /// Anything but `published` needs a token (401 without).
    #[param(inline)]
    pub status: Option<StatusParam>,
    /// `published_at`, `updated_at`, `title` or `view_count`; `-` prefix for
    /// descending. Default `-published_at`, or relevance with `q`.
    #[param(inline)]
    pub sort: Option<ArticleSort>,
}

/// `meta` in cursor mode.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CursorMeta {
    /// Items per page.
    #[schema(example = 20)]
    pub per_page: u32,
    /// Pass as `cursor` for the next page; `null` at the end.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `meta` of an article list: page mode or cursor mode.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ListMeta {
    Page(PageMeta),
    Cursor(CursorMeta),
}

/// A list of articles (without bodies).
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleList {
    pub data: Vec<ArticleItem>,
    pub meta: ListMeta,
}

/// Parses a time query parameter: RFC 3339, or a plain date meaning its start (UTC).
pub fn parse_time(name: &str, value: &str) -> Result<NaiveDateTime, ApiError> {
    let value = value.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(value) {
        let time = time.naive_utc();
        return Ok(time.with_nanosecond(0).unwrap_or(time));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| ApiError::BadRequest(format!("{name} must be an RFC 3339 time or a date like 2020-04-22")))
}

/// The sorts of the article list; `-` means descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum ArticleSort {
    #[serde(rename = "published_at")]
    PublishedAt,
    #[serde(rename = "-published_at")]
    PublishedAtDesc,
    #[serde(rename = "updated_at")]
    UpdatedAt,
    #[serde(rename = "-updated_at")]
    UpdatedAtDesc,
    #[serde(rename = "title")]
    Title,
    #[serde(rename = "-title")]
    TitleDesc,
    #[serde(rename = "view_count")]
    ViewCount,
    #[serde(rename = "-view_count")]
    ViewCountDesc,
}

impl ArticleSort {
    /// The field, direction, cursor value kind and name.
    fn parts(self) -> (SortField, bool, ValueKind, &'static str) {
        match self {
            Self::PublishedAt => (SortField::PublishedAt, false, ValueKind::Time, "published_at"),
            Self::PublishedAtDesc => (SortField::PublishedAt, true, ValueKind::Time, "-published_at"),
            Self::UpdatedAt => (SortField::UpdatedAt, false, ValueKind::Time, "updated_at"),
            Self::UpdatedAtDesc => (SortField::UpdatedAt, true, ValueKind::Time, "-updated_at"),
            Self::Title => (SortField::Title, false, ValueKind::Text, "title"),
            Self::TitleDesc => (SortField::Title, true, ValueKind::Text, "-title"),
            Self::ViewCount => (SortField::ViewCount, false, ValueKind::Int, "view_count"),
            Self::ViewCountDesc => (SortField::ViewCount, true, ValueKind::Int, "-view_count"),
        }
    }
}

/// Which articles by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusParam {
    /// Published and due: what the public sees.
    Published,
    /// Published, dated in the future.
    Scheduled,
    Draft,
    Archived,
    /// In the trash.
    Trashed,
    /// All of them but the trash.
    Any,
}

fn status_filter(status: Option<StatusParam>, access: Access) -> Result<StatusFilter, ApiError> {
    let filter = match status.unwrap_or(StatusParam::Published) {
        StatusParam::Published => StatusFilter::Visible,
        StatusParam::Scheduled => StatusFilter::Scheduled,
        StatusParam::Draft => StatusFilter::Draft,
        StatusParam::Archived => StatusFilter::Archived,
        StatusParam::Trashed => StatusFilter::Trashed,
        StatusParam::Any => StatusFilter::Any,
    };
    if filter != StatusFilter::Visible && !access.sees_unpublished() {
        return Err(ApiError::Unauthorized("listing unpublished articles needs a token".to_owned()));
    }
    Ok(filter)
}

/// The id of the author with `slug`; `-1` (matching nothing) when there is none.
fn author_id_of(conn: &mut crate::db::Conn, slug: &str) -> diesel::QueryResult<i32> {
    Ok(crate::db::authors::find_by_slug(conn, slug)?.map_or(-1, |author| author.id))
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// List articles.
///
/// Page mode by default (`page`, `per_page`); cursor mode ("load more", constant cost
/// at any depth) when `cursor` is given. The public sees published articles whose
/// time has come; `status` needs a token for anything else.
#[utoipa::path(
    tag = "articles",
    params(PageParams, ArticleFilters),
    responses(
        (status = 200, description = "Articles without bodies. Page mode: `meta` = `{page, per_page, total, total_pages}` with `X-Total-Count` and `Link` (first, prev, next, last). Cursor mode: `meta` = `{per_page, next_cursor}` with `Link` rel=\"next\".", body = ArticleList,
            headers(("X-Total-Count" = i64, description = "Items matching (page mode)"),
                    ("Link" = String, description = "Navigation links (RFC 8288)"))),
        (status = 400, description = "A malformed parameter, `page` with `cursor`, a cursor that is not for this sort, more than 100 tag slugs, a query string over 4,096 bytes, or a search page beyond result 10,000 (`page` × `per_page` > 10,000 with `q`: use cursor mode)"),
        (status = 503, description = "With `q` only: every search slot stayed busy for 1 s, or the search index is still being built; retry after `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[get("/articles")]
pub async fn list(list: Listing<ArticleFilters>) -> Answer {
    let Listing { req, state, caller: access, page_given, paging, filters } = list;
    if page_given && filters.cursor.is_some() {
        return Err(ApiError::BadRequest("give either page or cursor, not both".to_owned()));
    }
    let query = filters.q.as_deref().map(search::Query::parse).transpose()?;
    // With `q` and no `sort`, relevance; its cursors are tied to the query.
    let relevance = query.as_ref().filter(|_| filters.sort.is_none()).map(|query| {
        let digest = hex::encode(&Sha256::digest(query.canonical().as_bytes())[..6]);
        format!("relevance:{digest}")
    });
    let sort = filters.sort.unwrap_or(ArticleSort::PublishedAtDesc);
    let (field, descending, kind, name) = sort.parts();
    let sort_name = relevance.clone().unwrap_or_else(|| name.to_owned());
    let kind = if relevance.is_some() { ValueKind::Float } else { kind };
    let after = match filters.cursor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(cursor) => Some(
            cursor::decode(cursor, &sort_name, kind)
                .ok_or_else(|| ApiError::BadRequest("the cursor is not valid for this list and sort".to_owned()))?,
        ),
    };
    let tags = non_empty(&filters.tag)
        .map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect::<Vec<_>>());
    if tags.as_ref().is_some_and(|tags| tags.len() > MAX_TAG_FILTER) {
        return Err(ApiError::BadRequest(format!("tag takes at most {MAX_TAG_FILTER} slugs")));
    }
    let filter = ListFilter {
        status: status_filter(filters.status, access)?,
        now: db::now(),
        categories: None,
        tags,
        author: non_empty(&filters.author).map(str::to_owned),
        author_id: None,
        featured: filters.featured,
        published_after: non_empty(&filters.published_after).map(|v| parse_time("published_after", v)).transpose()?,
        published_before: non_empty(&filters.published_before)
            .map(|v| parse_time("published_before", v))
            .transpose()?,
        ids: None,
    };
    let category = non_empty(&filters.category).map(str::to_owned);
    let author_slug = non_empty(&filters.author_slug).map(str::to_owned);
    let cursor_mode = filters.cursor.is_some();
    let sorted = Sorted { field, descending, name: sort_name, relevance: relevance.is_some() };
    let page = match query {
        Some(query) => {
            let filter = match author_slug {
                Some(slug) => {
                    let id = db::run(&state.pool, move |conn| Ok(author_id_of(conn, &slug)?)).await?;
                    ListFilter { author_id: Some(id), ..filter }
                }
                None => filter,
            };
            super::search::page(&state, filter, category, query, sorted, paging, cursor_mode, after).await?
        }
        None => {
            let site = state.feeds.site.clone();
            db::run(&state.pool, move |conn| {
                let categories = category.map(|slug| category_store::subtree_of_slug(conn, &slug)).transpose()?;
                let author_id = author_slug.map(|slug| author_id_of(conn, &slug)).transpose()?;
                let filter = ListFilter { categories, author_id, ..filter };
                let (rows, total, next) = by_sort(
                    conn,
                    &filter,
                    (sorted.field, sorted.descending),
                    paging,
                    cursor_mode,
                    after,
                    &sorted.name,
                )?;
                Ok(ListPage {
                    data: items(&rows, site.as_deref())?,
                    total: total.map(|t| (t, None)),
                    next_cursor: next,
                })
            })
            .await?
        }
    };
    Ok(answer(&req, paging, page))
}

/// The sort of a list: field and direction, the cursor's sort name, and whether it is
/// by relevance.
#[derive(Debug, Clone)]
pub struct Sorted {
    pub field: SortField,
    pub descending: bool,
    pub name: String,
    pub relevance: bool,
}

/// One page of a list: items, the total (page mode; for searches with whether counting
/// stopped at the cap) and the next cursor (cursor mode).
pub struct ListPage {
    pub data: Vec<ArticleItem>,
    pub total: Option<(i64, Option<bool>)>,
    pub next_cursor: Option<String>,
}

/// The answer for `page`: page mode with `meta` and `Link`s, or cursor mode.
fn answer(req: &HttpRequest, paging: Paging, page: ListPage) -> HttpResponse {
    let ListPage { data, total, next_cursor } = page;
    if let Some((total, capped)) = total {
        return paged_with(req, paging, total, capped, data);
    }
    let mut response = HttpResponse::Ok();
    if let Some(next) = &next_cursor {
        response.insert_header((header::LINK, format!("<{}>; rel=\"next\"", url_with(req, "cursor", next))));
    }
    response.json(ArticleList { data, meta: ListMeta::Cursor(CursorMeta { per_page: paging.per_page, next_cursor }) })
}

/// Related articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelatedList {
    pub data: Vec<ArticleItem>,
    /// `{"total": n}`: how many were found.
    pub meta: CountMeta,
}

/// A page of rows, the total (page mode) and the next cursor (cursor mode).
pub type Page = (Vec<Loaded>, Option<i64>, Option<String>);

/// A page in a SQL sort order, by offset or after a keyset position.
pub fn by_sort(
    conn: &mut Conn,
    filter: &ListFilter,
    sort: (SortField, bool),
    paging: Paging,
    cursor_mode: bool,
    after: Option<(SortValue, i32)>,
    sort_name: &str,
) -> Result<Page, ApiError> {
    if !cursor_mode {
        let total = store::count(conn, filter)?;
        return Ok((store::page(conn, filter, sort, paging.offset(), None, paging.limit())?, Some(total), None));
    }
    // One row more than asked says whether another page follows.
    let mut rows = store::page(conn, filter, sort, 0, after, paging.limit() + 1)?;
    let more = rows.len() > paging.per_page as usize;
    rows.truncate(paging.per_page as usize);
    let next = rows
        .last()
        .filter(|_| more)
        .map(|last| cursor::encode(sort_name, &store::sort_value(&last.article, sort.0), last.article.id));
    Ok((rows, None, next))
}

/// Query of the related list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// How many, 1 to 20.
    #[param(minimum = 1, maximum = 20, default = 4)]
    pub limit: Option<u32>,
}

/// Related articles.
///
/// Published articles sharing the most tags with this one, then those in the same
/// category, newest first; never the article itself. Articles sharing neither are
/// not related and are not listed.
#[utoipa::path(
    tag = "articles",
    params(("id" = i32, Path, description = "Article id", minimum = 1), RelatedParams),
    responses(
        (status = 200, description = "Related articles (no pagination; `meta.total` is the number returned)", body = RelatedList),
        (status = 400, description = "`limit` out of range"),
    )
)]
#[get("/articles/{id}/related")]
pub async fn related(state: State, access: Access, id: web::Path<i32>, params: web::Query<RelatedParams>) -> Answer {
    let limit = limit_in(params.limit, 4, 20)?;
    let id = id.into_inner();
    let site = state.feeds.site.clone();
    let data = db::run(&state.pool, move |conn| {
        let article = visible(store::find(conn, id)?, access, &format!("id {id}"))?;
        let rows = store::related(conn, &article, db::now(), i64::from(limit))?;
        items(&rows, site.as_deref())
    })
    .await?;
    let total = data.len() as i64;
    Ok(HttpResponse::Ok().json(RelatedList { data, meta: CountMeta { total } }))
}
