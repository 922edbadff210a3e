use super::*;

#[test]
fn temporary_and_hidden_files_are_ignored() {
    for name in [
        ".DS_Store",
        "~$budget.xlsx",
        ".~lock.report.odt#",
        "scan.tmp",
        "photo.jpg.part",
        "file.crdownload",
        ".receipt.swp",
        "notes.txt~",
        "Thumbs.db",
        "desktop.ini",
        ".goutputstream-XYZ",
        "sub/.hidden/a.pdf",
        "Uploaded/a.pdf",
    ] {
        assert!(is_ignored(name, &[]), "{name}");
    }
    for name in ["receipt.jpg", "sub/invoice.pdf", "Uploaded.pdf", "tmp.pdf"] {
        assert!(!is_ignored(name, &[]), "{name}");
    }
    assert!(is_ignored(
        "draft-1.docx",
        &[NameFilter::parse("draft-*").unwrap()]
    ));
}

/// The engine, run against a bucket in memory on tokio's paused clock: the stability window
/// and the scan ticks pass in virtual time, so each case takes milliseconds.
mod engine {
    use super::*;
    use crate::Dirs;
    use md5::Digest;

    /// Milliseconds on tokio's clock, which paused tests move forward.
    struct TokioClock {
        base: i64,
        start: tokio::time::Instant,
    }

    impl Clock for TokioClock {
        fn now_ms(&self) -> i64 {
            self.base + self.start.elapsed().as_millis() as i64
        }
    }

    struct Rig {
        _home: tempfile::TempDir,
        dirs: Dirs,
        folder: PathBuf,
        bucket: Bucket,
        clock: Arc<TokioClock>,
    }

    const PDF: &[u8] = b"%PDF-1.4 a receipt";

    impl Rig {
        fn new() -> Rig {
            let home = tempfile::tempdir().unwrap();
            let dirs = Dirs::new(home.path().join("config"), home.path().join("data"));
            let folder = home.path().join("Receipts");
            std::fs::create_dir(&folder).unwrap();
            let journal = self::Rig::journal_at(&dirs);
            journal.watch_for_tests(&folder);
            Rig {
                _home: home,
                dirs,
                folder,
                bucket: Bucket::in_memory("receipts"),
                clock: Arc::new(TokioClock {
                    base: 1_764_547_200_000,
                    start: tokio::time::Instant::now(),
                }),
            }
        }

        fn journal_at(dirs: &Dirs) -> Journal {
            Journal::open(dirs, "test").unwrap()
        }

        fn journal(&self) -> Journal {
            Rig::journal_at(&self.dirs)
        }

        fn watcher(&self, once: bool) -> Watcher {
            let options = SyncOptions {
                once,
                ..SyncOptions::default()
            };
            Watcher::new(
                self.bucket.clone(),
                self.journal(),
                options,
                Arc::new(|_: SyncEvent| {}),
            )
            .with_clock(self.clock.clone())
        }

        async fn run_once(&self) {
            let folders = self.journal().folders().unwrap();
            self.watcher(true)
                .run(folders, CancellationToken::new())
                .await
                .unwrap();
        }

        async fn keys(&self) -> Vec<String> {
            let page = self.bucket.list_page("acme/", None, None, None).await.unwrap();
            page.objects.into_iter().map(|o| o.key).collect()
        }

        fn status(&self) -> crate::journal::FolderStatus {
            let journal = self.journal();
            let id = journal.folders().unwrap()[0].id;
            journal.status(id, i64::MAX).unwrap()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_settled_file_is_uploaded_once_and_only_once() {
        let rig = Rig::new();
        std::fs::write(rig.folder.join("receipt.pdf"), PDF).unwrap();
        rig.run_once().await;
        let keys = rig.keys().await;
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(
            keys[0].starts_with("acme/documents/") && keys[0].ends_with("_receipt.pdf"),
            "{keys:?}"
        );
        assert_eq!(rig.bucket.get(&keys[0]).await.unwrap(), PDF);
        // Another run, as after a restart: nothing new to upload.
        rig.run_once().await;
        assert_eq!(rig.keys().await, keys);
        assert_eq!(rig.status().uploaded, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn client_subfolders_are_tenants_and_a_file_without_one_is_a_problem_not_an_upload() {
        let rig = Rig::new();
        let clients = rig.folder.parent().unwrap().join("Clients");
        for sub in ["acme", "globex", "Bad Name"] {
            std::fs::create_dir_all(clients.join(sub)).unwrap();
        }
        // The same receipt for two clients goes to both; a loose file and one in a folder that
        // cannot be a tenant go nowhere.
        std::fs::write(clients.join("acme/receipt.pdf"), PDF).unwrap();
        std::fs::write(clients.join("globex/receipt.pdf"), PDF).unwrap();
        std::fs::write(clients.join("loose.pdf"), b"%PDF-1.4 whose?").unwrap();
        std::fs::write(clients.join("Bad Name/scan.pdf"), b"%PDF-1.4 bad").unwrap();
        let journal = rig.journal();
        let folder = journal
            .add_folder(
                &clients.canonicalize().unwrap(),
                &TenantRule::PerSubfolder,
                crate::CategoryChoice::Auto,
                AfterUpload::Keep,
                None,
                &[],
            )
            .unwrap();
        rig.run_once().await;
        let all = |bucket: Bucket| async move {
            let page = bucket.list_page("", None, None, None).await.unwrap();
            page.objects.into_iter().map(|o| o.key).collect::<Vec<_>>()
        };
        let keys = all(rig.bucket.clone()).await;
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert!(
            keys[0].starts_with("acme/documents/") && keys[1].starts_with("globex/documents/"),
            "{keys:?}"
        );
        let status = journal.status(folder.id, i64::MAX).unwrap();
        let mut problems: Vec<(String, String)> = status
            .problems
            .iter()
            .map(|p| (p.path.clone(), p.last_error.clone().unwrap_or_default()))
            .collect();
        problems.sort();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, "Bad Name/scan.pdf");
        assert!(
            problems[0].1.contains("'Bad Name' cannot be a tenant"),
            "{problems:?}"
        );
        assert_eq!(problems[1].0, "loose.pdf");
        assert!(
            problems[1].1.contains("not in a client's subfolder"),
            "{problems:?}"
        );
        // Moved into a client's folder, the loose file goes up there, once.
        std::fs::rename(clients.join("loose.pdf"), clients.join("acme/loose.pdf")).unwrap();
        rig.run_once().await;
        rig.run_once().await;
        let keys = all(rig.bucket.clone()).await;
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert_eq!(
            keys.iter()
                .filter(|k| k.ends_with("_loose.pdf") && k.starts_with("acme/"))
                .count(),
            1
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_file_waits_for_the_stability_window_then_goes_up() {
        let rig = Rig::new();
        std::fs::write(rig.folder.join("scan.pdf"), PDF).unwrap();
        let folders = rig.journal().folders().unwrap();
        let cancel = CancellationToken::new();
        let engine = tokio::spawn({
            let (watcher, cancel) = (rig.watcher(false), cancel.clone());
            async move { watcher.run(folders, cancel).await }
        });
        // Seen at the start; the engine looks for due files every 200 ms, so without the
        // window it would have gone up long before this.
        tokio::time::sleep(SyncOptions::default().stability / 2).await;
        assert!(rig.keys().await.is_empty(), "uploaded before it settled");
        tokio::time::sleep(SyncOptions::default().stability).await;
        for _ in 0..50 {
            if !rig.keys().await.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(rig.keys().await.len(), 1);
        cancel.cancel();
        engine.await.unwrap().unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_crash_after_the_server_committed_is_settled_without_a_second_upload() {
        let rig = Rig::new();
        std::fs::write(rig.folder.join("receipt.pdf"), PDF).unwrap();
        let hash = format!("{:x}", md5::Md5::digest(PDF));
        let (committed, lost) = (
            "acme/documents/20251201_000000_abc123_receipt.pdf",
            "acme/documents/20251201_000000_def456_other.pdf",
        );
        std::fs::write(rig.folder.join("other.pdf"), b"%PDF-1.4 never arrived").unwrap();
        let other_hash = format!("{:x}", md5::Md5::digest(b"%PDF-1.4 never arrived"));
        {
            // The journal of a run that crashed mid-upload: both keys reserved, only the first
            // committed by the server.
            let mut journal = rig.journal();
            let id = journal.folders().unwrap()[0].id;
            let seen = vec![
                ("receipt.pdf".to_string(), PDF.len() as u64, 0),
                ("other.pdf".to_string(), 22, 0),
            ];
            journal.observe(id, &seen, 0, 0).unwrap();
            journal.reserve(id, "receipt.pdf", &hash, committed).unwrap();
            journal.reserve(id, "other.pdf", &other_hash, lost).unwrap();
        }
        rig.bucket
            .put(committed, PDF.to_vec(), Some("application/pdf"))
            .await
            .unwrap();
        rig.run_once().await;
        let mut keys = rig.keys().await;
        keys.sort();
        assert_eq!(
            keys,
            [committed, lost],
            "the lost one goes up under its reserved key, nothing twice"
        );
        assert_eq!(rig.status().uploaded, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_single_pass_does_not_wait_forever_for_an_empty_file() {
        let rig = Rig::new();
        std::fs::write(rig.folder.join("receipt.pdf"), PDF).unwrap();
        std::fs::write(rig.folder.join("scanning.pdf"), b"").unwrap();
        tokio::time::timeout(Duration::from_secs(3600), rig.run_once())
            .await
            .expect("--once ends while an empty file waits");
        assert_eq!(
            rig.keys().await.len(),
            1,
            "the empty file is never uploaded blank"
        );
        let status = rig.status();
        assert_eq!((status.uploaded, status.waiting + status.queued), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_crash_after_a_multipart_upload_committed_is_settled_by_its_part_etag() {
        use base64::Engine as _;
        let rig = Rig::new();
        // Above the multipart threshold: the server's ETag is the MD5 of the part MD5s.
        let part = crate::transfer::DEFAULT_PART_SIZE as usize;
        let data: Vec<u8> = (0..(4 * part + 1234)).map(|i| (i % 251) as u8).collect();
        std::fs::write(rig.folder.join("scan.pdf"), &data).unwrap();
        let key = "acme/documents/20251201_000000_abc123_scan.pdf";
        let id = rig
            .bucket
            .create_multipart(key, &Default::default())
            .await
            .unwrap();
        let mut parts = Vec::new();
        for (i, chunk) in data.chunks(part).enumerate() {
            let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(chunk));
            let etag = rig
                .bucket
                .upload_part(key, &id, i as i32 + 1, chunk.to_vec(), &md5)
                .await
                .unwrap();
            parts.push((i as i32 + 1, etag));
        }
        rig.bucket
            .complete_multipart(key, &id, parts, true)
            .await
            .unwrap();
        {
            let mut journal = rig.journal();
            let folder = journal.folders().unwrap()[0].id;
            let mtime = mtime_ns(&std::fs::metadata(rig.folder.join("scan.pdf")).unwrap());
            journal
                .observe(
                    folder,
                    &[("scan.pdf".to_string(), data.len() as u64, mtime)],
                    0,
                    0,
                )
                .unwrap();
            journal
                .reserve(folder, "scan.pdf", &format!("{:x}", md5::Md5::digest(&data)), key)
                .unwrap();
        }
        rig.run_once().await;
        assert_eq!(rig.keys().await, [key], "settled, not uploaded again");
        let status = rig.status();
        assert_eq!((status.uploaded, status.failed), (1, 0), "{:?}", status.problems);
    }

    /// Real time and real inotify: a file its writer closes goes up at once, however long the
    /// stability window; one still open waits, and goes up whole once its writer closes it.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_closed_file_goes_up_at_once_and_an_open_one_waits() {
        use std::io::Write;
        async fn keys_when(rig: &Rig, n: usize) -> Vec<String> {
            for _ in 0..100 {
                if rig.keys().await.len() >= n {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            rig.keys().await
        }
        let rig = Rig::new();
        let options = SyncOptions {
            stability: Duration::from_secs(600),
            ..SyncOptions::default()
        };
        let watcher = Watcher::new(
            rig.bucket.clone(),
            rig.journal(),
            options,
            Arc::new(|_: SyncEvent| {}),
        );
        let (folders, cancel) = (rig.journal().folders().unwrap(), CancellationToken::new());
        let engine = tokio::spawn({
            let cancel = cancel.clone();
            async move { watcher.run(folders, cancel).await }
        });
        // The first scan, and the watch in place.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut scanner = std::fs::File::create(rig.folder.join("scan.pdf")).unwrap();
        scanner.write_all(b"%PDF-1.4 first page").unwrap();
        std::fs::write(rig.folder.join("receipt.pdf"), PDF).unwrap();
        let keys = keys_when(&rig, 1).await;
        assert!(keys.len() == 1 && keys[0].ends_with("_receipt.pdf"), "{keys:?}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(rig.keys().await.len(), 1, "a file still open is not uploaded");
        scanner.write_all(b", second page").unwrap();
        drop(scanner);
        let keys = keys_when(&rig, 2).await;
        let scan = keys
            .iter()
            .find(|k| k.ends_with("_scan.pdf"))
            .expect("scan uploaded once closed");
        assert_eq!(
            rig.bucket.get(scan).await.unwrap(),
            b"%PDF-1.4 first page, second page"
        );
        cancel.cancel();
        engine.await.unwrap().unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_renamed_file_is_recognised_by_its_content() {
        let rig = Rig::new();
        std::fs::write(rig.folder.join("a.pdf"), PDF).unwrap();
        rig.run_once().await;
        std::fs::rename(rig.folder.join("a.pdf"), rig.folder.join("b.pdf")).unwrap();
        rig.run_once().await;
        assert_eq!(rig.keys().await.len(), 1, "a rename is not a new receipt");
    }
}
