//! `/api/v1/tags`: flat labels on articles.

use actix_web::{delete, get, patch, post, put};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::articles::TagRef;
use super::resource::{check_named, slug_of, Resource, Tally, Writable};
use super::{folded_prefix, Listing, PageParams, Paged};
use crate::db::tags::{self as store, TagFields, TagOrder, TagRow, MAX_TAG_NAME};
use crate::db::Conn;
use crate::error::{ApiError, FieldError};
use crate::extract::double_option;
use crate::routes::Answer;
use crate::{db, text};

/// A tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    /// Id, slug and name: what an article shows of it.
    #[serde(flatten)]
    pub head: TagRef,
    /// Description, if any.
    #[schema(required = true)]
    pub description: Option<String>,
    /// Its use and history.
    #[serde(flatten)]
    pub tally: Tally,
}

impl Tag {
    fn from_row(row: TagRow, article_count: i64) -> Self {
        let tally = Tally::of(&row, article_count);
        let head = TagRef { id: row.id, slug: row.fields.slug, name: row.fields.name };
        Self { head, description: row.fields.description, tally }
    }
}

impl Resource for Tag {
    type Row = TagRow;
    const KIND: &'static str = "tag";
    const LETTER: char = 't';
    const PATH: &'static str = "/api/v1/tags";

    fn load(conn: &mut Conn, row: TagRow) -> Result<Self, ApiError> {
        let counts = store::article_counts(conn, &[row.id], db::now())?;
        let count = counts.get(&row.id).copied().unwrap_or(0);
        Ok(Tag::from_row(row, count))
    }

    fn id(&self) -> i32 {
        self.head.id
    }

    fn tally(&self) -> &Tally {
        &self.tally
    }
}

/// Filters of the tag list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagFilters {
    /// Name prefix, case- and diacritic-insensitive (`thi d` finds "Thi đua"), for
    /// autocomplete.
    #[param(max_length = 100, example = "thi d")]
    pub q: Option<String>,
    /// `name` (default) or `-article_count` (most used first).
    #[param(inline)]
    pub sort: Option<TagSort>,
}

/// The sorts of the tag list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum TagSort {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-article_count")]
    MostUsed,
}

/// Body of POST and PUT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Thi đua", "description": "Phong trào thi đua yêu nước"}))]
pub struct TagInput {
    /// Display name, at most 100 characters, not blank, unique ignoring case (409).
    #[schema(max_length = 100, pattern = r"[^\s\x1c-\x1f]")]
    pub name: String,
    /// Slug; generated from the name when absent (PUT keeps the current one).
    pub slug: Option<String>,
    /// Description, at most 2,000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

/// Body of PATCH: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": null}))]
pub struct TagPatch {
    /// Display name, at most 100 characters, not blank; `null` leaves it unchanged.
    #[schema(max_length = 100, pattern = r"[^\s\x1c-\x1f]")]
    pub name: Option<String>,
    /// Slug; `null` leaves it unchanged.
    pub slug: Option<String>,
    /// Description; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
}

/// List tags.
///
/// `q` matches the start of the name, ignoring case and Vietnamese marks, for
/// autocomplete.
#[utoipa::path(
    tag = "tags",
    params(PageParams, TagFilters),
    responses(
        (status = 200, description = "A page of tags", body = Paged<Tag>),
    )
)]
#[get("/tags")]
pub async fn list(list: Listing<TagFilters>) -> Answer {
    let order = match list.filters.sort {
        None | Some(TagSort::Name) => TagOrder::Name,
        Some(TagSort::MostUsed) => TagOrder::MostUsed,
    };
    let prefix = folded_prefix(list.filters.q.as_deref(), MAX_TAG_NAME)?;
    list.page_of(move |conn, offset, limit| {
        let (rows, total) = store::page(conn, prefix.as_deref(), order, db::now(), offset, limit)?;
        Ok((rows.into_iter().map(|(row, count)| Tag::from_row(row, count)).collect(), total))
    })
    .await
}

impl Writable for Tag {
    type Input = TagInput;
    type Patch = TagPatch;

    fn patched(current: &TagRow, patch: TagPatch) -> TagInput {
        TagInput {
            name: patch.name.unwrap_or_else(|| current.name.clone()),
            slug: patch.slug,
            description: patch.description.unwrap_or_else(|| current.description.clone()),
        }
    }

    /// Also 409 when another tag has the name, ignoring case.
    fn check(conn: &mut Conn, current: Option<&TagRow>, input: TagInput) -> Result<TagFields, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let texts = [("description", &input.description)];
        let name = check_named(&mut errors, &input.name, MAX_TAG_NAME, input.slug.as_deref(), &texts);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        if let Some(other) = store::find_by_name(conn, &name, current.map(|row| row.id))? {
            return Err(ApiError::Conflict(format!("a tag named '{}' already exists (id {})", other.name, other.id)));
        }
        let slug = slug_of::<Tag>(conn, current, input.slug, &name)?;
        Ok(TagFields { slug, name_folded: text::fold(&name), name, description: input.description })
    }

    /// The tag is detached from its articles, which stay.
    fn delete(conn: &mut Conn, row: &TagRow) -> Result<(), ApiError> {
        store::delete(conn, row.id)?;
        Ok(())
    }
}

crate::crud_routes! {
    resource: Tag, input: TagInput, patch: TagPatch, tag: "tags",
    paths: ("/tags", "/tags/{id}", "/tags/slug/{slug}"),
    id: "Tag id", slug: ("Tag slug", "thi-dua"),
    found: "The tag",
    docs: ("Get a tag by id.", "Get a tag by slug.", "Create a tag.", "Update some fields of a tag."),
    replace_doc: ["Replace a tag.", "", "A full replace: an absent `description` is cleared; an absent `slug` stays."],
    remove_doc: ["Delete a tag.", "", "The tag is detached from its articles, which stay."],
    location: "URL of the new tag", conflict: "The name or slug is taken",
    invalid: ("Invalid or unknown fields", "Invalid or unknown fields"),
    remove_refusal: []
}
