//! RSS 2.0 (https://www.rssboard.org/rss-specification), written with quick-xml.

use std::io;

use quick_xml::events::BytesText;
use quick_xml::Writer;

use super::{item_id, xml_document, xml_text as text, Channel, FeedArticle, Site};

/// `Content-Type` of an RSS feed.
pub const CONTENT_TYPE: &str = "application/rss+xml; charset=utf-8";
/// The content module: the whole body in `content:encoded`.
const CONTENT_NS: &str = "http://purl.org/rss/1.0/modules/content/";
/// Dublin Core: the byline in `dc:creator` (RSS's own `author` must be an e-mail address).
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";

/// The RSS document of `articles` (newest first) on `channel`.
pub fn write(site: &Site, channel: &Channel, articles: &[FeedArticle]) -> io::Result<Vec<u8>> {
    let mut writer = xml_document()?;
    writer
        .create_element("rss")
        .with_attributes([("version", "2.0"), ("xmlns:content", CONTENT_NS), ("xmlns:dc", DC_NS)])
        .write_inner_content(|w| {
            w.create_element("channel").write_inner_content(|w| {
                text(w, "title", &channel.title)?;
                text(w, "link", &channel.link)?;
                text(w, "description", &channel.description)?;
                text(w, "language", "vi")?;
                if let Some(newest) = articles.iter().map(FeedArticle::modified).max() {
                    text(w, "lastBuildDate", &newest.and_utc().to_rfc2822())?;
                }
                for article in articles {
                    item(w, site, article)?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(writer.into_inner())
}

fn item<W: io::Write>(w: &mut Writer<W>, site: &Site, article: &FeedArticle) -> io::Result<()> {
    w.create_element("item").write_inner_content(|w| {
        text(w, "title", &article.title)?;
        text(w, "link", &site.article_url(&article.link()))?;
        w.create_element("guid")
            .with_attribute(("isPermaLink", "false"))
            .write_text_content(BytesText::new(&item_id(site, article.id)))?;
        text(w, "pubDate", &article.published_at.and_utc().to_rfc2822())?;
        if let Some(author) = &article.author {
            text(w, "dc:creator", author)?;
        }
        if let Some((_, name)) = &article.category {
            text(w, "category", name)?;
        }
        for tag in &article.tags {
            text(w, "category", tag)?;
        }
        if let Some(summary) = &article.summary {
            text(w, "description", summary)?;
        }
        text(w, "content:encoded", &article.body)?;
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;
    use quick_xml::events::Event;

    fn article(title: &str) -> FeedArticle {
        let at = NaiveDateTime::parse_from_str("2026-03-07 10:00:00", "%Y-%m-%d %H:%M:%S").expect("time");
        FeedArticle {
            id: 7,
            slug: "bao-so-5".into(),
            title: title.into(),
            summary: Some("Mưa <lớn> & gió".into()),
            body: "<p>Đường &amp; cầu</p>".into(),
            author: Some("Nguyễn Văn An".into()),
            category: Some(("thoi-su".into(), "Thời sự".into())),
            tags: vec!["Bão & lũ".into()],
            cover_image_url: None,
            published_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn markup_in_text_is_escaped_and_reads_back_as_written() {
        let site = Site::new("https://baoquangnam.vn", Some("Báo Quảng Nam"), "{site}/{slug}", "{site}/{category}")
            .expect("site");
        let channel = Channel { title: "Báo & <Quảng> Nam".into(), link: site.url.clone(), description: "x".into() };
        let title = "Bão số 5 <b>&</b> \"lũ\" \u{1}";
        let xml = write(&site, &channel, &[article(title)]).expect("rss");
        let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
        // (path, text) of each element as it closes; open elements on `open`.
        let (mut texts, mut open, mut buf) = (Vec::new(), Vec::<(String, String)>::new(), Vec::new());
        loop {
            match reader.read_event_into(&mut buf).expect("well-formed") {
                Event::Start(start) => {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    let path = open.last().map_or(name.clone(), |(parent, _)| format!("{parent}/{name}"));
                    open.push((path, String::new()));
                }
                Event::End(_) => texts.extend(open.pop()),
                Event::Text(t) => open.last_mut().expect("inside").1.push_str(&t.decode().expect("utf-8")),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref().expect("char") {
                        Some(c) => c.to_string(),
                        None => match &*r.decode().expect("utf-8") {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            "apos" => "'",
                            other => panic!("unknown entity {other}"),
                        }
                        .to_owned(),
                    };
                    open.last_mut().expect("inside").1.push_str(&resolved);
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        let find = |at: &str| texts.iter().find(|(p, _)| p == at).map(|(_, t)| t.clone());
        assert_eq!(find("rss/channel/title").as_deref(), Some("Báo & <Quảng> Nam"));
        assert_eq!(find("rss/channel/item/title").as_deref(), Some("Bão số 5 <b>&</b> \"lũ\" "));
        assert_eq!(find("rss/channel/item/content:encoded").as_deref(), Some("<p>Đường &amp; cầu</p>"));
        assert_eq!(find("rss/channel/item/link").as_deref(), Some("https://baoquangnam.vn/bao-so-5"));
        assert_eq!(find("rss/channel/item/guid").as_deref(), Some("baoquangnam.vn:article:7"));
        assert_eq!(find("rss/channel/item/pubDate").as_deref(), Some("Sat, 7 Mar 2026 10:00:00 +0000"));
    }
}
