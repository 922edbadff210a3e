//! What an ETag says about content: plain MD5, MD5 of part MD5s, or nothing at all.

use std::path::Path;

use md5::{Digest, Md5};

use super::*;

/// The ETag an S3 server gives content: plain MD5 for single PUTs, MD5-of-part-MD5s plus the
/// part count for multipart ones. Fed sequentially, in order.
pub struct EtagHasher {
    part_size: Option<u64>,
    md5: Md5,
    in_part: u64,
    parts: Vec<[u8; 16]>,
}

impl EtagHasher {
    pub fn new(part_size: Option<u64>) -> Self {
        EtagHasher {
            part_size: part_size.filter(|s| *s > 0),
            md5: Md5::new(),
            in_part: 0,
            parts: Vec::new(),
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        let Some(size) = self.part_size else {
            self.md5.update(data);
            return;
        };
        while !data.is_empty() {
            let take = ((size - self.in_part) as usize).min(data.len());
            self.md5.update(&data[..take]);
            self.in_part += take as u64;
            data = &data[take..];
            if self.in_part == size {
                self.parts.push(self.md5.finalize_reset().into());
                self.in_part = 0;
            }
        }
    }

    pub fn finish(mut self) -> String {
        match self.part_size {
            None => hex(&self.md5.finalize()),
            Some(_) => {
                if self.in_part > 0 || self.parts.is_empty() {
                    self.parts.push(self.md5.finalize_reset().into());
                }
                let mut all = Md5::new();
                for part in &self.parts {
                    all.update(part);
                }
                format!("{}-{}", hex(&all.finalize()), self.parts.len())
            }
        }
    }
}

/// Part sizes that could have produced an `parts`-part ETag for `size` bytes: the one the server
/// reports for part 1 (when it supports `partNumber`), else the sizes common tools use. Only
/// sizes that give exactly `parts` parts qualify, so there are rarely more than two.
pub(super) fn part_size_candidates(size: u64, parts: u32, reported: Option<u64>) -> Vec<u64> {
    let fits = |p: u64| p > 0 && size.div_ceil(p) == u64::from(parts);
    // The server's own word settles it: hashing every byte once per guess is the cost to avoid.
    if let Some(p) = reported.filter(|p| fits(*p)) {
        return vec![p];
    }
    let mut out: Vec<u64> = Vec::new();
    let common = [5, 8, 10, 15, 16, 32, 50, 64, 100, 128, 256, 512, 1024].map(|m| m * MIB);
    let derived = [
        part_size_for(size, DEFAULT_PART_SIZE),
        size.div_ceil(u64::from(parts)).div_ceil(MIB) * MIB,
    ];
    for p in common.into_iter().chain(derived) {
        if fits(p) && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Hashes a download for every plausible way its ETag was made; one match verifies it.
pub(super) struct ContentCheck {
    hashers: Vec<EtagHasher>,
    /// The content's plain MD5, taken elsewhere (`md5_pool`).
    taken: Option<[u8; 16]>,
}

impl ContentCheck {
    pub(super) fn new(shapes: &[Option<u64>]) -> Self {
        ContentCheck {
            hashers: shapes.iter().map(|s| EtagHasher::new(*s)).collect(),
            taken: None,
        }
    }

    /// A check of content whose plain MD5 is already known.
    pub(super) fn of_md5(digest: [u8; 16]) -> Self {
        ContentCheck {
            hashers: Vec::new(),
            taken: Some(digest),
        }
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        for h in &mut self.hashers {
            h.update(data);
        }
    }

    /// A whole part's MD5, taken elsewhere, for a check that is a single multipart shape whose
    /// parts are fed whole in order this way.
    pub(super) fn add_part_digest(&mut self, digest: [u8; 16]) {
        if let [h] = self.hashers.as_mut_slice() {
            h.parts.push(digest);
        }
    }

    /// `None` when nothing could be checked (an opaque ETag).
    pub(super) fn matches(self, etag: &str) -> Option<bool> {
        if let Some(digest) = self.taken {
            return Some(hex(&digest) == etag);
        }
        if self.hashers.is_empty() {
            return None;
        }
        Some(self.hashers.into_iter().any(|h| h.finish() == etag))
    }
}

/// Checks bytes fed in order against an ETag, for every part size common tools use when the
/// ETag is a multipart one (no request is made to learn the real one).
pub struct EtagCheck(ContentCheck);

impl EtagCheck {
    pub fn new(etag: &str, size: u64) -> EtagCheck {
        let etag = clean_etag(etag);
        let shapes: Vec<Option<u64>> = match etag_kind(&etag) {
            EtagKind::Md5 => vec![None],
            EtagKind::Multipart(n) => part_size_candidates(size, n, None)
                .into_iter()
                .map(Some)
                .collect(),
            EtagKind::Opaque => Vec::new(),
        };
        EtagCheck(ContentCheck::new(&shapes))
    }

    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// None when the ETag gives no way to check (opaque, or no common part size fits).
    pub fn matches(self, etag: &str) -> Option<bool> {
        self.0.matches(&clean_etag(etag))
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An ETag without quotes, lower-case.
pub fn clean_etag(etag: &str) -> String {
    etag.trim().trim_matches('"').to_ascii_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum EtagKind {
    Md5,
    Multipart(u32),
    /// Not derived from the content (e.g. encrypted objects): only the size can be checked.
    Opaque,
}

pub(super) fn etag_kind(etag: &str) -> EtagKind {
    let is_md5 = |s: &str| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match etag.split_once('-') {
        None if is_md5(etag) => EtagKind::Md5,
        Some((head, n)) if is_md5(head) => n.parse().map(EtagKind::Multipart).unwrap_or(EtagKind::Opaque),
        _ => EtagKind::Opaque,
    }
}

pub(crate) fn file_md5(path: &Path, offset: u64, len: u64) -> std::io::Result<[u8; 16]> {
    let mut md5 = Md5::new();
    read_chunks(path, offset, len, |chunk| md5.update(chunk))?;
    Ok(md5.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_part_etag_is_plain_md5() {
        let mut h = EtagHasher::new(None);
        h.update(b"hello ");
        h.update(b"world");
        assert_eq!(h.finish(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
    }

    #[test]
    fn multipart_etag_folds_part_md5s_whatever_the_chunking() {
        let data: Vec<u8> = (0..(12 * MIB as usize)).map(|i| (i % 253) as u8).collect();
        let part = 5 * MIB;
        let mut expected = Md5::new();
        for chunk in data.chunks(part as usize) {
            expected.update(Md5::digest(chunk));
        }
        let expected = format!("{}-3", hex(&expected.finalize()));
        let mut whole = EtagHasher::new(Some(part));
        whole.update(&data);
        assert_eq!(whole.finish(), expected);
        let mut pieces = EtagHasher::new(Some(part));
        for chunk in data.chunks(777_777) {
            pieces.update(chunk);
        }
        assert_eq!(pieces.finish(), expected);
    }

    #[test]
    fn part_size_candidates_fit_the_part_count() {
        let c = part_size_candidates(100 * MIB, 7, None);
        assert!(c.contains(&(16 * MIB)) && c.contains(&(15 * MIB)), "{c:?}");
        assert!(c.iter().all(|p| (100 * MIB).div_ceil(*p) == 7));
        assert_eq!(
            part_size_candidates(100 * MIB, 7, Some(16 * MIB))[0],
            16 * MIB,
            "the server's word first"
        );
        assert!(
            part_size_candidates(10 * MIB, 2, Some(3 * MIB))
                .iter()
                .all(|p| *p != 3 * MIB),
            "a misfit report is ignored"
        );
    }

    #[test]
    fn etag_kinds() {
        assert_eq!(etag_kind("5eb63bbbe01eeed093cb22bb8f5acdc3"), EtagKind::Md5);
        assert_eq!(
            etag_kind("5eb63bbbe01eeed093cb22bb8f5acdc3-12"),
            EtagKind::Multipart(12)
        );
        assert_eq!(etag_kind("opaque-etag"), EtagKind::Opaque);
        assert_eq!(clean_etag("\"ABC\""), "abc");
    }
}
