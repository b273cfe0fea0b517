//! The public site: its address, its name and the URL templates of its pages.

use chrono::{Datelike, NaiveDateTime};

/// An article's public URL when `BANTIN_ARTICLE_URL` is not set.
pub const DEFAULT_ARTICLE_URL: &str = "{site}/{slug}";
/// A category's public URL when `BANTIN_CATEGORY_URL` is not set.
pub const DEFAULT_CATEGORY_URL: &str = "{site}/{category}";

/// What an article's URL is made of.
#[derive(Debug, Clone, Copy)]
pub struct ArticleLink<'a> {
    /// Article id.
    pub id: i32,
    /// Article slug.
    pub slug: &'a str,
    /// Its category's slug, if it has one.
    pub category: Option<&'a str>,
    /// When it was published (UTC); gives `{yyyy}`, `{mm}` and `{dd}`.
    pub published_at: NaiveDateTime,
}

/// A placeholder of a URL template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    Site,
    Slug,
    Id,
    Category,
    Year,
    Month,
    Day,
}

impl Placeholder {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "site" => Self::Site,
            "slug" => Self::Slug,
            "id" => Self::Id,
            "category" => Self::Category,
            "yyyy" => Self::Year,
            "mm" => Self::Month,
            "dd" => Self::Day,
            _ => return None,
        })
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// A URL template such as `{site}/{category}/{slug}`, parsed once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `text`, allowing only the placeholders in `allowed` (by name).
    fn parse(setting: &str, text: &str, allowed: &[&str]) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("{setting} has a '{{' without its '}}': {text}"));
            };
            let name = &rest[open + 1..open + close];
            let known = Placeholder::named(name).filter(|_| allowed.contains(&name));
            let Some(placeholder) = known else {
                return Err(format!(
                    "{setting} has an unknown placeholder {{{name}}} (allowed: {})",
                    allowed.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(", ")
                ));
            };
            pieces.push(Piece::Value(placeholder));
            rest = &rest[open + close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("{setting} has a '}}' without its '{{': {text}"));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Self { pieces })
    }

    fn uses(&self, placeholder: Placeholder) -> bool {
        self.pieces.contains(&Piece::Value(placeholder))
    }

    /// The URL with each placeholder replaced by `value(placeholder)`. An empty value
    /// between two slashes drops one of them (`{site}/{category}/{slug}` of an article
    /// without a category is `{site}/{slug}`).
    fn render(&self, value: impl Fn(Placeholder) -> String) -> String {
        let mut url = String::new();
        let mut skip_slash = false;
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => {
                    let text = if skip_slash { text.strip_prefix('/').unwrap_or(text) } else { text };
                    url.push_str(text);
                    skip_slash = false;
                }
                Piece::Value(placeholder) => {
                    let value = value(*placeholder);
                    skip_slash = value.is_empty() && url.ends_with('/');
                    url.push_str(&value);
                }
            }
        }
        url
    }
}

/// The site the articles are read on, from the server settings.
#[derive(Debug, Clone)]
pub struct Site {
    /// Its address without a trailing slash (`https://baoquangnam.vn`).
    pub url: String,
    /// Its name, for feed titles and the news sitemap.
    pub name: String,
    article: Template,
    category: Template,
}

impl Site {
    /// The site of these settings; an error that names the setting when one is wrong.
    pub fn new(url: &str, name: Option<&str>, article: &str, category: &str) -> Result<Self, String> {
        let url = url.trim();
        if !crate::text::is_web_url(url) || url.contains(['?', '#']) {
            return Err(format!(
                "BANTIN_SITE_URL must be an http or https address with a host and no query or fragment, \
                 in ASCII (e.g. https://baoquangnam.vn): {url}"
            ));
        }
        let url = url.trim_end_matches('/');
        let host = host_of(url).to_owned();
        let name = name.map(str::trim).filter(|n| !n.is_empty()).map_or(host, str::to_owned);
        let article =
            Template::parse("BANTIN_ARTICLE_URL", article, &["site", "slug", "id", "category", "yyyy", "mm", "dd"])?;
        if !article.uses(Placeholder::Slug) && !article.uses(Placeholder::Id) {
            return Err("BANTIN_ARTICLE_URL must hold {slug} or {id}, or every article would have one URL".to_owned());
        }
        let category = Template::parse("BANTIN_CATEGORY_URL", category, &["site", "category"])?;
        if !category.uses(Placeholder::Category) {
            return Err("BANTIN_CATEGORY_URL must hold {category}".to_owned());
        }
        let site = Self { url: url.to_owned(), name, article, category };
        // The templates must make absolute web addresses, whatever the values.
        let sample =
            ArticleLink { id: 1, slug: "bai-viet", category: Some("thoi-su"), published_at: NaiveDateTime::default() };
        for (setting, made) in
            [("BANTIN_ARTICLE_URL", site.article_url(&sample)), ("BANTIN_CATEGORY_URL", site.category_url("thoi-su"))]
        {
            if !crate::text::is_web_url(&made) {
                return Err(format!("{setting} does not make an http(s) address in ASCII: {made}"));
            }
        }
        Ok(site)
    }

    /// The public URL of an article.
    pub fn article_url(&self, article: &ArticleLink<'_>) -> String {
        let date = article.published_at.date();
        self.article.render(|placeholder| match placeholder {
            Placeholder::Site => self.url.clone(),
            Placeholder::Slug => article.slug.to_owned(),
            Placeholder::Id => article.id.to_string(),
            Placeholder::Category => article.category.unwrap_or_default().to_owned(),
            Placeholder::Year => format!("{:04}", date.year()),
            Placeholder::Month => format!("{:02}", date.month()),
            Placeholder::Day => format!("{:02}", date.day()),
        })
    }

    /// Whether article URLs hold their publication date (`{yyyy}`, `{mm}` or `{dd}`).
    pub fn article_url_is_dated(&self) -> bool {
        [Placeholder::Year, Placeholder::Month, Placeholder::Day].into_iter().any(|p| self.article.uses(p))
    }

    /// The public URL of a category.
    pub fn category_url(&self, slug: &str) -> String {
        self.category.render(|placeholder| match placeholder {
            Placeholder::Site => self.url.clone(),
            _ => slug.to_owned(),
        })
    }

    /// The site's host, for feed item ids (`baoquangnam.vn`).
    pub fn host(&self) -> &str {
        host_of(&self.url)
    }
}

/// The host of an `http(s)://host[:port]/...` address.
fn host_of(url: &str) -> &str {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    without_scheme.split(['/', ':']).next().unwrap_or(without_scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("time")
    }

    fn site(article: &str, category: &str) -> Result<Site, String> {
        Site::new("https://baoquangnam.vn/", Some("Báo Quảng Nam"), article, category)
    }

    #[test]
    fn templates_fill_every_placeholder() {
        let site =
            site("{site}/{category}/{yyyy}/{mm}/{dd}/{slug}-{id}.html", "{site}/chuyen-muc/{category}").expect("site");
        let article = ArticleLink {
            id: 42,
            slug: "bao-so-5",
            category: Some("thoi-su"),
            published_at: at("2026-03-07 23:59:59"),
        };
        assert_eq!(site.article_url(&article), "https://baoquangnam.vn/thoi-su/2026/03/07/bao-so-5-42.html");
        assert_eq!(site.category_url("the-thao"), "https://baoquangnam.vn/chuyen-muc/the-thao");
        assert_eq!(site.host(), "baoquangnam.vn");
        assert_eq!(site.name, "Báo Quảng Nam");
    }

    #[test]
    fn the_defaults_are_site_slash_slug_and_site_slash_category() {
        let site = site(DEFAULT_ARTICLE_URL, DEFAULT_CATEGORY_URL).expect("site");
        let article = ArticleLink { id: 1, slug: "tin", category: None, published_at: at("2026-01-01 00:00:00") };
        assert_eq!(site.article_url(&article), "https://baoquangnam.vn/tin");
        assert_eq!(site.category_url("thoi-su"), "https://baoquangnam.vn/thoi-su");
    }

    #[test]
    fn an_article_without_a_category_loses_the_segment_not_the_slash() {
        let site = site("{site}/{category}/{slug}", DEFAULT_CATEGORY_URL).expect("site");
        let article = ArticleLink { id: 1, slug: "tin", category: None, published_at: at("2026-01-01 00:00:00") };
        assert_eq!(site.article_url(&article), "https://baoquangnam.vn/tin");
    }

    #[test]
    fn a_site_below_a_path_keeps_it_and_the_name_defaults_to_the_host() {
        let site =
            Site::new("http://localhost:8000/tin-tuc/", None, DEFAULT_ARTICLE_URL, DEFAULT_CATEGORY_URL).expect("site");
        assert_eq!(site.url, "http://localhost:8000/tin-tuc");
        assert_eq!(site.name, "localhost");
        assert_eq!(site.host(), "localhost");
    }

    #[test]
    fn wrong_settings_are_refused_with_the_setting_named() {
        let refused = [
            ("not a url", DEFAULT_ARTICLE_URL, DEFAULT_CATEGORY_URL, "BANTIN_SITE_URL"),
            ("ftp://baoquangnam.vn", DEFAULT_ARTICLE_URL, DEFAULT_CATEGORY_URL, "BANTIN_SITE_URL"),
            ("https://baoquangnam.vn/?a=1", DEFAULT_ARTICLE_URL, DEFAULT_CATEGORY_URL, "BANTIN_SITE_URL"),
            ("https://baoquangnam.vn", "{site}/{title}", DEFAULT_CATEGORY_URL, "{title}"),
            ("https://baoquangnam.vn", "{site}/{slug", DEFAULT_CATEGORY_URL, "without its"),
            ("https://baoquangnam.vn", "{site}/slug}", DEFAULT_CATEGORY_URL, "without its"),
            ("https://baoquangnam.vn", "{site}/{category}", DEFAULT_CATEGORY_URL, "{slug} or {id}"),
            ("https://baoquangnam.vn", "/{slug}", DEFAULT_CATEGORY_URL, "http(s) address"),
            ("https://baoquangnam.vn", "{site}/tin tức/{slug}", DEFAULT_CATEGORY_URL, "http(s) address"),
            ("https://baoquangnam.vn", DEFAULT_ARTICLE_URL, "{site}/{slug}", "unknown placeholder {slug}"),
            ("https://baoquangnam.vn", DEFAULT_ARTICLE_URL, "{site}/the-thao", "must hold {category}"),
        ];
        for (url, article, category, expected) in refused {
            let error = Site::new(url, None, article, category).expect_err(url);
            assert!(error.contains(expected), "{url} {article} {category}: {error}");
        }
    }
}
