//! The full-text index `articles_fts`: folded title, summary and body text per article.

use diesel::prelude::*;
use diesel::sql_types::{Double, Integer, Text};

use super::articles::ArticleRow;
use crate::{html, text};

/// Column weights for bm25: title over summary over body.
const BM25: &str = "bm25(articles_fts, 10.0, 4.0, 1.0)";

/// (Re)indexes `row`.
pub fn index(conn: &mut SqliteConnection, row: &ArticleRow) -> QueryResult<()> {
    unindex(conn, row.id)?;
    diesel::sql_query("INSERT INTO articles_fts (rowid, title, summary, body) VALUES (?, ?, ?, ?)")
        .bind::<Integer, _>(row.id)
        .bind::<Text, _>(text::fold(&row.title))
        .bind::<Text, _>(text::fold(row.summary.as_deref().unwrap_or("")))
        .bind::<Text, _>(text::fold(&html::plain_text(&row.body)))
        .execute(conn)?;
    Ok(())
}

/// Removes article `id` from the index.
pub fn unindex(conn: &mut SqliteConnection, id: i32) -> QueryResult<()> {
    diesel::sql_query("DELETE FROM articles_fts WHERE rowid = ?").bind::<Integer, _>(id).execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Double)]
    rank: f64,
}

/// Every article matching the FTS5 expression `fts`, with its bm25 rank (lower is
/// more relevant).
pub fn matches(conn: &mut SqliteConnection, fts: &str) -> QueryResult<Vec<(i32, f64)>> {
    let hits: Vec<Hit> =
        diesel::sql_query(format!("SELECT rowid AS id, {BM25} AS rank FROM articles_fts WHERE articles_fts MATCH ?"))
            .bind::<Text, _>(fts)
            .load(conn)?;
    Ok(hits.into_iter().map(|h| (h.id, h.rank)).collect())
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Integer)]
    id: i32,
}

/// Indexes articles the index lacks (after the migration that adds it); returns how
/// many.
pub fn index_missing(conn: &mut SqliteConnection) -> QueryResult<usize> {
    let missing: Vec<Id> =
        diesel::sql_query("SELECT id FROM articles WHERE id NOT IN (SELECT rowid FROM articles_fts)").load(conn)?;
    for Id { id } in &missing {
        if let Some(row) = super::articles::find(conn, *id)? {
            index(conn, &row)?;
        }
    }
    Ok(missing.len())
}
