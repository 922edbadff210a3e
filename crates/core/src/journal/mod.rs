//! The sync journal: one SQLite file (WAL) per profile recording the watched folders and every
//! file's state, so sync is exactly-once across crashes and restarts.
//!
//! The rule that makes it so: a file's object key is chosen and written here (state
//! `uploading`) before a single byte goes out. After a crash, an `uploading` row is checked
//! against the bucket by that key: there, with the file's MD5 as ETag, means done; absent
//! means upload again to the same key. A PUT is atomic, so there is no third case.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Hint;
use crate::tenant::{CategoryChoice, TenantId};
use crate::{Dirs, Error, Result};

mod writer;
pub use writer::JournalWriter;

const MIGRATIONS: &[&str] = &["CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        tenant TEXT NOT NULL,
        category TEXT NOT NULL,
        after_upload TEXT NOT NULL,
        poll_secs INTEGER,
        ignore TEXT NOT NULL DEFAULT '[]',
        paused INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE files (
        folder INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime INTEGER NOT NULL,
        changed_at INTEGER NOT NULL,
        seen INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        hash TEXT,
        key TEXT,
        etag TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_retry INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        PRIMARY KEY (folder, path)
    );
    CREATE INDEX files_by_state ON files (folder, state, next_retry);
    CREATE TABLE uploads (
        folder INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        key TEXT NOT NULL,
        etag TEXT,
        path TEXT NOT NULL,
        uploaded_at INTEGER NOT NULL,
        PRIMARY KEY (folder, hash, size)
    );"];

/// Which tenant a watched folder's files go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRule {
    /// Every file to this tenant.
    One(TenantId),
    /// Client folders: each first-level subfolder is a tenant (`DIR/acme/receipt.pdf` goes to
    /// `acme/…`). A file directly in the folder, or in a subfolder whose name is not a tenant id,
    /// is a problem with its reason, never an upload.
    PerSubfolder,
}

/// How `TenantRule::PerSubfolder` is kept in the journal's tenant column: no tenant id can
/// look like it.
const PER_SUBFOLDER: &str = "*";

impl TenantRule {
    /// The tenant of the file at `relative` (a path inside the folder, `/`-separated), or why
    /// it has none.
    pub fn for_path(&self, relative: &str) -> std::result::Result<TenantId, String> {
        match self {
            TenantRule::One(tenant) => Ok(tenant.clone()),
            TenantRule::PerSubfolder => match relative.split_once('/') {
                None => Err(
                    "not in a client's subfolder: each subfolder here is a tenant, so move the file into one"
                        .into(),
                ),
                Some((first, _)) => TenantId::parse(first).map_err(|e| {
                    format!("the subfolder '{first}' cannot be a tenant ({e}); rename the subfolder")
                }),
            },
        }
    }

    fn stored(&self) -> &str {
        match self {
            TenantRule::One(tenant) => tenant.as_str(),
            TenantRule::PerSubfolder => PER_SUBFOLDER,
        }
    }

    fn from_stored(text: &str) -> Result<TenantRule> {
        if text == PER_SUBFOLDER {
            return Ok(TenantRule::PerSubfolder);
        }
        TenantId::parse(text).map(TenantRule::One)
    }
}

impl std::fmt::Display for TenantRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TenantRule::One(tenant) => write!(f, "{tenant}"),
            TenantRule::PerSubfolder => f.write_str("one tenant per subfolder"),
        }
    }
}

/// In JSON a tenant id, or null for a folder of client subfolders (see `per_subfolder`).
impl Serialize for TenantRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            TenantRule::One(tenant) => s.serialize_str(tenant.as_str()),
            TenantRule::PerSubfolder => s.serialize_none(),
        }
    }
}

/// What happens to a local file once its upload is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum AfterUpload {
    #[default]
    Keep,
    /// Into `DIR/Uploaded/`, which is not watched.
    Move,
    Delete,
}

impl std::str::FromStr for AfterUpload {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "keep" => Ok(AfterUpload::Keep),
            "move" => Ok(AfterUpload::Move),
            "delete" => Ok(AfterUpload::Delete),
            other => Err(Error::invalid(format!(
                "after-upload action '{}' is unknown: use keep, move or delete",
                other.escape_default()
            ))),
        }
    }
}

impl AfterUpload {
    fn as_str(self) -> &'static str {
        match self {
            AfterUpload::Keep => "keep",
            AfterUpload::Move => "move",
            AfterUpload::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WatchedFolder {
    pub id: i64,
    pub path: PathBuf,
    pub tenant: TenantRule,
    #[serde(serialize_with = "display")]
    pub category: CategoryChoice,
    pub after_upload: AfterUpload,
    pub poll_secs: Option<u32>,
    pub ignore: Vec<String>,
    pub paused: bool,
}

fn display<S: serde::Serializer>(value: &CategoryChoice, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// A verified upload: the content's MD5, its size, and where it went.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub hash: &'a str,
    pub size: u64,
    pub key: &'a str,
    pub etag: &'a str,
}

/// A file's state in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    /// Seen; waits to be stable (or for its retry time).
    Pending,
    /// Key reserved, bytes going out (or interrupted: checked on restart).
    Uploading,
    Uploaded,
    /// Last attempt failed; retried at `next_retry`.
    Failed,
}

impl FileState {
    fn parse(s: &str) -> FileState {
        match s {
            "uploading" => FileState::Uploading,
            "uploaded" => FileState::Uploaded,
            "failed" => FileState::Failed,
            // "pending", and "held": waiting for another program to let go of the file.
            _ => FileState::Pending,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileRow {
    pub path: String,
    pub size: u64,
    pub mtime: i64,
    pub changed_at: i64,
    pub state: FileState,
    pub hash: Option<String>,
    pub key: Option<String>,
    pub attempts: u32,
    pub next_retry: i64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FolderStatus {
    pub waiting: u64,
    pub queued: u64,
    pub uploading: u64,
    pub uploaded: u64,
    pub failed: u64,
    pub problems: Vec<FileRow>,
}

pub struct Journal {
    conn: Connection,
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::Storage(format!("the sync journal failed: {e}"))
}

impl Journal {
    pub fn path(dirs: &Dirs, profile: &str) -> PathBuf {
        dirs.data.join(format!("journal-{profile}.sqlite3"))
    }

    pub fn open(dirs: &Dirs, profile: &str) -> Result<Journal> {
        Ok(Journal {
            conn: crate::db::open(&Self::path(dirs, profile), MIGRATIONS, "the sync journal")?,
        })
    }

    // --- folders -------------------------------------------------------------------------

    pub fn add_folder(
        &self,
        path: &Path,
        tenant: &TenantRule,
        category: CategoryChoice,
        after_upload: AfterUpload,
        poll_secs: Option<u32>,
        ignore: &[String],
    ) -> Result<WatchedFolder> {
        let text = path
            .to_str()
            .ok_or_else(|| Error::invalid(format!("{} is not valid UTF-8", path.display())))?;
        let ignore_json = serde_json::to_string(ignore).map_err(|e| Error::invalid(e.to_string()))?;
        self.conn
            .execute(
                "INSERT INTO folders (path, tenant, category, after_upload, poll_secs, ignore) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![text, tenant.stored(), category.to_string(), after_upload.as_str(), poll_secs, ignore_json],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    Error::AlreadyExists(format!("{} is already watched", path.display())).hint(Hint::UnwatchFirst)
                }
                other => db_err(other),
            })?;
        self.folder(path)?
            .ok_or_else(|| Error::Storage("the folder vanished from the journal".into()))
    }

    pub fn folders(&self) -> Result<Vec<WatchedFolder>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, path, tenant, category, after_upload, poll_secs, ignore, paused FROM folders ORDER BY path")
            .map_err(db_err)?;
        let rows = stmt.query_map([], Self::folder_row).map_err(db_err)?;
        rows.map(|r| r.map_err(db_err)?).collect()
    }

    pub fn folder(&self, path: &Path) -> Result<Option<WatchedFolder>> {
        let text = path.to_string_lossy();
        self.conn
            .query_row(
                "SELECT id, path, tenant, category, after_upload, poll_secs, ignore, paused FROM folders WHERE path = ?1",
                params![text],
                Self::folder_row,
            )
            .optional()
            .map_err(db_err)?
            .transpose()
    }

    fn folder_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<WatchedFolder>> {
        let (id, path, tenant, category, after, poll, ignore, paused): (
            i64,
            String,
            String,
            String,
            String,
            Option<u32>,
            String,
            bool,
        ) = (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
        );
        Ok((|| {
            Ok(WatchedFolder {
                id,
                path: PathBuf::from(path),
                tenant: TenantRule::from_stored(&tenant)?,
                category: category.parse()?,
                after_upload: after.parse()?,
                poll_secs: poll,
                ignore: serde_json::from_str(&ignore).unwrap_or_default(),
                paused,
            })
        })())
    }

    pub fn remove_folder(&self, path: &Path) -> Result<()> {
        let n = self
            .conn
            .execute(
                "DELETE FROM folders WHERE path = ?1",
                params![path.to_string_lossy()],
            )
            .map_err(db_err)?;
        if n == 0 {
            return Err(Error::NotFound(format!("{} is not watched", path.display())).hint(Hint::ListWatched));
        }
        Ok(())
    }

    pub fn set_paused(&self, path: &Path, paused: bool) -> Result<()> {
        let n = self
            .conn
            .execute(
                "UPDATE folders SET paused = ?2 WHERE path = ?1",
                params![path.to_string_lossy(), paused],
            )
            .map_err(db_err)?;
        if n == 0 {
            return Err(Error::NotFound(format!("{} is not watched", path.display())));
        }
        Ok(())
    }

    // --- files ---------------------------------------------------------------------------

    /// Records what scans and events saw, in one transaction (a scan of 10,000 files is one
    /// fsync). A changed size or mtime restarts the stability window and, for an uploaded file,
    /// makes it a new version: a new key, while the old object stays.
    pub fn observe(
        &mut self,
        folder: i64,
        seen: &[(String, u64, i64)],
        now: i64,
        generation: i64,
    ) -> Result<()> {
        // A savepoint: its own transaction alone, a nested step inside the writer's batch.
        let tx = self.conn.savepoint().map_err(db_err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO files (folder, path, size, mtime, changed_at, seen, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')
                     ON CONFLICT (folder, path) DO UPDATE SET
                        seen = excluded.seen,
                        state = CASE WHEN files.size = excluded.size AND files.mtime = excluded.mtime THEN files.state
                                     WHEN files.state = 'uploading' THEN 'uploading' ELSE 'pending' END,
                        changed_at = CASE WHEN files.size = excluded.size AND files.mtime = excluded.mtime
                                          THEN files.changed_at ELSE excluded.changed_at END,
                        attempts = CASE WHEN files.size = excluded.size AND files.mtime = excluded.mtime
                                        THEN files.attempts ELSE 0 END,
                        next_retry = CASE WHEN files.size = excluded.size AND files.mtime = excluded.mtime
                                          THEN files.next_retry ELSE 0 END,
                        size = excluded.size,
                        mtime = excluded.mtime",
                )
                .map_err(db_err)?;
            for (path, size, mtime) in seen {
                stmt.execute(params![folder, path, *size as i64, mtime, now, generation])
                    .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)
    }

    /// Files their writer has closed, as they were then (path, size, mtime): stable from `at`,
    /// without waiting out the window. A file that changed since is left to it.
    pub fn settle(&mut self, folder: i64, closed: &[(String, u64, i64)], at: i64) -> Result<()> {
        let tx = self.conn.savepoint().map_err(db_err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE files SET changed_at = MIN(changed_at, ?5)
                     WHERE folder = ?1 AND path = ?2 AND size = ?3 AND mtime = ?4 AND state = 'pending'",
                )
                .map_err(db_err)?;
            for (path, size, mtime) in closed {
                stmt.execute(params![folder, path, *size as i64, mtime, at])
                    .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)
    }

    /// Forgets files a full scan (`generation`) no longer found; their objects stay in the bucket.
    pub fn forget_unseen(&self, folder: i64, generation: i64) -> Result<usize> {
        self.conn
            .execute(
                "DELETE FROM files WHERE folder = ?1 AND seen < ?2 AND state != 'uploading'",
                params![folder, generation],
            )
            .map_err(db_err)
    }

    pub fn forget(&self, folder: i64, path: &str) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM files WHERE folder = ?1 AND path = ?2",
                params![folder, path],
            )
            .map_err(db_err)?;
        Ok(())
    }

    fn file_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<FileRow> {
        let state: String = row.get(4)?;
        Ok(FileRow {
            path: row.get(0)?,
            size: row.get::<_, i64>(1)?.max(0) as u64,
            mtime: row.get(2)?,
            changed_at: row.get(3)?,
            state: FileState::parse(&state),
            hash: row.get(5)?,
            key: row.get(6)?,
            attempts: row.get(7)?,
            next_retry: row.get(8)?,
            last_error: row.get(9)?,
        })
    }

    const FILE_COLUMNS: &'static str =
        "path, size, mtime, changed_at, state, hash, key, attempts, next_retry, last_error";

    /// Files ready for an upload attempt: unchanged for the stability window and due.
    pub fn due(&self, folder: i64, now: i64, stable_before: i64, limit: usize) -> Result<Vec<FileRow>> {
        let sql = format!(
            "SELECT {} FROM files WHERE folder = ?1 AND state IN ('pending', 'held', 'failed')
             AND changed_at <= ?2 AND next_retry <= ?3 ORDER BY changed_at LIMIT ?4",
            Self::FILE_COLUMNS
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db_err)?;
        let rows = stmt
            .query_map(params![folder, stable_before, now, limit as i64], Self::file_row)
            .map_err(db_err)?;
        rows.map(|r| r.map_err(db_err)).collect()
    }

    /// Uploads a crash interrupted: to be checked against the bucket before anything else.
    pub fn in_flight(&self, folder: i64) -> Result<Vec<FileRow>> {
        let sql = format!(
            "SELECT {} FROM files WHERE folder = ?1 AND state = 'uploading'",
            Self::FILE_COLUMNS
        );
        let mut stmt = self.conn.prepare(&sql).map_err(db_err)?;
        let rows = stmt.query_map(params![folder], Self::file_row).map_err(db_err)?;
        rows.map(|r| r.map_err(db_err)).collect()
    }

    pub fn file(&self, folder: i64, path: &str) -> Result<Option<FileRow>> {
        let sql = format!(
            "SELECT {} FROM files WHERE folder = ?1 AND path = ?2",
            Self::FILE_COLUMNS
        );
        self.conn
            .query_row(&sql, params![folder, path], Self::file_row)
            .optional()
            .map_err(db_err)
    }

    /// Writes the key before the upload starts: the heart of exactly-once.
    pub fn reserve(&self, folder: i64, path: &str, hash: &str, key: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE files SET state = 'uploading', hash = ?3, key = ?4 WHERE folder = ?1 AND path = ?2",
                params![folder, path, hash, key],
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// The key this folder already uploaded the same content under, if any.
    pub fn uploaded_content(&self, folder: i64, hash: &str, size: u64) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT key FROM uploads WHERE folder = ?1 AND hash = ?2 AND size = ?3",
                params![folder, hash, size as i64],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)
    }

    pub fn mark_uploaded(&mut self, folder: i64, path: &str, upload: &Upload<'_>, now: i64) -> Result<()> {
        let Upload {
            hash,
            size,
            key,
            etag,
        } = *upload;
        // A savepoint: its own transaction alone, a nested step inside the writer's batch.
        let tx = self.conn.savepoint().map_err(db_err)?;
        tx.execute(
            "UPDATE files SET state = 'uploaded', hash = ?3, key = ?4, etag = ?5, last_error = NULL, attempts = 0
             WHERE folder = ?1 AND path = ?2",
            params![folder, path, hash, key, etag],
        )
        .map_err(db_err)?;
        tx.execute(
            "INSERT OR IGNORE INTO uploads (folder, hash, size, key, etag, path, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![folder, hash, size as i64, key, etag, path, now],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    /// Back to pending (keeping a reserved key for the same content) after a file changed.
    pub fn requeue(&self, folder: i64, path: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE files SET state = 'pending' WHERE folder = ?1 AND path = ?2",
                params![folder, path],
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// Records a note without changing the state (e.g. "empty file: waiting for content").
    pub fn note(&self, folder: i64, path: &str, note: &str, retry_at: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE files SET last_error = ?3, next_retry = ?4 WHERE folder = ?1 AND path = ?2",
                params![folder, path, note, retry_at],
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// Waits for another program to let go of the file (see `confine::in_use`): pending, shown
    /// with `note`, tried again at `retry_at`. A change to the file makes it plainly pending.
    pub fn hold(&self, folder: i64, path: &str, note: &str, retry_at: i64) -> Result<()> {
        self.try_later(folder, path, "held", note, retry_at)
    }

    pub fn mark_failed(&self, folder: i64, path: &str, error: &str, retry_at: i64) -> Result<()> {
        self.try_later(folder, path, "failed", error, retry_at)
    }

    /// One more attempt counted, its reason kept, and the next one due at `retry_at`.
    fn try_later(&self, folder: i64, path: &str, state: &str, reason: &str, retry_at: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE files SET state = ?5, last_error = ?3, attempts = attempts + 1, next_retry = ?4
                 WHERE folder = ?1 AND path = ?2",
                params![folder, path, reason, retry_at, state],
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// Makes every failed or held file due now: a watcher that starts (or a `--once` run) tries them
    /// again at once instead of waiting out a backoff the previous run chose.
    pub fn retry_failed_now(&self, folder: i64) -> Result<usize> {
        self.conn
            .execute(
                "UPDATE files SET next_retry = 0 WHERE folder = ?1 AND state IN ('failed', 'held')",
                params![folder],
            )
            .map_err(db_err)
    }

    /// Files that wait on something outside Cubby: empty ones (never uploaded blank), and ones
    /// another program holds.
    pub fn parked(&self, folder: i64) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM files WHERE folder = ?1
                 AND (state = 'held' OR (state = 'pending' AND size = 0))",
                params![folder],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        Ok(n.max(0) as u64)
    }

    pub fn status(&self, folder: i64, stable_before: i64) -> Result<FolderStatus> {
        let mut status = FolderStatus::default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT state, changed_at <= ?2 AS stable, COUNT(*) FROM files WHERE folder = ?1 GROUP BY state, stable",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![folder, stable_before], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?, r.get::<_, i64>(2)?))
            })
            .map_err(db_err)?;
        for row in rows {
            let (state, stable, count) = row.map_err(db_err)?;
            let count = count.max(0) as u64;
            match (FileState::parse(&state), stable) {
                (FileState::Pending, false) => status.waiting += count,
                (FileState::Pending, true) => status.queued += count,
                (FileState::Uploading, _) => status.uploading += count,
                // Counted from the upload history below: moved or deleted files leave `files`.
                (FileState::Uploaded, _) => {}
                (FileState::Failed, _) => status.failed += count,
            }
        }
        let uploaded: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM uploads WHERE folder = ?1",
                params![folder],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        status.uploaded = uploaded.max(0) as u64;
        let sql = format!(
            "SELECT {} FROM files WHERE folder = ?1 AND last_error IS NOT NULL AND state != 'uploaded' ORDER BY path LIMIT 100",
            Self::FILE_COLUMNS
        );
        let mut stmt = self.conn.prepare(&sql).map_err(db_err)?;
        status.problems = stmt
            .query_map(params![folder], Self::file_row)
            .map_err(db_err)?
            .filter_map(|r| r.ok())
            .collect();
        Ok(status)
    }
}

#[cfg(test)]
impl Journal {
    /// The tests' usual watched folder: tenant `acme`, routed by content, files kept.
    pub(crate) fn watch_for_tests(&self, path: &Path) -> WatchedFolder {
        self.add_folder(
            path,
            &TenantRule::One(TenantId::parse("acme").unwrap()),
            CategoryChoice::Auto,
            AfterUpload::Keep,
            None,
            &[],
        )
        .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal() -> (tempfile::TempDir, Journal, WatchedFolder) {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&Dirs::new(dir.path(), dir.path()), "p").unwrap();
        let folder = journal.watch_for_tests(&dir.path().join("in"));
        (dir, journal, folder)
    }

    #[test]
    fn a_file_is_due_only_once_stable() {
        let (_d, mut j, f) = journal();
        j.observe(f.id, &[("a.jpg".into(), 10, 100)], 1_000, 1).unwrap();
        assert!(
            j.due(f.id, 1_500, 1_500 - 2_000, 10).unwrap().is_empty(),
            "inside the window"
        );
        assert_eq!(j.due(f.id, 3_100, 3_100 - 2_000, 10).unwrap().len(), 1);
        // A change restarts the window.
        j.observe(f.id, &[("a.jpg".into(), 20, 200)], 3_000, 2).unwrap();
        assert!(j.due(f.id, 3_100, 3_100 - 2_000, 10).unwrap().is_empty());
    }

    #[test]
    fn reserved_key_survives_and_content_change_makes_a_new_version() {
        let (_d, mut j, f) = journal();
        j.observe(f.id, &[("a.jpg".into(), 10, 100)], 0, 1).unwrap();
        j.reserve(f.id, "a.jpg", "h1", "acme/images/k1").unwrap();
        assert_eq!(
            j.in_flight(f.id).unwrap()[0].key.as_deref(),
            Some("acme/images/k1")
        );
        j.mark_uploaded(
            f.id,
            "a.jpg",
            &Upload {
                hash: "h1",
                size: 10,
                key: "acme/images/k1",
                etag: "h1",
            },
            5,
        )
        .unwrap();
        assert_eq!(
            j.uploaded_content(f.id, "h1", 10).unwrap().as_deref(),
            Some("acme/images/k1")
        );
        j.observe(f.id, &[("a.jpg".into(), 10, 100)], 10, 2).unwrap();
        assert_eq!(
            j.file(f.id, "a.jpg").unwrap().unwrap().state,
            FileState::Uploaded,
            "unchanged stays uploaded"
        );
        j.observe(f.id, &[("a.jpg".into(), 11, 300)], 20, 3).unwrap();
        assert_eq!(
            j.file(f.id, "a.jpg").unwrap().unwrap().state,
            FileState::Pending,
            "changed content is a new version"
        );
    }

    /// A rerun of `watch run --once` right after a failed one must try the failed files again,
    /// not exit at once because their backoff has not run out.
    #[test]
    fn failed_files_are_due_again_when_a_run_starts() {
        let (_d, mut j, f) = journal();
        j.observe(f.id, &[("a.pdf".into(), 10, 100)], 0, 1).unwrap();
        j.mark_failed(f.id, "a.pdf", "server down", 1_000_000).unwrap();
        assert!(j.due(f.id, 10, 10, 10).unwrap().is_empty(), "backing off");
        assert_eq!(j.retry_failed_now(f.id).unwrap(), 1);
        assert_eq!(j.due(f.id, 10, 10, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_closed_file_is_stable_at_once_unless_it_changed_since() {
        let (_d, mut j, f) = journal();
        j.observe(
            f.id,
            &[("a.pdf".into(), 10, 100), ("b.pdf".into(), 10, 100)],
            1_000,
            1,
        )
        .unwrap();
        // a.pdf closed as seen; b.pdf closed, but written again since (another size).
        j.settle(
            f.id,
            &[("a.pdf".into(), 10, 100), ("b.pdf".into(), 12, 150)],
            1_000 - 2_000,
        )
        .unwrap();
        let due = j.due(f.id, 1_000, 1_000 - 2_000, 10).unwrap();
        assert_eq!(due.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["a.pdf"]);
    }

    /// A file another program holds waits without failing, and a single pass does not wait for
    /// it; once it changes it is an ordinary pending file again.
    #[test]
    fn a_held_file_waits_apart_and_a_change_releases_it() {
        let (_d, mut j, f) = journal();
        j.observe(f.id, &[("a.pdf".into(), 10, 100)], 0, 1).unwrap();
        assert_eq!(j.parked(f.id).unwrap(), 0);
        j.hold(f.id, "a.pdf", "open in another program", 5_000).unwrap();
        let row = j.file(f.id, "a.pdf").unwrap().unwrap();
        assert_eq!((row.state, row.attempts), (FileState::Pending, 1));
        assert_eq!(j.parked(f.id).unwrap(), 1);
        let status = j.status(f.id, 0).unwrap();
        assert_eq!((status.failed, status.queued), (0, 1));
        assert_eq!(
            status.problems[0].last_error.as_deref(),
            Some("open in another program")
        );
        assert!(j.due(f.id, 4_999, 4_999, 10).unwrap().is_empty(), "backing off");
        assert_eq!(j.due(f.id, 5_000, 5_000, 10).unwrap().len(), 1);
        j.hold(f.id, "a.pdf", "open in another program", 9_000).unwrap();
        assert_eq!(j.retry_failed_now(f.id).unwrap(), 1, "a new run tries it at once");
        j.observe(f.id, &[("a.pdf".into(), 12, 200)], 6_000, 2).unwrap();
        assert_eq!(j.parked(f.id).unwrap(), 0, "written to again: no longer held");
    }

    #[test]
    fn unseen_files_are_forgotten_but_not_in_flight_ones() {
        let (_d, mut j, f) = journal();
        j.observe(f.id, &[("a".into(), 1, 1), ("b".into(), 1, 1)], 0, 1)
            .unwrap();
        j.reserve(f.id, "b", "h", "k").unwrap();
        j.observe(f.id, &[], 0, 2).unwrap();
        assert_eq!(j.forget_unseen(f.id, 2).unwrap(), 1);
        assert!(j.file(f.id, "b").unwrap().is_some());
        let status = j.status(f.id, 0).unwrap();
        assert_eq!(status.uploading, 1);
    }

    #[test]
    fn folders_round_trip_and_refuse_duplicates() {
        let (d, j, f) = journal();
        assert_eq!(j.folders().unwrap().len(), 1);
        let again = j.add_folder(
            &f.path,
            &f.tenant,
            CategoryChoice::Auto,
            AfterUpload::Move,
            Some(5),
            &["*.bak".into()],
        );
        assert_eq!(again.unwrap_err().code(), "already_exists");
        j.remove_folder(&f.path).unwrap();
        assert_eq!(
            j.remove_folder(&d.path().join("in")).unwrap_err().code(),
            "not_found"
        );
    }
}
