//! The S3/R2 store: one configured aws-sdk-s3 client per profile, and the translation of S3's
//! failures into `Error`s a person can act on.
//!
//! The client reads no ambient AWS configuration (`~/.aws`, `AWS_*`): everything comes from the
//! profile, so what the user configured is exactly what runs.

use std::time::Duration;

use aws_sdk_s3::config::{
    BehaviorVersion, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    StalledStreamProtectionConfig,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use chrono::{DateTime, Utc};
use url::Url;

use super::headers::{CopyGuard, Dialect, Guards, Md5NotChecksums, R2_COPY_IF_NONE_MATCH};
use super::{
    check_expiry, encode_key, Fetched, ListPage, ObjectEntry, ObjectHeaders, ObjectInfo, ObjectStore,
    Presentation, WriteGuard,
};
use crate::error::AuthFailure;
use crate::profile::Profile;
use crate::secret::Credentials;
use crate::{Error, Result};

/// Sets what a new object carries besides its bytes (`ObjectHeaders`) on a PutObject or
/// CreateMultipartUpload request: both builders have the same setters but no common trait.
macro_rules! with_headers {
    ($request:expr, $headers:expr) => {{
        let h: &ObjectHeaders = $headers;
        let p = &h.presentation;
        let expires = p.expires.as_deref().and_then(|e| {
            aws_smithy_types::DateTime::from_str(e, aws_smithy_types::date_time::Format::HttpDate).ok()
        });
        let metadata = (!h.metadata.is_empty()).then(|| h.metadata.clone().into_iter().collect());
        $request
            .set_content_type(h.content_type.clone())
            .set_metadata(metadata)
            .set_cache_control(p.cache_control.clone())
            .set_content_disposition(p.content_disposition.clone())
            .set_content_encoding(p.content_encoding.clone())
            .set_content_language(p.content_language.clone())
            .set_expires(expires)
    }};
}

/// The presentation headers of a HeadObject or GetObject answer: the two outputs have the
/// same fields but no common trait.
macro_rules! presentation {
    ($out:expr) => {
        Presentation {
            cache_control: $out.cache_control,
            content_disposition: $out.content_disposition,
            content_encoding: $out.content_encoding,
            content_language: $out.content_language,
            expires: $out.expires_string,
        }
    };
}

/// A bucket reached through one profile over S3. Cheap to clone: the client shares its
/// connection pool.
#[derive(Clone, Debug)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    name: String,
    endpoint: Url,
    key_hint: String,
    dialect: Dialect,
    guards: Guards,
}

impl S3Store {
    pub fn connect(profile: &Profile, credentials: &Credentials) -> Result<S3Store> {
        Self::connect_as(profile, credentials, Dialect::of(profile), Vec::new())
    }

    /// The store speaking `dialect`, with `interceptors` added to every request (tests watch
    /// the wire with them).
    /// The same store sending `guards` instead of what its dialect and the profile's last deep
    /// check chose.
    pub(crate) fn with_guards(mut self, guards: Guards) -> S3Store {
        self.guards = guards;
        self
    }

    pub(crate) fn connect_as(
        profile: &Profile,
        credentials: &Credentials,
        dialect: Dialect,
        interceptors: Vec<aws_sdk_s3::config::SharedInterceptor>,
    ) -> Result<S3Store> {
        let endpoint = profile.endpoint_url()?;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
            .build_https();
        let creds = aws_credential_types::Credentials::new(
            credentials.access_key_id.clone(),
            credentials.secret.expose().to_string(),
            None,
            None,
            "cubby-profile",
        );
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("auto"))
            .endpoint_url(endpoint.as_str().trim_end_matches('/'))
            .credentials_provider(creds)
            .force_path_style(profile.path_style())
            // R2 rejects some of the SDK's default flexible checksums; send them only when an
            // operation requires one, and verify integrity ourselves (MD5/ETag).
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .http_client(http)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .read_timeout(Duration::from_secs(60))
                    .build(),
            )
            .stalled_stream_protection(StalledStreamProtectionConfig::enabled().build())
            .retry_config(RetryConfig::standard().with_max_attempts(4));
        let mut config = config;
        for interceptor in interceptors {
            config.push_interceptor(interceptor);
        }
        let config = config.build();
        Ok(S3Store {
            client: aws_sdk_s3::Client::from_conf(config),
            name: profile.bucket.clone(),
            endpoint,
            key_hint: credentials.short_key_id(),
            dialect,
            guards: Guards::of(dialect).learned(profile.checked.as_ref()),
        })
    }
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    fn name(&self) -> &str {
        &self.name
    }

    fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    async fn put(&self, key: &str, body: Vec<u8>, content_type: Option<&str>) -> Result<Option<String>> {
        let out = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .set_content_type(content_type.map(str::to_string))
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| self.map_err("upload", Some(key), e))?;
        Ok(out.e_tag)
    }

    async fn put_guarded(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        guard: WriteGuard,
    ) -> Result<Option<String>> {
        let (if_none_match, if_match) = match &guard {
            WriteGuard::Absent => (Some("*".to_string()), None),
            WriteGuard::Matches(etag) => (None, Some(format!("\"{}\"", etag.trim_matches('"')))),
        };
        let out = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .content_md5(crate::transfer::content_md5_of(&body))
            .set_if_none_match(if_none_match)
            .set_if_match(if_match)
            .body(ByteStream::from(body))
            .customize()
            .disable_payload_signing()
            .send()
            .await
            .map_err(|e| self.map_err("upload", Some(key), e));
        match (out, guard) {
            (Ok(out), _) => Ok(out.e_tag),
            (Err(e), WriteGuard::Absent) => Err(self.taken(key, e)),
            // Some servers answer an If-Match on a missing key with 404 rather than 412.
            (Err(Error::NotFound(_)), WriteGuard::Matches(_)) => Err(Error::Changed(format!(
                "'{key}' was removed from bucket '{}' meanwhile",
                self.name
            ))),
            (Err(e), _) => Err(e),
        }
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let out = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
            .map_err(|e| self.map_err("download", Some(key), e))?;
        let bytes = out.body.collect().await.map_err(|e| {
            Error::Unreachable(format!("download of '{key}' was interrupted: {}", root_cause(&e)))
        })?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn head(&self, key: &str) -> Result<ObjectInfo> {
        let out = self
            .client
            .head_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
            .map_err(|e| self.map_err("stat", Some(key), e))?;
        Ok(ObjectInfo {
            key: key.to_string(),
            size: out.content_length.unwrap_or(0).max(0) as u64,
            etag: out.e_tag,
            last_modified: out.last_modified.and_then(to_chrono),
            content_type: out.content_type,
            metadata: out.metadata.unwrap_or_default().into_iter().collect(),
            presentation: presentation!(out),
        })
    }

    /// One ListObjectsV2 page; callers loop on `next_token` and may show each page at once.
    async fn list_page(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        token: Option<String>,
        max_keys: Option<i32>,
    ) -> Result<ListPage> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.name)
            .prefix(prefix)
            .set_delimiter(delimiter.map(str::to_string))
            .set_continuation_token(token)
            .set_max_keys(max_keys)
            .send()
            .await
            .map_err(|e| self.map_err("list", None, e))?;
        let objects = out
            .contents
            .unwrap_or_default()
            .into_iter()
            .filter_map(|o| {
                Some(ObjectEntry {
                    key: o.key?,
                    size: o.size.unwrap_or(0).max(0) as u64,
                    etag: o.e_tag,
                    last_modified: o.last_modified.and_then(to_chrono),
                })
            })
            .collect();
        let prefixes = out
            .common_prefixes
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.prefix)
            .collect();
        let next_token = if out.is_truncated.unwrap_or(false) {
            out.next_continuation_token
        } else {
            None
        };
        Ok(ListPage {
            objects,
            prefixes,
            next_token,
        })
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.client
            .delete_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
            .map_err(|e| self.map_err("delete", Some(key), e))?;
        Ok(())
    }

    /// Server-side copy within the bucket; metadata and Content-Type travel with the object.
    async fn copy(&self, from: &str, to: &str) -> Result<()> {
        self.client
            .copy_object()
            .bucket(&self.name)
            .key(to)
            .copy_source(format!("{}/{}", self.name, encode_key(from)))
            .send()
            .await
            .map_err(|e| self.map_err("copy", Some(from), e))?;
        Ok(())
    }

    /// A presigned GET signed as of `start`, optionally making browsers save the download under
    /// a given `Content-Disposition`.
    async fn presign_get_at(
        &self,
        key: &str,
        expires: Duration,
        start: std::time::SystemTime,
        disposition: Option<&str>,
    ) -> Result<String> {
        let config = presigning_at(expires, start)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .set_response_content_disposition(disposition.map(str::to_string))
            .presigned(config)
            .await
            .map_err(|e| self.map_err("sign", Some(key), e))?;
        Ok(request.uri().to_string())
    }

    /// A presigned PUT signed as of `start`; `size` also binds Content-Length into the signature.
    async fn presign_put_at(
        &self,
        key: &str,
        content_type: &str,
        size: Option<u64>,
        expires: Duration,
        start: std::time::SystemTime,
    ) -> Result<String> {
        let config = presigning_at(expires, start)?;
        let request = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .set_content_length(size.map(|s| s as i64))
            .presigned(config)
            .await
            .map_err(|e| self.map_err("sign", Some(key), e))?;
        Ok(request.uri().to_string())
    }

    /// The bucket's CORS rules, or an empty list when it has none.
    async fn cors_rules(&self) -> Result<Vec<aws_sdk_s3::types::CorsRule>> {
        match self.client.get_bucket_cors().bucket(&self.name).send().await {
            Ok(out) => Ok(out.cors_rules.unwrap_or_default()),
            Err(e) if e.code() == Some("NoSuchCORSConfiguration") => Ok(Vec::new()),
            Err(e) => Err(self.map_err("read CORS rules of", None, e)),
        }
    }

    async fn set_cors_rules(&self, rules: Vec<aws_sdk_s3::types::CorsRule>) -> Result<()> {
        let config = aws_sdk_s3::types::CorsConfiguration::builder()
            .set_cors_rules(Some(rules))
            .build()
            .map_err(|e| Error::invalid(format!("cannot build CORS rules: {e}")))?;
        self.client
            .put_bucket_cors()
            .bucket(&self.name)
            .cors_configuration(config)
            .customize()
            .interceptor(Md5NotChecksums)
            .send()
            .await
            .map_err(|e| self.map_err("write CORS rules of", None, e))?;
        Ok(())
    }

    /// Uploads a file in one PUT with its Content-MD5, so the server refuses a corrupted body.
    /// `if_absent` makes it a conditional write (`If-None-Match: *`) where the server supports it.
    async fn put_file(
        &self,
        key: &str,
        path: &std::path::Path,
        size: u64,
        headers: &ObjectHeaders,
        content_md5: &str,
        if_absent: bool,
    ) -> Result<Option<String>> {
        let body = file_body(path, 0, size).await?;
        let request = self.client.put_object().bucket(&self.name).key(key);
        let out = with_headers!(request, headers)
            .content_length(size as i64)
            .content_md5(content_md5)
            .set_if_none_match((if_absent && self.guards.put).then(|| "*".to_string()))
            .body(body)
            .send()
            .await
            .map_err(|e| self.taken(key, self.map_err("upload", Some(key), e)))?;
        Ok(out.e_tag)
    }

    async fn put_body(
        &self,
        key: &str,
        body: Vec<u8>,
        headers: &ObjectHeaders,
        content_md5: &str,
        if_absent: bool,
    ) -> Result<Option<String>> {
        let request = self.client.put_object().bucket(&self.name).key(key);
        // Content-MD5 is signed and the server checks the body against it, so the body itself
        // need not be hashed again for the signature.
        let out = with_headers!(request, headers)
            .content_md5(content_md5)
            .set_if_none_match((if_absent && self.guards.put).then(|| "*".to_string()))
            .body(ByteStream::from(body))
            .customize()
            .disable_payload_signing()
            .send()
            .await
            .map_err(|e| self.taken(key, self.map_err("upload", Some(key), e)))?;
        Ok(out.e_tag)
    }

    async fn create_multipart(&self, key: &str, headers: &ObjectHeaders) -> Result<String> {
        let request = self.client.create_multipart_upload().bucket(&self.name).key(key);
        let out = with_headers!(request, headers)
            .send()
            .await
            .map_err(|e| self.map_err("start multipart upload of", Some(key), e))?;
        out.upload_id
            .ok_or_else(|| Error::Storage(format!("the server started no multipart upload for '{key}'")))
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        body: Vec<u8>,
        content_md5: &str,
    ) -> Result<String> {
        let len = body.len() as u64;
        self.send_part(key, upload_id, number, ByteStream::from(body), len, content_md5)
            .await
    }

    /// Streams the part from the file: nothing is buffered whole.
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
        let body = file_body(path, offset, len).await?;
        self.send_part(key, upload_id, number, body, len, content_md5)
            .await
    }

    /// Server-side copy of a byte range into a part (multipart copy of objects over 5 GiB).
    async fn upload_part_copy(
        &self,
        from: &str,
        key: &str,
        upload_id: &str,
        number: i32,
        first: u64,
        last: u64,
    ) -> Result<String> {
        let out = self
            .client
            .upload_part_copy()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .copy_source(format!("{}/{}", self.name, encode_key(from)))
            .copy_source_range(format!("bytes={first}-{last}"))
            .send()
            .await
            .map_err(|e| self.map_err("copy part of", Some(from), e))?;
        out.copy_part_result.and_then(|r| r.e_tag).ok_or_else(|| {
            Error::Storage(format!(
                "the server returned no ETag for copied part {number} of '{from}'"
            ))
        })
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(i32, String)>,
        if_absent: bool,
    ) -> Result<Option<String>> {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        // R2 documents no conditional header for CompleteMultipartUpload: look just before
        // instead. This narrows the race to one round trip but cannot close it: another writer
        // landing in between is replaced (docs/RELIABILITY.md says so).
        let guard = if_absent && self.guards.complete;
        if if_absent && !guard {
            match self.head(key).await {
                Ok(_) => {
                    return Err(Error::AlreadyExists(format!(
                        "'{key}' already exists in bucket '{}'",
                        self.name
                    ))
                    .hint(crate::error::Hint::Overwrite))
                }
                Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let parts = parts
            .into_iter()
            .map(|(n, etag)| CompletedPart::builder().part_number(n).e_tag(etag).build())
            .collect();
        let out = self
            .client
            .complete_multipart_upload()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .set_if_none_match(guard.then(|| "*".to_string()))
            .send()
            .await
            .map_err(|e| self.taken(key, self.map_err("finish multipart upload of", Some(key), e)))?;
        Ok(out.e_tag)
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()> {
        self.client
            .abort_multipart_upload()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(|e| self.map_err("abort multipart upload of", Some(key), e))?;
        Ok(())
    }

    /// The size of part 1 and the number of parts, for verifying a multipart ETag.
    async fn head_part(&self, key: &str, number: i32) -> Result<(u64, Option<u32>)> {
        let out = self
            .client
            .head_object()
            .bucket(&self.name)
            .key(key)
            .part_number(number)
            .send()
            .await
            .map_err(|e| self.map_err("stat", Some(key), e))?;
        Ok((
            out.content_length.unwrap_or(0).max(0) as u64,
            out.parts_count.map(|n| n.max(0) as u32),
        ))
    }

    /// A streaming GET of bytes `start..=end` (`end` None: to the end), only while the object
    /// still has ETag `if_match`. The answer carries the object's ETag and whole size, so a
    /// download needs no HEAD first.
    async fn get_range(
        &self,
        key: &str,
        start: u64,
        end: Option<u64>,
        if_match: Option<&str>,
    ) -> Result<Fetched> {
        let range = match (start, end) {
            (0, None) => None,
            (start, None) => Some(format!("bytes={start}-")),
            (start, Some(end)) => Some(format!("bytes={start}-{end}")),
        };
        let get = |range: Option<String>| {
            self.client
                .get_object()
                .bucket(&self.name)
                .key(key)
                .set_range(range)
                .set_if_match(if_match.map(str::to_string))
                .send()
        };
        let out = match get(range).await {
            // An empty object has no byte 0, so a range from 0 is refused (416) where the whole
            // object, empty, is what was asked for.
            Err(e) if start == 0 && e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => {
                get(None).await
            }
            answer => answer,
        }
        .map_err(|e| self.map_err("download", Some(key), e))?;
        let length = out.content_length.unwrap_or(0).max(0) as u64;
        // "bytes 0-99/1234": the total follows the slash. Without a range the length is the total.
        let total = out
            .content_range
            .as_deref()
            .and_then(|r| r.rsplit_once('/'))
            .and_then(|(_, total)| total.parse().ok())
            .unwrap_or(start + length);
        Ok(Fetched {
            etag: out.e_tag,
            headers: ObjectHeaders {
                content_type: out.content_type,
                metadata: out.metadata.unwrap_or_default().into_iter().collect(),
                presentation: presentation!(out),
            },
            body: out.body,
            total,
            length,
        })
    }

    /// DeleteObjects for up to 1,000 keys; returns the keys that failed with the server's reason.
    async fn delete_batch(&self, keys: &[String]) -> Result<Vec<(String, String)>> {
        use aws_sdk_s3::types::{Delete, ObjectIdentifier};
        let objects = keys
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::invalid(format!("cannot build a delete request: {e}")))?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| Error::invalid(format!("cannot build a delete request: {e}")))?;
        let out = self
            .client
            .delete_objects()
            .bucket(&self.name)
            .delete(delete)
            .customize()
            .interceptor(Md5NotChecksums)
            .send()
            .await
            .map_err(|e| self.map_err("delete", None, e))?;
        Ok(out
            .errors
            .unwrap_or_default()
            .into_iter()
            .map(|e| {
                let reason = match (e.code, e.message) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(c), None) => c,
                    (None, Some(m)) => m,
                    (None, None) => "refused".into(),
                };
                (e.key.unwrap_or_default(), reason)
            })
            .collect())
    }

    /// Server-side copy that refuses to replace an existing object unless `overwrite`.
    async fn copy_guarded(&self, from: &str, to: &str, overwrite: bool) -> Result<Option<String>> {
        let guard = if overwrite {
            CopyGuard::LookFirst
        } else {
            self.guards.copy
        };
        let out = self
            .client
            .copy_object()
            .bucket(&self.name)
            .key(to)
            .copy_source(format!("{}/{}", self.name, encode_key(from)))
            .set_if_none_match((guard == CopyGuard::IfNoneMatch).then(|| "*".to_string()))
            .customize()
            .mutate_request(move |request| {
                if guard == CopyGuard::R2Header {
                    request.headers_mut().insert(R2_COPY_IF_NONE_MATCH, "*");
                }
            })
            .send()
            .await
            .map_err(|e| self.taken(to, self.map_err("copy", Some(from), e)))?;
        Ok(out.copy_object_result.and_then(|r| r.e_tag))
    }
}

impl S3Store {
    /// One UploadPart. Its Content-MD5 is signed and checked by the server, so the body is not
    /// hashed again for the signature (a body in memory would be).
    async fn send_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        body: ByteStream,
        len: u64,
        content_md5: &str,
    ) -> Result<String> {
        let out = self
            .client
            .upload_part()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(len as i64)
            .content_md5(content_md5)
            .body(body)
            .customize()
            .disable_payload_signing()
            .send()
            .await
            .map_err(|e| self.map_err("upload part of", Some(key), e))?;
        part_etag(out.e_tag, number, key)
    }

    /// For a write guarded by `If-None-Match: *`, a failed precondition means `key` is taken.
    fn taken(&self, key: &str, err: Error) -> Error {
        match err {
            Error::Changed(_) => {
                Error::AlreadyExists(format!("'{key}' already exists in bucket '{}'", self.name))
                    .hint(crate::error::Hint::Overwrite)
            }
            other => other,
        }
    }

    /// Turns an SDK failure into words a person can act on.
    fn map_err<E>(&self, op: &str, key: Option<&str>, err: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let host = self.endpoint.host_str().unwrap_or("the endpoint");
        let port = self.endpoint.port().map(|p| format!(":{p}")).unwrap_or_default();
        match &err {
            SdkError::DispatchFailure(failure) => {
                let why = if failure.is_timeout() {
                    "timed out".to_string()
                } else {
                    root_cause(&err)
                };
                return Error::Unreachable(format!(
                    "cannot reach {host}{port} ({why}): check the endpoint or account ID and your network"
                ));
            }
            SdkError::TimeoutError(_) => {
                return Error::Unreachable(format!(
                    "{host}{port} did not answer in time: check your network"
                ));
            }
            _ => {}
        }
        let status = err.raw_response().map(|r| r.status().as_u16());
        let code = err.code().unwrap_or("");
        let server_message = err.message().unwrap_or("").to_string();
        let key_hint = &self.key_hint;
        let bucket = &self.name;
        let what = key
            .map(|k| format!("'{k}'"))
            .unwrap_or_else(|| format!("bucket '{bucket}'"));
        let Advice {
            new_token,
            jurisdiction,
            permission,
        } = advice(self.dialect, host, op);
        match (code, status) {
            ("InvalidAccessKeyId", _) => Error::Auth {
                kind: AuthFailure::UnknownAccessKey,
                message: format!(
                    "the server does not know access key {key_hint}: check the access key ID, or create a new API token{new_token}"
                ),
            },
            ("InvalidArgument", _) if server_message.contains("Credential") => Error::Auth {
                kind: AuthFailure::UnknownAccessKey,
                message: format!("access key {key_hint} is malformed ({server_message}): copy it again from the API token page"),
            },
            ("SignatureDoesNotMatch", _) => Error::Auth {
                kind: AuthFailure::WrongSecret,
                message: format!("wrong secret for access key {key_hint}: re-enter the secret access key"),
            },
            ("RequestTimeTooSkewed", _) => Error::Auth {
                kind: AuthFailure::ClockSkew,
                message: "this computer's clock is too far from the server's: set the system time automatically (NTP) and retry".into(),
            },
            ("PreconditionFailed", _) | (_, Some(412)) => Error::Changed(format!(
                "{what} changed in bucket '{bucket}' meanwhile"
            )),
            ("NoSuchBucket", _) => Error::NoSuchBucket(format!(
                "bucket '{bucket}' does not exist at {host}{port}: check the bucket name{jurisdiction}"
            )),
            ("NoSuchKey", _) | ("NotFound", _) | (_, Some(404)) if key.is_some() => {
                Error::NotFound(format!("no object {what} in bucket '{bucket}'"))
            }
            (_, Some(404)) => Error::NoSuchBucket(format!(
                "bucket '{bucket}' does not exist at {host}{port}: check the bucket name{jurisdiction}"
            )),
            ("AccessDenied", _) | (_, Some(403)) => Error::Auth {
                kind: AuthFailure::AccessDenied,
                message: format!(
                    "access denied: access key {key_hint} may not {op} {what}; {permission}{new_token}"
                ),
            },
            (_, Some(401)) => Error::Auth {
                kind: AuthFailure::UnknownAccessKey,
                message: format!(
                    "the server refused access key {key_hint} (HTTP 401): check the access key ID and secret{new_token}"
                ),
            },
            _ => {
                let detail = match (code.is_empty(), status) {
                    (false, _) => format!("{code}: {server_message}"),
                    (true, Some(s)) => format!("HTTP {s}"),
                    (true, None) => root_cause(&err),
                };
                // Some operations already end in "of" ("upload part of"): say it once.
                let op = op.strip_suffix(" of").unwrap_or(op);
                Error::Storage(format!("{op} of {what} failed: {detail}"))
            }
        }
    }
}

/// Bytes read from a file per step of a streamed upload: each step is a hop to a blocking
/// thread, so a 16 MiB part takes 16 of them rather than the SDK's default 256.
const FILE_READ_BUFFER: usize = 1024 * 1024;

/// `len` bytes of a file from `offset`, read as they are sent (and read again for a retry).
/// A streamed body is signed as `UNSIGNED-PAYLOAD`: its Content-MD5 vouches for it.
async fn file_body(path: &std::path::Path, offset: u64, len: u64) -> Result<ByteStream> {
    ByteStream::read_from()
        .path(path)
        .offset(offset)
        .length(aws_sdk_s3::primitives::Length::Exact(len))
        .buffer_size((len as usize).clamp(4096, FILE_READ_BUFFER))
        .build()
        .await
        .map_err(|e| {
            Error::io(
                format!("cannot read {}", path.display()),
                std::io::Error::other(e),
            )
        })
}

fn part_etag(etag: Option<String>, number: i32, key: &str) -> Result<String> {
    etag.ok_or_else(|| {
        Error::Storage(format!(
            "the server returned no ETag for part {number} of '{key}'"
        ))
    })
}

fn presigning_at(expires: Duration, start: std::time::SystemTime) -> Result<PresigningConfig> {
    check_expiry(expires)?;
    PresigningConfig::builder()
        .start_time(start)
        .expires_in(expires)
        .build()
        .map_err(|e| Error::invalid(format!("cannot sign: {e}")))
}

/// The parts of an error message that depend on where the request went.
pub(super) struct Advice {
    pub(super) new_token: &'static str,
    pub(super) jurisdiction: &'static str,
    pub(super) permission: &'static str,
}

pub(super) fn advice(dialect: Dialect, host: &str, op: &str) -> Advice {
    let r2 = dialect == Dialect::R2;
    // The default endpoint `<account>.r2.cloudflarestorage.com`, not a jurisdiction's.
    let default_endpoint = host
        .strip_suffix(".r2.cloudflarestorage.com")
        .is_some_and(|account| !account.contains('.'));
    Advice {
        // R2: a new API token can take up to a minute before the endpoint accepts it.
        new_token: if r2 {
            " (a token made in the last minute may not work yet: wait a minute and retry)"
        } else {
            ""
        },
        // R2: a bucket in a jurisdiction answers only at that jurisdiction's endpoint.
        jurisdiction: if r2 && default_endpoint {
            ", or if it was created in the EU or FedRAMP jurisdiction, set that jurisdiction on the profile"
        } else {
            ""
        },
        // Reading or writing a bucket's CORS rules is bucket administration on R2.
        permission: if op.contains("CORS") {
            "use an API token with Admin Read & Write"
        } else {
            "give the API token Object Read & Write on this bucket"
        },
    }
}

fn to_chrono(t: aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// The innermost cause of an error chain: the part that says what actually went wrong.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
