//! Multipart uploads: equal parts (R2 rejects unequal ones), each with Content-MD5, and an
//! assembled ETag that must equal the MD5 of the part MD5s.

use std::sync::Arc;

use md5::{Digest, Md5};
use tokio_util::sync::CancellationToken;

use crate::storage::Bucket;
use crate::{Error, Result};

use super::upload::{changed_while_uploading, landed};
use super::*;

/// Part size: at least the configured size and 5 MiB, and large enough for ≤ 10,000 parts,
/// rounded up to whole MiB. Every part but the last has exactly this size.
pub fn part_size_for(size: u64, configured: u64) -> u64 {
    let needed = size.div_ceil(MAX_PARTS);
    configured.max(MIN_PART_SIZE).max(needed).div_ceil(MIB) * MIB
}

pub(super) async fn upload_multipart(
    bucket: &Bucket,
    plan: &UploadPlan,
    options: &UploadOptions,
    meter: &Arc<Meter>,
    cancel: &CancellationToken,
) -> Result<String> {
    let key = plan.key.as_str().to_string();
    let part_size = part_size_for(plan.size, options.part_size);
    // Every part's MD5 (its Content-MD5) and the whole file's checksum (in the object's
    // metadata, which is fixed when the upload starts) in one read before any part is sent.
    // The parts then go straight from the file: should it change meanwhile, a part no longer
    // matches its Content-MD5 and the server refuses it, and the assembled ETag would not
    // match either.
    let digests = {
        let (path, size) = (plan.local.clone(), plan.size);
        blocking(
            move || md5_lanes::file_parts(&std::fs::File::open(&path)?, size, part_size),
            format!("cannot read {}", plan.local.display()),
        )
        .await?
    };
    let crc = digests
        .iter()
        .enumerate()
        .map(|(i, (_, crc))| (*crc, part_size.min(plan.size - i as u64 * part_size)))
        .reduce(|(a, _), (b, len)| (checksum::combine(a, b, len), len))
        .map_or(0, |(crc, _)| crc);
    let digests = Arc::new(digests);
    let upload_id = bucket.create_multipart(&key, &plan.headers(crc)).await?;
    let parts: Vec<u64> = (0..digests.len() as u64).collect();
    let work = {
        let (bucket, key, upload_id, path) =
            (bucket.clone(), key.clone(), upload_id.clone(), plan.local.clone());
        let (meter, cancel, size, digests) = (meter.clone(), cancel.clone(), plan.size, digests.clone());
        move |index: u64| {
            let (bucket, key, upload_id, path) =
                (bucket.clone(), key.clone(), upload_id.clone(), path.clone());
            let (meter, cancel, digests) = (meter.clone(), cancel.clone(), digests.clone());
            async move {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                let offset = index * part_size;
                let len = part_size.min(size - offset);
                let number = index as i32 + 1;
                let content_md5 = b64(&digests[index as usize].0);
                let sent =
                    bucket.upload_file_part(&key, &upload_id, number, &path, offset, len, &content_md5);
                let etag = tokio::select! {
                    r = sent => r.map_err(|e| changed_if_refused(e, &path))?,
                    _ = cancel.cancelled() => return Err(Error::Cancelled),
                };
                meter.add(len);
                Ok((number, etag))
            }
        }
    };
    let results = for_each_bounded(parts, options.part_concurrency, work).await;
    let outcome: Result<Vec<(i32, String)>> = results.into_iter().map(|r| r.and_then(|part| part)).collect();
    // The ETag the assembled object must have, once every part is stored.
    let mut all = Md5::new();
    for (digest, _) in digests.iter() {
        all.update(digest);
    }
    let expected = format!("{}-{}", hex(&all.finalize()), digests.len());
    let completed = match outcome {
        Ok(parts) => Ok(bucket
            .complete_multipart(&key, &upload_id, parts, !options.overwrite)
            .await),
        Err(e) => Err(e),
    };
    let etag = match completed {
        Ok(Ok(etag)) => etag,
        // A completion whose answer was lost (dropped, stalled, truncated) and whose retry was
        // refused (NoSuchUpload, or 412 against the object it made): when the bucket holds
        // exactly our parts the upload is done. Reporting failure would make the user send it
        // twice.
        Ok(Err(e)) if !matches!(e, Error::Cancelled) => match landed(bucket, &key, &expected).await {
            Some(etag) => Some(etag),
            None => {
                let _ = bucket.abort_multipart(&key, &upload_id).await;
                return Err(e);
            }
        },
        Ok(Err(e)) | Err(e) => {
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

/// A part the server refused for its Content-MD5 was not the bytes hashed before the upload
/// started: the file changed, which is what the user can act on.
fn changed_if_refused(e: Error, path: &std::path::Path) -> Error {
    match e.kind() {
        Error::Storage(message) if message.contains("BadDigest") => changed_while_uploading(path),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
