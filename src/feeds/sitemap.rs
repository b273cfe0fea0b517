//! Sitemaps (https://www.sitemaps.org/protocol.html) and the Google News extension,
//! written with quick-xml.

use std::io;

use chrono::NaiveDateTime;
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::Writer;

use super::{w3c, xml_document, xml_text as text};

/// `Content-Type` of sitemaps.
pub const CONTENT_TYPE: &str = "application/xml";
/// The sitemaps.org namespace.
pub const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
/// The Google News sitemap namespace.
pub const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
/// URLs in one sitemap file at most (the protocol's limit).
pub const URLS_PER_FILE: i64 = 50_000;
/// Articles in the news sitemap at most (Google News reads no more).
pub const NEWS_MAX: i64 = 1_000;
/// How far back the news sitemap reaches.
pub const NEWS_HOURS: i64 = 48;

/// Where article sitemap file `n` (from 1) starts: `None` for 0.
pub fn file_offset(n: u32, per_file: i64) -> Option<i64> {
    n.checked_sub(1).map(|before| i64::from(before) * per_file)
}

/// How many files `urls` URLs need, `per_file` each.
pub fn files_for(urls: i64, per_file: i64) -> i64 {
    (urls + per_file - 1) / per_file
}

/// The path of article sitemap file `n`.
pub fn article_file_path(n: usize) -> String {
    format!("/sitemaps/articles-{n}.xml")
}

/// Writes `<{element}>` with the page's location and, if known, its last change.
fn page<W: io::Write>(w: &mut Writer<W>, element: &str, loc: &str, lastmod: Option<NaiveDateTime>) -> io::Result<()> {
    w.create_element(element).write_inner_content(|w| {
        text(w, "loc", loc)?;
        if let Some(lastmod) = lastmod {
            text(w, "lastmod", &w3c(lastmod))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// A page of a sitemap, or a sitemap of an index: its location and last change.
pub type Entry = (String, Option<NaiveDateTime>);

/// A sitemap index of `files`.
pub fn index(files: impl IntoIterator<Item = Entry>) -> io::Result<Vec<u8>> {
    let mut writer = xml_document()?;
    writer.create_element("sitemapindex").with_attribute(("xmlns", SITEMAP_NS)).write_inner_content(|w| {
        for (loc, lastmod) in files {
            page(w, "sitemap", &loc, lastmod)?;
        }
        Ok(())
    })?;
    Ok(writer.into_inner())
}

/// A sitemap of `pages`.
pub fn urlset(pages: impl IntoIterator<Item = Entry>) -> io::Result<Vec<u8>> {
    let mut urls = UrlSet::start(false)?;
    for (loc, lastmod) in pages {
        urls.url(&loc, lastmod)?;
    }
    urls.finish()
}

/// A Google News sitemap of `articles` of `publication`: (location, publication time, title).
pub fn news<'a>(
    publication: &str,
    articles: impl IntoIterator<Item = (String, NaiveDateTime, &'a str)>,
) -> io::Result<Vec<u8>> {
    let mut urls = UrlSet::start(true)?;
    for (loc, published, title) in articles {
        urls.news(&loc, publication, published, title)?;
    }
    urls.finish()
}

/// A `urlset` written one URL at a time.
pub struct UrlSet {
    writer: Writer<Vec<u8>>,
    urls: usize,
}

impl UrlSet {
    /// Starts a sitemap; `news` declares the Google News namespace too.
    pub fn start(news: bool) -> io::Result<Self> {
        let mut writer = xml_document()?;
        let mut urlset = BytesStart::new("urlset").with_attributes([("xmlns", SITEMAP_NS)]);
        if news {
            urlset.push_attribute(("xmlns:news", NEWS_NS));
        }
        writer.write_event(Event::Start(urlset))?;
        Ok(Self { writer, urls: 0 })
    }

    /// Adds a page.
    pub fn url(&mut self, loc: &str, lastmod: Option<NaiveDateTime>) -> io::Result<()> {
        self.urls += 1;
        page(&mut self.writer, "url", loc, lastmod)
    }

    /// Adds a news article of `publication` (in Vietnamese).
    pub fn news(&mut self, loc: &str, publication: &str, published: NaiveDateTime, title: &str) -> io::Result<()> {
        self.urls += 1;
        self.writer.create_element("url").write_inner_content(|w| {
            text(w, "loc", loc)?;
            w.create_element("news:news").write_inner_content(|w| {
                w.create_element("news:publication").write_inner_content(|w| {
                    text(w, "news:name", publication)?;
                    text(w, "news:language", "vi")
                })?;
                text(w, "news:publication_date", &w3c(published))?;
                text(w, "news:title", title)
            })?;
            Ok(())
        })?;
        Ok(())
    }

    /// Whether no URL was added.
    pub fn is_empty(&self) -> bool {
        self.urls == 0
    }

    /// The finished document.
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        self.writer.write_event(Event::End(BytesEnd::new("urlset")))?;
        Ok(self.writer.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_split_at_the_limit() {
        assert_eq!(files_for(0, URLS_PER_FILE), 0);
        assert_eq!(files_for(1, URLS_PER_FILE), 1);
        assert_eq!(files_for(50_000, URLS_PER_FILE), 1);
        assert_eq!(files_for(50_001, URLS_PER_FILE), 2);
        assert_eq!(files_for(120_000, URLS_PER_FILE), 3);
        assert_eq!(file_offset(0, URLS_PER_FILE), None);
        assert_eq!(file_offset(1, URLS_PER_FILE), Some(0));
        assert_eq!(file_offset(3, URLS_PER_FILE), Some(100_000));
        assert_eq!(file_offset(u32::MAX, URLS_PER_FILE), Some(214_748_364_700_000));
        assert_eq!(article_file_path(2), "/sitemaps/articles-2.xml");
    }

    #[test]
    fn a_news_sitemap_declares_both_namespaces_and_escapes_titles() {
        let at = NaiveDateTime::parse_from_str("2026-03-07 10:00:00", "%Y-%m-%d %H:%M:%S").expect("time");
        let mut set = UrlSet::start(true).expect("start");
        set.news("https://baoquangnam.vn/a?x=1&y=2", "Báo Quảng Nam", at, "Lũ <về> & \"mưa\"").expect("url");
        let xml = String::from_utf8(set.finish().expect("finish")).expect("utf-8");
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
             xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>https://baoquangnam.vn/a?x=1&amp;y=2</loc>"
        ));
        assert!(xml.contains("<news:title>Lũ &lt;về&gt; &amp; &quot;mưa&quot;</news:title>"), "{xml}");
        assert!(xml.contains("<news:publication_date>2026-03-07T10:00:00Z</news:publication_date>"));
        assert!(xml.ends_with("</url></urlset>"));
    }
}
