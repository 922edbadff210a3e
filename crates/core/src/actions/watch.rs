//! Watched folders of one profile: add, remove, pause, and what each holds. The window's Sync
//! view and `cubby watch` both come here; the engine itself is `crate::watcher`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Hint;
use crate::journal::{AfterUpload, FileRow, FileState, FolderStatus, Journal, TenantRule, WatchedFolder};
use crate::listing::NameFilter;
use crate::session::Host;
use crate::tenant::CategoryChoice;
use crate::watcher::SyncOptions;
use crate::{Error, Result};

/// The journal of the profile `explicit` (or the active one) names.
pub fn journal(host: Host<'_>, explicit: Option<&str>) -> Result<Journal> {
    Journal::open(host.dirs, &host.active_profile(explicit)?)
}

pub struct NewFolder {
    pub dir: PathBuf,
    pub tenant: TenantRule,
    pub category: CategoryChoice,
    pub after_upload: AfterUpload,
    /// Poll every this many seconds instead of OS events (network shares).
    pub poll_secs: Option<u32>,
    /// Extra names to skip (globs).
    pub ignore: Vec<String>,
}

/// Starts watching a folder. Its path is stored resolved, so the same folder reached another
/// way is the same watched folder.
pub fn add(journal: &Journal, folder: NewFolder) -> Result<WatchedFolder> {
    let dir = folder.dir.canonicalize().map_err(|e| {
        Error::io(
            format!("cannot use {} as a watched folder", folder.dir.display()),
            e,
        )
    })?;
    if !dir.is_dir() {
        return Err(Error::invalid(format!("{} is not a folder", dir.display())));
    }
    for pattern in &folder.ignore {
        NameFilter::parse(pattern)?;
    }
    journal.add_folder(
        &dir,
        &folder.tenant,
        folder.category,
        folder.after_upload,
        folder.poll_secs,
        &folder.ignore,
    )
}

/// The watched folder at `path`, named as it was added or any other way that resolves to it.
pub fn find(journal: &Journal, path: &Path) -> Result<WatchedFolder> {
    if let Some(folder) = journal.folder(path)? {
        return Ok(folder);
    }
    // A folder that no longer exists cannot be resolved; its stored path is the one to match.
    let resolved = path.canonicalize().ok();
    resolved
        .as_deref()
        .map(|p| journal.folder(p))
        .transpose()?
        .flatten()
        .ok_or_else(|| Error::NotFound(format!("{} is not watched", path.display())).hint(Hint::ListWatched))
}

/// Stops watching; nothing local or in the bucket is deleted.
pub fn remove(journal: &Journal, path: &Path) -> Result<WatchedFolder> {
    let folder = find(journal, path)?;
    journal.remove_folder(&folder.path)?;
    Ok(folder)
}

pub fn set_paused(journal: &Journal, path: &Path, paused: bool) -> Result<()> {
    let folder = find(journal, path)?;
    journal.set_paused(&folder.path, paused)
}

/// A file counts as waiting (not yet queued) until it has been still for the stability window.
fn stable_before(now_ms: i64) -> i64 {
    now_ms - SyncOptions::default().stability.as_millis() as i64
}

/// Every watched folder with its counts and problems.
pub fn status(journal: &Journal, now_ms: i64) -> Result<Vec<(WatchedFolder, FolderStatus)>> {
    journal
        .folders()?
        .into_iter()
        .map(|folder| {
            let status = journal.status(folder.id, stable_before(now_ms))?;
            Ok((folder, status))
        })
        .collect()
}

/// One watched folder with its counts, for the sidebar and the Sync view.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FolderSummary {
    pub path: String,
    /// The folder's own name ("Receipts").
    pub name: String,
    /// The tenant, or "one tenant per subfolder" for a folder of client folders.
    pub tenant: String,
    /// Each first-level subfolder is a tenant.
    pub per_subfolder: bool,
    /// "auto" or a category.
    pub category: String,
    pub after_upload: AfterUpload,
    pub paused: bool,
    pub waiting: u32,
    pub queued: u32,
    pub uploading: u32,
    pub uploaded: u32,
    pub failed: u32,
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl FolderSummary {
    pub fn of(folder: &WatchedFolder, status: &FolderStatus) -> Self {
        FolderSummary {
            name: folder
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| folder.path.display().to_string()),
            path: folder.path.display().to_string(),
            tenant: folder.tenant.to_string(),
            per_subfolder: folder.tenant == TenantRule::PerSubfolder,
            category: folder.category.to_string(),
            after_upload: folder.after_upload,
            paused: folder.paused,
            waiting: count(status.waiting),
            queued: count(status.queued),
            uploading: count(status.uploading),
            uploaded: count(status.uploaded),
            failed: count(status.failed),
        }
    }
}

pub fn summaries(journal: &Journal, now_ms: i64) -> Result<Vec<FolderSummary>> {
    Ok(status(journal, now_ms)?
        .iter()
        .map(|(folder, status)| FolderSummary::of(folder, status))
        .collect())
}

pub fn summary(journal: &Journal, path: &Path, now_ms: i64) -> Result<FolderSummary> {
    let folder = find(journal, path)?;
    let status = journal.status(folder.id, stable_before(now_ms))?;
    Ok(FolderSummary::of(&folder, &status))
}

/// A file that failed or waits for a retry, and why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncProblem {
    pub path: String,
    pub state: FileState,
    pub attempts: u32,
    pub key: Option<String>,
    pub reason: Option<String>,
}

impl From<FileRow> for SyncProblem {
    fn from(row: FileRow) -> Self {
        SyncProblem {
            path: row.path,
            state: row.state,
            attempts: row.attempts,
            key: row.key,
            reason: row.last_error,
        }
    }
}

pub fn problems(journal: &Journal, path: &Path, now_ms: i64) -> Result<Vec<SyncProblem>> {
    let folder = find(journal, path)?;
    let status = journal.status(folder.id, stable_before(now_ms))?;
    Ok(status.problems.into_iter().map(SyncProblem::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_found_by_any_path_that_resolves_to_it_and_refuses_bad_patterns() {
        let home = tempfile::tempdir().unwrap();
        let dirs = crate::Dirs::new(home.path().join("c"), home.path().join("d"));
        let journal = Journal::open(&dirs, "p").unwrap();
        let receipts = home.path().join("Receipts");
        std::fs::create_dir(&receipts).unwrap();
        let new = |ignore: Vec<String>| NewFolder {
            dir: receipts.join("..").join("Receipts"),
            tenant: TenantRule::One(crate::TenantId::parse("acme").unwrap()),
            category: CategoryChoice::Auto,
            after_upload: AfterUpload::Keep,
            poll_secs: None,
            ignore,
        };
        let e = add(&journal, new(vec!["[a-".into()])).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        let added = add(&journal, new(vec!["draft-*".into()])).unwrap();
        assert_eq!(added.path, receipts.canonicalize().unwrap());
        assert_eq!(find(&journal, &receipts.join(".")).unwrap().id, added.id);
        let e = add(&journal, new(vec![])).unwrap_err();
        assert_eq!(
            (e.code(), e.advice()),
            ("already_exists", Some(Hint::UnwatchFirst))
        );
        remove(&journal, &receipts).unwrap();
        let e = find(&journal, &receipts).unwrap_err();
        assert_eq!((e.code(), e.advice()), ("not_found", Some(Hint::ListWatched)));
    }
}
