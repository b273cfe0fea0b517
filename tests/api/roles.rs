//! Roles: every write endpoint × every role, from one table. An endpoint in the spec
//! without a row in the table fails the test.

use awc::http::Method;
use serde_json::{json, Value};

use crate::helpers::{As, TestApp};

/// Who is asking, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Public,
    Read,
    Contributor,
    Editor,
    Admin,
}

const EVERYONE: [Who; 5] = [Who::Public, Who::Read, Who::Contributor, Who::Editor, Who::Admin];

/// What a request needs: a fresh target made by an editor, then the request.
#[derive(Clone, Copy)]
enum Target {
    None,
    DraftArticle,
    PublishedArticle,
    TrashedArticle,
    RevisedArticle,
    Category,
    Tag,
    Author,
    Token,
    Webhook,
    Media,
    /// A webhook with a delivery: `{id}` and `{delivery_id}`.
    Delivery,
}

/// A public address nothing answers on here (the sandbox has no network).
const HOOK: &str = "https://192.0.2.1/hook";

/// (method, path template in the spec, least role, target, body).
fn table() -> Vec<(Method, &'static str, Who, Target, Option<Value>)> {
    vec![
        (Method::POST, "/api/v1/articles", Who::Contributor, Target::None, Some(json!({"title": "Bản nháp mới"}))),
        (
            Method::PUT,
            "/api/v1/articles/{id}",
            Who::Contributor,
            Target::DraftArticle,
            Some(json!({"title": "Sửa bản nháp"})),
        ),
        (
            Method::PATCH,
            "/api/v1/articles/{id}",
            Who::Contributor,
            Target::DraftArticle,
            Some(json!({"summary": "Tóm tắt"})),
        ),
        (Method::DELETE, "/api/v1/articles/{id}", Who::Editor, Target::DraftArticle, None),
        (
            Method::POST,
            "/api/v1/articles/batch",
            Who::Editor,
            Target::DraftArticle,
            Some(json!({"operations": [{"op": "patch", "id": "{id}", "body": {"summary": "Tóm tắt"}}]})),
        ),
        (Method::POST, "/api/v1/articles/{id}/restore", Who::Editor, Target::TrashedArticle, None),
        (Method::POST, "/api/v1/articles/{id}/revisions/{version}/restore", Who::Editor, Target::RevisedArticle, None),
        (Method::POST, "/api/v1/articles/{id}/views", Who::Public, Target::PublishedArticle, None),
        (Method::PUT, "/api/v1/articles/{id}/views", Who::Editor, Target::PublishedArticle, Some(json!({"total": 5}))),
        (Method::DELETE, "/api/v1/articles/{id}/views", Who::Editor, Target::PublishedArticle, None),
        (Method::POST, "/api/v1/categories", Who::Editor, Target::None, Some(json!({"name": "Chuyên mục mới"}))),
        (Method::PUT, "/api/v1/categories/{id}", Who::Editor, Target::Category, Some(json!({"name": "Đổi tên"}))),
        (Method::PATCH, "/api/v1/categories/{id}", Who::Editor, Target::Category, Some(json!({"position": 2}))),
        (Method::DELETE, "/api/v1/categories/{id}", Who::Editor, Target::Category, None),
        (Method::POST, "/api/v1/tags", Who::Editor, Target::None, Some(json!({"name": "Thẻ mới"}))),
        (Method::PUT, "/api/v1/tags/{id}", Who::Editor, Target::Tag, Some(json!({"name": "Thẻ đổi tên"}))),
        (Method::PATCH, "/api/v1/tags/{id}", Who::Editor, Target::Tag, Some(json!({"description": "Mô tả"}))),
        (Method::DELETE, "/api/v1/tags/{id}", Who::Editor, Target::Tag, None),
        (Method::POST, "/api/v1/authors", Who::Editor, Target::None, Some(json!({"name": "Tác giả mới"}))),
        (Method::PUT, "/api/v1/authors/{id}", Who::Editor, Target::Author, Some(json!({"name": "Tác giả đổi tên"}))),
        (Method::PATCH, "/api/v1/authors/{id}", Who::Editor, Target::Author, Some(json!({"bio": "Phóng viên"}))),
        (Method::DELETE, "/api/v1/authors/{id}", Who::Editor, Target::Author, None),
        (Method::GET, "/api/v1/tokens", Who::Admin, Target::None, None),
        (Method::POST, "/api/v1/tokens", Who::Admin, Target::None, Some(json!({"name": "new", "scope": "read"}))),
        (Method::DELETE, "/api/v1/tokens/{id}", Who::Admin, Target::Token, None),
        (Method::POST, "/api/v1/media", Who::Contributor, Target::None, None),
        (Method::PATCH, "/api/v1/media/{id}", Who::Editor, Target::Media, Some(json!({"alt": "Ảnh"}))),
        (Method::DELETE, "/api/v1/media/{id}", Who::Editor, Target::Media, None),
        (Method::GET, "/api/v1/webhooks", Who::Admin, Target::None, None),
        (Method::POST, "/api/v1/webhooks", Who::Admin, Target::None, Some(json!({"url": HOOK, "events": ["*"]}))),
        (Method::GET, "/api/v1/webhooks/{id}", Who::Admin, Target::Webhook, None),
        (Method::PATCH, "/api/v1/webhooks/{id}", Who::Admin, Target::Webhook, Some(json!({"description": "CDN"}))),
        (Method::DELETE, "/api/v1/webhooks/{id}", Who::Admin, Target::Webhook, None),
        (Method::POST, "/api/v1/webhooks/{id}/ping", Who::Admin, Target::Webhook, None),
        (Method::GET, "/api/v1/webhooks/{id}/deliveries", Who::Admin, Target::Webhook, None),
        (Method::POST, "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry", Who::Admin, Target::Delivery, None),
    ]
}

struct Tokens {
    contributor: String,
    admin: String,
}

fn as_who<'a>(app: &'a TestApp, tokens: &'a Tokens, who: Who) -> As<'a> {
    match who {
        Who::Public => As::Public,
        Who::Read => app.reader(),
        Who::Contributor => As::Token(&tokens.contributor),
        Who::Editor => app.writer(),
        Who::Admin => As::Token(&tokens.admin),
    }
}

async fn make(app: &TestApp, target: Target, n: usize) -> Option<Value> {
    let id = match target {
        Target::None => return None,
        Target::DraftArticle => app.create_article(json!({"title": format!("Nháp {n}")})).await["id"].clone(),
        Target::PublishedArticle => {
            app.publish(&format!("Tin {n}"), "2026-01-01T00:00:00Z", json!({})).await["id"].clone()
        }
        Target::TrashedArticle => {
            let id = app.create_article(json!({"title": format!("Vào thùng rác {n}")})).await["id"].clone();
            assert_eq!(app.delete(&format!("/api/v1/articles/{id}")).await.status, 204);
            id
        }
        Target::RevisedArticle => {
            let id = app.create_article(json!({"title": format!("Bản đầu {n}")})).await["id"].clone();
            assert_eq!(
                app.patch(&format!("/api/v1/articles/{id}"), json!({"title": format!("Bản sau {n}")})).await.status,
                200
            );
            id
        }
        Target::Author => {
            let made = app.post("/api/v1/authors", json!({"name": format!("Tác giả {n}")})).await;
            assert_eq!(made.status, 201, "{}", made.body);
            made.body["id"].clone()
        }
        Target::Category => app.create_category(&format!("Mục {n}"), None).await["id"].clone(),
        Target::Tag => app.create_tag(&format!("Thẻ {n}")).await["id"].clone(),
        Target::Media => {
            let made =
                crate::media::upload(app, "a.png", &crate::media::picture(40, 30, image::ImageFormat::Png), None).await;
            assert_eq!(made.status, 201, "{}", made.body);
            made.body["id"].clone()
        }
        Target::Webhook | Target::Delivery => {
            let mut conn = app.pool.get().expect("connection");
            let fields = bantin::db::webhooks::WebhookFields {
                url: HOOK.to_owned(),
                events: "[\"*\"]".to_owned(),
                description: None,
                active: true,
            };
            let webhook = bantin::db::webhooks::insert(&mut conn, &fields, "whsec_AAAA").expect("webhook").id;
            if let Target::Webhook = target {
                json!(webhook)
            } else {
                let queued = bantin::webhooks::send_to(&mut conn, "ping", &json!({"id": webhook}), Some(webhook))
                    .expect("queued");
                json!([webhook, queued[0]])
            }
        }
        Target::Token => {
            let mut conn = app.pool.get().expect("connection");
            bantin::db::tokens::create(&mut conn, &format!("tam-{n}"), "read").expect("token");
            let all = bantin::db::tokens::list(&mut conn).expect("tokens");
            json!(all.last().expect("a token").id)
        }
    };
    Some(id)
}

#[actix_web::test]
async fn every_write_endpoint_answers_each_role_as_the_contract_says() {
    let app = TestApp::spawn().await;
    let tokens = {
        let mut conn = app.pool.get().expect("connection");
        Tokens {
            contributor: bantin::db::tokens::create(&mut conn, "cong-tac-vien", "contributor").expect("token"),
            admin: bantin::db::tokens::create(&mut conn, "quan-tri", "admin").expect("token"),
        }
    };
    let table = table();

    // Every write in the spec (and every admin-only read) has a row.
    let spec = app.get("/openapi.json").await.body;
    let paths = spec["paths"].as_object().expect("paths");
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().expect("operations") {
            let method: Method = method.to_uppercase().parse().expect("method");
            let writes = method != Method::GET && method != Method::HEAD;
            let admin_read = operation["tags"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("tokens")) || t.contains(&json!("webhooks")));
            if writes || admin_read {
                assert!(
                    table.iter().any(|(m, p, ..)| *m == method && p == path),
                    "{method} {path} has no row in the role table"
                );
            }
        }
    }

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while app.send(Method::GET, "/api/v1/tokens", As::Token(&tokens.admin), None).await.status != 200 {
        assert!(std::time::Instant::now() < deadline, "the new tokens never took effect");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let mut n = 0;
    for (method, path, least, target, body) in &table {
        for who in EVERYONE {
            n += 1;
            let made = make(&app, *target, n).await;
            let path = match &made {
                Some(Value::Array(ids)) => {
                    path.replace("{id}", &ids[0].to_string()).replace("{delivery_id}", &ids[1].to_string())
                }
                Some(id) => path.replace("{id}", &id.to_string()).replace("{version}", "1"),
                None => (*path).to_owned(),
            };
            let mut body = body.clone();
            // A batch names its article in the body.
            if let (Some(body), Some(id)) = (body.as_mut(), made.as_ref().filter(|id| id.is_number())) {
                *body = serde_json::from_str(&body.to_string().replace("\"{id}\"", &id.to_string())).expect("json");
            }
            if let Some(Value::Object(fields)) = body.as_mut() {
                // Unique names per attempt.
                for key in ["name", "title"] {
                    if let Some(Value::String(text)) = fields.get_mut(key) {
                        text.push_str(&format!(" {n}"));
                    }
                }
            }
            let reply = if *method == Method::POST && path == "/api/v1/media" {
                let image = crate::media::picture(40, 30, image::ImageFormat::Png);
                let (content_type, form) = crate::media::multipart(&[("file", Some("a.png"), &image)]);
                app.send_raw(method.clone(), &path, as_who(&app, &tokens, who), Some(&content_type), form).await
            } else {
                app.send(method.clone(), &path, as_who(&app, &tokens, who), body).await
            };
            let expected = if who >= *least {
                "2xx"
            } else if who == Who::Public {
                "401"
            } else {
                "403"
            };
            let got = match reply.status {
                200..=299 => "2xx",
                401 => "401",
                403 => "403",
                _ => "other",
            };
            assert_eq!(got, expected, "{method} {path} as {who:?}: {} {}", reply.status, reply.body);
            if got == "403" {
                let detail = reply.body["detail"].as_str().unwrap_or_default();
                let needed = format!("{least:?}").to_lowercase();
                assert!(detail.contains(&needed), "the 403 names the role needed ({needed}): {detail}");
            }
        }
    }
}

#[actix_web::test]
async fn a_contributor_never_makes_content_public() {
    let app = TestApp::spawn().await;
    let contributor = {
        let mut conn = app.pool.get().expect("connection");
        bantin::db::tokens::create(&mut conn, "cong-tac-vien", "contributor").expect("token")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let who = || As::Token(&contributor);
    let draft = loop {
        let made =
            app.send(Method::POST, "/api/v1/articles", who(), Some(json!({"title": "Bài của cộng tác viên"}))).await;
        if made.status == 201 {
            break made.body;
        }
        assert!(std::time::Instant::now() < deadline, "the contributor token never took effect");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let id = &draft["id"];
    for body in [
        json!({"title": "Đăng luôn", "status": "published"}),
        json!({"title": "Hẹn giờ", "status": "published", "published_at": "2099-01-01T00:00:00Z"}),
        json!({"title": "Lưu trữ", "status": "archived"}),
    ] {
        let created = app.send(Method::POST, "/api/v1/articles", who(), Some(body.clone())).await;
        created.assert_problem(403, "forbidden");
        let patched = app.send(Method::PATCH, &format!("/api/v1/articles/{id}"), who(), Some(body)).await;
        patched.assert_problem(403, "forbidden");
    }
    assert_eq!(app.send(Method::DELETE, &format!("/api/v1/articles/{id}"), who(), None).await.status, 403);
    // Once an editor publishes it, the contributor cannot touch it.
    let published = app
        .send(Method::PATCH, &format!("/api/v1/articles/{id}"), app.writer(), Some(json!({"status": "published"})))
        .await;
    assert_eq!(published.status, 200);
    let edit =
        app.send(Method::PATCH, &format!("/api/v1/articles/{id}"), who(), Some(json!({"title": "Sửa lén"}))).await;
    edit.assert_problem(403, "forbidden");
    let after = app.get(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(after.body["title"], "Bài của cộng tác viên");
}

#[actix_web::test]
async fn admins_manage_tokens_and_a_revoked_token_stops_at_once() {
    let app = TestApp::spawn().await;
    let admin = {
        let mut conn = app.pool.get().expect("connection");
        bantin::db::tokens::create(&mut conn, "quan-tri", "admin").expect("token")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while app.send(Method::GET, "/api/v1/tokens", As::Token(&admin), None).await.status != 200 {
        assert!(std::time::Instant::now() < deadline, "the admin token never took effect");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let made = app
        .send(
            Method::POST,
            "/api/v1/tokens",
            As::Token(&admin),
            Some(json!({"name": "bien-tap-vien", "scope": "write"})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["scope"], "editor", "write is editor");
    let secret = made.body["token"].as_str().expect("the secret, once").to_owned();
    let again = app
        .send(
            Method::POST,
            "/api/v1/tokens",
            As::Token(&admin),
            Some(json!({"name": "bien-tap-vien", "scope": "read"})),
        )
        .await;
    again.assert_problem(409, "conflict");
    // Usable at once; listed without its secret; last use recorded.
    let wrote = app.send(Method::POST, "/api/v1/tags", As::Token(&secret), Some(json!({"name": "Thời sự"}))).await;
    assert_eq!(wrote.status, 201, "{}", wrote.body);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let listed = loop {
        let list = app.send(Method::GET, "/api/v1/tokens?per_page=100", As::Token(&admin), None).await;
        let mine = list.body["data"].as_array().expect("data").iter().find(|t| t["name"] == "bien-tap-vien").cloned();
        let mine = mine.expect("listed");
        if !mine["last_used_at"].is_null() {
            break mine;
        }
        assert!(std::time::Instant::now() < deadline, "last_used_at was never recorded");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(listed.get("token").is_none() && !listed.to_string().contains(&secret));
    let revoked =
        app.send(Method::DELETE, &format!("/api/v1/tokens/{}", made.body["id"]), As::Token(&admin), None).await;
    assert_eq!(revoked.status, 204);
    let refused = app.send(Method::POST, "/api/v1/tags", As::Token(&secret), Some(json!({"name": "Kinh tế"}))).await;
    refused.assert_problem(401, "unauthorized");
}
