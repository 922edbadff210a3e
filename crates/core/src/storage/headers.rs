//! Exactly which headers go out, per operation and per server dialect.
//!
//! Cubby checks integrity with Content-MD5 and ETags, never with the SDK's flexible checksums:
//! R2's S3 compatibility table marks `x-amz-sdk-checksum-algorithm` unsupported on
//! PutBucketCors, and aws-sdk-s3 adds a CRC32 (`x-amz-sdk-checksum-algorithm` plus
//! `x-amz-checksum-crc32`) to every operation whose model requires a checksum (DeleteObjects,
//! PutBucketCors) even with `RequestChecksumCalculation::WhenRequired`. `Md5NotChecksums`
//! replaces that with the Content-MD5 S3 has always accepted for them. It runs in
//! `modify_before_signing` at operation level (`customize().interceptor`), which is after the
//! SDK's own checksum step and before SigV4, so what is signed is what is sent.
//!
//! The conditional headers differ by dialect (`Dialect`): R2 documents `If-None-Match` for
//! PutObject only; for CopyObject it offers its own `cf-copy-destination-if-none-match`, and
//! for CompleteMultipartUpload nothing. `tests::wire` captures every request and pins all of
//! this, so an SDK upgrade that changes it fails CI.

use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use md5::{Digest, Md5};

use crate::profile::{Profile, ProfileKind};
use crate::selftest::{EndpointChecks, Verdict};

/// Which server's documented rules a store follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Cloudflare R2: its own copy guard, no guard on CompleteMultipartUpload.
    R2,
    /// Amazon S3 and S3-compatible servers (SeaweedFS, the sandbox).
    S3,
}

impl Dialect {
    /// R2 for an account profile, and for any endpoint on R2's S3 host (an env profile or an
    /// explicit endpoint that points there).
    pub fn of(profile: &Profile) -> Dialect {
        let r2_host = profile
            .endpoint_url()
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .is_some_and(|h| h == "r2.cloudflarestorage.com" || h.ends_with(".r2.cloudflarestorage.com"));
        if profile.kind() == ProfileKind::R2 || r2_host {
            Dialect::R2
        } else {
            Dialect::S3
        }
    }
}

/// How a copy refuses to replace an object that is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyGuard {
    /// S3's `If-None-Match: *`.
    IfNoneMatch,
    /// R2's `cf-copy-destination-if-none-match: *`.
    R2Header,
    /// No header: only the look Cubby takes just before.
    LookFirst,
}

/// The conditional headers a store sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guards {
    /// `If-None-Match: *` on PutObject.
    pub put: bool,
    /// `If-None-Match: *` on CompleteMultipartUpload (else a HEAD just before).
    pub complete: bool,
    pub copy: CopyGuard,
}

impl Guards {
    /// Every guard the dialect has: what a deep check sends to see what the server does.
    pub fn all(dialect: Dialect) -> Guards {
        Guards {
            put: true,
            complete: true,
            copy: match dialect {
                Dialect::R2 => CopyGuard::R2Header,
                Dialect::S3 => CopyGuard::IfNoneMatch,
            },
        }
    }

    /// What is sent by default: what the dialect documents (R2: no completion guard).
    pub fn of(dialect: Dialect) -> Guards {
        Guards {
            complete: dialect == Dialect::S3,
            ..Guards::all(dialect)
        }
    }

    /// Narrowed by what a deep check saw: a guard the server refused is never sent there
    /// again (it would fail every such request). One it ignored or honoured stays as it was:
    /// sending an undocumented header because it once worked could break the day it stops.
    pub fn learned(self, checks: Option<&EndpointChecks>) -> Guards {
        let Some(checks) = checks else {
            return self;
        };
        let refused = |v: Verdict| v == Verdict::Refused;
        Guards {
            put: self.put && !refused(checks.put_guard),
            complete: self.complete && !refused(checks.complete_guard),
            copy: if refused(checks.copy_guard) {
                CopyGuard::LookFirst
            } else {
                self.copy
            },
        }
    }
}

/// R2's guard for CopyObject: refuse if the destination exists.
pub const R2_COPY_IF_NONE_MATCH: &str = "cf-copy-destination-if-none-match";

fn is_flexible_checksum(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("x-amz-checksum-") || name == "x-amz-sdk-checksum-algorithm" || name == "x-amz-trailer"
}

/// Drops the SDK's flexible-checksum headers and sends the body's Content-MD5 instead.
#[derive(Debug)]
pub struct Md5NotChecksums;

impl Intercept for Md5NotChecksums {
    fn name(&self) -> &'static str {
        "Md5NotChecksums"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let flexible: Vec<String> = request
            .headers()
            .iter()
            .map(|(name, _)| name.to_string())
            .filter(|name| is_flexible_checksum(name))
            .collect();
        for name in flexible {
            request.headers_mut().remove(name);
        }
        if !request.headers().contains_key("content-md5") {
            // Only small in-memory bodies reach here (a delete list, CORS rules).
            let body = request
                .body()
                .bytes()
                .ok_or("a request that needs Content-MD5 has a streaming body")?;
            let md5 = BASE64.encode(Md5::digest(body));
            request.headers_mut().insert("content-md5", md5);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(account: Option<&str>, endpoint: Option<&str>) -> Profile {
        Profile {
            name: "p".into(),
            account_id: account.map(str::to_string),
            jurisdiction: None,
            endpoint: endpoint.map(str::to_string),
            bucket: "b".into(),
            public_url: None,
            signed_url_expiry: 3600,
            direct_upload: false,
            allow_http: false,
            origin: crate::profile::Origin::Stored,
            checked: None,
        }
    }

    #[test]
    fn a_refused_guard_is_dropped_and_nothing_undocumented_is_added() {
        let checks = |put, complete, copy| EndpointChecks {
            put_guard: put,
            complete_guard: complete,
            copy_guard: copy,
            checked_at: "2026-12-01T00:00:00Z".into(),
        };
        use Verdict::*;
        let r2 = Guards::of(Dialect::R2);
        assert_eq!(
            r2.learned(Some(&checks(Works, Works, Works))),
            r2,
            "R2's completion stays unguarded"
        );
        let s3 = Guards::of(Dialect::S3).learned(Some(&checks(Refused, Refused, Refused)));
        assert_eq!(
            s3,
            Guards {
                put: false,
                complete: false,
                copy: CopyGuard::LookFirst
            }
        );
        assert_eq!(
            Guards::of(Dialect::S3).learned(Some(&checks(Ignored, Ignored, Ignored))),
            Guards::of(Dialect::S3)
        );
    }

    #[test]
    fn r2_is_known_by_account_or_by_its_host() {
        let account = "0123456789abcdef0123456789abcdef";
        assert_eq!(Dialect::of(&profile(Some(account), None)), Dialect::R2);
        let eu = format!("https://{account}.eu.r2.cloudflarestorage.com");
        assert_eq!(Dialect::of(&profile(None, Some(&eu))), Dialect::R2);
        assert_eq!(
            Dialect::of(&profile(None, Some("http://127.0.0.1:8333"))),
            Dialect::S3
        );
        assert_eq!(
            Dialect::of(&profile(
                None,
                Some("https://r2.cloudflarestorage.com.evil.example")
            )),
            Dialect::S3
        );
    }

    #[test]
    fn only_flexible_checksum_headers_are_dropped() {
        for name in [
            "x-amz-checksum-crc32",
            "X-Amz-Checksum-Crc64nvme",
            "x-amz-sdk-checksum-algorithm",
            "x-amz-trailer",
        ] {
            assert!(is_flexible_checksum(name), "{name}");
        }
        for name in [
            "content-md5",
            "x-amz-content-sha256",
            "x-amz-date",
            "if-none-match",
        ] {
            assert!(!is_flexible_checksum(name), "{name}");
        }
    }
}
