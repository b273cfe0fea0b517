//! Generates the benchmark dataset straight into a database file through bantin's own
//! store code: 100,000 articles (configurable) with Vietnamese-looking titles,
//! summaries and ~600-syllable bodies drawn from a 20,000-word lexicon with Zipf
//! frequencies (as real text: a few words everywhere, most words rare), 30 categories on two levels, 2,000 tags, 2–5 tags per
//! article, publication dates over 5 years, legacy view totals and 30 days of daily
//! views for the most-read lists. Prints the slugs file and other inputs the load
//! scenarios need.
//!
//! Usage: cargo run --release --example bench_seed -- DATABASE OUT_DIR [ARTICLES]

use std::io::Write;
use std::path::PathBuf;

use bantin::db::articles::{self as store, ArticleFields};
use bantin::db::categories::{self, CategoryFields};
use bantin::db::tags::{self, TagFields};
use bantin::{db, html, text};
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const ONSETS: [&str; 20] =
    ["b", "c", "ch", "d", "đ", "g", "h", "k", "kh", "l", "m", "n", "ng", "nh", "ph", "qu", "s", "t", "th", "tr"];
const VOWELS: [&str; 30] = [
    "a", "à", "á", "ả", "ã", "ạ", "ă", "ắ", "â", "ấ", "ầ", "e", "é", "ê", "ế", "ệ", "i", "í", "o", "ó", "ô", "ố", "ơ",
    "ờ", "u", "ú", "ư", "ứ", "ươ", "uy",
];
const CODAS: [&str; 8] = ["", "", "n", "ng", "nh", "m", "t", "c"];
const AUTHORS: [&str; 8] = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Minh Châu",
    "Phạm Quốc Dũng",
    "Hoàng Thu Hà",
    "Võ Thanh Hải",
    "Đặng Mai Lan",
    "Bùi Đức Long",
];

fn syllable(rng: &mut StdRng) -> String {
    format!(
        "{}{}{}",
        ONSETS[rng.random_range(0..ONSETS.len())],
        VOWELS[rng.random_range(0..VOWELS.len())],
        CODAS[rng.random_range(0..CODAS.len())]
    )
}

/// Words of the generated language, most frequent first, and their cumulative Zipf
/// weights (s = 1) for sampling.
struct Lexicon {
    words: Vec<String>,
    cumulative: Vec<f64>,
}

impl Lexicon {
    fn new(rng: &mut StdRng, size: usize) -> Self {
        let mut seen = std::collections::HashSet::new();
        let mut words = Vec::with_capacity(size);
        while words.len() < size {
            let word = if rng.random_range(0..10) < 6 {
                format!("{} {}", syllable(rng), syllable(rng))
            } else {
                syllable(rng)
            };
            if seen.insert(word.clone()) {
                words.push(word);
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=size).map(|rank| {
            total += 1.0 / rank as f64;
            total
        });
        Self { words, cumulative: cumulative.collect() }
    }

    /// A word's rank (0 = most frequent).
    fn sample(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random_range(0.0..total);
        self.cumulative.partition_point(|c| *c < x).min(self.words.len() - 1)
    }

    fn text(&self, rng: &mut StdRng, syllables: usize) -> (String, Vec<usize>) {
        let mut ranks = Vec::new();
        let mut out = Vec::new();
        let mut count = 0;
        while count < syllables {
            let rank = self.sample(rng);
            count += self.words[rank].split(' ').count();
            out.push(self.words[rank].as_str());
            ranks.push(rank);
        }
        (out.join(" "), ranks)
    }
}

fn words(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| syllable(rng)).collect::<Vec<_>>().join(" ")
}

fn body(rng: &mut StdRng, lexicon: &Lexicon) -> String {
    (0..6)
        .map(|_| {
            let sentences: Vec<String> = (0..5).map(|_| capitalized(lexicon.text(rng, 20).0) + ".").collect();
            format!("<p>{}</p>", sentences.join(" "))
        })
        .collect()
}

fn capitalized(text: String) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    // A SQLite path or a postgres:// URL.
    let database = db::Location::parse(&args.next().ok_or("usage: bench_seed DATABASE OUT_DIR [ARTICLES]")?);
    let out = PathBuf::from(args.next().ok_or("usage: bench_seed DATABASE OUT_DIR [ARTICLES]")?);
    let count: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(100_000);
    let pool = db::connect(&database, 2, None)?;
    let mut conn = pool.get()?;
    let mut rng = StdRng::seed_from_u64(2020);
    let lexicon = Lexicon::new(&mut rng, 20_000);
    let now = db::now();
    let today = now.date();

    let mut category_ids = Vec::new();
    let mut category_slugs = Vec::new();
    db::immediate(&mut conn, |conn| {
        for top in 0..6 {
            let name = capitalized(words(&mut rng, 2));
            let slug =
                text::first_free_slug(&text::slugify(&name, "category"), |s| categories::slug_taken(conn, s, None))?;
            let parent = categories::insert(
                conn,
                &CategoryFields { slug, name, description: None, parent_id: None, position: top },
            )?;
            category_ids.push(parent.id);
            category_slugs.push(parent.slug.clone());
            for child in 0..4 {
                let name = capitalized(words(&mut rng, 2));
                let slug = text::first_free_slug(&text::slugify(&name, "category"), |s| {
                    categories::slug_taken(conn, s, None)
                })?;
                let row = categories::insert(
                    conn,
                    &CategoryFields { slug, name, description: None, parent_id: Some(parent.id), position: child },
                )?;
                category_ids.push(row.id);
            }
        }
        Ok::<_, diesel::result::Error>(())
    })?;

    let mut tag_ids = Vec::new();
    db::immediate(&mut conn, |conn| {
        while tag_ids.len() < 2000 {
            let name = capitalized(words(&mut rng, 2));
            if tags::find_by_name(conn, &name, None)?.is_some() {
                continue;
            }
            let slug = tags::unique_slug(conn, &name)?;
            let row = tags::insert(conn, &TagFields { slug, name_folded: text::fold(&name), name, description: None })?;
            tag_ids.push(row.id);
        }
        Ok::<_, diesel::result::Error>(())
    })?;

    let mut slugs = Vec::with_capacity(count);
    let mut queries: Vec<String> = Vec::new();
    let mut published = Vec::with_capacity(count);
    let started = std::time::Instant::now();
    for batch in 0..count.div_ceil(1000) {
        db::immediate(&mut conn, |conn| {
            for i in batch * 1000..((batch + 1) * 1000).min(count) {
                let title_length = rng.random_range(8..15);
                let (title, title_ranks) = lexicon.text(&mut rng, title_length);
                let title = capitalized(title);
                let slug =
                    text::first_free_slug(&text::slugify(&title, "article"), |s| store::slug_taken(conn, s, None))?;
                let body = body(&mut rng, &lexicon);
                let roll = rng.random_range(0..100);
                let (status, published_at) = match roll {
                    0..=1 => ("draft", None),
                    2 => ("archived", Some(now - Duration::minutes(rng.random_range(0..5 * 365 * 24 * 60)))),
                    _ if i % 5000 == 0 => ("published", Some(now + Duration::days(3))),
                    _ => ("published", Some(now - Duration::minutes(rng.random_range(0..5 * 365 * 24 * 60)))),
                };
                let summary_length = rng.random_range(25..40);
                let summary = capitalized(lexicon.text(&mut rng, summary_length).0) + ".";
                let fields = ArticleFields {
                    slug,
                    summary: Some(summary),
                    reading_time_minutes: html::reading_time_minutes(&body),
                    title,
                    body,
                    author: Some(AUTHORS[rng.random_range(0..AUTHORS.len())].to_owned()),
                    status: status.to_owned(),
                    published_at,
                    category_id: Some(category_ids[rng.random_range(0..category_ids.len())]),
                    cover_image_url: Some(format!("https://example.vn/anh/{i}.jpg")),
                    featured: rng.random_range(0..50) == 0,
                    author_id: None,
                    cover_image_id: None,
                    seo: Default::default(),
                };
                let mut chosen: Vec<i32> =
                    (0..rng.random_range(2..6)).map(|_| tag_ids[rng.random_range(0..tag_ids.len())]).collect();
                chosen.sort_unstable();
                chosen.dedup();
                let row = store::insert(conn, &fields, &chosen, None)?;
                diesel::update(bantin::schema::articles::table.find(row.id))
                    .set(bantin::schema::articles::view_count.eq(rng.random_range(0..5000i64)))
                    .execute(conn)?;
                if status == "published" && published_at.is_some_and(|at| at <= now) {
                    published.push(row.id);
                    slugs.push(row.fields.slug);
                    // A reader's query: the two most topical (least frequent) words of
                    // a real title.
                    if queries.len() < 25 && i % 997 == 0 {
                        let mut ranks = title_ranks.clone();
                        ranks.sort_unstable_by(|a, b| b.cmp(a));
                        queries.push(format!(
                            "{} {}",
                            lexicon.words[ranks[0]],
                            lexicon.words[ranks[1.min(ranks.len() - 1)]]
                        ));
                    }
                }
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        if batch % 10 == 9 {
            eprintln!("{} articles, {:.0} s", (batch + 1) * 1000, started.elapsed().as_secs_f64());
        }
    }

    // 30 days of views for 5,000 articles, so the most-read windows have data.
    db::immediate(&mut conn, |conn| {
        for article in published.iter().take(5000) {
            let batch: Vec<(i32, NaiveDate, i64)> =
                (0..30).map(|d| (*article, today - Duration::days(d), rng.random_range(0..50))).collect();
            db::views::apply(conn, &batch)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    diesel::sql_query("ANALYZE").execute(&mut conn)?;
    if conn.dialect() == db::Dialect::Sqlite {
        diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn)?;
    }
    drop(conn);

    std::fs::create_dir_all(&out)?;
    let mut file = std::fs::File::create(out.join("slugs.txt"))?;
    for slug in &slugs {
        writeln!(file, "{slug}")?;
    }
    let mut file = std::fs::File::create(out.join("ids.txt"))?;
    for id in &published {
        writeln!(file, "{id}")?;
    }
    std::fs::write(out.join("category.txt"), &category_slugs[0])?;
    // The search mix: each query as typed with marks, without them, and with the last
    // letter not yet typed (prefix).
    let mut file = std::fs::File::create(out.join("queries.txt"))?;
    for query in &queries {
        let accented = query.to_lowercase();
        let plain = text::fold(&accented);
        let prefix: String = plain.chars().take(plain.chars().count().saturating_sub(1).max(3)).collect();
        for q in [accented, plain, prefix] {
            writeln!(file, "{}", serde_urlencoded::to_string([("q", q)])?)?;
        }
    }
    eprintln!("seeded {count} articles in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
