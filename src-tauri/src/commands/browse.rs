//! The file browser: adapters over `cubby_core::actions::browse` (tenants, folders streamed
//! page by page, details), deletes and moves, the image preview and "open in the PDF viewer".

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cubby_core::actions::browse::{self, BrowseOptions, FolderPage, FolderTotals, ObjectDetails};
use cubby_core::actions::transfers::{self, MoveReport};
use cubby_core::listing::{self, Folder};
use cubby_core::objects::{self, DeleteReport};
use cubby_core::tenant::{ObjectKey, Prefix, TenantId};
use cubby_core::{keys, Error, Result};
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
    let totals = browse::browse(&session.bucket, &prefix, &BrowseOptions::default(), |page| {
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

/// Copies the object (verified, like any download) into Cubby's own folder for opened files and
/// hands it to the desktop's default app for its type: how PDFs are previewed. Copies older than
/// a day are removed on the way. Returns the local path.
#[tauri::command]
#[specta::specta]
pub async fn open_object(state: State<'_, AppState>, key: ObjectKey) -> IpcResult<String> {
    if !key.name().to_ascii_lowercase().ends_with(".pdf") {
        return Err(
            Error::invalid("only PDFs open in another app; download the file to open it yourself").into(),
        );
    }
    let session = state.session().await?;
    let dir = state.dirs.data.join("opened");
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || forget_old_copies(&dir)
    });
    let path = transfers::fetch_copy(&session.bucket, &key, &dir).await?;
    open_with_default_app(&path)?;
    Ok(path.display().to_string())
}

fn forget_old_copies(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Hands a verified PDF to the desktop's viewer: `xdg-open` (Linux), `open` (macOS) or
/// `explorer` (Windows; never `cmd /C start`, whose parser would run `r&calc&.pdf`). Only PDFs:
/// a downloaded `.desktop`, `.exe` or script must never be one click from running. The opener
/// gets a clean environment: under the env profile Cubby's own holds the R2 secret.
fn open_with_default_app(path: &std::path::Path) -> Result<()> {
    if !is_pdf(path) {
        return Err(Error::invalid(
            "only PDFs open in another app; download the file to open it yourself",
        ));
    }
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        std::process::Command::new("explorer")
    } else {
        std::process::Command::new("xdg-open")
    };
    command.env_clear().envs(std::env::vars_os().filter(|(name, _)| {
        name.to_str().is_some_and(|name| {
            OPENER_ENV.contains(&name)
                || name.starts_with("LC_")
                || (name.starts_with("XDG_") && !name.contains("SECRET"))
        })
    }));
    let mut child = command
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            Error::io(
                "no program to open files with (on Linux, install xdg-utils); download the file instead",
                e,
            )
        })?;
    // Reaped off the async workers; the opener itself returns at once.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// What a desktop opener needs to find the user's session and preferred viewer, and no more.
const OPENER_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "DESKTOP_SESSION",
    "BROWSER",
    "TMPDIR",
    // Windows: where the system and the user's profile are.
    "SystemRoot",
    "windir",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "TEMP",
    "TMP",
];

/// A `.pdf` name and `%PDF-` as the first bytes: both, so neither a renamed program nor a
/// misnamed file reaches the viewer.
fn is_pdf(path: &std::path::Path) -> bool {
    use std::io::Read;
    let named = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    let mut magic = [0u8; 5];
    named
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
        && &magic == b"%PDF-"
}
