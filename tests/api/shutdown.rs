//! The real binary: views acknowledged before SIGTERM survive a restart.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_bantin");

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

/// `bantin ARGS --database DATABASE`, run to its end.
pub fn bantin(database: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).arg("--database").arg(database).output().expect("bantin")
}

/// A new write token for `database`, made by the command line.
pub fn cli_token(database: &Path) -> String {
    let made = bantin(database, &["token", "create", "--name", "editor", "--scope", "write"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    String::from_utf8(made.stdout).expect("utf8").trim().to_owned()
}

/// `bantin serve` on `database` at `port`, rate limits off, with `env` set.
pub fn serve(database: &Path, port: u16, env: &[(&str, &str)]) -> Child {
    Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--database")
        .arg(database)
        .env("BANTIN_RATE_LIMIT", "0")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bantin")
}

/// Starts `bantin serve` with views flushed only hourly, so only the shutdown flush
/// can write them.
fn start(database: &Path, port: u16) -> Child {
    serve(database, port, &[("BANTIN_VIEW_FLUSH_MS", "3600000")])
}

pub async fn wait_ready(client: &awc::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
            if response.status().is_success() {
                return;
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("bantin did not become ready at {base}");
}

/// Sends SIGTERM and waits for a clean exit.
pub fn terminate(mut child: Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "bantin exited with {exit}");
            return;
        }
        assert!(Instant::now() < deadline, "bantin did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[actix_web::test]
async fn views_recorded_before_sigterm_are_all_there_after_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("bantin.db");
    let token = cli_token(&database);

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::default();
    let server = start(&database, port);
    wait_ready(&client, &base).await;

    let mut created = client
        .post(format!("{base}/api/v1/articles"))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .send_json(&json!({"title": "Tin nóng", "status": "published", "published_at": "2020-01-01T00:00:00Z"}))
        .await
        .expect("create");
    assert_eq!(created.status().as_u16(), 201);
    let article: Value = created.json().await.expect("json");
    for i in 0..25 {
        let mut reply = client
            .post(format!("{base}/api/v1/articles/{}/views", article["id"]))
            .insert_header(("User-Agent", format!("Mozilla/5.0 Firefox/120.0 reader-{i}")))
            .send()
            .await
            .expect("view");
        assert_eq!(reply.json::<Value>().await.expect("json"), json!({"counted": true}));
    }
    terminate(server);

    let server = start(&database, port);
    wait_ready(&client, &base).await;
    let mut reply = client.get(format!("{base}/api/v1/articles/{}", article["id"])).send().await.expect("get");
    let after: Value = reply.json().await.expect("json");
    terminate(server);
    assert_eq!(after["view_count"], 25);
}
