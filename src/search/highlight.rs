//! Search input and output as text: parsing `q` into folded terms, and marking
//! matches in the original (accented) text of a hit.

use super::analysis::{self, Words};
use crate::error::ApiError;

/// Longest `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words in a snippet.
const SNIPPET_WORDS: usize = 30;

/// A parsed search: folded terms, the last one also matching as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Folded terms, in order.
    pub terms: Vec<String>,
}

impl Query {
    /// Parses `q`: 400 when too long or without a single letter or digit.
    pub fn parse(q: &str) -> Result<Self, ApiError> {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::BadRequest(format!("q must be at most {MAX_QUERY_CHARS} characters")));
        }
        let terms = analysis::terms(q);
        if terms.is_empty() {
            return Err(ApiError::BadRequest("q must contain at least one letter or digit".to_owned()));
        }
        Ok(Self { terms })
    }

    /// The terms as one canonical string (a relevance cursor is tied to it).
    pub fn canonical(&self) -> String {
        self.terms.join(" ")
    }

    /// Whether a folded word of the text matches a term.
    fn matches(&self, word: &str) -> bool {
        let last = self.terms.len() - 1;
        self.terms.iter().enumerate().any(|(i, term)| word == term || (i == last && word.starts_with(term.as_str())))
    }
}

/// A word of a text: its byte range in the original and whether it matches.
struct Word {
    start: usize,
    end: usize,
    hit: bool,
}

/// The words of `text` (as the index splits them) with their ranges in the original.
fn words(text: &str, query: &Query) -> Vec<Word> {
    let mut words = Words::new(text);
    let mut folded = String::new();
    let mut out = Vec::new();
    while let Some((start, end)) = words.next_into(&mut folded) {
        out.push(Word { start, end, hit: query.matches(&folded) });
    }
    out
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text[from..to]` HTML-escaped, with matched words wrapped in `<mark>`.
fn marked(text: &str, words: &[Word], from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut at = from;
    for word in words.iter().filter(|w| w.hit && w.start >= from && w.end <= to) {
        out.push_str(&escape(&text[at..word.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[word.start..word.end]));
        out.push_str("</mark>");
        at = word.end;
    }
    out.push_str(&escape(&text[at..to]));
    out
}

/// The whole of `text`, escaped, with matches marked.
pub fn highlight(text: &str, query: &Query) -> String {
    marked(text, &words(text, query), 0, text.len())
}

/// About 30 words of `text` around its densest run of matches, escaped and marked;
/// `None` when nothing in it matches.
pub fn snippet(text: &str, query: &Query) -> Option<String> {
    let words = words(text, query);
    let hits: Vec<usize> = words.iter().enumerate().filter(|(_, w)| w.hit).map(|(i, _)| i).collect();
    // The first window of SNIPPET_WORDS words holding the most matches (two pointers).
    let mut best: Option<(usize, usize)> = None;
    let mut end = 0;
    for (k, &start) in hits.iter().enumerate() {
        end = end.max(k);
        while end < hits.len() && hits[end] < start + SNIPPET_WORDS {
            end += 1;
        }
        if best.is_none_or(|(count, _)| end - k > count) {
            best = Some((end - k, start));
        }
    }
    let (_, best) = best?;
    // A few words of lead-in, but never a shorter window than the text allows.
    let first = best.saturating_sub(SNIPPET_WORDS / 5).min(words.len().saturating_sub(SNIPPET_WORDS));
    let last = (first + SNIPPET_WORDS).min(words.len()) - 1;
    let from = if first == 0 { 0 } else { words[first].start };
    let to = if last + 1 == words.len() { text.len() } else { words[last].end };
    let mut snippet = marked(text, &words, from, to).trim().to_owned();
    if from > 0 {
        snippet = format!("… {snippet}");
    }
    if to < text.len() {
        snippet.push_str(" …");
    }
    Some(snippet)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Query {
        Query::parse(text).expect("query")
    }

    #[test]
    fn hostile_input_becomes_plain_terms() {
        let cases = [
            ("thi đua", "thi dua"),
            ("Hà-Nội", "ha noi"),
            ("c++", "c"),
            ("foo:bar", "foo bar"),
            ("\"phong trào", "phong trao"),
            ("AND", "and"),
            ("NEAR(a b)", "near a b"),
            ("Đường", "duong"),
            ("title:ha*", "title ha"),
        ];
        for (input, expected) in cases {
            assert_eq!(q(input).canonical(), expected, "{input}");
        }
        for bad in ["", "   ", "\"", "+-*/()", "……"] {
            assert_eq!(Query::parse(bad).expect_err(bad).problem().status, 400, "{bad:?}");
        }
        assert!(Query::parse(&"a".repeat(201)).is_err());
        assert!(Query::parse(&"á".repeat(200)).is_ok());
    }

    #[test]
    fn highlights_mark_accented_originals_and_escape_the_rest() {
        assert_eq!(
            highlight("Phong trào thi đua <b>mới</b>", &q("thi dua")),
            "Phong trào <mark>thi</mark> <mark>đua</mark> &lt;b&gt;mới&lt;/b&gt;"
        );
        assert_eq!(highlight("Đường về Trà My", &q("tra m")), "Đường về <mark>Trà</mark> <mark>My</mark>");
        assert_eq!(highlight("ĐƯỜNG LÀNG", &q("duong")), "<mark>ĐƯỜNG</mark> LÀNG");
        // NFD input: "Trà" written as "Tra" + U+0300 keeps its mark inside <mark>.
        assert_eq!(highlight("Tra\u{300} My", &q("tra")), "<mark>Tra\u{300}</mark> My");
        assert_eq!(highlight("không khớp", &q("xyz")), "không khớp");
    }

    #[test]
    fn snippets_center_on_the_densest_matches() {
        let filler = "một hai ba bốn năm sáu bảy tám chín mười ".repeat(6);
        let text = format!("{filler}phong trào thi đua sôi nổi {filler}");
        let snippet = snippet(&text, &q("thi dua")).expect("snippet");
        assert!(snippet.starts_with("… ") && snippet.ends_with(" …"), "{snippet}");
        assert!(snippet.contains("<mark>thi</mark> <mark>đua</mark>"), "{snippet}");
        assert!(snippet.split_whitespace().count() <= 36, "{snippet}");
        assert_eq!(super::snippet("ngắn thôi", &q("ngan")).as_deref(), Some("<mark>ngắn</mark> thôi"));
        assert_eq!(super::snippet("không có", &q("xyz")), None);
    }
}
