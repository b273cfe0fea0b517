//! Owning the data with the real binary: backup while writing, check, and the NDJSON
//! export/import round trip.

use std::path::Path;

use diesel::{Connection, RunQueryDsl, SqliteConnection};
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::shutdown::bantin;

/// A small site: nested categories, tags, articles in every status, views.
async fn small_site(app: &TestApp) -> Vec<Value> {
    let news = app.create_category("Tin tức", None).await;
    let economy = app.create_category("Kinh tế", news["id"].as_i64()).await;
    let farming = app.create_category("Nông nghiệp", economy["id"].as_i64()).await;
    let reporter = app.post("/api/v1/authors", json!({"name": "Trần Thị Bình", "bio": "Phóng viên"})).await.body;
    let mut made = Vec::new();
    made.push(
        app.publish(
            "Giá lúa tăng vụ Đông Xuân",
            "2026-03-01T07:00:00Z",
            json!({"category_id": farming["id"], "tags": ["Lúa gạo", "Xuất khẩu"], "summary": "Nông dân phấn khởi.",
                   "body": "<p>Giá lúa <strong>tăng</strong>.</p>", "author_id": reporter["id"], "featured": true,
                   "cover_image_url": "https://example.vn/anh/lua.jpg"}),
        )
        .await,
    );
    made.push(
        app.publish("Hội nghị xúc tiến đầu tư", "2026-03-02T08:00:00Z", json!({"category_id": economy["id"]})).await,
    );
    made.push(app.create_article(json!({"title": "Bản nháp chưa đăng", "tags": ["Lúa gạo"]})).await);
    made.push(app.publish("Lịch cắt điện tuần tới", "2099-01-01T00:00:00Z", json!({})).await);
    let trashed = app.create_article(json!({"title": "Bài đã bỏ"})).await;
    assert_eq!(app.delete(&format!("/api/v1/articles/{}", trashed["id"])).await.status, 204);
    for (i, article) in made.iter().take(2).enumerate() {
        for reader in 0..=i {
            let ua = format!("Mozilla/5.0 Firefox/130.0 reader-{reader}");
            assert_eq!(app.view(&article["id"], Some(&ua)).await.status, 202);
        }
    }
    app.flush_views();
    let set = app.put(&format!("/api/v1/articles/{}/views", made[1]["id"]), json!({"total": 1200})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    made
}

fn run_ok(database: &Path, args: &[&str]) -> String {
    let out = bantin(database, args);
    assert!(out.status.success(), "bantin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn export(database: &Path) -> String {
    let out = bantin(database, &["export"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf8")
}

#[actix_web::test]
async fn export_then_import_into_an_empty_database_exports_the_same_lines() {
    let app = TestApp::spawn().await;
    small_site(&app).await;
    let first = export(&app.database_path());
    let kinds: Vec<String> = first
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["type"].as_str().expect("type").to_owned())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "category").count(), 3);
    assert_eq!(kinds.iter().filter(|k| *k == "article").count(), 5, "the trash included");
    assert_eq!(kinds.iter().filter(|k| *k == "author").count(), 1);
    assert_eq!(kinds.iter().filter(|k| *k == "views").count(), 2);
    let mut sorted = kinds.clone();
    let order = |k: &String| ["category", "tag", "author", "media", "article", "views"].iter().position(|t| t == k);
    sorted.sort_by_key(order);
    assert_eq!(kinds, sorted, "dependency order");
    let file = app.media_path().with_file_name("site.ndjson");
    std::fs::write(&file, &first).expect("write");

    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("copy.db");
    let said = run_ok(&copy, &["import", file.to_str().expect("path")]);
    assert!(said.contains("articles") && said.contains("5 created"), "{said}");
    assert_eq!(export(&copy), first, "the round trip is exact");

    // Twice changes nothing, into the copy or into the original.
    let said = run_ok(&copy, &["import", file.to_str().expect("path")]);
    assert!(!said.contains(" 1 created") && said.contains("5 unchanged"), "{said}");
    assert_eq!(export(&copy), first);
    let out = app.cli(&["import", file.to_str().expect("path")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(export(&app.database_path()), first);
    // A changed line is a content change: the replaced version is kept as a revision.
    let changed =
        first.replacen("\"title\":\"Hội nghị xúc tiến đầu tư\"", "\"title\":\"Hội nghị xúc tiến đầu tư 2026\"", 1);
    assert_ne!(changed, first);
    std::fs::write(&file, &changed).expect("write");
    let said = run_ok(&copy, &["import", file.to_str().expect("path")]);
    assert!(said.contains("1 updated"), "{said}");
    let mut conn = SqliteConnection::establish(copy.to_str().expect("path")).expect("connection");
    let kept: i64 =
        diesel::dsl::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT count(*) FROM article_revisions)"))
            .get_result(&mut conn)
            .expect("count");
    assert_eq!(kept, 1);
    drop(conn);
    // A parent that would make a cycle is refused, not written.
    let cycle = dir.path().join("cycle.ndjson");
    std::fs::write(&cycle, "{\"type\":\"category\",\"slug\":\"tin-tuc\",\"name\":\"Tin tức\",\"description\":null,\"parent\":\"nong-nghiep\",\"position\":0}\n")
        .expect("write");
    let out = bantin(&copy, &["import", cycle.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cycle"), "{}", String::from_utf8_lossy(&out.stderr));
    let legacy: Value = serde_json::from_str(first.lines().last().expect("line")).expect("json");
    assert_eq!(legacy["total"], 1200, "the legacy total is kept: {legacy}");
}

#[actix_web::test]
async fn a_broken_line_stops_the_import_with_its_number_and_changes_nothing() {
    let app = TestApp::spawn().await;
    small_site(&app).await;
    let good = export(&app.database_path());
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("target.db");
    run_ok(&target, &["import", "-"]); // an empty standard input imports nothing
    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
    let broken_at = lines.len() - 1; // the line number (1-based) of a late line
    lines[broken_at - 1] = r#"{"type":"article","slug":"khong-du","title":"#.to_owned();
    let file = dir.path().join("broken.ndjson");
    std::fs::write(&file, lines.join("\n")).expect("write");
    let out = bantin(&target, &["import", file.to_str().expect("path")]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains(&format!("line {broken_at}")), "{said}");
    assert_eq!(export(&target), "", "nothing was written");

    // A line referring to a tag nobody defined is refused the same way.
    let dangling = r#"{"type":"article","slug":"mo-coi","title":"Mồ côi","summary":null,"body":"","author":null,"status":"draft","published_at":null,"category":null,"tags":["khong-co"],"cover_image_url":null,"featured":false,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}"#;
    std::fs::write(&file, format!("{good}{dangling}\n")).expect("write");
    let out = bantin(&target, &["import", file.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("khong-co"));
    assert_eq!(export(&target), "");
}

#[actix_web::test]
async fn a_backup_taken_during_writes_holds_every_write_acknowledged_before_it() {
    if crate::helpers::on_postgres("a_backup_taken_during_writes_holds_every_write_acknowledged_before_it") {
        return;
    }
    let app = TestApp::spawn().await;
    small_site(&app).await;
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("snapshot");
    let database = app.database_path();
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        acknowledged.push(app.publish(&format!("Tin trước sao lưu {i}"), "2026-01-01T00:00:00Z", json!({})).await);
    }
    // Writes go on while the backup runs in another process.
    let backup = {
        let (database, target) = (database.clone(), target.clone());
        std::thread::spawn(move || bantin(&database, &["backup", target.to_str().expect("path")]))
    };
    let mut during = 0;
    while !backup.is_finished() {
        app.publish(&format!("Tin trong lúc sao lưu {during}"), "2026-01-01T00:00:00Z", json!({})).await;
        during += 1;
    }
    let out = backup.join().expect("backup thread");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let copy = target.join("bantin.db");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(target.join("manifest.json")).expect("manifest")).expect("json");
    assert!(manifest["articles"].as_i64().expect("count") >= 24);
    let checked = bantin(&copy, &["check"]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));
    let restored = export(&copy);
    for article in &acknowledged {
        assert!(restored.contains(&format!("\"slug\":{}", article["slug"])), "{} is missing", article["slug"]);
    }
    // A second backup into the same directory is refused, the first one kept.
    let again = bantin(&database, &["backup", target.to_str().expect("path")]);
    assert!(!again.status.success());
    assert_eq!(export(&copy), restored);
}

#[actix_web::test]
async fn check_finds_an_index_that_disagrees_with_the_database() {
    if crate::helpers::on_postgres("check_finds_an_index_that_disagrees_with_the_database") {
        return;
    }
    let app = TestApp::spawn().await;
    let made = small_site(&app).await;
    app.wait_indexed().await;
    let database = app.database_path();
    let search = app.search_path();
    let run = |args: &[&str]| {
        let mut all = vec!["--search-dir", search.to_str().expect("path")];
        all.extend_from_slice(args);
        bantin(&database, &all)
    };
    let fine = run(&["check"]);
    assert!(fine.status.success(), "{}", String::from_utf8_lossy(&fine.stdout));
    assert!(String::from_utf8_lossy(&fine.stdout).contains("search index: 5 documents"));

    // An article removed behind the index's back (not through bantin).
    let mut conn = SqliteConnection::establish(database.to_str().expect("path")).expect("connection");
    diesel::sql_query(format!("DELETE FROM articles WHERE id = {}", made[3]["id"])).execute(&mut conn).expect("delete");
    let found = run(&["check"]);
    assert!(!found.status.success());
    let report = String::from_utf8_lossy(&found.stdout);
    assert!(report.contains("PROBLEM  search index: 1 document(s) of deleted articles"), "{report}");
}
