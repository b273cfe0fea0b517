//! `/api/v1/media`: the media library (uploads with responsive variants), and
//! `/media/{file}`: its files.

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{mapped, utc, Listing, NoFilters, PageParams, Paged};
use crate::auth::{Contributor, Editor, Requires};
use crate::db;
use crate::db::media::{self as store, MediaFields, MediaRow, MediaWords};
use crate::error::{ApiError, FieldError};
use crate::extract::{check_len, double_option, ApiJson};
use crate::media::process::{self, Refused};
use crate::media::store::{Library, MAX_UPLOAD};
use crate::routes::{Answer, State};

/// The longest `alt`, `caption` or `credit`.
const MAX_WORDS: usize = 2000;

/// A smaller copy of an image.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Variant {
    #[schema(example = 640)]
    pub width: u32,
    #[schema(example = 427)]
    pub height: u32,
    /// Under `/media/`; never changes.
    #[schema(example = "/media/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.jpg")]
    pub url: String,
}

/// An uploaded image.
#[derive(Debug, Serialize, ToSchema)]
pub struct Media {
    #[schema(example = 7)]
    pub id: i32,
    /// The original, cleaned of metadata and upright; under `/media/`, never changes.
    #[schema(example = "/media/2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae.jpg")]
    pub url: String,
    /// `image/jpeg`, `image/png`, `image/webp` or `image/gif`.
    #[schema(example = "image/jpeg")]
    pub mime_type: String,
    #[schema(example = 4000)]
    pub width: i32,
    #[schema(example = 3000)]
    pub height: i32,
    /// Size of the stored original.
    #[schema(example = 2_345_678)]
    pub bytes: i64,
    #[schema(required = true, example = "Đồng lúa chín ở Điện Bàn")]
    pub alt: Option<String>,
    #[schema(required = true)]
    pub caption: Option<String>,
    #[schema(required = true, example = "Ảnh: Trần Thị Bình")]
    pub credit: Option<String>,
    /// 320, 640, 1024 and 1600 px wide, those narrower than the original.
    pub variants: Vec<Variant>,
    pub created_at: DateTime<Utc>,
}

impl From<MediaRow> for Media {
    fn from(row: MediaRow) -> Self {
        let variants = serde_json::from_str(&row.fields.variants).unwrap_or_default();
        let MediaFields { file, mime_type, width, height, bytes, words, .. } = row.fields;
        Self {
            id: row.id,
            url: format!("/media/{file}"),
            mime_type,
            width,
            height,
            bytes,
            alt: words.alt,
            caption: words.caption,
            credit: words.credit,
            variants,
            created_at: utc(row.created_at),
        }
    }
}

/// The form of an upload (no other parts).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct Upload {
    /// The image: JPEG, PNG, WebP or GIF (judged by its content), at most 20 MiB and
    /// 40 megapixels.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Text for screen readers, at most 2,000 characters.
    #[schema(max_length = 2000)]
    alt: Option<String>,
    /// At most 2,000 characters.
    #[schema(max_length = 2000)]
    caption: Option<String>,
    /// Who took it, at most 2,000 characters.
    #[schema(max_length = 2000)]
    credit: Option<String>,
}

/// Body of PATCH: absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"alt": "Đồng lúa chín", "credit": null}))]
pub struct MediaPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub caption: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub credit: Option<Option<String>>,
}

/// Checks the words of an upload.
fn checked(words: MediaWords) -> Result<MediaWords, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    for (field, value) in [("alt", &words.alt), ("caption", &words.caption), ("credit", &words.credit)] {
        if let Some(value) = value {
            check_len(&mut errors, field, value, false, MAX_WORDS);
        }
    }
    if errors.is_empty() {
        Ok(words)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// A temporary upload file, removed when dropped.
struct Temp(std::path::PathBuf);

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Reads the multipart body: the `file` part streamed to a temporary file (413 as
/// soon as it passes 20 MiB), the text parts into `words`.
async fn receive(library: &Library, req: &HttpRequest, payload: web::Payload) -> Result<(Temp, MediaWords), ApiError> {
    let mut form = Multipart::new(req.headers(), payload);
    let mut words = MediaWords { alt: None, caption: None, credit: None };
    let mut file: Option<Temp> = None;
    let mut seen: Vec<String> = Vec::new();
    let malformed = |e: actix_multipart::MultipartError| match e {
        actix_multipart::MultipartError::ContentTypeMissing
        | actix_multipart::MultipartError::ContentTypeParse
        | actix_multipart::MultipartError::ContentTypeIncompatible
        | actix_multipart::MultipartError::BoundaryMissing => {
            ApiError::UnsupportedMediaType("the body must be multipart/form-data with a `file` part".to_owned())
        }
        other => ApiError::BadRequest(format!("malformed multipart body: {other}")),
    };
    while let Some(part) = form.next().await {
        let mut part = part.map_err(malformed)?;
        let name = part.content_disposition().and_then(|d| d.get_name()).unwrap_or_default().to_owned();
        if name == "file" {
            if file.is_some() {
                return Err(ApiError::invalid("file", "send one file per upload"));
            }
            let temp = Temp(library.temp_path("upload"));
            let mut out = tokio::fs::File::create(&temp.0).await.map_err(ApiError::internal)?;
            let mut size: u64 = 0;
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(malformed)?;
                size += chunk.len() as u64;
                if size > MAX_UPLOAD {
                    return Err(ApiError::PayloadTooLarge("the file is over 20 MiB".to_owned()));
                }
                tokio::io::AsyncWriteExt::write_all(&mut out, &chunk).await.map_err(ApiError::internal)?;
            }
            tokio::io::AsyncWriteExt::flush(&mut out).await.map_err(ApiError::internal)?;
            file = Some(temp);
        } else {
            // Each is one string: a repeated part would otherwise quietly replace the first.
            if seen.contains(&name) {
                return Err(ApiError::invalid(name, "sent more than once; send each part once"));
            }
            seen.push(name.clone());
            let mut text = Vec::new();
            while let Some(chunk) = part.next().await {
                text.extend_from_slice(&chunk.map_err(malformed)?);
                if text.len() > MAX_WORDS * 4 {
                    return Err(ApiError::invalid(name, format!("must be at most {MAX_WORDS} characters")));
                }
            }
            let text = String::from_utf8(text).map_err(|_| ApiError::invalid(name.clone(), "must be UTF-8 text"))?;
            let slot = match name.as_str() {
                "alt" => &mut words.alt,
                "caption" => &mut words.caption,
                "credit" => &mut words.credit,
                _ => return Err(ApiError::invalid(name, "unknown part; send file, alt, caption and credit")),
            };
            *slot = Some(text).filter(|t| !crate::text::trim(t).is_empty());
        }
    }
    let file = file.ok_or_else(|| ApiError::invalid("file", "the upload has no `file` part"))?;
    Ok((file, checked(words)?))
}

/// Cleans the upload, makes its variants and stores them all; the row's fields.
/// Blocking. The demo's pictures are stored through it too.
pub(crate) fn keep(library: &Library, source: &std::path::Path, words: MediaWords) -> Result<MediaFields, ApiError> {
    let done = process::process(source).map_err(|refused| match refused {
        Refused::NotAnImage => ApiError::UnsupportedMediaType(refused.to_string()),
        Refused::Failed(why) => ApiError::internal(why),
        _ => ApiError::invalid("file", refused.to_string()),
    })?;
    let ext = done.original.format.extension();
    let mut variants = Vec::with_capacity(done.variants.len());
    for variant in &done.variants {
        let name = library.put(&variant.bytes, ext).map_err(ApiError::internal)?;
        variants.push(Variant { width: variant.width, height: variant.height, url: format!("/media/{name}") });
    }
    let file = library.put(&done.original.bytes, ext).map_err(ApiError::internal)?;
    Ok(MediaFields {
        file,
        mime_type: done.original.format.mime_type().to_owned(),
        width: i32::try_from(done.original.width).map_err(ApiError::internal)?,
        height: i32::try_from(done.original.height).map_err(ApiError::internal)?,
        bytes: i64::try_from(done.original.bytes.len()).map_err(ApiError::internal)?,
        variants: serde_json::to_string(&variants).map_err(ApiError::internal)?,
        words,
    })
}

/// Upload an image (contributor).
///
/// The image is judged by its content, cleaned of metadata (EXIF, GPS), turned
/// upright, and copied 320, 640, 1024 and 1600 px wide (never upscaled).
#[utoipa::path(
    tag = "media",
    request_body(content = Upload, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = Media,
            headers(("Location" = String, description = "URL of the new upload"))),
        (status = 413, description = "The file is over 20 MiB"),
        (status = 415, description = "Not multipart/form-data, or the file is not a JPEG, PNG, WebP or GIF"),
        (status = 422, description = "Over 40 megapixels, undecodable, no `file`, or invalid text parts"),
        (status = 503, description = "Every image slot is busy; retry after `Retry-After` seconds",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/media")]
pub async fn upload(state: State, _writer: Contributor, req: HttpRequest, payload: web::Payload) -> Answer {
    let (temp, words) = receive(&state.media, &req, payload).await?;
    let _slot = state.media.slot().await?;
    let library = state.media.clone();
    let fields = web::block(move || {
        let kept = keep(&library, &temp.0, words);
        drop(temp);
        kept
    })
    .await
    .map_err(ApiError::internal)??;
    let item = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let item = Media::from(store::insert(conn, &fields)?);
            crate::webhooks::emit(conn, "media.created", &item)?;
            Ok::<_, ApiError>(item)
        })
    })
    .await?;
    let mut response = HttpResponse::build(StatusCode::CREATED).json(&item);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/media/{}", item.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// List uploads (any token), newest first.
#[utoipa::path(
    tag = "media",
    params(PageParams),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of uploads", body = Paged<Media>))
)]
#[get("/media")]
pub async fn list(listing: Listing<NoFilters, Requires<0>>) -> Answer {
    listing.page_of(|conn, offset, limit| mapped(store::page(conn, offset, limit)?, Media::from)).await
}

/// The upload with `id`, or a 404.
fn found(conn: &mut crate::db::Conn, id: i32) -> Result<MediaRow, ApiError> {
    store::find(conn, id)?.ok_or_else(|| ApiError::not_found("media", format!("id {id}")))
}

/// Get an upload (any token).
#[utoipa::path(
    tag = "media",
    params(("id" = i32, Path, description = "Media id", minimum = 1)),
    security(("bearer" = [])),
    responses((status = 200, description = "The upload", body = Media))
)]
#[get("/media/{id}")]
pub async fn show(state: State, _reader: Requires<0>, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    let row = db::run(&state.pool, move |conn| found(conn, id)).await?;
    Ok(HttpResponse::Ok().json(Media::from(row)))
}

/// Change an upload's alt text, caption or credit (editor).
#[utoipa::path(
    tag = "media",
    params(("id" = i32, Path, description = "Media id", minimum = 1)),
    request_body = MediaPatch,
    security(("bearer" = [])),
    responses((status = 200, description = "Updated", body = Media))
)]
#[patch("/media/{id}")]
pub async fn update(state: State, _editor: Editor, id: web::Path<i32>, patch: ApiJson<MediaPatch>) -> Answer {
    let (id, patch) = (id.into_inner(), patch.0);
    let row = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let current = found(conn, id)?.fields.words;
            let words = checked(MediaWords {
                alt: patch.alt.unwrap_or(current.alt),
                caption: patch.caption.unwrap_or(current.caption),
                credit: patch.credit.unwrap_or(current.credit),
            })?;
            Ok::<_, ApiError>(store::update(conn, id, &words)?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(Media::from(row)))
}

/// Delete an upload and its files (editor).
///
/// Refused (409) while an article (of any status, the trash included) has it as its
/// cover. Files another upload of the same bytes uses stay.
#[utoipa::path(
    tag = "media",
    params(("id" = i32, Path, description = "Media id", minimum = 1)),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "An article has it as its cover"),
    )
)]
#[delete("/media/{id}")]
pub async fn remove(state: State, _editor: Editor, id: web::Path<i32>) -> Answer {
    let id = id.into_inner();
    let (row, shared) = db::run(&state.pool, move |conn| {
        db::immediate(conn, |conn| {
            let row = found(conn, id)?;
            let covers = store::covering(conn, id)?;
            if covers > 0 {
                return Err(ApiError::Conflict(format!(
                    "{covers} article(s) have this image as their cover; change their cover_image_id first"
                )));
            }
            let shared = store::delete(conn, &row)?;
            crate::webhooks::emit(conn, "media.deleted", &crate::webhooks::Deleted { id })?;
            Ok::<_, ApiError>((row, shared))
        })
    })
    .await?;
    // The row is gone (committed): its files go unless another upload has the same.
    if !shared {
        let library = state.media.clone();
        let names =
            crate::data::backup::files_of(row.id, &row.fields.file, &row.fields.variants).unwrap_or_else(|why| {
                log::warn!("deleting media #{id}: {why}; only its original file goes");
                vec![row.fields.file.clone()]
            });
        web::block(move || {
            for name in &names {
                library.remove(name);
            }
        })
        .await
        .map_err(ApiError::internal)?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A stored image (public).
///
/// Names are content hashes: a file never changes, so it may be cached for a year.
#[utoipa::path(
    tag = "media",
    params(("file" = String, Path, description = "A file name from a `url`",
            example = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae.jpg")),
    responses(
        (status = 200, description = "The image",
            content(("image/jpeg"), ("image/png"), ("image/webp"), ("image/gif")),
            headers(("ETag" = String, description = "Validator for If-None-Match"),
                    ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"),
                    ("X-Content-Type-Options" = String, description = "`nosniff`"),
                    ("Content-Disposition" = String, description = "`inline`"))),
        (status = 304, description = "Not modified since the `If-None-Match` tag"),
        (status = 404, description = "No such file"),
    )
)]
#[get("/media/{file}")]
pub async fn serve_file(state: State, req: HttpRequest, name: web::Path<String>) -> Answer {
    let name = name.into_inner();
    let path = state.media.path_of(&name).ok_or_else(|| ApiError::not_found("media file", &name))?;
    let opened =
        actix_files::NamedFile::open_async(&path).await.map_err(|_| ApiError::not_found("media file", &name))?;
    let mut response = opened
        .use_last_modified(false)
        .set_content_disposition(header::ContentDisposition {
            disposition: header::DispositionType::Inline,
            parameters: vec![],
        })
        .into_response(&req);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(response)
}
