//! Transfers: uploads and downloads that verify what arrived, report progress through a sink
//! the core owns, and stop on a cancellation token.
//!
//! Integrity: single PUTs carry Content-MD5 and the returned ETag must equal the file's MD5;
//! multipart uploads use equal-size parts (R2 rejects unequal ones), each with Content-MD5, and
//! the final ETag must equal the MD5 of the part MD5s. Downloads are hashed as they stream and
//! checked the same way before the `.part` file is renamed into place. Transient network and
//! 5xx errors are retried by the SDK's standard retry (exponential backoff with jitter);
//! 4xx errors fail at once.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use crate::detect::detect;
use crate::keys::scheme_key;
use crate::local_path::{unique_path, LocalTarget};
use crate::storage::Bucket;
use crate::tenant::{Category, CategoryChoice, ObjectKey, TenantId};
use crate::{Error, Result};

pub const MIB: u64 = 1024 * 1024;
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 64 * MIB;
pub const DEFAULT_PART_SIZE: u64 = 16 * MIB;
/// S3's and R2's limits: parts of at least 5 MiB (except the last), at most 10,000 parts.
const MIN_PART_SIZE: u64 = 5 * MIB;
const MAX_PARTS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Upload,
    Download,
}

/// What a transfer reports, in order: Started, Progress…, then Finished or Failed.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TransferEvent {
    Started {
        id: u64,
        direction: Direction,
        key: String,
        local: String,
        total: u64,
    },
    Progress {
        id: u64,
        done: u64,
        total: u64,
        bytes_per_sec: f64,
        eta_secs: Option<f64>,
    },
    Finished {
        id: u64,
        direction: Direction,
        key: String,
        local: String,
        bytes: u64,
    },
    Failed {
        id: u64,
        direction: Direction,
        key: String,
        local: String,
        code: String,
        message: String,
    },
}

/// Where transfer events go: the CLI's progress bars, the desktop's channel, or nowhere.
pub trait TransferSink: Send + Sync {
    fn event(&self, event: TransferEvent);
}

impl<F: Fn(TransferEvent) + Send + Sync> TransferSink for F {
    fn event(&self, event: TransferEvent) {
        self(event)
    }
}

/// Discards events.
pub struct NoSink;

impl TransferSink for NoSink {
    fn event(&self, _: TransferEvent) {}
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Counts bytes for one transfer and emits at most ten progress events a second.
struct Meter {
    id: u64,
    total: u64,
    done: AtomicU64,
    started: Instant,
    last: Mutex<Instant>,
    sink: Arc<dyn TransferSink>,
}

impl Meter {
    fn new(id: u64, total: u64, sink: Arc<dyn TransferSink>) -> Arc<Meter> {
        let now = Instant::now();
        Arc::new(Meter {
            id,
            total,
            done: AtomicU64::new(0),
            started: now,
            last: Mutex::new(now),
            sink,
        })
    }

    fn add(&self, bytes: u64) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let now = Instant::now();
        {
            let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
            if done < self.total && now.duration_since(*last) < Duration::from_millis(100) {
                return;
            }
            *last = now;
        }
        let secs = now.duration_since(self.started).as_secs_f64().max(1e-3);
        let rate = done as f64 / secs;
        let eta = (rate > 0.0).then(|| self.total.saturating_sub(done) as f64 / rate);
        self.sink.event(TransferEvent::Progress {
            id: self.id,
            done,
            total: self.total,
            bytes_per_sec: rate,
            eta_secs: eta,
        });
    }
}

/// Runs `work` on every item with at most `limit` at once; results keep the items' order.
pub async fn for_each_bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let semaphore = Arc::new(tokio::sync::Semaphore::new(limit.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let count = items.len();
    for (index, item) in items.into_iter().enumerate() {
        let permit = semaphore.clone().acquire_owned().await;
        let fut = work(item);
        set.spawn(async move {
            let result = fut.await;
            drop(permit);
            (index, result)
        });
    }
    let mut results: Vec<Option<R>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    results.into_iter().flatten().collect()
}

/// The ETag an S3 server gives content: plain MD5 for single PUTs, MD5-of-part-MD5s plus the
/// part count for multipart ones. Fed sequentially, in order.
pub struct EtagHasher {
    part_size: Option<u64>,
    md5: Md5,
    in_part: u64,
    parts: Vec<[u8; 16]>,
}

impl EtagHasher {
    pub fn new(part_size: Option<u64>) -> Self {
        EtagHasher {
            part_size: part_size.filter(|s| *s > 0),
            md5: Md5::new(),
            in_part: 0,
            parts: Vec::new(),
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        let Some(size) = self.part_size else {
            self.md5.update(data);
            return;
        };
        while !data.is_empty() {
            let take = ((size - self.in_part) as usize).min(data.len());
            self.md5.update(&data[..take]);
            self.in_part += take as u64;
            data = &data[take..];
            if self.in_part == size {
                self.parts.push(self.md5.finalize_reset().into());
                self.in_part = 0;
            }
        }
    }

    pub fn finish(mut self) -> String {
        match self.part_size {
            None => hex(&self.md5.finalize()),
            Some(_) => {
                if self.in_part > 0 || self.parts.is_empty() {
                    self.parts.push(self.md5.finalize_reset().into());
                }
                let mut all = Md5::new();
                for part in &self.parts {
                    all.update(part);
                }
                format!("{}-{}", hex(&all.finalize()), self.parts.len())
            }
        }
    }
}

/// Part sizes that could have produced an `parts`-part ETag for `size` bytes: the one the server
/// reports for part 1 (when it supports `partNumber`), else the sizes common tools use. Only
/// sizes that give exactly `parts` parts qualify, so there are rarely more than two.
fn part_size_candidates(size: u64, parts: u32, reported: Option<u64>) -> Vec<u64> {
    let fits = |p: u64| p > 0 && size.div_ceil(p) == u64::from(parts);
    // The server's own word settles it: hashing every byte once per guess is the cost to avoid.
    if let Some(p) = reported.filter(|p| fits(*p)) {
        return vec![p];
    }
    let mut out: Vec<u64> = Vec::new();
    let common = [5, 8, 10, 15, 16, 32, 50, 64, 100, 128, 256, 512, 1024].map(|m| m * MIB);
    let derived = [
        part_size_for(size, DEFAULT_PART_SIZE),
        size.div_ceil(u64::from(parts)).div_ceil(MIB) * MIB,
    ];
    for p in common.into_iter().chain(derived) {
        if fits(p) && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Hashes a download for every plausible way its ETag was made; one match verifies it.
struct ContentCheck {
    hashers: Vec<EtagHasher>,
}

impl ContentCheck {
    fn new(shapes: &[Option<u64>]) -> Self {
        ContentCheck {
            hashers: shapes.iter().map(|s| EtagHasher::new(*s)).collect(),
        }
    }

    fn update(&mut self, data: &[u8]) {
        for h in &mut self.hashers {
            h.update(data);
        }
    }

    /// True when the check is a single multipart shape with parts of `chunk` bytes, so the
    /// parts' MD5s can be taken elsewhere and handed in with `add_part_digest`.
    fn takes_part_digests(&self, chunk: u64) -> bool {
        matches!(self.hashers.as_slice(), [h] if h.part_size == Some(chunk) && h.in_part == 0)
    }

    /// A whole part's MD5, for a check that `takes_part_digests`.
    fn add_part_digest(&mut self, digest: [u8; 16]) {
        if let [h] = self.hashers.as_mut_slice() {
            h.parts.push(digest);
        }
    }

    /// The plain MD5 of what a `ContentCheck::new(&[None])` was fed.
    fn digest(self) -> [u8; 16] {
        self.hashers
            .into_iter()
            .next()
            .map(|h| h.md5.finalize().into())
            .unwrap_or_default()
    }

    /// `None` when nothing could be checked (an opaque ETag).
    fn matches(self, etag: &str) -> Option<bool> {
        if self.hashers.is_empty() {
            return None;
        }
        Some(self.hashers.into_iter().any(|h| h.finish() == etag))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An ETag without quotes, lower-case.
pub fn clean_etag(etag: &str) -> String {
    etag.trim().trim_matches('"').to_ascii_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum EtagKind {
    Md5,
    Multipart(u32),
    /// Not derived from the content (e.g. encrypted objects): only the size can be checked.
    Opaque,
}

fn etag_kind(etag: &str) -> EtagKind {
    let is_md5 = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match etag.split_once('-') {
        None if is_md5(etag) => EtagKind::Md5,
        Some((head, n)) if is_md5(head) => n.parse().map(EtagKind::Multipart).unwrap_or(EtagKind::Opaque),
        _ => EtagKind::Opaque,
    }
}

pub(crate) fn file_md5(path: &Path, offset: u64, len: u64) -> std::io::Result<[u8; 16]> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = file.take(len);
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; MIB as usize];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
    }
    Ok(md5.finalize().into())
}

fn read_range(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; len as usize];
    file.read_exact(&mut buf)?;
    Ok(buf)
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    what: String,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::io(what.clone(), std::io::Error::other(e)))?
        .map_err(|e| Error::io(what, e))
}

fn b64(digest: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(digest)
}

// ---------------------------------------------------------------------------------------------
// Uploads

#[derive(Debug, Clone)]
pub struct UploadOptions {
    pub overwrite: bool,
    pub multipart_threshold: u64,
    pub part_size: u64,
    /// Files in flight at once.
    pub concurrency: usize,
    /// Parts in flight per multipart file (memory: this many parts are buffered).
    pub part_concurrency: usize,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            overwrite: false,
            multipart_threshold: DEFAULT_MULTIPART_THRESHOLD,
            part_size: DEFAULT_PART_SIZE,
            concurrency: 8,
            part_concurrency: 4,
        }
    }
}

/// One file to upload and the key it gets.
#[derive(Debug, Clone, Serialize)]
pub struct UploadPlan {
    pub local: PathBuf,
    pub key: ObjectKey,
    pub size: u64,
    pub content_type: String,
    pub category: Category,
    /// No object can hold the key yet: a fresh scheme key (its random tag makes a clash a
    /// one-in-two-billion event within the same second) or one just checked. The HEAD before
    /// the PUT is skipped; `If-None-Match: *` still guards on servers that honour it.
    pub known_new: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Uploaded {
    pub key: String,
    pub local: PathBuf,
    pub size: u64,
    pub etag: String,
}

/// Expands folders (recursively; hidden files and symlinks are skipped) and gives every file its
/// key: `explicit` for a single file, else the seed's scheme under the routed category.
pub fn plan_uploads(
    paths: &[PathBuf],
    tenant: &TenantId,
    choice: CategoryChoice,
    explicit: Option<&ObjectKey>,
    now: DateTime<Utc>,
) -> Result<Vec<UploadPlan>> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files)?;
    }
    if explicit.is_some() && files.len() != 1 {
        return Err(Error::invalid(format!(
            "--key names one object but {} files were given: drop --key to use generated keys",
            files.len()
        )));
    }
    files
        .into_iter()
        .map(|(local, size)| {
            let head = read_head(&local)?;
            let name = local
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    local
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                });
            let detected = detect(&head, &name);
            let category = choice.resolve(detected.category);
            let known_new = explicit.is_none();
            let key = match explicit {
                Some(key) if key.is_within(tenant) => key.clone(),
                Some(key) => {
                    return Err(Error::invalid(format!(
                        "key '{key}' is outside tenant '{tenant}': keys must start with '{}'",
                        tenant.prefix()
                    )))
                }
                None => scheme_key(tenant, category, now, &name)?,
            };
            Ok(UploadPlan {
                local,
                key,
                size,
                content_type: detected.content_type.to_string(),
                category,
                known_new,
            })
        })
        .collect()
}

fn collect_files(path: &Path, out: &mut Vec<(PathBuf, u64)>) -> Result<()> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if meta.is_file() {
        out.push((path.to_path_buf(), meta.len()));
    } else if meta.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(format!("cannot list {}", path.display()), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        entries.sort();
        for entry in entries {
            if std::fs::symlink_metadata(&entry)
                .map(|m| !m.file_type().is_symlink())
                .unwrap_or(false)
            {
                collect_files(&entry, out)?;
            }
        }
    } else if meta.file_type().is_symlink() {
        // A symlink named directly is followed once: the user pointed at it.
        let target =
            std::fs::metadata(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if target.is_file() {
            out.push((path.to_path_buf(), target.len()));
        }
    }
    Ok(())
}

pub(crate) fn read_head(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    Ok(head)
}

fn fingerprint(path: &Path) -> Result<(u64, Option<std::time::SystemTime>)> {
    let meta =
        std::fs::metadata(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    Ok((meta.len(), meta.modified().ok()))
}

/// Uploads one file and verifies it; on any failure nothing half-written is left behind.
pub async fn upload(
    bucket: &Bucket,
    plan: &UploadPlan,
    options: &UploadOptions,
    sink: Arc<dyn TransferSink>,
    cancel: &CancellationToken,
) -> Result<Uploaded> {
    let id = next_id();
    let key = plan.key.as_str().to_string();
    let local = plan.local.display().to_string();
    sink.event(TransferEvent::Started {
        id,
        direction: Direction::Upload,
        key: key.clone(),
        local: local.clone(),
        total: plan.size,
    });
    let result = upload_inner(
        bucket,
        plan,
        options,
        Meter::new(id, plan.size, sink.clone()),
        cancel,
    )
    .await;
    sink.event(match &result {
        Ok(done) => TransferEvent::Finished {
            id,
            direction: Direction::Upload,
            key,
            local,
            bytes: done.size,
        },
        Err(e) => TransferEvent::Failed {
            id,
            direction: Direction::Upload,
            key,
            local,
            code: e.code().to_string(),
            message: e.to_string(),
        },
    });
    result
}

async fn upload_inner(
    bucket: &Bucket,
    plan: &UploadPlan,
    options: &UploadOptions,
    meter: Arc<Meter>,
    cancel: &CancellationToken,
) -> Result<Uploaded> {
    let key = plan.key.as_str();
    let before = fingerprint(&plan.local)?;
    if before.0 != plan.size {
        return Err(Error::Integrity(format!(
            "{} changed size since it was queued: it will be picked up again",
            plan.local.display()
        )));
    }
    if !options.overwrite && !plan.known_new {
        // Conditional writes stop a race; this check also covers servers that ignore them.
        match bucket.head(key).await {
            Ok(_) => {
                return Err(Error::AlreadyExists(format!(
                    "'{key}' already exists: pass --overwrite to replace it"
                )))
            }
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let etag = if plan.size >= options.multipart_threshold {
        upload_multipart(bucket, plan, options, &meter, cancel).await?
    } else {
        upload_single(bucket, plan, options, &meter, cancel).await?
    };
    if fingerprint(&plan.local)? != before {
        if !options.overwrite {
            let _ = bucket.delete(key).await;
        }
        return Err(Error::Integrity(format!(
            "{} changed while it was uploading; upload it again once it is complete",
            plan.local.display()
        )));
    }
    Ok(Uploaded {
        key: key.to_string(),
        local: plan.local.clone(),
        size: plan.size,
        etag,
    })
}

async fn upload_single(
    bucket: &Bucket,
    plan: &UploadPlan,
    options: &UploadOptions,
    meter: &Meter,
    cancel: &CancellationToken,
) -> Result<String> {
    let key = plan.key.as_str();
    let path = plan.local.clone();
    let size = plan.size;
    let digest = blocking(
        move || file_md5(&path, 0, size),
        format!("cannot read {}", plan.local.display()),
    )
    .await?;
    let content_md5 = b64(&digest);
    let put = bucket.put_file(
        key,
        &plan.local,
        plan.size,
        &plan.content_type,
        &content_md5,
        !options.overwrite,
    );
    let expected = hex(&digest);
    let etag = tokio::select! {
        r = put => match r {
            // The SDK retries a PUT whose answer was lost; the retry's `If-None-Match: *` then
            // meets the object the first attempt stored. Our own bytes under the key are success,
            // not a conflict: reporting failure would make the user upload it a second time.
            // (An object that was there before is caught by the HEAD above or by `known_new`.)
            Err(Error::AlreadyExists(message)) if !options.overwrite => {
                match landed(bucket, key, &expected).await {
                    Some(etag) => Some(etag),
                    None => return Err(Error::AlreadyExists(message)),
                }
            }
            r => r?,
        },
        _ = cancel.cancelled() => return Err(Error::Cancelled),
    };
    let got = etag.as_deref().map(clean_etag).unwrap_or_default();
    if got != expected {
        if !options.overwrite {
            let _ = bucket.delete(key).await;
        }
        return Err(Error::Integrity(format!(
            "the server stored '{key}' with ETag {got}, not the file's MD5 {expected}: the upload was removed; retry it"
        )));
    }
    meter.add(plan.size);
    Ok(got)
}

/// The ETag of `key` when the bucket holds exactly the content whose ETag is `expected`: how a
/// write whose answer was lost (the connection dropped after the server stored it) is recognised.
async fn landed(bucket: &Bucket, key: &str, expected: &str) -> Option<String> {
    let info = bucket.head(key).await.ok()?;
    let etag = info.etag.as_deref().map(clean_etag)?;
    (etag == expected).then_some(etag)
}

/// Part size: at least the configured size and 5 MiB, and large enough for ≤ 10,000 parts,
/// rounded up to whole MiB. Every part but the last has exactly this size.
pub fn part_size_for(size: u64, configured: u64) -> u64 {
    let needed = size.div_ceil(MAX_PARTS);
    configured.max(MIN_PART_SIZE).max(needed).div_ceil(MIB) * MIB
}

async fn upload_multipart(
    bucket: &Bucket,
    plan: &UploadPlan,
    options: &UploadOptions,
    meter: &Arc<Meter>,
    cancel: &CancellationToken,
) -> Result<String> {
    let key = plan.key.as_str().to_string();
    let part_size = part_size_for(plan.size, options.part_size);
    let count = plan.size.div_ceil(part_size).max(1);
    let upload_id = bucket
        .create_multipart(&key, Some(&plan.content_type), None)
        .await?;
    let parts: Vec<u64> = (0..count).collect();
    let work = {
        let (bucket, key, upload_id, path) =
            (bucket.clone(), key.clone(), upload_id.clone(), plan.local.clone());
        let (meter, cancel, size) = (meter.clone(), cancel.clone(), plan.size);
        move |index: u64| {
            let (bucket, key, upload_id, path) =
                (bucket.clone(), key.clone(), upload_id.clone(), path.clone());
            let (meter, cancel) = (meter.clone(), cancel.clone());
            async move {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let offset = index * part_size;
                let len = part_size.min(size - offset);
                let body = blocking(
                    {
                        let path = path.clone();
                        move || read_range(&path, offset, len)
                    },
                    format!("cannot read {}", path.display()),
                )
                .await?;
                let digest: [u8; 16] = Md5::digest(&body).into();
                let number = index as i32 + 1;
                let content_md5 = b64(&digest);
                let etag = tokio::select! {
                    r = bucket.upload_part(&key, &upload_id, number, body, &content_md5) => r?,
                    _ = cancel.cancelled() => return Err(Error::Cancelled),
                };
                meter.add(len);
                Ok((number, etag, digest))
            }
        }
    };
    let results = for_each_bounded(parts, options.part_concurrency, work).await;
    let outcome: Result<Vec<(i32, String, [u8; 16])>> = results.into_iter().collect();
    // The ETag the assembled object must have, once every part is stored.
    let mut expected = None;
    let finished = match outcome {
        Ok(parts) => {
            let mut all = Md5::new();
            for (_, _, digest) in &parts {
                all.update(digest);
            }
            let etag = format!("{}-{}", hex(&all.finalize()), parts.len());
            expected = Some(etag.clone());
            let list = parts.into_iter().map(|(n, etag, _)| (n, etag)).collect();
            bucket
                .complete_multipart(&key, &upload_id, list, !options.overwrite)
                .await
                .map(|got| (got, etag))
        }
        Err(e) => Err(e),
    };
    let (etag, expected) = match (finished, expected) {
        (Ok(done), _) => done,
        // A completion whose answer was lost (dropped, stalled, truncated) and whose retry was
        // refused (NoSuchUpload, or 412 against the object it made): when the bucket holds
        // exactly our parts the upload is done. Reporting failure would make the user send it
        // twice.
        (Err(e), Some(expected)) if !matches!(e, Error::Cancelled) => {
            match landed(bucket, &key, &expected).await {
                Some(etag) => (Some(etag), expected),
                None => {
                    let _ = bucket.abort_multipart(&key, &upload_id).await;
                    return Err(e);
                }
            }
        }
        (Err(e), _) => {
            // Never leave an open multipart upload (and its stored parts) behind.
            let _ = bucket.abort_multipart(&key, &upload_id).await;
            return Err(e);
        }
    };
    let got = etag.as_deref().map(clean_etag).unwrap_or_default();
    if got != expected {
        if !options.overwrite {
            let _ = bucket.delete(&key).await;
        }
        return Err(Error::Integrity(format!(
            "the server assembled '{key}' with ETag {got}, expected {expected}: the upload was removed; retry it"
        )));
    }
    Ok(got)
}

// ---------------------------------------------------------------------------------------------
// Downloads

#[derive(Debug, Clone)]
pub struct DownloadOptions {
    pub overwrite: bool,
    /// Files in flight at once.
    pub concurrency: usize,
    /// Ranges in flight per big file (memory: this many ranges are buffered).
    pub range_concurrency: usize,
    /// Flush each file to disk before renaming it into place. Without it a download is still
    /// atomic for every reader and against a crash of Cubby (the name appears only after all
    /// bytes are written and verified), but a power cut right after can leave it incomplete.
    pub fsync: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            overwrite: false,
            concurrency: 8,
            range_concurrency: 4,
            fsync: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Downloaded {
    pub key: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// What had to change in the key to keep the file inside the folder.
    pub adjusted: Vec<String>,
    /// Bytes reused from an earlier interrupted download.
    pub resumed_from: u64,
    /// False when the server's ETag is not content-derived: only the size was checked.
    pub checksum_verified: bool,
}

fn part_paths(target: &Path) -> (PathBuf, PathBuf) {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (
        target.with_file_name(format!("{name}.part")),
        target.with_file_name(format!(".{name}.part.cubby")),
    )
}

/// Objects at least this big download as parallel ranged GETs when they start afresh.
const PARALLEL_MIN: u64 = 32 * MIB;
/// The range size of a parallel download whose ETag gives no part size to align to.
const RANGE_SIZE: u64 = 16 * MIB;
/// Below this size a download keeps no resume marker: starting over costs less than the marker.
const RESUME_MIN: u64 = 8 * MIB;

/// Downloads one object into its mapped place: `.part` first, verified, then renamed. An
/// interrupted download resumes from its `.part` when the object is unchanged. There is no
/// HEAD first: the GET's own headers give the size and ETag.
pub async fn download(
    bucket: &Bucket,
    key: &ObjectKey,
    target: &LocalTarget,
    options: &DownloadOptions,
    sink: Arc<dyn TransferSink>,
    cancel: &CancellationToken,
) -> Result<Downloaded> {
    let id = next_id();
    let local = target.path.display().to_string();
    let started = AtomicBool::new(false);
    let start_meter = |total: u64| {
        started.store(true, Ordering::Relaxed);
        sink.event(TransferEvent::Started {
            id,
            direction: Direction::Download,
            key: key.to_string(),
            local: local.clone(),
            total,
        });
        Meter::new(id, total, sink.clone())
    };
    let result = download_inner(bucket, key, target, options, &start_meter, cancel).await;
    if result.is_err() && !started.load(Ordering::Relaxed) {
        // Failed before the server said anything about the object: still report it as started,
        // so every listener sees Started then Failed.
        start_meter(0);
    }
    sink.event(match &result {
        Ok(done) => TransferEvent::Finished {
            id,
            direction: Direction::Download,
            key: key.to_string(),
            local: done.path.display().to_string(),
            bytes: done.bytes,
        },
        Err(e) => TransferEvent::Failed {
            id,
            direction: Direction::Download,
            key: key.to_string(),
            local,
            code: e.code().to_string(),
            message: e.to_string(),
        },
    });
    result
}

/// A 412 on an If-Match GET means the object changed under the download.
fn changed_meanwhile(key: &ObjectKey) -> impl Fn(Error) -> Error + '_ {
    move |e| match e {
        Error::AlreadyExists(_) => Error::Integrity(format!(
            "'{key}' changed on the server during the download: run it again"
        )),
        e => e,
    }
}

/// The resume point of an earlier interrupted download: its `.part` length and the version it
/// was written for. At least one byte is always fetched again, since a range cannot start at
/// the end.
async fn resume_point(part: &Path, marker: &Path) -> Option<(u64, String, u64)> {
    let stamp = tokio::fs::read_to_string(marker).await.ok()?;
    let (etag, size) = stamp.trim().split_once(' ')?;
    let size: u64 = size.parse().ok()?;
    let existing = tokio::fs::metadata(part).await.ok()?.len();
    (existing > 0 && existing <= size && size > 0).then(|| (existing.min(size - 1), etag.to_string(), size))
}

async fn download_inner(
    bucket: &Bucket,
    key: &ObjectKey,
    target: &LocalTarget,
    options: &DownloadOptions,
    start_meter: &(dyn Fn(u64) -> Arc<Meter> + Sync),
    cancel: &CancellationToken,
) -> Result<Downloaded> {
    if let Some(parent) = target.path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    let (part, marker) = part_paths(&target.path);
    let mut start = 0;
    let mut first = None;
    if let Some((from, etag, size)) = resume_point(&part, &marker).await {
        let fetched = bucket
            .get_range(key.as_str(), from, None, Some(&format!("\"{etag}\"")))
            .await;
        match fetched {
            Ok(f)
                if f.total == size && f.etag.as_deref().map(clean_etag).as_deref() == Some(etag.as_str()) =>
            {
                start = from;
                first = Some(f);
            }
            // A different version now: start over.
            Ok(_) | Err(Error::AlreadyExists(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let first = match first {
        Some(f) => f,
        None => bucket.get_range(key.as_str(), 0, None, None).await?,
    };
    let etag = first.etag.as_deref().map(clean_etag).unwrap_or_default();
    let size = first.total;
    let meter = start_meter(size);
    let shapes: Vec<Option<u64>> = match etag_kind(&etag) {
        EtagKind::Md5 => vec![None],
        EtagKind::Multipart(1) => vec![Some(size.max(1))],
        EtagKind::Multipart(n) => {
            let (first_part, count) = bucket.head_part(key.as_str(), 1).await?;
            let reported = (count == Some(n)).then_some(first_part);
            part_size_candidates(size, n, reported)
                .into_iter()
                .map(Some)
                .collect()
        }
        EtagKind::Opaque => Vec::new(),
    };
    if size >= RESUME_MIN {
        tokio::fs::write(&marker, format!("{etag} {size}"))
            .await
            .map_err(|e| Error::io(format!("cannot write {}", marker.display()), e))?;
    }
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(start == 0)
        .open(&part)
        .await
        .map_err(|e| Error::io(format!("cannot write {}", part.display()), e))?;
    let mut hasher = ContentCheck::new(&shapes);
    if start > 0 {
        let (path, prefix_shapes) = (part.clone(), shapes.clone());
        hasher = blocking(
            move || {
                use std::io::Read;
                let mut h = ContentCheck::new(&prefix_shapes);
                let mut file = std::fs::File::open(&path)?.take(start);
                let mut buf = vec![0u8; MIB as usize];
                loop {
                    let n = file.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    h.update(&buf[..n]);
                }
                Ok(h)
            },
            format!("cannot read {}", part.display()),
        )
        .await?;
        meter.add(start);
        use tokio::io::AsyncSeekExt;
        file.set_len(start)
            .await
            .map_err(|e| Error::io("cannot resume", e))?;
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|e| Error::io("cannot resume", e))?;
    }
    let mut out = PartFile {
        file,
        path: &part,
        written: start,
    };
    let streamed = if start == 0 && size >= PARALLEL_MIN {
        let chunk = match shapes.as_slice() {
            // Ranges aligned to the parts let each range's MD5 be taken where it arrives.
            [Some(p)] if (MIN_PART_SIZE..=4 * RANGE_SIZE).contains(p) => *p,
            _ => RANGE_SIZE,
        };
        download_ranges(
            bucket,
            key,
            first,
            &etag,
            chunk,
            options,
            &mut out,
            &mut hasher,
            &meter,
            cancel,
        )
        .await
    } else {
        out.stream(key, first.body, None, &mut hasher, &meter, cancel)
            .await
    };
    let written = out.written;
    let mut file = out.file;
    let mut finished = streamed;
    if finished.is_ok() {
        finished = file
            .flush()
            .await
            .map_err(|e| Error::io(format!("cannot write {}", part.display()), e));
    }
    if finished.is_ok() && options.fsync {
        finished = file
            .sync_all()
            .await
            .map_err(|e| Error::io(format!("cannot write {}", part.display()), e));
    }
    if let Err(e) = finished {
        let _ = file.flush().await;
        drop(file);
        if size < RESUME_MIN {
            // No marker makes this `.part` resumable: it would only be litter next to the folder's
            // real files (and overwritten by the next attempt anyway).
            let _ = tokio::fs::remove_file(&part).await;
        }
        return Err(e);
    }
    drop(file);

    let discard = |why: String| async {
        let _ = tokio::fs::remove_file(&part).await;
        let _ = tokio::fs::remove_file(&marker).await;
        Err(Error::Integrity(why))
    };
    if written != size {
        return discard(format!(
            "'{key}' arrived with {written} bytes, expected {size}: the partial file was removed; retry"
        ))
        .await;
    }
    let checksum_verified = match hasher.matches(&etag) {
        Some(true) => true,
        Some(false) => {
            return discard(format!(
                "'{key}' arrived corrupted (its checksum is not {etag}): the file was removed; retry"
            ))
            .await
        }
        None => false,
    };
    let mut destination = target.path.clone();
    if !options.overwrite && tokio::fs::try_exists(&destination).await.unwrap_or(false) {
        destination = unique_path(&destination);
    }
    tokio::fs::rename(&part, &destination).await.map_err(|e| {
        Error::io(
            format!("cannot move the download into {}", destination.display()),
            e,
        )
    })?;
    if size >= RESUME_MIN {
        let _ = tokio::fs::remove_file(&marker).await;
    }
    Ok(Downloaded {
        key: key.to_string(),
        path: destination,
        bytes: size,
        adjusted: target.adjusted.clone(),
        resumed_from: start,
        checksum_verified,
    })
}

/// The `.part` file being written, always in order, so what it holds is a resumable prefix.
struct PartFile<'a> {
    file: tokio::fs::File,
    path: &'a Path,
    written: u64,
}

impl PartFile<'_> {
    async fn write(&mut self, data: &[u8]) -> Result<()> {
        self.file
            .write_all(data)
            .await
            .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))?;
        self.written += data.len() as u64;
        Ok(())
    }

    /// Writes and hashes a body as it arrives, up to `limit` bytes when given (the rest of the
    /// body is dropped unread).
    async fn stream(
        &mut self,
        key: &ObjectKey,
        mut body: aws_sdk_s3::primitives::ByteStream,
        limit: Option<u64>,
        hasher: &mut ContentCheck,
        meter: &Meter,
        cancel: &CancellationToken,
    ) -> Result<()> {
        let mut left = limit.unwrap_or(u64::MAX);
        while left > 0 {
            let chunk = tokio::select! {
                c = body.next() => c,
                _ = cancel.cancelled() => return Err(Error::Cancelled),
            };
            let Some(chunk) = chunk else { break };
            let chunk = chunk.map_err(|e| interrupted(key, &e))?;
            let take = &chunk[..(chunk.len() as u64).min(left) as usize];
            self.write(take).await?;
            hasher.update(take);
            meter.add(take.len() as u64);
            left -= take.len() as u64;
        }
        Ok(())
    }
}

fn interrupted(key: &ObjectKey, e: &dyn std::fmt::Display) -> Error {
    Error::Unreachable(format!(
        "download of '{key}' was interrupted ({e}); run it again to resume"
    ))
}

/// One range of a parallel download, read whole into memory.
struct Range {
    data: Vec<u8>,
    /// The range's MD5, taken off the writer's path when ranges align with the ETag's parts.
    md5: Option<[u8; 16]>,
}

async fn fetch_range(
    bucket: Bucket,
    key: ObjectKey,
    (start, end): (u64, u64),
    if_match: Option<String>,
    hash: bool,
    meter: Arc<Meter>,
) -> Result<Range> {
    let fetched = bucket
        .get_range(key.as_str(), start, Some(end), if_match.as_deref())
        .await
        .map_err(changed_meanwhile(&key))?;
    let expected = (end - start + 1) as usize;
    let mut data = Vec::with_capacity(expected);
    let mut body = fetched.body;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| interrupted(&key, &e))?;
        meter.add(chunk.len() as u64);
        data.extend_from_slice(&chunk);
    }
    if data.len() != expected {
        return Err(Error::Integrity(format!(
            "the server sent {} bytes of '{key}' for a range of {expected}: run the download again",
            data.len()
        )));
    }
    if !hash {
        return Ok(Range { data, md5: None });
    }
    tokio::task::spawn_blocking(move || {
        let md5 = Md5::digest(&data).into();
        Range { data, md5: Some(md5) }
    })
    .await
    .map_err(|e| Error::io("cannot hash a download", std::io::Error::other(e)))
}

/// A big download as ranges fetched `options.range_concurrency` at a time and written in order.
/// The first range comes from the GET already open; the others are ranged GETs pinned to the
/// same version with If-Match.
#[allow(clippy::too_many_arguments)]
async fn download_ranges(
    bucket: &Bucket,
    key: &ObjectKey,
    first: crate::storage::Fetched,
    etag: &str,
    chunk: u64,
    options: &DownloadOptions,
    out: &mut PartFile<'_>,
    hasher: &mut ContentCheck,
    meter: &Arc<Meter>,
    cancel: &CancellationToken,
) -> Result<()> {
    let size = first.total;
    let per_range_md5 = hasher.takes_part_digests(chunk);
    let if_match = (!etag.is_empty()).then(|| format!("\"{etag}\""));
    let mut ranges = (1..size.div_ceil(chunk)).map(|i| (i * chunk, ((i + 1) * chunk).min(size) - 1));
    let mut in_flight = std::collections::VecDeque::new();
    let spawn_next = |ranges: &mut dyn Iterator<Item = (u64, u64)>| {
        ranges.next().map(|range| {
            tokio::spawn(fetch_range(
                bucket.clone(),
                key.clone(),
                range,
                if_match.clone(),
                per_range_md5,
                meter.clone(),
            ))
        })
    };
    for _ in 1..options.range_concurrency.max(1) {
        in_flight.extend(spawn_next(&mut ranges));
    }
    let result = async {
        // The first range, from the open GET; when its digest is wanted it is hashed here.
        let mut first_hash = ContentCheck::new(&[None]);
        let sink = if per_range_md5 {
            &mut first_hash
        } else {
            &mut *hasher
        };
        out.stream(key, first.body, Some(chunk), sink, meter, cancel)
            .await?;
        if out.written != chunk.min(size) {
            return Err(interrupted(key, &"the first range ended early"));
        }
        if per_range_md5 {
            hasher.add_part_digest(first_hash.digest());
        }
        while let Some(handle) = in_flight.pop_front() {
            in_flight.extend(spawn_next(&mut ranges));
            let range = tokio::select! {
                r = handle => r.map_err(|e| Error::io("a download task stopped", std::io::Error::other(e)))??,
                _ = cancel.cancelled() => return Err(Error::Cancelled),
            };
            out.write(&range.data).await?;
            match range.md5 {
                Some(md5) => hasher.add_part_digest(md5),
                None => {
                    let (h, _) =
                        blocking_hash(std::mem::replace(hasher, ContentCheck::new(&[])), range.data).await?;
                    *hasher = h;
                }
            }
        }
        Ok(())
    }
    .await;
    for handle in in_flight {
        handle.abort();
    }
    result
}

/// Hashes a range off the async threads.
async fn blocking_hash(mut hasher: ContentCheck, data: Vec<u8>) -> Result<(ContentCheck, Vec<u8>)> {
    blocking(
        move || {
            hasher.update(&data);
            Ok((hasher, data))
        },
        "cannot hash a download".into(),
    )
    .await
}

/// Where each key of a download lands: keys relative to `strip` (the listed prefix, or the
/// key's folder for single keys), mapped safely under `dir`. A key that cannot be saved is
/// returned as an error for that key alone.
pub fn target_for(dir: &Path, key: &ObjectKey, strip: &str) -> Result<LocalTarget> {
    let relative = key.as_str().strip_prefix(strip).unwrap_or(key.as_str());
    crate::local_path::map_key(dir, relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_part_etag_is_plain_md5() {
        let mut h = EtagHasher::new(None);
        h.update(b"hello ");
        h.update(b"world");
        assert_eq!(h.finish(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
    }

    #[test]
    fn multipart_etag_folds_part_md5s_whatever_the_chunking() {
        let data: Vec<u8> = (0..(12 * MIB as usize)).map(|i| (i % 253) as u8).collect();
        let part = 5 * MIB;
        let mut expected = Md5::new();
        for chunk in data.chunks(part as usize) {
            expected.update(Md5::digest(chunk));
        }
        let expected = format!("{}-3", hex(&expected.finalize()));
        let mut whole = EtagHasher::new(Some(part));
        whole.update(&data);
        assert_eq!(whole.finish(), expected);
        let mut pieces = EtagHasher::new(Some(part));
        for chunk in data.chunks(777_777) {
            pieces.update(chunk);
        }
        assert_eq!(pieces.finish(), expected);
    }

    #[test]
    fn part_sizes_are_equal_and_within_limits() {
        assert_eq!(part_size_for(100 * MIB, DEFAULT_PART_SIZE), 16 * MIB);
        assert_eq!(
            part_size_for(100 * MIB, MIB),
            5 * MIB,
            "never below S3's 5 MiB minimum"
        );
        let huge = 5 * 1024 * 1024 * MIB; // 5 TiB
        let size = part_size_for(huge, DEFAULT_PART_SIZE);
        assert!(huge.div_ceil(size) <= MAX_PARTS);
        assert_eq!(size % MIB, 0);
    }

    #[test]
    fn part_size_candidates_fit_the_part_count() {
        let c = part_size_candidates(100 * MIB, 7, None);
        assert!(c.contains(&(16 * MIB)) && c.contains(&(15 * MIB)), "{c:?}");
        assert!(c.iter().all(|p| (100 * MIB).div_ceil(*p) == 7));
        assert_eq!(
            part_size_candidates(100 * MIB, 7, Some(16 * MIB))[0],
            16 * MIB,
            "the server's word first"
        );
        assert!(
            part_size_candidates(10 * MIB, 2, Some(3 * MIB))
                .iter()
                .all(|p| *p != 3 * MIB),
            "a misfit report is ignored"
        );
    }

    #[test]
    fn etag_kinds() {
        assert_eq!(etag_kind("5eb63bbbe01eeed093cb22bb8f5acdc3"), EtagKind::Md5);
        assert_eq!(
            etag_kind("5eb63bbbe01eeed093cb22bb8f5acdc3-12"),
            EtagKind::Multipart(12)
        );
        assert_eq!(etag_kind("opaque-etag"), EtagKind::Opaque);
        assert_eq!(clean_etag("\"ABC\""), "abc");
    }

    #[tokio::test]
    async fn bounded_work_keeps_order_and_limit() {
        let running = Arc::new(AtomicU64::new(0));
        let peak = Arc::new(AtomicU64::new(0));
        let results = for_each_bounded((0..20u64).collect(), 3, |i| {
            let (running, peak) = (running.clone(), peak.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        assert_eq!(results, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
