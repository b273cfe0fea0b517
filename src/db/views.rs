//! View counts as stored: totals on `articles.view_count`, history per UTC day.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};

use super::{Conn, Dialect};
use crate::schema::{article_daily_views, articles};

/// Adds buffered views: `(article, day, views)`. Views of articles deleted meanwhile
/// are dropped. Call inside an immediate transaction.
pub fn apply(conn: &mut Conn, batch: &[(i32, NaiveDate, i64)]) -> QueryResult<()> {
    for (article, day, views) in batch {
        let updated = diesel::update(articles::table.find(article))
            .set(articles::view_count.eq(articles::view_count + views))
            .execute(conn)?;
        if updated == 0 {
            continue;
        }
        crate::on_backend!(conn, c => diesel::insert_into(article_daily_views::table)
            .values((
                article_daily_views::article_id.eq(article),
                article_daily_views::day.eq(day),
                article_daily_views::views.eq(views),
            ))
            .on_conflict((article_daily_views::article_id, article_daily_views::day))
            .do_update()
            .set(article_daily_views::views.eq(article_daily_views::views + views))
            .execute(c))?;
    }
    Ok(())
}

/// Views per day of article `id` from `from` to `to` (inclusive), days with views only.
pub fn daily(conn: &mut Conn, id: i32, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<(NaiveDate, i64)>> {
    article_daily_views::table
        .filter(article_daily_views::article_id.eq(id))
        .filter(article_daily_views::day.between(from, to))
        .order(article_daily_views::day)
        .select((article_daily_views::day, article_daily_views::views))
        .load(conn)
}

/// Sets the total of article `id` (history stays); returns whether it exists.
pub fn set_total(conn: &mut Conn, id: i32, total: i64) -> QueryResult<bool> {
    Ok(diesel::update(articles::table.find(id)).set(articles::view_count.eq(total)).execute(conn)? > 0)
}

/// Resets total and history of article `id`; returns whether it exists.
pub fn reset(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    diesel::delete(article_daily_views::table.filter(article_daily_views::article_id.eq(id))).execute(conn)?;
    set_total(conn, id, 0)
}

/// An article with its views in a window.
#[derive(Debug, QueryableByName)]
pub struct PopularRow {
    #[diesel(embed)]
    pub article: super::articles::Loaded,
    #[diesel(sql_type = BigInt)]
    pub window_views: i64,
}

/// The most-viewed visible articles since `since` (a UTC day; `None` = all time, by
/// totals), optionally only in `categories`, most views first, then newest.
pub fn popular(
    conn: &mut Conn,
    since: Option<NaiveDate>,
    now: NaiveDateTime,
    categories: Option<&[i32]>,
    limit: i64,
) -> QueryResult<Vec<PopularRow>> {
    let categories = categories.map(|ids| serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_owned()));
    let d = conn.dialect();
    let in_categories = match d {
        Dialect::Sqlite => "(SELECT value FROM json_each(?3))",
        Dialect::Pg => "(SELECT CAST(json_array_elements_text(CAST(?3 AS json)) AS integer))",
    };
    let visible = format!(
        "a.status = 'published' AND a.trashed_at IS NULL AND a.published_at <= ?2 \
         AND (CAST(?3 AS TEXT) IS NULL OR a.category_id IN {in_categories})"
    );
    let refs = super::articles::refs_sql("a", d);
    let columns = super::articles::columns_without_body("a");
    let sql = match since {
        Some(_) => format!(
            "SELECT {columns}, {refs}, w.views AS window_views FROM ( \
                 SELECT article_id, CAST(SUM(views) AS BIGINT) AS views FROM article_daily_views \
                 WHERE day >= ?1 GROUP BY article_id \
             ) w JOIN articles a ON a.id = w.article_id \
             WHERE {visible} ORDER BY w.views DESC, a.published_at DESC, a.id DESC LIMIT ?4"
        ),
        None => format!(
            "SELECT {columns}, {refs}, a.view_count AS window_views FROM articles a \
             WHERE CAST(?1 AS DATE) IS NULL AND a.view_count > 0 AND {visible} \
             ORDER BY a.view_count DESC, a.published_at DESC, a.id DESC LIMIT ?4"
        ),
    };
    diesel::sql_query(d.params(&sql))
        .bind::<Nullable<Date>, _>(since)
        .bind::<Timestamp, _>(now)
        .bind::<Nullable<Text>, _>(categories)
        .bind::<BigInt, _>(limit)
        .load(conn)
}
