//! One storage conformance suite, run against every S3 server Cubby meets in tests: SeaweedFS
//! (the reference, a separate process) and the embedded sandbox (s3s, in-process). Both are
//! real servers spoken to over HTTP with real SigV4.

use std::time::Duration;

use cubby_core::probe::{probe, ProbeOptions, StepId, StepStatus};
use cubby_core::profile::{Origin, DEFAULT_EXPIRY_SECS};
use cubby_core::{Bucket, Credentials, Profile, Secret};
use cubby_testkit::{http, SeaweedFs};

const BUCKET: &str = "conformance";

fn profile(endpoint: &str) -> Profile {
    Profile {
        name: "test".into(),
        account_id: None,
        jurisdiction: None,
        endpoint: Some(endpoint.into()),
        bucket: BUCKET.into(),
        public_url: None,
        signed_url_expiry: DEFAULT_EXPIRY_SECS,
        direct_upload: false,
        origin: Origin::Stored,
    }
}

fn bucket(endpoint: &str, key: &str, secret: &str) -> Bucket {
    Bucket::connect(&profile(endpoint), &Credentials::new(key, Secret::new(secret))).expect("client")
}

/// The suite itself: each case names what it guards when it fails.
async fn suite(endpoint: &str, key: &str, secret: &str) {
    let b = bucket(endpoint, key, secret);
    round_trip_keeps_bytes_and_content_type(&b).await;
    delimiter_listing_separates_objects_and_prefixes(&b).await;
    pagination_crosses_the_1000_key_page(&b).await;
    delete_makes_object_not_found(&b).await;
    copy_keeps_bytes_and_content_type(&b).await;
    presigned_get_works_with_any_http_client(&b).await;
    presigned_put_signs_the_content_type(&b).await;
    wrong_credentials_are_refused_in_plain_words(endpoint, key, secret).await;
    connection_probe_passes_every_step(&b).await;
}

async fn round_trip_keeps_bytes_and_content_type(b: &Bucket) {
    let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    b.put(
        "acme/documents/receipt.pdf",
        body.clone(),
        Some("application/pdf"),
    )
    .await
    .expect("put");
    assert_eq!(b.get("acme/documents/receipt.pdf").await.expect("get"), body);
    let info = b.head("acme/documents/receipt.pdf").await.expect("head");
    assert_eq!(info.size, 100_000);
    assert_eq!(info.content_type.as_deref(), Some("application/pdf"));
    assert!(info.etag.is_some(), "servers return an ETag");
    assert!(info.last_modified.is_some());
}

async fn delimiter_listing_separates_objects_and_prefixes(b: &Bucket) {
    for key in [
        "tree/a.txt",
        "tree/b.txt",
        "tree/sub/c.txt",
        "tree/sub/deeper/d.txt",
        "treehouse.txt",
    ] {
        b.put(key, b"x".to_vec(), Some("text/plain")).await.expect("put");
    }
    let page = b.list_page("tree/", Some("/"), None, None).await.expect("list");
    let keys: Vec<&str> = page.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["tree/a.txt", "tree/b.txt"]);
    assert_eq!(page.prefixes, ["tree/sub/"]);
    assert_eq!(page.next_token, None);
    let all = b
        .list_page("tree/", None, None, None)
        .await
        .expect("list recursive");
    assert_eq!(
        all.objects.len(),
        4,
        "recursive listing sees nested keys but not 'treehouse.txt'"
    );
}

async fn pagination_crosses_the_1000_key_page(b: &Bucket) {
    let keys: Vec<String> = (0..1_050).map(|i| format!("many/{i:05}.txt")).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in keys.chunks(66) {
        let (b, chunk) = (b.clone(), chunk.to_vec());
        tasks.spawn(async move {
            for key in chunk {
                b.put(&key, key.as_bytes().to_vec(), None).await.expect("put");
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("uploader");
    }
    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = b.list_page("many/", None, token, None).await.expect("list page");
        pages += 1;
        seen.extend(page.objects.into_iter().map(|o| o.key));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert!(pages >= 2, "1,050 keys need more than one page of at most 1,000");
    assert_eq!(seen, keys, "every key exactly once, in order");
}

async fn delete_makes_object_not_found(b: &Bucket) {
    b.put("gone/file.txt", b"bye".to_vec(), None).await.expect("put");
    b.delete("gone/file.txt").await.expect("delete");
    let err = b.head("gone/file.txt").await.expect_err("head after delete");
    assert_eq!(err.code(), "not_found", "{err}");
    let err = b.get("gone/file.txt").await.expect_err("get after delete");
    assert_eq!(err.code(), "not_found", "{err}");
    assert!(err.to_string().contains("gone/file.txt"), "{err}");
}

async fn copy_keeps_bytes_and_content_type(b: &Bucket) {
    b.put(
        "copy/src file ü.jpg",
        vec![0xFF, 0xD8, 0xFF, 1, 2, 3],
        Some("image/jpeg"),
    )
    .await
    .expect("put");
    b.copy("copy/src file ü.jpg", "copy/dst.jpg").await.expect("copy");
    assert_eq!(
        b.get("copy/dst.jpg").await.expect("get"),
        vec![0xFF, 0xD8, 0xFF, 1, 2, 3]
    );
    assert_eq!(
        b.head("copy/dst.jpg")
            .await
            .expect("head")
            .content_type
            .as_deref(),
        Some("image/jpeg")
    );
}

async fn presigned_get_works_with_any_http_client(b: &Bucket) {
    b.put("share/hello.txt", b"hello world".to_vec(), Some("text/plain"))
        .await
        .expect("put");
    let url = b
        .presign_get("share/hello.txt", Duration::from_secs(300))
        .await
        .expect("presign");
    assert!(url.contains("X-Amz-Signature="), "{url}");
    let (status, body) = http("GET", &url, &[], b"");
    assert_eq!(status, 200);
    assert_eq!(body, b"hello world");
    let tampered = url.replace("hello.txt", "hellO.txt");
    assert_eq!(
        http("GET", &tampered, &[], b"").0,
        403,
        "a tampered link is refused"
    );
}

async fn presigned_put_signs_the_content_type(b: &Bucket) {
    let url = b
        .presign_put("upload/receipt.jpg", "image/jpeg", Duration::from_secs(300))
        .await
        .expect("presign");
    let (status, _) = http("PUT", &url, &[("Content-Type", "text/plain")], b"not a jpeg");
    assert_eq!(
        status, 403,
        "another Content-Type must be refused, as the seed's guide says"
    );
    let (status, _) = http(
        "PUT",
        &url,
        &[("Content-Type", "image/jpeg")],
        b"\xFF\xD8\xFFjpeg",
    );
    assert_eq!(status, 200);
    assert_eq!(
        b.get("upload/receipt.jpg").await.expect("get"),
        b"\xFF\xD8\xFFjpeg"
    );
}

async fn wrong_credentials_are_refused_in_plain_words(endpoint: &str, key: &str, secret: &str) {
    let wrong_secret = bucket(endpoint, key, &format!("{secret}-wrong"));
    let err = wrong_secret
        .list_page("", None, None, Some(1))
        .await
        .expect_err("wrong secret");
    assert_eq!(err.code(), "wrong_secret", "{err}");
    assert!(err.to_string().contains("wrong secret for access key"), "{err}");
    assert!(
        !err.to_string().contains(secret),
        "the secret never appears in an error"
    );

    let unknown = bucket(endpoint, "NOSUCHKEYID000000000", secret);
    let err = unknown
        .list_page("", None, None, Some(1))
        .await
        .expect_err("unknown key");
    assert_eq!(err.code(), "unknown_access_key", "{err}");
}

async fn connection_probe_passes_every_step(b: &Bucket) {
    let report = probe(b, ProbeOptions { write: true }).await;
    assert!(report.ok, "{report:?}");
    assert!(
        report.steps.iter().all(|s| s.status == StepStatus::Ok),
        "{report:?}"
    );
    assert_eq!(report.steps.last().map(|s| s.id), Some(StepId::Write));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seaweedfs_conforms() {
    let server = tokio::task::spawn_blocking(|| SeaweedFs::start(&[BUCKET]))
        .await
        .expect("start");
    suite(&server.endpoint, &server.access_key, &server.secret_key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sandbox = cubby_sandbox::Sandbox::start(cubby_sandbox::Options {
        root: dir.path().to_path_buf(),
        bucket: BUCKET.into(),
        port: 0,
        access_key: "SANDBOXTESTKEY".into(),
        secret_key: "sandbox-test-secret".into(),
    })
    .await
    .expect("sandbox");
    suite(&sandbox.endpoint(), "SANDBOXTESTKEY", "sandbox-test-secret").await;
    sandbox.stop().await;
}

#[tokio::test]
async fn unreachable_endpoint_is_reported_as_such() {
    let port = cubby_testkit::free_port();
    let b = bucket(&format!("http://127.0.0.1:{port}"), "k", "s");
    let report = probe(&b, ProbeOptions::default()).await;
    assert!(!report.ok);
    assert_eq!(report.code.as_deref(), Some("unreachable"), "{report:?}");
    assert_eq!(report.steps[0].status, StepStatus::Failed);
    assert_eq!(report.steps[1].status, StepStatus::Skipped);
}
