//! Feeds and sitemaps: RSS 2.0, JSON Feed 1.1, the sitemap index, article and
//! category sitemaps and the Google News sitemap, with the public URLs of the site
//! (`BANTIN_SITE_URL` and the URL templates). Routes reach it through [`Feeds`].

pub mod json_feed;
pub mod rss;
pub mod site;
pub mod sitemap;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::{NaiveDateTime, SecondsFormat};
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

pub use site::{ArticleLink, Site};

/// Articles in a feed: the newest this many.
pub const FEED_ITEMS: i64 = 50;

/// An article as feeds show it.
#[derive(Debug, Clone)]
pub struct FeedArticle {
    /// Article id.
    pub id: i32,
    /// Slug.
    pub slug: String,
    /// Headline.
    pub title: String,
    /// Lead paragraph (plain text).
    pub summary: Option<String>,
    /// The body (sanitized HTML).
    pub body: String,
    /// Byline.
    pub author: Option<String>,
    /// Its category's slug and name.
    pub category: Option<(String, String)>,
    /// Its tags' names.
    pub tags: Vec<String>,
    /// Cover image URL.
    pub cover_image_url: Option<String>,
    /// When it was published (UTC).
    pub published_at: NaiveDateTime,
    /// When its content last changed (UTC).
    pub updated_at: NaiveDateTime,
}

impl FeedArticle {
    /// What its URL is made of.
    pub fn link(&self) -> ArticleLink<'_> {
        ArticleLink {
            id: self.id,
            slug: &self.slug,
            category: self.category.as_ref().map(|(slug, _)| slug.as_str()),
            published_at: self.published_at,
        }
    }

    /// When the page last changed: its last edit, or its publication when that came
    /// later (an article scheduled after its last edit).
    pub fn modified(&self) -> NaiveDateTime {
        self.updated_at.max(self.published_at)
    }
}

/// What a feed is about: the whole site, a category or a tag.
#[derive(Debug, Clone)]
pub struct Channel {
    /// The feed's title.
    pub title: String,
    /// The page it mirrors.
    pub link: String,
    /// What it holds.
    pub description: String,
}

/// A stable id of an article across feeds: `{host}:article:{id}` (its URL may change
/// with its slug; this does not).
pub fn item_id(site: &Site, id: i32) -> String {
    format!("{}:article:{id}", site.host())
}

/// A stored UTC time as RFC 3339 (`2026-03-07T10:00:00Z`), the W3C datetime of sitemaps.
pub fn w3c(time: NaiveDateTime) -> String {
    time.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Text without the characters XML 1.0 cannot carry at all (C0 controls other than
/// tab, newline and carriage return; U+FFFE and U+FFFF), which would make the whole
/// document unreadable. Everything else is escaped by the XML writer.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
    if text.chars().all(allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

/// A writer of an XML document, its declaration written.
fn xml_document() -> std::io::Result<Writer<Vec<u8>>> {
    let mut writer = Writer::new(Vec::new());
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(writer)
}

/// Writes the element `name` holding `value` as text (see [`xml_safe`]).
fn xml_text<W: std::io::Write>(writer: &mut Writer<W>, name: &str, value: &str) -> std::io::Result<()> {
    writer.create_element(name).write_text_content(BytesText::new(&xml_safe(value)))?;
    Ok(())
}

/// A made answer: its body, content type and `ETag`.
#[derive(Debug)]
pub struct Rendered {
    /// The document.
    pub body: Bytes,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its validator: a hash of the body.
    pub etag: String,
}

impl Rendered {
    /// `body` of `content_type`, tagged with its hash.
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Self {
        let etag = crate::etag::of_body(&body);
        Self { body: Bytes::from(body), content_type, etag }
    }
}

struct Entry {
    generation: u64,
    /// When time alone outdates it (the news sitemap: its oldest article turns 48 hours old).
    until: Option<NaiveDateTime>,
    rendered: Arc<Rendered>,
}

/// Bytes of made feeds and sitemaps kept at most (an article sitemap of 50,000 URLs is
/// about 5 MB).
const MAX_BYTES: u64 = 32 * 1024 * 1024;
/// Longest an answer is kept.
const TIME_TO_LIVE: Duration = Duration::from_secs(3600);

/// The site settings and the answers made from them, kept until content changes.
pub struct Feeds {
    /// The site; `None` when `BANTIN_SITE_URL` is not set (the routes answer 404).
    pub site: Option<Arc<Site>>,
    made: moka::sync::Cache<String, Arc<Entry>>,
}

impl Feeds {
    /// Feeds of `site` (none without one).
    pub fn new(site: Option<Site>) -> Self {
        let made = moka::sync::Cache::builder()
            .max_capacity(MAX_BYTES)
            .weigher(|key: &String, entry: &Arc<Entry>| {
                u32::try_from(key.len() + entry.rendered.body.len()).unwrap_or(u32::MAX)
            })
            .time_to_live(TIME_TO_LIVE)
            .build();
        Self { site: site.map(Arc::new), made }
    }

    /// Feeds from the server settings; an error naming the wrong setting.
    pub fn from_settings(args: &crate::config::ServeArgs) -> Result<Self, String> {
        let site = match args.site_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Some(Site::new(url, args.site_name.as_deref(), &args.article_url, &args.category_url)?),
            None => None,
        };
        Ok(Self::new(site))
    }

    /// The answer made for `key` at content `generation`, if it is still true at `now`.
    pub fn cached(&self, key: &str, generation: u64, now: NaiveDateTime) -> Option<Arc<Rendered>> {
        let entry = self.made.get(key)?;
        let current = entry.generation == generation && entry.until.is_none_or(|until| now < until);
        current.then(|| entry.rendered.clone())
    }

    /// Keeps `rendered` for `key`, made at content `generation`, true until `until`.
    pub fn keep(&self, key: String, generation: u64, until: Option<NaiveDateTime>, rendered: Arc<Rendered>) {
        self.made.insert(key, Arc::new(Entry { generation, until, rendered }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_carry_are_dropped_and_the_rest_kept() {
        assert_eq!(xml_safe("Bão số 5 & <mưa> \"lớn\""), "Bão số 5 & <mưa> \"lớn\"");
        assert!(matches!(xml_safe("tab\tline\n"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(xml_safe("a\u{0}b\u{1b}c\u{FFFF}d\u{1F600}"), "abcd\u{1F600}");
    }

    #[test]
    fn answers_are_kept_for_their_generation_and_time() {
        let feeds = Feeds::new(None);
        let at =
            |h| NaiveDateTime::parse_from_str(&format!("2026-01-01 {h:02}:00:00"), "%Y-%m-%d %H:%M:%S").expect("t");
        feeds.keep("a".into(), 3, Some(at(10)), Arc::new(Rendered::new(b"x".to_vec(), "application/xml")));
        assert!(feeds.cached("a", 3, at(9)).is_some());
        assert!(feeds.cached("a", 4, at(9)).is_none(), "content changed");
        assert!(feeds.cached("a", 3, at(10)).is_none(), "time ran out");
        assert!(feeds.cached("b", 3, at(9)).is_none());
        assert_eq!(w3c(at(9)), "2026-01-01T09:00:00Z");
    }
}
