//! Where a downloaded key may land on disk. Keys are text anyone with write access to the bucket
//! chose, so "acme/../../.ssh/authorized_keys" or "C:\\Windows\\x" must still end up inside the
//! download folder, under a name every desktop file system accepts. `map_key` guarantees that by
//! construction: it only ever joins plain names onto the folder.
//!
//! Mapping is pure and says what it changed, so the UI can tell the user. Opening the file is
//! the caller's job; `unique_path` only picks a free name, and the caller should still create
//! the file with `create_new`, as another program may take the name in between.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::keys::{split_extension, truncate_to};
use crate::tenant::escaped;
use crate::{Error, Result};

/// Longest file or folder name, in bytes: the limit of ext4, APFS and (in UTF-16 units, which
/// never outnumber UTF-8 bytes) NTFS.
pub const MAX_SEGMENT_BYTES: usize = 255;

/// Where a key lands inside a download folder, and what had to change to keep it there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalTarget {
    pub path: PathBuf,
    /// One human note per neutralized problem, e.g. "'..' segment dropped"; empty when the key
    /// mapped as is.
    pub adjusted: Vec<String>,
}

/// Notes about what changed, each kind once however often it happened.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.0.contains(&note) {
            self.0.push(note);
        }
    }
}

/// Names Windows reserves for devices, whatever extension follows them.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6",
    "COM7", "COM8", "COM9", "COM¹", "COM²", "COM³", "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6",
    "LPT7", "LPT8", "LPT9", "LPT¹", "LPT²", "LPT³",
];

/// Characters Windows refuses in names (besides the separators, which never reach a segment).
fn is_forbidden(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')
}

fn has_drive(text: &str) -> bool {
    matches!(text.as_bytes(), [letter, b':', ..] if letter.is_ascii_alphabetic())
}

/// Maps a key path relative to the download (e.g. "documents/2025/a.pdf", or a full key) to a
/// path under `dir` that can never leave `dir`, whatever the input contains: '..' and '.' and
/// empty segments dropped, a leading '/' or '\\' or drive letter ("C:") dropped, backslashes
/// treated as separators, NUL/control characters and the characters < > : " | ? * replaced by
/// '_', trailing dots and spaces trimmed from each segment, reserved Windows device names (CON,
/// PRN, AUX, NUL, COM1-9, LPT1-9, case-insensitive, also with an extension like "con.txt") get a
/// '_' appended to the stem, each segment trimmed to at most 255 bytes on a char boundary
/// keeping the extension. Errors when nothing usable remains. Pure: does not touch the file
/// system.
pub fn map_key(dir: &Path, relative_key: &str) -> Result<LocalTarget> {
    if relative_key.is_empty() {
        return Err(Error::invalid(
            "key '' cannot be saved as a file: it is empty, so there is no name to save it under",
        ));
    }
    let mut notes = Notes::default();
    let mut rest = relative_key;
    loop {
        if let Some(stripped) = rest.strip_prefix(['/', '\\']) {
            notes.add(format!("leading '{}' dropped", &rest[..1]));
            rest = stripped;
        } else if has_drive(rest) {
            notes.add(format!("drive '{}' dropped", &rest[..2]));
            rest = &rest[2..];
        } else {
            break;
        }
    }
    if rest.contains('\\') {
        notes.add("'\\' read as a folder separator");
    }

    let mut path = dir.to_path_buf();
    let mut kept = 0;
    for segment in rest.split(['/', '\\']) {
        let name = match segment {
            "" => {
                notes.add("empty segment dropped");
                continue;
            }
            "." => {
                notes.add("'.' segment dropped");
                continue;
            }
            ".." => {
                notes.add("'..' segment dropped");
                continue;
            }
            _ => match clean_segment(segment, &mut notes) {
                Some(name) => name,
                None => continue,
            },
        };
        path.push(name);
        kept += 1;
    }

    if kept == 0 {
        return Err(Error::invalid(format!(
            "key '{}' cannot be saved as a file: no usable name is left ({})",
            escaped(relative_key),
            notes.0.join(", ")
        )));
    }
    Ok(LocalTarget {
        path,
        adjusted: notes.0,
    })
}

/// One segment as a name every desktop file system accepts, or None when nothing is left.
fn clean_segment(segment: &str, notes: &mut Notes) -> Option<String> {
    let mut name = String::with_capacity(segment.len());
    for c in segment.chars() {
        if c.is_control() {
            notes.add("control characters replaced by '_'");
            name.push('_');
        } else if is_forbidden(c) {
            notes.add("characters Windows refuses (< > : \" | ? *) replaced by '_'");
            name.push('_');
        } else {
            name.push(c);
        }
    }

    // Windows drops trailing dots and spaces, so "a." and "a" would be one file there.
    let trimmed_len = name.trim_end_matches(['.', ' ']).len();
    if trimmed_len < name.len() {
        notes.add("trailing dots and spaces trimmed");
        name.truncate(trimmed_len);
    }
    if name.is_empty() {
        notes.add("segment of only dots and spaces dropped");
        return None;
    }

    if name.len() > MAX_SEGMENT_BYTES {
        notes.add(format!("long names shortened to {MAX_SEGMENT_BYTES} bytes"));
        name = shorten(&name);
        if name.is_empty() {
            notes.add("segment of only dots and spaces dropped");
            return None;
        }
    }

    // Windows reads "con.txt" as the console, and "nul .txt" too: the device name is what comes
    // before the first dot, trailing spaces ignored. Checked after shortening, because a cut can
    // leave a device name behind ("CON" followed by 300 spaces becomes "CON").
    let base = name.split('.').next().unwrap_or_default().trim_end_matches(' ');
    if RESERVED.iter().any(|r| base.eq_ignore_ascii_case(r)) {
        notes.add(format!("Windows device name '{base}' renamed to '{base}_'"));
        name.insert(base.len(), '_');
        if name.len() > MAX_SEGMENT_BYTES {
            // The cut comes off the end; the "_" after the device name stays.
            name = shorten(&name);
        }
    }
    Some(name)
}

/// `name` cut to at most 255 bytes on a char boundary, keeping a plain extension; a cut that
/// ends in dots or spaces is trimmed (Windows would drop them). May return "".
fn shorten(name: &str) -> String {
    match split_extension(name) {
        (stem, Some(ext)) => format!("{}.{ext}", truncate_to(stem, MAX_SEGMENT_BYTES - ext.len() - 1)),
        (whole, None) => truncate_to(whole, MAX_SEGMENT_BYTES)
            .trim_end_matches(['.', ' '])
            .to_string(),
    }
}

/// Creates `path` (for writing, and reading back) only if nothing, not even a dangling link,
/// has the name: a link planted under the name is never followed, since `O_CREAT|O_EXCL`
/// refuses any existing entry.
pub fn create_new_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    options.open(path)
}

/// Opens an existing regular file for reading and writing without following a link at its
/// name; anything else (a link, a folder, a device) is refused.
pub fn open_existing_file(path: &Path) -> std::io::Result<std::fs::File> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Writes all of `data` at `offset`, whatever the file's cursor: several writers can fill one
/// file at their own offsets at once (a download's parallel ranges).
pub fn write_all_at(file: &std::fs::File, data: &[u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::write_all_at(file, data, offset)
    }
    #[cfg(windows)]
    {
        let (mut data, mut offset) = (data, offset);
        while !data.is_empty() {
            match std::os::windows::fs::FileExt::seek_write(file, data, offset)? {
                0 => return Err(std::io::ErrorKind::WriteZero.into()),
                n => {
                    data = &data[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

/// Reserves the disk blocks for the first `size` bytes of `file` without changing its length,
/// so that writes at scattered offsets do not each find and allocate blocks. Only a hint: where
/// the file system cannot, the writes allocate as they go.
pub fn preallocate(file: &std::fs::File, size: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let Ok(size) = libc::off_t::try_from(size) else {
            return;
        };
        // SAFETY: `fallocate` reads no memory of ours; the descriptor is open for as long as
        // `file` is borrowed.
        #[allow(unsafe_code)]
        let _ = unsafe { libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, 0, size) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, size);
}

/// Fills `buf` from `offset`, whatever the file's cursor (and while others write elsewhere in it).
pub fn read_exact_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let (mut buf, mut offset) = (buf, offset);
        while !buf.is_empty() {
            match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
                0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

/// `len` bytes of the file at `path` from `offset`, all of them: a file that has shrunk below
/// them is an error (`UnexpectedEof`), never a short body.
pub fn read_range(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let len = usize::try_from(len).map_err(|_| std::io::Error::from(std::io::ErrorKind::OutOfMemory))?;
    let mut body = vec![0u8; len];
    read_exact_at(&std::fs::File::open(path)?, &mut body, offset)?;
    Ok(body)
}

/// Renames `from` to `to`, failing with `AlreadyExists` instead of replacing whatever holds
/// `to`. On Linux one `renameat2` does it; elsewhere a hard link claims the name atomically (it
/// fails if the name exists), then the old name goes; where the file system has no hard links,
/// a checked rename leaves a tiny window.
pub fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    // Linux renames without replacing in one step, one change to the folder instead of two
    // (a link, then an unlink); file systems that cannot take the link path below.
    #[cfg(target_os = "linux")]
    match rename_exclusive(from, to) {
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {}
        done => return done,
    }
    // Windows links a file another program holds open, then refuses to remove its old name,
    // leaving it under both. Opening it for deletion first fails while such a program holds it
    // (a sharing violation, see `confine::in_use`) and, held until the end, keeps one from
    // taking it meanwhile.
    #[cfg(windows)]
    let _deletable = open_for_delete(from)?;
    match std::fs::hard_link(from, to) {
        Ok(()) => std::fs::remove_file(from),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            if std::fs::symlink_metadata(to).is_ok() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} exists", to.display()),
                ));
            }
            std::fs::rename(from, to)
        }
    }
}

/// `renameat2` with `RENAME_NOREPLACE`: `EEXIST` (as `AlreadyExists`) if `to` exists.
#[cfg(target_os = "linux")]
fn rename_exclusive(from: &Path, to: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a path holds a NUL byte"))
    };
    let (from, to) = (c(from)?, c(to)?);
    // SAFETY: both pointers are NUL-terminated strings that live until the call returns.
    #[allow(unsafe_code)]
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Renames `from` over `to`, replacing it. Windows refuses to replace a file another program
/// holds with "access denied", which reads like a permissions problem: that case is reported
/// as the sharing violation it is (`confine::in_use`).
pub fn replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    if let Err(e) = open_for_delete(to) {
        if crate::confine::in_use(&e) {
            return Err(e);
        }
    }
    std::fs::rename(from, to)
}

/// A handle that may delete or rename the file: Windows refuses it while another program holds
/// the file without sharing deletion.
#[cfg(windows)]
fn open_for_delete(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::windows::fs::OpenOptionsExt;
    const DELETE: u32 = 0x0001_0000;
    std::fs::OpenOptions::new().access_mode(DELETE).open(path)
}

/// Moves `from` to `wanted`, or to the first free ` (n)` name beside it, never replacing anything
/// there, not even a file created between choosing the name and moving. Returns where it went.
pub fn move_to_free_name(from: &Path, wanted: &Path) -> std::io::Result<PathBuf> {
    for _ in 0..100 {
        let target = unique_path(wanted);
        match rename_no_replace(from, &target) {
            // Taken between choosing the name and moving: choose again.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
            Ok(()) => return Ok(target),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("no free name next to {}", wanted.display()),
    ))
}

/// The first of `path`, `stem (1).ext`, `stem (2).ext`, … that does not exist (this one checks
/// the file system). A dangling symbolic link counts as existing: writing through it would
/// create its target, wherever that is.
pub fn unique_path(path: &Path) -> PathBuf {
    let taken = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    if !taken(path) {
        return path.to_path_buf();
    }
    (1u64..)
        .map(|n| numbered(path, n))
        .find(|candidate| !taken(candidate))
        .unwrap_or_else(|| path.to_path_buf())
}

/// Makes a batch's targets differ even where case is ignored: Windows and macOS folders hold
/// `Report.txt` and `report.txt` as one file, so two keys differing only in case would land on
/// (and, while downloading, share the partial file of) one file. The first keeps its name; a
/// later one gets the first free ` (n)` name, and a note says why.
pub fn distinct_ignoring_case(targets: &mut [LocalTarget]) {
    let fold = |p: &Path| p.to_string_lossy().to_lowercase();
    let mut seen = std::collections::HashSet::new();
    for target in targets.iter_mut() {
        if seen.insert(fold(&target.path)) {
            continue;
        }
        let free = (1u64..)
            .map(|n| numbered(&target.path, n))
            .find(|candidate| !seen.contains(&fold(candidate)))
            .expect("some number is free");
        seen.insert(fold(&free));
        target.path = free;
        target
            .adjusted
            .push("renamed: another key differs from it only in upper and lower case".into());
    }
}

/// `stem (n).ext`, keeping ".tar.gz" together and the name within 255 bytes.
fn numbered(path: &Path, n: u64) -> PathBuf {
    let suffix = format!(" ({n})");
    let mut stem = path.file_stem().unwrap_or_default().to_os_string();
    let mut ext = path.extension().map(|e| e.to_os_string());
    if let (Some(s), Some(e)) = (stem.to_str(), ext.as_ref().and_then(|e| e.to_str())) {
        if let Some((inner, tar)) = s.rsplit_once('.') {
            if tar.eq_ignore_ascii_case("tar") && !inner.is_empty() {
                ext = Some(format!("{tar}.{e}").into());
                stem = inner.into();
            }
        }
    }
    let ext_len = ext.as_ref().map_or(0, |e| e.len() + 1);
    let mut name = match stem.to_str() {
        Some(s) => OsString::from(truncate_to(
            s,
            MAX_SEGMENT_BYTES.saturating_sub(suffix.len() + ext_len),
        )),
        None => stem,
    };
    name.push(&suffix);
    if let Some(ext) = ext {
        name.push(".");
        name.push(ext);
    }
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use std::path::Component;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn dir() -> PathBuf {
        std::env::temp_dir().join("cubby-downloads")
    }

    fn mapped(key: &str) -> (Vec<String>, Vec<String>) {
        let target = map_key(&dir(), key).unwrap();
        let parts = target
            .path
            .strip_prefix(dir())
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_str().unwrap().to_string())
            .collect();
        (parts, target.adjusted)
    }

    fn parts(key: &str) -> Vec<String> {
        mapped(key).0
    }

    #[test]
    fn preallocating_reserves_blocks_and_keeps_the_length() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = create_new_file(&dir.path().join("d.part")).expect("create");
        preallocate(&file, 4 << 20);
        assert_eq!(
            file.metadata().expect("metadata").len(),
            0,
            "the length is the download's own"
        );
        write_all_at(&file, b"tail", (4 << 20) - 4).expect("write at the end");
        let meta = file.metadata().expect("metadata");
        assert_eq!(meta.len(), 4 << 20);
        #[cfg(target_os = "linux")]
        {
            // 512-byte units: the whole range has blocks, not just the page written.
            use std::os::unix::fs::MetadataExt;
            assert!(meta.blocks() * 512 >= 4 << 20, "{} blocks", meta.blocks());
        }
    }

    #[test]
    fn plain_keys_map_as_they_are() {
        let (p, adjusted) = mapped("documents/2025/a.pdf");
        assert_eq!(p, ["documents", "2025", "a.pdf"]);
        assert!(adjusted.is_empty());
        let (p, adjusted) = mapped("acme/images/日本 😀.png");
        assert_eq!(p, ["acme", "images", "日本 😀.png"]);
        assert!(adjusted.is_empty());
        assert_eq!(parts(".hidden/..x/...a"), [".hidden", "..x", "...a"]);
    }

    #[test]
    fn climbing_segments_are_dropped_and_noted() {
        let (p, adjusted) = mapped("../../.ssh/authorized_keys");
        assert_eq!(p, [".ssh", "authorized_keys"]);
        assert_eq!(adjusted, ["'..' segment dropped"]);
        assert_eq!(parts("a/./b//c/"), ["a", "b", "c"]);
        assert_eq!(
            mapped("a/./b//c/").1,
            ["'.' segment dropped", "empty segment dropped"]
        );
    }

    #[test]
    fn roots_drives_and_backslashes_are_neutralized() {
        let (p, adjusted) = mapped("/etc/passwd");
        assert_eq!(p, ["etc", "passwd"]);
        assert_eq!(adjusted, ["leading '/' dropped"]);
        let (p, adjusted) = mapped("C:\\Windows\\System32\\x.dll");
        assert_eq!(p, ["Windows", "System32", "x.dll"]);
        assert!(
            adjusted.contains(&"drive 'C:' dropped".to_string()),
            "{adjusted:?}"
        );
        assert!(adjusted.iter().any(|n| n.contains("folder separator")));
        assert!(
            adjusted.contains(&"leading '\\' dropped".to_string()),
            "{adjusted:?}"
        );
        assert_eq!(parts("\\\\server\\share\\f"), ["server", "share", "f"]);
        assert_eq!(parts("c:relative"), ["relative"]);
        assert_eq!(parts("/C:/D:/x"), ["x"]);
        // Only a leading drive is a drive; elsewhere ':' is just a refused character.
        assert_eq!(parts("a/C:/b"), ["a", "C_", "b"]);
    }

    #[test]
    fn refused_characters_become_underscores() {
        let (p, adjusted) = mapped("q?/a<b>c:d\"e|f*g.txt");
        assert_eq!(p, ["q_", "a_b_c_d_e_f_g.txt"]);
        assert_eq!(adjusted.len(), 1, "{adjusted:?}");
        let (p, adjusted) = mapped("a\0b/c\nd\u{7f}\u{85}.txt");
        assert_eq!(p, ["a_b", "c_d__.txt"]);
        assert_eq!(adjusted, ["control characters replaced by '_'"]);
    }

    #[test]
    fn trailing_dots_and_spaces_are_trimmed() {
        assert_eq!(parts("folder. /file.txt. . "), ["folder", "file.txt"]);
        assert_eq!(parts("a/.../b"), ["a", "b"]);
        assert_eq!(parts("a/ . /b"), ["a", "b"]);
        assert_eq!(parts(" lead/x"), [" lead", "x"]);
    }

    // Regression guard: Windows opens the console or the null device for these names,
    // whatever the extension, so the download would silently go nowhere.
    #[test]
    fn windows_device_names_get_an_underscore() {
        assert_eq!(parts("CON"), ["CON_"]);
        assert_eq!(parts("docs/con.txt"), ["docs", "con_.txt"]);
        assert_eq!(parts("Lpt1.tar.gz"), ["Lpt1_.tar.gz"]);
        assert_eq!(parts("nul .txt"), ["nul_ .txt"]);
        assert_eq!(parts("aux."), ["aux_"]);
        assert_eq!(parts("COM¹.log"), ["COM¹_.log"]);
        assert_eq!(parts("com10.txt"), ["com10.txt"]);
        assert_eq!(parts("console.txt"), ["console.txt"]);
        assert_eq!(parts("x.con"), ["x.con"]);
        let (_, adjusted) = mapped("prn/x");
        assert_eq!(adjusted, ["Windows device name 'prn' renamed to 'prn_'"]);
    }

    // Regression guard (found by the map_key fuzz target): shortening "CON" followed by 300
    // spaces used to leave the bare device name "CON", checked for only before the cut.
    #[test]
    fn a_cut_never_leaves_a_device_name() {
        let (p, adjusted) = mapped(&format!("CON{}x", " ".repeat(300)));
        assert_eq!(p, ["CON_"]);
        assert!(
            adjusted.iter().any(|n| n.contains("'CON' renamed")),
            "{adjusted:?}"
        );
        let p = parts(&format!("nul{}.txt", " ".repeat(300)));
        assert_eq!(p[0].len(), MAX_SEGMENT_BYTES);
        assert!(p[0].starts_with("nul_ ") && p[0].ends_with(" .txt"), "{:?}", p[0]);
        assert_eq!(parts(&p[0]), p, "mapping again changes nothing");
    }

    #[test]
    fn long_segments_are_shortened_keeping_the_extension() {
        let (p, adjusted) = mapped(&format!("d/{}.pdf", "x".repeat(400)));
        assert_eq!(p[1].len(), 255);
        assert!(p[1].ends_with("x.pdf"));
        assert_eq!(adjusted, ["long names shortened to 255 bytes"]);
        let p = parts(&"😀".repeat(100));
        assert_eq!(p[0], "😀".repeat(63));
        let p = parts(&format!("{}.verylongextension", "é".repeat(200)));
        assert!(p[0].len() <= 255 && p[0].starts_with('é'));
    }

    #[test]
    fn nothing_usable_is_an_error_that_says_why() {
        for key in ["", "../..", "/", ".", "C:", "C:\\..\\", "... / . .", "//./../"] {
            let e = map_key(&dir(), key).unwrap_err();
            assert_eq!(e.code(), "invalid_input");
            let text = e.to_string();
            assert!(
                text.starts_with("key '") && text.contains("cannot be saved as a file"),
                "{text}"
            );
        }
        let e = map_key(&dir(), "../..").unwrap_err().to_string();
        assert_eq!(
            e,
            "key '../..' cannot be saved as a file: no usable name is left ('..' segment dropped)"
        );
        let e = map_key(&dir(), "").unwrap_err().to_string();
        assert!(e.contains("it is empty"), "{e}");
    }

    const PIECES: &[&str] = &[
        "..",
        ".",
        "",
        "C:",
        "c:",
        "/",
        "\\",
        "//",
        "\0",
        "\u{1}",
        "\u{7f}",
        "\u{85}",
        "\n",
        "CON",
        "con.txt",
        "nul ",
        "LPT1.tar.gz",
        "COM¹",
        "?",
        "*",
        "<>",
        ":",
        "\"",
        "|",
        " ",
        "...",
        "a",
        "é",
        "日本",
        "😀",
        "\u{202E}",
        "~",
        "$",
        ".pdf",
        "x.docx",
    ];

    fn hostile(rng: &mut StdRng) -> String {
        let mut key = String::new();
        for _ in 0..rng.random_range(1..10) {
            match rng.random_range(0..20) {
                0 => key.push_str(&"x".repeat(rng.random_range(200..400))),
                1 => key.push_str(&"😀".repeat(rng.random_range(50..100))),
                2 => key.push_str(&"é".repeat(rng.random_range(100..200))),
                _ => key.push_str(PIECES[rng.random_range(0..PIECES.len())]),
            }
            match rng.random_range(0..4) {
                0 => key.push('/'),
                1 => key.push('\\'),
                _ => {}
            }
        }
        key
    }

    // The one guarantee that matters: whatever a key contains, the file lands inside `dir`.
    #[test]
    fn hostile_keys_never_leave_the_download_folder() {
        let dir = dir();
        let mut rng = StdRng::seed_from_u64(0xC0BB1E);
        let (mut saved, mut refused) = (0, 0);
        for _ in 0..5000 {
            let key = hostile(&mut rng);
            let target = match map_key(&dir, &key) {
                Ok(target) => target,
                Err(e) => {
                    assert!(e.to_string().contains("cannot be saved"), "{key:?}: {e}");
                    refused += 1;
                    continue;
                }
            };
            saved += 1;
            assert!(target.path.starts_with(&dir), "{key:?} -> {:?}", target.path);
            let inside = target.path.strip_prefix(&dir).unwrap();
            let mut count = 0;
            for component in inside.components() {
                let Component::Normal(name) = component else {
                    panic!("{key:?} -> {:?} has {component:?}", target.path);
                };
                let name = name.to_str().unwrap();
                count += 1;
                assert!(
                    !name.is_empty() && name.len() <= MAX_SEGMENT_BYTES,
                    "{key:?} -> {name:?}"
                );
                assert!(!name.ends_with(['.', ' ']), "{key:?} -> {name:?}");
                assert!(
                    !name
                        .chars()
                        .any(|c| c.is_control() || is_forbidden(c) || c == '\\'),
                    "{key:?} -> {name:?}"
                );
                let base = name.split('.').next().unwrap().trim_end_matches(' ');
                assert!(
                    !RESERVED.iter().any(|r| base.eq_ignore_ascii_case(r)),
                    "{key:?} -> {name:?}"
                );
            }
            assert!(count >= 1, "{key:?}");
            // Mapping is idempotent: the result, read back as a key, needs no more changes.
            let again = inside
                .components()
                .map(|c| c.as_os_str().to_str().unwrap())
                .collect::<Vec<_>>()
                .join("/");
            let second = map_key(&dir, &again).unwrap();
            assert_eq!(second.path, target.path, "{key:?}");
            assert!(second.adjusted.is_empty(), "{key:?}: {:?}", second.adjusted);
        }
        assert!(saved > 1000 && refused > 10, "saved {saved}, refused {refused}");
    }

    #[test]
    fn names_differing_only_in_case_get_their_own_files() {
        let dir = Path::new("/downloads");
        let target = |name: &str| LocalTarget {
            path: dir.join(name),
            adjusted: Vec::new(),
        };
        let mut targets = vec![
            target("Report.txt"),
            target("report.txt"),
            target("REPORT.TXT"),
            target("other.txt"),
        ];
        distinct_ignoring_case(&mut targets);
        let names: Vec<String> = targets
            .iter()
            .map(|t| t.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            ["Report.txt", "report (1).txt", "REPORT (2).TXT", "other.txt"]
        );
        assert!(targets[0].adjusted.is_empty() && targets[3].adjusted.is_empty());
        assert!(targets[1].adjusted[0].contains("upper and lower case"));
    }

    #[test]
    fn unique_path_counts_up_past_taken_names() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("report.pdf");
        assert_eq!(unique_path(&file), file);
        std::fs::write(&file, b"1").unwrap();
        assert_eq!(unique_path(&file), tmp.path().join("report (1).pdf"));
        std::fs::write(tmp.path().join("report (1).pdf"), b"2").unwrap();
        assert_eq!(unique_path(&file), tmp.path().join("report (2).pdf"));

        let archive = tmp.path().join("logs.tar.gz");
        std::fs::write(&archive, b"").unwrap();
        assert_eq!(unique_path(&archive), tmp.path().join("logs (1).tar.gz"));

        let bare = tmp.path().join(".env");
        std::fs::write(&bare, b"").unwrap();
        assert_eq!(unique_path(&bare), tmp.path().join(".env (1)"));

        let folder = tmp.path().join("docs");
        std::fs::create_dir(&folder).unwrap();
        assert_eq!(unique_path(&folder), tmp.path().join("docs (1)"));
    }

    #[test]
    fn numbered_names_stay_within_the_segment_limit() {
        let long = format!("{}.pdf", "é".repeat(125));
        assert_eq!(long.len(), 254);
        let next = numbered(Path::new(&long), 12);
        let name = next.file_name().unwrap().to_str().unwrap();
        assert!(name.len() <= MAX_SEGMENT_BYTES, "{}", name.len());
        assert!(name.ends_with("é (12).pdf"), "{name}");
    }

    #[cfg(unix)]
    #[test]
    fn dangling_symlinks_count_as_taken() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("a.txt");
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), &link).unwrap();
        assert_eq!(unique_path(&link), tmp.path().join("a (1).txt"));
    }

    /// A finished download never replaces a file that took its name meanwhile: it moves to
    /// the first free ` (n)` name, and the other file keeps its bytes.
    #[test]
    fn a_move_without_replacing_keeps_what_holds_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let (part, wanted) = (dir.path().join("r.pdf.part"), dir.path().join("r.pdf"));
        std::fs::write(&part, b"downloaded").unwrap();
        std::fs::write(&wanted, b"already here").unwrap();
        let err = rename_no_replace(&part, &wanted).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists, "{err}");
        assert_eq!(std::fs::read(&wanted).unwrap(), b"already here");
        assert_eq!(std::fs::read(&part).unwrap(), b"downloaded", "nothing moved");
        let placed = move_to_free_name(&part, &wanted).unwrap();
        assert_eq!(placed, dir.path().join("r (1).pdf"));
        assert_eq!(std::fs::read(&placed).unwrap(), b"downloaded");
        assert!(!part.exists());
        assert_eq!(std::fs::read(&wanted).unwrap(), b"already here");
    }

    /// A range comes back whole, from its offset; a file that no longer holds all of it is an
    /// error, never a shorter body sent as if it were the part.
    #[test]
    fn a_range_is_read_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.pdf");
        let content: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        std::fs::write(&path, &content).unwrap();
        assert_eq!(read_range(&path, 0, 10_000).unwrap(), content);
        assert_eq!(read_range(&path, 4_097, 3_000).unwrap(), &content[4_097..7_097]);
        assert_eq!(read_range(&path, 10_000, 0).unwrap(), b"");
        let err = read_range(&path, 9_000, 1_001).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
        let err = read_range(&dir.path().join("gone.pdf"), 0, 1).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    }
}
