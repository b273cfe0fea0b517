//! The media library in backups, checks, exports and imports, with the real binary.

use std::path::{Path, PathBuf};

use image::ImageFormat;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::media::{picture, upload};
use crate::shutdown::bantin;

/// An upload with words, and a published article with it as its cover.
async fn covered_article(app: &TestApp) -> (Value, Value) {
    let made = upload(app, "lua-chin.jpg", &picture(700, 400, ImageFormat::Jpeg), Some("Đồng lúa chín")).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let path = format!("/api/v1/media/{}", made.body["id"]);
    let worded = app.patch(&path, json!({"caption": "Vụ mùa ở Điện Bàn", "credit": "Ảnh: Trần Thị Bình"})).await;
    assert_eq!(worded.status, 200, "{}", worded.body);
    let article = app.publish("Mùa lúa chín", "2026-03-01T07:00:00Z", json!({"cover_image_id": made.body["id"]})).await;
    assert_eq!(article["cover_image"]["url"], made.body["url"]);
    (worded.body, article)
}

/// The file names an upload uses: its original, then its variants.
fn files_of(media: &Value) -> Vec<String> {
    std::iter::once(&media["url"])
        .chain(media["variants"].as_array().expect("variants").iter().map(|v| &v["url"]))
        .map(|url| url.as_str().expect("url").trim_start_matches("/media/").to_owned())
        .collect()
}

fn run(database: &Path, args: &[&str]) -> (bool, String, String) {
    let out = bantin(database, args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn export(database: &Path) -> String {
    let (ok, out, err) = run(database, &["export"]);
    assert!(ok, "{err}");
    out
}

/// Created, updated and unchanged of `kind` in an import's summary.
fn tally(said: &str, kind: &str) -> Vec<u64> {
    let line = said.lines().find(|l| l.split_whitespace().next() == Some(kind)).expect("a summary line");
    line.split_whitespace().filter_map(|word| word.parse().ok()).collect()
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("folder");
    for entry in std::fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

#[actix_web::test]
async fn a_backup_holds_the_media_files_its_snapshot_uses_and_checks_sound() {
    if crate::helpers::on_postgres("a_backup_holds_the_media_files_its_snapshot_uses_and_checks_sound") {
        return;
    }
    let app = TestApp::spawn().await;
    let (media, _) = covered_article(&app).await;
    let files = files_of(&media);
    assert_eq!(files.len(), 3, "an original and two variants: {files:?}");
    // A file no upload uses is not part of the backup.
    let stray = format!("{}.png", "b".repeat(64));
    std::fs::write(app.media_path().join(&stray), b"not used").expect("stray");

    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("snapshot");
    let (ok, _, said) = run(&app.database_path(), &["backup", target.to_str().expect("path")]);
    assert!(ok, "{said}");
    assert!(said.contains("1 uploads (3 files"), "{said}");
    let mut bytes = 0;
    for name in &files {
        let copied = std::fs::read(target.join("media").join(name)).expect("copied");
        assert_eq!(copied, std::fs::read(app.media_path().join(name)).expect("source"), "{name}");
        bytes += copied.len() as u64;
    }
    let mut held: Vec<String> = std::fs::read_dir(target.join("media"))
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    held.sort();
    let mut expected = files.clone();
    expected.sort();
    assert_eq!(held, expected, "exactly the files used, no temporary names");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(target.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!((manifest["media"].as_i64(), manifest["media_files"].as_u64()), (Some(1), Some(3)), "{manifest}");
    assert_eq!(manifest["media_bytes"].as_u64(), Some(bytes), "{manifest}");
    // The backup runs as it is: its media folder is the restored database's default.
    let (ok, report, _) = run(&target.join("bantin.db"), &["check"]);
    assert!(ok, "{report}");
    assert!(report.contains("ok       media: 1 upload(s), 3 file(s)"), "{report}");
    assert_eq!(export(&target.join("bantin.db")), export(&app.database_path()));
}

#[actix_web::test]
async fn a_backup_missing_a_media_file_fails_and_says_the_database_copy_is_there() {
    if crate::helpers::on_postgres("a_backup_missing_a_media_file_fails_and_says_the_database_copy_is_there") {
        return;
    }
    let app = TestApp::spawn().await;
    let (media, _) = covered_article(&app).await;
    let gone = files_of(&media)[1].clone();
    std::fs::remove_file(app.media_path().join(&gone)).expect("remove");
    let dir = tempfile::tempdir().expect("dir");
    let target = dir.path().join("snapshot");
    let (ok, _, said) = run(&app.database_path(), &["backup", target.to_str().expect("path")]);
    assert!(!ok);
    assert!(said.contains(&format!("media file {gone} is missing from")), "{said}");
    assert!(said.contains("The database copy") && said.contains("no manifest.json"), "{said}");
    assert!(target.join("bantin.db").exists(), "the database copy stays");
    assert!(!target.join("manifest.json").exists(), "no manifest: the backup is incomplete");
}

#[actix_web::test]
async fn check_finds_a_corrupted_or_missing_media_file_and_only_notes_a_stray_one() {
    if crate::helpers::on_postgres("check_finds_a_corrupted_or_missing_media_file_and_only_notes_a_stray_one") {
        return;
    }
    let app = TestApp::spawn().await;
    let (media, _) = covered_article(&app).await;
    let files = files_of(&media);
    let database = app.database_path();
    let stray = format!("{}.webp", "c".repeat(64));
    std::fs::write(app.media_path().join(&stray), b"left over").expect("stray");
    let (ok, report, _) = run(&database, &["check"]);
    assert!(ok, "a stray file is no problem: {report}");
    assert!(report.contains("ok       media: 1 file(s) no upload uses") && report.contains(&stray), "{report}");

    let variant: PathBuf = app.media_path().join(&files[2]);
    let mut spoiled = std::fs::read(&variant).expect("read");
    let middle = spoiled.len() / 2;
    spoiled[middle] ^= 0xFF;
    std::fs::write(&variant, spoiled).expect("spoil");
    std::fs::remove_file(app.media_path().join(&files[0])).expect("remove");
    let (ok, report, said) = run(&database, &["check"]);
    assert!(!ok);
    assert!(said.contains("2 problem(s) found"), "{said}");
    let upload = media["id"].as_i64().expect("id");
    assert!(
        report.contains(&format!("PROBLEM  media: {} (upload #{upload}) does not match its content", files[2])),
        "{report}"
    );
    assert!(report.contains(&format!("PROBLEM  media: {} (upload #{upload}) is missing from", files[0])), "{report}");
}

#[actix_web::test]
async fn export_and_import_with_the_media_folder_keep_covers_and_media_words() {
    let app = TestApp::spawn().await;
    let (media, article) = covered_article(&app).await;
    let files = files_of(&media);
    let first = export(&app.database_path());
    let records: Vec<Value> = first.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let kinds: Vec<&str> = records.iter().map(|r| r["type"].as_str().expect("type")).collect();
    let at = |kind: &str| kinds.iter().position(|k| *k == kind).expect("a line of that kind");
    assert!(at("media") < at("article"), "the upload before the article that uses it: {kinds:?}");
    let (upload, story) = (&records[at("media")], &records[at("article")]);
    let variants = &media["variants"];
    assert_eq!(
        *upload,
        json!({"type": "media", "file": files[0], "mime_type": "image/jpeg", "width": 700, "height": 400,
               "bytes": media["bytes"], "alt": "Đồng lúa chín", "caption": "Vụ mùa ở Điện Bàn",
               "credit": "Ảnh: Trần Thị Bình", "created_at": upload["created_at"],
               "variants": [{"width": 320, "height": variants[0]["height"], "file": files[1]},
                            {"width": 640, "height": variants[1]["height"], "file": files[2]}]})
    );
    assert_eq!(story["cover_image"], files[0].as_str());
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("site.ndjson");
    std::fs::write(&file, &first).expect("write");

    // Without the files, the upload's line is refused and nothing is written.
    let copy = dir.path().join("copy.db");
    let (ok, _, said) = run(&copy, &["import", file.to_str().expect("path")]);
    assert!(!ok);
    let line = at("media") + 1;
    assert!(said.contains(&format!("line {line}: media file {} is not in the media folder", files[0])), "{said}");
    assert_eq!(export(&copy), "");

    copy_folder(&app.media_path(), &dir.path().join("media"));
    let (ok, _, said) = run(&copy, &["import", file.to_str().expect("path")]);
    assert!(ok, "{said}");
    assert_eq!(tally(&said, "media"), [1, 0, 0], "{said}");
    assert_eq!(export(&copy), first, "the cover and the words came along");
    let (ok, _, said) = run(&copy, &["import", file.to_str().expect("path")]);
    assert!(ok, "{said}");
    assert_eq!(tally(&said, "media"), [0, 0, 1], "{said}");
    assert_eq!(tally(&said, "articles"), [0, 0, 1], "{said}");
    let (ok, report, _) = run(&copy, &["check"]);
    assert!(ok, "{report}");

    // Importing into the original keeps its cover.
    let out = app.cli(&["import", file.to_str().expect("path")]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert_eq!(tally(&said, "articles"), [0, 0, 1], "{said}");
    let shown = app.get(&format!("/api/v1/articles/{}", article["id"])).await;
    assert_eq!(shown.body["cover_image"]["id"], media["id"], "{}", shown.body);

    // A cover naming an upload that is neither stored nor on an earlier line.
    let other = format!("{}.jpg", "d".repeat(64));
    let dangling = first.lines().nth(at("article")).expect("article").replace(&files[0], &other);
    std::fs::write(&file, format!("{dangling}\n")).expect("write");
    let (ok, _, said) = run(&dir.path().join("empty.db"), &["import", file.to_str().expect("path")]);
    assert!(!ok);
    assert!(said.contains(&format!("line 1: refers to media file {other:?}")), "{said}");
}

#[actix_web::test]
async fn an_export_from_before_the_media_library_still_imports() {
    let app = TestApp::spawn().await;
    app.publish(
        "Bài có ảnh ngoài",
        "2026-03-01T07:00:00Z",
        json!({"cover_image_url": "https://example.vn/anh/lua.jpg", "tags": ["Lúa gạo"]}),
    )
    .await;
    let current = export(&app.database_path());
    assert!(current.contains("\"cover_image\":null,"));
    let before = current.replace("\"cover_image\":null,", "");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("old.ndjson");
    std::fs::write(&file, &before).expect("write");
    let copy = dir.path().join("copy.db");
    let (ok, _, said) = run(&copy, &["import", file.to_str().expect("path")]);
    assert!(ok, "{said}");
    assert_eq!(tally(&said, "articles"), [1, 0, 0], "{said}");
    assert_eq!(export(&copy), current, "absent is no cover; the outside image stays");
}
