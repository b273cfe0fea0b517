//! Articles: rows, writes with their tags, and the filtered, keyset-paginated list.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::sql::{fixed, fixed_per_dialect, with_list, Fixed};
use super::tags::TagRow;
use super::Conn;
use super::Dialect;
use crate::schema::{article_tags, articles, tags};

/// An article as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable, QueryableByName)]
#[diesel(table_name = articles)]
pub struct ArticleRow {
    pub id: i32,
    /// Its content (the row derefs to it).
    #[diesel(embed)]
    pub fields: ArticleFields,
    pub view_count: i64,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When it was moved to the trash; `None` when it is not there.
    pub trashed_at: Option<NaiveDateTime>,
    /// The token name that wrote this version (`None`: the command line or an import).
    pub editor: Option<String>,
}

impl std::ops::Deref for ArticleRow {
    type Target = ArticleFields;

    fn deref(&self) -> &ArticleFields {
        &self.fields
    }
}

/// The content fields of an article, after validation and sanitizing.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    Selectable,
    QueryableByName,
    Insertable,
    AsChangeset,
    serde::Serialize,
    serde::Deserialize,
)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct ArticleFields {
    pub slug: String,
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub author: Option<String>,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub category_id: Option<i32>,
    pub cover_image_url: Option<String>,
    pub featured: bool,
    /// Absent from revisions kept before it was stored with them (0; recomputed on restore).
    #[serde(default)]
    pub reading_time_minutes: i32,
    pub author_id: Option<i32>,
    /// Absent from revisions kept before covers came from the media library.
    #[serde(default)]
    pub cover_image_id: Option<i32>,
    /// Its SEO overrides (at the top level of a revision's JSON; absent from revisions
    /// kept before them: no overrides).
    #[diesel(embed)]
    #[serde(flatten)]
    pub seo: SeoFields,
}

/// An article's SEO overrides; `None` shows the default in its place (see
/// `routes::articles::seo`).
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Queryable,
    Selectable,
    QueryableByName,
    Insertable,
    AsChangeset,
    serde::Serialize,
    serde::Deserialize,
)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub struct SeoFields {
    #[serde(default)]
    pub seo_title: Option<String>,
    #[serde(default)]
    pub seo_description: Option<String>,
    #[serde(default)]
    pub canonical_url: Option<String>,
    #[serde(default)]
    pub og_image_url: Option<String>,
}

impl SeoFields {
    /// Longest `seo_title`, in characters.
    pub const MAX_TITLE: usize = 120;
    /// Longest `seo_description`, in characters.
    pub const MAX_DESCRIPTION: usize = 300;
}

/// JSON built in SQL, in a dialect: an object of `pairs` (`'key', expression, …`).
fn json_object(d: Dialect, pairs: &str) -> String {
    match d {
        Dialect::Sqlite => format!("json_object({pairs})"),
        Dialect::Pg => format!("CAST(json_build_object({pairs}) AS text)"),
    }
}

/// An article's category as JSON (`{"id","slug","name"}`, or NULL), as a subquery of a
/// query in which `a` names the articles table.
fn category_json(a: &str, d: Dialect) -> String {
    let object = json_object(d, "'id', c.id, 'slug', c.slug, 'name', c.name");
    format!("(SELECT {object} FROM categories c WHERE c.id = {a}.category_id)")
}

/// An article's tags as a JSON array of `{"id","slug","name"}` by name (`[]` for none),
/// as a subquery of a query in which `a` names the articles table.
fn tags_json(a: &str, d: Dialect) -> String {
    const TAG: &str = "'id', t.id, 'slug', t.slug, 'name', t.name";
    const ORDER: &str = "ORDER BY t.name_folded, t.id";
    let array = match d {
        Dialect::Sqlite => format!("json_group_array(json_object({TAG}) {ORDER})"),
        Dialect::Pg => format!("COALESCE(CAST(json_agg(json_build_object({TAG}) {ORDER}) AS text), '[]')"),
    };
    format!("(SELECT {array} FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE x.article_id = {a}.id)")
}

/// An article's author profile as JSON (`{"id","slug","name","avatar_url"}`, or
/// NULL), as a subquery of a query in which `a` names the articles table.
fn author_json(a: &str, d: Dialect) -> String {
    let object = json_object(d, "'id', p.id, 'slug', p.slug, 'name', p.name, 'avatar_url', p.avatar_url");
    format!("(SELECT {object} FROM authors p WHERE p.id = {a}.author_id)")
}

/// An article's cover from the media library as JSON (`{"id","url","width","height",
/// "alt","variants"}`, or NULL), as a subquery of a query in which `a` names the
/// articles table.
fn cover_json(a: &str, d: Dialect) -> String {
    let variants = match d {
        Dialect::Sqlite => "json(m.variants)",
        Dialect::Pg => "CAST(m.variants AS json)",
    };
    let object = json_object(
        d,
        &format!(
            "'id', m.id, 'url', '/media/' || m.file, 'width', m.width, 'height', m.height, 'alt', m.alt, \
             'variants', {variants}"
        ),
    );
    format!("(SELECT {object} FROM media m WHERE m.id = {a}.cover_image_id)")
}

/// The category, tag, author and cover columns of [`Loaded`] for raw SQL in which `a`
/// names the articles table.
pub fn refs_sql(a: &str, d: Dialect) -> String {
    format!(
        "{} AS category_json, {} AS tags_json, {} AS author_json, {} AS cover_json",
        category_json(a, d),
        tags_json(a, d),
        author_json(a, d),
        cover_json(a, d)
    )
}

/// An article with its category, tags and author profile (as JSON made by SQLite),
/// loaded in the same statement: one query per article, one per page of articles.
#[derive(Debug, Clone, QueryableByName)]
pub struct Loaded {
    #[diesel(embed)]
    pub article: ArticleRow,
    /// See [`category_json`].
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub category_json: Option<String>,
    /// See [`tags_json`].
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub tags_json: Option<String>,
    /// See [`author_json`].
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub author_json: Option<String>,
    /// See [`cover_json`].
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub cover_json: Option<String>,
}

/// A row with its category, tags, author and cover as JSON.
type LoadedTuple = (ArticleRow, (Option<String>, Option<String>, Option<String>, Option<String>));

impl From<LoadedTuple> for Loaded {
    fn from((row, (category_json, tags_json, author_json, cover_json)): LoadedTuple) -> Self {
        Self { article: row, category_json, tags_json, author_json, cover_json }
    }
}

/// The columns of [`ArticleRow`] in order, with `$body` (an SQL expression) for the
/// body: lists show no body, and reading 20 bodies was a fifth of a list page's time
/// (UTF-8 checks of ~90 KB).
macro_rules! columns_with_body {
    ($body:expr) => {
        (
            articles::id,
            (
                articles::slug,
                articles::title,
                articles::summary,
                $body,
                articles::author,
                articles::status,
                articles::published_at,
                articles::category_id,
                articles::cover_image_url,
                articles::featured,
                articles::reading_time_minutes,
                articles::author_id,
                articles::cover_image_id,
                (articles::seo_title, articles::seo_description, articles::canonical_url, articles::og_image_url),
            ),
            articles::view_count,
            articles::version,
            articles::created_at,
            articles::updated_at,
            articles::trashed_at,
            articles::editor,
        )
    };
}

/// The columns of [`ArticleRow`] for raw SQL in which `a` names the articles table,
/// with an empty body (see [`columns_with_body`]).
pub fn columns_without_body(a: &str) -> String {
    format!(
        "{a}.id, {a}.slug, {a}.title, {a}.summary, '' AS body, {a}.author, {a}.status, {a}.published_at, \
         {a}.category_id, {a}.cover_image_url, {a}.featured, {a}.view_count, {a}.reading_time_minutes, \
         {a}.version, {a}.created_at, {a}.updated_at, {a}.trashed_at, {a}.editor, {a}.author_id, \
         {a}.cover_image_id, {a}.seo_title, {a}.seo_description, {a}.canonical_url, {a}.og_image_url"
    )
}

/// An empty body, for lists.
fn no_body() -> Fixed<Text> {
    fixed("''")
}

type Refs = (Fixed<Nullable<Text>>, Fixed<Nullable<Text>>, Fixed<Nullable<Text>>, Fixed<Nullable<Text>>);

/// The category, tag, author and cover columns of [`Loaded`] for a query on
/// `articles`: fixed text, so that the statements using them stay prepared.
fn refs() -> Refs {
    /// Each subquery's text in SQLite's dialect and PostgreSQL's.
    type Texts = LazyLock<[String; 2]>;
    static CATEGORY: Texts = LazyLock::new(|| [Dialect::Sqlite, Dialect::Pg].map(|d| category_json("articles", d)));
    static TAGS: Texts = LazyLock::new(|| [Dialect::Sqlite, Dialect::Pg].map(|d| tags_json("articles", d)));
    static AUTHOR: Texts = LazyLock::new(|| [Dialect::Sqlite, Dialect::Pg].map(|d| author_json("articles", d)));
    static COVER: Texts = LazyLock::new(|| [Dialect::Sqlite, Dialect::Pg].map(|d| cover_json("articles", d)));
    let each = |texts: &'static Texts| fixed_per_dialect(texts[0].as_str(), texts[1].as_str());
    (each(&CATEGORY), each(&TAGS), each(&AUTHOR), each(&COVER))
}

/// The article with `id`, with its category and tags: one statement.
pub fn find_loaded(conn: &mut Conn, id: i32) -> QueryResult<Option<Loaded>> {
    let found: Option<LoadedTuple> =
        articles::table.find(id).select((ArticleRow::as_select(), refs())).first(conn).optional()?;
    Ok(found.map(Loaded::from))
}

/// The article with `slug`, with its category and tags: one statement.
pub fn find_loaded_by_slug(conn: &mut Conn, slug: &str) -> QueryResult<Option<Loaded>> {
    let found: Option<LoadedTuple> = articles::table
        .filter(articles::slug.eq(slug))
        .select((ArticleRow::as_select(), refs()))
        .first(conn)
        .optional()?;
    Ok(found.map(Loaded::from))
}

/// The article with `id`.
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<ArticleRow>> {
    articles::table.find(id).select(ArticleRow::as_select()).first(conn).optional()
}

/// (id, view_count) of every article with views.
pub fn view_counts(conn: &mut Conn) -> QueryResult<Vec<(i32, i64)>> {
    articles::table.filter(articles::view_count.gt(0)).select((articles::id, articles::view_count)).load(conn)
}

/// (id, published_at) of every published article.
pub fn published_times(conn: &mut Conn) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    let rows: Vec<(i32, Option<NaiveDateTime>)> = articles::table
        .filter(articles::status.eq("published"))
        .filter(articles::trashed_at.is_null())
        .select((articles::id, articles::published_at))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, at)| Some((id, at?))).collect())
}

/// Whether an article has `slug`, other than `except`.
pub fn slug_taken(conn: &mut Conn, slug: &str, except: Option<i32>) -> QueryResult<bool> {
    let id: Option<i32> =
        articles::table.filter(articles::slug.eq(slug)).select(articles::id).first(conn).optional()?;
    Ok(id.is_some_and(|id| Some(id) != except))
}

/// The id of the next article: above every id stored or ever deleted (an id is never
/// given twice: buffered views and ETags of a deleted article must not pass to a new
/// one). Call in the inserting transaction.
pub fn next_id(conn: &mut Conn) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        id: i32,
    }
    let next: Next = diesel::sql_query(
        "SELECT COALESCE(MAX(id), 0) + 1 AS id FROM ( \
             SELECT MAX(id) AS id FROM articles UNION ALL SELECT floor FROM article_id_floor WHERE id = 1 \
         ) known",
    )
    .get_result(conn)?;
    Ok(next.id)
}

/// Inserts an article with its tag ids, written by the token named `editor` (`None`:
/// the command line); returns the row.
pub fn insert(
    conn: &mut Conn,
    fields: &ArticleFields,
    tag_ids: &[i32],
    editor: Option<&str>,
) -> QueryResult<ArticleRow> {
    let now = super::now();
    let id = next_id(conn)?;
    let row: ArticleRow = crate::on_backend!(conn, c => diesel::insert_into(articles::table)
        .values((
            articles::id.eq(id),
            fields,
            articles::created_at.eq(now),
            articles::updated_at.eq(now),
            articles::editor.eq(editor),
        ))
        .returning(ArticleRow::as_returning())
        .get_result(c))?;
    set_tags(conn, row.id, tag_ids)?;
    super::search::record_change(conn, row.id)?;
    Ok(row)
}

/// Writes new fields and tags of article `id` by the token named `editor`, bumping
/// `version` and `updated_at`.
pub fn update(
    conn: &mut Conn,
    id: i32,
    fields: &ArticleFields,
    tag_ids: &[i32],
    editor: Option<&str>,
) -> QueryResult<ArticleRow> {
    let row = crate::on_backend!(conn, c => diesel::update(articles::table.find(id))
        .set((
            fields,
            articles::version.eq(articles::version + 1),
            articles::updated_at.eq(super::now()),
            articles::editor.eq(editor),
        ))
        .returning(ArticleRow::as_returning())
        .get_result(c))?;
    set_tags(conn, id, tag_ids)?;
    super::search::record_change(conn, row.id)?;
    Ok(row)
}

/// Replaces the tags of article `id`.
pub fn set_tags(conn: &mut Conn, id: i32, tag_ids: &[i32]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id))).execute(conn)?;
    let rows: Vec<_> =
        tag_ids.iter().map(|tag| (article_tags::article_id.eq(id), article_tags::tag_id.eq(*tag))).collect();
    crate::on_backend!(conn, c => diesel::insert_into(article_tags::table).values(rows).execute(c))?;
    Ok(())
}

/// Moves article `id` to the trash (`Some(time)`) or out of it (`None`), bumping its
/// version; returns the row.
pub fn set_trashed(conn: &mut Conn, id: i32, at: Option<NaiveDateTime>) -> QueryResult<ArticleRow> {
    let row = crate::on_backend!(conn, c => diesel::update(articles::table.find(id))
        .set((articles::trashed_at.eq(at), articles::version.eq(articles::version + 1)))
        .returning(ArticleRow::as_returning())
        .get_result(c))?;
    super::search::record_change(conn, id)?;
    Ok(row)
}

/// Ids of the articles trashed at or before `before`.
pub fn trashed_before(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<Vec<i32>> {
    articles::table
        .filter(articles::trashed_at.is_not_null())
        .filter(articles::trashed_at.le(before))
        .select(articles::id)
        .load(conn)
}

/// Deletes article `id` if it is still in the trash since `before` or earlier (a
/// restore may have come first); returns whether it did.
pub fn delete_if_trashed_before(conn: &mut Conn, id: i32, before: NaiveDateTime) -> QueryResult<bool> {
    let still: Option<i32> = articles::table
        .filter(articles::id.eq(id))
        .filter(articles::trashed_at.le(before))
        .select(articles::id)
        .first(conn)
        .optional()?;
    if still.is_none() {
        return Ok(false);
    }
    delete(conn, id)?;
    Ok(true)
}

/// Deletes article `id` (its tag links and view history go with it).
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<usize> {
    super::search::record_change(conn, id)?;
    diesel::delete(articles::table.find(id)).execute(conn)
}

/// The tags of each of `ids`, by name: one query for the whole page.
pub fn tags_of(conn: &mut Conn, ids: &[i32]) -> QueryResult<HashMap<i32, Vec<TagRow>>> {
    let rows: Vec<(i32, TagRow)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(ids))
        .order((tags::name_folded, tags::id))
        .select((article_tags::article_id, TagRow::as_select()))
        .load(conn)?;
    let mut map: HashMap<i32, Vec<TagRow>> = HashMap::new();
    for (article, tag) in rows {
        map.entry(article).or_default().push(tag);
    }
    Ok(map)
}

/// Which articles by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Published with `published_at <= now`: what the public sees.
    Visible,
    /// Published with `published_at > now`.
    Scheduled,
    Draft,
    Archived,
    /// In the trash (token holders only).
    Trashed,
    /// Any status but the trash.
    Any,
}

/// The field a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    PublishedAt,
    UpdatedAt,
    Title,
    ViewCount,
}

/// Where a keyset page starts: after the row with this sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Time(Option<NaiveDateTime>),
    Text(String),
    Int(i64),
    /// A search rank (relevance order is computed outside SQL).
    Float(f64),
}

/// Everything that narrows a list.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub status: StatusFilter,
    pub now: NaiveDateTime,
    /// Category ids (a category and its descendants); `Some(empty)` matches nothing.
    pub categories: Option<Vec<i32>>,
    /// Tag slugs, any of them.
    pub tags: Option<Vec<String>>,
    pub author: Option<String>,
    /// An author profile's id (`-1` for an unknown slug: nothing matches).
    pub author_id: Option<i32>,
    pub featured: Option<bool>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    /// Article ids from a search; `None` when not searching.
    pub ids: Option<Vec<i32>>,
}

impl ListFilter {
    /// What the public sees at `now`, nothing else narrowed.
    pub fn visible(now: NaiveDateTime) -> Self {
        Self {
            status: StatusFilter::Visible,
            now,
            categories: None,
            tags: None,
            author: None,
            author_id: None,
            featured: None,
            published_after: None,
            published_before: None,
            ids: None,
        }
    }
}

type Boxed<'a> = articles::BoxedQuery<'a, crate::db::MultiBackend>;

fn filtered(filter: &ListFilter) -> Boxed<'static> {
    let mut query = articles::table.into_boxed();
    // Only `Trashed` looks in the trash; the public's indexes cover the rest only.
    query = match filter.status {
        StatusFilter::Trashed => query.filter(articles::trashed_at.is_not_null()),
        _ => query.filter(articles::trashed_at.is_null()),
    };
    query = match filter.status {
        StatusFilter::Visible => {
            query.filter(articles::status.eq("published")).filter(articles::published_at.le(filter.now))
        }
        StatusFilter::Scheduled => {
            query.filter(articles::status.eq("published")).filter(articles::published_at.gt(filter.now))
        }
        StatusFilter::Draft => query.filter(articles::status.eq("draft")),
        StatusFilter::Archived => query.filter(articles::status.eq("archived")),
        StatusFilter::Trashed | StatusFilter::Any => query,
    };
    // Lists are bound as one JSON parameter each, so that the statement's text (and
    // its prepared statement) does not depend on their length.
    if let Some(ids) = &filter.categories {
        query = query.filter(with_list("articles.category_id", ids, ""));
    }
    if let Some(slugs) = &filter.tags {
        query = query.filter(with_list(
            "articles.id IN (SELECT x.article_id FROM article_tags x JOIN tags t ON t.id = x.tag_id WHERE t.slug",
            slugs,
            ")",
        ));
    }
    if let Some(author) = &filter.author {
        query = query.filter(articles::author.eq(author.clone()));
    }
    if let Some(author) = filter.author_id {
        query = query.filter(articles::author_id.eq(author));
    }
    if let Some(featured) = filter.featured {
        query = query.filter(articles::featured.eq(featured));
    }
    if let Some(after) = filter.published_after {
        query = query.filter(articles::published_at.ge(after));
    }
    if let Some(before) = filter.published_before {
        query = query.filter(articles::published_at.lt(before));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(with_list("articles.id", ids, ""));
    }
    query
}

/// Characters of a body (HTML) loaded for a search hit's snippet: a news story puts
/// its subject first, and reading whole bodies was most of the cost of a search page.
pub const LEAD_CHARS: usize = 1000;

/// The articles with `ids`, in that order, each with only the first [`LEAD_CHARS`]
/// characters of its body (search hits: enough for a snippet, without reading whole
/// bodies).
pub fn by_ids_with_lead(conn: &mut Conn, ids: &[i32]) -> QueryResult<Vec<Loaded>> {
    static LEAD: LazyLock<String> = LazyLock::new(|| format!("substr(articles.body, 1, {LEAD_CHARS})"));
    let mut rows: HashMap<i32, Loaded> = articles::table
        .filter(with_list("articles.id", ids, ""))
        .select((columns_with_body!(fixed::<Text>(LEAD.as_str())), refs()))
        .load::<LoadedTuple>(conn)?
        .into_iter()
        .map(|loaded| (loaded.0.id, Loaded::from(loaded)))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

/// How many articles match.
pub fn count(conn: &mut Conn, filter: &ListFilter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// Orders `query` by `field` (then id, same direction), starting after `after`.
/// `undated`: whether rows without `published_at` can be in the list.
fn ordered(
    mut query: Boxed<'static>,
    field: SortField,
    descending: bool,
    after: Option<(SortValue, i32)>,
    undated: bool,
) -> Boxed<'static> {
    use diesel::dsl::not;
    // After (value, id) in the sort order: (column, id) beyond it in that direction,
    // written `column <= v AND (column < v OR id < id0)` so that the column bound is a
    // range the index can seek to (a top-level OR makes SQLite scan from the start).
    macro_rules! keyset {
        ($query:expr, $column:expr, $value:expr, $id:expr) => {
            if descending {
                $query.filter($column.le($value.clone())).filter($column.lt($value).or(articles::id.lt($id)))
            } else {
                $query.filter($column.ge($value.clone())).filter($column.gt($value).or(articles::id.gt($id)))
            }
        };
    }
    if let Some((value, id)) = after {
        let published = articles::published_at.assume_not_null();
        query = match (field, value) {
            // NULL (never published) sorts lowest: after every dated row going down,
            // before them going up.
            (SortField::PublishedAt, SortValue::Time(Some(time))) if descending && undated => query.filter(
                published.le(time).and(published.lt(time).or(articles::id.lt(id))).or(articles::published_at.is_null()),
            ),
            (SortField::PublishedAt, SortValue::Time(Some(time))) if descending => keyset!(query, published, time, id),
            (SortField::PublishedAt, SortValue::Time(Some(time))) => keyset!(query, published, time, id),
            (SortField::PublishedAt, SortValue::Time(None)) if descending => {
                query.filter(articles::published_at.is_null().and(articles::id.lt(id)))
            }
            (SortField::PublishedAt, SortValue::Time(None)) => {
                query.filter(not(articles::published_at.is_null()).or(articles::id.gt(id)))
            }
            (SortField::UpdatedAt, SortValue::Time(Some(time))) => keyset!(query, articles::updated_at, time, id),
            (SortField::Title, SortValue::Text(text)) => keyset!(query, articles::title, text, id),
            (SortField::ViewCount, SortValue::Int(n)) => keyset!(query, articles::view_count, n, id),
            // A cursor whose value does not fit its sort is refused before it gets here.
            _ => query.filter(articles::id.eq(-1)),
        };
    }
    match (field, descending) {
        (SortField::PublishedAt, true) => query.order((articles::published_at.desc(), articles::id.desc())),
        (SortField::PublishedAt, false) => query.order((articles::published_at.asc(), articles::id.asc())),
        (SortField::UpdatedAt, true) => query.order((articles::updated_at.desc(), articles::id.desc())),
        (SortField::UpdatedAt, false) => query.order((articles::updated_at.asc(), articles::id.asc())),
        (SortField::Title, true) => query.order((articles::title.desc(), articles::id.desc())),
        (SortField::Title, false) => query.order((articles::title.asc(), articles::id.asc())),
        (SortField::ViewCount, true) => query.order((articles::view_count.desc(), articles::id.desc())),
        (SortField::ViewCount, false) => query.order((articles::view_count.asc(), articles::id.asc())),
    }
}

/// A page of matching articles (without bodies), sorted, either by offset or after a
/// keyset position.
pub fn page(
    conn: &mut Conn,
    filter: &ListFilter,
    sort: (SortField, bool),
    offset: i64,
    after: Option<(SortValue, i32)>,
    limit: i64,
) -> QueryResult<Vec<Loaded>> {
    let undated = !matches!(filter.status, StatusFilter::Visible | StatusFilter::Scheduled);
    // Going down by date from a cursor, "visible now" and "before the cursor" are two
    // upper bounds on published_at; SQLite seeks with only one. Merge them, so a page
    // 50,000 deep starts at its position in the index instead of scanning down to it.
    let merged;
    let filter = match (&after, sort, filter.status) {
        (Some((SortValue::Time(Some(at)), _)), (SortField::PublishedAt, true), StatusFilter::Visible) => {
            merged = ListFilter { now: filter.now.min(*at), ..filter.clone() };
            &merged
        }
        _ => filter,
    };
    let rows: Vec<LoadedTuple> = ordered(filtered(filter), sort.0, sort.1, after, undated)
        .offset(offset)
        .limit(limit)
        .select((columns_with_body!(no_body()), refs()))
        .load(conn)?;
    Ok(rows.into_iter().map(Loaded::from).collect())
}

/// The sort value of `row` for `field`, for the next cursor.
pub fn sort_value(row: &ArticleRow, field: SortField) -> SortValue {
    match field {
        SortField::PublishedAt => SortValue::Time(row.published_at),
        SortField::UpdatedAt => SortValue::Time(Some(row.updated_at)),
        SortField::Title => SortValue::Text(row.title.clone()),
        SortField::ViewCount => SortValue::Int(row.view_count),
    }
}

/// Up to `limit` visible articles related to `article`: most shared tags first, then
/// same category, then newest. Only articles sharing a tag or the category qualify.
pub fn related(conn: &mut Conn, article: &ArticleRow, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Loaded>> {
    use diesel::sql_types::{BigInt, Integer, Nullable, Timestamp};
    let d = conn.dialect();
    diesel::sql_query(d.params(&format!(
        "SELECT {}, {} FROM ( \
             SELECT c.id, SUM(c.shared) AS shared FROM ( \
                 SELECT t.article_id AS id, 1 AS shared FROM article_tags t \
                 WHERE t.tag_id IN (SELECT tag_id FROM article_tags WHERE article_id = ?1) \
                 UNION ALL \
                 SELECT x.id, 0 FROM articles x WHERE CAST(?2 AS INTEGER) IS NOT NULL AND x.category_id = ?2 \
             ) c WHERE c.id <> ?1 GROUP BY c.id \
         ) r JOIN articles a ON a.id = r.id \
         WHERE a.status = 'published' AND a.published_at <= ?3 AND a.trashed_at IS NULL \
         ORDER BY r.shared DESC, (a.category_id IS NOT DISTINCT FROM ?2) DESC, a.published_at DESC, a.id DESC \
         LIMIT ?4",
        columns_without_body("a"),
        refs_sql("a", d)
    )))
    .bind::<Integer, _>(article.id)
    .bind::<Nullable<Integer>, _>(article.category_id)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)
}
