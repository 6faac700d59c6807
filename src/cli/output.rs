//! Writing to stdout: buffered, locked, and quiet when the reader goes away
//! (`fedcert inspect --json big.xml | head` is a normal exit, not a panic).

use std::io::{self, BufWriter, Write};

use super::{EXIT_SOFTWARE, Failure};

/// Run `write` against a buffered, locked stdout. A closed pipe counts as success.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<(), Failure> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(
            EXIT_SOFTWARE,
            format!("cannot write to standard output: {e}"),
        )),
    }
}

/// Pad `text` to `width` characters (by char count, so `—` counts as one).
pub fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len >= width {
        text.to_owned()
    } else {
        format!("{text}{}", " ".repeat(width - len))
    }
}
