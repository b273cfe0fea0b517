//! `bantin import-wordpress FILE.xml`: a WordPress export (WXR) moved in.
//!
//! The file is read twice, streamed both times: once to check that it is a whole,
//! well-formed WXR document (a broken file changes nothing), once to import. Memory
//! holds the declared categories, tags and authors, the attachment URLs (for featured
//! images) and one batch of posts, never the document.
//!
//! Mapping (see the README, "Moving in from WordPress"):
//! - categories keep their hierarchy and slugs, tags their slugs; a slug that is
//!   not a valid bantin slug (WordPress keeps Vietnamese letters, percent-encoded) is
//!   folded to ASCII (`tin-tức` → `tin-tuc`);
//! - posts only (pages, attachments, menu items and other types are skipped):
//!   `publish` → published, `future` → published at its future time (scheduled),
//!   `draft`/`pending`/`private` → draft, `trash` → in bantin's trash (with the status
//!   it had, its slug without WordPress's `__trashed`); an article trashed in bantin
//!   stays there on a re-import;
//! - dates from `post_date_gmt` (`post_date` read as UTC when it is missing);
//! - `content:encoded` through WordPress's paragraph rules and shortcodes
//!   ([`crate::wordpress::to_html`]), then sanitized like any body;
//! - the excerpt (as plain text) → summary; the author's display name → byline;
//!   the first category → category; the featured image's URL → `cover_image_url`;
//! - `views` / `post_views_count` post meta → the article's view total (raised to
//!   it, never lowered: views bantin counted after an earlier import stay);
//! - Yoast SEO's post meta → the SEO fields ([`yoast`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::Path;

use chrono::NaiveDateTime;

use super::ndjson::{self, Outcome, Record, Summary};
use crate::db::articles::SeoFields;
use crate::db::{self, DbPool};
use crate::wordpress::{Entry, Item, Reader};
use crate::{html, text};

/// Posts written per transaction.
const BATCH: usize = 500;

/// What an import did: per kind, and what was skipped and why.
#[derive(Debug, Default)]
pub struct Report {
    pub written: Summary,
    /// Why → how many.
    pub skipped: BTreeMap<String, u64>,
    /// Slugs changed to be valid bantin slugs.
    pub slugs_folded: u64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.written)?;
        if self.slugs_folded > 0 {
            writeln!(f, "{} slug(s) with letters bantin slugs do not take were folded to ASCII", self.slugs_folded)?;
        }
        for (why, n) in &self.skipped {
            writeln!(f, "skipped {n:>7} {why}")?;
        }
        Ok(())
    }
}

fn open(path: &Path, progress: Option<&indicatif::ProgressBar>) -> Result<Box<dyn BufRead>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let reader = BufReader::with_capacity(1 << 16, file);
    Ok(match progress {
        Some(bar) => Box::new(BufReader::new(bar.wrap_read(reader))),
        None => Box::new(reader),
    })
}

/// Imports the WordPress export at `path` into `pool`'s database.
pub fn import(pool: &DbPool, path: &Path) -> Result<Report, String> {
    // Pass 1: the whole document parses; attachments' URLs are noted (a featured
    // image may come after the post that uses it).
    let mut items = 0u64;
    let mut attachments = HashMap::new();
    for entry in Reader::new(open(path, None)?) {
        if let Entry::Item(item) = entry.map_err(|e| format!("{}: {e}; nothing was imported", path.display()))? {
            items += 1;
            if item.post_type == "attachment" {
                if let Some(url) = item.attachment_url.filter(|u| text::is_stored_url(u)) {
                    attachments.insert(item.id, url);
                }
            }
        }
    }
    let bar = if std::io::stderr().is_terminal() {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let bar = indicatif::ProgressBar::new(size);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {elapsed_precise} (ETA {eta}) importing {msg}",
        ) {
            bar.set_style(style);
        }
        bar.set_message(format!("{items} items"));
        Some(bar)
    } else {
        None
    };
    let mut import = Import::new(pool, attachments);
    for entry in Reader::new(open(path, bar.as_ref())?) {
        match entry.map_err(|e| format!("{}: {e}", path.display()))? {
            Entry::Author(author) => {
                import.authors.push((author.login, author.display_name));
            }
            Entry::Category(category) => import.categories.push(category),
            Entry::Tag(tag) => import.tags.push(tag),
            Entry::Item(item) => import.item(*item)?,
        }
    }
    import.finish()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(import.report)
}

struct Import<'a> {
    pool: &'a DbPool,
    report: Report,
    /// Declared authors: (login, display name), in file order.
    authors: Vec<(String, String)>,
    /// Login → (author slug, display name).
    author_slugs: HashMap<String, (String, String)>,
    /// Declared terms, written before the first item.
    categories: Vec<crate::wordpress::Term>,
    tags: Vec<crate::wordpress::Term>,
    terms_written: bool,
    /// WordPress slug → bantin slug.
    category_slugs: HashMap<String, String>,
    tag_slugs: HashMap<String, String>,
    /// bantin slug → the WordPress slug it stands for ("category:…" or "tag:…"), so
    /// that two WordPress slugs folding to one get distinct bantin slugs.
    taken: HashMap<String, String>,
    /// bantin article slug → WordPress post id, for collisions within the file.
    article_slugs: HashMap<String, i64>,
    /// Attachment id → URL.
    attachments: HashMap<i64, String>,
    batch: Vec<Record>,
}

impl<'a> Import<'a> {
    fn new(pool: &'a DbPool, attachments: HashMap<i64, String>) -> Self {
        Self {
            pool,
            report: Report::default(),
            authors: Vec::new(),
            author_slugs: HashMap::new(),
            categories: Vec::new(),
            tags: Vec::new(),
            terms_written: false,
            category_slugs: HashMap::new(),
            tag_slugs: HashMap::new(),
            taken: HashMap::new(),
            article_slugs: HashMap::new(),
            attachments,
            batch: Vec::with_capacity(BATCH),
        }
    }

    fn skip(&mut self, why: impl Into<String>) {
        *self.report.skipped.entry(why.into()).or_default() += 1;
    }

    /// A valid bantin slug for WordPress's `slug` (or `fallback` text when empty).
    fn slug(&mut self, slug: &str, fallback: &str, kind: &str) -> String {
        if !slug.is_empty() && text::slug_problem(slug).is_none() {
            return slug.to_owned();
        }
        if !slug.is_empty() {
            self.report.slugs_folded += 1;
        }
        text::slugify(if slug.is_empty() { fallback } else { slug }, kind)
    }

    /// [`Self::slug`] for a category or tag, distinct from the slug of any other term
    /// of its kind in this file (`tin-tức` and `tin-tuc` both fold to `tin-tuc`; the
    /// later one becomes `tin-tuc-2`), the same on every import of the file.
    fn term_slug(&mut self, kind: &str, wp_slug: &str, name: &str) -> String {
        let base = self.slug(wp_slug, name, kind);
        let owner = format!("{kind}:{wp_slug}");
        let mut n = 1;
        loop {
            let candidate = text::slug_candidate(&base, n);
            let key = format!("{kind}:{candidate}");
            match self.taken.get(&key) {
                Some(other) if *other != owner => n += 1,
                _ => {
                    self.taken.insert(key, owner);
                    return candidate;
                }
            }
        }
    }

    /// Writes the declared categories (parents first) and tags.
    fn write_terms(&mut self) -> Result<(), String> {
        if self.terms_written {
            return Ok(());
        }
        self.terms_written = true;
        for (login, name) in std::mem::take(&mut self.authors) {
            self.push_author(&login, &name)?;
        }
        let declared = std::mem::take(&mut self.categories);
        for category in &declared {
            let slug = self.term_slug("category", &category.slug, &category.name);
            self.category_slugs.insert(category.slug.clone(), slug);
        }
        // Parents before children, whatever the file's order; a parent that is not
        // declared (or a cycle) leaves the category at the top level.
        let mut placed: HashSet<String> = HashSet::new();
        let mut waiting: Vec<&crate::wordpress::Term> = declared.iter().collect();
        while !waiting.is_empty() {
            let before = waiting.len();
            let mut later = Vec::new();
            for category in waiting {
                let parent = category.parent.as_ref().filter(|p| self.category_slugs.contains_key(*p));
                match parent {
                    Some(p) if !placed.contains(p) => later.push(category),
                    _ => {
                        self.push_category(category, parent.cloned())?;
                        placed.insert(category.slug.clone());
                    }
                }
            }
            if later.len() == before {
                for category in &later {
                    self.push_category(category, None)?;
                    placed.insert(category.slug.clone());
                }
                break;
            }
            waiting = later;
        }
        let declared = std::mem::take(&mut self.tags);
        for tag in declared {
            self.push_tag(&tag.slug, &tag.name, tag.description.clone())?;
        }
        self.flush()
    }

    fn push_category(&mut self, category: &crate::wordpress::Term, parent: Option<String>) -> Result<(), String> {
        let slug = self.category_slugs.get(&category.slug).cloned().unwrap_or_default();
        let parent = parent.and_then(|p| self.category_slugs.get(&p).cloned());
        self.push(Record::Category(ndjson::Category {
            slug,
            name: clip(&category.name, 100),
            description: category.description.as_deref().map(|d| clip(d, 1000)),
            parent,
            position: 0,
        }))
    }

    /// The author record for WordPress user `login` (shown as `name`), made once.
    fn push_author(&mut self, login: &str, name: &str) -> Result<(String, String), String> {
        if let Some(known) = self.author_slugs.get(login) {
            return Ok(known.clone());
        }
        let name = if name.trim().is_empty() { login } else { name };
        let slug = self.term_slug("author", &login.to_lowercase(), name);
        self.author_slugs.insert(login.to_owned(), (slug.clone(), name.to_owned()));
        self.push(Record::Author(ndjson::Author {
            slug: slug.clone(),
            name: clip(name, 200),
            bio: None,
            avatar_url: None,
        }))?;
        Ok((slug, name.to_owned()))
    }

    fn push_tag(&mut self, wp_slug: &str, name: &str, description: Option<String>) -> Result<String, String> {
        if let Some(slug) = self.tag_slugs.get(wp_slug) {
            return Ok(slug.clone());
        }
        let slug = self.term_slug("tag", wp_slug, name);
        self.tag_slugs.insert(wp_slug.to_owned(), slug.clone());
        self.push(Record::Tag(ndjson::Tag {
            slug: slug.clone(),
            name: clip(if name.trim().is_empty() { wp_slug } else { name }, 100),
            description: description.map(|d| clip(&d, 1000)),
        }))?;
        Ok(slug)
    }

    fn push(&mut self, record: Record) -> Result<(), String> {
        if let Err(why) = ndjson::validate(&record) {
            let kind = match &record {
                Record::Category(_) => "category",
                Record::Tag(_) => "tag",
                Record::Author(_) => "author",
                Record::Media(_) => "attachment",
                Record::Article(_) => "post",
                Record::Views(_) => "view count",
            };
            self.skip(format!("{kind}: {why}"));
            return Ok(());
        }
        self.batch.push(record);
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        let outcomes = db::immediate(&mut conn, |conn| {
            // A legacy view total raises the article's total, never lowers it: views
            // counted by bantin since an earlier import stay.
            // An article trashed in bantin stays there unless WordPress trashed it too.
            let outcomes = batch
                .iter()
                .map(|record| match record {
                    Record::Views(views) => ndjson::raise_total(conn, &views.article, views.total),
                    Record::Article(article) if article.trashed_at.is_none() => {
                        match ndjson::trashed_at(conn, &article.slug)? {
                            Some(at) => {
                                let kept = ndjson::Article { trashed_at: Some(time_text(at)), ..(**article).clone() };
                                ndjson::apply(conn, &Record::Article(Box::new(kept)))
                            }
                            None => ndjson::apply(conn, record),
                        }
                    }
                    other => ndjson::apply(conn, other),
                })
                .collect::<diesel::QueryResult<Vec<Outcome>>>()?;
            if outcomes.iter().any(|o| *o != Outcome::Unchanged) {
                db::note_outside_write(conn)?;
            }
            Ok::<_, diesel::result::Error>(outcomes)
        })
        .map_err(|e| format!("cannot write: {e}"))?;
        for (record, outcome) in batch.iter().zip(outcomes) {
            self.report.written.add(record, outcome);
        }
        Ok(())
    }

    fn item(&mut self, item: Item) -> Result<(), String> {
        match item.post_type.as_str() {
            "attachment" => return Ok(()),
            "post" => {}
            other => {
                self.skip(format!("{other}: not a post (bantin imports posts)"));
                return Ok(());
            }
        }
        self.write_terms()?;
        // A trashed post keeps the status it had (`_wp_trash_meta_status`) under the trash.
        let trashed = item.status == "trash";
        let underneath = if trashed { item.meta("_wp_trash_meta_status").unwrap_or("draft") } else { &item.status };
        let (status, published_at) = match underneath {
            "publish" | "future" => ("published", item.date_gmt.or(item.date_local)),
            "draft" | "pending" | "private" => ("draft", item.date_gmt),
            other => {
                self.skip(format!("post with status {other:?}"));
                return Ok(());
            }
        };
        let trashed_at = trashed.then(|| {
            let meta = item.meta("_wp_trash_meta_time").and_then(|t| t.trim().parse::<i64>().ok());
            meta.and_then(|t| chrono::DateTime::from_timestamp(t, 0).map(|t| t.naive_utc()))
                .or(item.modified_gmt)
                .or(item.date_gmt)
                .unwrap_or_else(db::now)
        });
        // WordPress renames a trashed post's slug `…__trashed`; its own slug comes back.
        let wp_slug = if trashed { item.slug.trim_end_matches("__trashed").to_owned() } else { item.slug.clone() };
        let title = if item.title.trim().is_empty() { format!("Bài viết {}", item.id) } else { item.title.clone() };
        let mut slug = self.slug(&wp_slug, &title, "article");
        match self.article_slugs.get(&slug) {
            Some(id) if *id != item.id => slug = text::slug_candidate(&slug, u32::try_from(item.id).unwrap_or(0)),
            _ => {}
        }
        self.article_slugs.insert(slug.clone(), item.id);
        let mut tags = Vec::new();
        for term in item.terms.iter().filter(|t| t.domain == "post_tag") {
            let tag = self.push_tag(&term.slug, &term.name, None)?;
            if !tags.contains(&tag) && tags.len() < 50 {
                tags.push(tag);
            }
        }
        tags.sort();
        let category = match item.terms.iter().find(|t| t.domain == "category") {
            Some(term) => Some(match self.category_slugs.get(&term.slug) {
                Some(slug) => slug.clone(),
                None => {
                    // Filed under a category the export did not declare.
                    let slug = self.term_slug("category", &term.slug, &term.name);
                    self.category_slugs.insert(term.slug.clone(), slug.clone());
                    self.push(Record::Category(ndjson::Category {
                        slug: slug.clone(),
                        name: clip(&term.name, 100),
                        description: None,
                        parent: None,
                        position: 0,
                    }))?;
                    slug
                }
            }),
            None => None,
        };
        let cover = item.thumbnail_id().and_then(|id| self.attachments.get(&id).cloned());
        let created = item.date_gmt.or(item.date_local).unwrap_or_else(db::now);
        let updated = item.modified_gmt.filter(|m| *m >= created).unwrap_or(created);
        let summary = html::plain_text(&item.excerpt);
        let author = match item.creator.as_deref().filter(|login| !login.trim().is_empty()) {
            Some(login) => Some(self.push_author(login, login)?),
            None => None,
        };
        let seo = yoast(&item);
        self.push(Record::Article(Box::new(ndjson::Article {
            slug: slug.clone(),
            title: clip(&title, 300),
            summary: (!summary.trim().is_empty()).then(|| clip(summary.trim(), 1000)),
            body: crate::wordpress::to_html(&item.content),
            byline: author.as_ref().map(|(_, name)| clip(name, 200)),
            author: author.map(|(slug, _)| slug),
            status: status.to_owned(),
            trashed_at: trashed_at.map(time_text),
            published_at: published_at.map(time_text),
            category,
            tags,
            cover_image_url: cover,
            cover_image: None,
            featured: false,
            created_at: time_text(created),
            updated_at: time_text(updated),
            seo_title: seo.seo_title,
            seo_description: seo.seo_description,
            canonical_url: seo.canonical_url,
            og_image_url: seo.og_image_url,
        })))?;
        if let Some(total) = item.view_count().filter(|n| *n > 0) {
            self.push(Record::Views(ndjson::Views { article: slug, total, daily: Vec::new() }))?;
        }
        Ok(())
    }

    /// Writes what is left.
    fn finish(&mut self) -> Result<(), String> {
        self.write_terms()?;
        self.flush()
    }
}

fn time_text(time: NaiveDateTime) -> String {
    time.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A post's Yoast SEO overrides (`_yoast_wpseo_title`, `_yoast_wpseo_metadesc`,
/// `_yoast_wpseo_canonical`, `_yoast_wpseo_opengraph-image`), as far as they fit: a
/// title or description holding Yoast's `%%variables%%` is a template for Yoast to
/// fill, not a text, and a URL must be an absolute `http(s)` URL; what does not fit
/// is left to the article's default.
fn yoast(item: &Item) -> SeoFields {
    let text = |key: &str, max: usize| {
        let value = item.meta(key)?.trim();
        (!value.is_empty() && !value.contains("%%")).then(|| clip(value, max))
    };
    let url = |key: &str| {
        let value = item.meta(key)?.trim();
        text::is_stored_url(value).then(|| value.to_owned())
    };
    SeoFields {
        seo_title: text("_yoast_wpseo_title", SeoFields::MAX_TITLE),
        seo_description: text("_yoast_wpseo_metadesc", SeoFields::MAX_DESCRIPTION),
        canonical_url: url("_yoast_wpseo_canonical"),
        og_image_url: url("_yoast_wpseo_opengraph-image"),
    }
}

/// `text` cut to at most `max` characters.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(meta: &[(&str, &str)]) -> Item {
        Item { meta: meta.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect(), ..Item::default() }
    }

    #[test]
    fn yoast_overrides_become_seo_fields_when_they_fit() {
        let seo = yoast(&post(&[
            ("_yoast_wpseo_title", " Nông dân Phú Hòa trúng mùa "),
            ("_yoast_wpseo_metadesc", &"ệ".repeat(400)),
            ("_yoast_wpseo_canonical", "https://baobinhson.example.org/nong-dan-trung-mua/"),
            ("_yoast_wpseo_opengraph-image", "https://baobinhson.example.org/wp-content/uploads/lua-1200.jpg"),
        ]));
        assert_eq!(seo.seo_title.as_deref(), Some("Nông dân Phú Hòa trúng mùa"));
        assert_eq!(seo.seo_description.map(|d| d.chars().count()), Some(SeoFields::MAX_DESCRIPTION), "clipped");
        assert_eq!(seo.canonical_url.as_deref(), Some("https://baobinhson.example.org/nong-dan-trung-mua/"));
        assert!(seo.og_image_url.is_some());
    }

    #[test]
    fn yoast_templates_blank_values_and_relative_urls_leave_the_defaults() {
        let seo = yoast(&post(&[
            ("_yoast_wpseo_title", "%%title%% %%sep%% %%sitename%%"),
            ("_yoast_wpseo_metadesc", "   "),
            ("_yoast_wpseo_canonical", "/nong-dan-trung-mua/"),
            ("_yoast_wpseo_opengraph-image", "ftp://example.org/a.jpg"),
        ]));
        assert_eq!(seo, SeoFields::default());
        assert_eq!(yoast(&post(&[])), SeoFields::default());
    }
}
