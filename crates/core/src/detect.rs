//! What a file is, and so which category folder it goes to: content first (the magic bytes at
//! its start), the file name's extension when the content says nothing. A PNG named
//! "receipt.pdf" is an image, whatever its name claims.
//!
//! This module reads bytes it is given and never opens a file. HTML and JavaScript are
//! deliberately left as `application/octet-stream`: served with their real type from a public
//! bucket they would run as pages of that bucket's domain.

use crate::keys::split_extension;
use crate::tenant::Category::{self, Documents, Images, Uploads};

/// What a file is, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub content_type: &'static str,
    pub category: Category,
}

/// How much of a file's start `detect` looks at.
pub const HEAD_BYTES: usize = 512;

const OCTET_STREAM: &str = "application/octet-stream";
const TEXT_PLAIN: &str = "text/plain; charset=utf-8";

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
const ODT: &str = "application/vnd.oasis.opendocument.text";
const ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";
const ODP: &str = "application/vnd.oasis.opendocument.presentation";

/// Extension (lower case) -> content type and category, for names and as the fallback when the
/// content has no magic we know.
const BY_EXTENSION: &[(&str, &str, Category)] = &[
    // Images.
    ("jpg", "image/jpeg", Images),
    ("jpeg", "image/jpeg", Images),
    ("jpe", "image/jpeg", Images),
    ("png", "image/png", Images),
    ("gif", "image/gif", Images),
    ("webp", "image/webp", Images),
    ("bmp", "image/bmp", Images),
    ("tif", "image/tiff", Images),
    ("tiff", "image/tiff", Images),
    ("heic", "image/heic", Images),
    ("heif", "image/heif", Images),
    ("avif", "image/avif", Images),
    ("svg", "image/svg+xml", Images),
    ("ico", "image/vnd.microsoft.icon", Images),
    // Documents.
    ("pdf", "application/pdf", Documents),
    ("doc", "application/msword", Documents),
    ("docx", DOCX, Documents),
    ("xls", "application/vnd.ms-excel", Documents),
    ("xlsx", XLSX, Documents),
    ("ppt", "application/vnd.ms-powerpoint", Documents),
    ("pptx", PPTX, Documents),
    ("odt", ODT, Documents),
    ("ods", ODS, Documents),
    ("odp", ODP, Documents),
    ("rtf", "application/rtf", Documents),
    ("txt", TEXT_PLAIN, Documents),
    ("md", "text/markdown; charset=utf-8", Documents),
    ("markdown", "text/markdown; charset=utf-8", Documents),
    ("csv", "text/csv", Documents),
    ("tsv", "text/tab-separated-values", Documents),
    ("json", "application/json", Documents),
    ("xml", "application/xml", Documents),
    // Everything else is an upload, with the best type we know.
    ("zip", "application/zip", Uploads),
    ("gz", "application/gzip", Uploads),
    ("tgz", "application/gzip", Uploads),
    ("tar", "application/x-tar", Uploads),
    ("7z", "application/x-7z-compressed", Uploads),
    ("rar", "application/vnd.rar", Uploads),
    ("epub", "application/epub+zip", Uploads),
    ("mp4", "video/mp4", Uploads),
    ("m4v", "video/mp4", Uploads),
    ("mov", "video/quicktime", Uploads),
    ("webm", "video/webm", Uploads),
    ("mkv", "video/x-matroska", Uploads),
    ("mp3", "audio/mpeg", Uploads),
    ("m4a", "audio/mp4", Uploads),
    ("wav", "audio/wav", Uploads),
    ("ogg", "audio/ogg", Uploads),
    ("flac", "audio/flac", Uploads),
];

/// The lower-case extension of a file name's last part, if it has a plain one.
fn extension(file_name: &str) -> Option<String> {
    let last = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    split_extension(last).1.map(str::to_ascii_lowercase)
}

fn by_extension(ext: Option<&str>) -> Option<Detected> {
    let ext = ext?;
    BY_EXTENSION
        .iter()
        .find(|(e, _, _)| *e == ext)
        .map(|&(_, content_type, category)| Detected {
            content_type,
            category,
        })
}

fn found(content_type: &'static str, category: Category) -> Option<Detected> {
    Some(Detected {
        content_type,
        category,
    })
}

/// Detects by content first (magic bytes of `head`, the first up to 512 bytes), the file name's
/// extension as the fallback. Routing: images -> Images; PDF, office documents, text, CSV/TSV,
/// JSON/XML -> Documents; everything else -> Uploads with application/octet-stream unless the
/// extension maps to something better (zip, mp4, mp3, ...).
pub fn detect(head: &[u8], file_name: &str) -> Detected {
    let head = &head[..head.len().min(HEAD_BYTES)];
    let ext = extension(file_name);
    if let Some(detected) = by_magic(head, ext.as_deref()) {
        return detected;
    }
    if let Some(detected) = by_extension(ext.as_deref()) {
        return detected;
    }
    if ext.is_none() && looks_like_text(head) {
        return Detected {
            content_type: TEXT_PLAIN,
            category: Documents,
        };
    }
    Detected {
        content_type: OCTET_STREAM,
        category: Uploads,
    }
}

/// The name-only guess, for when there is no content to look at (a presigned upload URL).
pub fn detect_by_name(file_name: &str) -> Detected {
    by_extension(extension(file_name).as_deref()).unwrap_or(Detected {
        content_type: OCTET_STREAM,
        category: Uploads,
    })
}

/// Content-Type for a file name alone (for presigned upload URLs).
pub fn content_type_for_name(file_name: &str) -> &'static str {
    detect_by_name(file_name).content_type
}

/// Formats we recognise by their first bytes. Containers (ZIP, OLE2) only say "some office
/// file or an archive", so the extension picks among what the container can hold.
fn by_magic(head: &[u8], ext: Option<&str>) -> Option<Detected> {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\xFF\xD8\xFF") {
        return found("image/jpeg", Images);
    }
    if at(0, b"\x89PNG\r\n\x1A\n") {
        return found("image/png", Images);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return found("image/gif", Images);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return found("image/webp", Images);
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return found("audio/wav", Uploads);
    }
    if is_bmp(head) {
        return found("image/bmp", Images);
    }
    if at(0, b"II*\0") || at(0, b"MM\0*") {
        return found("image/tiff", Images);
    }
    if at(4, b"ftyp") {
        if let Some(detected) = by_brand(head) {
            return Some(detected);
        }
    }
    if at(0, b"%PDF-") {
        return found("application/pdf", Documents);
    }
    if at(0, b"{\\rtf") {
        return found("application/rtf", Documents);
    }
    if at(0, b"PK\x03\x04") || at(0, b"PK\x05\x06") {
        return Some(zip_member(head, ext));
    }
    if at(0, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Some(match ext {
            Some(ext @ ("doc" | "xls" | "ppt")) => by_extension(Some(ext))?,
            _ => Detected {
                content_type: "application/x-ole-storage",
                category: Uploads,
            },
        });
    }
    if at(0, b"\x1F\x8B") {
        return found("application/gzip", Uploads);
    }
    if at(0, b"7z\xBC\xAF\x27\x1C") {
        return found("application/x-7z-compressed", Uploads);
    }
    if at(0, b"Rar!\x1A\x07") {
        return found("application/vnd.rar", Uploads);
    }
    if at(0, b"ID3") {
        return found("audio/mpeg", Uploads);
    }
    if at(0, b"OggS") {
        return found("audio/ogg", Uploads);
    }
    if at(0, b"fLaC") {
        return found("audio/flac", Uploads);
    }
    if at(0, b"\x1A\x45\xDF\xA3") {
        return Some(match ext {
            Some("webm") => Detected {
                content_type: "video/webm",
                category: Uploads,
            },
            _ => Detected {
                content_type: "video/x-matroska",
                category: Uploads,
            },
        });
    }
    None
}

/// "BM" alone is too weak (a text file may start "BMW …"), so the DIB header size must be one
/// a real bitmap has.
fn is_bmp(head: &[u8]) -> bool {
    if !head.starts_with(b"BM") || head.len() < 18 {
        return false;
    }
    let dib = u32::from_le_bytes([head[14], head[15], head[16], head[17]]);
    matches!(dib, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

/// ISO base media files ("....ftyp"): HEIF-family images by their brands, MP4 and QuickTime
/// video. The major brand decides; a generic HEIF major brand ("mif1") is narrowed by the
/// compatible brands that follow it.
fn by_brand(head: &[u8]) -> Option<Detected> {
    let size = usize::try_from(u32::from_be_bytes(head.get(0..4)?.try_into().ok()?)).ok()?;
    let major = head.get(8..12)?;
    let compatible: Vec<&[u8]> = head
        .get(16..size.min(head.len()))
        .unwrap_or_default()
        .chunks_exact(4)
        .collect();
    let image = |content_type| found(content_type, Images);
    match major {
        b"avif" | b"avis" => image("image/avif"),
        b"heic" | b"heix" | b"heim" | b"heis" => image("image/heic"),
        b"mif1" | b"msf1" => {
            if compatible.contains(&&b"avif"[..]) {
                image("image/avif")
            } else if compatible.iter().any(|b| matches!(*b, b"heic" | b"heix")) {
                image("image/heic")
            } else {
                image("image/heif")
            }
        }
        b"qt  " => found("video/quicktime", Uploads),
        b"M4A " => found("audio/mp4", Uploads),
        b"isom" | b"iso2" | b"iso4" | b"iso5" | b"iso6" | b"mp41" | b"mp42" | b"avc1" | b"dash" | b"M4V " => {
            found("video/mp4", Uploads)
        }
        _ => None,
    }
}

/// A ZIP archive's meaning. OpenDocument files say it themselves: their first member is an
/// uncompressed "mimetype" holding their type. For Office Open XML the extension decides, as
/// telling docx from xlsx would mean reading the central directory at the end of the file.
fn zip_member(head: &[u8], ext: Option<&str>) -> Detected {
    const ODF: [(&str, &str); 3] = [(ODT, "odt"), (ODS, "ods"), (ODP, "odp")];
    if head.get(26..28) == Some(&[8, 0]) && head.get(30..38) == Some(b"mimetype") {
        let extra = head
            .get(28..30)
            .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
        let body = head.get(38 + extra..).unwrap_or_default();
        if let Some((_, ext)) = ODF.iter().find(|(mime, _)| body.starts_with(mime.as_bytes())) {
            if let Some(detected) = by_extension(Some(ext)) {
                return detected;
            }
        }
    }
    match ext {
        Some(ext @ ("docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp" | "epub")) => by_extension(Some(ext))
            .unwrap_or(Detected {
                content_type: "application/zip",
                category: Uploads,
            }),
        _ => Detected {
            content_type: "application/zip",
            category: Uploads,
        },
    }
}

/// UTF-8 without NUL. The head may end inside a multi-byte character, which is still text.
fn looks_like_text(head: &[u8]) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0";
    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
    const OLE2: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";

    fn is(head: &[u8], name: &str, content_type: &str, category: Category) {
        let d = detect(head, name);
        assert_eq!(
            (d.content_type, d.category),
            (content_type, category),
            "{name} ({:?}…)",
            &head[..head.len().min(12)]
        );
    }

    /// A ZIP local file header for `name` holding `body` stored (uncompressed).
    fn zip(name: &str, body: &[u8]) -> Vec<u8> {
        let mut out = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(body);
        out
    }

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut out = (size as u32).to_be_bytes().to_vec();
        out.extend_from_slice(b"ftyp");
        out.extend_from_slice(major);
        out.extend_from_slice(&[0, 0, 0, 0]);
        for brand in compatible {
            out.extend_from_slice(*brand);
        }
        out.extend_from_slice(b"\0\0\0\x08meta");
        out
    }

    fn bmp() -> Vec<u8> {
        let mut out = b"BM".to_vec();
        out.extend_from_slice(&[0x46, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0]);
        out.extend_from_slice(&40u32.to_le_bytes());
        out
    }

    #[test]
    fn image_magic() {
        is(JPEG, "a.jpg", "image/jpeg", Images);
        is(PNG, "a.png", "image/png", Images);
        is(b"GIF87a\x01\0", "a.gif", "image/gif", Images);
        is(b"GIF89a\x01\0", "a", "image/gif", Images);
        is(b"RIFF\x24\0\0\0WEBPVP8 ", "a.webp", "image/webp", Images);
        is(&bmp(), "a.bmp", "image/bmp", Images);
        is(b"II*\0\x08\0\0\0", "a.tif", "image/tiff", Images);
        is(b"MM\0*\0\0\0\x08", "a", "image/tiff", Images);
    }

    #[test]
    fn heif_family_by_brand() {
        is(
            &ftyp(b"heic", &[b"mif1", b"heic"]),
            "IMG_1.HEIC",
            "image/heic",
            Images,
        );
        is(&ftyp(b"heix", &[]), "x", "image/heic", Images);
        is(&ftyp(b"mif1", &[b"mif1", b"heic"]), "x", "image/heic", Images);
        is(&ftyp(b"mif1", &[b"mif1"]), "x.heif", "image/heif", Images);
        is(&ftyp(b"msf1", &[]), "x", "image/heif", Images);
        is(&ftyp(b"avif", &[b"mif1", b"miaf"]), "x", "image/avif", Images);
        is(&ftyp(b"mif1", &[b"avif", b"miaf"]), "x", "image/avif", Images);
        is(
            &ftyp(b"isom", &[b"isom", b"mp41"]),
            "clip.mp4",
            "video/mp4",
            Uploads,
        );
        is(&ftyp(b"qt  ", &[]), "clip", "video/quicktime", Uploads);
        // An ftyp brand we do not know falls back to the name.
        is(&ftyp(b"crx ", &[]), "raw.cr3", OCTET_STREAM, Uploads);
        is(&ftyp(b"zzzz", &[]), "clip.mov", "video/quicktime", Uploads);
    }

    #[test]
    fn documents_by_magic() {
        is(PDF, "invoice.pdf", "application/pdf", Documents);
        is(PDF, "invoice", "application/pdf", Documents);
        is(b"{\\rtf1\\ansi", "letter.rtf", "application/rtf", Documents);
        is(OLE2, "old.doc", "application/msword", Documents);
        is(OLE2, "OLD.XLS", "application/vnd.ms-excel", Documents);
        is(OLE2, "deck.ppt", "application/vnd.ms-powerpoint", Documents);
        is(OLE2, "mail.msg", "application/x-ole-storage", Uploads);
        is(OLE2, "old.pdf", "application/x-ole-storage", Uploads);
    }

    #[test]
    fn zip_containers_use_the_extension_or_their_mimetype() {
        let ooxml = zip("[Content_Types].xml", b"<?xml");
        is(&ooxml, "report.docx", DOCX, Documents);
        is(&ooxml, "sheet.XLSX", XLSX, Documents);
        is(&ooxml, "deck.pptx", PPTX, Documents);
        is(&ooxml, "bundle.zip", "application/zip", Uploads);
        is(&ooxml, "bundle", "application/zip", Uploads);
        is(&ooxml, "book.epub", "application/epub+zip", Uploads);
        // OpenDocument names its own type, so a wrong or missing extension does not matter.
        is(&zip("mimetype", ODS.as_bytes()), "renamed.zip", ODS, Documents);
        is(&zip("mimetype", ODT.as_bytes()), "letter", ODT, Documents);
        is(&zip("mimetype", ODP.as_bytes()), "talk.odp", ODP, Documents);
        is(b"PK\x05\x06\0\0\0\0", "empty.zip", "application/zip", Uploads);
    }

    // Regression guard: the category must follow what the file is, not what it is called.
    #[test]
    fn content_beats_a_lying_extension() {
        is(PNG, "receipt.pdf", "image/png", Images);
        is(PDF, "photo.jpg", "application/pdf", Documents);
        is(JPEG, "notes.txt", "image/jpeg", Images);
        is(&zip("a", b""), "receipt.pdf", "application/zip", Uploads);
    }

    #[test]
    fn text_by_extension_when_no_magic_matches() {
        is(b"a,b\n1,2\n", "data.csv", "text/csv", Documents);
        is(b"a\tb\n", "data.TSV", "text/tab-separated-values", Documents);
        is(b"hello", "notes.txt", TEXT_PLAIN, Documents);
        is(b"# Title", "README.md", "text/markdown; charset=utf-8", Documents);
        is(b"{\"a\": 1}", "a.json", "application/json", Documents);
        is(b"<?xml version=\"1.0\"?>", "a.xml", "application/xml", Documents);
    }

    #[test]
    fn extensionless_text_is_a_document() {
        is(b"plain words\n", "README", TEXT_PLAIN, Documents);
        is("日本語のテキスト".as_bytes(), "LIESMICH", TEXT_PLAIN, Documents);
        // The head may stop inside a multi-byte character.
        let cut = &"é".as_bytes()[..1];
        is(&[b"caf".as_slice(), cut].concat(), "menu", TEXT_PLAIN, Documents);
        is(b"bin\0ary", "blob", OCTET_STREAM, Uploads);
        is(b"\xFF\xFEa\0", "blob", OCTET_STREAM, Uploads);
        is(b"", "empty", OCTET_STREAM, Uploads);
        // Text with an extension we do not know is not guessed at.
        is(b"key: value", "config.yaml", OCTET_STREAM, Uploads);
    }

    #[test]
    fn extension_is_the_fallback() {
        is(b"", "photo.JPG", "image/jpeg", Images);
        is(b"not really", "scan.heic", "image/heic", Images);
        is(b"\0\0\0\0", "song.mp3", "audio/mpeg", Uploads);
        is(b"", "archive.tar.gz", "application/gzip", Uploads);
        is(b"", "dir.with.dots/file", OCTET_STREAM, Uploads);
        is(b"", "C:\\Users\\me\\report.PDF", "application/pdf", Documents);
    }

    #[test]
    fn other_uploads_by_magic() {
        is(b"\x1F\x8B\x08\0", "x", "application/gzip", Uploads);
        is(b"ID3\x04\0", "x", "audio/mpeg", Uploads);
        is(b"OggS\0\x02", "x", "audio/ogg", Uploads);
        is(b"fLaC\0\0\0\x22", "x", "audio/flac", Uploads);
        is(b"RIFF\x24\0\0\0WAVEfmt ", "x", "audio/wav", Uploads);
        is(
            b"7z\xBC\xAF\x27\x1C\0\x04",
            "x",
            "application/x-7z-compressed",
            Uploads,
        );
        is(b"\x1A\x45\xDF\xA3\x01", "x.webm", "video/webm", Uploads);
        is(b"\x1A\x45\xDF\xA3\x01", "x", "video/x-matroska", Uploads);
    }

    #[test]
    fn weak_magic_does_not_misfire() {
        // A text file that happens to start like a bitmap.
        is(b"BMW service invoice, 2025", "bmw", TEXT_PLAIN, Documents);
        is(b"BMW service invoice, 2025", "bmw.txt", TEXT_PLAIN, Documents);
        // Truncated heads match nothing rather than panicking.
        for len in 0..16 {
            let _ = detect(&ftyp(b"heic", &[])[..len], "x");
            let _ = detect(&zip("mimetype", ODT.as_bytes())[..len.min(31)], "x");
            let _ = detect(&bmp()[..len], "x");
        }
    }

    #[test]
    fn only_the_first_512_bytes_are_read() {
        let mut head = vec![b'a'; 600];
        head[550] = 0;
        is(&head, "blob", TEXT_PLAIN, Documents);
    }

    #[test]
    fn scripts_are_not_served_as_pages() {
        assert_eq!(content_type_for_name("index.html"), OCTET_STREAM);
        assert_eq!(content_type_for_name("app.js"), OCTET_STREAM);
        is(b"<html><script>", "page.html", OCTET_STREAM, Uploads);
    }

    #[test]
    fn content_type_for_name_alone() {
        assert_eq!(content_type_for_name("receipt.jpg"), "image/jpeg");
        assert_eq!(content_type_for_name("Receipt.JPEG"), "image/jpeg");
        assert_eq!(content_type_for_name("data.csv"), "text/csv");
        assert_eq!(content_type_for_name("report.docx"), DOCX);
        assert_eq!(content_type_for_name("clip.mp4"), "video/mp4");
        assert_eq!(content_type_for_name("README"), OCTET_STREAM);
        assert_eq!(content_type_for_name(".env"), OCTET_STREAM);
        assert_eq!(content_type_for_name(""), OCTET_STREAM);
        assert_eq!(detect_by_name("a.png").category, Images);
        assert_eq!(detect_by_name("a.zip").category, Uploads);
    }

    #[test]
    fn every_extension_is_lower_case_and_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (ext, content_type, _) in BY_EXTENSION {
            assert_eq!(*ext, ext.to_ascii_lowercase());
            assert!(seen.insert(*ext), "{ext} listed twice");
            assert!(content_type.contains('/'));
        }
    }
}
