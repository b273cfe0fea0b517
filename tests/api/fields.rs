//! `fields=`: sparse fieldsets on the reads of articles, categories, tags and authors.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::helpers::{As, Reply, TestApp};

/// The keys of an object, in order.
fn keys(value: &Value) -> Vec<&str> {
    value.as_object().map(|object| object.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// A small site: a category under a parent, a tag, an author, two published articles.
async fn site(app: &TestApp) -> (Value, Value) {
    let news = app.create_category("Thời sự", None).await;
    let local = app.create_category("Trong tỉnh", news["id"].as_i64()).await;
    app.create_tag("Thi đua").await;
    let author = app.post("/api/v1/authors", json!({"name": "Trần Thị Bình", "bio": "Phóng viên"})).await;
    assert_eq!(author.status, 201, "{}", author.body);
    let extra =
        json!({"category_id": local["id"], "tags": ["Thi đua"], "summary": "Tóm tắt", "author_id": author.body["id"]});
    let first = app.publish("Thực hiện hiệu quả các phong trào thi đua", "2020-04-22T08:30:00Z", extra.clone()).await;
    app.publish("Phong trào thi đua yêu nước", "2020-04-23T08:30:00Z", extra).await;
    (first, local)
}

#[actix_web::test]
async fn each_resource_answers_only_the_fields_asked_for_in_the_order_asked_by_the_schema() {
    let app = TestApp::spawn().await;
    let (article, category) = site(&app).await;
    let (id, slug) = (&article["id"], article["slug"].as_str().expect("slug"));

    let list = app.get("/api/v1/articles?fields=title,id,category,published_at").await;
    assert_eq!(list.status, 200, "{}", list.body);
    for item in list.body["data"].as_array().expect("items") {
        // The object's own order, whatever the order asked.
        assert_eq!(keys(item), ["id", "title", "published_at", "category"]);
        assert_eq!(keys(&item["category"]), ["id", "slug", "name"], "nested objects come whole");
    }
    assert_eq!(list.body["meta"]["total"], 2, "meta is untouched");
    assert!(String::from_utf8_lossy(&list.raw).starts_with(r#"{"data":[{"id":"#));

    for path in
        [format!("/api/v1/articles/{id}?fields=id,body"), format!("/api/v1/articles/slug/{slug}?fields=id,body")]
    {
        let one = app.get(&path).await;
        assert_eq!(one.status, 200, "{path}: {}", one.body);
        assert_eq!(keys(&one.body), ["id", "body"], "{path}");
    }
    let cursor = app.get("/api/v1/articles?cursor=&per_page=1&fields=slug").await;
    assert_eq!(keys(&cursor.body["data"][0]), ["slug"]);
    assert!(cursor.header("link").is_some_and(|link| link.contains("fields=slug")), "{:?}", cursor.header("link"));
    app.wait_indexed().await;
    let search = app.get("/api/v1/articles?q=thi%20%C4%91ua&fields=id,highlight").await;
    assert_eq!(search.status, 200, "{}", search.body);
    assert_eq!(keys(&search.body["data"][0]), ["id", "highlight"]);
    let related = app.get(&format!("/api/v1/articles/{id}/related?fields=id")).await;
    assert_eq!(related.status, 200, "{}", related.body);
    assert!(related.body["data"].as_array().expect("items").iter().all(|item| keys(item) == ["id"]));
    let popular = app.get("/api/v1/articles/popular?fields=id,window_views").await;
    assert_eq!(popular.status, 200, "{}", popular.body);

    let cid = &category["id"];
    for (path, wanted) in [
        ("/api/v1/categories?fields=slug,name".to_owned(), vec!["slug", "name"]),
        (format!("/api/v1/categories/{cid}?fields=name,parent_id"), vec!["name", "parent_id"]),
        ("/api/v1/categories/slug/trong-tinh?fields=article_count".to_owned(), vec!["article_count"]),
        ("/api/v1/tags?fields=name,article_count".to_owned(), vec!["name", "article_count"]),
        ("/api/v1/tags/slug/thi-dua?fields=id".to_owned(), vec!["id"]),
        ("/api/v1/authors?fields=name,bio".to_owned(), vec!["name", "bio"]),
        ("/api/v1/authors/slug/tran-thi-binh?fields=slug".to_owned(), vec!["slug"]),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let object = if reply.body.get("data").is_some() { &reply.body["data"][0] } else { &reply.body };
        assert_eq!(keys(object), wanted, "{path}");
    }
    // The tree: each top-level node, its children whole.
    let tree = app.get("/api/v1/categories?tree=true&fields=name,children").await;
    assert_eq!(tree.status, 200, "{}", tree.body);
    assert_eq!(keys(&tree.body["data"][0]), ["name", "children"]);
    assert_eq!(tree.body["data"][0]["children"][0]["slug"], "trong-tinh");
}

#[actix_web::test]
async fn an_unknown_or_empty_selection_is_a_400_naming_it() {
    let app = TestApp::spawn().await;
    let (article, _) = site(&app).await;
    for path in [
        "/api/v1/articles?fields=id,titel".to_owned(),
        format!("/api/v1/articles/{}?fields=titel", article["id"]),
        "/api/v1/categories?fields=titel".to_owned(),
        "/api/v1/tags/slug/thi-dua?fields=titel".to_owned(),
        "/api/v1/authors?fields=titel".to_owned(),
    ] {
        let reply = app.get(&path).await;
        reply.assert_problem(400, "bad_request");
        assert!(reply.body["detail"].as_str().is_some_and(|d| d.contains("'titel'")), "{path}: {}", reply.body);
    }
    // A list item has no body; one article does.
    app.get("/api/v1/articles?fields=body").await.assert_problem(400, "bad_request");
    app.get("/api/v1/articles?fields=").await.assert_problem(400, "bad_request");
    app.get("/api/v1/articles?fields=,").await.assert_problem(400, "bad_request");
}

async fn conditional(app: &TestApp, path: &str, tag: &str) -> Reply {
    app.send_with_header(Method::GET, path, ("If-None-Match", tag)).await
}

#[actix_web::test]
async fn each_representation_has_its_own_etag_and_if_match_still_reads_the_version() {
    let app = TestApp::spawn().await;
    let (article, _) = site(&app).await;
    let id = &article["id"];
    let (full_path, sparse_path) = (format!("/api/v1/articles/{id}"), format!("/api/v1/articles/{id}?fields=id,title"));
    let full = app.get(&full_path).await;
    let sparse = app.get(&sparse_path).await;
    let other = app.get(&format!("/api/v1/articles/{id}?fields=id")).await;
    let tags: Vec<&str> = [&full, &sparse, &other].iter().map(|r| r.header("etag").expect("etag")).collect();
    assert_ne!(tags[0], tags[1]);
    assert_ne!(tags[1], tags[2]);
    assert_eq!(conditional(&app, &sparse_path, tags[1]).await.status, 304);
    assert_eq!(conditional(&app, &sparse_path, tags[0]).await.status, 200, "the full tag is another representation");
    let list = app.get("/api/v1/articles").await.header("etag").map(str::to_owned);
    let sparse_list = app.get("/api/v1/articles?fields=id").await.header("etag").map(str::to_owned);
    assert_ne!(list, sparse_list);

    // A sparse read's tag still names the content version a write is checked against.
    let reply = app
        .server
        .request(Method::PATCH, app.server.url(&full_path))
        .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
        .insert_header(("If-Match", tags[1]))
        .send_json(&json!({"title": "Tiêu đề mới"}))
        .await
        .expect("request");
    assert_eq!(reply.status(), 200);
    // Now stale: 412, and the cached sparse read shows the new title.
    let stale = app
        .server
        .request(Method::PATCH, app.server.url(&full_path))
        .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
        .insert_header(("If-Match", tags[1]))
        .send_json(&json!({"title": "Lần nữa"}))
        .await
        .expect("request");
    assert_eq!(stale.status(), 412);
    let after = app.get(&sparse_path).await;
    assert_eq!(after.body["title"], "Tiêu đề mới");
    assert_eq!(conditional(&app, &sparse_path, tags[1]).await.status, 200);
}

#[actix_web::test]
async fn token_holders_select_fields_too_and_other_reads_are_untouched() {
    let app = TestApp::spawn().await;
    site(&app).await;
    let draft = app.create_article(json!({"title": "Bản nháp"})).await;
    let reply =
        app.send(Method::GET, &format!("/api/v1/articles/{}?fields=status", draft["id"]), app.reader(), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, json!({"status": "draft"}));
    // Reads without fields answer whole objects, as before.
    let whole = app.send(Method::GET, "/api/v1/articles", As::Public, None).await;
    assert!(keys(&whole.body["data"][0]).len() > 10);
}
