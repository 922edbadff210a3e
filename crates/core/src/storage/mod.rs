//! Storage: the object operations Cubby builds on, behind one trait with two stores. `S3Store`
//! speaks S3 over HTTP with SigV4 (R2, SeaweedFS, the sandbox); `MemoryStore` keeps a bucket in
//! memory with the same semantics, for tests that need no server. `Bucket` is what everything
//! else holds: a cheap handle to either.

pub mod headers;
mod memory;
mod s3;
mod scoped;
#[cfg(test)]
mod wire_tests;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::profile::{Profile, MAX_EXPIRY_SECS};
use crate::secret::Credentials;
use crate::{Error, Result};

pub use memory::MemoryStore;
pub use s3::S3Store;
pub use scoped::TenantScoped;

/// What a store does. Keys are plain text here; callers pass validated `ObjectKey`s. Failures
/// are already in `Error`'s words: a missing object is `NotFound`, a failed `If-Match` is
/// `Changed`, a key taken under `If-None-Match` is `AlreadyExists`.
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &str;
    fn endpoint(&self) -> &Url;
    async fn put(&self, key: &str, body: Vec<u8>, content_type: Option<&str>) -> Result<Option<String>>;
    async fn get(&self, key: &str) -> Result<Vec<u8>>;
    /// A small PUT that only happens while the key is as the caller last saw it: absent
    /// (`If-None-Match: *`, else `AlreadyExists`) or holding `etag` (`If-Match`, else `Changed`).
    /// How a shared file in the bucket is edited without losing a colleague's edit.
    async fn put_guarded(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        guard: WriteGuard,
    ) -> Result<Option<String>>;
    async fn head(&self, key: &str) -> Result<ObjectInfo>;
    /// One ListObjectsV2 page; callers loop on `next_token` and may show each page at once.
    async fn list_page(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        token: Option<String>,
        max_keys: Option<i32>,
    ) -> Result<ListPage>;
    async fn delete(&self, key: &str) -> Result<()>;
    async fn copy(&self, from: &str, to: &str) -> Result<()>;
    async fn presign_get_at(
        &self,
        key: &str,
        expires: Duration,
        start: SystemTime,
        disposition: Option<&str>,
    ) -> Result<String>;
    async fn presign_put_at(
        &self,
        key: &str,
        content_type: &str,
        size: Option<u64>,
        expires: Duration,
        start: SystemTime,
    ) -> Result<String>;
    async fn cors_rules(&self) -> Result<Vec<aws_sdk_s3::types::CorsRule>>;
    async fn set_cors_rules(&self, rules: Vec<aws_sdk_s3::types::CorsRule>) -> Result<()>;
    /// Uploads a file in one PUT with its Content-MD5, so the store refuses a corrupted body.
    /// `if_absent` makes it a conditional write (`If-None-Match: *`) where the server supports it.
    async fn put_file(
        &self,
        key: &str,
        path: &std::path::Path,
        size: u64,
        headers: &ObjectHeaders,
        content_md5: &str,
        if_absent: bool,
    ) -> Result<Option<String>>;
    /// Uploads a body held in memory in one PUT with its Content-MD5 and `headers`;
    /// `if_absent` as for `put_file`.
    async fn put_body(
        &self,
        key: &str,
        body: Vec<u8>,
        headers: &ObjectHeaders,
        content_md5: &str,
        if_absent: bool,
    ) -> Result<Option<String>>;
    /// Starts a multipart upload of an object that will carry `headers`.
    async fn create_multipart(&self, key: &str, headers: &ObjectHeaders) -> Result<String>;
    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        body: Vec<u8>,
        content_md5: &str,
    ) -> Result<String>;
    /// Uploads `len` bytes of the file at `path` from `offset` as part `number`, with the
    /// part's Content-MD5. A store that can send straight from the file does; this one reads
    /// the part into memory first.
    #[allow(clippy::too_many_arguments)]
    async fn upload_file_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        path: &std::path::Path,
        offset: u64,
        len: u64,
        content_md5: &str,
    ) -> Result<String> {
        let body = crate::local_path::read_range(path, offset, len)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        self.upload_part(key, upload_id, number, body, content_md5).await
    }
    async fn upload_part_copy(
        &self,
        from: &str,
        key: &str,
        upload_id: &str,
        number: i32,
        first: u64,
        last: u64,
    ) -> Result<String>;
    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(i32, String)>,
        if_absent: bool,
    ) -> Result<Option<String>>;
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()>;
    /// Part `number`'s size and the object's part count (None for a single-part object).
    async fn head_part(&self, key: &str, number: i32) -> Result<(u64, Option<u32>)>;
    /// Bytes `start..=end` (to the end when None), only while the object still has ETag
    /// `if_match`. The answer carries the object's ETag and whole size.
    async fn get_range(
        &self,
        key: &str,
        start: u64,
        end: Option<u64>,
        if_match: Option<&str>,
    ) -> Result<Fetched>;
    /// Deletes up to 1,000 keys; returns the ones refused, with why.
    async fn delete_batch(&self, keys: &[String]) -> Result<Vec<(String, String)>>;
    /// Server-side copy that refuses to replace an existing object unless `overwrite`.
    async fn copy_guarded(&self, from: &str, to: &str, overwrite: bool) -> Result<Option<String>>;

    async fn presign_get(&self, key: &str, expires: Duration) -> Result<String> {
        self.presign_get_at(key, expires, SystemTime::now(), None).await
    }

    async fn presign_put(&self, key: &str, content_type: &str, expires: Duration) -> Result<String> {
        self.presign_put_at(key, content_type, None, expires, SystemTime::now())
            .await
    }
}

/// A bucket: a handle to a store, cheap to clone and shared between tasks. Its operations are
/// the store's (`ObjectStore`).
#[derive(Clone, Debug)]
pub struct Bucket(Arc<dyn ObjectStore>);

impl Bucket {
    /// The profile's bucket over S3.
    pub fn connect(profile: &Profile, credentials: &Credentials) -> Result<Bucket> {
        Ok(Bucket(Arc::new(S3Store::connect(profile, credentials)?)))
    }

    /// The profile's bucket, following `dialect`'s rules whatever its endpoint: for a server
    /// that plays another at an address of its own (the sandbox's R2 mode).
    pub fn connect_speaking(
        profile: &Profile,
        credentials: &Credentials,
        dialect: headers::Dialect,
    ) -> Result<Bucket> {
        Ok(Bucket(Arc::new(S3Store::connect_as(
            profile,
            credentials,
            dialect,
            Vec::new(),
        )?)))
    }

    /// The profile's bucket sending every guard its dialect has, whatever a deep check found
    /// before: how the deep check asks the server itself.
    pub fn connect_probing(profile: &Profile, credentials: &Credentials) -> Result<Bucket> {
        let dialect = headers::Dialect::of(profile);
        let store = S3Store::connect_as(profile, credentials, dialect, Vec::new())?;
        Ok(Bucket(Arc::new(store.with_guards(headers::Guards::all(dialect)))))
    }

    /// A bucket over any store.
    pub fn from_store(store: Arc<dyn ObjectStore>) -> Bucket {
        Bucket(store)
    }

    /// An empty bucket kept in memory.
    pub fn in_memory(name: &str) -> Bucket {
        Bucket(Arc::new(MemoryStore::new(name)))
    }

    /// The same bucket seen through one tenant: any key outside `tenant/` is refused.
    pub fn scoped_to(&self, tenant: &crate::tenant::TenantId) -> Bucket {
        Bucket(Arc::new(TenantScoped::new(self.clone(), tenant.clone())))
    }
}

impl std::ops::Deref for Bucket {
    type Target = dyn ObjectStore;
    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ObjectInfo {
    pub key: String,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub size: u64,
    #[serde(serialize_with = "crate::wire::optional_etag")]
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub etag: Option<String>,
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    #[serde(rename = "modified", serialize_with = "crate::wire::optional_time")]
    pub last_modified: Option<DateTime<Utc>>,
    pub content_type: Option<String>,
    pub metadata: std::collections::BTreeMap<String, String>,
    /// How the object presents itself to browsers; kept across a copy, not shown.
    #[serde(skip)]
    #[cfg_attr(feature = "specta", specta(skip))]
    pub presentation: Presentation,
}

impl ObjectInfo {
    /// What a copy of this object must carry.
    pub fn headers(&self) -> ObjectHeaders {
        ObjectHeaders {
            content_type: self.content_type.clone(),
            metadata: self.metadata.clone(),
            presentation: self.presentation.clone(),
        }
    }
}

/// The headers S3 stores with an object and sends back on every GET, beside its type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Presentation {
    pub cache_control: Option<String>,
    pub content_disposition: Option<String>,
    pub content_encoding: Option<String>,
    pub content_language: Option<String>,
    pub expires: Option<String>,
}

/// What a new object is given besides its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectHeaders {
    pub content_type: Option<String>,
    pub metadata: std::collections::BTreeMap<String, String>,
    pub presentation: Presentation,
}

impl ObjectHeaders {
    /// Only a Content-Type, as an upload gives.
    pub fn typed(content_type: Option<&str>) -> ObjectHeaders {
        ObjectHeaders {
            content_type: content_type.map(str::to_string),
            ..ObjectHeaders::default()
        }
    }
}

/// What a guarded write requires of the key it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteGuard {
    /// No object under the key.
    Absent,
    /// The object under the key has this ETag (quoted or not).
    Matches(String),
}

/// A GET's body and what its headers said about the object.
#[derive(Debug)]
pub struct Fetched {
    pub body: ByteStream,
    pub etag: Option<String>,
    /// What the object carries besides its bytes: type, user metadata (`x-amz-meta-*`, names
    /// without the prefix) and presentation headers.
    pub headers: ObjectHeaders,
    /// The object's whole size (from Content-Range when a range was asked for).
    pub total: u64,
    /// The bytes in this body.
    pub length: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectEntry {
    pub key: String,
    pub size: u64,
    #[serde(serialize_with = "crate::wire::optional_etag")]
    pub etag: Option<String>,
    #[serde(rename = "modified", serialize_with = "crate::wire::optional_time")]
    pub last_modified: Option<DateTime<Utc>>,
}

/// One page of a listing, as the server sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListPage {
    pub objects: Vec<ObjectEntry>,
    pub prefixes: Vec<String>,
    pub next_token: Option<String>,
}

/// R2 accepts presigned URLs valid from 1 second to 7 days.
pub fn check_expiry(expires: Duration) -> Result<()> {
    if expires.is_zero() || expires.as_secs() > u64::from(MAX_EXPIRY_SECS) {
        return Err(Error::invalid(format!(
            "expiry of {} s is outside R2's limits: use 1 second to 7 days",
            expires.as_secs()
        )));
    }
    Ok(())
}

/// Percent-encodes an object key for a URL path, keeping `/` between segments.
pub fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_encode_for_url_paths() {
        assert_eq!(
            encode_key("acme/documents/a b+c.pdf"),
            "acme/documents/a%20b%2Bc.pdf"
        );
        assert_eq!(encode_key("t/ü.jpg"), "t/%C3%BC.jpg");
    }

    #[test]
    fn expiry_outside_r2_limits_is_refused_before_signing() {
        assert!(check_expiry(Duration::from_secs(0)).is_err());
        assert!(check_expiry(Duration::from_secs(604_801)).is_err());
        assert!(check_expiry(Duration::from_secs(604_800)).is_ok());
    }
}
