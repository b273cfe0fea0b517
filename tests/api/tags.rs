use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn tags_are_created_read_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let tag = app.create_tag("Thi đua").await;
    assert_eq!(tag["slug"], "thi-dua");
    assert_eq!(tag["article_count"], 0);
    let path = format!("/api/v1/tags/{}", tag["id"]);
    assert_eq!(app.get(&path).await.body, tag);
    assert_eq!(app.get("/api/v1/tags/slug/thi-dua").await.body, tag);

    let patched = app.patch(&path, json!({"description": "Phong trào"})).await;
    assert_eq!(patched.body["description"], "Phong trào");
    assert_eq!(patched.body["name"], "Thi đua");
    let replaced = app.put(&path, json!({"name": "Thi đua yêu nước"})).await;
    assert_eq!(replaced.body["description"], json!(null));
    assert_eq!(replaced.body["slug"], "thi-dua");

    assert_eq!(app.delete(&path).await.status, 204);
    app.get(&path).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_second_tag_with_the_same_name_is_a_conflict_and_slugs_are_numbered() {
    let app = TestApp::spawn().await;
    app.create_tag("Hà Nội").await;
    app.post("/api/v1/tags", json!({"name": "hà nội"})).await.assert_problem(409, "conflict");
    assert_eq!(app.create_tag("Ha Noi").await["slug"], "ha-noi-2");
    app.post("/api/v1/tags", json!({"name": "Khác", "slug": "ha-noi"})).await.assert_problem(409, "conflict");
}

#[actix_web::test]
async fn q_is_a_diacritic_and_case_insensitive_prefix_match() {
    let app = TestApp::spawn().await;
    for name in ["Thi đua", "Thiên tai", "Đường sá", "Trà My", "thể thao"] {
        app.create_tag(name).await;
    }
    let names = |reply: &crate::helpers::Reply| -> Vec<String> {
        reply.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|t| t["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let cases: [(&str, &[&str]); 7] = [
        ("thi", &["Thi đua", "Thiên tai"]),
        ("thi%20d", &["Thi đua"]),
        ("THI%20%C4%90", &["Thi đua"]),
        ("duong", &["Đường sá"]),
        ("%C4%91%C6%B0%E1%BB%9Dng", &["Đường sá"]),
        ("tra%20my", &["Trà My"]),
        ("zz", &[]),
    ];
    for (q, expected) in cases {
        let reply = app.get(&format!("/api/v1/tags?q={q}")).await;
        assert_eq!(reply.status, 200);
        assert_eq!(names(&reply), expected, "q={q}");
    }
    let sorted = app.get("/api/v1/tags").await;
    assert_eq!(names(&sorted), ["Đường sá", "thể thao", "Thi đua", "Thiên tai", "Trà My"]);
    assert_eq!(app.get("/api/v1/tags?sort=-article_count").await.status, 200);
    app.get("/api/v1/tags?sort=popularity").await.assert_problem(400, "bad_request");
}
