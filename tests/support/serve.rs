//! A running `fedcert serve` child and its stderr, line by line, for tests that drive it with
//! signals and read what it says. Nothing waits on a clock: a test waits for a line.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A bound on a wait for an event, never a way of ordering events.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// `fedcert serve` with the config `dir/config.toml` and the data dir `dir/data`; killed if the
/// test fails first.
pub struct Serve {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Serve {
    pub fn start(dir: &Path, serve_args: &[&str]) -> Self {
        let config = dir.join("config.toml");
        let mut child = Command::new(env!("CARGO_BIN_EXE_fedcert"))
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("RUST_LOG")
            .env("FEDCERT_DATA_DIR", dir.join("data"))
            .args(["--config", config.to_str().unwrap(), "serve"])
            .args(serve_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child: Some(child),
            lines,
            seen: Vec::new(),
        }
    }

    /// The first stderr line (from here on) that contains `needle`.
    pub fn wait_for(&mut self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(PATIENCE) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "no line with {needle:?} ({e}); stderr so far: {:#?}",
                    self.seen
                ),
            }
        }
    }

    /// Where it listens, from its "serving metrics … at SCHEME://ADDR/metrics" line, and the
    /// scheme.
    pub fn addr(&mut self) -> (String, SocketAddr) {
        let line = self.wait_for("serving metrics");
        let url = line.rsplit(' ').next().unwrap();
        let (scheme, rest) = url.split_once("://").unwrap();
        let addr = rest
            .trim_end_matches("/metrics")
            .parse()
            .unwrap_or_else(|e| panic!("{line:?}: {e}"));
        (scheme.to_owned(), addr)
    }

    /// Send `signal` (`HUP`, `TERM`, …).
    pub fn signal(&self, signal: &str) {
        let child = self.child.as_ref().unwrap();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Send `signal` and wait for the exit status and the rest of stderr.
    pub fn stop(mut self, signal: &str) -> (Option<i32>, Vec<String>) {
        self.signal(signal);
        let mut child = self.child.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().map(|s| s.code()));
        });
        let code = rx
            .recv_timeout(PATIENCE)
            .expect("fedcert serve did not exit")
            .unwrap();
        let rest: Vec<String> = self.lines.iter().collect();
        self.seen.extend(rest);
        (code, std::mem::take(&mut self.seen))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
