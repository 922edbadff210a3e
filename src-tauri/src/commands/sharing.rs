//! The Share and Upload URL dialogs and the Links view: presigned links handed to people and
//! to the mobile app, recorded in the link register like the CLI records them, and revoke.

use chrono::Utc;
use cubby_core::detect::detect_by_name;
use cubby_core::links::{self, LinkFilter, LinkKind, LinkRecord, LinkState, LinkStatus, NewLink, Register};
use cubby_core::share::{self, Disposition, UploadRequest};
use cubby_core::tenant::{CategoryChoice, ObjectKey, TenantId};
use cubby_core::{qr, resolve, Error, Result};
use serde::Serialize;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SharedLink {
    /// The register's number for this link.
    pub id: u32,
    pub url: String,
    pub key: String,
    pub expires_at: String,
    pub public_url: Option<String>,
    /// The custom-domain fine print, set when a public URL is shown.
    pub note: Option<String>,
    /// The URL as a QR code, an SVG document.
    pub qr_svg: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UploadUrlReply {
    pub id: u32,
    /// The seed backend's generate-url response, pretty-printed: what the mobile app expects.
    pub json: String,
    pub url: String,
    pub object_key: String,
    pub expires_at: String,
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LinkRow {
    pub id: u32,
    pub kind: LinkKind,
    pub tenant: Option<String>,
    pub key: String,
    pub created: String,
    pub expires: String,
    pub issued_by: String,
    pub note: Option<String>,
    pub state: LinkStatus,
    pub previous_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RevokeOutcome {
    pub old_key: String,
    pub new_key: String,
    /// How many registered links stopped working.
    pub links: u32,
}

fn issued_by(state: &AppState) -> String {
    state
        .env
        .get("USER")
        .or_else(|| state.env.get("USERNAME"))
        .unwrap_or("unknown")
        .to_string()
}

/// Seconds within R2's limits (1 s to 7 days); the core says so in words when not.
fn expiry(secs: u32) -> Result<std::time::Duration> {
    share::parse_expiry(&secs.to_string())
}

fn link_id(id: i64) -> Result<u32> {
    u32::try_from(id).map_err(|_| Error::invalid(format!("link #{id} is out of range")))
}

fn clean(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A presigned GET for one object, with an optional download name, recorded in the register.
#[tauri::command]
#[specta::specta]
pub async fn share_link(
    state: State<'_, AppState>,
    key: String,
    expires_secs: u32,
    download_name: Option<String>,
    note: Option<String>,
) -> IpcResult<SharedLink> {
    let key = ObjectKey::parse(&key)?;
    let expires = expiry(expires_secs)?;
    let disposition = match clean(download_name) {
        Some(name) => Disposition::Attachment(name),
        None => Disposition::Default,
    };
    let session = state.session().await?;
    let now = Utc::now();
    let link = share::share(
        &session.bucket,
        &session.profile,
        &key,
        expires,
        &disposition,
        now,
    )
    .await?;
    let note = clean(note);
    let id = Register::open(&state.dirs)?.record(&NewLink {
        kind: LinkKind::Share,
        profile: &session.profile.name,
        key: &key,
        created: now,
        expires: now + chrono::Duration::seconds(expires.as_secs() as i64),
        issued_by: &issued_by(&state),
        note: note.as_deref(),
    })?;
    Ok(SharedLink {
        id: link_id(id)?,
        qr_svg: qr::svg(&link.url)?,
        url: link.url,
        key: link.key,
        expires_at: link.expires_at,
        public_url: link.public_url,
        note: link.note,
    })
}

/// The content type Cubby would give a file of this name: the Upload URL dialog's default.
#[tauri::command]
#[specta::specta]
pub fn content_type_for(file_name: String) -> String {
    detect_by_name(&file_name).content_type.to_string()
}

/// A presigned PUT for the mobile direct-upload flow, answered in the seed's JSON contract.
#[tauri::command]
#[specta::specta]
pub async fn upload_url(
    state: State<'_, AppState>,
    tenant: String,
    file_name: String,
    content_type: String,
    category: String,
    expires_secs: u32,
    note: Option<String>,
) -> IpcResult<UploadUrlReply> {
    let tenant = TenantId::parse(&tenant)?;
    let category: CategoryChoice = category.parse()?;
    share::validate_content_type(&content_type)?;
    let expires = expiry(expires_secs)?;
    let session = state.session().await?;
    let now = Utc::now();
    let request = UploadRequest {
        tenant: &tenant,
        file_name: &file_name,
        content_type: &content_type,
        category,
        expires,
        size: None,
    };
    let response = share::upload_url(&session.bucket, &session.profile, &request, now).await?;
    let note = clean(note);
    let id = Register::open(&state.dirs)?.record(&NewLink {
        kind: LinkKind::Upload,
        profile: &session.profile.name,
        key: &ObjectKey::parse(&response.object_key)?,
        created: now,
        expires: now + chrono::Duration::seconds(expires.as_secs() as i64),
        issued_by: &issued_by(&state),
        note: note.as_deref(),
    })?;
    let json = serde_json::to_string_pretty(&response).map_err(|e| Error::invalid(e.to_string()))?;
    Ok(UploadUrlReply {
        id: link_id(id)?,
        json,
        url: response.upload_url,
        object_key: response.object_key,
        expires_at: response.expires_at,
        public_url: response.public_url,
    })
}

fn row_of(record: LinkRecord) -> LinkRow {
    LinkRow {
        id: u32::try_from(record.id).unwrap_or(u32::MAX),
        state: record.status(),
        kind: record.kind,
        tenant: record.tenant,
        key: record.key,
        created: record.created,
        expires: record.expires,
        issued_by: record.issued_by,
        note: record.note,
        previous_key: record.previous_key,
    }
}

/// The register's links for the active profile. `which` is "all", "active" or "expired".
#[tauri::command]
#[specta::specta]
pub async fn list_links(
    state: State<'_, AppState>,
    which: String,
    tenant: Option<String>,
) -> IpcResult<Vec<LinkRow>> {
    let link_state = match which.as_str() {
        "active" => LinkState::Active,
        "expired" => LinkState::Expired,
        "all" | "" => LinkState::All,
        other => {
            return Err(Error::invalid(format!(
                "unknown link state '{other}': use all, active or expired"
            ))
            .into())
        }
    };
    let config = state.config()?;
    let filter = LinkFilter {
        state: link_state,
        tenant: clean(tenant),
        profile: Some(resolve::active_name(&config, None, &state.env)),
    };
    let records = Register::open(&state.dirs)?.list(&filter, Utc::now())?;
    Ok(records.into_iter().map(row_of).collect())
}

/// Kills every link to the object of link `id` by moving the object to a new key.
#[tauri::command]
#[specta::specta]
pub async fn revoke_link(state: State<'_, AppState>, id: u32) -> IpcResult<RevokeOutcome> {
    let session = state.session().await?;
    let dirs = state.dirs.clone();
    // The register's SQLite connection is not Sync, so `links::revoke`'s future cannot move
    // between threads: it runs to completion on one blocking thread instead.
    let runtime = tokio::runtime::Handle::current();
    let revoked = tokio::task::spawn_blocking(move || {
        let register = Register::open(&dirs)?;
        runtime.block_on(links::revoke(
            &session.bucket,
            &register,
            &session.profile.name,
            i64::from(id),
            Utc::now(),
        ))
    })
    .await
    .map_err(|e| Error::invalid(format!("revoking stopped: {e}")))??;
    Ok(RevokeOutcome {
        old_key: revoked.old_key,
        new_key: revoked.new_key,
        links: revoked.links as u32,
    })
}

/// The permanent public URLs of objects (`{public URL}/{key}`), for "Copy public URL". They
/// work only where the bucket is served publicly (a custom domain or r2.dev).
#[tauri::command]
#[specta::specta]
pub async fn public_urls(state: State<'_, AppState>, keys: Vec<String>) -> IpcResult<Vec<String>> {
    let keys: Vec<ObjectKey> = keys.iter().map(|k| ObjectKey::parse(k)).collect::<Result<_>>()?;
    let session = state.session().await?;
    keys.iter()
        .map(|key| {
            share::public_url(&session.profile, key.as_str()).ok_or_else(|| {
                Error::invalid(format!(
                    "profile '{}' has no public URL: add the bucket's custom domain or r2.dev address to it",
                    session.profile.name
                ))
                .into()
            })
        })
        .collect()
}
