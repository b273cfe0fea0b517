//! Article search over the index: the `q` list and search-as-you-type suggestions.
//! The engine answers ids (every filter inside one query); SQLite then loads only the
//! page's rows, and highlights are made from their original text.

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::list::{by_sort, ListPage, Sorted};
use super::{items, visible_to_public, Highlight};
use crate::cursor;
use crate::db::articles::{self as store, ArticleRow, ListFilter, Loaded, SortField, SortValue, StatusFilter};
use crate::db::{categories as category_store, tags as tag_store};
use crate::error::ApiError;
use crate::html;
use crate::routes::Paging;
use crate::routes::{Answer, State};
use crate::search::{self, Order, Plan, Window, COUNT_CAP};

/// The cursor position `after` as the engine takes it: (score, time, id).
fn position(after: &(SortValue, i32)) -> (f64, i64, i32) {
    match after {
        (SortValue::Float(score), id) => (*score, 0, *id),
        (SortValue::Time(time), id) => (0.0, time.map_or(i64::MIN, |t| t.and_utc().timestamp()), *id),
        (_, id) => (0.0, 0, *id),
    }
}

/// The cursor value of `hit` in `order`.
fn value(hit: &search::Hit, order: Order) -> SortValue {
    match order {
        Order::Relevance => SortValue::Float(f64::from(hit.score)),
        _ if hit.time == i64::MIN => SortValue::Time(None),
        _ => SortValue::Time(DateTime::from_timestamp(hit.time, 0).map(|t| t.naive_utc())),
    }
}

/// A page of search results for `query` within `filter`.
#[allow(clippy::too_many_arguments)]
pub async fn page(
    state: &State,
    filter: ListFilter,
    category: Option<String>,
    query: search::Query,
    sorted: Sorted,
    paging: Paging,
    cursor_mode: bool,
    after: Option<(SortValue, i32)>,
) -> Result<ListPage, ApiError> {
    let order = match (sorted.relevance, sorted.field) {
        (true, _) => Order::Relevance,
        (false, SortField::PublishedAt) => Order::PublishedAt { descending: sorted.descending },
        (false, SortField::UpdatedAt) => Order::UpdatedAt { descending: sorted.descending },
        // Titles and view counts are not in the index (counts change with every flush):
        // the engine finds the matches, SQLite orders them.
        (false, SortField::Title | SortField::ViewCount) => Order::All,
    };
    let end = paging.offset() + paging.limit();
    if !cursor_mode && order != Order::All && end > COUNT_CAP as i64 {
        return Err(ApiError::BadRequest(format!(
            "search pages stop at result {COUNT_CAP} (page × per_page ≤ {COUNT_CAP}): use cursor mode (cursor=) or narrow the query"
        )));
    }
    let per_page = paging.per_page as usize;
    let window = match (order, cursor_mode) {
        (Order::All, _) => Window::Offset { offset: 0, limit: 0 },
        (_, true) => Window::After { after: after.as_ref().map(position), limit: per_page + 1 },
        (_, false) => Window::Offset { offset: usize::try_from(paging.offset()).unwrap_or(0), limit: per_page },
    };
    let pool = state.pool.clone();
    let site = state.feeds.site.clone();
    let (plan_pool, plan_filter, terms) = (pool.clone(), filter.clone(), query.terms.clone());
    let prepare = move || {
        // Slugs become ids here, on the search thread, before scoring.
        let (categories, tags) = if category.is_some() || plan_filter.tags.is_some() {
            let mut conn = plan_pool.get()?;
            let categories = category.map(|slug| category_store::subtree_of_slug(&mut conn, &slug)).transpose()?;
            let tags =
                plan_filter.tags.as_deref().map(|slugs| tag_store::ids_of_slugs(&mut conn, slugs)).transpose()?;
            (categories, tags)
        } else {
            (None, None)
        };
        Ok(Plan {
            terms,
            filters: search::Filters { list: ListFilter { categories, ..plan_filter }, tags },
            order,
            window,
            count: !cursor_mode && order != Order::All,
        })
    };
    state
        .search
        .find(prepare, move |found| {
            let mut conn = pool.get()?;
            if order == Order::All {
                // The engine applied category and tags already; SQLite only orders.
                let ids = found.hits.iter().map(|hit| hit.id).collect();
                let filter = ListFilter { categories: None, tags: None, ids: Some(ids), ..filter };
                let sort = (sorted.field, sorted.descending);
                let (rows, total, next_cursor) =
                    by_sort(&mut conn, &filter, sort, paging, cursor_mode, after, &sorted.name)?;
                // List rows come without bodies: the page's leads, for snippets.
                let ids: Vec<i32> = rows.iter().map(|loaded| loaded.article.id).collect();
                let data = highlighted(&store::by_ids_with_lead(&mut conn, &ids)?, &query, site.as_deref())?;
                return Ok(ListPage { data, total: total.map(|t| (t, Some(false))), next_cursor });
            }
            let mut hits = found.hits;
            let more = cursor_mode && hits.len() > per_page;
            hits.truncate(per_page);
            let next_cursor =
                hits.last().filter(|_| more).map(|hit| cursor::encode(&sorted.name, &value(hit, order), hit.id));
            let ids: Vec<i32> = hits.iter().map(|hit| hit.id).collect();
            let mut rows = store::by_ids_with_lead(&mut conn, &ids)?;
            // The index trails the database by up to a second: never show the public
            // what it may not see now.
            if filter.status == StatusFilter::Visible {
                rows.retain(|loaded| visible_to_public(&loaded.article, filter.now));
            }
            let total = found.total.map(|(n, capped)| (i64::try_from(n).unwrap_or(i64::MAX), Some(capped)));
            Ok(ListPage { data: highlighted(&rows, &query, site.as_deref())?, total, next_cursor })
        })
        .await
}

/// List items for `rows` with their highlights, on `site`.
fn highlighted(
    rows: &[Loaded],
    query: &search::Query,
    site: Option<&crate::feeds::Site>,
) -> Result<Vec<super::ArticleItem>, ApiError> {
    let mut data = items(rows, site)?;
    for (item, loaded) in data.iter_mut().zip(rows) {
        item.highlight = Some(highlight(&loaded.article, query));
    }
    Ok(data)
}

/// The highlight of a search hit: the title, and a snippet from the body as loaded
/// (its first [`store::LEAD_CHARS`] characters), else the summary, else the start of the body.
fn highlight(row: &ArticleRow, query: &search::Query) -> Highlight {
    let lead = row.body.char_indices().nth(store::LEAD_CHARS).map_or(row.body.as_str(), |(at, _)| &row.body[..at]);
    let body = html::plain_text(lead);
    let summary = row.summary.as_deref().unwrap_or("");
    let snippet = search::snippet(&body, query).or_else(|| search::snippet(summary, query)).unwrap_or_else(|| {
        let start: Vec<&str> = body.split(' ').take(30).collect();
        search::escape(&start.join(" "))
    });
    Highlight { title: search::highlight(&row.title, query), snippet }
}

/// Query of the suggestions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What the reader has typed so far: the same folding as search, every word
    /// required, the last also as a prefix. At most 200 characters.
    #[param(max_length = 200, example = "thi d")]
    pub q: String,
    /// How many, 1 to 20.
    #[param(minimum = 1, maximum = 20, default = 8)]
    pub limit: Option<u32>,
}

/// The title of a suggestion, marked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TitleHighlight {
    /// The title, HTML-escaped, matched words in `<mark>`.
    #[schema(example = "Phong trào <mark>thi</mark> <mark>đua</mark> yêu nước")]
    pub title: String,
}

/// A suggested article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    #[schema(example = 101)]
    pub id: i32,
    #[schema(example = "phong-trao-thi-dua-yeu-nuoc")]
    pub slug: String,
    #[schema(example = "Phong trào thi đua yêu nước")]
    pub title: String,
    pub published_at: Option<DateTime<Utc>>,
    pub highlight: TitleHighlight,
}

/// Suggestions, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestList {
    pub data: Vec<Suggestion>,
}

/// Suggest articles as the reader types.
///
/// Search-as-you-type over the titles of visible published articles: case- and
/// diacritic-insensitive, every word required, the last also as a prefix; best
/// title matches first, newer first among equals.
#[utoipa::path(
    tag = "articles",
    params(SuggestParams),
    responses(
        (status = 200, description = "Matching titles, best first", body = SuggestList),
        (status = 400, description = "`q` missing, blank, without letters or digits, or over 200 characters; `limit` out of range"),
        (status = 503, description = "Search is busy or its index is still being built; retry after `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[get("/articles/suggest")]
pub async fn suggest(state: State, params: web::Query<SuggestParams>) -> Answer {
    let limit = crate::routes::limit_in(params.limit, 8, 20)?;
    let query = search::Query::parse(&params.q)?;
    let found = state.search.suggest(query.terms.clone(), limit as usize).await?;
    let data = found
        .into_iter()
        .map(|s| Suggestion {
            highlight: TitleHighlight { title: search::highlight(&s.title, &query) },
            id: s.id,
            slug: s.slug,
            title: s.title,
            published_at: s.published_at.and_then(|at| DateTime::from_timestamp(at, 0)),
        })
        .collect();
    Ok(HttpResponse::Ok().json(SuggestList { data }))
}
