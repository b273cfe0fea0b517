use std::collections::HashSet;

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::TestApp;

fn ids(values: Vec<Value>) -> Vec<i64> {
    values.iter().filter_map(Value::as_i64).collect()
}

#[actix_web::test]
async fn every_filter_narrows_the_public_list() {
    let app = TestApp::spawn().await;
    let news = app.create_category("Thời sự", None).await;
    let local = app.create_category("Trong tỉnh", news["id"].as_i64()).await;
    let sport = app.create_category("Thể thao", None).await;
    let a = app
        .publish("A", "2020-04-01T10:00:00Z", json!({"category_id": news["id"], "tags": ["thi-dua"], "author": "An"}))
        .await;
    let b = app
        .publish(
            "B",
            "2020-04-22T08:30:00Z",
            json!({"category_id": local["id"], "tags": ["giao-duc"], "featured": true}),
        )
        .await;
    let c = app.publish("C", "2020-05-01T00:00:00Z", json!({"category_id": sport["id"], "author": "Bình"})).await;
    let (a, b, c) = (a["id"].as_i64(), b["id"].as_i64(), c["id"].as_i64());

    let cases: [(&str, Vec<Option<i64>>); 12] = [
        ("", vec![c, b, a]),
        ("category=thoi-su", vec![b, a]),
        ("category=trong-tinh", vec![b]),
        ("category=khong-co", vec![]),
        ("tag=thi-dua", vec![a]),
        ("tag=thi-dua,giao-duc", vec![b, a]),
        ("author=B%C3%ACnh", vec![c]),
        ("featured=true", vec![b]),
        ("featured=false", vec![c, a]),
        ("published_after=2020-04-22", vec![c, b]),
        ("published_before=2020-04-22T08:30:00Z", vec![a]),
        ("published_after=2020-04-02&published_before=2020-05-01&category=thoi-su", vec![b]),
    ];
    for (query, expected) in cases {
        let reply = app.get(&format!("/api/v1/articles?{query}")).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        let expected: Vec<i64> = expected.into_iter().flatten().collect();
        assert_eq!(ids(TestApp::column(&reply, "id")), expected, "{query}");
        assert_eq!(reply.body["meta"]["total"], expected.len(), "{query}");
    }
    for bad in ["published_after=soon", "featured=maybe", "sort=rank", "sort=-body", "per_page=500"] {
        app.get(&format!("/api/v1/articles?{bad}")).await.assert_problem(400, "bad_request");
    }
}

#[actix_web::test]
async fn every_sort_orders_the_list() {
    let app = TestApp::spawn().await;
    let x = app.publish("Xuân", "2020-01-03T00:00:00Z", json!({})).await;
    let y = app.publish("An", "2020-01-01T00:00:00Z", json!({})).await;
    let z = app.publish("Mai", "2020-01-02T00:00:00Z", json!({})).await;
    let (x, y, z) = (x["id"].as_i64().unwrap_or(0), y["id"].as_i64().unwrap_or(0), z["id"].as_i64().unwrap_or(0));
    {
        use bantin::schema::articles::dsl::*;
        let mut conn = app.pool.get().expect("connection");
        for (article, views) in [(x, 5i64), (y, 50), (z, 1)] {
            diesel::update(articles.find(article as i32)).set(view_count.eq(views)).execute(&mut conn).expect("views");
        }
    }
    app.patch(&format!("/api/v1/articles/{z}"), json!({"summary": "sửa"})).await;

    let cases = [
        ("-published_at", vec![x, z, y]),
        ("published_at", vec![y, z, x]),
        ("title", vec![y, z, x]),
        ("-title", vec![x, z, y]),
        ("-view_count", vec![y, x, z]),
        ("view_count", vec![z, x, y]),
    ];
    for (sort, expected) in cases {
        let reply = app.get(&format!("/api/v1/articles?sort={sort}")).await;
        assert_eq!(ids(TestApp::column(&reply, "id")), expected, "{sort}");
    }
    let updated = app.get("/api/v1/articles?sort=-updated_at").await;
    assert_eq!(ids(TestApp::column(&updated, "id"))[0], z);
}

#[actix_web::test]
async fn cursor_mode_walks_fifty_articles_sharing_timestamps_without_duplicates_or_gaps() {
    let app = TestApp::spawn().await;
    let mut created = HashSet::new();
    for i in 0..50 {
        let time = format!("2020-04-{:02}T08:00:00Z", 1 + i % 3);
        created.insert(app.publish(&format!("Tin {i}"), &time, json!({})).await["id"].as_i64().unwrap_or(0));
    }
    let page_walk: Vec<i64> = {
        let mut all = Vec::new();
        for page in 1..=8 {
            all.extend(ids(TestApp::column(&app.get(&format!("/api/v1/articles?per_page=7&page={page}")).await, "id")));
        }
        all
    };
    let mut cursor_walk = Vec::new();
    let mut url = "/api/v1/articles?per_page=7&cursor=".to_owned();
    for _ in 0..20 {
        let reply = app.get(&url).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(reply.header("x-total-count").is_none());
        assert_eq!(reply.body["meta"]["per_page"], 7);
        cursor_walk.extend(ids(TestApp::column(&reply, "id")));
        match reply.body["meta"]["next_cursor"].as_str() {
            Some(next) => {
                let link = reply.header("link").expect("link");
                assert!(link.contains("rel=\"next\"") && link.contains(next), "{link}");
                url = format!("/api/v1/articles?per_page=7&cursor={next}");
            }
            None => break,
        }
    }
    assert_eq!(cursor_walk.len(), 50);
    assert_eq!(cursor_walk.iter().copied().collect::<HashSet<_>>(), created);
    assert_eq!(cursor_walk, page_walk);
}

#[actix_web::test]
async fn bad_cursors_and_mixed_modes_are_400() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        app.publish(&format!("Tin {i}"), "2020-01-01T00:00:00Z", json!({})).await;
    }
    let first = app.get("/api/v1/articles?per_page=1&cursor=").await;
    let cursor = first.body["meta"]["next_cursor"].as_str().expect("cursor").to_owned();
    assert_eq!(app.get(&format!("/api/v1/articles?per_page=1&cursor={cursor}")).await.status, 200);
    let cases = [
        (format!("/api/v1/articles?page=1&cursor={cursor}"), "page with cursor"),
        (format!("/api/v1/articles?cursor={cursor}&sort=title"), "cursor of another sort"),
        (format!("/api/v1/articles?cursor={cursor}&sort=published_at"), "cursor of another direction"),
        (format!("/api/v1/articles?cursor={}x", &cursor[..cursor.len() - 2]), "tampered cursor"),
        ("/api/v1/articles?cursor=%7B%7D".to_owned(), "garbage"),
        ("/api/v1/articles?cursor=eyJzIjoiLXB1Ymxpc2hlZF9hdCIsInYiOjUsImkiOjF9".to_owned(), "wrong value type"),
    ];
    for (url, why) in cases {
        let reply = app.get(&url).await;
        assert_eq!(reply.status, 400, "{why}: {}", reply.body);
        reply.assert_problem(400, "bad_request");
    }
}

#[actix_web::test]
async fn oversized_filters_are_a_400_naming_the_limit() {
    let app = TestApp::spawn().await;
    app.publish("Tin một", "2020-01-01T00:00:00Z", json!({"tags": ["t-1"]})).await;
    let slugs = |n: usize| (1..=n).map(|i| format!("t-{i}")).collect::<Vec<_>>().join(",");
    let hundred = app.get(&format!("/api/v1/articles?per_page=1&tag={}", slugs(100))).await;
    assert_eq!(hundred.status, 200, "{}", hundred.body);
    assert_eq!(hundred.body["meta"]["total"], 1);
    let links = hundred.header("link").unwrap_or_default();
    assert!(links.len() < 8 * 1024, "Link headers stay small: {} bytes", links.len());
    let over = app.get(&format!("/api/v1/articles?tag={}", slugs(101))).await;
    over.assert_problem(400, "bad_request");
    assert!(over.body["detail"].as_str().unwrap_or_default().contains("at most 100"), "{}", over.body);
    let long = app.get(&format!("/api/v1/articles?author={}", "a".repeat(4100))).await;
    long.assert_problem(400, "bad_request");
    assert!(long.body["detail"].as_str().unwrap_or_default().contains("4096 bytes"), "{}", long.body);
    let tags = app.get(&format!("/api/v1/tags?q={}", "b".repeat(4100))).await;
    tags.assert_problem(400, "bad_request");
}
