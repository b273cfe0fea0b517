//! `bantin backup DIR` and `bantin check`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io;
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db;
use crate::db::Conn;
use crate::media::store::valid_name;

/// The database file's name inside a backup directory.
pub const BACKUP_FILE: &str = "bantin.db";
/// The media folder's name inside a backup directory: the default media folder of
/// `DIR/bantin.db`, so the backup can be checked and served as it is.
pub const BACKUP_MEDIA: &str = "media";

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
pub fn database_problems(conn: &mut Conn) -> QueryResult<Vec<String>> {
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

fn count(conn: &mut Conn, table: &str) -> QueryResult<i64> {
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
    /// Uploads in the media library.
    pub media: i64,
    /// Files copied into `media/` (originals and variants; uploads of the same bytes
    /// share one).
    pub media_files: u64,
    /// Their size in bytes.
    pub media_bytes: u64,
}

/// Takes a consistent snapshot of `database` into `dir` (created if needed; it must
/// not already hold a backup), while a server may be writing: `VACUUM INTO` copies
/// one read transaction, so the copy holds exactly the writes committed before it
/// began. The copy is checked with `PRAGMA integrity_check` before it is given its
/// final name; a failed backup leaves no `bantin.db` behind. The search index is not
/// copied: it is derived data, rebuilt from the database at start.
///
/// Then every file the copy's `media` rows name is copied from `media_dir` into
/// `dir/media/`, and the manifest is written last: a backup without a manifest is
/// incomplete.
pub fn backup(database: &Path, media_dir: &Path, dir: &Path) -> Result<Manifest, String> {
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
    let mut copy = Conn::Sqlite(
        diesel::SqliteConnection::establish(&partial_path).map_err(|e| format!("cannot open the copy: {e}"))?,
    );
    let problems = database_problems(&mut copy).map_err(|e| format!("cannot check the copy: {e}"))?;
    if !problems.is_empty() {
        return Err(format!("the copy failed its integrity check:\n  {}", problems.join("\n  ")));
    }
    // The names come from the copy, so the files copied are exactly those it uses.
    let names = used_media(&mut copy).map_err(|e| format!("cannot read the copy's media: {e}"))?.into_iter().try_fold(
        BTreeSet::new(),
        |mut all, (_, names)| {
            all.extend(names?);
            Ok::<_, String>(all)
        },
    );
    let mut manifest = Manifest {
        taken_at,
        articles: count(&mut copy, "articles").map_err(|e| e.to_string())?,
        categories: count(&mut copy, "categories").map_err(|e| e.to_string())?,
        tags: count(&mut copy, "tags").map_err(|e| e.to_string())?,
        bytes: std::fs::metadata(&partial).map_err(|e| e.to_string())?.len(),
        media: count(&mut copy, "media").map_err(|e| e.to_string())?,
        media_files: 0,
        media_bytes: 0,
    };
    drop(copy);
    std::fs::rename(&partial, &target).map_err(|e| format!("cannot name the copy {}: {e}", target.display()))?;
    (manifest.media_files, manifest.media_bytes) =
        names.and_then(|names| copy_media(media_dir, &dir.join(BACKUP_MEDIA), &names)).map_err(|why| {
            format!(
                "{why}\nThe database copy {} is complete, but its media is not, so no manifest.json was \
                 written. Run `bantin check` to see what the media folder lacks, then back up into a new \
                 directory.",
                target.display()
            )
        })?;
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("manifest.json"), text + "\n").map_err(|e| format!("cannot write the manifest: {e}"))?;
    Ok(manifest)
}

/// The files media row `id` names: its original `file`, then its variants (whose urls
/// are `/media/<file>`); an error when one is not a name the media library writes.
pub(crate) fn files_of(id: i32, file: &str, variants: &str) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Variant {
        url: String,
    }
    let variants: Vec<Variant> =
        serde_json::from_str(variants).map_err(|e| format!("upload #{id} has unreadable variants ({e})"))?;
    let mut names = vec![file.to_owned()];
    names.extend(variants.into_iter().map(|v| v.url.strip_prefix("/media/").map_or(v.url.clone(), str::to_owned)));
    match names.iter().find(|name| !valid_name(name)) {
        Some(bad) => Err(format!("upload #{id} names {bad:?}, which is not a media file name")),
        None => Ok(names),
    }
}

/// An upload's id and the files it names (or why they cannot be read).
type Used = (i32, Result<Vec<String>, String>);

/// Every upload's id and the files it names.
fn used_media(conn: &mut Conn) -> QueryResult<Vec<Used>> {
    use crate::schema::media;
    let rows: Vec<(i32, String, String)> =
        media::table.order(media::id).select((media::id, media::file, media::variants)).load(conn)?;
    Ok(rows.into_iter().map(|(id, file, variants)| (id, files_of(id, &file, &variants))).collect())
}

/// Copies the files `names` from `from` into `to`, each under a temporary name then
/// renamed; a hard link when both are on one file system (stored files never change
/// in place, so a link is as good as a copy). Their count and bytes.
fn copy_media(from: &Path, to: &Path, names: &BTreeSet<String>) -> Result<(u64, u64), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let mut bytes = 0;
    for name in names {
        let source = from.join(name);
        bytes += match fs::metadata(&source) {
            Ok(found) => found.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(format!("media file {name} is missing from {}", from.display()))
            }
            Err(e) => return Err(format!("cannot read {}: {e}", source.display())),
        };
        let partial = to.join(format!(".{name}.partial"));
        let placed = remove_if_there(&partial)
            .and_then(|()| fs::hard_link(&source, &partial).or_else(|_| copy_synced(&source, &partial)))
            .and_then(|()| fs::rename(&partial, to.join(name)));
        if let Err(e) = placed {
            let _ = fs::remove_file(&partial);
            return Err(format!("cannot copy {} into {}: {e}", source.display(), to.display()));
        }
    }
    File::open(to).and_then(|folder| folder.sync_all()).map_err(|e| format!("cannot sync {}: {e}", to.display()))?;
    Ok((names.len() as u64, bytes))
}

fn remove_if_there(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn copy_synced(source: &Path, target: &Path) -> io::Result<()> {
    fs::copy(source, target)?;
    File::open(target)?.sync_all()
}

/// The findings of `bantin check`: `problems` make it fail, `notes` do not.
#[derive(Debug, Default)]
pub struct Report {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

/// Checks the database at `database`, and the media files in `media_dir` and the
/// search index in `search_dir` against it. Changes nothing.
pub fn check(database: &Path, search_dir: &Path, media_dir: &Path) -> Result<Report, String> {
    let mut report = Report::default();
    if !database.exists() {
        return Err(format!("no database at {}", database.display()));
    }
    let path = database.to_str().ok_or("the database path is not valid UTF-8")?;
    let mut conn =
        Conn::Sqlite(diesel::SqliteConnection::establish(path).map_err(|e| format!("cannot open {path}: {e}"))?);
    conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA query_only = 1;").map_err(|e| e.to_string())?;
    let found = database_problems(&mut conn).map_err(|e| format!("cannot check the database: {e}"))?;
    report.problems.extend(found.into_iter().map(|p| format!("database: {p}")));
    let articles = count(&mut conn, "articles").map_err(|e| e.to_string())?;
    report.notes.push(format!("database: {articles} articles; integrity and foreign keys checked"));
    check_media(&mut conn, media_dir, &mut report)?;

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

/// Every file a `media` row names must be in `media_dir` with the SHA-256 its name
/// says; files no row names are only noted (a running server writes an upload's files
/// before its row, and a removed upload's files after).
fn check_media(conn: &mut Conn, media_dir: &Path, report: &mut Report) -> Result<(), String> {
    let tables: i64 =
        diesel::sql_query("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'media'")
            .get_result::<Count>(conn)
            .map_err(|e| e.to_string())?
            .n;
    if tables == 0 {
        report.notes.push("media: none (the database predates the media library)".to_owned());
        return Ok(());
    }
    let mut used: BTreeMap<String, i32> = BTreeMap::new();
    let rows = used_media(conn).map_err(|e| format!("cannot read the media rows: {e}"))?;
    let uploads = rows.len();
    for (id, names) in rows {
        match names {
            Ok(names) => names.into_iter().for_each(|name| {
                used.entry(name).or_insert(id);
            }),
            Err(why) => report.problems.push(format!("media: {why}")),
        }
    }
    if !media_dir.is_dir() {
        match used.len() {
            0 => report.notes.push(format!("media: no uploads and no folder at {}", media_dir.display())),
            n => report.problems.push(format!(
                "media: the folder {} does not exist, and {uploads} upload(s) use {n} file(s) there",
                media_dir.display()
            )),
        }
        return Ok(());
    }
    let (mut missing, mut bytes) = (Vec::new(), 0u64);
    for (name, id) in &used {
        match sha256_of(&media_dir.join(name)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push((name, id)),
            Err(e) => report.problems.push(format!("media: cannot read {name} (upload #{id}): {e}")),
            Ok((digest, size)) => {
                bytes += size;
                if name.split_once('.').map(|(hash, _)| hash) != Some(digest.as_str()) {
                    report.problems.push(format!(
                        "media: {name} (upload #{id}) does not match its content (SHA-256 {digest}); \
                         restore it from a backup"
                    ));
                }
            }
        }
    }
    if !missing.is_empty() {
        // A server may have deleted uploads, and then their files, since the rows were read.
        let still: BTreeSet<String> = used_media(conn)
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|(_, names)| names.ok())
            .flatten()
            .collect();
        for (name, id) in missing.into_iter().filter(|(name, _)| still.contains(*name)) {
            report.problems.push(format!("media: {name} (upload #{id}) is missing from {}", media_dir.display()));
        }
    }
    let entries = fs::read_dir(media_dir).map_err(|e| format!("cannot list {}: {e}", media_dir.display()))?;
    let mut unused = Vec::new();
    for entry in entries {
        let name = entry.map_err(|e| format!("cannot list {}: {e}", media_dir.display()))?.file_name();
        if let Some(name) = name.to_str().filter(|name| valid_name(name) && !used.contains_key(*name)) {
            unused.push(name.to_owned());
        }
    }
    report.notes.push(format!(
        "media: {uploads} upload(s), {} file(s) ({:.1} MB) checked against their SHA-256",
        used.len(),
        bytes as f64 / 1e6
    ));
    if !unused.is_empty() {
        unused.sort();
        report.notes.push(format!(
            "media: {} file(s) no upload uses (e.g. {}); not a problem: a running server's upload in \
             progress, or leftovers that may be deleted",
            unused.len(),
            unused.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(())
}

/// The SHA-256 of the file at `path`, in lowercase hex, and its size.
fn sha256_of(path: &Path) -> io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let size = io::copy(&mut File::open(path)?, &mut hasher)?;
    Ok((hex::encode(hasher.finalize()), size))
}

/// Compares the index's documents with the articles, leaving out articles changed
/// after the index's last applied change (a running server is still applying them).
fn compare_index(conn: &mut Conn, index: &crate::search::Inspection, report: &mut Report) -> QueryResult<()> {
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
