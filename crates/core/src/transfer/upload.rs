//! Uploads: planning keys for files, and single verified PUTs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use md5::Digest as _;

use crate::detect::detect;
use crate::error::Hint;
use crate::keys::scheme_key;
use crate::storage::{Bucket, ObjectHeaders};
use crate::tenant::{Category, CategoryChoice, ObjectKey, TenantId};
use crate::{Error, Result};

use super::multipart::upload_multipart;
use super::read_ahead::Prepared;
use super::*;

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
    #[serde(serialize_with = "crate::wire::etag")]
    pub etag: String,
    /// The same content was already in the folder under this key: nothing was sent.
    pub already_there: bool,
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
            "an exact key names one object but {} files were given",
            files.len()
        ))
        .hint(Hint::OneFileForKey));
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

impl UploadPlan {
    /// What the object carries besides its bytes: its type and Cubby's checksum of its content.
    pub(super) fn headers(&self, crc: u64) -> ObjectHeaders {
        let mut headers = ObjectHeaders::typed(Some(&self.content_type));
        headers
            .metadata
            .insert(CRC_META.to_string(), checksum::encode(crc));
        headers
    }
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
            let Ok(meta) = std::fs::symlink_metadata(&entry) else {
                continue;
            };
            let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            // Inside a folder, skip what a watched folder skips: lock and temporary files, and
            // empty files (an editor's placeholder, a copy not yet written).
            if meta.file_type().is_symlink()
                || (meta.is_file() && (meta.len() == 0 || crate::watcher::is_ignored(name, &[])))
            {
                continue;
            }
            collect_files(&entry, out)?;
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

/// A file's size and modification time: what says it did not change while it uploaded.
pub(super) type Fingerprint = (u64, Option<std::time::SystemTime>);

pub(super) fn fingerprint(path: &Path) -> Result<Fingerprint> {
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
    upload_prepared(bucket, plan, options, None, sink, cancel).await
}

/// Whether `plan` goes as one PUT of a body read whole into memory, as `ReadAhead` prepares.
pub fn sent_from_memory(plan: &UploadPlan, options: &UploadOptions) -> bool {
    plan.size <= IN_MEMORY && !is_multipart(plan.size, options)
}

fn is_multipart(size: u64, options: &UploadOptions) -> bool {
    // Above what one request may carry, parts whatever the threshold says.
    size >= options.multipart_threshold.min(MAX_SINGLE_REQUEST)
}

/// `upload`, with the file already read and hashed when `prepared` (see `ReadAhead`).
pub async fn upload_prepared(
    bucket: &Bucket,
    plan: &UploadPlan,
    options: &UploadOptions,
    prepared: Option<Prepared>,
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
        prepared,
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
            size: done.size,
            note: None,
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
    prepared: Option<Prepared>,
    meter: Arc<Meter>,
    cancel: &CancellationToken,
) -> Result<Uploaded> {
    let key = plan.key.as_str();
    // What the file was when it was read ahead; the check after the PUT compares with that.
    let before = match &prepared {
        Some(p) => p.before,
        None => fingerprint(&plan.local)?,
    };
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
                return Err(Error::AlreadyExists(format!("'{key}' already exists")).hint(Hint::Overwrite))
            }
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let etag = if is_multipart(plan.size, options) {
        upload_multipart(bucket, plan, options, &meter, cancel).await?
    } else {
        upload_single(bucket, plan, options, prepared, &meter, cancel).await?
    };
    if fingerprint(&plan.local)? != before {
        if !options.overwrite {
            let _ = bucket.delete(key).await;
        }
        return Err(changed_while_uploading(&plan.local));
    }
    Ok(Uploaded {
        key: key.to_string(),
        local: plan.local.clone(),
        size: plan.size,
        etag,
        already_there: false,
    })
}

async fn upload_single(
    bucket: &Bucket,
    plan: &UploadPlan,
    options: &UploadOptions,
    prepared: Option<Prepared>,
    meter: &Meter,
    cancel: &CancellationToken,
) -> Result<String> {
    let key = plan.key.as_str();
    let size = plan.size;
    // A small file is read once and sent from memory; a larger one is hashed, then streamed
    // from disk, so no more than `IN_MEMORY` is held per file.
    let (body, digest, crc) = match prepared {
        Some(p) if p.body.len() as u64 == size => (Some(Vec::from(p.body)), p.md5, p.crc),
        _ => read_and_hash(plan.local.clone(), size).await?,
    };
    let content_md5 = b64(&digest);
    let headers = plan.headers(crc);
    let if_absent = !options.overwrite;
    let put = async {
        match body {
            Some(body) => {
                bucket
                    .put_body(key, body, &headers, &content_md5, if_absent)
                    .await
            }
            None => {
                bucket
                    .put_file(key, &plan.local, size, &headers, &content_md5, if_absent)
                    .await
            }
        }
    };
    let expected = hex(&digest);
    let etag = tokio::select! {
        r = put => match r {
            // The SDK retries a PUT whose answer was lost; the retry's `If-None-Match: *` then
            // meets the object the first attempt stored. Our own bytes under the key are success,
            // not a conflict: reporting failure would make the user upload it a second time.
            // (An object that was there before is caught by the HEAD above or by `known_new`.)
            Err(e) if !options.overwrite && matches!(e.kind(), Error::AlreadyExists(_)) => {
                match landed(bucket, key, &expected).await {
                    Some(etag) => Some(etag),
                    None => return Err(e),
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

/// A file's body when it is sent from memory (`None` when it is streamed), MD5 and CRC.
async fn read_and_hash(path: PathBuf, size: u64) -> Result<(Option<Vec<u8>>, [u8; 16], u64)> {
    let what = format!("cannot read {}", path.display());
    blocking(
        move || {
            if size > IN_MEMORY {
                let (digest, crc) = checksum::file_digests(&path, 0, size)?;
                return Ok((None, digest, crc));
            }
            let body = crate::local_path::read_range(&path, 0, size)?;
            let mut crc = Crc64::default();
            crc.update(&body);
            let digest: [u8; 16] = md5::Md5::digest(&body).into();
            Ok((Some(body), digest, crc.finish()))
        },
        what,
    )
    .await
}

/// Files up to this size are uploaded from memory, read once.
const IN_MEMORY: u64 = 2 * MIB;

pub(super) fn changed_while_uploading(path: &Path) -> Error {
    Error::Integrity(format!(
        "{} changed while it was uploading; upload it again once it is complete",
        path.display()
    ))
}

/// The ETag of `key` when the bucket holds exactly the content whose ETag is `expected`: how a
/// write whose answer was lost (the connection dropped after the server stored it) is recognised.
pub(super) async fn landed(bucket: &Bucket, key: &str, expected: &str) -> Option<String> {
    let info = bucket.head(key).await.ok()?;
    let etag = info.etag.as_deref().map(clean_etag)?;
    (etag == expected).then_some(etag)
}
