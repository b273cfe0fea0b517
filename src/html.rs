//! Article bodies: sanitizing on write, plain text for word counts and search.

use std::sync::OnceLock;

/// Words read per minute for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .add_tag_attributes("img", ["loading", "width", "height", "srcset", "sizes"])
            .add_tag_attributes("td", ["colspan", "rowspan"])
            .add_tag_attributes("th", ["colspan", "rowspan", "scope"])
            .add_generic_attributes(["class"]);
        builder
    })
}

/// Removes scripts, event-handler attributes, `javascript:` URLs and anything else not
/// on the allow list, keeping ordinary formatting, links, images, figures and tables.
pub fn sanitize(body: &str) -> String {
    sanitizer().clean(body).to_string()
}

/// The text of an HTML fragment: tags dropped, common entities decoded, whitespace
/// runs collapsed to one space.
pub fn plain_text(html: &str) -> String {
    // One pass (it runs for every search hit): tags become spaces, the common
    // entities are decoded, white space runs become one space.
    const ENTITIES: [(&str, char); 6] =
        [("&nbsp;", ' '), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&#39;", '\''), ("&amp;", '&')];
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut space = false;
    let mut push = |text: &mut String, c: char| {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !text.is_empty() {
                text.push(' ');
            }
            space = false;
            text.push(c);
        }
    };
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let mut width = c.len_utf8();
        match c {
            '<' => {
                in_tag = true;
                push(&mut text, ' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '&' => match ENTITIES.iter().find(|(entity, _)| rest.starts_with(entity)) {
                Some((entity, decoded)) => {
                    width = entity.len();
                    push(&mut text, *decoded);
                }
                None => push(&mut text, '&'),
            },
            c => push(&mut text, c),
        }
        rest = &rest[width..];
    }
    text
}

/// Minutes to read `html` at 200 words a minute, at least 1.
pub fn reading_time_minutes(html: &str) -> i32 {
    let words = plain_text(html).split(' ').filter(|w| !w.is_empty()).count();
    i32::try_from(words.div_ceil(WORDS_PER_MINUTE).max(1)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dangerous_markup_is_removed_and_formatting_kept() {
        let cases = [
            ("<p>Chào<script>alert(1)</script></p>", "<p>Chào</p>"),
            ("<img src=\"a.jpg\" onerror=\"alert(1)\">", "<img src=\"a.jpg\">"),
            ("<a href=\"javascript:alert(1)\">x</a>", "<a rel=\"noopener noreferrer\">x</a>"),
            ("<h2>Tiêu đề</h2><ul><li>một</li></ul>", "<h2>Tiêu đề</h2><ul><li>một</li></ul>"),
            ("<blockquote>trích</blockquote>", "<blockquote>trích</blockquote>"),
            (
                "<figure><img src=\"https://x.vn/a.jpg\" alt=\"Ảnh\"><figcaption>Chú thích</figcaption></figure>",
                "<figure><img src=\"https://x.vn/a.jpg\" alt=\"Ảnh\"><figcaption>Chú thích</figcaption></figure>",
            ),
            (
                "<table><tr><td colspan=\"2\">ô</td></tr></table>",
                "<table><tbody><tr><td colspan=\"2\">ô</td></tr></tbody></table>",
            ),
            ("<iframe src=\"https://evil\"></iframe><p>ok</p>", "<p>ok</p>"),
            ("<p style=\"x\" onclick=\"y\">a</p>", "<p>a</p>"),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), expected, "{input}");
        }
        let link = sanitize("<a href=\"https://baoquangnam.vn\">báo</a>");
        assert!(link.contains("href=\"https://baoquangnam.vn\""), "{link}");
    }

    #[test]
    fn reading_time_counts_words_at_200_a_minute() {
        assert_eq!(reading_time_minutes(""), 1);
        assert_eq!(reading_time_minutes("<p>một hai ba</p>"), 1);
        let words = "chữ ".repeat(401);
        assert_eq!(reading_time_minutes(&format!("<p>{words}</p>")), 3);
        assert_eq!(reading_time_minutes(&"từ ".repeat(400)), 2);
    }

    #[test]
    fn plain_text_drops_tags_and_decodes_entities() {
        assert_eq!(plain_text("<p>Hà&nbsp;Nội</p><p>&lt;b&gt; &amp; x</p>"), "Hà Nội <b> & x");
    }
}
