//! Text analysis: how text becomes search terms. One word splitter serves the index's
//! tokenizers, the query parser and the highlighter, so what is indexed, what is asked
//! and what is marked are always the same words.

use std::str::CharIndices;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::fold_char;

/// Longest prefix indexed for the last word of a query, in characters. A longer last
/// word matches as its first `MAX_PREFIX` characters.
pub const MAX_PREFIX: usize = 20;

/// The words of a text: runs of letters and digits after folding (`đ` → `d`, marks
/// dropped, lower case). A combining mark (NFD input) belongs to the word it follows.
pub struct Words<'a> {
    text: &'a str,
    chars: CharIndices<'a>,
}

impl<'a> Words<'a> {
    /// The words of `text`.
    pub fn new(text: &'a str) -> Self {
        Self { text, chars: text.char_indices() }
    }

    /// The next word: its folded form written into `folded` (cleared first), and its
    /// byte range in the original text.
    pub fn next_into(&mut self, folded: &mut String) -> Option<(usize, usize)> {
        folded.clear();
        let mut start = None;
        for (at, c) in self.chars.by_ref() {
            match fold_char(c) {
                None => {}
                Some(f) if f.is_alphanumeric() => {
                    start.get_or_insert(at);
                    folded.push(f);
                }
                Some(_) => {
                    if let Some(start) = start {
                        return Some((start, at));
                    }
                }
            }
        }
        start.map(|start| (start, self.text.len()))
    }
}

/// The folded words of `text`, in order.
pub fn terms(text: &str) -> Vec<String> {
    let mut words = Words::new(text);
    let mut folded = String::new();
    let mut terms = Vec::new();
    while words.next_into(&mut folded).is_some() {
        terms.push(folded.clone());
    }
    terms
}

/// The prefix of `term` the prefix field holds for it (at most [`MAX_PREFIX`] characters).
pub fn prefix_term(term: &str) -> &str {
    match term.char_indices().nth(MAX_PREFIX) {
        Some((cut, _)) => &term[..cut],
        None => term,
    }
}

/// Tokenizer name of the full-word fields ([`Folded::WORDS`]).
pub const WORDS: &str = "bantin_words";
/// Tokenizer name of the prefix fields ([`Folded::PREFIXES`]).
pub const PREFIXES: &str = "bantin_prefixes";

/// The index's tokenizer: the folded words of a text, or every prefix (1 to
/// [`MAX_PREFIX`] characters) of each, so that "the last word as a prefix" is one term
/// lookup.
#[derive(Debug, Clone, Copy)]
pub struct Folded {
    prefixes: bool,
}

impl Folded {
    /// Folded words.
    pub const WORDS: Self = Self { prefixes: false };
    /// Every prefix of every folded word.
    pub const PREFIXES: Self = Self { prefixes: true };
}

impl Tokenizer for Folded {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        WordStream {
            words: Words::new(text),
            token: Token::default(),
            prefixes: self.prefixes,
            word_len: 0,
            emitted: 0,
        }
    }
}

/// Tokens of [`Folded`].
pub struct WordStream<'a> {
    words: Words<'a>,
    token: Token,
    prefixes: bool,
    /// Characters of the current word (prefix mode).
    word_len: usize,
    /// Prefixes of the current word emitted so far (prefix mode).
    emitted: usize,
}

impl WordStream<'_> {
    fn next_word(&mut self) -> bool {
        let mut folded = std::mem::take(&mut self.token.text);
        let Some((from, to)) = self.words.next_into(&mut folded) else {
            self.token.text = folded;
            return false;
        };
        self.token.text = folded;
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        self.token.position_length = 1;
        true
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if !self.prefixes {
            return self.next_word();
        }
        // Longest prefix first: the word as folded, then cut one character at a time.
        if self.emitted > 0 && self.emitted < self.word_len.min(MAX_PREFIX) {
            let keep = self.word_len.min(MAX_PREFIX) - self.emitted;
            let cut = self.token.text.char_indices().nth(keep).map_or(self.token.text.len(), |(at, _)| at);
            self.token.text.truncate(cut);
            self.emitted += 1;
            return true;
        }
        if !self.next_word() {
            return false;
        }
        self.word_len = self.token.text.chars().count();
        if self.word_len > MAX_PREFIX {
            let cut = prefix_term(&self.token.text).len();
            self.token.text.truncate(cut);
        }
        self.emitted = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens<T: Tokenizer>(mut tokenizer: T, text: &str) -> Vec<String> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn accented_plain_upper_case_and_nfd_text_give_the_same_terms() {
        let expected = ["thi", "dua"];
        for text in ["Thi đua", "thi dua", "THI ĐUA", "Thi \u{111}ua", "Thi đu\u{61}", "thi d\u{75}a"] {
            assert_eq!(tokens(Folded::WORDS, text), expected, "{text:?}");
        }
        // NFD: "Việt" as V-i-e-U+0323-U+0302-t stays one word.
        assert_eq!(tokens(Folded::WORDS, "Vie\u{323}\u{302}t Nam"), ["viet", "nam"]);
        assert_eq!(terms("Trà My — Hà-Nội, c++ 2024"), ["tra", "my", "ha", "noi", "c", "2024"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Đường về Tra\u{300} My";
        let mut words = Words::new(text);
        let mut folded = String::new();
        let mut found = Vec::new();
        while let Some((from, to)) = words.next_into(&mut folded) {
            found.push((folded.clone(), &text[from..to]));
        }
        assert_eq!(
            found,
            [
                ("duong".to_owned(), "Đường"),
                ("ve".to_owned(), "về"),
                ("tra".to_owned(), "Tra\u{300}"),
                ("my".to_owned(), "My")
            ]
        );
    }

    #[test]
    fn prefixes_cover_every_length_up_to_the_limit() {
        assert_eq!(tokens(Folded::PREFIXES, "Trào a"), ["trao", "tra", "tr", "t", "a"]);
        let long = "x".repeat(MAX_PREFIX + 5);
        let got = tokens(Folded::PREFIXES, &long);
        assert_eq!(got.len(), MAX_PREFIX);
        assert_eq!(got[0], "x".repeat(MAX_PREFIX));
        assert_eq!(prefix_term(&long), "x".repeat(MAX_PREFIX));
        assert_eq!(prefix_term("phong"), "phong");
    }
}
