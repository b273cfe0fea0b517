//! Generations: the version of all content, bumped by every write, and of view
//! counts, bumped by every view flush. Whatever is cached is tagged with the
//! generations it was made at, and is outdated when they move.

use std::sync::atomic::{AtomicU64, Ordering};

/// The version of all content, bumped by every write, and of view counts, bumped by
/// every view flush.
#[derive(Debug, Default)]
pub struct ContentGeneration {
    content: AtomicU64,
    views: AtomicU64,
}

impl ContentGeneration {
    /// The current content generation.
    pub fn current(&self) -> u64 {
        self.content.load(Ordering::Acquire)
    }

    /// Marks every cached answer as outdated.
    pub fn bump(&self) {
        self.content.fetch_add(1, Ordering::AcqRel);
    }

    /// The current views generation.
    pub fn views(&self) -> u64 {
        self.views.load(Ordering::Acquire)
    }

    /// Marks every cached view count as outdated (and answers made by views).
    pub fn bump_views(&self) {
        self.views.fetch_add(1, Ordering::AcqRel);
    }
}
