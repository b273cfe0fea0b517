use actix_web::http::Method;
use serde_json::{json, Value};

use crate::helpers::{As, TestApp};

#[actix_web::test]
async fn creating_an_article_returns_it_whole_with_location_and_etag() {
    let app = TestApp::spawn().await;
    let category = app.create_category("Thời sự", None).await;
    let reply = app
        .post(
            "/api/v1/articles",
            json!({
                "title": "  Thực hiện hiệu quả các phong trào thi đua ",
                "summary": "Tóm tắt",
                "body": "<p>Nội dung <script>alert(1)</script><a href=\"javascript:x()\" onclick=\"y\">link</a></p>",
                "author": "Nguyễn Văn An",
                "status": "published",
                "published_at": "2020-04-22T08:30:00Z",
                "category_id": category["id"],
                "tags": ["Thi đua", "khen-thuong", "Thi Đua"],
                "cover_image_url": "https://example.vn/a.jpg",
                "featured": true
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let article = &reply.body;
    let id = article["id"].as_i64().expect("id");
    assert_eq!(reply.header("location"), Some(format!("/api/v1/articles/{id}").as_str()));
    assert!(reply.header("etag").is_some());
    assert_eq!(article["slug"], "thuc-hien-hieu-qua-cac-phong-trao-thi-dua");
    assert_eq!(article["title"], "Thực hiện hiệu quả các phong trào thi đua");
    assert_eq!(article["published_at"], "2020-04-22T08:30:00Z");
    assert_eq!(article["version"], 1);
    assert_eq!(article["view_count"], 0);
    assert_eq!(article["reading_time_minutes"], 1);
    assert_eq!(article["category"], json!({"id": category["id"], "slug": "thoi-su", "name": "Thời sự"}));
    let tags: Vec<&str> = article["tags"].as_array().expect("tags").iter().filter_map(|t| t["slug"].as_str()).collect();
    assert_eq!(tags, ["khen-thuong", "thi-dua"], "unknown tags are created once, duplicates collapse");
    let body = article["body"].as_str().expect("body");
    assert!(!body.contains("script") && !body.contains("javascript") && !body.contains("onclick"), "{body}");
    assert!(body.contains("<p>Nội dung "), "{body}");

    assert_eq!(app.get(&format!("/api/v1/articles/{id}")).await.body, *article);
    assert_eq!(app.get("/api/v1/articles/slug/thuc-hien-hieu-qua-cac-phong-trao-thi-dua").await.body, *article);
    assert_eq!(app.get("/api/v1/tags/slug/thi-dua").await.body["article_count"], 1);
    assert_eq!(app.get(&format!("/api/v1/categories/{}", category["id"])).await.body["article_count"], 1);
}

#[actix_web::test]
async fn drafts_scheduled_and_archived_articles_are_hidden_from_the_public_only() {
    let app = TestApp::spawn().await;
    let draft = app.create_article(json!({"title": "Bản nháp"})).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["published_at"], Value::Null);
    let scheduled = app.publish("Sắp đăng", "2999-01-01T00:00:00Z", json!({})).await;
    let archived = app.create_article(json!({"title": "Lưu trữ", "status": "archived"})).await;
    let live = app.publish("Đã đăng", "2020-01-01T00:00:00Z", json!({})).await;
    for hidden in [&draft, &scheduled, &archived] {
        let path = format!("/api/v1/articles/{}", hidden["id"]);
        app.get(&path).await.assert_problem(404, "not_found");
        app.get(&format!("/api/v1/articles/slug/{}", hidden["slug"].as_str().unwrap_or("")))
            .await
            .assert_problem(404, "not_found");
        assert_eq!(app.send(Method::GET, &path, app.reader(), None).await.status, 200);
        assert_eq!(app.send(Method::GET, &path, app.writer(), None).await.status, 200);
    }
    let public = app.get("/api/v1/articles").await;
    assert_eq!(TestApp::column(&public, "id"), [live["id"].clone()]);
    for status in ["draft", "scheduled", "archived", "any"] {
        app.get(&format!("/api/v1/articles?status={status}")).await.assert_problem(401, "unauthorized");
    }
    let cases = [("draft", &draft), ("scheduled", &scheduled), ("archived", &archived), ("published", &live)];
    for (status, expected) in cases {
        let reply = app.send(Method::GET, &format!("/api/v1/articles?status={status}"), app.reader(), None).await;
        assert_eq!(TestApp::column(&reply, "id"), [expected["id"].clone()], "{status}");
    }
    let any = app.send(Method::GET, "/api/v1/articles?status=any", app.reader(), None).await;
    assert_eq!(any.body["meta"]["total"], 4);
    app.send(Method::GET, "/api/v1/articles?status=gone", app.reader(), None).await.assert_problem(400, "bad_request");
}

#[actix_web::test]
async fn publishing_a_draft_stamps_published_at_once() {
    let app = TestApp::spawn().await;
    let draft = app.create_article(json!({"title": "Tin mới"})).await;
    let path = format!("/api/v1/articles/{}", draft["id"]);
    let published = app.patch(&path, json!({"status": "published"})).await;
    let stamp = published.body["published_at"].clone();
    assert!(stamp.as_str().is_some_and(|s| s.ends_with('Z')), "{}", published.body);
    assert_eq!(app.get(&path).await.status, 200);
    let archived = app.patch(&path, json!({"status": "archived"})).await;
    let republished = app.patch(&path, json!({"status": "published"})).await;
    assert_eq!(archived.body["published_at"], stamp);
    assert_eq!(republished.body["published_at"], stamp, "first publication time is kept");
}

#[actix_web::test]
async fn version_grows_on_content_changes_only() {
    let app = TestApp::spawn().await;
    let article = app.create_article(json!({"title": "Một", "summary": "Tóm tắt", "tags": ["a"]})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let same = app.patch(&path, json!({"title": "Một"})).await;
    assert_eq!(same.body["version"], 1);
    let changed = app.patch(&path, json!({"title": "Hai"})).await;
    assert_eq!(changed.body["version"], 2);
    assert_eq!(changed.body["summary"], "Tóm tắt", "absent fields stay");
    let retagged = app.patch(&path, json!({"tags": ["a", "b"]})).await;
    assert_eq!(retagged.body["version"], 3);
    let cleared = app.patch(&path, json!({"summary": null})).await;
    assert_eq!(cleared.body["summary"], Value::Null);
    assert_eq!(cleared.body["version"], 4);
    let replaced = app.put(&path, json!({"title": "Ba"})).await;
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.body["tags"], json!([]), "PUT replaces everything it covers");
    assert_eq!(replaced.body["slug"], article["slug"], "PUT keeps an absent slug");
    assert_eq!(replaced.body["version"], 5);
}

#[actix_web::test]
async fn invalid_article_writes_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let taken = app.create_article(json!({"title": "Đã có"})).await;
    let path = format!("/api/v1/articles/{}", taken["id"]);
    let too_long = "x".repeat(301);
    let cases = [
        (json!({"title": ""}), "title", "empty title"),
        (json!({"title": too_long}), "title", "long title"),
        (json!({"title": "A", "summary": "s".repeat(1001)}), "summary", "long summary"),
        (json!({"title": "A", "view_count": 5}), "view_count", "view_count is read-only"),
        (json!({"title": "A", "version": 2}), "version", "version is read-only"),
        (json!({"title": "A", "created_at": "2020-01-01T00:00:00Z"}), "created_at", "timestamps are read-only"),
        (json!({"title": "A", "category_id": 999}), "category_id", "unknown category"),
        (json!({"title": "A", "status": "scheduled"}), "status", "scheduled is not a status"),
        (json!({"title": "A", "published_at": "yesterday"}), "published_at", "bad time"),
        (json!({"title": "A", "cover_image_url": "javascript:alert(1)"}), "cover_image_url", "bad URL"),
        (json!({"title": "A", "slug": "123"}), "slug", "numeric slug"),
        (json!({"title": "A", "tags": [""]}), "tags[0]", "empty tag"),
    ];
    for (body, field, why) in cases {
        let reply = app.post("/api/v1/articles", body).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], field, "{why}: {}", reply.body);
    }
    for (body, field) in
        [(json!({"title": null}), "title"), (json!({"tags": null}), "tags"), (json!({"featured": null}), "featured")]
    {
        let reply = app.patch(&path, body).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], field);
    }
    app.post("/api/v1/articles", json!({"title": "Khác", "slug": "da-co"})).await.assert_problem(409, "conflict");
    let reply = app.send(Method::GET, "/api/v1/articles?status=any", app.writer(), None).await;
    assert_eq!(reply.body["meta"]["total"], 1);
    assert_eq!(app.get("/api/v1/tags").await.body["meta"]["total"], 0, "no tag was created by a refused write");
    assert_eq!(app.send(Method::GET, &path, app.writer(), None).await.body["version"], 1);
}

#[actix_web::test]
async fn generated_article_slugs_are_numbered_on_collision() {
    let app = TestApp::spawn().await;
    assert_eq!(app.create_article(json!({"title": "Bão số 5"})).await["slug"], "bao-so-5");
    assert_eq!(app.create_article(json!({"title": "Bão số 5!"})).await["slug"], "bao-so-5-2");
    assert_eq!(app.create_article(json!({"title": "2024"})).await["slug"], "article-2024");
}

#[actix_web::test]
async fn deleting_an_article_removes_it_and_its_tag_links() {
    let app = TestApp::spawn().await;
    let article = app.publish("Xóa tôi", "2020-01-01T00:00:00Z", json!({"tags": ["tạm"]})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(app.send(Method::DELETE, &path, As::Public, None).await.status, 401);
    assert_eq!(app.send(Method::DELETE, &path, app.reader(), None).await.status, 403);
    assert_eq!(app.delete(&path).await.status, 204);
    app.get(&path).await.assert_problem(404, "not_found");
    app.delete(&path).await.assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/tags/slug/tam").await.body["article_count"], 0);
}

#[actix_web::test]
async fn deleting_a_tag_detaches_it_and_a_category_with_articles_is_a_conflict() {
    let app = TestApp::spawn().await;
    let category = app.create_category("Kinh tế", None).await;
    let article = app
        .publish("Giá lúa", "2020-01-01T00:00:00Z", json!({"category_id": category["id"], "tags": ["Nông nghiệp"]}))
        .await;
    let category_path = format!("/api/v1/categories/{}", category["id"]);
    let reply = app.delete(&category_path).await;
    reply.assert_problem(409, "conflict");
    assert!(reply.body["detail"].as_str().is_some_and(|d| d.contains("1 article")), "{}", reply.body);
    assert_eq!(app.get(&category_path).await.status, 200);

    let tag = app.get("/api/v1/tags/slug/nong-nghiep").await.body;
    assert_eq!(app.delete(&format!("/api/v1/tags/{}", tag["id"])).await.status, 204);
    let after = app.get(&format!("/api/v1/articles/{}", article["id"])).await;
    assert_eq!(after.status, 200);
    assert_eq!(after.body["tags"], json!([]));
}

#[actix_web::test]
async fn related_prefers_shared_tags_then_category_and_never_lists_itself() {
    let app = TestApp::spawn().await;
    let sport = app.create_category("Thể thao", None).await;
    let news = app.create_category("Thời sự", None).await;
    let base = app
        .publish(
            "Bóng đá",
            "2020-03-01T00:00:00Z",
            json!({"category_id": sport["id"], "tags": ["bong-da", "v-league"]}),
        )
        .await;
    let two_tags = app.publish("Hai thẻ", "2020-01-01T00:00:00Z", json!({"tags": ["bong-da", "v-league"]})).await;
    let one_tag_old = app
        .publish("Một thẻ cũ", "2020-01-02T00:00:00Z", json!({"category_id": news["id"], "tags": ["bong-da"]}))
        .await;
    let one_tag_new = app.publish("Một thẻ mới", "2020-02-02T00:00:00Z", json!({"tags": ["v-league"]})).await;
    let same_category = app.publish("Cùng mục", "2020-02-15T00:00:00Z", json!({"category_id": sport["id"]})).await;
    app.publish("Không liên quan", "2020-02-20T00:00:00Z", json!({"category_id": news["id"]})).await;
    app.create_article(json!({"title": "Nháp", "tags": ["bong-da", "v-league"], "category_id": sport["id"]})).await;
    app.publish("Tương lai", "2999-01-01T00:00:00Z", json!({"tags": ["bong-da", "v-league"]})).await;

    let path = format!("/api/v1/articles/{}/related", base["id"]);
    let reply = app.get(&path).await;
    assert_eq!(reply.status, 200);
    let expected =
        [two_tags["id"].clone(), one_tag_new["id"].clone(), one_tag_old["id"].clone(), same_category["id"].clone()];
    assert_eq!(TestApp::column(&reply, "id"), expected);
    assert!(reply.body["data"][0].get("body").is_none(), "list items carry no body");
    let limited = app.get(&format!("{path}?limit=2")).await;
    assert_eq!(TestApp::column(&limited, "id"), expected[..2]);
    app.get(&format!("{path}?limit=0")).await.assert_problem(400, "bad_request");
    app.get(&format!("{path}?limit=21")).await.assert_problem(400, "bad_request");
    app.get("/api/v1/articles/999/related").await.assert_problem(404, "not_found");
}
