//! What the search index follows: the ordered change table `search_changes`, and the
//! articles (with their tag ids) that the indexer turns into documents.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::articles::ArticleRow;
use super::{Conn, Dialect};
use crate::schema::{article_tags, articles, search_changes};

/// Records that article `id` changed; call inside the transaction of the change.
pub fn record_change(conn: &mut Conn, id: i32) -> QueryResult<()> {
    diesel::insert_into(search_changes::table)
        .values((search_changes::article_id.eq(id), search_changes::changed_at.eq(super::now())))
        .execute(conn)?;
    Ok(())
}

/// Changes after `seq`, oldest first, at most `limit`: (seq, article id).
pub fn changes_after(conn: &mut Conn, seq: i64, limit: i64) -> QueryResult<Vec<(i64, i32)>> {
    search_changes::table
        .filter(search_changes::seq.gt(seq))
        .order(search_changes::seq)
        .limit(limit)
        .select((search_changes::seq, search_changes::article_id))
        .load(conn)
}

#[derive(QueryableByName)]
struct Seq {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// The sequence number of the newest change ever recorded (0 for none), pruned or not.
pub fn last_seq(conn: &mut Conn) -> QueryResult<i64> {
    // The sequence's last value, not MAX(seq): pruned rows must not make a number
    // look unused.
    let sql = match conn.dialect() {
        Dialect::Sqlite => "SELECT seq FROM sqlite_sequence WHERE name = 'search_changes'",
        Dialect::Pg => {
            "SELECT COALESCE(pg_sequence_last_value(CAST(pg_get_serial_sequence('search_changes', 'seq') AS regclass)), 0) \
             AS seq"
        }
    };
    let row: Option<Seq> = diesel::sql_query(sql).get_result(conn).optional()?;
    Ok(row.map_or(0, |r| r.seq))
}

/// Whether a follower that applied every change up to `seq` can catch up from the
/// table: false when changes after it were already pruned.
pub fn can_follow_from(conn: &mut Conn, seq: i64) -> QueryResult<bool> {
    let last = last_seq(conn)?;
    if last <= seq {
        return Ok(true);
    }
    let first: Option<i64> = search_changes::table.select(diesel::dsl::min(search_changes::seq)).first(conn)?;
    Ok(first.is_some_and(|first| first <= seq + 1))
}

/// Deletes changes recorded before `before`; returns how many.
pub fn prune(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(search_changes::table.filter(search_changes::changed_at.lt(before))).execute(conn)
}

/// Rows and tag ids of the articles with `ids` (missing ones were deleted).
pub fn documents(conn: &mut Conn, ids: &[i32]) -> QueryResult<Vec<(ArticleRow, Vec<i32>)>> {
    let rows: Vec<ArticleRow> =
        articles::table.filter(articles::id.eq_any(ids)).select(ArticleRow::as_select()).load(conn)?;
    with_tags(conn, rows)
}

/// Up to `limit` articles with ids above `after`, in id order, with their tag ids.
pub fn documents_after(conn: &mut Conn, after: i32, limit: i64) -> QueryResult<Vec<(ArticleRow, Vec<i32>)>> {
    let rows: Vec<ArticleRow> = articles::table
        .filter(articles::id.gt(after))
        .order(articles::id)
        .limit(limit)
        .select(ArticleRow::as_select())
        .load(conn)?;
    with_tags(conn, rows)
}

fn with_tags(conn: &mut Conn, rows: Vec<ArticleRow>) -> QueryResult<Vec<(ArticleRow, Vec<i32>)>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let links: Vec<(i32, i32)> = article_tags::table
        .filter(article_tags::article_id.eq_any(&ids))
        .select((article_tags::article_id, article_tags::tag_id))
        .load(conn)?;
    let mut tags: HashMap<i32, Vec<i32>> = HashMap::new();
    for (article, tag) in links {
        tags.entry(article).or_default().push(tag);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let ids = tags.remove(&row.id).unwrap_or_default();
            (row, ids)
        })
        .collect())
}

/// Published articles whose time came in `(since, until]`: public from now on.
pub fn came_due(conn: &mut Conn, since: NaiveDateTime, until: NaiveDateTime) -> QueryResult<Vec<i32>> {
    articles::table
        .filter(articles::status.eq("published"))
        .filter(articles::trashed_at.is_null())
        .filter(articles::published_at.gt(since))
        .filter(articles::published_at.le(until))
        .select(articles::id)
        .load(conn)
}

/// How many articles there are.
pub fn article_count(conn: &mut Conn) -> QueryResult<i64> {
    articles::table.count().get_result(conn)
}
