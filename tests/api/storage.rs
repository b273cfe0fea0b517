//! A full disk is not a crash: writes are refused and change nothing, reads go on,
//! views wait in memory, and everything resumes once space is freed.

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use serde_json::json;

use crate::helpers::TestApp;

/// The number of articles a token holder sees.
async fn article_total(app: &TestApp) -> i64 {
    let reply = app.send(awc::http::Method::GET, "/api/v1/articles?status=any&per_page=1", app.reader(), None).await;
    reply.body["meta"]["total"].as_i64().expect("total")
}

#[actix_web::test]
async fn a_full_database_refuses_writes_keeps_reads_and_views_and_recovers() {
    if crate::helpers::on_postgres("a_full_database_refuses_writes_keeps_reads_and_views_and_recovers") {
        return;
    }
    let settings = bantin::config::ServeArgs { rate_limit: 0, ..Default::default() };
    let app = TestApp::spawn_capped(settings, Some(1)).await;
    let kept = app.publish("Bài giữ lại", "2026-01-01T00:00:00Z", json!({})).await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.body["database"], "ok");
    // Articles whose views will need new pages of the view history (~8 KB of rows).
    let mut viewed = Vec::new();
    for n in 0..400 {
        viewed.push(app.publish(&format!("Tin ngắn {n}"), "2026-01-01T00:00:00Z", json!({})).await["id"].clone());
    }

    // Fill the 1 MiB database until not even a small article fits: large drafts
    // first, then ever smaller ones, each size until a write is refused.
    let mut written = 0;
    let mut size = 3000;
    let refused = loop {
        assert!(written < 200, "1 MiB is full long before 200 drafts");
        let body = format!("<p>{}</p>", "Lượt xem tăng nhanh. ".repeat(size));
        let reply =
            app.post("/api/v1/articles", json!({"title": format!("Bài lấp chỗ {written}"), "body": body})).await;
        if reply.status == 201 {
            written += 1;
        } else if size > 20 {
            size /= 2;
        } else {
            break reply;
        }
    };
    refused.assert_problem(503, "unavailable");
    assert_eq!(refused.header("retry-after"), Some("30"));
    assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("changed nothing")), "{}", refused.body);
    assert_eq!(article_total(&app).await, written + 401, "the refused writes left nothing behind");

    // Reads go on; /readyz stays 200 and says why writes fail.
    let read = app.get(&format!("/api/v1/articles/{}", kept["id"])).await;
    assert_eq!(read.status, 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert!(ready.body["database"].as_str().is_some_and(|d| d.starts_with("full")), "{}", ready.body);

    // Views are taken and kept in memory while the database cannot take them.
    let browser = Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0");
    for id in &viewed {
        assert_eq!(app.view(id, browser).await.status, 202);
    }
    let failed = app.try_flush_views().expect_err("the flush cannot write to a full database");
    assert!(failed.contains("full"), "{failed}");
    assert_eq!(app.pending_views(), 400, "the views wait for space");
    assert_eq!(app.get(&format!("/api/v1/articles/{}/views", viewed[0])).await.body["total"], 0);

    // Someone frees space (here: removes the drafts with a connection of their own).
    let mut conn = SqliteConnection::establish(app.database_path().to_str().expect("path")).expect("connection");
    diesel::sql_query("DELETE FROM articles WHERE title LIKE 'Bài lấp chỗ %'").execute(&mut conn).expect("delete");
    drop(conn);

    assert_eq!(app.try_flush_views(), Ok(400), "the kept views are written once space returns");
    let views = app.get(&format!("/api/v1/articles/{}/views", viewed[399])).await;
    assert_eq!(views.body["total"], 1, "{}", views.body);
    let created = app.post("/api/v1/articles", json!({"title": "Bài sau khi dọn chỗ"})).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.body["database"], "ok", "{}", ready.body);
}
