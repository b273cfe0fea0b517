//! The media library's rows: one per upload, pointing at content-addressed files
//! (several rows may share a file when the same bytes were uploaded twice).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Conn;
use crate::schema::{articles, media};

/// An upload as stored.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = media)]
pub struct MediaRow {
    pub id: i32,
    /// Its content.
    #[diesel(embed)]
    pub fields: MediaFields,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What an upload stores: the cleaned original, its variants, its words.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = media)]
pub struct MediaFields {
    /// The original's file name in the media folder.
    pub file: String,
    pub mime_type: String,
    pub width: i32,
    pub height: i32,
    pub bytes: i64,
    /// JSON `[{"width", "height", "url"}]`.
    pub variants: String,
    #[diesel(embed)]
    pub words: MediaWords,
}

/// The words of an upload, which PATCH changes.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = media, treat_none_as_null = true)]
pub struct MediaWords {
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// The upload with `id`.
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<MediaRow>> {
    media::table.find(id).select(MediaRow::as_select()).first(conn).optional()
}

/// One page of uploads, newest first, and how many there are.
pub fn page(conn: &mut Conn, offset: i64, limit: i64) -> QueryResult<(Vec<MediaRow>, i64)> {
    super::page_and_total!(conn, media::table, media::id.desc(), MediaRow, offset, limit)
}

/// Stores an upload.
pub fn insert(conn: &mut Conn, fields: &MediaFields) -> QueryResult<MediaRow> {
    let now = super::now();
    crate::on_backend!(conn, c => diesel::insert_into(media::table)
        .values((fields, media::created_at.eq(now), media::updated_at.eq(now)))
        .returning(MediaRow::as_returning())
        .get_result(c))
}

/// New words for upload `id`.
pub fn update(conn: &mut Conn, id: i32, words: &MediaWords) -> QueryResult<MediaRow> {
    crate::on_backend!(conn, c => diesel::update(media::table.find(id))
        .set((words, media::updated_at.eq(super::now())))
        .returning(MediaRow::as_returning())
        .get_result(c))
}

/// Articles (any status, the trash included) with upload `id` as their cover.
pub fn covering(conn: &mut Conn, id: i32) -> QueryResult<i64> {
    articles::table.filter(articles::cover_image_id.eq(id)).count().get_result(conn)
}

/// Deletes upload `id`; whether another upload still uses its file.
pub fn delete(conn: &mut Conn, row: &MediaRow) -> QueryResult<bool> {
    diesel::delete(media::table.find(row.id)).execute(conn)?;
    let shared: i64 = media::table.filter(media::file.eq(&row.fields.file)).count().get_result(conn)?;
    Ok(shared > 0)
}

/// Every original file name in use (for `bantin check`).
pub fn files(conn: &mut Conn) -> QueryResult<Vec<(String, String)>> {
    media::table.select((media::file, media::variants)).load(conn)
}
