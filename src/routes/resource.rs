//! The handler shape shared by the simple resources (categories, tags, authors):
//! find-or-404 by id and by slug, writes in one immediate transaction that honour
//! `If-Match`, and answers with `ETag` and `Last-Modified`. A resource's own file
//! keeps only its fields, rules and queries.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use diesel::{QueryResult, SqliteConnection};
use serde::Serialize;

use super::tagged;
use crate::db;
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::state::AppState;

/// A resource as the API shows it, built from its stored row.
pub trait Resource: Serialize + Send + Sized + 'static {
    /// The stored row.
    type Row: Send + 'static;
    /// Its name in messages (`"tag"`).
    const KIND: &'static str;
    /// The letter of its ETags (`'t'`).
    const LETTER: char;
    /// Its collection's path (`"/api/v1/tags"`), for `Location`.
    const PATH: &'static str;

    /// The row with `id`.
    fn find(conn: &mut SqliteConnection, id: i32) -> QueryResult<Option<Self::Row>>;
    /// The row with `slug`.
    fn find_by_slug(conn: &mut SqliteConnection, slug: &str) -> QueryResult<Option<Self::Row>>;
    /// The row's version, for `If-Match`.
    fn version(row: &Self::Row) -> i32;
    /// The API object of `row` (with whatever it counts).
    fn load(conn: &mut SqliteConnection, row: Self::Row) -> Result<Self, ApiError>;
    /// Its id.
    fn id(&self) -> i32;
    /// Its ETag.
    fn etag(&self) -> String;
    /// Its last change.
    fn updated_at(&self) -> DateTime<Utc>;

    /// The answer carrying it, with its `ETag` and `Last-Modified`.
    fn answer(&self, status: StatusCode) -> HttpResponse {
        tagged(status, self.etag(), self.updated_at(), self)
    }
}

/// The row with `id`, or a 404 naming it.
pub fn found<R: Resource>(conn: &mut SqliteConnection, id: i32) -> Result<R::Row, ApiError> {
    R::find(conn, id)?.ok_or_else(|| ApiError::not_found(R::KIND, format!("id {id}")))
}

/// `GET …/{id}`.
pub async fn show<R: Resource>(state: &AppState, id: i32) -> Result<HttpResponse, ApiError> {
    let item = db::run(&state.pool, move |conn| {
        let row = found::<R>(conn, id)?;
        R::load(conn, row)
    })
    .await?;
    Ok(item.answer(StatusCode::OK))
}

/// `GET …/slug/{slug}`.
pub async fn show_by_slug<R: Resource>(state: &AppState, slug: String) -> Result<HttpResponse, ApiError> {
    let item = db::run(&state.pool, move |conn| {
        let row =
            R::find_by_slug(conn, &slug)?.ok_or_else(|| ApiError::not_found(R::KIND, format!("slug '{slug}'")))?;
        R::load(conn, row)
    })
    .await?;
    Ok(item.answer(StatusCode::OK))
}

/// `POST …`: `insert` runs in an immediate transaction; 201 with `Location`.
pub async fn create<R, F>(state: &AppState, insert: F) -> Result<HttpResponse, ApiError>
where
    R: Resource,
    F: FnOnce(&mut SqliteConnection) -> Result<R::Row, ApiError> + Send + 'static,
{
    let item = db::run(&state.pool, move |conn| {
        let row = db::immediate(conn, insert)?;
        R::load(conn, row)
    })
    .await?;
    let mut response = item.answer(StatusCode::CREATED);
    if let Ok(location) = header::HeaderValue::from_str(&format!("{}/{}", R::PATH, item.id())) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PUT`/`PATCH …/{id}`, in one immediate transaction: `prepare` checks the new
/// fields against the current row (a 422 comes before a 412), then `If-Match` is
/// checked, then `store` writes them.
pub async fn write<R, T, P, S>(
    state: &AppState,
    id: i32,
    if_match: IfMatch,
    prepare: P,
    store: S,
) -> Result<HttpResponse, ApiError>
where
    R: Resource,
    P: FnOnce(&mut SqliteConnection, &R::Row) -> Result<T, ApiError> + Send + 'static,
    S: FnOnce(&mut SqliteConnection, i32, T) -> QueryResult<R::Row> + Send + 'static,
{
    let item = db::run(&state.pool, move |conn| {
        let row = db::immediate(conn, |conn| {
            let current = found::<R>(conn, id)?;
            let fields = prepare(conn, &current)?;
            if_match.check(R::LETTER, id, R::version(&current))?;
            Ok::<_, ApiError>(store(conn, id, fields)?)
        })?;
        R::load(conn, row)
    })
    .await?;
    Ok(item.answer(StatusCode::OK))
}

/// `DELETE …/{id}`, in one immediate transaction: `If-Match` first, then `delete`
/// (which may refuse, e.g. with a 409).
pub async fn remove<R, D>(state: &AppState, id: i32, if_match: IfMatch, delete: D) -> Result<HttpResponse, ApiError>
where
    R: Resource,
    D: FnOnce(&mut SqliteConnection, &R::Row) -> Result<(), ApiError> + Send + 'static,
{
    db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let current = found::<R>(conn, id)?;
            if_match.check(R::LETTER, id, R::version(&current))?;
            delete(conn, &current)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
