use actix_web::http::Method;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::helpers::{As, TestApp};

const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36";

/// Stores `views` for article `id` on the day `days_ago` days before today.
fn past_views(app: &TestApp, id: &Value, days_ago: i64, views: i64) {
    use bantin::schema::article_daily_views::dsl as v;
    let day = Utc::now().date_naive() - Duration::days(days_ago);
    let article = id.as_i64().unwrap_or(0) as i32;
    let mut conn = app.pool.get().expect("connection");
    diesel::insert_into(v::article_daily_views)
        .values((v::article_id.eq(article), v::day.eq(day), v::views.eq(views)))
        .execute(&mut conn)
        .expect("insert");
    use bantin::schema::articles::dsl as a;
    diesel::update(a::articles.find(article))
        .set(a::view_count.eq(a::view_count + views))
        .execute(&mut conn)
        .expect("total");
}

#[actix_web::test]
async fn a_thousand_concurrent_views_from_distinct_visitors_all_count() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin nóng", "2020-01-01T00:00:00Z", json!({})).await;
    let agents: Vec<String> = (0..1000).map(|i| format!("{BROWSER} visitor/{i}")).collect();
    let replies = join_all(agents.iter().map(|ua| app.view(&article["id"], Some(ua)))).await;
    assert!(replies.iter().all(|r| r.status == 202 && r.body == json!({"counted": true})));
    assert_eq!(
        app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["view_count"],
        0,
        "buffered, not written per request"
    );
    assert_eq!(app.flush_views(), 1000);
    let stats = app.get(&format!("/api/v1/articles/{}/views", article["id"])).await;
    assert_eq!(stats.body["total"], 1000);
    let daily = stats.body["daily"].as_array().expect("daily");
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[29], json!({"date": Utc::now().date_naive().to_string(), "views": 1000}));
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["view_count"], 1000);
}

#[actix_web::test]
async fn a_visitor_counts_once_per_window_and_bots_not_at_all() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin", "2020-01-01T00:00:00Z", json!({})).await;
    let other = app.publish("Tin khác", "2020-01-01T00:00:00Z", json!({})).await;
    assert_eq!(app.view(&article["id"], Some(BROWSER)).await.body, json!({"counted": true}));
    assert_eq!(app.view(&article["id"], Some(BROWSER)).await.body, json!({"counted": false}));
    assert_eq!(app.view(&other["id"], Some(BROWSER)).await.body, json!({"counted": true}));
    for bot in ["Googlebot/2.1 (+http://www.google.com/bot.html)", "facebookexternalhit/1.1", "curl/8.5.0", ""] {
        let reply = app.view(&article["id"], Some(bot)).await;
        assert_eq!(reply.status, 202);
        assert_eq!(reply.body, json!({"counted": false}), "{bot}");
    }
    app.flush_views();
    assert_eq!(app.get(&format!("/api/v1/articles/{}/views", article["id"])).await.body["total"], 1);
}

#[actix_web::test]
async fn only_publicly_visible_articles_take_views() {
    let app = TestApp::spawn().await;
    let draft = app.create_article(json!({"title": "Nháp"})).await;
    let scheduled = app.publish("Sắp tới", "2999-01-01T00:00:00Z", json!({})).await;
    for hidden in [&draft, &scheduled, &json!(999)] {
        app.view(if hidden.is_number() { hidden } else { &hidden["id"] }, Some(BROWSER))
            .await
            .assert_problem(404, "not_found");
    }
    app.patch(&format!("/api/v1/articles/{}", draft["id"]), json!({"status": "published"})).await;
    assert_eq!(app.view(&draft["id"], Some(BROWSER)).await.status, 202, "publishing is seen at once");
    app.patch(&format!("/api/v1/articles/{}", draft["id"]), json!({"status": "archived"})).await;
    app.view(&draft["id"], Some(BROWSER)).await.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/articles/{}/views", draft["id"])).await.assert_problem(404, "not_found");
    let preview = app.send(Method::GET, &format!("/api/v1/articles/{}/views", draft["id"]), app.reader(), None).await;
    assert_eq!(preview.status, 200);
}

#[actix_web::test]
async fn history_is_zero_filled_and_bounded() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin", "2020-01-01T00:00:00Z", json!({})).await;
    past_views(&app, &article["id"], 2, 5);
    past_views(&app, &article["id"], 4, 7);
    let today = Utc::now().date_naive();
    let from = today - Duration::days(5);
    let path = format!("/api/v1/articles/{}/views?from={from}&to={today}", article["id"]);
    let stats = app.get(&path).await;
    let views: Vec<i64> =
        stats.body["daily"].as_array().expect("daily").iter().filter_map(|d| d["views"].as_i64()).collect();
    assert_eq!(views, [0, 7, 0, 5, 0, 0]);
    assert_eq!(stats.body["daily"][0]["date"], from.to_string());
    assert_eq!(stats.body["total"], 12);
    assert_eq!(stats.body["article_id"], article["id"]);
    let base = format!("/api/v1/articles/{}/views", article["id"]);
    for query in ["from=2020-01-01&to=2021-01-02", "from=2020-02-01&to=2020-01-01", "from=yesterday", "to=2020-13-01"] {
        app.get(&format!("{base}?{query}")).await.assert_problem(400, "bad_request");
    }
    assert_eq!(
        app.get(&format!("{base}?from=2020-01-01&to=2020-12-31")).await.body["daily"].as_array().map(Vec::len),
        Some(366)
    );
}

#[actix_web::test]
async fn popular_orders_by_views_in_each_window() {
    let app = TestApp::spawn().await;
    let sport = app.create_category("Thể thao", None).await;
    let today_hit = app.publish("Hôm nay", "2020-01-01T00:00:00Z", json!({"category_id": sport["id"]})).await;
    let week_hit = app.publish("Tuần này", "2020-01-01T00:00:00Z", json!({})).await;
    let month_hit = app.publish("Tháng này", "2020-01-01T00:00:00Z", json!({})).await;
    let old_hit = app.publish("Ngày xưa", "2020-01-01T00:00:00Z", json!({})).await;
    let hidden = app.create_article(json!({"title": "Nháp"})).await;
    past_views(&app, &today_hit["id"], 0, 10);
    past_views(&app, &week_hit["id"], 3, 50);
    past_views(&app, &month_hit["id"], 20, 100);
    past_views(&app, &old_hit["id"], 200, 1000);
    past_views(&app, &hidden["id"], 0, 9999);

    let cases: [(&str, Vec<(&Value, i64)>); 5] = [
        ("window=day", vec![(&today_hit, 10)]),
        ("", vec![(&week_hit, 50), (&today_hit, 10)]),
        ("window=month", vec![(&month_hit, 100), (&week_hit, 50), (&today_hit, 10)]),
        ("window=all", vec![(&old_hit, 1000), (&month_hit, 100), (&week_hit, 50), (&today_hit, 10)]),
        ("window=all&category=the-thao", vec![(&today_hit, 10)]),
    ];
    for (query, expected) in cases {
        let reply = app.get(&format!("/api/v1/articles/popular?{query}")).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        let got: Vec<(Value, Value)> = reply.body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| (a["id"].clone(), a["window_views"].clone()))
            .collect();
        let expected: Vec<(Value, Value)> = expected.iter().map(|(a, n)| (a["id"].clone(), json!(n))).collect();
        assert_eq!(got, expected, "{query}");
    }
    let limited = app.get("/api/v1/articles/popular?window=all&limit=2").await;
    assert_eq!(limited.body["meta"], json!({"total": 2}));
    assert!(limited.body["data"][0]["title"].is_string() && limited.body["data"][0].get("body").is_none());
    for bad in ["window=year", "limit=0", "limit=101"] {
        app.get(&format!("/api/v1/articles/popular?{bad}")).await.assert_problem(400, "bad_request");
    }
    let by_views = app.get("/api/v1/articles?sort=-view_count&per_page=1").await;
    assert_eq!(by_views.body["data"][0]["id"], old_hit["id"], "list sort uses totals");
}

#[actix_web::test]
async fn editors_set_and_reset_totals() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin cũ", "2020-01-01T00:00:00Z", json!({})).await;
    let path = format!("/api/v1/articles/{}/views", article["id"]);
    app.view(&article["id"], Some(BROWSER)).await;
    let set = app.put(&path, json!({"total": 1001})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["total"], 1001);
    app.flush_views();
    assert_eq!(app.get(&path).await.body["total"], 1001, "the buffered view was written before the set");
    assert_eq!(app.get(&format!("/api/v1/articles/{}", article["id"])).await.body["view_count"], 1001);

    app.put(&path, json!({"total": -1})).await.assert_problem(422, "validation_failed");
    app.put(&path, json!({"total": "x"})).await.assert_problem(422, "validation_failed");
    app.put("/api/v1/articles/999/views", json!({"total": 1})).await.assert_problem(404, "not_found");
    app.send(Method::PUT, &path, As::Public, Some(json!({"total": 5}))).await.assert_problem(401, "unauthorized");
    app.send(Method::PUT, &path, app.reader(), Some(json!({"total": 5}))).await.assert_problem(403, "forbidden");
    app.send(Method::DELETE, &path, app.reader(), None).await.assert_problem(403, "forbidden");

    let reset = app.delete(&path).await;
    assert_eq!(reset.status, 204);
    let stats = app.get(&path).await;
    assert_eq!(stats.body["total"], 0);
    assert!(stats.body["daily"].as_array().expect("daily").iter().all(|d| d["views"] == 0));
}

#[actix_web::test]
async fn a_failed_flush_keeps_every_view_for_the_next_one() {
    let app = TestApp::spawn().await;
    let article = app.publish("Tin", "2020-01-01T00:00:00Z", json!({})).await;
    for i in 0..3 {
        app.view(&article["id"], Some(&format!("{BROWSER} {i}"))).await;
    }
    let mut conn = app.pool.get().expect("connection");
    diesel::sql_query("ALTER TABLE article_daily_views RENAME TO broken").execute(&mut conn).expect("break");
    assert!(app.views.flush(&app.pool).is_err());
    assert_eq!(app.views.pending(), 3);
    diesel::sql_query("ALTER TABLE broken RENAME TO article_daily_views").execute(&mut conn).expect("mend");
    drop(conn);
    assert_eq!(app.flush_views(), 3);
    assert_eq!(app.views.pending(), 0);
    assert_eq!(app.get(&format!("/api/v1/articles/{}/views", article["id"])).await.body["total"], 3);
}
