//! The data store: atomic writes, torn temp files, corrupt files moved aside, concurrent writers.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::sync::{Arc, Barrier};
use std::thread;

use chrono::{DateTime, Utc};
use fedcert::cert::Sha1;
use fedcert::checklist::{Mark, Progress, StepId};
use fedcert::store::{Record, Store, StoreError};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    names: Vec<String>,
}

fn snapshot(version: u32) -> Snapshot {
    Snapshot {
        version,
        names: (0..50).map(|i| format!("entry-{version}-{i}")).collect(),
    }
}

/// About 200 KB of JSON, so that a non-atomic write would be caught half-way.
fn big_snapshot(version: u32) -> Snapshot {
    Snapshot {
        version,
        names: (0..8000).map(|i| format!("entry-{version}-{i}")).collect(),
    }
}

fn fixed_clock() -> DateTime<Utc> {
    "2026-12-01T08:00:00Z".parse().unwrap()
}

fn now() -> DateTime<Utc> {
    fixed_clock()
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_written_value_reads_back_and_an_absent_one_is_none() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path().join("data"));
    assert_eq!(
        store.read_json::<Snapshot>("snap.json").unwrap(),
        None,
        "absent, dir not even created"
    );
    store.write_json("snap.json", &snapshot(1)).unwrap();
    assert_eq!(
        store.read_json::<Snapshot>("snap.json").unwrap(),
        Some(snapshot(1))
    );
    store.write_json("snap.json", &snapshot(2)).unwrap();
    assert_eq!(
        store.read_json::<Snapshot>("snap.json").unwrap(),
        Some(snapshot(2))
    );
    // Only the data and its lock file remain: no temp file is left behind.
    assert_eq!(
        entries(&tmp.path().join("data")),
        ["snap.json", "snap.json.lock"]
    );
}

#[test]
fn progress_round_trips_and_a_missing_file_is_a_fresh_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path());
    let fresh = store.load::<Progress>("contoso.com").unwrap();
    assert_eq!(fresh, Progress::new("contoso.com"));

    let key = Some(Sha1::of(b"primary"));
    let mut progress = fresh;
    progress.toggle_done(key, StepId::Sync, now());
    progress.set_note(key, StepId::Sync, "compared by eye", now());
    store.save("contoso.com", &progress).unwrap();
    assert_eq!(store.load::<Progress>("contoso.com").unwrap(), progress);
    assert!(tmp.path().join("progress/contoso.com.json").is_file());
}

#[test]
fn progress_of_any_domain_string_stays_inside_the_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path().join("data"));
    for domain in [
        "../../etc/passwd",
        "/abs/path",
        "..",
        "a\\b",
        "con:tos o",
        "",
    ] {
        let mut progress = Progress::new(domain);
        progress.toggle_done(None, StepId::Sync, now());
        store.save(domain, &progress).unwrap();
        assert_eq!(
            store.load::<Progress>(domain).unwrap(),
            progress,
            "{domain:?}"
        );
        let name = Progress::file_name(domain);
        assert!(
            name.starts_with("progress/") && !name[9..].contains('/'),
            "{name}"
        );
    }
    assert_eq!(
        entries(tmp.path()),
        ["data"],
        "nothing escaped the data dir"
    );
    assert_eq!(
        entries(&tmp.path().join("data/progress")).len(),
        12,
        "6 files and their locks"
    );
}

#[test]
fn a_torn_temp_file_is_ignored_and_the_old_data_still_reads() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path());
    store.write_json("snap.json", &snapshot(1)).unwrap();

    // A writer died half-way through its temp file (kill -9 before the rename).
    let full = serde_json::to_vec_pretty(&snapshot(2)).unwrap();
    fs::write(tmp.path().join("snap.json.tmp"), &full[..full.len() / 2]).unwrap();

    assert_eq!(
        store.read_json::<Snapshot>("snap.json").unwrap(),
        Some(snapshot(1))
    );
    // The next write replaces the torn temp file and lands whole.
    store.write_json("snap.json", &snapshot(3)).unwrap();
    assert_eq!(
        store.read_json::<Snapshot>("snap.json").unwrap(),
        Some(snapshot(3))
    );
    assert!(!tmp.path().join("snap.json.tmp").exists());
}

#[test]
fn a_corrupt_file_is_moved_aside_and_the_error_names_both_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path()).with_clock(fixed_clock);
    let path = tmp.path().join("snap.json");
    fs::write(&path, b"{\"version\": 1, \"names\": [\"a\", ").unwrap();

    let err = store.read_json::<Snapshot>("snap.json").unwrap_err();
    let moved = tmp.path().join("snap.json.corrupt-20261201T080000Z");
    let StoreError::Corrupt {
        path: reported,
        moved_to,
        ..
    } = &err
    else {
        panic!("expected Corrupt, got {err:?}");
    };
    assert_eq!(reported, &path.display().to_string());
    assert_eq!(moved_to, &moved.display().to_string());
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(&moved.display().to_string()), "{message}");

    // Nothing is lost: the bytes are in the moved file; the name is free again.
    assert_eq!(
        fs::read(&moved).unwrap(),
        b"{\"version\": 1, \"names\": [\"a\", "
    );
    assert!(!path.exists());
    assert_eq!(store.read_json::<Snapshot>("snap.json").unwrap(), None);

    // A second corrupt file in the same second does not overwrite the first one.
    fs::write(&path, b"garbage").unwrap();
    let err = store.read_json::<Snapshot>("snap.json").unwrap_err();
    assert!(
        err.to_string()
            .contains("snap.json.corrupt-20261201T080000Z-1"),
        "{err}"
    );
    assert_eq!(
        fs::read(&moved).unwrap(),
        b"{\"version\": 1, \"names\": [\"a\", "
    );
}

#[test]
fn progress_in_the_wrong_shape_is_corrupt_but_a_newer_format_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path()).with_clock(fixed_clock);
    let path = tmp.path().join(Progress::file_name("contoso.com"));
    fs::create_dir_all(path.parent().unwrap()).unwrap();

    fs::write(&path, br#"{"format": 1, "domain": 42}"#).unwrap();
    let err = store.load::<Progress>("contoso.com").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");

    let newer = br#"{"format": 7, "domain": "contoso.com", "runs": "a shape from the future"}"#;
    fs::write(&path, newer).unwrap();
    let err = store.load::<Progress>("contoso.com").unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Version {
                found: 7,
                supported: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("upgrade fedcert"), "{err}");
    let err = store
        .update::<Progress, _>("contoso.com", |_| ())
        .unwrap_err();
    assert!(matches!(err, StoreError::Version { .. }), "{err:?}");
    assert_eq!(fs::read(&path).unwrap(), newer, "never rewritten or moved");
}

#[test]
fn concurrent_writers_never_leave_a_half_file() {
    const WRITERS: u32 = 4;
    const WRITES: u32 = 40;
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path());
    store.write_json("snap.json", &big_snapshot(0)).unwrap();
    let start = Arc::new(Barrier::new(WRITERS as usize + 1));

    let writers: Vec<_> = (1..=WRITERS)
        .map(|writer| {
            let (store, start) = (store.clone(), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                for n in 0..WRITES {
                    store
                        .write_json("snap.json", &big_snapshot(writer * 1000 + n))
                        .unwrap();
                }
            })
        })
        .collect();
    // The reader looks at the file the way a crash or another program would: raw bytes, no
    // lock. Every read must be one whole write.
    let reader = {
        let (path, start) = (tmp.path().join("snap.json"), Arc::clone(&start));
        thread::spawn(move || {
            start.wait();
            let mut reads = 0;
            for _ in 0..300 {
                let bytes = fs::read(&path).unwrap();
                let read: Snapshot = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("half a file ({} bytes): {e}", bytes.len()));
                assert_eq!(read, big_snapshot(read.version));
                reads += 1;
            }
            reads
        })
    };
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(reader.join().unwrap(), 300);
    let last: Snapshot = store.read_json("snap.json").unwrap().unwrap();
    assert_eq!(last, big_snapshot(last.version));
    assert_eq!(
        last.version % 1000,
        WRITES - 1,
        "the file holds some writer's last write"
    );
    assert_eq!(entries(tmp.path()), ["snap.json", "snap.json.lock"]);
}

#[test]
fn concurrent_progress_updates_lose_no_mark() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path());
    let key = Some(Sha1::of(b"primary"));
    let steps = [
        StepId::AutoRollover,
        StepId::Sync,
        StepId::Expiry,
        StepId::KbUpdates,
        StepId::AdfsCerts,
        StepId::UpdateEntra,
    ];
    let start = Arc::new(Barrier::new(steps.len()));
    let handles: Vec<_> = steps
        .into_iter()
        .map(|step| {
            let (store, start) = (store.clone(), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                // Toggle three times: done, todo, done.
                for _ in 0..3 {
                    store
                        .update::<Progress, _>("contoso.com", |p| p.toggle_done(key, step, now()))
                        .unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let progress = store.load::<Progress>("contoso.com").unwrap();
    for step in steps {
        assert_eq!(progress.mark(key, step), Mark::Done, "{step}");
    }
}

#[test]
fn names_outside_the_data_dir_are_refused_with_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path().join("data"));
    let err = store
        .write_json("../escape.json", &snapshot(1))
        .unwrap_err();
    assert!(err.to_string().contains("../escape.json"), "{err}");
    assert!(!tmp.path().join("escape.json").exists());
}

/// A process stopped while holding the lock (Ctrl-Z, a hung disk) must not freeze another: the
/// writer gives up after its wait with a clear error, writes nothing, and succeeds once the lock
/// is free. The lock is held here through the lock file itself, as another process would.
#[test]
fn a_lock_held_too_long_is_a_clear_error_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let store = Store::at(&dir).with_lock_wait(std::time::Duration::from_millis(50));
    store.write_json("snap.json", &snapshot(1)).unwrap();
    let holder = fs::File::options()
        .write(true)
        .open(dir.join("snap.json.lock"))
        .unwrap();
    holder.lock().unwrap();
    let error = store.write_json("snap.json", &snapshot(2)).unwrap_err();
    assert!(matches!(error, StoreError::Busy { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("snap.json.lock") && message.contains("another fedcert"),
        "{message}"
    );
    holder.unlock().unwrap();
    assert_eq!(
        store.read_json::<Snapshot>("snap.json").unwrap(),
        Some(snapshot(1))
    );
    store.write_json("snap.json", &snapshot(2)).unwrap();
    assert_eq!(
        store.read_json::<Snapshot>("snap.json").unwrap(),
        Some(snapshot(2))
    );
}
