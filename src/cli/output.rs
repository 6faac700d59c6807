//! Writing to stdout: buffered, locked, and quiet when the reader goes away
//! (`fedcert inspect --json big.xml | head` is a normal exit, not a panic); and to a file,
//! atomically.

use std::io::{self, BufWriter, Write};

use std::path::Path;

use super::{EXIT_CANT_CREATE, EXIT_SOFTWARE, Failure};

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

/// Run `write` against a temporary file beside `path`, then rename it over `path`: a reader
/// (node_exporter's textfile collector) sees the old file or the new one, never half of one.
/// The temporary name ends in `.tmp`, which the textfile collector does not read (it reads
/// `*.prom`). The file is readable by all (0644 before the umask), like the file it replaces.
pub fn to_file_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let cannot = |e: io::Error| {
        Failure::new(
            EXIT_CANT_CREATE,
            format!("--output {}: cannot write it: {e}", path.display()),
        )
    };
    let name = path
        .file_name()
        .ok_or_else(|| cannot(io::Error::other("that is no file name")))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = dir.join(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
    let result = options.open(&tmp).and_then(|file| {
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    });
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        cannot(e)
    })
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
