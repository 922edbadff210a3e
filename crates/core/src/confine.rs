//! Files of a watched folder, never followed out of it.
//!
//! A watched folder may be a shared drop folder that other people (or programs) can write to.
//! Whoever can write there can plant a symbolic link (`keys -> ~/.ssh`, `Uploaded ->
//! ~/.config/autostart`) or swap a file for a link between a scan and an upload. Nothing outside
//! the folder may ever be read, uploaded, moved or deleted, so every access here:
//! - walks from the folder's root and refuses a link at any step below it (the root itself is
//!   the user's choice and may be a link);
//! - opens the file itself without following a link (`O_NOFOLLOW`; on Windows, the reparse
//!   point is opened instead of its target) and checks the handle is a regular file;
//! - before a delete or move, checks the path still names the very file that was read (same
//!   device and inode where the platform has them), and that its real path is inside the real
//!   root;
//! - moves into `Uploaded/` only through real directories, and never replaces a file.

use std::fs::{File, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a path inside a watched folder is refused.
fn link_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link: Cubby never follows links out of a watched folder",
            path.display()
        ),
    )
}

/// `relative` as a list of plain names: no `..`, no root, no prefix.
fn plain_parts(relative: &Path) -> io::Result<Vec<&std::ffi::OsStr>> {
    relative
        .components()
        .map(|c| match c {
            Component::Normal(name) => Ok(name),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a plain path inside the folder", relative.display()),
            )),
        })
        .collect()
}

/// Checks that every folder between `root` and the last part of `relative` is a real directory,
/// not a link. The last part is not checked here.
fn check_folders(root: &Path, relative: &Path) -> io::Result<PathBuf> {
    let parts = plain_parts(relative)?;
    let mut path = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        if i + 1 == parts.len() {
            break;
        }
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() {
            return Err(link_refused(&path));
        }
        if !meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not a folder", path.display()),
            ));
        }
    }
    Ok(path)
}

/// The metadata of `root/relative` itself (a link is reported as a link, not followed), when
/// no folder between `root` and it is a link.
pub fn metadata_within(root: &Path, relative: &Path) -> io::Result<Metadata> {
    std::fs::symlink_metadata(check_folders(root, relative)?)
}

/// True when another program holds the file: Windows refuses to open, read, rename or delete a
/// file another process opened without sharing that access (a scanner still writing it, Excel
/// keeping it open). Such a file is waited for, never forgotten or reported as failed.
pub fn in_use(e: &io::Error) -> bool {
    // ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION (a byte range another process locked).
    #[cfg(windows)]
    if matches!(e.raw_os_error(), Some(32) | Some(33)) {
        return true;
    }
    e.kind() == io::ErrorKind::ResourceBusy
}

/// Opens `root/relative` for reading, refusing links anywhere below `root`; the handle's own
/// metadata says what was opened. Hash and read through the handle where possible.
pub fn open_within(root: &Path, relative: &Path) -> io::Result<(File, Metadata)> {
    let path = check_folders(root, relative)?;
    let file = open_no_follow(&path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", path.display()),
        ));
    }
    Ok((file, meta))
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| {
            // O_NOFOLLOW on a link fails with ELOOP (EMLINK on some BSDs): say what it means.
            if matches!(e.raw_os_error(), Some(libc::ELOOP) | Some(libc::EMLINK)) {
                link_refused(path)
            } else {
                e
            }
        })
}

#[cfg(windows)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::windows::fs::OpenOptionsExt;
    // FILE_FLAG_OPEN_REPARSE_POINT: open a symlink or junction itself, never its target; the
    // `is_file` check on the handle then refuses it.
    const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(FILE_FLAG_OPEN_REPARSE_POINT)
        .open(path)?;
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(link_refused(path));
    }
    Ok(file)
}

#[cfg(not(any(unix, windows)))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(link_refused(path));
    }
    File::open(path)
}

/// A path that reopens the very file behind `file`, whatever its name points to now: Linux's
/// `/proc/self/fd/N` (each open is a new description, so parallel part reads stay independent).
/// None elsewhere, or where /proc is not mounted.
pub fn handle_path(file: &File) -> Option<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
        path.exists().then_some(path)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        None
    }
}

/// True when `a` and `b` describe the same file with the same content stamp: device and inode
/// (where the platform has them), size and modification time. The stamp matters because a
/// file deleted and written anew often gets its old inode number back at once.
pub fn same_file(a: &Metadata, b: &Metadata) -> bool {
    #[cfg(unix)]
    let same_inode = {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    };
    #[cfg(not(unix))]
    let same_inode = true;
    same_inode && a.len() == b.len() && a.modified().ok() == b.modified().ok()
}

/// Checks that `root/relative` is still the regular file `read` was taken from, reached
/// without links, with its real path inside the real root: the condition for deleting or
/// moving it.
fn still_the_file(root: &Path, relative: &Path, read: &Metadata) -> io::Result<PathBuf> {
    let path = check_folders(root, relative)?;
    let now = std::fs::symlink_metadata(&path)?;
    if now.file_type().is_symlink() {
        return Err(link_refused(&path));
    }
    if !now.is_file() || !same_file(&now, read) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} was replaced after it was uploaded: left as it is",
                path.display()
            ),
        ));
    }
    let real_root = root.canonicalize()?;
    let real_parent = path.parent().unwrap_or(root).canonicalize()?;
    if !real_parent.starts_with(&real_root) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is outside the watched folder: left as it is", path.display()),
        ));
    }
    Ok(path)
}

/// Deletes `root/relative` if it is still the file that was read. Already gone is fine.
pub fn remove_within(root: &Path, relative: &Path, read: &Metadata) -> io::Result<()> {
    let path = match still_the_file(root, relative, read) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Moves `root/relative` to `root/into/relative` (a free name beside it if taken) if it is still
/// the file that was read. `into` and every folder under it must be real directories inside
/// the root: a planted link is refused, never followed. Returns where the file went.
pub fn move_within(root: &Path, relative: &Path, read: &Metadata, into: &str) -> io::Result<PathBuf> {
    let source = still_the_file(root, relative, read)?;
    let mut dir = root.to_path_buf();
    let parts = plain_parts(relative)?;
    let folders = std::iter::once(std::ffi::OsStr::new(into))
        .chain(parts[..parts.len().saturating_sub(1)].iter().copied());
    for part in folders {
        dir.push(part);
        match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_symlink() => return Err(link_refused(&dir)),
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} is a file, not a folder", dir.display()),
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => match std::fs::create_dir(&dir) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                // Created now, or by someone else meanwhile: check again what it is.
                _ => {
                    if !std::fs::symlink_metadata(&dir)?.is_dir() {
                        return Err(link_refused(&dir));
                    }
                }
            },
            Err(e) => return Err(e),
        }
    }
    let name = source.file_name().unwrap_or_default();
    crate::local_path::move_to_free_name(&source, &dir.join(name))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    struct Rig {
        _dir: tempfile::TempDir,
        root: PathBuf,
        outside: PathBuf,
    }

    fn rig() -> Rig {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("Receipts");
        let outside = dir.path().join("private");
        std::fs::create_dir_all(&root).expect("root");
        std::fs::create_dir_all(&outside).expect("outside");
        std::fs::write(outside.join("id_ed25519"), b"secret key").expect("write");
        Rig {
            _dir: dir,
            root,
            outside,
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_handle_path_reads_the_opened_file_after_the_name_is_swapped() {
        let r = rig();
        let file = r.root.join("receipt.pdf");
        std::fs::write(&file, b"the real receipt").expect("write");
        let (handle, _) = open_within(&r.root, Path::new("receipt.pdf")).expect("open");
        std::fs::remove_file(&file).expect("remove");
        symlink(r.outside.join("id_ed25519"), &file).expect("link");
        let through = handle_path(&handle).expect("procfs");
        assert_eq!(std::fs::read(through).expect("read"), b"the real receipt");
    }

    #[test]
    fn a_plain_file_opens_and_its_handle_is_a_regular_file() {
        let r = rig();
        std::fs::create_dir_all(r.root.join("sub")).expect("sub");
        std::fs::write(r.root.join("sub/receipt.pdf"), b"%PDF-").expect("write");
        let (_, meta) = open_within(&r.root, Path::new("sub/receipt.pdf")).expect("open");
        assert_eq!(meta.len(), 5);
    }

    #[test]
    fn a_linked_folder_inside_the_root_is_never_followed() {
        let r = rig();
        symlink(&r.outside, r.root.join("keys")).expect("link");
        let err = open_within(&r.root, Path::new("keys/id_ed25519")).expect_err("refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn a_file_that_is_a_link_is_never_opened() {
        let r = rig();
        symlink(r.outside.join("id_ed25519"), r.root.join("receipt.pdf")).expect("link");
        let err = open_within(&r.root, Path::new("receipt.pdf")).expect_err("refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn parent_components_are_refused() {
        let r = rig();
        assert!(open_within(&r.root, Path::new("../private/id_ed25519")).is_err());
    }

    #[test]
    fn a_file_swapped_for_a_link_after_reading_is_neither_deleted_nor_moved() {
        let r = rig();
        let file = r.root.join("receipt.pdf");
        std::fs::write(&file, b"%PDF-").expect("write");
        let (_, meta) = open_within(&r.root, Path::new("receipt.pdf")).expect("open");
        std::fs::remove_file(&file).expect("remove");
        symlink(r.outside.join("id_ed25519"), &file).expect("link");
        assert!(remove_within(&r.root, Path::new("receipt.pdf"), &meta).is_err());
        assert!(move_within(&r.root, Path::new("receipt.pdf"), &meta, "Uploaded").is_err());
        assert!(
            r.outside.join("id_ed25519").is_file(),
            "the link's target is untouched"
        );
    }

    #[test]
    fn a_file_replaced_by_another_after_reading_is_left_alone() {
        let r = rig();
        let file = r.root.join("receipt.pdf");
        std::fs::write(&file, b"first").expect("write");
        let (_, meta) = open_within(&r.root, Path::new("receipt.pdf")).expect("open");
        std::fs::remove_file(&file).expect("remove");
        std::fs::write(&file, b"second, not uploaded").expect("write");
        assert!(remove_within(&r.root, Path::new("receipt.pdf"), &meta).is_err());
        assert!(file.is_file());
    }

    #[test]
    fn a_planted_uploaded_link_is_refused_and_nothing_moves_through_it() {
        let r = rig();
        std::fs::write(r.root.join("receipt.pdf"), b"%PDF-").expect("write");
        symlink(&r.outside, r.root.join("Uploaded")).expect("link");
        let (_, meta) = open_within(&r.root, Path::new("receipt.pdf")).expect("open");
        let err = move_within(&r.root, Path::new("receipt.pdf"), &meta, "Uploaded").expect_err("refused");
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(
            r.root.join("receipt.pdf").is_file(),
            "the file stays where it was"
        );
        assert!(
            !r.outside.join("receipt.pdf").exists(),
            "nothing went through the link"
        );
    }

    #[test]
    fn a_planted_link_below_uploaded_is_refused() {
        let r = rig();
        std::fs::create_dir_all(r.root.join("sub")).expect("sub");
        std::fs::write(r.root.join("sub/receipt.pdf"), b"%PDF-").expect("write");
        std::fs::create_dir_all(r.root.join("Uploaded")).expect("uploaded");
        symlink(&r.outside, r.root.join("Uploaded/sub")).expect("link");
        let (_, meta) = open_within(&r.root, Path::new("sub/receipt.pdf")).expect("open");
        assert!(move_within(&r.root, Path::new("sub/receipt.pdf"), &meta, "Uploaded").is_err());
        assert!(!r.outside.join("receipt.pdf").exists());
    }

    #[test]
    fn moving_never_replaces_a_file_already_in_uploaded() {
        let r = rig();
        std::fs::create_dir_all(r.root.join("Uploaded")).expect("uploaded");
        std::fs::write(r.root.join("Uploaded/receipt.pdf"), b"older receipt").expect("write");
        std::fs::write(r.root.join("receipt.pdf"), b"newer receipt").expect("write");
        let (_, meta) = open_within(&r.root, Path::new("receipt.pdf")).expect("open");
        let moved = move_within(&r.root, Path::new("receipt.pdf"), &meta, "Uploaded").expect("move");
        assert_ne!(moved, r.root.join("Uploaded/receipt.pdf"));
        assert_eq!(
            std::fs::read(r.root.join("Uploaded/receipt.pdf")).expect("read"),
            b"older receipt"
        );
        assert_eq!(std::fs::read(&moved).expect("read"), b"newer receipt");
        assert!(!r.root.join("receipt.pdf").exists());
    }

    #[test]
    fn the_root_itself_may_be_a_link_the_user_chose() {
        let r = rig();
        let link = r.root.parent().expect("parent").join("Receipts-link");
        symlink(&r.root, &link).expect("link");
        std::fs::write(r.root.join("receipt.pdf"), b"%PDF-").expect("write");
        let (_, meta) = open_within(&link, Path::new("receipt.pdf")).expect("open");
        remove_within(&link, Path::new("receipt.pdf"), &meta).expect("remove");
        assert!(!r.root.join("receipt.pdf").exists());
    }
}
