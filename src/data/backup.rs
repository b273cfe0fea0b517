//! `bantin backup DIR` and `bantin check`.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::SqliteConnection;

use crate::db;

/// The database file's name inside a backup directory.
pub const BACKUP_FILE: &str = "bantin.db";

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `PRAGMA integrity_check` and `PRAGMA foreign_key_check` of `conn`'s database: one
/// line per problem, none when it is sound.
pub fn database_problems(conn: &mut SqliteConnection) -> QueryResult<Vec<String>> {
    let mut problems: Vec<String> = diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check()")
        .load::<Line>(conn)?
        .into_iter()
        .map(|l| l.line)
        .filter(|line| line != "ok")
        .collect();
    problems.extend(
        diesel::sql_query(
            "SELECT 'row ' || rowid || ' of ' || \"table\" || ' refers to a missing row of ' || parent AS line \
             FROM pragma_foreign_key_check()",
        )
        .load::<Line>(conn)?
        .into_iter()
        .map(|l| l.line),
    );
    Ok(problems)
}

fn count(conn: &mut SqliteConnection, table: &str) -> QueryResult<i64> {
    Ok(diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")).get_result::<Count>(conn)?.n)
}

/// What a backup holds.
#[derive(Debug, serde::Serialize)]
pub struct Manifest {
    /// When the snapshot was taken (UTC, RFC 3339).
    pub taken_at: String,
    pub articles: i64,
    pub categories: i64,
    pub tags: i64,
    /// Size of the database file in bytes.
    pub bytes: u64,
}

/// Takes a consistent snapshot of `database` into `dir` (created if needed; it must
/// not already hold a backup), while a server may be writing: `VACUUM INTO` copies
/// one read transaction, so the copy holds exactly the writes committed before it
/// began. The copy is checked with `PRAGMA integrity_check` before it is given its
/// final name; a failed backup leaves no `bantin.db` behind. The search index is not
/// copied: it is derived data, rebuilt from the database at start.
pub fn backup(database: &Path, dir: &Path) -> Result<Manifest, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let target = dir.join(BACKUP_FILE);
    if target.exists() {
        return Err(format!("{} already holds a backup; choose a new directory", dir.display()));
    }
    let partial = dir.join(format!("{BACKUP_FILE}.partial"));
    if partial.exists() {
        std::fs::remove_file(&partial).map_err(|e| format!("cannot remove {}: {e}", partial.display()))?;
    }
    let partial_path = partial.to_str().ok_or("the backup path is not valid UTF-8")?.to_owned();
    let taken_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let pool = db::open(database, 1)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(&partial_path)
        .execute(&mut conn)
        .map_err(|e| format!("the snapshot failed: {e}"))?;
    drop(conn);
    let mut copy = SqliteConnection::establish(&partial_path).map_err(|e| format!("cannot open the copy: {e}"))?;
    let problems = database_problems(&mut copy).map_err(|e| format!("cannot check the copy: {e}"))?;
    if !problems.is_empty() {
        return Err(format!("the copy failed its integrity check:\n  {}", problems.join("\n  ")));
    }
    let manifest = Manifest {
        taken_at,
        articles: count(&mut copy, "articles").map_err(|e| e.to_string())?,
        categories: count(&mut copy, "categories").map_err(|e| e.to_string())?,
        tags: count(&mut copy, "tags").map_err(|e| e.to_string())?,
        bytes: std::fs::metadata(&partial).map_err(|e| e.to_string())?.len(),
    };
    drop(copy);
    std::fs::rename(&partial, &target).map_err(|e| format!("cannot name the copy {}: {e}", target.display()))?;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("manifest.json"), text + "\n").map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(manifest)
}

/// The findings of `bantin check`: `problems` make it fail, `notes` do not.
#[derive(Debug, Default)]
pub struct Report {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

/// Checks the database at `database` and the search index in `search_dir` against
/// it. Changes nothing.
pub fn check(database: &Path, search_dir: &Path) -> Result<Report, String> {
    let mut report = Report::default();
    if !database.exists() {
        return Err(format!("no database at {}", database.display()));
    }
    let path = database.to_str().ok_or("the database path is not valid UTF-8")?;
    let mut conn = SqliteConnection::establish(path).map_err(|e| format!("cannot open {path}: {e}"))?;
    conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA query_only = 1;").map_err(|e| e.to_string())?;
    let found = database_problems(&mut conn).map_err(|e| format!("cannot check the database: {e}"))?;
    report.problems.extend(found.into_iter().map(|p| format!("database: {p}")));
    let articles = count(&mut conn, "articles").map_err(|e| e.to_string())?;
    report.notes.push(format!("database: {articles} articles; integrity and foreign keys checked"));

    if !search_dir.exists() {
        report.notes.push(format!("search index: none at {} (a server builds it at start)", search_dir.display()));
        return Ok(report);
    }
    match crate::search::inspect(search_dir) {
        Err(why) => report.problems.push(format!(
            "search index: {} is not usable ({why}); a server rebuilds it at start, or run `bantin reindex`",
            search_dir.display()
        )),
        Ok(index) => compare_index(&mut conn, &index, &mut report).map_err(|e| e.to_string())?,
    }
    Ok(report)
}

/// Compares the index's documents with the articles, leaving out articles changed
/// after the index's last applied change (a running server is still applying them).
fn compare_index(
    conn: &mut SqliteConnection,
    index: &crate::search::Inspection,
    report: &mut Report,
) -> QueryResult<()> {
    use crate::schema::{articles, search_changes};
    let Some(progress) = index.progress.as_ref().filter(|p| p.complete) else {
        report.notes.push("search index: still being built (a server finishes it)".to_owned());
        return Ok(());
    };
    let pending: std::collections::HashSet<i32> = search_changes::table
        .filter(search_changes::seq.gt(progress.seq))
        .select(search_changes::article_id)
        .load(conn)?
        .into_iter()
        .collect();
    let stored: std::collections::HashSet<i32> = articles::table.select(articles::id).load(conn)?.into_iter().collect();
    let indexed: std::collections::HashSet<i32> = index.ids.iter().copied().collect();
    let missing: Vec<i32> = stored.difference(&indexed).filter(|id| !pending.contains(id)).copied().collect();
    let extra: Vec<i32> = indexed.difference(&stored).filter(|id| !pending.contains(id)).copied().collect();
    let duplicated = index.ids.len() - indexed.len();
    let sample = |ids: &[i32]| ids.iter().take(10).map(ToString::to_string).collect::<Vec<_>>().join(", ");
    if !missing.is_empty() {
        report.problems.push(format!(
            "search index: {} article(s) missing (ids {}…); run `bantin reindex`",
            missing.len(),
            sample(&missing)
        ));
    }
    if !extra.is_empty() {
        report.problems.push(format!(
            "search index: {} document(s) of deleted articles (ids {}…); run `bantin reindex`",
            extra.len(),
            sample(&extra)
        ));
    }
    if duplicated > 0 {
        report.problems.push(format!("search index: {duplicated} article(s) indexed twice; run `bantin reindex`"));
    }
    report.notes.push(format!(
        "search index: {} documents, up to change #{} ({} newer change(s) still to apply)",
        index.ids.len(),
        progress.seq,
        pending.len()
    ));
    Ok(())
}
