//! The secret never leaves the keychain: a recognisable canary secret is stored through the
//! real Secret Service and used against a SeaweedFS configured with it, every command runs with
//! trace logging, and then stdout, stderr, the config and data folders (SQLite databases,
//! journals and link registers, byte for byte) and the home folder are searched for the canary
//! and its base64, hex and URL-encoded forms. Failing commands (wrong secret, unreachable
//! server) are included: error paths are where secrets usually slip out.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use cubby_testkit::{run_with_timeout, PrivateKeyring, SeaweedFs};

const BUCKET: &str = "leak-test";
const SERVICE: &str = "cubby-secrets-test";

/// A secret no one else would write, with '/', '+' and '=' so its URL-encoded form differs.
fn canary(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "CUBBY-LEAK-CANARY-{tag}{:08x}{:x}/k+z=",
        nanos,
        std::process::id()
    )
}

/// Every form the secret could take in a file or a log: as is, base64 (standard and URL-safe,
/// at each of the three alignments it can have inside a longer encoded text), hex (both
/// cases) and percent-encoded.
fn forms(secret: &str) -> Vec<(String, Vec<u8>)> {
    let bytes = secret.as_bytes();
    let mut forms = vec![("plain".to_string(), bytes.to_vec())];
    for (name, engine) in [
        ("base64", &base64::engine::general_purpose::STANDARD_NO_PAD),
        ("base64url", &base64::engine::general_purpose::URL_SAFE_NO_PAD),
    ] {
        for shift in 0..3 {
            let mut shifted = vec![b'#'; shift];
            shifted.extend_from_slice(bytes);
            let encoded = engine.encode(&shifted);
            // Drop the characters that also encode the filler before and whatever follows.
            let skip = if shift == 0 {
                0
            } else {
                (shift * 4).div_ceil(3) + 1
            };
            let keep = &encoded[skip..encoded.len() - 4];
            forms.push((format!("{name}+{shift}"), keep.as_bytes().to_vec()));
        }
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    forms.push(("hex".into(), hex.clone().into_bytes()));
    forms.push(("HEX".into(), hex.to_uppercase().into_bytes()));
    let percent: String = secret
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    forms.push(("percent".into(), percent.clone().into_bytes()));
    forms.push(("percent-lower".into(), percent.to_lowercase().into_bytes()));
    forms
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Names of the forms of any canary found in `bytes`.
fn hits(bytes: &[u8], canaries: &[(String, Vec<u8>)]) -> Vec<String> {
    canaries
        .iter()
        .filter(|(_, needle)| contains(bytes, needle))
        .map(|(name, _)| name.clone())
        .collect()
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.is_symlink() {
            found.extend(files_below(&path));
        } else if path.is_file() {
            found.push(path);
        }
    }
    found
}

struct Rig<'a> {
    home: tempfile::TempDir,
    keyring: &'a PrivateKeyring,
    secret: String,
    /// Every command's combined output, to search at the end.
    transcript: Vec<(String, Vec<u8>)>,
}

impl Rig<'_> {
    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Runs `cubby` with trace logging; records its output; checks the exit code.
    fn cubby(&mut self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)], want: i32) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cubby"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("XDG_CACHE_HOME", self.path("home/.cache"))
            .env("XDG_DATA_HOME", self.path("home/.local/share"))
            .env("CUBBY_CONFIG_DIR", self.path("config"))
            .env("CUBBY_DATA_DIR", self.path("data"))
            .env("CUBBY_KEYCHAIN_SERVICE", SERVICE)
            .env("CUBBY_SANDBOX_PORT", cubby_testkit::free_port().to_string())
            .env("CUBBY_LOG", "trace")
            .env("USER", "leak-tester")
            .envs(self.keyring.env())
            .envs(env.iter().copied())
            .args(args);
        let (code, out, err) = run_with_timeout(&mut cmd, stdin.map(str::as_bytes), Duration::from_secs(120));
        let code = code.unwrap_or(-1);
        let tail: String = err.lines().rev().take(5).collect::<Vec<_>>().join("\n");
        assert_eq!(code, want, "cubby {args:?}: {out}\n{tail}");
        self.transcript
            .push((format!("cubby {args:?}"), format!("{out}\n{err}").into_bytes()));
        out
    }
}

#[test]
fn the_secret_never_leaves_the_keychain() {
    let secret = canary("");
    let wrong = canary("WRONG-");
    let server = SeaweedFs::start_with_secret(&[BUCKET], &secret);
    let keyring = PrivateKeyring::start();
    let mut rig = Rig {
        home: tempfile::tempdir().expect("tempdir"),
        keyring: &keyring,
        secret: secret.clone(),
        transcript: Vec::new(),
    };
    for dir in ["home", "config", "data", "outside", "files", "inbox", "downloads"] {
        std::fs::create_dir_all(rig.path(dir)).expect("mkdir");
    }
    let (endpoint, access) = (server.endpoint.as_str(), server.access_key.as_str());
    let keys = format!("{access}\n{}\n", rig.secret);

    // Profiles: added from stdin, imported from a .env (kept outside the searched folders), a
    // wrong secret, and a server that is not there.
    rig.cubby(
        &[
            "profile",
            "add",
            "good",
            "--endpoint",
            endpoint,
            "--bucket",
            BUCKET,
            "--secret-stdin",
        ],
        Some(&keys),
        &[],
        0,
    );
    let env_file = rig.path("outside/backend.env");
    std::fs::write(
        &env_file,
        format!(
            "CLOUDFLARE_R2_ENDPOINT={endpoint}\nCLOUDFLARE_R2_ACCESS_KEY_ID={access}\n\
             CLOUDFLARE_R2_SECRET_ACCESS_KEY={}\nCLOUDFLARE_R2_BUCKET_NAME={BUCKET}\n",
            rig.secret
        ),
    )
    .expect("write .env");
    let env_path = env_file.to_str().expect("utf8");
    rig.cubby(
        &["profile", "import-env", env_path, "--name", "imported"],
        None,
        &[],
        0,
    );
    rig.cubby(
        &[
            "profile",
            "add",
            "bad",
            "--endpoint",
            endpoint,
            "--bucket",
            BUCKET,
            "--secret-stdin",
        ],
        Some(&format!("{access}\n{wrong}\n")),
        &[],
        0,
    );
    let nowhere = format!("http://127.0.0.1:{}", cubby_testkit::free_port());
    rig.cubby(
        &[
            "profile",
            "add",
            "down",
            "--endpoint",
            nowhere.as_str(),
            "--bucket",
            BUCKET,
            "--secret-stdin",
        ],
        Some(&keys),
        &[],
        0,
    );
    assert!(
        keyring.search(SERVICE).contains(&secret),
        "the canary is in the Secret Service, so a leak would have something to leak"
    );
    for args in [
        &["profile", "list"][..],
        &["--json", "profile", "list"],
        &["profile", "show", "good"],
        &["--json", "profile", "show", "imported"],
        &["profile", "use", "good"],
        &["profile", "show"],
        &["profile", "test", "good"],
        &["--json", "profile", "test", "imported", "--write"],
        &["-vv", "profile", "test", "good", "--write"],
    ] {
        rig.cubby(args, None, &[], 0);
    }

    // Every storage command on the good profile.
    let file = rig.path("files/receipt.pdf");
    std::fs::write(&file, b"%PDF-1.4 leak test").expect("write");
    let f = file.to_str().expect("utf8");
    let downloads_dir = rig.path("downloads");
    let downloads = downloads_dir.to_str().expect("utf8");
    let inbox = rig.path("inbox");
    std::fs::write(inbox.join("scan.pdf"), b"%PDF-1.4 watched").expect("write");
    let inbox = inbox.to_str().expect("utf8");
    for args in [
        &[
            "put",
            f,
            "--tenant",
            "acme",
            "--new-tenant",
            "--key",
            "acme/documents/r.pdf",
        ][..],
        &["--json", "put", f, "--tenant", "acme", "--new-tenant"],
        &["tenants"],
        &["ls"],
        &["--json", "ls", "acme/", "--recursive"],
        &["du", "acme/"],
        &["stat", "acme/documents/r.pdf"],
        &["--json", "stat", "acme/documents/r.pdf"],
        &["get", "acme/documents/r.pdf", "--to", downloads],
        &["get", "--prefix", "acme/", "--to", downloads, "--overwrite"],
        &[
            "share",
            "acme/documents/r.pdf",
            "--expires",
            "1h",
            "--note",
            "leak test",
            "--qr",
        ],
        &[
            "--json",
            "share",
            "acme/documents/r.pdf",
            "--download-name",
            "r.pdf",
        ],
        &[
            "upload-url",
            "--tenant",
            "acme",
            "--new-tenant",
            "--filename",
            "up.jpg",
            "--content-type",
            "image/jpeg",
        ],
        &["links"],
        &["--json", "links", "--active"],
        &["cors", "allow-uploads", "--origin", "https://app.example.com"],
        &["cors", "show"],
        &["--json", "cors", "show"],
        &["cp", "acme/documents/r.pdf", "acme/documents/copy.pdf"],
        &["mv", "acme/documents/copy.pdf", "acme/documents/moved.pdf"],
        &["watch", "add", inbox, "--tenant", "acme", "--new-tenant"],
        &["watch", "list"],
        &["watch", "run", "--once", "--stability-ms", "200"],
        &["watch", "status"],
        &["--json", "watch", "status"],
        &["links", "revoke", "1", "--yes"],
        &["rm", "acme/documents/moved.pdf"],
        &["rm", "--prefix", "acme/", "--yes"],
        &["version"],
        &["--json", "version"],
    ] {
        rig.cubby(args, None, &[], 0);
    }

    // Failures: the wrong secret (4), a server that is not there (6), the env profile with the
    // secret in the process environment, right and wrong.
    for args in [
        &["profile", "test", "bad"][..],
        &["--json", "profile", "test", "bad", "--write"],
        &["--profile", "bad", "ls"],
        &["--profile", "bad", "put", f, "--tenant", "acme", "--new-tenant"],
        &[
            "--profile",
            "bad",
            "get",
            "acme/documents/r.pdf",
            "--to",
            downloads,
        ],
        &["--profile", "bad", "share", "acme/documents/r.pdf"],
        &["--profile", "bad", "--json", "cors", "show"],
    ] {
        rig.cubby(args, None, &[], 4);
    }
    rig.cubby(&["profile", "test", "down"], None, &[], 6);
    rig.cubby(&["--profile", "down", "ls"], None, &[], 6);
    let right_env = [
        ("CLOUDFLARE_R2_ENDPOINT", endpoint),
        ("CLOUDFLARE_R2_ACCESS_KEY_ID", access),
        ("CLOUDFLARE_R2_SECRET_ACCESS_KEY", secret.as_str()),
        ("CLOUDFLARE_R2_BUCKET_NAME", BUCKET),
    ];
    rig.cubby(
        &["--profile", "env", "profile", "test", "--write"],
        None,
        &right_env,
        0,
    );
    rig.cubby(&["--profile", "env", "--json", "ls"], None, &right_env, 0);
    let mut wrong_env = right_env;
    wrong_env[2].1 = wrong.as_str();
    rig.cubby(&["--profile", "env", "ls", "acme/"], None, &wrong_env, 4);
    rig.cubby(&["--profile", "env", "profile", "list"], None, &wrong_env, 0);
    // A profile that cannot be stored must not leave its secret behind either.
    rig.cubby(
        &[
            "profile",
            "add",
            "bad name",
            "--endpoint",
            endpoint,
            "--bucket",
            BUCKET,
            "--secret-stdin",
        ],
        Some(&keys),
        &[],
        2,
    );
    rig.cubby(&["profile", "remove", "bad"], None, &[], 0);
    rig.cubby(&["profile", "remove", "down"], None, &[], 0);

    // The search: outputs and every byte of every file Cubby could have written.
    let mut needles = forms(&secret);
    needles.extend(forms(&wrong).into_iter().map(|(n, b)| (format!("wrong {n}"), b)));
    let mut leaks = Vec::new();
    let mut searched_bytes = 0usize;
    for (what, output) in &rig.transcript {
        searched_bytes += output.len();
        let found = hits(output, &needles);
        if !found.is_empty() {
            leaks.push(format!("output of {what}: {found:?}"));
        }
    }
    let mut files = Vec::new();
    for dir in ["config", "data", "home", "downloads", "inbox"] {
        files.extend(files_below(&rig.path(dir)));
    }
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        searched_bytes += bytes.len();
        let found = hits(&bytes, &needles);
        if !found.is_empty() {
            leaks.push(format!("{}: {found:?}", file.display()));
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(rig.home.path()).unwrap_or(f).display().to_string())
        .collect();
    eprintln!(
        "secret leak search: {} commands, {} files ({names:?}), {searched_bytes} bytes, {} forms, {} hits",
        rig.transcript.len(),
        files.len(),
        needles.len(),
        leaks.len()
    );
    assert!(
        names.iter().any(|n| n.ends_with("links.sqlite3")) && names.iter().any(|n| n.contains("journal")),
        "the link register and the watch journal were searched: {names:?}"
    );
    assert!(leaks.is_empty(), "the secret leaked:\n{}", leaks.join("\n"));

    // The search itself works: each form is found where it was planted.
    let env_bytes = std::fs::read(&env_file).expect("read .env");
    assert_eq!(hits(&env_bytes, &forms(&secret)), ["plain"]);
    for (name, needle) in forms(&secret) {
        let mut planted = b"prefix ".to_vec();
        planted.extend_from_slice(&needle);
        assert!(!hits(&planted, &forms(&secret)).is_empty(), "{name}");
    }
    for shift in 0..3 {
        let mut text = vec![b'x'; shift + 5];
        text.extend_from_slice(secret.as_bytes());
        text.extend_from_slice(b"tail");
        let encoded = base64::engine::general_purpose::STANDARD.encode(&text);
        assert!(
            hits(encoded.as_bytes(), &forms(&secret))
                .iter()
                .any(|h| h.starts_with("base64+")),
            "base64 at offset {shift} is found"
        );
    }
}
