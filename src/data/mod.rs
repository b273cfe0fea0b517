//! Owning the data: backups, integrity checks, NDJSON export and import, and the
//! move in from WordPress. Each runs as a command of its own (`bantin backup`, …),
//! beside a running server or without one.

pub mod backup;
pub mod ndjson;
pub mod wordpress;
