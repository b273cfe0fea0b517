//! Command line and environment: every setting, its flag, its `BANTIN_*` variable and default.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::builder::FalseyValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::db::Location;

/// Default database file.
pub const DEFAULT_DATABASE: &str = "./bantin.db";
/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Default view dedupe window in seconds.
pub const DEFAULT_VIEW_DEDUPE_SECS: u64 = 1800;
/// Default view flush interval in milliseconds.
pub const DEFAULT_VIEW_FLUSH_MS: u64 = 1000;
/// Default revisions kept per article.
pub const DEFAULT_REVISIONS_KEEP: u32 = 100;
/// Default days in the trash.
pub const DEFAULT_TRASH_DAYS: u32 = 30;
/// Default requests per minute per client address.
pub const DEFAULT_RATE_LIMIT: u32 = 1200;

/// The machine's cores (2 when it cannot tell): the default of every per-core setting.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// bantin: a headless JSON news API server. With no subcommand it serves.
#[derive(Debug, Parser)]
#[command(name = "bantin", version)]
pub struct Cli {
    /// The database: a SQLite file (created and migrated on first use), or a
    /// PostgreSQL database as a `postgres://user:password@host:port/name` URL (migrated
    /// on first use; then --search-dir and --media-dir must be given).
    #[arg(long, global = true, env = "BANTIN_DATABASE", default_value = DEFAULT_DATABASE)]
    pub database: PathBuf,

    /// A streaming replica of the PostgreSQL database (`postgres://` URL) to read
    /// anonymous traffic from while it is current (never a lagging one).
    #[arg(long, global = true, env = "BANTIN_DATABASE_REPLICA")]
    pub database_replica: Option<String>,

    /// Search index directory (derived data, rebuilt when missing; one per process);
    /// default: the database path with `.search` appended.
    #[arg(long, global = true, env = "BANTIN_SEARCH_DIR")]
    pub search_dir: Option<PathBuf>,

    /// Folder of uploaded images and their variants; default: `media` next to the
    /// database file.
    #[arg(long, global = true, env = "BANTIN_MEDIA_DIR")]
    pub media_dir: Option<PathBuf>,

    /// Most megabytes (MiB) the database file may grow to; beyond it, writes answer
    /// 503 as on a full disk (default: no limit but the disk's).
    #[arg(long, global = true, env = "BANTIN_MAX_DATABASE_MB")]
    pub max_database_mb: Option<u64>,

    /// What to do; `serve` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Serve settings, for `bantin` without a subcommand.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API (the default).
    Serve(Box<ServeArgs>),
    /// Apply pending migrations and exit.
    Migrate,
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// Rebuild the search index from the database (the server must be stopped; a
    /// running server rebuilds a deleted index by itself).
    Reindex,
    /// Take a consistent snapshot of the database into DIR while the server runs;
    /// the copy is integrity-checked before it is named `bantin.db`.
    Backup {
        /// A new or empty directory.
        dir: PathBuf,
    },
    /// Check the database's integrity and the search index against it; exits
    /// non-zero on any problem.
    Check,
    /// Write all content as NDJSON (categories, tags, articles, views; no tokens).
    Export {
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Import NDJSON as written by `export`, matching by slug (`-` reads standard
    /// input). Nothing is written unless every line is valid.
    Import {
        /// The NDJSON file, or `-`.
        file: PathBuf,
    },
    /// Import a WordPress export (WXR 1.1/1.2: Tools → Export → All content).
    ImportWordpress {
        /// The WordPress export file (.xml).
        file: PathBuf,
    },
}

impl Cli {
    /// Where the database is: `--database` as a SQLite path or a PostgreSQL URL.
    pub fn location(&self) -> Location {
        Location::parse(&self.database.to_string_lossy())
    }

    /// The media folder: `--media-dir`, else `media` beside the SQLite file.
    pub fn media_dir(&self) -> Result<PathBuf, String> {
        match (&self.media_dir, self.location().is_postgres()) {
            (Some(dir), _) => Ok(dir.clone()),
            (None, false) => Ok(media_dir_of(&self.database)),
            (None, true) => Err(NEEDS_DIRS.to_owned()),
        }
    }

    /// The search index directory: `--search-dir`, else `<database>.search`.
    pub fn search_dir(&self) -> Result<PathBuf, String> {
        match (&self.search_dir, self.location().is_postgres()) {
            (Some(dir), _) => Ok(dir.clone()),
            (None, false) => {
                let mut dir = self.database.clone().into_os_string();
                dir.push(".search");
                Ok(PathBuf::from(dir))
            }
            (None, true) => Err(NEEDS_DIRS.to_owned()),
        }
    }
}

/// Why a PostgreSQL database needs both folders named.
const NEEDS_DIRS: &str = "with a PostgreSQL database, give --search-dir (this process's own index: \
                          processes never share one) and --media-dir (the uploads, shared by every process)";

/// The default media folder of `database`: `media` in its folder.
pub fn media_dir_of(database: &std::path::Path) -> PathBuf {
    database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new(".")).join("media")
}

/// `bantin token ...`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it, alone, on standard output.
    Create {
        /// A unique name for the token, e.g. the editor or app using it.
        #[arg(long)]
        name: String,
        /// `read` sees unpublished content; `write` can do everything.
        #[arg(long, value_enum)]
        scope: Scope,
    },
    /// List tokens (never the secrets).
    List,
    /// Revoke the token with this name.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    /// See drafts, scheduled, archived and trashed content.
    Read,
    /// Also create articles and edit drafts; never publish.
    Contributor,
    /// Every content write.
    Editor,
    /// v1's name of `editor`.
    Write,
    /// Editor, plus tokens and webhooks over the API.
    Admin,
}

impl Scope {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Contributor => "contributor",
            Scope::Editor | Scope::Write => "editor",
            Scope::Admin => "admin",
        }
    }
}

/// Settings of the server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "BANTIN_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// Fill an empty database with a small Vietnamese demo site.
    #[arg(long, env = "BANTIN_DEMO", value_parser = FalseyValueParser::new())]
    pub demo: bool,
    /// Allowed CORS origins, comma-separated (`*` for any).
    #[arg(long, env = "BANTIN_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// One view per visitor and article within this many seconds.
    #[arg(long, env = "BANTIN_VIEW_DEDUPE_SECS", default_value_t = DEFAULT_VIEW_DEDUPE_SECS)]
    pub view_dedupe_secs: u64,
    /// Buffered views are written every this many milliseconds.
    #[arg(long, env = "BANTIN_VIEW_FLUSH_MS", default_value_t = DEFAULT_VIEW_FLUSH_MS)]
    pub view_flush_ms: u64,
    /// Requests per minute per client address; 0 turns limiting off.
    #[arg(long, env = "BANTIN_RATE_LIMIT", default_value_t = DEFAULT_RATE_LIMIT)]
    pub rate_limit: u32,
    /// Proxies whose `X-Forwarded-For` is believed, comma-separated addresses.
    #[arg(long, env = "BANTIN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "BANTIN_WORKERS")]
    pub workers: Option<usize>,
    /// Searches that may score at once (default: one per core); a search that waits
    /// more than 1 s for a slot answers 503.
    #[arg(long, env = "BANTIN_SEARCH_SLOTS")]
    pub search_slots: Option<usize>,

    /// Revisions kept per article (the oldest are dropped).
    #[arg(long, env = "BANTIN_REVISIONS_KEEP", default_value_t = DEFAULT_REVISIONS_KEEP)]
    pub revisions_keep: u32,

    /// Days an article stays in the trash before it is deleted for good.
    #[arg(long, env = "BANTIN_TRASH_DAYS", default_value_t = DEFAULT_TRASH_DAYS)]
    pub trash_days: u32,

    /// Let webhooks reach loopback, private and link-local addresses (refused by
    /// default: a webhook must not become a way into the inner network).
    #[arg(long, env = "BANTIN_WEBHOOK_ALLOW_PRIVATE", value_parser = FalseyValueParser::new())]
    pub webhook_allow_private: bool,

    /// The public site's address (e.g. https://baoquangnam.vn): turns on /feed.xml,
    /// /feed.json, /sitemap.xml and /sitemaps/*.xml (404 without it).
    #[arg(long, env = "BANTIN_SITE_URL")]
    pub site_url: Option<String>,
    /// The site's name in feeds and the news sitemap (default: the site's host).
    #[arg(long, env = "BANTIN_SITE_NAME")]
    pub site_name: Option<String>,
    /// An article's public URL; placeholders {site} {slug} {id} {category} {yyyy} {mm} {dd}.
    #[arg(long, env = "BANTIN_ARTICLE_URL", default_value = crate::feeds::site::DEFAULT_ARTICLE_URL)]
    pub article_url: String,
    /// A category's public URL; placeholders {site} {category}.
    #[arg(long, env = "BANTIN_CATEGORY_URL", default_value = crate::feeds::site::DEFAULT_CATEGORY_URL)]
    pub category_url: String,

    /// A static frontend to serve at `/` beside the API: a folder with an `index.html`,
    /// such as `examples/site`. The API and the server's own pages take precedence.
    #[arg(long, env = "BANTIN_SITE_DIR")]
    pub site: Option<PathBuf>,
}

impl ServeArgs {
    /// Search slots: the setting, else one per core.
    pub fn search_slots(&self) -> usize {
        self.search_slots.unwrap_or_else(cores).max(1)
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            demo: false,
            cors_origins: Vec::new(),
            view_dedupe_secs: DEFAULT_VIEW_DEDUPE_SECS,
            view_flush_ms: DEFAULT_VIEW_FLUSH_MS,
            rate_limit: DEFAULT_RATE_LIMIT,
            trusted_proxies: Vec::new(),
            workers: None,
            search_slots: None,
            revisions_keep: DEFAULT_REVISIONS_KEEP,
            trash_days: DEFAULT_TRASH_DAYS,
            webhook_allow_private: false,
            site_url: None,
            site_name: None,
            article_url: crate::feeds::site::DEFAULT_ARTICLE_URL.to_owned(),
            category_url: crate::feeds::site::DEFAULT_CATEGORY_URL.to_owned(),
            site: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_goes_before_or_after_the_subcommand() {
        for args in [
            &["bantin", "--database", "x.db", "token", "list"][..],
            &["bantin", "token", "list", "--database", "x.db"][..],
            &["bantin", "--database", "x.db", "migrate"][..],
        ] {
            let cli = Cli::try_parse_from(args).expect("parse");
            assert_eq!(cli.database, PathBuf::from("x.db"), "{args:?}");
        }
        let serve = Cli::try_parse_from(["bantin", "serve", "--bind", "0.0.0.0:9000", "--demo"]).expect("parse");
        assert!(matches!(serve.command, Some(Command::Serve(ref args)) if args.demo));
        let bare = Cli::try_parse_from(["bantin", "--bind", "127.0.0.1:9000"]).expect("parse");
        assert!(bare.command.is_none());
        assert_eq!(bare.serve.bind, "127.0.0.1:9000");
        assert!(Cli::try_parse_from(["bantin", "token", "create", "--name", "a", "--scope", "admin"]).is_ok());
        assert!(Cli::try_parse_from(["bantin", "token", "create", "--name", "a", "--scope", "owner"]).is_err());
        assert_eq!(bare.search_dir(), Ok(PathBuf::from("./bantin.db.search")));
        assert_eq!(bare.media_dir(), Ok(PathBuf::from("./media")));
        let moved = Cli::try_parse_from(["bantin", "reindex", "--search-dir", "/srv/idx"]).expect("parse");
        assert_eq!(moved.search_dir(), Ok(PathBuf::from("/srv/idx")));
        // A PostgreSQL database has no file to put the folders beside: both are asked for.
        let pg = Cli::try_parse_from(["bantin", "--database", "postgres://u:p@db/news"]).expect("parse");
        assert!(pg.location().is_postgres());
        assert!(pg.search_dir().is_err() && pg.media_dir().is_err());
        let given = ["bantin", "--database", "postgres://db/news", "--search-dir", "s", "--media-dir", "m"];
        let pg = Cli::try_parse_from(given).expect("parse");
        assert_eq!((pg.search_dir(), pg.media_dir()), (Ok(PathBuf::from("s")), Ok(PathBuf::from("m"))));
    }

    #[test]
    fn switches_take_1_and_0_from_the_environment() {
        // Only this test reads BANTIN_WEBHOOK_ALLOW_PRIVATE.
        for (value, on) in [("1", true), ("true", true), ("0", false), ("false", false), ("off", false)] {
            std::env::set_var("BANTIN_WEBHOOK_ALLOW_PRIVATE", value);
            let cli = Cli::try_parse_from(["bantin"]).expect("parse");
            assert_eq!(cli.serve.webhook_allow_private, on, "{value}");
        }
        std::env::remove_var("BANTIN_WEBHOOK_ALLOW_PRIVATE");
        assert!(!Cli::try_parse_from(["bantin"]).expect("parse").serve.webhook_allow_private);
        assert!(Cli::try_parse_from(["bantin", "--webhook-allow-private"]).expect("parse").serve.webhook_allow_private);
    }
}
