//! Authors: profiles ("Tác giả") that articles point to with `author_id`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::Conn;
use crate::schema::{articles, authors};

/// The writable fields of an author, after validation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = authors, treat_none_as_null = true)]
pub struct AuthorFields {
    pub slug: String,
    pub name: String,
    /// Folded name for prefix search.
    pub name_folded: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

/// Longest author name.
pub const MAX_AUTHOR_NAME: usize = 200;

super::simple_store!(authors, AuthorRow, AuthorFields, "author");

/// One page of authors whose folded name starts with `prefix` (folded already), by
/// name, and the total matching.
pub fn page(conn: &mut Conn, prefix: Option<&str>, offset: i64, limit: i64) -> QueryResult<(Vec<AuthorRow>, i64)> {
    let (low, high) = super::prefix_range(prefix);
    let query = authors::table.filter(authors::name_folded.between(low, high));
    let order = (authors::name_folded, authors::name, authors::id);
    super::page_and_total!(conn, query.clone(), order, AuthorRow, offset, limit)
}

/// Visible published articles of each of `ids`.
pub fn article_counts(conn: &mut Conn, ids: &[i32], now: NaiveDateTime) -> QueryResult<HashMap<i32, i64>> {
    let counts: Vec<(Option<i32>, i64)> = articles::table
        .filter(articles::author_id.eq_any(ids))
        .filter(articles::status.eq("published"))
        .filter(articles::published_at.le(now))
        .filter(articles::trashed_at.is_null())
        .group_by(articles::author_id)
        .select((articles::author_id, count_star()))
        .load(conn)?;
    Ok(counts.into_iter().filter_map(|(id, n)| Some((id?, n))).collect())
}

/// Articles of any status (the trash included) pointing to author `id`.
pub fn articles_of(conn: &mut Conn, id: i32) -> QueryResult<i64> {
    articles::table.filter(articles::author_id.eq(id)).count().get_result(conn)
}
