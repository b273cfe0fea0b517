//! Every failure a client can cause answers problem+json with the right status and code.

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::{As, TestApp};

#[actix_web::test]
async fn bad_bodies_are_refused_with_the_right_status() {
    let app = TestApp::spawn().await;
    type Case<'a> = (Option<&'a str>, Vec<u8>, u16, &'a str, &'a str);
    let cases: [Case; 8] = [
        (Some("application/json"), b"{\"name\": ".to_vec(), 400, "bad_request", "truncated JSON"),
        (Some("application/json"), Vec::new(), 400, "bad_request", "empty body"),
        (Some("text/plain"), b"{\"name\": \"A\"}".to_vec(), 415, "unsupported_media_type", "wrong type"),
        (None, b"{\"name\": \"A\"}".to_vec(), 415, "unsupported_media_type", "no content type"),
        (Some("application/json"), b"{\"name\": 7}".to_vec(), 422, "validation_failed", "wrong field type"),
        (
            Some("application/json"),
            b"{\"name\": \"A\", \"nam\": 1}".to_vec(),
            422,
            "validation_failed",
            "unknown field",
        ),
        (Some("application/json"), b"[\"A\"]".to_vec(), 422, "validation_failed", "array body"),
        (Some("application/json; charset=utf-8"), b"{\"name\": \"\"}".to_vec(), 422, "validation_failed", "empty name"),
    ];
    for (content_type, body, status, code, why) in cases {
        let reply = app.send_raw(Method::POST, "/api/v1/categories", app.writer(), content_type, body).await;
        assert_eq!(reply.status, status, "{why}: {}", reply.body);
        reply.assert_problem(status, code);
    }
    assert_eq!(app.get("/api/v1/categories").await.body["meta"]["total"], 0, "nothing was created");
}

#[actix_web::test]
async fn validation_errors_name_each_field() {
    let app = TestApp::spawn().await;
    let long = "x".repeat(201);
    let reply = app.post("/api/v1/categories", json!({"name": long, "slug": "Không Hợp Lệ"})).await;
    reply.assert_problem(422, "validation_failed");
    let fields: Vec<&str> =
        reply.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["name", "slug"]);
    let reply = app.post("/api/v1/tags", json!({"name": "A", "slug": "2024"})).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["message"], "must not be only digits");
    let reply = app.post("/api/v1/categories", json!({"id": 5, "name": "A"})).await;
    assert_eq!(reply.body["errors"][0]["field"], "id");
}

#[actix_web::test]
async fn an_oversized_body_is_413() {
    let app = TestApp::spawn().await;
    let body = format!("{{\"name\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let reply =
        app.send_raw(Method::POST, "/api/v1/tags", app.writer(), Some("application/json"), body.into_bytes()).await;
    reply.assert_problem(413, "payload_too_large");
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/nothing-here").await.assert_problem(404, "not_found");
    app.get("/").await.assert_problem(404, "not_found");

    let cases = [
        (Method::DELETE, "/api/v1/categories", "GET, POST"),
        (Method::POST, "/api/v1/categories/7", "GET, PUT, PATCH, DELETE"),
        (Method::PUT, "/api/v1/tags/slug/thi-dua", "GET"),
        (Method::POST, "/healthz", "GET"),
    ];
    for (method, path, allow) in cases {
        let reply = app.send(method.clone(), path, app.writer(), None).await;
        reply.assert_problem(405, "method_not_allowed");
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
    }
}

#[actix_web::test]
async fn bad_path_and_query_parameters_are_404_and_400() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/categories/abc").await.assert_problem(404, "not_found");
    app.get("/api/v1/tags/99999999999999999999").await.assert_problem(404, "not_found");
    app.get("/api/v1/tags/0").await.assert_problem(404, "not_found");
    for query in ["page=0", "page=-1", "page=x", "per_page=0", "per_page=101", "tree=maybe"] {
        app.get(&format!("/api/v1/categories?{query}")).await.assert_problem(400, "bad_request");
    }
}

#[actix_web::test]
async fn a_wrong_or_malformed_token_is_401_even_on_public_reads() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::GET, "/api/v1/tags", As::Token("bantin_not-a-real-token"), None).await;
    reply.assert_problem(401, "unauthorized");
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    let reply = app.send_raw(Method::GET, "/api/v1/tags", As::Public, None, Vec::new()).await;
    assert_eq!(reply.status, 200);
    let mut request = app.server.get("/api/v1/tags");
    request = request.insert_header(("Authorization", "Basic dXNlcjpwYXNz"));
    let response = request.send().await.expect("request");
    assert_eq!(response.status().as_u16(), 401);
}

#[actix_web::test]
async fn tokens_made_or_revoked_by_the_command_line_take_effect_within_a_second() {
    let app = TestApp::spawn().await;
    let bantin = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
            .args(args)
            .arg("--database")
            .arg(app.database_path())
            .output()
            .expect("bantin");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("utf8").trim().to_owned()
    };
    // Polls a write with the token until it answers `status`, for at most a second.
    let answers = |secret: String, status: u16| {
        let app = &app;
        async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
            let mut n = 0;
            loop {
                n += 1;
                let body = json!({"name": format!("tag {status} {n}")});
                let reply = app.send(Method::POST, "/api/v1/tags", As::Token(&secret), Some(body)).await;
                if reply.status == status {
                    return reply;
                }
                assert!(std::time::Instant::now() < deadline, "still {} after 1 s: {}", reply.status, reply.body);
                actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };
    let secret = bantin(&["token", "create", "--name", "temp", "--scope", "write"]);
    answers(secret.clone(), 201).await;
    bantin(&["token", "revoke", "temp"]);
    answers(secret, 401).await.assert_problem(401, "unauthorized");
}

#[actix_web::test]
async fn health_readiness_and_the_spec_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.body, json!({"status": "ok"}));
    app.wait_indexed().await;
    assert_eq!(app.get("/readyz").await.body, json!({"status": "ok", "search": "ready", "database": "ok"}));
    let spec = app.get("/openapi.json").await;
    assert_eq!(spec.status, 200);
    assert!(spec.body["paths"]["/api/v1/categories/{id}"]["patch"].is_object());
}

#[actix_web::test]
async fn text_with_a_nul_character_is_kept_or_refused_and_never_a_server_error() {
    let app = TestApp::spawn().await;
    let article = app.post("/api/v1/articles", json!({"title": "Tin a\u{0}b", "status": "draft"})).await;
    let tag = app.post("/api/v1/tags", json!({"name": "Nhãn x\u{0}y"})).await;
    let by_slug = app.get("/api/v1/articles/slug/a%00b").await;
    let searched = app.get("/api/v1/tags?q=x%00y").await;
    if crate::helpers::postgres_in_use() {
        // PostgreSQL's text cannot hold U+0000: refused, and nothing stored.
        for reply in [&article, &tag, &by_slug, &searched] {
            reply.assert_problem(400, "bad_request");
        }
        let all = app.send(Method::GET, "/api/v1/articles?status=any", As::Token(&app.write_token), None).await;
        assert_eq!(all.body["meta"]["total"], 0, "{}", all.body);
        assert_eq!(app.get("/api/v1/tags").await.body["meta"]["total"], 0);
    } else {
        // SQLite keeps the text as sent.
        assert_eq!(article.status, 201, "{}", article.body);
        assert_eq!(article.body["title"], "Tin a\u{0}b");
        assert_eq!(tag.status, 201, "{}", tag.body);
        assert_eq!(by_slug.status, 404);
        assert_eq!(searched.status, 200);
    }
}
