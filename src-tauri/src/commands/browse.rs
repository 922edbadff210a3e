//! The file browser: adapters over `cubby_core::actions::browse` (tenants, folders streamed
//! page by page, details), deletes and moves, the image preview and "open in the PDF viewer".

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cubby_core::actions::browse::{self, BrowseOptions, FolderPage, FolderTotals, ObjectDetails};
use cubby_core::actions::transfers::{self, MoveReport};
use cubby_core::listing::{self, Folder};
use cubby_core::objects::{self, DeleteReport};
use cubby_core::tenant::{ObjectKey, Prefix, TenantId};
use cubby_core::{keys, opener, Error};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

/// The tenants: the bucket's top-level folders, hidden ones excepted.
#[tauri::command]
#[specta::specta]
pub async fn list_tenants(state: State<'_, AppState>) -> IpcResult<Vec<TenantId>> {
    let session = state.session().await?;
    Ok(listing::tenants(&session.bucket).await?)
}

/// A tenant's folders: documents, images and uploads always, then any others.
#[tauri::command]
#[specta::specta]
pub async fn tenant_folders(state: State<'_, AppState>, tenant: String) -> IpcResult<Vec<Folder>> {
    let tenant = TenantId::parse(&tenant)?;
    let session = state.session().await?;
    Ok(listing::tenant_folders(&session.bucket, &tenant).await?)
}

/// Lists one folder level of `prefix` ("" is the bucket's root), sending each page to
/// `on_page` as it arrives.
#[tauri::command]
#[specta::specta]
pub async fn list_folder(
    state: State<'_, AppState>,
    prefix: String,
    on_page: Channel<FolderPage>,
) -> IpcResult<FolderTotals> {
    let prefix = Prefix::parse(&prefix)?;
    let session = state.session().await?;
    // What the folder holds goes into the search index as well (`find_files`).
    let index = cubby_core::seen::Recorder::start(
        &state.dirs,
        cubby_core::seen::bucket_id(&session.profile),
        prefix.as_folder().as_str(),
        false,
    )
    .ok();
    let options = BrowseOptions {
        first_page: Some(browse::FIRST_PAGE),
        ..BrowseOptions::default()
    };
    let totals = browse::browse_indexed(&session.bucket, &prefix, &options, index, |page| {
        // The window went away or moved on: stop listing rather than fill a channel nobody reads.
        on_page.send(page).map_err(|_| Error::Cancelled)
    })
    .await?;
    Ok(totals)
}

/// The object's details as the server reports them (HEAD): for Properties.
#[tauri::command]
#[specta::specta]
pub async fn stat(state: State<'_, AppState>, key: ObjectKey) -> IpcResult<ObjectDetails> {
    let session = state.session().await?;
    Ok(browse::details(&session.bucket, &key).await?)
}

/// Deletes the given objects; each one that could not be deleted is reported with its reason.
#[tauri::command]
#[specta::specta]
pub async fn delete_objects(state: State<'_, AppState>, keys: Vec<ObjectKey>) -> IpcResult<DeleteReport> {
    let session = state.session().await?;
    Ok(objects::delete_keys(&session.bucket, &keys).await?)
}

/// Renames an object within its folder (copy, verify, delete the original) and returns the new
/// key. Never replaces an existing object.
#[tauri::command]
#[specta::specta]
pub async fn rename_object(
    state: State<'_, AppState>,
    key: ObjectKey,
    new_name: String,
) -> IpcResult<ObjectKey> {
    let to = keys::renamed(&key, &new_name)?;
    let session = state.session().await?;
    objects::rename(&session.bucket, &key, &to, false).await?;
    Ok(to)
}

/// Moves objects into `folder`, keeping their names. Moving out of a tenant is refused unless
/// `cross_tenant` says the user confirmed it; the check happens before anything moves.
#[tauri::command]
#[specta::specta]
pub async fn move_objects(
    state: State<'_, AppState>,
    keys: Vec<ObjectKey>,
    folder: String,
    cross_tenant: bool,
) -> IpcResult<MoveReport> {
    let folder = Prefix::parse(&folder)?;
    let session = state.session().await?;
    Ok(transfers::move_into(&session.bucket, &keys, &folder, cross_tenant).await?)
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Preview {
    pub content_type: String,
    /// The image as a data URL, when it is small enough to show.
    pub data_url: Option<String>,
    #[specta(type = specta_typescript::Number)]
    pub size: u64,
}

/// The bytes of an image for the preview pane.
#[tauri::command]
#[specta::specta]
pub async fn preview_object(state: State<'_, AppState>, key: ObjectKey) -> IpcResult<Preview> {
    let session = state.session().await?;
    let preview = browse::preview(&session.bucket, &key).await?;
    Ok(Preview {
        data_url: preview
            .bytes
            .map(|bytes| format!("data:{};base64,{}", preview.content_type, BASE64.encode(&bytes))),
        content_type: preview.content_type,
        size: preview.size,
    })
}

/// Opens a verified copy of a PDF in the desktop's viewer (see `cubby_core::opener`); returns
/// the local path.
#[tauri::command]
#[specta::specta]
pub async fn open_object(state: State<'_, AppState>, key: ObjectKey) -> IpcResult<String> {
    let session = state.session().await?;
    let path = opener::open_pdf(&session.bucket, &key, &state.dirs).await?;
    Ok(path.display().to_string())
}
