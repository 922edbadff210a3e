//! The seed's key scheme, `{tenant}/{category}/{YYYYMMDD_HHMMSS}_{tag}_{name}`, and the file-name
//! hygiene it needs: a user's file name becomes the last key segment, so it must be safe in a
//! URL, in a shell and, after a download, on every desktop file system.
//!
//! This module makes keys and reads them back for display. What counts as a valid key is
//! `tenant`'s business; which category a file belongs to is `detect`'s.

use chrono::{DateTime, Utc};
use rand::Rng;
use unicode_normalization::UnicodeNormalization;

use crate::tenant::{escaped, Category, ObjectKey, Prefix, TenantId, MAX_KEY_BYTES};
use crate::{Error, Result};

/// Longest sanitized file name, in bytes (keeps downloads within common 255-byte file-name limits).
pub const MAX_NAME_BYTES: usize = 200;

/// The tag's alphabet: lowercase so keys never differ only by case (some file systems fold it).
const TAG_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const TAG_LEN: usize = 6;
/// `YYYYMMDD_HHMMSS_tagtag_`: what precedes the name in the last segment.
const STAMP_LEN: usize = 8 + 1 + 6 + 1 + TAG_LEN + 1;

/// Characters that mean something to URLs, shells or Windows, folded to '_' with whitespace and
/// control characters.
const UNSAFE: &[char] = &[
    '\\', '/', ':', '*', '?', '"', '<', '>', '|', '#', '%', '{', '}', '^', '~', '[', ']', '`', '&', '$', '@',
    '=', ';', '+', ',',
];

/// Trimmed from both ends of a stem: they hide files, read as options, or vanish on Windows.
fn is_edge(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | ' ')
}

/// Invisible characters that reorder text. A name like "invoice\u{202E}fdp.exe" displays as
/// "invoiceexe.pdf", so they are folded like control characters. Other format characters stay:
/// the zero-width joiner, for one, holds emoji sequences together.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || c.is_whitespace() || is_bidi_control(c) || c == '\u{FEFF}' || UNSAFE.contains(&c)
}

/// The extension of a name, if it is a plain one (1-10 ASCII letters and digits), and the stem.
pub(crate) fn split_extension(name: &str) -> (&str, Option<&str>) {
    match name.rsplit_once('.') {
        Some((stem, ext))
            if (1..=10).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            (stem, Some(ext))
        }
        _ => (name, None),
    }
}

/// The longest start of `text` that fits in `max_bytes` and ends on a char boundary.
pub(crate) fn truncate_to(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Makes a user's file name safe as the last key segment: drops path parts (both '/' and '\\'
/// and a "C:" drive prefix), folds runs of whitespace and unsafe characters (control chars, and
/// \ / : * ? " < > | # % { } ^ ~ [ ] ` & $ @ = ; + ,) into one '_', NFC-normalizes Unicode and
/// keeps other Unicode (é, 日本, emoji), trims leading/trailing '_', '.', '-' and spaces from the
/// stem, lower-cases nothing, preserves the extension (the part after the last '.', if 1-10
/// alphanumerics; keep its case) and trims the stem (on a char boundary) so the whole name is at
/// most `max_bytes`. Errors when nothing usable remains.
///
/// Also folded: the invisible bidirectional controls (U+202E and kin) that make "fdp.exe" read
/// as "exe.pdf". A name that is only an extension (".env") keeps it as its stem ("env").
pub fn sanitize_name(name: &str, max_bytes: usize) -> Result<String> {
    // One pass can leave work for another: the extension is chosen before the stem's edges are
    // trimmed ("a_.pd_" -> "a_.pd", whose extension is now "pd"), and a cut can expose a new
    // one. Each pass only removes characters, so repeating until nothing changes ends quickly
    // and makes the result stable: sanitizing a sanitized name changes nothing.
    let mut clean = sanitize_once(name, max_bytes)?;
    loop {
        let again = sanitize_once(&clean, max_bytes)?;
        if again == clean {
            return Ok(clean);
        }
        clean = again;
    }
}

fn sanitize_once(name: &str, max_bytes: usize) -> Result<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let last = match last.as_bytes() {
        [drive, b':', ..] if drive.is_ascii_alphabetic() => &last[2..],
        _ => last,
    };
    let normalized: String = last.nfc().collect();
    let folded = fold_unsafe(&normalized);

    let (stem, ext) = split_extension(&folded);
    let (stem, ext) = match (stem.trim_matches(is_edge), ext) {
        ("", Some(ext)) => (ext, None),
        (stem, ext) => (stem, ext),
    };
    if stem.is_empty() {
        return Err(Error::invalid(format!(
            "file name '{}' has no usable characters: rename the file",
            escaped(name)
        )));
    }

    let ext_bytes = ext.map_or(0, |ext| ext.len() + 1);
    let stem = truncate_to(stem, max_bytes.saturating_sub(ext_bytes)).trim_end_matches(is_edge);
    if stem.is_empty() {
        return Err(Error::invalid(format!(
            "file name '{}' cannot be shortened to {max_bytes} bytes: rename the file with a shorter name",
            escaped(name)
        )));
    }
    Ok(match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_string(),
    })
}

/// Folds each run of unsafe characters, with any '_' touching it, into a single '_'. Runs of
/// '_' the user typed themselves ("a__b") are kept.
fn fold_unsafe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut underscores = 0;
    let mut folding = false;
    let flush = |out: &mut String, underscores: &mut usize, folding: &mut bool| {
        if *folding {
            out.push('_');
        } else {
            out.extend(std::iter::repeat_n('_', *underscores));
        }
        *underscores = 0;
        *folding = false;
    };
    for c in text.chars() {
        if c == '_' {
            underscores += 1;
        } else if is_unsafe(c) {
            folding = true;
        } else {
            flush(&mut out, &mut underscores, &mut folding);
            out.push(c);
        }
    }
    flush(&mut out, &mut underscores, &mut folding);
    out
}

/// `{tenant}/{category}/{YYYYMMDD_HHMMSS}_{6 random lowercase alphanumerics}_{sanitized name}`,
/// UTC, trimming the name further if needed so the key is at most 1,024 bytes.
pub fn scheme_key(
    tenant: &TenantId,
    category: Category,
    at: DateTime<Utc>,
    file_name: &str,
) -> Result<ObjectKey> {
    scheme_key_with_rng(&mut rand::rng(), tenant, category, at, file_name)
}

/// `scheme_key` with the randomness passed in, for tests that need the same key twice.
pub fn scheme_key_with_rng(
    rng: &mut impl Rng,
    tenant: &TenantId,
    category: Category,
    at: DateTime<Utc>,
    file_name: &str,
) -> Result<ObjectKey> {
    let head = format!("{}{category}/{}", tenant.prefix(), stamp(rng, at));
    // With tenants of at most 128 bytes the head is at most 162 bytes, so MAX_NAME_BYTES always
    // fits; the subtraction keeps that true should either limit change.
    let budget = MAX_NAME_BYTES.min(MAX_KEY_BYTES.saturating_sub(head.len()));
    let name = sanitize_name(file_name, budget)?;
    ObjectKey::parse(&format!("{head}{name}"))
}

/// `{YYYYMMDD_HHMMSS}_{tag}_`: what precedes the name in a scheme key's last segment.
fn stamp(rng: &mut impl Rng, at: DateTime<Utc>) -> String {
    let tag: String = (0..TAG_LEN)
        .map(|_| char::from(TAG_ALPHABET[rng.random_range(0..TAG_ALPHABET.len())]))
        .collect();
    format!("{}_{tag}_", at.format("%Y%m%d_%H%M%S"))
}

/// The same file under a fresh stamp and tag in the same folder: where revoking a link moves an
/// object, so every URL naming the old key stops working.
pub fn restamp(key: &ObjectKey, at: DateTime<Utc>) -> Result<ObjectKey> {
    let folder = &key.as_str()[..key.as_str().len() - key.name().len()];
    ObjectKey::parse(&format!(
        "{folder}{}{}",
        stamp(&mut rand::rng(), at),
        display_name(key.as_str())
    ))
}

/// The key `key` gets when renamed to `new_name` in its own folder. A scheme key keeps its stamp
/// and tag, so the renamed object still sorts by upload time; the new name is sanitized like an
/// upload's. Errors when the name is unusable or unchanged.
pub fn renamed(key: &ObjectKey, new_name: &str) -> Result<ObjectKey> {
    let last = key.name();
    let shown = display_name(key.as_str());
    let head = &key.as_str()[..key.as_str().len() - shown.len()];
    let budget = MAX_NAME_BYTES.min(MAX_KEY_BYTES.saturating_sub(head.len()));
    let name = sanitize_name(new_name, budget)?;
    if name == shown {
        return Err(Error::invalid(format!(
            "'{last}' is already called '{name}': type a different name"
        )));
    }
    ObjectKey::parse(&format!("{head}{name}"))
}

/// Where `key` lands when moved into `folder`: the same last segment (stamp, tag and name).
pub fn moved_to(key: &ObjectKey, folder: &Prefix) -> Result<ObjectKey> {
    let folder = folder.as_folder();
    let to = ObjectKey::parse(&format!("{}{}", folder.as_str(), key.name()))?;
    if &to == key {
        return Err(Error::invalid(format!(
            "'{key}' is already in '{folder}': pick another folder"
        )));
    }
    Ok(to)
}

/// The human part of a key's last segment: "acme/documents/20250127_123456_abc123_receipt.jpg"
/// -> "receipt.jpg"; keys not in the scheme -> their last segment.
pub fn display_name(key: &str) -> &str {
    let last = key.rsplit('/').next().unwrap_or(key);
    let b = last.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let in_scheme = b.len() > STAMP_LEN
        && digits(0..8)
        && b[8] == b'_'
        && digits(9..15)
        && b[15] == b'_'
        && b[16..16 + TAG_LEN].iter().all(u8::is_ascii_alphanumeric)
        && b[16 + TAG_LEN] == b'_';
    if in_scheme {
        // The stamp is ASCII, so STAMP_LEN is a char boundary.
        &last[STAMP_LEN..]
    } else {
        last
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;

    fn clean(name: &str) -> String {
        sanitize_name(name, MAX_NAME_BYTES).unwrap()
    }

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-01-27T12:34:56Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn acme() -> TenantId {
        TenantId::parse("acme").unwrap()
    }

    #[test]
    fn plain_names_pass_unchanged() {
        for name in [
            "receipt.jpg",
            "archive.tar.gz",
            "IMG_0001.HEIC",
            "Bob's_(1)!.txt",
            "a__b.pdf",
        ] {
            assert_eq!(clean(name), name);
        }
    }

    #[test]
    fn path_parts_and_drives_are_dropped() {
        assert_eq!(clean("/etc/passwd"), "passwd");
        assert_eq!(clean("../../secret.txt"), "secret.txt");
        assert_eq!(clean("C:\\Users\\me\\My Receipt (1).JPG"), "My_Receipt_(1).JPG");
        assert_eq!(clean("C:report.pdf"), "report.pdf");
        assert_eq!(clean("dir/sub\\file.csv"), "file.csv");
    }

    #[test]
    fn unsafe_runs_fold_into_one_underscore() {
        assert_eq!(clean("a  b\t\nc.pdf"), "a_b_c.pdf");
        assert_eq!(clean("Q1 #2 50% & more.xlsx"), "Q1_2_50_more.xlsx");
        assert_eq!(clean("what?*.txt"), "what.txt");
        assert_eq!(clean("a_ _b.txt"), "a_b.txt");
        assert_eq!(clean("x\0y\u{7f}z\u{85}.bin"), "x_y_z.bin");
        assert_eq!(clean("<script>.html"), "script.html");
        assert_eq!(clean("a\u{3000}b.txt"), "a_b.txt");
    }

    #[test]
    fn unicode_is_kept_and_composed() {
        // "résumé" typed with combining accents, as macOS file names often are.
        assert_eq!(clean("re\u{301}sume\u{301}.pdf"), "r\u{e9}sum\u{e9}.pdf");
        assert_eq!(clean("日本語 ファイル.docx"), "日本語_ファイル.docx");
        assert_eq!(clean("😀 party.png"), "😀_party.png");
        // The zero-width joiner inside a family emoji is not a control to fold.
        assert_eq!(clean("👨\u{200d}👩\u{200d}👧.jpg"), "👨\u{200d}👩\u{200d}👧.jpg");
    }

    // Regression guard: right-to-left overrides disguise executables as documents.
    #[test]
    fn bidi_overrides_cannot_disguise_an_extension() {
        assert_eq!(clean("invoice\u{202E}fdp.exe"), "invoice_fdp.exe");
    }

    #[test]
    fn stem_edges_are_trimmed_and_extension_kept() {
        assert_eq!(clean("...hidden"), "hidden");
        assert_eq!(clean("-rf"), "rf");
        assert_eq!(clean("__init__.py"), "init.py");
        assert_eq!(clean("photo..jpg"), "photo.jpg");
        assert_eq!(clean("file."), "file");
        assert_eq!(clean(" spaced .txt"), "spaced.txt");
        assert_eq!(clean(".env"), "env");
        assert_eq!(clean("notes.averylongextension"), "notes.averylongextension");
    }

    #[test]
    fn nothing_usable_is_an_error() {
        for name in ["", "   ", "???", "dir/", "..", ".", "C:", "___", "\u{202E}"] {
            let e = sanitize_name(name, MAX_NAME_BYTES).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
            let text = e.to_string();
            assert!(
                text.contains("has no usable characters: rename the file"),
                "{name:?}: {text}"
            );
        }
    }

    #[test]
    fn long_names_are_trimmed_keeping_the_extension() {
        let name = clean(&format!("{}.pdf", "x".repeat(500)));
        assert_eq!(name.len(), MAX_NAME_BYTES);
        assert!(name.ends_with("x.pdf"));

        // 4-byte characters: the stem is cut between characters, never inside one.
        let name = clean(&format!("{}.png", "😀".repeat(100)));
        assert_eq!(name, format!("{}.png", "😀".repeat(49)));
        let name = sanitize_name(&format!("{}.png", "é".repeat(100)), 12).unwrap();
        assert_eq!(name, format!("{}.png", "é".repeat(4)));

        // A cut that lands next to a separator does not leave it dangling.
        let name = sanitize_name("abcd efgh.txt", 9).unwrap();
        assert_eq!(name, "abcd.txt");
    }

    // Regression guard (found by the sanitize_name fuzz target): trimming after choosing the
    // extension, or cutting a long name, could leave a name that sanitized differently again.
    #[test]
    fn sanitizing_is_idempotent() {
        assert_eq!(clean("eU5\0.pd\0"), "eU5.pd");
        assert_eq!(sanitize_name("ab_.c_d", 5).unwrap(), "ab.c");
        for name in ["eU5\0.pd\0", "x_.y_", "a__.tar_"] {
            let once = clean(name);
            assert_eq!(clean(&once), once, "{name:?}");
        }
    }

    #[test]
    fn names_that_cannot_fit_are_an_error() {
        let e = sanitize_name("😀.png", 6).unwrap_err().to_string();
        assert!(e.contains("cannot be shortened to 6 bytes"), "{e}");
    }

    #[test]
    fn sanitized_names_are_valid_key_segments() {
        let hostile = [
            "a/../b",
            "..\\..\\x",
            "a\0b",
            "a//b",
            "con",
            "%2e%2e",
            "a\u{2028}b.txt",
        ];
        for name in hostile {
            let name = clean(name);
            let key = ObjectKey::in_tenant(&acme(), &format!("uploads/{name}")).unwrap();
            assert_eq!(key.name(), name);
        }
    }

    #[test]
    fn keys_follow_the_seed_scheme() {
        let key = scheme_key(&acme(), Category::Documents, at(), "receipt.jpg").unwrap();
        let key = key.as_str();
        let (head, name) = key.rsplit_once('_').unwrap();
        assert_eq!(name, "receipt.jpg");
        assert!(head.starts_with("acme/documents/20250127_123456_"), "{key}");
        let tag = &head["acme/documents/20250127_123456_".len()..];
        assert_eq!(tag.len(), 6);
        assert!(
            tag.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{tag}"
        );
        assert_eq!(display_name(key), "receipt.jpg");
    }

    #[test]
    fn scheme_keys_sanitize_and_stay_in_the_tenant() {
        let key = scheme_key(&acme(), Category::Images, at(), "../../globex/x y.png").unwrap();
        assert!(key.is_within(&acme()));
        assert_eq!(key.tenant(), Some(acme()));
        assert_eq!(display_name(key.as_str()), "x_y.png");
        assert!(scheme_key(&acme(), Category::Images, at(), "???").is_err());
    }

    #[test]
    fn the_same_rng_gives_the_same_key() {
        let make = || {
            scheme_key_with_rng(
                &mut StdRng::seed_from_u64(7),
                &acme(),
                Category::Uploads,
                at(),
                "a.zip",
            )
            .unwrap()
        };
        assert_eq!(make(), make());
    }

    #[test]
    fn tags_use_the_whole_alphabet() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let key = scheme_key_with_rng(&mut rng, &acme(), Category::Uploads, at(), "a").unwrap();
            seen.extend(key.as_str()["acme/uploads/20250127_123456_".len()..][..6].chars());
        }
        assert_eq!(seen.len(), TAG_ALPHABET.len());
    }

    #[test]
    fn longest_tenant_and_name_still_fit_in_a_key() {
        let tenant = TenantId::parse(&"t".repeat(128)).unwrap();
        let key = scheme_key(
            &tenant,
            Category::Documents,
            at(),
            &format!("{}.pdf", "n".repeat(5000)),
        )
        .unwrap();
        assert!(key.as_str().len() <= MAX_KEY_BYTES);
        assert_eq!(display_name(key.as_str()).len(), MAX_NAME_BYTES);
    }

    #[test]
    fn display_name_strips_only_the_scheme_stamp() {
        assert_eq!(
            display_name("acme/documents/20250127_123456_abc123_receipt.jpg"),
            "receipt.jpg"
        );
        assert_eq!(display_name("20250127_123456_abc123_a_b.pdf"), "a_b.pdf");
        assert_eq!(display_name("acme/documents/receipt.jpg"), "receipt.jpg");
        assert_eq!(display_name("acme/documents/2025_01_27.csv"), "2025_01_27.csv");
        // The stamp with nothing after it is not a name to strip down to nothing.
        assert_eq!(
            display_name("acme/x/20250127_123456_abc123_"),
            "20250127_123456_abc123_"
        );
        assert_eq!(
            display_name("acme/x/2025012a_123456_abc123_r.jpg"),
            "2025012a_123456_abc123_r.jpg"
        );
        assert_eq!(
            display_name("acme/x/20250127_123456_ab-123_r.jpg"),
            "20250127_123456_ab-123_r.jpg"
        );
        assert_eq!(
            display_name("acme/日本/20250127_123456_abc123_日本.txt"),
            "日本.txt"
        );
        assert_eq!(display_name(""), "");
        assert_eq!(display_name("acme/folder/"), "");
    }

    #[test]
    fn renaming_keeps_the_folder_and_the_stamp_and_sanitizes_the_name() {
        let key = ObjectKey::parse("acme/documents/20250127_123456_abc123_receipt.jpg").unwrap();
        assert_eq!(
            renamed(&key, "March lunch?.jpg").unwrap().as_str(),
            "acme/documents/20250127_123456_abc123_March_lunch.jpg"
        );
        let plain = ObjectKey::parse("acme/other/notes.txt").unwrap();
        assert_eq!(renamed(&plain, "todo.md").unwrap().as_str(), "acme/other/todo.md");
        // A name cannot smuggle a path in: separators fold like any unsafe character.
        assert_eq!(
            renamed(&plain, "../../etc/passwd").unwrap().as_str(),
            "acme/other/passwd"
        );
        assert!(renamed(&key, "receipt.jpg").is_err());
        assert!(renamed(&key, "  ...  ").is_err());
    }

    #[test]
    fn moving_keeps_the_last_segment() {
        let key = ObjectKey::parse("acme/uploads/20250127_123456_abc123_r.jpg").unwrap();
        let images = Prefix::parse("acme/images").unwrap();
        assert_eq!(
            moved_to(&key, &images).unwrap().as_str(),
            "acme/images/20250127_123456_abc123_r.jpg"
        );
        let other = Prefix::parse("globex/images/").unwrap();
        assert_eq!(
            moved_to(&key, &other).unwrap().as_str(),
            "globex/images/20250127_123456_abc123_r.jpg"
        );
        assert!(moved_to(&key, &Prefix::parse("acme/uploads/").unwrap()).is_err());
    }
}
