//! The real binary in a pseudo-terminal, read through a terminal emulator (vt100) and driven
//! with keys, mouse reports and signals. Waits are for screen content with a deadline, never
//! sleeps.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub struct Session {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    pub screen: vt100::Parser,
    _data_dir: tempfile::TempDir,
}

impl Session {
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Self {
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
    pub fn wait_for(&mut self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
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

    pub fn wait_for_text(&mut self, text: &str) {
        let text = text.to_owned();
        self.wait_for(&format!("{text:?}"), move |s| s.contents().contains(&text));
    }

    pub fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Drain output until the terminal closes (the process exited), then reap it.
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
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

    /// The screen row (0-based) showing `text`, once it is on screen (a frame may arrive in
    /// several reads, so a line drawn is no promise that the next one is).
    pub fn row_of(&mut self, text: &str) -> u16 {
        self.wait_for_text(text);
        let contents = self.screen.screen().contents();
        let row = contents
            .lines()
            .position(|line| line.contains(text))
            .unwrap_or_else(|| panic!("{text:?} is not on screen:\n{contents}"));
        u16::try_from(row).unwrap()
    }

    /// A left click as an SGR mouse report (what xterm sends with mode 1006) at 0-based
    /// `column`, `row`: pressed, then released.
    pub fn click(&mut self, column: u16, row: u16) {
        let (x, y) = (column + 1, row + 1);
        self.keys(&format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m"));
    }

    /// One notch of the wheel (a press only, as xterm sends it): down or up.
    pub fn wheel(&mut self, down: bool, column: u16, row: u16) {
        let button = if down { 65 } else { 64 };
        self.keys(&format!("\x1b[<{button};{};{}M", column + 1, row + 1));
    }

    pub fn assert_restored(&self) {
        let screen = self.screen.screen();
        assert!(!screen.alternate_screen(), "still on the alternate screen");
        assert!(!screen.hide_cursor(), "cursor still hidden");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture left on"
        );
        assert!(!screen.bracketed_paste(), "bracketed paste left on");
    }
}
