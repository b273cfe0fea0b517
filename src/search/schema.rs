//! The index's fields, and an article as an index document.
//!
//! Relevance: `text` holds the title three times, the summary twice and the body once,
//! so BM25's term frequency weighs title 3 : summary 2 : body 1 in one field; every
//! clause of a plain search then stays a term query, which Tantivy answers top-k with
//! block-max pruning. `prefix` holds every prefix of the same words, so the last word
//! of a query ("phong tr") is one term too. Every filter is a term (with frequencies,
//! which the pruning needs) or a fast field.

use chrono::NaiveDateTime;
use tantivy::schema::{Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STORED};
use tantivy::TantivyDocument;

use super::analysis::{PREFIXES, WORDS};
use crate::db::articles::{ArticleRow, StatusFilter};
use crate::html;

/// Bump when the fields or the analysis change: an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// Repetitions of each part in `text` and `prefix` (the relevance weights).
pub const TITLE_WEIGHT: usize = 3;
/// See [`TITLE_WEIGHT`].
pub const SUMMARY_WEIGHT: usize = 2;

/// The index's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// Article id: indexed (to replace a document) and fast (to read it from a hit).
    pub id: Field,
    /// Title ×3, summary ×2, body: folded words.
    pub text: Field,
    /// The same text: every prefix of every word.
    pub prefix: Field,
    /// The title's words (suggest), stored as written.
    pub title: Field,
    /// Every prefix of the title's words (suggest).
    pub title_prefix: Field,
    /// `visible`, `scheduled`, `draft` or `archived`, as of indexing; the indexer
    /// re-indexes scheduled articles when they come due.
    pub visibility: Field,
    /// The byline, exactly.
    pub author: Field,
    /// The author profile's id, as text.
    pub author_id: Field,
    /// `1` or `0`.
    pub featured: Field,
    /// The category id, as text.
    pub category: Field,
    /// Each tag id, as text.
    pub tags: Field,
    /// Seconds since the epoch; `i64::MIN` when never published (sorts lowest, as SQL's NULL).
    pub published_at: Field,
    /// Seconds since the epoch.
    pub updated_at: Field,
    /// Stored, for suggestions.
    pub slug: Field,
}

/// A field of exact terms that keeps frequencies (so it can join a pruned intersection).
fn exact() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::WithFreqs),
    )
}

fn analyzed(tokenizer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::WithFreqs),
    )
}

impl Fields {
    /// The schema and its fields.
    pub fn schema() -> (Schema, Self) {
        let mut builder = Schema::builder();
        let fields = Self {
            id: builder.add_u64_field("id", NumericOptions::default().set_indexed().set_fast()),
            text: builder.add_text_field("text", analyzed(WORDS)),
            prefix: builder.add_text_field("prefix", analyzed(PREFIXES)),
            title: builder.add_text_field("title", analyzed(WORDS) | STORED),
            title_prefix: builder.add_text_field("title_prefix", analyzed(PREFIXES)),
            visibility: builder.add_text_field("visibility", exact()),
            author: builder.add_text_field("author", exact()),
            author_id: builder.add_text_field("author_id", exact()),
            featured: builder.add_text_field("featured", exact()),
            category: builder.add_text_field("category", exact()),
            tags: builder.add_text_field("tags", exact()),
            published_at: builder.add_i64_field("published_at", NumericOptions::default().set_indexed().set_fast()),
            updated_at: builder.add_i64_field("updated_at", NumericOptions::default().set_fast()),
            slug: builder.add_text_field("slug", STORED),
        };
        (builder.build(), fields)
    }

    /// The document for `row` with its tag ids, as of `now`.
    pub fn document(&self, row: &ArticleRow, tag_ids: &[i32], now: NaiveDateTime) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_u64(self.id, u64::try_from(row.id).unwrap_or_default());
        let body = html::plain_text(&row.body);
        for field in [self.text, self.prefix] {
            for _ in 0..TITLE_WEIGHT {
                doc.add_text(field, &row.title);
            }
            if let Some(summary) = &row.summary {
                for _ in 0..SUMMARY_WEIGHT {
                    doc.add_text(field, summary);
                }
            }
            doc.add_text(field, &body);
        }
        doc.add_text(self.title, &row.title);
        doc.add_text(self.title_prefix, &row.title);
        doc.add_text(self.visibility, visibility(row, now));
        if let Some(author) = &row.author {
            doc.add_text(self.author, author);
        }
        if let Some(author) = row.author_id {
            doc.add_text(self.author_id, author.to_string());
        }
        doc.add_text(self.featured, if row.featured { "1" } else { "0" });
        if let Some(category) = row.category_id {
            doc.add_text(self.category, category.to_string());
        }
        for tag in tag_ids {
            doc.add_text(self.tags, tag.to_string());
        }
        doc.add_i64(self.published_at, row.published_at.map_or(i64::MIN, |at| at.and_utc().timestamp()));
        doc.add_i64(self.updated_at, row.updated_at.and_utc().timestamp());
        doc.add_text(self.slug, &row.slug);
        doc
    }
}

/// The visibility term of `row` at `now`.
pub fn visibility(row: &ArticleRow, now: NaiveDateTime) -> &'static str {
    if row.trashed_at.is_some() {
        return "trashed";
    }
    let status = match (row.status.as_str(), row.published_at) {
        ("published", Some(at)) if at <= now => StatusFilter::Visible,
        ("published", _) => StatusFilter::Scheduled,
        ("archived", _) => StatusFilter::Archived,
        _ => StatusFilter::Draft,
    };
    status_term(status).unwrap_or("draft")
}

/// The visibility term a status filter asks for; `None` for any status.
pub fn status_term(status: StatusFilter) -> Option<&'static str> {
    match status {
        StatusFilter::Visible => Some("visible"),
        StatusFilter::Scheduled => Some("scheduled"),
        StatusFilter::Draft => Some("draft"),
        StatusFilter::Archived => Some("archived"),
        StatusFilter::Trashed => Some("trashed"),
        StatusFilter::Any => None,
    }
}
