//! Emptying the trash: articles trashed more than `BANTIN_TRASH_DAYS` days ago are
//! deleted for good, checked every [`PURGE_CHECK`] (one indexed query on the trash).

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::db::{self, DbPool};
use crate::views::ViewBuffer;

/// How often the trash is checked.
pub const PURGE_CHECK: Duration = Duration::from_secs(1);

/// Deletes the articles trashed at least `days` days ago; returns how many.
pub fn purge(pool: &DbPool, days: u32, views: &ViewBuffer) -> Result<usize, String> {
    let before = db::now() - chrono::Duration::days(i64::from(days));
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let ids = db::articles::trashed_before(&mut conn, before).map_err(|e| e.to_string())?;
    if ids.is_empty() {
        return Ok(0);
    }
    let purged = db::immediate(&mut conn, |conn| {
        let mut purged = 0;
        for id in &ids {
            if db::articles::delete_if_trashed_before(conn, *id, before)? {
                crate::webhooks::emit(conn, "article.deleted", &crate::webhooks::Deleted { id: *id })?;
                views.forget(*id);
                purged += 1;
            }
        }
        Ok::<_, diesel::result::Error>(purged)
    })
    .map_err(|e| e.to_string())?;
    log::info!("emptied {purged} article(s) from the trash (trashed over {days} day(s) ago)");
    Ok(purged)
}

/// Starts the thread that empties the trash; it ends with the last holder of `views`.
pub fn start(pool: DbPool, days: u32, views: &Arc<ViewBuffer>) -> Result<(), String> {
    let weak: Weak<ViewBuffer> = Arc::downgrade(views);
    std::thread::Builder::new()
        .name("trash".to_owned())
        .spawn(move || loop {
            std::thread::sleep(PURGE_CHECK);
            let Some(views) = weak.upgrade() else { return };
            if let Err(why) = purge(&pool, days, &views) {
                log::warn!("cannot empty the trash (next try soon): {why}");
            }
        })
        .map_err(|e| format!("cannot start the trash purger: {e}"))?;
    Ok(())
}
