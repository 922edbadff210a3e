//! The watched-folder engine: files dropped into a folder reach `{tenant}/{category}/…` exactly
//! once, whatever happens (see `journal` for how).
//!
//! Detection is belt and braces: OS events (notify, debounced) for speed, a scan at start and a
//! periodic reconcile scan because events get lost (queue overflows, network drives), and
//! polling for shares where events never come. A file is uploaded only once it has been
//! unchanged for the stability window, and re-checked right before. Nothing remote is ever
//! deleted because something changed locally.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::confine;
use crate::detect::detect;
use crate::error::AuthFailure;
use crate::error::Hint;
use crate::journal::{
    AfterUpload, FileRow, FileState, Journal, JournalWriter, TenantRule, Upload, WatchedFolder,
};
use crate::keys::scheme_key;
use crate::listing::NameFilter;
use crate::storage::Bucket;
use crate::transfer::{
    clean_etag, hex, part_size_for, upload, EtagHasher, NoSink, UploadOptions, UploadPlan,
};
use crate::{Error, Result};

mod events;
mod job;
use events::start_events;
use job::{Job, Stop};

/// Where moved files go (`--after-upload move`); never watched.
pub const UPLOADED_DIR: &str = "Uploaded";

/// Names that are never uploaded: hidden files, editors' and browsers' temporary files.
const IGNORED: &[&str] = &[
    "~$*",
    ".~lock.*#",
    "*.tmp",
    "*.temp",
    "*.part",
    "*.partial",
    "*.crdownload",
    "*.download",
    "*.swp",
    "*.swx",
    "*~",
    "Thumbs.db",
    "desktop.ini",
    "*.lnk",
];

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// How long size and mtime must stay unchanged before a file counts as complete.
    pub stability: Duration,
    /// How often to walk every folder even when events say nothing happened.
    pub reconcile_every: Duration,
    /// Files uploading at once, across folders.
    pub concurrency: usize,
    /// Scan, upload what is there (waiting for files to settle and retrying as usual), then
    /// return instead of watching: for cron jobs and scripts.
    pub once: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            stability: Duration::from_secs(2),
            reconcile_every: Duration::from_secs(30),
            concurrency: 4,
            once: false,
        }
    }
}

/// What the engine reports: per-file state changes, per-folder conditions, and the whole
/// engine's condition (which hosts report when they pause, start or fail to start it).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SyncEvent {
    File {
        folder: String,
        path: String,
        state: FileState,
        key: Option<String>,
        message: Option<String>,
    },
    Folder {
        folder: String,
        status: FolderCondition,
        message: Option<String>,
    },
    Engine {
        status: EngineStatus,
        /// Why it stopped.
        message: Option<String>,
    },
}

/// The engine as a whole: running, held by the person (Pause sync), or stopped by an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum EngineStatus {
    Watching,
    Paused,
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FolderCondition {
    Watching,
    /// Events unavailable (e.g. the inotify limit): found by periodic scans only.
    Scanning,
    /// A permanent error (access denied, bucket missing): nothing is retried until restart.
    Stopped,
}

pub trait SyncSink: Send + Sync {
    fn event(&self, event: SyncEvent);
}

impl<F: Fn(SyncEvent) + Send + Sync> SyncSink for F {
    fn event(&self, event: SyncEvent) {
        self(event)
    }
}

/// Where the engine reads the time: the system's clock, or a test's.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// Reads an opened file once: its plain MD5, the ETag an upload of it must get (multipart
/// shaped when `part_size` is given) and its first 512 bytes for type detection.
fn content_of(file: &std::fs::File, part_size: Option<u64>) -> std::io::Result<(String, String, Vec<u8>)> {
    use md5::Digest;
    use std::io::Read;
    let mut reader = file;
    let mut plain = md5::Md5::new();
    let mut etag = part_size.map(|p| EtagHasher::new(Some(p)));
    let mut head = Vec::with_capacity(512);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        plain.update(&buf[..n]);
        if let Some(e) = etag.as_mut() {
            e.update(&buf[..n]);
        }
        if head.len() < 512 {
            let take = (512 - head.len()).min(n);
            head.extend_from_slice(&buf[..take]);
        }
    }
    let hash = hex(&plain.finalize());
    let expected = etag.map(EtagHasher::finish).unwrap_or_else(|| hash.clone());
    Ok((hash, expected, head))
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// Whether a relative path is skipped: hidden parts, temporary names, `Uploaded/`, user patterns.
pub fn is_ignored(relative: &str, user: &[NameFilter]) -> bool {
    let mut parts = relative.split('/');
    if relative.split('/').next() == Some(UPLOADED_DIR) && relative.contains('/') {
        return true;
    }
    if parts.any(|p| p.starts_with('.')) {
        return true;
    }
    // Compiled once: a glob is a small automaton to build, and a scan asks this of every file.
    static BUILTIN: std::sync::LazyLock<Vec<NameFilter>> =
        std::sync::LazyLock::new(|| IGNORED.iter().filter_map(|p| NameFilter::parse(p).ok()).collect());
    BUILTIN.iter().chain(user).any(|f| f.matches(relative))
}

struct Folder {
    spec: WatchedFolder,
    filters: Vec<NameFilter>,
    stopped: bool,
    /// The bucket seen through the folder's tenant: its files can land nowhere else.
    bucket: Bucket,
}

impl Folder {
    fn name(&self) -> String {
        self.spec.path.display().to_string()
    }

    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.spec.path).ok()?;
        let text = rel.to_str()?.replace('\\', "/");
        (!text.is_empty() && !is_ignored(&text, &self.filters)).then_some(text)
    }
}

/// Walks a folder (iteratively, no symlinks) and returns (relative path, size, mtime).
fn scan(folder: &Folder) -> Vec<(String, u64, i64)> {
    scan_from(folder, folder.spec.path.clone())
}

/// Walks one subtree of a watched folder.
fn scan_from(folder: &Folder, root: PathBuf) -> Vec<(String, u64, i64)> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if let Some(rel) = path.strip_prefix(&folder.spec.path).ok().and_then(|r| r.to_str()) {
                    if rel == UPLOADED_DIR || rel.split('/').any(|p| p.starts_with('.')) {
                        continue;
                    }
                }
                stack.push(path);
            } else if meta.is_file() {
                if let Some(rel) = folder.relative(&path) {
                    out.push((rel, meta.len(), mtime_ns(&meta)));
                }
            }
        }
    }
    out
}

/// The engine. `run` drives every folder until `cancel`; in-flight uploads finish first.
pub struct Watcher {
    bucket: Bucket,
    journal: JournalWriter,
    options: SyncOptions,
    sink: Arc<dyn SyncSink>,
    clock: Arc<dyn Clock>,
}

enum Work {
    /// Changed paths, and those of them their writer has closed.
    Paths(usize, Vec<PathBuf>, std::collections::HashSet<PathBuf>),
    Rescan(usize),
    Limit(usize, String),
}

impl Watcher {
    pub fn new(bucket: Bucket, journal: Journal, options: SyncOptions, sink: Arc<dyn SyncSink>) -> Self {
        Watcher {
            bucket,
            journal: JournalWriter::new(journal),
            options,
            sink,
            clock: Arc::new(SystemClock),
        }
    }

    /// The same engine reading the time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// One journal step, run off the async workers and durable when it returns.
    async fn record<R: Send + 'static>(
        &self,
        step: impl FnOnce(&mut Journal) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        self.journal.run(step).await
    }

    pub async fn run(&self, folders: Vec<WatchedFolder>, cancel: CancellationToken) -> Result<()> {
        let mut folders: Vec<Folder> = folders
            .into_iter()
            .filter(|f| !f.paused)
            .map(|spec| Folder {
                // Patterns were checked when the folder was added.
                filters: spec
                    .ignore
                    .iter()
                    .filter_map(|p| NameFilter::parse(p).ok())
                    .collect(),
                // Defence in depth: a folder's writes cannot leave its tenant. A folder of client
                // subfolders is scoped per file, to the tenant its subfolder names (`Job`).
                bucket: match &spec.tenant {
                    TenantRule::One(tenant) => self.bucket.scoped_to(tenant),
                    TenantRule::PerSubfolder => self.bucket.clone(),
                },
                spec,
                stopped: false,
            })
            .collect();
        for folder in &folders {
            if !folder.spec.path.is_dir() {
                return Err(Error::NotFound(format!(
                    "watched folder {} does not exist: create it again, or stop watching it",
                    folder.spec.path.display()
                ))
                .hint(Hint::ListWatched));
            }
        }
        let (tx, mut rx) = mpsc::unbounded_channel::<Work>();
        let _watchers: Vec<Box<dyn std::any::Any + Send>> = folders
            .iter()
            .enumerate()
            .filter_map(|(i, f)| start_events(i, f, tx.clone(), &self.sink))
            .collect();

        // A crash may have left uploads in flight: settle them before anything else. Files a
        // previous run gave up on for now are tried again at once: starting is the user's retry.
        for folder in &folders {
            self.recover(folder).await?;
            let id = folder.spec.id;
            self.record(move |j| j.retry_failed_now(id)).await?;
            self.rescan(folder, self.now_ms()).await?;
        }
        let mut reconcile = tokio::time::interval(self.options.reconcile_every);
        reconcile.tick().await;
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        let mut running: tokio::task::JoinSet<()> = tokio::task::JoinSet::new();
        let in_flight = Arc::new(Mutex::new(std::collections::HashSet::<(i64, String)>::new()));
        let stopped = Arc::new(Mutex::new(std::collections::HashSet::<i64>::new()));
        loop {
            // New uploads start on the tick and, so that a big backlog is not paced by it, as
            // soon as one finishes.
            let schedule = tokio::select! {
                _ = cancel.cancelled() => break,
                Some(work) = rx.recv() => {
                    match work {
                        Work::Paths(i, paths, closed) => {
                            self.observe_paths(&folders[i], &paths, &closed).await?;
                            // A closed file is due now: start it without waiting for the tick.
                            !closed.is_empty()
                        }
                        Work::Rescan(i) => { self.rescan(&folders[i], self.now_ms()).await?; false }
                        Work::Limit(i, message) => {
                            self.sink.event(SyncEvent::Folder {
                                folder: folders[i].name(), status: FolderCondition::Scanning, message: Some(message),
                            });
                            false
                        }
                    }
                }
                _ = reconcile.tick() => {
                    let generation = self.now_ms();
                    for folder in &folders { self.rescan(folder, generation).await?; }
                    false
                }
                Some(_) = running.join_next(), if !running.is_empty() => true,
                _ = tick.tick() => true,
            };
            if !schedule {
                continue;
            }
            while running.try_join_next().is_some() {}
            let free = self.options.concurrency.saturating_sub(running.len());
            if free == 0 {
                continue;
            }
            let now = self.now_ms();
            let stable_before = now - self.options.stability.as_millis() as i64;
            for folder in &folders {
                if folder.stopped {
                    continue;
                }
                let id = folder.spec.id;
                let due = self.record(move |j| j.due(id, now, stable_before, free)).await?;
                for row in due {
                    let slot = (folder.spec.id, row.path.clone());
                    if !in_flight
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(slot.clone())
                    {
                        continue;
                    }
                    if running.len() >= self.options.concurrency {
                        in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&slot);
                        break;
                    }
                    let job = Job {
                        bucket: folder.bucket.clone(),
                        journal: self.journal.clone(),
                        sink: self.sink.clone(),
                        spec: folder.spec.clone(),
                        name: folder.name(),
                        stability: self.options.stability,
                        clock: self.clock.clone(),
                    };
                    let (in_flight, stopped) = (in_flight.clone(), stopped.clone());
                    running.spawn(async move {
                        let outcome = job.process(row).await;
                        in_flight.lock().unwrap_or_else(|p| p.into_inner()).remove(&slot);
                        if let Err(Stop(message)) = outcome {
                            stopped
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .insert(job.spec.id);
                            job.sink.event(SyncEvent::Folder {
                                folder: job.name.clone(),
                                status: FolderCondition::Stopped,
                                message: Some(message),
                            });
                        }
                    });
                }
            }
            // A folder stops for good on a permanent error reported by its jobs.
            {
                let stopped = stopped.lock().unwrap_or_else(|p| p.into_inner());
                for folder in folders.iter_mut() {
                    folder.stopped = stopped.contains(&folder.spec.id);
                }
            }
            if self.options.once && running.is_empty() && self.settled(&folders, stable_before).await? {
                break;
            }
        }
        // Let in-flight uploads finish: each ends verified or not started, never half-written.
        while running.join_next().await.is_some() {}
        if let Some(folder) = folders.iter().find(|f| self.options.once && f.stopped) {
            return Err(Error::Storage(format!(
                "syncing {} stopped before every file was uploaded: see the reason above",
                folder.name()
            )));
        }
        Ok(())
    }

    /// Nothing waits, is queued or uploads in any folder still running, apart from empty files
    /// and files another program holds: those wait on something that may not come soon, so a
    /// single pass leaves them for the next run instead of waiting forever.
    async fn settled(&self, folders: &[Folder], stable_before: i64) -> Result<bool> {
        let ids: Vec<i64> = folders.iter().filter(|f| !f.stopped).map(|f| f.spec.id).collect();
        self.record(move |j| {
            for id in ids {
                let status = j.status(id, stable_before)?;
                let open = status.waiting + status.queued + status.uploading;
                if open > j.parked(id)? {
                    return Ok(false);
                }
            }
            Ok(true)
        })
        .await
    }

    async fn rescan(&self, folder: &Folder, generation: i64) -> Result<()> {
        let seen = scan(folder);
        let (id, now) = (folder.spec.id, self.now_ms());
        self.record(move |j| {
            j.observe(id, &seen, now, generation)?;
            j.forget_unseen(id, generation).map(|_| ())
        })
        .await
    }

    /// Records what changed. A file its writer has closed (`closed`) is stable at once, as long as
    /// it is still as it was then; every other change waits out the stability window, since
    /// without a close event a file may still be written (a scanner, a copy, a polled share).
    async fn observe_paths(
        &self,
        folder: &Folder,
        paths: &[PathBuf],
        closed: &std::collections::HashSet<PathBuf>,
    ) -> Result<()> {
        let (mut seen, mut gone, mut settled) = (Vec::new(), Vec::new(), Vec::new());
        for path in paths {
            let Some(rel) = folder.relative(path) else {
                continue;
            };
            match confine::metadata_within(&folder.spec.path, Path::new(&rel)) {
                Ok(meta) if meta.is_file() => {
                    let row = (rel, meta.len(), mtime_ns(&meta));
                    if closed.contains(path) {
                        settled.push(row.clone());
                    }
                    seen.push(row);
                }
                // A new or moved-in folder: files may have landed in it before its own watch
                // existed, so walk it now rather than wait for the reconcile scan.
                Ok(meta) if meta.is_dir() => seen.extend(scan_from(folder, path.clone())),
                // A link, a device, or anything reached through a link: never followed, and a
                // file that became one is forgotten like a file that went away.
                Ok(_) | Err(_) => gone.push(rel),
            }
        }
        if seen.is_empty() && gone.is_empty() {
            return Ok(());
        }
        let (id, now) = (folder.spec.id, self.now_ms());
        let stable = now - self.options.stability.as_millis() as i64;
        self.record(move |j| {
            // Gone (moved away, deleted): forgotten locally unless mid-upload; the object stays.
            for rel in gone {
                if j.file(id, &rel)?.is_some_and(|r| r.state != FileState::Uploading) {
                    j.forget(id, &rel)?;
                }
            }
            if !seen.is_empty() {
                j.observe(id, &seen, now, now)?;
            }
            if !settled.is_empty() {
                j.settle(id, &settled, stable)?;
            }
            Ok(())
        })
        .await
    }

    /// Settles uploads a crash interrupted: done if the bucket has the key with the file's MD5,
    /// else back to pending with the same key, to be uploaded again under it.
    async fn recover(&self, folder: &Folder) -> Result<()> {
        let id = folder.spec.id;
        let rows = self.record(move |j| j.in_flight(id)).await?;
        for row in rows {
            let path = row.path.clone();
            let (Some(key), Some(hash)) = (row.key.clone(), row.hash.clone()) else {
                self.record(move |j| j.requeue(id, &path)).await?;
                continue;
            };
            let head = match folder.bucket.head(&key).await {
                Ok(info) => Ok(self.holds_file(folder, &row, &key, &info, &hash).await?),
                Err(e) => Err(e),
            };
            match head {
                Ok(true) => {
                    let upload = Upload {
                        hash: &hash,
                        size: row.size,
                        key: &key,
                        etag: &hash,
                    };
                    self.journal
                        .mark_uploaded(id, &row.path, &upload, self.now_ms())
                        .await?;
                    self.sink.event(SyncEvent::File {
                        folder: folder.name(),
                        path: row.path.clone(),
                        state: FileState::Uploaded,
                        key: Some(key),
                        message: Some("confirmed after restart".into()),
                    });
                }
                Ok(false) | Err(Error::NotFound(_)) => self.record(move |j| j.requeue(id, &path)).await?,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Whether the object the server holds at `key` is the journal row's file: by its plain MD5,
    /// or, for an object the server assembled from parts, by the MD5 of the file's part MD5s
    /// (with the part size the server reports for part 1).
    async fn holds_file(
        &self,
        folder: &Folder,
        row: &FileRow,
        key: &str,
        info: &crate::storage::ObjectInfo,
        hash: &str,
    ) -> Result<bool> {
        let Some(etag) = info.etag.as_deref().map(clean_etag) else {
            return Ok(false);
        };
        if etag == hash {
            return Ok(true);
        }
        if !etag.contains('-') || info.size != row.size {
            return Ok(false);
        }
        let part_size = folder.bucket.head_part(key, 1).await?.0;
        let Ok((file, _)) = confine::open_within(&folder.spec.path, Path::new(&row.path)) else {
            // Gone or replaced by a link: upload again from whatever is there next time.
            return Ok(false);
        };
        tokio::task::spawn_blocking(move || crate::transfer::same_content_in(file, &etag, Some(part_size)))
            .await
            .map_err(|e| Error::Internal(format!("checking an interrupted upload stopped: {e}")))?
            .map_err(|e| Error::io("cannot read a watched file", e))
    }
}

#[cfg(test)]
mod tests;
