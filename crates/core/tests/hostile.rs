//! Hostile input through cubby-core's public parsers, one table per kind of input: every case
//! is either refused with a one-line `invalid_input` message that names the problem and the
//! fix, or accepted with a result that keeps the guarantee (inside the folder, inside the
//! tenant, a valid key segment). The CLI suite (crates/cli/tests/hostile.rs) drives the same
//! kinds of input through the `cubby` binary.

use std::path::{Component, Path};

use cubby_core::keys::{sanitize_name, MAX_NAME_BYTES};
use cubby_core::local_path::{map_key, MAX_SEGMENT_BYTES};
use cubby_core::profile::{normalize_public_url, Origin, Profile, DEFAULT_EXPIRY_SECS};
use cubby_core::share::{parse_expiry, validate_content_type};
use cubby_core::{dotenv, Error, ObjectKey, Prefix, TenantId};

/// Counts cases per kind and collects every broken expectation, so one run reports them all.
#[derive(Default)]
struct Tally {
    counts: Vec<(&'static str, usize)>,
    failures: Vec<String>,
}

impl Tally {
    fn case(&mut self, kind: &'static str, input: &str, problem: Option<String>) {
        match self.counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((kind, 1)),
        }
        if let Some(problem) = problem {
            self.failures
                .push(format!("{kind} {:?}: {problem}", truncated(input)));
        }
    }

    fn finish(self, at_least: usize) {
        let total: usize = self.counts.iter().map(|(_, n)| n).sum();
        for (kind, n) in &self.counts {
            eprintln!("hostile core cases: {kind}: {n}");
        }
        eprintln!("hostile core cases: total {total}");
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n"));
        assert!(total >= at_least, "only {total} cases");
    }
}

fn truncated(text: &str) -> String {
    text.chars().take(60).collect()
}

/// A refusal must be `invalid_input`, one line, and contain `says`.
fn refusal(result: Result<impl std::fmt::Debug, Error>, says: &str) -> Option<String> {
    match result {
        Ok(v) => Some(format!("accepted as {v:?}, expected a refusal saying {says:?}")),
        Err(e) if e.code() != "invalid_input" => Some(format!("code {} ({e})", e.code())),
        Err(e) if e.to_string().contains(['\n', '\r']) => Some(format!("message spans lines: {e:?}")),
        Err(e) if !e.to_string().contains(says) => Some(format!("message {e:?} lacks {says:?}")),
        Err(_) => None,
    }
}

fn check_inside(dir: &Path, key: &str) -> Option<String> {
    let target = match map_key(dir, key) {
        Ok(t) => t,
        Err(e) => return Some(format!("refused: {e}")),
    };
    let Ok(inside) = target.path.strip_prefix(dir) else {
        return Some(format!("left the folder: {:?}", target.path));
    };
    let mut count = 0;
    for c in inside.components() {
        let Component::Normal(name) = c else {
            return Some(format!("{c:?} in {:?}", target.path));
        };
        let name = name.to_string_lossy();
        count += 1;
        if name.is_empty() || name.len() > MAX_SEGMENT_BYTES || name.ends_with(['.', ' ']) {
            return Some(format!("bad segment {name:?}"));
        }
        if name.chars().any(|c| c.is_control() || "<>:\"|?*\\".contains(c)) {
            return Some(format!("refused character kept in {name:?}"));
        }
    }
    (count == 0).then(|| "no name left".to_string())
}

#[test]
fn hostile_keys_map_inside_the_download_folder() {
    let dir = std::env::temp_dir().join("cubby-hostile-downloads");
    let long_segment = format!("{}.pdf", "x".repeat(300));
    let long_key = format!("acme/{}", "a/".repeat(600));
    let emoji_segment = "😀".repeat(80);
    let mut tally = Tally::default();
    let saved: &[&str] = &[
        "../../.ssh/authorized_keys",
        "acme/../../../etc/passwd",
        "..\\..\\Windows\\win.ini",
        "/etc/passwd",
        "\\\\server\\share\\x.txt",
        "C:\\Windows\\System32\\evil.dll",
        "c:relative.txt",
        "C:/x/y.txt",
        "/C:/D:/x",
        "a\0b.txt",
        "new\nline.txt",
        "carriage\rreturn.txt",
        "bell\u{7}.txt",
        "del\u{7f}.txt",
        "next-line\u{85}.txt",
        "CON",
        "con.txt",
        "NUL",
        "nul .txt",
        "COM1",
        "com1.log",
        "LPT1",
        "lpt1.tar.gz",
        "AUX.",
        "PRN/x",
        "trailing-dot.",
        "trailing-space ",
        "dots.../x",
        "a/ . /b",
        "q?/a<b>c:d\"e|f*g.txt",
        &long_segment,
        &long_key,
        &emoji_segment,
        "a/./b//c/",
        "~/.bashrc",
        "$HOME/x",
        "%2e%2e/%2e%2e/x",
        "invoice\u{202E}fdp.exe",
        "e\u{301}.txt",
        "\u{e9}.txt",
    ];
    for key in saved {
        tally.case("download key (saved inside)", key, check_inside(&dir, key));
    }
    let refused: &[&str] = &[
        "",
        "..",
        "../..",
        "/",
        ".",
        "C:",
        "C:\\..\\",
        "... / . .",
        "//./../",
        "\\",
    ];
    for key in refused {
        tally.case(
            "download key (nothing usable)",
            key,
            refusal(map_key(&dir, key), "cannot be saved as a file"),
        );
    }
    tally.finish(50);
}

#[test]
fn hostile_tenants_keys_and_prefixes_are_refused() {
    let mut tally = Tally::default();
    let long_tenant = "t".repeat(129);
    let tenants: &[(&str, &str)] = &[
        ("../other", "starts with '.'"),
        ("a/b", "contains '/'"),
        ("", "is empty"),
        (".", "starts with '.'"),
        ("..", "starts with '.'"),
        (".hidden", "starts with '.'"),
        ("acme\\other", "contains '\\\\'"),
        ("acme corp", "contains ' '"),
        ("\u{430}cme", "contains '\\u{430}'"),
        ("\u{ff41}cme", "contains '\\u{ff41}'"),
        ("acme\u{200b}", "contains '\\u{200b}'"),
        ("acme\0", "contains '\\u{0}'"),
        ("acme\n", "contains '\\n'"),
        ("acme/", "contains '/'"),
        (&long_tenant, "is 129 bytes long"),
    ];
    for (tenant, says) in tenants {
        let problem = refusal(TenantId::parse(tenant), says)
            .or_else(|| refusal(TenantId::parse(tenant), "use 1-128 ASCII letters"));
        tally.case("tenant id", tenant, problem);
    }
    let acme = TenantId::parse("acme").expect("acme");
    let relatives: &[(&str, &str)] = &[
        ("../globex/x", "'..' segment"),
        ("/globex/x", "starts with '/'"),
        ("a//b", "empty segment"),
        ("./x", "'.' segment"),
        ("x\0", "control character"),
        ("", "is empty"),
        ("x/", "ends with '/'"),
    ];
    for (relative, says) in relatives {
        tally.case(
            "key in tenant",
            relative,
            refusal(ObjectKey::in_tenant(&acme, relative), says),
        );
    }
    let over = format!("acme/{}", "k".repeat(1020));
    let keys: &[(&str, &str)] = &[
        ("../etc/passwd", "'..' segment"),
        ("/abs/key", "starts with '/'"),
        ("acme/\u{1}x", "control character"),
        ("acme/a\r\nX: y", "control character"),
        ("acme/./x", "'.' segment"),
        ("acme/", "ends with '/'"),
        (&over, "1,024 bytes"),
    ];
    for (key, says) in keys {
        tally.case("object key", key, refusal(ObjectKey::parse(key), says));
    }
    for (prefix, says) in [
        ("../", "'..' segment"),
        ("acme//", "empty segment"),
        ("/", "starts with '/'"),
    ] {
        tally.case("prefix", prefix, refusal(Prefix::parse(prefix), says));
    }
    tally.finish(30);
}

#[test]
fn hostile_file_names_become_valid_key_segments() {
    let mut tally = Tally::default();
    let acme = TenantId::parse("acme").expect("acme");
    let long = format!("{}.pdf", "n".repeat(300));
    let long_emoji = format!("{}.png", "😀".repeat(100));
    let names = [
        "line\nbreak.txt",
        "cr\r\nlf.txt",
        "😀 party.png",
        "re\u{301}sume\u{301}.pdf",
        "r\u{e9}sum\u{e9}.pdf",
        long.as_str(),
        long_emoji.as_str(),
        "../../etc/passwd",
        "C:\\Users\\me\\x.jpg",
        "con.txt",
        "invoice\u{202E}fdp.exe",
        "\u{feff}bom.txt",
        "tab\tand  spaces.csv",
        "a\0b.bin",
    ];
    for name in names {
        let problem = match sanitize_name(name, MAX_NAME_BYTES) {
            Err(e) => Some(format!("refused: {e}")),
            Ok(clean) if clean.len() > MAX_NAME_BYTES => Some(format!("{} bytes", clean.len())),
            Ok(clean) => match ObjectKey::in_tenant(&acme, &format!("uploads/{clean}")) {
                Err(e) => Some(format!("{clean:?} is not a key segment: {e}")),
                Ok(key) if key.name() != clean => Some(format!("{clean:?} split into segments")),
                Ok(_) if sanitize_name(&clean, MAX_NAME_BYTES).ok().as_ref() != Some(&clean) => {
                    Some(format!("{clean:?} changes when sanitized again"))
                }
                Ok(_) => None,
            },
        };
        tally.case("file name (sanitized)", name, problem);
    }
    for name in ["", "???", "..", "\u{202E}", "___", "dir/"] {
        tally.case(
            "file name (nothing usable)",
            name,
            refusal(
                sanitize_name(name, MAX_NAME_BYTES),
                "has no usable characters: rename the file",
            ),
        );
    }
    tally.finish(20);
}

#[test]
fn malformed_env_files_are_refused_with_the_line_number() {
    let mut tally = Tally::default();
    let huge_name = format!("{}=1", "A".repeat(100_000));
    let huge_value = format!("A={}", "v".repeat(1_000_000));
    let huge_junk = "#".repeat(10).to_string() + "\n" + &"x".repeat(1_000_000);
    let refused: &[(&str, &str)] = &[
        ("NO_EQUALS_SIGN\n", ".env line 1: expected KEY=VALUE"),
        (
            "A=1\nB=\"unterminated\nC=3\n",
            ".env line 2: missing closing \" quote",
        ),
        ("A='unterminated\n", "missing closing ' quote"),
        ("A=\"x\" trailing\n", "after the closing quote"),
        ("1A=x\n", "not a valid variable name"),
        ("A B=c\n", "not a valid variable name"),
        ("=value\n", "not a valid variable name"),
        ("A=\"nul\0\"\n", "NUL character"),
        ("A=x\0y\n", "NUL character"),
        ("\u{1}\u{2}\u{3}junk\n", "expected KEY=VALUE"),
        ("export\n", "expected KEY=VALUE"),
        ("\u{feff}\u{feff}A=1\n", "not a valid variable name"),
        (&huge_junk, ".env line 2: expected KEY=VALUE"),
    ];
    for (text, says) in refused {
        let problem = refusal(dotenv::parse(text), says)
            .or_else(|| refusal(dotenv::parse(text), "lines must look like NAME=value"));
        tally.case(".env (refused)", text, problem);
    }
    let parsed: &[(&str, &str, &str)] = &[
        ("A=1\nA=2\n", "A", "2"),
        ("\u{feff}A=bom\n", "A", "bom"),
        ("A=1\r\n", "A", "1"),
        (&huge_value, "A", &huge_value[2..]),
        (&huge_name, &huge_name[..100_000], "1"),
        ("A=\"multi\nline\"\n", "A", "multi\nline"),
        ("A=pa#ss # comment\n", "A", "pa#ss"),
    ];
    for (text, name, value) in parsed {
        let problem = match dotenv::parse(text) {
            Ok(vars) if vars.get(*name).map(String::as_str) == Some(*value) => None,
            Ok(vars) => Some(format!("got {:?}", vars.get(*name).map(|v| truncated(v)))),
            Err(e) => Some(format!("refused: {e}")),
        };
        tally.case(".env (parsed)", text, problem);
    }
    tally.finish(20);
}

#[test]
fn bad_expiries_and_content_types_are_refused() {
    let mut tally = Tally::default();
    let expiries: &[(&str, &str)] = &[
        ("0", "outside R2's limits"),
        ("0s", "outside R2's limits"),
        ("-1", "not a duration"),
        ("8d", "outside R2's limits"),
        ("604801", "outside R2's limits"),
        ("1e9", "not a duration"),
        ("1h30", "not a duration"),
        ("1h30m", "not a duration"),
        ("", "not a duration"),
        ("   ", "not a duration"),
        ("1.5h", "not a duration"),
        ("1w", "not a duration"),
        ("soon", "not a duration"),
        ("99999999999999999999", "not a duration"),
        ("18446744073709551615d", "not a duration"),
        ("+5", "not a duration"),
        ("0x10", "not a duration"),
        ("\u{661}\u{662}", "not a duration"),
        ("5\nm", "not a duration"),
    ];
    for (text, says) in expiries {
        let problem = refusal(parse_expiry(text), says).or_else(|| {
            refusal(parse_expiry(text), "e.g. 90s, 30m, 1h, 7d")
                .and(refusal(parse_expiry(text), "1 second to 7 days"))
        });
        tally.case("expiry", text, problem);
    }
    let long_type = format!("application/{}", "x".repeat(300));
    let types: &[&str] = &[
        "text/plain\r\nX: y",
        "text/plain\nX-Injected: 1",
        "",
        "  ",
        "text",
        "/plain",
        "text/",
        "text/pla in",
        "image/jp\u{85}eg",
        "\u{ef}mage/jpeg",
        "text/plain\0",
        &long_type,
    ];
    for ct in types {
        tally.case(
            "content type",
            ct,
            refusal(validate_content_type(ct), "write it as type/subtype"),
        );
    }
    // Whitespace around a type is trimmed (U+0085 is whitespace too): what is signed is clean.
    for (ct, signed) in [
        ("image/jpeg\u{85}", "image/jpeg"),
        (" text/plain\r\n", "text/plain"),
    ] {
        let problem = match validate_content_type(ct) {
            Ok(v) if v == signed => None,
            other => Some(format!("{other:?}, expected {signed:?}")),
        };
        tally.case("content type (trimmed)", ct, problem);
    }
    tally.finish(30);
}

fn profile_with(endpoint: Option<&str>, public_url: Option<&str>) -> Profile {
    Profile {
        name: "hostile".into(),
        account_id: endpoint
            .is_none()
            .then(|| "0123456789abcdef0123456789abcdef".into()),
        jurisdiction: None,
        endpoint: endpoint.map(str::to_string),
        bucket: "files".into(),
        public_url: public_url.map(str::to_string),
        signed_url_expiry: DEFAULT_EXPIRY_SECS,
        direct_upload: false,
        allow_http: false,
        origin: Origin::Stored,
        checked: None,
    }
}

#[test]
fn bad_endpoints_and_urls_are_refused() {
    let mut tally = Tally::default();
    let endpoints = cubby_testkit::hostile::BAD_ENDPOINTS;
    for (endpoint, says) in endpoints {
        tally.case(
            "endpoint",
            endpoint,
            refusal(profile_with(Some(endpoint), None).validate(), says),
        );
    }
    for ok in [
        "http://[::1]:9000",
        "https://s3.example.com:9000",
        "HTTPS://EXAMPLE.COM",
        "HTTP://LOCALHOST:9000",
    ] {
        let problem = profile_with(Some(ok), None)
            .validate()
            .err()
            .map(|e| format!("refused: {e}"));
        tally.case("endpoint (accepted)", ok, problem);
    }
    let public = cubby_testkit::hostile::BAD_PUBLIC_URLS;
    for (url, says) in public {
        tally.case("public URL", url, refusal(normalize_public_url(url), says));
        tally.case(
            "public URL (profile)",
            url,
            refusal(profile_with(None, Some(url)).validate(), says),
        );
    }
    tally.finish(30);
}
