//! Categories: a nested menu. Rows, queries and the tree rules (no cycles, no orphans).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::Conn;
use crate::error::ApiError;
use crate::schema::{articles, categories};

/// The writable fields of a category, after validation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = categories, treat_none_as_null = true)]
pub struct CategoryFields {
    /// Unique slug (already resolved).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Parent id.
    pub parent_id: Option<i32>,
    /// Menu order.
    pub position: i32,
}

/// Which categories a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentFilter {
    /// All of them.
    Any,
    /// Only top-level ones.
    TopLevel,
    /// Only children of this id.
    ChildrenOf(i32),
}

super::simple_store!(categories, CategoryRow, CategoryFields, "category");

/// One page of categories (by position, then name) and the total matching.
pub fn page(conn: &mut Conn, parent: ParentFilter, offset: i64, limit: i64) -> QueryResult<(Vec<CategoryRow>, i64)> {
    let filtered = || {
        let query = categories::table.into_boxed();
        match parent {
            ParentFilter::Any => query,
            ParentFilter::TopLevel => query.filter(categories::parent_id.is_null()),
            ParentFilter::ChildrenOf(id) => query.filter(categories::parent_id.eq(id)),
        }
    };
    let order = (categories::position, categories::name, categories::id);
    super::page_and_total!(conn, filtered(), order, CategoryRow, offset, limit)
}

/// Every category, in menu order.
pub fn all(conn: &mut Conn) -> QueryResult<Vec<CategoryRow>> {
    categories::table
        .order((categories::position, categories::name, categories::id))
        .select(CategoryRow::as_select())
        .load(conn)
}

/// Ids of the category with `slug` and its descendants, for "in this category" filters;
/// empty when no category has that slug (the filter then matches nothing).
pub fn subtree_of_slug(conn: &mut Conn, slug: &str) -> QueryResult<Vec<i32>> {
    match find_by_slug(conn, slug)? {
        Some(category) => with_descendants(conn, category.id),
        None => Ok(Vec::new()),
    }
}

/// Visible published articles in category `id` and its descendants.
pub fn article_count(conn: &mut Conn, id: i32, now: NaiveDateTime) -> QueryResult<i64> {
    let ids = with_descendants(conn, id)?;
    articles::table
        .filter(articles::status.eq("published"))
        .filter(articles::trashed_at.is_null())
        .filter(articles::published_at.le(now))
        .filter(articles::category_id.eq_any(ids))
        .count()
        .get_result(conn)
}

/// Every category's (id, parent id).
fn parent_links(conn: &mut Conn) -> QueryResult<Vec<(i32, Option<i32>)>> {
    categories::table.select((categories::id, categories::parent_id)).load(conn)
}

/// Ids of `root` and all its descendants.
pub fn with_descendants(conn: &mut Conn, root: i32) -> QueryResult<Vec<i32>> {
    let parents = parent_links(conn)?;
    let mut ids = vec![root];
    // Each category once, even if a cycle was written behind the API's back.
    let mut seen: std::collections::HashSet<i32> = ids.iter().copied().collect();
    let mut next = 0;
    while next < ids.len() {
        let current = ids[next];
        for (id, _) in parents.iter().filter(|(_, p)| *p == Some(current)) {
            if seen.insert(*id) {
                ids.push(*id);
            }
        }
        next += 1;
    }
    Ok(ids)
}

/// Visible published articles per category, each count including its descendants'
/// (so a menu count matches what `?category=` lists).
pub fn article_counts(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<HashMap<i32, i64>> {
    let direct: Vec<(Option<i32>, i64)> = articles::table
        .filter(articles::status.eq("published"))
        .filter(articles::trashed_at.is_null())
        .filter(articles::published_at.le(now))
        .filter(articles::category_id.is_not_null())
        .group_by(articles::category_id)
        .select((articles::category_id, count_star()))
        .load(conn)?;
    let parents: HashMap<i32, Option<i32>> = parent_links(conn)?.into_iter().collect();
    let mut totals: HashMap<i32, i64> = HashMap::new();
    for (category, count) in direct {
        let mut current = category;
        let mut hops = 0;
        while let Some(id) = current {
            *totals.entry(id).or_default() += count;
            current = parents.get(&id).copied().flatten();
            hops += 1;
            if hops > parents.len() {
                break;
            }
        }
    }
    Ok(totals)
}

/// Checks that `parent` exists and that making it the parent of `id` (None for a new
/// category) creates no cycle.
pub fn check_parent(conn: &mut Conn, id: Option<i32>, parent: i32) -> Result<(), ApiError> {
    if Some(parent) == id {
        return Err(ApiError::invalid("parent_id", "a category cannot be its own parent"));
    }
    let mut current = Some(parent);
    let mut seen = 0;
    while let Some(ancestor) = current {
        let row = find(conn, ancestor)?;
        let Some(row) = row else {
            return Err(ApiError::invalid("parent_id", format!("no category with id {ancestor}")));
        };
        if id.is_some() && row.parent_id == id {
            return Err(ApiError::invalid("parent_id", "this parent would make a cycle"));
        }
        current = row.parent_id;
        seen += 1;
        if seen > 10_000 {
            return Err(ApiError::invalid("parent_id", "this parent would make a cycle"));
        }
    }
    Ok(())
}

/// How many articles (any status) and child categories category `id` holds.
pub fn contents(conn: &mut Conn, id: i32) -> QueryResult<(i64, i64)> {
    let articles = articles::table.filter(articles::category_id.eq(id)).count().get_result(conn)?;
    let children = categories::table.filter(categories::parent_id.eq(id)).count().get_result(conn)?;
    Ok((articles, children))
}
