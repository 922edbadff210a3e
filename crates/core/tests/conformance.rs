//! One storage conformance suite, run against every store Cubby meets in tests: SeaweedFS (the
//! reference, a separate process) and the embedded sandbox (s3s, in-process), both real servers
//! spoken to over HTTP with real SigV4, and the in-memory store, which runs every case that
//! does not need HTTP (signed URLs fetched with curl, credentials, missing buckets).

use std::time::Duration;

use std::path::Path;
use std::sync::Arc;

use cubby_core::listing::{self, Listing};
use cubby_core::local_path::LocalTarget;
use cubby_core::objects;
use cubby_core::probe::{probe, ProbeOptions, StepId, StepStatus};
use cubby_core::profile::{Origin, DEFAULT_EXPIRY_SECS};
use cubby_core::storage::headers::Dialect;
use cubby_core::tenant::{CategoryChoice, ObjectKey, Prefix, TenantId};
use cubby_core::transfer::{self, DownloadOptions, Downloaded, NoSink, TransferEvent, UploadOptions, MIB};
use cubby_core::{Bucket, Credentials, Profile, Secret};
use cubby_testkit::{http, SeaweedFs};
use tokio_util::sync::CancellationToken;

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
        allow_http: false,
        origin: Origin::Stored,
        checked: None,
    }
}

fn bucket(endpoint: &str, key: &str, secret: &str) -> Bucket {
    Bucket::connect(&profile(endpoint), &Credentials::new(key, Secret::new(secret))).expect("client")
}

/// The suite itself: each case names what it guards when it fails.
async fn suite(endpoint: &str, key: &str, secret: &str) {
    suite_on(&bucket(endpoint, key, secret), endpoint, key, secret).await;
}

async fn suite_on(b: &Bucket, endpoint: &str, key: &str, secret: &str) {
    let b = b.clone();
    storage_suite(&b).await;
    presigned_get_works_with_any_http_client(&b).await;
    presigned_put_signs_the_content_type(&b).await;
    wrong_credentials_are_refused_in_plain_words(endpoint, key, secret).await;
    a_missing_bucket_is_told_apart_from_a_missing_key(endpoint, key, secret).await;
    upload_url_follows_the_seed_contract_for_curl(&b).await;
    share_link_serves_bytes_with_the_download_name(&b).await;
    revoked_link_dies_and_register_holds_no_signature(&b).await;
    deep_check_runs_every_operation_and_cleans_up(endpoint, key, secret).await;
}

/// `profile test --deep` against a real server: every operation reported, nothing failed, no
/// scratch object left behind.
async fn deep_check_runs_every_operation_and_cleans_up(endpoint: &str, key: &str, secret: &str) {
    use cubby_core::selftest::{self, CheckId, Verdict};
    let probing = Bucket::connect_probing(&profile(endpoint), &Credentials::new(key, Secret::new(secret)))
        .expect("client");
    let report = selftest::run(&probing, chrono::Utc::now()).await;
    let shown: Vec<String> = report
        .checks
        .iter()
        .map(|c| format!("{:?} {:?} {:?}", c.id, c.verdict, c.detail))
        .collect();
    eprintln!("deep check at {endpoint}:\n{}", shown.join("\n"));
    assert!(report.ok, "{}\n{}", report.summary, shown.join("\n"));
    for id in [
        CheckId::Put,
        CheckId::Multipart,
        CheckId::RangedGet,
        CheckId::PresignedGet,
        CheckId::PresignedPut,
        CheckId::DeleteMany,
    ] {
        let check = report
            .checks
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{id:?} missing"));
        assert_ne!(check.verdict, Verdict::Failed, "{id:?}");
    }
    let left = probing
        .list_page(".cubby/selftest-", None, None, None)
        .await
        .expect("list the scratch prefix");
    assert!(
        left.objects.is_empty(),
        "scratch objects left: {:?}",
        left.objects
    );
}

/// The cases every store must pass, HTTP or not.
async fn storage_suite(b: &Bucket) {
    let b = b.clone();
    round_trip_keeps_bytes_and_content_type(&b).await;
    delimiter_listing_separates_objects_and_prefixes(&b).await;
    pagination_crosses_the_1000_key_page(&b).await;
    delete_makes_object_not_found(&b).await;
    copy_keeps_bytes_and_content_type(&b).await;
    connection_probe_passes_every_step(&b).await;
    upload_routes_by_content_under_the_key_scheme(&b).await;
    listing_streams_3000_keys_and_tenant_shows_categories(&b).await;
    folder_upload_recurses_and_skips_hidden_files(&b).await;
    overwrite_needs_to_be_asked_for(&b).await;
    multipart_round_trip_of_100_mib_verifies_checksums(&b).await;
    a_file_rewritten_during_a_multipart_upload_leaves_no_object(&b).await;
    a_file_changed_after_it_was_read_ahead_leaves_no_object(&b).await;
    interrupted_download_resumes_from_its_part_file(&b).await;
    big_download_in_parallel_ranges_resumes_and_verifies(&b).await;
    a_stale_recorded_checksum_defers_to_the_etag(&b).await;
    another_tools_multipart_object_is_checked_part_by_part(&b).await;
    an_empty_object_downloads_as_an_empty_file(&b).await;
    a_cubby_upload_cut_mid_download_resumes_against_its_checksum(&b).await;
    hostile_keys_never_leave_the_download_folder(&b).await;
    planted_links_at_the_part_names_are_never_written_through(&b).await;
    prefix_delete_removes_more_than_one_batch(&b).await;
    copy_and_move_keep_content_type_and_respect_tenants(&b).await;
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

/// Regression: both were `NotFound(String)`, and the watcher told them apart by whether the
/// message started with "bucket". A missing bucket stops the watcher; a missing key does not.
async fn a_missing_bucket_is_told_apart_from_a_missing_key(endpoint: &str, key: &str, secret: &str) {
    let missing = Profile {
        bucket: "no-such-bucket-here".into(),
        ..profile(endpoint)
    };
    let b = Bucket::connect(&missing, &Credentials::new(key, Secret::new(secret))).expect("client");
    let err = b.get("acme/documents/x.pdf").await.expect_err("no bucket");
    assert_eq!(err.code(), "no_such_bucket", "{err}");
    assert!(err.to_string().contains("no-such-bucket-here"), "{err}");
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

fn tenant(name: &str) -> TenantId {
    TenantId::parse(name).expect("tenant")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write");
    path
}

async fn upload_files(
    b: &Bucket,
    files: &[std::path::PathBuf],
    tenant: &TenantId,
    options: &UploadOptions,
) -> Vec<transfer::Uploaded> {
    let plans =
        transfer::plan_uploads(files, tenant, CategoryChoice::Auto, None, chrono::Utc::now()).expect("plan");
    let mut done = Vec::new();
    for plan in &plans {
        done.push(
            transfer::upload(b, plan, options, Arc::new(NoSink), &CancellationToken::new())
                .await
                .expect("upload"),
        );
    }
    done
}

async fn upload_routes_by_content_under_the_key_scheme(b: &Bucket) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = vec![
        write(dir.path(), "receipt.jpg", b"\xFF\xD8\xFF\xE0 jpeg body"),
        // Content beats a lying extension: this is a PNG.
        write(dir.path(), "scan.pdf", b"\x89PNG\r\n\x1a\n png body"),
        write(dir.path(), "invoice.pdf", b"%PDF-1.4 body"),
        write(dir.path(), "ledger.csv", b"a,b\n1,2\n"),
        write(dir.path(), "My Receipt (copy) #2.bin", &[0u8, 1, 2, 3]),
    ];
    let t = tenant("route-test");
    let done = upload_files(b, &files, &t, &UploadOptions::default()).await;
    let key_of = |local: &str| {
        done.iter()
            .find(|u| u.local.ends_with(local))
            .expect("uploaded")
            .key
            .clone()
    };
    assert!(
        key_of("receipt.jpg").starts_with("route-test/images/"),
        "{}",
        key_of("receipt.jpg")
    );
    assert!(key_of("scan.pdf").starts_with("route-test/images/"));
    assert!(key_of("invoice.pdf").starts_with("route-test/documents/"));
    assert!(key_of("ledger.csv").starts_with("route-test/documents/"));
    let odd = key_of("My Receipt (copy) #2.bin");
    assert!(odd.starts_with("route-test/uploads/"), "{odd}");
    let name = odd.rsplit('/').next().expect("name");
    let (stamp, rest) = name.split_at(16);
    assert!(stamp.chars().all(|c| c.is_ascii_digit() || c == '_'), "{name}");
    assert!(!rest.contains(' ') && !rest.contains('#'), "sanitized: {name}");
    assert_eq!(
        b.head(&key_of("scan.pdf"))
            .await
            .expect("head")
            .content_type
            .as_deref(),
        Some("image/png")
    );
    assert_eq!(
        b.head(&key_of("invoice.pdf"))
            .await
            .expect("head")
            .content_type
            .as_deref(),
        Some("application/pdf")
    );
}

async fn listing_streams_3000_keys_and_tenant_shows_categories(b: &Bucket) {
    let keys: Vec<String> = (0..3_000)
        .map(|i| format!("big-tenant/documents/{i:05}.txt"))
        .collect();
    let work = |key: String| {
        let b = b.clone();
        async move { b.put(&key, vec![b'x'; 10], Some("text/plain")).await.map(|_| ()) }
    };
    for result in transfer::for_each_bounded(keys.clone(), 32, work).await {
        result.and_then(|r| r).expect("put");
    }
    let prefix = Prefix::parse("big-tenant/documents/").expect("prefix");
    let mut listing = Listing::new(b, &prefix, true);
    let mut pages = 0;
    let mut seen = Vec::new();
    while let Some(page) = listing.next_page().await.expect("page") {
        pages += 1;
        assert!(page.objects.len() <= 1_000, "bounded pages");
        seen.extend(page.objects.into_iter().map(|o| o.key));
    }
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(seen, keys);
    let usage = listing::usage(b, &prefix).await.expect("usage");
    assert_eq!((usage.objects, usage.bytes), (3_000, 30_000));
    let folders = listing::tenant_folders(b, &tenant("big-tenant"))
        .await
        .expect("folders");
    let names: Vec<&str> = folders.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["documents", "images", "uploads"],
        "categories always shown, empty or not"
    );
    let tenants = listing::tenants(b).await.expect("tenants");
    assert!(tenants.contains(&tenant("big-tenant")), "{tenants:?}");
}

async fn folder_upload_recurses_and_skips_hidden_files(b: &Bucket) {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "batch/a.txt", b"a");
    write(dir.path(), "batch/sub/b.txt", b"b");
    write(dir.path(), "batch/.hidden", b"secret");
    let done = upload_files(
        b,
        &[dir.path().join("batch")],
        &tenant("folder-test"),
        &UploadOptions::default(),
    )
    .await;
    let mut names: Vec<String> = done
        .iter()
        .map(|u| u.local.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.txt", "b.txt"]);
}

async fn overwrite_needs_to_be_asked_for(b: &Bucket) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "same.txt", b"first");
    let t = tenant("overwrite-test");
    let key = ObjectKey::parse("overwrite-test/documents/same.txt").expect("key");
    let plan = |path: &Path| {
        transfer::plan_uploads(
            &[path.to_path_buf()],
            &t,
            CategoryChoice::Auto,
            Some(&key),
            chrono::Utc::now(),
        )
        .expect("plan")
    };
    let no = UploadOptions::default();
    transfer::upload(
        b,
        &plan(&file)[0],
        &no,
        Arc::new(NoSink),
        &CancellationToken::new(),
    )
    .await
    .expect("first");
    std::fs::write(&file, b"second").expect("rewrite");
    let err = transfer::upload(
        b,
        &plan(&file)[0],
        &no,
        Arc::new(NoSink),
        &CancellationToken::new(),
    )
    .await
    .expect_err("exists");
    assert_eq!(err.code(), "already_exists", "{err}");
    assert_eq!(
        b.get(key.as_str()).await.expect("get"),
        b"first",
        "nothing replaced"
    );
    let yes = UploadOptions {
        overwrite: true,
        ..UploadOptions::default()
    };
    transfer::upload(
        b,
        &plan(&file)[0],
        &yes,
        Arc::new(NoSink),
        &CancellationToken::new(),
    )
    .await
    .expect("overwrite");
    assert_eq!(b.get(key.as_str()).await.expect("get"), b"second");
}

async fn multipart_round_trip_of_100_mib_verifies_checksums(b: &Bucket) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..100 * MIB as usize)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = write(dir.path(), "big.bin", &data);
    let t = tenant("multipart-test");
    let done = upload_files(b, &[file], &t, &UploadOptions::default()).await;
    let uploaded = &done[0];
    assert!(
        uploaded.etag.ends_with("-7"),
        "100 MiB in 16 MiB parts is 7 parts: {}",
        uploaded.etag
    );
    let key = ObjectKey::parse(&uploaded.key).expect("key");
    // The whole file's CRC-64/NVME rides along in the metadata, taken before the first part.
    let mut crc = transfer::Crc64::default();
    crc.update(&data);
    let recorded = b.head(key.as_str()).await.expect("head").metadata;
    let expected = base64_be(crc.finish());
    assert_eq!(
        recorded.get(transfer::CRC_META).map(String::as_str),
        Some(expected.as_str()),
        "{recorded:?}"
    );
    download_fresh_and_verify(b, &key, &data).await;
}

/// The parts of a multipart upload are hashed before the first is sent and then read again as
/// they go. A file rewritten in place in between, keeping its size and modification time, must
/// fail the upload and leave no object: the server refuses a part whose bytes do not match its
/// Content-MD5, and where it did not, the assembled ETag would not match.
async fn a_file_rewritten_during_a_multipart_upload_leaves_no_object(b: &Bucket) {
    use std::io::{Seek, SeekFrom, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..20 * MIB as usize)
        .map(|i| (i.wrapping_mul(7) >> 5) as u8)
        .collect();
    let file = write(dir.path(), "scan.bin", &data);
    let plans = transfer::plan_uploads(
        std::slice::from_ref(&file),
        &tenant("rewritten-test"),
        CategoryChoice::Auto,
        None,
        chrono::Utc::now(),
    )
    .expect("plan");
    let options = UploadOptions {
        multipart_threshold: 8 * MIB,
        part_size: 5 * MIB,
        part_concurrency: 1,
        ..UploadOptions::default()
    };
    // Once the first part is stored, the third part's bytes change under the upload.
    let rewritten = Arc::new(AtomicBool::new(false));
    let sink = {
        let (file, rewritten) = (file.clone(), rewritten.clone());
        move |event: TransferEvent| {
            if matches!(event, TransferEvent::Progress { .. }) && !rewritten.swap(true, Ordering::SeqCst) {
                let modified = std::fs::metadata(&file)
                    .and_then(|m| m.modified())
                    .expect("mtime");
                let mut f = std::fs::OpenOptions::new().write(true).open(&file).expect("open");
                f.seek(SeekFrom::Start(12 * MIB)).expect("seek");
                f.write_all(b"another scan's bytes").expect("rewrite");
                f.set_modified(modified).expect("keep the mtime");
            }
        }
    };
    let result = transfer::upload(b, &plans[0], &options, Arc::new(sink), &CancellationToken::new()).await;
    assert!(rewritten.load(Ordering::SeqCst), "the file was never rewritten");
    let err = result.expect_err("an upload of a file rewritten midway must fail");
    assert!(matches!(err.kind(), cubby_core::Error::Integrity(_)), "{err:?}");
    assert!(
        b.head(plans[0].key.as_str()).await.is_err(),
        "no object may be left at the key"
    );
}

/// Files read ahead of their PUTs are sent as read, and a file that changes between its read
/// and the end of its PUT is refused and leaves nothing behind, as one read by its PUT is.
async fn a_file_changed_after_it_was_read_ahead_leaves_no_object(b: &Bucket) {
    use md5::Digest as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let contents: Vec<Vec<u8>> = (0..3u8)
        .map(|i| (0..50_000u32).map(|n| (n % 249) as u8 ^ i).collect())
        .collect();
    let files: Vec<_> = contents
        .iter()
        .enumerate()
        .map(|(i, c)| write(dir.path(), &format!("receipt-{i}.pdf"), c))
        .collect();
    let plans = transfer::plan_uploads(
        &files,
        &tenant("read-ahead-test"),
        CategoryChoice::Auto,
        None,
        chrono::Utc::now(),
    )
    .expect("plan");
    let options = UploadOptions::default();
    assert!(plans.iter().all(|p| transfer::sent_from_memory(p, &options)));
    let ahead = transfer::ReadAhead::start(
        plans.len(),
        plans
            .iter()
            .enumerate()
            .map(|(i, p)| (i, p.local.clone(), p.size))
            .collect(),
    );
    let send = |i: usize, prepared| {
        let plan = &plans[i];
        let options = &options;
        async move {
            transfer::upload_prepared(
                b,
                plan,
                options,
                prepared,
                Arc::new(NoSink),
                &CancellationToken::new(),
            )
            .await
        }
    };

    let first = ahead.take(0).await.expect("read ahead");
    let done = send(0, Some(first)).await.expect("upload");
    assert_eq!(done.etag, format!("{:x}", md5::Md5::digest(&contents[0])));
    assert_eq!(b.get(plans[0].key.as_str()).await.expect("get"), contents[0]);

    let second = ahead.take(1).await.expect("read ahead");
    std::fs::write(&files[1], b"the receipt, rescanned").expect("rewrite");
    let err = send(1, Some(second))
        .await
        .expect_err("a file changed since its read must not upload");
    assert!(matches!(err.kind(), cubby_core::Error::Integrity(_)), "{err:?}");
    assert!(
        b.head(plans[1].key.as_str()).await.is_err(),
        "no object may be left at the key"
    );

    let third = ahead.take(2).await.expect("read ahead");
    send(2, Some(third)).await.expect("upload");
    assert_eq!(b.get(plans[2].key.as_str()).await.expect("get"), contents[2]);
}

/// Cut part-way through its parallel ranges, the download of an object Cubby uploaded leaves an
/// exact prefix and resumes from it, checked against the checksum recorded at upload.
async fn a_cubby_upload_cut_mid_download_resumes_against_its_checksum(b: &Bucket) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..80 * MIB as usize)
        .map(|i| (i.wrapping_mul(2_246_822_519) >> 11) as u8)
        .collect();
    let file = write(dir.path(), "cut.bin", &data);
    let done = upload_files(b, &[file], &tenant("cut-test"), &UploadOptions::default()).await;
    let key = ObjectKey::parse(&done[0].key).expect("key");
    interrupt_then_resume(b, &key, &data, 1).await;
}

/// S3's encoding of a CRC-64: base64 of its 8 big-endian bytes.
fn base64_be(crc: u64) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes())
}

/// A checksum in the metadata that does not match the bytes (a tool rewrote the object and
/// kept Cubby's metadata): the ETag settles it, and the note says what happened.
async fn a_stale_recorded_checksum_defers_to_the_etag(b: &Bucket) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..(33 * MIB as usize)).map(|i| (i % 233) as u8).collect();
    let file = write(dir.path(), "rewritten.bin", &data);
    let mut headers = cubby_core::storage::ObjectHeaders::typed(Some("application/octet-stream"));
    headers
        .metadata
        .insert(transfer::CRC_META.into(), base64_be(0x0123_4567_89ab_cdef));
    b.put_file(
        "stale-test/uploads/rewritten.bin",
        &file,
        data.len() as u64,
        &headers,
        &transfer::content_md5_of(&data),
        false,
    )
    .await
    .expect("put");
    let key = ObjectKey::parse("stale-test/uploads/rewritten.bin").expect("key");
    let out = tempfile::tempdir().expect("tempdir");
    let target = transfer::target_for(out.path(), &key, "stale-test/uploads/").expect("target");
    let done = download(b, &key, &target)
        .await
        .expect("the ETag vouches for the bytes");
    assert!(done.checksum_verified);
    assert_eq!(done.note.as_deref(), Some(transfer::STALE_CHECKSUM));
    assert!(std::fs::read(&done.path).expect("read") == data);
}

/// Objects another tool uploaded in parts, without Cubby's checksum: the download's ranges are
/// the parts, each part's MD5 is taken as it arrives, and together they must give the multipart
/// ETag. Two shapes: 7 parts of 6 MiB, all inside the download's first GET (64 MiB); and 6 of
/// 15 MiB, where the first GET ends inside the fifth part, which a second GET finishes while the
/// sixth has a GET of its own.
async fn another_tools_multipart_object_is_checked_part_by_part(b: &Bucket) {
    another_tools_multipart_object(b, "other-tool/uploads/scan.bin", 39 * MIB, 6 * MIB).await;
    another_tools_multipart_object(b, "other-tool/uploads/video.bin", 90 * MIB, 15 * MIB).await;
}

async fn another_tools_multipart_object(b: &Bucket, key: &str, size: u64, part_size: u64) {
    let data: Vec<u8> = (0..size as usize)
        .map(|i| (i.wrapping_mul(2_246_822_519) >> 11) as u8)
        .collect();
    let headers = cubby_core::storage::ObjectHeaders::typed(Some("application/octet-stream"));
    let upload = b.create_multipart(key, &headers).await.expect("create");
    let mut parts = Vec::new();
    for (i, part) in data.chunks(part_size as usize).enumerate() {
        let number = i as i32 + 1;
        let etag = b
            .upload_part(
                key,
                &upload,
                number,
                part.to_vec(),
                &transfer::content_md5_of(part),
            )
            .await
            .expect("part");
        parts.push((number, etag));
    }
    let count = parts.len();
    let etag = b
        .complete_multipart(key, &upload, parts, false)
        .await
        .expect("complete")
        .unwrap_or_default();
    assert!(etag.trim_matches('"').ends_with(&format!("-{count}")), "{etag}");
    let key = ObjectKey::parse(key).expect("key");
    download_fresh_and_verify(b, &key, &data).await;
}

/// The first GET asks for a range, and an empty object has no byte 0 to start one at.
async fn an_empty_object_downloads_as_an_empty_file(b: &Bucket) {
    b.put("empty-test/uploads/blank.txt", Vec::new(), None)
        .await
        .expect("put");
    let key = ObjectKey::parse("empty-test/uploads/blank.txt").expect("key");
    download_fresh_and_verify(b, &key, &[]).await;
}

/// One download with default options, no progress and no cancellation.
async fn download(b: &Bucket, key: &ObjectKey, target: &LocalTarget) -> cubby_core::Result<Downloaded> {
    transfer::download(
        b,
        key,
        target,
        &DownloadOptions::default(),
        Arc::new(NoSink),
        &CancellationToken::new(),
    )
    .await
}

/// Downloads `key` into a fresh folder, cancelling at the first progress report that counts
/// `cut` bytes or more (the first report comes with the first bytes, later ones at most ten a
/// second), then runs the same download again: the `.part` left behind must be an exact prefix that the second run
/// resumes, and the result must be `data`, verified.
async fn interrupt_then_resume(b: &Bucket, key: &ObjectKey, data: &[u8], cut: u64) {
    let out = tempfile::tempdir().expect("tempdir");
    let strip = &key.as_str()[..key.as_str().len() - key.name().len()];
    let target = transfer::target_for(out.path(), key, strip).expect("target");
    let cancel = CancellationToken::new();
    let trip = cancel.clone();
    // Cancel once some bytes have arrived: a real interruption mid-stream.
    let sink = Arc::new(move |e: TransferEvent| {
        if let TransferEvent::Progress { done, .. } = e {
            if done >= cut {
                trip.cancel();
            }
        }
    });
    let err = transfer::download(b, key, &target, &DownloadOptions::default(), sink, &cancel)
        .await
        .expect_err("cancelled");
    assert_eq!(err.code(), "cancelled");
    assert!(
        !target.path.exists(),
        "no final file from an interrupted download"
    );
    let name = target.path.file_name().expect("name").to_string_lossy();
    let part_path = target.path.with_file_name(format!("{name}.part"));
    let part = std::fs::read(&part_path).expect(".part kept");
    assert!(
        !part.is_empty() && part.len() < data.len() && part[..] == data[..part.len()],
        "the .part is an exact prefix ({} bytes)",
        part.len()
    );
    let done = download(b, key, &target).await.expect("resume");
    assert!(done.resumed_from > 0, "resumed, not restarted");
    assert!(done.checksum_verified);
    assert!(
        std::fs::read(&done.path).expect("read") == data,
        "bytes identical after resume"
    );
    assert!(!part_path.exists());
}

async fn interrupted_download_resumes_from_its_part_file(b: &Bucket) {
    let data: Vec<u8> = (0..(24 * MIB as usize)).map(|i| (i % 241) as u8).collect();
    b.put("resume-test/uploads/big.bin", data.clone(), None)
        .await
        .expect("put");
    let key = ObjectKey::parse("resume-test/uploads/big.bin").expect("key");
    interrupt_then_resume(b, &key, &data, 4 * MIB).await;
}

/// 40 MiB in one PUT (a plain-MD5 ETag) takes the parallel ranged path: cancelled part-way it
/// leaves an in-order `.part` that the next run resumes; afresh it downloads and verifies.
async fn big_download_in_parallel_ranges_resumes_and_verifies(b: &Bucket) {
    let data: Vec<u8> = (0..(40 * MIB as usize))
        .map(|i| (i.wrapping_mul(40_503) >> 7) as u8)
        .collect();
    b.put("ranges-test/uploads/big.bin", data.clone(), None)
        .await
        .expect("put");
    let key = ObjectKey::parse("ranges-test/uploads/big.bin").expect("key");
    interrupt_then_resume(b, &key, &data, 1).await;
    download_fresh_and_verify(b, &key, &data).await;
}

/// Downloads `key` into an empty folder: nothing to resume, checksum verified, bytes `data`.
async fn download_fresh_and_verify(b: &Bucket, key: &ObjectKey, data: &[u8]) {
    let out = tempfile::tempdir().expect("tempdir");
    let strip = &key.as_str()[..key.as_str().len() - key.name().len()];
    let target = transfer::target_for(out.path(), key, strip).expect("target");
    let done = download(b, key, &target).await.expect("download");
    assert_eq!(done.resumed_from, 0);
    assert!(done.checksum_verified, "{key}: {done:?}");
    assert!(
        std::fs::read(&done.path).expect("read") == data,
        "bytes identical"
    );
}

/// Regression: the `.part` file was opened with create+truncate and the resume marker written
/// with a plain write, both following links, so whoever could write to a download folder could
/// plant `invoice.pdf.part -> ~/.bashrc` and have it truncated and overwritten. A file created
/// under the final name during the download was replaced by the rename, too.
async fn planted_links_at_the_part_names_are_never_written_through(b: &Bucket) {
    let data: Vec<u8> = (0..(9 * MIB as usize)).map(|i| (i % 239) as u8).collect();
    b.put("links-test/documents/invoice.pdf", data.clone(), None)
        .await
        .expect("put");
    let key = ObjectKey::parse("links-test/documents/invoice.pdf").expect("key");
    let out = tempfile::tempdir().expect("tempdir");
    let victims = tempfile::tempdir().expect("tempdir");
    let (victim, marker_victim) = (victims.path().join("bashrc"), victims.path().join("profile"));
    std::fs::write(&victim, b"keep me").expect("write");
    std::fs::write(&marker_victim, b"keep me too").expect("write");
    let dir = out.path().join("links-test/documents");
    std::fs::create_dir_all(&dir).expect("mkdir");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&victim, dir.join("invoice.pdf.part")).expect("link");
        std::os::unix::fs::symlink(&marker_victim, dir.join(".invoice.pdf.part.cubby")).expect("link");
    }
    let target = transfer::target_for(out.path(), &key, "").expect("target");
    let done = download(b, &key, &target).await.expect("download");
    assert!(done.checksum_verified);
    assert!(std::fs::read(&done.path).expect("read") == data);
    assert_eq!(std::fs::read(&victim).expect("victim"), b"keep me");
    assert_eq!(std::fs::read(&marker_victim).expect("victim"), b"keep me too");

    // A second download of the same key keeps the first file and takes a free name.
    let again = download(b, &key, &target).await.expect("download again");
    assert_ne!(again.path, done.path);
    assert!(std::fs::read(&done.path).expect("read") == data);
}

async fn hostile_keys_never_leave_the_download_folder(b: &Bucket) {
    let hostile = [
        "hostile/documents/..\\..\\evil.txt",
        "hostile/documents/C:\\Windows\\system.ini",
        "hostile/documents/CON.txt",
        "hostile/documents/what?<is>this*.txt",
        "hostile/documents/trailing dots...",
    ];
    let out = tempfile::tempdir().expect("tempdir");
    let mut tried = 0;
    for (i, raw) in hostile.iter().enumerate() {
        // Some servers refuse some of these keys outright, which is safe too; the mapping itself
        // is covered for every input by local_path's own tests.
        if b.put(raw, format!("payload {i}").into_bytes(), None)
            .await
            .is_err()
        {
            continue;
        }
        tried += 1;
        let key = ObjectKey::parse(raw).expect("valid S3 key");
        let target = transfer::target_for(out.path(), &key, "").expect("mappable");
        assert!(
            !target.adjusted.is_empty(),
            "{raw} had to be neutralized and says so"
        );
        let done = download(b, &key, &target).await.expect("download");
        let canonical = done.path.canonicalize().expect("exists");
        assert!(
            canonical.starts_with(out.path().canonicalize().expect("dir")),
            "{raw} → {}",
            canonical.display()
        );
        assert_eq!(
            std::fs::read(&done.path).expect("read"),
            format!("payload {i}").into_bytes()
        );
    }
    assert!(tried >= 3, "the server accepted only {tried} of the hostile keys");
    // The same key twice without --overwrite: the second lands beside the first.
    let key = ObjectKey::parse(hostile[2]).expect("key");
    let target = transfer::target_for(out.path(), &key, "").expect("target");
    let again = download(b, &key, &target).await.expect("again");
    assert!(
        again.path.to_string_lossy().contains(" (1)"),
        "{}",
        again.path.display()
    );
}

async fn prefix_delete_removes_more_than_one_batch(b: &Bucket) {
    let keys: Vec<String> = (0..1_200)
        .map(|i| format!("delete-test/uploads/{i:04}.bin"))
        .collect();
    let work = |key: String| {
        let b = b.clone();
        async move { b.put(&key, vec![1, 2, 3], None).await.map(|_| ()) }
    };
    for r in transfer::for_each_bounded(keys, 32, work).await {
        r.and_then(|r| r).expect("put");
    }
    b.put("delete-test-sibling/keep.txt", b"keep".to_vec(), None)
        .await
        .expect("put");
    let prefix = Prefix::parse("delete-test/").expect("prefix");
    let contents = objects::list_prefix(b, &prefix).await.expect("list");
    assert_eq!((contents.keys.len(), contents.bytes), (1_200, 3_600));
    let report = objects::delete_keys(b, &contents.keys).await.expect("delete");
    assert_eq!(report.deleted, 1_200, "{:?}", report.failed);
    assert!(objects::list_prefix(b, &prefix)
        .await
        .expect("list")
        .keys
        .is_empty());
    assert_eq!(
        b.get("delete-test-sibling/keep.txt").await.expect("sibling kept"),
        b"keep"
    );
}

async fn copy_and_move_keep_content_type_and_respect_tenants(b: &Bucket) {
    b.put(
        "copy-a/images/logo.png",
        b"\x89PNG logo".to_vec(),
        Some("image/png"),
    )
    .await
    .expect("put");
    let from = ObjectKey::parse("copy-a/images/logo.png").expect("key");
    let inside = ObjectKey::parse("copy-a/images/logo-2.png").expect("key");
    let other = ObjectKey::parse("copy-b/images/logo.png").expect("key");
    let err = objects::check_tenants(&from, &other, false).expect_err("cross-tenant refused");
    assert_eq!(err.advice(), Some(cubby_core::Hint::CrossTenant), "{err}");
    objects::check_tenants(&from, &other, true).expect("allowed when asked");
    objects::copy(b, &from, &inside, false).await.expect("copy");
    assert_eq!(
        b.head(inside.as_str())
            .await
            .expect("head")
            .content_type
            .as_deref(),
        Some("image/png")
    );
    let err = objects::copy(b, &from, &inside, false)
        .await
        .expect_err("no silent overwrite");
    assert_eq!(err.code(), "already_exists");
    objects::rename(b, &inside, &other, false).await.expect("move");
    assert_eq!(
        b.head(inside.as_str()).await.expect_err("moved away").code(),
        "not_found"
    );
    assert_eq!(b.get(other.as_str()).await.expect("moved"), b"\x89PNG logo");
}

/// curl, the client the mobile app would be: returns (status, headers, body).
fn curl(args: &[&str]) -> (u16, String, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (headers, body) = (dir.path().join("h"), dir.path().join("b"));
    let out = std::process::Command::new("curl")
        .args(["-sS", "-o"])
        .arg(&body)
        .arg("-D")
        .arg(&headers)
        .args(["-w", "%{http_code}"])
        .args(args)
        .output()
        .expect("curl");
    let status = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("status");
    (
        status,
        std::fs::read_to_string(&headers).unwrap_or_default(),
        std::fs::read(&body).unwrap_or_default(),
    )
}

fn share_profile() -> Profile {
    Profile {
        public_url: Some("https://files.example.com".into()),
        ..profile("http://unused")
    }
}

async fn upload_url_follows_the_seed_contract_for_curl(b: &Bucket) {
    use cubby_core::share::{upload_url, UploadRequest};
    let t = tenant("mobile");
    let now = chrono::Utc::now();
    let request = |content_type: &'static str, size: Option<u64>, expires: u64| UploadRequest {
        tenant: &t,
        file_name: "receipt.jpg",
        content_type,
        category: CategoryChoice::Auto,
        expires: Duration::from_secs(expires),
        size,
    };
    let made = upload_url(b, &share_profile(), &request("image/jpeg", None, 600), now)
        .await
        .expect("upload url");
    let json = serde_json::to_value(&made).expect("json");
    let keys: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "expires_at",
            "headers",
            "method",
            "object_key",
            "public_url",
            "success",
            "upload_url"
        ]
    );
    assert!(
        serde_json::to_string(&made)
            .expect("json")
            .starts_with("{\"success\":true,\"upload_url\":"),
        "the seed's field order"
    );
    assert_eq!(json["headers"], serde_json::json!({"Content-Type": "image/jpeg"}));
    assert!(made.object_key.starts_with("mobile/images/") && made.object_key.ends_with("_receipt.jpg"));
    assert_eq!(
        made.public_url.as_deref(),
        Some(format!("https://files.example.com/{}", made.object_key).as_str())
    );
    assert_eq!(made.expires_at.len(), "2025-01-27T13:36:00Z".len());

    let file = tempfile::NamedTempFile::new().expect("temp");
    std::fs::write(file.path(), b"\xFF\xD8\xFFjpeg from the phone").expect("write");
    let upload = format!("@{}", file.path().display());
    let (status, _, _) = curl(&[
        "-X",
        "PUT",
        "-H",
        "Content-Type: text/plain",
        "--data-binary",
        &upload,
        &made.upload_url,
    ]);
    assert_eq!(status, 403, "another Content-Type is refused");
    let (status, _, _) = curl(&[
        "-X",
        "PUT",
        "-H",
        "Content-Type: image/jpeg",
        "--data-binary",
        &upload,
        &made.upload_url,
    ]);
    assert_eq!(status, 200);
    let info = b.head(&made.object_key).await.expect("uploaded");
    assert_eq!(info.content_type.as_deref(), Some("image/jpeg"));

    let past = now - chrono::Duration::hours(2);
    let expired = upload_url(b, &share_profile(), &request("image/jpeg", None, 3600), past)
        .await
        .expect("signed");
    let (status, _, _) = curl(&[
        "-X",
        "PUT",
        "-H",
        "Content-Type: image/jpeg",
        "--data-binary",
        &upload,
        &expired.upload_url,
    ]);
    assert_eq!(status, 403, "an expired URL is refused");

    let sized = upload_url(b, &share_profile(), &request("image/jpeg", Some(5), 600), now)
        .await
        .expect("signed");
    assert!(
        sized.upload_url.contains("content-length"),
        "Content-Length is among the signed headers: {}",
        sized.upload_url
    );
    let (status, _, _) = curl(&[
        "-X",
        "PUT",
        "-H",
        "Content-Type: image/jpeg",
        "--data-binary",
        &upload,
        &sized.upload_url,
    ]);
    assert_eq!(status, 403, "a body of another size is refused");

    for bad in ["jpeg", "image/", "text/plain\r\nX: y"] {
        let err = upload_url(b, &share_profile(), &request(bad, None, 600), now)
            .await
            .expect_err("bad type");
        assert_eq!(err.code(), "invalid_input");
    }
}

async fn share_link_serves_bytes_with_the_download_name(b: &Bucket) {
    use cubby_core::share::{parse_expiry, share, Disposition};
    b.put(
        "support/documents/q.pdf",
        b"%PDF-1.4 shared".to_vec(),
        Some("application/pdf"),
    )
    .await
    .expect("put");
    let key = ObjectKey::parse("support/documents/q.pdf").expect("key");
    let name = Disposition::Attachment("Quittung März.pdf".into());
    let link = share(
        b,
        &share_profile(),
        &key,
        parse_expiry("1h").expect("1h"),
        &name,
        chrono::Utc::now(),
    )
    .await
    .expect("share");
    let (status, headers, body) = curl(&[&link.url]);
    assert_eq!(status, 200);
    assert_eq!(body, b"%PDF-1.4 shared");
    assert!(
        headers.to_ascii_lowercase().contains("content-disposition: attachment; filename=\"quittung m_rz.pdf\"; filename*=utf-8''quittung%20m%c3%a4rz.pdf"),
        "{headers}"
    );
    assert!(
        link.note.is_some() && link.public_url.is_some(),
        "custom-domain fine print with the public URL"
    );
    let missing = ObjectKey::parse("support/documents/nope.pdf").expect("key");
    let err = share(
        b,
        &share_profile(),
        &missing,
        Duration::from_secs(60),
        &Disposition::Default,
        chrono::Utc::now(),
    )
    .await
    .expect_err("no such object");
    assert_eq!(err.code(), "not_found");
}

async fn revoked_link_dies_and_register_holds_no_signature(b: &Bucket) {
    use cubby_core::links::{revoke, LinkFilter, LinkKind, NewLink, Register};
    use cubby_core::share::{share, Disposition};
    let home = tempfile::tempdir().expect("tempdir");
    let dirs = cubby_core::Dirs::new(home.path(), home.path());
    let register = Register::open(&dirs).expect("register");
    b.put(
        "support/images/20250127_123456_abc123_photo.png",
        b"\x89PNG photo".to_vec(),
        Some("image/png"),
    )
    .await
    .expect("put");
    let key = ObjectKey::parse("support/images/20250127_123456_abc123_photo.png").expect("key");
    let now = chrono::Utc::now();
    let link = share(
        b,
        &share_profile(),
        &key,
        Duration::from_secs(600),
        &Disposition::Default,
        now,
    )
    .await
    .expect("share");
    let id = register
        .record(&NewLink {
            kind: LinkKind::Share,
            profile: "test",
            key: &key,
            created: now,
            expires: now + chrono::Duration::minutes(10),
            issued_by: "support",
            note: Some("for the auditor"),
        })
        .expect("record");
    assert_eq!(curl(&[&link.url]).0, 200);
    let revoked = revoke(b, &register, "test", id, now).await.expect("revoke");
    assert_eq!(curl(&[&link.url]).0, 404, "the old link dies");
    assert!(
        revoked.new_key.starts_with("support/images/") && revoked.new_key.ends_with("_photo.png"),
        "{}",
        revoked.new_key
    );
    assert_eq!(b.get(&revoked.new_key).await.expect("moved"), b"\x89PNG photo");
    let records = register.list(&LinkFilter::default(), now).expect("list");
    assert_eq!(records[0].key, revoked.new_key, "the register follows the object");
    assert!(!records[0].active);
    drop(register);
    let signature = link.url.split("X-Amz-Signature=").nth(1).expect("signature");
    for entry in std::fs::read_dir(home.path()).expect("dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(signature) && !text.contains("X-Amz-Signature"),
            "no bearer token stored"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seaweedfs_conforms() {
    let server = tokio::task::spawn_blocking(|| SeaweedFs::start(&[BUCKET]))
        .await
        .expect("start");
    suite(&server.endpoint, &server.access_key, &server.secret_key).await;
}

async fn r2_sandbox(dir: &Path, rules: cubby_sandbox::R2Rules) -> (cubby_sandbox::Sandbox, Bucket) {
    let sandbox = cubby_sandbox::Sandbox::start(cubby_sandbox::Options {
        root: dir.to_path_buf(),
        bucket: BUCKET.into(),
        port: 0,
        access_key: "SANDBOXTESTKEY".into(),
        secret_key: "sandbox-test-secret".into(),
        r2: Some(rules),
    })
    .await
    .expect("sandbox");
    let bucket = Bucket::connect_speaking(
        &profile(&sandbox.endpoint()),
        &Credentials::new("SANDBOXTESTKEY", Secret::new("sandbox-test-secret")),
        Dialect::R2,
    )
    .expect("client");
    (sandbox, bucket)
}

/// The whole suite against the sandbox enforcing R2's documented rules, Cubby speaking R2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_in_r2_mode_conforms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (sandbox, b) = r2_sandbox(dir.path(), cubby_sandbox::R2Rules::default()).await;
    suite_on(&b, &sandbox.endpoint(), "SANDBOXTESTKEY", "sandbox-test-secret").await;
    sandbox.stop().await;
}

/// The refusals R2 mode exists for, as Cubby meets them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r2_mode_refuses_what_r2_documents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = cubby_sandbox::R2Rules {
        max_request: 6 * MIB,
        ..cubby_sandbox::R2Rules::default()
    };
    let (sandbox, b) = r2_sandbox(dir.path(), rules).await;

    // One request over the limit: refused before its body is read (the client sees the
    // connection end mid-send, as from a real server), and nothing is stored.
    assert!(b
        .put("acme/documents/big.bin", vec![7u8; 7 * MIB as usize], None)
        .await
        .is_err());
    assert!(b.head("acme/documents/big.bin").await.is_err());

    // Parts of different sizes before the last.
    let key = "acme/documents/uneven.bin";
    let id = b.create_multipart(key, &Default::default()).await.unwrap();
    let mut parts = Vec::new();
    for (n, size) in [(1, 5 * MIB), (2, 6 * MIB), (3, MIB)] {
        let body = vec![n as u8; size as usize];
        let md5 = transfer::content_md5_of(&body);
        parts.push((n, b.upload_part(key, &id, n, body, &md5).await.unwrap()));
    }
    let err = b.complete_multipart(key, &id, parts, false).await.unwrap_err();
    assert!(err.to_string().contains("same length"), "{err}");
    b.abort_multipart(key, &id).await.unwrap();

    // R2's copy guard: a copy onto a taken key is refused by the server itself, not only by
    // Cubby's look before.
    b.put("acme/documents/a.pdf", b"a".to_vec(), None).await.unwrap();
    b.put("acme/documents/b.pdf", b"b".to_vec(), None).await.unwrap();
    let err = b
        .copy_guarded("acme/documents/a.pdf", "acme/documents/b.pdf", false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "already_exists", "{err}");
    assert_eq!(b.get("acme/documents/b.pdf").await.unwrap(), b"b");
    sandbox.stop().await;
}

/// An object whose ETag is not derived from its content, as R2's older and migrated multipart
/// objects have: the download keeps the bytes and says they could not be verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_etag_on_r2_keeps_the_bytes_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = cubby_sandbox::R2Rules {
        legacy_etags: true,
        ..cubby_sandbox::R2Rules::default()
    };
    let (sandbox, b) = r2_sandbox(dir.path(), rules).await;
    // Written the way an old upload was, not through Cubby's verified upload.
    let key = ObjectKey::parse("acme/documents/old-scan.pdf").expect("key");
    let id = b
        .create_multipart(key.as_str(), &Default::default())
        .await
        .unwrap();
    let mut parts = Vec::new();
    let mut data = Vec::new();
    for (n, size) in [(1, 5 * MIB), (2, 5 * MIB), (3, 1234)] {
        let body: Vec<u8> = (0..size).map(|i| (i * 7 + n as u64) as u8).collect();
        data.extend_from_slice(&body);
        let md5 = transfer::content_md5_of(&body);
        parts.push((n, b.upload_part(key.as_str(), &id, n, body, &md5).await.unwrap()));
    }
    let etag = b
        .complete_multipart(key.as_str(), &id, parts, false)
        .await
        .unwrap();
    assert!(etag.as_deref().is_some_and(|e| e.contains("-3")), "{etag:?}");

    let into = tempfile::tempdir().expect("tempdir");
    let target = LocalTarget {
        path: into.path().join("old-scan.pdf"),
        adjusted: Vec::new(),
    };
    let done = download(&b, &key, &target).await.expect("kept, not refused");
    assert!(!done.checksum_verified);
    assert!(
        done.note
            .as_deref()
            .is_some_and(|n| n.starts_with("not verified")),
        "{:?}",
        done.note
    );
    assert_eq!(std::fs::read(&done.path).expect("read"), data);
    sandbox.stop().await;
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
        r2: None,
    })
    .await
    .expect("sandbox");
    suite(&sandbox.endpoint(), "SANDBOXTESTKEY", "sandbox-test-secret").await;
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_conforms() {
    storage_suite(&Bucket::in_memory(BUCKET)).await;
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

/// A migration from SeaweedFS (playing the old S3 bucket) into the sandbox playing R2, over real
/// HTTP and SigV4 on both sides: headers and metadata arrive, a 20 MiB object goes in R2-legal
/// parts, each object is verified, and a second run writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migration_from_seaweedfs_into_r2_keeps_headers_and_a_rerun_writes_nothing() {
    use cubby_core::migrate::{Migration, Options};
    use cubby_core::storage::{ObjectHeaders, Presentation};
    let server = tokio::task::spawn_blocking(|| SeaweedFs::start(&[BUCKET]))
        .await
        .expect("start");
    let source = bucket(&server.endpoint, &server.access_key, &server.secret_key);
    let dir = tempfile::tempdir().expect("tempdir");
    let (sandbox, dest) = r2_sandbox(&dir.path().join("r2"), cubby_sandbox::R2Rules::default()).await;
    let headers = ObjectHeaders {
        content_type: Some("application/pdf".into()),
        metadata: [("uploaded-by".to_string(), "mobile-app".to_string())].into(),
        presentation: Presentation {
            cache_control: Some("private, max-age=3600".into()),
            content_disposition: Some("attachment; filename=\"receipt.pdf\"".into()),
            content_encoding: None,
            content_language: Some("en".into()),
            expires: None,
        },
    };
    let receipt = b"%PDF-1.4 a 2019 receipt".to_vec();
    source
        .put_body(
            "acme/documents/20190101_000000_abc123_receipt.pdf",
            receipt.clone(),
            &headers,
            &transfer::content_md5_of(&receipt),
            false,
        )
        .await
        .expect("put");
    let big: Vec<u8> = (0..(20 * MIB as usize))
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect();
    source
        .put("acme/uploads/archive.zip", big.clone(), None)
        .await
        .expect("put");
    let migration = Migration {
        source: source.clone(),
        dest: dest.clone(),
        source_id: format!("{}|{BUCKET}", server.endpoint),
        dest_id: format!("{}|{BUCKET}", sandbox.endpoint()),
        options: Options::default(),
    };
    let home = tempfile::tempdir().expect("tempdir");
    let dirs = cubby_core::Dirs::new(home.path().join("c"), home.path().join("d"));
    let plan = migration.plan(&dirs).await.expect("plan");
    assert_eq!(
        (plan.to_copy.objects, plan.to_copy.bytes),
        (2, (receipt.len() + big.len()) as u64)
    );
    let report = migration
        .run(&dirs, &Default::default(), |_| {})
        .await
        .expect("run");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.copied.objects, 2);
    let info = dest
        .head("acme/documents/20190101_000000_abc123_receipt.pdf")
        .await
        .expect("head");
    assert_eq!(info.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        info.metadata.get("uploaded-by").map(String::as_str),
        Some("mobile-app")
    );
    assert_eq!(
        info.presentation.cache_control.as_deref(),
        Some("private, max-age=3600")
    );
    assert_eq!(
        info.presentation.content_disposition.as_deref(),
        Some("attachment; filename=\"receipt.pdf\"")
    );
    assert_eq!(info.presentation.content_language.as_deref(), Some("en"));
    assert!(dest.get("acme/uploads/archive.zip").await.expect("get") == big);
    let again = migration
        .run(&dirs, &Default::default(), |_| {})
        .await
        .expect("rerun");
    assert_eq!((again.copied.objects, again.already_there.objects), (0, 2));
    sandbox.stop().await;
}
