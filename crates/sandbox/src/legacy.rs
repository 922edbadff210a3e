//! Objects whose ETag says nothing about their content, on demand (`R2Rules::legacy_etags`):
//! R2 derives a multipart object's ETag from its parts' MD5s only for uploads since 2023-06-21
//! (objects/multipart-objects); older objects, and those Sippy or Super Slurper migrated, carry
//! one that is not. Here every completed multipart upload gets such an ETag, so a client's
//! handling of years-old objects can be tried locally.
//!
//! s3s-fs serves the ETag it keeps in an object's internal file; this wrapper rewrites that
//! file after s3s-fs completes an upload, and delegates everything else unchanged.

use std::path::PathBuf;

use base64::Engine as _;
use md5::{Digest, Md5};
use s3s::dto::*;
use s3s::{S3Request, S3Response, S3Result, S3};

pub(crate) struct LegacyEtags {
    pub(crate) fs: s3s_fs::FileSystem,
    pub(crate) root: PathBuf,
}

impl LegacyEtags {
    /// Where s3s-fs 0.14.1 keeps an object's ETag (its `get_internal_info_path`).
    fn internal_file(&self, bucket: &str, key: &str) -> PathBuf {
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        self.root.join(format!(
            ".bucket-{}.object-{}.internal.json",
            encode(bucket),
            encode(key)
        ))
    }
}

#[async_trait::async_trait]
impl S3 for LegacyEtags {
    // Everything but the completion, as s3s-fs answers it.
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        self.fs.create_bucket(req).await
    }

    async fn copy_object(&self, req: S3Request<CopyObjectInput>) -> S3Result<S3Response<CopyObjectOutput>> {
        self.fs.copy_object(req).await
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        self.fs.delete_bucket(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.fs.delete_object(req).await
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        self.fs.delete_objects(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.fs.get_bucket_location(req).await
    }

    async fn get_object(&self, req: S3Request<GetObjectInput>) -> S3Result<S3Response<GetObjectOutput>> {
        self.fs.get_object(req).await
    }

    async fn head_bucket(&self, req: S3Request<HeadBucketInput>) -> S3Result<S3Response<HeadBucketOutput>> {
        self.fs.head_bucket(req).await
    }

    async fn head_object(&self, req: S3Request<HeadObjectInput>) -> S3Result<S3Response<HeadObjectOutput>> {
        self.fs.head_object(req).await
    }

    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        self.fs.list_buckets(req).await
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        self.fs.list_objects(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.fs.list_objects_v2(req).await
    }

    async fn put_object(&self, req: S3Request<PutObjectInput>) -> S3Result<S3Response<PutObjectOutput>> {
        self.fs.put_object(req).await
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        self.fs.create_multipart_upload(req).await
    }

    async fn upload_part(&self, req: S3Request<UploadPartInput>) -> S3Result<S3Response<UploadPartOutput>> {
        self.fs.upload_part(req).await
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        self.fs.upload_part_copy(req).await
    }

    async fn list_parts(&self, req: S3Request<ListPartsInput>) -> S3Result<S3Response<ListPartsOutput>> {
        self.fs.list_parts(req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.fs.abort_multipart_upload(req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        let (bucket, key) = (req.input.bucket.clone(), req.input.key.clone());
        let mut response = self.fs.complete_multipart_upload(req).await?;
        let mut output = match response.output.future.take() {
            Some(finished) => finished.await?,
            None => response.output,
        };
        // Same shape ("<32 hex>-<parts>"), but from a random value, not the parts' MD5s.
        let parts = match &output.e_tag {
            Some(ETag::Strong(e) | ETag::Weak(e)) => e.rsplit_once('-').map(|(_, n)| n.to_string()),
            None => None,
        }
        .unwrap_or_else(|| "1".into());
        let legacy = format!("{:x}-{parts}", Md5::digest(rand::random::<[u8; 16]>()));
        let file = self.internal_file(&bucket, &key);
        let mut info: serde_json::Map<String, serde_json::Value> = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        info.insert("e_tag".into(), serde_json::Value::String(legacy.clone()));
        let json = serde_json::to_vec(&info).map_err(|e| s3s::s3_error!(InternalError, "{e}"))?;
        std::fs::write(&file, json).map_err(|e| s3s::s3_error!(InternalError, "{e}"))?;
        output.e_tag = Some(ETag::Strong(legacy));
        response.output = output;
        Ok(response)
    }
}
