//! Handing a verified PDF to the desktop's own viewer: the one way a downloaded object leaves
//! Cubby for another program. Only PDFs, checked by name and by content, and the viewer gets a
//! clean environment.

use std::path::{Path, PathBuf};

use crate::actions::transfers::fetch_copy;
use crate::storage::Bucket;
use crate::tenant::ObjectKey;
use crate::{Dirs, Error, Result};

const ONLY_PDFS: &str = "only PDFs open in another app; download the file to open it yourself";

/// Copies the object (verified, like any download) into Cubby's folder for opened files and
/// opens it in the default app for PDFs. Copies older than a day are removed on the way.
/// Returns the local path.
pub async fn open_pdf(bucket: &Bucket, key: &ObjectKey, dirs: &Dirs) -> Result<PathBuf> {
    if !key.name().to_ascii_lowercase().ends_with(".pdf") {
        return Err(Error::invalid(ONLY_PDFS));
    }
    let dir = dirs.data.join("opened");
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || forget_old_copies(&dir)
    });
    let path = fetch_copy(bucket, key, &dir).await?;
    open_with_default_app(&path)?;
    Ok(path)
}

fn forget_old_copies(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Hands a verified PDF to the desktop's viewer: `xdg-open` (Linux), `open` (macOS) or
/// `explorer` (Windows; never `cmd /C start`, whose parser would run `r&calc&.pdf`). Only PDFs:
/// a downloaded `.desktop`, `.exe` or script must never be one click from running. The opener
/// gets a clean environment: under the env profile Cubby's own holds the R2 secret.
fn open_with_default_app(path: &Path) -> Result<()> {
    if !is_pdf(path) {
        return Err(Error::invalid(ONLY_PDFS));
    }
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        std::process::Command::new("explorer")
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .env_clear()
        .envs(std::env::vars_os().filter(|(name, _)| name.to_str().is_some_and(opener_may_see)));
    let mut child = command
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::io(
                "no program to open files with (on Linux, install xdg-utils); download the file instead",
                e,
            )
        })?;
    // Reaped off the async workers; the opener itself returns at once.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// What a desktop opener needs to find the user's session and preferred viewer, and no more.
const OPENER_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "DESKTOP_SESSION",
    "BROWSER",
    "TMPDIR",
    // Windows: where the system and the user's profile are.
    "SystemRoot",
    "windir",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "TEMP",
    "TMP",
];

/// Whether the viewer inherits the variable `name`: what finds the session, and no secret.
fn opener_may_see(name: &str) -> bool {
    OPENER_ENV.contains(&name)
        || name.starts_with("LC_")
        || (name.starts_with("XDG_") && !name.contains("SECRET"))
}

/// A `.pdf` name and `%PDF-` as the first bytes: both, so neither a renamed program nor a
/// misnamed file reaches the viewer.
fn is_pdf(path: &Path) -> bool {
    use std::io::Read;
    let named = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    let mut magic = [0u8; 5];
    named
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
        && &magic == b"%PDF-"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pdf_by_name_and_by_content_counts() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        assert!(is_pdf(&write("a.PDF", b"%PDF-1.7 ...")));
        assert!(
            !is_pdf(&write("run.pdf", b"#!/bin/sh\nrm -rf ~")),
            "content is not a PDF"
        );
        assert!(!is_pdf(&write("a.desktop", b"%PDF-1.7")), "name is not a PDF");
        assert!(!is_pdf(&write("short.pdf", b"%PD")), "too short to be one");
    }

    #[test]
    fn the_viewer_never_inherits_credentials() {
        for name in ["HOME", "PATH", "DISPLAY", "LC_ALL", "XDG_RUNTIME_DIR", "APPDATA"] {
            assert!(opener_may_see(name), "{name}");
        }
        for name in [
            "CLOUDFLARE_R2_SECRET_ACCESS_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "XDG_SECRET_TOKEN",
            "LD_PRELOAD",
            "CUBBY_CONFIG_DIR",
        ] {
            assert!(!opener_may_see(name), "{name}");
        }
    }

    #[tokio::test]
    async fn a_key_not_named_pdf_is_refused_before_any_download() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path(), dir.path());
        let key = ObjectKey::parse("acme/documents/run.sh").unwrap();
        let err = open_pdf(&Bucket::in_memory("b"), &key, &dirs).await.unwrap_err();
        assert!(err.to_string().contains("only PDFs"), "{err}");
        assert!(!dir.path().join("opened").exists());
    }
}
