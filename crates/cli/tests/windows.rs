//! `cubby.exe`, cross-built for Windows, run under Wine against SeaweedFS on loopback: what a
//! Windows user's day needs, on Windows' own rules (paths like `Z:\…`, names the file system
//! reserves, names that differ only in case, the Credential Manager).
//!
//! `make windows-test` builds the `.exe` and the test harness's ProcessPrng stand-in
//! (`scripts/wine/processprng.c`; Wine 8 lacks the DLL Rust's standard library imports), then
//! runs these with `--ignored`: a plain `cargo test` has no Windows build to run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cubby_testkit::{run_with_timeout, Boto3, SeaweedFs};

const BUCKET: &str = "win-bucket";
const WINE: &str = "/usr/lib/wine/wine64";

struct Wine {
    prefix: tempfile::TempDir,
    exe: PathBuf,
}

fn env_path(name: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("{name} is not set: run `make windows-test`"))
}

/// `Z:\tmp\…`: how a Windows program under Wine names a Unix path.
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

impl Wine {
    fn start() -> Wine {
        let exe = env_path("CUBBY_WINDOWS_EXE");
        let shim = env_path("CUBBY_WINE_SHIM");
        let prefix = tempfile::tempdir().expect("tempdir");
        let mut boot = Command::new(WINE);
        boot.arg("wineboot").arg("-i");
        Self::environment(&mut boot, prefix.path());
        let (code, _, err) = run_with_timeout(&mut boot, None, Duration::from_secs(180));
        assert_eq!(code, Some(0), "wineboot: {err}");
        let system32 = prefix.path().join("drive_c/windows/system32");
        std::fs::copy(&shim, system32.join("bcryptprimitives.dll")).expect("install the shim");
        Wine { prefix, exe }
    }

    fn environment(cmd: &mut Command, prefix: &Path) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", prefix)
            .env("WINEPREFIX", prefix)
            .env("WINEDEBUG", "-all");
    }

    /// `cubby.exe --profile env ARGS`, reaching `server` through the environment.
    fn cubby_on(&self, server: &SeaweedFs, args: &[&str]) -> Command {
        let mut cmd = self.cubby(&[&["--profile", "env"], args].concat());
        cmd.env("CLOUDFLARE_R2_ENDPOINT", &server.endpoint)
            .env("CLOUDFLARE_R2_BUCKET_NAME", BUCKET)
            .env("CLOUDFLARE_R2_ACCESS_KEY_ID", &server.access_key)
            .env("CLOUDFLARE_R2_SECRET_ACCESS_KEY", &server.secret_key);
        cmd
    }

    fn cubby(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(WINE);
        cmd.arg(&self.exe).args(args);
        Self::environment(&mut cmd, self.prefix.path());
        // Only a failed test shows its stderr, and there this says what the command waited on.
        cmd.env("CUBBY_LOG", "warn,cubby_core=debug,hyper_util=debug");
        cmd
    }

    fn run(&self, cmd: &mut Command, stdin: Option<&str>) -> (i32, String, String) {
        let (code, out, err) = run_with_timeout(cmd, stdin.map(str::as_bytes), Duration::from_secs(120));
        (code.unwrap_or(-1), out, err)
    }

    fn json(&self, cmd: &mut Command) -> serde_json::Value {
        let (code, out, err) = self.run(cmd, None);
        assert_eq!(code, 0, "{cmd:?}: {out}{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

/// What a command said on stderr, without the debug log `Wine::cubby` turns on.
fn said(err: &str) -> Vec<&str> {
    let logged = |line: &str| {
        line.get(..4)
            .is_some_and(|y| y.bytes().all(|b| b.is_ascii_digit()))
    };
    err.lines()
        .filter(|l| !l.trim().is_empty() && !logged(l))
        .collect()
}

/// Regular files below `dir`, never through a link (a Wine prefix links `z:` to `/`).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            found.extend(files_under(&entry.path()));
        } else if kind.is_file() {
            found.push(entry.path());
        }
    }
    found.sort();
    found
}

#[test]
#[ignore = "needs the Windows build and Wine: make windows-test"]
fn a_windows_users_day_under_wine() {
    let wine = Wine::start();
    let server = SeaweedFs::start(&[BUCKET]);
    let work = tempfile::tempdir().expect("tempdir");

    let (code, out, err) = wine.run(&mut wine.cubby(&["--version"]), None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("cubby "), "{out}");

    // A receipt up with routing, down verified into a Windows path, shared over HTTP.
    let receipt = work.path().join("receipt.pdf");
    std::fs::write(&receipt, b"%PDF-1.4 a receipt from a Windows desktop").expect("write");
    let put = wine.json(&mut wine.cubby_on(
        &server,
        &[
            "--json",
            "put",
            &windows_path(&receipt),
            "--tenant",
            "acme",
            "--new-tenant",
        ],
    ));
    let key = put["uploaded"][0]["key"].as_str().expect("key").to_string();
    assert!(
        key.starts_with("acme/documents/") && key.ends_with("_receipt.pdf"),
        "{put}"
    );
    let listed = wine.json(&mut wine.cubby_on(&server, &["--json", "ls", "acme", "-r"]));
    assert_eq!(listed["objects"][0]["key"], key.as_str(), "{listed}");
    let into = work.path().join("Downloads");
    let got = wine.json(&mut wine.cubby_on(&server, &["--json", "get", &key, "--to", &windows_path(&into)]));
    assert_eq!(got["downloaded"][0]["size"], 41, "{got}");
    assert_eq!(
        std::fs::read(into.join("receipt.pdf")).expect("saved under the shown name"),
        b"%PDF-1.4 a receipt from a Windows desktop"
    );
    // Replacing a file another program holds: refused in one line that says what to do, the
    // file left as it was; once the program lets go, replaced.
    let saved = into.join("receipt.pdf");
    std::fs::write(&saved, b"edited locally").expect("write");
    let get_over = || {
        wine.cubby_on(
            &server,
            &["get", &key, "--to", &windows_path(&into), "--overwrite"],
        )
    };
    {
        let _excel = wine.hold(&saved, "read");
        let (code, out, err) = wine.run(&mut get_over(), None);
        assert_ne!(code, 0, "{out}{err}");
        assert!(
            err.contains("close the program that has the file open") && said(&err).len() == 1,
            "{err}"
        );
        assert_eq!(std::fs::read(&saved).expect("read"), b"edited locally");
    }
    let (code, out, err) = wine.run(&mut get_over(), None);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read(&saved).expect("read"),
        b"%PDF-1.4 a receipt from a Windows desktop"
    );
    let (code, link, err) = wine.run(&mut wine.cubby_on(&server, &["share", &key]), None);
    assert_eq!(code, 0, "{err}");
    let (status, body) = cubby_testkit::http("GET", link.trim(), &[], b"");
    assert_eq!(
        (status, body.as_slice()),
        (200, &b"%PDF-1.4 a receipt from a Windows desktop"[..])
    );

    // The seed's upload contract, made by cubby.exe, used by a "phone" over HTTP.
    let contract = wine.json(&mut wine.cubby_on(
        &server,
        &[
            "upload-url",
            "--tenant",
            "acme",
            "--filename",
            "phone photo.jpg",
            "--content-type",
            "image/jpeg",
        ],
    ));
    let (url, object) = (
        contract["upload_url"].as_str().expect("upload_url"),
        contract["object_key"].as_str().expect("object_key"),
    );
    assert!(object.starts_with("acme/documents/"), "{contract}");
    let (status, _) = cubby_testkit::http("PUT", url, &[("Content-Type", "image/jpeg")], b"\xff\xd8 a photo");
    assert_eq!(status, 200, "{contract}");
    let listed = wine.json(&mut wine.cubby_on(&server, &["--json", "ls", "acme", "-r"]));
    assert!(listed.to_string().contains(object), "{listed}");

    // Keys Windows would misread: reserved device names, a colon, trailing dots and spaces, a
    // backslash, a drive letter, and two names that differ only in case. Each lands as its own
    // file inside the folder.
    let hostile = [
        "acme/odd/CON",
        "acme/odd/aux.txt",
        "acme/odd/nul.pdf",
        "acme/odd/a:b.pdf",
        "acme/odd/trailing. ",
        "acme/odd/back\\slash.txt",
        "acme/odd/C:\\evil.txt",
        "acme/odd/Report.txt",
        "acme/odd/report.txt",
    ];
    // And one whose local path runs past Windows' old 260-character limit.
    let long = format!(
        "acme/odd/{}/{}/{}.txt",
        "a".repeat(120),
        "b".repeat(120),
        "c".repeat(60)
    );
    let hostile: Vec<&str> = hostile.iter().copied().chain([long.as_str()]).collect();
    let puts: Vec<String> = hostile
        .iter()
        .enumerate()
        .map(|(i, k)| format!("s3.put_object(Bucket='{BUCKET}', Key={k:?}, Body=b'object {i}')"))
        .collect();
    Boto3 { server: &server }.run(&puts.join("\n"));
    let odd = work.path().join("odd");
    let (code, out, err) = wine.run(
        &mut wine.cubby_on(
            &server,
            &["get", "--prefix", "acme/odd/", "--to", &windows_path(&odd)],
        ),
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    let landed = files_under(&odd);
    assert_eq!(landed.len(), hostile.len(), "one file per key: {landed:?}\n{err}");
    let mut contents: Vec<Vec<u8>> = landed.iter().map(|p| std::fs::read(p).expect("read")).collect();
    contents.sort();
    let mut expected: Vec<Vec<u8>> = (0..hostile.len())
        .map(|i| format!("object {i}").into_bytes())
        .collect();
    expected.sort();
    assert_eq!(
        contents, expected,
        "every key's own bytes, none overwritten: {landed:?}"
    );
    // Nothing outside the target folder.
    let around: Vec<PathBuf> = files_under(work.path())
        .into_iter()
        .filter(|p| !p.starts_with(&odd) && !p.starts_with(&into) && *p != receipt)
        .collect();
    assert!(around.is_empty(), "{around:?}");

    // A stored profile: its secret goes to the Windows Credential Manager, never in plain text.
    let (code, out, err) = wine.run(
        &mut wine.cubby(&[
            "profile",
            "add",
            "office",
            "--endpoint",
            &server.endpoint,
            "--bucket",
            BUCKET,
            "--secret-stdin",
        ]),
        Some(&format!("{}\n{}\n", server.access_key, server.secret_key)),
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = wine.run(&mut wine.cubby(&["profile", "test", "office"]), None);
    assert_eq!(code, 0, "{out}{err}");
    // Settings roam with the user, under %APPDATA%\Cubby.
    assert!(
        wine.app_files()
            .iter()
            .any(|p| p.ends_with("AppData/Roaming/Cubby/profiles.toml")),
        "{:?}",
        wine.app_files()
    );
    let plain: Vec<PathBuf> = files_under(wine.prefix.path())
        .into_iter()
        .filter(|p| {
            std::fs::read(p)
                .map(|b| String::from_utf8_lossy(&b).contains(&server.secret_key))
                .unwrap_or(false)
        })
        .collect();
    assert!(plain.is_empty(), "the secret in plain text: {plain:?}");
}

/// A program holding a file open (`scripts/wine/hold.c`), until dropped.
struct Held(std::process::Child);

impl Wine {
    /// Every file under the Wine users' folders.
    fn app_files(&self) -> Vec<PathBuf> {
        files_under(&self.prefix.path().join("drive_c/users"))
    }

    fn hold(&self, file: &Path, how: &str) -> Held {
        use std::io::BufRead;
        let mut cmd = Command::new(WINE);
        cmd.arg(env_path("CUBBY_WINE_HOLD"))
            .arg(windows_path(file))
            .arg(how)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        Self::environment(&mut cmd, self.prefix.path());
        let mut child = cmd.spawn().expect("start hold.exe");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert_eq!(line.trim(), "held", "hold.exe could not open {}", file.display());
        Held(child)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // Its standard input closing is the signal to let go.
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// A watched folder on Windows' rules: a receipt a scanner is still writing (open with nothing
/// shared) is neither uploaded nor forgotten; one open in Excel (reads shared, not deletion) is
/// uploaded but moved to `Uploaded\` only once Excel lets go, and never uploaded twice.
#[test]
#[ignore = "needs the Windows build and Wine: make windows-test"]
fn a_watched_folder_waits_for_programs_holding_its_files() {
    let wine = Wine::start();
    let server = SeaweedFs::start(&[BUCKET]);
    let work = tempfile::tempdir().expect("tempdir");
    let folder = work.path().join("Receipts");
    std::fs::create_dir(&folder).expect("mkdir");
    let scanning = folder.join("scan.pdf");
    let open = folder.join("open.pdf");
    std::fs::write(&scanning, b"%PDF-1.4 scanned").expect("write");
    std::fs::write(&open, b"%PDF-1.4 in Excel's hands").expect("write");
    let cubby = |args: &[&str]| wine.cubby_on(&server, args);
    let (code, out, err) = wine.run(
        &mut cubby(&[
            "watch",
            "add",
            &windows_path(&folder),
            "--tenant",
            "acme",
            "--new-tenant",
            "--after-upload",
            "move",
        ]),
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    let objects = || {
        let listed = wine.json(&mut cubby(&["--json", "ls", "acme", "-r"]));
        listed["objects"].as_array().map(Vec::len).unwrap_or(0)
    };
    let once = || {
        wine.run(
            &mut cubby(&["watch", "run", "--once", "--stability-ms", "200"]),
            None,
        )
    };

    {
        let _scanner = wine.hold(&scanning, "write");
        let _excel = wine.hold(&open, "read");
        let (code, out, err) = once();
        assert_eq!(code, 0, "a held file is not a failure: {out}{err}");
        assert!(err.contains("open in another program"), "{err}");
        assert_eq!(objects(), 1, "only the readable receipt went up: {out}");
        assert!(scanning.exists() && open.exists(), "nothing moved while held");
        let status = wine.json(&mut cubby(&["--json", "watch", "status"]));
        let problems = status[0]["status"]["problems"].to_string();
        assert!(
            problems.contains("scan.pdf")
                && problems.contains("open.pdf")
                && problems.contains("another program"),
            "{status}"
        );
        assert_eq!(status[0]["status"]["failed"], 0, "{status}");
    }

    // Let go: the scan goes up, the workbook moves, and nothing is uploaded twice.
    let (code, out, err) = once();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(objects(), 2, "{out}{err}");
    let uploaded = folder.join("Uploaded");
    assert_eq!(
        std::fs::read(uploaded.join("scan.pdf")).expect("scan moved"),
        b"%PDF-1.4 scanned"
    );
    assert_eq!(
        std::fs::read(uploaded.join("open.pdf")).expect("workbook moved"),
        b"%PDF-1.4 in Excel's hands"
    );
    assert_eq!(files_under(&folder).len(), 2, "{:?}", files_under(&folder));
    let (code, out, err) = once();
    assert_eq!((code, objects()), (0, 2), "{out}{err}");
    // The journal stays on this machine, under %LOCALAPPDATA%\Cubby.
    let files = wine.app_files();
    assert!(
        files
            .iter()
            .any(|p| p.starts_with(wine.prefix.path().join("drive_c/users"))
                && p.to_string_lossy().contains("/AppData/Local/Cubby/")),
        "{files:?}"
    );
}
