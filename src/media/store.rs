//! The media folder: files named by the SHA-256 of their bytes, written under a
//! temporary name, synced, then renamed, so a file is either whole or absent, and the
//! same bytes are stored once however many uploads bring them.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// Uploads processed at once (decoding and resizing are CPU-bound); a request that
/// waits longer than [`SLOT_WAIT`] for one answers 503.
pub const SLOTS: usize = 2;
/// How long an upload waits for a processing slot.
pub const SLOT_WAIT: Duration = Duration::from_secs(10);
/// The largest upload, in bytes.
pub const MAX_UPLOAD: u64 = 20 * 1024 * 1024;
/// The extensions files are stored under.
const EXTENSIONS: [&str; 4] = ["jpg", "png", "webp", "gif"];

/// The media folder and the slots that bound processing.
pub struct Library {
    dir: PathBuf,
    slots: Semaphore,
}

/// Whether `name` is one this library writes: 64 lowercase hex digits and a known
/// extension (so no path can be built from a request).
pub fn valid_name(name: &str) -> bool {
    match name.split_once('.') {
        Some((hash, ext)) => {
            hash.len() == 64
                && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && EXTENSIONS.contains(&ext)
        }
        None => false,
    }
}

impl Library {
    /// The library in `dir`, created if missing.
    pub fn open(dir: &Path) -> Result<Self, String> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create the media folder {}: {e}", dir.display()))?;
        Ok(Library { dir: dir.to_owned(), slots: Semaphore::new(SLOTS) })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A fresh temporary file name in the folder (same file system, so it renames).
    pub fn temp_path(&self, what: &str) -> PathBuf {
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        self.dir.join(format!(".{what}-{}", hex::encode(bytes)))
    }

    /// The path of stored file `name`, if the name is one of ours.
    pub fn path_of(&self, name: &str) -> Option<PathBuf> {
        valid_name(name).then(|| self.dir.join(name))
    }

    /// Stores `bytes` as `<sha256>.<ext>` and returns the name; already there, it is
    /// kept as it is.
    pub fn put(&self, bytes: &[u8], ext: &str) -> io::Result<String> {
        let name = format!("{}.{ext}", hex::encode(Sha256::digest(bytes)));
        let path = self.dir.join(&name);
        if path.exists() {
            return Ok(name);
        }
        let temp = self.temp_path("write");
        let written = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &path)?;
            File::open(&self.dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written.map(|()| name)
    }

    /// Removes stored file `name` (gone already is fine).
    pub fn remove(&self, name: &str) {
        if let Some(path) = self.path_of(name) {
            if let Err(why) = fs::remove_file(&path) {
                if why.kind() != io::ErrorKind::NotFound {
                    log::warn!("cannot remove media file {name}: {why}");
                }
            }
        }
    }

    /// Waits for a processing slot; 503 after [`SLOT_WAIT`].
    pub async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(SLOT_WAIT, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::Unavailable {
                detail: "every image slot stayed busy; retry shortly".to_owned(),
                retry_after: 5,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_this_library_writes_make_paths() {
        let hash = "a".repeat(64);
        assert!(valid_name(&format!("{hash}.jpg")));
        for bad in [
            format!("{hash}.svg"),
            format!("{}.jpg", "A".repeat(64)),
            format!("../{}.jpg", "a".repeat(61)),
            "a.jpg".to_owned(),
            format!("{hash}.jpg/x"),
            hash.clone(),
            format!(".{hash}.jpg"),
        ] {
            assert!(!valid_name(&bad), "{bad}");
        }
    }

    #[test]
    fn the_same_bytes_are_stored_once() {
        let dir = tempfile::tempdir().expect("dir");
        let library = Library::open(dir.path()).expect("library");
        let a = library.put(b"one", "png").expect("put");
        let b = library.put(b"one", "png").expect("put");
        assert_eq!(a, b);
        assert_eq!(fs::read_dir(dir.path()).expect("dir").count(), 1, "one file, no temporary left");
        assert_eq!(fs::read(library.path_of(&a).expect("path")).expect("read"), b"one");
        library.remove(&a);
        library.remove(&a);
        assert!(library.path_of(&a).is_some_and(|p| !p.exists()));
    }
}
