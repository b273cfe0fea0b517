//! Webhooks against a real receiver on loopback: signatures checked by the Standard
//! Webhooks library, retries, order, restarts, the address guard, scheduled
//! articles, and a receiver that never answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse};
use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::{As, TestApp};

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    headers: http::HeaderMap,
    body: String,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub(crate) fn kind(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }
}

/// A webhook receiver: records every request, answers 500 to the first `failures`.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    failures: Arc<AtomicUsize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, receiver: web::Data<Receiver>) -> HttpResponse {
    let mut headers = http::HeaderMap::new();
    for (name, value) in req.headers() {
        if let (Ok(name), Ok(value)) =
            (http::HeaderName::from_bytes(name.as_str().as_bytes()), http::HeaderValue::from_bytes(value.as_bytes()))
        {
            headers.insert(name, value);
        }
    }
    let body = String::from_utf8(body.to_vec()).unwrap_or_default();
    receiver.got.lock().expect("lock").push(Received { headers, body });
    let fail = receiver.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if fail {
        HttpResponse::InternalServerError().finish()
    } else {
        HttpResponse::NoContent().finish()
    }
}

impl Receiver {
    /// Starts a receiver on `port` (0: any free one); its URL and the server.
    pub(crate) fn start(&self, port: u16) -> (String, actix_test::TestServer) {
        let receiver = self.clone();
        let server = actix_test::start_with(actix_test::config().port(port), move || {
            App::new().app_data(web::Data::new(receiver.clone())).route("/hook", web::post().to(receive))
        });
        (server.url("/hook"), server)
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits (up to `within`) until `done` holds for what was received.
    pub(crate) async fn wait(&self, within: Duration, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.got();
            if done(&got) {
                return got;
            }
            assert!(Instant::now() < deadline, "{what}: got {:?}", got.iter().map(Received::kind).collect::<Vec<_>>());
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// An app whose webhooks may reach loopback, and an admin token that works.
pub(crate) async fn app_allowing_loopback() -> (TestApp, String) {
    let app = TestApp::spawn_with(bantin::config::ServeArgs {
        rate_limit: 0,
        webhook_allow_private: true,
        ..Default::default()
    })
    .await;
    let admin = admin(&app).await;
    (app, admin)
}

async fn admin(app: &TestApp) -> String {
    let token = {
        let mut conn = app.pool.get().expect("connection");
        bantin::db::tokens::create(&mut conn, "quan-tri", "admin").expect("token")
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.send(Method::GET, "/api/v1/webhooks", As::Token(&token), None).await.status != 200 {
        assert!(Instant::now() < deadline, "the admin token never took effect");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    token
}

/// Subscribes `url` to `events`; the answer (with the secret).
pub(crate) async fn subscribe(app: &TestApp, admin: &str, url: &str, events: Value) -> Value {
    let made =
        app.send(Method::POST, "/api/v1/webhooks", As::Token(admin), Some(json!({"url": url, "events": events}))).await;
    assert_eq!(made.status, 201, "{}", made.body);
    made.body
}

/// Checks every request with the official Standard Webhooks verifier.
fn assert_signed(got: &[Received], secret: &str) {
    let verifier = standardwebhooks::Webhook::new(secret).expect("secret");
    for request in got {
        verifier.verify(request.body.as_bytes(), &request.headers).expect("a valid signature");
        let tampered = request.body.replace('}', " }");
        assert!(verifier.verify(tampered.as_bytes(), &request.headers).is_err(), "a changed body fails");
    }
}

fn kinds(got: &[Received]) -> Vec<String> {
    got.iter().map(Received::kind).collect()
}

#[actix_web::test]
async fn deliveries_are_signed_in_order_and_retried_after_a_500() {
    let (app, admin) = app_allowing_loopback().await;
    let receiver = Receiver::default();
    receiver.failures.store(1, Ordering::SeqCst);
    let (url, _server) = receiver.start(0);
    let hook = subscribe(&app, &admin, &url, json!(["*"])).await;
    let secret = hook["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("whsec_"));

    let category = app.create_category("Thời sự & <Chính trị>", None).await;
    let article = app.publish("Tin mới", "2026-01-01T00:00:00Z", json!({"category_id": category["id"]})).await;
    let got = receiver.wait(Duration::from_secs(20), "four requests", |got| got.len() >= 4).await;
    // The first answer was a 500: the same message came again, and nothing overtook it.
    assert_eq!(kinds(&got), ["category.created", "category.created", "article.created", "article.published"]);
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"], "a retry keeps its message id");
    assert_signed(&got, &secret);
    let first = got[0].json();
    assert_eq!(first["data"]["name"], "Thời sự & <Chính trị>");
    assert!(first["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    let published = got[3].json();
    assert_eq!(published["data"]["id"], article["id"]);
    assert!(published["data"]["body"].is_string(), "the editor's view, with the body");

    // The log: newest first, the first delivery took two attempts.
    let id = hook["id"].as_i64().expect("id");
    let log = app.send(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), As::Token(&admin), None).await;
    assert_eq!(log.status, 200);
    let deliveries = log.body["data"].as_array().expect("data");
    assert_eq!(deliveries.len(), 3);
    let oldest = &deliveries[2];
    assert_eq!(oldest["event"], "category.created");
    assert_eq!(oldest["status"], "succeeded");
    assert_eq!(oldest["attempts"], 2);
    assert_eq!(oldest["last_status_code"], 204);
    assert_eq!(log.header("x-total-count"), Some("3"));

    // Manual retry sends it once more; a ping goes to this webhook.
    let retried = app
        .send(
            Method::POST,
            &format!("/api/v1/webhooks/{id}/deliveries/{}/retry", oldest["id"]),
            As::Token(&admin),
            None,
        )
        .await;
    assert_eq!(retried.status, 202, "{}", retried.body);
    let ping = app.send(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), As::Token(&admin), None).await;
    assert_eq!(ping.status, 202, "{}", ping.body);
    let got = receiver.wait(Duration::from_secs(10), "the retry and the ping", |got| got.len() >= 6).await;
    assert_eq!(kinds(&got[4..]), ["category.created", "ping"]);
    assert_eq!(got[5].json()["data"]["id"], id);
    assert_signed(&got, &secret);

    // The secret is shown once.
    let shown = app.send(Method::GET, &format!("/api/v1/webhooks/{id}"), As::Token(&admin), None).await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.get("secret").is_none());
    assert_eq!(shown.body["events"], json!(["*"]));
}

#[actix_web::test]
async fn every_kind_of_change_sends_its_events() {
    let (app, admin) = app_allowing_loopback().await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start(0);
    subscribe(&app, &admin, &url, json!(["*"])).await;

    let draft = app.create_article(json!({"title": "Bản nháp"})).await;
    let id = draft["id"].as_i64().expect("id");
    let path = format!("/api/v1/articles/{id}");
    assert_eq!(app.patch(&path, json!({"status": "published"})).await.status, 200);
    assert_eq!(app.patch(&path, json!({"status": "published"})).await.status, 200, "no change: no event");
    assert_eq!(app.delete(&path).await.status, 204);
    assert_eq!(app.post(&format!("{path}/restore"), json!({})).await.status, 200);
    assert_eq!(app.patch(&path, json!({"status": "archived"})).await.status, 200);
    assert_eq!(app.delete(&format!("{path}?permanent=true")).await.status, 204);
    let tag = app.create_tag("Bão lũ").await;
    assert_eq!(app.patch(&format!("/api/v1/tags/{}", tag["id"]), json!({"description": "Mùa mưa"})).await.status, 200);
    assert_eq!(app.delete(&format!("/api/v1/tags/{}", tag["id"])).await.status, 204);
    let author = app.post("/api/v1/authors", json!({"name": "Trần Thị Bình"})).await.body;
    assert_eq!(app.delete(&format!("/api/v1/authors/{}", author["id"])).await.status, 204);
    let picture = crate::media::picture(400, 300, image::ImageFormat::Png);
    let media = crate::media::upload(&app, "anh.png", &picture, Some("Ảnh")).await.body;
    assert_eq!(app.delete(&format!("/api/v1/media/{}", media["id"])).await.status, 204);

    let expected = [
        "article.created",
        "article.updated",
        "article.published",
        "article.trashed",
        "article.unpublished",
        "article.restored",
        "article.published",
        "article.updated",
        "article.unpublished",
        "article.deleted",
        "tag.created",
        "tag.updated",
        "tag.deleted",
        "author.created",
        "author.deleted",
        "media.created",
        "media.deleted",
    ];
    let got = receiver.wait(Duration::from_secs(10), "every event", |got| got.len() >= expected.len()).await;
    assert_eq!(kinds(&got), expected);
    assert_eq!(got[9].json()["data"], json!({"id": id}), "a deletion carries the id");
    assert_eq!(got[3].json()["data"]["status"], "trashed");
    assert_eq!(got[12].json()["data"], json!({"id": tag["id"]}));
    assert_eq!(got[15].json()["data"]["alt"], "Ảnh");
    assert_eq!(got[15].json()["data"]["variants"].as_array().map(Vec::len), Some(1));
    assert_eq!(got[16].json()["data"], json!({"id": media["id"]}));
}

#[actix_web::test]
async fn a_delivery_waiting_for_its_retry_survives_a_restart() {
    let (app, admin) = app_allowing_loopback().await;
    // A port with nothing behind it yet.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let hook = subscribe(&app, &admin, &format!("http://127.0.0.1:{port}/hook"), json!(["tag.created"])).await;
    let id = hook["id"].as_i64().expect("id");
    app.create_tag("Giao thông").await;
    // The first attempt fails (connection refused) and waits for its retry.
    let log_of = |app: &TestApp| {
        let mut conn = app.pool.get().expect("connection");
        bantin::db::webhooks::deliveries(&mut conn, id as i32, 0, 10).expect("deliveries").0
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while log_of(&app).first().is_none_or(|d| d.attempts == 0) {
        assert!(Instant::now() < deadline, "the first attempt never happened");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let failed = log_of(&app)[0].clone();
    assert_eq!(failed.status, "pending");
    assert!(failed.last_error.is_some() && failed.last_status_code.is_none(), "{failed:?}");

    let app = app.restart(|_| {}).await;
    let receiver = Receiver::default();
    let (_, _server) = receiver.start(port);
    let got = receiver.wait(Duration::from_secs(20), "the retry after the restart", |got| !got.is_empty()).await;
    assert_eq!(kinds(&got), ["tag.created"]);
    assert_signed(&got, hook["secret"].as_str().expect("secret"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while log_of(&app)[0].status != "succeeded" {
        assert!(Instant::now() < deadline, "the success was never recorded");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(log_of(&app)[0].attempts, 2);
}

#[actix_web::test]
async fn webhooks_cannot_reach_inner_addresses() {
    let app = TestApp::spawn().await;
    let admin = admin(&app).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest/meta-data",
        "ftp://example.org/hook",
        "http://user:pass@192.0.2.1/hook",
    ] {
        let refused = app
            .send(Method::POST, "/api/v1/webhooks", As::Token(&admin), Some(json!({"url": url, "events": ["*"]})))
            .await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(refused.body["errors"][0]["field"], "url", "{url}: {}", refused.body);
    }
    let unknown = app
        .send(
            Method::POST,
            "/api/v1/webhooks",
            As::Token(&admin),
            Some(json!({"url": "https://192.0.2.1/hook", "events": ["article.exploded"]})),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
    // A URL stored before (or by a name that now resolves inward) is refused when sent.
    let receiver = Receiver::default();
    let (url, _server) = receiver.start(0);
    let id = {
        let mut conn = app.pool.get().expect("connection");
        let fields = bantin::db::webhooks::WebhookFields {
            url,
            events: r#"["ping"]"#.to_owned(),
            description: None,
            active: true,
        };
        bantin::db::webhooks::insert(&mut conn, &fields, &bantin::webhooks::new_secret()).expect("webhook").id
    };
    let ping = app.send(Method::POST, &format!("/api/v1/webhooks/{id}/ping"), As::Token(&admin), None).await;
    assert_eq!(ping.status, 202);
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let log = app.send(Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), As::Token(&admin), None).await;
        let delivery = log.body["data"][0].clone();
        if delivery["attempts"] == 1 {
            break delivery;
        }
        assert!(Instant::now() < deadline, "the ping was never tried");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(refused["last_error"].as_str().is_some_and(|e| e.contains("refused")), "{refused}");
    assert!(receiver.got().is_empty(), "nothing reached the loopback receiver");
}

#[actix_web::test]
async fn a_scheduled_article_is_announced_once_when_its_time_comes() {
    let (app, admin) = app_allowing_loopback().await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start(0);
    subscribe(&app, &admin, &url, json!(["article.published"])).await;
    let when = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let scheduled = app.publish("Hẹn giờ đăng", &when, json!({})).await;
    assert!(receiver.got().is_empty(), "not announced before its time");
    let got = receiver.wait(Duration::from_secs(15), "the announcement", |got| !got.is_empty()).await;
    assert_eq!(got[0].json()["data"]["id"], scheduled["id"]);
    // Another article published now: once its event is in, nothing else came before it.
    let now = app.publish("Đăng ngay", "2026-01-01T00:00:00Z", json!({})).await;
    let got = receiver.wait(Duration::from_secs(10), "the second article", |got| got.len() >= 2).await;
    let ids: Vec<Value> = got.iter().map(|r| r.json()["data"]["id"].clone()).collect();
    assert_eq!(ids, [scheduled["id"].clone(), now["id"].clone()], "announced exactly once");
}

#[actix_web::test]
async fn a_receiver_that_never_answers_holds_up_no_write() {
    let (app, admin) = app_allowing_loopback().await;
    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for stream in silent.incoming().flatten() {
            keep.lock().expect("lock").push(stream);
        }
    });
    let hook = subscribe(&app, &admin, &format!("http://127.0.0.1:{port}/hook"), json!(["*"])).await;
    let id = hook["id"].as_i64().expect("id") as i32;
    let first = app.create_tag("Tin nhanh 0").await;
    assert!(first["id"].is_number());
    let deadline = Instant::now() + Duration::from_secs(5);
    while held.lock().expect("lock").is_empty() {
        assert!(Instant::now() < deadline, "the delivery never connected");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    // While that delivery hangs, writes go on and queue behind it.
    for n in 1..=20 {
        let made = app.create_tag(&format!("Tin nhanh {n}")).await;
        assert!(made["id"].is_number());
    }
    let mut conn = app.pool.get().expect("connection");
    let (log, total) = bantin::db::webhooks::deliveries(&mut conn, id, 0, 100).expect("deliveries");
    assert_eq!(total, 21);
    assert!(log.iter().all(|d| d.status == "pending" && d.attempts == 0), "the first is still in flight");
}

#[actix_web::test]
async fn a_delivery_survives_kill_9_of_the_real_server() {
    use crate::shutdown::{bantin, free_port, serve, wait_ready};
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("bantin.db");
    let token = |scope: &str| {
        let made = bantin(&database, &["token", "create", "--name", scope, "--scope", scope]);
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        String::from_utf8(made.stdout).expect("utf8").trim().to_owned()
    };
    let (editor, admin) = (token("editor"), token("admin"));
    let receiver_port = free_port();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    let env = [("BANTIN_WEBHOOK_ALLOW_PRIVATE", "1")];
    let mut server = serve(&database, port, &env);
    wait_ready(&client, &base).await;
    let post = |path: &str, token: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send_json(&body)
    };
    let made = post(
        "/api/v1/webhooks",
        &admin,
        json!({"url": format!("http://127.0.0.1:{receiver_port}/hook"), "events": ["tag.created"]}),
    )
    .await
    .expect("webhook");
    assert_eq!(made.status(), 201);
    let tag = post("/api/v1/tags", &editor, json!({"name": "Trước khi tắt"})).await.expect("tag");
    assert_eq!(tag.status(), 201);
    // The first attempt fails (nothing listens yet); then the server dies at once.
    let attempted = || {
        let pool = bantin::db::open(&database, 1).expect("database");
        let mut conn = pool.get().expect("connection");
        bantin::db::webhooks::deliveries(&mut conn, 1, 0, 10).expect("deliveries").0
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while attempted().first().is_none_or(|d| d.attempts == 0) {
        assert!(Instant::now() < deadline, "the first attempt never happened");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill().expect("kill -9");
    server.wait().expect("reaped");

    let receiver = Receiver::default();
    let (_, _receiving) = receiver.start(receiver_port);
    let mut server = serve(&database, port, &env);
    wait_ready(&client, &base).await;
    let got = receiver.wait(Duration::from_secs(20), "the retry after kill -9", |got| !got.is_empty()).await;
    assert_eq!(kinds(&got), ["tag.created"]);
    assert_eq!(got[0].json()["data"]["name"], "Trước khi tắt");
    server.kill().expect("kill");
    server.wait().expect("reaped");
}

#[actix_web::test]
async fn article_events_carry_the_seo_fields_with_the_site_defaults() {
    let app = TestApp::spawn_with(bantin::config::ServeArgs {
        rate_limit: 0,
        webhook_allow_private: true,
        site_url: Some("https://baoquangnam.vn".to_owned()),
        ..Default::default()
    })
    .await;
    let admin = admin(&app).await;
    let receiver = Receiver::default();
    let (url, _server) = receiver.start(0);
    subscribe(&app, &admin, &url, json!(["article.created", "article.published"])).await;
    // Published when its time comes: the announcer makes that event, apart from the write.
    let when = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let article = app.publish("Hẹn giờ đăng", &when, json!({"seo_title": "Tin hẹn giờ"})).await;
    let got = receiver.wait(Duration::from_secs(15), "created and published", |got| got.len() >= 2).await;
    assert_eq!(kinds(&got), ["article.created", "article.published"]);
    for event in &got {
        let data = &event.json()["data"];
        assert_eq!(data["seo_title"], "Tin hẹn giờ");
        assert_eq!(data["canonical_url"], "https://baoquangnam.vn/hen-gio-dang", "{data}");
        assert_eq!(data["seo_defaults"], json!(["seo_description", "canonical_url", "og_image_url"]));
        assert_eq!(data["canonical_url"], article["canonical_url"]);
    }
}
