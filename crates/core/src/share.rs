//! Share links (presigned GET) and direct-upload URLs (presigned PUT, the seed's generate-url
//! contract), with the honest fine print: presigned URLs work only on the R2 endpoint, not on a
//! custom domain, and cannot be revoked one by one.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::detect::detect_by_name;
use crate::error::Hint;
use crate::keys::scheme_key;
use crate::profile::{Profile, MAX_EXPIRY_SECS};
use crate::storage::{check_expiry, encode_key, Bucket};
use crate::tenant::{escaped, CategoryChoice, ObjectKey, TenantId};
use crate::{Error, Result};

pub const CUSTOM_DOMAIN_NOTE: &str =
    "Presigned links work only on the R2 endpoint, not on the custom domain; the public URL works only if the bucket is public there.";

/// Parses `90s`, `30m`, `1h`, `7d` or plain seconds, within R2's 1 s to 7 days.
pub fn parse_expiry(text: &str) -> Result<Duration> {
    let t = text.trim();
    let (number, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let bad = || {
        Error::invalid(format!(
            "expiry '{}' is not a duration: write e.g. 90s, 30m, 1h, 7d or a number of seconds",
            escaped(text)
        ))
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    // Only spaces may part number and unit ("5 m"): "5\nm" is two lines, not five minutes.
    let factor = match unit.trim_matches(' ').to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" => 1,
        "m" | "min" | "mins" => 60,
        "h" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return Err(bad()),
    };
    let secs = n.checked_mul(factor).ok_or_else(bad)?;
    let expires = Duration::from_secs(secs);
    check_expiry(expires).map_err(|_| {
        Error::invalid(format!(
            "expiry '{}' is outside R2's limits: links may last from 1 second to 7 days ({MAX_EXPIRY_SECS} s)",
            escaped(text)
        ))
    })?;
    Ok(expires)
}

/// How a browser should treat a shared file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// The server's default.
    Default,
    /// Save it, under this name.
    Attachment(String),
    /// Show it in the browser.
    Inline,
}

impl Disposition {
    /// The header value; `filename*` carries any Unicode name correctly (RFC 6266 / 8187), with
    /// an ASCII `filename` fallback for old clients.
    pub fn header(&self) -> Option<String> {
        match self {
            Disposition::Default => None,
            Disposition::Inline => Some("inline".to_string()),
            Disposition::Attachment(name) => {
                let fallback: String = name
                    .chars()
                    .map(|c| {
                        if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                Some(format!(
                    "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
                    rfc8187(name)
                ))
            }
        }
    }
}

fn rfc8187(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'!'
            | b'#'
            | b'$'
            | b'&'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `{public_url}/{percent-encoded key}` when the profile has a public URL.
pub fn public_url(profile: &Profile, key: &str) -> Option<String> {
    profile
        .public_url
        .as_ref()
        .map(|base| format!("{}/{}", base.trim_end_matches('/'), encode_key(key)))
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShareLink {
    pub url: String,
    pub key: String,
    pub expires_at: String,
    pub public_url: Option<String>,
    /// Set when a public URL is shown: the custom-domain fine print.
    pub note: Option<String>,
}

pub async fn share(
    bucket: &Bucket,
    profile: &Profile,
    key: &ObjectKey,
    expires: Duration,
    disposition: &Disposition,
    now: DateTime<Utc>,
) -> Result<ShareLink> {
    // Signing does not touch the network; check the object exists so a typo fails here, not
    // in the recipient's browser.
    bucket.head(key.as_str()).await?;
    let url = bucket
        .presign_get_at(
            key.as_str(),
            expires,
            SystemTime::from(now),
            disposition.header().as_deref(),
        )
        .await?;
    let public_url = public_url(profile, key.as_str());
    Ok(ShareLink {
        url,
        key: key.to_string(),
        expires_at: rfc3339(now, expires),
        note: public_url.as_ref().map(|_| CUSTOM_DOMAIN_NOTE.to_string()),
        public_url,
    })
}

fn rfc3339(now: DateTime<Utc>, expires: Duration) -> String {
    crate::wire::time(now + chrono::Duration::seconds(expires.as_secs() as i64))
}

/// The seed backend's generate-url response, field for field.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UploadUrl {
    pub success: bool,
    pub upload_url: String,
    pub method: &'static str,
    pub headers: UploadHeaders,
    pub object_key: String,
    pub expires_at: String,
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UploadHeaders {
    #[serde(rename = "Content-Type")]
    pub content_type: String,
}

/// Longest Content-Type a signed upload may require.
pub const MAX_CONTENT_TYPE_BYTES: usize = 255;

/// `type/subtype` made of RFC 7230 token characters, optional parameters allowed.
pub fn validate_content_type(content_type: &str) -> Result<String> {
    let ct = content_type.trim();
    // It is signed into the URL and sent back as a header by the uploader; real types are short
    // (RFC 6838 allows 127 characters each for type and subtype).
    if ct.len() > MAX_CONTENT_TYPE_BYTES {
        return Err(Error::invalid(format!(
            "content type '{}…' is {} bytes long: write it as type/subtype in at most {MAX_CONTENT_TYPE_BYTES} bytes, e.g. image/jpeg",
            ct.chars().take(40).collect::<String>().escape_default(),
            ct.len()
        )));
    }
    let essence = ct.split(';').next().unwrap_or("").trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    };
    match essence.split_once('/') {
        Some((t, s)) if token(t) && token(s) && !ct.chars().any(|c| c.is_control()) => Ok(ct.to_string()),
        _ => Err(Error::invalid(format!(
            "content type '{}' is not valid: write it as type/subtype, e.g. image/jpeg",
            escaped(content_type)
        ))),
    }
}

pub struct UploadRequest<'a> {
    pub tenant: &'a TenantId,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub category: CategoryChoice,
    pub expires: Duration,
    /// Binds Content-Length into the signature when set.
    pub size: Option<u64>,
}

pub async fn upload_url(
    bucket: &Bucket,
    profile: &Profile,
    request: &UploadRequest<'_>,
    now: DateTime<Utc>,
) -> Result<UploadUrl> {
    let content_type = validate_content_type(request.content_type)?;
    let category = request
        .category
        .resolve(detect_by_name(request.file_name).category);
    let key = scheme_key(request.tenant, category, now, request.file_name)?;
    let url = bucket
        .presign_put_at(
            key.as_str(),
            &content_type,
            request.size,
            request.expires,
            SystemTime::from(now),
        )
        .await?;
    Ok(UploadUrl {
        success: true,
        upload_url: url,
        method: "PUT",
        headers: UploadHeaders { content_type },
        public_url: public_url(profile, key.as_str()),
        object_key: key.to_string(),
        expires_at: rfc3339(now, request.expires),
    })
}

pub const CORS_RULE_ID: &str = "cubby-direct-uploads";

/// R2 caches a preflight answer for at most a day.
pub const MAX_CORS_AGE_SECS: i32 = 86_400;

/// One CORS rule of the bucket, as `cubby cors show` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct CorsRule {
    pub id: Option<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

/// The bucket's CORS rules.
pub async fn cors_rules(bucket: &Bucket) -> Result<Vec<CorsRule>> {
    Ok(bucket
        .cors_rules()
        .await?
        .into_iter()
        .map(|r| CorsRule {
            id: r.id().map(str::to_string),
            allowed_origins: r.allowed_origins().to_vec(),
            allowed_methods: r.allowed_methods().to_vec(),
            allowed_headers: r.allowed_headers().to_vec(),
            expose_headers: r.expose_headers().to_vec(),
            max_age_seconds: r.max_age_seconds(),
        })
        .collect())
}

/// Allows direct uploads from `origins`: Cubby's own rule is replaced, everyone else's kept.
pub async fn allow_uploads(bucket: &Bucket, origins: &[String], max_age_secs: i32) -> Result<()> {
    let rules = upload_cors_rules(origins, max_age_secs)?;
    let mut current = bucket.cors_rules().await?;
    current.retain(|r| r.id() != Some(CORS_RULE_ID));
    current.extend(rules);
    bucket.set_cors_rules(current).await
}

/// The CORS rule direct uploads from a web or mobile origin need: PUT, GET and HEAD, the
/// `Content-Type` header the signature binds, and `ETag` exposed so the client can confirm.
pub fn upload_cors_rules(origins: &[String], max_age_secs: i32) -> Result<Vec<aws_sdk_s3::types::CorsRule>> {
    if origins.is_empty() {
        return Err(
            Error::invalid("name at least one origin, e.g. https://app.example.com").hint(Hint::NameOrigin),
        );
    }
    if !(0..=MAX_CORS_AGE_SECS).contains(&max_age_secs) {
        return Err(Error::invalid(format!(
            "a preflight cache of {max_age_secs} s is outside R2's limit: use 0 to {MAX_CORS_AGE_SECS} seconds (one day)"
        )));
    }
    for origin in origins {
        let ok = origin == "*"
            || url::Url::parse(origin).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https") && u.path() == "/" && u.host().is_some()
            }) && !origin.ends_with('/');
        if !ok {
            return Err(Error::invalid(format!(
                "origin '{}' is not valid: write scheme and host only, e.g. https://app.example.com",
                escaped(origin)
            )));
        }
    }
    let rule = aws_sdk_s3::types::CorsRule::builder()
        .id(CORS_RULE_ID)
        .set_allowed_origins(Some(origins.to_vec()))
        .set_allowed_methods(Some(vec!["PUT".into(), "GET".into(), "HEAD".into()]))
        .allowed_headers("content-type")
        .expose_headers("ETag")
        .max_age_seconds(max_age_secs)
        .build()
        .map_err(|e| Error::invalid(format!("cannot build the CORS rule: {e}")))?;
    Ok(vec![rule])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_forms_and_limits() {
        assert_eq!(parse_expiry("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_expiry("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_expiry("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_expiry("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_expiry("3600").unwrap(), Duration::from_secs(3600));
        for bad in [
            "0",
            "8d",
            "604801",
            "1w",
            "-5",
            "",
            "1.5h",
            "99999999999999999999d",
        ] {
            let err = parse_expiry(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{bad}");
        }
        assert!(parse_expiry("8d").unwrap_err().to_string().contains("7 days"));
    }

    // Regression guard: the unit was trimmed of any whitespace, so "5\nm" meant five minutes.
    #[test]
    fn only_spaces_part_number_and_unit() {
        assert_eq!(parse_expiry("5 m").unwrap(), Duration::from_secs(300));
        assert!(parse_expiry("5\nm").is_err());
        assert!(parse_expiry("5\tm").is_err());
    }

    #[test]
    fn content_disposition_is_correct_for_unicode_names() {
        let d = Disposition::Attachment("Quittung März €.pdf".into());
        assert_eq!(
            d.header().unwrap(),
            "attachment; filename=\"Quittung M_rz _.pdf\"; filename*=UTF-8''Quittung%20M%C3%A4rz%20%E2%82%AC.pdf"
        );
        assert_eq!(Disposition::Inline.header().as_deref(), Some("inline"));
        assert_eq!(Disposition::Default.header(), None);
    }

    #[test]
    fn cors_origins_are_checked() {
        let rules = upload_cors_rules(&["https://app.example.com".into()], 3600).unwrap();
        assert_eq!(rules[0].allowed_methods(), ["PUT", "GET", "HEAD"]);
        assert_eq!(rules[0].expose_headers(), ["ETag"]);
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "ftp://x",
            "https://a.com/path",
        ] {
            assert!(upload_cors_rules(&[bad.into()], 60).is_err(), "{bad}");
        }
        assert!(upload_cors_rules(&[], 60).is_err());
    }

    #[test]
    fn content_types_must_be_type_slash_subtype() {
        assert!(validate_content_type("image/jpeg").is_ok());
        assert!(validate_content_type("text/plain; charset=utf-8").is_ok());
        for bad in [
            "jpeg",
            "image/",
            "/jpeg",
            "image/jp eg",
            "image/jpeg\r\nX-Evil: 1",
            "",
        ] {
            assert!(validate_content_type(bad).is_err(), "{bad:?}");
        }
    }

    // Regression guard: a content type of any length used to be signed into upload URLs; the
    // uploader would then have to send a header most servers refuse.
    #[test]
    fn overlong_content_types_are_refused() {
        let long = format!("application/{}", "x".repeat(300));
        let e = validate_content_type(&long).unwrap_err().to_string();
        assert!(
            e.contains("312 bytes long") && !e.contains(&"x".repeat(100)),
            "{e}"
        );
        let longest = format!("application/{}", "x".repeat(MAX_CONTENT_TYPE_BYTES - 12));
        assert!(validate_content_type(&longest).is_ok());
    }
}
