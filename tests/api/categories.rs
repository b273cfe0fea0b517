use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{As, TestApp};

#[actix_web::test]
async fn creating_a_category_returns_it_with_a_location_and_a_vietnamese_slug() {
    let app = TestApp::spawn().await;
    let reply = app.post("/api/v1/categories", json!({"name": "  Thời sự  ", "description": "Tin trong tỉnh"})).await;
    assert_eq!(reply.status, 201);
    let id = reply.body["id"].as_i64().expect("id");
    assert_eq!(reply.header("location"), Some(format!("/api/v1/categories/{id}").as_str()));
    assert_eq!(reply.body["name"], "Thời sự");
    assert_eq!(reply.body["slug"], "thoi-su");
    assert_eq!(reply.body["description"], "Tin trong tỉnh");
    assert_eq!(reply.body["parent_id"], json!(null));
    assert_eq!(reply.body["position"], 0);
    assert_eq!(reply.body["article_count"], 0);
    let created = reply.body["created_at"].as_str().expect("created_at");
    assert!(created.ends_with('Z') && created.len() == 20, "{created}");

    let by_id = app.get(&format!("/api/v1/categories/{id}")).await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.body, reply.body);
    let by_slug = app.get("/api/v1/categories/slug/thoi-su").await;
    assert_eq!(by_slug.body, reply.body);
}

#[actix_web::test]
async fn colliding_names_get_numbered_slugs_but_an_explicit_taken_slug_is_a_conflict() {
    let app = TestApp::spawn().await;
    assert_eq!(app.create_category("Kinh tế", None).await["slug"], "kinh-te");
    assert_eq!(app.create_category("Kinh tế", None).await["slug"], "kinh-te-2");
    assert_eq!(app.create_category("Kinh Tế!", None).await["slug"], "kinh-te-3");
    let reply = app.post("/api/v1/categories", json!({"name": "Khác", "slug": "kinh-te"})).await;
    reply.assert_problem(409, "conflict");
    assert_eq!(app.get("/api/v1/categories").await.body["meta"]["total"], 3);
}

#[actix_web::test]
async fn the_list_is_sorted_by_position_then_name_and_filtered_by_parent() {
    let app = TestApp::spawn().await;
    let news = app.create_category("Thời sự", None).await;
    app.post("/api/v1/categories", json!({"name": "Văn hóa", "position": -1})).await;
    app.create_category("Giáo dục", None).await;
    let news_id = news["id"].as_i64();
    app.create_category("Trong tỉnh", news_id).await;
    app.create_category("Quốc tế", news_id).await;

    let all = app.get("/api/v1/categories").await;
    let names: Vec<&str> =
        all.body["data"].as_array().expect("data").iter().map(|c| c["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["Văn hóa", "Giáo dục", "Quốc tế", "Thời sự", "Trong tỉnh"]);

    let top = app.get("/api/v1/categories?parent=").await;
    assert_eq!(top.body["meta"]["total"], 3);
    let children = app.get("/api/v1/categories?parent=thoi-su").await;
    let names: Vec<&str> =
        children.body["data"].as_array().expect("data").iter().map(|c| c["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["Quốc tế", "Trong tỉnh"]);
    let unknown = app.get("/api/v1/categories?parent=khong-co").await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.body["meta"]["total"], 0);
}

#[actix_web::test]
async fn tree_true_nests_children_without_pagination() {
    let app = TestApp::spawn().await;
    let news = app.create_category("Thời sự", None).await;
    let local = app.create_category("Trong tỉnh", news["id"].as_i64()).await;
    app.create_category("Huyện", local["id"].as_i64()).await;
    app.create_category("Thể thao", None).await;

    let tree = app.get("/api/v1/categories?tree=true&per_page=1").await;
    assert_eq!(tree.status, 200);
    assert_eq!(tree.body["meta"], json!({"total": 4}));
    let data = tree.body["data"].as_array().expect("data");
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["name"], "Thể thao");
    assert_eq!(data[1]["name"], "Thời sự");
    assert_eq!(data[1]["children"][0]["name"], "Trong tỉnh");
    assert_eq!(data[1]["children"][0]["children"][0]["name"], "Huyện");
    assert_eq!(data[1]["children"][0]["children"][0]["children"], json!([]));
}

#[actix_web::test]
async fn a_parent_cycle_or_unknown_parent_is_rejected_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.create_category("A", None).await;
    let b = app.create_category("B", a["id"].as_i64()).await;
    let c = app.create_category("C", b["id"].as_i64()).await;
    let a_path = format!("/api/v1/categories/{}", a["id"]);

    let cases = [
        (json!({"parent_id": c["id"]}), "grandchild as parent"),
        (json!({"parent_id": b["id"]}), "child as parent"),
        (json!({"parent_id": a["id"]}), "itself as parent"),
        (json!({"parent_id": 9999}), "unknown parent"),
    ];
    for (body, why) in cases {
        let reply = app.patch(&a_path, body).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], "parent_id", "{why}");
    }
    let reply = app.post("/api/v1/categories", json!({"name": "D", "parent_id": 9999})).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(app.get(&a_path).await.body["parent_id"], json!(null));
}

#[actix_web::test]
async fn put_replaces_and_patch_changes_only_what_is_sent() {
    let app = TestApp::spawn().await;
    let parent = app.create_category("Xã hội", None).await;
    let created = app
        .post(
            "/api/v1/categories",
            json!({"name": "Y tế", "description": "Sức khỏe", "parent_id": parent["id"], "position": 4}),
        )
        .await
        .body;
    let path = format!("/api/v1/categories/{}", created["id"]);

    let patched = app.patch(&path, json!({"position": 7})).await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["position"], 7);
    assert_eq!(patched.body["description"], "Sức khỏe");
    assert_eq!(patched.body["parent_id"], parent["id"]);

    let cleared = app.patch(&path, json!({"description": null, "parent_id": null})).await;
    assert_eq!(cleared.body["description"], json!(null));
    assert_eq!(cleared.body["parent_id"], json!(null));
    assert_eq!(cleared.body["position"], 7);

    let replaced = app.put(&path, json!({"name": "Sức khỏe"})).await;
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.body["name"], "Sức khỏe");
    assert_eq!(replaced.body["slug"], "y-te", "PUT without slug keeps the slug");
    assert_eq!(replaced.body["position"], 0);

    let renamed = app.patch(&path, json!({"slug": "suc-khoe"})).await;
    assert_eq!(renamed.body["slug"], "suc-khoe");
    app.patch(&path, json!({"slug": "xa-hoi"})).await.assert_problem(409, "conflict");
    app.put("/api/v1/categories/999", json!({"name": "X"})).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn deleting_a_category_with_children_is_a_conflict_that_deletes_nothing() {
    let app = TestApp::spawn().await;
    let parent = app.create_category("Thời sự", None).await;
    let child = app.create_category("Trong tỉnh", parent["id"].as_i64()).await;
    let parent_path = format!("/api/v1/categories/{}", parent["id"]);

    let reply = app.delete(&parent_path).await;
    reply.assert_problem(409, "conflict");
    assert!(reply.body["detail"].as_str().is_some_and(|d| d.contains("1 child")), "{}", reply.body);
    assert_eq!(app.get(&parent_path).await.status, 200);

    assert_eq!(app.delete(&format!("/api/v1/categories/{}", child["id"])).await.status, 204);
    let deleted = app.delete(&parent_path).await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.raw.is_empty());
    app.get(&parent_path).await.assert_problem(404, "not_found");
    app.delete(&parent_path).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn pagination_reports_meta_total_count_and_links_keeping_other_parameters() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        app.post("/api/v1/categories", json!({"name": format!("Mục {i}"), "position": i})).await;
    }
    let page = app.get("/api/v1/categories?per_page=2&page=2&parent=").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["meta"], json!({"page": 2, "per_page": 2, "total": 5, "total_pages": 3}));
    assert_eq!(page.body["data"][0]["name"], "Mục 2");
    assert_eq!(page.header("x-total-count"), Some("5"));
    let link = page.header("link").expect("link");
    for (rel, n) in [("first", 1), ("prev", 1), ("next", 3), ("last", 3)] {
        let expected = format!("</api/v1/categories?per_page=2&parent=&page={n}>; rel=\"{rel}\"");
        assert!(link.contains(&expected), "{rel}: {link}");
    }
    let first = app.get("/api/v1/categories?per_page=2").await;
    assert!(!first.header("link").unwrap_or("").contains("rel=\"prev\""));
    let beyond = app.get("/api/v1/categories?per_page=2&page=9").await;
    assert_eq!(beyond.status, 200);
    assert_eq!(beyond.body["data"], json!([]));
}

#[actix_web::test]
async fn a_read_token_can_read_but_not_write() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::GET, "/api/v1/categories", app.reader(), None).await;
    assert_eq!(reply.status, 200);
    let reply = app.send(Method::POST, "/api/v1/categories", app.reader(), Some(json!({"name": "X"}))).await;
    reply.assert_problem(403, "forbidden");
    let reply = app.send(Method::POST, "/api/v1/categories", As::Public, Some(json!({"name": "X"}))).await;
    reply.assert_problem(401, "unauthorized");
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(app.get("/api/v1/categories").await.body["meta"]["total"], 0);
}
