//! Run the real `fedcert` binary as a child and measure it: exit code, output, wall time and
//! peak resident memory (`/usr/bin/time -f %M` when present, else `VmHWM` polled from
//! `/proc/<pid>/status` while it runs).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Peak RSS allowed for any hostile input.
pub const MAX_PEAK_KB: u64 = 256 * 1024;

/// What a finished child did.
#[derive(Debug)]
pub struct Finished {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    pub peak_kb: u64,
}

impl Finished {
    /// The one line on stderr (asserting it is exactly one line).
    pub fn error_line(&self) -> &str {
        let line = self.stderr.strip_suffix('\n').unwrap_or(&self.stderr);
        assert!(
            !line.is_empty() && !line.contains('\n'),
            "expected exactly one line on stderr, got {:?}",
            self.stderr
        );
        line
    }

    /// No panic, bounded memory and time.
    pub fn assert_sane(&self, what: &str, max_time: Duration) {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "{what}: panicked: {}",
            self.stderr
        );
        assert!(
            self.peak_kb < MAX_PEAK_KB,
            "{what}: peak RSS {} KB is over {MAX_PEAK_KB} KB",
            self.peak_kb
        );
        assert!(
            self.elapsed < max_time,
            "{what}: took {:?} (limit {max_time:?})",
            self.elapsed
        );
        assert!(self.peak_kb > 0, "{what}: peak RSS not measured");
    }
}

/// `fedcert` with a clean environment for tests: no proxy, a throwaway data dir.
pub fn fedcert(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fedcert"));
    prepare(&mut cmd, data_dir);
    cmd
}

fn prepare(cmd: &mut Command, data_dir: &Path) {
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "no_proxy",
        "FEDCERT_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("FEDCERT_DATA_DIR", data_dir);
}

/// Writes the child's stdin (on its own thread); dropping the pipe ends the input.
pub type Feeder = Box<dyn FnOnce(std::process::ChildStdin) + Send>;

/// Run `fedcert args…` (with `envs`) to completion and measure it.
pub fn run(data_dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Finished {
    run_with_input(data_dir, args, envs, None)
}

/// [`run`], with stdin written by `feed` (else empty).
pub fn run_with_input(
    data_dir: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
    feed: Option<Feeder>,
) -> Finished {
    let time = Path::new("/usr/bin/time");
    if time.exists() {
        let report = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new(time);
        cmd.args(["-f", "%M", "-o"])
            .arg(report.path())
            .arg(env!("CARGO_BIN_EXE_fedcert"))
            .args(args);
        prepare(&mut cmd, data_dir);
        cmd.envs(envs.iter().copied());
        let mut finished = collect(cmd, feed);
        let text = std::fs::read_to_string(report.path()).unwrap();
        // GNU time prints "Command exited with non-zero status N" before the figure.
        finished.peak_kb = text
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .next_back()
            .unwrap_or_else(|| panic!("no figure in /usr/bin/time's report {text:?}"));
        finished
    } else {
        let mut cmd = fedcert(data_dir);
        cmd.args(args).envs(envs.iter().copied());
        collect(cmd, feed)
    }
}

/// Spawn, drain stdout / stderr on threads, poll `VmHWM` until it exits.
fn collect(mut cmd: Command, feed: Option<Feeder>) -> Finished {
    let started = Instant::now();
    let stdin = if feed.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let mut child = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let feeder = feed.map(|feed| {
        let pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || feed(pipe))
    });
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            peak_kb = peak_kb.max(vm_hwm(&text));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    if let Some(feeder) = feeder {
        feeder.join().unwrap();
    }
    Finished {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        elapsed: started.elapsed(),
        peak_kb,
    }
}

fn vm_hwm(status: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
