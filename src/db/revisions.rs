//! Revisions: the earlier versions of an article's content, and who wrote them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::articles::{ArticleFields, ArticleRow};
use super::Conn;
use crate::schema::article_revisions;

/// An article's content at one version (what a restore writes back).
///
/// Stored as JSON: the article's fields at the top level, plus `tags`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    #[serde(flatten)]
    pub fields: ArticleFields,
    /// Tag slugs.
    pub tags: Vec<String>,
}

impl Content {
    /// The content of `row` with its tag slugs.
    pub fn of(row: &ArticleRow, tags: Vec<String>) -> Self {
        Self { fields: row.fields.clone(), tags }
    }
}

/// A kept version.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = article_revisions)]
pub struct RevisionRow {
    pub article_id: i32,
    pub version: i32,
    pub title: String,
    pub status: String,
    pub updated_at: NaiveDateTime,
    /// The token name that wrote this version (`None`: command line or import).
    pub editor: Option<String>,
    /// [`Content`] as JSON.
    pub content: String,
}

impl RevisionRow {
    /// Its content.
    pub fn content(&self) -> Result<Content, serde_json::Error> {
        serde_json::from_str(&self.content)
    }
}

/// Keeps `current` (with its tag slugs) as a revision, then drops the oldest beyond
/// `keep`. Call in the transaction that replaces it.
pub fn keep(conn: &mut Conn, current: &ArticleRow, tags: Vec<String>, keep: u32) -> QueryResult<()> {
    let content = serde_json::to_string(&Content::of(current, tags))
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    crate::on_backend!(conn, c => diesel::insert_into(article_revisions::table)
        .values((
            article_revisions::article_id.eq(current.id),
            article_revisions::version.eq(current.version),
            article_revisions::title.eq(&current.title),
            article_revisions::status.eq(&current.status),
            article_revisions::updated_at.eq(current.updated_at),
            article_revisions::editor.eq(&current.editor),
            article_revisions::content.eq(content),
        ))
        .on_conflict((article_revisions::article_id, article_revisions::version))
        .do_nothing()
        .execute(c))?;
    let oldest_kept: Option<i32> = article_revisions::table
        .filter(article_revisions::article_id.eq(current.id))
        .order(article_revisions::version.desc())
        .offset(i64::from(keep.max(1)) - 1)
        .select(article_revisions::version)
        .first(conn)
        .optional()?;
    if let Some(oldest) = oldest_kept {
        diesel::delete(
            article_revisions::table
                .filter(article_revisions::article_id.eq(current.id))
                .filter(article_revisions::version.lt(oldest)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// A page of article `id`'s revisions, newest first, and how many there are.
pub fn page(conn: &mut Conn, id: i32, offset: i64, limit: i64) -> QueryResult<(Vec<RevisionRow>, i64)> {
    let mine = article_revisions::table.filter(article_revisions::article_id.eq(id));
    super::page_and_total!(conn, mine, article_revisions::version.desc(), RevisionRow, offset, limit)
}

/// Version `version` of article `id`.
pub fn find(conn: &mut Conn, id: i32, version: i32) -> QueryResult<Option<RevisionRow>> {
    article_revisions::table.find((id, version)).select(RevisionRow::as_select()).first(conn).optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_kept_before_reading_time_was_stored_still_read() {
        let kept = r#"{"slug":"a","title":"T","summary":null,"body":"<p>x</p>","author":null,"author_id":null,
            "status":"draft","published_at":null,"category_id":null,"tags":["t"],"cover_image_url":null,"featured":false}"#;
        let content: Content = serde_json::from_str(kept).expect("an old revision reads");
        assert_eq!(content.fields.title, "T");
        assert_eq!(content.fields.reading_time_minutes, 0);
        assert_eq!(content.fields.seo, crate::db::articles::SeoFields::default(), "kept before SEO fields");
        assert_eq!(content.tags, vec!["t".to_owned()]);
        let again: Content = serde_json::from_str(&serde_json::to_string(&content).expect("writes")).expect("reads");
        assert_eq!(again, content);
    }

    #[test]
    fn seo_overrides_are_kept_at_the_top_level_of_a_revision() {
        let kept = r#"{"slug":"a","title":"T","summary":null,"body":"","author":null,"author_id":null,
            "status":"draft","published_at":null,"category_id":null,"tags":[],"cover_image_url":null,"featured":false,
            "seo_title":"Tiêu đề","canonical_url":"https://baoquangnam.vn/a"}"#;
        let content: Content = serde_json::from_str(kept).expect("reads");
        assert_eq!(content.fields.seo.seo_title.as_deref(), Some("Tiêu đề"));
        assert_eq!(content.fields.seo.canonical_url.as_deref(), Some("https://baoquangnam.vn/a"));
        assert_eq!(content.fields.seo.og_image_url, None);
        let written: serde_json::Value = serde_json::to_value(&content).expect("writes");
        assert_eq!(written["seo_title"], "Tiêu đề");
        assert_eq!(written["og_image_url"], serde_json::Value::Null);
    }
}
