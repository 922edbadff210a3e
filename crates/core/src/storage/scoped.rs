//! A bucket seen through one tenant: every key and listing prefix must lie in that tenant's
//! folder, so a routing bug fails loudly instead of sending a client's receipt to another
//! client. Leaving the tenant takes the unscoped `Bucket`, which callers must hold on purpose.

use std::time::{Duration, SystemTime};

use url::Url;

use super::{Bucket, Fetched, ListPage, ObjectHeaders, ObjectInfo, ObjectStore, WriteGuard};
use crate::error::Hint;
use crate::tenant::TenantId;
use crate::{Error, Result};

#[derive(Debug)]
pub struct TenantScoped {
    inner: Bucket,
    tenant: TenantId,
    /// "acme/": what every key must start with.
    folder: String,
}

impl TenantScoped {
    pub fn new(inner: Bucket, tenant: TenantId) -> TenantScoped {
        TenantScoped {
            folder: tenant.prefix(),
            inner,
            tenant,
        }
    }

    fn check(&self, key: &str) -> Result<()> {
        if key.starts_with(&self.folder) {
            return Ok(());
        }
        Err(Error::invalid(format!(
            "'{}' is outside tenant '{}': this operation may only touch that tenant's files",
            key.escape_default(),
            self.tenant
        ))
        .hint(Hint::CrossTenant))
    }

    fn bucket_wide(&self) -> Error {
        Error::invalid(format!(
            "bucket settings are not part of tenant '{}': change them on the whole bucket",
            self.tenant
        ))
    }
}

#[async_trait::async_trait]
impl ObjectStore for TenantScoped {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn endpoint(&self) -> &Url {
        self.inner.endpoint()
    }

    async fn put(&self, key: &str, body: Vec<u8>, content_type: Option<&str>) -> Result<Option<String>> {
        self.check(key)?;
        self.inner.put(key, body, content_type).await
    }

    async fn put_guarded(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
        guard: WriteGuard,
    ) -> Result<Option<String>> {
        self.check(key)?;
        self.inner.put_guarded(key, body, content_type, guard).await
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>> {
        self.check(key)?;
        self.inner.get(key).await
    }

    async fn head(&self, key: &str) -> Result<ObjectInfo> {
        self.check(key)?;
        self.inner.head(key).await
    }

    async fn list_page(
        &self,
        prefix: &str,
        delimiter: Option<&str>,
        token: Option<String>,
        max_keys: Option<i32>,
    ) -> Result<ListPage> {
        self.check(prefix)?;
        self.inner.list_page(prefix, delimiter, token, max_keys).await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.check(key)?;
        self.inner.delete(key).await
    }

    async fn copy(&self, from: &str, to: &str) -> Result<()> {
        self.check(from)?;
        self.check(to)?;
        self.inner.copy(from, to).await
    }

    async fn presign_get_at(
        &self,
        key: &str,
        expires: Duration,
        start: SystemTime,
        disposition: Option<&str>,
    ) -> Result<String> {
        self.check(key)?;
        self.inner.presign_get_at(key, expires, start, disposition).await
    }

    async fn presign_put_at(
        &self,
        key: &str,
        content_type: &str,
        size: Option<u64>,
        expires: Duration,
        start: SystemTime,
    ) -> Result<String> {
        self.check(key)?;
        self.inner
            .presign_put_at(key, content_type, size, expires, start)
            .await
    }

    async fn cors_rules(&self) -> Result<Vec<aws_sdk_s3::types::CorsRule>> {
        Err(self.bucket_wide())
    }

    async fn set_cors_rules(&self, _rules: Vec<aws_sdk_s3::types::CorsRule>) -> Result<()> {
        Err(self.bucket_wide())
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
        self.check(key)?;
        self.inner
            .put_file(key, path, size, headers, content_md5, if_absent)
            .await
    }

    async fn put_body(
        &self,
        key: &str,
        body: Vec<u8>,
        headers: &ObjectHeaders,
        content_md5: &str,
        if_absent: bool,
    ) -> Result<Option<String>> {
        self.check(key)?;
        self.inner
            .put_body(key, body, headers, content_md5, if_absent)
            .await
    }

    async fn create_multipart(&self, key: &str, headers: &ObjectHeaders) -> Result<String> {
        self.check(key)?;
        self.inner.create_multipart(key, headers).await
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        body: Vec<u8>,
        content_md5: &str,
    ) -> Result<String> {
        self.check(key)?;
        self.inner
            .upload_part(key, upload_id, number, body, content_md5)
            .await
    }

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
        self.check(key)?;
        self.inner
            .upload_file_part(key, upload_id, number, path, offset, len, content_md5)
            .await
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
        self.check(from)?;
        self.check(key)?;
        self.inner
            .upload_part_copy(from, key, upload_id, number, first, last)
            .await
    }

    async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: Vec<(i32, String)>,
        if_absent: bool,
    ) -> Result<Option<String>> {
        self.check(key)?;
        self.inner
            .complete_multipart(key, upload_id, parts, if_absent)
            .await
    }

    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<()> {
        self.check(key)?;
        self.inner.abort_multipart(key, upload_id).await
    }

    async fn head_part(&self, key: &str, number: i32) -> Result<(u64, Option<u32>)> {
        self.check(key)?;
        self.inner.head_part(key, number).await
    }

    async fn get_range(
        &self,
        key: &str,
        start: u64,
        end: Option<u64>,
        if_match: Option<&str>,
    ) -> Result<Fetched> {
        self.check(key)?;
        self.inner.get_range(key, start, end, if_match).await
    }

    async fn delete_batch(&self, keys: &[String]) -> Result<Vec<(String, String)>> {
        for key in keys {
            self.check(key)?;
        }
        self.inner.delete_batch(keys).await
    }

    async fn copy_guarded(&self, from: &str, to: &str, overwrite: bool) -> Result<Option<String>> {
        self.check(from)?;
        self.check(to)?;
        self.inner.copy_guarded(from, to, overwrite).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn nothing_outside_the_tenant_is_reachable() {
        let bucket = Bucket::in_memory("b");
        bucket
            .put("acme-corp/documents/x.pdf", b"theirs".to_vec(), None)
            .await
            .unwrap();
        let acme = bucket.scoped_to(&TenantId::parse("acme").unwrap());
        acme.put("acme/documents/a.pdf", b"ours".to_vec(), None)
            .await
            .unwrap();
        assert_eq!(acme.get("acme/documents/a.pdf").await.unwrap(), b"ours");
        for outside in ["acme-corp/documents/x.pdf", "acme", "globex/a", ".cubby/x"] {
            let e = acme.get(outside).await.unwrap_err();
            assert_eq!(
                (e.code(), e.advice()),
                ("invalid_input", Some(Hint::CrossTenant)),
                "{outside}"
            );
        }
        assert!(
            acme.list_page("acme-", None, None, None).await.is_err(),
            "a prefix reaching acme-corp/"
        );
        assert!(acme
            .copy("acme/documents/a.pdf", "globex/documents/a.pdf")
            .await
            .is_err());
        assert!(acme
            .delete_batch(&["acme/documents/a.pdf".into(), "acme-corp/documents/x.pdf".into()])
            .await
            .is_err());
        assert_eq!(
            bucket.get("acme-corp/documents/x.pdf").await.unwrap(),
            b"theirs",
            "untouched"
        );
    }
}
