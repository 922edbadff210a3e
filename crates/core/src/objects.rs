//! Deleting, copying and moving objects, always through validated keys and with the tenant
//! boundary enforced: crossing tenants needs an explicit yes from the caller.

use serde::Serialize;

use crate::error::Hint;
use crate::listing::Listing;
use crate::storage::Bucket;
use crate::tenant::{ObjectKey, Prefix};
use crate::transfer::{part_size_for, DEFAULT_PART_SIZE};
use crate::{Error, Result};

/// CopyObject copies at most 5 GiB; larger objects are copied part by part.
const MAX_SINGLE_COPY: u64 = crate::transfer::MAX_SINGLE_REQUEST;
/// DeleteObjects takes at most 1,000 keys per request.
const DELETE_BATCH: usize = 1_000;

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeleteReport {
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub deleted: u64,
    pub failed: Vec<KeyFailure>,
}

/// One object an action could not handle, and why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct KeyFailure {
    pub key: String,
    pub reason: String,
}

/// Deletes keys in batches of 1,000, reporting per-key failures instead of stopping.
pub async fn delete_keys(bucket: &Bucket, keys: &[ObjectKey]) -> Result<DeleteReport> {
    let mut report = DeleteReport::default();
    for batch in keys.chunks(DELETE_BATCH) {
        let names: Vec<String> = batch.iter().map(|k| k.as_str().to_string()).collect();
        let failed = bucket.delete_batch(&names).await?;
        report.deleted += (names.len() - failed.len()) as u64;
        report
            .failed
            .extend(failed.into_iter().map(|(key, reason)| KeyFailure { key, reason }));
    }
    Ok(report)
}

/// What a prefix delete would remove: shown to the user before they confirm.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PrefixContents {
    pub keys: Vec<ObjectKey>,
    /// Each key's size, in the same order.
    pub sizes: Vec<u64>,
    pub bytes: u64,
    /// Keys the server holds that are not valid object keys (control characters, '..', '//'),
    /// each with why: another client wrote them, and Cubby will not name them, so callers
    /// report them instead of silently leaving them out.
    pub skipped: Vec<SkippedKey>,
    /// Objects and bytes per tenant ("" for keys outside every tenant), for a confirmation
    /// that says whose files go.
    pub tenants: std::collections::BTreeMap<String, crate::listing::Usage>,
}

/// A listed key Cubby cannot act on, and why (the message of the key's validation).
#[derive(Debug, Clone, Serialize)]
pub struct SkippedKey {
    pub key: String,
    pub reason: String,
}

pub async fn list_prefix(bucket: &Bucket, prefix: &Prefix) -> Result<PrefixContents> {
    let mut contents = PrefixContents::default();
    let mut listing = Listing::new(bucket, prefix, true);
    while let Some(page) = listing.next_page().await? {
        for object in page.objects {
            match ObjectKey::parse(&object.key) {
                Ok(key) => {
                    contents.bytes += object.size;
                    let tenant = key.tenant().map(|t| t.to_string()).unwrap_or_default();
                    let usage = contents.tenants.entry(tenant).or_default();
                    usage.objects += 1;
                    usage.bytes += object.size;
                    contents.keys.push(key);
                    contents.sizes.push(object.size);
                }
                Err(e) => contents.skipped.push(SkippedKey {
                    key: object.key,
                    reason: e.to_string(),
                }),
            }
        }
    }
    Ok(contents)
}

/// Refuses a copy or move between tenants unless the caller confirmed it.
pub fn check_tenants(from: &ObjectKey, to: &ObjectKey, cross_tenant: bool) -> Result<()> {
    let (a, b) = (from.tenant(), to.tenant());
    if a != b && !cross_tenant {
        let name =
            |t: Option<crate::tenant::TenantId>| t.map(|t| t.to_string()).unwrap_or_else(|| "(none)".into());
        return Err(Error::invalid(format!(
            "'{from}' and '{to}' belong to different tenants ({} → {})",
            name(a),
            name(b)
        ))
        .hint(Hint::CrossTenant));
    }
    Ok(())
}

/// Server-side copy keeping metadata and Content-Type; multipart copy above 5 GiB. Refuses to
/// replace an existing destination unless `overwrite`.
pub async fn copy(bucket: &Bucket, from: &ObjectKey, to: &ObjectKey, overwrite: bool) -> Result<()> {
    copy_in_parts_above(bucket, from, to, overwrite, MAX_SINGLE_COPY).await
}

/// `copy`, with objects above `single` bytes copied in parts (tests lower it).
async fn copy_in_parts_above(
    bucket: &Bucket,
    from: &ObjectKey,
    to: &ObjectKey,
    overwrite: bool,
    single: u64,
) -> Result<()> {
    if from == to {
        return Err(Error::invalid(format!("'{from}' cannot be copied onto itself")));
    }
    let info = bucket.head(from.as_str()).await?;
    if !overwrite {
        match bucket.head(to.as_str()).await {
            Ok(_) => return Err(Error::AlreadyExists(format!("'{to}' already exists")).hint(Hint::Overwrite)),
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if info.size <= single {
        bucket.copy_guarded(from.as_str(), to.as_str(), overwrite).await?;
    } else {
        // Everything the object carries goes with it: type, metadata, and how it presents
        // itself (Cache-Control, Content-Disposition, …), as a single-request copy keeps them.
        let upload_id = bucket.create_multipart(to.as_str(), &info.headers()).await?;
        let part = part_size_for(info.size, DEFAULT_PART_SIZE.max(512 * 1024 * 1024));
        let mut parts = Vec::new();
        let mut offset = 0;
        let mut number = 1;
        let result: Result<()> = async {
            while offset < info.size {
                let last = (offset + part).min(info.size) - 1;
                let etag = bucket
                    .upload_part_copy(from.as_str(), to.as_str(), &upload_id, number, offset, last)
                    .await?;
                parts.push((number, etag));
                offset = last + 1;
                number += 1;
            }
            bucket
                .complete_multipart(to.as_str(), &upload_id, parts, !overwrite)
                .await?;
            Ok(())
        }
        .await;
        if let Err(e) = result {
            let _ = bucket.abort_multipart(to.as_str(), &upload_id).await;
            return Err(e);
        }
    }
    let copied = bucket.head(to.as_str()).await?;
    if copied.size != info.size {
        return Err(Error::Integrity(format!(
            "the copy of '{from}' has {} bytes, the original {}: the original was kept",
            copied.size, info.size
        )));
    }
    Ok(())
}

/// Copy, verify, then delete the original: a failed copy never loses the source.
pub async fn rename(bucket: &Bucket, from: &ObjectKey, to: &ObjectKey, overwrite: bool) -> Result<()> {
    copy(bucket, from, to, overwrite).await?;
    bucket.delete(from.as_str()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{ObjectHeaders, Presentation};

    #[tokio::test]
    async fn a_copy_in_parts_keeps_everything_the_object_carries() {
        let bucket = Bucket::in_memory("b");
        let from = ObjectKey::parse("acme/documents/report.pdf").unwrap();
        let to = ObjectKey::parse("acme/documents/copy.pdf").unwrap();
        let headers = ObjectHeaders {
            content_type: Some("application/pdf".into()),
            metadata: [("origin".to_string(), "scanner".to_string())].into(),
            presentation: Presentation {
                cache_control: Some("max-age=60".into()),
                content_disposition: Some("attachment; filename=\"report.pdf\"".into()),
                content_encoding: Some("identity".into()),
                content_language: Some("en".into()),
                expires: Some("Wed, 21 Oct 2026 07:28:00 GMT".into()),
            },
        };
        let id = bucket.create_multipart(from.as_str(), &headers).await.unwrap();
        let body = b"%PDF-1.4 a report".to_vec();
        let md5 = crate::transfer::content_md5_of(&body);
        let part = bucket
            .upload_part(from.as_str(), &id, 1, body, &md5)
            .await
            .unwrap();
        bucket
            .complete_multipart(from.as_str(), &id, vec![(1, part)], true)
            .await
            .unwrap();
        // Above the one-request limit (lowered here to a byte): copied part by part.
        copy_in_parts_above(&bucket, &from, &to, false, 1).await.unwrap();
        assert_eq!(bucket.head(to.as_str()).await.unwrap().headers(), headers);
        assert_eq!(bucket.get(to.as_str()).await.unwrap(), b"%PDF-1.4 a report");
    }
}
