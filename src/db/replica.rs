//! Anonymous reads from a PostgreSQL streaming replica (`BANTIN_DATABASE_REPLICA`).
//!
//! A replica lags its primary. Were an answer computed on a replica that has not yet
//! replayed the last write, and cached under the generation that write made, the cache
//! would serve old content until the next write. So a read on the replica first reads
//! the replica's `content` generation in the same snapshot (REPEATABLE READ) as the
//! content, and goes ahead only when it is at least the primary's generation as read
//! just before: the snapshot then holds every write committed before the request
//! began. Otherwise (or when the replica cannot be reached) the read runs on the
//! primary, as without a replica.
//!
//! Only reads that fill the anonymous response cache are sent to the replica; writes,
//! token holders' reads, the listener, the search feed and webhook work stay on the
//! primary.

use std::future::Future;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::{PgConnection, QueryResult};

use super::{Conn, DbConn, DbPool};

tokio::task_local! {
    /// The replica the current request may read from.
    static REPLICA: Option<DbPool>;
}

/// Runs `request` with its database reads sent to `replica` when it is current (see
/// the module's notes).
pub async fn reading_from<F: Future>(replica: Option<DbPool>, request: F) -> F::Output {
    REPLICA.scope(replica, request).await
}

/// The replica the current request may read from, if any.
pub(super) fn current() -> Option<DbPool> {
    REPLICA.try_with(Clone::clone).ok().flatten()
}

/// The `content` generation as stored (see [`crate::cluster`]).
fn content_generation(conn: &mut PgConnection) -> QueryResult<i64> {
    crate::cluster::generations(conn).map(|(content, _)| content)
}

/// A replica connection in a read-only REPEATABLE READ transaction whose snapshot holds
/// every write the primary (`primary`) had committed when this was called; `None` when
/// the replica lags or cannot be reached (read from the primary then).
pub(super) fn snapshot(primary: &DbPool, replica: &DbPool) -> Option<DbConn> {
    let required = {
        let mut conn = primary.get().ok()?;
        let Conn::Pg(pg) = &mut *conn else { return None };
        content_generation(pg).ok()?
    };
    let mut conn = match replica.get() {
        Ok(conn) => conn,
        Err(why) => {
            log::warn!("the replica is unreachable, reading from the primary: {why}");
            return None;
        }
    };
    let Conn::Pg(pg) = &mut *conn else { return None };
    AnsiTransactionManager::begin_transaction_sql(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").ok()?;
    match content_generation(pg) {
        Ok(seen) if seen >= required => Some(conn),
        Ok(seen) => {
            log::debug!("the replica is at generation {seen}, the primary at {required}: reading from the primary");
            let _ = AnsiTransactionManager::rollback_transaction(pg);
            None
        }
        Err(why) => {
            log::warn!("cannot read the replica's generation, reading from the primary: {why}");
            let _ = AnsiTransactionManager::rollback_transaction(pg);
            None
        }
    }
}

/// Ends the transaction [`snapshot`] began (read-only: nothing to keep).
pub(super) fn finish(conn: &mut Conn) {
    if let Conn::Pg(pg) = conn {
        if let Err(why) = AnsiTransactionManager::rollback_transaction(pg) {
            log::warn!("cannot end a replica read: {why}");
        }
    }
}
