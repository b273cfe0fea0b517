//! The `bantin` binary: parse the command line, then serve or run one command.

use std::process::ExitCode;

use actix_web::HttpServer;
use bantin::config::{Cli, Command, ServeArgs, TokenCommand};
use std::time::Duration;

use bantin::search::indexer::Indexer;
use bantin::views::Flusher;
use bantin::{db, AppState};
use clap::Parser;

/// Connections in the pool (and threads for database work): SQLite serves readers in
/// parallel in WAL mode, but more than about two per core only wait, and each
/// concurrent query holds its own memory.
fn pool_size() -> u32 {
    u32::try_from(bantin::config::cores() * 2).unwrap_or(4).max(4)
}

// jemalloc gives memory back after bursts: with glibc's per-thread arenas, building
// the search index at start left ~45 MB resident for good (bench/run.sh, RssAnon:
// 62 MB after the build with glibc, 39 MB with jemalloc, 17 MB with no build).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let result = run(cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bantin: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs what the command line asks for.
fn run(cli: Cli) -> Result<(), String> {
    let location = cli.location();
    let (search_dir, media_dir) = (|| cli.search_dir(), || cli.media_dir());
    let max_mb = cli.max_database_mb;
    match cli.command {
        None => serve(&location, &search_dir()?, &media_dir()?, max_mb, replica(&cli)?, cli.serve),
        Some(Command::Serve(ref args)) => {
            serve(&location, &search_dir()?, &media_dir()?, max_mb, replica(&cli)?, (**args).clone())
        }
        Some(Command::Reindex) => reindex(&location, &search_dir()?),
        Some(Command::Backup { ref dir }) => backup(sqlite_only(&location, "backup")?, &media_dir()?, dir),
        Some(Command::Check) => check(sqlite_only(&location, "check")?, &search_dir()?, &media_dir()?),
        Some(Command::Export { ref output }) => export(&location, output.as_deref()),
        Some(Command::Import { ref file }) => import(&location, &media_dir()?, max_mb, file),
        Some(Command::ImportWordpress { ref file }) => import_wordpress(&location, max_mb, file),
        Some(Command::Migrate) => migrate(&location),
        Some(Command::Token(ref command)) => token(&location, command),
        Some(Command::Openapi) => {
            println!("{}", serde_json::to_string_pretty(&bantin::openapi()).unwrap_or_default());
            Ok(())
        }
    }
}

/// The replica to read anonymous traffic from, if one is given (PostgreSQL only).
fn replica(cli: &Cli) -> Result<Option<db::Location>, String> {
    let Some(url) = &cli.database_replica else { return Ok(None) };
    let replica = db::Location::parse(url);
    if !cli.location().is_postgres() || !replica.is_postgres() {
        return Err("--database-replica needs a postgres:// --database and a postgres:// replica".to_owned());
    }
    Ok(Some(replica))
}

/// The SQLite file of `location`, for the commands that work on the file itself.
fn sqlite_only<'a>(location: &'a db::Location, command: &str) -> Result<&'a std::path::Path, String> {
    match location {
        db::Location::Sqlite(path) => Ok(std::path::Path::new(path)),
        db::Location::Postgres(_) => Err(format!(
            "`bantin {command}` works on a SQLite file; back up and check a PostgreSQL database with its own \
             tools (pg_dump, pg_amcheck)"
        )),
    }
}

fn migrate(location: &db::Location) -> Result<(), String> {
    let pool = db::connect(location, 1, None)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let ran = db::migrate(&mut conn)?;
    eprintln!("{location} is up to date ({ran} migration(s) applied by this run or at open)");
    Ok(())
}

fn token(location: &db::Location, command: &TokenCommand) -> Result<(), String> {
    let pool = db::connect(location, 1, None)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    match command {
        TokenCommand::Create { name, scope } => {
            let name = name.trim();
            if name.is_empty() {
                return Err("the token name must not be empty".to_owned());
            }
            let secret = db::tokens::create(&mut conn, name, scope.as_str()).map_err(|e| match e {
                diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                    format!("a token named '{name}' already exists")
                }
                other => other.to_string(),
            })?;
            eprintln!("Created {} token '{name}'. It is shown only this once:", scope.as_str());
            println!("{secret}");
        }
        TokenCommand::List => {
            let tokens = db::tokens::list(&mut conn).map_err(|e| e.to_string())?;
            println!("{:<24} {:<6} CREATED", "NAME", "SCOPE");
            for token in tokens {
                println!("{:<24} {:<6} {}", token.name, token.scope, token.created_at.and_utc().to_rfc3339());
            }
        }
        TokenCommand::Revoke { name } => {
            if !db::tokens::revoke(&mut conn, name).map_err(|e| e.to_string())? {
                return Err(format!("no token named '{name}'"));
            }
            eprintln!("Revoked token '{name}'.");
        }
    }
    Ok(())
}

fn backup(database: &std::path::Path, media_dir: &std::path::Path, dir: &std::path::Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    let manifest = bantin::data::backup::backup(database, media_dir, dir)?;
    eprintln!(
        "backed up {} articles, {} categories and {} tags ({:.1} MB) into {} and {} uploads ({} files, \
         {:.1} MB) into {} in {:.1} s; integrity check: ok",
        manifest.articles,
        manifest.categories,
        manifest.tags,
        manifest.bytes as f64 / 1e6,
        dir.join(bantin::data::backup::BACKUP_FILE).display(),
        manifest.media,
        manifest.media_files,
        manifest.media_bytes as f64 / 1e6,
        dir.join(bantin::data::backup::BACKUP_MEDIA).display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn check(database: &std::path::Path, search_dir: &std::path::Path, media_dir: &std::path::Path) -> Result<(), String> {
    let report = bantin::data::backup::check(database, search_dir, media_dir)?;
    for note in &report.notes {
        println!("ok       {note}");
    }
    for problem in &report.problems {
        println!("PROBLEM  {problem}");
    }
    match report.problems.len() {
        0 => Ok(()),
        n => Err(format!("{n} problem(s) found")),
    }
}

fn export(location: &db::Location, output: Option<&std::path::Path>) -> Result<(), String> {
    let pool = db::connect(location, 1, None)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let lines = match output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            let lines = bantin::data::ndjson::export(&mut conn, &mut out)?;
            std::io::Write::flush(&mut out).map_err(|e| e.to_string())?;
            lines
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let lines = bantin::data::ndjson::export(&mut conn, &mut out)?;
            std::io::Write::flush(&mut out).map_err(|e| e.to_string())?;
            lines
        }
    };
    eprintln!("exported {lines} lines");
    Ok(())
}

fn import(
    location: &db::Location,
    media_dir: &std::path::Path,
    max_database_mb: Option<u64>,
    file: &std::path::Path,
) -> Result<(), String> {
    let pool = db::connect(location, 1, max_database_mb)?;
    let started = std::time::Instant::now();
    let summary = bantin::data::ndjson::import(&pool, file, media_dir)?;
    eprint!("{summary}");
    eprintln!("imported in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn import_wordpress(
    location: &db::Location,
    max_database_mb: Option<u64>,
    file: &std::path::Path,
) -> Result<(), String> {
    let pool = db::connect(location, 1, max_database_mb)?;
    let started = std::time::Instant::now();
    let report = bantin::data::wordpress::import(&pool, file)?;
    eprint!("{report}");
    eprintln!("imported {} in {:.1} s", file.display(), started.elapsed().as_secs_f64());
    Ok(())
}

/// On first start with no tokens at all, makes one write token and prints it once.
fn first_token(pool: &db::DbPool) -> Result<(), String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    if db::tokens::none_exist(&mut conn).map_err(|e| e.to_string())? {
        let secret = db::tokens::create(&mut conn, "admin", "admin").map_err(|e| e.to_string())?;
        eprintln!("No API tokens existed, so an admin token named 'admin' was created. It is shown only this once:");
        eprintln!("\n    {secret}\n");
        eprintln!("Use it as `Authorization: Bearer {secret}`; manage tokens with `bantin token create|list|revoke`.");
    }
    Ok(())
}

/// Rebuilds the search index from the database, in this process.
fn reindex(location: &db::Location, search_dir: &std::path::Path) -> Result<(), String> {
    use bantin::search::{indexer, Search};
    let pool = db::connect(location, 2, None)?;
    let search = Search::open(search_dir, 1)?;
    let mut writer = indexer::writer(&search).map_err(|why| {
        format!(
            "{why}\nA running bantin server holds this index: stop it first, or delete {} and \
             restart the server, which rebuilds it while serving.",
            search_dir.display()
        )
    })?;
    let stop = std::sync::atomic::AtomicBool::new(false);
    let started = std::time::Instant::now();
    let mut shown = 0;
    let progress = indexer::rebuild(&search, &mut writer, &pool, &stop, |done, total| {
        if done >= shown + 10_000 || done == total {
            shown = done;
            eprintln!("indexed {done} of {total} articles");
        }
    })?;
    writer.wait_merging_threads().map_err(|e| format!("cannot finish merging the index: {e}"))?;
    let seq = progress.map_or(0, |p| p.seq);
    eprintln!(
        "rebuilt {} in {:.1} s (changes applied up to #{seq})",
        search_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[actix_web::main]
async fn serve(
    location: &db::Location,
    search_dir: &std::path::Path,
    media_dir: &std::path::Path,
    max_database_mb: Option<u64>,
    replica: Option<db::Location>,
    args: ServeArgs,
) -> Result<(), String> {
    // On PostgreSQL two connections are kept apart for good: one listens for other
    // processes' writes, one holds the jobs lock while this process delivers webhooks.
    let kept_apart = if location.is_postgres() { 2 } else { 0 };
    let pool = db::connect(location, pool_size() + kept_apart, max_database_mb)?;
    first_token(&pool)?;
    if args.demo {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let library = bantin::media::store::Library::open(media_dir)?;
        match bantin::demo::seed(&mut conn, &library, db::now()) {
            Ok(true) => log::info!("filled the empty database with the demo site"),
            Ok(false) => log::info!("--demo: the database already has content; left as it is"),
            Err(e) => return Err(format!("--demo failed: {e}")),
        }
    }
    let mut state = AppState::new(pool.clone(), &args, search_dir, media_dir)?;
    if let Some(replica) = &replica {
        state.replica = Some(db::connect_replica(replica, pool_size())?);
        log::info!("anonymous reads from the replica {replica} while it is current");
    }
    let indexer = Indexer::start(state.search.clone(), pool.clone(), state.content.clone())?;
    let flusher = Flusher::start(state.views.clone(), pool, Duration::from_millis(args.view_flush_ms.max(1)));
    let app_state = state.clone();
    // Responses written in parts (files: headers, then the body) must not wait for the
    // client's delayed ACK: without TCP_NODELAY each media file took 40 ms.
    let mut server = HttpServer::new(move || bantin::app(app_state.clone())).on_connect(|conn, _| {
        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
            if let Err(why) = tcp.set_nodelay(true) {
                log::debug!("cannot set TCP_NODELAY: {why}");
            }
        }
    });
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    // Database work runs on the blocking pools, one per worker; more threads in all
    // than pooled connections only wait, and each costs memory and context switches.
    let workers = args.workers.unwrap_or_else(bantin::config::cores);
    server = server.worker_max_blocking_threads((pool_size() as usize).div_ceil(workers.max(1)));
    let server = server.bind(&args.bind).map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    log::info!("bantin serving on http://{} from {}", args.bind, location);
    // actix stops on SIGTERM/SIGINT after finishing requests in flight; then the
    // buffered views are written before the process exits.
    let served = server.run().await.map_err(|e| e.to_string());
    flusher.stop();
    indexer.stop();
    served
}
