//! `bantin export` and `bantin import`: the whole content as NDJSON, one object a
//! line, in dependency order (categories parents first, tags, authors, media,
//! articles, views), every reference by slug (a cover by its media file name). Tokens,
//! revisions, webhooks and the media files themselves are not exported.
//!
//! An import reads the file twice: the first pass parses and checks every line (and
//! every reference, against earlier lines and the database) and writes nothing, so a
//! broken line stops it with its line number and the database as it was; the second
//! pass writes, [`BATCH`] lines per transaction, so a server using the database keeps
//! answering. Matching is by slug: a line equal to what is stored changes nothing,
//! so importing the same file twice changes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, Write};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::articles::{ArticleFields, ArticleRow, SeoFields};
use crate::db::media::{MediaFields, MediaRow, MediaWords};
use crate::db::Conn;
use crate::db::{self, DbPool};
use crate::media::store::valid_name;
use crate::routes::media::Variant;
use crate::schema::{article_daily_views, article_tags, articles, authors, categories, media, tags};
use crate::{html, text};

/// Lines written per transaction.
pub const BATCH: usize = 500;

/// A category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// The parent's slug.
    pub parent: Option<String>,
    pub position: i32,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

/// An author profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Author {
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

/// An upload of the media library, by its original's file name (uploads of the same
/// bytes share a file: the first one stands for it). The files are not in the export:
/// an import needs them in its media folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Media {
    /// The original's file name in the media folder, `<sha256>.<ext>`.
    pub file: String,
    pub mime_type: String,
    pub width: i32,
    pub height: i32,
    /// Size of the original.
    pub bytes: i64,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// Narrowest first.
    pub variants: Vec<MediaVariant>,
    pub created_at: String,
}

/// A smaller copy of an upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaVariant {
    pub width: u32,
    pub height: u32,
    /// Its file name in the media folder.
    pub file: String,
}

/// The image types the media library stores.
const MEDIA_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "image/gif"];

/// An article; times are RFC 3339 in UTC, `category`, `tags` and `author` are slugs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    /// The author profile's slug.
    pub author: Option<String>,
    /// The byline as printed.
    pub byline: Option<String>,
    pub status: String,
    /// When it went to the trash; `null` when it is not there.
    pub trashed_at: Option<String>,
    pub published_at: Option<String>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub cover_image_url: Option<String>,
    /// The cover's media `file`; absent (as in exports made before the media library)
    /// is no cover.
    #[serde(default)]
    pub cover_image: Option<String>,
    pub featured: bool,
    pub created_at: String,
    pub updated_at: String,
    /// SEO overrides; absent (as in exports made before them) is none.
    #[serde(default)]
    pub seo_title: Option<String>,
    #[serde(default)]
    pub seo_description: Option<String>,
    #[serde(default)]
    pub canonical_url: Option<String>,
    #[serde(default)]
    pub og_image_url: Option<String>,
}

/// One day of an article's view history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Day {
    pub day: NaiveDate,
    pub views: i64,
}

/// An article's view total and daily history (the total may exceed the history:
/// views counted before history was kept, e.g. imported from another system).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Views {
    /// The article's slug.
    pub article: String,
    pub total: i64,
    pub daily: Vec<Day>,
}

/// One line of the format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Record {
    Category(Category),
    Tag(Tag),
    Author(Author),
    Media(Media),
    Article(Box<Article>),
    Views(Views),
}

fn time_text(time: NaiveDateTime) -> String {
    time.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn parse_time(field: &str, value: &str) -> Result<NaiveDateTime, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.naive_utc())
        .map_err(|_| format!("{field} must be an RFC 3339 time like 2026-04-22T08:30:00Z, not {value:?}"))
}

/// Writes every category, tag, author, upload, article and view history of `conn`'s database
/// to `out`, from one read transaction (a consistent snapshot while a server writes).
/// Returns the number of lines.
pub fn export(conn: &mut Conn, out: &mut impl Write) -> Result<u64, String> {
    /// Why an export stopped, as text.
    struct Failed(String);
    impl From<diesel::result::Error> for Failed {
        fn from(error: diesel::result::Error) -> Self {
            Failed(error.to_string())
        }
    }
    crate::db::transaction(conn, false, |conn| export_snapshot(conn, out).map_err(Failed)).map_err(|Failed(why)| why)
}

fn export_snapshot(conn: &mut Conn, out: &mut impl Write) -> Result<u64, String> {
    let mut lines = 0u64;
    let mut emit = |record: &Record, out: &mut dyn Write| -> Result<(), String> {
        let line = serde_json::to_string(record).map_err(|e| e.to_string())?;
        writeln!(out, "{line}").map_err(|e| format!("cannot write: {e}"))?;
        lines += 1;
        Ok(())
    };
    let all = db::categories::all(conn).map_err(|e| e.to_string())?;
    let slug_of: HashMap<i32, String> = all.iter().map(|c| (c.id, c.slug.clone())).collect();
    let mut children: BTreeMap<Option<i32>, Vec<&db::categories::CategoryRow>> = BTreeMap::new();
    for category in &all {
        children.entry(category.parent_id).or_default().push(category);
    }
    for siblings in children.values_mut() {
        siblings.sort_by(|a, b| (a.position, &a.slug).cmp(&(b.position, &b.slug)));
    }
    // Parents before children: depth first from the top level.
    let mut stack: Vec<&db::categories::CategoryRow> = children.get(&None).cloned().unwrap_or_default();
    stack.reverse();
    while let Some(category) = stack.pop() {
        emit(
            &Record::Category(Category {
                slug: category.slug.clone(),
                name: category.name.clone(),
                description: category.description.clone(),
                parent: category.parent_id.and_then(|id| slug_of.get(&id).cloned()),
                position: category.position,
            }),
            out,
        )?;
        if let Some(below) = children.get(&Some(category.id)) {
            stack.extend(below.iter().rev());
        }
    }
    let all_tags: Vec<(i32, String, String, Option<String>)> = tags::table
        .order(tags::slug)
        .select((tags::id, tags::slug, tags::name, tags::description))
        .load(conn)
        .map_err(|e| e.to_string())?;
    let tag_slug: HashMap<i32, String> = all_tags.iter().map(|(id, slug, ..)| (*id, slug.clone())).collect();
    for (_, slug, name, description) in all_tags {
        emit(&Record::Tag(Tag { slug, name, description }), out)?;
    }
    let all_authors: Vec<db::authors::AuthorRow> = authors::table
        .order(authors::slug)
        .select(db::authors::AuthorRow::as_select())
        .load(conn)
        .map_err(|e| e.to_string())?;
    let author_slug: HashMap<i32, String> = all_authors.iter().map(|a| (a.id, a.slug.clone())).collect();
    for a in all_authors {
        emit(
            &Record::Author(Author {
                slug: a.fields.slug,
                name: a.fields.name,
                bio: a.fields.bio,
                avatar_url: a.fields.avatar_url,
            }),
            out,
        )?;
    }
    let uploads: Vec<MediaRow> =
        media::table.order(media::id).select(MediaRow::as_select()).load(conn).map_err(|e| e.to_string())?;
    let media_file: HashMap<i32, String> = uploads.iter().map(|m| (m.id, m.fields.file.clone())).collect();
    let mut exported = HashSet::new();
    for upload in uploads {
        if exported.insert(upload.fields.file.clone()) {
            emit(&Record::Media(media_record(upload)?), out)?;
        }
    }
    // Articles in id order, a page at a time (bodies are large).
    let mut after = 0;
    loop {
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.gt(after))
            .order(articles::id)
            .limit(500)
            .select(ArticleRow::as_select())
            .load(conn)
            .map_err(|e| e.to_string())?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
        let mut tagged: HashMap<i32, Vec<String>> = HashMap::new();
        let links: Vec<(i32, i32)> = article_tags::table
            .filter(article_tags::article_id.eq_any(&ids))
            .select((article_tags::article_id, article_tags::tag_id))
            .load(conn)
            .map_err(|e| e.to_string())?;
        for (article, tag) in links {
            if let Some(slug) = tag_slug.get(&tag) {
                tagged.entry(article).or_default().push(slug.clone());
            }
        }
        for row in rows {
            let mut tags = tagged.remove(&row.id).unwrap_or_default();
            tags.sort();
            let f = row.fields;
            emit(
                &Record::Article(Box::new(Article {
                    slug: f.slug,
                    title: f.title,
                    summary: f.summary,
                    body: f.body,
                    author: f.author_id.and_then(|id| author_slug.get(&id).cloned()),
                    byline: f.author,
                    status: f.status,
                    trashed_at: row.trashed_at.map(time_text),
                    published_at: f.published_at.map(time_text),
                    category: f.category_id.and_then(|id| slug_of.get(&id).cloned()),
                    tags,
                    cover_image_url: f.cover_image_url,
                    cover_image: f.cover_image_id.and_then(|id| media_file.get(&id).cloned()),
                    featured: f.featured,
                    created_at: time_text(row.created_at),
                    updated_at: time_text(row.updated_at),
                    seo_title: f.seo.seo_title,
                    seo_description: f.seo.seo_description,
                    canonical_url: f.seo.canonical_url,
                    og_image_url: f.seo.og_image_url,
                })),
                out,
            )?;
        }
    }
    let totals: Vec<(i32, String, i64)> = articles::table
        .order(articles::id)
        .select((articles::id, articles::slug, articles::view_count))
        .load(conn)
        .map_err(|e| e.to_string())?;
    let mut history: HashMap<i32, Vec<Day>> = HashMap::new();
    let days: Vec<(i32, NaiveDate, i64)> = article_daily_views::table
        .order((article_daily_views::article_id, article_daily_views::day))
        .select((article_daily_views::article_id, article_daily_views::day, article_daily_views::views))
        .load(conn)
        .map_err(|e| e.to_string())?;
    for (article, day, views) in days {
        history.entry(article).or_default().push(Day { day, views });
    }
    for (id, slug, total) in totals {
        let daily = history.remove(&id).unwrap_or_default();
        if total != 0 || !daily.is_empty() {
            emit(&Record::Views(Views { article: slug, total, daily }), out)?;
        }
    }
    Ok(lines)
}

fn media_record(upload: MediaRow) -> Result<Media, String> {
    let stored: Vec<Variant> = serde_json::from_str(&upload.fields.variants)
        .map_err(|e| format!("upload #{} has unreadable variants: {e}", upload.id))?;
    let f = upload.fields;
    Ok(Media {
        file: f.file,
        mime_type: f.mime_type,
        width: f.width,
        height: f.height,
        bytes: f.bytes,
        alt: f.words.alt,
        caption: f.words.caption,
        credit: f.words.credit,
        variants: stored
            .into_iter()
            .map(|v| MediaVariant {
                width: v.width,
                height: v.height,
                file: v.url.strip_prefix("/media/").map_or(v.url.clone(), str::to_owned),
            })
            .collect(),
        created_at: time_text(upload.created_at),
    })
}

/// What an import did, per kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub categories: Tally,
    pub tags: Tally,
    pub authors: Tally,
    pub media: Tally,
    pub articles: Tally,
    pub views: Tally,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (kind, t) in [
            ("categories", &self.categories),
            ("tags", &self.tags),
            ("authors", &self.authors),
            ("media", &self.media),
            ("articles", &self.articles),
            ("views", &self.views),
        ] {
            writeln!(f, "{kind:<11} {:>7} created {:>7} updated {:>7} unchanged", t.created, t.updated, t.unchanged)?;
        }
        Ok(())
    }
}

/// The outcome of writing one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

impl Summary {
    /// Counts `outcome` for `record`'s kind.
    pub fn add(&mut self, record: &Record, outcome: Outcome) {
        match record {
            Record::Category(_) => self.categories.add(outcome),
            Record::Tag(_) => self.tags.add(outcome),
            Record::Author(_) => self.authors.add(outcome),
            Record::Media(_) => self.media.add(outcome),
            Record::Article(_) => self.articles.add(outcome),
            Record::Views(_) => self.views.add(outcome),
        }
    }
}

fn check_text(errors: &mut Vec<String>, field: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        errors.push(format!("{field} must not be blank"));
    }
    if value.chars().count() > max {
        errors.push(format!("{field} must be at most {max} characters"));
    }
}

fn check_slug(errors: &mut Vec<String>, field: &str, slug: &str) {
    if let Some(problem) = text::slug_problem(slug) {
        errors.push(format!("{field}: {problem}"));
    }
}

/// Checks one record on its own (no references): the same rules as the API.
pub fn validate(record: &Record) -> Result<(), String> {
    let mut errors = Vec::new();
    match record {
        Record::Category(c) => {
            check_slug(&mut errors, "slug", &c.slug);
            check_text(&mut errors, "name", &c.name, true, 100);
            check_text(&mut errors, "description", c.description.as_deref().unwrap_or(""), false, 1000);
            if c.parent.as_deref() == Some(c.slug.as_str()) {
                errors.push("a category cannot be its own parent".to_owned());
            }
        }
        Record::Tag(t) => {
            check_slug(&mut errors, "slug", &t.slug);
            check_text(&mut errors, "name", &t.name, true, 100);
            check_text(&mut errors, "description", t.description.as_deref().unwrap_or(""), false, 1000);
        }
        Record::Author(a) => {
            check_slug(&mut errors, "slug", &a.slug);
            check_text(&mut errors, "name", &a.name, true, 200);
            check_text(&mut errors, "bio", a.bio.as_deref().unwrap_or(""), false, 2000);
            if a.avatar_url.as_deref().is_some_and(|url| !text::is_stored_url(url)) {
                errors.push("avatar_url must be an http or https URL of at most 2,000 characters".to_owned());
            }
        }
        Record::Media(m) => {
            if !valid_name(&m.file) {
                errors.push(format!("file must be a media file name (<sha256>.<ext>), not {:?}", m.file));
            }
            if let Some(v) = m.variants.iter().find(|v| !valid_name(&v.file)) {
                errors.push(format!("variant file must be a media file name (<sha256>.<ext>), not {:?}", v.file));
            }
            if !MEDIA_TYPES.contains(&m.mime_type.as_str()) {
                errors.push(format!("mime_type must be one of {}, not {:?}", MEDIA_TYPES.join(", "), m.mime_type));
            }
            if m.width < 1 || m.height < 1 || m.bytes < 0 {
                errors.push("width and height must be positive, bytes not negative".to_owned());
            }
            for (field, value) in [("alt", &m.alt), ("caption", &m.caption), ("credit", &m.credit)] {
                check_text(&mut errors, field, value.as_deref().unwrap_or(""), false, 2000);
            }
            if let Err(why) = parse_time("created_at", &m.created_at) {
                errors.push(why);
            }
        }
        Record::Article(a) => {
            check_slug(&mut errors, "slug", &a.slug);
            if let Some(file) = a.cover_image.as_deref().filter(|file| !valid_name(file)) {
                errors.push(format!("cover_image must be a media file name (<sha256>.<ext>), not {file:?}"));
            }
            check_text(&mut errors, "title", &a.title, true, 300);
            check_text(&mut errors, "summary", a.summary.as_deref().unwrap_or(""), false, 1000);
            check_text(&mut errors, "byline", a.byline.as_deref().unwrap_or(""), false, 200);
            if a.body.len() > 1024 * 1024 {
                errors.push("body must be at most 1 MiB".to_owned());
            }
            if !matches!(a.status.as_str(), "draft" | "published" | "archived") {
                errors.push(format!("status must be draft, published or archived, not {:?}", a.status));
            }
            if let Some(url) = &a.cover_image_url {
                if !text::is_stored_url(url) {
                    errors.push("cover_image_url must be an http or https URL of at most 2,000 characters".to_owned());
                }
            }
            if a.tags.len() > 50 {
                errors.push("at most 50 tags".to_owned());
            }
            check_text(&mut errors, "seo_title", a.seo_title.as_deref().unwrap_or(""), false, SeoFields::MAX_TITLE);
            check_text(
                &mut errors,
                "seo_description",
                a.seo_description.as_deref().unwrap_or(""),
                false,
                SeoFields::MAX_DESCRIPTION,
            );
            for (field, url) in [("canonical_url", &a.canonical_url), ("og_image_url", &a.og_image_url)] {
                if url.as_deref().is_some_and(|url| !text::is_stored_url(url)) {
                    errors.push(format!("{field} must be an absolute http or https URL of at most 2,000 characters"));
                }
            }
            if let Some(Err(why)) = a.trashed_at.as_deref().map(|t| parse_time("trashed_at", t)) {
                errors.push(why);
            }
            for (field, value) in [
                ("published_at", a.published_at.as_deref()),
                ("created_at", Some(&a.created_at)),
                ("updated_at", Some(&a.updated_at)),
            ] {
                if let Some(value) = value {
                    if let Err(why) = parse_time(field, value) {
                        errors.push(why);
                    }
                }
            }
        }
        Record::Views(v) => {
            if v.total < 0 || v.daily.iter().any(|d| d.views < 0) {
                errors.push("view counts must not be negative".to_owned());
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Slugs (and media file names) already known to an import: in the database or on
/// earlier lines; and the media folder an upload's files must be in.
#[derive(Debug, Default)]
pub struct Known {
    categories: HashSet<String>,
    tags: HashSet<String>,
    authors: HashSet<String>,
    media: HashSet<String>,
    articles: HashSet<String>,
    media_dir: std::path::PathBuf,
}

impl Known {
    /// The slugs stored in `conn`'s database, uploads' files to be found in `media_dir`.
    pub fn of(conn: &mut Conn, media_dir: &std::path::Path) -> QueryResult<Self> {
        Ok(Self {
            categories: categories::table.select(categories::slug).load::<String>(conn)?.into_iter().collect(),
            tags: tags::table.select(tags::slug).load::<String>(conn)?.into_iter().collect(),
            authors: authors::table.select(authors::slug).load::<String>(conn)?.into_iter().collect(),
            media: media::table.select(media::file).load::<String>(conn)?.into_iter().collect(),
            articles: articles::table.select(articles::slug).load::<String>(conn)?.into_iter().collect(),
            media_dir: media_dir.to_owned(),
        })
    }

    /// Checks `record`'s references, then learns its slug.
    pub fn admit(&mut self, record: &Record) -> Result<(), String> {
        let missing = |kind: &str, slug: &str| {
            format!("refers to {kind} {slug:?}, which is neither stored nor on an earlier line")
        };
        match record {
            Record::Category(c) => {
                if let Some(parent) = c.parent.as_deref().filter(|p| !self.categories.contains(*p)) {
                    return Err(missing("parent category", parent));
                }
                self.categories.insert(c.slug.clone());
            }
            Record::Tag(t) => {
                self.tags.insert(t.slug.clone());
            }
            Record::Author(a) => {
                self.authors.insert(a.slug.clone());
            }
            Record::Media(m) => {
                // Names are checked (`valid_name`) before this, so they make no path outside.
                let files = std::iter::once(&m.file).chain(m.variants.iter().map(|v| &v.file));
                if let Some(absent) = files.into_iter().find(|file| !self.media_dir.join(file).is_file()) {
                    return Err(format!(
                        "media file {absent} is not in the media folder {}; copy the exported site's media \
                         folder there first",
                        self.media_dir.display()
                    ));
                }
                self.media.insert(m.file.clone());
            }
            Record::Article(a) => {
                if let Some(cover) = a.cover_image.as_deref().filter(|f| !self.media.contains(*f)) {
                    return Err(missing("media file", cover));
                }
                if let Some(author) = a.author.as_deref().filter(|s| !self.authors.contains(*s)) {
                    return Err(missing("author", author));
                }
                if let Some(category) = a.category.as_deref().filter(|c| !self.categories.contains(*c)) {
                    return Err(missing("category", category));
                }
                if let Some(tag) = a.tags.iter().find(|t| !self.tags.contains(*t)) {
                    return Err(missing("tag", tag));
                }
                self.articles.insert(a.slug.clone());
            }
            Record::Views(v) => {
                if !self.articles.contains(&v.article) {
                    return Err(missing("article", &v.article));
                }
            }
        }
        Ok(())
    }
}

fn category_id(conn: &mut Conn, slug: &str) -> QueryResult<Option<i32>> {
    categories::table.filter(categories::slug.eq(slug)).select(categories::id).first(conn).optional()
}

/// (id, name, description, parent id, position) of a stored category.
type StoredCategory = (i32, String, Option<String>, Option<i32>, i32);

/// Writes `fields` over the row stored under a record's slug (`stored` is its id), or
/// as a new row; nothing when the stored row is `unchanged`.
fn write_row<F, U, I>(
    conn: &mut Conn,
    stored: Option<i32>,
    unchanged: bool,
    fields: F,
    update: impl FnOnce(&mut Conn, i32, F) -> QueryResult<U>,
    insert: impl FnOnce(&mut Conn, F) -> QueryResult<I>,
) -> QueryResult<Outcome> {
    match stored {
        Some(_) if unchanged => Ok(Outcome::Unchanged),
        Some(id) => update(conn, id, fields).map(|_| Outcome::Updated),
        None => insert(conn, fields).map(|_| Outcome::Created),
    }
}

/// [`write_row`] for `$table`, whose `$fields` are all its columns but `slug`,
/// `created_at`, `updated_at` and `version`: an update bumps the version, and both
/// update and insert are stamped `$now`.
macro_rules! write_versioned_row {
    ($table:ident, $conn:expr, $slug:expr, $stored:expr, $unchanged:expr, $fields:expr, $now:expr) => {
        write_row(
            $conn,
            $stored,
            $unchanged,
            $fields,
            |conn, id, fields| {
                diesel::update($table::table.find(id))
                    .set((fields, $table::updated_at.eq($now), $table::version.eq($table::version + 1)))
                    .execute(conn)
            },
            |conn, fields| {
                diesel::insert_into($table::table)
                    .values(($table::slug.eq($slug), fields, $table::created_at.eq($now), $table::updated_at.eq($now)))
                    .execute(conn)
            },
        )
    };
}

/// Writes one record, matching by slug. Call inside a transaction.
pub fn apply(conn: &mut Conn, record: &Record) -> QueryResult<Outcome> {
    let now = db::now();
    match record {
        Record::Category(c) => {
            let parent_id = match &c.parent {
                Some(parent) => category_id(conn, parent)?,
                None => None,
            };
            if let Some(parent) = parent_id {
                let own = category_id(conn, &c.slug)?;
                if db::categories::check_parent(conn, own, parent).is_err() {
                    return Err(diesel::result::Error::QueryBuilderError(
                        format!(
                            "category {:?} under {:?} would make a cycle",
                            c.slug,
                            c.parent.as_deref().unwrap_or("")
                        )
                        .into(),
                    ));
                }
            }
            let stored: Option<StoredCategory> = categories::table
                .filter(categories::slug.eq(&c.slug))
                .select((
                    categories::id,
                    categories::name,
                    categories::description,
                    categories::parent_id,
                    categories::position,
                ))
                .first(conn)
                .optional()?;
            let fields = (
                categories::name.eq(&c.name),
                categories::description.eq(&c.description),
                categories::parent_id.eq(parent_id),
                categories::position.eq(c.position),
            );
            let unchanged = stored.as_ref().is_some_and(|(_, name, description, parent, position)| {
                *name == c.name && *description == c.description && *parent == parent_id && *position == c.position
            });
            write_versioned_row!(categories, conn, &c.slug, stored.map(|(id, ..)| id), unchanged, fields, now)
        }
        Record::Tag(t) => {
            let stored: Option<(i32, String, Option<String>)> = tags::table
                .filter(tags::slug.eq(&t.slug))
                .select((tags::id, tags::name, tags::description))
                .first(conn)
                .optional()?;
            let fields = (
                tags::name.eq(&t.name),
                tags::name_folded.eq(text::fold(&t.name)),
                tags::description.eq(&t.description),
            );
            let unchanged =
                stored.as_ref().is_some_and(|(_, name, description)| *name == t.name && *description == t.description);
            write_versioned_row!(tags, conn, &t.slug, stored.map(|(id, ..)| id), unchanged, fields, now)
        }
        Record::Author(a) => {
            let stored: Option<db::authors::AuthorRow> = authors::table
                .filter(authors::slug.eq(&a.slug))
                .select(db::authors::AuthorRow::as_select())
                .first(conn)
                .optional()?;
            let fields = db::authors::AuthorFields {
                slug: a.slug.clone(),
                name: a.name.clone(),
                name_folded: text::fold(&a.name),
                bio: a.bio.clone(),
                avatar_url: a.avatar_url.clone(),
            };
            let unchanged = stored
                .as_ref()
                .is_some_and(|row| row.name == a.name && row.bio == a.bio && row.avatar_url == a.avatar_url);
            write_row(
                conn,
                stored.map(|row| row.id),
                unchanged,
                fields,
                |conn, id, fields| db::authors::update(conn, id, &fields),
                |conn, fields| db::authors::insert(conn, &fields),
            )
        }
        Record::Media(m) => apply_media(conn, m, now),
        Record::Article(a) => apply_article(conn, a),
        Record::Views(v) => {
            let Some(id) = articles::table
                .filter(articles::slug.eq(&v.article))
                .select(articles::id)
                .first::<i32>(conn)
                .optional()?
            else {
                return Ok(Outcome::Unchanged);
            };
            let total: i64 = articles::table.find(id).select(articles::view_count).first(conn)?;
            let stored: HashMap<NaiveDate, i64> = article_daily_views::table
                .filter(article_daily_views::article_id.eq(id))
                .select((article_daily_views::day, article_daily_views::views))
                .load(conn)?
                .into_iter()
                .collect();
            if total == v.total && v.daily.iter().all(|d| stored.get(&d.day) == Some(&d.views)) {
                return Ok(Outcome::Unchanged);
            }
            diesel::update(articles::table.find(id)).set(articles::view_count.eq(v.total)).execute(conn)?;
            for day in &v.daily {
                crate::on_backend!(conn, c => diesel::insert_into(article_daily_views::table)
                    .values((
                        article_daily_views::article_id.eq(id),
                        article_daily_views::day.eq(day.day),
                        article_daily_views::views.eq(day.views),
                    ))
                    .on_conflict((article_daily_views::article_id, article_daily_views::day))
                    .do_update()
                    .set(article_daily_views::views.eq(day.views))
                    .execute(c))?;
            }
            Ok(Outcome::Updated)
        }
    }
}

/// The first upload stored with `file` (uploads of the same bytes share it).
fn media_id(conn: &mut Conn, file: &str) -> QueryResult<Option<i32>> {
    media::table.filter(media::file.eq(file)).order(media::id).select(media::id).first(conn).optional()
}

fn apply_media(conn: &mut Conn, m: &Media, now: NaiveDateTime) -> QueryResult<Outcome> {
    let variants: Vec<Variant> = m
        .variants
        .iter()
        .map(|v| Variant { width: v.width, height: v.height, url: format!("/media/{}", v.file) })
        .collect();
    let fields = MediaFields {
        file: m.file.clone(),
        mime_type: m.mime_type.clone(),
        width: m.width,
        height: m.height,
        bytes: m.bytes,
        variants: serde_json::to_string(&variants).map_err(|e| diesel::result::Error::SerializationError(e.into()))?,
        words: MediaWords { alt: m.alt.clone(), caption: m.caption.clone(), credit: m.credit.clone() },
    };
    let created_at = parse_time("created_at", &m.created_at)
        .map_err(|why| diesel::result::Error::DeserializationError(why.into()))?;
    let stored: Option<MediaRow> = match media_id(conn, &m.file)? {
        Some(id) => db::media::find(conn, id)?,
        None => None,
    };
    match stored {
        Some(row) if row.fields == fields && row.created_at == created_at => Ok(Outcome::Unchanged),
        Some(row) => {
            diesel::update(media::table.find(row.id))
                .set((
                    media::mime_type.eq(&fields.mime_type),
                    media::width.eq(fields.width),
                    media::height.eq(fields.height),
                    media::bytes.eq(fields.bytes),
                    media::variants.eq(&fields.variants),
                    &fields.words,
                    media::created_at.eq(created_at),
                    media::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(Outcome::Updated)
        }
        None => {
            diesel::insert_into(media::table)
                .values((&fields, media::created_at.eq(created_at), media::updated_at.eq(now)))
                .execute(conn)?;
            Ok(Outcome::Created)
        }
    }
}

/// `text` trimmed; `None` when blank.
fn nonblank(text: &Option<String>) -> Option<String> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

fn apply_article(conn: &mut Conn, a: &Article) -> QueryResult<Outcome> {
    let time =
        |value: &str| parse_time("", value).map_err(|why| diesel::result::Error::DeserializationError(why.into()));
    let category_id = match &a.category {
        Some(slug) => category_id(conn, slug)?,
        None => None,
    };
    let author_id = match &a.author {
        Some(slug) => authors::table.filter(authors::slug.eq(slug)).select(authors::id).first(conn).optional()?,
        None => None,
    };
    let cover_image_id = match &a.cover_image {
        Some(file) => Some(media_id(conn, file)?.ok_or_else(|| {
            diesel::result::Error::QueryBuilderError(format!("article {:?}: no upload has file {file}", a.slug).into())
        })?),
        None => None,
    };
    let trashed_at = a.trashed_at.as_deref().map(time).transpose()?;
    let body = html::sanitize(&a.body);
    let fields = ArticleFields {
        slug: a.slug.clone(),
        title: a.title.trim().to_owned(),
        summary: a.summary.as_deref().map(|s| s.trim().to_owned()),
        reading_time_minutes: html::reading_time_minutes(&body),
        body,
        author: nonblank(&a.byline),
        status: a.status.clone(),
        published_at: a.published_at.as_deref().map(time).transpose()?,
        category_id,
        cover_image_url: a.cover_image_url.clone(),
        featured: a.featured,
        author_id,
        cover_image_id,
        seo: SeoFields {
            seo_title: nonblank(&a.seo_title),
            seo_description: nonblank(&a.seo_description),
            canonical_url: a.canonical_url.clone(),
            og_image_url: a.og_image_url.clone(),
        },
    };
    let (created_at, updated_at) = (time(&a.created_at)?, time(&a.updated_at)?);
    let mut tag_ids: Vec<i32> = tags::table.filter(tags::slug.eq_any(&a.tags)).select(tags::id).load(conn)?;
    tag_ids.sort_unstable();
    let stored: Option<ArticleRow> =
        articles::table.filter(articles::slug.eq(&a.slug)).select(ArticleRow::as_select()).first(conn).optional()?;
    let id = match stored {
        Some(row) => {
            let mut current_tags: Vec<i32> = article_tags::table
                .filter(article_tags::article_id.eq(row.id))
                .select(article_tags::tag_id)
                .load(conn)?;
            current_tags.sort_unstable();
            if row.fields == fields
                && current_tags == tag_ids
                && row.created_at == created_at
                && row.updated_at == updated_at
                && row.trashed_at == trashed_at
            {
                return Ok(Outcome::Unchanged);
            }
            // The replaced content is kept, as for every content change.
            let slugs: Vec<String> = article_tags::table
                .inner_join(tags::table)
                .filter(article_tags::article_id.eq(row.id))
                .select(tags::slug)
                .load(conn)?;
            db::revisions::keep(conn, &row, slugs, crate::config::DEFAULT_REVISIONS_KEEP)?;
            diesel::update(articles::table.find(row.id))
                .set((
                    &fields,
                    articles::created_at.eq(created_at),
                    articles::updated_at.eq(updated_at),
                    articles::trashed_at.eq(trashed_at),
                    articles::version.eq(articles::version + 1),
                    articles::editor.eq(None::<String>),
                ))
                .execute(conn)?;
            db::articles::set_tags(conn, row.id, &tag_ids)?;
            db::search::record_change(conn, row.id)?;
            return Ok(Outcome::Updated);
        }
        None => diesel::insert_into(articles::table)
            .values((
                articles::id.eq(db::articles::next_id(conn)?),
                &fields,
                articles::created_at.eq(created_at),
                articles::updated_at.eq(updated_at),
                articles::trashed_at.eq(trashed_at),
            ))
            .returning(articles::id)
            .get_result::<i32>(conn)?,
    };
    db::articles::set_tags(conn, id, &tag_ids)?;
    db::search::record_change(conn, id)?;
    Ok(Outcome::Created)
}

/// When the article `slug` went to the trash, if it is there.
pub fn trashed_at(conn: &mut Conn, slug: &str) -> QueryResult<Option<NaiveDateTime>> {
    Ok(articles::table.filter(articles::slug.eq(slug)).select(articles::trashed_at).first(conn).optional()?.flatten())
}

/// Raises the view total of the article `slug` to `total` if it is lower.
pub fn raise_total(conn: &mut Conn, slug: &str, total: i64) -> QueryResult<Outcome> {
    let raised = diesel::update(articles::table.filter(articles::slug.eq(slug)).filter(articles::view_count.lt(total)))
        .set(articles::view_count.eq(total))
        .execute(conn)?;
    Ok(if raised > 0 { Outcome::Updated } else { Outcome::Unchanged })
}

/// Parses line `number` (1-based) of a file.
pub fn parse_line(number: u64, line: &str) -> Result<Record, String> {
    let record: Record = serde_json::from_str(line).map_err(|e| format!("line {number}: {e}"))?;
    validate(&record).map_err(|why| format!("line {number}: {why}"))?;
    Ok(record)
}

/// Imports the NDJSON in `path` (or standard input for `-`, kept in a temporary file
/// for the second pass) into `pool`'s database; uploads' files must already be in
/// `media_dir`.
pub fn import(pool: &DbPool, path: &std::path::Path, media_dir: &std::path::Path) -> Result<Summary, String> {
    let spooled;
    let path = if path.as_os_str() == "-" {
        spooled = spool_stdin()?;
        spooled.path.clone()
    } else {
        path.to_path_buf()
    };
    let open = || -> Result<std::io::BufReader<std::fs::File>, String> {
        std::fs::File::open(&path)
            .map(std::io::BufReader::new)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    // Pass 1: every line parses, checks and refers to something known.
    let mut known = Known::of(&mut conn, media_dir).map_err(|e| e.to_string())?;
    for (index, line) in open()?.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.map_err(|e| format!("line {number}: cannot read: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = parse_line(number, &line)?;
        known.admit(&record).map_err(|why| format!("line {number}: {why}"))?;
    }
    drop(known);
    // Pass 2: write, a batch per transaction.
    let mut summary = Summary::default();
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    let mut write = |batch: &mut Vec<Record>, summary: &mut Summary| -> Result<(), String> {
        let outcomes = db::immediate(&mut conn, |conn| {
            let outcomes = batch.iter().map(|record| apply(conn, record)).collect::<QueryResult<Vec<Outcome>>>()?;
            if outcomes.iter().any(|o| *o != Outcome::Unchanged) {
                db::note_outside_write(conn)?;
            }
            Ok::<_, diesel::result::Error>(outcomes)
        })
        .map_err(|e| format!("cannot write: {e}"))?;
        for (record, outcome) in batch.iter().zip(outcomes) {
            summary.add(record, outcome);
        }
        batch.clear();
        Ok(())
    };
    for (index, line) in open()?.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.map_err(|e| format!("line {number}: cannot read: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        batch.push(parse_line(number, &line)?);
        if batch.len() == BATCH {
            write(&mut batch, &mut summary)?;
        }
    }
    if !batch.is_empty() {
        write(&mut batch, &mut summary)?;
    }
    Ok(summary)
}

/// A temporary file removed when dropped.
struct Spooled {
    path: std::path::PathBuf,
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn spool_stdin() -> Result<Spooled, String> {
    let path =
        std::env::temp_dir().join(format!("bantin-import-{}-{}.ndjson", std::process::id(), rand::random::<u64>()));
    let spooled = Spooled { path };
    let mut file = std::fs::File::create(&spooled.path).map_err(|e| format!("cannot spool standard input: {e}"))?;
    std::io::copy(&mut std::io::stdin().lock(), &mut file).map_err(|e| format!("cannot read standard input: {e}"))?;
    file.sync_all().map_err(|e| e.to_string())?;
    Ok(spooled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_an_unknown_type_or_field_is_refused_with_its_number() {
        let error = parse_line(3, r#"{"type":"poll","slug":"x"}"#).expect_err("unknown type");
        assert!(error.starts_with("line 3:"), "{error}");
        let error = parse_line(4, r#"{"type":"tag","slug":"a","name":"A","description":null,"colour":1}"#)
            .expect_err("unknown field");
        assert!(error.contains("colour"), "{error}");
        let error =
            parse_line(5, r#"{"type":"tag","slug":"Not A Slug","name":"A","description":null}"#).expect_err("bad slug");
        assert!(error.starts_with("line 5: slug"), "{error}");
    }

    #[test]
    fn media_names_must_be_files_the_library_writes() {
        let hash = "a".repeat(64);
        let line = |file: &str| {
            format!(
                r#"{{"type":"media","file":"{file}","mime_type":"image/png","width":2,"height":2,"bytes":9,"alt":null,"caption":null,"credit":null,"variants":[],"created_at":"2026-01-01T00:00:00Z"}}"#
            )
        };
        parse_line(1, &line(&format!("{hash}.png"))).expect("a stored name");
        for bad in ["../test.db", "../../etc/passwd.png", "anh.png"] {
            let error = parse_line(2, &line(bad)).expect_err(bad);
            assert!(error.starts_with("line 2: file must be a media file name"), "{error}");
        }
    }

    #[test]
    fn references_must_be_stored_or_on_an_earlier_line() {
        let mut known = Known::default();
        let child = Record::Category(Category {
            slug: "kinh-te".into(),
            name: "Kinh tế".into(),
            description: None,
            parent: Some("tin-tuc".into()),
            position: 0,
        });
        assert!(known.admit(&child).is_err(), "the parent comes later");
        let parent = Record::Category(Category {
            slug: "tin-tuc".into(),
            name: "Tin tức".into(),
            description: None,
            parent: None,
            position: 0,
        });
        known.admit(&parent).expect("top level");
        known.admit(&child).expect("the parent came first");
    }
}
