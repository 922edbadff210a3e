//! The deep check (`cubby profile test --deep`, "Check everything" in the window): every
//! operation Cubby relies on, run for real against the user's endpoint in a scratch prefix
//! under `.cubby/`, each reported as works, ignored (the server accepted what it should have
//! refused) or refused (the server rejects what Cubby would send). The answers about guards
//! are remembered in the profile (`EndpointChecks`) and decide what Cubby sends there
//! (`storage::headers::Guards`).

use std::time::Duration;

use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

use crate::storage::{Bucket, ObjectHeaders};
use crate::transfer::{clean_etag, content_md5_of, MIB};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Does what S3 documents.
    Works,
    /// Accepted, but the rule or header had no effect (a guard that did not guard).
    Ignored,
    /// Answered with an error: Cubby must not send it there.
    Refused,
    /// An operation Cubby needs failed.
    Failed,
}

/// What a deep check learned about the guards an endpoint honours, kept in the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EndpointChecks {
    /// `If-None-Match: *` on PutObject.
    pub put_guard: Verdict,
    /// `If-None-Match: *` on CompleteMultipartUpload.
    pub complete_guard: Verdict,
    /// The copy guard Cubby sends there (S3's `If-None-Match`, or R2's own header).
    pub copy_guard: Verdict,
    /// When the check ran (RFC 3339).
    pub checked_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    Put,
    ContentMd5,
    PutGuard,
    Multipart,
    CompleteGuard,
    PartHead,
    RangedGet,
    IfMatch,
    CopyGuard,
    DeleteMany,
    PresignedGet,
    PresignedPut,
    Cors,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Check {
    pub id: CheckId,
    pub label: String,
    pub verdict: Verdict,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeepReport {
    /// No operation Cubby needs failed. Ignored or refused guards leave it true: Cubby adapts.
    pub ok: bool,
    pub summary: String,
    pub checks: Vec<Check>,
    /// What Cubby will do differently at this endpoint from now on.
    pub learned: EndpointChecks,
}

struct Run {
    checks: Vec<Check>,
}

impl Run {
    fn record(&mut self, id: CheckId, label: &str, verdict: Verdict, detail: Option<String>) -> Verdict {
        self.checks.push(Check {
            id,
            label: label.to_string(),
            verdict,
            detail,
        });
        verdict
    }

    /// A step Cubby needs: works, or failed with the reason.
    fn needed<T>(&mut self, id: CheckId, label: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => {
                self.record(id, label, Verdict::Works, None);
                Some(value)
            }
            Err(e) => {
                self.record(id, label, Verdict::Failed, Some(e.to_string()));
                None
            }
        }
    }

    /// A guard sent where the key is taken: refused with 412 is the guard working.
    fn guard<T>(&mut self, id: CheckId, label: &str, result: Result<T>) -> Verdict {
        match result {
            Err(e) if e.code() == "already_exists" || e.code() == "precondition_failed" => {
                self.record(id, label, Verdict::Works, None)
            }
            Ok(_) => self.record(
                id,
                label,
                Verdict::Ignored,
                Some("the server replaced the object anyway: Cubby looks first there".into()),
            ),
            Err(e) => self.record(
                id,
                label,
                Verdict::Refused,
                Some(format!("{e}: Cubby will not send it there")),
            ),
        }
    }
}

/// One plain HTTP request, as a browser or curl would send a presigned URL.
async fn fetch(method: &str, url: &str, content_type: Option<&str>, body: Vec<u8>) -> Result<(u16, Vec<u8>)> {
    let connector = aws_smithy_http_client::Connector::builder()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build();
    let failed = |e: &dyn std::fmt::Display| Error::Unreachable(format!("fetching a signed URL failed: {e}"));
    let mut request = aws_smithy_runtime_api::http::Request::new(SdkBody::from(body));
    request.set_method(method).map_err(|e| failed(&e))?;
    request.set_uri(url).map_err(|e| failed(&e))?;
    if let Some(ct) = content_type {
        request.headers_mut().insert("content-type", ct.to_string());
    }
    let response = tokio::time::timeout(Duration::from_secs(30), connector.call(request))
        .await
        .map_err(|_| failed(&"no answer in 30 s"))?
        .map_err(|e| failed(&e))?;
    let status = response.status().as_u16();
    let bytes = ByteStream::new(response.into_body())
        .collect()
        .await
        .map_err(|e| failed(&e))?
        .into_bytes()
        .to_vec();
    Ok((status, bytes))
}

/// Runs every check in a scratch prefix and removes what it wrote. `bucket` must send every
/// guard (`Bucket::connect_probing`), so the answers are the server's, not Cubby's adaptations.
pub async fn run(bucket: &Bucket, now: chrono::DateTime<chrono::Utc>) -> DeepReport {
    let scratch = format!(
        ".cubby/selftest-{}-{}/",
        now.format("%Y%m%d%H%M%S"),
        Alphanumeric
            .sample_string(&mut rand::rng(), 6)
            .to_ascii_lowercase()
    );
    let mut run = Run { checks: Vec::new() };
    let file = TestFile(std::env::temp_dir().join(format!(
        "cubby-selftest-{}.pdf",
        Alphanumeric.sample_string(&mut rand::rng(), 12)
    )));
    let learned = checks(bucket, &scratch, &file.0, &mut run).await;
    drop(file);
    let cleanup = clean_up(bucket, &scratch).await;
    let failed: Vec<&str> = run
        .checks
        .iter()
        .filter(|c| c.verdict == Verdict::Failed)
        .map(|c| c.label.as_str())
        .collect();
    let mut summary = if failed.is_empty() {
        format!(
            "Every operation Cubby relies on works at {}.",
            endpoint_name(bucket)
        )
    } else {
        format!(
            "{} of {} checks failed: {}.",
            failed.len(),
            run.checks.len(),
            failed.join(", ")
        )
    };
    if let Err(e) = cleanup {
        summary.push_str(&format!(" Some test objects may remain under {scratch}: {e}"));
    }
    DeepReport {
        ok: failed.is_empty(),
        summary,
        checks: run.checks,
        learned: EndpointChecks {
            put_guard: learned.0,
            complete_guard: learned.1,
            copy_guard: learned.2,
            checked_at: crate::wire::time(now),
        },
    }
}

fn endpoint_name(bucket: &Bucket) -> String {
    format!(
        "{} (bucket '{}')",
        bucket.endpoint().host_str().unwrap_or("the endpoint"),
        bucket.name()
    )
}

/// The local file the uploads read, removed however the check ends.
struct TestFile(std::path::PathBuf);

impl Drop for TestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn checks(
    bucket: &Bucket,
    scratch: &str,
    file: &std::path::Path,
    run: &mut Run,
) -> (Verdict, Verdict, Verdict) {
    let small = b"%PDF-1.4 cubby deep check".to_vec();
    let key = format!("{scratch}receipt.pdf");
    if let Err(e) = std::fs::write(file, &small) {
        run.record(
            CheckId::Put,
            "Upload with Content-MD5",
            Verdict::Failed,
            Some(e.to_string()),
        );
        return (Verdict::Failed, Verdict::Failed, Verdict::Failed);
    }
    let size = small.len() as u64;
    let put = bucket
        .put_file(
            &key,
            file,
            size,
            &ObjectHeaders::typed(Some("application/pdf")),
            &content_md5_of(&small),
            false,
        )
        .await;
    if run.needed(CheckId::Put, "Upload with Content-MD5", put).is_none() {
        return (Verdict::Failed, Verdict::Failed, Verdict::Failed);
    }

    // A body that does not match its Content-MD5 must be refused, or corruption in transit
    // would be stored (Cubby's ETag check would still catch it after the fact).
    let wrong = bucket
        .put_file(
            &format!("{scratch}corrupt.pdf"),
            file,
            size,
            &ObjectHeaders::typed(Some("application/pdf")),
            &content_md5_of(b"other"),
            false,
        )
        .await;
    match wrong {
        Err(_) => run.record(
            CheckId::ContentMd5,
            "A wrong Content-MD5 is refused",
            Verdict::Works,
            None,
        ),
        Ok(_) => run.record(
            CheckId::ContentMd5,
            "A wrong Content-MD5 is refused",
            Verdict::Ignored,
            Some("the server stored it: Cubby's ETag check is the only guard there".into()),
        ),
    };

    let put_guard = {
        let again = bucket
            .put_file(
                &key,
                file,
                size,
                &ObjectHeaders::typed(Some("application/pdf")),
                &content_md5_of(&small),
                true,
            )
            .await;
        run.guard(
            CheckId::PutGuard,
            "Conditional upload (If-None-Match) refuses a taken key",
            again,
        )
    };

    // Multipart with equal parts (R2 requires them), then a guarded completion onto a taken key.
    let big = format!("{scratch}big.bin");
    let parts: Vec<Vec<u8>> = vec![
        vec![1u8; 5 * MIB as usize],
        vec![2u8; 5 * MIB as usize],
        b"tail".to_vec(),
    ];
    let multipart = upload_parts(bucket, &big, &parts, false).await;
    let etag = run.needed(CheckId::Multipart, "Multipart upload with equal parts", multipart);
    let complete_guard = match &etag {
        Some(_) => {
            let guarded = upload_parts(bucket, &big, &parts[..1], true).await;
            run.guard(
                CheckId::CompleteGuard,
                "Conditional completion (If-None-Match) refuses a taken key",
                guarded,
            )
        }
        None => Verdict::Failed,
    };
    if etag.is_some() {
        let part = bucket.head_part(&big, 1).await;
        match part {
            Ok((size, _)) if size == 5 * MIB => run.record(
                CheckId::PartHead,
                "HEAD with partNumber gives a part's size",
                Verdict::Works,
                None,
            ),
            Ok((size, _)) => run.record(
                CheckId::PartHead,
                "HEAD with partNumber gives a part's size",
                Verdict::Ignored,
                Some(format!(
                    "answered {size} bytes: multipart downloads are checked by size and a second read"
                )),
            ),
            Err(e) => run.record(
                CheckId::PartHead,
                "HEAD with partNumber gives a part's size",
                Verdict::Refused,
                Some(e.to_string()),
            ),
        };
    }

    // Ranged reads pinned to a version, as big downloads and resumes make them.
    let ranged = async {
        let etag = bucket.head(&key).await?.etag.unwrap_or_default();
        bucket.get_range(&key, 1, Some(4), Some(&etag)).await.map(|_| ())
    }
    .await;
    if run
        .needed(CheckId::RangedGet, "Ranged download pinned with If-Match", ranged)
        .is_some()
    {
        let stale = bucket
            .get_range(&key, 0, None, Some("\"00000000000000000000000000000000\""))
            .await;
        match stale {
            Err(e) if e.code() == "precondition_failed" => {
                run.record(CheckId::IfMatch, "A changed object stops a pinned download", Verdict::Works, None)
            }
            Ok(_) => run.record(
                CheckId::IfMatch,
                "A changed object stops a pinned download",
                Verdict::Ignored,
                Some("If-Match was not honoured: a resumed download could mix versions; Cubby's checksum refuses such a file".into()),
            ),
            Err(e) => run.record(CheckId::IfMatch, "A changed object stops a pinned download", Verdict::Refused, Some(e.to_string())),
        };
    }

    let copy = bucket.copy_guarded(&key, &big, false).await;
    let copy_guard = run.guard(CheckId::CopyGuard, "Guarded copy refuses a taken key", copy);

    // Signed links, fetched as a customer's browser or the mobile app would.
    let served = async {
        let url = bucket.presign_get(&key, Duration::from_secs(300)).await?;
        match fetch("GET", &url, None, Vec::new()).await? {
            (200, bytes) if bytes == small => Ok(()),
            (status, _) => Err(Error::Storage(format!("HTTP {status}"))),
        }
    }
    .await;
    run.needed(CheckId::PresignedGet, "A share link serves the file", served);
    let upload_key = format!("{scratch}upload.pdf");
    match bucket
        .presign_put(&upload_key, "application/pdf", Duration::from_secs(300))
        .await
    {
        Ok(url) => {
            let other_type = fetch("PUT", &url, Some("text/html"), small.clone()).await;
            let right_type = fetch("PUT", &url, Some("application/pdf"), small.clone()).await;
            let label = "An upload URL accepts its own type only";
            match (other_type, right_type) {
                (Ok((403, _)), Ok((200, _))) => {
                    run.record(CheckId::PresignedPut, label, Verdict::Works, None)
                }
                (Ok((200, _)), Ok((200, _))) => run.record(
                    CheckId::PresignedPut,
                    label,
                    Verdict::Ignored,
                    Some("a PUT with another Content-Type was accepted".into()),
                ),
                (other, right) => run.record(
                    CheckId::PresignedPut,
                    label,
                    Verdict::Failed,
                    Some(format!(
                        "other type: {}, own type: {}",
                        status_of(&other),
                        status_of(&right)
                    )),
                ),
            };
        }
        Err(e) => {
            run.record(
                CheckId::PresignedPut,
                "An upload URL accepts its own type only",
                Verdict::Failed,
                Some(e.to_string()),
            );
        }
    }

    match bucket.cors_rules().await {
        Ok(_) => run.record(
            CheckId::Cors,
            "Read the bucket's CORS rules",
            Verdict::Works,
            None,
        ),
        Err(e) => run.record(
            CheckId::Cors,
            "Read the bucket's CORS rules",
            Verdict::Refused,
            Some(format!("{e} (only `cubby cors` needs this)")),
        ),
    };

    let keys = vec![key, format!("{scratch}corrupt.pdf")];
    match bucket.delete_batch(&keys).await {
        Ok(refused) if refused.is_empty() => run.record(
            CheckId::DeleteMany,
            "Delete several objects at once",
            Verdict::Works,
            None,
        ),
        Ok(refused) => run.record(
            CheckId::DeleteMany,
            "Delete several objects at once",
            Verdict::Failed,
            Some(format!("{} refused: {}", refused.len(), refused[0].1)),
        ),
        Err(e) => run.record(
            CheckId::DeleteMany,
            "Delete several objects at once",
            Verdict::Failed,
            Some(e.to_string()),
        ),
    };
    (put_guard, complete_guard, copy_guard)
}

fn status_of(result: &Result<(u16, Vec<u8>)>) -> String {
    match result {
        Ok((status, _)) => format!("HTTP {status}"),
        Err(e) => e.to_string(),
    }
}

/// A multipart upload of `parts`, completed (guarded when `if_absent`); aborted on failure.
async fn upload_parts(bucket: &Bucket, key: &str, parts: &[Vec<u8>], if_absent: bool) -> Result<String> {
    let id = bucket.create_multipart(key, &Default::default()).await?;
    let result: Result<String> = async {
        let mut done = Vec::new();
        for (i, body) in parts.iter().enumerate() {
            let number = i as i32 + 1;
            let etag = bucket
                .upload_part(key, &id, number, body.clone(), &content_md5_of(body))
                .await?;
            done.push((number, etag));
        }
        let etag = bucket.complete_multipart(key, &id, done, if_absent).await?;
        Ok(etag.map(|e| clean_etag(&e)).unwrap_or_default())
    }
    .await;
    if result.is_err() {
        let _ = bucket.abort_multipart(key, &id).await;
    }
    result
}

async fn clean_up(bucket: &Bucket, scratch: &str) -> Result<()> {
    let mut token = None;
    loop {
        let page = bucket.list_page(scratch, None, token, None).await?;
        let keys: Vec<String> = page.objects.into_iter().map(|o| o.key).collect();
        if !keys.is_empty() {
            bucket.delete_batch(&keys).await?;
        }
        match page.next_token {
            Some(next) => token = Some(next),
            None => return Ok(()),
        }
    }
}
