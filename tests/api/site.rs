//! `--site`: a static frontend at `/` beside the API.

use actix_web::http::Method;

use crate::helpers::{As, TestApp};

/// A site folder with a page, a script and a hidden file.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("index.html"), "<!doctype html><title>Trang chủ</title>").expect("index");
    std::fs::create_dir(dir.path().join("js")).expect("js folder");
    std::fs::write(dir.path().join("js/app.js"), "export const ok = true;\n").expect("script");
    std::fs::write(dir.path().join(".secret"), "hidden").expect("hidden file");
    dir
}

async fn spawn(site: &tempfile::TempDir) -> TestApp {
    TestApp::spawn_with(bantin::config::ServeArgs {
        rate_limit: 0,
        site: Some(site.path().to_owned()),
        ..Default::default()
    })
    .await
}

#[actix_web::test]
async fn the_site_is_served_beside_the_api() {
    let folder = site();
    let app = spawn(&folder).await;

    let home = app.send(Method::GET, "/", As::Public, None).await;
    assert_eq!(home.status, 200);
    assert!(String::from_utf8_lossy(&home.raw).contains("Trang chủ"));
    assert_eq!(home.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(home.header("cache-control"), Some("no-cache"));
    let tag = home.header("etag").expect("a validator").to_owned();
    let again = app.send_with_header(Method::GET, "/", ("If-None-Match", &tag)).await;
    assert_eq!(again.status, 304);

    let script = app.send(Method::GET, "/js/app.js", As::Public, None).await;
    assert_eq!(script.status, 200);
    assert!(script.header("content-type").is_some_and(|t| t.starts_with("text/javascript")));

    // The API and the server's own pages are untouched.
    let articles = app.get("/api/v1/articles").await;
    assert_eq!(articles.status, 200);
    assert_eq!(articles.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(app.get("/healthz").await.status, 200);
}

#[actix_web::test]
async fn what_the_site_does_not_hold_is_a_problem() {
    let folder = site();
    let app = spawn(&folder).await;
    for path in ["/nope.html", "/.secret", "/js/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/nope"] {
        let reply = app.send(Method::GET, path, As::Public, None).await;
        assert_eq!(reply.status, 404, "{path}");
        reply.assert_problem(404, "not_found");
    }
    // Writes never reach the files; a known API route still answers 405 with Allow.
    let post = app.send(Method::POST, "/index.html", As::Public, None).await;
    post.assert_problem(404, "not_found");
    let delete = app.send(Method::DELETE, "/api/v1/articles", As::Public, None).await;
    delete.assert_problem(405, "method_not_allowed");
}

#[test]
fn a_folder_without_an_index_is_refused_at_start() {
    let empty = tempfile::tempdir().expect("temp dir");
    let refused = bantin::routes::site::folder(empty.path()).expect_err("refused");
    assert!(refused.contains("index.html"), "{refused}");
    let missing = bantin::routes::site::folder(&empty.path().join("missing")).expect_err("refused");
    assert!(missing.contains("--site"), "{missing}");
}
