use actix_web::http::Method;
use serde_json::{json, Value};

use crate::helpers::TestApp;

fn ids(reply: &crate::helpers::Reply) -> Vec<i64> {
    TestApp::column(reply, "id").iter().filter_map(Value::as_i64).collect()
}

async fn search(app: &TestApp, q: &str) -> crate::helpers::Reply {
    app.wait_indexed().await;
    let reply = app.get(&format!("/api/v1/articles?q={}", urlencode(q))).await;
    assert_eq!(reply.status, 200, "q={q}: {}", reply.body);
    reply
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[actix_web::test]
async fn diacritics_fold_both_ways_including_d_bar() {
    let app = TestApp::spawn().await;
    let accented = app.publish("Phong trào thi đua ở Trà My", "2020-01-01T00:00:00Z", json!({})).await;
    let plain = app.publish("Tin tra my va thi dua", "2020-01-02T00:00:00Z", json!({})).await;
    let road = app.publish("ĐƯỜNG về Đà Nẵng", "2020-01-03T00:00:00Z", json!({})).await;
    let (a, p, r) =
        (accented["id"].as_i64().unwrap_or(0), plain["id"].as_i64().unwrap_or(0), road["id"].as_i64().unwrap_or(0));
    let cases: [(&str, Vec<i64>); 8] = [
        ("thi dua", vec![a, p]),
        ("thi đua", vec![a, p]),
        ("Trà My", vec![a, p]),
        ("TRA MY", vec![a, p]),
        ("duong", vec![r]),
        ("đường", vec![r]),
        ("da nang", vec![r]),
        ("Đà", vec![r]),
    ];
    for (q, expected) in cases {
        let mut got = ids(&search(&app, q).await);
        got.sort_unstable();
        assert_eq!(got, expected, "q={q}");
    }
}

#[actix_web::test]
async fn every_word_must_match_and_the_last_may_be_a_prefix() {
    let app = TestApp::spawn().await;
    let a = app.publish("Phong trào thi đua yêu nước", "2020-01-01T00:00:00Z", json!({})).await;
    app.publish("Phong cảnh miền núi", "2020-01-02T00:00:00Z", json!({})).await;
    assert_eq!(ids(&search(&app, "phong tr").await), [a["id"].as_i64().unwrap_or(0)]);
    assert_eq!(ids(&search(&app, "phong").await).len(), 2);
    assert_eq!(ids(&search(&app, "phong nui thi").await), Vec::<i64>::new());
    assert_eq!(ids(&search(&app, "yeu phong").await), [a["id"].as_i64().unwrap_or(0)], "order of words is free");
    assert_eq!(ids(&search(&app, "tr phong").await), Vec::<i64>::new(), "only the last word is a prefix");
}

#[actix_web::test]
async fn title_matches_rank_above_summary_above_body() {
    let app = TestApp::spawn().await;
    let body = app
        .publish("Tin một", "2020-01-03T00:00:00Z", json!({"body": "<p>Nói về lúa gạo và nông nghiệp ở đồng bằng</p>"}))
        .await;
    let title = app.publish("Giá lúa tăng mạnh", "2020-01-01T00:00:00Z", json!({})).await;
    let summary = app.publish("Tin hai", "2020-01-02T00:00:00Z", json!({"summary": "Nông dân bán lúa được giá"})).await;
    let reply = search(&app, "lua").await;
    assert_eq!(
        ids(&reply),
        [title["id"].as_i64().unwrap_or(0), summary["id"].as_i64().unwrap_or(0), body["id"].as_i64().unwrap_or(0)]
    );
    let by_date = app.get("/api/v1/articles?q=lua&sort=-published_at").await;
    assert_eq!(ids(&by_date)[0], body["id"].as_i64().unwrap_or(0), "sort overrides relevance");
}

#[actix_web::test]
async fn highlights_come_from_the_accented_original_and_escape_everything_else() {
    let app = TestApp::spawn().await;
    app.publish(
        "Thi đua <b>lập công</b> & đổi mới",
        "2020-01-01T00:00:00Z",
        json!({"body": "<p>Sáng nay, tỉnh phát động phong trào <em>thi đua</em> yêu nước.</p><script>x</script>"}),
    )
    .await;
    let reply = search(&app, "thi dua").await;
    let highlight = &reply.body["data"][0]["highlight"];
    assert_eq!(highlight["title"], "<mark>Thi</mark> <mark>đua</mark> &lt;b&gt;lập công&lt;/b&gt; &amp; đổi mới");
    assert_eq!(highlight["snippet"], "Sáng nay, tỉnh phát động phong trào <mark>thi</mark> <mark>đua</mark> yêu nước.");
    let plain = app.get("/api/v1/articles").await;
    assert!(plain.body["data"][0].get("highlight").is_none(), "no highlight without q");
}

#[actix_web::test]
async fn hostile_queries_answer_200_or_400_never_500() {
    let app = TestApp::spawn().await;
    app.publish("Hà Nội mùa thu", "2020-01-01T00:00:00Z", json!({})).await;
    let long = "a".repeat(201);
    let cases =
        ["Hà-Nội", "c++", "foo:bar", "\"", "AND", "OR NOT", "NEAR(a b)", "*", "title:ha", "a\"b", "ha*noi", "(", "^ha"];
    for q in cases {
        let reply = app.get(&format!("/api/v1/articles?q={}", urlencode(q))).await;
        assert!(reply.status == 200 || reply.status == 400, "q={q}: {} {}", reply.status, reply.body);
    }
    assert_eq!(ids(&search(&app, "Hà-Nội").await).len(), 1);
    for q in [long.as_str(), "!!!", "   ", "—"] {
        app.get(&format!("/api/v1/articles?q={}", urlencode(q))).await.assert_problem(400, "bad_request");
    }
}

#[actix_web::test]
async fn the_index_follows_updates_and_deletes() {
    let app = TestApp::spawn().await;
    let article = app.publish("Bão số năm", "2020-01-01T00:00:00Z", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(ids(&search(&app, "bao").await).len(), 1);
    app.patch(&path, json!({"title": "Lũ lụt miền Trung"})).await;
    assert_eq!(ids(&search(&app, "bao").await).len(), 0);
    assert_eq!(ids(&search(&app, "lu lut").await).len(), 1);
    app.delete(&path).await;
    assert_eq!(ids(&search(&app, "lu lut").await).len(), 0);
}

#[actix_web::test]
async fn search_combines_with_filters_and_both_pagination_modes() {
    let app = TestApp::spawn().await;
    let sport = app.create_category("Thể thao", None).await;
    for i in 0..7 {
        let category = if i % 2 == 0 { sport["id"].clone() } else { Value::Null };
        app.publish(
            &format!("Bóng đá trận {i}"),
            &format!("2020-01-0{}T00:00:00Z", i + 1),
            json!({"category_id": category}),
        )
        .await;
    }
    app.create_article(json!({"title": "Bóng đá nháp"})).await;
    app.wait_indexed().await;
    let filtered = app.get("/api/v1/articles?q=bong&category=the-thao").await;
    assert_eq!(filtered.body["meta"]["total"], 4);
    let drafts = app.send(Method::GET, "/api/v1/articles?q=bong&status=draft", app.reader(), None).await;
    assert_eq!(drafts.body["meta"]["total"], 1);

    let page_walk: Vec<i64> = {
        let mut all = Vec::new();
        for page in 1..=3 {
            all.extend(ids(&app.get(&format!("/api/v1/articles?q=bong&per_page=3&page={page}")).await));
        }
        all
    };
    assert_eq!(page_walk.len(), 7);
    let mut cursor_walk = Vec::new();
    let mut url = "/api/v1/articles?q=bong&per_page=3&cursor=".to_owned();
    loop {
        let reply = app.get(&url).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        cursor_walk.extend(ids(&reply));
        match reply.body["meta"]["next_cursor"].as_str() {
            Some(next) => url = format!("/api/v1/articles?q=bong&per_page=3&cursor={next}"),
            None => break,
        }
        assert!(cursor_walk.len() <= 7);
    }
    assert_eq!(cursor_walk, page_walk);
    let first = app.get("/api/v1/articles?q=bong&per_page=3&cursor=").await;
    let cursor = first.body["meta"]["next_cursor"].as_str().expect("cursor").to_owned();
    app.get(&format!("/api/v1/articles?q=tran&per_page=3&cursor={cursor}")).await.assert_problem(400, "bad_request");
    app.get(&format!("/api/v1/articles?per_page=3&cursor={cursor}")).await.assert_problem(400, "bad_request");
}
