//! The handler shape shared by the simple resources (categories, tags, authors):
//! find-or-404 by id and by slug, writes in one immediate transaction that honour
//! `If-Match`, and answers with `ETag` and `Last-Modified`. A resource's own file
//! keeps only its fields, rules and queries.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde::Serialize;
use utoipa::ToSchema;

use super::{resolve_slug, tagged, Answer};
use crate::db::Conn;
use crate::db::{self, Stored};
use crate::error::ApiError;
use crate::error::FieldError;
use crate::etag::IfMatch;
use crate::extract::check_len;
use crate::state::AppState;
use crate::text;

/// What a category, tag or author shows of its use and history; with its id, what its
/// `ETag` and `Last-Modified` are made of.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tally {
    /// Visible published articles: in the category and its descendants, carrying the
    /// tag, or by the author.
    #[schema(example = 42)]
    pub article_count: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Content version, for the ETag.
    #[serde(skip)]
    pub version: i32,
}

impl Tally {
    /// The tally of `row`, which `article_count` visible articles use.
    pub fn of(row: &impl Stored, article_count: i64) -> Self {
        let (created_at, updated_at) = row.times();
        Tally {
            article_count,
            created_at: created_at.and_utc(),
            updated_at: updated_at.and_utc(),
            version: row.version(),
        }
    }
}

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
    fn load(conn: &mut Conn, row: Self::Row) -> Result<Self, ApiError>;
    /// Its id.
    fn id(&self) -> i32;
    /// Its use and history.
    fn tally(&self) -> &Tally;

    /// Its ETag: `W/"{LETTER}{id}-v{version}.{article_count}"`.
    fn etag(&self) -> String {
        let tally = self.tally();
        crate::etag::resource(Self::LETTER, self.id(), tally.version, tally.article_count)
    }

    /// Its last change.
    fn updated_at(&self) -> DateTime<Utc> {
        self.tally().updated_at
    }

    /// The answer carrying it, with its `ETag` and `Last-Modified`.
    fn answer(&self, status: StatusCode) -> HttpResponse {
        tagged(status, self.etag(), self.updated_at(), self)
    }
}

/// The row with `id`, or a 404 naming it.
pub fn found<R: Resource>(conn: &mut Conn, id: i32) -> Result<R::Row, ApiError> {
    R::Row::find(conn, id)?.ok_or_else(|| ApiError::not_found(R::KIND, format!("id {id}")))
}

/// What a single resource is found by in its URL.
#[derive(Debug, Clone)]
pub enum Key {
    Id(i32),
    Slug(String),
}

impl From<i32> for Key {
    fn from(id: i32) -> Self {
        Key::Id(id)
    }
}

impl From<String> for Key {
    fn from(slug: String) -> Self {
        Key::Slug(slug)
    }
}

/// `GET …/{id}` and `GET …/slug/{slug}`.
pub async fn show<R: Resource>(state: &AppState, key: impl Into<Key>) -> Answer {
    let key = key.into();
    let item = db::run(&state.pool, move |conn| {
        let (row, named) = match &key {
            Key::Id(id) => (R::Row::find(conn, *id)?, format!("id {id}")),
            Key::Slug(slug) => (R::Row::find_by_slug(conn, slug)?, format!("slug '{slug}'")),
        };
        R::load(conn, row.ok_or_else(|| ApiError::not_found(R::KIND, named))?)
    })
    .await?;
    Ok(item.answer(StatusCode::OK))
}

/// `POST …`: `insert` runs in an immediate transaction; 201 with `Location`.
pub async fn create<R, F>(state: &AppState, insert: F) -> Answer
where
    R: Resource,
    F: FnOnce(&mut Conn) -> Result<R::Row, ApiError> + Send + 'static,
{
    let item = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let row = insert(conn)?;
            let item = R::load(conn, row)?;
            changed(conn, item, "created")
        })
    })
    .await?;
    let mut response = item.answer(StatusCode::CREATED);
    if let Ok(location) = header::HeaderValue::from_str(&format!("{}/{}", R::PATH, item.id())) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Queues `{KIND}.{what}` with `item` for the webhooks (in the write's transaction)
/// and hands `item` back.
fn changed<R: Resource>(conn: &mut Conn, item: R, what: &str) -> Result<R, ApiError> {
    crate::webhooks::emit(conn, &format!("{}.{what}", R::KIND), &item)?;
    Ok(item)
}

/// `PUT`/`PATCH …/{id}`, in one immediate transaction: `prepare` checks the new
/// fields against the current row (a 422 comes before a 412), then `If-Match` is
/// checked, then `store` writes them.
pub async fn write<R, T, P, S>(state: &AppState, id: i32, if_match: IfMatch, prepare: P, store: S) -> Answer
where
    R: Resource,
    P: FnOnce(&mut Conn, &R::Row) -> Result<T, ApiError> + Send + 'static,
    S: FnOnce(&mut Conn, i32, T) -> QueryResult<R::Row> + Send + 'static,
{
    let item = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let current = found::<R>(conn, id)?;
            let fields = prepare(conn, &current)?;
            if_match.check(R::LETTER, id, current.version())?;
            let row = store(conn, id, fields)?;
            let item = R::load(conn, row)?;
            changed(conn, item, "updated")
        })
    })
    .await?;
    Ok(item.answer(StatusCode::OK))
}

/// `DELETE …/{id}`, in one immediate transaction: `If-Match` first, then `delete`
/// (which may refuse, e.g. with a 409).
pub async fn remove<R, D>(state: &AppState, id: i32, if_match: IfMatch, delete: D) -> Answer
where
    R: Resource,
    D: FnOnce(&mut Conn, &R::Row) -> Result<(), ApiError> + Send + 'static,
{
    db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let current = found::<R>(conn, id)?;
            if_match.check(R::LETTER, id, current.version())?;
            delete(conn, &current)?;
            crate::webhooks::emit(conn, &format!("{}.deleted", R::KIND), &crate::webhooks::Deleted { id })?;
            Ok::<_, ApiError>(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Checks the fields every simple resource has: `name` (not blank, at most `max`
/// characters), an explicit `slug`, and each optional text of `texts` (at most 2,000
/// characters). Problems go to `errors`; answers the trimmed name.
pub fn check_named(
    errors: &mut Vec<FieldError>,
    name: &str,
    max: usize,
    slug: Option<&str>,
    texts: &[(&str, &Option<String>)],
) -> String {
    check_len(errors, "name", name, true, max);
    for (field, value) in texts {
        if let Some(value) = value {
            check_len(errors, field, value, false, 2000);
        }
    }
    if let Some(problem) = slug.and_then(text::slug_problem) {
        errors.push(FieldError::new("slug", problem));
    }
    text::trim(name).to_owned()
}

/// The slug a write of `R` ends up with (see [`resolve_slug`]): `explicit`, else the
/// current row's, else one made from `name`.
pub fn slug_of<R: Resource>(
    conn: &mut Conn,
    current: Option<&R::Row>,
    explicit: Option<String>,
    name: &str,
) -> Result<String, ApiError> {
    let id = current.map(Stored::id);
    resolve_slug(explicit, current.map(Stored::slug), name, R::KIND, |s| R::Row::slug_taken(conn, s, id))
}

/// The checked fields of resource `R`, ready to store.
pub type Fields<R> = <<R as Resource>::Row as Stored>::Fields;

/// A resource written through the API: its bodies, how they become checked fields,
/// and how they are stored. [`crud_routes!`] makes its handlers from this.
pub trait Writable: Resource {
    /// Body of POST and PUT.
    type Input: serde::de::DeserializeOwned + Send + 'static;
    /// Body of PATCH.
    type Patch: serde::de::DeserializeOwned + Send + 'static;

    /// `patch` applied to `current`: the body a PUT would send for the same result.
    fn patched(current: &Self::Row, patch: Self::Patch) -> Self::Input;
    /// Checks `input` (replacing `current`, when given) and resolves its slug: 422
    /// listing every invalid field, 409 for a taken slug or name.
    fn check(conn: &mut Conn, current: Option<&Self::Row>, input: Self::Input) -> Result<Fields<Self>, ApiError>;
    /// Deletes `row`, or refuses (409) while it is in use.
    fn delete(conn: &mut Conn, row: &Self::Row) -> Result<(), ApiError>;
}

/// `POST …` of a [`Writable`].
pub async fn create_from<R: Writable>(state: &AppState, input: R::Input) -> Answer {
    create::<R, _>(state, move |conn| {
        let fields = R::check(conn, None, input)?;
        Ok(R::Row::insert(conn, &fields)?)
    })
    .await
}

/// `PUT …/{id}` of a [`Writable`].
pub async fn replace_with<R: Writable>(state: &AppState, id: i32, if_match: IfMatch, input: R::Input) -> Answer {
    let prepare = move |conn: &mut Conn, current: &R::Row| R::check(conn, Some(current), input);
    write::<R, _, _, _>(state, id, if_match, prepare, |conn, id, fields| R::Row::update(conn, id, &fields)).await
}

/// `PATCH …/{id}` of a [`Writable`].
pub async fn update_with<R: Writable>(state: &AppState, id: i32, if_match: IfMatch, patch: R::Patch) -> Answer {
    let prepare = move |conn: &mut Conn, current: &R::Row| R::check(conn, Some(current), R::patched(current, patch));
    write::<R, _, _, _>(state, id, if_match, prepare, |conn, id, fields| R::Row::update(conn, id, &fields)).await
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
        found: $found:tt,
        docs: ($show_doc:tt, $by_slug_doc:tt, $create_doc:tt, $update_doc:tt),
        replace_doc: [$($replace_doc:tt),*], remove_doc: [$($remove_doc:tt),*],
        location: $location:tt, conflict: $conflict:tt, invalid: ($invalid_new:tt, $invalid_change:tt),
        remove_refusal: [$($refusal:tt)*]
    ) => {
        $crate::crud_routes! { @show show, $show_doc, $item, i32,
            ("id" = i32, Path, description = $id_desc, minimum = 1), $ty, $tag, $found }
        $crate::crud_routes! { @show show_by_slug, $by_slug_doc, $by_slug, String,
            ("slug" = String, Path, description = $slug_desc, example = $slug_example), $ty, $tag, $found }

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
            state: $crate::routes::State,
            _editor: $crate::auth::Editor,
            input: $crate::extract::ApiJson<$input>,
        ) -> $crate::routes::Answer {
            $crate::routes::resource::create_from::<$ty>(&state, input.0).await
        }

        $crate::crud_routes! { @write replace, put, "Replaced", $input, replace_with,
            [$($replace_doc),*], $ty, $tag, $item, $id_desc, $conflict, $invalid_change }
        $crate::crud_routes! { @write update, patch, "Updated", $patch, update_with,
            [$update_doc], $ty, $tag, $item, $id_desc, $conflict, $invalid_change }

        $(#[doc = $remove_doc])*
        #[utoipa::path(
            tag = $tag,
            params(("id" = i32, Path, description = $id_desc, minimum = 1)),
            security(("bearer" = [])),
            responses(
                (status = 204, description = "Deleted"),
                $($refusal)*
            )
        )]
        #[delete($item)]
        pub async fn remove(
            state: $crate::routes::State,
            _editor: $crate::auth::Editor,
            if_match: $crate::etag::IfMatch,
            id: actix_web::web::Path<i32>,
        ) -> $crate::routes::Answer {
            $crate::routes::resource::remove::<$ty, _>(&state, id.into_inner(), if_match, |conn, row| {
                <$ty as $crate::routes::resource::Writable>::delete(conn, row)
            })
            .await
        }
    };
    // `GET` of one resource by its id or slug (`$key`).
    (@show $name:ident, $doc:tt, $route:tt, $key:ty, $param:tt, $ty:ty, $tag:tt, $found:tt) => {
        #[doc = $doc]
        #[utoipa::path(tag = $tag, params($param), responses((status = 200, description = $found, body = $ty)))]
        #[get($route)]
        pub async fn $name(
            state: $crate::routes::State,
            _access: $crate::auth::Access,
            key: actix_web::web::Path<$key>,
        ) -> $crate::routes::Answer {
            $crate::routes::resource::show::<$ty>(&state, key.into_inner()).await
        }
    };
    // `PUT` (`replace_with`) or `PATCH` (`update_with`) of one resource.
    (
        @write $name:ident, $method:ident, $done:tt, $body:ty, $with:ident, [$($doc:tt),*],
        $ty:ty, $tag:tt, $item:tt, $id_desc:tt, $conflict:tt, $invalid:tt
    ) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            tag = $tag,
            params(("id" = i32, Path, description = $id_desc, minimum = 1)),
            request_body = $body,
            security(("bearer" = [])),
            responses(
                (status = 200, description = $done, body = $ty),
                (status = 409, description = $conflict),
                (status = 422, description = $invalid),
            )
        )]
        #[$method($item)]
        pub async fn $name(
            state: $crate::routes::State,
            _editor: $crate::auth::Editor,
            if_match: $crate::etag::IfMatch,
            id: actix_web::web::Path<i32>,
            input: $crate::extract::ApiJson<$body>,
        ) -> $crate::routes::Answer {
            $crate::routes::resource::$with::<$ty>(&state, id.into_inner(), if_match, input.0).await
        }
    };
}
