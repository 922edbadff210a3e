//! The `cubby` binary end to end: real processes, the real Secret Service on a private D-Bus,
//! SeaweedFS on loopback. Exit codes and messages are part of the contract scripts rely on.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cubby_testkit::{run_with_timeout, PrivateKeyring, SeaweedFs};

const BUCKET: &str = "cli-bucket";
const SERVICE: &str = "cubby-cli-test";

struct Home {
    config: tempfile::TempDir,
    data: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            config: tempfile::tempdir().expect("tempdir"),
            data: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// `cubby` with its own folders, no inherited R2 variables, and the given keychain (or none).
    fn cubby(&self, keyring: Option<&PrivateKeyring>) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cubby"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.data.path())
            .env("CUBBY_CONFIG_DIR", self.config.path())
            .env("CUBBY_DATA_DIR", self.data.path())
            .env("CUBBY_KEYCHAIN_SERVICE", SERVICE)
            .env("CUBBY_SANDBOX_PORT", cubby_testkit::free_port().to_string());
        match keyring {
            Some(k) => {
                cmd.envs(k.env());
            }
            // A bus address that answers nothing: the keychain is unavailable.
            None => {
                cmd.env(
                    "DBUS_SESSION_BUS_ADDRESS",
                    format!("unix:path={}/no-bus", self.data.path().display()),
                );
            }
        }
        cmd
    }
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> (i32, String, String) {
    let (code, out, err) = run_with_timeout(cmd, stdin.map(str::as_bytes), Duration::from_secs(60));
    (code.unwrap_or(-1), out, err)
}

fn contains_anywhere(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            hits.extend(contains_anywhere(&path, needle));
        } else if String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).contains(needle) {
            hits.push(path.display().to_string());
        }
    }
    hits
}

#[test]
fn import_env_keeps_secret_in_the_keychain_and_connects() {
    let server = SeaweedFs::start(&[BUCKET]);
    let keyring = PrivateKeyring::start();
    let home = Home::new();
    let env_file = home.data.path().join("backend.env");
    std::fs::write(
        &env_file,
        format!(
            "# Cloudflare R2 Configuration\r\nexport CLOUDFLARE_R2_ACCOUNT_ID=0123456789abcdef0123456789abcdef\r\n\
             CLOUDFLARE_R2_ENDPOINT={}\r\nCLOUDFLARE_R2_ACCESS_KEY_ID=\"{}\"\r\n\
             CLOUDFLARE_R2_SECRET_ACCESS_KEY='{}'\r\nCLOUDFLARE_R2_BUCKET_NAME={BUCKET}\r\n\
             CLOUDFLARE_R2_PUBLIC_URL=https://files.example.com\r\n\
             CLOUDFLARE_R2_ENABLE_DIRECT_UPLOAD=True\r\nCLOUDFLARE_R2_SIGNED_URL_EXPIRY=3600  # 1 hour\r\n",
            server.endpoint, server.access_key, server.secret_key
        ),
    )
    .expect("write .env");

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["profile", "import-env"])
        .arg(&env_file)
        .args(["--name", "backend"]);
    let (code, out, err) = run(&mut cmd, None);
    assert_eq!(code, 0, "{out}{err}");

    let stored = keyring.search(SERVICE);
    assert!(
        stored.contains(&server.secret_key),
        "secret is in the Secret Service: {stored}"
    );
    assert!(
        contains_anywhere(home.config.path(), &server.secret_key).is_empty(),
        "secret leaked to config dir"
    );
    assert!(
        contains_anywhere(home.data.path(), &server.secret_key).len() == 1,
        "only the .env itself holds it"
    );
    let toml = std::fs::read_to_string(home.config.path().join("profiles.toml")).expect("profiles.toml");
    assert!(
        toml.contains("public_url = \"https://files.example.com\"") && toml.contains("direct_upload = true"),
        "{toml}"
    );

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["profile", "test", "backend", "--write"]);
    let (code, out, err) = run(&mut cmd, None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("✓ Write permission"), "{out}");
    assert!(!out.contains(&server.secret_key) && !err.contains(&server.secret_key));

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["--json", "profile", "show", "backend"]);
    let (code, out, _) = run(&mut cmd, None);
    assert_eq!(code, 0);
    let shown: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(shown["profile"]["bucket"], BUCKET);
    assert!(
        !out.contains(&server.secret_key) && !out.contains(&server.access_key),
        "{out}"
    );

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["profile", "remove", "backend"]);
    assert_eq!(run(&mut cmd, None).0, 0);
    assert!(
        !keyring.search(SERVICE).contains(&server.secret_key),
        "remove deletes the keychain entry"
    );
}

#[test]
fn profile_add_reads_keys_from_stdin_and_explains_a_wrong_secret() {
    let server = SeaweedFs::start(&[BUCKET]);
    let keyring = PrivateKeyring::start();
    let home = Home::new();
    let add = |name: &str, secret: &str| {
        let mut cmd = home.cubby(Some(&keyring));
        cmd.args([
            "profile",
            "add",
            name,
            "--endpoint",
            &server.endpoint,
            "--bucket",
            BUCKET,
            "--secret-stdin",
        ]);
        run(&mut cmd, Some(&format!("{}\n{secret}\n", server.access_key)))
    };
    let (code, out, err) = add("good", &server.secret_key);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = add("bad", "not-the-secret");
    assert_eq!(code, 0, "{out}{err}");

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["profile", "test", "bad"]);
    let (code, out, _) = run(&mut cmd, None);
    assert_eq!(code, 4, "auth failures exit 4: {out}");
    assert!(out.contains("wrong secret for access key CUBBYT…"), "{out}");

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["--json", "profile", "list"]);
    let (code, out, _) = run(&mut cmd, None);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["bad", "good", "sandbox"]);
    assert_eq!(
        list[1]["is_default"], true,
        "the first profile added becomes the default"
    );
}

/// `profile test --deep` runs every operation against the real server, prints one line each,
/// and remembers what the endpoint honours in the stored profile (no secret beside it).
#[test]
fn deep_test_reports_each_operation_and_remembers_the_endpoint() {
    let server = SeaweedFs::start(&[BUCKET]);
    let keyring = PrivateKeyring::start();
    let home = Home::new();
    let mut cmd = home.cubby(Some(&keyring));
    cmd.args([
        "profile",
        "add",
        "weed",
        "--endpoint",
        &server.endpoint,
        "--bucket",
        BUCKET,
        "--secret-stdin",
    ]);
    let (code, out, err) = run(
        &mut cmd,
        Some(&format!("{}\n{}\n", server.access_key, server.secret_key)),
    );
    assert_eq!(code, 0, "{out}{err}");

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["profile", "test", "--deep"]);
    let (code, out, err) = run(&mut cmd, None);
    assert_eq!(code, 0, "{out}{err}");
    for label in [
        "Upload with Content-MD5",
        "Multipart upload with equal parts",
        "A share link serves the file",
        "Guarded copy refuses a taken key",
    ] {
        assert!(out.contains(&format!("✓ {label}")), "{label}: {out}");
    }
    assert!(out.contains("Every operation Cubby relies on works"), "{out}");
    let profiles = std::fs::read_to_string(home.config.path().join("profiles.toml")).unwrap();
    assert!(profiles.contains("[profiles.weed.checked]"), "{profiles}");
    assert!(profiles.contains("complete_guard = \"works\""), "{profiles}");
    assert!(
        !profiles.contains(&server.secret_key),
        "the secret stays in the keychain"
    );

    let mut cmd = home.cubby(Some(&keyring));
    cmd.args(["--json", "profile", "test", "--deep"]);
    let (code, out, err) = run(&mut cmd, None);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(report["ok"], true);
    assert!(
        report["checks"].as_array().is_some_and(|c| c.len() >= 12),
        "{report}"
    );
}

#[test]
fn env_profile_uses_process_variables_without_a_keychain() {
    let server = SeaweedFs::start(&[BUCKET]);
    let home = Home::new();
    let mut cmd = home.cubby(None);
    cmd.args(["profile", "test"])
        .env("CLOUDFLARE_R2_ENDPOINT", &server.endpoint)
        .env("CLOUDFLARE_R2_ACCESS_KEY_ID", &server.access_key)
        .env("CLOUDFLARE_R2_SECRET_ACCESS_KEY", &server.secret_key)
        .env("CLOUDFLARE_R2_BUCKET_NAME", BUCKET);
    let (code, out, err) = run(&mut cmd, None);
    assert_eq!(
        code, 0,
        "no profile configured + CLOUDFLARE_R2_* set = the env profile: {out}{err}"
    );

    let mut cmd = home.cubby(None);
    cmd.args(["--profile", "env", "profile", "test"])
        .env("CLOUDFLARE_R2_ACCOUNT_ID", "abc");
    let (code, _, err) = run(&mut cmd, None);
    assert_eq!(code, 3, "not configured exits 3");
    assert_eq!(
        err.trim(),
        "error: Cloudflare R2 not configured: missing CLOUDFLARE_R2_BUCKET_NAME (bucket), \
         CLOUDFLARE_R2_ACCESS_KEY_ID (access key), CLOUDFLARE_R2_SECRET_ACCESS_KEY (secret)"
    );
}

#[test]
fn no_keychain_is_a_clear_error_never_a_plaintext_fallback() {
    let home = Home::new();
    let mut cmd = home.cubby(None);
    cmd.args([
        "profile",
        "add",
        "prod",
        "--account-id",
        "0123456789abcdef0123456789abcdef",
        "--bucket",
        "files",
    ])
    .arg("--secret-stdin");
    let (code, out, err) = run(&mut cmd, Some("AKIDEXAMPLE\nplaintext-must-not-land\n"));
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        err.contains("keychain is not available") && err.contains("--profile env"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(contains_anywhere(home.config.path(), "plaintext-must-not-land").is_empty());
    assert!(contains_anywhere(home.data.path(), "plaintext-must-not-land").is_empty());
    assert!(
        !home.config.path().join("profiles.toml").exists(),
        "no half-made profile"
    );
}

#[test]
fn sandbox_works_with_zero_setup() {
    let home = Home::new();
    let (code, out, err) = run(home.cubby(None).args(["sandbox", "--seed-demo"]), None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Added 10 demo objects"), "{out}");
    let (code, out, err) = run(home.cubby(None).args(["profile", "test", "--write"]), None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("cubby-sandbox"), "{out}");
}

#[test]
fn bad_input_gets_one_line_and_a_usage_exit_code() {
    let home = Home::new();
    let cases: [&[&str]; 4] = [
        &[
            "profile",
            "add",
            "x",
            "--endpoint",
            "ftp://host",
            "--bucket",
            "files",
            "--secret-stdin",
        ],
        &[
            "profile",
            "add",
            "x",
            "--account-id",
            "abc/def",
            "--bucket",
            "files",
            "--secret-stdin",
        ],
        &[
            "profile",
            "add",
            "bad name",
            "--endpoint",
            "http://h",
            "--bucket",
            "files",
            "--secret-stdin",
        ],
        &[
            "profile",
            "add",
            "x",
            "--endpoint",
            "http://h",
            "--bucket",
            "Bad_Bucket",
            "--secret-stdin",
        ],
    ];
    for args in cases {
        let (code, out, err) = run(home.cubby(None).args(args), Some("k\ns\n"));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, _, err) = run(
        home.cubby(None)
            .args(["profile", "import-env", "/nonexistent/.env"]),
        None,
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot read /nonexistent/.env"), "{err}");
}

/// One naming across commands: `size` for one object, `bytes` for a total, ETags without
/// quotes, times in UTC to the second.
#[test]
fn json_reads_the_same_in_every_command() {
    let home = Home::new();
    let file = home.data.path().join("receipt.pdf");
    std::fs::write(&file, b"%PDF-1.4 one receipt").unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let mut cmd = home.cubby(None);
        cmd.arg("--json").args(args);
        let (code, out, err) = run(&mut cmd, None);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    };
    let is_time = |v: &serde_json::Value| {
        let t = v.as_str().unwrap_or_default();
        t.len() == 20 && t.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(t).is_ok()
    };
    let is_etag = |v: &serde_json::Value| {
        let e = v.as_str().unwrap_or_default();
        e.len() == 32 && e.chars().all(|c| c.is_ascii_hexdigit())
    };

    let put = json(&["put", file.to_str().unwrap(), "--tenant", "acme", "--new-tenant"]);
    let uploaded = &put["uploaded"][0];
    assert_eq!(uploaded["size"], 20, "{put}");
    assert!(is_etag(&uploaded["etag"]), "{put}");
    let key = uploaded["key"].as_str().unwrap().to_string();

    let ls = json(&["ls", "acme", "-r"]);
    let entry = &ls["objects"][0];
    assert_eq!(entry["size"], 20, "{ls}");
    assert!(is_time(&entry["modified"]), "{ls}");

    let stat = json(&["stat", &key]);
    assert_eq!(stat["size"], 20, "{stat}");
    assert!(is_etag(&stat["etag"]), "{stat}");
    assert!(is_time(&stat["modified"]), "{stat}");

    let into = home.data.path().join("out");
    std::fs::create_dir(&into).unwrap();
    let get = json(&["get", &key, "--to", into.to_str().unwrap()]);
    assert_eq!(get["downloaded"][0]["size"], 20, "{get}");

    let du = json(&["du", "acme"]);
    assert_eq!(du["bytes"], 20, "{du}");
}

/// Tab completes the names Cubby knows: profiles from the config, tenants from the bucket.
#[test]
fn completion_offers_profiles_and_tenants() {
    let home = Home::new();
    let (code, out, err) = run(home.cubby(None).args(["sandbox", "--seed-demo"]), None);
    assert_eq!(code, 0, "{out}{err}");
    let complete = |words: &[&str]| {
        let mut cmd = home.cubby(None);
        cmd.env("COMPLETE", "fish").arg("--").arg("cubby").args(words);
        let (code, out, err) = run(&mut cmd, None);
        assert_eq!(code, 0, "{words:?}: {out}{err}");
        out.lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(complete(&["put", "x", "--tenant", "ac"]), ["acme-corp"]);
    assert_eq!(complete(&["links", "--tenant", ""]), ["acme-corp", "globex"]);
    let profiles = complete(&["ls", "--profile", ""]);
    assert!(
        profiles.contains(&"sandbox".to_string()) && profiles.contains(&"env".to_string()),
        "{profiles:?}"
    );
    assert_eq!(complete(&["put", "x", "--category", "im"]), ["images"]);
    // The script a shell installs asks `cubby` itself.
    let (code, script, _) = run(home.cubby(None).args(["completions", "bash"]), None);
    assert_eq!(code, 0);
    assert!(
        script.contains("COMPLETE=\"bash\"") || script.contains("COMPLETE=bash"),
        "{script}"
    );
}

/// A failed connection test with `--json` is the documented `{"error": …}`, steps beside it.
#[test]
fn a_failed_test_answers_the_documented_json_error() {
    let home = Home::new();
    let mut cmd = home.cubby(None);
    cmd.env("CLOUDFLARE_R2_ENDPOINT", "http://127.0.0.1:1")
        .env("CLOUDFLARE_R2_BUCKET_NAME", "files")
        .env("CLOUDFLARE_R2_ACCESS_KEY_ID", "key")
        .env("CLOUDFLARE_R2_SECRET_ACCESS_KEY", "secret")
        .args(["--json", "--profile", "env", "profile", "test"]);
    let (code, out, err) = run(&mut cmd, None);
    assert_eq!(code, 6, "unreachable exits 6: {out}{err}");
    let answer: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(answer["error"]["code"], "unreachable", "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot reach")),
        "{answer}"
    );
    assert_eq!(answer["steps"][0]["status"], "failed", "{answer}");
}
