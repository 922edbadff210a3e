//! Which local paths the page may name.
//!
//! The webview renders names, metadata and previews that anyone with write access to the bucket
//! controls. No script injection is known, but if one ever ran, a command that took any path
//! would let it upload `~/.ssh/id_ed25519` to a bucket of its choosing or download a `.desktop`
//! file into autostart. So local paths come from the user through Rust only: a native dialog
//! opened by Rust, or a drop onto the window received by Rust, grants what it returned for this
//! session, and every command that touches the disk accepts only granted paths (a granted folder
//! grants what is inside it: dropped folders upload recursively).
//!
//! `CUBBY_TEST_GRANTS` (folders, separated like PATH) grants folders up front; the end-to-end
//! tests use it, since WebDriver can neither drive a native dialog nor drop files from the OS.

use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use cubby_core::{Error, Result};

#[derive(Default)]
pub struct Grants {
    granted: Mutex<Vec<PathBuf>>,
    /// Set when `CUBBY_TEST_GRANTS` was: the end-to-end tests also get their test capability.
    pub for_tests: bool,
}

impl Grants {
    pub fn from_env() -> Grants {
        let grants = Grants::default();
        match std::env::var_os("CUBBY_TEST_GRANTS") {
            Some(folders) => {
                grants.grant(std::env::split_paths(&folders));
                Grants {
                    for_tests: true,
                    ..grants
                }
            }
            None => grants,
        }
    }

    pub fn grant(&self, paths: impl IntoIterator<Item = PathBuf>) {
        let mut granted = self.granted.lock().unwrap_or_else(|p| p.into_inner());
        for path in paths {
            if is_plain_absolute(&path) && !granted.contains(&path) {
                granted.push(path);
            }
        }
    }

    /// `path` if the user chose it (or a folder holding it) in this session.
    pub fn check(&self, path: &str) -> Result<PathBuf> {
        let path = PathBuf::from(path);
        let granted = self.granted.lock().unwrap_or_else(|p| p.into_inner());
        if is_plain_absolute(&path) && granted.iter().any(|g| path.starts_with(g)) {
            return Ok(path);
        }
        Err(Error::invalid(format!(
            "{} was not chosen in this window: choose it with the file dialog or drop it onto the window",
            path.display()
        )))
    }

    pub fn check_all(&self, paths: &[String]) -> Result<Vec<PathBuf>> {
        paths.iter().map(|p| self.check(p)).collect()
    }

    pub fn is_granted(&self, path: &str) -> bool {
        self.check(path).is_ok()
    }
}

/// Absolute, with no `.` or `..` that could climb out of a granted folder.
fn is_plain_absolute(path: &Path) -> bool {
    path.is_absolute()
        && path
            .components()
            .all(|c| !matches!(c, Component::ParentDir | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_was_chosen_and_what_is_inside_it() {
        let grants = Grants::default();
        grants.grant([
            PathBuf::from("/home/ann/Receipts"),
            PathBuf::from("/home/ann/scan.pdf"),
        ]);
        assert!(grants.is_granted("/home/ann/Receipts"));
        assert!(grants.is_granted("/home/ann/Receipts/2026/r.pdf"));
        assert!(grants.is_granted("/home/ann/scan.pdf"));
        for refused in [
            "/home/ann/.ssh/id_ed25519",
            "/home/ann/Receipts/../.ssh/id_ed25519",
            "/home/ann/Receipts-old/r.pdf",
            "/home/ann/scan.pdf.bak",
            "Receipts/r.pdf",
            "",
        ] {
            assert!(!grants.is_granted(refused), "{refused}");
        }
        let err = grants.check("/etc/passwd").unwrap_err().to_string();
        assert!(err.contains("not chosen in this window"), "{err}");
    }

    #[test]
    fn nothing_is_granted_at_first() {
        assert!(!Grants::default().is_granted("/"));
    }
}
