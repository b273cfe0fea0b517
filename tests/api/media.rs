//! The media library over HTTP: uploads judged by content, cleaned, resized, served
//! with immutable caching, and covers that keep their image.

use std::io::Cursor;

use actix_web::http::Method;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use serde_json::{json, Value};

use crate::helpers::{As, Reply, TestApp};

/// A `multipart/form-data` body of `parts` (name, file name, bytes); its content type.
pub fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "bantin-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes())
            }
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `bytes` as file `name` with the editor token.
pub async fn upload(app: &TestApp, name: &str, bytes: &[u8], alt: Option<&str>) -> Reply {
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("file", Some(name), bytes)];
    if let Some(alt) = alt {
        parts.push(("alt", None, alt.as_bytes()));
    }
    let (content_type, body) = multipart(&parts);
    app.send_raw(Method::POST, "/api/v1/media", app.writer(), Some(&content_type), body).await
}

/// A `width` × `height` picture (a gradient) encoded as `format`.
pub fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image).write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// A JPEG with an EXIF block holding `orientation` and a GPS position.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let jpeg = picture(width, height, ImageFormat::Jpeg);
    // TIFF, little-endian: IFD0 with Orientation and a GPS IFD pointer; the GPS IFD
    // with GPSLatitudeRef = "N".
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0]);
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&u32::from(orientation).to_le_bytes());
    tiff.extend_from_slice(&[0x25, 0x88, 4, 0]);
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&[0x01, 0x00, 2, 0]);
    tiff.extend_from_slice(&2u32.to_le_bytes());
    tiff.extend_from_slice(b"N\0\0\0");
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(app1.len() + 2).expect("short").to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A PNG whose header declares `width` × `height` with one tiny data chunk: a few
/// bytes that would decode to gigabytes.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).expect("short").to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(data);
        out.extend_from_slice(&typed);
        out.extend_from_slice(&crc32(&typed).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

async fn fetch(app: &TestApp, url: &str) -> Reply {
    app.send(Method::GET, url, As::Public, None).await
}

fn widths(media: &Value) -> Vec<(u64, u64)> {
    media["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| (v["width"].as_u64().expect("w"), v["height"].as_u64().expect("h")))
        .collect()
}

#[actix_web::test]
async fn each_format_is_stored_with_its_variants_and_served_for_good() {
    let app = TestApp::spawn().await;
    for (format, mime) in [
        (ImageFormat::Jpeg, "image/jpeg"),
        (ImageFormat::Png, "image/png"),
        (ImageFormat::WebP, "image/webp"),
        (ImageFormat::Gif, "image/gif"),
    ] {
        let made = upload(&app, "anh", &picture(2000, 1000, format), Some("Đồng lúa & <mạ>")).await;
        assert_eq!(made.status, 201, "{mime}: {}", made.body);
        let media = &made.body;
        assert_eq!(media["mime_type"], mime);
        assert_eq!((media["width"].clone(), media["height"].clone()), (json!(2000), json!(1000)));
        assert_eq!(media["alt"], "Đồng lúa & <mạ>");
        assert_eq!(widths(media), [(320, 160), (640, 320), (1024, 512), (1600, 800)], "{mime}");
        assert_eq!(made.header("location"), Some(format!("/api/v1/media/{}", media["id"]).as_str()));
        for url in
            std::iter::once(&media["url"]).chain(media["variants"].as_array().expect("v").iter().map(|v| &v["url"]))
        {
            let url = url.as_str().expect("url");
            let served = fetch(&app, url).await;
            assert_eq!(served.status, 200, "{url}");
            assert_eq!(served.header("content-type"), Some(mime), "{url}");
            assert_eq!(served.header("cache-control"), Some("public, max-age=31536000, immutable"));
            assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
            assert!(served.header("content-disposition").is_some_and(|d| d.starts_with("inline")));
            let etag = served.header("etag").expect("etag").to_owned();
            let again = app.send_with_header(Method::GET, url, ("If-None-Match", &etag)).await;
            assert_eq!(again.status, 304, "{url}");
            let decoded = image::load_from_memory(&served.raw).expect("a real image");
            assert!(decoded.width() <= 2000);
        }
    }
    // Small images are never upscaled.
    let small = upload(&app, "nho.png", &picture(500, 300, ImageFormat::Png), None).await;
    assert_eq!(widths(&small.body), [(320, 192)]);
    let tiny = upload(&app, "ti-hon.png", &picture(200, 100, ImageFormat::Png), None).await;
    assert_eq!(widths(&tiny.body), []);
    // Names that are no hash are no files.
    for bad in ["/media/..%2Fbantin.db", "/media/abc.jpg", "/media/%2e%2e/test.db"] {
        assert_eq!(fetch(&app, bad).await.status, 404, "{bad}");
    }
    let list = app.send(Method::GET, "/api/v1/media", app.reader(), None).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("x-total-count"), Some("6"));
    assert_eq!(list.body["data"][0]["id"], tiny.body["id"], "newest first");
    assert_eq!(app.get("/api/v1/media").await.status, 401, "the library needs a token");
}

#[actix_web::test]
async fn the_content_decides_the_type_never_the_name() {
    let app = TestApp::spawn().await;
    let png = upload(&app, "anh-that.jpg", &picture(64, 64, ImageFormat::Png), None).await;
    assert_eq!(png.status, 201, "{}", png.body);
    assert_eq!(png.body["mime_type"], "image/png");
    assert!(png.body["url"].as_str().is_some_and(|u| u.ends_with(".png")));
    for (name, bytes) in [
        ("trang.png", b"<!doctype html><html><script>alert(1)</script></html>".as_slice()),
        ("hinh.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".as_slice()),
        ("rong.jpg", b"".as_slice()),
    ] {
        upload(&app, name, bytes, None).await.assert_problem(415, "unsupported_media_type");
    }
    let no_file = multipart(&[("alt", None, b"chi co chu")]);
    app.send_raw(Method::POST, "/api/v1/media", app.writer(), Some(&no_file.0), no_file.1)
        .await
        .assert_problem(422, "validation_failed");
    let image = picture(8, 8, ImageFormat::Png);
    let twice = multipart(&[("file", Some("a.png"), &image), ("alt", None, b"mot"), ("alt", None, b"hai")]);
    let reply = app.send_raw(Method::POST, "/api/v1/media", app.writer(), Some(&twice.0), twice.1).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "alt", "a repeated part is refused, not half taken");
    let json = app.post("/api/v1/media", json!({"file": "x"})).await;
    json.assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn a_decompression_bomb_and_an_oversized_file_are_refused() {
    let app = TestApp::spawn().await;
    let bomb = png_bomb(50_000, 50_000);
    assert!(bomb.len() < 100);
    let refused = upload(&app, "bom.png", &bomb, None).await;
    refused.assert_problem(422, "validation_failed");
    let big = vec![0u8; 21 * 1024 * 1024];
    upload(&app, "lon.jpg", &big, None).await.assert_problem(413, "payload_too_large");
    let list = app.send(Method::GET, "/api/v1/media", app.reader(), None).await;
    assert_eq!(list.header("x-total-count"), Some("0"), "nothing was stored");
}

#[actix_web::test]
async fn metadata_goes_and_the_picture_stands_upright() {
    let app = TestApp::spawn().await;
    let photo = jpeg_with_exif(2000, 1000, 6);
    assert!(photo.windows(4).any(|w| w == b"Exif"));
    let made = upload(&app, "gps.jpg", &photo, None).await;
    assert_eq!(made.status, 201, "{}", made.body);
    // Orientation 6 turns it a quarter: the stored picture is upright, 1000 × 2000.
    assert_eq!((made.body["width"].clone(), made.body["height"].clone()), (json!(1000), json!(2000)));
    assert_eq!(widths(&made.body), [(320, 640), (640, 1280)]);
    let urls: Vec<String> = std::iter::once(made.body["url"].as_str().expect("url").to_owned())
        .chain(made.body["variants"].as_array().expect("v").iter().map(|v| v["url"].as_str().expect("u").to_owned()))
        .collect();
    for url in urls {
        let served = fetch(&app, &url).await;
        assert_eq!(served.status, 200);
        assert!(!served.raw.windows(4).any(|w| w == b"Exif"), "{url} keeps no EXIF");
        assert!(!served.raw.windows(3).any(|w| w == b"II*"), "{url} keeps no TIFF block");
    }
}

#[actix_web::test]
async fn the_same_bytes_uploaded_at_once_are_stored_once() {
    let app = TestApp::spawn().await;
    let bytes = picture(1200, 800, ImageFormat::Jpeg);
    let (a, b) = futures_util::join!(upload(&app, "a.jpg", &bytes, None), upload(&app, "b.jpg", &bytes, None));
    assert_eq!((a.status, b.status), (201, 201));
    assert_ne!(a.body["id"], b.body["id"]);
    assert_eq!(a.body["url"], b.body["url"]);
    let files: Vec<_> = std::fs::read_dir(app.media_path())
        .expect("media folder")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1 + 3, "one original and three variants, no temporary files: {files:?}");
    // Deleting one upload keeps the files the other still uses.
    assert_eq!(app.delete(&format!("/api/v1/media/{}", a.body["id"])).await.status, 204);
    assert_eq!(fetch(&app, b.body["url"].as_str().expect("url")).await.status, 200);
    assert_eq!(app.delete(&format!("/api/v1/media/{}", b.body["id"])).await.status, 204);
    assert_eq!(fetch(&app, b.body["url"].as_str().expect("url")).await.status, 404);
}

#[actix_web::test]
async fn a_cover_shows_its_image_and_keeps_it_from_deletion() {
    let app = TestApp::spawn().await;
    let media = upload(&app, "bia.jpg", &picture(1700, 900, ImageFormat::Jpeg), Some("Ảnh bìa")).await.body;
    let id = media["id"].clone();
    let article = app.publish("Có ảnh bìa", "2026-01-01T00:00:00Z", json!({"cover_image_id": id})).await;
    assert_eq!(article["cover_image_id"], id);
    assert_eq!(article["cover_image"]["url"], media["url"]);
    assert_eq!(article["cover_image"]["alt"], "Ảnh bìa");
    assert_eq!(article["cover_image"]["variants"], media["variants"]);
    let listed = app.get("/api/v1/articles").await;
    assert_eq!(listed.body["data"][0]["cover_image"]["id"], id);
    let unknown = app.post("/api/v1/articles", json!({"title": "Sai ảnh", "cover_image_id": 999_999})).await;
    unknown.assert_problem(422, "validation_failed");

    let refused = app.delete(&format!("/api/v1/media/{id}")).await;
    refused.assert_problem(409, "conflict");
    let renamed = app.patch(&format!("/api/v1/media/{id}"), json!({"alt": "Ảnh bìa mới", "credit": "Trần Bình"})).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.body["credit"], "Trần Bình");
    let shown = app.get(&format!("/api/v1/articles/{}", article["id"])).await;
    assert_eq!(shown.body["cover_image"]["alt"], "Ảnh bìa mới");
    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(app.patch(&path, json!({"cover_image_id": null})).await.status, 200);
    assert_eq!(app.delete(&format!("/api/v1/media/{id}")).await.status, 204);
    assert_eq!(app.send(Method::GET, &format!("/api/v1/media/{id}"), app.reader(), None).await.status, 404);
}

#[actix_web::test]
async fn the_demo_site_has_drawn_covers_whose_files_are_served() {
    let app = TestApp::spawn().await;
    let library = bantin::media::store::Library::open(&app.media_path()).expect("media folder");
    let mut conn = app.pool.get().expect("connection");
    assert!(bantin::demo::seed(&mut conn, &library, bantin::db::now()).expect("demo"));
    drop(conn);
    let listed = app.get("/api/v1/articles?per_page=50").await;
    let mut covers: Vec<Value> =
        TestApp::column(&listed, "cover_image").into_iter().filter(|cover| !cover.is_null()).collect();
    covers.sort_by_key(|cover| cover["id"].as_i64());
    covers.dedup_by_key(|cover| cover["id"].clone());
    assert_eq!(covers.len(), 6, "every drawn picture covers a published article");
    for cover in &covers {
        assert!(cover["alt"].as_str().is_some_and(|alt| !alt.is_empty()));
        assert_eq!((cover["width"].as_u64(), cover["height"].as_u64()), (Some(1800), Some(1000)));
        let media = app.send(Method::GET, &format!("/api/v1/media/{}", cover["id"]), app.reader(), None).await;
        assert_eq!(media.body["credit"], "Ảnh minh họa: bantin demo");
        let variants = cover["variants"].as_array().expect("variants");
        assert_eq!(variants.len(), 4, "320, 640, 1024 and 1600 px wide");
        let files = std::iter::once((cover["url"].clone(), cover["width"].clone()))
            .chain(variants.iter().map(|v| (v["url"].clone(), v["width"].clone())));
        for (url, width) in files {
            let url = url.as_str().expect("url");
            let served = app.get(url).await;
            assert_eq!(served.status, 200, "{url}");
            assert_eq!(served.header("content-type"), Some("image/jpeg"), "{url}");
            let decoded = image::load_from_memory(&served.raw).expect("a real image");
            assert_eq!(Some(u64::from(decoded.width())), width.as_u64(), "{url}");
        }
    }
}
