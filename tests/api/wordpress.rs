//! Moving in from WordPress: the real binary imports tests/fixtures/wordpress.xml
//! into a served database; the API shows every mapping.

use serde_json::Value;

use crate::helpers::TestApp;
use crate::shutdown::bantin;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wordpress.xml");

fn import(app: &TestApp, file: &str) -> std::process::Output {
    bantin(&app.database_path(), &["import-wordpress", file])
}

async fn by_slug(app: &TestApp, slug: &str) -> Value {
    let reply = app.send(awc::http::Method::GET, &format!("/api/v1/articles/slug/{slug}"), app.reader(), None).await;
    assert_eq!(reply.status, 200, "{slug}: {}", reply.body);
    reply.body
}

#[actix_web::test]
async fn a_wordpress_export_moves_in_with_every_mapping_and_twice_changes_nothing() {
    let app = TestApp::spawn().await;
    let first = import(&app, FIXTURE);
    let said = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(first.status.success(), "{said}");
    assert!(said.contains("articles          7 created"), "{said}");
    assert!(said.contains("page: not a post") && said.contains("nav_menu_item: not a post"), "{said}");
    // The server serving the database sees the import (its in-memory view totals
    // and published articles are reloaded within a second).
    app.wait_indexed().await;
    let rice = by_slug(&app, "nong-dan-phu-hoa-trung-mua").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let reader = Some("Mozilla/5.0 (Android 14) Chrome/130.0 Mobile");
    // A view of an imported article counts once the server has reloaded.
    while app.view(&rice["id"], reader).await.status != 202 {
        assert!(std::time::Instant::now() < deadline, "the server never took the imported articles in");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Categories keep their hierarchy; a percent-encoded slug is decoded and folded.
    let tree = app.get("/api/v1/categories?tree=true").await;
    let tree = tree.body.to_string();
    for slug in ["tin-tuc", "kinh-te", "nong-nghiep", "doi-song", "van-hoa"] {
        assert!(tree.contains(&format!("\"slug\":\"{slug}\"")), "{slug} in {tree}");
    }
    let economy = app.get("/api/v1/categories/slug/kinh-te").await.body;
    let news = app.get("/api/v1/categories/slug/tin-tuc").await.body;
    assert_eq!(economy["parent_id"], news["id"]);

    // A published post: caption → figure, excerpt → summary, author's display name,
    // featured image, view meta, GMT date, its first category, tags.
    assert_eq!(rice["status"], "published");
    assert_eq!(rice["published_at"], "2024-03-05T01:30:00Z", "post_date_gmt: {rice}");
    assert_eq!(rice["summary"], "Vụ đông xuân năm nay, nông dân xã Phú Hòa trúng mùa, được giá.");
    assert!(rice["author"].as_str().is_some_and(|a| !a.is_empty() && !a.contains('_')), "{}", rice["author"]);
    assert_eq!(rice["cover_image_url"], "https://baobinhson.example.org/wp-content/uploads/2024/03/canh-dong-lua.jpg");
    assert_eq!(rice["view_count"], 1532);
    // WordPress users become author profiles; the byline is their display name.
    assert_eq!(rice["author_profile"]["slug"], "pv-tuan", "{rice}");
    assert_eq!(rice["author_profile"]["name"], "Trần Đức Tuấn");
    assert_eq!(app.get("/api/v1/authors").await.body["meta"]["total"], 2);
    let body = rice["body"].as_str().expect("body");
    assert!(
        body.contains("<figure>")
            && body.contains("<figcaption>Nông dân xã Phú Hòa thu hoạch lúa đông xuân.</figcaption>"),
        "{body}"
    );
    assert!(!body.contains("[caption") && !body.contains("[gallery"), "{body}");
    assert!(body.starts_with("<p>"), "wpautop wraps paragraphs: {body}");

    // The percent-encoded Vietnamese slug, folded; other shortcodes gone, their text kept.
    let road = by_slug(&app, "duong-tinh-725-thong-xe").await;
    assert_eq!(road["category"]["slug"], "tin-tuc", "the first of its categories");
    assert!(road["body"]
        .as_str()
        .is_some_and(|b| b.contains("https://www.youtube.com/watch?v=abc") && !b.contains("[embed")));

    // future → scheduled (hidden from the public), draft/pending/private → draft.
    let festival = by_slug(&app, "khai-mac-tuan-le-van-hoa-du-lich").await;
    assert_eq!(festival["status"], "published");
    assert!(festival["published_at"].as_str().is_some_and(|t| t.starts_with("2031")));
    assert_eq!(festival["view_count"], 87);
    assert_eq!(app.get("/api/v1/articles/slug/khai-mac-tuan-le-van-hoa-du-lich").await.status, 404);
    for slug in ["ban-nhap-ke-hoach-phong-chong-lu", "gia-ca-phe-ho-tieu-tang", "bien-ban-hop-giao-ban-thang-3"] {
        assert_eq!(by_slug(&app, slug).await["status"], "draft", "{slug}");
    }
    // trash → bantin's trash, under its own slug (without WordPress's `__trashed`).
    assert_eq!(app.get("/api/v1/articles/slug/le-hoi-hoa-da-quy").await.status, 404, "gone for the public");
    let trashed = by_slug(&app, "le-hoi-hoa-da-quy").await;
    assert_eq!(trashed["status"], "trashed");
    assert!(trashed["trashed_at"].is_string());
    // An article trashed in bantin stays in the trash when the export is imported again.
    let road_path = format!("/api/v1/articles/{}", road["id"]);
    assert_eq!(app.delete(&road_path).await.status, 204);

    // The view recorded above adds to the imported total.
    app.flush_views();
    assert_eq!(by_slug(&app, "nong-dan-phu-hoa-trung-mua").await["view_count"], 1533);

    // Twice changes nothing.
    let again = import(&app, FIXTURE);
    let said = String::from_utf8_lossy(&again.stderr).into_owned();
    assert!(again.status.success(), "{said}");
    assert!(said.contains("articles          0 created       0 updated       7 unchanged"), "{said}");
    assert_eq!(by_slug(&app, "duong-tinh-725-thong-xe").await["status"], "trashed", "still in the trash");
    let after = by_slug(&app, "nong-dan-phu-hoa-trung-mua").await;
    assert_eq!((after["version"].clone(), after["view_count"].clone()), (rice["version"].clone(), 1533.into()));
}

#[actix_web::test]
async fn a_malformed_export_is_refused_with_its_position_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let whole = std::fs::read_to_string(FIXTURE).expect("fixture");
    let dir = tempfile::tempdir().expect("dir");
    // Cut inside the last item: everything before it is well formed.
    let cut = dir.path().join("cut.xml");
    std::fs::write(&cut, &whole[..whole.rfind("<wp:post_type>").expect("an item")]).expect("write");
    // A broken tag in the middle.
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, whole.replacen("</wp:post_name>", "</wp:post_nam>", 3)).expect("write");
    for file in [&cut, &broken] {
        let out = import(&app, file.to_str().expect("path"));
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("nothing was imported"), "{said}");
    }
    let broken_said = String::from_utf8_lossy(&import(&app, broken.to_str().expect("path")).stderr).into_owned();
    assert!(broken_said.contains("line"), "the error says where: {broken_said}");
    let list = app.send(awc::http::Method::GET, "/api/v1/articles?status=any", app.reader(), None).await;
    assert_eq!(list.body["meta"]["total"], 0);
    assert_eq!(app.get("/api/v1/categories").await.body["meta"]["total"], 0);
}
