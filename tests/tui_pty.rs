//! End-to-end: the real binary in a pseudo-terminal, read through a terminal emulator (vt100),
//! driven with keys and signals. Waits are for screen content with a deadline, never sleeps.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Session {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    screen: vt100::Parser,
    _data_dir: tempfile::TempDir,
}

impl Session {
    fn start(args: &[&str], envs: &[(&str, &str)]) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let data_dir = tempfile::tempdir().unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fedcert"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("FEDCERT_DATA_DIR", data_dir.path());
        cmd.env_remove("NO_COLOR");
        // A UTF-8 locale unless a test says otherwise: the screen's glyphs depend on it.
        cmd.env("LANG", "C.UTF-8");
        cmd.env_remove("LC_ALL");
        cmd.env_remove("LC_CTYPE");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let _master = pty.master; // keep the pty open while reading
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            writer,
            output,
            screen: vt100::Parser::new(
                NonZeroU16::new(24).unwrap(),
                NonZeroU16::new(80).unwrap(),
                0,
            ),
            _data_dir: data_dir,
        }
    }

    /// Feed output into the emulator until `done(screen)` holds or the deadline passes.
    fn wait_for(&mut self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(self.screen.screen()) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.screen.process(&bytes),
                Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {
                    panic!(
                        "timed out (or the program exited) waiting for {what}; screen:\n{}",
                        self.screen.screen().contents()
                    )
                }
            }
        }
    }

    fn wait_for_text(&mut self, text: &str) {
        let text = text.to_owned();
        self.wait_for(&format!("{text:?}"), move |s| s.contents().contains(&text));
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Drain output until the terminal closes (the process exited), then reap it.
    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.screen.process(&bytes),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    panic!(
                        "the process did not exit; screen:\n{}",
                        self.screen.screen().contents()
                    )
                }
            }
        }
        self.child.wait().unwrap()
    }

    /// The screen row (0-based) showing `text`.
    fn row_of(&self, text: &str) -> u16 {
        let contents = self.screen.screen().contents();
        let row = contents
            .lines()
            .position(|line| line.contains(text))
            .unwrap_or_else(|| panic!("{text:?} is not on screen:\n{contents}"));
        u16::try_from(row).unwrap()
    }

    /// A left click as an SGR mouse report (what xterm sends with mode 1006) at 0-based
    /// `column`, `row`: pressed, then released.
    fn click(&mut self, column: u16, row: u16) {
        let (x, y) = (column + 1, row + 1);
        self.keys(&format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m"));
    }

    /// One notch of the wheel (a press only, as xterm sends it): down or up.
    fn wheel(&mut self, down: bool, column: u16, row: u16) {
        let button = if down { 65 } else { 64 };
        self.keys(&format!("\x1b[<{button};{};{}M", column + 1, row + 1));
    }

    fn assert_restored(&self) {
        let screen = self.screen.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "cursor still hidden");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture left on"
        );
    }
}

#[test]
fn demo_shows_domains_help_and_quits_with_the_terminal_restored() {
    let mut tui = Session::start(&["demo"], &[]);
    // Every scenario reaches its verdict through the loopback server.
    tui.wait_for("the demo domains with their verdicts", |s| {
        let text = s.contents();
        text.contains("contoso-demo") && text.contains("CRIT") && text.contains("refused")
    });
    assert!(
        tui.screen.screen().alternate_screen(),
        "the TUI runs on the alternate screen"
    );
    assert!(!tui.screen.screen().contents().contains("WHAT IT DOES"));
    tui.keys("?");
    tui.wait_for_text("WHAT IT DOES"); // the help overlay's table, generated from the keymap
    tui.keys("q");
    let status = tui.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    tui.assert_restored();
}

#[test]
fn a_dropped_ssh_session_sighup_restores_the_terminal() {
    let mut tui = Session::start(&["demo"], &[]);
    tui.wait_for_text("contoso-demo");
    let pid = tui.child.process_id().unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    tui.wait_exit();
    tui.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut tui = Session::start(&["demo"], &[]);
    tui.wait_for_text("contoso-demo");
    let pid = tui.child.process_id().unwrap();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    tui.wait_exit();
    tui.assert_restored();
}

#[test]
fn without_a_config_the_first_run_screen_says_where_it_goes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("fedcert").join("config.toml");
    let mut tui = Session::start(&["--config", config.to_str().unwrap()], &[]);
    tui.wait_for_text("config init");
    tui.wait_for_text("fedcert demo");
    let shown = tui.screen.screen().contents().replace('\n', "");
    assert!(shown.contains("config.toml"), "{shown}");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn the_demo_reads_its_entra_side_through_graph_with_its_own_secret() {
    // A wrong secret in the process environment changes nothing: the demo hands its Graph
    // client its own secret, so the sync states (which only Graph supplies) still show.
    let mut tui = Session::start(
        &["demo"],
        &[("FEDCERT_DEMO_CLIENT_SECRET", "not-the-demo-secret")],
    );
    tui.wait_for("sync states read from the demo's Graph", |s| {
        let text = s.contents();
        text.contains("BROKEN") && text.contains("pending") && text.contains("in sync")
    });
    assert!(!tui.screen.screen().contents().contains("AADSTS"));
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

/// Demo screen with every scenario's verdict in and no fetch running, so that the order no
/// longer changes under a click.
fn wait_for_the_demo(tui: &mut Session) {
    tui.wait_for("every demo verdict", |s| {
        let text = s.contents();
        text.contains("4 CRIT 4 WARN 2 UNKNOWN 2 OK") && !text.contains("fetching")
    });
}

#[test]
fn the_mouse_selects_opens_and_scrolls_and_its_capture_ends_with_the_ui() {
    let mut tui = Session::start(&["demo"], &[]);
    wait_for_the_demo(&mut tui);
    assert_ne!(
        tui.screen.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "the TUI captures the mouse"
    );
    let row = tui.row_of("contoso-demo");
    tui.click(20, row);
    tui.wait_for("the click to select contoso-demo", |s| {
        s.contents()
            .lines()
            .any(|l| l.starts_with("▶") && l.contains("contoso-demo"))
    });
    let row = tui.row_of("contoso-demo");
    tui.click(20, row); // again: open it
    tui.wait_for_text("lines 1–");
    tui.wheel(true, 20, 10); // three lines down
    tui.wait_for_text("lines 4–");
    tui.wheel(false, 20, 10);
    tui.wait_for_text("lines 1–");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn no_mouse_leaves_the_mouse_to_the_terminal() {
    let mut tui = Session::start(&["demo", "--no-mouse"], &[]);
    wait_for_the_demo(&mut tui);
    assert_eq!(
        tui.screen.screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn a_locale_without_utf8_draws_only_ascii() {
    let mut tui = Session::start(&["demo"], &[("LANG", "C")]);
    wait_for_the_demo(&mut tui);
    tui.keys("\r"); // the details, with the timeline's bars
    tui.wait_for_text("lines 1-");
    let contents = tui.screen.screen().contents();
    assert!(contents.is_ascii(), "{contents}");
    assert!(contents.lines().any(|l| l.contains("---")), "{contents}");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}

#[test]
fn a_logged_warning_shows_in_the_log_pane() {
    // A data dir that is a file: saving checklist progress fails, and says so in the log.
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("data");
    std::fs::write(&not_a_dir, "a file, not a directory").unwrap();
    let mut tui = Session::start(
        &["demo"],
        &[("FEDCERT_DATA_DIR", not_a_dir.to_str().unwrap())],
    );
    wait_for_the_demo(&mut tui);
    tui.keys("c");
    tui.wait_for_text("renewal checklist");
    tui.keys(" ");
    tui.wait_for_text("NOT SAVED");
    tui.keys("\x1b");
    tui.wait_for_text("STATUS");
    tui.keys("L");
    tui.wait_for_text("log: recent warnings and errors");
    // The entry may arrive a moment after the pane opens: wait for it, not for "WARN" (the
    // header's counts say WARN too).
    tui.wait_for_text("WARN  fedcert::tui::effects: saving the checklist progress");
    tui.keys("q");
    assert!(tui.wait_exit().success());
    tui.assert_restored();
}
