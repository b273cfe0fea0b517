//! The newsroom: trash, revisions and authors, through the API.

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::{As, TestApp};

fn settings() -> bantin::config::ServeArgs {
    bantin::config::ServeArgs { rate_limit: 0, ..Default::default() }
}

/// Slugs in a list answer.
fn slugs(reply: &crate::helpers::Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .map_or_else(Vec::new, |items| items.iter().filter_map(|i| i["slug"].as_str().map(str::to_owned)).collect())
}

/// Everything the public can see of `article` (next to `sibling`, which shares its
/// tag and category): (by id, by slug, in the list, in search, in related, in most
/// read, category count, tag count, a view counted).
async fn public_sightings(app: &TestApp, article: &Value, sibling: &Value, browser: &str) -> Vec<(&'static str, bool)> {
    app.wait_indexed().await;
    let slug = article["slug"].as_str().expect("slug").to_owned();
    let by_id = app.get(&format!("/api/v1/articles/{}", article["id"])).await.status == 200;
    let by_slug = app.get(&format!("/api/v1/articles/slug/{slug}")).await.status == 200;
    let listed = slugs(&app.get("/api/v1/articles?per_page=100").await).contains(&slug);
    let found = slugs(&app.get("/api/v1/articles?q=l%C3%BAa%20g%E1%BA%A1o").await).contains(&slug);
    let related = slugs(&app.get(&format!("/api/v1/articles/{}/related", sibling["id"])).await).contains(&slug);
    let popular = slugs(&app.get("/api/v1/articles/popular").await).contains(&slug);
    let category = app.get("/api/v1/categories/slug/nong-nghiep").await.body["article_count"] == 2;
    let tag = app.get("/api/v1/tags/slug/lua-gao").await.body["article_count"] == 2;
    let viewed = app.view(&article["id"], Some(browser)).await.status == 202;
    vec![
        ("by id", by_id),
        ("by slug", by_slug),
        ("list", listed),
        ("search", found),
        ("related", related),
        ("most read", popular),
        ("category count", category),
        ("tag count", tag),
        ("views", viewed),
    ]
}

#[actix_web::test]
async fn a_trashed_article_is_gone_for_the_public_everywhere_and_restore_brings_it_back() {
    let app = TestApp::spawn().await;
    let farming = app.create_category("Nông nghiệp", None).await;
    let extra = json!({"category_id": farming["id"], "tags": ["Lúa gạo"], "body": "<p>Giá lúa gạo tăng.</p>"});
    let article = app.publish("Lúa gạo được giá", "2026-01-01T00:00:00Z", extra.clone()).await;
    let sibling = app.publish("Lúa gạo xuất khẩu", "2026-01-02T00:00:00Z", extra).await;
    assert_eq!(app.view(&article["id"], Some("Mozilla/5.0 Firefox/130.0 a")).await.status, 202);
    app.flush_views();
    let seen = public_sightings(&app, &article, &sibling, "Mozilla/5.0 Firefox/130.0 b").await;
    assert!(seen.iter().all(|(_, yes)| *yes), "before: {seen:?}");

    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(app.delete(&path).await.status, 204);
    let seen = public_sightings(&app, &article, &sibling, "Mozilla/5.0 Firefox/130.0 c").await;
    assert!(seen.iter().all(|(_, yes)| !*yes), "in the trash: {seen:?}");

    // Token holders still see it, as trashed; its slug stays taken.
    let held = app.send(Method::GET, &path, app.reader(), None).await;
    assert_eq!(held.body["status"], "trashed");
    assert!(held.body["trashed_at"].is_string());
    let trash = app.send(Method::GET, "/api/v1/articles?status=trashed", app.reader(), None).await;
    assert_eq!(slugs(&trash), vec![article["slug"].as_str().expect("slug").to_owned()]);
    let any = app.send(Method::GET, "/api/v1/articles?status=any", app.reader(), None).await;
    assert!(!slugs(&any).contains(&article["slug"].as_str().expect("slug").to_owned()));
    let taken = app.post("/api/v1/articles", json!({"title": "Khác", "slug": article["slug"]})).await;
    taken.assert_problem(409, "conflict");
    // Only permanent=true takes a trashed article; edits wait for a restore.
    app.delete(&path).await.assert_problem(404, "not_found");
    app.patch(&path, json!({"title": "Sửa trong thùng rác"})).await.assert_problem(409, "conflict");
    app.put(&path, json!({"title": "Thay trong thùng rác"})).await.assert_problem(409, "conflict");

    let restored = app.post(&format!("{path}/restore"), json!({})).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.body["status"], "published");
    assert!(restored.body.get("trashed_at").is_none());
    app.post(&format!("{path}/restore"), json!({})).await.assert_problem(409, "conflict");
    let seen = public_sightings(&app, &article, &sibling, "Mozilla/5.0 Firefox/130.0 d").await;
    assert!(seen.iter().all(|(_, yes)| *yes), "restored: {seen:?}");

    // For good: gone for token holders too.
    assert_eq!(app.delete(&format!("{path}?permanent=true")).await.status, 204);
    assert_eq!(app.send(Method::GET, &path, app.reader(), None).await.status, 404);
}

#[actix_web::test]
async fn the_trash_is_emptied_after_the_configured_days() {
    let app = TestApp::spawn_with(bantin::config::ServeArgs { trash_days: 0, ..settings() }).await;
    let kept = app.create_article(json!({"title": "Giữ lại"})).await;
    let trashed = app.create_article(json!({"title": "Bỏ đi"})).await;
    assert_eq!(app.delete(&format!("/api/v1/articles/{}", trashed["id"])).await.status, 204);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let path = format!("/api/v1/articles/{}", trashed["id"]);
    while app.send(Method::GET, &path, app.reader(), None).await.status != 404 {
        assert!(std::time::Instant::now() < deadline, "the trash was never emptied");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let still = app.send(Method::GET, &format!("/api/v1/articles/{}", kept["id"]), app.reader(), None).await;
    assert_eq!(still.status, 200, "only the trash is emptied");
}

#[actix_web::test]
async fn every_edit_keeps_the_previous_version_with_its_editor_and_restore_makes_a_new_one() {
    let app = TestApp::spawn().await;
    let (binh, chau) = {
        let mut conn = app.pool.get().expect("connection");
        (
            bantin::db::tokens::create(&mut conn, "binh", "editor").expect("token"),
            bantin::db::tokens::create(&mut conn, "chau", "contributor").expect("token"),
        )
    };
    let farming = app.create_category("Nông nghiệp", None).await;
    let v1 = app
        .create_article(json!({"title": "Bản một", "body": "<p>Nội dung một.</p>", "tags": ["Lúa gạo"],
                               "category_id": farming["id"]}))
        .await;
    let path = format!("/api/v1/articles/{}", v1["id"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let v2 = loop {
        let edit = app.send(Method::PATCH, &path, As::Token(&binh), Some(json!({"title": "Bản hai"}))).await;
        if edit.status == 200 {
            break edit.body;
        }
        assert!(std::time::Instant::now() < deadline, "the new tokens never took effect: {}", edit.body);
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(v2["version"], 2);
    let v3 = app
        .send(Method::PATCH, &path, As::Token(&chau), Some(json!({"body": "<p>Nội dung ba.</p>", "tags": []})))
        .await;
    assert_eq!(v3.body["version"], 3, "{}", v3.body);
    let v4 = app.patch(&path, json!({"title": "Bản bốn", "category_id": null})).await;
    assert_eq!(v4.body["version"], 4);

    let list = app.send(Method::GET, &format!("{path}/revisions"), app.reader(), None).await;
    let kept: Vec<(Value, Value)> = list.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|r| (r["version"].clone(), r["editor"].clone()))
        .collect();
    assert_eq!(kept, vec![(json!(3), json!("chau")), (json!(2), json!("binh")), (json!(1), json!("editor"))]);
    assert_eq!(app.get(&format!("{path}/revisions")).await.status, 401, "token holders only");

    let old = app.send(Method::GET, &format!("{path}/revisions/1"), app.reader(), None).await;
    assert_eq!(old.body["title"], "Bản một");
    assert_eq!(old.body["body"], "<p>Nội dung một.</p>");
    assert_eq!(old.body["tags"][0]["slug"], "lua-gao");
    assert_eq!(old.body["category"]["id"], farming["id"]);

    // Restore honours If-Match: a stale tag changes nothing.
    let stale =
        app.send_with_header(Method::POST, &format!("{path}/revisions/1/restore"), ("If-Match", "W/\"a1-v3.0\"")).await;
    stale.assert_problem(412, "precondition_failed");
    let current = app.send(Method::GET, &path, app.reader(), None).await;
    let etag = current.header("etag").expect("etag").to_owned();
    let restored =
        app.send_with_header(Method::POST, &format!("{path}/revisions/1/restore"), ("If-Match", etag.as_str())).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.body["version"], 5);
    for field in ["title", "body", "slug", "summary", "status", "category", "tags", "author"] {
        assert_eq!(restored.body[field], old.body[field], "{field}");
    }
    let list = app.send(Method::GET, &format!("{path}/revisions"), app.reader(), None).await;
    assert_eq!(list.body["data"][0]["version"], 4, "the replaced version is kept too");
    app.send(Method::GET, &format!("{path}/revisions/99"), app.reader(), None).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn revisions_are_capped_per_article() {
    let app = TestApp::spawn_with(bantin::config::ServeArgs { revisions_keep: 2, ..settings() }).await;
    let article = app.create_article(json!({"title": "Bản 1"})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    for n in 2..=5 {
        assert_eq!(app.patch(&path, json!({"title": format!("Bản {n}")})).await.status, 200);
    }
    let list = app.send(Method::GET, &format!("{path}/revisions"), app.reader(), None).await;
    let versions: Vec<&Value> = list.body["data"].as_array().expect("data").iter().map(|r| &r["version"]).collect();
    assert_eq!(versions, vec![&json!(4), &json!(3)], "the oldest are dropped");
}

#[actix_web::test]
async fn authors_have_profiles_counts_filters_and_cannot_go_while_used() {
    let app = TestApp::spawn().await;
    let made = app
        .post(
            "/api/v1/authors",
            json!({"name": "Trần Thị Bình", "bio": "Phóng viên Ban Kinh tế.",
                   "avatar_url": "https://example.vn/tac-gia/binh.jpg"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["slug"], "tran-thi-binh");
    let author = made.body;
    app.post("/api/v1/authors", json!({"name": "Lê Minh Châu"})).await;
    app.post("/api/v1/authors", json!({"name": "x", "avatar_url": "javascript:alert(1)"}))
        .await
        .assert_problem(422, "validation_failed");

    let by_her = app.publish("Giá cà phê tăng", "2026-01-01T00:00:00Z", json!({"author_id": author["id"]})).await;
    assert_eq!(by_her["author"], "Trần Thị Bình", "the byline defaults to the profile's name");
    assert_eq!(by_her["author_profile"]["slug"], "tran-thi-binh");
    assert_eq!(by_her["author_profile"]["avatar_url"], "https://example.vn/tac-gia/binh.jpg");
    let signed = app
        .publish("Phỏng vấn", "2026-01-02T00:00:00Z", json!({"author_id": author["id"], "author": "Nhóm phóng viên"}))
        .await;
    assert_eq!(signed["author"], "Nhóm phóng viên", "an explicit byline stays");
    app.create_article(json!({"title": "Nháp của Bình", "author_id": author["id"]})).await;
    app.publish("Tin khác", "2026-01-03T00:00:00Z", json!({})).await;
    app.post("/api/v1/articles", json!({"title": "Sai", "author_id": 999}))
        .await
        .assert_problem(422, "validation_failed");

    // Moving a story to another profile moves a byline that only echoed the old name.
    let chau = app.get("/api/v1/authors/slug/le-minh-chau").await.body;
    let moved = app.post("/api/v1/articles", json!({"title": "Tạm", "author_id": author["id"]})).await.body;
    let moved = app.patch(&format!("/api/v1/articles/{}", moved["id"]), json!({"author_id": chau["id"]})).await.body;
    assert_eq!(moved["author"], "Lê Minh Châu", "{moved}");
    assert_eq!(
        app.patch(&format!("/api/v1/articles/{}", signed["id"]), json!({"author_id": chau["id"]})).await.body["author"],
        "Nhóm phóng viên",
        "a byline of its own stays"
    );
    assert_eq!(
        app.patch(&format!("/api/v1/articles/{}", signed["id"]), json!({"author_id": author["id"]})).await.status,
        200
    );

    let shown = app.get("/api/v1/authors/slug/tran-thi-binh").await;
    assert_eq!(shown.body["article_count"], 2, "visible published articles only");
    assert!(shown.header("etag").is_some());
    let listed = app.get("/api/v1/articles?author_slug=tran-thi-binh").await;
    assert_eq!(slugs(&listed).len(), 2);
    assert_eq!(app.get("/api/v1/articles?author_slug=khong-co").await.body["data"], json!([]));
    app.wait_indexed().await;
    let searched = app.get("/api/v1/articles?q=ph%E1%BB%8Fng&author_slug=tran-thi-binh").await;
    assert_eq!(slugs(&searched), vec![signed["slug"].as_str().expect("slug").to_owned()]);
    let found = app.get("/api/v1/authors?q=tran%20t").await;
    assert_eq!(found.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(found.body["data"][0]["name"], "Trần Thị Bình");

    let path = format!("/api/v1/authors/{}", author["id"]);
    let renamed = app.patch(&path, json!({"bio": null})).await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.body["bio"], Value::Null);
    let refused = app.delete(&path).await;
    refused.assert_problem(409, "conflict");
    assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("3 article")), "{}", refused.body);
    let lone = app.post("/api/v1/authors", json!({"name": "Không bài"})).await.body;
    assert_eq!(app.delete(&format!("/api/v1/authors/{}", lone["id"])).await.status, 204);
    app.get(&format!("/api/v1/authors/{}", lone["id"])).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn an_article_id_is_never_given_twice() {
    let app = TestApp::spawn().await;
    let first = app.create_article(json!({"title": "Bài một"})).await;
    let newest = app.create_article(json!({"title": "Bài hai"})).await;
    let path = format!("/api/v1/articles/{}?permanent=true", newest["id"]);
    assert_eq!(app.delete(&path).await.status, 204);
    let next = app.create_article(json!({"title": "Bài ba"})).await;
    let (first, gone, next) = (first["id"].as_i64(), newest["id"].as_i64(), next["id"].as_i64());
    assert!(next > gone && gone > first, "ids {first:?}, {gone:?} (deleted), then {next:?}");
}
