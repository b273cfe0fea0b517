//! `/api/v1/authors`: author profiles ("Tác giả") that articles point to.

use actix_web::{delete, get, patch, post, put};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::articles::AuthorRef;
use super::resource::{check_named, slug_of, Resource, Tally, Writable};
use super::{counted, folded_prefix, Listing, PageParams, Paged};
use crate::db::authors::{self as store, AuthorFields, AuthorRow, MAX_AUTHOR_NAME};
use crate::db::Conn;
use crate::error::{ApiError, FieldError};
use crate::extract::double_option;
use crate::routes::Answer;
use crate::{db, text};

/// An author profile.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Author {
    /// Id, slug, name and photo: what an article shows of the author.
    #[serde(flatten)]
    pub head: AuthorRef,
    /// A few lines about the author.
    #[schema(required = true, example = "Phóng viên Ban Kinh tế.")]
    pub bio: Option<String>,
    /// Its use and history.
    #[serde(flatten)]
    pub tally: Tally,
}

impl Author {
    fn from_row(row: AuthorRow, article_count: i64) -> Self {
        let tally = Tally::of(&row, article_count);
        let AuthorFields { slug, name, bio, avatar_url, .. } = row.fields;
        Self { head: AuthorRef { id: row.id, slug, name, avatar_url }, bio, tally }
    }
}

impl Resource for Author {
    type Row = AuthorRow;
    const KIND: &'static str = "author";
    const LETTER: char = 'u';
    const PATH: &'static str = "/api/v1/authors";

    fn load(conn: &mut Conn, row: AuthorRow) -> Result<Self, ApiError> {
        let count = store::article_counts(conn, &[row.id], db::now())?.get(&row.id).copied().unwrap_or(0);
        Ok(Author::from_row(row, count))
    }

    fn id(&self) -> i32 {
        self.head.id
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

/// Filters of the author list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthorFilters {
    /// Name prefix, case- and diacritic-insensitive (`tran t` finds "Trần Thị Bình").
    #[param(max_length = 200, example = "tran t")]
    pub q: Option<String>,
}

/// Body of POST and PUT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Trần Thị Bình", "bio": "Phóng viên Ban Kinh tế.",
                          "avatar_url": "https://example.vn/tac-gia/tran-thi-binh.jpg"}))]
pub struct AuthorInput {
    /// Display name, at most 200 characters, not blank.
    #[schema(max_length = 200, pattern = r"[^\s\x1c-\x1f]")]
    pub name: String,
    /// Slug; generated from the name when absent (PUT keeps the current one).
    pub slug: Option<String>,
    /// At most 2,000 characters.
    #[schema(max_length = 2000)]
    pub bio: Option<String>,
    /// `http` or `https` URL, at most 2,000 characters.
    #[schema(max_length = 2000)]
    pub avatar_url: Option<String>,
}

/// Body of PATCH: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bio": null}))]
pub struct AuthorPatch {
    /// Display name; `null` leaves it unchanged.
    #[schema(max_length = 200, pattern = r"[^\s\x1c-\x1f]")]
    pub name: Option<String>,
    /// Slug; `null` leaves it unchanged.
    pub slug: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub bio: Option<Option<String>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub avatar_url: Option<Option<String>>,
}

/// List authors.
///
/// By name; `q` matches the start of the name, ignoring case and Vietnamese marks.
#[utoipa::path(
    tag = "authors",
    params(PageParams, AuthorFilters),
    responses(
        (status = 200, description = "A page of authors", body = Paged<Author>),
    )
)]
#[get("/authors")]
pub async fn list(list: Listing<AuthorFilters>) -> Answer {
    let prefix = folded_prefix(list.filters.q.as_deref(), MAX_AUTHOR_NAME)?;
    list.page_of(move |conn, offset, limit| {
        let (rows, total) = store::page(conn, prefix.as_deref(), offset, limit)?;
        let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
        let counts = store::article_counts(conn, &ids, db::now())?;
        Ok((counted(rows, &counts, Author::from_row), total))
    })
    .await
}

impl Writable for Author {
    type Input = AuthorInput;
    type Patch = AuthorPatch;

    fn patched(current: &AuthorRow, patch: AuthorPatch) -> AuthorInput {
        AuthorInput {
            name: patch.name.unwrap_or_else(|| current.name.clone()),
            slug: patch.slug,
            bio: patch.bio.unwrap_or_else(|| current.bio.clone()),
            avatar_url: patch.avatar_url.unwrap_or_else(|| current.avatar_url.clone()),
        }
    }

    fn check(conn: &mut Conn, current: Option<&AuthorRow>, input: AuthorInput) -> Result<AuthorFields, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let name =
            check_named(&mut errors, &input.name, MAX_AUTHOR_NAME, input.slug.as_deref(), &[("bio", &input.bio)]);
        if let Some(url) = &input.avatar_url {
            if !text::is_stored_url(url) {
                errors.push(FieldError::new("avatar_url", "must be an http or https URL of at most 2,000 characters"));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let slug = slug_of::<Author>(conn, current, input.slug, &name)?;
        Ok(AuthorFields { slug, name_folded: text::fold(&name), name, bio: input.bio, avatar_url: input.avatar_url })
    }

    /// Only an author no article points to can go.
    fn delete(conn: &mut Conn, row: &AuthorRow) -> Result<(), ApiError> {
        let used = store::articles_of(conn, row.id)?;
        if used > 0 {
            return Err(ApiError::Conflict(format!(
                "{used} article(s) still point to this author; change their author_id first"
            )));
        }
        store::delete(conn, row.id)?;
        Ok(())
    }
}

crate::crud_routes! {
    resource: Author, input: AuthorInput, patch: AuthorPatch, tag: "authors",
    paths: ("/authors", "/authors/{id}", "/authors/slug/{slug}"),
    id: "Author id", slug: ("Author slug", "tran-thi-binh"),
    found: "The author",
    docs: ("Get an author by id.", "Get an author by slug.", "Create an author.", "Update some fields of an author."),
    replace_doc: ["Replace an author.", "", "A full replace: absent `bio` and `avatar_url` are cleared; an absent `slug` stays."],
    remove_doc: [
        "Delete an author.",
        "",
        "Only an author no article points to (of any status, the trash included) can go;",
        "otherwise 409 saying how many."
    ],
    location: "URL of the new author", conflict: "The slug is taken",
    invalid: ("Invalid or unknown fields", "Invalid or unknown fields"),
    remove_refusal: [(status = 409, description = "Articles still point to the author")]
}
