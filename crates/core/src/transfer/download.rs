//! Downloads: `.part` first, hashed while streaming, verified, then renamed; resumable.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use md5::{Digest, Md5};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use crate::local_path::{create_new_file, move_to_free_name, open_existing_file, LocalTarget};
use crate::storage::Bucket;
use crate::tenant::ObjectKey;
use crate::{Error, Result};

use super::etag::{etag_kind, part_size_candidates, ContentCheck, EtagKind};
use super::*;

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

/// The resume point of an earlier interrupted download: its `.part` length and the version it
/// was written for. At least one byte is always fetched again, since a range cannot start at
/// the end.
async fn resume_point(part: &Path, marker: &Path) -> Option<(u64, String, u64)> {
    // Only our own files count: a link planted under either name is never read through.
    for path in [part, marker] {
        if !tokio::fs::symlink_metadata(path).await.ok()?.is_file() {
            return None;
        }
    }
    let stamp = tokio::fs::read_to_string(marker).await.ok()?;
    let (etag, size) = stamp.trim().split_once(' ')?;
    let size: u64 = size.parse().ok()?;
    let existing = tokio::fs::symlink_metadata(part).await.ok()?.len();
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
            Ok(_) | Err(Error::Changed(_)) => {}
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
    let file = {
        let what = format!("cannot write {}", part.display());
        let (part, marker, stamp) = (part.clone(), marker.clone(), format!("{etag} {size}"));
        blocking(
            move || {
                use std::io::Write;
                // Starting afresh, whatever holds the names goes first (a planted link is
                // removed, never written through), and the files are created new.
                if start == 0 {
                    remove_if_present(&part)?;
                    remove_if_present(&marker)?;
                    if size >= RESUME_MIN {
                        create_new_file(&marker)?.write_all(stamp.as_bytes())?;
                    }
                    create_new_file(&part)
                } else {
                    open_existing_file(&part)
                }
            },
            what,
        )
        .await?
    };
    let mut file = tokio::fs::File::from_std(file);
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
    let mut note = None;
    let checksum_verified = match hasher.matches(&etag) {
        Some(true) => true,
        // A multipart ETag may not come from the content at all: R2 made them that way only
        // for uploads since 2023-06-21, and objects copied in by Sippy or Super Slurper keep
        // their source's. A second read that gives the same bytes is what the server holds.
        Some(false) if matches!(etag_kind(&etag), EtagKind::Multipart(_)) => {
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
        Some(false) => {
            return discard(format!(
                "'{key}' arrived corrupted (its checksum is not {etag}): the file was removed; retry"
            ))
            .await
        }
        None => {
            note = Some(UNCHECKABLE.to_string());
            false
        }
    };
    let destination = {
        let (part, wanted, overwrite) = (part.clone(), target.path.clone(), options.overwrite);
        blocking(
            move || place(&part, &wanted, overwrite),
            format!("cannot move the download into {}", target.path.display()),
        )
        .await?
    };
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
