//! WordPress exports (WXR 1.1 and 1.2) read as a stream, and WordPress post content
//! turned into HTML. Pure functions over bytes and strings: the import that writes to
//! the database is built on top.
//!
//! [`Reader`] yields one [`Entry`] at a time, in document order:
//! - `<wp:author>` → [`Author`]: login (what items name in `dc:creator`), display name,
//!   e-mail.
//! - `<wp:category>` → [`Category`]: slug, name, parent slug (parents come before their
//!   children in WordPress exports).
//! - `<wp:tag>` → [`Tag`].
//! - `<item>` → [`Item`], whatever its post type: posts, pages, attachments, menu items
//!   and the rest all come through, and the importer picks by
//!   [`Item::post_type`]. Statuses are WordPress's own strings, dates are as written
//!   (`date_gmt` is `None` for unpublished drafts), the featured image is
//!   [`Item::thumbnail_id`] naming an attachment item whose file is
//!   [`Item::attachment_url`], and view counters left by plugins are
//!   [`Item::view_count`].
//!
//! Slugs (nicenames) are percent-decoded, since WordPress stores non-ASCII slugs
//! percent-encoded. Names and titles have their HTML entities decoded. Content and
//! excerpts are raw: [`to_html`] applies what WordPress does when it shows a post
//! (captions, shortcodes, automatic paragraphs).
//!
//! Ignored: comments (`wp:comment`), `wp:term` (custom taxonomies and menus, though
//! items still name their terms), term meta, and the channel's own title and links.

mod content;
mod wxr;

pub use content::to_html;
pub use wxr::{decode_slug, Author, Entry, Item, Position, Reader, Term, TermRef, WxrError};

/// Copies `text` in one pass, handing each `marker` to `rewrite` together with all
/// that follows it. `rewrite` writes the replacement to `out` and answers the bytes it
/// used; `None` (or nothing used, with nothing written) keeps the marker as text.
fn rewrite_from(text: &str, marker: char, mut rewrite: impl FnMut(&str, &mut String) -> Option<usize>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match rewrite(rest, &mut out).filter(|&used| used > 0) {
            Some(used) => rest = &rest[used..],
            None => {
                out.push(marker);
                rest = &rest[marker.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    out
}
