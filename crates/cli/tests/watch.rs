//! Watched folders end to end: the real `cubby watch run` process, a real folder, SeaweedFS, and
//! boto3 counting what arrived, independently of Cubby's own journal.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cubby_testkit::{command, run_with_timeout, Boto3, SeaweedFs};

const BUCKET: &str = "watch-bucket";

struct Rig {
    server: SeaweedFs,
    home: tempfile::TempDir,
    inbox: PathBuf,
}

impl Rig {
    fn new(after_upload: &str) -> Rig {
        Self::with(&["--after-upload", after_upload])
    }

    fn with(options: &[&str]) -> Rig {
        let server = SeaweedFs::start(&[BUCKET]);
        let home = tempfile::tempdir().expect("tempdir");
        let inbox = home.path().join("Receipts");
        std::fs::create_dir_all(&inbox).expect("inbox");
        let rig = Rig { server, home, inbox };
        let inbox = rig.inbox.to_str().expect("utf8").to_string();
        let mut args = vec!["watch", "add", inbox.as_str(), "--tenant", "acme", "--new-tenant"];
        args.extend_from_slice(options);
        let (code, out, err) = rig.cubby(&args);
        assert_eq!(code, 0, "{out}{err}");
        rig
    }

    fn base(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CUBBY_CONFIG_DIR", self.home.path().join("config"))
            .env("CUBBY_DATA_DIR", self.home.path().join("data"))
            .env("CLOUDFLARE_R2_ENDPOINT", &self.server.endpoint)
            .env("CLOUDFLARE_R2_ACCESS_KEY_ID", &self.server.access_key)
            .env("CLOUDFLARE_R2_SECRET_ACCESS_KEY", &self.server.secret_key)
            .env("CLOUDFLARE_R2_BUCKET_NAME", BUCKET);
    }

    fn cubby(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cubby"));
        self.base(&mut cmd);
        cmd.args(args);
        let (code, out, err) = run_with_timeout(&mut cmd, None, Duration::from_secs(60));
        (code.unwrap_or(-1), out, err)
    }

    /// `cubby watch run` in the background, with a short stability window to keep tests quick.
    fn watch(&self) -> Child {
        let mut cmd = command(env!("CARGO_BIN_EXE_cubby"));
        self.base(&mut cmd);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.home.path().join("watch.log"))
            .expect("log");
        cmd.args(["watch", "run", "--stability-ms", "700"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("cubby watch run")
    }

    /// Keys under `prefix`, listed by boto3.
    fn keys(&self, prefix: &str) -> Vec<String> {
        Boto3 { server: &self.server }.keys(BUCKET, prefix)
    }

    /// Waits until boto3 sees `n` objects under acme/, then a little longer to catch extras.
    fn wait_for_objects(&self, n: usize, within: Duration) -> Vec<String> {
        let start = Instant::now();
        loop {
            let keys = self.keys("acme/");
            if keys.len() >= n {
                std::thread::sleep(Duration::from_millis(1500));
                return self.keys("acme/");
            }
            if start.elapsed() > within {
                let log = std::fs::read_to_string(self.home.path().join("watch.log")).unwrap_or_default();
                let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
                panic!(
                    "only {} of {n} objects arrived within {within:?}; watcher log (newest first):\n{tail}",
                    keys.len()
                );
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn drop_file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.inbox.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn names(keys: &[String]) -> Vec<String> {
    let mut names: Vec<String> = keys
        .iter()
        .map(|k| k.rsplit('/').next().unwrap_or_default()[23..].to_string())
        .collect();
    names.sort();
    names
}

fn receipt(i: usize) -> Vec<u8> {
    format!("%PDF-1.4 receipt number {i} {}", "x".repeat(i % 97)).into_bytes()
}

#[test]
fn two_hundred_files_arrive_exactly_once_in_the_right_category_and_temp_files_never() {
    let rig = Rig::new("keep");
    let watcher = rig.watch();
    for i in 0..190 {
        rig.drop_file(&format!("receipt-{i:03}.pdf"), &receipt(i));
    }
    for i in 0..10 {
        rig.drop_file(
            &format!("photos/photo-{i}.jpg"),
            format!("\u{FF}\u{D8}\u{FF} jpeg {i}").as_bytes(),
        );
    }
    for temp in [
        ".DS_Store",
        "~$draft.docx",
        "scan.tmp",
        "dl.crdownload",
        "x.part",
        ".hidden/receipt.pdf",
        "notes.txt~",
    ] {
        rig.drop_file(temp, b"never upload me");
    }
    let keys = rig.wait_for_objects(200, Duration::from_secs(90));
    stop(watcher);
    assert_eq!(
        keys.len(),
        200,
        "exactly 200 objects, none twice, no temporary files"
    );
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("acme/documents/")).count(),
        190
    );
    assert_eq!(keys.iter().filter(|k| k.starts_with("acme/images/")).count(), 10);
    let mut expected: Vec<String> = (0..190)
        .map(|i| format!("receipt-{i:03}.pdf"))
        .chain((0..10).map(|i| format!("photo-{i}.jpg")))
        .collect();
    expected.sort();
    assert_eq!(names(&keys), expected);

    let (code, out, _) = rig.cubby(&["--json", "watch", "status"]);
    assert_eq!(code, 0);
    let status: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(status[0]["status"]["uploaded"], 200, "{out}");
}

#[test]
fn kill_dash_nine_mid_upload_then_restart_neither_loses_nor_duplicates() {
    let rig = Rig::new("keep");
    let watcher = rig.watch();
    for i in 0..200 {
        rig.drop_file(&format!("r-{i:03}.pdf"), &receipt(i));
    }
    // Kill once uploads are under way, as a crash or power cut would. The watcher's own log
    // says so at once; listing the bucket with boto3 takes long enough on a loaded machine
    // for the whole batch to finish first.
    let start = Instant::now();
    let log = rig.home.path().join("watch.log");
    while std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches("Uploaded: ")
        .count()
        < 20
    {
        assert!(start.elapsed() < Duration::from_secs(60), "uploads never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    stop(watcher); // SIGKILL
    let before = rig.keys("acme/").len();
    assert!(before < 200, "the kill should land mid-batch (got {before})");
    let again = rig.watch();
    let keys = rig.wait_for_objects(200, Duration::from_secs(90));
    stop(again);
    assert_eq!(keys.len(), 200, "no duplicates after the restart");
    let mut expected: Vec<String> = (0..200).map(|i| format!("r-{i:03}.pdf")).collect();
    expected.sort();
    assert_eq!(names(&keys), expected, "none lost");
}

#[test]
fn files_queue_while_the_server_is_down_and_drain_when_it_returns() {
    let mut rig = Rig::new("move");
    let watcher = rig.watch();
    rig.drop_file("first.pdf", &receipt(1));
    rig.wait_for_objects(1, Duration::from_secs(30));
    rig.server.stop();
    for i in 0..20 {
        rig.drop_file(&format!("offline-{i:02}.pdf"), &receipt(100 + i));
    }
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        std::fs::read_dir(&rig.inbox).expect("inbox").count(),
        21,
        "nothing moved while offline (20 + Uploaded/)"
    );
    rig.server.start_again();
    let keys = rig.wait_for_objects(21, Duration::from_secs(120));
    stop(watcher);
    assert_eq!(keys.len(), 21);
    let moved = std::fs::read_dir(rig.inbox.join("Uploaded"))
        .expect("Uploaded/")
        .count();
    assert_eq!(
        moved, 21,
        "each file moved to Uploaded/ after its verified upload"
    );
}

#[test]
fn slow_writes_renames_unicode_and_long_names() {
    let rig = Rig::new("keep");
    let watcher = rig.watch();
    // Written over 5 seconds: uploaded once, complete.
    let slow = rig.inbox.join("slow-scan.pdf");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&slow).expect("create");
        for i in 0..10 {
            file.write_all(format!("%PDF chunk {i} {}\n", "y".repeat(1000)).as_bytes())
                .expect("write");
            file.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    let unicode = "Quittung Café – 日本 🧾.pdf";
    rig.drop_file(unicode, &receipt(7));
    let long = format!("{}.pdf", "very-long-receipt-name-".repeat(10));
    rig.drop_file(&long, &receipt(8));
    let keys = rig.wait_for_objects(3, Duration::from_secs(60));
    assert_eq!(keys.len(), 3, "{keys:?}");
    let slow_key = keys
        .iter()
        .find(|k| k.ends_with("_slow-scan.pdf"))
        .expect("slow file uploaded");
    let size = Boto3 { server: &rig.server }.run(&format!(
        "print(s3.head_object(Bucket='{BUCKET}', Key={slow_key:?})['ContentLength'])"
    ));
    assert_eq!(
        size.trim(),
        std::fs::metadata(&slow).expect("meta").len().to_string(),
        "complete"
    );
    assert!(
        keys.iter().any(|k| k.contains("Café") && k.contains("日本")),
        "Unicode kept: {keys:?}"
    );
    assert!(keys.iter().all(|k| k.len() <= 1024));

    // Renaming or moving an uploaded file inside the folder uploads nothing new.
    std::fs::create_dir_all(rig.inbox.join("2025")).expect("mkdir");
    std::fs::rename(&slow, rig.inbox.join("2025/renamed-scan.pdf")).expect("rename");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(rig.keys("acme/").len(), 3, "a rename is not a new receipt");
    // Changing the content is: a new key, and the old object stays.
    rig.drop_file("2025/renamed-scan.pdf", b"%PDF-1.4 corrected scan");
    let keys = rig.wait_for_objects(4, Duration::from_secs(30));
    stop(watcher);
    assert_eq!(keys.len(), 4);
    assert!(
        Path::new(&rig.inbox).join("2025/renamed-scan.pdf").exists(),
        "keep leaves files in place"
    );
}

#[test]
fn a_file_that_changes_during_upload_never_leaves_a_mixed_object() {
    let rig = Rig::new("keep");
    let watcher = rig.watch();
    // 80 MiB: a multipart upload long enough on loopback to change the file under it.
    let first: Vec<u8> = (0..80 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let path = rig.drop_file("scan.bin", &first);
    let log = rig.home.path().join("watch.log");
    let start = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("Uploading: scan.bin")
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the upload never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        file.write_all(b"appended while uploading").expect("append");
    }
    let final_bytes = std::fs::read(&path).expect("read");
    let md5 = |bytes: &[u8]| {
        let out = Command::new("md5sum")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().expect("stdin").write_all(bytes)?;
                c.wait_with_output()
            });
        String::from_utf8_lossy(&out.expect("md5sum").stdout)
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let (first_md5, final_md5) = (md5(&first), md5(&final_bytes));
    // Whatever the timing, the final content arrives, and every object is one whole version.
    let start = Instant::now();
    loop {
        let seen = Boto3 { server: &rig.server }.run(&format!(
            "for page in s3.get_paginator('list_objects_v2').paginate(Bucket='{BUCKET}', Prefix='acme/'):\n\
             \x20   for o in page.get('Contents', []):\n\
             \x20       b = s3.get_object(Bucket='{BUCKET}', Key=o['Key'])['Body'].read(); print(hashlib.md5(b).hexdigest())\n"
        ));
        let hashes: Vec<&str> = seen.lines().collect();
        assert!(
            hashes.iter().all(|h| *h == first_md5 || *h == final_md5),
            "a mixed or partial object: {hashes:?}"
        );
        if hashes.contains(&final_md5.as_str()) {
            assert_eq!(
                hashes.iter().filter(|h| **h == final_md5).count(),
                1,
                "the final version exactly once"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the final version never arrived: {hashes:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    stop(watcher);
}

#[test]
fn polling_finds_files_where_os_events_never_come() {
    let rig = Rig::with(&["--poll", "1", "--ignore", "draft-*"]);
    let watcher = rig.watch();
    rig.drop_file("polled.pdf", &receipt(3));
    rig.drop_file("draft-1.pdf", &receipt(4));
    let keys = rig.wait_for_objects(1, Duration::from_secs(30));
    stop(watcher);
    assert_eq!(names(&keys), ["polled.pdf"], "user ignore patterns apply too");
}

/// `watch run --once` uploads what is there and exits; a second run finds nothing new to send.
#[test]
fn once_uploads_what_is_there_and_exits() {
    let rig = Rig::new("keep");
    for i in 0..5 {
        rig.drop_file(&format!("r{i}.pdf"), format!("%PDF-1.4 receipt {i}").as_bytes());
    }
    let (code, out, err) = rig.cubby(&["watch", "run", "--once", "--stability-ms", "200"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(rig.keys("acme/").len(), 5, "{out}{err}");
    let (code, out, err) = rig.cubby(&["watch", "run", "--once", "--stability-ms", "200"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(rig.keys("acme/").len(), 5, "nothing uploaded twice: {out}{err}");
}

/// Regression: notify followed linked folders, so a `keys -> ~/.ssh` link planted in a shared
/// drop folder turned changes behind it into uploads, and after-upload delete into deleting the
/// originals; a planted `Uploaded -> elsewhere` link received every moved receipt.
#[cfg(unix)]
#[test]
fn links_in_a_watched_folder_are_never_followed_out_of_it() {
    use std::os::unix::fs::symlink;
    for after in ["delete", "move"] {
        let rig = Rig::new(after);
        let outside = rig.home.path().join("private");
        std::fs::create_dir_all(&outside).expect("outside");
        std::fs::write(outside.join("id_ed25519"), b"%PDF-1.4 not a receipt, a key").expect("write");
        symlink(&outside, rig.inbox.join("keys")).expect("link folder");
        symlink(
            outside.join("id_ed25519"),
            rig.inbox.join("looks-like-a-receipt.pdf"),
        )
        .expect("link file");
        if after == "move" {
            symlink(&outside, rig.inbox.join("Uploaded")).expect("link Uploaded");
        }
        rig.drop_file("real.pdf", &receipt(1));

        let watcher = rig.watch();
        // Written behind the link while the watcher runs: a live event, if links were followed.
        std::thread::sleep(Duration::from_millis(1500));
        std::fs::write(outside.join("later.pdf"), receipt(2)).expect("write behind the link");
        rig.drop_file("real-2.pdf", &receipt(3));
        let keys = rig.wait_for_objects(2, Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(2000));
        let keys_after = rig.keys("acme/");
        stop(watcher);

        assert_eq!(names(&keys), ["real-2.pdf", "real.pdf"], "after-upload {after}");
        assert_eq!(
            keys_after, keys,
            "nothing from behind a link arrived later ({after})"
        );
        assert!(
            outside.join("id_ed25519").is_file(),
            "the link's target stays ({after})"
        );
        assert!(
            outside.join("later.pdf").is_file(),
            "files behind a link stay ({after})"
        );
        assert!(
            !outside.join("real.pdf").exists(),
            "nothing moved through a planted Uploaded link ({after})"
        );
        assert!(
            std::fs::symlink_metadata(rig.inbox.join("looks-like-a-receipt.pdf")).is_ok(),
            "the link itself is left alone ({after})"
        );
        if after == "move" {
            assert!(
                rig.inbox.join("real.pdf").is_file(),
                "not moved through the planted link"
            );
        } else {
            assert!(
                !rig.inbox.join("real.pdf").exists(),
                "a real file is deleted after upload"
            );
        }
    }
}

/// `watch add --tenant-per-subfolder`: the real `cubby watch run --once` process puts each
/// client's receipts under that client's tenant; a loose file and a subfolder that cannot be a
/// tenant are reported with their reason, and nothing of theirs reaches the bucket.
#[test]
fn client_subfolders_each_go_to_their_own_tenant() {
    let server = SeaweedFs::start(&[BUCKET]);
    let home = tempfile::tempdir().expect("tempdir");
    let clients = home.path().join("Clients");
    for sub in ["acme", "globex", "Not A Tenant"] {
        std::fs::create_dir_all(clients.join(sub)).expect("mkdir");
    }
    let rig = Rig {
        server,
        home,
        inbox: clients.clone(),
    };
    let dir = clients.to_str().expect("utf8");
    let (code, out, err) = rig.cubby(&["watch", "add", dir, "--tenant-per-subfolder"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("client folders: acme/, globex/"), "{err}");
    assert!(err.contains("'Not A Tenant' is not a tenant id"), "{err}");
    let (code, _, err) = rig.cubby(&["watch", "add", dir, "--tenant", "acme", "--tenant-per-subfolder"]);
    assert_eq!(code, 2, "one tenant or one per subfolder, not both: {err}");

    rig.drop_file("acme/receipt.pdf", b"%PDF-1.4 acme's receipt");
    rig.drop_file("globex/photo.jpg", b"\xFF\xD8\xFF\xE0 globex's photo");
    rig.drop_file("loose.pdf", b"%PDF-1.4 whose is this?");
    rig.drop_file("Not A Tenant/scan.pdf", b"%PDF-1.4 nowhere");
    let (code, out, err) = rig.cubby(&["watch", "run", "--once", "--stability-ms", "0"]);
    assert_ne!(code, 0, "problems make a non-zero exit: {out}{err}");
    let all = rig.keys("");
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.iter()
            .any(|k| k.starts_with("acme/documents/") && k.ends_with("_receipt.pdf")),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|k| k.starts_with("globex/images/") && k.ends_with("_photo.jpg")),
        "{all:?}"
    );
    let (_, status, err) = rig.cubby(&["watch", "status"]);
    assert!(
        status.contains("loose.pdf") && status.contains("not in a client's subfolder"),
        "{status}{err}"
    );
    assert!(status.contains("cannot be a tenant"), "{status}");
}
