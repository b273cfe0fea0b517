//! Caching validators, preconditions, compression, CORS, rate limits, metrics and
//! request ids, as a client sees them.

use actix_web::http::Method;
use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{As, Reply, TestApp};

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = app.server.get(path);
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    TestApp::reply(request.send().await.expect("request")).await
}

#[actix_web::test]
async fn reads_carry_etags_and_a_matching_if_none_match_is_304() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin", "2020-01-01T00:00:00Z", json!({})).await;
    let category = app.create_category("Thời sự", None).await;
    let tag = app.create_tag("Thi đua").await;
    let paths = [
        format!("/api/v1/articles/{}", article["id"]),
        format!("/api/v1/categories/{}", category["id"]),
        format!("/api/v1/tags/{}", tag["id"]),
        "/api/v1/articles".to_owned(),
        "/api/v1/categories?tree=true".to_owned(),
        "/api/v1/tags".to_owned(),
        format!("/api/v1/articles/{}/related", article["id"]),
        "/api/v1/articles/popular".to_owned(),
    ];
    for path in &paths {
        let first = app.get(path).await;
        assert_eq!(first.status, 200, "{path}");
        let tag = first.header("etag").expect("etag").to_owned();
        assert_eq!(first.header("cache-control"), Some("public, max-age=60"), "{path}");
        let again = get_with(&app, path, &[("If-None-Match", &tag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.raw.is_empty());
        assert_eq!(again.header("etag"), Some(tag.as_str()));
        let other = get_with(&app, path, &[("If-None-Match", "W/\"other\"")]).await;
        assert_eq!(other.status, 200, "{path}");
    }
    let single = app.get(&format!("/api/v1/articles/{}", article["id"])).await;
    assert!(single.header("last-modified").is_some_and(|v| v.ends_with("GMT")));
    let private = app.send(Method::GET, "/api/v1/articles", app.reader(), None).await;
    assert_eq!(private.header("cache-control"), Some("private, no-store"));
}

#[actix_web::test]
async fn a_list_etag_changes_when_an_item_or_the_total_changes() {
    let app = TestApp::spawn().await;
    let article = app.publish("Một", "2020-01-01T00:00:00Z", json!({})).await;
    let tag = |reply: &Reply| reply.header("etag").map(str::to_owned);
    let before = tag(&app.get("/api/v1/articles").await);
    assert_eq!(tag(&app.get("/api/v1/articles").await), before, "stable while nothing changes");
    app.patch(&format!("/api/v1/articles/{}", article["id"]), json!({"summary": "mới"})).await;
    let edited = tag(&app.get("/api/v1/articles").await);
    assert_ne!(edited, before);
    app.create_article(json!({"title": "Nháp"})).await;
    assert_eq!(tag(&app.get("/api/v1/articles").await), edited, "a draft is not on the public list");
    app.publish("Hai", "2020-01-02T00:00:00Z", json!({})).await;
    assert_ne!(tag(&app.get("/api/v1/articles").await), edited);
}

#[actix_web::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let created = app.post("/api/v1/articles", json!({"title": "Bản đầu"})).await;
    let path = format!("/api/v1/articles/{}", created.body["id"]);
    let first_tag = created.header("etag").expect("etag").to_owned();
    let edited = app.patch(&path, json!({"title": "Bản hai"})).await;
    let current_tag = edited.header("etag").expect("etag").to_owned();
    assert_ne!(first_tag, current_tag);

    for method in [Method::PATCH, Method::PUT, Method::DELETE] {
        let mut request = app.server.request(method.clone(), app.server.url(&path));
        request = request
            .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
            .insert_header(("If-Match", first_tag.as_str()));
        let reply = TestApp::reply(request.send_json(&json!({"title": "Ghi đè"})).await.expect("request")).await;
        reply.assert_problem(412, "precondition_failed");
        assert_eq!(app.send(Method::GET, &path, app.writer(), None).await.body["title"], "Bản hai", "{method}");
    }
    let mut request = app.server.patch(&path);
    request = request
        .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
        .insert_header(("If-Match", current_tag.as_str()));
    let reply = TestApp::reply(request.send_json(&json!({"title": "Bản ba"})).await.expect("request")).await;
    assert_eq!(reply.status, 200);

    for (path, body) in [
        (format!("/api/v1/categories/{}", app.create_category("A", None).await["id"]), json!({"name": "B"})),
        (format!("/api/v1/tags/{}", app.create_tag("A").await["id"]), json!({"name": "B"})),
    ] {
        let mut request = app.server.patch(&path);
        request = request
            .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
            .insert_header(("If-Match", "W/\"x1-v9.0\""));
        TestApp::reply(request.send_json(&body).await.expect("request"))
            .await
            .assert_problem(412, "precondition_failed");
        let fresh = app.get(&path).await.header("etag").expect("etag").to_owned();
        let mut request = app.server.patch(&path);
        request = request
            .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
            .insert_header(("If-Match", fresh.as_str()));
        assert_eq!(TestApp::reply(request.send_json(&body).await.expect("request")).await.status, 200, "{path}");
    }
}

#[actix_web::test]
async fn counted_views_do_not_make_if_match_stale() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin", "2020-01-01T00:00:00Z", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let tag = app.get(&path).await.header("etag").expect("etag").to_owned();
    app.view(&article["id"], Some("Mozilla/5.0 Firefox/120.0")).await;
    app.flush_views();
    let after = app.get(&path).await;
    assert_ne!(after.header("etag"), Some(tag.as_str()), "caches see the new count");
    let mut request = app.server.patch(&path);
    request = request
        .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
        .insert_header(("If-Match", tag.as_str()));
    assert_eq!(TestApp::reply(request.send_json(&json!({"summary": "x"})).await.expect("request")).await.status, 200);
}

#[actix_web::test]
async fn two_racing_editors_with_the_same_if_match_cannot_both_win() {
    let app = TestApp::spawn().await;
    for round in 0..5 {
        let created = app.post("/api/v1/articles", json!({"title": format!("Đua {round}")})).await;
        let path = format!("/api/v1/articles/{}", created.body["id"]);
        let tag = created.header("etag").expect("etag").to_owned();
        let patch = |title: &'static str| {
            let request = app
                .server
                .patch(&path)
                .insert_header(("Authorization", format!("Bearer {}", app.write_token)))
                .insert_header(("If-Match", tag.clone()));
            async move { TestApp::reply(request.send_json(&json!({"title": title})).await.expect("request")).await }
        };
        let replies = join_all([patch("Biên tập A"), patch("Biên tập B")]).await;
        let mut statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 412], "round {round}");
        let winner = replies.iter().find(|r| r.status == 200).expect("winner");
        assert_eq!(app.send(Method::GET, &path, app.writer(), None).await.body["title"], winner.body["title"]);
    }
}

#[actix_web::test]
async fn large_lists_are_compressed_when_asked_and_plain_when_not() {
    let app = TestApp::spawn().await;
    for i in 0..30 {
        app.publish(
            &format!("Tin số {i} về phong trào thi đua"),
            "2020-01-01T00:00:00Z",
            json!({"summary": "Tóm tắt khá dài ".repeat(10)}),
        )
        .await;
    }
    for (accept, expected) in [("gzip", Some("gzip")), ("br", Some("br")), ("identity", None)] {
        let response = app
            .server
            .get("/api/v1/articles?per_page=30")
            .no_decompress()
            .insert_header(("Accept-Encoding", accept))
            .send()
            .await
            .expect("request");
        let reply = TestApp::reply(response).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-encoding"), expected, "{accept}");
        if expected.is_none() {
            assert_eq!(reply.body["data"].as_array().map(Vec::len), Some(30));
        } else {
            assert!(reply.body.is_null(), "compressed bytes are not JSON");
        }
    }
}

#[actix_web::test]
async fn cors_allows_configured_origins_and_exposes_the_api_headers() {
    let app = TestApp::spawn_with(bantin::config::ServeArgs {
        rate_limit: 0,
        cors_origins: vec!["https://baoquangnam.vn".to_owned()],
        ..Default::default()
    })
    .await;
    let preflight = app
        .server
        .request(Method::OPTIONS, app.server.url("/api/v1/articles"))
        .insert_header(("Origin", "https://baoquangnam.vn"))
        .insert_header(("Access-Control-Request-Method", "PATCH"))
        .insert_header(("Access-Control-Request-Headers", "authorization, if-match, content-type"))
        .send()
        .await
        .expect("preflight");
    let preflight = TestApp::reply(preflight).await;
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("https://baoquangnam.vn"));
    assert!(preflight.header("access-control-allow-methods").is_some_and(|m| m.contains("PATCH")));

    let read = get_with(&app, "/api/v1/articles", &[("Origin", "https://baoquangnam.vn")]).await;
    assert_eq!(read.header("access-control-allow-origin"), Some("https://baoquangnam.vn"));
    let exposed = read.header("access-control-expose-headers").unwrap_or("").to_ascii_lowercase();
    for header in ["etag", "link", "x-total-count", "ratelimit-remaining", "retry-after"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }
    let stranger = get_with(&app, "/api/v1/articles", &[("Origin", "https://evil.example")]).await;
    assert_eq!(stranger.status, 200);
    assert_eq!(stranger.header("access-control-allow-origin"), None);
}

#[actix_web::test]
async fn over_the_rate_limit_is_429_with_retry_after_and_every_answer_has_ratelimit_headers() {
    let app = TestApp::spawn_with(bantin::config::ServeArgs { rate_limit: 3, ..Default::default() }).await;
    let replies = [app.get("/api/v1/tags").await, app.get("/api/v1/nothing").await, app.get("/healthz").await];
    let remaining: Vec<Option<&str>> = replies.iter().map(|r| r.header("ratelimit-remaining")).collect();
    assert_eq!(remaining, [Some("2"), Some("1"), Some("0")]);
    for reply in &replies {
        assert_eq!(reply.header("ratelimit-limit"), Some("3"));
        assert!(reply.header("ratelimit-reset").is_some_and(|v| v.parse::<u64>().is_ok()));
    }
    let refused = app.get("/api/v1/tags").await;
    refused.assert_problem(429, "rate_limited");
    let retry: u64 = refused.header("retry-after").and_then(|v| v.parse().ok()).expect("retry-after");
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
}

#[actix_web::test]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    let trusted = TestApp::spawn_with(bantin::config::ServeArgs {
        rate_limit: 1,
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        ..Default::default()
    })
    .await;
    assert_eq!(get_with(&trusted, "/healthz", &[("X-Forwarded-For", "198.51.100.1")]).await.status, 200);
    assert_eq!(
        get_with(&trusted, "/healthz", &[("X-Forwarded-For", "198.51.100.2")]).await.status,
        200,
        "another client"
    );
    assert_eq!(get_with(&trusted, "/healthz", &[("X-Forwarded-For", "198.51.100.1")]).await.status, 429);

    let untrusted = TestApp::spawn_with(bantin::config::ServeArgs { rate_limit: 1, ..Default::default() }).await;
    assert_eq!(get_with(&untrusted, "/healthz", &[("X-Forwarded-For", "198.51.100.1")]).await.status, 200);
    assert_eq!(
        get_with(&untrusted, "/healthz", &[("X-Forwarded-For", "198.51.100.2")]).await.status,
        429,
        "spoofing does not help"
    );
}

#[actix_web::test]
async fn metrics_expose_requests_latency_views_and_the_pool() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin", "2020-01-01T00:00:00Z", json!({})).await;
    app.get(&format!("/api/v1/articles/{}", article["id"])).await;
    app.view(&article["id"], Some("Mozilla/5.0 Firefox/120.0")).await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(metrics.header("content-type").is_some_and(|t| t.starts_with("text/plain")));
    let text = String::from_utf8(metrics.raw).expect("utf8");
    for expected in [
        "bantin_http_requests_total{method=\"GET\",route=\"/api/v1/articles/{id}\",status=\"200\"} 1",
        "bantin_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/articles/{id}\"",
        "bantin_view_buffer_pending 1",
        "bantin_view_flushes_total 0",
        "bantin_db_pool_connections{state=\"in_use\"}",
        "bantin_db_pool_connections{state=\"idle\"}",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    app.flush_views();
    let text = String::from_utf8(app.get("/metrics").await.raw).expect("utf8");
    assert!(text.contains("bantin_view_flushes_total 1") && text.contains("bantin_view_buffer_pending 0"), "{text}");
}

#[actix_web::test]
async fn request_ids_are_echoed_or_made_and_name_the_problem_instance() {
    let app = TestApp::spawn().await;
    let echoed = get_with(&app, "/api/v1/nothing", &[("X-Request-Id", "abc-123")]).await;
    assert_eq!(echoed.header("x-request-id"), Some("abc-123"));
    assert_eq!(echoed.body["instance"], "urn:bantin:request:abc-123");
    let made = app.get("/healthz").await;
    let id = made.header("x-request-id").expect("id");
    assert_eq!(id.len(), 16);
    let hostile = get_with(&app, "/healthz", &[("X-Request-Id", "<script>")]).await;
    assert_ne!(hostile.header("x-request-id"), Some("<script>"));
    let missing = app.send(Method::POST, "/api/v1/tags", As::Public, Some(json!({"name": "A"}))).await;
    assert!(missing.body["instance"].as_str().is_some_and(|i| i.starts_with("urn:bantin:request:")));
}

#[actix_web::test]
async fn every_answer_says_nosniff() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/v1/tags", "/api/v1/nothing", "/metrics", "/openapi.json"] {
        assert_eq!(app.get(path).await.header("x-content-type-options"), Some("nosniff"), "{path}");
    }
}

#[actix_web::test]
async fn interactive_docs_are_served_from_the_binary_under_a_strict_csp() {
    let app = TestApp::spawn().await;
    let no_redirects = awc::Client::builder().disable_redirects().finish();
    let bare = TestApp::reply(no_redirects.get(app.server.url("/docs")).send().await.expect("request")).await;
    assert_eq!(bare.status, 308);
    assert_eq!(bare.header("location"), Some("/docs/"));
    let page = app.get("/docs/").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").is_some_and(|t| t.starts_with("text/html")));
    let csp = page.header("content-security-policy").expect("csp");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    let html = String::from_utf8(page.raw).expect("utf8");
    assert!(html.contains("swagger-ui-bundle.js") && !html.contains("https://"), "all assets are local");
    let init = String::from_utf8(app.get("/docs/swagger-initializer.js").await.raw).expect("utf8");
    assert!(init.contains("\"url\": \"/openapi.json\""), "{init}");
    app.send(Method::POST, "/docs/", As::Public, None).await.assert_problem(405, "method_not_allowed");
}

#[actix_web::test]
async fn anonymous_reads_see_every_write_at_once_despite_the_response_cache() {
    let app = TestApp::spawn().await;
    let category = app.create_category("Thời sự", None).await;
    let article = app.publish("Bản đầu", "2020-01-01T00:00:00Z", json!({"category_id": category["id"]})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let slug_path = format!("/api/v1/articles/slug/{}", article["slug"].as_str().unwrap_or(""));
    for _ in 0..2 {
        assert_eq!(app.get(&path).await.body["title"], "Bản đầu");
        assert_eq!(app.get("/api/v1/articles").await.body["meta"]["total"], 1);
    }
    app.patch(&path, json!({"title": "Bản sửa"})).await;
    assert_eq!(app.get(&path).await.body["title"], "Bản sửa");
    assert_eq!(app.get(&slug_path).await.body["title"], "Bản sửa");
    assert_eq!(app.get("/api/v1/articles").await.body["data"][0]["title"], "Bản sửa");

    app.patch(&format!("/api/v1/categories/{}", category["id"]), json!({"name": "Tin nóng"})).await;
    assert_eq!(app.get(&path).await.body["category"]["name"], "Tin nóng", "embedded category");

    app.publish("Bài hai", "2020-01-02T00:00:00Z", json!({})).await;
    assert_eq!(app.get("/api/v1/articles").await.body["meta"]["total"], 2);

    assert_eq!(app.get(&path).await.body["view_count"], 0);
    app.view(&article["id"], Some("Mozilla/5.0 Firefox/120.0")).await;
    app.flush_views();
    assert_eq!(app.get(&path).await.body["view_count"], 1, "a flush is a write");

    app.delete(&path).await;
    app.get(&path).await.assert_problem(404, "not_found");
    assert_eq!(app.get("/api/v1/articles").await.body["meta"]["total"], 1);
}

#[actix_web::test]
async fn concurrent_readers_of_an_uncached_list_all_get_the_answer() {
    let app = TestApp::spawn().await;
    for i in 0..12 {
        app.publish(&format!("Tin {i}"), "2020-01-01T00:00:00Z", json!({})).await;
    }
    for round in 0..3 {
        // Each round starts from an outdated cache: a write bumps the generation.
        app.create_tag(&format!("Vòng {round}")).await;
        let replies = join_all((0..24).map(|_| app.get("/api/v1/articles?per_page=5"))).await;
        assert!(replies.iter().all(|r| r.status == 200), "round {round}");
        assert!(replies.iter().all(|r| r.raw == replies[0].raw), "round {round}: one answer for all");
        assert_eq!(replies[0].body["meta"]["total"], 12);
    }
}

#[actix_web::test]
async fn a_view_flush_keeps_cached_content_while_counts_and_etags_change() {
    use diesel::prelude::*;
    let app = TestApp::spawn().await;
    let article = app.publish("Tin nóng", "2020-01-01T00:00:00Z", json!({})).await;
    let one = format!("/api/v1/articles/{}", article["id"]);
    let (first, list) = (app.get(&one).await, app.get("/api/v1/articles").await);
    assert_eq!(first.body["view_count"], 0);
    // A change behind the API's back: only an answer computed again would show it.
    let mut conn = app.pool.get().expect("connection");
    diesel::sql_query("UPDATE articles SET title = 'Đổi ngầm'").execute(&mut conn).expect("update");
    drop(conn);
    for n in 0..3 {
        app.view(&article["id"], Some(&format!("Mozilla/5.0 Firefox/120.0 reader-{n}"))).await;
    }
    assert_eq!(app.flush_views(), 3);

    let second = app.get(&one).await;
    assert_eq!(second.body["view_count"], 3, "the count as flushed");
    assert_eq!(second.body["title"], "Tin nóng", "the content stayed cached");
    assert_eq!(second.header("etag"), Some(format!("W/\"a{}-v1.3\"", article["id"]).as_str()));
    let listed = app.get("/api/v1/articles").await;
    assert_eq!(listed.body["data"][0]["view_count"], 3);
    assert_eq!(listed.body["data"][0]["title"], "Tin nóng");
    assert_ne!(listed.header("etag"), list.header("etag"), "list tags follow their counts");
    // Revalidation with the old tags fetches the new counts; the new tags answer 304.
    for (path, old, new) in [(&one, &first, &second), (&"/api/v1/articles".to_owned(), &list, &listed)] {
        let stale = get_with(&app, path, &[("If-None-Match", old.header("etag").unwrap_or_default())]).await;
        assert_eq!(stale.status, 200, "{path}");
        let fresh = get_with(&app, path, &[("If-None-Match", new.header("etag").unwrap_or_default())]).await;
        assert_eq!(fresh.status, 304, "{path}");
    }
    // Answers made by views are computed again.
    let popular = app.get("/api/v1/articles/popular?window=day").await;
    assert_eq!(popular.body["data"][0]["window_views"], 3);
    // A write still outdates everything.
    app.patch(&one, json!({"featured": true})).await;
    assert_eq!(app.get(&one).await.body["title"], "Đổi ngầm");
}

#[actix_web::test]
async fn head_answers_what_get_answers_without_the_body() {
    let app = TestApp::spawn().await;
    app.create_tag("Thi đua").await;
    for path in ["/api/v1/tags", "/api/v1/tags/slug/thi-dua", "/healthz", "/openapi.json"] {
        let get = app.send(Method::GET, path, As::Public, None).await;
        let head = app.send(Method::HEAD, path, As::Public, None).await;
        assert_eq!((head.status, get.status), (200, 200), "{path}");
        assert!(head.raw.is_empty(), "{path}: HEAD sent a body");
        assert_eq!(head.header("etag"), get.header("etag"), "{path}");
        assert_eq!(head.header("x-total-count"), get.header("x-total-count"), "{path}");
    }
    // On the wire (awc drops a HEAD answer's length): the GET's Content-Length, no body.
    let get = app.get("/api/v1/tags").await;
    let address = app.server.addr();
    let wire = actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream.write_all(b"HEAD /api/v1/tags HTTP/1.1\r\nHost: bantin\r\nConnection: close\r\n\r\n").expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        answer
    })
    .await
    .expect("the HEAD request");
    assert!(wire.starts_with("HTTP/1.1 200"), "{wire}");
    assert!(wire.to_lowercase().contains(&format!("content-length: {}\r\n", get.raw.len())), "{wire}");
    assert!(wire.ends_with("\r\n\r\n"), "a body followed the headers: {wire}");
    // What GET does not answer, HEAD does not either.
    let missing = app.send(Method::HEAD, "/api/v1/nope", As::Public, None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("application/problem+json"));
}
