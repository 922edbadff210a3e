//! The Sync view: watched folders of the active profile, their counts and problems, and the
//! engine's live per-file events. The engine (cubby-core's `Watcher`) runs inside the app on
//! its multi-thread runtime; `AppState::restart_sync` cancels and starts it again whenever the
//! folders or the active profile change.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cubby_core::actions::watch::{self, FolderSummary, NewFolder, SyncProblem};
use cubby_core::journal::{AfterUpload, Journal, TenantRule, WatchedFolder};
use cubby_core::resolve::Resolved;
use cubby_core::tenant::{CategoryChoice, TenantId};
use cubby_core::watcher::{EngineStatus, SyncEvent, SyncOptions, Watcher};
use cubby_core::{Bucket, Error, Result};
use tauri::ipc::Channel;
use tauri::{Manager, State};
use tokio_util::sync::CancellationToken;

use crate::commands::pickers;
use crate::error::IpcResult;
use crate::state::AppState;

type Observer = Arc<dyn Fn(&SyncEvent) + Send + Sync>;

/// The window channels subscribed to the engine's events, and the tray, which watches them too.
#[derive(Clone, Default)]
pub struct Listeners {
    channels: Arc<Mutex<Vec<Channel<SyncEvent>>>>,
    observer: Arc<Mutex<Option<Observer>>>,
}

impl Listeners {
    fn add(&self, channel: Channel<SyncEvent>) {
        self.lock().push(channel);
    }

    /// Called with every event before the windows get it (the tray's status line).
    pub fn observe(&self, observer: Observer) {
        *self.observer.lock().unwrap_or_else(|p| p.into_inner()) = Some(observer);
    }

    /// Sends to every listener, dropping those whose window went away.
    pub fn send(&self, update: SyncEvent) {
        let observer = self.observer.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(observer) = observer {
            observer(&update);
        }
        self.lock().retain(|channel| channel.send(update.clone()).is_ok());
    }

    /// The engine could not start or stopped with an error.
    pub fn engine_error(&self, error: &Error) {
        self.send(SyncEvent::Engine {
            status: EngineStatus::Stopped,
            message: Some(crate::error::describe(error)),
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Channel<SyncEvent>>> {
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
    let bucket = Bucket::connect(&resolved.profile, &resolved.credentials)?;
    let sink_listeners = listeners.clone();
    let sink = Arc::new(move |event: SyncEvent| sink_listeners.send(event));
    let watcher = Watcher::new(bucket, journal, SyncOptions::default(), sink);
    // On the app's multi-thread runtime, beside the window's own commands.
    tauri::async_runtime::spawn(async move {
        if let Err(e) = watcher.run(folders, cancel).await {
            tracing::warn!("sync engine stopped: {e}");
            listeners.engine_error(&e);
        }
    });
    Ok(())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Subscribes the window to the engine's events; the channel stays until the window goes.
#[tauri::command]
#[specta::specta]
pub async fn watch_events(state: State<'_, AppState>, on_event: Channel<SyncEvent>) -> IpcResult<()> {
    state.sync_listeners.add(on_event);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn watched_folders(state: State<'_, AppState>) -> IpcResult<Vec<FolderSummary>> {
    Ok(watch::summaries(&watch::journal(state.host(), None)?, now_ms())?)
}

/// Starts watching `path`: its files go to `tenant` (routed by `category`, "auto" by content),
/// or with no tenant, each first-level subfolder is a client's tenant; `after_upload` runs once
/// each is verified.
#[tauri::command]
#[specta::specta]
pub async fn add_watched_folder(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
    tenant: Option<String>,
    category: String,
    after_upload: AfterUpload,
) -> IpcResult<FolderSummary> {
    let tenant = match tenant {
        Some(tenant) => TenantRule::One(TenantId::parse(&tenant)?),
        None => TenantRule::PerSubfolder,
    };
    let category: CategoryChoice = category.parse()?;
    // A folder typed into the page rather than picked: the user confirms it natively. So does
    // deleting what was uploaded, since nothing in the page can be trusted to have asked.
    let grants = app.state::<crate::grants::Grants>();
    if !grants.is_granted(&path) {
        let message = match &tenant {
            TenantRule::One(tenant) => {
                format!("Cubby will upload every file that appears in {path} to the tenant {tenant}.")
            }
            TenantRule::PerSubfolder => format!(
                "Cubby will upload every file that appears in a subfolder of {path} to the tenant the subfolder is named after."
            ),
        };
        if !pickers::confirm(&app, "Watch this folder?", message, "Watch folder").await {
            return Err(Error::Cancelled.into());
        }
        grants.grant([PathBuf::from(&path)]);
    }
    if after_upload == AfterUpload::Delete {
        let message = format!(
            "Each file in {path} will be deleted from this computer once it is uploaded and verified."
        );
        if !pickers::confirm(&app, "Delete files after upload?", message, "Delete after upload").await {
            return Err(Error::Cancelled.into());
        }
    }
    if let TenantRule::One(tenant) = &tenant {
        pickers::confirm_tenant(&app, &state.session().await?.bucket, tenant).await?;
    }
    let folder = NewFolder {
        dir: grants.check(&path)?,
        tenant,
        category,
        after_upload,
        poll_secs: None,
        ignore: Vec::new(),
    };
    let added = state
        .change_folders(|journal| {
            let added = watch::add(journal, folder)?;
            watch::summary(journal, &added.path, now_ms())
        })
        .await?;
    Ok(added)
}

/// Stops watching `path`; nothing local or in the bucket is deleted.
#[tauri::command]
#[specta::specta]
pub async fn remove_watched_folder(state: State<'_, AppState>, path: String) -> IpcResult<()> {
    state
        .change_folders(|journal| watch::remove(journal, Path::new(&path)))
        .await?;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn pause_watched_folder(state: State<'_, AppState>, path: String, paused: bool) -> IpcResult<()> {
    state
        .change_folders(|journal| watch::set_paused(journal, Path::new(&path), paused))
        .await?;
    Ok(())
}

/// Files of `path` that failed or wait for a retry, with the reason.
#[tauri::command]
#[specta::specta]
pub async fn sync_problems(state: State<'_, AppState>, path: String) -> IpcResult<Vec<SyncProblem>> {
    let journal = watch::journal(state.host(), None)?;
    Ok(watch::problems(&journal, Path::new(&path), now_ms())?)
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
