//! What feeds and sitemaps read: visible articles only (published, `published_at <=
//! now`, not in the trash), and of them only the columns each document shows.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamp};
use serde::Deserialize;

use super::articles::{self, ListFilter, SortField};
use super::sql::with_list;
use super::{Conn, Dialect};
use crate::feeds::{ArticleLink, FeedArticle};
use crate::schema::{articles as a, categories};

/// Whether the article in the row is visible at `now`: published, due and not in the trash.
#[diesel::dsl::auto_type]
fn visible_at(now: NaiveDateTime) -> _ {
    a::status.eq("published").and(a::trashed_at.is_null()).and(a::published_at.le(now))
}

/// A name in the JSON of [`articles::Loaded`].
#[derive(Deserialize)]
struct Named {
    slug: String,
    name: String,
}

/// The `limit` newest articles `filter` admits (what the public sees), with bodies,
/// category and tag names: one query for the page (the list's own), one for bodies.
pub fn newest(conn: &mut Conn, filter: &ListFilter, limit: i64) -> QueryResult<Vec<FeedArticle>> {
    let page = articles::page(conn, filter, (SortField::PublishedAt, true), 0, None, limit)?;
    let ids: Vec<i32> = page.iter().map(|loaded| loaded.article.id).collect();
    let mut bodies: HashMap<i32, String> = a::table
        .filter(with_list("articles.id", &ids, ""))
        .select((a::id, a::body))
        .load::<(i32, String)>(conn)?
        .into_iter()
        .collect();
    Ok(page
        .into_iter()
        .filter_map(|loaded| {
            let row = loaded.article;
            let category = loaded.category_json.and_then(|json| serde_json::from_str::<Named>(&json).ok());
            let tags =
                loaded.tags_json.and_then(|json| serde_json::from_str::<Vec<Named>>(&json).ok()).unwrap_or_default();
            Some(FeedArticle {
                id: row.id,
                body: bodies.remove(&row.id).unwrap_or_default(),
                published_at: row.fields.published_at?,
                updated_at: row.updated_at,
                slug: row.fields.slug,
                title: row.fields.title,
                summary: row.fields.summary,
                author: row.fields.author,
                category: category.map(|c| (c.slug, c.name)),
                tags: tags.into_iter().map(|t| t.name).collect(),
                cover_image_url: row.fields.cover_image_url,
            })
        })
        .collect())
}

/// One article sitemap file: how many URLs it holds and when the newest of them changed.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct ArticleFile {
    /// Articles in the file.
    #[diesel(sql_type = BigInt)]
    pub urls: i64,
    /// The latest change (edit or publication) of its articles.
    #[diesel(sql_type = Timestamp)]
    pub lastmod: NaiveDateTime,
}

/// The article sitemap files at `now`, in order: the visible articles by id, cut into
/// files of `per_file`. One query; it reads the articles' times only.
pub fn article_files(conn: &mut Conn, now: NaiveDateTime, per_file: i64) -> QueryResult<Vec<ArticleFile>> {
    let d = conn.dialect();
    // The later of two times: SQLite's scalar MAX is PostgreSQL's GREATEST.
    let later = match d {
        Dialect::Sqlite => "MAX(updated_at, published_at)",
        Dialect::Pg => "GREATEST(updated_at, published_at)",
    };
    diesel::sql_query(d.params(&format!(
        "SELECT COUNT(*) AS urls, MAX(modified) AS lastmod FROM ( \
             SELECT (ROW_NUMBER() OVER (ORDER BY id) - 1) / ?2 AS file, {later} AS modified \
             FROM articles \
             WHERE status = 'published' AND trashed_at IS NULL AND published_at <= ?1 \
         ) visible GROUP BY file ORDER BY file"
    )))
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(per_file)
    .load(conn)
}

/// What a visible article's public URL is made of (articles left-joined to categories).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a, check_for_backend(crate::db::MultiBackend))]
pub struct ArticleLinkRow {
    /// Article id.
    pub id: i32,
    /// Article slug.
    pub slug: String,
    /// Its category's slug, if it has one.
    #[diesel(select_expression = categories::slug.nullable())]
    pub category: Option<String>,
    /// When it was published (UTC).
    #[diesel(select_expression = a::published_at.assume_not_null())]
    pub published_at: NaiveDateTime,
}

impl ArticleLinkRow {
    /// What its URL is made of.
    pub fn link(&self) -> ArticleLink<'_> {
        ArticleLink {
            id: self.id,
            slug: &self.slug,
            category: self.category.as_deref(),
            published_at: self.published_at,
        }
    }
}

/// An article as sitemaps show it: where it is and when it changed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a, check_for_backend(crate::db::MultiBackend))]
pub struct SitemapArticle {
    /// Where it is.
    #[diesel(embed)]
    pub at: ArticleLinkRow,
    /// When its content last changed (UTC).
    pub updated_at: NaiveDateTime,
}

impl SitemapArticle {
    /// Its last edit, or its publication when that came later.
    pub fn modified(&self) -> NaiveDateTime {
        self.updated_at.max(self.at.published_at)
    }
}

/// The visible articles at `now` by id, `limit` of them after `offset`, read one row
/// at a time (a file of 50,000 is never all in memory as rows).
pub fn article_file(
    conn: &mut Conn,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<impl Iterator<Item = QueryResult<SitemapArticle>> + '_> {
    a::table
        .left_join(categories::table)
        .filter(visible_at(now))
        .order(a::id)
        .offset(offset)
        .limit(limit)
        .select(SitemapArticle::as_select())
        .load_iter::<SitemapArticle, DefaultLoadingMode>(conn)
}

/// A category page in the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryPage {
    /// Its slug.
    pub slug: String,
    /// Its last change, or that of the newest visible article in it or below it.
    pub lastmod: NaiveDateTime,
}

/// Every category with its last change (its own, or that of a visible article in it
/// or a descendant), in menu order, and the last change of any visible article (the
/// home page's).
pub fn category_pages(conn: &mut Conn, now: NaiveDateTime) -> QueryResult<(Vec<CategoryPage>, Option<NaiveDateTime>)> {
    let rows: Vec<(i32, String, Option<i32>, NaiveDateTime)> = categories::table
        .order((categories::position, categories::name, categories::id))
        .select((categories::id, categories::slug, categories::parent_id, categories::updated_at))
        .load(conn)?;
    let latest: Vec<(Option<i32>, Option<NaiveDateTime>, Option<NaiveDateTime>)> = a::table
        .filter(visible_at(now))
        .group_by(a::category_id)
        .select((a::category_id, diesel::dsl::max(a::updated_at), diesel::dsl::max(a::published_at)))
        .load(conn)?;
    let parents: HashMap<i32, Option<i32>> = rows.iter().map(|(id, _, parent, _)| (*id, *parent)).collect();
    let mut newest: HashMap<i32, NaiveDateTime> = HashMap::new();
    let mut home: Option<NaiveDateTime> = None;
    for (category, updated, published) in latest {
        let Some(changed) = updated.max(published) else { continue };
        home = home.max(Some(changed));
        let mut current = category;
        // Each ancestor once, even if a cycle was written behind the API's back.
        for _ in 0..=parents.len() {
            let Some(id) = current else { break };
            let at = newest.entry(id).or_insert(changed);
            *at = (*at).max(changed);
            current = parents.get(&id).copied().flatten();
        }
    }
    let pages = rows
        .into_iter()
        .map(|(id, slug, _, updated)| CategoryPage {
            lastmod: newest.get(&id).map_or(updated, |at| updated.max(*at)),
            slug,
        })
        .collect();
    Ok((pages, home))
}

/// An article of the news sitemap.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = a, check_for_backend(crate::db::MultiBackend))]
pub struct NewsArticle {
    /// Where it is.
    #[diesel(embed)]
    pub at: ArticleLinkRow,
    /// Headline.
    pub title: String,
}

/// The visible articles published after `since` (and by `now`), newest first, at most `limit`.
pub fn news(conn: &mut Conn, now: NaiveDateTime, since: NaiveDateTime, limit: i64) -> QueryResult<Vec<NewsArticle>> {
    a::table
        .left_join(categories::table)
        .filter(visible_at(now))
        .filter(a::published_at.gt(since))
        .order((a::published_at.desc(), a::id.desc()))
        .limit(limit)
        .select(NewsArticle::as_select())
        .load(conn)
}
