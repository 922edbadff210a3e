//! The Sync view: watched folders of the active profile, their counts and problems, and the
//! engine's live per-file events. The engine (cubby-core's `Watcher`) runs inside the app on its
//! own thread and tokio runtime; `AppState::restart_sync` cancels and starts it again whenever
//! the folders or the active profile change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cubby_core::journal::{AfterUpload, FileRow, FileState, Journal, WatchedFolder};
use cubby_core::resolve::Resolved;
use cubby_core::tenant::{CategoryChoice, TenantId};
use cubby_core::watcher::{FolderCondition, SyncEvent, SyncOptions, Watcher};
use cubby_core::{Bucket, Error, Result};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{Manager, State};
use tokio_util::sync::CancellationToken;

use crate::commands::pickers;
use crate::error::IpcResult;
use crate::state::AppState;

/// What the Sync view hears from the engine.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SyncUpdate {
    /// A file changed state.
    File {
        folder: String,
        path: String,
        state: FileState,
        key: Option<String>,
        message: Option<String>,
    },
    /// A folder's condition: "watching", "scanning" or "stopped". With an empty folder it is the
    /// whole engine's: "stopped" (with the reason), "paused" (from the tray) or "watching".
    Folder {
        folder: String,
        status: String,
        message: Option<String>,
    },
}

impl From<SyncEvent> for SyncUpdate {
    fn from(event: SyncEvent) -> Self {
        match event {
            SyncEvent::File {
                folder,
                path,
                state,
                key,
                message,
            } => SyncUpdate::File {
                folder,
                path,
                state,
                key,
                message,
            },
            SyncEvent::Folder {
                folder,
                status,
                message,
            } => SyncUpdate::Folder {
                folder,
                status: match status {
                    FolderCondition::Watching => "watching",
                    FolderCondition::Scanning => "scanning",
                    FolderCondition::Stopped => "stopped",
                }
                .into(),
                message,
            },
        }
    }
}

type Observer = Arc<dyn Fn(&SyncUpdate) + Send + Sync>;

/// The window channels subscribed to the engine's events, and the tray, which watches them too.
#[derive(Clone, Default)]
pub struct Listeners {
    channels: Arc<Mutex<Vec<Channel<SyncUpdate>>>>,
    observer: Arc<Mutex<Option<Observer>>>,
}

impl Listeners {
    fn add(&self, channel: Channel<SyncUpdate>) {
        self.lock().push(channel);
    }

    /// Called with every event before the windows get it (the tray's status line).
    pub fn observe(&self, observer: Observer) {
        *self.observer.lock().unwrap_or_else(|p| p.into_inner()) = Some(observer);
    }

    /// Sends to every listener, dropping those whose window went away.
    pub fn send(&self, update: SyncUpdate) {
        let observer = self.observer.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(observer) = observer {
            observer(&update);
        }
        self.lock().retain(|channel| channel.send(update.clone()).is_ok());
    }

    /// The whole engine's condition ("paused", "watching"), for the window and the tray.
    pub fn engine_status(&self, status: &str) {
        self.send(SyncUpdate::Folder {
            folder: String::new(),
            status: status.into(),
            message: None,
        });
    }

    /// The engine could not start or stopped with an error.
    pub fn folder_error(&self, message: &str) {
        self.send(SyncUpdate::Folder {
            folder: String::new(),
            status: "stopped".into(),
            message: Some(message.to_string()),
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Channel<SyncUpdate>>> {
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs the engine on its own thread (its notify handles are not `Send`) until `cancel`.
pub fn spawn_engine(
    resolved: Resolved,
    journal: Journal,
    folders: Vec<WatchedFolder>,
    listeners: Listeners,
    cancel: CancellationToken,
) -> Result<()> {
    std::thread::Builder::new()
        .name("cubby-sync".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(e) => {
                    listeners.folder_error(&format!("cannot start the sync engine: {e}"));
                    return;
                }
            };
            let sink_listeners = listeners.clone();
            let result = runtime.block_on(async move {
                let bucket = Bucket::connect(&resolved.profile, &resolved.credentials)?;
                let sink = Arc::new(move |event: SyncEvent| sink_listeners.send(event.into()));
                Watcher::new(bucket, journal, SyncOptions::default(), sink)
                    .run(folders, cancel)
                    .await
            });
            if let Err(e) = result {
                tracing::warn!("sync engine stopped: {e}");
                listeners.folder_error(&e.to_string());
            }
        })
        .map_err(|e| Error::io("cannot start the sync engine", e))?;
    Ok(())
}

/// One watched folder with its counts, for the sidebar and the Sync view's totals.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct WatchedFolderRow {
    pub path: String,
    /// The folder's own name ("Receipts").
    pub name: String,
    pub tenant: String,
    pub category: String,
    pub after_upload: AfterUpload,
    pub paused: bool,
    pub waiting: u32,
    pub queued: u32,
    pub uploading: u32,
    pub uploaded: u32,
    pub failed: u32,
}

/// A file that failed or waits for a retry, and why.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SyncProblem {
    pub path: String,
    pub state: FileState,
    pub attempts: u32,
    pub key: Option<String>,
    pub reason: Option<String>,
}

impl From<FileRow> for SyncProblem {
    fn from(row: FileRow) -> Self {
        SyncProblem {
            path: row.path,
            state: row.state,
            attempts: row.attempts,
            key: row.key,
            reason: row.last_error,
        }
    }
}

fn journal(state: &AppState) -> Result<Journal> {
    Journal::open(&state.dirs, &state.active_profile()?)
}

fn stable_before() -> i64 {
    chrono::Utc::now().timestamp_millis() - SyncOptions::default().stability.as_millis() as i64
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn row(journal: &Journal, folder: WatchedFolder) -> Result<WatchedFolderRow> {
    let status = journal.status(folder.id, stable_before())?;
    Ok(WatchedFolderRow {
        name: folder
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| folder.path.display().to_string()),
        path: folder.path.display().to_string(),
        tenant: folder.tenant.to_string(),
        category: folder.category.to_string(),
        after_upload: folder.after_upload,
        paused: folder.paused,
        waiting: count(status.waiting),
        queued: count(status.queued),
        uploading: count(status.uploading),
        uploaded: count(status.uploaded),
        failed: count(status.failed),
    })
}

fn watched(journal: &Journal, path: &Path) -> Result<WatchedFolder> {
    journal
        .folder(path)?
        .ok_or_else(|| Error::NotFound(format!("{} is not a watched folder", path.display())))
}

/// Subscribes the window to the engine's events; the channel stays until the window goes.
#[tauri::command]
#[specta::specta]
pub async fn watch_events(state: State<'_, AppState>, on_event: Channel<SyncUpdate>) -> IpcResult<()> {
    state.sync_listeners.add(on_event);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn watched_folders(state: State<'_, AppState>) -> IpcResult<Vec<WatchedFolderRow>> {
    let journal = journal(&state)?;
    let folders = journal.folders()?;
    Ok(folders
        .into_iter()
        .map(|f| row(&journal, f))
        .collect::<Result<Vec<_>>>()?)
}

/// Starts watching `path`: its files go to `tenant` (routed by `category`, "auto" by content),
/// and `after_upload` ("keep", "move" into Uploaded/, "delete") runs once each is verified.
#[tauri::command]
#[specta::specta]
pub async fn add_watched_folder(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
    tenant: String,
    category: String,
    after_upload: String,
) -> IpcResult<WatchedFolderRow> {
    let tenant = TenantId::parse(&tenant)?;
    let category: CategoryChoice = category.parse()?;
    let after: AfterUpload = after_upload.parse()?;
    // A folder typed into the page rather than picked: the user confirms it natively. So does
    // deleting what was uploaded, since nothing in the page can be trusted to have asked.
    let grants = app.state::<crate::grants::Grants>();
    if !grants.is_granted(&path) {
        let message = format!("Cubby will upload every file that appears in {path} to the tenant {tenant}.");
        if !pickers::confirm(&app, "Watch this folder?", message, "Watch folder").await {
            return Err(Error::Cancelled.into());
        }
        grants.grant([PathBuf::from(&path)]);
    }
    if after == AfterUpload::Delete {
        let message = format!(
            "Each file in {path} will be deleted from this computer once it is uploaded and verified."
        );
        if !pickers::confirm(&app, "Delete files after upload?", message, "Delete after upload").await {
            return Err(Error::Cancelled.into());
        }
    }
    let path = grants.check(&path)?.display().to_string();
    let dir = PathBuf::from(&path)
        .canonicalize()
        .map_err(|e| Error::io(format!("cannot use {path} as a watched folder"), e))?;
    if !dir.is_dir() {
        return Err(Error::invalid(format!("{} is not a folder", dir.display())).into());
    }
    let added = {
        let journal = journal(&state)?;
        let folder = journal.add_folder(&dir, &tenant, category, after, None, &[])?;
        row(&journal, folder)?
    };
    state.restart_sync().await;
    Ok(added)
}

/// Stops watching `path`; nothing local or in the bucket is deleted.
#[tauri::command]
#[specta::specta]
pub async fn remove_watched_folder(state: State<'_, AppState>, path: String) -> IpcResult<()> {
    {
        let journal = journal(&state)?;
        let folder = watched(&journal, Path::new(&path))?;
        journal.remove_folder(&folder.path)?;
    }
    state.restart_sync().await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn pause_watched_folder(state: State<'_, AppState>, path: String, paused: bool) -> IpcResult<()> {
    {
        let journal = journal(&state)?;
        let folder = watched(&journal, Path::new(&path))?;
        journal.set_paused(&folder.path, paused)?;
    }
    state.restart_sync().await;
    Ok(())
}

/// Files of `path` that failed or wait for a retry, with the reason.
#[tauri::command]
#[specta::specta]
pub async fn sync_problems(state: State<'_, AppState>, path: String) -> IpcResult<Vec<SyncProblem>> {
    let journal = journal(&state)?;
    let folder = watched(&journal, Path::new(&path))?;
    let status = journal.status(folder.id, stable_before())?;
    Ok(status.problems.into_iter().map(SyncProblem::from).collect())
}

/// Pauses or resumes all watched folders at once (the tray's Pause sync), without changing
/// each folder's own paused flag. In-flight uploads finish first.
#[tauri::command]
#[specta::specta]
pub async fn set_sync_paused(state: State<'_, AppState>, paused: bool) -> IpcResult<()> {
    state.set_sync_paused(paused).await;
    Ok(())
}

/// True while sync is paused for the whole app.
#[tauri::command]
#[specta::specta]
pub async fn sync_paused(state: State<'_, AppState>) -> IpcResult<bool> {
    Ok(state.sync_paused())
}
