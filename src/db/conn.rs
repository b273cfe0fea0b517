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
