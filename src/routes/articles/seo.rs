//! SEO fields of articles: the overrides an editor may store, checked on write, and the
//! defaults an article shows in place of those it does not set.

use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use super::CoverImage;
use crate::db::articles::SeoFields;
use crate::error::FieldError;
use crate::extract::check_len;
use crate::feeds::{ArticleLink, Site};
use crate::text;

/// One of the four SEO fields, as `seo_defaults` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeoField {
    SeoTitle,
    SeoDescription,
    CanonicalUrl,
    OgImageUrl,
}

/// What an article shows in place of the SEO fields it does not set.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// Its title.
    pub title: String,
    /// Its summary.
    pub description: Option<String>,
    /// Its public URL ([`public_url`]).
    pub canonical_url: Option<String>,
    /// Its cover ([`cover_url`]).
    pub og_image_url: Option<String>,
}

/// The SEO fields an article shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub seo_title: String,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
    pub og_image_url: Option<String>,
    /// The fields the article does not set, which show their default (even a `null`
    /// one, such as the description of an article without a summary), in the order
    /// of [`SeoField`].
    pub defaults: Vec<SeoField>,
}

impl Shown {
    /// Each override of `stored`, or its default where it has none.
    pub fn of(stored: &SeoFields, defaults: Defaults) -> Self {
        let mut from_defaults = Vec::new();
        let mut pick = |field: SeoField, set: &Option<String>, default: Option<String>| match set {
            Some(value) => Some(value.clone()),
            None => {
                from_defaults.push(field);
                default
            }
        };
        let seo_title = pick(SeoField::SeoTitle, &stored.seo_title, Some(defaults.title)).unwrap_or_default();
        let seo_description = pick(SeoField::SeoDescription, &stored.seo_description, defaults.description);
        let canonical_url = pick(SeoField::CanonicalUrl, &stored.canonical_url, defaults.canonical_url);
        let og_image_url = pick(SeoField::OgImageUrl, &stored.og_image_url, defaults.og_image_url);
        Self { seo_title, seo_description, canonical_url, og_image_url, defaults: from_defaults }
    }
}

/// An article's public URL on `site` (`BANTIN_ARTICLE_URL`): none without a site, nor
/// when the template holds a date and the article has no publication time yet.
pub fn public_url(
    site: Option<&Site>,
    id: i32,
    slug: &str,
    category: Option<&str>,
    published_at: Option<NaiveDateTime>,
) -> Option<String> {
    let site = site?;
    let published_at = match published_at {
        Some(at) => at,
        None if site.article_url_is_dated() => return None,
        None => NaiveDateTime::default(),
    };
    Some(site.article_url(&ArticleLink { id, slug, category, published_at }))
}

/// The image of an article's link previews: the widest variant of its media-library
/// cover (the original when it has no variant), else its `cover_image_url`.
pub fn cover_url(cover: Option<&CoverImage>, cover_image_url: Option<&str>) -> Option<String> {
    match cover {
        Some(cover) => {
            let widest = cover.variants.iter().max_by_key(|variant| variant.width);
            Some(widest.map_or(&cover.url, |variant| &variant.url).clone())
        }
        None => cover_image_url.map(str::to_owned),
    }
}

/// The overrides an editor sent, checked into `errors`: texts are trimmed, and a blank
/// one is no override (its default shows); URLs must be absolute `http(s)` URLs, as
/// `cover_image_url`.
pub fn checked(errors: &mut Vec<FieldError>, sent: SeoFields) -> SeoFields {
    let mut text_field = |field: &str, value: Option<String>, max: usize| {
        let value = value?;
        check_len(errors, field, &value, false, max);
        Some(text::trim(&value).to_owned()).filter(|v| !v.is_empty())
    };
    let seo_title = text_field("seo_title", sent.seo_title, SeoFields::MAX_TITLE);
    let seo_description = text_field("seo_description", sent.seo_description, SeoFields::MAX_DESCRIPTION);
    for (field, url) in [("canonical_url", &sent.canonical_url), ("og_image_url", &sent.og_image_url)] {
        if url.as_deref().is_some_and(|url| !text::is_stored_url(url)) {
            errors.push(FieldError::new(field, "must be an absolute http or https URL of at most 2,000 characters"));
        }
    }
    SeoFields { seo_title, seo_description, canonical_url: sent.canonical_url, og_image_url: sent.og_image_url }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::media::Variant;

    fn defaults() -> Defaults {
        Defaults {
            title: "Bão số 5".to_owned(),
            description: None,
            canonical_url: Some("https://baoquangnam.vn/bao-so-5".to_owned()),
            og_image_url: None,
        }
    }

    #[test]
    fn every_field_not_set_shows_its_default_and_is_named_even_when_the_default_is_null() {
        let shown = Shown::of(&SeoFields::default(), defaults());
        assert_eq!(shown.seo_title, "Bão số 5");
        assert_eq!(shown.seo_description, None);
        assert_eq!(shown.canonical_url.as_deref(), Some("https://baoquangnam.vn/bao-so-5"));
        assert_eq!(
            shown.defaults,
            [SeoField::SeoTitle, SeoField::SeoDescription, SeoField::CanonicalUrl, SeoField::OgImageUrl]
        );
    }

    #[test]
    fn an_override_shows_instead_of_its_default_and_leaves_the_list() {
        let stored = SeoFields {
            seo_description: Some("Tin bão".to_owned()),
            og_image_url: Some("https://cdn.example.vn/bao.jpg".to_owned()),
            ..SeoFields::default()
        };
        let shown = Shown::of(&stored, defaults());
        assert_eq!(shown.seo_description.as_deref(), Some("Tin bão"));
        assert_eq!(shown.og_image_url.as_deref(), Some("https://cdn.example.vn/bao.jpg"));
        assert_eq!(shown.defaults, [SeoField::SeoTitle, SeoField::CanonicalUrl]);
    }

    #[test]
    fn the_preview_image_is_the_widest_variant_then_the_original_then_the_outside_url() {
        let variant = |width: u32| Variant { width, height: width / 2, url: format!("/media/{width}.jpg") };
        let cover =
            |variants| CoverImage { id: 1, url: "/media/o.jpg".into(), width: 9, height: 9, alt: None, variants };
        let outside = Some("https://example.vn/bia.jpg");
        assert_eq!(
            cover_url(Some(&cover(vec![variant(320), variant(1600), variant(640)])), outside).as_deref(),
            Some("/media/1600.jpg")
        );
        assert_eq!(cover_url(Some(&cover(Vec::new())), outside).as_deref(), Some("/media/o.jpg"));
        assert_eq!(cover_url(None, outside).as_deref(), outside);
        assert_eq!(cover_url(None, None), None);
    }

    #[test]
    fn the_public_url_needs_a_site_and_a_date_only_when_the_template_has_one() {
        let at = NaiveDateTime::parse_from_str("2026-03-07 10:00:00", "%Y-%m-%d %H:%M:%S").ok();
        let plain = Site::new("https://baoquangnam.vn", None, "{site}/{category}/{slug}", "{site}/{category}").ok();
        let dated =
            Site::new("https://baoquangnam.vn", None, "{site}/{yyyy}/{mm}/{slug}-{id}", "{site}/{category}").ok();
        assert_eq!(public_url(None, 7, "tin", None, at), None);
        assert_eq!(
            public_url(plain.as_ref(), 7, "tin", Some("thoi-su"), None).as_deref(),
            Some("https://baoquangnam.vn/thoi-su/tin")
        );
        assert_eq!(
            public_url(dated.as_ref(), 7, "tin", None, at).as_deref(),
            Some("https://baoquangnam.vn/2026/03/tin-7")
        );
        assert_eq!(public_url(dated.as_ref(), 7, "tin", None, None), None, "an undated draft has no dated URL yet");
    }

    #[test]
    fn overrides_are_trimmed_blank_ones_dropped_and_bad_ones_named() {
        let mut errors = Vec::new();
        let kept = checked(
            &mut errors,
            SeoFields {
                seo_title: Some("  Bão số 5  ".to_owned()),
                seo_description: Some(" \t ".to_owned()),
                canonical_url: Some("https://baoquangnam.vn/bao".to_owned()),
                og_image_url: None,
            },
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(kept.seo_title.as_deref(), Some("Bão số 5"));
        assert_eq!(kept.seo_description, None);
        let refused = [
            ("seo_title", SeoFields { seo_title: Some("ệ".repeat(121)), ..SeoFields::default() }),
            ("seo_description", SeoFields { seo_description: Some("ệ".repeat(301)), ..SeoFields::default() }),
            ("canonical_url", SeoFields { canonical_url: Some("/bao-so-5".to_owned()), ..SeoFields::default() }),
            (
                "og_image_url",
                SeoFields { og_image_url: Some("ftp://example.vn/a.jpg".to_owned()), ..SeoFields::default() },
            ),
        ];
        for (field, sent) in refused {
            let mut errors = Vec::new();
            checked(&mut errors, sent);
            assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), [field]);
        }
        let mut errors = Vec::new();
        checked(&mut errors, SeoFields { seo_title: Some("ệ".repeat(120)), ..SeoFields::default() });
        assert!(errors.is_empty(), "120 characters of two bytes each fit: {errors:?}");
    }
}
