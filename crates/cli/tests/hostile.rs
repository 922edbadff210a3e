//! Hostile input through the real `cubby` binary, table-driven: keys that try to leave the
//! download folder, tenants that try to leave their prefix, odd file names, broken .env files,
//! bad expiries, content types, endpoints and URLs. Every case either is refused with the
//! documented exit code and exactly one stderr line "error: …" that names the problem and the
//! fix, or succeeds with a safe result (a download inside the folder, a key inside the tenant).
//! No case may panic.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cubby_testkit::{run_with_timeout, Boto3, PrivateKeyring, SeaweedFs};

const BUCKET: &str = "hostile";
const SERVICE: &str = "cubby-hostile-test";
/// An error line quotes at most a short, escaped piece of the input, however long it was.
const MAX_LINE: usize = 400;

/// What a case must do.
enum Expect {
    /// Exit with `code`; stderr is one line starting "error: " that contains `says`.
    Refused { code: i32, says: &'static str },
    /// Exit 0; stdout contains `says`.
    Succeeds { says: &'static str },
}

use Expect::{Refused, Succeeds};

fn usage(says: &'static str) -> Expect {
    Refused { code: 2, says }
}

struct Case {
    kind: &'static str,
    args: Vec<String>,
    stdin: Option<String>,
    expect: Expect,
}

fn case(kind: &'static str, args: &[&str], expect: Expect) -> Case {
    Case {
        kind,
        args: args.iter().map(|a| a.to_string()).collect(),
        stdin: None,
        expect,
    }
}

/// A home for `cubby`: its own config and data folders, the server (if any) as the `env`
/// profile, and a private keychain (if any).
struct World<'a> {
    home: tempfile::TempDir,
    server: Option<&'a SeaweedFs>,
    keyring: Option<&'a PrivateKeyring>,
}

impl<'a> World<'a> {
    fn new(server: Option<&'a SeaweedFs>, keyring: Option<&'a PrivateKeyring>) -> World<'a> {
        World {
            home: tempfile::tempdir().expect("tempdir"),
            server,
            keyring,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    fn run(&self, args: &[String], stdin: Option<&str>) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cubby"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("CUBBY_CONFIG_DIR", self.path("config"))
            .env("CUBBY_DATA_DIR", self.path("data"))
            .env("CUBBY_KEYCHAIN_SERVICE", SERVICE)
            .env("CUBBY_SANDBOX_PORT", cubby_testkit::free_port().to_string())
            .env("RUST_BACKTRACE", "1")
            .args(args);
        if let Some(server) = self.server {
            cmd.env("CLOUDFLARE_R2_ENDPOINT", &server.endpoint)
                .env("CLOUDFLARE_R2_ACCESS_KEY_ID", &server.access_key)
                .env("CLOUDFLARE_R2_SECRET_ACCESS_KEY", &server.secret_key)
                .env("CLOUDFLARE_R2_BUCKET_NAME", BUCKET);
        }
        match self.keyring {
            Some(k) => {
                cmd.envs(k.env());
            }
            None => {
                cmd.env(
                    "DBUS_SESSION_BUS_ADDRESS",
                    format!("unix:path={}/no-bus", self.home.path().display()),
                );
            }
        }
        let (code, out, err) = run_with_timeout(&mut cmd, stdin.map(str::as_bytes), Duration::from_secs(60));
        (code.unwrap_or(-1), out, err)
    }

    /// Runs every case and returns one line per broken expectation; prints counts per kind.
    fn check_all(&self, suite: &str, cases: &[Case]) -> Vec<String> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        let mut failures = Vec::new();
        for c in cases {
            match counts.iter_mut().find(|(k, _)| *k == c.kind) {
                Some((_, n)) => *n += 1,
                None => counts.push((c.kind, 1)),
            }
            let (code, out, err) = self.run(&c.args, c.stdin.as_deref());
            if let Some(problem) = judge(&c.expect, code, &out, &err) {
                let shown: Vec<String> = c.args.iter().map(|a| short(a)).collect();
                failures.push(format!("[{}] {shown:?}: {problem}", c.kind));
            }
        }
        for (kind, n) in &counts {
            eprintln!("hostile cli cases ({suite}): {kind}: {n}");
        }
        eprintln!("hostile cli cases ({suite}): total {}", cases.len());
        failures
    }
}

fn short(text: &str) -> String {
    let t: String = text.chars().take(50).collect();
    if t.len() < text.len() {
        format!("{t}…({} bytes)", text.len())
    } else {
        t
    }
}

fn no_panic(out: &str, err: &str) -> Option<String> {
    for text in [out, err] {
        if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
            return Some(format!("panicked: {err}"));
        }
    }
    None
}

fn judge(expect: &Expect, code: i32, out: &str, err: &str) -> Option<String> {
    if let Some(p) = no_panic(out, err) {
        return Some(p);
    }
    match expect {
        Refused { code: want, says } => {
            let lines: Vec<&str> = err.lines().collect();
            if code != *want {
                Some(format!("exit {code}, expected {want}: {}{err}", short(out)))
            } else if lines.len() != 1 {
                Some(format!("stderr has {} lines: {err:?}", lines.len()))
            } else if !lines[0].starts_with("error: ") {
                Some(format!("stderr does not start with 'error: ': {err:?}"))
            } else if !lines[0].contains(says) {
                Some(format!("stderr lacks {says:?}: {err:?}"))
            } else if lines[0].len() > MAX_LINE {
                Some(format!("a {}-byte line: {}", lines[0].len(), short(lines[0])))
            } else {
                None
            }
        }
        Succeeds { says } => {
            if code != 0 {
                Some(format!("exit {code}: {err}"))
            } else if !out.contains(says) {
                Some(format!("stdout lacks {says:?}: {out}"))
            } else {
                None
            }
        }
    }
}

fn profile_add(name: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["profile".to_string(), "add".to_string(), name.to_string()];
    args.extend(extra.iter().map(|a| a.to_string()));
    args.push("--secret-stdin".into());
    args
}

fn with_keys(kind: &'static str, args: Vec<String>, expect: Expect) -> Case {
    Case {
        kind,
        args,
        stdin: Some("AKIDHOSTILE\nhostile-secret\n".into()),
        expect,
    }
}

/// Profile settings, tenants, keys, expiries and content types given on the command line.
#[test]
fn hostile_arguments_are_refused_in_one_line() {
    let server = SeaweedFs::start(&[BUCKET]);
    let world = World::new(Some(&server), None);
    let file = world.path("a.pdf");
    std::fs::write(&file, b"%PDF-1.4 hostile").expect("write");
    let f = file.to_str().expect("utf8");
    let (code, _, err) = world.run(
        &[
            "put",
            f,
            "--tenant",
            "acme",
            "--new-tenant",
            "--key",
            "acme/documents/a.pdf",
        ]
        .map(String::from),
        None,
    );
    assert_eq!(code, 0, "{err}");

    let mut cases = Vec::new();

    // Endpoints and URLs: refused before any key is asked for.
    // The shared table, plus an empty value, which only an argument can carry: blank is no
    // endpoint at all, as in the window's form.
    let endpoints = cubby_testkit::hostile::BAD_ENDPOINTS
        .iter()
        .chain(&[("", "give either an R2 account ID or an S3 endpoint URL")]);
    for (endpoint, says) in endpoints {
        let args = profile_add("x", &["--endpoint", endpoint, "--bucket", "files"]);
        cases.push(with_keys("endpoint", args, usage(says)));
    }
    let public_urls = cubby_testkit::hostile::BAD_PUBLIC_URLS;
    for (url, says) in public_urls {
        let args = profile_add(
            "x",
            &[
                "--endpoint",
                "http://127.0.0.1:9",
                "--bucket",
                "files",
                "--public-url",
                url,
            ],
        );
        cases.push(with_keys("public URL", args, usage(says)));
    }
    for account in [
        "abc/def",
        "abc.evil.com",
        "",
        "a".repeat(64).as_str(),
        "\u{430}bc",
    ] {
        let args = profile_add("x", &["--account-id", account, "--bucket", "files"]);
        cases.push(with_keys("account ID", args, usage("account ID")));
    }
    for bucket in [
        "Bad_Bucket",
        "ab",
        "b".repeat(64).as_str(),
        "-bucket",
        "bucket-",
        "buc ket",
        "../b",
        "b\u{fc}cket",
    ] {
        let bucket = format!("--bucket={bucket}");
        let args = profile_add("x", &["--endpoint", "http://127.0.0.1:9", bucket.as_str()]);
        cases.push(with_keys("bucket name", args, usage("bucket name")));
    }
    for name in [
        "bad name",
        "../x",
        "",
        "p".repeat(65).as_str(),
        "a/b",
        "caf\u{e9}",
    ] {
        let args = profile_add(name, &["--endpoint", "http://127.0.0.1:9", "--bucket", "files"]);
        cases.push(with_keys("profile name", args, usage("profile name")));
    }
    cases.push(with_keys(
        "profile expiry",
        profile_add(
            "x",
            &[
                "--endpoint",
                "http://127.0.0.1:9",
                "--bucket",
                "files",
                "--expiry",
                "0",
            ],
        ),
        usage("outside R2's limits"),
    ));
    cases.push(with_keys(
        "profile expiry",
        profile_add(
            "x",
            &[
                "--endpoint",
                "http://127.0.0.1:9",
                "--bucket",
                "files",
                "--expiry",
                "604801",
            ],
        ),
        usage("outside R2's limits"),
    ));

    // Tenants that try to leave their prefix, through every command that takes one.
    let long_tenant = "t".repeat(129);
    let tenants: &[&str] = &[
        "../other",
        "a/b",
        "",
        ".",
        "..",
        ".hidden",
        "acme\\other",
        "acme corp",
        "\u{430}cme",
        "\u{ff41}cme",
        "acme\u{200b}",
        "acme\n",
        long_tenant.as_str(),
    ];
    for tenant in tenants {
        let put = format!("--tenant={tenant}");
        cases.push(case(
            "tenant (put)",
            &["put", f, put.as_str()],
            usage("use 1-128 ASCII letters"),
        ));
        cases.push(case(
            "tenant (upload-url)",
            &[
                "upload-url",
                put.as_str(),
                "--filename",
                "a.jpg",
                "--content-type",
                "image/jpeg",
            ],
            usage("use 1-128 ASCII letters"),
        ));
    }
    for tenant in ["../other", "a/b", ""] {
        let dir = world.path("watched");
        std::fs::create_dir_all(&dir).expect("mkdir");
        cases.push(case(
            "tenant (watch add)",
            &[
                "watch",
                "add",
                dir.to_str().expect("utf8"),
                format!("--tenant={tenant}").as_str(),
            ],
            usage("use 1-128 ASCII letters"),
        ));
    }
    cases.push(case("prefix (ls)", &["ls", "../acme/"], usage("'..' segment")));
    cases.push(case("prefix (ls)", &["ls", "acme//x"], usage("empty segment")));
    cases.push(case("prefix (du)", &["du", "/acme"], usage("starts with '/'")));
    cases.push(case(
        "prefix (get)",
        &["get", "--prefix", "acme/../globex/", "--to", "/tmp/never"],
        usage("'..' segment"),
    ));
    cases.push(case(
        "prefix (rm)",
        &["rm", "--prefix", "../", "--yes"],
        usage("'..' segment"),
    ));

    // Object keys on the command line.
    let long_key = format!("acme/{}", "k".repeat(1020));
    let keys: &[(&str, &str)] = &[
        ("../etc/passwd", "'..' segment"),
        ("/abs/key", "starts with '/'"),
        ("acme//b", "empty segment"),
        ("acme/./b", "'.' segment"),
        ("acme/tab\there", "control character"),
        ("acme/a\r\nX: y", "control character"),
        ("acme/", "ends with '/'"),
        ("", "is empty"),
        (long_key.as_str(), "1,024 bytes"),
    ];
    for (key, says) in keys {
        cases.push(case("key (stat)", &["stat", key], usage(says)));
        cases.push(case("key (share)", &["share", key], usage(says)));
        cases.push(case("key (rm)", &["rm", key], usage(says)));
        cases.push(case(
            "key (get)",
            &["get", key, "--to", world.path("dl-keys").to_str().expect("utf8")],
            usage(says),
        ));
        cases.push(case(
            "key (cp)",
            &["cp", "acme/documents/a.pdf", key],
            usage(says),
        ));
        cases.push(case(
            "key (mv)",
            &["mv", key, "acme/documents/b.pdf"],
            usage(says),
        ));
    }
    cases.push(case(
        "key (cross-tenant mv)",
        &["mv", "acme/documents/a.pdf", "globex/documents/a.pdf"],
        usage("--cross-tenant"),
    ));

    // Expiries.
    let expiries: &[(&str, &str)] = &[
        ("0", "outside R2's limits"),
        ("-1", "not a duration"),
        ("8d", "outside R2's limits"),
        ("604801", "outside R2's limits"),
        ("1e9", "not a duration"),
        ("1h30", "not a duration"),
        ("", "not a duration"),
        ("1.5h", "not a duration"),
        ("99999999999999999999", "not a duration"),
        ("18446744073709551615d", "not a duration"),
        ("0x10", "not a duration"),
    ];
    for (expiry, says) in expiries {
        let flag = format!("--expires={expiry}");
        cases.push(case(
            "expiry (share)",
            &["share", "acme/documents/a.pdf", flag.as_str()],
            usage(says),
        ));
        cases.push(case(
            "expiry (upload-url)",
            &[
                "upload-url",
                "--tenant",
                "acme",
                "--new-tenant",
                "--filename",
                "a.jpg",
                "--content-type",
                "image/jpeg",
                flag.as_str(),
            ],
            usage(says),
        ));
    }

    // Content types signed into upload URLs.
    let long_type = format!("application/{}", "x".repeat(300));
    let types: &[(&str, &str)] = &[
        ("text/plain\r\nX: y", "write it as type/subtype"),
        ("text/plain\nX-Injected: 1", "write it as type/subtype"),
        ("", "write it as type/subtype"),
        ("text", "write it as type/subtype"),
        ("/plain", "write it as type/subtype"),
        ("text/pla in", "write it as type/subtype"),
        ("image/jp\u{85}eg", "write it as type/subtype"),
        (long_type.as_str(), "312 bytes long"),
    ];
    for (ct, says) in types {
        let flag = format!("--content-type={ct}");
        cases.push(case(
            "content type",
            &[
                "upload-url",
                "--tenant",
                "acme",
                "--new-tenant",
                "--filename",
                "a.jpg",
                flag.as_str(),
            ],
            usage(says),
        ));
    }

    let failures = world.check_all("arguments", &cases);
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 100, "{} cases", cases.len());
}

/// Broken .env files given to `profile import-env`; the harmless oddities (duplicates, a BOM)
/// import, into the real Secret Service.
#[test]
fn hostile_env_files_are_refused_or_imported() {
    let server = SeaweedFs::start(&[BUCKET]);
    let keyring = PrivateKeyring::start();
    let world = World::new(None, Some(&keyring));
    let good = format!(
        "CLOUDFLARE_R2_ENDPOINT={}\nCLOUDFLARE_R2_ACCESS_KEY_ID={}\nCLOUDFLARE_R2_SECRET_ACCESS_KEY={}\n\
         CLOUDFLARE_R2_BUCKET_NAME={BUCKET}\n",
        server.endpoint, server.access_key, server.secret_key
    );
    let files: Vec<(&'static str, Vec<u8>, Expect)> = vec![
        (
            "no '='",
            format!("{good}NO_EQUALS_SIGN\n").into_bytes(),
            usage(".env line 5: expected KEY=VALUE"),
        ),
        (
            "unterminated quote",
            format!("{good}CLOUDFLARE_R2_PUBLIC_URL=\"https://x\n").into_bytes(),
            usage("missing closing \" quote"),
        ),
        (
            "unterminated single quote",
            format!("CLOUDFLARE_R2_BUCKET_NAME='{BUCKET}\n{good}").into_bytes(),
            usage("missing closing ' quote"),
        ),
        (
            "text after quote",
            format!("{good}A=\"x\" y\n").into_bytes(),
            usage("after the closing quote"),
        ),
        (
            "bad name",
            format!("{good}1A=x\n").into_bytes(),
            usage("not a valid variable name"),
        ),
        (
            "empty name",
            format!("{good}=x\n").into_bytes(),
            usage("not a valid variable name"),
        ),
        (
            "NUL in value",
            format!("{good}A=x\0y\n").into_bytes(),
            usage("NUL character"),
        ),
        (
            "binary junk",
            [good.as_bytes(), b"\xff\xfe\x00\x01junk\x80\n"].concat(),
            usage("is not a text file (invalid UTF-8"),
        ),
        (
            "control junk",
            format!("{good}\u{1}\u{2}\u{3}\n").into_bytes(),
            usage("expected KEY=VALUE"),
        ),
        (
            "huge line",
            format!("{good}{}\n", "x".repeat(2_000_000)).into_bytes(),
            usage(".env line 5: expected KEY=VALUE"),
        ),
        (
            "huge bucket value",
            format!("{good}CLOUDFLARE_R2_BUCKET_NAME={}\n", "b".repeat(1_000_000)).into_bytes(),
            usage("bucket name"),
        ),
        (
            "bad expiry",
            format!("{good}CLOUDFLARE_R2_SIGNED_URL_EXPIRY=1h\n").into_bytes(),
            usage("is not a number of seconds"),
        ),
        (
            "endpoint with password",
            format!("{good}CLOUDFLARE_R2_ENDPOINT=http://u:p@127.0.0.1:1\n").into_bytes(),
            usage("must not contain a user name or password"),
        ),
        (
            "empty file",
            Vec::new(),
            Refused {
                code: 3,
                says: "not configured",
            },
        ),
        (
            "only comments",
            b"# nothing\n\n   # here\n".to_vec(),
            Refused {
                code: 3,
                says: "not configured",
            },
        ),
        (
            "duplicate keys",
            format!("CLOUDFLARE_R2_BUCKET_NAME=first-one\n{good}").into_bytes(),
            Succeeds {
                says: "Imported profile",
            },
        ),
        (
            "BOM",
            format!("\u{feff}{good}").into_bytes(),
            Succeeds {
                says: "Imported profile",
            },
        ),
        (
            "CRLF",
            good.replace('\n', "\r\n").into_bytes(),
            Succeeds {
                says: "Imported profile",
            },
        ),
    ];
    let mut cases = Vec::new();
    for (i, (kind, bytes, expect)) in files.into_iter().enumerate() {
        let path = world.path(&format!("{i}.env"));
        std::fs::write(&path, bytes).expect("write .env");
        let name = format!("p{i}");
        cases.push(Case {
            kind,
            args: [
                "profile",
                "import-env",
                path.to_str().expect("utf8"),
                "--name",
                name.as_str(),
            ]
            .map(String::from)
            .to_vec(),
            stdin: None,
            expect,
        });
    }
    let dir = world.path("a-folder.env");
    std::fs::create_dir_all(&dir).expect("mkdir");
    cases.push(case(
        "a folder",
        &["profile", "import-env", dir.to_str().expect("utf8")],
        Refused {
            code: 1,
            says: "cannot read",
        },
    ));
    let failures = world.check_all(".env", &cases);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every regular file below `dir`.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_below(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Keys another client put into the bucket, downloaded with `get --prefix`: every file lands
/// inside the target folder; keys Cubby will not name are reported, not written anywhere.
#[test]
fn hostile_keys_download_inside_the_folder() {
    let server = SeaweedFs::start(&[BUCKET]);
    let world = World::new(Some(&server), None);
    let boto3 = Boto3 { server: &server };
    let long_segment = format!("acme/{}.pdf", "x".repeat(300));
    let long_key = format!("acme/{}deep.txt", "a/".repeat(520));
    let keys: Vec<String> = [
        "acme/../../escape.txt",
        "acme/..\\..\\escape-backslash.txt",
        "acme/./dot.txt",
        "acme/a/../b.txt",
        "acme/C:\\Windows\\evil.txt",
        "acme/C:/evil.txt",
        "acme/D:drive-relative.txt",
        "acme//double.txt",
        "acme/\\\\server\\share\\unc.txt",
        "/acme/leading-slash.txt",
        "acme/CON",
        "acme/nul.txt",
        "acme/COM1.log",
        "acme/LPT1",
        "acme/aux.tar.gz",
        "acme/trailing-dot.",
        "acme/trailing-space ",
        "acme/dots.../x.txt",
        "acme/ctrl\u{1}.txt",
        "acme/new\nline.txt",
        "acme/tab\t.txt",
        "acme/del\u{7f}.txt",
        "acme/nul\0byte.txt",
        "acme/<>:\"|?*.txt",
        long_segment.as_str(),
        long_key.as_str(),
        "acme/e\u{301}-nfd.txt",
        "acme/\u{e9}-nfc.txt",
        "acme/emoji 😀.txt",
        "acme/invoice\u{202E}fdp.exe",
        "acme/~/.ssh/authorized_keys",
        "acme/%2e%2e/%2e%2e/encoded.txt",
    ]
    .iter()
    .map(|k| k.to_string())
    .collect();
    let list = world.path("keys.json");
    std::fs::write(&list, serde_json::to_string(&keys).expect("json")).expect("write");
    let stored = boto3.run(&format!(
        "keys = json.load(open({:?}))\nout = []\nfor k in keys:\n\
         \x20   try:\n\x20       s3.put_object(Bucket='{BUCKET}', Key=k, Body=k.encode('utf-8', 'replace'))\n\
         \x20       out.append([k, 'stored'])\n\
         \x20   except Exception as e:\n\x20       out.append([k, type(e).__name__ + ': ' + str(e)[:80]])\n\
         print(json.dumps(out))",
        list.display().to_string()
    ));
    let outcome: Vec<(String, String)> = serde_json::from_str(stored.trim()).expect("boto3 json");
    // As JSON: a key may hold a newline.
    let listed = boto3.run(&format!(
        "print(json.dumps([o['Key'] for p in s3.get_paginator('list_objects_v2').paginate(Bucket='{BUCKET}') \
         for o in p.get('Contents', [])]))"
    ));
    let server_keys: Vec<String> = serde_json::from_str(listed.trim()).expect("boto3 json");
    let refused_by_server = outcome.iter().filter(|(_, o)| o != "stored").count();
    for (key, result) in &outcome {
        eprintln!("server: {key:?} -> {result}");
    }
    eprintln!("server holds: {server_keys:?}");

    // The target sits two levels down so a climb of one or two would still land in our home.
    let dest = world.path("jail/inner/downloads");
    let (code, out, err) = world.run(
        &[
            "--json",
            "get",
            "--prefix",
            "acme/",
            "--to",
            dest.to_str().expect("utf8"),
        ]
        .map(String::from),
        None,
    );
    assert!(no_panic(&out, &err).is_none(), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let downloaded = report["downloaded"].as_array().expect("downloaded");
    let failed = report["failed"].as_array().expect("failed");
    let root = dest.canonicalize().expect("dest exists");
    for item in downloaded {
        let path = Path::new(item["path"].as_str().expect("path"));
        let real = path.canonicalize().expect("downloaded file exists");
        assert!(
            real.starts_with(&root),
            "{:?} -> {real:?} left {root:?}",
            item["key"]
        );
        // Each object holds the key it was put under (the server may have normalized that key,
        // e.g. '\\' to '/'), so a file with the wrong body landed under another key's name.
        let body = String::from_utf8(std::fs::read(&real).expect("read")).expect("utf8 body");
        assert!(keys.contains(&body), "{:?} holds {body:?}", item["key"]);
    }
    // Nothing was written anywhere else in the home.
    let mut outside: Vec<PathBuf> = files_below(world.home.path())
        .into_iter()
        .filter(|p| !p.starts_with(&dest) && !p.starts_with(world.path("data")) && *p != list)
        .collect();
    outside.sort();
    assert!(outside.is_empty(), "written outside the target: {outside:?}");
    assert_eq!(
        files_below(&dest).len(),
        downloaded.len(),
        "one file per download"
    );
    // Keys the server holds but Cubby will not name (control characters) are each reported on
    // one line; so is a key the listing could not carry (XML has no U+0001: SeaweedFS lists
    // "ctrl\u{1}.txt" as "ctrl\u{fffd}.txt", which then is not found).
    let under_prefix = server_keys.iter().filter(|k| k.starts_with("acme/")).count();
    assert_eq!(
        downloaded.len() + failed.len(),
        under_prefix,
        "every key under the prefix is either downloaded or reported: {failed:?}"
    );
    assert_eq!(
        code == 0,
        failed.is_empty(),
        "exit 0 exactly when every key was downloaded (exit {code}): {err}"
    );
    assert_eq!(
        err.lines().count(),
        failed.len(),
        "one line per failed key: {err}"
    );
    for line in err.lines() {
        assert!(line.starts_with("error: ") && line.len() < 400, "{line}");
    }
    let adjusted = downloaded
        .iter()
        .filter(|d| d["adjusted"].as_array().is_some_and(|a| !a.is_empty()))
        .count();
    eprintln!(
        "hostile cli cases (download): total {} keys: {refused_by_server} refused by the server, \
         {} downloaded inside the folder ({adjusted} with adjusted names), {} reported as not downloadable",
        keys.len(),
        downloaded.len(),
        failed.len()
    );
    assert_eq!(
        refused_by_server + server_keys.len(),
        keys.len(),
        "every key accounted for"
    );

    // The same keys one by one: `get KEY` either refuses the key in one line or lands it inside.
    let single = world.path("single");
    let mut failures = Vec::new();
    for key in server_keys.iter().filter(|k| k.starts_with("acme/")) {
        let (code, out, err) = world.run(
            &["--json", "get", key, "--to", single.to_str().expect("utf8")].map(String::from),
            None,
        );
        if let Some(p) = no_panic(&out, &err) {
            failures.push(format!("{key:?}: {p}"));
        } else if code == 0 {
            let report: serde_json::Value = serde_json::from_str(&out).expect("json");
            let path = report["downloaded"][0]["path"].as_str().unwrap_or_default();
            let inside = Path::new(path)
                .canonicalize()
                .is_ok_and(|p| p.starts_with(single.canonicalize().expect("single")));
            if !inside {
                failures.push(format!("{key:?} landed at {path:?}"));
            }
        } else if code != 2 || err.lines().count() != 1 || !err.starts_with("error: ") {
            failures.push(format!("{key:?}: exit {code}: {err:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Local files with odd names, uploaded with `put`, and odd names given to `upload-url`: the
/// keys stay inside the tenant and are valid; names with nothing usable are refused.
#[test]
fn hostile_file_names_stay_inside_the_tenant() {
    let server = SeaweedFs::start(&[BUCKET]);
    let world = World::new(Some(&server), None);
    let src = world.path("odd-names");
    std::fs::create_dir_all(&src).expect("mkdir");
    let long_local = format!("{}.pdf", "n".repeat(250));
    let long_local_emoji = format!("{}.png", "😀".repeat(62));
    let local_names = [
        "line\nbreak.txt",
        "carriage\rreturn.txt",
        "😀 party.png",
        "re\u{301}sume\u{301}-nfd.pdf",
        "r\u{e9}sum\u{e9}-nfc.pdf",
        "con.txt",
        "invoice\u{202E}fdp.exe",
        "tab\tand  spaces.csv",
        "\u{feff}bom.txt",
        "-rf",
        long_local.as_str(),
        long_local_emoji.as_str(),
    ];
    for name in local_names {
        std::fs::write(src.join(name), name.as_bytes()).expect("odd local name");
    }
    let (code, out, err) = world.run(
        &[
            "--json",
            "put",
            src.to_str().expect("utf8"),
            "--tenant",
            "acme",
            "--new-tenant",
        ]
        .map(String::from),
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    let uploaded = report["uploaded"].as_array().expect("uploaded");
    assert_eq!(uploaded.len(), local_names.len(), "{out}");
    for item in uploaded {
        let key = item["key"].as_str().expect("key");
        let parsed = cubby_core::ObjectKey::parse(key).expect("a valid key");
        assert_eq!(
            parsed.tenant().map(|t| t.to_string()).as_deref(),
            Some("acme"),
            "{key}"
        );
        assert_eq!(key.matches('/').count(), 2, "tenant/category/name: {key}");
        assert!(
            !key.contains(['\n', '\r', '\t', '\u{202E}', '\u{feff}', ' ']),
            "{key:?}"
        );
        assert!(parsed.name().len() <= 255, "{key}");
    }
    eprintln!("hostile cli cases (put names): total {}", local_names.len());

    let mut cases = Vec::new();
    let long = format!("{}.pdf", "n".repeat(300));
    let long_emoji = format!("{}.png", "😀".repeat(100));
    for name in [
        "../../etc/passwd",
        "C:\\Users\\me\\x.jpg",
        "a\nb.txt",
        long.as_str(),
        long_emoji.as_str(),
        "e\u{301}.txt",
        "CON",
        "invoice\u{202E}fdp.exe",
    ] {
        cases.push(case(
            "file name (upload-url)",
            &[
                "upload-url",
                "--tenant",
                "acme",
                "--new-tenant",
                "--filename",
                name,
                "--content-type",
                "application/octet-stream",
            ],
            Succeeds {
                says: "\"object_key\": \"acme/",
            },
        ));
    }
    for name in ["", "???", "..", "\u{202E}", "dir/"] {
        cases.push(case(
            "file name (nothing usable)",
            &[
                "upload-url",
                "--tenant",
                "acme",
                "--new-tenant",
                "--filename",
                name,
                "--content-type",
                "text/plain",
            ],
            usage("has no usable characters: rename the file"),
        ));
    }
    let failures = world.check_all("file names", &cases);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
