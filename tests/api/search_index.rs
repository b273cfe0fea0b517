//! The search index: analysis, filters inside the engine, consistency with the
//! database (within a second, across kill -9, after losing the index), slots and
//! suggestions.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::helpers::{As, Reply, TestApp};
use crate::shutdown::{bantin, cli_token, free_port, serve, terminate, wait_ready};

fn ids(reply: &Reply) -> Vec<i64> {
    let mut ids: Vec<i64> = TestApp::column(reply, "id").iter().filter_map(Value::as_i64).collect();
    ids.sort_unstable();
    ids
}

fn id(article: &Value) -> i64 {
    article["id"].as_i64().unwrap_or(0)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// GET `path` with the read token (never served from the anonymous cache).
async fn read(app: &TestApp, path: &str) -> Reply {
    app.send(Method::GET, path, app.reader(), None).await
}

/// Polls `path` as `who` until `done` holds (deadline `within`); returns the last reply.
async fn poll(app: &TestApp, path: &str, who: As<'_>, within: Duration, done: impl Fn(&Reply) -> bool) -> Reply {
    let deadline = Instant::now() + within;
    loop {
        let reply = app.send(Method::GET, path, who, None).await;
        if done(&reply) {
            return reply;
        }
        assert!(Instant::now() < deadline, "{path}: still {} {}", reply.status, reply.body);
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn thi_dua_written_any_way_finds_thi_dua() {
    let app = TestApp::spawn().await;
    let precomposed = app.publish("Thi đua yêu nước", "2020-01-01T00:00:00Z", json!({})).await;
    let decomposed = app
        .publish(
            "Phong tra\u{300}o thi \u{111}ua ye\u{302}u nu\u{31b}o\u{31b}\u{301}c",
            "2020-01-02T00:00:00Z",
            json!({}),
        )
        .await;
    app.wait_indexed().await;
    let both = vec![id(&precomposed), id(&decomposed)];
    for q in ["thi dua", "THI ĐUA", "Thi đua", "thi \u{111}ua ye\u{302}u", "thi dua yeu nuoc", "THI ĐUA YÊU NƯ"] {
        assert_eq!(ids(&read(&app, &format!("/api/v1/articles?q={}", encode(q))).await), both, "q={q:?}");
    }
    let highlight = read(&app, "/api/v1/articles?q=tra").await;
    assert_eq!(
        highlight.body["data"][0]["highlight"]["title"],
        "Phong <mark>tra\u{300}o</mark> thi \u{111}ua ye\u{302}u nu\u{31b}o\u{31b}\u{301}c"
    );
}

#[actix_web::test]
async fn every_list_filter_narrows_a_search_inside_the_engine() {
    let app = TestApp::spawn().await;
    let news = app.create_category("Thời sự", None).await;
    let local = app.create_category("Trong tỉnh", news["id"].as_i64()).await;
    let a = app
        .publish(
            "Mưa lớn ở Tam Kỳ",
            "2020-01-05T00:00:00Z",
            json!({"category_id": local["id"], "tags": ["Bão lũ"], "author": "An", "featured": true}),
        )
        .await;
    let b =
        app.publish("Mưa đầu mùa", "2020-02-05T00:00:00Z", json!({"category_id": news["id"], "author": "Bình"})).await;
    let c = app.publish("Mưa phùn", "2021-01-05T00:00:00Z", json!({"tags": ["bao-lu"], "author": "An"})).await;
    let d = app.create_article(json!({"title": "Mưa nháp"})).await;
    let e = app.create_article(json!({"title": "Mưa cũ", "status": "archived"})).await;
    let f = app.publish("Mưa sắp tới", "2099-01-01T00:00:00Z", json!({})).await;
    app.wait_indexed().await;
    let cases: [(&str, Vec<i64>); 10] = [
        ("", vec![id(&a), id(&b), id(&c)]),
        ("&category=thoi-su", vec![id(&a), id(&b)]),
        ("&category=trong-tinh", vec![id(&a)]),
        ("&tag=bao-lu", vec![id(&a), id(&c)]),
        ("&tag=bao-lu,nope", vec![id(&a), id(&c)]),
        ("&author=An", vec![id(&a), id(&c)]),
        ("&featured=true", vec![id(&a)]),
        ("&published_after=2020-02-01", vec![id(&b), id(&c)]),
        ("&published_before=2021-01-01", vec![id(&a), id(&b)]),
        (
            "&category=thoi-su&tag=bao-lu&featured=true&author=An&published_after=2020-01-01&published_before=2020-02-01",
            vec![id(&a)],
        ),
    ];
    for (filter, expected) in cases {
        let reply = app.get(&format!("/api/v1/articles?q=mua{filter}")).await;
        assert_eq!(reply.status, 200, "{filter}: {}", reply.body);
        assert_eq!(ids(&reply), expected, "filter {filter}");
        assert_eq!(reply.body["meta"]["total"], expected.len(), "filter {filter}");
        assert_eq!(reply.body["meta"]["total_capped"], false, "filter {filter}");
    }
    for (status, expected) in [
        ("draft", vec![id(&d)]),
        ("archived", vec![id(&e)]),
        ("scheduled", vec![id(&f)]),
        ("any", vec![id(&a), id(&b), id(&c), id(&d), id(&e), id(&f)]),
    ] {
        assert_eq!(ids(&read(&app, &format!("/api/v1/articles?q=mua&status={status}")).await), expected, "{status}");
    }
    app.get("/api/v1/articles?q=mua&status=draft").await.assert_problem(401, "unauthorized");
    let by_date = app.get("/api/v1/articles?q=mua&sort=published_at").await;
    assert_eq!(TestApp::column(&by_date, "id"), [a["id"].clone(), b["id"].clone(), c["id"].clone()]);
    let by_title = app.get("/api/v1/articles?q=mua&sort=title&per_page=2").await;
    assert_eq!(TestApp::column(&by_title, "title"), ["Mưa lớn ở Tam Kỳ", "Mưa phùn"]);
    assert_eq!(by_title.body["meta"]["total"], 3);
}

#[actix_web::test]
async fn a_write_is_searchable_within_a_second() {
    let app = TestApp::spawn().await;
    app.wait_indexed().await;
    let article = app.publish("Khánh thành cầu Giao Thủy", "2020-01-01T00:00:00Z", json!({})).await;
    let found = poll(&app, "/api/v1/articles?q=giao%20thuy", app.reader(), Duration::from_secs(1), |r| {
        r.status == 200 && ids(r) == [id(&article)]
    })
    .await;
    assert_eq!(found.body["data"][0]["highlight"]["title"], "Khánh thành cầu <mark>Giao</mark> <mark>Thủy</mark>");
    app.patch(&format!("/api/v1/articles/{}", article["id"]), json!({"status": "draft"})).await;
    poll(&app, "/api/v1/articles?q=giao%20thuy", app.reader(), Duration::from_secs(1), |r| ids(r).is_empty()).await;
}

#[actix_web::test]
async fn a_scheduled_article_becomes_searchable_when_it_comes_due() {
    let app = TestApp::spawn().await;
    let due = (chrono::Utc::now() + chrono::Duration::seconds(2)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let article = app.publish("Hội chợ Xuân Quảng Nam", &due, json!({})).await;
    app.wait_indexed().await;
    assert!(ids(&app.get("/api/v1/articles?q=hoi%20cho").await).is_empty(), "not before its time");
    poll(&app, "/api/v1/articles?q=hoi%20cho", As::Public, Duration::from_secs(6), |r| ids(r) == [id(&article)]).await;
}

#[actix_web::test]
async fn a_lost_or_damaged_index_is_rebuilt_while_everything_else_is_served() {
    let mut app = TestApp::spawn().await;
    let mut created = Vec::new();
    for title in ["Lúa chín vàng đồng", "Mùa lúa mới", "Giá lúa tăng"] {
        created.push(id(&app.publish(title, "2020-01-01T00:00:00Z", json!({})).await));
    }
    app.wait_indexed().await;
    type Damage = fn(&std::path::Path);
    let damages: [(&str, Damage); 2] = [
        ("deleted", |dir| std::fs::remove_dir_all(dir).expect("delete the index")),
        ("damaged", |dir| std::fs::write(dir.join("meta.json"), b"{ not json").expect("damage the index")),
    ];
    for (what, damage) in damages {
        let search_dir = app.search_path();
        app = app.restart(|_| damage(&search_dir)).await;
        // Reads that do not search never wait for the index.
        let one = app.get(&format!("/api/v1/articles/{}", created[0])).await;
        assert_eq!(one.status, 200, "{what}: {}", one.body);
        let reply = poll(&app, "/api/v1/articles?q=lua", app.reader(), Duration::from_secs(10), |r| {
            if r.status == 503 {
                assert_eq!(r.body["code"], "unavailable");
                assert!(r.header("retry-after").is_some());
            }
            r.status == 200
        })
        .await;
        assert_eq!(ids(&reply), created, "{what}");
        assert_eq!(app.get("/readyz").await.body["search"], "ready");
    }
}

#[actix_web::test]
async fn a_search_waiting_over_a_second_for_a_slot_answers_503_and_slows_nothing_else() {
    let app =
        TestApp::spawn_with(bantin::config::ServeArgs { rate_limit: 0, search_slots: Some(1), ..Default::default() })
            .await;
    let article = app.publish("Đèn lồng Hội An", "2020-01-01T00:00:00Z", json!({})).await;
    app.wait_indexed().await;
    // The only slot is taken, as a long search would hold it.
    let held = app.search.slots.clone().acquire_owned().await.expect("slot");
    let started = Instant::now();
    let busy = read(&app, "/api/v1/articles?q=den%20long").await;
    busy.assert_problem(503, "unavailable");
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited for a slot first");
    let plain = read(&app, &format!("/api/v1/articles/{}", article["id"])).await;
    assert_eq!(plain.status, 200, "other reads do not need a search slot");
    drop(held);
    assert_eq!(ids(&read(&app, "/api/v1/articles?q=den%20long").await), [id(&article)]);
}

#[actix_web::test]
async fn search_pages_stop_at_ten_thousand_results_and_cursors_go_on() {
    let app = TestApp::spawn().await;
    app.publish("Sông Thu Bồn", "2020-01-01T00:00:00Z", json!({})).await;
    app.wait_indexed().await;
    app.get("/api/v1/articles?q=song&page=501&per_page=20").await.assert_problem(400, "bad_request");
    let last = app.get("/api/v1/articles?q=song&page=100&per_page=100").await;
    assert_eq!(last.status, 200, "{}", last.body);
    let cursor = app.get("/api/v1/articles?q=song&cursor=").await;
    assert_eq!(ids(&cursor).len(), 1);
}

#[actix_web::test]
async fn suggestions_are_visible_titles_as_typed() {
    let app = TestApp::spawn().await;
    let trao = app.publish("Phong trào thi đua yêu nước", "2020-01-01T00:00:00Z", json!({})).await;
    let canh = app.publish("Phong cảnh Trà My", "2020-01-02T00:00:00Z", json!({})).await;
    app.create_article(json!({"title": "Phong nháp"})).await;
    app.publish("Tin khác", "2020-01-03T00:00:00Z", json!({"summary": "phong trào"})).await;
    app.wait_indexed().await;
    let all = app.get("/api/v1/articles/suggest?q=phong").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(ids(&all), [id(&trao), id(&canh)], "titles only, published only");
    let typed = app.get("/api/v1/articles/suggest?q=PHONG%20tra%CC%80o").await;
    assert_eq!(ids(&typed), [id(&trao)]);
    let item = &typed.body["data"][0];
    assert_eq!(item["slug"], trao["slug"]);
    assert_eq!(item["published_at"], "2020-01-01T00:00:00Z");
    assert_eq!(item["highlight"]["title"], "<mark>Phong</mark> <mark>trào</mark> thi đua yêu nước");
    assert_eq!(ids(&app.get("/api/v1/articles/suggest?q=tra%20m&limit=1").await), [id(&canh)]);
    for bad in ["q=", "q=%21%21", "q=phong&limit=0", "q=phong&limit=21", ""] {
        app.get(&format!("/api/v1/articles/suggest?{bad}")).await.assert_problem(400, "bad_request");
    }
}

/// Creates articles from several clients until `enough` are acknowledged, kills the
/// server with SIGKILL while requests are in flight, and returns the acknowledged
/// (id, unique word) pairs.
async fn write_storm_then_kill(
    base: &str,
    token: &str,
    mut server: std::process::Child,
    enough: usize,
) -> Vec<(i64, String)> {
    let acknowledged = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let stop = std::rc::Rc::new(std::cell::Cell::new(false));
    let mut writers = Vec::new();
    for client_no in 0..4 {
        let (acknowledged, stop, base, token) = (acknowledged.clone(), stop.clone(), base.to_owned(), token.to_owned());
        writers.push(actix_web::rt::spawn(async move {
            let client = awc::Client::builder().timeout(Duration::from_secs(5)).finish();
            for n in 0.. {
                if stop.get() {
                    return;
                }
                let word = format!("bao{client_no}x{n}q");
                let sent = client
                    .post(format!("{base}/api/v1/articles"))
                    .insert_header(("Authorization", format!("Bearer {token}")))
                    .send_json(&json!({"title": format!("Tin {word} mới"), "status": "published",
                                       "published_at": "2020-01-01T00:00:00Z", "body": "<p>Nội dung bài viết.</p>"}))
                    .await;
                match sent {
                    Ok(mut reply) if reply.status().as_u16() == 201 => {
                        let body: Value = reply.json().await.unwrap_or(Value::Null);
                        acknowledged.borrow_mut().push((id(&body), word));
                    }
                    _ => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.borrow().len() < enough {
        assert!(Instant::now() < deadline, "the storm got only {} articles in", acknowledged.borrow().len());
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("kill -9");
    server.wait().expect("reap");
    stop.set(true);
    for writer in writers {
        let _ = writer.await;
    }
    let acknowledged = acknowledged.borrow().clone();
    acknowledged.into_iter().filter(|(id, _)| *id > 0).collect()
}

#[actix_web::test]
async fn after_kill_9_in_a_write_storm_every_acknowledged_article_is_found_within_5_s() {
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("bantin.db");
    let token = cli_token(&database);
    let start = |port: u16| serve(&database, port, &[]);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    let server = start(port);
    wait_ready(&client, &base).await;
    let acknowledged = write_storm_then_kill(&base, &token, server, 60).await;
    assert!(acknowledged.len() >= 60);

    let mut server = start(port);
    wait_ready(&client, &base).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut missing = acknowledged.clone();
    while !missing.is_empty() {
        let (article, word) = missing[missing.len() - 1].clone();
        let reply = client
            .get(format!("{base}/api/v1/articles?q={word}&status=any"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await;
        let found = match reply {
            Ok(mut reply) if reply.status().as_u16() == 200 => {
                let body: Value = reply.json().await.unwrap_or(Value::Null);
                body["data"].as_array().is_some_and(|data| data.iter().any(|item| id(item) == article))
            }
            _ => false,
        };
        if found {
            missing.pop();
        } else {
            assert!(
                Instant::now() < deadline,
                "{} of {} acknowledged articles not found after 5 s, e.g. {word}",
                missing.len(),
                acknowledged.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }
    server.kill().expect("stop");
    server.wait().expect("reap");
}

#[actix_web::test]
async fn bantin_reindex_rebuilds_the_index_but_not_under_a_running_server() {
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("bantin.db");
    let token = cli_token(&database);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    let server = serve(&database, port, &[]);
    wait_ready(&client, &base).await;
    let created = client
        .post(format!("{base}/api/v1/articles"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(&json!({"title": "Cầu Cửa Đại", "status": "published", "published_at": "2020-01-01T00:00:00Z"}))
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);

    let refused = bantin(&database, &["reindex"]);
    assert!(!refused.status.success(), "the running server holds the index");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("stop it first"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    terminate(server);
    let rebuilt = bantin(&database, &["reindex"]);
    let report = String::from_utf8_lossy(&rebuilt.stderr).to_string();
    assert!(rebuilt.status.success(), "{report}");
    assert!(report.contains("indexed 1 of 1 articles"), "{report}");

    let mut server = serve(&database, port, &[]);
    wait_ready(&client, &base).await;
    let mut reply = client.get(format!("{base}/api/v1/articles?q=cua%20dai")).send().await.expect("search");
    assert_eq!(reply.status().as_u16(), 200, "the rebuilt index is ready at once");
    let body: Value = reply.json().await.expect("json");
    assert_eq!(body["meta"]["total"], 1);
    server.kill().expect("stop");
    server.wait().expect("reap");
}
