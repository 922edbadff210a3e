//! Browsing and transfers through the `cubby` binary against SeaweedFS, with what Cubby wrote
//! checked by an independent client (boto3).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use cubby_testkit::{run_with_timeout, Boto3, SeaweedFs};

const BUCKET: &str = "cli-storage";

struct Env<'a> {
    server: &'a SeaweedFs,
    home: tempfile::TempDir,
}

impl Env<'_> {
    /// `cubby` on the `env` profile: the server's settings in CLOUDFLARE_R2_* variables.
    fn cubby(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cubby"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CUBBY_CONFIG_DIR", self.home.path().join("config"))
            .env("CUBBY_DATA_DIR", self.home.path().join("data"))
            .env("CLOUDFLARE_R2_ENDPOINT", &self.server.endpoint)
            .env("CLOUDFLARE_R2_ACCESS_KEY_ID", &self.server.access_key)
            .env("CLOUDFLARE_R2_SECRET_ACCESS_KEY", &self.server.secret_key)
            .env("CLOUDFLARE_R2_BUCKET_NAME", BUCKET)
            .args(args);
        let (code, out, err) = run_with_timeout(&mut cmd, None, Duration::from_secs(120));
        (code.unwrap_or(-1), out, err)
    }

    fn boto3(&self, code: &str) -> String {
        Boto3 { server: self.server }.run(code)
    }
}

fn md5_hex(path: &Path) -> String {
    let out = Command::new("md5sum").arg(path).output().expect("md5sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn put_ls_get_rm_round_trip_checked_by_boto3() {
    let server = SeaweedFs::start(&[BUCKET]);
    let env = Env {
        server: &server,
        home: tempfile::tempdir().expect("tempdir"),
    };
    let src = env.home.path().join("receipts");
    std::fs::create_dir_all(src.join("march")).expect("mkdir");
    std::fs::write(src.join("receipt 1.jpg"), b"\xFF\xD8\xFF\xE0fake jpeg").expect("write");
    std::fs::write(src.join("march/invoice.pdf"), b"%PDF-1.4 fake pdf").expect("write");
    std::fs::write(src.join("notes.bin"), [0u8, 159, 146, 150]).expect("write");

    let (code, out, err) = env.cubby(&[
        "--json",
        "put",
        src.to_str().expect("utf8"),
        "--tenant",
        "acme",
        "--new-tenant",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let put: serde_json::Value = serde_json::from_str(&out).expect("json");
    let uploaded = put["uploaded"].as_array().expect("uploaded");
    assert_eq!(uploaded.len(), 3);

    // What boto3 sees: the same bytes and the routed Content-Type, under the seed's key scheme.
    for item in uploaded {
        let key = item["key"].as_str().expect("key");
        let local = Path::new(item["local"].as_str().expect("local"));
        let seen = env.boto3(&format!(
            "o = s3.get_object(Bucket='{BUCKET}', Key={key:?}); b = o['Body'].read()\n\
             print(json.dumps({{'md5': hashlib.md5(b).hexdigest(), 'type': o['ContentType']}}))"
        ));
        let seen: serde_json::Value = serde_json::from_str(seen.trim()).expect("boto3 json");
        assert_eq!(seen["md5"], md5_hex(local), "{key}");
        let expected_type = match local.extension().and_then(|e| e.to_str()) {
            Some("jpg") => "image/jpeg",
            Some("pdf") => "application/pdf",
            _ => "application/octet-stream",
        };
        assert_eq!(seen["type"], expected_type, "{key}");
        let folder = match expected_type {
            "image/jpeg" => "acme/images/",
            "application/pdf" => "acme/documents/",
            _ => "acme/uploads/",
        };
        assert!(key.starts_with(folder), "{key}");
    }

    let (code, out, _) = env.cubby(&["--json", "ls", "acme"]);
    assert_eq!(code, 0);
    let ls: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        ls["folders"],
        serde_json::json!(["acme/documents/", "acme/images/", "acme/uploads/"])
    );

    let (code, out, _) = env.cubby(&["--json", "ls", "acme/", "--recursive", "--filter", "*.pdf"]);
    assert_eq!(code, 0);
    let ls: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(ls["objects"].as_array().expect("objects").len(), 1);

    // The same folder again: everything is already there, nothing is sent twice.
    let (code, out, err) = env.cubby(&["put", src.to_str().expect("utf8"), "--tenant", "acme"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("already there").count(), 3, "{out}");
    let (code, out, _) = env.cubby(&["--json", "du", "acme"]);
    assert_eq!(code, 0);
    let du: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(du["objects"], 3);

    let dest = env.home.path().join("download");
    let (code, out, err) = env.cubby(&["get", "--prefix", "acme/", "--to", dest.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}{err}");
    let mut local_md5s: Vec<String> = ["receipt 1.jpg", "march/invoice.pdf", "notes.bin"]
        .iter()
        .map(|f| md5_hex(&src.join(f)))
        .collect();
    let mut got_md5s = Vec::new();
    for folder in ["documents", "images", "uploads"] {
        for entry in std::fs::read_dir(dest.join(folder)).expect("category folder") {
            got_md5s.push(md5_hex(&entry.expect("entry").path()));
        }
    }
    local_md5s.sort();
    got_md5s.sort();
    assert_eq!(local_md5s, got_md5s, "downloads are identical to the originals");
    // Again: the files are there with the same content, so no " (1)" copies appear.
    let (code, out, err) = env.cubby(&["get", "--prefix", "acme", "--to", dest.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("already there").count(), 3, "{out}");
    let files: usize = ["documents", "images", "uploads"]
        .iter()
        .map(|f| std::fs::read_dir(dest.join(f)).expect("folder").count())
        .sum();
    assert_eq!(files, 3, "no copies");

    let (code, _, err) = env.cubby(&["rm", "--prefix", "acme/"]);
    assert_eq!(
        code, 2,
        "a prefix delete without --yes (and no terminal) refuses: {err}"
    );
    assert!(err.contains("3 objects") && err.contains("--yes"), "{err}");
    let (code, out, err) = env.cubby(&["rm", "--prefix", "acme/", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let left = env.boto3(&format!(
        "print(s3.list_objects_v2(Bucket='{BUCKET}', Prefix='acme/').get('KeyCount', 0))"
    ));
    assert_eq!(left.trim(), "0");
}

#[test]
fn guards_refuse_overwrites_cross_tenant_moves_and_bad_keys() {
    let server = SeaweedFs::start(&[BUCKET]);
    let env = Env {
        server: &server,
        home: tempfile::tempdir().expect("tempdir"),
    };
    let file = env.home.path().join("a.txt");
    std::fs::write(&file, b"one").expect("write");
    let f = file.to_str().expect("utf8");
    assert_eq!(
        env.cubby(&[
            "put",
            f,
            "--tenant",
            "acme",
            "--new-tenant",
            "--key",
            "acme/documents/a.txt"
        ])
        .0,
        0
    );
    let (code, _, err) = env.cubby(&[
        "put",
        f,
        "--tenant",
        "acme",
        "--new-tenant",
        "--key",
        "acme/documents/a.txt",
    ]);
    assert_eq!(code, 7, "already exists: {err}");
    let (code, _, err) = env.cubby(&[
        "put",
        f,
        "--tenant",
        "acme",
        "--new-tenant",
        "--key",
        "globex/documents/a.txt",
    ]);
    assert_eq!(code, 2, "a key outside the tenant: {err}");
    let (code, _, err) = env.cubby(&["mv", "acme/documents/a.txt", "globex/documents/a.txt"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--cross-tenant"), "{err}");
    let (code, _, err) = env.cubby(&[
        "mv",
        "acme/documents/a.txt",
        "globex/documents/a.txt",
        "--cross-tenant",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = env.cubby(&["stat", "globex/documents/a.txt"]);
    assert_eq!(code, 0);
    assert!(out.contains("text/plain"), "{out}");
    assert_eq!(
        env.cubby(&["stat", "acme/documents/a.txt"]).0,
        5,
        "moved away: not found"
    );
    for bad in ["../etc/passwd", "/abs/key", "a//b", "a/./b", "tab\there"] {
        let (code, _, err) = env.cubby(&["stat", bad]);
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let (code, _, err) = env.cubby(&["put", f, "--tenant", "../acme", "--new-tenant"]);
    assert_eq!(code, 2, "{err}");
    // A typo must not start a new client folder: refused, with the tenant meant.
    let (code, _, err) = env.cubby(&["put", f, "--tenant", "acm"]);
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("tenant 'acm' has no files yet (did you mean 'acme'?)") && err.contains("--new-tenant"),
        "{err}"
    );
    let (code, out, _) = env.cubby(&["--json", "tenants"]);
    assert_eq!(
        (code, out.contains("acm\"")),
        (0, false),
        "nothing was written: {out}"
    );
}

#[test]
fn share_upload_url_links_and_cors_through_the_cli() {
    let server = SeaweedFs::start(&[BUCKET]);
    let env = Env {
        server: &server,
        home: tempfile::tempdir().expect("tempdir"),
    };
    let file = env.home.path().join("r.pdf");
    std::fs::write(&file, b"%PDF-1.4 receipt").expect("write");
    let f = file.to_str().expect("utf8");
    assert_eq!(
        env.cubby(&[
            "put",
            f,
            "--tenant",
            "acme",
            "--new-tenant",
            "--key",
            "acme/documents/r.pdf"
        ])
        .0,
        0
    );

    for bad in ["0", "8d", "1w", "soon"] {
        let (code, _, err) = env.cubby(&["share", "acme/documents/r.pdf", "--expires", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("expiry"), "{err}");
    }
    let (code, out, err) = env.cubby(&[
        "--json",
        "share",
        "acme/documents/r.pdf",
        "--expires",
        "30m",
        "--note",
        "auditor",
    ]);
    assert_eq!(code, 0, "{err}");
    let shared: serde_json::Value = serde_json::from_str(&out).expect("json");
    let url = shared["link"]["url"].as_str().expect("url");
    let got = Command::new("curl").args(["-sS", url]).output().expect("curl");
    assert_eq!(got.stdout, b"%PDF-1.4 receipt");

    let (code, out, err) = env.cubby(&[
        "upload-url",
        "--tenant",
        "acme",
        "--new-tenant",
        "--filename",
        "../../photo 1.jpg",
        "--content-type",
        "image/jpeg",
    ]);
    assert_eq!(code, 0, "{err}");
    let contract: serde_json::Value =
        serde_json::from_str(&out).expect("the seed's JSON, even without --json");
    assert_eq!(contract["success"], true);
    assert_eq!(contract["method"], "PUT");
    let key = contract["object_key"].as_str().expect("key");
    assert!(
        key.starts_with("acme/documents/") && key.ends_with("_photo_1.jpg"),
        "the seed's generate-url endpoint hands out documents/ URLs: {key}"
    );
    let (code, out, err) = env.cubby(&[
        "upload-url",
        "--tenant",
        "acme",
        "--new-tenant",
        "--filename",
        "photo.jpg",
        "--content-type",
        "image/jpeg",
        "--category",
        "auto",
    ]);
    assert_eq!(code, 0, "{err}");
    let routed: serde_json::Value = serde_json::from_str(&out).expect("json");
    let key = routed["object_key"].as_str().expect("key");
    assert!(key.starts_with("acme/images/"), "auto routes by name: {key}");
    let (code, _, err) = env.cubby(&[
        "upload-url",
        "--tenant",
        "acme",
        "--new-tenant",
        "--filename",
        "x.jpg",
        "--content-type",
        "jpeg",
    ]);
    assert_eq!(code, 2, "{err}");

    let (code, out, _) = env.cubby(&["--json", "links", "--active"]);
    assert_eq!(code, 0);
    let links: serde_json::Value = serde_json::from_str(&out).expect("json");
    let kinds: Vec<&str> = links
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|l| l["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["upload", "upload", "share"]);
    assert_eq!(links[2]["note"], "auditor");
    let register = std::fs::read(env.home.path().join("data/links.sqlite3")).expect("register");
    assert!(!String::from_utf8_lossy(&register).contains("X-Amz-Signature"));

    // #1 is the share link, #2 and #3 the upload URLs.
    let (code, _, err) = env.cubby(&["links", "revoke", "1"]);
    assert_eq!(code, 2, "revoking needs --yes: {err}");
    assert!(err.contains("breaks too"), "{err}");
    let (code, _, err) = env.cubby(&["links", "revoke", "2", "--yes"]);
    assert_eq!(code, 2, "upload URLs cannot be revoked one by one: {err}");
    let (code, out, err) = env.cubby(&["links", "revoke", "1", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let after = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", url])
        .output()
        .expect("curl");
    assert_eq!(
        String::from_utf8_lossy(&after.stdout),
        "404",
        "the revoked link is dead"
    );

    // SeaweedFS implements bucket CORS: the rule must round-trip.
    let (code, _, err) = env.cubby(&["cors", "allow-uploads", "--origin", "https://app.example.com"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = env.cubby(&["--json", "cors", "show"]);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        rules[0]["allowed_origins"],
        serde_json::json!(["https://app.example.com"])
    );
    assert_eq!(
        rules[0]["allowed_methods"],
        serde_json::json!(["PUT", "GET", "HEAD"])
    );
    let (code, _, _) = env.cubby(&["cors", "allow-uploads", "--origin", "app.example.com"]);
    assert_eq!(code, 2);
}

/// Tenant names kept in the bucket, `usage` and `find`, through the CLI against SeaweedFS.
#[test]
fn tenant_names_usage_and_find_through_the_cli() {
    let server = SeaweedFs::start(&[BUCKET]);
    let env = Env {
        server: &server,
        home: tempfile::tempdir().expect("tempdir"),
    };
    let dir = env.home.path().join("files");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("March receipt.pdf"), b"%PDF-1.4 receipt").expect("write");
    std::fs::write(dir.join("logo.png"), b"\x89PNG\r\n\x1a\n0000").expect("write");
    let f = |name: &str| dir.join(name).display().to_string();
    for file in ["March receipt.pdf", "logo.png"] {
        let (code, _, err) = env.cubby(&["put", &f(file), "--tenant", "acme", "--new-tenant"]);
        assert_eq!(code, 0, "{err}");
    }

    // A tenant can exist before its first file, and names are kept in the bucket.
    let (code, _, err) = env.cubby(&["tenants", "add", "initech", "--name", "Initech Ltd"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = env.cubby(&["tenants", "rename", "acme", "Acme Corporation"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = env.cubby(&["tenants", "rename", "acmee", "X"]);
    assert_eq!(code, 5, "an unknown tenant is not renamed: {err}");
    assert!(err.contains("did you mean 'acme'"), "{err}");
    let (code, _, err) = env.cubby(&["tenants", "rename", "acme", "   "]);
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = env.cubby(&["--json", "tenants"]);
    assert_eq!(code, 0, "{err}");
    let tenants: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        tenants,
        serde_json::json!([
            {"id": "acme", "name": "Acme Corporation", "has_files": true},
            {"id": "initech", "name": "Initech Ltd", "has_files": false},
        ])
    );
    // A put to the added tenant needs no --new-tenant: it exists.
    let (code, _, err) = env.cubby(&["put", &f("logo.png"), "--tenant", "initech"]);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = env.cubby(&["--json", "usage", "--download-gb", "1000"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        report["objects"], 3,
        "Cubby's own .cubby/ file is not counted: {report}"
    );
    let acme = &report["tenants"][0];
    assert_eq!(acme["tenant"], "acme");
    assert_eq!(acme["name"], "Acme Corporation");
    assert_eq!(acme["categories"]["documents"]["objects"], 1);
    assert_eq!(acme["categories"]["images"]["objects"], 1);
    assert_eq!(acme["categories"]["uploads"]["objects"], 0);
    assert!(report["cost"]["s3_egress"].as_f64().expect("egress") > 0.0);
    assert_eq!(report["cost"]["r2_egress"], 0.0);
    let (code, _, err) = env.cubby(&["usage", "--cached"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("as of"),
        "the cached report says how old it is: {err}"
    );
    let (code, _, err) = env.cubby(&["usage", "--download-gb", "-5"]);
    assert_eq!(code, 2, "{err}");

    // `usage` listed the bucket whole, so `find` knows every name without listing again.
    let (code, out, err) = env.cubby(&["--json", "find", "RECEIPT"]);
    assert_eq!(code, 0, "{err}");
    let found: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(found["results"].as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found["results"][0]["name"], "March_receipt.pdf");
    assert!(found["complete_at"].is_string());
    let (code, out, _) = env.cubby(&["--json", "find", "logo", "--tenant", "initech"]);
    assert_eq!(code, 0);
    let found: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(found["results"].as_array().map(Vec::len), Some(1), "{found}");
    // A file put since the last whole listing: found once --refresh lists the bucket again.
    std::fs::write(dir.join("april-statement.pdf"), b"%PDF-1.4 april").expect("write");
    let (code, _, err) = env.cubby(&["put", &f("april-statement.pdf"), "--tenant", "acme"]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = env.cubby(&["--json", "find", "statement"]);
    let found: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        found["results"].as_array().map(Vec::len),
        Some(0),
        "not listed yet: {found}"
    );
    let (code, out, err) = env.cubby(&["--json", "find", "statement", "--refresh"]);
    assert_eq!(code, 0, "{err}");
    let found: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(found["results"].as_array().map(Vec::len), Some(1), "{found}");
    let (code, _, err) = env.cubby(&["find", "x", "--tenant", "../etc"]);
    assert_eq!(code, 2, "{err}");
}
