//! The Share and Upload URL dialogs and the Links view: adapters over
//! `cubby_core::actions::links`, which signs, records and revokes exactly as the CLI does.

use std::time::Duration;

use chrono::Utc;
use cubby_core::actions::links::{self, IssuedShare, IssuedUpload, ShareRequest, UploadUrlRequest};
use cubby_core::detect::detect_by_name;
use cubby_core::links::{LinkRecord, LinkState, Revoked};
use cubby_core::qr;
use cubby_core::share::Disposition;
use cubby_core::tenant::{ObjectKey, TenantId};
use serde::Serialize;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SharedLink {
    #[serde(flatten)]
    pub issued: IssuedShare,
    /// The URL as a QR code, an SVG document.
    pub qr_svg: String,
}

/// How a browser treats a shared file: save it (under its own or another name) or show it.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum ShareAs {
    Download,
    DownloadAs(String),
    Inline,
}

/// A presigned GET for one object, recorded in the register.
#[tauri::command]
#[specta::specta]
pub async fn share_link(
    state: State<'_, AppState>,
    key: ObjectKey,
    expires_secs: u32,
    share_as: ShareAs,
    note: Option<String>,
) -> IpcResult<SharedLink> {
    let disposition = match share_as {
        ShareAs::DownloadAs(name) if !name.trim().is_empty() => {
            Disposition::Attachment(name.trim().to_string())
        }
        ShareAs::Inline => Disposition::Inline,
        _ => Disposition::Default,
    };
    let session = state.session().await?;
    let request = ShareRequest {
        key,
        expires: Some(Duration::from_secs(u64::from(expires_secs))),
        disposition,
        note,
    };
    let issued = links::share(state.host(), &session, request, Utc::now()).await?;
    Ok(SharedLink {
        qr_svg: qr::svg(&issued.link.url)?,
        issued,
    })
}

/// The content type Cubby would give a file of this name: the Upload URL dialog's default.
#[tauri::command]
#[specta::specta]
pub fn content_type_for(file_name: String) -> String {
    detect_by_name(&file_name).content_type.to_string()
}

/// What the Upload link dialog asks for.
#[derive(Debug, Clone, serde::Deserialize, specta::Type)]
pub struct UploadUrlForm {
    pub tenant: String,
    pub file_name: String,
    pub content_type: String,
    /// "auto" or a category.
    pub category: String,
    pub expires_secs: u32,
    pub note: Option<String>,
}

/// A presigned PUT for the mobile direct-upload flow, answered in the seed's JSON contract.
#[tauri::command]
#[specta::specta]
pub async fn upload_url(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    form: UploadUrlForm,
) -> IpcResult<IssuedUpload> {
    let session = state.session().await?;
    let tenant = TenantId::parse(&form.tenant)?;
    crate::commands::pickers::confirm_tenant(&app, &session.bucket, &tenant).await?;
    let request = UploadUrlRequest {
        tenant,
        file_name: form.file_name,
        content_type: form.content_type,
        category: form.category.parse()?,
        expires: Some(Duration::from_secs(u64::from(form.expires_secs))),
        size: None,
        note: form.note,
    };
    Ok(links::upload_url(state.host(), &session, request, Utc::now()).await?)
}

/// Which links the Links view shows.
#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum LinkView {
    All,
    Active,
    Expired,
}

/// The register's links for the active profile.
#[tauri::command]
#[specta::specta]
pub async fn list_links(
    state: State<'_, AppState>,
    which: LinkView,
    tenant: Option<String>,
) -> IpcResult<Vec<LinkRecord>> {
    let which = match which {
        LinkView::All => LinkState::All,
        LinkView::Active => LinkState::Active,
        LinkView::Expired => LinkState::Expired,
    };
    let profile = state.active_profile()?;
    Ok(links::list(state.host(), &profile, which, tenant, Utc::now())?)
}

/// Kills every link to the object of link `id` by moving the object to a new key.
#[tauri::command]
#[specta::specta]
pub async fn revoke_link(state: State<'_, AppState>, id: u32) -> IpcResult<Revoked> {
    let session = state.session().await?;
    Ok(links::revoke(state.host(), &session, i64::from(id), Utc::now()).await?)
}

/// The permanent public URLs of objects, for "Copy public URL".
#[tauri::command]
#[specta::specta]
pub async fn public_urls(state: State<'_, AppState>, keys: Vec<ObjectKey>) -> IpcResult<Vec<String>> {
    let session = state.session().await?;
    Ok(links::public_urls(&session, &keys)?)
}
