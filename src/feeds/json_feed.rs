//! JSON Feed 1.1 (https://jsonfeed.org/version/1.1).

use serde::Serialize;
use utoipa::ToSchema;

use super::{item_id, Channel, FeedArticle, Site};

/// `Content-Type` of a JSON Feed.
pub const CONTENT_TYPE: &str = "application/feed+json";
/// The version URL every JSON Feed 1.1 names.
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// A JSON Feed 1.1 document.
#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeed {
    /// Always `https://jsonfeed.org/version/1.1`.
    #[schema(example = "https://jsonfeed.org/version/1.1")]
    pub version: String,
    /// The site's name (and the category's or tag's).
    #[schema(example = "Báo Quảng Nam – Thời sự")]
    pub title: String,
    /// The page the feed mirrors.
    #[schema(example = "https://baoquangnam.vn/thoi-su")]
    pub home_page_url: String,
    /// What the feed holds.
    pub description: String,
    /// `vi`.
    #[schema(example = "vi")]
    pub language: String,
    /// The newest visible articles, newest first.
    pub items: Vec<JsonFeedItem>,
}

/// One article of a JSON Feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeedItem {
    /// Stable id: `{host}:article:{id}`.
    #[schema(example = "baoquangnam.vn:article:101")]
    pub id: String,
    /// The article's public URL (`BANTIN_ARTICLE_URL`).
    #[schema(example = "https://baoquangnam.vn/thuc-hien-hieu-qua-cac-phong-trao-thi-dua")]
    pub url: String,
    /// Headline.
    pub title: String,
    /// The body (sanitized HTML).
    pub content_html: String,
    /// Lead paragraph.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Cover image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// When it was published (RFC 3339).
    #[schema(example = "2026-03-07T10:00:00Z")]
    pub date_published: String,
    /// When its content last changed (RFC 3339).
    #[schema(example = "2026-03-07T11:30:00Z")]
    pub date_modified: String,
    /// The byline.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<JsonFeedAuthor>,
    /// The category's name, then the tags' names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// An author of a JSON Feed item.
#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeedAuthor {
    /// The byline.
    #[schema(example = "Nguyễn Văn An")]
    pub name: String,
}

/// The JSON Feed of `articles` (newest first) on `channel`.
pub fn build(site: &Site, channel: &Channel, articles: Vec<FeedArticle>) -> JsonFeed {
    let items = articles
        .into_iter()
        .map(|article| JsonFeedItem {
            id: item_id(site, article.id),
            url: site.article_url(&article.link()),
            date_published: super::w3c(article.published_at),
            date_modified: super::w3c(article.modified()),
            authors: article.author.clone().map(|name| JsonFeedAuthor { name }).into_iter().collect(),
            tags: article.category.iter().map(|(_, name)| name.clone()).chain(article.tags).collect(),
            title: article.title,
            content_html: article.body,
            summary: article.summary,
            image: article.cover_image_url,
        })
        .collect();
    JsonFeed {
        version: VERSION.to_owned(),
        title: channel.title.clone(),
        home_page_url: channel.link.clone(),
        description: channel.description.clone(),
        language: "vi".to_owned(),
        items,
    }
}
