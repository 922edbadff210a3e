//! Share links and upload URLs, signed and recorded in the link register; listing and revoking
//! what was issued. Support staff do this from the window's Share and Upload URL dialogs and
//! Links view, and scripts from `cubby share`, `upload-url` and `links`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::links::{self, LinkFilter, LinkKind, LinkRecord, LinkState, NewLink, Register, Revoked};
use crate::session::{Host, Session};
use crate::share::{self, Disposition, ShareLink, UploadRequest, UploadUrl};
use crate::tenant::{CategoryChoice, ObjectKey, TenantId};
use crate::{Error, Result};

/// A share link as issued: the register's number for it and the link itself.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IssuedShare {
    pub id: u32,
    #[serde(flatten)]
    pub link: ShareLink,
}

/// An upload URL as issued: the register's number and the seed backend's response.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IssuedUpload {
    pub id: u32,
    pub response: UploadUrl,
}

pub struct ShareRequest {
    pub key: ObjectKey,
    /// None: the profile's default expiry.
    pub expires: Option<Duration>,
    pub disposition: Disposition,
    pub note: Option<String>,
}

pub struct UploadUrlRequest {
    pub tenant: TenantId,
    pub file_name: String,
    pub content_type: String,
    /// The seed's backend hands out `documents/` URLs; `Auto` routes by the file name.
    pub category: CategoryChoice,
    pub expires: Option<Duration>,
    /// Binds Content-Length into the signature when set.
    pub size: Option<u64>,
    pub note: Option<String>,
}

/// A note typed by a person: surrounding blanks dropped, an empty note is no note.
fn clean(note: Option<String>) -> Option<String> {
    note.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

fn expiry(session: &Session, expires: Option<Duration>) -> Result<Duration> {
    let expires = expires.unwrap_or(Duration::from_secs(u64::from(session.profile.signed_url_expiry)));
    crate::storage::check_expiry(expires)?;
    Ok(expires)
}

fn register_id(id: i64) -> Result<u32> {
    u32::try_from(id).map_err(|_| Error::Internal(format!("link #{id} is out of range")))
}

fn record(
    host: Host<'_>,
    session: &Session,
    kind: LinkKind,
    key: &ObjectKey,
    now: DateTime<Utc>,
    expires: Duration,
    note: Option<&str>,
) -> Result<u32> {
    let id = Register::open(host.dirs)?.record(&NewLink {
        kind,
        profile: &session.profile.name,
        key,
        created: now,
        expires: now + chrono::Duration::seconds(expires.as_secs() as i64),
        issued_by: &host.issuer(),
        note,
    })?;
    register_id(id)
}

/// A presigned GET for an object that exists, recorded in the register.
pub async fn share(
    host: Host<'_>,
    session: &Session,
    request: ShareRequest,
    now: DateTime<Utc>,
) -> Result<IssuedShare> {
    let expires = expiry(session, request.expires)?;
    let link = share::share(
        &session.bucket,
        &session.profile,
        &request.key,
        expires,
        &request.disposition,
        now,
    )
    .await?;
    let note = clean(request.note);
    let id = record(
        host,
        session,
        LinkKind::Share,
        &request.key,
        now,
        expires,
        note.as_deref(),
    )?;
    Ok(IssuedShare { id, link })
}

/// A presigned PUT in the seed's generate-url contract, recorded in the register.
pub async fn upload_url(
    host: Host<'_>,
    session: &Session,
    request: UploadUrlRequest,
    now: DateTime<Utc>,
) -> Result<IssuedUpload> {
    let expires = expiry(session, request.expires)?;
    let response = share::upload_url(
        &session.bucket.scoped_to(&request.tenant),
        &session.profile,
        &UploadRequest {
            tenant: &request.tenant,
            file_name: &request.file_name,
            content_type: &request.content_type,
            category: request.category,
            expires,
            size: request.size,
        },
        now,
    )
    .await?;
    let key = ObjectKey::parse(&response.object_key)?;
    let note = clean(request.note);
    let id = record(
        host,
        session,
        LinkKind::Upload,
        &key,
        now,
        expires,
        note.as_deref(),
    )?;
    Ok(IssuedUpload { id, response })
}

/// The links issued on `profile`, newest first.
pub fn list(
    host: Host<'_>,
    profile: &str,
    state: LinkState,
    tenant: Option<String>,
    now: DateTime<Utc>,
) -> Result<Vec<LinkRecord>> {
    Register::open(host.dirs)?.list(
        &LinkFilter {
            state,
            tenant: clean(tenant),
            profile: Some(profile.to_string()),
        },
        now,
    )
}

/// The record of link `id`, for a confirmation that names its object.
pub fn get(host: Host<'_>, id: i64, now: DateTime<Utc>) -> Result<LinkRecord> {
    Register::open(host.dirs)?.get(id, now)
}

/// Kills every link to the object of link `id` by moving the object to a new key.
pub async fn revoke(host: Host<'_>, session: &Session, id: i64, now: DateTime<Utc>) -> Result<Revoked> {
    let register = Register::open(host.dirs)?;
    links::revoke(&session.bucket, &register, &session.profile.name, id, now).await
}

/// The permanent public URLs of objects (`{public URL}/{key}`); they work only where the
/// bucket is served publicly (a custom domain or r2.dev).
pub fn public_urls(session: &Session, keys: &[ObjectKey]) -> Result<Vec<String>> {
    keys.iter()
        .map(|key| {
            share::public_url(&session.profile, key.as_str()).ok_or_else(|| {
                Error::invalid(format!(
                    "profile '{}' has no public URL: add the bucket's custom domain or r2.dev address to it",
                    session.profile.name
                ))
            })
        })
        .collect()
}
