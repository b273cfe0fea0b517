//! `/api/v1/articles/{id}/views` and `/api/v1/articles/popular`.

use actix_web::http::header;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::articles::{items, visible, ArticleItem};
use super::CountMeta;
use crate::auth::{Access, Editor};
use crate::client::client_ip;
use crate::db;
use crate::db::articles as article_store;
use crate::db::categories as category_store;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::{Answer, State};
use crate::state::AppState;

/// Longest history answered at once, in days.
const MAX_HISTORY_DAYS: i64 = 366;
/// Default history: the last 30 days.
const DEFAULT_HISTORY_DAYS: i64 = 30;

/// Whether a view was counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    /// `false` for a repeat visit within the dedupe window or a bot.
    pub counted: bool,
}

/// Views on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DailyViews {
    /// UTC day.
    #[schema(value_type = String, format = Date, example = "2020-04-22")]
    pub date: NaiveDate,
    /// Views counted that day.
    #[schema(example = 12)]
    pub views: i64,
}

/// An article's view counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ViewStats {
    #[schema(example = 101)]
    pub article_id: i32,
    /// All views counted (flushed), including an imported legacy total.
    #[schema(example = 1001)]
    pub total: i64,
    /// One entry per day from `from` to `to`, days without views included with 0.
    pub daily: Vec<DailyViews>,
}

/// Range of the history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// First day (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2020-04-01")]
    pub from: Option<String>,
    /// Last day (default: today, UTC). At most 366 days after `from`.
    #[param(value_type = Option<String>, format = Date, example = "2020-04-30")]
    pub to: Option<String>,
}

/// Body of PUT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"total": 1001}))]
pub struct SetTotal {
    /// The new total, 0 or more.
    #[schema(minimum = 0)]
    pub total: i64,
}

fn parse_day(name: &str, value: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::BadRequest(format!("{name} must be a date like 2020-04-22")))
}

/// Record a view.
///
/// Counts once per visitor (a salted hash of address and User-Agent, never stored)
/// per article per dedupe window (default 30 minutes); bots and requests without a
/// User-Agent are not counted. Views are buffered and written in batches, so
/// `view_count` catches up within one flush interval (default 1 s).
#[utoipa::path(
    tag = "views",
    params(("id" = i32, Path, description = "Article id", minimum = 1)),
    responses(
        (status = 202, description = "Accepted; `counted` says whether it counted", body = Recorded),
        (status = 404, description = "No publicly visible article with this id"),
    )
)]
#[post("/articles/{id}/views")]
pub async fn record(req: HttpRequest, state: State, _access: Access, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    if !state.views.publicly_visible(id, db::now()) {
        return Err(ApiError::not_found("article", format!("id {id}")));
    }
    let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let counted = match client_ip(&req, &state.trusted_proxies) {
        Some(ip) => state.views.record(id, ip, user_agent),
        None => false,
    };
    Ok(HttpResponse::Accepted().json(Recorded { counted }))
}

/// View counts of an article.
#[utoipa::path(
    tag = "views",
    params(("id" = i32, Path, description = "Article id", minimum = 1), HistoryParams),
    responses(
        (status = 200, description = "Total and daily history", body = ViewStats),
        (status = 400, description = "Malformed dates, `from` after `to`, or more than 366 days"),
    )
)]
#[get("/articles/{id}/views")]
pub async fn show(state: State, access: Access, id: web::Path<i32>, params: web::Query<HistoryParams>) -> Answer {
    let id = id.into_inner();
    let to = params.to.as_deref().map(|v| parse_day("to", v)).transpose()?.unwrap_or_else(|| Utc::now().date_naive());
    let from = params
        .from
        .as_deref()
        .map(|v| parse_day("from", v))
        .transpose()?
        .unwrap_or(to - Duration::days(DEFAULT_HISTORY_DAYS - 1));
    if from > to {
        return Err(ApiError::BadRequest("from must not be after to".to_owned()));
    }
    if (to - from).num_days() + 1 > MAX_HISTORY_DAYS {
        return Err(ApiError::BadRequest(format!("at most {MAX_HISTORY_DAYS} days at once")));
    }
    Ok(HttpResponse::Ok().json(stats(&state, access, id, from, to).await?))
}

/// Total and zero-filled daily history of article `id`, if `access` may see it.
async fn stats(
    state: &AppState,
    access: Access,
    id: i32,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ViewStats, ApiError> {
    let (total, counted) = db::run(&state.pool, move |conn| {
        let article = visible(article_store::find(conn, id)?, access, &format!("id {id}"))?;
        Ok((article.view_count, db::views::daily(conn, id, from, to)?))
    })
    .await?;
    let mut counted = counted.into_iter().peekable();
    let daily = from
        .iter_days()
        .take_while(|day| *day <= to)
        .map(|date| {
            let views = match counted.peek() {
                Some((day, n)) if *day == date => {
                    let n = *n;
                    counted.next();
                    n
                }
                _ => 0,
            };
            DailyViews { date, views }
        })
        .collect();
    Ok(ViewStats { article_id: id, total, daily })
}

/// Writes every buffered view now, so a following set or reset is exact.
/// Writes the buffered views, then `write` (setting article `id`'s total to `total`):
/// 404 when there is no such article.
async fn replace_total(
    state: &AppState,
    id: i32,
    total: i64,
    write: impl FnOnce(&mut crate::db::Conn) -> diesel::QueryResult<bool> + Send + 'static,
) -> Result<(), ApiError> {
    let views = state.views.clone();
    let pool = state.pool.clone();
    let found = web::block(move || views.replace_total(&pool, id, total, write))
        .await
        .map_err(ApiError::internal)?
        .map_err(|why| if db::says_full(&why) { ApiError::Full } else { ApiError::internal(why) })?;
    if !found {
        return Err(ApiError::not_found("article", format!("id {id}")));
    }
    Ok(())
}

/// Set an article's total views, e.g. to import a legacy counter.
///
/// Views buffered so far are written first, so the total is exactly the value sent.
#[utoipa::path(
    tag = "views",
    params(("id" = i32, Path, description = "Article id", minimum = 1)),
    request_body = SetTotal,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new total with the last 30 days of history", body = ViewStats),
        (status = 422, description = "`total` missing, negative or not an integer"),
    )
)]
#[put("/articles/{id}/views")]
pub async fn set(state: State, editor: Editor, id: web::Path<i32>, input: ApiJson<SetTotal>) -> Answer {
    let id = id.into_inner();
    let total = input.0.total;
    if total < 0 {
        return Err(ApiError::invalid("total", "must be 0 or more"));
    }
    replace_total(&state, id, total, move |conn| db::views::set_total(conn, id, total)).await?;
    let to = Utc::now().date_naive();
    let from = to - Duration::days(DEFAULT_HISTORY_DAYS - 1);
    Ok(HttpResponse::Ok().json(stats(&state, Access::Token(editor.0), id, from, to).await?))
}

/// Reset an article's views: total and history.
#[utoipa::path(
    tag = "views",
    params(("id" = i32, Path, description = "Article id", minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Reset"),
    )
)]
#[delete("/articles/{id}/views")]
pub async fn reset(state: State, _editor: Editor, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    replace_total(&state, id, 0, move |conn| db::views::reset(conn, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Query of the most-read list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopularParams {
    /// `day` (today, UTC), `week` (last 7 days), `month` (last 30 days) or `all`
    /// (all-time totals). Default `week`.
    #[param(inline)]
    pub window: Option<Window>,
    /// How many, 1 to 100 (default 10).
    #[param(minimum = 1, maximum = 100, default = 10)]
    pub limit: Option<u32>,
    /// Category slug; includes its descendants.
    #[param(example = "thoi-su")]
    pub category: Option<String>,
}

/// A most-read window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    Day,
    Week,
    Month,
    All,
}

/// A most-read entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct PopularItem {
    #[serde(flatten)]
    pub article: ArticleItem,
    /// Views within the window.
    #[schema(example = 87)]
    pub window_views: i64,
}

/// The most-read list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PopularList {
    pub data: Vec<PopularItem>,
    /// `{"total": n}`: entries returned.
    pub meta: CountMeta,
}

/// Most-read articles.
///
/// Visible articles with views in the window, most first (ties: newest first).
/// Reflects flushed views, at most one flush interval behind.
#[utoipa::path(
    tag = "views",
    params(PopularParams),
    responses(
        (status = 200, description = "Most-read articles with `window_views`", body = PopularList),
        (status = 400, description = "Unknown window or limit out of range"),
    )
)]
#[get("/articles/popular")]
pub async fn popular(state: State, _access: Access, params: web::Query<PopularParams>) -> Answer {
    let today = Utc::now().date_naive();
    let since = match params.window.unwrap_or(Window::Week) {
        Window::Day => Some(today),
        Window::Week => Some(today - Duration::days(6)),
        Window::Month => Some(today - Duration::days(29)),
        Window::All => None,
    };
    let limit = super::limit_in(params.limit, 10, 100)?;
    let category = params.category.clone().filter(|c| !c.trim().is_empty());
    let site = state.feeds.site.clone();
    let data = db::run(&state.pool, move |conn| {
        let categories = category.map(|slug| category_store::subtree_of_slug(conn, slug.trim())).transpose()?;
        let rows = db::views::popular(conn, since, db::now(), categories.as_deref(), i64::from(limit))?;
        let window_views: Vec<i64> = rows.iter().map(|r| r.window_views).collect();
        let articles: Vec<_> = rows.into_iter().map(|r| r.article).collect();
        let items = items(&articles, site.as_deref())?;
        Ok(items
            .into_iter()
            .zip(window_views)
            .map(|(article, window_views)| PopularItem { article, window_views })
            .collect::<Vec<_>>())
    })
    .await?;
    let total = data.len() as i64;
    Ok(HttpResponse::Ok().json(PopularList { data, meta: CountMeta { total } }))
}
