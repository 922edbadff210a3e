//! Cubby's own full-object checksum: the CRC-64/NVME of the whole object, recorded in its
//! metadata when Cubby uploads it and checked in one fast pass when it is downloaded.
//!
//! Why not the ETag alone: a multipart ETag is the MD5 of the parts' MD5s, so checking it means
//! an MD5 over every byte, about a second of CPU per GiB. CRC-64/NVME is the checksum R2 and S3
//! document for whole objects; it runs at memory speed, and ranges fetched in parallel combine
//! into the whole object's value without reading anything twice. It lives in user metadata rather
//! than `x-amz-checksum-crc64nvme` because every S3-compatible server keeps user metadata, while
//! the checksum headers are not stored by all of them (R2 also refuses two checksums on one
//! request, and uploads already carry Content-MD5).

use std::path::Path;

use crc_fast::CrcAlgorithm::Crc64Nvme;

use super::*;

/// The metadata entry (`x-amz-meta-cubby-crc64nvme`): S3's encoding of the value, base64 of its
/// 8 big-endian bytes.
pub const CRC_META: &str = "cubby-crc64nvme";

/// A running CRC-64/NVME. Boxed: the digest keeps its tables inline (about 300 bytes), which
/// would otherwise size every value that may hold one.
pub struct Crc64(Box<crc_fast::Digest>);

impl Default for Crc64 {
    fn default() -> Self {
        Crc64(Box::new(crc_fast::Digest::new(Crc64Nvme)))
    }
}

impl Crc64 {
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    pub fn finish(&self) -> u64 {
        self.0.finalize()
    }
}

/// The checksum of `a` followed by `b`, from each one's checksum and `b`'s length.
pub fn combine(a: u64, b: u64, b_len: u64) -> u64 {
    crc_fast::checksum_combine(Crc64Nvme, a, b, b_len)
}

pub fn encode(crc: u64) -> String {
    b64(&crc.to_be_bytes())
}

/// The value an object's metadata records, if it holds a well-formed one.
pub fn recorded(metadata: &std::collections::BTreeMap<String, String>) -> Option<u64> {
    use base64::engine::general_purpose::STANDARD;
    let bytes = STANDARD.decode(metadata.get(CRC_META)?.trim()).ok()?;
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// The MD5 and CRC-64/NVME of `len` bytes of a file from `offset`, in one read.
pub(crate) fn file_digests(path: &Path, offset: u64, len: u64) -> std::io::Result<([u8; 16], u64)> {
    use md5::Digest;
    let mut md5 = md5::Md5::new();
    let mut crc = Crc64::default();
    read_chunks(path, offset, len, |chunk| {
        md5.update(chunk);
        crc.update(chunk);
    })?;
    Ok((md5.finalize().into(), crc.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64nvme_matches_the_published_check_value() {
        // The catalogue's check value for "123456789" (CRC-64/NVME, as S3 documents it).
        let mut crc = Crc64::default();
        crc.update(b"123456789");
        assert_eq!(crc.finish(), 0xae8b_1486_0a79_9888);
    }

    #[test]
    fn ranges_combine_into_the_whole() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let whole = crc_fast::checksum(Crc64Nvme, &data);
        let (a, b) = data.split_at(1_234_567);
        let (ca, cb) = (crc_fast::checksum(Crc64Nvme, a), crc_fast::checksum(Crc64Nvme, b));
        assert_eq!(combine(ca, cb, b.len() as u64), whole);
        assert_ne!(combine(cb, ca, a.len() as u64), whole, "order matters");
    }

    #[test]
    fn the_recorded_value_round_trips_and_rejects_garbage() {
        let mut meta = std::collections::BTreeMap::new();
        meta.insert(CRC_META.to_string(), encode(0x0123_4567_89ab_cdef));
        assert_eq!(recorded(&meta), Some(0x0123_4567_89ab_cdef));
        meta.insert(CRC_META.to_string(), "AAAA".into());
        assert_eq!(recorded(&meta), None, "three bytes are not a CRC-64");
        meta.insert(CRC_META.to_string(), "not base64!".into());
        assert_eq!(recorded(&meta), None);
    }
}
