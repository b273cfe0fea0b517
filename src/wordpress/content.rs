//! WordPress post content to HTML: captions become figures, other shortcodes go,
//! and classic (non-block) content gets WordPress's automatic paragraphs.

use std::sync::LazyLock;

use regex::{Captures, Regex};

/// A pattern compiled once. Patterns are constants, and the tests run every one.
macro_rules! regex {
    ($pattern:expr) => {{
        static PATTERN: LazyLock<Regex> = LazyLock::new(|| Regex::new($pattern).expect("a valid pattern"));
        &*PATTERN
    }};
}

/// WordPress's `$allblocks`: the elements `wpautop` never wraps in a paragraph.
macro_rules! blocks {
    () => {
        "(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|\
         blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|\
         nav|figure|figcaption|details|menu|summary)"
    };
}

/// Turns the raw `content:encoded` of a post into HTML as WordPress would show it:
/// `[caption]` becomes `<figure>` with a `<figcaption>`, every other shortcode is
/// removed (keeping the text an enclosing one wraps), and content without blocks gets
/// paragraphs and line breaks (`wpautop`); block markup comments are removed.
pub fn to_html(raw: &str) -> String {
    let text = shortcodes(raw, true);
    let html = if raw.contains("<!-- wp:") {
        regex!(r"[ \t]*<!--(?-u:\s)*/?wp:(?s:.*?)-->[ \t]*\n?").replace_all(&text, "").into_owned()
    } else {
        autop(&text)
    };
    html.trim_matches(|c: char| c.is_ascii_whitespace()).to_owned()
}

/// Replaces the shortcodes in `text`; captions become figures when `captions` is set
/// and are removed like the others when not (inside a caption).
fn shortcodes(text: &str, captions: bool) -> String {
    let mut closers = Closers::default();
    super::rewrite_from(text, '[', |rest, out| {
        if rest.starts_with("[[") {
            escaped(rest, &mut closers, out)
        } else {
            shortcode(rest, captions, &mut closers, out)
        }
    })
}

/// A shortcode tag at the start of `text`: `[name attrs]`, `[name attrs /]` or `[/name]`.
struct ShortcodeTag<'a> {
    name: &'a str,
    attributes: Vec<(Option<&'a str>, &'a str)>,
    closing: bool,
    self_closing: bool,
    len: usize,
}

impl<'a> ShortcodeTag<'a> {
    /// The tag `text` starts with. Names are lower-case ASCII, starting with a letter,
    /// and attributes are `key=value` pairs or quoted values: `[1]`, `[Ghi chú]` or
    /// `[see note 2]` are left as text.
    fn parse(text: &'a str) -> Option<Self> {
        let body = text.strip_prefix('[')?;
        let (closing, body) = match body.strip_prefix('/') {
            Some(body) => (true, body),
            None => (false, body),
        };
        let name_len = body.find(|c: char| !matches!(c, 'a'..='z' | '0'..='9' | '_' | '-')).unwrap_or(body.len());
        let name = &body[..name_len];
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return None;
        }
        // Unlike WordPress, a tag holds no `[`: this also keeps the scan linear.
        let end = body.find(['[', ']']).filter(|&end| body[end..].starts_with(']'))?;
        let inside = &body[name_len..end];
        let (inside, self_closing) = match inside.strip_suffix('/') {
            Some(inside) => (inside, true),
            None => (inside, false),
        };
        if !(inside.is_empty() || inside.starts_with(char::is_whitespace)) || (closing && !inside.is_empty()) {
            return None;
        }
        let attributes = attributes(inside)?;
        Some(Self { name, attributes, closing, self_closing, len: text.len() - body.len() + end + 1 })
    }

    fn attribute(&self, key: &str) -> Option<&'a str> {
        self.attributes.iter().find(|(k, _)| *k == Some(key)).map(|(_, v)| *v)
    }
}

/// Shortcode attributes as WordPress reads them (`shortcode_parse_atts`): `key="v"`,
/// `key='v'`, `key=v`, `"v"` and `'v'`. `None` when `text` holds anything else.
fn attributes(text: &str) -> Option<Vec<(Option<&str>, &str)>> {
    let mut found = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let key_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        let (key, after) = rest.split_at(key_len);
        let (key, value_text) = match after.trim_start().strip_prefix('=') {
            Some(value_text) if key_len > 0 => (Some(key), value_text.trim_start()),
            _ if key_len == 0 => (None, rest),
            _ => return None,
        };
        let (value, after) = attribute_value(value_text, key.is_some())?;
        if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
            return None;
        }
        found.push((key, value));
        rest = after.trim_start();
    }
    Some(found)
}

/// A quoted value (or an unquoted one when `bare` is allowed) and what follows it.
fn attribute_value(text: &str, bare: bool) -> Option<(&str, &str)> {
    match text.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let end = text[1..].find(quote)? + 1;
            Some((&text[1..end], &text[end + 1..]))
        }
        Some(_) if bare => {
            let end = text.find(|c: char| c.is_whitespace() || c == '"' || c == '\'').unwrap_or(text.len());
            Some(text.split_at(end))
        }
        _ => None,
    }
}

/// Finds closing tags ahead, remembering the ones that are not there: a search that
/// failed would fail again further on, and repeating it would make the scan quadratic.
#[derive(Default)]
struct Closers {
    missing: Vec<String>,
}

impl Closers {
    fn find(&mut self, text: &str, closer: &str) -> Option<usize> {
        if self.missing.iter().any(|missing| missing == closer) {
            return None;
        }
        let found = text.find(closer);
        if found.is_none() {
            self.missing.push(closer.to_owned());
        }
        found
    }
}

/// Handles the shortcode `text` starts with, writing its replacement; the bytes used.
fn shortcode(text: &str, captions: bool, closers: &mut Closers, out: &mut String) -> Option<usize> {
    let tag = ShortcodeTag::parse(text)?;
    if captions && !tag.closing && !tag.self_closing && matches!(tag.name, "caption" | "wp_caption") {
        let closer = format!("[/{}]", tag.name);
        if let Some(inner_len) = closers.find(&text[tag.len..], &closer) {
            out.push_str(&figure(&tag, &text[tag.len..tag.len + inner_len]));
            return Some(tag.len + inner_len + closer.len());
        }
    }
    // An enclosing shortcode's text stays: dropping each tag on its own keeps it.
    Some(tag.len)
}

/// An escaped shortcode, `[[name]]` or `[[name]text[/name]]`, written without the outer
/// brackets; the bytes used.
fn escaped(text: &str, closers: &mut Closers, out: &mut String) -> Option<usize> {
    let inner = &text[1..];
    let tag = ShortcodeTag::parse(inner)?;
    let literal_len = if inner[tag.len..].starts_with(']') {
        tag.len
    } else {
        let closer = format!("[/{}]]", tag.name);
        closers.find(inner, &closer)? + closer.len() - 1
    };
    out.push_str(&inner[..literal_len]);
    Some(literal_len + 2)
}

/// `[caption]`'s output (`img_caption_shortcode`): the image, with the caption from the
/// `caption` attribute or from the text after the image, as a `<figure>`.
fn figure(tag: &ShortcodeTag<'_>, inner: &str) -> String {
    let inner = shortcodes(inner, false);
    let image_then_caption = regex!(r"(?is)((?:<a [^>]+>(?-u:\s)*)?<img [^>]+>(?:(?-u:\s)*</a>)?)(.*)");
    let (image, caption) = match (tag.attribute("caption"), image_then_caption.captures(&inner)) {
        (Some(caption), _) => (inner.trim(), caption),
        (None, Some(found)) => (found.get(1).map_or("", |m| m.as_str()), found.get(2).map_or("", |m| m.as_str())),
        (None, None) => (inner.trim(), ""),
    };
    let caption = caption.trim();
    if caption.is_empty() {
        return image.to_owned();
    }
    format!("<figure>{image}<figcaption>{caption}</figcaption></figure>")
}

/// WordPress's `wpautop`: blank lines make paragraphs and single newlines make `<br />`,
/// except around and inside block elements, and inside `<pre>`.
fn autop(text: &str) -> String {
    // PHP's trim(): ASCII whitespace and NUL, not U+00A0.
    if text.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B']).is_empty() {
        return String::new();
    }
    let (text, pre_tags) = stash_pre(&format!("{text}\n"));
    let text = separate_blocks(&text);
    let text = paragraphs(&text);
    let text = unwrap_blocks(&text);
    let text = line_breaks(&text);
    let mut text = tidy_breaks(&text);
    for (placeholder, pre) in &pre_tags {
        text = text.replace(placeholder, pre);
    }
    text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")
}

/// Replaces each `<pre>…</pre>` with a placeholder, returned with the original.
fn stash_pre(text: &str) -> (String, Vec<(String, String)>) {
    if !text.contains("<pre") {
        return (text.to_owned(), Vec::new());
    }
    let mut parts: Vec<&str> = text.split("</pre>").collect();
    let last = parts.pop().unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    let mut stashed = Vec::new();
    for part in parts {
        // Like WordPress, a `</pre>` without an opening tag is dropped.
        let Some(start) = part.find("<pre") else {
            out.push_str(part);
            continue;
        };
        let placeholder = format!("<pre wp-pre-tag-{}></pre>", stashed.len());
        out.push_str(&part[..start]);
        out.push_str(&placeholder);
        stashed.push((placeholder, format!("{}</pre>", &part[start..])));
    }
    out.push_str(last);
    (out, stashed)
}

/// Puts blank lines around block elements and keeps newlines inside tags (as
/// `<!-- wpnl -->`) out of the paragraph rules.
fn separate_blocks(text: &str) -> String {
    let text = regex!(r"<br(?-u:\s)*/?>(?-u:\s)*<br(?-u:\s)*/?>").replace_all(text, "\n\n");
    let text = regex!(concat!("(<", blocks!(), r"[\t\n\x0B\x0C\r />])")).replace_all(&text, "\n\n$1");
    let text = regex!(concat!("(</", blocks!(), ">)")).replace_all(&text, "$1\n\n");
    let text = regex!(r"(<hr(?-u:\s)*?/?>)").replace_all(&text, "$1\n\n");
    let text = newlines_in_tags(&text.replace("\r\n", "\n").replace('\r', "\n"));
    let mut text = text;
    let collapses: [(&Regex, &str, &str); 10] = [
        (regex!(r"(?-u:\s)*<option"), "<option", "<option"),
        (regex!(r"</option>(?-u:\s)*"), "</option>", "<option"),
        (regex!(r"(<object[^>]*>)(?-u:\s)*"), "$1", "</object>"),
        (regex!(r"(?-u:\s)*</object>"), "</object>", "</object>"),
        (regex!(r"(?-u:\s)*(</?(?:param|embed)[^>]*>)(?-u:\s)*"), "$1", "</object>"),
        (regex!(r"([<\[](?:audio|video)[^>\]]*[>\]])(?-u:\s)*"), "$1", "<source"),
        (regex!(r"(?-u:\s)*([<\[]/(?:audio|video)[>\]])"), "$1", "<source"),
        (regex!(r"(?-u:\s)*(<(?:source|track)[^>]*>)(?-u:\s)*"), "$1", "<source"),
        (regex!(r"(?-u:\s)*(<figcaption[^>]*>)"), "$1", "<figcaption"),
        (regex!(r"</figcaption>(?-u:\s)*"), "</figcaption>", "<figcaption"),
    ];
    for (pattern, replacement, only_if) in collapses {
        if text.contains(only_if) || (only_if == "<source" && text.contains("<track")) {
            text = pattern.replace_all(&text, replacement).into_owned();
        }
    }
    regex!(r"\n\n+").replace_all(&text, "\n\n").into_owned()
}

/// `wp_replace_in_html_tags($text, ["\n" => " <!-- wpnl --> "])`: newlines inside tags
/// and comments become placeholders.
fn newlines_in_tags(text: &str) -> String {
    super::rewrite_from(text, '<', |rest, out| {
        // As in `get_html_split_regex()`: a comment ends at the first `-->` after `<!`.
        let end = if rest.starts_with("<!--") {
            rest[2..].find("-->").map(|i| i + 5)
        } else if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            cdata.find("]]>").map(|i| i + 12)
        } else {
            rest.find('>').map(|i| i + 1)
        };
        let end = end.unwrap_or(rest.len());
        out.push_str(&rest[..end].replace('\n', " <!-- wpnl --> "));
        Some(end)
    })
}

/// Wraps every stretch between blank lines in `<p>`.
fn paragraphs(text: &str) -> String {
    regex!(r"\n(?-u:\s)*\n")
        .split(text)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>\n", p.trim_matches('\n')))
        .collect()
}

/// Takes block elements back out of the paragraphs wrapped around them.
fn unwrap_blocks(text: &str) -> String {
    let text = regex!(r"<p>(?-u:\s)*</p>").replace_all(text, "");
    let text = regex!(r"<p>([^<]+)</(div|address|form)>").replace_all(&text, "<p>$1</p></$2>");
    let text = regex!(concat!(r"<p>(?-u:\s)*(</?", blocks!(), r"[^>]*>)(?-u:\s)*</p>")).replace_all(&text, "$1");
    let text = regex!(r"<p>(<li.+?)</p>").replace_all(&text, "$1");
    let text = regex!(r"(?i)<p><blockquote([^>]*)>").replace_all(&text, "<blockquote$1><p>");
    let text = text.replace("</blockquote></p>", "</p></blockquote>");
    let text = regex!(concat!(r"<p>(?-u:\s)*(</?", blocks!(), r"[^>]*>)")).replace_all(&text, "$1");
    regex!(concat!(r"(</?", blocks!(), r"[^>]*>)(?-u:\s)*</p>")).replace_all(&text, "$1").into_owned()
}

/// Single newlines become `<br />`, except inside `script`, `style`, `svg` and `math`.
fn line_breaks(text: &str) -> String {
    let mut text = text.to_owned();
    let preserved = [
        regex!(r"(?s)<script.*?</script>"),
        regex!(r"(?s)<style.*?</style>"),
        regex!(r"(?s)<svg.*?</svg>"),
        regex!(r"(?s)<math.*?</math>"),
    ];
    for pattern in preserved {
        text = pattern.replace_all(&text, |c: &Captures| c[0].replace('\n', "<WPPreserveNewline />")).into_owned();
    }
    let text = text.replace("<br>", "<br />").replace("<br/>", "<br />");
    break_newlines(&text).replace("<WPPreserveNewline />", "\n")
}

/// `(?<!<br />)\s*\n` → `<br />\n`: a run of whitespace holding a newline, up to its
/// last newline, becomes one break. As in PHP, a run right after a `<br />` loses its
/// first character to the look-behind and still breaks if a newline follows that.
fn break_newlines(text: &str) -> String {
    let is_space = |c: char| c.is_ascii_whitespace() || c == '\x0B';
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut searched = 0;
    while let Some(found) = text[searched..].find(is_space) {
        let run_start = searched + found;
        let run_len = text[run_start..].find(|c| !is_space(c)).unwrap_or(text.len() - run_start);
        let skip = usize::from(text[..run_start].ends_with("<br />"));
        if let Some(last_newline) = text[run_start..run_start + run_len].rfind('\n').filter(|&n| n >= skip) {
            out.push_str(&text[copied..run_start + skip]);
            out.push_str("<br />\n");
            copied = run_start + last_newline + 1;
        }
        searched = run_start + run_len;
    }
    out.push_str(&text[copied..]);
    out
}

/// Drops the breaks that sit next to block tags, and the newline before the last `</p>`.
fn tidy_breaks(text: &str) -> String {
    let text = regex!(concat!(r"(</?", blocks!(), r"[^>]*>)(?-u:\s)*<br />")).replace_all(text, "$1");
    let text = regex!(r"<br />((?-u:\s)*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)").replace_all(&text, "$1");
    regex!(r"\n</p>(\n?)\z").replace_all(&text, "</p>$1").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Checks that `convert` turns each input into the expected output, naming the reason.
    fn assert_converts(convert: fn(&str) -> String, cases: &[(&str, &str, &str)]) {
        for (input, expected, reason) in cases {
            assert_eq!(convert(input), *expected, "{reason}");
        }
    }

    /// Expected outputs were produced by WordPress's own `wpautop` (PHP).
    #[test]
    fn autop_gives_what_wordpress_gives() {
        let cases = [
            ("Một\nhai\n\nBa", "<p>Một<br />\nhai</p>\n<p>Ba</p>\n", "blank lines split, single newlines break"),
            ("Một\r\nhai\r\n\r\nBa", "<p>Một<br />\nhai</p>\n<p>Ba</p>\n", "Windows newlines"),
            (
                "Mở đầu\n<h2>Tiêu đề</h2>\nNội dung\n<ul>\n<li>Một</li>\n<li>Hai</li>\n</ul>\nKết",
                "<p>Mở đầu</p>\n<h2>Tiêu đề</h2>\n<p>Nội dung</p>\n<ul>\n<li>Một</li>\n<li>Hai</li>\n</ul>\n<p>Kết</p>\n",
                "block elements are not wrapped or broken",
            ),
            (
                "<blockquote>Trích dẫn\ncủa ông Bảy</blockquote>",
                "<blockquote><p>Trích dẫn<br />\ncủa ông Bảy</p></blockquote>\n",
                "a paragraph moves inside a blockquote",
            ),
            ("<div>x</div>", "<div>x</div>\n", "a lone block element is not wrapped"),
            (
                "<table><tr><td>1</td></tr></table>",
                "<table>\n<tr>\n<td>1</td>\n</tr>\n</table>\n",
                "table parts are blocks",
            ),
            (
                "Mã:\n<pre>fn main() {\n\n    a\n}</pre>\nHết",
                "<p>Mã:</p>\n<pre>fn main() {\n\n    a\n}</pre>\n<p>Hết</p>\n",
                "pre is untouched",
            ),
            (
                "<img src=\"a.jpg\"\n alt=\"b\">\nchú thích",
                "<p><img src=\"a.jpg\"\n alt=\"b\"><br />\nchú thích</p>\n",
                "newlines inside a tag stay",
            ),
            ("Trước<hr>Sau", "<p>Trước</p>\n<hr>\n<p>Sau</p>\n", "hr separates paragraphs"),
            ("a<br><br>b", "<p>a</p>\n<p>b</p>\n", "two breaks make a paragraph"),
            (
                "<figure><img src=\"x\"><figcaption>c</figcaption></figure>\nSau ảnh",
                "<figure><img src=\"x\"><figcaption>c</figcaption></figure>\n<p>Sau ảnh</p>\n",
                "figures are blocks",
            ),
            ("Dòng<br />\nkế tiếp", "<p>Dòng<br />\nkế tiếp</p>\n", "no second break after a break"),
            ("Dòng<br /> \nkế", "<p>Dòng<br /> <br />\nkế</p>\n", "PHP's look-behind quirk"),
            ("<script>a\nb</script>\n\nc", "<p><script>a\nb</script></p>\n<p>c</p>\n", "no breaks in scripts"),
            ("   \n\n  ", "", "only whitespace"),
            ("\u{a0}", "<p>\u{a0}</p>\n", "a no-break space is text"),
        ];
        assert_converts(autop, &cases);
    }

    #[test]
    fn a_caption_becomes_a_figure_and_other_shortcodes_go() {
        let cases = [
            (
                "[caption id=\"attachment_7\" align=\"aligncenter\" width=\"600\"]<img src=\"https://x.example/a.jpg\" alt=\"Lúa\" width=\"600\" height=\"400\" /> Chú thích ảnh[/caption]",
                "<figure><img src=\"https://x.example/a.jpg\" alt=\"Lúa\" width=\"600\" height=\"400\" /><figcaption>Chú thích ảnh</figcaption></figure>",
                "caption after the image",
            ),
            (
                "[caption id=\"\" align=\"alignnone\" width=\"300\"]<a href=\"/to.jpg\"><img src=\"a.jpg\" /></a> Đồng <em>lúa</em>[/caption]",
                "<figure><a href=\"/to.jpg\"><img src=\"a.jpg\" /></a><figcaption>Đồng <em>lúa</em></figcaption></figure>",
                "linked image",
            ),
            (
                "[caption width=\"300\" caption=\"Cầu mới\"]<img src=\"a.jpg\" />[/caption]",
                "<figure><img src=\"a.jpg\" /><figcaption>Cầu mới</figcaption></figure>",
                "caption attribute",
            ),
            ("[caption width=\"300\"]<img src=\"a.jpg\" />[/caption]", "<p><img src=\"a.jpg\" /></p>", "no caption at all"),
            ("Trước [caption width=\"300\"] sau", "<p>Trước  sau</p>", "an unclosed caption is dropped"),
            // Other shortcodes go; enclosing ones leave their text.
            ("A\n\n[gallery ids=\"1,2\"]\n\nB", "<p>A</p>\n<p>B</p>", "standalone"),
            (
                "[embed]https://www.youtube.com/watch?v=abc[/embed]",
                "<p>https://www.youtube.com/watch?v=abc</p>",
                "enclosing",
            ),
            ("[vc_row][vc_column width='1/2']Chữ[/vc_column][/vc_row]", "<p>Chữ</p>", "nested"),
            ("x [contact-form-7 id=12 title=\"Liên hệ\" /] y", "<p>x  y</p>", "self-closing with attributes"),
            ("Lẻ [/et_pb_section] loi", "<p>Lẻ  loi</p>", "a closing tag alone"),
            ("[[gallery]] và [[embed]x[/embed]]", "<p>[gallery] và [embed]x[/embed]</p>", "escaped shortcodes"),
        ];
        assert_converts(to_html, &cases);
    }

    #[test]
    fn bracketed_text_that_is_no_shortcode_stays() {
        for text in
            ["[1]", "[ ]", "[Ghi chú]", "[ảnh]", "[Video] Lũ", "[see note 2]", "a[b", "[x=\"1]", "[a-b c]", "[[", "]]"]
        {
            assert_eq!(to_html(text), format!("<p>{text}</p>"), "{text}");
        }
    }

    #[test]
    fn block_content_gets_no_paragraphs_and_loses_its_block_comments() {
        let raw = "<!-- wp:paragraph -->\n<p>Một\nhai</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {\"id\":7} -->\n<figure class=\"wp-block-image\"><img src=\"a.jpg\"/></figure>\n<!-- /wp:image -->\n\n<!-- wp:latest-posts /-->\n\n<!-- wp:shortcode -->\n[gallery ids=\"1,2\"]\n<!-- /wp:shortcode -->";
        assert_eq!(to_html(raw), "<p>Một\nhai</p>\n\n<figure class=\"wp-block-image\"><img src=\"a.jpg\"/></figure>");
    }

    #[test]
    fn the_fixture_posts_render_as_wordpress_shows_them() {
        let xml = include_str!("../../tests/fixtures/wordpress.xml");
        let items: Vec<_> = super::super::Reader::new(xml.as_bytes())
            .filter_map(|e| match e {
                Ok(super::super::Entry::Item(item)) => Some(item),
                _ => None,
            })
            .collect();
        let html = |id: i64| to_html(&items.iter().find(|i| i.id == id).expect("the item").content);
        assert_eq!(
            html(10),
            "<p>Vụ đông xuân năm nay, nông dân xã Phú Hòa thu hoạch gần 1.200 ha lúa, năng suất bình quân đạt 68 tạ/ha.</p>\n\
             <figure><img class=\"size-full wp-image-7\" src=\"https://baobinhson.example.org/wp-content/uploads/2024/03/canh-dong-lua.jpg\" alt=\"Nông dân thu hoạch lúa\" width=\"600\" height=\"400\" /><figcaption>Nông dân xã Phú Hòa thu hoạch lúa đông xuân.</figcaption></figure>\n\
             <p>Ông Lê Văn Bảy, thôn 3, cho biết:<br />\n\"Năm nay giá lúa cao, trừ chi phí mỗi sào lãi hơn 1&nbsp;triệu đồng.\"</p>\n\
             <h2>Chuẩn bị cho vụ hè thu</h2>\n<ul>\n<li>Nạo vét kênh mương nội đồng</li>\n<li>Chọn giống lúa chịu hạn</li>\n</ul>\n\
             <p>Ngành nông nghiệp khuyến cáo bà con xuống giống tập trung, đúng lịch thời vụ.</p>"
        );
        assert_eq!(
            html(16),
            "<p>Sáng 20/3, tuyến đường tỉnh 725 dài 32 km đã chính thức thông xe.</p>\n\
             <p>Xem video lễ thông xe:<br />\nhttps://www.youtube.com/watch?v=abc</p>\n\
             <p>Số liệu theo Sở Giao thông vận tải [1].</p>"
        );
        assert!(html(11).starts_with("<p>Tối 12/4, tại quảng trường trung tâm thành phố\nsẽ diễn ra"));
        assert!(!html(11).contains("<!--"));
    }

    #[test]
    fn unclosed_brackets_and_tags_convert_in_linear_time() {
        let cases =
            ["[a".repeat(100_000), "[caption]x".repeat(50_000), "[[embed]x".repeat(50_000), "<!--<".repeat(50_000)];
        for text in cases {
            assert!(!to_html(&text).is_empty());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_text_converts_without_panicking(text in "(\\[|\\]|\\[\\[|\\]\\]|/|=|\"|'|<|>|\n|\r| |<!-- wp:|<pre>|</pre>|caption|embed|a|đ|\u{a0}|<p>|<br />)*") {
            let _ = to_html(&text);
        }

        #[test]
        fn arbitrary_strings_convert_without_panicking(text in any::<String>()) {
            let _ = to_html(&text);
        }
    }
}
