//! Batch writes: all or nothing, each failing operation named, and every change seen
//! by revisions, webhooks and search as if made one by one.

use std::time::Duration;

use awc::http::Method;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::{As, Reply, TestApp};
use crate::webhooks::{app_allowing_loopback, subscribe, Receiver};

const BATCH: &str = "/api/v1/articles/batch";

async fn batch(app: &TestApp, operations: Vec<Value>) -> Reply {
    app.post(BATCH, json!({ "operations": operations })).await
}

/// Drafts titled `{title} {n}` for n in 0..count; their ids.
async fn drafts(app: &TestApp, title: &str, count: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        ids.push(app.create_article(json!({"title": format!("{title} {n}")})).await["id"].as_i64().expect("id"));
    }
    ids
}

/// What a batch could change, read straight from the database: every article's
/// id, version, title, status and trash time, and how many revisions, tags, webhook
/// messages, deliveries and search changes there are.
fn state_of(app: &TestApp) -> String {
    use bantin::schema::{article_revisions, articles, search_changes, tags, webhook_deliveries, webhook_messages};
    use diesel::QueryDsl;
    let mut conn = app.pool.get().expect("connection");
    let rows: Vec<(i32, i32, String, String, Option<chrono::NaiveDateTime>)> = articles::table
        .select((articles::id, articles::version, articles::title, articles::status, articles::trashed_at))
        .order(articles::id)
        .load(&mut conn)
        .expect("articles");
    let rows: Vec<String> = rows
        .into_iter()
        .map(|(id, version, title, status, trashed)| {
            format!("{id}:{version}:{title}:{status}:{}", trashed.map_or("-".to_owned(), |t| t.to_string()))
        })
        .collect();
    let counted = |n: diesel::QueryResult<i64>| n.expect("count");
    format!(
        "{} revisions={} tags={} messages={} deliveries={} changes={}",
        rows.join("|"),
        counted(article_revisions::table.count().get_result(&mut conn)),
        counted(tags::table.count().get_result(&mut conn)),
        counted(webhook_messages::table.count().get_result(&mut conn)),
        counted(webhook_deliveries::table.count().get_result(&mut conn)),
        counted(search_changes::table.count().get_result(&mut conn)),
    )
}

/// `(index, field, status, code)` of each entry of a failed batch's `errors`.
fn failures(reply: &Reply) -> Vec<(i64, String, i64, String)> {
    let errors = reply.body["errors"].as_array().expect("errors");
    errors
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap_or_default().to_owned();
            (e["index"].as_i64().expect("index"), text("field"), e["status"].as_i64().expect("status"), text("code"))
        })
        .collect()
}

/// Ten operations on ten articles: patches (one adding a new tag), two deletes and a
/// restore of an article trashed before; `seventh` is the seventh.
fn ten_operations(ids: &[i64], seventh: Value) -> Vec<Value> {
    let mut operations: Vec<Value> = (0..6)
        .map(|n| json!({"op": "patch", "id": ids[n], "body": {"summary": format!("Tóm tắt {n}"), "tags": ["Mới"]}}))
        .collect();
    operations.push(seventh);
    operations.push(json!({"op": "delete", "id": ids[7]}));
    operations.push(json!({"op": "delete", "id": ids[8], "if_match": format!("W/\"a{}-v1.0\"", ids[8])}));
    operations.push(json!({"op": "restore", "id": ids[9]}));
    operations
}

#[actix_web::test]
async fn a_batch_failing_at_its_seventh_operation_changes_nothing_and_names_it() {
    let (app, admin) = app_allowing_loopback().await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start(0);
    let hook = subscribe(&app, &admin, &url, json!(["*"])).await;
    let ids = drafts(&app, "Bài", 10).await;
    assert_eq!(app.delete(&format!("/api/v1/articles/{}", ids[9])).await.status, 204);
    let deliveries = format!("/api/v1/webhooks/{}/deliveries", hook["id"]);
    let logged =
        || async { app.send(Method::GET, &deliveries, As::Token(&admin), None).await.body["meta"]["total"].clone() };
    let before = state_of(&app);
    let log_before = logged().await;

    let stale =
        json!({"op": "patch", "id": ids[6], "if_match": format!("W/\"a{}-v7.0\"", ids[6]), "body": {"title": "Mới"}});
    let reply = batch(&app, ten_operations(&ids, stale)).await;
    reply.assert_problem(412, "precondition_failed");
    assert_eq!(failures(&reply), [(6, "if_match".to_owned(), 412, "precondition_failed".to_owned())]);
    let message = reply.body["errors"][0]["message"].as_str().expect("message");
    assert!(message.starts_with("operation 7: "), "{message}");
    assert!(reply.body["detail"].as_str().is_some_and(|d| d.contains("operation 7 ")), "{}", reply.body);
    assert_eq!(state_of(&app), before, "a 412 batch changed nothing");

    let invalid = json!({"op": "patch", "id": ids[6], "body": {"title": "  ", "cover_image_url": "ftp://x"}});
    let reply = batch(&app, ten_operations(&ids, invalid)).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        failures(&reply),
        [
            (6, "body.title".to_owned(), 422, "validation_failed".to_owned()),
            (6, "body.cover_image_url".to_owned(), 422, "validation_failed".to_owned()),
        ]
    );
    assert_eq!(state_of(&app), before, "a 422 batch changed nothing");

    // Every failing operation is named; a stale tag beside another failure is a 422.
    let mut operations = ten_operations(&ids, json!({"op": "restore", "id": ids[6]}));
    operations[2]["if_match"] = json!("W/\"a1-v9.0\"");
    operations[9] = json!({"op": "delete", "id": ids[9]});
    let reply = batch(&app, operations).await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        failures(&reply),
        [
            (2, "if_match".to_owned(), 412, "precondition_failed".to_owned()),
            (6, "id".to_owned(), 409, "conflict".to_owned()),
            (9, "id".to_owned(), 404, "not_found".to_owned()),
        ]
    );
    assert!(reply.body["detail"].as_str().is_some_and(|d| d.contains("operations 3, 7, 10 ")), "{}", reply.body);
    assert_eq!(state_of(&app), before, "nothing changed");

    // The same ten with a good seventh: all applied, in order.
    let good =
        json!({"op": "patch", "id": ids[6], "if_match": format!("W/\"a{}-v1.0\"", ids[6]), "body": {"title": "Mới"}});
    let reply = batch(&app, ten_operations(&ids, good)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = reply.body["results"].as_array().expect("results");
    assert_eq!(results.len(), 10);
    for (n, result) in results.iter().enumerate() {
        assert_eq!(result["index"], n);
        assert_eq!(result["id"], ids[n]);
        assert_eq!(result["status"], 200);
    }
    assert_eq!(results[6]["article"]["title"], "Mới");
    assert_eq!(results[6]["etag"], format!("W/\"a{}-v2.0\"", ids[6]));
    assert_eq!(results[7]["op"], "delete");
    assert_eq!(results[7]["article"]["status"], "trashed");
    assert_eq!(results[9]["article"]["status"], "draft");
    assert_eq!(results[0]["article"]["tags"][0]["name"], "Mới");
    assert_ne!(state_of(&app), before);
    let log_after = logged().await;
    // Seven updates, two trashed, one restored.
    assert_eq!(log_after.as_i64(), log_before.as_i64().map(|n| n + 10), "{log_before} then {log_after}");
}

#[actix_web::test]
async fn a_hundred_patches_make_a_hundred_revisions_events_and_searchable_titles() {
    let (app, admin) = app_allowing_loopback().await;
    let ids = drafts(&app, "Bản tin", 100).await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start(0);
    subscribe(&app, &admin, &url, json!(["article.updated"])).await;

    let operations = ids
        .iter()
        .enumerate()
        .map(|(n, id)| json!({"op": "patch", "id": id, "body": {"title": format!("Bản tin hiệu đính số {n}")}}))
        .collect();
    let reply = batch(&app, operations).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["results"].as_array().map(Vec::len), Some(100));

    let got = receiver.wait(Duration::from_secs(60), "a hundred events", |got| got.len() >= 100).await;
    assert_eq!(got.len(), 100);
    assert!(got.iter().all(|r| r.kind() == "article.updated"));
    let announced: Vec<i64> = got.iter().map(|r| r.json()["data"]["id"].as_i64().expect("id")).collect();
    assert_eq!(announced, ids, "one event per operation, in order");
    let titles: Vec<String> = got.iter().map(|r| r.json()["data"]["title"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(titles[99], "Bản tin hiệu đính số 99");

    for id in &ids {
        let revisions = app.send(Method::GET, &format!("/api/v1/articles/{id}/revisions"), app.reader(), None).await;
        assert_eq!(revisions.body["meta"]["total"], 1, "article {id}: {}", revisions.body);
        assert_eq!(revisions.body["data"][0]["editor"], "editor");
    }

    app.wait_indexed().await;
    let found =
        app.send(Method::GET, "/api/v1/articles?q=hieu%20dinh&status=draft&per_page=100", app.reader(), None).await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["meta"]["total"], 100, "the index has every new title");
}

#[actix_web::test]
async fn one_batch_trashes_and_restores_and_later_operations_see_earlier_ones() {
    let app = TestApp::spawn().await;
    let kept = app.publish("Giữ lại", "2020-01-01T00:00:00Z", json!({})).await["id"].clone();
    let gone = app.publish("Bỏ đi", "2020-01-01T00:00:00Z", json!({})).await["id"].clone();
    let reply = batch(
        &app,
        vec![
            json!({"op": "delete", "id": kept}),
            json!({"op": "delete", "id": gone}),
            // Trashing made version 2, restoring version 3.
            json!({"op": "restore", "id": kept, "if_match": format!("W/\"a{kept}-v2.0\"")}),
            json!({"op": "patch", "id": kept, "if_match": format!("W/\"a{kept}-v3.0\""), "body": {"featured": true}}),
            json!({"op": "patch", "id": kept, "if_match": format!("W/\"a{kept}-v4.0\""), "body": {"summary": "Hai"}}),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let results = &reply.body["results"];
    assert_eq!(results[0]["article"]["status"], "trashed");
    assert!(results[0]["article"]["trashed_at"].is_string());
    assert_eq!(results[2]["article"]["status"], "published", "back with the status it had");
    assert_eq!(results[4]["article"]["version"], 5);
    assert_eq!(results[4]["article"]["featured"], true);

    // The public sees the result at once (the response cache was outdated).
    assert_eq!(app.get(&format!("/api/v1/articles/{kept}")).await.body["summary"], "Hai");
    assert_eq!(app.get(&format!("/api/v1/articles/{gone}")).await.status, 404);
    let list = app.get("/api/v1/articles").await;
    assert_eq!(TestApp::column(&list, "id"), std::slice::from_ref(&kept));
    // Views count for the restored article, not for the trashed one.
    assert_eq!(app.view(&kept, Some("Mozilla/5.0")).await.status, 202);
    assert_eq!(app.view(&gone, Some("Mozilla/5.0")).await.status, 404);
}

#[actix_web::test]
async fn a_missing_article_is_a_named_404_inside_the_422() {
    let app = TestApp::spawn().await;
    let id = app.create_article(json!({"title": "Có thật"})).await["id"].clone();
    let before = state_of(&app);
    let reply = batch(
        &app,
        vec![json!({"op": "patch", "id": id, "body": {"title": "Đã sửa"}}), json!({"op": "delete", "id": 999_999})],
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(failures(&reply), [(1, "id".to_owned(), 404, "not_found".to_owned())]);
    assert_eq!(state_of(&app), before);
    assert_eq!(app.get(&format!("/api/v1/articles/{id}")).await.status, 404, "still a draft");
}

#[actix_web::test]
async fn malformed_batches_are_refused_whole_and_change_nothing() {
    let app = TestApp::spawn().await;
    let id = app.create_article(json!({"title": "Nguyên vẹn"})).await["id"].as_i64().expect("id");
    let before = state_of(&app);
    let patch = |n: usize| json!({"op": "patch", "id": id, "body": {"summary": format!("Lần {n}")}});
    // (body, status, field, why)
    let cases = [
        (json!({"operations": (0..101).map(patch).collect::<Vec<_>>()}), 422, Some("operations"), "over 100"),
        (json!({"operations": []}), 422, Some("operations"), "none"),
        (json!({}), 422, Some("operations"), "no operations field"),
        (json!({"operations": [patch(0)], "atomic": true}), 422, Some("atomic"), "an unknown field"),
        (
            json!({"operations": [{"op": "patch", "id": id, "body": {}, "etag": "x"}]}),
            422,
            Some("etag"),
            "an unknown operation field",
        ),
        (json!({"operations": [{"op": "publish", "id": id}]}), 422, Some("operations[0].op"), "an unknown op"),
        (json!({"operations": [{"op": "delete"}]}), 422, Some("id"), "no id"),
    ];
    for (body, status, field, why) in cases {
        let reply = app.post(BATCH, body).await;
        reply.assert_problem(status, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"].as_str(), field, "{why}: {}", reply.body);
        assert!(reply.body["errors"][0].get("index").is_none(), "{why}: the request, not an operation");
    }
    // Shapes only an operation can judge are named by index.
    let reply = batch(
        &app,
        vec![
            json!({"op": "patch", "id": id, "body": {"titel": "x"}}),
            json!({"op": "patch", "id": id}),
            json!({"op": "delete", "id": id, "body": {"title": "x"}}),
            json!({"op": "patch", "id": id, "body": [1]}),
            json!({"op": "patch", "id": id, "body": {"status": null}}),
        ],
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    let fields: Vec<(i64, String)> = failures(&reply).into_iter().map(|(i, f, ..)| (i, f)).collect();
    let expected = [(0, "body.titel"), (1, "body"), (2, "body"), (3, "body"), (4, "body.status")];
    assert_eq!(fields, expected.map(|(i, f)| (i, f.to_owned())));
    let not_json =
        app.send_raw(Method::POST, BATCH, app.writer(), Some("application/json"), b"{\"operations\": [".to_vec()).await;
    not_json.assert_problem(400, "bad_request");
    assert_eq!(state_of(&app), before);
}

#[actix_web::test]
async fn only_editors_write_in_batches() {
    let app = TestApp::spawn().await;
    let id = app.create_article(json!({"title": "Bản nháp"})).await["id"].clone();
    let contributor = {
        let mut conn = app.pool.get().expect("connection");
        bantin::db::tokens::create(&mut conn, "cong-tac-vien", "contributor").expect("token")
    };
    let before = state_of(&app);
    let body = json!({"operations": [{"op": "patch", "id": id, "body": {"summary": "Sửa"}}]});
    app.send(Method::POST, BATCH, As::Public, Some(body.clone())).await.assert_problem(401, "unauthorized");
    app.send(Method::POST, BATCH, app.reader(), Some(body.clone())).await.assert_problem(403, "forbidden");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let refused = loop {
        let reply = app.send(Method::POST, BATCH, As::Token(&contributor), Some(body.clone())).await;
        if reply.status != 401 || std::time::Instant::now() > deadline {
            break reply;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    refused.assert_problem(403, "forbidden");
    assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("editor")), "{}", refused.body);
    assert_eq!(state_of(&app), before);
    // GET of the batch path is no article id: 405, not 404.
    let get = app.send(Method::GET, BATCH, app.writer(), None).await;
    get.assert_problem(405, "method_not_allowed");
    assert_eq!(get.header("allow"), Some("POST"));
}
