//! Faults and state: the terminal comes back after Ctrl-C and after a panic (the real binary in a
//! pseudo-terminal; SIGHUP / SIGTERM / `q` are in tests/tui_pty.rs); saved state survives
//! `kill -9` at any moment, a second process waits for the first one's lock, a full disk (a
//! file-size limit) leaves the old file whole with a clear error, and a corrupt file is moved
//! aside with a warning.
//!
//! The writers are this test binary re-invoked as a child (`--ignored --exact <child test>` with
//! `FEDCERT_FAULTS_CHILD` set), writing through `fedcert::store::Store` like fedcert does.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use fedcert::cert::Sha1;
use fedcert::history::{self, CertHistory, Observation};
use fedcert::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use support::pty::Session;

const CHILD_ENV: &str = "FEDCERT_FAULTS_CHILD";
const STATE: &str = "state.json";

#[test]
fn ctrl_c_restores_the_terminal() {
    let mut tui = Session::start(&["demo"], &[]);
    tui.wait_for_text("contoso-demo");
    // Raw mode: Ctrl-C arrives as the byte 0x03, a key, not SIGINT.
    tui.keys("\u{3}");
    let status = tui.wait_exit();
    assert!(status.success(), "{status:?}");
    tui.assert_restored();
}

#[test]
fn a_panic_restores_the_terminal_and_says_what_happened() {
    let mut tui = Session::start(
        &["demo"],
        &[("FEDCERT_TEST_PANIC", "1"), ("RUST_BACKTRACE", "0")],
    );
    let status = tui.wait_exit();
    assert!(!status.success(), "a panic is a failure: {status:?}");
    tui.assert_restored();
    let screen = tui.screen.screen().contents();
    assert!(
        screen.contains("FEDCERT_TEST_PANIC is set: panicking on purpose"),
        "the panic message is shown on the restored screen:\n{screen}"
    );
}

/// The saved value: `filler` is derived from `version`, so a torn or mixed file cannot pass for
/// a whole one. About 300 KB, so that a kill often lands in the middle of a write.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct State {
    version: u64,
    filler: Vec<String>,
}

impl State {
    fn new(version: u64) -> Self {
        Self {
            version,
            filler: (0..10_000)
                .map(|i| format!("v{version}-entry-{i:05}"))
                .collect(),
        }
    }

    fn is_whole(&self) -> bool {
        *self == Self::new(self.version)
    }
}

/// What a child process is asked to do (the value of `FEDCERT_FAULTS_CHILD`).
fn child_role() -> Option<(String, std::path::PathBuf)> {
    let value = std::env::var(CHILD_ENV).ok()?;
    let (role, dir) = value.split_once(':')?;
    Some((role.to_owned(), dir.into()))
}

/// Not a test on its own: the body of the child processes (skipped unless a parent runs it).
#[test]
#[ignore = "run by the fault tests as a child process"]
fn faults_child() {
    let (role, dir) = child_role().expect("run by a parent test with FEDCERT_FAULTS_CHILD set");
    let store = Store::at(&dir);
    let mut out = std::io::stdout();
    match role.as_str() {
        // Write versions 1, 2, 3, … for ever, saying each one once it is saved.
        "writer" => {
            let start = store
                .read_json::<State>(STATE)
                .unwrap()
                .map_or(1, |s| s.version + 1);
            for version in start.. {
                store.write_json(STATE, &State::new(version)).unwrap();
                writeln!(out, "saved {version}").unwrap();
                out.flush().unwrap();
            }
        }
        // Take the lock, say so, and hold it until told to go on; then save version + 1.
        "holder" => {
            store
                .update_json(STATE, |old: Option<State>| {
                    writeln!(out, "locked").unwrap();
                    out.flush().unwrap();
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).unwrap();
                    (State::new(old.map_or(0, |s| s.version) + 1), ())
                })
                .unwrap();
            writeln!(out, "released").unwrap();
        }
        // Save version + 1 under the lock, then say so.
        "incrementer" => {
            writeln!(out, "waiting").unwrap();
            out.flush().unwrap();
            store
                .update_json(STATE, |old: Option<State>| {
                    (State::new(old.map_or(0, |s| s.version) + 1), ())
                })
                .unwrap();
            writeln!(out, "incremented").unwrap();
        }
        // Record refreshes into a domain's certificate history for ever, as the poller does,
        // saying each one once it is saved.
        "history" => {
            for version in 1u32.. {
                history::save(
                    &store,
                    HISTORY_DOMAIN,
                    &observation(version),
                    moment(version),
                )
                .unwrap();
                writeln!(out, "saved {version}").unwrap();
                out.flush().unwrap();
            }
        }
        // Try to save under a file-size limit; print the error.
        "limited" => match store.write_json(STATE, &State::new(99)) {
            Ok(()) => writeln!(out, "unexpectedly saved").unwrap(),
            Err(e) => writeln!(out, "error: {e}").unwrap(),
        },
        other => panic!("unknown child role {other}"),
    }
}

fn spawn_child(role: &str, dir: &Path, shell_prefix: Option<&str>) -> Child {
    let exe = std::env::current_exe().unwrap();
    let args = [
        "--ignored",
        "--exact",
        "faults_child",
        "--nocapture",
        "--quiet",
    ];
    // `exec` keeps the shell's signal dispositions and limits for the test binary.
    let mut cmd = if let Some(prefix) = shell_prefix {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{prefix}; exec \"$0\" \"$@\""))
            .arg(exe)
            .args(args);
        cmd
    } else {
        let mut cmd = Command::new(exe);
        cmd.args(args);
        cmd
    };
    cmd.env(CHILD_ENV, format!("{role}:{}", dir.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// The child's stdout, line by line, on a thread (so waits can have a deadline).
fn lines(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // The test harness prints its own lines; ours are the protocol.
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Wait for a line starting with `prefix` (other lines are the harness's own), with a deadline.
fn expect_line(rx: &mpsc::Receiver<String>, prefix: &str) -> String {
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("no {prefix:?} line from the child: {e}"));
        if line.starts_with(prefix) {
            return line;
        }
    }
}

fn saved_version(line: &str) -> u64 {
    line.trim_start_matches("saved ").parse().unwrap()
}

#[test]
fn saved_state_is_always_the_old_or_the_new_version_after_kill_minus_nine() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    for round in 0..12u32 {
        let mut child = spawn_child("writer", dir.path(), None);
        let rx = lines(child.stdout.take().unwrap());
        // Kill after a varying number of saves: 1, 2, 3, 1, 2, 3, …, mid-write more often than not.
        let mut last = 0;
        for _ in 0..=(round % 3) {
            last = saved_version(&expect_line(&rx, "saved "));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let state: State = store
            .read_json(STATE)
            .unwrap_or_else(|e| panic!("round {round}: {e}"))
            .expect("a saved file");
        assert!(state.is_whole(), "round {round}: a torn or mixed file");
        // The writer may have saved more versions between saying so and the kill (it does not
        // wait for its output to be read): never an older one than it said it saved.
        assert!(
            state.version >= last,
            "round {round}: version {} is older than the last one saved ({last})",
            state.version
        );
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("corrupt")),
        "nothing was ever corrupt: {names:?}"
    );
}

const HISTORY_DOMAIN: &str = "contoso.com";
/// Certificates every refresh of the history writer sees: enough to make the file a few hundred
/// KB, so that a kill often lands in the middle of a write.
const PUBLISHED: u16 = 3000;

fn moment(version: u32) -> DateTime<Utc> {
    "2026-12-01T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::seconds(version.into())
}

/// What refresh `version` saw: the same published set every time, and Entra trusting one
/// certificate per refresh.
fn observation(version: u32) -> Observation {
    let sha1 = |tag: u8, n: u32| {
        let mut bytes = [tag; 20];
        bytes[16..].copy_from_slice(&n.to_be_bytes());
        Sha1(bytes)
    };
    Observation {
        published: Some((0..u32::from(PUBLISHED)).map(|n| sha1(0xAA, n)).collect()),
        trusted: Some(vec![sha1(0xEE, version)]),
    }
}

/// The certificate history, written by the poller's own save, survives `kill -9` at any moment
/// as the progress does: always a whole file, never older than what was said saved, and a
/// restart (a new process) reads it.
#[test]
fn the_certificate_history_survives_kill_minus_nine() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    for round in 0..8u32 {
        let mut child = spawn_child("history", dir.path(), None);
        let rx = lines(child.stdout.take().unwrap());
        let mut last = 0;
        for _ in 0..=(round % 3) {
            last = saved_version(&expect_line(&rx, "saved "));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let saved: CertHistory = store
            .load(HISTORY_DOMAIN)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        // Whole: every published certificate was last seen at the same refresh, and that
        // refresh trusted its own certificate.
        assert_eq!(
            saved.published.len(),
            usize::from(PUBLISHED),
            "round {round}"
        );
        let last_seen: std::collections::BTreeSet<_> =
            saved.published.values().map(|s| s.last_seen).collect();
        assert_eq!(last_seen.len(), 1, "round {round}: a mixed file");
        let at = *last_seen.iter().next().unwrap();
        let version = u32::try_from((at - moment(0)).num_seconds()).unwrap();
        assert!(
            u64::from(version) >= last,
            "round {round}: {version} is older than {last}"
        );
        assert!(
            saved
                .trusted(observation(version).trusted.unwrap()[0])
                .is_some(),
            "round {round}"
        );
        // The first sighting is kept across every process: the history only grows.
        assert!(
            saved.published.values().all(|s| s.first_seen == moment(1)),
            "round {round}"
        );
    }
    let names: Vec<String> = std::fs::read_dir(dir.path().join("history"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("corrupt")),
        "nothing was ever corrupt: {names:?}"
    );
}

#[test]
fn a_second_process_waits_for_the_lock_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.write_json(STATE, &State::new(10)).unwrap();

    let mut holder = spawn_child("holder", dir.path(), None);
    let holder_lines = lines(holder.stdout.take().unwrap());
    expect_line(&holder_lines, "locked");

    let mut waiter = spawn_child("incrementer", dir.path(), None);
    let waiter_lines = lines(waiter.stdout.take().unwrap());
    expect_line(&waiter_lines, "waiting");
    // While the holder has the lock the other process must not get through. (A wrong
    // implementation shows up here as an early "incremented"; a right one never prints it.)
    let early = waiter_lines.recv_timeout(Duration::from_millis(500));
    assert!(
        early.as_deref().is_err() || !early.as_deref().unwrap().starts_with("incremented"),
        "the second process did not wait for the lock"
    );
    // (No read here: a reader takes the shared lock, so it too waits for the holder.)

    writeln!(holder.stdin.take().unwrap()).unwrap();
    expect_line(&holder_lines, "released");
    expect_line(&waiter_lines, "incremented");
    assert!(holder.wait().unwrap().success());
    assert!(waiter.wait().unwrap().success());
    let state: State = store.read_json(STATE).unwrap().unwrap();
    assert_eq!(state.version, 12, "both increments are there, none lost");
    assert!(state.is_whole());
}

#[test]
fn a_full_disk_is_an_error_naming_the_file_and_the_old_version_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.write_json(STATE, &State::new(7)).unwrap();
    // A 64 KB file-size limit (ulimit -f counts 512-byte blocks) with SIGXFSZ ignored, so the
    // write fails like on a full disk instead of killing the process.
    let mut child = spawn_child("limited", dir.path(), Some("trap '' XFSZ; ulimit -f 128"));
    let rx = lines(child.stdout.take().unwrap());
    let line = expect_line(&rx, "error: ");
    assert!(child.wait().unwrap().success());
    let temp = dir.path().join("state.json.tmp");
    assert!(
        line.starts_with(&format!("error: {}: ", temp.display())) && line.contains("too large"),
        "{line}"
    );
    assert!(!temp.exists(), "the partial temp file is removed");
    let state: State = store.read_json(STATE).unwrap().unwrap();
    assert_eq!(state.version, 7, "the old version is untouched");
    assert!(state.is_whole());
}

#[test]
fn a_corrupt_file_is_moved_aside_with_a_warning_and_the_next_save_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    std::fs::write(
        dir.path().join(STATE),
        b"{\"version\": 3, \"filler\": [\"v3-ent",
    )
    .unwrap();
    let err = store.read_json::<State>(STATE).unwrap_err();
    let StoreError::Corrupt { path, moved_to, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(path, &dir.path().join(STATE).display().to_string());
    assert!(Path::new(moved_to).exists(), "{err}");
    assert!(
        err.to_string().contains("was corrupt (EOF while parsing"),
        "{err}"
    );
    assert_eq!(store.read_json::<State>(STATE).unwrap(), None);
    store.write_json(STATE, &State::new(4)).unwrap();
    assert!(store.read_json::<State>(STATE).unwrap().unwrap().is_whole());
}

#[test]
fn a_symlink_planted_as_the_temp_file_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("state.json.tmp")).unwrap();
    let store = Store::at(dir.path());
    store.write_json(STATE, &State::new(1)).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    assert!(store.read_json::<State>(STATE).unwrap().unwrap().is_whole());
}
