//! Tags: flat labels, attached to articles through `article_tags`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sql, AsExprOf};
use diesel::expression::{SqlLiteral, UncheckedBind};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};

use super::Conn;
use crate::error::{ApiError, FieldError};
use crate::schema::{article_tags, articles, tags};
use crate::text;

/// The writable fields of a tag, after validation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tags, treat_none_as_null = true)]
pub struct TagFields {
    /// Unique slug (already resolved).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Folded name for prefix search.
    pub name_folded: String,
    /// Optional description.
    pub description: Option<String>,
}

/// How a tag list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOrder {
    /// By name, A to Z.
    Name,
    /// Most used first, then by name.
    MostUsed,
}

type VisibleCount = SqlLiteral<BigInt, UncheckedBind<SqlLiteral<BigInt>, AsExprOf<NaiveDateTime, Timestamp>>>;

/// Counts the visible published articles of the tag in the current row.
fn visible_count(now: NaiveDateTime) -> VisibleCount {
    sql::<BigInt>(
        "(SELECT COUNT(*) FROM article_tags at JOIN articles a ON a.id = at.article_id \
         WHERE at.tag_id = tags.id AND a.status = 'published' AND a.trashed_at IS NULL AND a.published_at <= ",
    )
    .bind::<Timestamp, _>(now)
    .sql(")")
}

super::simple_store!(tags, TagRow, TagFields, "tag");

/// One page of tags whose folded name starts with `prefix` (folded already), and the
/// total matching.
pub fn page(
    conn: &mut Conn,
    prefix: Option<&str>,
    order: TagOrder,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<(TagRow, i64)>, i64)> {
    let (low, high) = super::prefix_range(prefix);
    let filtered = || tags::table.filter(tags::name_folded.between(low.clone(), high.clone())).into_boxed();
    let total = filtered().count().get_result(conn)?;
    let count = visible_count(now);
    let query = filtered().select((TagRow::as_select(), count.clone()));
    let query = match order {
        TagOrder::Name => query.order((tags::name_folded, tags::name, tags::id)),
        TagOrder::MostUsed => query.order((count.desc(), tags::name_folded, tags::id)),
    };
    let rows = query.offset(offset).limit(limit).load(conn)?;
    Ok((rows, total))
}

/// Ids of the tags with these slugs (unknown slugs are skipped).
pub fn ids_of_slugs(conn: &mut Conn, slugs: &[String]) -> QueryResult<Vec<i32>> {
    tags::table.filter(tags::slug.eq_any(slugs)).select(tags::id).load(conn)
}

/// The tag named `name` (compared after folding case and marks), other than `except`.
pub fn find_by_name(conn: &mut Conn, name: &str, except: Option<i32>) -> QueryResult<Option<TagRow>> {
    let candidates: Vec<TagRow> =
        tags::table.filter(tags::name_folded.eq(crate::text::fold(name))).select(TagRow::as_select()).load(conn)?;
    let lower = name.to_lowercase();
    Ok(candidates.into_iter().find(|tag| Some(tag.id) != except && tag.name.to_lowercase() == lower))
}

/// Visible published articles carrying each of `ids`.
pub fn article_counts(conn: &mut Conn, ids: &[i32], now: NaiveDateTime) -> QueryResult<HashMap<i32, i64>> {
    let counts: Vec<(i32, i64)> = article_tags::table
        .inner_join(articles::table)
        .filter(article_tags::tag_id.eq_any(ids))
        .filter(articles::status.eq("published"))
        .filter(articles::trashed_at.is_null())
        .filter(articles::published_at.le(now))
        .group_by(article_tags::tag_id)
        .select((article_tags::tag_id, count_star()))
        .load(conn)?;
    Ok(counts.into_iter().collect())
}

/// A free slug for a new tag named `name` (`-2`, `-3`, ... on collision).
pub fn unique_slug(conn: &mut Conn, name: &str) -> QueryResult<String> {
    text::first_free_slug(&text::slugify(name, "tag"), |c| slug_taken(conn, c, None))
}

/// Longest tag name.
pub const MAX_TAG_NAME: usize = 100;

/// The ids of the tags named (or slugged) in `names`, creating unknown ones; in the
/// caller's transaction. A name matches a tag by slug, then by name ignoring case, then
/// by the slug it would get; duplicates collapse.
pub fn find_or_create_all(conn: &mut Conn, names: &[String]) -> Result<Vec<i32>, ApiError> {
    let mut errors = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name.chars().count() > MAX_TAG_NAME || crate::text::trim(name).is_empty() {
            errors.push(FieldError::new(format!("tags[{i}]"), format!("must be 1 to {MAX_TAG_NAME} characters")));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let name = crate::text::trim(name);
        let existing = match find_by_slug(conn, name)? {
            Some(tag) => Some(tag),
            None => match find_by_name(conn, name, None)? {
                Some(tag) => Some(tag),
                None => find_by_slug(conn, &text::slugify(name, "tag"))?,
            },
        };
        let id = match existing {
            Some(tag) => tag.id,
            None => {
                let fields = TagFields {
                    slug: unique_slug(conn, name)?,
                    name: name.to_owned(),
                    name_folded: text::fold(name),
                    description: None,
                };
                insert(conn, &fields)?.id
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}
