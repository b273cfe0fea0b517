//! Reads cost one statement per article and one per page, whatever the page size:
//! each store call the read handlers make is counted on the connection.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bantin::db::articles::{self as store, ListFilter, SortField, StatusFilter};
use diesel::connection::{Connection, InstrumentationEvent};
use serde_json::json;

use crate::helpers::TestApp;

#[actix_web::test]
async fn an_article_is_one_statement_and_a_page_of_any_size_is_one_more_for_its_total() {
    let app = TestApp::spawn().await;
    let news = app.create_category("Thời sự", None).await;
    for i in 0..30 {
        let tags = [format!("Tag {}", i % 4), format!("Chủ đề {}", i % 3), "Thi đua".to_owned()];
        app.publish(
            &format!("Tin số {i}"),
            &format!("2020-01-{:02}T00:00:00Z", i % 28 + 1),
            json!({"category_id": news["id"], "tags": tags}),
        )
        .await;
    }
    let mut conn = app.pool.get().expect("connection");
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut counted = |what: &str, expected: usize, work: &mut dyn FnMut(&mut bantin::db::Conn)| {
        statements.store(0, Ordering::SeqCst);
        work(&mut conn);
        assert_eq!(statements.load(Ordering::SeqCst), expected, "{what}");
    };

    counted("an article by slug, with category and tags", 1, &mut |conn| {
        let loaded = store::find_loaded_by_slug(conn, "tin-so-7").expect("query").expect("found");
        assert_eq!(loaded.category_json.as_deref().map(|c| c.contains("thoi-su")), Some(true));
        assert_eq!(loaded.tags_json.as_deref().map(|t| t.matches("\"slug\"").count()), Some(3));
    });
    counted("an article by id", 1, &mut |conn| {
        assert!(store::find_loaded(conn, 3).expect("query").is_some());
    });
    let filter = ListFilter {
        status: StatusFilter::Visible,
        now: bantin::db::now(),
        categories: None,
        tags: Some(vec!["thi-dua".to_owned()]),
        author: None,
        author_id: None,
        featured: None,
        published_after: None,
        published_before: None,
        ids: None,
    };
    for size in [1, 5, 25] {
        counted(&format!("a page of {size} with relations"), 1, &mut |conn| {
            let rows = store::page(conn, &filter, (SortField::PublishedAt, true), 0, None, size).expect("page");
            assert_eq!(rows.len(), size as usize);
            assert!(rows.iter().all(|r| r.tags_json.as_deref().is_some_and(|t| t.contains("thi-dua"))));
        });
    }
    counted("the page's total", 1, &mut |conn| {
        assert_eq!(store::count(conn, &filter).expect("count"), 30);
    });
    let mut article = None;
    counted("the article itself", 1, &mut |conn| {
        article = store::find(conn, 1).expect("query");
    });
    let article = article.expect("found");
    counted("related articles with relations", 1, &mut |conn| {
        let related = store::related(conn, &article, bantin::db::now(), 4).expect("related");
        assert_eq!(related.len(), 4);
    });
}
