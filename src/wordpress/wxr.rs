//! A streaming reader for WordPress eXtended RSS (WXR 1.1 and 1.2) exports.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, Read};

use chrono::NaiveDateTime;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// One author declared at the top of the export (`<wp:author>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The login (`wp:author_login`), which items name in `dc:creator`.
    pub login: String,
    /// The name shown to readers (`wp:author_display_name`).
    pub display_name: String,
    /// The e-mail address, when the export has one.
    pub email: Option<String>,
}

/// One category or tag declared at the top of the export (`<wp:category>`,
/// `<wp:tag>`): WordPress keeps both as terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The slug (a category's nicename), percent-decoded (`tin-t%e1%bb%a9c` becomes
    /// `tin-tức`).
    pub slug: String,
    /// The name, with HTML entities decoded.
    pub name: String,
    /// The parent's slug, percent-decoded; `None` for a top-level category and for
    /// every tag.
    pub parent: Option<String>,
    /// The description, when not empty.
    pub description: Option<String>,
}

/// Where a term's fields are in the export.
struct TermElements {
    element: &'static str,
    slug: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    description: &'static str,
}

const CATEGORY: TermElements = TermElements {
    element: "wp:category",
    slug: "wp:category_nicename",
    name: "wp:cat_name",
    parent: Some("wp:category_parent"),
    description: "wp:category_description",
};

const TAG: TermElements = TermElements {
    element: "wp:tag",
    slug: "wp:tag_slug",
    name: "wp:tag_name",
    parent: None,
    description: "wp:tag_description",
};

/// One term an item is filed under (`<category domain=".." nicename="..">name</category>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermRef {
    /// The taxonomy: `category`, `post_tag`, `nav_menu`, `post_format`, ...
    pub domain: String,
    /// The term's slug, percent-decoded.
    pub slug: String,
    /// The term's name, with HTML entities decoded.
    pub name: String,
}

/// One `<item>`: a post, page, attachment, menu item or any other post type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Item {
    /// The WordPress post id (`wp:post_id`).
    pub id: i64,
    /// The title as plain text, with HTML entities decoded.
    pub title: String,
    /// The `wp:post_name`, percent-decoded; empty for most drafts.
    pub slug: String,
    /// The post type: `post`, `page`, `attachment`, `nav_menu_item`, ...
    pub post_type: String,
    /// The raw `wp:status`: `publish`, `future`, `draft`, `pending`, `private`, `trash`, `inherit`.
    pub status: String,
    /// `wp:post_date_gmt`; `None` when empty or `0000-00-00 00:00:00` (unpublished drafts).
    pub date_gmt: Option<NaiveDateTime>,
    /// `wp:post_date`, in the site's time zone.
    pub date_local: Option<NaiveDateTime>,
    /// `wp:post_modified_gmt`.
    pub modified_gmt: Option<NaiveDateTime>,
    /// The author's login (`dc:creator`).
    pub creator: Option<String>,
    /// The raw `content:encoded` (turn it into HTML with [`super::to_html`]).
    pub content: String,
    /// The raw `excerpt:encoded`.
    pub excerpt: String,
    /// Every term the item is filed under, in document order.
    pub terms: Vec<TermRef>,
    /// The `wp:postmeta` pairs, in document order.
    pub meta: Vec<(String, String)>,
    /// The file's URL, for attachments.
    pub attachment_url: Option<String>,
    /// `wp:post_parent`; 0 when the item has none.
    pub parent: i64,
}

impl Item {
    /// Slugs of the item's categories.
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        self.terms_in("category")
    }

    /// Slugs of the item's tags.
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.terms_in("post_tag")
    }

    /// Slugs of the item's terms in taxonomy `domain`.
    pub fn terms_in<'a>(&'a self, domain: &'a str) -> impl Iterator<Item = &'a str> {
        self.terms.iter().filter(move |t| t.domain == domain).map(|t| t.slug.as_str())
    }

    /// The first value of post meta `key`.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The attachment id of the featured image (`_thumbnail_id`).
    pub fn thumbnail_id(&self) -> Option<i64> {
        self.meta("_thumbnail_id").and_then(|v| v.trim().parse().ok()).filter(|&id| id > 0)
    }

    /// The view count kept by WP-PostViews (`views`) or similar plugins
    /// (`post_views_count`); the larger when both are there, ignoring values that are
    /// not non-negative integers.
    pub fn view_count(&self) -> Option<i64> {
        self.meta
            .iter()
            .filter(|(k, _)| k == "views" || k == "post_views_count")
            .filter_map(|(_, v)| v.trim().parse::<u64>().ok())
            .filter_map(|n| i64::try_from(n).ok())
            .max()
    }
}

/// One thing the export declares, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A `<wp:author>`.
    Author(Author),
    /// A `<wp:category>`.
    Category(Term),
    /// A `<wp:tag>`.
    Tag(Term),
    /// An `<item>`.
    Item(Box<Item>),
}

/// Where in the export something is: a byte offset, and the line when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Bytes from the start of the input.
    pub byte: u64,
    /// 1-based line; `None` when it lies too far back to be known.
    pub line: Option<u64>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line} (byte {})", self.byte),
            None => write!(f, "byte {}", self.byte),
        }
    }
}

/// Why an export cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum WxrError {
    /// The input is not well-formed XML.
    #[error("malformed XML at {at}: {message}")]
    Malformed {
        /// Where the faulty markup starts.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// The input is XML but not a WordPress export.
    #[error("not a WordPress export: {0}")]
    NotWxr(String),
    /// The input ends before the element that is open.
    #[error("the export ends inside <{element}> at {at}: it is truncated")]
    Truncated {
        /// The innermost open element.
        element: String,
        /// The end of the input.
        at: Position,
    },
    /// An entry is well-formed but has a value that cannot be used (reading goes on
    /// with the next entry).
    #[error("invalid <{element}> at {at}: {message}")]
    Invalid {
        /// The entry's element, such as `item`.
        element: &'static str,
        /// Where the entry starts.
        at: Position,
        /// What is wrong.
        message: String,
    },
    /// The input cannot be read.
    #[error("cannot read the export: {0}")]
    Io(#[from] io::Error),
}

/// Reads a WXR export one [`Entry`] at a time, holding no more than the entry being
/// read: a file of any size streams in memory bounded by its largest item.
///
/// After an error the iterator ends, except after [`WxrError::Invalid`], where it goes
/// on with the next entry.
pub struct Reader<R: BufRead> {
    xml: quick_xml::Reader<LineCounter<R>>,
    buf: Vec<u8>,
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Prolog,
    Channel,
    Done,
}

/// What the reader meets next, with the event's bytes copied out of the buffer.
enum Step {
    Open(BytesStart<'static>),
    Leaf(BytesStart<'static>),
    Close,
    Eof,
}

impl<R: BufRead> Reader<R> {
    /// A reader over the export in `input` (wrap files in a [`std::io::BufReader`]).
    pub fn new(input: R) -> Self {
        Self { xml: quick_xml::Reader::from_reader(LineCounter::new(input)), buf: Vec::new(), state: State::Prolog }
    }

    fn next_entry(&mut self) -> Result<Option<Entry>, WxrError> {
        if self.state == State::Prolog {
            self.open_channel()?;
            self.state = State::Channel;
        }
        loop {
            match self.step()? {
                Step::Open(start) => {
                    let at = self.here();
                    let entry = match start.name().as_ref() {
                        b"wp:author" => Entry::Author(self.author(at)?),
                        b"wp:category" => Entry::Category(self.term(at, &CATEGORY)?),
                        b"wp:tag" => Entry::Tag(self.term(at, &TAG)?),
                        b"item" => Entry::Item(Box::new(self.item(at)?)),
                        other => {
                            let name = String::from_utf8_lossy(other).into_owned();
                            self.skip(&name)?;
                            continue;
                        }
                    };
                    return Ok(Some(entry));
                }
                Step::Leaf(_) => {}
                Step::Close => {
                    self.close_rss()?;
                    return Ok(None);
                }
                Step::Eof => return Err(self.truncated("channel")),
            }
        }
    }

    /// Reads up to `<channel>` inside a WordPress `<rss>` root.
    fn open_channel(&mut self) -> Result<(), WxrError> {
        match self.step()? {
            Step::Open(root) if root.name().as_ref() == b"rss" => check_wp_namespace(&root)?,
            Step::Leaf(root) if root.name().as_ref() == b"rss" => {
                return Err(WxrError::NotWxr("<rss> has no <channel>".into()))
            }
            Step::Open(root) | Step::Leaf(root) => {
                let name = String::from_utf8_lossy(root.name().as_ref()).into_owned();
                return Err(WxrError::NotWxr(format!("the root element is <{name}>, not <rss>")));
            }
            Step::Close | Step::Eof => return Err(WxrError::NotWxr("there is no <rss> element".into())),
        }
        loop {
            match self.step()? {
                Step::Open(e) if e.name().as_ref() == b"channel" => return Ok(()),
                Step::Open(e) => self.skip(&String::from_utf8_lossy(e.name().as_ref()))?,
                Step::Leaf(_) => {}
                Step::Close | Step::Eof => return Err(WxrError::NotWxr("<rss> has no <channel>".into())),
            }
        }
    }

    /// Reads from `</channel>` to the end of the input, which must close `<rss>`.
    fn close_rss(&mut self) -> Result<(), WxrError> {
        loop {
            match self.step()? {
                Step::Open(e) => self.skip(&String::from_utf8_lossy(e.name().as_ref()))?,
                Step::Leaf(_) => {}
                Step::Close => break,
                Step::Eof => return Err(self.truncated("rss")),
            }
        }
        match self.step()? {
            Step::Eof => Ok(()),
            _ => Err(WxrError::Malformed { at: self.here(), message: "content after </rss>".into() }),
        }
    }

    fn author(&mut self, at: Position) -> Result<Author, WxrError> {
        let fields = self.fields("wp:author")?;
        Ok(Author {
            login: required(&fields, "wp:author_login", "wp:author", at)?,
            display_name: decode_entities(field(&fields, "wp:author_display_name").trim()),
            email: non_empty(field(&fields, "wp:author_email")),
        })
    }

    fn term(&mut self, at: Position, elements: &TermElements) -> Result<Term, WxrError> {
        let fields = self.fields(elements.element)?;
        Ok(Term {
            slug: decode_slug(&required(&fields, elements.slug, elements.element, at)?),
            name: decode_entities(field(&fields, elements.name).trim()),
            parent: elements.parent.and_then(|parent| non_empty(field(&fields, parent))).map(|p| decode_slug(&p)),
            description: non_empty(field(&fields, elements.description)),
        })
    }

    /// Reads an `<item>` to its end, then checks it, so that a bad value leaves the
    /// reader at the next entry.
    fn item(&mut self, at: Position) -> Result<Item, WxrError> {
        let mut item = Item::default();
        let mut fields = Vec::new();
        loop {
            match self.step()? {
                Step::Open(start) => match start.name().as_ref() {
                    b"category" => {
                        let text = self.text("category")?;
                        item.terms.extend(term_ref(&start, &text).map_err(|e| self.malformed(e))?);
                    }
                    b"wp:postmeta" => item.meta.push(self.postmeta()?),
                    name => {
                        let name = String::from_utf8_lossy(name).into_owned();
                        if ITEM_FIELDS.contains(&name.as_str()) {
                            let text = self.text(&name)?;
                            fields.push((name, text));
                        } else {
                            self.skip(&name)?;
                        }
                    }
                },
                Step::Leaf(_) => {}
                Step::Close => break,
                Step::Eof => return Err(self.truncated("item")),
            }
        }
        fill_item(&mut item, fields).map_err(|message| WxrError::Invalid { element: "item", at, message })?;
        Ok(item)
    }

    fn postmeta(&mut self) -> Result<(String, String), WxrError> {
        let mut fields = self.fields("wp:postmeta")?;
        let value = take(&mut fields, "wp:meta_value");
        Ok((take(&mut fields, "wp:meta_key").trim().to_owned(), value))
    }

    /// The text of each child element of the open element `element`, by name.
    fn fields(&mut self, element: &str) -> Result<Vec<(String, String)>, WxrError> {
        let mut fields = Vec::new();
        loop {
            match self.step()? {
                Step::Open(start) => {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    let text = self.text(&name)?;
                    fields.push((name, text));
                }
                Step::Leaf(_) => {}
                Step::Close => return Ok(fields),
                Step::Eof => return Err(self.truncated(element)),
            }
        }
    }

    /// The text and CDATA of the open element `element`, up to its end; child elements
    /// are skipped.
    fn text(&mut self, element: &str) -> Result<String, WxrError> {
        let mut text = String::new();
        loop {
            self.buf.clear();
            let piece = match self.xml.read_event_into(&mut self.buf) {
                Ok(Event::Text(t)) => t.xml10_content().map(|s| s.into_owned()),
                Ok(Event::CData(c)) => c.xml10_content().map(|s| s.into_owned()),
                Ok(Event::GeneralRef(r)) => entity(&r),
                Ok(Event::Start(e)) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    self.skip(&name)?;
                    continue;
                }
                Ok(Event::End(_)) => return Ok(text),
                Ok(Event::Eof) => return Err(self.truncated(element)),
                Ok(_) => continue,
                Err(e) => return Err(self.xml_error(e)),
            };
            text.push_str(&piece.map_err(|e| self.malformed(e))?);
        }
    }

    /// Reads past the end of the open element `element`, keeping nothing.
    fn skip(&mut self, element: &str) -> Result<(), WxrError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.step()? {
                Step::Open(_) => depth += 1,
                Step::Leaf(_) => {}
                Step::Close => depth -= 1,
                Step::Eof => return Err(self.truncated(element)),
            }
        }
        Ok(())
    }

    /// The next element boundary, skipping text, comments and declarations.
    fn step(&mut self) -> Result<Step, WxrError> {
        loop {
            self.buf.clear();
            return match self.xml.read_event_into(&mut self.buf) {
                Ok(Event::Start(e)) => Ok(Step::Open(e.into_owned())),
                Ok(Event::Empty(e)) => Ok(Step::Leaf(e.into_owned())),
                Ok(Event::End(_)) => Ok(Step::Close),
                Ok(Event::Eof) => Ok(Step::Eof),
                Ok(_) => continue,
                Err(e) => Err(self.xml_error(e)),
            };
        }
    }

    fn here(&self) -> Position {
        self.xml.get_ref().position(self.xml.buffer_position())
    }

    fn truncated(&self, element: &str) -> WxrError {
        WxrError::Truncated { element: element.to_owned(), at: self.here() }
    }

    fn malformed(&self, e: impl fmt::Display) -> WxrError {
        WxrError::Malformed { at: self.here(), message: e.to_string() }
    }

    fn xml_error(&self, e: quick_xml::Error) -> WxrError {
        match e {
            quick_xml::Error::Io(io) => WxrError::Io(io::Error::new(io.kind(), io)),
            e => WxrError::Malformed {
                at: self.xml.get_ref().position(self.xml.error_position()),
                message: e.to_string(),
            },
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Entry, WxrError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.state == State::Done {
            return None;
        }
        match self.next_entry() {
            Ok(Some(entry)) => Some(Ok(entry)),
            Ok(None) => {
                self.state = State::Done;
                None
            }
            Err(e) => {
                if !matches!(e, WxrError::Invalid { .. }) {
                    self.state = State::Done;
                }
                Some(Err(e))
            }
        }
    }
}

/// Percent-decodes a WordPress slug (`%c4%91%c6%b0%e1%bb%9dng` becomes `đường`); a
/// slug that does not decode to UTF-8 is kept as it is.
pub fn decode_slug(slug: &str) -> String {
    let slug = slug.trim();
    match percent_encoding::percent_decode_str(slug).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => slug.to_owned(),
    }
}

fn check_wp_namespace(root: &BytesStart<'_>) -> Result<(), WxrError> {
    let namespace = match root.try_get_attribute("xmlns:wp") {
        Ok(Some(attr)) => attr.unescape_value().map(|v| v.into_owned()).unwrap_or_default(),
        _ => String::new(),
    };
    let namespace = namespace.trim_start_matches("https://").trim_start_matches("http://");
    if namespace.starts_with("wordpress.org/export/") {
        Ok(())
    } else {
        Err(WxrError::NotWxr("<rss> does not declare the WordPress export namespace (xmlns:wp)".into()))
    }
}

/// The term named by an item's `<category>`; `None` without a `domain` or `nicename`
/// (WXR 1.0 also lists bare category names, which say nothing new).
fn term_ref(start: &BytesStart<'_>, name: &str) -> Result<Option<TermRef>, quick_xml::Error> {
    let attribute = |key: &str| -> Result<Option<String>, quick_xml::Error> {
        match start.try_get_attribute(key)? {
            Some(attr) => Ok(Some(attr.unescape_value()?.into_owned())),
            None => Ok(None),
        }
    };
    let (Some(domain), Some(nicename)) = (attribute("domain")?, attribute("nicename")?) else {
        return Ok(None);
    };
    Ok(Some(TermRef { domain, slug: decode_slug(&nicename), name: decode_entities(name.trim()) }))
}

/// The child elements of an `<item>` that [`fill_item`] reads; others are skipped.
const ITEM_FIELDS: [&str; 13] = [
    "wp:post_id",
    "wp:post_parent",
    "wp:post_date_gmt",
    "wp:post_date",
    "wp:post_modified_gmt",
    "title",
    "wp:post_name",
    "wp:post_type",
    "wp:status",
    "dc:creator",
    "content:encoded",
    "excerpt:encoded",
    "wp:attachment_url",
];

/// Sets the item's scalar fields from its child elements' texts.
fn fill_item(item: &mut Item, mut fields: Vec<(String, String)>) -> Result<(), String> {
    let id = take(&mut fields, "wp:post_id");
    item.id = id.trim().parse().map_err(|_| format!("<wp:post_id> is not an integer: {id:?}"))?;
    let parent = take(&mut fields, "wp:post_parent");
    item.parent = match parent.trim() {
        "" => 0,
        p => p.parse().map_err(|_| format!("<wp:post_parent> is not an integer: {parent:?}"))?,
    };
    item.date_gmt = date(&take(&mut fields, "wp:post_date_gmt"))?;
    item.date_local = date(&take(&mut fields, "wp:post_date"))?;
    item.modified_gmt = date(&take(&mut fields, "wp:post_modified_gmt"))?;
    item.title = decode_entities(take(&mut fields, "title").trim());
    item.slug = decode_slug(&take(&mut fields, "wp:post_name"));
    item.post_type = take(&mut fields, "wp:post_type").trim().to_owned();
    item.status = take(&mut fields, "wp:status").trim().to_owned();
    item.creator = non_empty(&take(&mut fields, "dc:creator"));
    item.content = take(&mut fields, "content:encoded");
    item.excerpt = take(&mut fields, "excerpt:encoded");
    item.attachment_url = non_empty(&take(&mut fields, "wp:attachment_url"));
    Ok(())
}

/// A WordPress date (`2024-03-05 08:30:00`); `None` when empty or all zeros.
fn date(text: &str) -> Result<Option<NaiveDateTime>, String> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000-00-00") {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .map(Some)
        .map_err(|_| format!("{text:?} is not a date like 2024-03-05 08:30:00"))
}

/// The trimmed text of child `name`, which must not be empty.
fn required(fields: &[(String, String)], name: &str, element: &'static str, at: Position) -> Result<String, WxrError> {
    non_empty(field(fields, name)).ok_or_else(|| WxrError::Invalid {
        element,
        at,
        message: format!("<{name}> is missing or empty"),
    })
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
}

fn take(fields: &mut Vec<(String, String)>, name: &str) -> String {
    match fields.iter().position(|(n, _)| n == name) {
        Some(i) => fields.swap_remove(i).1,
        None => String::new(),
    }
}

fn non_empty(text: &str) -> Option<String> {
    Some(text.trim()).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// The text of an entity reference met outside CDATA: the five XML entities and
/// character references are resolved, any other name is kept as written.
fn entity(reference: &BytesRef<'_>) -> Result<String, quick_xml::encoding::EncodingError> {
    let name = reference.decode()?;
    let resolved = match name.as_ref() {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => reference.resolve_char_ref().ok().flatten(),
    };
    Ok(resolved.map_or_else(|| format!("&{name};"), String::from))
}

/// Decodes the HTML entities WordPress stores in names and titles (`&amp;`, `&#038;`,
/// `&quot;`, ...), in one pass; unknown entities are kept as written.
fn decode_entities(text: &str) -> String {
    super::rewrite_from(text, '&', |rest, out| {
        // Entity names are short: looking no further keeps the scan linear.
        let end = rest.bytes().take(12).position(|b| b == b';')?;
        out.push(html_entity(&rest[1..end])?);
        Some(end + 1)
    })
}

fn html_entity(name: &str) -> Option<char> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        return char::from_u32(code).filter(|&c| c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        _ => return None,
    })
}

/// Counts lines in what the XML parser consumes, so errors can name a line. It keeps
/// the offsets of the last [`Self::RECENT`] newlines: enough for any position near the
/// parser, which is where errors are.
struct LineCounter<R> {
    inner: R,
    consumed: u64,
    newlines: u64,
    recent: VecDeque<u64>,
}

impl<R: BufRead> LineCounter<R> {
    const RECENT: usize = 1 << 14;

    fn new(inner: R) -> Self {
        Self { inner, consumed: 0, newlines: 0, recent: VecDeque::new() }
    }

    fn position(&self, byte: u64) -> Position {
        let before = self.recent.partition_point(|&offset| offset < byte);
        let forgotten = self.newlines - self.recent.len() as u64;
        let line = (before > 0 || forgotten == 0).then(|| forgotten + before as u64 + 1);
        Position { byte, line }
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The bytes being consumed are still in the inner buffer: reading it again does
        // no I/O.
        if let Ok(available) = self.inner.fill_buf() {
            let consumed = &available[..amount.min(available.len())];
            for (i, _) in consumed.iter().enumerate().filter(|(_, &b)| b == b'\n') {
                if self.recent.len() == Self::RECENT {
                    self.recent.pop_front();
                }
                self.recent.push_back(self.consumed + i as u64);
                self.newlines += 1;
            }
        }
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIXTURE: &str = include_str!("../../tests/fixtures/wordpress.xml");

    fn read(xml: &str) -> Vec<Result<Entry, WxrError>> {
        Reader::new(xml.as_bytes()).collect()
    }

    fn fixture() -> Vec<Entry> {
        read(FIXTURE).into_iter().collect::<Result<_, _>>().expect("the fixture reads")
    }

    fn items() -> Vec<Item> {
        fixture()
            .into_iter()
            .filter_map(|e| match e {
                Entry::Item(item) => Some(*item),
                _ => None,
            })
            .collect()
    }

    fn item(id: i64) -> Item {
        items().into_iter().find(|i| i.id == id).expect("the item")
    }

    fn at(text: &str) -> Option<NaiveDateTime> {
        Some(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("a date"))
    }

    fn error(xml: &str) -> WxrError {
        read(xml).into_iter().find_map(Result::err).expect("an error")
    }

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
"#;

    #[test]
    fn the_fixture_reads_as_authors_then_categories_tags_and_items_in_order() {
        let kinds: String = fixture()
            .iter()
            .map(|e| match e {
                Entry::Author(_) => 'a',
                Entry::Category(_) => 'c',
                Entry::Tag(_) => 't',
                Entry::Item(_) => 'i',
            })
            .collect();
        assert_eq!(kinds, "aaccccctt".to_owned() + &"i".repeat(10));
    }

    #[test]
    fn authors_have_login_display_name_and_email_when_given() {
        let authors: Vec<Author> =
            fixture().into_iter().filter_map(|e| if let Entry::Author(a) = e { Some(a) } else { None }).collect();
        assert_eq!(
            authors,
            [
                Author {
                    login: "bientap".into(),
                    display_name: "Nguyễn Thị Hồng Nhung".into(),
                    email: Some("bientap@baobinhson.example.org".into()),
                },
                Author { login: "pv_tuan".into(), display_name: "Trần Đức Tuấn".into(), email: None },
            ]
        );
    }

    /// The categories (or with `tags`, the tags) of the fixture, in order.
    fn terms(tags: bool) -> Vec<Term> {
        fixture()
            .into_iter()
            .filter_map(|e| match e {
                Entry::Category(c) if !tags => Some(c),
                Entry::Tag(t) if tags => Some(t),
                _ => None,
            })
            .collect()
    }

    fn term(slug: &str, name: &str, parent: Option<&str>, description: Option<&str>) -> Term {
        Term {
            slug: slug.to_owned(),
            name: name.to_owned(),
            parent: parent.map(str::to_owned),
            description: description.map(str::to_owned),
        }
    }

    #[test]
    fn categories_keep_their_hierarchy_with_decoded_slugs_and_names() {
        assert_eq!(
            terms(false),
            [
                term("tin-tuc", "Tin tức", None, Some("Tin tức trong tỉnh")),
                term("kinh-te", "Kinh tế", Some("tin-tuc"), None),
                term("nong-nghiep", "Nông nghiệp", Some("kinh-te"), None),
                term("đời-sống", "Đời sống", None, None),
                term("van-hoa", "Văn hóa & Du lịch", Some("đời-sống"), None),
            ]
        );
    }

    #[test]
    fn tags_have_decoded_slugs() {
        assert_eq!(
            terms(true),
            [
                term("lua-gao", "lúa gạo", None, None),
                term("mùa-lũ", "mùa lũ", None, Some("Thông tin phòng chống thiên tai")),
            ]
        );
    }

    #[test]
    fn every_item_comes_with_its_post_type_and_raw_status() {
        let found: Vec<(i64, String, String)> = items().into_iter().map(|i| (i.id, i.post_type, i.status)).collect();
        let expected = [
            (7, "attachment", "inherit"),
            (10, "post", "publish"),
            (11, "post", "future"),
            (12, "post", "draft"),
            (13, "post", "pending"),
            (14, "post", "private"),
            (15, "post", "trash"),
            (16, "post", "publish"),
            (20, "page", "publish"),
            (30, "nav_menu_item", "publish"),
        ];
        let expected: Vec<(i64, String, String)> =
            expected.iter().map(|&(id, t, s)| (id, t.to_owned(), s.to_owned())).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_published_post_has_its_dates_terms_meta_featured_image_and_views() {
        let post = item(10);
        assert_eq!(post.title, "Nông dân Phú Hòa trúng mùa lúa đông xuân");
        assert_eq!(post.slug, "nong-dan-phu-hoa-trung-mua");
        assert_eq!(post.creator.as_deref(), Some("pv_tuan"));
        assert_eq!(post.date_gmt, at("2024-03-05 01:30:00"));
        assert_eq!(post.date_local, at("2024-03-05 08:30:00"));
        assert_eq!(post.modified_gmt, at("2024-03-06 02:00:00"));
        assert_eq!(post.categories().collect::<Vec<_>>(), ["nong-nghiep"]);
        assert_eq!(post.tags().collect::<Vec<_>>(), ["lua-gao"]);
        assert_eq!(post.excerpt, "Vụ đông xuân năm nay, nông dân xã Phú Hòa trúng mùa, được giá.");
        assert!(post.content.starts_with("Vụ đông xuân năm nay, nông dân xã Phú Hòa thu hoạch"));
        assert!(post.content.contains("[caption id=\"attachment_7\""));
        assert_eq!(post.meta, [("_thumbnail_id".to_owned(), "7".to_owned()), ("views".to_owned(), "1532".to_owned())]);
        assert_eq!(post.thumbnail_id(), Some(7));
        assert_eq!(post.view_count(), Some(1532));
        assert_eq!(post.parent, 0);
        assert_eq!(post.attachment_url, None);
    }

    #[test]
    fn the_featured_image_is_an_attachment_item_with_its_url() {
        let image = item(item(10).thumbnail_id().expect("a thumbnail"));
        assert_eq!(image.post_type, "attachment");
        assert_eq!(
            image.attachment_url.as_deref(),
            Some("https://baobinhson.example.org/wp-content/uploads/2024/03/canh-dong-lua.jpg")
        );
        assert_eq!(image.parent, 10);
        assert_eq!(image.meta("_wp_attachment_image_alt"), Some("Nông dân thu hoạch lúa"));
        assert_eq!(image.content, "");
    }

    #[test]
    fn a_scheduled_post_keeps_its_future_date_and_post_views_count() {
        let post = item(11);
        assert_eq!(post.date_gmt, at("2031-04-12 01:00:00"));
        assert_eq!(post.view_count(), Some(87));
        assert_eq!(post.thumbnail_id(), None);
        assert!(post.content.starts_with("<!-- wp:paragraph -->\n<p>"));
        let terms = &post.terms;
        assert_eq!(
            terms[0],
            TermRef { domain: "category".into(), slug: "van-hoa".into(), name: "Văn hóa & Du lịch".into() }
        );
        assert_eq!(terms[1], TermRef { domain: "post_tag".into(), slug: "du-lich".into(), name: "du lịch".into() });
    }

    #[test]
    fn a_draft_with_a_zero_gmt_date_has_none_and_keeps_its_local_date() {
        let draft = item(12);
        assert_eq!(draft.date_gmt, None);
        assert_eq!(draft.date_local, at("2024-03-19 14:02:11"));
        assert_eq!(draft.slug, "");
        assert_eq!(draft.tags().collect::<Vec<_>>(), ["mùa-lũ"]);
        assert_eq!(draft.view_count(), None);
    }

    #[test]
    fn a_percent_encoded_post_name_is_decoded() {
        let post = item(16);
        assert_eq!(post.slug, "đường-tỉnh-725-thông-xe");
        assert_eq!(post.categories().collect::<Vec<_>>(), ["tin-tuc", "đời-sống"]);
        assert_eq!(post.terms_in("post_tag").collect::<Vec<_>>(), ["giao-thong"]);
        assert_eq!(item(15).slug, "le-hoi-hoa-da-quy__trashed");
        assert_eq!(item(30).terms_in("nav_menu").collect::<Vec<_>>(), ["menu-chinh"]);
    }

    #[test]
    fn entities_are_decoded_outside_cdata_and_kept_inside() {
        assert_eq!(item(13).title, "Giá cà phê & hồ tiêu đồng loạt tăng");
        assert!(item(10).content.contains("1&nbsp;triệu"));
        let xml = format!("{HEAD}<item><wp:post_id>1</wp:post_id><title>A &lt;b&gt; &#x110;&#7889; &amp;amp; &nbsp;</title></item></channel></rss>");
        let Some(Ok(Entry::Item(item))) = read(&xml).into_iter().next() else { panic!("an item") };
        assert_eq!(item.title, "A <b> Đố & \u{a0}");
    }

    #[test]
    fn malformed_xml_is_an_error_with_its_line_and_byte() {
        let xml = format!("{HEAD}<item>\n<title>x</titel>\n</item></channel></rss>");
        let WxrError::Malformed { at, message } = error(&xml) else { panic!("malformed") };
        assert_eq!(at.line, Some(5));
        assert_eq!(at.byte, xml.find("</titel>").expect("the typo") as u64);
        assert!(message.contains("titel"), "{message}");
    }

    #[test]
    fn a_document_cut_inside_an_item_is_truncated() {
        let cut = &FIXTURE[..FIXTURE.find("<wp:post_name><![CDATA[gioi-thieu]]>").expect("the page")];
        let entries = read(cut);
        let (last, before) = entries.split_last().expect("entries");
        assert!(before.iter().all(Result::is_ok));
        assert!(matches!(last, Err(WxrError::Truncated { element, .. }) if element == "item"), "{last:?}");
    }

    #[test]
    fn a_document_cut_after_its_channel_is_truncated() {
        let cut = &FIXTURE[..FIXTURE.find("</rss>").expect("the end")];
        assert!(matches!(error(cut), WxrError::Truncated { element, .. } if element == "rss"));
        assert!(matches!(error(&format!("{FIXTURE}<rss/>")), WxrError::Malformed { .. }));
    }

    #[test]
    fn documents_that_are_not_wordpress_exports_are_refused() {
        let cases = [
            ("", "empty input"),
            ("just some text", "no element at all"),
            ("<html><body/></html>", "another root element"),
            ("<rss version=\"2.0\"><channel><item/></channel></rss>", "a plain RSS feed"),
            ("<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"></rss>", "no channel"),
            ("<rss xmlns:wp=\"http://wordpress.org/export/1.2/\"/>", "an empty root"),
        ];
        for (xml, reason) in cases {
            assert!(matches!(error(xml), WxrError::NotWxr(_)), "{reason}");
        }
    }

    #[test]
    fn an_entry_with_a_bad_value_is_invalid_and_reading_goes_on() {
        let xml = format!(
            "{HEAD}<item><wp:post_id>1</wp:post_id><wp:post_date>5 March</wp:post_date></item>\
             <item><title>no id</title></item>\
             <wp:tag><wp:tag_name>no slug</wp:tag_name></wp:tag>\
             <item><wp:post_id>3</wp:post_id></item></channel></rss>"
        );
        let entries = read(&xml);
        assert_eq!(entries.len(), 4);
        assert!(matches!(&entries[0], Err(WxrError::Invalid { message, .. }) if message.contains("5 March")));
        assert!(matches!(&entries[1], Err(WxrError::Invalid { message, .. }) if message.contains("wp:post_id")));
        assert!(
            matches!(&entries[2], Err(WxrError::Invalid { element: "wp:tag", message, .. }) if message.contains("wp:tag_slug"))
        );
        assert!(matches!(&entries[3], Ok(Entry::Item(item)) if item.id == 3));
    }

    #[test]
    fn view_counts_ignore_garbage_and_take_the_larger_counter() {
        let with = |meta: &[(&str, &str)]| Item {
            meta: meta.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect(),
            ..Item::default()
        };
        assert_eq!(with(&[("views", "abc"), ("post_views_count", " 12 ")]).view_count(), Some(12));
        assert_eq!(with(&[("views", "-4")]).view_count(), None);
        assert_eq!(with(&[("views", "30"), ("post_views_count", "12")]).view_count(), Some(30));
        assert_eq!(with(&[("views", "99999999999999999999")]).view_count(), None);
        assert_eq!(with(&[("_thumbnail_id", "0")]).thumbnail_id(), None);
    }

    #[test]
    fn slugs_that_do_not_decode_to_utf8_are_kept_as_written() {
        assert_eq!(decode_slug("tin-t%e1%bb%a9c"), "tin-tức");
        assert_eq!(decode_slug("bad-%ff-byte"), "bad-%ff-byte");
        assert_eq!(decode_slug("100%-thật"), "100%-thật");
    }

    #[test]
    fn many_ampersands_decode_in_linear_time() {
        let text = "&".repeat(200_000) + "&amp;";
        assert_eq!(decode_entities(&text), "&".repeat(200_001));
    }

    /// Yields a WXR document that never ends.
    struct Endless {
        sent: u64,
        pending: Vec<u8>,
    }

    impl Read for Endless {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.pending.is_empty() {
                self.pending = match self.sent {
                    0 => HEAD.as_bytes().to_vec(),
                    n => format!(
                        "<item><wp:post_id>{n}</wp:post_id><content:encoded><![CDATA[{}]]></content:encoded></item>\n",
                        "x".repeat(1000)
                    )
                    .into_bytes(),
                };
                self.sent += 1;
            }
            let n = out.len().min(self.pending.len());
            out[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn entries_stream_before_the_document_ends() {
        let reader = Reader::new(io::BufReader::new(Endless { sent: 0, pending: Vec::new() }));
        let ids: Vec<i64> = reader
            .skip(10_000)
            .take(2)
            .map(|e| match e {
                Ok(Entry::Item(item)) => item.id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, [10_001, 10_002]);
    }

    #[test]
    fn lines_are_counted_far_into_the_document() {
        let filler = "<wp:base_site_url>x</wp:base_site_url>\n".repeat(50_000);
        let xml = format!("{HEAD}{filler}<item>&bogus</item></channel></rss>");
        let WxrError::Malformed { at, .. } = error(&xml) else { panic!("malformed") };
        assert_eq!(at.line, Some(50_004));
    }

    fn ends_in_error(xml: &[u8]) -> bool {
        matches!(Reader::new(xml).last(), Some(Err(_)))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn every_cut_of_the_fixture_ends_in_an_error(cut in 0..FIXTURE.trim_end().len()) {
            prop_assert!(ends_in_error(&FIXTURE.as_bytes()[..cut]));
        }

        #[test]
        fn damaged_fixtures_never_panic(at in 0..FIXTURE.len(), junk in proptest::collection::vec(any::<u8>(), 0..16)) {
            let mut xml = FIXTURE.as_bytes().to_vec();
            xml.splice(at..(at + junk.len()).min(xml.len()), junk);
            let _ = Reader::new(xml.as_slice()).count();
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Reader::new(bytes.as_slice()).count();
        }

        #[test]
        fn markup_soup_never_panics(parts in proptest::collection::vec(prop_oneof![
            Just("<rss xmlns:wp=\"http://wordpress.org/export/1.2/\">"), Just("<channel>"), Just("<item>"),
            Just("</item>"), Just("<wp:post_id>"), Just("</wp:post_id>"), Just("1"), Just("<![CDATA[x"),
            Just("]]>"), Just("&amp;"), Just("&#0;"), Just("<wp:postmeta>"), Just("<category domain=\"x\">"),
            Just("</channel>"), Just("</rss>"), Just("<wp:author>"), Just("<!--"), Just("-->"),
        ], 0..40)) {
            let _ = Reader::new(parts.concat().as_bytes()).count();
        }
    }
}
