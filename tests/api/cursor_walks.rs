//! Property: for random datasets and every sort, walking by keyset cursor yields exactly
//! the rows that walking by page does, in the same order.

use bantin::db::articles::{self as store, ArticleFields, ListFilter, SortField, StatusFilter};
use bantin::db::{self, DbPool};
use chrono::NaiveDate;
use diesel::prelude::*;
use proptest::prelude::*;

fn dataset(pool: &DbPool, rows: &[(u8, u8, u8, bool)]) {
    let mut conn = pool.get().expect("connection");
    for (i, (day, title, views, dated)) in rows.iter().enumerate() {
        let published_at = dated
            .then(|| NaiveDate::from_ymd_opt(2020, 1, 1 + u32::from(*day % 5)).and_then(|d| d.and_hms_opt(8, 0, 0)))
            .flatten();
        let fields = ArticleFields {
            slug: format!("tin-{i}"),
            title: format!("Tin {}", title % 4),
            summary: None,
            body: String::new(),
            author: None,
            status: if *dated { "published" } else { "draft" }.to_owned(),
            published_at,
            category_id: None,
            cover_image_url: None,
            featured: false,
            reading_time_minutes: 1,
            author_id: None,
            cover_image_id: None,
            seo: Default::default(),
        };
        let row = store::insert(&mut conn, &fields, &[], None).expect("insert");
        use bantin::schema::articles::dsl::{articles, view_count};
        diesel::update(articles.find(row.id))
            .set(view_count.eq(i64::from(views % 3)))
            .execute(&mut conn)
            .expect("views");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn cursor_walks_equal_page_walks(
        rows in proptest::collection::vec((0u8..10, 0u8..10, 0u8..10, proptest::bool::weighted(0.8)), 0..40),
        per_page in 1i64..6,
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let pool = db::open(&dir.path().join("p.db"), 2).expect("db");
        dataset(&pool, &rows);
        let mut conn = pool.get().expect("connection");
        for status in [StatusFilter::Any, StatusFilter::Visible] {
        let filter = ListFilter {
            status, now: db::now(), categories: None, tags: None, author: None, author_id: None,
            featured: None, published_after: None, published_before: None, ids: None,
        };
        for field in [SortField::PublishedAt, SortField::UpdatedAt, SortField::Title, SortField::ViewCount] {
            for descending in [true, false] {
                let sort = (field, descending);
                let mut by_page = Vec::new();
                for page in 0.. {
                    let rows = store::page(&mut conn, &filter, sort, page * per_page, None, per_page).expect("page");
                    if rows.is_empty() { break; }
                    by_page.extend(rows.iter().map(|r| r.article.id));
                }
                let mut by_cursor = Vec::new();
                let mut after = None;
                loop {
                    let rows = store::page(&mut conn, &filter, sort, 0, after.clone(), per_page).expect("cursor page");
                    let Some(last) = rows.last() else { break };
                    after = Some((store::sort_value(&last.article, field), last.article.id));
                    by_cursor.extend(rows.iter().map(|r| r.article.id));
                    prop_assert!(by_cursor.len() <= rows.len() * 100, "runaway walk");
                }
                prop_assert_eq!(&by_cursor, &by_page, "{:?}: sort {:?} descending {}", status, field, descending);
                if status == StatusFilter::Any {
                    prop_assert_eq!(by_cursor.len(), rows.len());
                }
            }
        }
        }
    }
}
