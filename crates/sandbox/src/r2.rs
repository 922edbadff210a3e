//! R2 mode: the sandbox refuses what Cloudflare R2 documents it refuses, and nothing more, so
//! code that passes here does not meet a documented R2 refusal on its first day on a real
//! bucket. Each rule names the page of R2's documentation it comes from
//! (developers.cloudflare.com/r2/…). Undocumented behaviour is left as s3s-fs answers it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use s3s::access::S3AccessContext;
use s3s::{s3_error, S3Result};

/// What R2 mode enforces; `Default` is R2's documented numbers.
#[derive(Debug, Clone)]
pub struct R2Rules {
    /// The most one request may carry: a PutObject, an UploadPart, a CopyObject, an
    /// UploadPartCopy range. R2: 4.995 GiB (platform/limits). Lower it in tests.
    pub max_request: u64,
    /// Give completed multipart uploads an ETag not derived from their parts, as R2's objects
    /// from before 2023-06-21 and migrated ones have (`legacy`).
    pub legacy_etags: bool,
}

impl Default for R2Rules {
    fn default() -> Self {
        R2Rules {
            max_request: 5 * 1024 * 1024 * 1024 - 5 * 1024 * 1024,
            legacy_etags: false,
        }
    }
}

/// R2's copy guard (api/s3/extensions): refuse when the destination exists.
const COPY_IF_NONE_MATCH: &str = "cf-copy-destination-if-none-match";
/// Presigned URLs live from 1 second to 7 days (api/s3/presigned-urls).
const MAX_PRESIGN_SECS: u64 = 7 * 24 * 3600;

pub(crate) struct R2Checks {
    rules: R2Rules,
    root: PathBuf,
    /// Each open multipart upload's part sizes by part number, as their UploadParts declared.
    parts: Mutex<HashMap<String, BTreeMap<u32, u64>>>,
}

fn query<'a>(cx: &'a S3AccessContext<'_>, name: &str) -> Option<&'a str> {
    cx.uri().query()?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then_some(v)
    })
}

fn header<'a>(cx: &'a S3AccessContext<'_>, name: &str) -> Option<&'a str> {
    cx.headers().get(name).and_then(|v| v.to_str().ok())
}

fn content_length(cx: &S3AccessContext<'_>) -> Option<u64> {
    header(cx, "content-length").and_then(|v| v.parse().ok())
}

impl R2Checks {
    pub(crate) fn new(rules: R2Rules, root: &Path) -> Self {
        R2Checks {
            rules,
            root: root.to_path_buf(),
            parts: Mutex::new(HashMap::new()),
        }
    }

    fn too_large(&self, what: &str, size: u64) -> S3Result<()> {
        if size > self.rules.max_request {
            return Err(s3_error!(
                EntityTooLarge,
                "{what} of {size} bytes is over the {} bytes one request may carry",
                self.rules.max_request
            ));
        }
        Ok(())
    }

    fn object(&self, bucket: &str, key: &str) -> PathBuf {
        self.root.join(bucket).join(key)
    }

    pub(crate) fn check(&self, cx: &S3AccessContext<'_>) -> S3Result<()> {
        if let Some(expires) = query(cx, "X-Amz-Expires") {
            let ok = expires
                .parse::<u64>()
                .is_ok_and(|s| (1..=MAX_PRESIGN_SECS).contains(&s));
            if !ok {
                return Err(s3_error!(
                    AuthorizationQueryParametersError,
                    "X-Amz-Expires must be between 1 and {MAX_PRESIGN_SECS} seconds"
                ));
            }
        }
        let (bucket, key) = match cx.s3_path() {
            s3s::path::S3Path::Bucket { bucket } => (bucket.to_string(), None),
            s3s::path::S3Path::Object { bucket, key } => (bucket.to_string(), Some(key.to_string())),
            s3s::path::S3Path::Root => (String::new(), None),
        };
        match cx.s3_op().name() {
            // buckets/create-buckets: lowercase letters, digits and hyphens; 3-63 characters;
            // a letter or digit at each end.
            "CreateBucket" if !valid_bucket_name(&bucket) => {
                return Err(s3_error!(
                    InvalidBucketName,
                    "The specified bucket name is not valid."
                ));
            }
            // platform/limits: one upload of at most 4.995 GiB.
            "PutObject" => self.too_large("an upload", content_length(cx).unwrap_or(0))?,
            // platform/limits: parts of at most 4.995 GiB; objects/multipart-objects: every
            // part but the last the same size, checked when the upload is completed.
            "UploadPart" => {
                let size = content_length(cx).unwrap_or(0);
                self.too_large("a part", size)?;
                if let (Some(id), Some(number)) = (query(cx, "uploadId"), query(cx, "partNumber")) {
                    if let Ok(number) = number.parse::<u32>() {
                        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
                        parts.entry(id.to_string()).or_default().insert(number, size);
                    }
                }
            }
            "CompleteMultipartUpload" => {
                if let Some(id) = query(cx, "uploadId") {
                    let sizes = self
                        .parts
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(id)
                        .unwrap_or_default();
                    let sizes: Vec<u64> = sizes.into_values().collect();
                    if let Some((last, rest)) = sizes.split_last() {
                        let first = rest.first().copied().unwrap_or(*last);
                        if rest.iter().any(|s| *s != first) || *last > first {
                            return Err(s3_error!(
                                InvalidPart,
                                "All non-trailing parts must have the same length."
                            ));
                        }
                    }
                }
            }
            "AbortMultipartUpload" => {
                if let Some(id) = query(cx, "uploadId") {
                    self.parts.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
                }
            }
            "CopyObject" => {
                let key = key.unwrap_or_default();
                if header(cx, COPY_IF_NONE_MATCH) == Some("*") && self.object(&bucket, &key).is_file() {
                    return Err(s3_error!(
                        PreconditionFailed,
                        "At least one of the pre-conditions you specified did not hold"
                    ));
                }
                if let Some(source) = header(cx, "x-amz-copy-source").and_then(copy_source) {
                    let size = std::fs::metadata(self.root.join(source))
                        .map(|m| m.len())
                        .unwrap_or(0);
                    self.too_large("a copy", size)?;
                }
            }
            "UploadPartCopy" => {
                let range = header(cx, "x-amz-copy-source-range")
                    .and_then(|r| r.strip_prefix("bytes="))
                    .and_then(|r| r.split_once('-'))
                    .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
                if let Some((first, last)) = range {
                    self.too_large("a copied part", last.saturating_sub(first) + 1)?;
                }
            }
            // api/s3/api: PutBucketCors does not support x-amz-sdk-checksum-algorithm.
            "PutBucketCors" if cx.headers().contains_key("x-amz-sdk-checksum-algorithm") => {
                return Err(s3_error!(
                    NotImplemented,
                    "Header 'x-amz-sdk-checksum-algorithm' is not implemented"
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

fn valid_bucket_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && edge(name.chars().next())
        && edge(name.chars().last())
}

/// `bucket/key` from an `x-amz-copy-source` header (URL-encoded, maybe with a leading slash).
fn copy_source(header: &str) -> Option<PathBuf> {
    let decoded = percent_decode(header.trim_start_matches('/').split('?').next()?)?;
    let path = PathBuf::from(decoded);
    // Never outside the served folder, whatever the header says.
    path.components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then_some(path)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_r2s_rule() {
        for ok in ["receipts", "oasys360-prod", "a1b"] {
            assert!(valid_bucket_name(ok), "{ok}");
        }
        for bad in [
            "receipts.2026",
            "Receipts",
            "-receipts",
            "ab",
            "receipts_2026",
            &"a".repeat(64),
        ] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
    }

    #[test]
    fn copy_sources_decode_and_stay_inside() {
        assert_eq!(
            copy_source("/b/acme/documents/a%20b.pdf"),
            Some(PathBuf::from("b/acme/documents/a b.pdf"))
        );
        assert_eq!(copy_source("b/../../etc/passwd"), None);
        assert_eq!(copy_source("b/x%zz"), None);
    }
}
