//! Transfers: uploads and downloads that verify what arrived, report progress through a sink
//! the core owns, and stop on a cancellation token.
//!
//! Integrity: single PUTs carry Content-MD5 and the returned ETag must equal the file's MD5;
//! multipart uploads use equal-size parts (R2 rejects unequal ones), each with Content-MD5, and
//! the final ETag must equal the MD5 of the part MD5s. Downloads are hashed as they stream and
//! checked the same way before the `.part` file is renamed into place. Transient network and
//! 5xx errors are retried by the SDK's standard retry (exponential backoff with jitter);
//! 4xx errors fail at once.
//!
//! One file a concern: `upload` (planning and single PUTs), `read_ahead` (a folder's small
//! files read and hashed side by side before their PUTs), `multipart` (parts and their
//! assembly), `download` (ranged, resumable, verified downloads) and `etag` (what an ETag says
//! about content). This module holds what they share: events, the progress meter, limits.

mod checksum;
mod download;
mod etag;
mod md5_lanes;
mod md5_pool;
mod multipart;
mod read_ahead;
mod upload;

pub use crate::bounded::for_each_bounded;
pub use checksum::{encode as encode_crc, Crc64, CRC_META};
pub use download::{download, target_for, DownloadOptions, Downloaded, STALE_CHECKSUM};
pub use etag::{clean_etag, EtagCheck, EtagHasher};
pub(crate) use etag::{file_md5, hex};
pub use multipart::part_size_for;
pub use read_ahead::{Prepared, ReadAhead};
pub use upload::{
    plan_uploads, sent_from_memory, upload, upload_prepared, UploadOptions, UploadPlan, Uploaded,
};

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Serialize;

use crate::{Error, Result};

pub const MIB: u64 = 1024 * 1024;
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 64 * MIB;
pub const DEFAULT_PART_SIZE: u64 = 16 * MIB;
/// The most one request may carry, as one PutObject, one part or one UploadPartCopy: R2's
/// limit of 4.995 GiB (S3 allows 5 GiB, so this fits both).
pub const MAX_SINGLE_REQUEST: u64 = 5 * 1024 * MIB - 5 * MIB;
/// S3's and R2's limits: parts of at least 5 MiB (except the last), at most 10,000 parts.
const MIN_PART_SIZE: u64 = 5 * MIB;
const MAX_PARTS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Upload,
    Download,
}

/// One file of a batch, announced before any of them starts.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QueuedItem {
    pub key: String,
    pub local: String,
    /// Known up front for uploads; downloads learn it when they start.
    #[cfg_attr(feature = "specta", specta(type = Option<specta_typescript::Number>))]
    pub size: Option<u64>,
}

/// What a batch reports: its items once (Queued), then per transfer, in order: Started,
/// Progress…, then Finished or Failed. Transfer ids are unique within the process.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TransferEvent {
    Queued {
        direction: Direction,
        items: Vec<QueuedItem>,
    },
    Started {
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
        id: u64,
        direction: Direction,
        key: String,
        local: String,
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
        total: u64,
    },
    Progress {
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
        id: u64,
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
        done: u64,
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
        total: u64,
        bytes_per_sec: f64,
        eta_secs: Option<f64>,
    },
    Finished {
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
        id: u64,
        direction: Direction,
        key: String,
        local: String,
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
        size: u64,
        /// What a person should know about the result, e.g. that a download could not be
        /// verified, or that the content was already there.
        note: Option<String>,
    },
    Failed {
        #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
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

/// Reports a transfer that needed no bytes moved (the content was already there) as one that
/// started and finished, so progress views count it done.
pub fn report_done(sink: &dyn TransferSink, direction: Direction, key: &str, local: &str, size: u64) {
    const ALREADY_THERE: &str = "already there: nothing to copy";
    let id = next_id();
    let (key, local) = (key.to_string(), local.to_string());
    sink.event(TransferEvent::Started {
        id,
        direction,
        key: key.clone(),
        local: local.clone(),
        total: size,
    });
    sink.event(TransferEvent::Finished {
        id,
        direction,
        key,
        local,
        size,
        note: Some(ALREADY_THERE.into()),
    });
}

/// Whether the local file at `path` has exactly the content an object with `etag` holds:
/// the plain MD5, or for a multipart ETag the MD5 of part MD5s with parts of `part_size`.
pub fn same_content(path: &Path, etag: &str, part_size: Option<u64>) -> std::io::Result<bool> {
    same_content_in(std::fs::File::open(path)?, etag, part_size)
}

/// `same_content` for content read from `file` (an already opened handle).
pub fn same_content_in(
    mut file: impl std::io::Read,
    etag: &str,
    part_size: Option<u64>,
) -> std::io::Result<bool> {
    let etag = clean_etag(etag);
    let multipart = etag.contains('-');
    if multipart && part_size.is_none() {
        return Ok(false);
    }
    let mut hasher = EtagHasher::new(if multipart { part_size } else { None });
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finish() == etag)
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
            // The first report goes out with the first bytes, so a bar appears at once.
            last: Mutex::new(now.checked_sub(Duration::from_millis(100)).unwrap_or(now)),
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

/// Feeds `len` bytes of a file from `offset` (to its end, for `u64::MAX`) to `f`, a MiB at a time.
fn read_chunks(path: &Path, offset: u64, len: u64, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = file.take(len);
    let mut buf = vec![0u8; MIB as usize];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        f(&buf[..n]);
    }
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

/// The Content-MD5 header of a body: its MD5, base64.
pub fn content_md5_of(body: &[u8]) -> String {
    use md5::Digest as _;
    b64(&md5::Md5::digest(body))
}

pub(crate) fn b64(digest: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(digest)
}
