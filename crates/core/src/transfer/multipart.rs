//! Multipart uploads: equal parts (R2 rejects unequal ones), each with Content-MD5, and an
//! assembled ETag that must equal the MD5 of the part MD5s.

use std::sync::Arc;

use md5::{Digest, Md5};
use tokio_util::sync::CancellationToken;

use crate::storage::Bucket;
use crate::{Error, Result};

use super::upload::landed;
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
    let count = plan.size.div_ceil(part_size).max(1);
    // The whole file's checksum goes into the object's metadata, which is fixed when the upload
    // starts: one read at memory speed before any part is sent.
    let crc = {
        let (path, size) = (plan.local.clone(), plan.size);
        blocking(
            move || checksum::file_crc(&path, 0, size),
            format!("cannot read {}", plan.local.display()),
        )
        .await?
    };
    let upload_id = bucket.create_multipart(&key, &plan.headers(crc)).await?;
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
                let mut crc = Crc64::default();
                crc.update(&body);
                let crc = (crc.finish(), len);
                let number = index as i32 + 1;
                let content_md5 = b64(&digest);
                let etag = tokio::select! {
                    r = bucket.upload_part(&key, &upload_id, number, body, &content_md5) => r?,
                    _ = cancel.cancelled() => return Err(Error::Cancelled),
                };
                meter.add(len);
                Ok((number, etag, digest, crc))
            }
        }
    };
    let results = for_each_bounded(parts, options.part_concurrency, work).await;
    type Part = (i32, String, [u8; 16], (u64, u64));
    let outcome: Result<Vec<Part>> = results.into_iter().map(|r| r.and_then(|part| part)).collect();
    // The parts as sent must be the file the checksum was taken of: a file rewritten in place
    // between the two reads (same size, same modification time) would otherwise be recorded
    // with a checksum of other bytes.
    let outcome = outcome.and_then(|parts| {
        let sent = parts.iter().fold(None, |acc, (_, _, _, (crc, len))| match acc {
            None => Some(*crc),
            Some(acc) => Some(checksum::combine(acc, *crc, *len)),
        });
        match sent {
            Some(sent) if sent != crc => Err(Error::Integrity(format!(
                "{} changed while it was uploading; upload it again once it is complete",
                plan.local.display()
            ))),
            _ => Ok(parts),
        }
    });
    // The ETag the assembled object must have, once every part is stored.
    let mut expected = None;
    let finished = match outcome {
        Ok(parts) => {
            let mut all = Md5::new();
            for (_, _, digest, _) in &parts {
                all.update(digest);
            }
            let etag = format!("{}-{}", hex(&all.finalize()), parts.len());
            expected = Some(etag.clone());
            let list = parts.into_iter().map(|(n, etag, _, _)| (n, etag)).collect();
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
