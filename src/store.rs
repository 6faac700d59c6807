//! Saved state in the data dir (`FEDCERT_DATA_DIR`, else the `directories` data dir): checklist
//! progress, imports and last-known snapshots. Writes are atomic (temp file, fsync, rename, fsync
//! of the directory) under an advisory lock; a corrupt file is moved aside with a warning, never
//! silently dropped.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A store problem, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    /// The file did not parse; it was moved to `moved_to` so nothing is lost.
    #[error("{path} was corrupt ({reason}); moved it aside to {moved_to}")]
    Corrupt {
        path: String,
        reason: String,
        moved_to: String,
    },
}

/// The data directory and the files in it.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// Use `dir` (created on first write).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `FEDCERT_DATA_DIR`, else the platform data dir (`~/.local/share/fedcert`).
    pub fn default_dir() -> Option<PathBuf> {
        todo!("H-checklist")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Read `name` (relative to the dir) as JSON. `Ok(None)` when absent. A file that does not
    /// parse is moved aside and reported as [`StoreError::Corrupt`].
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        let _ = name;
        todo!("H-checklist")
    }

    /// Write `value` as JSON to `name` atomically, under the advisory lock.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StoreError> {
        let _ = (name, value);
        todo!("H-checklist")
    }
}
