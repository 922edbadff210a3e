//! The file browser: tenants and their folders in the sidebar, the folder listing in the table
//! (streamed page by page, so the first rows show at once), an object's details, and delete.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cubby_core::detect::detect_by_name;
use cubby_core::keys::{self, display_name};
use cubby_core::listing::{self, Listing};
use cubby_core::objects;
use cubby_core::storage::ObjectEntry;
use cubby_core::tenant::{Category, ObjectKey, Prefix, TenantId};
use cubby_core::transfer::{self, DownloadOptions, NoSink};
use cubby_core::Result;
use serde::Serialize;
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::error::IpcResult;
use crate::state::AppState;

/// A folder row: a tenant at the root, a category or any other prefix below it.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FolderEntry {
    pub name: String,
    /// Ends with "/".
    pub prefix: String,
    /// "documents", "images" or "uploads" for the seed's folders.
    pub category: Option<String>,
}

/// An object row, everything from the listing itself (nothing is HEADed).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FileEntry {
    pub key: String,
    /// The human name: the original file name for keys in Cubby's scheme.
    pub name: String,
    pub size: f64,
    /// RFC 3339, UTC.
    pub modified: Option<String>,
    /// Guessed from the name; the stored Content-Type is in `stat`.
    pub content_type: String,
}

/// One ListObjectsV2 page, as it arrives.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ListPage {
    pub folders: Vec<FolderEntry>,
    pub files: Vec<FileEntry>,
}

/// What the whole listing held, once the last page was sent.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct FolderTotals {
    pub folders: u32,
    pub files: u32,
    pub bytes: f64,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ObjectDetails {
    pub key: String,
    pub name: String,
    pub tenant: Option<String>,
    pub size: f64,
    pub etag: Option<String>,
    pub modified: Option<String>,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

/// One object a batch action could not act on, and why.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct KeyFailure {
    pub key: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DeleteOutcome {
    pub deleted: u32,
    pub failed: Vec<KeyFailure>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MoveOutcome {
    /// The new keys of the objects that moved.
    pub moved: Vec<String>,
    pub failed: Vec<KeyFailure>,
}

/// An image small enough to show in the window, as a `data:` URL: the bytes come through
/// Rust so the CSP never has to admit a storage origin.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Preview {
    pub content_type: String,
    /// None when the object is larger than the preview limit or not previewable.
    pub data_url: Option<String>,
    pub size: f64,
}

fn folder_of(prefix: String, category: Option<Category>) -> FolderEntry {
    let name = prefix
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    FolderEntry {
        name,
        prefix,
        category: category.map(|c| c.as_str().to_string()),
    }
}

fn file_of(entry: ObjectEntry) -> FileEntry {
    FileEntry {
        name: display_name(&entry.key).to_string(),
        content_type: detect_by_name(&entry.key).content_type.to_string(),
        size: entry.size as f64,
        modified: entry.last_modified.map(|t| t.to_rfc3339()),
        key: entry.key,
    }
}

/// The tenants: the bucket's top-level folders, hidden ones excepted.
#[tauri::command]
#[specta::specta]
pub async fn list_tenants(state: State<'_, AppState>) -> IpcResult<Vec<String>> {
    let session = state.session().await?;
    let tenants = listing::tenants(&session.bucket).await?;
    Ok(tenants.into_iter().map(|t| t.to_string()).collect())
}

/// A tenant's folders: documents, images and uploads always, then any others.
#[tauri::command]
#[specta::specta]
pub async fn tenant_folders(state: State<'_, AppState>, tenant: String) -> IpcResult<Vec<FolderEntry>> {
    let tenant = TenantId::parse(&tenant)?;
    let session = state.session().await?;
    let folders = listing::tenant_folders(&session.bucket, &tenant).await?;
    Ok(folders
        .into_iter()
        .map(|f| folder_of(f.prefix, f.category))
        .collect())
}

/// Lists one folder level of `prefix` ("" is the bucket's root), sending each page to
/// `on_page` as it arrives. A tenant's own folder always starts with its three categories.
#[tauri::command]
#[specta::specta]
pub async fn list_folder(
    state: State<'_, AppState>,
    prefix: String,
    on_page: Channel<ListPage>,
) -> IpcResult<FolderTotals> {
    let prefix = Prefix::parse(&prefix)?.as_folder();
    let session = state.session().await?;
    let mut totals = FolderTotals {
        folders: 0,
        files: 0,
        bytes: 0.0,
    };
    let mut seen: Vec<String> = Vec::new();
    if let Some(tenant) = prefix.tenant().filter(|t| prefix.as_str() == t.prefix()) {
        let first: Vec<FolderEntry> = Category::ALL
            .iter()
            .map(|c| folder_of(Prefix::of_category(&tenant, *c).to_string(), Some(*c)))
            .collect();
        seen.extend(first.iter().map(|f| f.prefix.clone()));
        totals.folders += first.len() as u32;
        send(
            &on_page,
            ListPage {
                folders: first,
                files: Vec::new(),
            },
        )?;
    }
    let mut listing = Listing::new(&session.bucket, &prefix, false);
    while let Some(page) = listing.next_page().await? {
        let folders: Vec<FolderEntry> = page
            .prefixes
            .into_iter()
            .filter(|p| !seen.contains(p))
            // At the root only tenants count: hidden folders such as ".cubby/" are Cubby's own.
            .filter(|p| !prefix.is_root() || TenantId::parse(p.trim_end_matches('/')).is_ok())
            .map(|p| {
                let category = prefix.tenant().and_then(|t| {
                    Category::ALL
                        .into_iter()
                        .find(|c| p == Prefix::of_category(&t, *c).as_str())
                });
                folder_of(p, category)
            })
            .collect();
        seen.extend(folders.iter().map(|f| f.prefix.clone()));
        let files: Vec<FileEntry> = page
            .objects
            .into_iter()
            // The folder's own marker object ("acme/documents/") is not a file in it.
            .filter(|o| o.key != prefix.as_str())
            .map(file_of)
            .collect();
        totals.folders += folders.len() as u32;
        totals.files += files.len() as u32;
        totals.bytes += files.iter().map(|f| f.size).sum::<f64>();
        send(&on_page, ListPage { folders, files })?;
    }
    Ok(totals)
}

fn send<T: tauri::ipc::IpcResponse>(channel: &Channel<T>, message: T) -> Result<()> {
    // The window went away or moved on; stop listing rather than fill a channel nobody reads.
    channel
        .send(message)
        .map_err(|e| cubby_core::Error::invalid(format!("the window stopped listening: {e}")))
}

/// The object's details as the server reports them (HEAD): for Properties.
#[tauri::command]
#[specta::specta]
pub async fn stat(state: State<'_, AppState>, key: String) -> IpcResult<ObjectDetails> {
    let key = ObjectKey::parse(&key)?;
    let session = state.session().await?;
    let info = session.bucket.head(key.as_str()).await?;
    Ok(ObjectDetails {
        name: display_name(&info.key).to_string(),
        tenant: key.tenant().map(|t| t.to_string()),
        size: info.size as f64,
        etag: info.etag,
        modified: info.last_modified.map(|t| t.to_rfc3339()),
        content_type: info.content_type,
        metadata: info.metadata,
        key: info.key,
    })
}

/// Deletes the given objects; each one that could not be deleted is reported with its reason.
#[tauri::command]
#[specta::specta]
pub async fn delete_objects(state: State<'_, AppState>, keys: Vec<String>) -> IpcResult<DeleteOutcome> {
    let keys: Vec<ObjectKey> = keys.iter().map(|k| ObjectKey::parse(k)).collect::<Result<_>>()?;
    let session = state.session().await?;
    let report = objects::delete_keys(&session.bucket, &keys).await?;
    Ok(DeleteOutcome {
        deleted: report.deleted as u32,
        failed: report
            .failed
            .into_iter()
            .map(|f| KeyFailure {
                key: f.key,
                reason: f.reason,
            })
            .collect(),
    })
}

/// Renames an object within its folder (copy, verify, delete the original) and returns the new
/// key. Never replaces an existing object.
#[tauri::command]
#[specta::specta]
pub async fn rename_object(state: State<'_, AppState>, key: String, new_name: String) -> IpcResult<String> {
    let from = ObjectKey::parse(&key)?;
    let to = keys::renamed(&from, &new_name)?;
    let session = state.session().await?;
    objects::rename(&session.bucket, &from, &to, false).await?;
    Ok(to.to_string())
}

/// Moves objects into `folder`, keeping their names. Moving out of a tenant is refused unless
/// `cross_tenant` says the user confirmed it; the check happens before anything moves.
#[tauri::command]
#[specta::specta]
pub async fn move_objects(
    state: State<'_, AppState>,
    keys: Vec<String>,
    folder: String,
    cross_tenant: bool,
) -> IpcResult<MoveOutcome> {
    let folder = Prefix::parse(&folder)?.as_folder();
    let mut plan = Vec::with_capacity(keys.len());
    for key in &keys {
        let from = ObjectKey::parse(key)?;
        let to = keys::moved_to(&from, &folder)?;
        objects::check_tenants(&from, &to, cross_tenant)?;
        plan.push((from, to));
    }
    let session = state.session().await?;
    let mut outcome = MoveOutcome {
        moved: Vec::new(),
        failed: Vec::new(),
    };
    for (from, to) in plan {
        match objects::rename(&session.bucket, &from, &to, false).await {
            Ok(()) => outcome.moved.push(to.to_string()),
            Err(e) => outcome.failed.push(KeyFailure {
                key: from.to_string(),
                reason: e.to_string(),
            }),
        }
    }
    Ok(outcome)
}

/// Largest object the window previews; bigger ones offer a download instead.
const PREVIEW_LIMIT: u64 = 20 * 1024 * 1024;

/// The bytes of an image for the preview pane.
#[tauri::command]
#[specta::specta]
pub async fn preview_object(state: State<'_, AppState>, key: String) -> IpcResult<Preview> {
    let key = ObjectKey::parse(&key)?;
    let session = state.session().await?;
    // The stored type can be anything a client sent; the name's type decides what is rendered.
    let content_type = detect_by_name(key.as_str()).content_type.to_string();
    // PDFs open in the desktop's viewer (`open_object`): WebKitGTK renders none inline.
    let previewable = content_type.starts_with("image/") && content_type != "image/svg+xml";
    // One GET of at most PREVIEW_LIMIT + 1 bytes gives the size and the bytes of one version
    // together: no HEAD first that another writer could outdate, and never an unbounded read.
    let (size, data_url) = if previewable {
        let fetched = match session
            .bucket
            .get_range(key.as_str(), 0, Some(PREVIEW_LIMIT), None)
            .await
        {
            Ok(fetched) => fetched,
            // An empty object has no byte 0 to range over (416): nothing to render anyway.
            Err(e) => match session.bucket.head(key.as_str()).await {
                Ok(info) if info.size == 0 => {
                    return Ok(Preview {
                        content_type,
                        data_url: None,
                        size: 0.0,
                    })
                }
                _ => return Err(e.into()),
            },
        };
        if fetched.total <= PREVIEW_LIMIT {
            let bytes = fetched.body.collect().await.map_err(|e| {
                cubby_core::Error::Unreachable(format!("preview of '{key}' was interrupted: {e}"))
            })?;
            let bytes = bytes.into_bytes();
            (
                fetched.total,
                Some(format!("data:{content_type};base64,{}", BASE64.encode(&bytes))),
            )
        } else {
            (fetched.total, None)
        }
    } else {
        (session.bucket.head(key.as_str()).await?.size, None)
    };
    Ok(Preview {
        content_type,
        data_url,
        size: size as f64,
    })
}

/// Copies the object (verified, like any download) into Cubby's own folder for opened files and
/// hands it to the desktop's default app for its type: how PDFs are previewed. Copies older than
/// a day are removed on the way. Returns the local path.
#[tauri::command]
#[specta::specta]
pub async fn open_object(state: State<'_, AppState>, key: String) -> IpcResult<String> {
    let key = ObjectKey::parse(&key)?;
    if !key.name().to_ascii_lowercase().ends_with(".pdf") {
        return Err(cubby_core::Error::invalid(
            "only PDFs open in another app; download the file to open it yourself",
        )
        .into());
    }
    let session = state.session().await?;
    let dir = state.dirs.data.join("opened");
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || forget_old_copies(&dir)
    });
    let strip = &key.as_str()[..key.as_str().len() - key.name().len()];
    let target = transfer::target_for(&dir, &key, strip)?;
    let options = DownloadOptions {
        overwrite: true,
        ..DownloadOptions::default()
    };
    let done = transfer::download(
        &session.bucket,
        &key,
        &target,
        &options,
        Arc::new(NoSink),
        &CancellationToken::new(),
    )
    .await?;
    open_with_default_app(&done.path)?;
    Ok(done.path.display().to_string())
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
        return Err(cubby_core::Error::invalid(
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
            cubby_core::Error::io(
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
