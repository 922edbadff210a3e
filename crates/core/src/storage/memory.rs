//! A bucket in memory with S3's semantics as Cubby relies on them: MD5 ETags (and the
//! MD5-of-MD5s `-N` ETag of multipart objects), Content-MD5 checks, `If-None-Match: *` and
//! `If-Match`, ranged reads, delimiter listings in pages, part sizes by part number. It runs
//! the same conformance suite as the HTTP servers, minus what needs HTTP (signed URLs).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use aws_sdk_s3::primitives::ByteStream;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use url::Url;

use super::{
    check_expiry, encode_key, Fetched, ListPage, ObjectEntry, ObjectHeaders, ObjectInfo, ObjectStore,
    Presentation, WriteGuard,
};
use crate::error::Hint;
use crate::{Error, Result};

/// ListObjectsV2's page size.
const PAGE: usize = 1000;

#[derive(Debug, Clone)]
struct Object {
    data: Arc<Vec<u8>>,
    /// Quoted, as S3 sends it.
    etag: String,
    content_type: Option<String>,
    metadata: BTreeMap<String, String>,
    presentation: Presentation,
    modified: DateTime<Utc>,
    /// The sizes of the parts it was assembled from; empty for a single PUT.
    parts: Vec<u64>,
}

#[derive(Debug, Default)]
struct Upload {
    key: String,
    headers: ObjectHeaders,
    parts: BTreeMap<i32, Vec<u8>>,
}

#[derive(Debug, Default)]
struct State {
    objects: BTreeMap<String, Object>,
    uploads: HashMap<String, Upload>,
    cors: Vec<aws_sdk_s3::types::CorsRule>,
    next_upload: u64,
}

#[derive(Debug)]
pub struct MemoryStore {
    name: String,
    endpoint: Url,
    state: Mutex<State>,
}

fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

impl MemoryStore {
    pub fn new(name: &str) -> MemoryStore {
        MemoryStore {
            name: name.to_string(),
            endpoint: Url::parse("memory://local/").unwrap_or_else(|_| unreachable!("a valid URL")),
            state: Mutex::new(State::default()),
        }
    }

    /// Stores an object under an ETag of the caller's choosing, as servers keep for objects
    /// whose ETag is not derived from their content (R2's multipart uploads before 2023-06-21,
    /// objects migrated by Sippy or Super Slurper).
    pub fn put_with_etag(&self, key: &str, data: Vec<u8>, etag: &str) {
        self.put_with(key, data, etag, BTreeMap::new());
    }

    /// `put_with_etag`, with user metadata of the caller's choosing.
    pub fn put_with(&self, key: &str, data: Vec<u8>, etag: &str, metadata: BTreeMap<String, String>) {
        let mut object = Self::single(data, None, metadata);
        object.etag = quoted(etag.trim_matches('"'));
        self.state().objects.insert(key.to_string(), object);
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn missing(&self, key: &str) -> Error {
        Error::NotFound(format!("no object '{key}' in bucket '{}'", self.name))
    }

    fn taken(&self, key: &str) -> Error {
        Error::AlreadyExists(format!("'{key}' already exists in bucket '{}'", self.name))
            .hint(Hint::Overwrite)
    }

    fn object(&self, key: &str) -> Result<Object> {
        self.state()
            .objects
            .get(key)
            .cloned()
            .ok_or_else(|| self.missing(key))
    }

    fn check_md5(&self, key: &str, data: &[u8], content_md5: &str) -> Result<()> {
        let sent = base64::engine::general_purpose::STANDARD.encode(md5(data));
        if sent != content_md5 {
            return Err(Error::Storage(format!(
                "upload of '{key}' failed: BadDigest: the Content-MD5 you specified did not match what was received"
            )));
        }
        Ok(())
    }

    fn store(&self, key: &str, object: Object, if_absent: bool) -> Result<Option<String>> {
        let mut state = self.state();
        if if_absent && state.objects.contains_key(key) {
            return Err(self.taken(key));
        }
        let etag = object.etag.clone();
        state.objects.insert(key.to_string(), object);
        Ok(Some(etag))
    }

    fn single(data: Vec<u8>, content_type: Option<String>, metadata: BTreeMap<String, String>) -> Object {
        Object {
            etag: quoted(&hex(&md5(&data))),
            data: Arc::new(data),
            content_type,
            metadata,
            presentation: Presentation::default(),
            modified: Utc::now(),
            parts: Vec::new(),
        }
    }

    fn signed(&self, method: &str, key: &str, expires: Duration, start: SystemTime) -> Result<String> {
        check_expiry(expires)?;
        let start = start
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Ok(format!(
            "memory://{}/{}?method={method}&expires={}",
            self.name,
            encode_key(key),
            start + expires.as_secs()
        ))
    }
}

/// The part of `data` a range asks for; S3 answers 416 for a start past the end. A range from
/// 0 of an empty object is the empty object, as the S3 store makes it.
fn slice(data: &[u8], key: &str, start: u64, end: Option<u64>) -> Result<(u64, u64)> {
    let size = data.len() as u64;
    if start >= size && !(start == 0 && size == 0) {
        return Err(Error::Storage(format!(
            "download of '{key}' failed: InvalidRange: the range is not satisfiable"
        )));
    }
    let last = end.map_or(size.saturating_sub(1), |e| e.min(size.saturating_sub(1)));
    Ok((start, if size == 0 { 0 } else { last + 1 }))
}

#[async_trait::async_trait]
impl ObjectStore for MemoryStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    async fn put(&self, key: &str, body: Vec<u8>, content_type: Option<&str>) -> Result<Option<String>> {
        self.store(
            key,
            Self::single(body, content_type.map(str::to_string), BTreeMap::new()),
            false,
        )
    }

    async fn put_guarded(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        guard: WriteGuard,
    ) -> Result<Option<String>> {
        let object = Self::single(body, Some(content_type.to_string()), BTreeMap::new());
        let mut state = self.state();
        match (&guard, state.objects.get(key)) {
            (WriteGuard::Absent, Some(_)) => return Err(self.taken(key)),
            (WriteGuard::Matches(etag), found)
                if found.is_none_or(|o| o.etag.trim_matches('"') != etag.trim_matches('"')) =>
            {
                return Err(Error::Changed(format!(
                    "'{key}' changed in bucket '{}' meanwhile",
                    self.name
                )))
            }
            _ => {}
        }
        let etag = object.etag.clone();
        state.objects.insert(key.to_string(), object);
        Ok(Some(etag))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>> {
        Ok(self.object(key)?.data.to_vec())
    }

    async fn head(&self, key: &str) -> Result<ObjectInfo> {
        let o = self.object(key)?;
        Ok(ObjectInfo {
            key: key.to_string(),
            size: o.data.len() as u64,
            etag: Some(o.etag),
            last_modified: Some(o.modified),
            content_type: o.content_type,
            metadata: o.metadata,
            presentation: o.presentation,
        })
    }

    async fn list_page(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        token: Option<String>,
        max_keys: Option<i32>,
    ) -> Result<ListPage> {
        let limit = max_keys.map_or(PAGE, |m| (m.max(1) as usize).min(PAGE));
        let state = self.state();
        let mut page = ListPage::default();
        let mut count = 0;
        // The token is the last key or common prefix handed out; a common prefix covers every
        // key below it.
        let after = token.unwrap_or_default();
        for (key, object) in state.objects.range(prefix.to_string()..) {
            if !key.starts_with(prefix) {
                break;
            }
            if !after.is_empty()
                && (key.as_str() <= after.as_str() || (after.ends_with('/') && key.starts_with(&after)))
            {
                continue;
            }
            let rest = &key[prefix.len()..];
            let common =
                delimiter.and_then(|d| rest.find(d).map(|i| format!("{prefix}{}", &rest[..i + d.len()])));
            if let Some(common) = &common {
                if page.prefixes.last() == Some(common) {
                    continue;
                }
            }
            if count == limit {
                page.next_token = Some(after_of(&page));
                return Ok(page);
            }
            count += 1;
            match common {
                Some(common) => page.prefixes.push(common),
                None => page.objects.push(ObjectEntry {
                    key: key.clone(),
                    size: object.data.len() as u64,
                    etag: Some(object.etag.clone()),
                    last_modified: Some(object.modified),
                }),
            }
        }
        Ok(page)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.state().objects.remove(key);
        Ok(())
    }

    async fn copy(&self, from: &str, to: &str) -> Result<()> {
        self.copy_guarded(from, to, true).await.map(|_| ())
    }

    async fn presign_get_at(
        &self,
        key: &str,
        expires: Duration,
        start: SystemTime,
        _disposition: Option<&str>,
    ) -> Result<String> {
        self.signed("GET", key, expires, start)
    }

    async fn presign_put_at(
        &self,
        key: &str,
        _content_type: &str,
        _size: Option<u64>,
        expires: Duration,
        start: SystemTime,
    ) -> Result<String> {
        self.signed("PUT", key, expires, start)
    }

    async fn cors_rules(&self) -> Result<Vec<aws_sdk_s3::types::CorsRule>> {
        Ok(self.state().cors.clone())
    }

    async fn set_cors_rules(&self, rules: Vec<aws_sdk_s3::types::CorsRule>) -> Result<()> {
        self.state().cors = rules;
        Ok(())
    }

    async fn put_file(
        &self,
        key: &str,
        path: &std::path::Path,
        size: u64,
        headers: &ObjectHeaders,
        content_md5: &str,
        if_absent: bool,
    ) -> Result<Option<String>> {
        let data =
            std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if data.len() as u64 != size {
            return Err(Error::Storage(format!(
                "upload of '{key}' failed: IncompleteBody: {} bytes sent, {size} announced",
                data.len()
            )));
        }
        self.check_md5(key, &data, content_md5)?;
        self.store(
            key,
            Self::single(data, headers.content_type.clone(), headers.metadata.clone()),
            if_absent,
        )
    }

    async fn put_body(
        &self,
        key: &str,
        body: Vec<u8>,
        headers: &ObjectHeaders,
        content_md5: &str,
        if_absent: bool,
    ) -> Result<Option<String>> {
        self.check_md5(key, &body, content_md5)?;
        let mut object = Self::single(body, headers.content_type.clone(), headers.metadata.clone());
        object.presentation = headers.presentation.clone();
        self.store(key, object, if_absent)
    }

    async fn create_multipart(&self, key: &str, headers: &ObjectHeaders) -> Result<String> {
        let mut state = self.state();
        state.next_upload += 1;
        let id = format!("upload-{}", state.next_upload);
        state.uploads.insert(
            id.clone(),
            Upload {
                key: key.to_string(),
                headers: headers.clone(),
                parts: BTreeMap::new(),
            },
        );
        Ok(id)
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        body: Vec<u8>,
        content_md5: &str,
    ) -> Result<String> {
        self.check_md5(key, &body, content_md5)?;
        let etag = quoted(&hex(&md5(&body)));
        let mut state = self.state();
        let upload = state
            .uploads
            .get_mut(upload_id)
            .filter(|u| u.key == key)
            .ok_or_else(|| Error::NotFound(format!("no multipart upload {upload_id} for '{key}'")))?;
        upload.parts.insert(number, body);
        Ok(etag)
    }

    async fn upload_part_copy(
        &self,
        from: &str,
        key: &str,
        upload_id: &str,
        number: i32,
        first: u64,
        last: u64,
    ) -> Result<String> {
        let source = self.object(from)?;
        let (start, end) = slice(&source.data, from, first, Some(last))?;
        let body = source.data[start as usize..end as usize].to_vec();
        let md5 = base64::engine::general_purpose::STANDARD.encode(md5(&body));
        self.upload_part(key, upload_id, number, body, &md5).await
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(i32, String)>,
        if_absent: bool,
    ) -> Result<Option<String>> {
        let upload = {
            let mut state = self.state();
            if if_absent && state.objects.contains_key(key) {
                return Err(self.taken(key));
            }
            state
                .uploads
                .remove(upload_id)
                .filter(|u| u.key == key)
                .ok_or_else(|| Error::NotFound(format!("no multipart upload {upload_id} for '{key}'")))?
        };
        let mut data = Vec::new();
        let mut digests = Vec::new();
        let mut sizes = Vec::new();
        for (number, etag) in &parts {
            let body = upload.parts.get(number).ok_or_else(|| {
                Error::Storage(format!(
                    "finish multipart upload of '{key}' failed: InvalidPart: part {number} was not uploaded"
                ))
            })?;
            let digest = md5(body);
            if quoted(&hex(&digest)) != *etag && hex(&digest) != *etag {
                return Err(Error::Storage(format!(
                    "finish multipart upload of '{key}' failed: InvalidPart: part {number}'s ETag does not match"
                )));
            }
            digests.extend_from_slice(&digest);
            sizes.push(body.len() as u64);
            data.extend_from_slice(body);
        }
        let object = Object {
            etag: quoted(&format!("{}-{}", hex(&md5(&digests)), parts.len())),
            data: Arc::new(data),
            content_type: upload.headers.content_type,
            metadata: upload.headers.metadata,
            presentation: upload.headers.presentation,
            modified: Utc::now(),
            parts: sizes,
        };
        self.store(key, object, if_absent)
    }

    async fn abort_multipart(&self, _key: &str, upload_id: &str) -> Result<()> {
        self.state().uploads.remove(upload_id);
        Ok(())
    }

    async fn head_part(&self, key: &str, number: i32) -> Result<(u64, Option<u32>)> {
        let o = self.object(key)?;
        if o.parts.is_empty() {
            return Ok((o.data.len() as u64, None));
        }
        let size = usize::try_from(number - 1)
            .ok()
            .and_then(|i| o.parts.get(i))
            .ok_or_else(|| Error::Storage(format!("stat of '{key}' failed: InvalidPartNumber")))?;
        Ok((*size, Some(o.parts.len() as u32)))
    }

    async fn get_range(
        &self,
        key: &str,
        start: u64,
        end: Option<u64>,
        if_match: Option<&str>,
    ) -> Result<Fetched> {
        let o = self.object(key)?;
        if let Some(wanted) = if_match {
            if wanted.trim_matches('"') != o.etag.trim_matches('"') {
                return Err(Error::Changed(format!(
                    "'{key}' changed in bucket '{}' meanwhile",
                    self.name
                )));
            }
        }
        let (from, to) = slice(&o.data, key, start, end)?;
        Ok(Fetched {
            length: to - from,
            body: ByteStream::from_body_1_x(Chunks {
                data: o.data.clone(),
                at: from as usize,
                end: to as usize,
            }),
            etag: Some(o.etag),
            headers: ObjectHeaders {
                content_type: o.content_type.clone(),
                metadata: o.metadata.clone(),
                presentation: o.presentation.clone(),
            },
            total: o.data.len() as u64,
        })
    }

    async fn delete_batch(&self, keys: &[String]) -> Result<Vec<(String, String)>> {
        let mut state = self.state();
        for key in keys {
            state.objects.remove(key);
        }
        Ok(Vec::new())
    }

    async fn copy_guarded(&self, from: &str, to: &str, overwrite: bool) -> Result<Option<String>> {
        let mut object = self.object(from)?;
        object.modified = Utc::now();
        self.store(to, object, !overwrite)
    }
}

/// A body that arrives in 64 KiB pieces, as from a network, so a reader can stop part-way.
struct Chunks {
    data: Arc<Vec<u8>>,
    at: usize,
    end: usize,
}

impl http_body::Body for Chunks {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<std::result::Result<http_body::Frame<Self::Data>, Self::Error>>> {
        const CHUNK: usize = 64 * 1024;
        if self.at >= self.end {
            return std::task::Poll::Ready(None);
        }
        let next = (self.at + CHUNK).min(self.end);
        let piece = bytes::Bytes::copy_from_slice(&self.data[self.at..next]);
        self.at = next;
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.at >= self.end
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact((self.end - self.at) as u64)
    }
}

/// The token that resumes after what `page` handed out last.
fn after_of(page: &ListPage) -> String {
    let last_object = page.objects.last().map(|o| o.key.as_str()).unwrap_or_default();
    let last_prefix = page.prefixes.last().map(String::as_str).unwrap_or_default();
    last_object.max(last_prefix).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listing_pages_cover_every_key_once_with_folders_collapsed() {
        let store = MemoryStore::new("b");
        for i in 0..2_500 {
            store.put(&format!("t/{i:05}"), vec![1], None).await.unwrap();
        }
        store.put("t/sub/a", vec![1], None).await.unwrap();
        store.put("t/sub/b", vec![1], None).await.unwrap();
        let (mut keys, mut prefixes, mut token, mut pages) = (0, Vec::new(), None, 0);
        loop {
            let page = store.list_page("t/", Some("/"), token, None).await.unwrap();
            pages += 1;
            keys += page.objects.len();
            prefixes.extend(page.prefixes);
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        assert_eq!((keys, prefixes, pages), (2_500, vec!["t/sub/".to_string()], 3));
    }

    #[tokio::test]
    async fn guards_and_ranges_answer_as_s3_does() {
        let store = MemoryStore::new("b");
        let etag = store.put("k", b"hello".to_vec(), None).await.unwrap().unwrap();
        assert_eq!(etag, "\"5d41402abc4b2a76b9719d911017c592\"");
        let e = store.copy_guarded("k", "k", false).await.unwrap_err();
        assert_eq!(e.code(), "already_exists");
        let e = store
            .get_range("k", 0, None, Some("\"other\""))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "precondition_failed");
        let f = store.get_range("k", 1, Some(2), Some(&etag)).await.unwrap();
        assert_eq!((f.length, f.total), (2, 5));
        assert_eq!(f.body.collect().await.unwrap().into_bytes().as_ref(), b"el");
        assert_eq!(store.get("gone").await.unwrap_err().code(), "not_found");
    }
}
