//! One connection type for both backends: diesel's `MultiConnection` over SQLite and
//! PostgreSQL. Every query is written once against [`Conn`]; the few statements whose
//! SQL differs between the two (upserts, batch inserts, the write transaction) reach the
//! concrete connection with [`on_backend!`](crate::on_backend).

use diesel::r2d2::{ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

/// A database connection: SQLite (the embedded default) or PostgreSQL.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    /// A PostgreSQL server, through libpq.
    Pg(PgConnection),
    /// A SQLite file.
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection inside `$conn`, the same
/// code for each backend: for the statements diesel cannot build for both at once
/// (`ON CONFLICT`, multi-row `VALUES`).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Pg($c) => $body,
            $crate::db::Conn::Sqlite($c) => $body,
        }
    };
}

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file, by path.
    Sqlite(String),
    /// A PostgreSQL database, by `postgres://` URL.
    Postgres(String),
}

impl Location {
    /// `database` as given on the command line: a `postgres://` or `postgresql://`
    /// URL names a PostgreSQL database, anything else a SQLite file.
    pub fn parse(database: &str) -> Location {
        let lower = database.get(..13).unwrap_or(database).to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Location::Postgres(database.to_owned())
        } else {
            Location::Sqlite(database.to_owned())
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

/// The location for messages and logs: a URL's password is shown as `***`.
impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => f.write_str(path),
            Location::Postgres(url) => match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    // Only fails for URLs that cannot have a password, and this one has.
                    let _ = parsed.set_password(Some("***"));
                    f.write_str(parsed.as_str())
                }
                Ok(_) => f.write_str(url),
                Err(_) => f.write_str("a postgres:// URL that does not parse"),
            },
        }
    }
}

/// The pool's connection maker: opens the backend the location names, so a path never
/// reaches libpq and a URL never becomes a SQLite file.
#[derive(Debug, Clone)]
pub struct Manager {
    location: Location,
}

impl Manager {
    /// A maker of connections to `location`.
    pub fn new(location: Location) -> Manager {
        Manager { location }
    }
}

impl ManageConnection for Manager {
    type Connection = Conn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Conn, Self::Error> {
        match &self.location {
            Location::Sqlite(path) => SqliteConnection::establish(path).map(Conn::Sqlite),
            Location::Postgres(url) => PgConnection::establish(url).map(Conn::Pg),
        }
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Which SQL a connection speaks, for the few statements written per backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite's.
    Sqlite,
    /// PostgreSQL's.
    Pg,
}

impl Conn {
    /// The SQL this connection speaks.
    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Pg(_) => Dialect::Pg,
            Conn::Sqlite(_) => Dialect::Sqlite,
        }
    }
}

impl Dialect {
    /// `sql` with its numbered parameters (`?1`, `?2`, …, as SQLite writes them) in
    /// this dialect: PostgreSQL's are `$1`, `$2`, ….
    pub fn params(self, sql: &str) -> String {
        match self {
            Dialect::Sqlite => sql.to_owned(),
            Dialect::Pg => {
                let mut out = String::with_capacity(sql.len());
                let mut chars = sql.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
                        out.push('$');
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Dialect, Location};

    #[test]
    fn a_url_names_postgresql_and_its_password_is_never_shown() {
        let url = "postgres://bantin:s3cret@127.0.0.1:5432/news";
        assert_eq!(Location::parse(url), Location::Postgres(url.to_owned()));
        assert_eq!(Location::parse("POSTGRESQL://h/db"), Location::Postgres("POSTGRESQL://h/db".to_owned()));
        assert_eq!(Location::parse("./bantin.db"), Location::Sqlite("./bantin.db".to_owned()));
        assert_eq!(Location::parse("postgres.db"), Location::Sqlite("postgres.db".to_owned()));
        assert_eq!(Location::parse(url).to_string(), "postgres://bantin:***@127.0.0.1:5432/news");
        assert_eq!(Location::parse("postgres://h/db").to_string(), "postgres://h/db");
    }

    #[test]
    fn numbered_parameters_are_written_per_dialect() {
        let sql = "SELECT a FROM t WHERE b = ?1 AND c IN (?2, ?12) AND d = '?'";
        assert_eq!(Dialect::Sqlite.params(sql), sql);
        assert_eq!(Dialect::Pg.params(sql), "SELECT a FROM t WHERE b = $1 AND c IN ($2, $12) AND d = '?'");
    }
}
