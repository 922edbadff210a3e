//! What Cubby actually puts on the wire, operation by operation, captured from the signed
//! request just before it leaves (against the sandbox, a real server over HTTP). These pin the
//! rules in `headers.rs`: an SDK upgrade that adds a checksum header or moves a guard fails here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents, SharedInterceptor};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

use super::headers::Dialect;
use super::s3::S3Store;
use super::ObjectStore;
use crate::profile::{Origin, Profile};
use crate::secret::{Credentials, Secret};
use crate::transfer::content_md5_of;

#[derive(Debug, Clone)]
struct Sent {
    operation: String,
    headers: BTreeMap<String, String>,
}

impl Sent {
    fn has(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

#[derive(Debug, Clone, Default)]
struct Capture(Arc<Mutex<Vec<Sent>>>);

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "Capture"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_default();
        let headers = context
            .request()
            .headers()
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
            .collect();
        self.0.lock().unwrap().push(Sent { operation, headers });
        Ok(())
    }
}

impl Capture {
    fn take(&self) -> Vec<Sent> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// The one request `operation` sent since the last take.
    fn only(&self, operation: &str) -> Sent {
        let sent: Vec<Sent> = self
            .take()
            .into_iter()
            .filter(|s| s.operation == operation)
            .collect();
        assert_eq!(sent.len(), 1, "{operation}: {sent:?}");
        sent.into_iter().next().unwrap()
    }
}

struct Rig {
    _dir: tempfile::TempDir,
    sandbox: cubby_sandbox::Sandbox,
}

impl Rig {
    async fn start() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let sandbox = cubby_sandbox::Sandbox::start(cubby_sandbox::Options {
            root: dir.path().to_path_buf(),
            bucket: "wire".into(),
            port: 0,
            access_key: "WIREKEY".into(),
            secret_key: "wire-secret".into(),
            r2: None,
        })
        .await
        .unwrap();
        Rig { _dir: dir, sandbox }
    }

    fn profile(&self) -> Profile {
        Profile {
            name: "wire".into(),
            account_id: None,
            jurisdiction: None,
            endpoint: Some(self.sandbox.endpoint()),
            bucket: "wire".into(),
            public_url: None,
            signed_url_expiry: 3600,
            direct_upload: false,
            allow_http: false,
            origin: Origin::Stored,
            checked: None,
        }
    }

    fn store(&self, dialect: Dialect) -> (S3Store, Capture) {
        let capture = Capture::default();
        let store = S3Store::connect_as(
            &self.profile(),
            &Credentials::new("WIREKEY", Secret::new("wire-secret")),
            dialect,
            vec![SharedInterceptor::new(capture.clone())],
        )
        .unwrap();
        (store, capture)
    }
}

fn no_flexible_checksums(sent: &[Sent]) {
    for s in sent {
        for name in s.headers.keys() {
            assert!(
                !name.starts_with("x-amz-checksum-")
                    && name != "x-amz-sdk-checksum-algorithm"
                    && name != "x-amz-trailer",
                "{} sent {name}",
                s.operation
            );
        }
    }
}

/// An upload's body is not hashed a second time for the signature (`UNSIGNED-PAYLOAD`): its
/// Content-MD5 is among the signed headers, and the server checks the body against it.
fn unsigned_with_signed_md5(sent: &Sent) {
    assert_eq!(
        sent.get("x-amz-content-sha256"),
        Some("UNSIGNED-PAYLOAD"),
        "{}",
        sent.operation
    );
    let auth = sent.get("authorization").unwrap_or_default();
    let signed = auth
        .split("SignedHeaders=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_default();
    assert!(
        signed.split(';').any(|h| h == "content-md5"),
        "{}: Content-MD5 is not signed ({signed})",
        sent.operation
    );
}

/// Every operation a transfer uses, and the headers each carries, for one dialect.
async fn operations(store: &S3Store, capture: &Capture, dialect: Dialect) {
    let dir = tempfile::tempdir().unwrap();
    let body = b"%PDF-1.4 a receipt".to_vec();
    let file = dir.path().join("r.pdf");
    std::fs::write(&file, &body).unwrap();

    // PutObject: Content-MD5, the create-only guard R2 documents, and Cubby's checksum as
    // user metadata (never a second checksum header, which R2 refuses beside another).
    let mut typed = super::ObjectHeaders::typed(Some("application/pdf"));
    typed
        .metadata
        .insert(crate::transfer::CRC_META.into(), "AAAAAAAAAAE=".into());
    store
        .put_file(
            "acme/documents/r.pdf",
            &file,
            body.len() as u64,
            &typed,
            &content_md5_of(&body),
            true,
        )
        .await
        .unwrap();
    let put = capture.only("PutObject");
    assert_eq!(put.get("content-md5"), Some(content_md5_of(&body).as_str()));
    assert_eq!(put.get("if-none-match"), Some("*"));
    assert_eq!(put.get("content-type"), Some("application/pdf"));
    assert_eq!(put.get("x-amz-meta-cubby-crc64nvme"), Some("AAAAAAAAAAE="));
    unsigned_with_signed_md5(&put);

    // The same from memory (a small file read once, a migrated object), with the same guard.
    store
        .put_body(
            "acme/documents/m.pdf",
            body.clone(),
            &typed,
            &content_md5_of(&body),
            true,
        )
        .await
        .unwrap();
    let put_body = capture.only("PutObject");
    assert_eq!(put_body.get("if-none-match"), Some("*"));
    unsigned_with_signed_md5(&put_body);
    // A part held in memory (a migrated object's) is sent the same way.
    let spare = store
        .create_multipart("acme/documents/spare.pdf", &typed)
        .await
        .unwrap();
    store
        .upload_part(
            "acme/documents/spare.pdf",
            &spare,
            1,
            body.clone(),
            &content_md5_of(&body),
        )
        .await
        .unwrap();
    store
        .abort_multipart("acme/documents/spare.pdf", &spare)
        .await
        .unwrap();
    unsigned_with_signed_md5(&capture.only("UploadPart"));
    capture.take();

    // Multipart: each part with its Content-MD5; the completion guarded only where documented.
    // A multipart copy carries everything the source object had.
    let headers = super::ObjectHeaders {
        content_type: Some("application/pdf".into()),
        metadata: [("origin".to_string(), "scanner".to_string())].into(),
        presentation: super::Presentation {
            cache_control: Some("max-age=60".into()),
            content_disposition: Some("attachment".into()),
            content_encoding: Some("identity".into()),
            content_language: Some("en".into()),
            expires: Some("Wed, 21 Oct 2026 07:28:00 GMT".into()),
        },
    };
    let id = store
        .create_multipart("acme/documents/big.pdf", &headers)
        .await
        .unwrap();
    let create = capture.only("CreateMultipartUpload");
    for (name, value) in [
        ("content-type", "application/pdf"),
        ("x-amz-meta-origin", "scanner"),
        ("cache-control", "max-age=60"),
        ("content-disposition", "attachment"),
        ("content-encoding", "identity"),
        ("content-language", "en"),
        ("expires", "Wed, 21 Oct 2026 07:28:00 GMT"),
    ] {
        assert_eq!(create.get(name), Some(value), "{name}: {create:?}");
    }
    let part = store
        .upload_file_part(
            "acme/documents/big.pdf",
            &id,
            1,
            &file,
            0,
            body.len() as u64,
            &content_md5_of(&body),
        )
        .await
        .unwrap();
    store
        .complete_multipart("acme/documents/big.pdf", &id, vec![(1, part)], true)
        .await
        .unwrap();
    let sent = capture.take();
    no_flexible_checksums(&sent);
    let upload_part = sent.iter().find(|s| s.operation == "UploadPart").unwrap();
    assert_eq!(
        upload_part.get("content-md5"),
        Some(content_md5_of(&body).as_str())
    );
    unsigned_with_signed_md5(upload_part);
    let complete = sent
        .iter()
        .find(|s| s.operation == "CompleteMultipartUpload")
        .unwrap();
    match dialect {
        Dialect::S3 => assert_eq!(complete.get("if-none-match"), Some("*")),
        Dialect::R2 => {
            assert!(
                !complete.has("if-none-match"),
                "R2 documents no guard on Complete"
            );
            // The look just before stands in for it.
            let ops: Vec<&str> = sent.iter().map(|s| s.operation.as_str()).collect();
            let at = ops.iter().position(|o| *o == "CompleteMultipartUpload").unwrap();
            assert_eq!(ops[at - 1], "HeadObject", "{ops:?}");
        }
    }

    // CopyObject: S3's If-None-Match, or R2's own header; never both.
    store
        .copy_guarded("acme/documents/r.pdf", "acme/documents/copy.pdf", false)
        .await
        .unwrap();
    let copy = capture.only("CopyObject");
    match dialect {
        Dialect::S3 => {
            assert_eq!(copy.get("if-none-match"), Some("*"));
            assert!(!copy.has("cf-copy-destination-if-none-match"));
        }
        Dialect::R2 => {
            assert_eq!(copy.get("cf-copy-destination-if-none-match"), Some("*"));
            assert!(!copy.has("if-none-match"));
        }
    }
    // Replacing on purpose sends no guard at all.
    store
        .copy_guarded("acme/documents/r.pdf", "acme/documents/copy.pdf", true)
        .await
        .unwrap();
    let copy = capture.only("CopyObject");
    assert!(!copy.has("if-none-match") && !copy.has("cf-copy-destination-if-none-match"));

    // A ranged GET pinned to the version it started on.
    let info = store.head("acme/documents/r.pdf").await.unwrap();
    let etag = info.etag.unwrap();
    store
        .get_range("acme/documents/r.pdf", 1, None, Some(&etag))
        .await
        .unwrap();
    let get = capture.only("GetObject");
    assert_eq!(get.get("if-match"), Some(etag.as_str()));
    assert_eq!(get.get("range"), Some("bytes=1-"));

    // DeleteObjects: the SDK's required CRC32 replaced by the body's Content-MD5, which the
    // server checks (the delete succeeding proves the digest matched what was signed and sent).
    let keys = vec![
        "acme/documents/copy.pdf".to_string(),
        "acme/documents/big.pdf".to_string(),
    ];
    let refused = store.delete_batch(&keys).await.unwrap();
    assert!(refused.is_empty(), "{refused:?}");
    let delete = capture.only("DeleteObjects");
    assert!(delete.has("content-md5"), "{delete:?}");
    assert!(store.head("acme/documents/copy.pdf").await.is_err());

    // PutBucketCors: the same (the sandbox has no CORS, so only the request matters).
    let rule = aws_sdk_s3::types::CorsRule::builder()
        .allowed_methods("PUT")
        .allowed_origins("https://app.example")
        .build()
        .unwrap();
    let _ = store.set_cors_rules(vec![rule]).await;
    let cors: Vec<Sent> = capture
        .take()
        .into_iter()
        .filter(|s| s.operation == "PutBucketCors")
        .collect();
    assert!(!cors.is_empty());
    assert!(cors.iter().all(|s| s.has("content-md5")), "{cors:?}");

    // Nothing above carried a flexible checksum.
    let everything = capture.take();
    no_flexible_checksums(&everything);
    no_flexible_checksums(&[put, get, delete]);
    no_flexible_checksums(&cors);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_operation_sends_what_its_server_documents() {
    for dialect in [Dialect::S3, Dialect::R2] {
        let rig = Rig::start().await;
        let (store, capture) = rig.store(dialect);
        operations(&store, &capture, dialect).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r2_completion_refuses_a_taken_key_by_looking_first() {
    let rig = Rig::start().await;
    let (store, capture) = rig.store(Dialect::R2);
    store
        .put("acme/documents/taken.pdf", b"first".to_vec(), None)
        .await
        .unwrap();
    let id = store
        .create_multipart("acme/documents/taken.pdf", &Default::default())
        .await
        .unwrap();
    let part = store
        .upload_part(
            "acme/documents/taken.pdf",
            &id,
            1,
            b"second".to_vec(),
            &content_md5_of(b"second"),
        )
        .await
        .unwrap();
    capture.take();
    let err = store
        .complete_multipart("acme/documents/taken.pdf", &id, vec![(1, part)], true)
        .await
        .unwrap_err();
    assert!(
        matches!(err, crate::Error::Hinted { .. } | crate::Error::AlreadyExists(_)),
        "{err:?}"
    );
    assert_eq!(err.code(), "already_exists");
    assert!(capture
        .take()
        .iter()
        .all(|s| s.operation != "CompleteMultipartUpload"));
    assert_eq!(store.get("acme/documents/taken.pdf").await.unwrap(), b"first");
    store
        .abort_multipart("acme/documents/taken.pdf", &id)
        .await
        .unwrap();
}

#[test]
fn r2_failures_point_at_what_r2_users_trip_on() {
    use super::s3::advice;
    let account = "0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com";
    let r2 = advice(Dialect::R2, account, "list");
    assert!(r2.new_token.contains("wait a minute"));
    assert!(r2.jurisdiction.contains("EU or FedRAMP"));
    assert!(r2.permission.contains("Object Read & Write"));
    // Already at a jurisdiction's endpoint: no jurisdiction hint.
    let eu = advice(
        Dialect::R2,
        "0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com",
        "list",
    );
    assert!(eu.jurisdiction.is_empty());
    assert!(advice(Dialect::R2, account, "write CORS rules of")
        .permission
        .contains("Admin Read & Write"));
    // Other servers hear none of R2's particulars.
    let s3 = advice(Dialect::S3, "127.0.0.1", "list");
    assert!(s3.new_token.is_empty() && s3.jurisdiction.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_on_r2_says_new_tokens_take_a_minute() {
    let rig = Rig::start().await;

    let store = S3Store::connect_as(
        &rig.profile(),
        &Credentials::new("NOSUCHKEY", Secret::new("wrong")),
        Dialect::R2,
        Vec::new(),
    )
    .unwrap();
    let err = store.head("acme/documents/x.pdf").await.unwrap_err();
    assert!(err.to_string().contains("wait a minute"), "{err}");
}
