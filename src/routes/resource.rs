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
use crate::db::{self, Stored};
use crate::error::ApiError;
use crate::etag::IfMatch;
use crate::state::AppState;

/// A resource as the API shows it, built from its stored row.
pub trait Resource: Serialize + Send + Sized + 'static {
    /// The stored row.
    type Row: Stored + Send + 'static;
    /// Its name in messages (`"tag"`).
    const KIND: &'static str;
    /// The letter of its ETags (`'t'`).
    const LETTER: char;
    /// Its collection's path (`"/api/v1/tags"`), for `Location`.
    const PATH: &'static str;

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
    R::Row::find(conn, id)?.ok_or_else(|| ApiError::not_found(R::KIND, format!("id {id}")))
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
            R::Row::find_by_slug(conn, &slug)?.ok_or_else(|| ApiError::not_found(R::KIND, format!("slug '{slug}'")))?;
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
            if_match.check(R::LETTER, id, current.version())?;
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
            if_match.check(R::LETTER, id, current.version())?;
            delete(conn, &current)
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A resource written through the API: its bodies, how they become checked fields,
/// and how they are stored. [`crud_routes!`] makes its handlers from this.
pub trait Writable: Resource {
    /// Body of POST and PUT.
    type Input: serde::de::DeserializeOwned + Send + 'static;
    /// Body of PATCH.
    type Patch: serde::de::DeserializeOwned + Send + 'static;
    /// Checked fields, ready to store.
    type Fields: Send + 'static;

    /// Checks `input` (replacing `current`, when given) and resolves its slug.
    fn from_input(
        conn: &mut SqliteConnection,
        current: Option<&Self::Row>,
        input: Self::Input,
    ) -> Result<Self::Fields, ApiError>;
    /// Applies `patch` to `current` and checks the result.
    fn from_patch(
        conn: &mut SqliteConnection,
        current: &Self::Row,
        patch: Self::Patch,
    ) -> Result<Self::Fields, ApiError>;
    /// Stores a new row.
    fn insert(conn: &mut SqliteConnection, fields: &Self::Fields) -> QueryResult<Self::Row>;
    /// Stores new fields of row `id` (bumping its version).
    fn update(conn: &mut SqliteConnection, id: i32, fields: &Self::Fields) -> QueryResult<Self::Row>;
    /// Deletes `row`, or refuses (409) while it is in use.
    fn delete(conn: &mut SqliteConnection, row: &Self::Row) -> Result<(), ApiError>;
}

/// `POST …` of a [`Writable`].
pub async fn create_from<R: Writable>(state: &AppState, input: R::Input) -> Result<HttpResponse, ApiError> {
    create::<R, _>(state, move |conn| {
        let fields = R::from_input(conn, None, input)?;
        Ok(R::insert(conn, &fields)?)
    })
    .await
}

/// `PUT …/{id}` of a [`Writable`].
pub async fn replace_with<R: Writable>(
    state: &AppState,
    id: i32,
    if_match: IfMatch,
    input: R::Input,
) -> Result<HttpResponse, ApiError> {
    let prepare = move |conn: &mut SqliteConnection, current: &R::Row| R::from_input(conn, Some(current), input);
    write::<R, _, _, _>(state, id, if_match, prepare, |conn, id, fields| R::update(conn, id, &fields)).await
}

/// `PATCH …/{id}` of a [`Writable`].
pub async fn update_with<R: Writable>(
    state: &AppState,
    id: i32,
    if_match: IfMatch,
    patch: R::Patch,
) -> Result<HttpResponse, ApiError> {
    let prepare = move |conn: &mut SqliteConnection, current: &R::Row| R::from_patch(conn, current, patch);
    write::<R, _, _, _>(state, id, if_match, prepare, |conn, id, fields| R::update(conn, id, &fields)).await
}

/// The documented handlers of a [`Writable`] resource: `GET /{plural}/{id}`,
/// `GET /{plural}/slug/{slug}` (any caller), and `POST`, `PUT`, `PATCH`, `DELETE`
/// (editor). Everything the spec says of them is given as literals. The calling
/// module imports actix-web's `get`, `post`, `put`, `patch` and `delete` (utoipa
/// recognises the route attributes by those names).
#[macro_export]
macro_rules! crud_routes {
    (
        resource: $ty:ty, input: $input:ty, patch: $patch:ty, tag: $tag:tt,
        paths: ($collection:tt, $item:tt, $by_slug:tt),
        id: $id_desc:tt, slug: ($slug_desc:tt, $slug_example:tt),
        found: ($found:tt, $no_id:tt, $no_slug:tt),
        docs: ($show_doc:tt, $by_slug_doc:tt, $create_doc:tt, $update_doc:tt),
        replace_doc: [$($replace_doc:tt),*], remove_doc: [$($remove_doc:tt),*],
        location: $location:tt, conflict: $conflict:tt, invalid: ($invalid_new:tt, $invalid_change:tt),
        remove_refusal: [$($refusal:tt)*]
    ) => {
        #[doc = $show_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = i32, Path, description = $id_desc, minimum = 1)),
            responses((status = 200, description = $found, body = $ty), (status = 404, description = $no_id))
        )]
        #[get($item)]
        pub async fn show(
            state: actix_web::web::Data<$crate::state::AppState>,
            _access: $crate::auth::Access,
            id: actix_web::web::Path<i32>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::resource::show::<$ty>(&state, id.into_inner()).await
        }

        #[doc = $by_slug_doc]
        #[utoipa::path(
            tag = $tag,
            params(("slug" = String, Path, description = $slug_desc, example = $slug_example)),
            responses((status = 200, description = $found, body = $ty), (status = 404, description = $no_slug))
        )]
        #[get($by_slug)]
        pub async fn show_by_slug(
            state: actix_web::web::Data<$crate::state::AppState>,
            _access: $crate::auth::Access,
            slug: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::resource::show_by_slug::<$ty>(&state, slug.into_inner()).await
        }

        #[doc = $create_doc]
        #[utoipa::path(
            tag = $tag,
            request_body = $input,
            security(("bearer" = [])),
            responses(
                (status = 201, description = "Created", body = $ty,
                    headers(("Location" = String, description = $location))),
                (status = 409, description = $conflict),
                (status = 422, description = $invalid_new),
            )
        )]
        #[post($collection)]
        pub async fn create(
            state: actix_web::web::Data<$crate::state::AppState>,
            _editor: $crate::auth::Editor,
            input: $crate::extract::ApiJson<$input>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::resource::create_from::<$ty>(&state, input.0).await
        }

        $(#[doc = $replace_doc])*
        #[utoipa::path(
            tag = $tag,
            params(("id" = i32, Path, description = $id_desc, minimum = 1)),
            request_body = $input,
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Replaced", body = $ty),
                (status = 404, description = $no_id),
                (status = 409, description = $conflict),
                (status = 422, description = $invalid_change),
            )
        )]
        #[put($item)]
        pub async fn replace(
            state: actix_web::web::Data<$crate::state::AppState>,
            _editor: $crate::auth::Editor,
            if_match: $crate::etag::IfMatch,
            id: actix_web::web::Path<i32>,
            input: $crate::extract::ApiJson<$input>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::resource::replace_with::<$ty>(&state, id.into_inner(), if_match, input.0).await
        }

        #[doc = $update_doc]
        #[utoipa::path(
            tag = $tag,
            params(("id" = i32, Path, description = $id_desc, minimum = 1)),
            request_body = $patch,
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Updated", body = $ty),
                (status = 404, description = $no_id),
                (status = 409, description = $conflict),
                (status = 422, description = $invalid_change),
            )
        )]
        #[patch($item)]
        pub async fn update(
            state: actix_web::web::Data<$crate::state::AppState>,
            _editor: $crate::auth::Editor,
            if_match: $crate::etag::IfMatch,
            id: actix_web::web::Path<i32>,
            input: $crate::extract::ApiJson<$patch>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::resource::update_with::<$ty>(&state, id.into_inner(), if_match, input.0).await
        }

        $(#[doc = $remove_doc])*
        #[utoipa::path(
            tag = $tag,
            params(("id" = i32, Path, description = $id_desc, minimum = 1)),
            security(("bearer" = [])),
            responses(
                (status = 204, description = "Deleted"),
                (status = 404, description = $no_id),
                $($refusal)*
            )
        )]
        #[delete($item)]
        pub async fn remove(
            state: actix_web::web::Data<$crate::state::AppState>,
            _editor: $crate::auth::Editor,
            if_match: $crate::etag::IfMatch,
            id: actix_web::web::Path<i32>,
        ) -> Result<actix_web::HttpResponse, $crate::error::ApiError> {
            $crate::routes::resource::remove::<$ty, _>(&state, id.into_inner(), if_match, |conn, row| {
                <$ty as $crate::routes::resource::Writable>::delete(conn, row)
            })
            .await
        }
    };
}
