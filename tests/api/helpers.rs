//! `TestApp`: the real application over HTTP on a fresh temp-file database.

use actix_web::http::header::HeaderMap;
use actix_web::http::Method;
use bantin::{db, AppState};
use serde_json::{json, Value};

/// A running app with a write token and a read token.
pub struct TestApp {
    pub server: actix_test::TestServer,
    pub pool: db::DbPool,
    pub views: std::sync::Arc<bantin::views::ViewBuffer>,
    pub search: std::sync::Arc<bantin::search::Search>,
    indexer: bantin::search::indexer::Indexer,
    pub write_token: String,
    pub read_token: String,
    settings: bantin::config::ServeArgs,
    dir: tempfile::TempDir,
    /// Its database: the SQLite file in `dir`, or its own PostgreSQL database.
    location: db::Location,
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with `status` and `code`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.header("content-type"), Some("application/problem+json"), "status {status}");
        assert_eq!(self.body["status"], status);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["type"], "about:blank");
        assert!(self.body["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(self.body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    }
}

/// Who sends a request.
#[derive(Debug, Clone, Copy)]
pub enum As<'a> {
    Public,
    Token(&'a str),
}

/// Whether the suite runs on PostgreSQL (`BANTIN_TEST_DATABASE` is set): tests of what
/// only a SQLite file has (its size cap, `bantin backup` and `check`, the file itself)
/// return early then, saying so.
pub fn on_postgres(test: &str) -> bool {
    let skip = postgres_in_use();
    if skip {
        eprintln!("{test}: SQLite only, skipped on PostgreSQL");
    }
    skip
}

/// Whether the suite runs on PostgreSQL, for tests whose answers differ by backend.
pub fn postgres_in_use() -> bool {
    postgres::server().is_some()
}

/// Each test's own PostgreSQL database, on the server `BANTIN_TEST_DATABASE` names
/// (a URL whose user may create databases; `.ci/pg-up` starts one).
mod postgres {
    use diesel::{Connection, PgConnection, RunQueryDsl};
    use std::sync::{Mutex, OnceLock};

    /// The server's URL, if the suite runs on PostgreSQL.
    pub fn server() -> Option<String> {
        std::env::var("BANTIN_TEST_DATABASE").ok().filter(|url| !url.is_empty())
    }

    /// `server` with its database name replaced by `name`.
    fn with_name(server: &str, name: &str) -> String {
        let mut url = url::Url::parse(server).expect("BANTIN_TEST_DATABASE is a URL");
        url.set_path(name);
        url.to_string()
    }

    /// A new database for one test: a copy of a template migrated once per run
    /// (a copy takes ~0.1 s, migrating a new one ~0.4 s).
    pub fn fresh_database(server: &str) -> String {
        static TEMPLATE: OnceLock<String> = OnceLock::new();
        static CREATING: Mutex<u32> = Mutex::new(0);
        let run = format!("bantin_test_{}_{}", std::process::id(), rand::random::<u32>());
        let template = TEMPLATE.get_or_init(|| {
            let name = format!("{run}_template");
            let mut admin = PgConnection::establish(server).expect("connect to BANTIN_TEST_DATABASE");
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create the template");
            // Migrated, then every connection closed: a template must have none.
            drop(
                bantin::db::connect(&bantin::db::Location::Postgres(with_name(server, &name)), 1, None)
                    .expect("migrate"),
            );
            name
        });
        let mut count = CREATING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *count += 1;
        let name = format!("{run}_{count}");
        let mut admin = PgConnection::establish(server).expect("connect to BANTIN_TEST_DATABASE");
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .execute(&mut admin)
            .expect("create a test database");
        with_name(server, &name)
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(bantin::config::ServeArgs { rate_limit: 0, ..Default::default() }).await
    }

    /// An app with these server settings.
    pub async fn spawn_with(settings: bantin::config::ServeArgs) -> Self {
        Self::spawn_capped(settings, None).await
    }

    /// An app whose database may grow to at most `max_mb` MiB (`--max-database-mb`).
    pub async fn spawn_capped(settings: bantin::config::ServeArgs, max_mb: Option<u64>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let location = match postgres::server() {
            Some(server) => {
                assert!(max_mb.is_none(), "a size cap is SQLite's: skip this test on PostgreSQL (on_postgres)");
                db::Location::Postgres(postgres::fresh_database(&server))
            }
            None => db::Location::Sqlite(dir.path().join("test.db").to_string_lossy().into_owned()),
        };
        let pool = db::connect(&location, 8, max_mb).expect("database");
        let mut conn = pool.get().expect("connection");
        let write_token = db::tokens::create(&mut conn, "editor", "write").expect("write token");
        let read_token = db::tokens::create(&mut conn, "preview", "read").expect("read token");
        drop(conn);
        let app = Self::start(dir, location, pool, settings, write_token, read_token);
        // A new database's index is built at start (in milliseconds, but not before
        // the first request can arrive): searches answer 503 until then.
        app.wait_indexed().await;
        app
    }

    fn start(
        dir: tempfile::TempDir,
        location: db::Location,
        pool: db::DbPool,
        settings: bantin::config::ServeArgs,
        write_token: String,
        read_token: String,
    ) -> Self {
        let state =
            AppState::new(pool.clone(), &settings, &Self::search_dir(&dir), &dir.path().join("media")).expect("state");
        let indexer =
            bantin::search::indexer::Indexer::start(state.search.clone(), pool.clone(), state.content.clone())
                .expect("indexer");
        let (views, search) = (state.views.clone(), state.search.clone());
        let server = actix_test::start(move || bantin::app(state.clone()));
        Self { server, pool, views, search, indexer, write_token, read_token, settings, dir, location }
    }

    fn search_dir(dir: &tempfile::TempDir) -> std::path::PathBuf {
        dir.path().join("test.db.search")
    }

    /// The database as `--database` takes it: the SQLite file, or the PostgreSQL URL
    /// when the suite runs on PostgreSQL.
    pub fn database_path(&self) -> std::path::PathBuf {
        match &self.location {
            db::Location::Sqlite(path) | db::Location::Postgres(path) => path.into(),
        }
    }

    /// Runs the `bantin` command line on this app's database and folders.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_bantin"))
            .args(args)
            .arg("--database")
            .arg(self.database_path())
            .arg("--media-dir")
            .arg(self.media_path())
            .output()
            .expect("bantin")
    }

    /// The media folder.
    pub fn media_path(&self) -> std::path::PathBuf {
        self.dir.path().join("media")
    }

    /// The search index directory.
    pub fn search_path(&self) -> std::path::PathBuf {
        Self::search_dir(&self.dir)
    }

    /// Stops the server and its indexer, runs `between`, and starts them again on the
    /// same database and index directory.
    pub async fn restart(self, between: impl FnOnce(&std::path::Path)) -> Self {
        let TestApp { server, pool, indexer, write_token, read_token, settings, dir, location, .. } = self;
        server.stop().await;
        indexer.stop();
        between(dir.path());
        Self::start(dir, location, pool, settings, write_token, read_token)
    }

    /// Waits (5 s at most) until the search index has applied every change so far.
    pub async fn wait_indexed(&self) {
        let target = {
            let mut conn = self.pool.get().expect("connection");
            db::search::last_seq(&mut conn).expect("last change")
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.search.applied() < target || self.search.readiness() != bantin::search::Readiness::Ready {
            assert!(
                std::time::Instant::now() < deadline,
                "the index applied {} of {target} changes ({})",
                self.search.applied(),
                self.search.readiness()
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Sends `body` (raw bytes with `content_type`) as `who`.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        who: As<'_>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        // Uploads are processed in a debug build: give them time.
        let mut request =
            self.server.request(method, self.server.url(path)).timeout(std::time::Duration::from_secs(60));
        if let As::Token(token) = who {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        if let Some(content_type) = content_type {
            request = request.insert_header(("Content-Type", content_type));
        }
        Self::reply(request.send_body(body).await.expect("request")).await
    }

    /// Sends no body as the editor, with one extra header.
    pub async fn send_with_header(&self, method: Method, path: &str, header: (&str, &str)) -> Reply {
        let request = self
            .server
            .request(method, self.server.url(path))
            .insert_header(("Authorization", format!("Bearer {}", self.write_token)))
            .insert_header(header);
        Self::reply(request.send().await.expect("request")).await
    }

    /// Reads a whole response.
    pub async fn reply<S>(mut response: awc::ClientResponse<S>) -> Reply
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>> + Unpin,
    {
        let raw = response.body().limit(64 * 1024 * 1024).await.expect("body").to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply { status: response.status().as_u16(), headers: response.headers().clone(), body, raw }
    }

    /// Sends `body` as JSON (or nothing) as `who`.
    pub async fn send(&self, method: Method, path: &str, who: As<'_>, body: Option<Value>) -> Reply {
        match body {
            Some(body) => {
                let bytes = serde_json::to_vec(&body).expect("json");
                self.send_raw(method, path, who, Some("application/json"), bytes).await
            }
            None => self.send_raw(method, path, who, None, Vec::new()).await,
        }
    }

    pub fn writer(&self) -> As<'_> {
        As::Token(&self.write_token)
    }

    pub fn reader(&self) -> As<'_> {
        As::Token(&self.read_token)
    }

    /// Anonymous GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, As::Public, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, self.writer(), Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, self.writer(), Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, self.writer(), Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, self.writer(), None).await
    }

    /// Creates a category; returns it.
    pub async fn create_category(&self, name: &str, parent_id: Option<i64>) -> Value {
        let reply = self.post("/api/v1/categories", json!({"name": name, "parent_id": parent_id})).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }

    /// Creates a tag; returns it.
    pub async fn create_tag(&self, name: &str) -> Value {
        let reply = self.post("/api/v1/tags", json!({"name": name})).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }

    /// Creates an article; returns it.
    pub async fn create_article(&self, body: Value) -> Value {
        let reply = self.post("/api/v1/articles", body).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body
    }

    /// Creates a published article dated `published_at` with extra fields merged in.
    pub async fn publish(&self, title: &str, published_at: &str, extra: Value) -> Value {
        let mut body = json!({"title": title, "status": "published", "published_at": published_at});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.create_article(body).await
    }

    /// The `field` of every item in a list answer.
    pub fn column(reply: &Reply, field: &str) -> Vec<Value> {
        reply.body["data"].as_array().map(|items| items.iter().map(|i| i[field].clone()).collect()).unwrap_or_default()
    }

    /// Records a view of article `id` as a browser with `user_agent`.
    pub async fn view(&self, id: &Value, user_agent: Option<&str>) -> Reply {
        let request = self.server.post(format!("/api/v1/articles/{id}/views"));
        Self::reply(request.insert_header(("User-Agent", user_agent.unwrap_or(""))).send().await.expect("request"))
            .await
    }

    /// Writes buffered views now, as the flusher would.
    pub fn flush_views(&self) -> i64 {
        self.try_flush_views().expect("flush")
    }

    /// Writes buffered views now, as the flusher would; the error when it cannot.
    pub fn try_flush_views(&self) -> Result<i64, String> {
        self.views.flush(&self.pool)
    }

    /// Views recorded and not yet written.
    pub fn pending_views(&self) -> i64 {
        self.views.pending()
    }
}
