//! Puts the commit fedcert is built from into `FEDCERT_COMMIT` for `--version`.
//!
//! The commit is `git rev-parse --short HEAD` when the source is a git checkout and git is
//! installed; `FEDCERT_COMMIT` in the environment wins (packagers building from a tarball can
//! set it); else it is `unknown`. This script never fails the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=FEDCERT_COMMIT");
    let commit = std::env::var("FEDCERT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=FEDCERT_COMMIT={}", commit.trim());
}

/// The short commit id, and the files whose change means a new commit (so cargo reruns us).
fn git_commit() -> Option<String> {
    let commit = git(&["rev-parse", "--short", "HEAD"])?;
    // HEAD names the branch; the branch's ref (loose or packed) moves with each commit. In a
    // worktree `.git` is a file, so ask git where these live instead of assuming `.git/HEAD`.
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]).map(PathBuf::from) {
        watch(&git_dir.join("HEAD"));
    }
    if let Some(common) = git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from) {
        watch(&common.join("packed-refs"));
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            watch(&common.join(branch));
        }
    }
    Some(commit)
}

fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// One line of git's output, or `None` when git is missing, fails, or this is no checkout.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let line = text.trim();
    (!line.is_empty()).then(|| line.to_owned())
}
