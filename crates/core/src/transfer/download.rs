//! Downloads: `.part` first, hashed while streaming, verified, then renamed; resumable.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::local_path::{create_new_file, move_to_free_name, open_existing_file, LocalTarget};
use crate::storage::Bucket;
use crate::tenant::ObjectKey;
use crate::{Error, Result};

use super::etag::{etag_kind, part_size_candidates, ContentCheck, EtagKind};
use super::md5_lanes::PartHashes;
use super::*;

#[derive(Debug, Clone)]
pub struct DownloadOptions {
    pub overwrite: bool,
    /// Files in flight at once.
    pub concurrency: usize,
    /// Ranges in flight per big file (each holds about a MiB on its way to the disk).
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
    pub size: u64,
    /// What had to change in the key to keep the file inside the folder.
    pub adjusted: Vec<String>,
    /// Bytes reused from an earlier interrupted download.
    pub resumed_from: u64,
    /// False when the server's ETag is not content-derived: only the size was checked (and,
    /// for a multipart ETag, that two reads agreed; `note` says so).
    pub checksum_verified: bool,
    /// What a person should know about this download, e.g. why it is not verified.
    pub note: Option<String>,
    /// The file was already there with the same content: nothing was fetched.
    pub already_there: bool,
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
const RANGE_SIZE: u64 = 64 * MIB;
/// Below this size a download keeps no resume marker: starting over costs less than the marker.
const RESUME_MIN: u64 = 8 * MIB;
/// Bodies up to this size, checked by their plain MD5, are held whole until they are hashed
/// (`md5_pool`): with 8 files in flight, 32 MiB at most.
const POOLED_MAX: u64 = 4 * MIB;

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
            size: done.size,
            note: done.note.clone(),
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
        Error::Changed(_) => Error::Integrity(format!(
            "'{key}' changed on the server during the download: run it again"
        )),
        e => e,
    }
}

/// The resume point of an earlier interrupted download: how much of its `.part` is a good
/// prefix, and the version it was written for. The marker reads `ETAG SIZE [PREFIX]`: a download
/// written in order leaves out PREFIX (the file's length is the prefix); one written in parallel
/// ranges records it, since bytes past it may belong to ranges that never finished. At least one
/// byte is always fetched again, since a range cannot start at the end.
fn resume_point(part: &Path, marker: &Path) -> Option<Resumable> {
    // Only our own files count: a link planted under either name is never read through.
    for path in [part, marker] {
        if !std::fs::symlink_metadata(path).ok()?.is_file() {
            return None;
        }
    }
    let stamp = std::fs::read_to_string(marker).ok()?;
    let mut fields = stamp.split_whitespace();
    let (etag, size) = (fields.next()?, fields.next()?.parse::<u64>().ok()?);
    let on_disk = std::fs::symlink_metadata(part).ok()?.len();
    let existing = match fields.next() {
        Some(prefix) => prefix.parse::<u64>().ok()?.min(on_disk),
        None => on_disk,
    };
    (existing > 0 && existing <= size && size > 0).then(|| Resumable {
        from: existing.min(size - 1),
        etag: etag.to_string(),
        size,
    })
}

struct Resumable {
    from: u64,
    etag: String,
    size: u64,
}

/// What the target's folder holds before anything is fetched.
enum OnDisk {
    /// An interrupted download of some version to resume, if the server still has it.
    Resumable(Resumable),
    /// A new empty `.part`, whatever held its name or the marker's removed first.
    Fresh(std::fs::File),
}

/// Everything a download does on disk before its GET. It runs in place on the async thread, as
/// `place` does at the end and as the writes do: these are a few metadata calls of some
/// microseconds each, while a trip to the blocking pool cost about 30 µs here in thread
/// wake-ups. Four such trips made 500 small downloads 15% slower (0.260 s against 0.221 s).
/// Reading a whole file back and `fsync` still go to the blocking pool.
fn prepare(parent: Option<&Path>, part: &Path, marker: &Path) -> Result<OnDisk> {
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    if let Some(resumable) = resume_point(part, marker) {
        return Ok(OnDisk::Resumable(resumable));
    }
    fresh_part(part, marker).map(OnDisk::Fresh)
}

/// Starting afresh, whatever holds the names goes first (a planted link is removed, never
/// written through), and the `.part` is created new.
fn fresh_part(part: &Path, marker: &Path) -> Result<std::fs::File> {
    (|| {
        remove_if_present(part)?;
        remove_if_present(marker)?;
        create_new_file(part)
    })()
    .map_err(|e| Error::io(format!("cannot write {}", part.display()), e))
}

/// What a download is checked against.
enum Expect {
    /// Cubby's own checksum of the whole object, recorded in its metadata at upload.
    Crc(u64),
    /// The ETag, hashed every way it could have been made (`ContentCheck`).
    Etag,
}

/// Digests of bytes fed in order: the CRC when the object records one, else the ETag's MD5s.
enum Running {
    Crc(Crc64),
    Etag(ContentCheck),
    /// A small body whose ETag is its plain MD5, kept as it arrived to be hashed once whole,
    /// side by side with other downloads' (`md5_pool`).
    Pooled(md5_pool::Body),
}

impl Running {
    fn update(&mut self, data: &[u8]) {
        match self {
            Running::Crc(crc) => crc.update(data),
            Running::Etag(check) => check.update(data),
            Running::Pooled(body) => body.push(bytes::Bytes::copy_from_slice(data)),
        }
    }

    /// `update` for a chunk as it came off the network: kept without a copy when pooled.
    fn update_chunk(&mut self, chunk: &bytes::Bytes) {
        match self {
            Running::Pooled(body) => body.push(chunk.clone()),
            other => other.update(chunk),
        }
    }
}

/// The part sizes a multipart ETag could have been made with (`None` for a plain MD5; nothing
/// for an ETag not derived from content). Costs a HEAD for a multipart ETag.
async fn etag_shapes(bucket: &Bucket, key: &ObjectKey, etag: &str, size: u64) -> Result<Vec<Option<u64>>> {
    Ok(match etag_kind(etag) {
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
    })
}

/// Feeds the first `len` bytes of a file to `running`, off the async threads.
async fn feed_from_file(mut running: Running, path: &Path, len: u64) -> Result<Running> {
    let owned = path.to_path_buf();
    blocking(
        move || read_chunks(&owned, 0, len, |chunk| running.update(chunk)).map(|()| running),
        format!("cannot read {}", path.display()),
    )
    .await
}

async fn download_inner(
    bucket: &Bucket,
    key: &ObjectKey,
    target: &LocalTarget,
    options: &DownloadOptions,
    start_meter: &(dyn Fn(u64) -> Arc<Meter> + Sync),
    cancel: &CancellationToken,
) -> Result<Downloaded> {
    let (part, marker) = part_paths(&target.path);
    let on_disk = prepare(target.path.parent(), &part, &marker)?;
    let mut start = 0;
    let mut first = None;
    let mut fresh = None;
    match on_disk {
        OnDisk::Fresh(file) => fresh = Some(file),
        OnDisk::Resumable(Resumable { from, etag, size }) => {
            let fetched = bucket
                .get_range(key.as_str(), from, None, Some(&format!("\"{etag}\"")))
                .await;
            match fetched {
                Ok(f)
                    if f.total == size
                        && f.etag.as_deref().map(clean_etag).as_deref() == Some(etag.as_str()) =>
                {
                    start = from;
                    first = Some(f);
                }
                // A different version now: start over.
                Ok(_) | Err(Error::Changed(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    // Until the body streams, a fresh `.part` is only litter if something fails.
    let forget_fresh = |e: Error| async {
        if fresh.is_some() {
            let _ = tokio::fs::remove_file(&part).await;
        }
        Err(e)
    };
    let first = match first {
        Some(f) => f,
        // Asked as a range, not the whole object: a parallel download reads this GET only to
        // its first ranges, and a whole-object GET cut there kept the server sending (a
        // SeaweedFS spent 0.13 s more CPU per GiB) and lost its connection.
        None => match bucket
            .get_range(key.as_str(), 0, Some(RANGE_SIZE - 1), None)
            .await
        {
            Ok(f) => f,
            Err(e) => return forget_fresh(e).await,
        },
    };
    let etag = first.etag.as_deref().map(clean_etag).unwrap_or_default();
    let size = first.total;
    let meter = start_meter(size);
    let expect = match checksum::recorded(&first.headers.metadata) {
        Some(crc) => Expect::Crc(crc),
        None => Expect::Etag,
    };
    // The ETag's shapes are only needed when there is no checksum of Cubby's (and then cost a
    // HEAD for a multipart ETag).
    let mut shapes = None;
    if matches!(expect, Expect::Etag) {
        match etag_shapes(bucket, key, &etag, size).await {
            Ok(s) => shapes = Some(s),
            Err(e) => return forget_fresh(e).await,
        }
    }
    let running = || match &shapes {
        Some(shapes) => Running::Etag(ContentCheck::new(shapes)),
        None => Running::Crc(Crc64::default()),
    };
    let parallel = start == 0 && size >= PARALLEL_MIN;
    let file = match fresh {
        Some(file) if start == 0 && size < RESUME_MIN => file,
        fresh => {
            // A parallel download records its good prefix as it grows (see `resume_point`).
            let stamp = if parallel {
                format!("{etag} {size} 0")
            } else {
                format!("{etag} {size}")
            };
            let made = (|| {
                use std::io::Write;
                if start > 0 {
                    return open_existing_file(&part)
                        .map_err(|e| Error::io(format!("cannot write {}", part.display()), e));
                }
                let file = match fresh {
                    Some(file) => file,
                    None => fresh_part(&part, &marker)?,
                };
                if size >= RESUME_MIN {
                    create_new_file(&marker)
                        .and_then(|mut m| m.write_all(stamp.as_bytes()))
                        .map_err(|e| Error::io(format!("cannot write {}", marker.display()), e))?;
                }
                Ok(file)
            })();
            match made {
                Ok(file) => file,
                Err(e) if start == 0 => {
                    let _ = tokio::fs::remove_file(&part).await;
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
    };
    let streamed = if parallel {
        let chunk = match shapes.as_deref() {
            // Ranges aligned to the parts let each range's MD5 be taken where it arrives.
            Some([Some(p)]) if (MIN_PART_SIZE..=RANGE_SIZE).contains(p) => *p,
            _ => RANGE_SIZE,
        };
        let ranges = Ranges {
            bucket,
            key,
            etag: &etag,
            size,
            chunk,
            marker: &marker,
            crc: shapes.is_none(),
            part_md5: shapes.as_deref().is_some_and(|s| s == [Some(chunk)]),
        };
        // Ranges land at scattered offsets; with the blocks reserved first, each write only
        // fills them (0.05–0.1 s less system time per GiB on ext4 here).
        crate::local_path::preallocate(&file, size);
        ranges
            .run(first, Arc::new(file), options.range_concurrency, &meter, cancel)
            .await
            .map(|(written, digests)| (written, Some(digests)))
    } else {
        let mut hasher = running();
        if start == 0 && size <= POOLED_MAX && shapes.as_deref() == Some(&[None]) {
            hasher = Running::Pooled(md5_pool::Body::begin());
        }
        if start > 0 {
            hasher = feed_from_file(hasher, &part, start).await?;
            meter.add(start);
        }
        let mut out = PartFile {
            file,
            path: &part,
            written: start,
        };
        let streamed = out.resume_at(start);
        let streamed = match streamed {
            Ok(()) => out.stream(key, first.body, &mut hasher, &meter, cancel).await,
            Err(e) => Err(e),
        };
        out.finish(streamed, options.fsync)
            .await
            .map(|written| (written, Some(Digests::Running(hasher))))
    };
    let (written, digests) = match streamed {
        Ok(done) => done,
        Err(e) => {
            if size < RESUME_MIN {
                // No marker makes this `.part` resumable: it would only be litter next to the
                // folder's real files (and overwritten by the next attempt anyway).
                let _ = tokio::fs::remove_file(&part).await;
            }
            return Err(e);
        }
    };
    if options.fsync && parallel {
        let path = part.clone();
        blocking(
            move || open_existing_file(&path)?.sync_all(),
            format!("cannot write {}", part.display()),
        )
        .await?;
    }

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
    let mut note = None;
    // What the bytes were checked against, once the recorded checksum has had its say.
    let mut check = None;
    match (&expect, digests) {
        (Expect::Crc(want), Some(Digests::Crc(got))) if got == *want => {}
        (Expect::Crc(want), Some(Digests::Running(Running::Crc(got)))) if got.finish() == *want => {}
        (Expect::Crc(_), _) => {
            // The recorded checksum disagrees. Before calling the file corrupt, ask the ETag: an
            // object rewritten by a tool that kept the old metadata would otherwise never download.
            let shapes = etag_shapes(bucket, key, &etag, size).await?;
            let hashed = feed_from_file(Running::Etag(ContentCheck::new(&shapes)), &part, size).await?;
            if let Running::Etag(c) = hashed {
                if c.matches(&etag) != Some(true) {
                    return discard(format!(
                        "'{key}' arrived corrupted (its checksum is not the one recorded at upload): the file was removed; retry"
                    ))
                    .await;
                }
            }
            note = Some(STALE_CHECKSUM.to_string());
        }
        (Expect::Etag, Some(Digests::Running(Running::Etag(c)))) => check = Some(c),
        (Expect::Etag, Some(Digests::Running(Running::Pooled(body)))) => {
            check = Some(ContentCheck::of_md5(body.digest().await));
        }
        (Expect::Etag, Some(Digests::Parts(parts))) => {
            let mut c = ContentCheck::new(shapes.as_deref().unwrap_or_default());
            for digest in parts {
                c.add_part_digest(digest);
            }
            check = Some(c);
        }
        (Expect::Etag, _) => {
            // Ranges that were not the ETag's parts: one pass over the file, in order.
            let shapes = shapes.clone().unwrap_or_default();
            if let Running::Etag(c) =
                feed_from_file(Running::Etag(ContentCheck::new(&shapes)), &part, size).await?
            {
                check = Some(c);
            }
        }
    }
    let checksum_verified = match check.map(|c| c.matches(&etag)) {
        // Checked against Cubby's own checksum above.
        None => true,
        Some(Some(true)) => true,
        // A multipart ETag may not come from the content at all: R2 made them that way only
        // for uploads since 2023-06-21, and objects copied in by Sippy or Super Slurper keep
        // their source's. A second read that gives the same bytes is what the server holds.
        Some(Some(false)) if matches!(etag_kind(&etag), EtagKind::Multipart(_)) => {
            match same_on_second_read(bucket, key, &etag, &part).await {
                Ok(true) => {
                    note = Some(NOT_FROM_CONTENT.to_string());
                    false
                }
                Ok(false) => {
                    return discard(format!(
                        "'{key}' arrived differently on a second read: the file was removed; retry"
                    ))
                    .await
                }
                Err(e) => {
                    let _ = tokio::fs::remove_file(&part).await;
                    let _ = tokio::fs::remove_file(&marker).await;
                    return Err(e);
                }
            }
        }
        Some(Some(false)) => {
            return discard(format!(
                "'{key}' arrived corrupted (its checksum is not {etag}): the file was removed; retry"
            ))
            .await
        }
        Some(None) => {
            note = Some(UNCHECKABLE.to_string());
            false
        }
    };
    // In place, like `prepare` (see there).
    let destination = place(&part, &target.path, options.overwrite).map_err(|e| {
        Error::io(
            format!("cannot move the download into {}", target.path.display()),
            e,
        )
    })?;
    if size >= RESUME_MIN {
        let _ = tokio::fs::remove_file(&marker).await;
    }
    Ok(Downloaded {
        key: key.to_string(),
        path: destination,
        size,
        adjusted: target.adjusted.clone(),
        resumed_from: start,
        checksum_verified,
        note,
        already_there: false,
    })
}

/// Said of a download whose ETag vouched for it where the checksum in its metadata did not.
pub const STALE_CHECKSUM: &str =
    "verified by its ETag: the checksum recorded at upload is out of date (the object was rewritten by another tool)";

/// Said of a download whose multipart ETag is not derived from its content.
pub const NOT_FROM_CONTENT: &str =
    "not verified: the server's ETag is not derived from the content (an older or migrated object); two reads gave the same bytes";

/// Said of a download whose ETag gives no way to check its content.
pub const UNCHECKABLE: &str =
    "not verified: the server's ETag gives no way to check the content; its size was checked";

/// Reads the object again (the same version, by `If-Match`) and compares its MD5 with the
/// downloaded file's.
async fn same_on_second_read(bucket: &Bucket, key: &ObjectKey, etag: &str, part: &Path) -> Result<bool> {
    use md5::Digest;
    let path = part.to_path_buf();
    let local = blocking(
        move || file_md5(&path, 0, u64::MAX),
        format!("cannot read {}", part.display()),
    )
    .await?;
    let mut again = bucket
        .get_range(key.as_str(), 0, None, Some(&format!("\"{etag}\"")))
        .await?;
    let mut md5 = md5::Md5::new();
    while let Some(chunk) = again.body.next().await {
        let chunk =
            chunk.map_err(|e| Error::Unreachable(format!("download of '{key}' was interrupted: {e}")))?;
        md5.update(&chunk);
    }
    Ok(md5.finalize().as_slice() == local)
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Gives the verified `.part` its name. Without `overwrite` nothing is ever replaced, not even
/// a file created under the name while the download ran: a free ` (n)` name is taken instead.
fn place(part: &Path, wanted: &Path, overwrite: bool) -> std::io::Result<PathBuf> {
    if overwrite {
        crate::local_path::replace(part, wanted)?;
        return Ok(wanted.to_path_buf());
    }
    move_to_free_name(part, wanted)
}

/// The `.part` file of a download written in order, so what it holds is a resumable prefix.
struct PartFile<'a> {
    file: std::fs::File,
    path: &'a Path,
    written: u64,
}

impl PartFile<'_> {
    fn failed(&self, e: std::io::Error) -> Error {
        Error::io(format!("cannot write {}", self.path.display()), e)
    }

    /// Cuts the file to the good prefix it resumes from and writes on from there.
    fn resume_at(&mut self, start: u64) -> Result<()> {
        use std::io::Seek;
        if start > 0 {
            self.file.set_len(start).map_err(|e| self.failed(e))?;
            self.file
                .seek(std::io::SeekFrom::Start(start))
                .map_err(|e| self.failed(e))?;
        }
        Ok(())
    }

    /// Writes and hashes a body as it arrives. Each chunk is written in place, as the parallel
    /// ranges do: a write into the page cache costs less than a trip to the blocking pool, which
    /// a small file's few chunks paid for each one.
    async fn stream(
        &mut self,
        key: &ObjectKey,
        mut body: aws_sdk_s3::primitives::ByteStream,
        hasher: &mut Running,
        meter: &Meter,
        cancel: &CancellationToken,
    ) -> Result<()> {
        use std::io::Write;
        loop {
            let chunk = tokio::select! {
                c = body.next() => c,
                _ = cancel.cancelled() => return Err(Error::Cancelled),
            };
            let Some(chunk) = chunk else { return Ok(()) };
            let chunk = chunk.map_err(|e| interrupted(key, &e))?;
            self.file.write_all(&chunk).map_err(|e| self.failed(e))?;
            self.written += chunk.len() as u64;
            hasher.update_chunk(&chunk);
            meter.add(chunk.len() as u64);
        }
    }

    /// Syncs what was written when asked; returns the bytes written. Nothing is buffered here,
    /// so on failure the prefix on disk is what `written` says.
    async fn finish(self, streamed: Result<()>, fsync: bool) -> Result<u64> {
        streamed?;
        if fsync {
            let what = format!("cannot write {}", self.path.display());
            let file = self.file;
            blocking(move || file.sync_all(), what).await?;
        }
        Ok(self.written)
    }
}

fn interrupted(key: &ObjectKey, e: &dyn std::fmt::Display) -> Error {
    Error::Unreachable(format!(
        "download of '{key}' was interrupted ({e}); run it again to resume"
    ))
}

/// What a finished download's bytes hashed to.
enum Digests {
    /// Fed in order.
    Running(Running),
    /// The CRC of the whole object, combined from its ranges'.
    Crc(u64),
    /// Each range's MD5, the ranges being the ETag's parts.
    Parts(Vec<[u8; 16]>),
    /// Nothing taken while downloading: the check reads the file once in order.
    None,
}

/// A big download as ranged GETs, `range_concurrency` in flight, each written at its offset as
/// it arrives: its CRC taken on the way, or, when ranges are the ETag's parts, its MD5 taken
/// from the file by a thread that hashes the parts side by side (`md5_lanes`). Memory per range is about
/// a MiB, whatever the range size. The first range comes from the
/// GET already open; the others are pinned to the same version with If-Match.
struct Ranges<'a> {
    bucket: &'a Bucket,
    key: &'a ObjectKey,
    etag: &'a str,
    size: u64,
    chunk: u64,
    marker: &'a Path,
    /// Take each range's CRC-64/NVME.
    crc: bool,
    /// Take each range's MD5 (the ranges are the ETag's parts).
    part_md5: bool,
}

/// Range `index` of an object of `size` bytes cut into `chunk`-byte ranges: `start..end`.
fn range_bounds(index: u64, chunk: u64, size: u64) -> (u64, u64) {
    (index * chunk, ((index + 1) * chunk).min(size))
}

impl Ranges<'_> {
    fn bounds(&self, index: u64) -> (u64, u64) {
        range_bounds(index, self.chunk, self.size)
    }

    async fn run(
        &self,
        first: crate::storage::Fetched,
        file: Arc<std::fs::File>,
        concurrency: usize,
        meter: &Arc<Meter>,
        cancel: &CancellationToken,
    ) -> Result<(u64, Digests)> {
        let count = self.size.div_ceil(self.chunk);
        // Bytes each range has on disk, from its start: the good prefix is every finished range
        // from the first, plus what the first unfinished one has.
        let progress: Arc<Vec<AtomicU64>> = Arc::new((0..count).map(|_| AtomicU64::new(0)).collect());
        let stop = cancel.child_token();
        let if_match = (!self.etag.is_empty()).then(|| format!("\"{}\"", self.etag));
        let mut tasks = tokio::task::JoinSet::new();
        let mut crcs: Vec<Option<u64>> = vec![None; count as usize];
        let hashes = self
            .part_md5
            .then(|| PartHashes::start(file.clone(), progress.clone(), self.chunk, self.size));
        let mut next = 0u64;
        let mut first = Some((first.body, first.length));
        let mut failure = None;
        let mut recorded_prefix = 0;
        while failure.is_none() && (next < count || !tasks.is_empty()) {
            while next < count && tasks.len() < concurrency.max(1) {
                // The first job takes every range the first GET reaches into.
                let (source, last) = match first.take() {
                    Some((body, covered)) => (
                        Source::Open(body, covered),
                        covered.div_ceil(self.chunk).clamp(1, count),
                    ),
                    None => (Source::Get, next + 1),
                };
                let job = RangeJob {
                    key: self.key.clone(),
                    bucket: self.bucket.clone(),
                    if_match: if_match.clone(),
                    first: next,
                    last,
                    chunk: self.chunk,
                    size: self.size,
                    file: file.clone(),
                    crc: self.crc,
                    progress: progress.clone(),
                    meter: meter.clone(),
                    stop: stop.clone(),
                };
                tasks.spawn(job.run(source));
                next = last;
            }
            match tasks.join_next().await {
                Some(Ok(Ok(done))) => {
                    for (index, crc) in done {
                        crcs[index as usize] = crc;
                    }
                    let prefix = self.prefix(&progress);
                    if prefix > recorded_prefix {
                        recorded_prefix = prefix;
                        self.record(prefix).await;
                    }
                }
                Some(Ok(Err(e))) => failure = Some(e),
                Some(Err(e)) => {
                    failure = Some(Error::io("a download task stopped", std::io::Error::other(e)))
                }
                None => {}
            }
        }
        if let Some(e) = failure {
            // Every range stops at its next chunk; then the file is cut to its good prefix, so
            // the next run resumes from there.
            stop.cancel();
            while tasks.join_next().await.is_some() {}
            let prefix = self.prefix(&progress);
            let _ = file.set_len(prefix);
            self.record(prefix).await;
            return Err(if cancel.is_cancelled() {
                Error::Cancelled
            } else {
                e
            });
        }
        let written = progress.iter().map(|p| p.load(Ordering::Relaxed)).sum();
        let digests = if self.crc {
            let mut whole = None;
            for (i, crc) in crcs.iter().enumerate() {
                let (start, end) = self.bounds(i as u64);
                let crc = crc.unwrap_or_default();
                whole = Some(match whole {
                    None => crc,
                    Some(acc) => checksum::combine(acc, crc, end - start),
                });
            }
            Digests::Crc(whole.unwrap_or_default())
        } else if let Some(parts) = hashes {
            match parts.finish().await {
                Some(parts) => Digests::Parts(parts),
                None => Digests::None,
            }
        } else {
            Digests::None
        };
        Ok((written, digests))
    }

    fn prefix(&self, progress: &[AtomicU64]) -> u64 {
        let mut prefix = 0;
        for (i, done) in progress.iter().enumerate() {
            let (start, end) = self.bounds(i as u64);
            let done = done.load(Ordering::Relaxed);
            prefix += done;
            if start + done < end {
                break;
            }
        }
        prefix
    }

    /// Records the good prefix in the resume marker (best effort: without it the next run
    /// starts over).
    async fn record(&self, prefix: u64) {
        let stamp = format!("{} {} {prefix}", self.etag, self.size);
        let marker = self.marker.to_path_buf();
        let _ = blocking(
            move || {
                use std::io::Write;
                let mut f = open_existing_file(&marker)?;
                f.set_len(0)?;
                f.write_all(stamp.as_bytes())
            },
            String::new(),
        )
        .await;
    }
}

/// Where a job's bytes come from.
enum Source {
    /// The download's first GET, already open at offset 0 and good up to the given offset.
    Open(aws_sdk_s3::primitives::ByteStream, u64),
    /// A ranged GET of its own.
    Get,
}

/// One job of a parallel download: ranges `first..last`, fetched in order by one GET, or, for
/// the first job, by the download's first GET and one more for what it did not cover.
struct RangeJob {
    key: ObjectKey,
    bucket: Bucket,
    /// Pins every GET to the version the first one saw.
    if_match: Option<String>,
    first: u64,
    last: u64,
    chunk: u64,
    size: u64,
    file: Arc<std::fs::File>,
    crc: bool,
    progress: Arc<Vec<AtomicU64>>,
    meter: Arc<Meter>,
    stop: CancellationToken,
}

impl RangeJob {
    fn bounds(&self, index: u64) -> (u64, u64) {
        range_bounds(index, self.chunk, self.size)
    }

    async fn get(&self, from: u64, to: u64) -> Result<aws_sdk_s3::primitives::ByteStream> {
        Ok(self
            .bucket
            .get_range(self.key.as_str(), from, Some(to - 1), self.if_match.as_deref())
            .await
            .map_err(changed_meanwhile(&self.key))?
            .body)
    }

    /// Streams the ranges to their places in the file; returns each one's index and CRC, when
    /// taken.
    async fn run(self, source: Source) -> Result<Vec<(u64, Option<u64>)>> {
        let (start, _) = self.bounds(self.first);
        let (_, end) = self.bounds(self.last - 1);
        // The open GET's bytes past its range would be thrown away: it is never read beyond.
        let (mut body, mut until, mut continued) = match source {
            Source::Open(body, covered) => (body, covered.min(end), false),
            Source::Get => (self.get(start, end).await?, end, true),
        };
        let mut done = Vec::new();
        let mut index = self.first;
        let mut crc = self.crc.then(Crc64::default);
        let mut at = start;
        while at < end {
            if at == until && !continued {
                body = self.get(at, end).await?;
                (until, continued) = (end, true);
            }
            let chunk = tokio::select! {
                c = body.next() => c,
                // What arrived is on disk: it may extend the prefix the next run resumes from.
                _ = self.stop.cancelled() => return Err(Error::Cancelled),
            };
            let Some(chunk) = chunk else { break };
            let mut chunk = chunk.map_err(|e| interrupted(&self.key, &e))?;
            chunk.truncate((until - at).min(chunk.len() as u64) as usize);
            // Written in place: a pwrite into the page cache costs less than handing it over.
            crate::local_path::write_all_at(&self.file, &chunk, at)
                .map_err(|e| Error::io("cannot write the download", e))?;
            self.meter.add(chunk.len() as u64);
            // Each range's share of the chunk, for its progress and CRC.
            while !chunk.is_empty() {
                let (range_start, range_end) = self.bounds(index);
                let piece = chunk.split_to(((range_end - at) as usize).min(chunk.len()));
                at += piece.len() as u64;
                // Release: the part's hasher reads back what this says is on disk.
                self.progress[index as usize].store(at - range_start, Ordering::Release);
                if let Some(crc) = &mut crc {
                    crc.update(&piece);
                }
                if at == range_end {
                    done.push((index, crc.as_mut().map(|c| std::mem::take(c).finish())));
                    index += 1;
                }
            }
        }
        if at != end {
            return Err(Error::Integrity(format!(
                "the server sent {} bytes of '{}' for a range of {}: run the download again",
                at - start,
                self.key,
                end - start
            )));
        }
        Ok(done)
    }
}

/// Where each key of a download lands: keys relative to `strip` (the listed prefix, or the
/// key's folder for single keys), mapped safely under `dir`, the file named as people see it
/// (`receipt.jpg`, not `20250127_123456_abc123_receipt.jpg`). A key that cannot be saved is
/// returned as an error for that key alone.
pub fn target_for(dir: &Path, key: &ObjectKey, strip: &str) -> Result<LocalTarget> {
    let relative = key.as_str().strip_prefix(strip).unwrap_or(key.as_str());
    let last = relative.rsplit('/').next().unwrap_or(relative);
    let shown = crate::keys::display_name(last);
    let relative = format!("{}{shown}", &relative[..relative.len() - last.len()]);
    crate::local_path::map_key(dir, &relative)
}
