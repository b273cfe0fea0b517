//! SEO fields: overrides an editor sets, defaults an article shows without them, and
//! `seo_defaults` saying which is which, through writes, lists, revisions and exports.

use image::ImageFormat;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::media::{picture, upload};
use crate::shutdown::bantin;

const SITE: &str = "https://baoquangnam.vn";

const ALL_DEFAULTS: [&str; 4] = ["seo_title", "seo_description", "canonical_url", "og_image_url"];

/// An app serving the public site `SITE`, article URLs holding category, year and id.
async fn site_app() -> TestApp {
    TestApp::spawn_with(bantin::config::ServeArgs {
        rate_limit: 0,
        site_url: Some(SITE.to_owned()),
        article_url: "{site}/{category}/{yyyy}/{slug}-{id}.html".to_owned(),
        ..Default::default()
    })
    .await
}

fn defaults(article: &Value) -> Vec<&str> {
    article["seo_defaults"].as_array().expect("seo_defaults").iter().map(|v| v.as_str().expect("name")).collect()
}

fn path(article: &Value) -> String {
    format!("/api/v1/articles/{}", article["id"])
}

#[actix_web::test]
async fn an_article_without_overrides_shows_its_title_summary_public_url_and_cover() {
    let app = site_app().await;
    let news = app.create_category("Thời sự", None).await;
    let article = app
        .publish(
            "Bão số 5 đổ bộ Quảng Nam",
            "2026-09-15T02:00:00Z",
            json!({"category_id": news["id"], "summary": "Mưa lớn kéo dài.", "cover_image_url": "https://example.vn/anh/bao.jpg"}),
        )
        .await;
    let url = format!("{SITE}/thoi-su/2026/bao-so-5-do-bo-quang-nam-{}.html", article["id"]);
    for shown in [
        article.clone(),
        app.get(&path(&article)).await.body,
        app.get("/api/v1/articles").await.body["data"][0].clone(),
    ] {
        assert_eq!(shown["seo_title"], "Bão số 5 đổ bộ Quảng Nam", "{shown}");
        assert_eq!(shown["seo_description"], "Mưa lớn kéo dài.");
        assert_eq!(shown["canonical_url"], url.as_str());
        assert_eq!(shown["og_image_url"], "https://example.vn/anh/bao.jpg");
        assert_eq!(defaults(&shown), ALL_DEFAULTS);
    }

    // Defaults follow the article: a new title and slug, no summary, no cover.
    let changed = app
        .patch(
            &path(&article),
            json!({"title": "Bão số 5 suy yếu", "slug": "bao-so-5-suy-yeu", "summary": null, "cover_image_url": null}),
        )
        .await
        .body;
    assert_eq!(changed["seo_title"], "Bão số 5 suy yếu");
    assert_eq!(changed["canonical_url"], format!("{SITE}/thoi-su/2026/bao-so-5-suy-yeu-{}.html", article["id"]));
    assert_eq!(changed["seo_description"], Value::Null);
    assert_eq!(changed["og_image_url"], Value::Null);
    assert_eq!(defaults(&changed), ALL_DEFAULTS, "a default that came out null is still a default");

    // A draft has no date yet for a dated URL template.
    let draft = app.create_article(json!({"title": "Bản nháp"})).await;
    assert_eq!(draft["canonical_url"], Value::Null);
    assert_eq!(defaults(&draft), ALL_DEFAULTS);
}

#[actix_web::test]
async fn without_a_site_url_the_default_canonical_url_is_null() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin ngắn", "2026-01-01T00:00:00Z", json!({})).await;
    assert_eq!(article["canonical_url"], Value::Null);
    assert_eq!(article["seo_description"], Value::Null);
    assert_eq!(defaults(&article), ALL_DEFAULTS);
    let set = app.patch(&path(&article), json!({"canonical_url": "https://baoquangnam.vn/tin-ngan"})).await.body;
    assert_eq!(set["canonical_url"], "https://baoquangnam.vn/tin-ngan");
    assert_eq!(defaults(&set), ["seo_title", "seo_description", "og_image_url"]);
}

#[actix_web::test]
async fn a_media_cover_gives_link_previews_its_widest_variant() {
    let app = TestApp::spawn().await;
    let media = upload(&app, "bia.jpg", &picture(1700, 900, ImageFormat::Jpeg), None).await.body;
    let widest = media["variants"].as_array().expect("variants").last().expect("a variant").clone();
    assert_eq!(widest["width"], 1600);
    let article = app
        .publish(
            "Mùa lúa chín",
            "2026-03-01T07:00:00Z",
            json!({"cover_image_id": media["id"], "cover_image_url": "https://example.vn/anh/khac.jpg"}),
        )
        .await;
    assert_eq!(article["og_image_url"], widest["url"], "the library's cover comes first");
    assert!(defaults(&article).contains(&"og_image_url"));
    // A picture narrower than every variant width is its own preview.
    let small = upload(&app, "nho.png", &picture(200, 100, ImageFormat::Png), None).await.body;
    let patched = app.patch(&path(&article), json!({"cover_image_id": small["id"]})).await.body;
    assert_eq!(patched["og_image_url"], small["url"]);
}

#[actix_web::test]
async fn overrides_show_instead_of_defaults_and_null_clears_them() {
    let app = site_app().await;
    let article = app
        .publish(
            "Thực hiện hiệu quả các phong trào thi đua",
            "2026-04-22T08:30:00Z",
            json!({"summary": "Tóm tắt.", "seo_title": "  Thi đua yêu nước 2026  ", "seo_description": "   ",
                   "og_image_url": "https://cdn.example.vn/thi-dua-1200x630.jpg"}),
        )
        .await;
    assert_eq!(article["seo_title"], "Thi đua yêu nước 2026", "trimmed");
    assert_eq!(article["seo_description"], "Tóm tắt.", "blank is no override");
    assert_eq!(article["og_image_url"], "https://cdn.example.vn/thi-dua-1200x630.jpg");
    assert_eq!(defaults(&article), ["seo_description", "canonical_url"]);

    let patched = app
        .patch(
            &path(&article),
            json!({"seo_title": null, "seo_description": "Mô tả riêng.", "canonical_url": "https://baoquangnam.vn/thi-dua"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["seo_title"], "Thực hiện hiệu quả các phong trào thi đua");
    assert_eq!(patched.body["seo_description"], "Mô tả riêng.");
    assert_eq!(patched.body["canonical_url"], "https://baoquangnam.vn/thi-dua");
    assert_eq!(patched.body["version"], 2);
    assert_eq!(defaults(&patched.body), ["seo_title"]);
    // Setting the same overrides again changes nothing.
    let again = app.patch(&path(&article), json!({"seo_description": "Mô tả riêng."})).await.body;
    assert_eq!(again["version"], 2);

    // PUT is a full replace: absent overrides are cleared.
    let replaced = app.put(&path(&article), json!({"title": "Thi đua 2026", "status": "published"})).await.body;
    assert_eq!(defaults(&replaced), ALL_DEFAULTS);
    assert_eq!(replaced["seo_title"], "Thi đua 2026");
}

#[actix_web::test]
async fn bad_seo_fields_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let fits = app
        .post(
            "/api/v1/articles",
            json!({"title": "Vừa", "seo_title": "ệ".repeat(120), "seo_description": "ệ".repeat(300)}),
        )
        .await;
    assert_eq!(fits.status, 201, "120 and 300 characters of two bytes each fit: {}", fits.body);
    let cases = [
        ("seo_title", json!("ệ".repeat(121)), "one character too many"),
        ("seo_description", json!("ệ".repeat(301)), "one character too many"),
        ("canonical_url", json!("ftp://baoquangnam.vn/bai-viet"), "not http"),
        ("canonical_url", json!("/bai-viet"), "relative"),
        ("og_image_url", json!("anh/bia.jpg"), "relative"),
        ("og_image_url", json!("javascript:alert(1)"), "a script"),
        ("og_image_url", json!(format!("https://example.vn/{}", "a".repeat(2000))), "over 2,000 characters"),
        ("seo_title", json!(7), "not a string"),
    ];
    for (field, value, why) in cases {
        let created = app.post("/api/v1/articles", json!({"title": "Bài", field: value})).await;
        created.assert_problem(422, "validation_failed");
        assert_eq!(created.body["errors"][0]["field"], field, "{why}: {}", created.body);
        let patched = app.patch(&path(&fits.body), json!({field: value})).await;
        patched.assert_problem(422, "validation_failed");
        assert_eq!(patched.body["errors"][0]["field"], field, "{why}: {}", patched.body);
    }
    let unchanged = app.send(awc::http::Method::GET, &path(&fits.body), app.reader(), None).await.body;
    assert_eq!(unchanged["seo_title"], "ệ".repeat(120));
    assert_eq!(unchanged["version"], 1, "no refused write changed it");
}

#[actix_web::test]
async fn revisions_keep_the_overrides_and_a_restore_brings_them_back() {
    let app = TestApp::spawn().await;
    let article = app
        .create_article(
            json!({"title": "Lễ hội", "seo_title": "Lễ hội Hội An", "canonical_url": "https://hoian.vn/le-hoi"}),
        )
        .await;
    let changed = app.patch(&path(&article), json!({"seo_title": null, "canonical_url": null})).await.body;
    assert_eq!(defaults(&changed), ALL_DEFAULTS);

    let reader = app.reader();
    let first = app.send(awc::http::Method::GET, &format!("{}/revisions/1", path(&article)), reader, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["seo_title"], "Lễ hội Hội An");
    assert_eq!(first.body["canonical_url"], "https://hoian.vn/le-hoi");
    assert_eq!(defaults(&first.body), ["seo_description", "og_image_url"]);

    let restored = app.post(&format!("{}/revisions/1/restore", path(&article)), json!({})).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.body["version"], 3);
    assert_eq!(restored.body["seo_title"], "Lễ hội Hội An");
    assert_eq!(restored.body["canonical_url"], "https://hoian.vn/le-hoi");
    assert_eq!(defaults(&restored.body), ["seo_description", "og_image_url"]);
}

#[actix_web::test]
async fn export_and_import_keep_the_overrides() {
    let app = TestApp::spawn().await;
    app.create_article(json!({"title": "Không ghi đè"})).await;
    app.create_article(json!({
        "title": "Có ghi đè", "seo_title": "Tiêu đề SEO", "seo_description": "Mô tả SEO",
        "canonical_url": "https://baoquangnam.vn/co-ghi-de", "og_image_url": "https://cdn.example.vn/anh.jpg"
    }))
    .await;
    let exported = bantin(&app.database_path(), &["export"]);
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let first = String::from_utf8(exported.stdout).expect("utf8");
    let line = first.lines().find(|l| l.contains("co-ghi-de\",")).expect("the article's line");
    let record: Value = serde_json::from_str(line).expect("json");
    assert_eq!(record["seo_title"], "Tiêu đề SEO");
    assert_eq!(record["seo_description"], "Mô tả SEO");
    assert_eq!(record["canonical_url"], "https://baoquangnam.vn/co-ghi-de");
    assert_eq!(record["og_image_url"], "https://cdn.example.vn/anh.jpg");

    let dir = tempfile::tempdir().expect("dir");
    let (file, copy) = (dir.path().join("site.ndjson"), dir.path().join("copy.db"));
    std::fs::write(&file, &first).expect("write");
    let imported = bantin(&copy, &["import", file.to_str().expect("path")]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let again = bantin(&copy, &["export"]);
    assert_eq!(String::from_utf8(again.stdout).expect("utf8"), first, "the round trip is exact");

    // A line of an export made before SEO fields imports with none; a bad one is refused.
    let old = r#"{"type":"article","slug":"bai-cu","title":"Bài cũ","summary":null,"body":"","author":null,"byline":null,"status":"draft","trashed_at":null,"published_at":null,"category":null,"tags":[],"cover_image_url":null,"featured":false,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}"#;
    std::fs::write(&file, format!("{old}\n")).expect("write");
    let imported = bantin(&copy, &["import", file.to_str().expect("path")]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let bad = old.replace("\"featured\":false", "\"featured\":false,\"canonical_url\":\"/bai-cu\"");
    std::fs::write(&file, format!("{bad}\n")).expect("write");
    let refused = bantin(&copy, &["import", file.to_str().expect("path")]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("canonical_url"));
}

#[actix_web::test]
async fn a_wordpress_import_takes_yoast_seo_overrides_that_fit() {
    let app = TestApp::spawn().await;
    let meta = |key: &str, value: &str| {
        format!("<wp:postmeta><wp:meta_key><![CDATA[{key}]]></wp:meta_key><wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>")
    };
    let post = |id: u32, slug: &str, metas: &[String]| {
        format!(
            "<item><title><![CDATA[Bài {id}]]></title><content:encoded><![CDATA[Nội dung.]]></content:encoded>\
             <wp:post_id>{id}</wp:post_id><wp:post_date_gmt><![CDATA[2024-03-05 01:30:00]]></wp:post_date_gmt>\
             <wp:post_name><![CDATA[{slug}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status>\
             <wp:post_type><![CDATA[post]]></wp:post_type>{}</item>",
            metas.concat()
        )
    };
    let wxr = format!(
        r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Báo</title><wp:wxr_version>1.2</wp:wxr_version>{}{}</channel></rss>
"#,
        post(
            1,
            "co-yoast",
            &[
                meta("_yoast_wpseo_title", "Tiêu đề Yoast"),
                meta("_yoast_wpseo_metadesc", "Mô tả Yoast"),
                meta("_yoast_wpseo_canonical", "https://baobinhson.example.org/co-yoast/"),
                meta("_yoast_wpseo_opengraph-image", "https://baobinhson.example.org/anh/og.jpg"),
            ]
        ),
        post(2, "mau-yoast", &[meta("_yoast_wpseo_title", "%%title%% %%sep%% %%sitename%%")]),
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("wordpress.xml");
    std::fs::write(&file, wxr).expect("write");
    let out = bantin(&app.database_path(), &["import-wordpress", file.to_str().expect("path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reader = app.reader();
    let with = app.send(awc::http::Method::GET, "/api/v1/articles/slug/co-yoast", reader, None).await.body;
    assert_eq!(with["seo_title"], "Tiêu đề Yoast", "{with}");
    assert_eq!(with["seo_description"], "Mô tả Yoast");
    assert_eq!(with["canonical_url"], "https://baobinhson.example.org/co-yoast/");
    assert_eq!(with["og_image_url"], "https://baobinhson.example.org/anh/og.jpg");
    assert_eq!(defaults(&with), Vec::<&str>::new());
    let template = app.send(awc::http::Method::GET, "/api/v1/articles/slug/mau-yoast", reader, None).await.body;
    assert_eq!(template["seo_title"], "Bài 2", "Yoast's template is not a title");
    assert_eq!(defaults(&template), ALL_DEFAULTS);
}
