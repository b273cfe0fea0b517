//! The media library: uploaded images, cleaned and resized into responsive variants.
//!
//! `process` turns an uploaded file into the bytes to store; it touches no database and
//! no storage. `store` keeps those bytes in the media folder, named by their hash.

pub mod process;
pub mod store;
