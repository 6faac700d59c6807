//! Saved state in the data dir (`FEDCERT_DATA_DIR`, else the `directories` data dir): JSON files
//! and versioned [`Record`]s, whose owners define them (checklist progress is the checklist's).
//! Writes are atomic (temp file, fsync, rename, fsync of the directory) under an advisory lock;
//! a corrupt file is moved aside with a warning, never silently dropped.
//!
//! Layout: `<dir>/<name>` for each JSON file, `<dir>/<name>.lock` for its advisory lock (a lock
//! file beside the data, so the data file itself can be replaced by rename while locked) and
//! `<dir>/<name>.tmp` while a write is under way. A crash mid-write leaves at most a torn
//! `.tmp`, which readers never look at and the next writer overwrites. Text files written for
//! the operator (`runbooks/<domain>.ps1` from the TUI) are written the same way.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A kind of saved file, defined by the module that owns it: where the record for a key lives,
/// the format version this build writes (a file of a newer one is refused and left alone), and
/// the record to start from when none is saved. The file is a JSON object whose `format` field
/// holds the version.
pub trait Record: Serialize + DeserializeOwned {
    /// The version written into `format`, and the newest this build reads.
    const FORMAT: u32;
    /// What the file holds, for messages about its shape: `checklist progress`.
    const WHAT: &'static str;
    /// The file of the record for `key`, relative to the data dir ([`file_stem`] makes any key
    /// safe to use in it).
    fn file_name(key: &str) -> String;
    /// The record for `key` when none is saved.
    fn fresh(key: &str) -> Self;
    /// Only the owner may read the file (mode 0600 from the moment it is created, in a
    /// directory only the owner may enter): for records that hold credentials.
    const PRIVATE: bool = false;
}

/// A store problem, naming the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// There is no data dir to save in (no `FEDCERT_DATA_DIR` and no platform data dir).
    #[error("no data directory to save {what} in (set FEDCERT_DATA_DIR)")]
    NoDataDir { what: &'static str },
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    /// The file did not parse; it was moved to `moved_to` so nothing is lost.
    #[error("{path} was corrupt ({reason}); moved it aside to {moved_to}")]
    Corrupt {
        path: String,
        reason: String,
        moved_to: String,
    },
    /// The file was written by a newer fedcert; it is left alone.
    #[error(
        "{path} has format {found}, but this fedcert reads format {supported} at most; upgrade fedcert"
    )]
    Version {
        path: String,
        found: u32,
        supported: u32,
    },
    /// A file name that would leave the data dir or is empty.
    #[error("{name:?} is not a file name inside the data dir (relative, no '..')")]
    BadName { name: String },
    /// Another process kept the file's lock longer than [`LOCK_WAIT`]: nothing was written.
    #[error(
        "{path} is locked by another fedcert process (waited {waited_ms} ms); nothing was written, try again"
    )]
    Busy { path: String, waited_ms: u64 },
}

/// The data directory and the files in it.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
    /// The clock for `.corrupt-<timestamp>` names (tests fix it).
    clock: fn() -> DateTime<Utc>,
    /// How long to wait for another process's lock ([`LOCK_WAIT`]; tests shorten it).
    lock_wait: std::time::Duration,
}

impl Store {
    /// Use `dir` (created on first write).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            clock: Utc::now,
            lock_wait: LOCK_WAIT,
        }
    }

    /// The same store waiting at most `wait` for another process's lock (for tests).
    #[must_use]
    pub fn with_lock_wait(mut self, wait: std::time::Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The same store with another clock for naming corrupt files (for tests).
    #[must_use]
    pub fn with_clock(mut self, clock: fn() -> DateTime<Utc>) -> Self {
        self.clock = clock;
        self
    }

    /// `FEDCERT_DATA_DIR`, else the platform data dir (`~/.local/share/fedcert`).
    pub fn default_dir() -> Option<PathBuf> {
        dir_from(std::env::var_os("FEDCERT_DATA_DIR"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The names of the files directly in the data dir, to look for many at once without a
    /// lookup each (empty when the dir does not exist yet; `None` when it cannot be listed).
    pub fn file_names(&self) -> Option<HashSet<String>> {
        self.file_names_in("")
    }

    /// As [`Self::file_names`], in the data dir's sub-directory `dir` (`history`).
    pub fn file_names_in(&self, dir: &str) -> Option<HashSet<String>> {
        match fs::read_dir(self.dir.join(dir)) {
            Ok(entries) => Some(
                entries
                    .filter_map(Result::ok)
                    .filter_map(|entry| entry.file_name().into_string().ok())
                    .collect(),
            ),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Some(HashSet::new()),
            Err(_) => None,
        }
    }

    /// Read `name` (relative to the dir) as JSON. `Ok(None)` when absent. A file that does not
    /// parse is moved aside and reported as [`StoreError::Corrupt`].
    pub fn read_json<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
        self.read_with(name, decode_json)
    }

    /// Write `value` as JSON to `name` atomically, under the advisory lock.
    pub fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StoreError> {
        self.write_as(name, value, Access::Shared)
    }

    /// Write `text` to `name` atomically, under the advisory lock (readable by others, like
    /// the JSON files); the path it was written to.
    pub fn write_text(&self, name: &str, text: &str) -> Result<PathBuf, StoreError> {
        let path = self.path_of(name)?;
        ensure_parent(&path, Access::Shared)?;
        let _lock = Lock::exclusive(&path, self.lock_wait)?;
        write_bytes_atomic(&path, text.as_bytes(), Access::Shared)?;
        Ok(path)
    }

    fn write_as<T: Serialize>(
        &self,
        name: &str,
        value: &T,
        access: Access,
    ) -> Result<(), StoreError> {
        let path = self.path_of(name)?;
        ensure_parent(&path, access)?;
        let _lock = Lock::exclusive(&path, self.lock_wait)?;
        write_atomic(&path, value, access)
    }

    /// Read, change and write `name` under one exclusive lock, so that two fedcert processes
    /// never lose each other's changes. `change` receives `None` when the file is absent.
    /// A corrupt file is moved aside and reported, and `change` is not called.
    pub fn update_json<T, R>(
        &self,
        name: &str,
        change: impl FnOnce(Option<T>) -> (T, R),
    ) -> Result<R, StoreError>
    where
        T: Serialize + DeserializeOwned,
    {
        self.update_with(name, decode_json, Access::Shared, change)
    }

    /// The record saved for `key`; a fresh one ([`Record::fresh`]) when none is. A file from a
    /// newer fedcert is refused ([`StoreError::Version`]) and left alone.
    pub fn load<R: Record>(&self, key: &str) -> Result<R, StoreError> {
        let saved = self.read_with(&R::file_name(key), decode_record::<R>)?;
        Ok(saved.unwrap_or_else(|| R::fresh(key)))
    }

    pub fn save<R: Record>(&self, key: &str, record: &R) -> Result<(), StoreError> {
        self.write_as(&R::file_name(key), record, Access::of::<R>())
    }

    /// Remove the record saved for `key`, under the lock. `Ok(false)` when none was saved.
    pub fn remove<R: Record>(&self, key: &str) -> Result<bool, StoreError> {
        let path = self.path_of(&R::file_name(key))?;
        if !path.exists() {
            return Ok(false);
        }
        let _lock = Lock::exclusive(&path, self.lock_wait)?;
        match fs::remove_file(&path) {
            Ok(()) => {
                sync_dir(&path);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_error(&path, &e)),
        }
    }

    /// Change the record for `key` under the lock (load, `change`, save) and return what
    /// `change` returned.
    pub fn update<R: Record, T>(
        &self,
        key: &str,
        change: impl FnOnce(&mut R) -> T,
    ) -> Result<T, StoreError> {
        self.update_with(
            &R::file_name(key),
            decode_record::<R>,
            Access::of::<R>(),
            |saved| {
                let mut record = saved.unwrap_or_else(|| R::fresh(key));
                let result = change(&mut record);
                (record, result)
            },
        )
    }

    fn read_with<T>(&self, name: &str, decode: Decoder<T>) -> Result<Option<T>, StoreError> {
        let path = self.path_of(name)?;
        if !path.exists() {
            return Ok(None);
        }
        // Writers replace the file by rename, so a read without the lock still sees a whole
        // file; the shared lock only keeps the move-aside of a corrupt file from racing a writer.
        let lock = Lock::shared(&path, self.lock_wait).ok();
        match read_decoded(&path, decode)? {
            None => Ok(None),
            Some(Decoded::Value(value)) => Ok(Some(value)),
            Some(Decoded::Refused(error)) => Err(error),
            Some(Decoded::Invalid(_)) => {
                drop(lock);
                let _lock = Lock::exclusive(&path, self.lock_wait)?;
                // Look again under the exclusive lock: a writer may have replaced it meanwhile.
                match read_decoded(&path, decode)? {
                    None => Ok(None),
                    Some(Decoded::Value(value)) => Ok(Some(value)),
                    Some(Decoded::Refused(error)) => Err(error),
                    Some(Decoded::Invalid(reason)) => Err(self.move_aside(&path, reason)),
                }
            }
        }
    }

    fn update_with<T: Serialize, R>(
        &self,
        name: &str,
        decode: Decoder<T>,
        access: Access,
        change: impl FnOnce(Option<T>) -> (T, R),
    ) -> Result<R, StoreError> {
        let path = self.path_of(name)?;
        ensure_parent(&path, access)?;
        let _lock = Lock::exclusive(&path, self.lock_wait)?;
        let current = match read_decoded(&path, decode)? {
            None => None,
            Some(Decoded::Value(value)) => Some(value),
            Some(Decoded::Refused(error)) => return Err(error),
            Some(Decoded::Invalid(reason)) => return Err(self.move_aside(&path, reason)),
        };
        let (next, result) = change(current);
        write_atomic(&path, &next, access)?;
        Ok(result)
    }

    /// `<dir>/<name>`, refusing names that would leave the dir.
    fn path_of(&self, name: &str) -> Result<PathBuf, StoreError> {
        let relative = Path::new(name);
        let normal = !name.is_empty()
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !normal {
            return Err(StoreError::BadName {
                name: name.to_owned(),
            });
        }
        Ok(self.dir.join(relative))
    }

    /// Rename a corrupt file to `<name>.corrupt-<timestamp>` and describe it.
    fn move_aside(&self, path: &Path, reason: String) -> StoreError {
        let stamp = (self.clock)().format("%Y%m%dT%H%M%SZ").to_string();
        let mut target = sibling(path, &format!(".corrupt-{stamp}"));
        let mut n = 1;
        while target.exists() {
            target = sibling(path, &format!(".corrupt-{stamp}-{n}"));
            n += 1;
        }
        match fs::rename(path, &target) {
            Ok(()) => {
                sync_dir(path);
                StoreError::Corrupt {
                    path: display(path),
                    reason,
                    moved_to: display(&target),
                }
            }
            Err(e) => StoreError::Io {
                path: display(path),
                reason: format!(
                    "corrupt ({reason}) and could not move it aside to {}: {e}",
                    display(&target)
                ),
            },
        }
    }
}

/// `FEDCERT_DATA_DIR` when set and not empty, else the platform data dir.
fn dir_from(env: Option<std::ffi::OsString>) -> Option<PathBuf> {
    if let Some(dir) = env.filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "fedcert").map(|dirs| dirs.data_dir().to_path_buf())
}

/// A file-name stem for any string: lowercase ASCII letters, digits, `.`, `-` and `_` stay;
/// everything else is `%XX`-encoded (bytes of its UTF-8); a leading dot is encoded too, so
/// `..` and hidden names cannot happen. Very long stems are cut and end with a hash of the whole.
pub fn file_stem(key: &str) -> String {
    const MAX: usize = 120;
    let trimmed = key.trim();
    // Room for the name and the extension the caller adds (a start-up makes 10,000 of these).
    let mut stem = String::with_capacity(trimmed.len() + ".json".len());
    for (i, byte) in trimmed.bytes().map(|b| b.to_ascii_lowercase()).enumerate() {
        let keep = byte.is_ascii_lowercase()
            || byte.is_ascii_digit()
            || matches!(byte, b'-' | b'_')
            || (byte == b'.' && i > 0);
        if keep {
            stem.push(char::from(byte));
        } else {
            let _ = write!(stem, "%{byte:02X}");
        }
    }
    if stem.is_empty() {
        stem.push_str("%00");
    }
    if stem.len() > MAX {
        let hash = crate::cert::Sha256::of(key.as_bytes()).to_string();
        stem.truncate(MAX - 17);
        stem.push('-');
        stem.push_str(&hash[..16]);
    }
    stem
}

/// What a file's bytes turned out to be.
enum Decoded<T> {
    Value(T),
    /// Not what it should be: moved aside as corrupt.
    Invalid(String),
    /// Readable but not ours to touch (a newer format): reported, left alone.
    Refused(StoreError),
}

type Decoder<T> = fn(&Path, &[u8]) -> Decoded<T>;

fn decode_json<T: DeserializeOwned>(_: &Path, bytes: &[u8]) -> Decoded<T> {
    match serde_json::from_slice(bytes) {
        Ok(value) => Decoded::Value(value),
        Err(e) => Decoded::Invalid(e.to_string()),
    }
}

/// A record, checking the format version before the shape so that a newer file is refused
/// rather than mistaken for a corrupt one.
fn decode_record<R: Record>(path: &Path, bytes: &[u8]) -> Decoded<R> {
    let value: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(value) => value,
        Err(e) => return Decoded::Invalid(e.to_string()),
    };
    let format = value.get("format").and_then(serde_json::Value::as_u64);
    if let Some(found) = format.filter(|f| *f > u64::from(R::FORMAT)) {
        return Decoded::Refused(StoreError::Version {
            path: display(path),
            found: u32::try_from(found).unwrap_or(u32::MAX),
            supported: R::FORMAT,
        });
    }
    match serde_json::from_value(value) {
        Ok(record) => Decoded::Value(record),
        Err(e) => Decoded::Invalid(format!("not {}: {e}", R::WHAT)),
    }
}

/// The decoded file, `None` when it does not exist.
fn read_decoded<T>(path: &Path, decode: Decoder<T>) -> Result<Option<Decoded<T>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(decode(path, &bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, &e)),
    }
}

/// Who may read a saved file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// The umask decides (progress, snapshots).
    Shared,
    /// The owner only: the file 0600, its directory 0700 when fedcert creates it.
    Private,
}

impl Access {
    fn of<R: Record>() -> Self {
        if R::PRIVATE {
            Self::Private
        } else {
            Self::Shared
        }
    }
}

/// Temp file in the same dir, write, fsync, rename over the target, fsync the dir.
fn write_atomic<T: Serialize>(path: &Path, value: &T, access: Access) -> Result<(), StoreError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| StoreError::Io {
        path: display(path),
        reason: format!("cannot encode as JSON: {e}"),
    })?;
    bytes.push(b'\n');
    write_bytes_atomic(path, &bytes, access)
}

/// [`write_atomic`] of bytes already encoded.
fn write_bytes_atomic(path: &Path, bytes: &[u8], access: Access) -> Result<(), StoreError> {
    let temp = sibling(path, ".tmp");
    // Under the lock any temp file is a crashed writer's: remove it, then create ours afresh
    // (`create_new` never follows a symlink planted there).
    match fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error(&temp, &e)),
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if access == Access::Private {
        use std::os::unix::fs::OpenOptionsExt;
        // Private from its first byte: the temp file is never readable by anyone else.
        options.mode(0o600);
    }
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written {
        // A full disk or a size limit: the old file stays whole, and no partial temp is left.
        let _ = fs::remove_file(&temp);
        return Err(io_error(&temp, &e));
    }
    fs::rename(&temp, path).map_err(|e| io_error(path, &e))?;
    sync_dir(path);
    Ok(())
}

/// Make the rename durable. Directories cannot be opened for syncing on every platform; the
/// rename itself is still atomic there, so a failure here is not an error.
fn sync_dir(path: &Path) {
    if let Some(Ok(dir)) = path.parent().map(File::open) {
        let _ = dir.sync_all();
    }
}

fn ensure_parent(path: &Path, access: Access) -> Result<(), StoreError> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    if access == Access::Private {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io_error(dir, &e))
}

/// An advisory lock on `<file>.lock`, released on drop.
struct Lock(File);

impl Lock {
    fn open(data: &Path) -> Result<File, StoreError> {
        let path = sibling(data, ".lock");
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, &e))
    }

    fn shared(data: &Path, wait: std::time::Duration) -> Result<Self, StoreError> {
        Self::acquire(data, wait, File::try_lock_shared)
    }

    fn exclusive(data: &Path, wait: std::time::Duration) -> Result<Self, StoreError> {
        Self::acquire(data, wait, File::try_lock)
    }

    /// Take the lock, waiting for another process to release it — but not for ever: a process
    /// stopped while holding it (Ctrl-Z, a hung disk) must not freeze this one. The holders
    /// here keep it for one small write, so the wait is normally a few milliseconds.
    fn acquire(
        data: &Path,
        wait: std::time::Duration,
        try_lock: fn(&File) -> Result<(), std::fs::TryLockError>,
    ) -> Result<Self, StoreError> {
        let file = Self::open(data)?;
        let path = sibling(data, ".lock");
        let deadline = std::time::Instant::now() + wait;
        loop {
            match try_lock(&file) {
                Ok(()) => return Ok(Self(file)),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(StoreError::Busy {
                        path: path.display().to_string(),
                        waited_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io_error(&path, &e)),
            }
        }
    }
}

/// The longest fedcert waits for another process's lock on a saved file.
pub const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn io_error(path: &Path, error: &io::Error) -> StoreError {
    StoreError::Io {
        path: display(path),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_for_any_domain_string() {
        assert_eq!(file_stem("Contoso.com"), "contoso.com");
        assert_eq!(file_stem(".."), "%2E.");
        assert_eq!(file_stem("a/b\\c"), "a%2Fb%5Cc");
        assert_eq!(file_stem(""), "%00");
        assert_eq!(file_stem("müller.de"), "m%C3%BCller.de");
        let long = file_stem(&"x".repeat(500));
        assert_eq!(long.len(), 120);
        assert_ne!(long, file_stem(&"x".repeat(501)));
    }

    #[test]
    fn the_environment_variable_wins_over_the_platform_dir() {
        assert_eq!(
            dir_from(Some("/srv/fedcert".into())),
            Some(PathBuf::from("/srv/fedcert"))
        );
        let platform = dir_from(Some("".into()));
        assert_eq!(
            platform,
            dir_from(None),
            "an empty variable counts as unset"
        );
        if let Some(dir) = platform {
            assert!(dir.ends_with("fedcert"), "{}", dir.display());
        }
    }

    #[test]
    fn names_that_leave_the_dir_are_refused() {
        let store = Store::at("/nonexistent");
        for name in ["", "../x.json", "/etc/passwd", "a/../../b"] {
            assert!(
                matches!(store.path_of(name), Err(StoreError::BadName { .. })),
                "{name}"
            );
        }
        assert!(store.path_of("progress/contoso.com.json").is_ok());
    }
}
