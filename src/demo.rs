//! `bantin serve --demo`: a small Vietnamese provincial news site for an empty database.
//! All text is written for bantin; the pictures are drawn by it (`pictures`).

mod pictures;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::articles::{self as store, ArticleFields};
use crate::db::categories::{self as categories, CategoryFields};
use crate::db::tags as tag_store;
use crate::db::Conn;
use crate::error::ApiError;
use crate::media::store::Library;
use crate::schema::articles;
use crate::{html, text};

const CATEGORIES: [(&str, Option<usize>); 6] = [
    ("Thời sự", None),
    ("Trong tỉnh", Some(0)),
    ("Kinh tế", None),
    ("Văn hóa", None),
    ("Giáo dục", None),
    ("Thể thao", None),
];

const TAGS: [&str; 15] = [
    "Thi đua",
    "Nông nghiệp",
    "Du lịch",
    "Hội An",
    "Tam Kỳ",
    "Bão lũ",
    "Giao thông",
    "Học sinh",
    "Y tế",
    "Lễ hội",
    "Đầu tư",
    "Bóng đá",
    "Chuyển đổi số",
    "Miền núi",
    "Biển đảo",
];

const SUBJECTS: [&str; 10] = [
    "Thực hiện hiệu quả các phong trào thi đua",
    "Nông dân vùng trung du thu hoạch lúa hè thu",
    "Khởi công tuyến đường nối các xã miền núi",
    "Học sinh thành phố đạt giải cao kỳ thi quốc gia",
    "Lễ hội cầu ngư đầu năm ở làng chài ven biển",
    "Trạm y tế xã được đầu tư trang thiết bị mới",
    "Đội bóng đá trẻ của tỉnh giành ngôi vô địch",
    "Doanh nghiệp đăng ký đầu tư vào khu công nghiệp",
    "Người dân vùng lũ được hỗ trợ ổn định đời sống",
    "Đưa dịch vụ công trực tuyến về tận thôn bản",
];

/// The category (index into CATEGORIES) of each subject.
const SUBJECT_CATEGORY: [usize; 10] = [1, 2, 1, 4, 3, 0, 5, 2, 0, 1];

const PLACES: [&str; 4] = ["tại Tam Kỳ", "ở Hội An", "tại huyện miền núi", "ở vùng ven biển"];

const SENTENCES: [&str; 6] = [
    "Theo báo cáo của địa phương, kết quả đạt được trong năm qua vượt kế hoạch đề ra.",
    "Lãnh đạo tỉnh đề nghị các ngành tiếp tục phối hợp chặt chẽ, bám sát cơ sở.",
    "Nhiều hộ dân cho biết đời sống đã được cải thiện rõ rệt so với trước đây.",
    "Chương trình nhận được sự hưởng ứng tích cực của đông đảo người dân.",
    "Dự kiến trong thời gian tới, mô hình sẽ được nhân rộng ra các xã lân cận.",
    "Các đơn vị liên quan đang khẩn trương hoàn thiện hồ sơ để triển khai.",
];

const AUTHORS: [&str; 4] = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Quốc Dũng"];

/// Whether the database holds no content yet.
fn is_empty(conn: &mut Conn) -> QueryResult<bool> {
    let articles: i64 = articles::table.count().get_result(conn)?;
    let categories: i64 = crate::schema::categories::table.count().get_result(conn)?;
    Ok(articles == 0 && categories == 0)
}

fn body(seed: usize) -> String {
    let paragraphs: Vec<String> = (0..6)
        .map(|p| {
            let sentences: Vec<&str> = (0..5).map(|s| SENTENCES[(seed + p * 5 + s) % SENTENCES.len()]).collect();
            format!("<p>{}</p>", sentences.join(" "))
        })
        .collect();
    format!(
        "{}<h2>Kết quả nổi bật</h2><ul><li>Vượt kế hoạch năm</li><li>Người dân đồng thuận</li></ul>",
        paragraphs.join("")
    )
}

/// Fills an empty database with the demo site, its pictures stored in `library`;
/// returns whether it did.
pub fn seed(conn: &mut Conn, library: &Library, now: NaiveDateTime) -> Result<bool, ApiError> {
    crate::db::immediate(conn, |conn| {
        if !is_empty(conn)? {
            return Ok(false);
        }
        let mut covers = std::collections::HashMap::new();
        for (subject, fields) in pictures::store_all(library)? {
            covers.insert(subject, crate::db::media::insert(conn, &fields)?.id);
        }
        let mut category_ids = Vec::new();
        for (position, (name, parent)) in CATEGORIES.iter().enumerate() {
            let row = categories::insert(
                conn,
                &CategoryFields {
                    slug: text::slugify(name, "category"),
                    name: (*name).to_owned(),
                    description: Some(format!("Tin tức {}", name.to_lowercase())),
                    parent_id: parent.map(|p| category_ids[p]),
                    position: position as i32,
                },
            )?;
            category_ids.push(row.id);
        }
        let tag_names: Vec<String> = TAGS.iter().map(|t| (*t).to_owned()).collect();
        let tag_ids = tag_store::find_or_create_all(conn, &tag_names)?;
        let mut author_ids = Vec::new();
        for (n, name) in AUTHORS.iter().enumerate() {
            let row = crate::db::authors::insert(
                conn,
                &crate::db::authors::AuthorFields {
                    slug: text::slugify(name, "author"),
                    name: (*name).to_owned(),
                    name_folded: text::fold(name),
                    bio: Some(format!("Phóng viên Ban Thời sự, viết về {} từ năm {}.", SUBJECTS[n], 2010 + n)),
                    // No outside pictures: the one-command demo must look whole offline.
                    avatar_url: None,
                },
            )?;
            author_ids.push(row.id);
        }
        for i in 0..40 {
            let cover_image_id = covers.get(&(i % SUBJECTS.len())).copied();
            let title = format!("{} {}", SUBJECTS[i % SUBJECTS.len()], PLACES[(i / SUBJECTS.len()) % PLACES.len()]);
            let (status, published_at) = match i {
                0 => ("published", Some(now + Duration::days(2))),
                1..=3 => ("draft", None),
                4 => ("archived", Some(now - Duration::days(150))),
                _ => ("published", Some(now - Duration::hours(7 + 61 * i as i64))),
            };
            let body = body(i);
            let fields = ArticleFields {
                slug: text::slugify(&title, "article"),
                summary: Some(format!("{title}: những kết quả và kế hoạch trong thời gian tới.")),
                reading_time_minutes: html::reading_time_minutes(&body),
                title,
                body,
                author: Some(AUTHORS[i % AUTHORS.len()].to_owned()),
                status: status.to_owned(),
                published_at,
                category_id: Some(category_ids[SUBJECT_CATEGORY[i % SUBJECTS.len()]]),
                // Stories of the subjects without a drawn picture have no cover, rather
                // than an outside address that shows a broken image offline.
                cover_image_url: None,
                featured: i % 9 == 5,
                author_id: Some(author_ids[i % AUTHORS.len()]),
                cover_image_id,
                seo: Default::default(),
            };
            let tags = [tag_ids[i % tag_ids.len()], tag_ids[(i * 7 + 3) % tag_ids.len()]];
            let tags: Vec<i32> = if tags[0] == tags[1] { vec![tags[0]] } else { tags.to_vec() };
            let row = store::insert(conn, &fields, &tags, None)?;
            let views = ((i * 7919) % 1500 + 12) as i64;
            diesel::update(articles::table.find(row.id)).set(articles::view_count.eq(views)).execute(conn)?;
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;

    #[test]
    fn the_demo_fills_an_empty_database_once() {
        let dir = tempfile::tempdir().expect("dir");
        let pool = db::open(&dir.path().join("demo.db"), 1).expect("db");
        let mut conn = pool.get().expect("connection");
        let library = Library::open(&dir.path().join("media")).expect("media folder");
        assert!(seed(&mut conn, &library, db::now()).expect("seed"));
        assert!(!seed(&mut conn, &library, db::now()).expect("second seed"));
        let count: i64 = articles::table.count().get_result(&mut conn).expect("count");
        assert_eq!(count, 40);
        let scheduled: i64 =
            articles::table.filter(articles::published_at.gt(db::now())).count().get_result(&mut conn).expect("count");
        assert_eq!(scheduled, 1);
        let covered: i64 = articles::table
            .filter(articles::cover_image_id.is_not_null())
            .count()
            .get_result(&mut conn)
            .expect("count");
        assert_eq!(covered, 24, "the six pictured subjects, four articles each");
    }
}
