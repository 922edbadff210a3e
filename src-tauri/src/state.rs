//! What the window's commands share: where things live, the keychain, the sandbox server
//! while the app runs on it, the open bucket of the active profile, and the cancel handles of
//! running transfer batches.

use std::collections::HashMap;
use std::sync::Arc;

use cubby_core::profile::Config;
use cubby_core::watcher::{EngineStatus, SyncEvent};
use cubby_core::{
    keychain, resolve, sandbox, Dirs, Env, Error, Host, OsKeychain, ProfileKind, Result, Session,
};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// What the app was started with.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// `--open PREFIX`: the folder to show first.
    pub open: Option<String>,
    /// `CUBBY_STARTUP_REPORT`: where the window's startup timings go.
    pub startup_report: Option<std::path::PathBuf>,
}

impl Launch {
    fn from_process() -> Result<Launch> {
        let mut open = None;
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--open" => {
                    let prefix = args.next().ok_or_else(|| {
                        Error::invalid("--open needs a folder, e.g. --open acme/documents/")
                    })?;
                    open = Some(cubby_core::Prefix::parse(&prefix)?.as_folder().to_string());
                }
                // Launchers and toolkits add arguments of their own; they are not Cubby's.
                other => tracing::warn!("ignoring argument '{other}': the only option is --open PREFIX"),
            }
        }
        Ok(Launch {
            open,
            startup_report: std::env::var_os("CUBBY_STARTUP_REPORT").map(Into::into),
        })
    }
}

pub struct AppState {
    pub dirs: Dirs,
    pub launch: Launch,
    pub env: Env,
    pub store: Arc<OsKeychain>,
    sandbox: Mutex<Option<cubby_sandbox::Sandbox>>,
    /// Keyed by the active profile's name; `forget_session` drops it when profiles change.
    session: Mutex<Option<(String, Arc<Session>)>>,
    batches: std::sync::Mutex<HashMap<u32, CancellationToken>>,
    next_batch: std::sync::atomic::AtomicU32,
    /// The running watched-folder engine: cancelled and started again by `restart_sync`.
    sync_engine: tokio::sync::Mutex<Option<CancellationToken>>,
    /// Every window channel subscribed through `watch_events`; the engine's events go to each.
    pub sync_listeners: crate::commands::sync::Listeners,
    /// The tray's Pause sync: no engine runs while set. Not saved; a restart resumes.
    sync_paused: std::sync::atomic::AtomicBool,
    /// The migration running, if one is: `cancel_migration` stops it.
    pub migration: std::sync::Mutex<Option<CancellationToken>>,
}

impl AppState {
    pub fn from_process() -> Result<AppState> {
        let env = Env::from_process();
        Ok(AppState {
            launch: Launch::from_process()?,
            dirs: {
                let dirs = Dirs::from_env(&env)?;
                dirs.make_private()?;
                dirs
            },
            store: Arc::new(OsKeychain::new(keychain::service_name(&env))),
            env,
            sandbox: Mutex::new(None),
            session: Mutex::new(None),
            batches: std::sync::Mutex::new(HashMap::new()),
            next_batch: std::sync::atomic::AtomicU32::new(1),
            sync_engine: tokio::sync::Mutex::new(None),
            sync_listeners: Default::default(),
            sync_paused: Default::default(),
            migration: Default::default(),
        })
    }

    pub fn config(&self) -> Result<Config> {
        Config::load(&self.dirs)
    }

    /// What core actions need from the app: its folders, environment and keychain.
    pub fn host(&self) -> Host<'_> {
        Host {
            dirs: &self.dirs,
            env: &self.env,
            store: self.store.as_ref(),
        }
    }

    /// Starts the sandbox unless it (or another Cubby's) already listens; it then runs until
    /// the app exits.
    pub async fn ensure_sandbox(&self) -> Result<()> {
        let mut running = self.sandbox.lock().await;
        if running.is_none() {
            *running =
                sandbox::ensure(&self.dirs, self.store.as_ref(), &self.config()?, &self.env, None).await?;
        }
        Ok(())
    }

    /// The active profile's bucket: resolved like the CLI resolves it (default profile, else
    /// `env`, else the sandbox), with the sandbox started when that is what runs.
    pub async fn session(&self) -> Result<Arc<Session>> {
        let name = self.active_profile()?;
        let mut cached = self.session.lock().await;
        if let Some((cached_name, session)) = cached.as_ref() {
            if *cached_name == name {
                return Ok(session.clone());
            }
        }
        let mut session = Session::open(self.host(), None).await?;
        // The sandbox outlives this session: links made on it work until the app exits.
        if let Some(server) = session.take_sandbox() {
            *self.sandbox.lock().await = Some(server);
        }
        let session = Arc::new(session);
        *cached = Some((name, session.clone()));
        Ok(session)
    }

    /// Called whenever profiles are saved, switched or removed, so the next command reopens.
    pub async fn forget_session(&self) {
        *self.session.lock().await = None;
        self.restart_sync().await;
    }

    /// The active profile's name, as `session` resolves it.
    pub fn active_profile(&self) -> Result<String> {
        self.host().active_profile(None)
    }

    /// Stops the watched-folder engine (in-flight uploads finish first) and starts it again on
    /// the active profile's folders, if any are watched and not paused. Problems are reported
    /// to the window as folder events rather than returned.
    pub async fn restart_sync(&self) {
        let mut engine = self.sync_engine.lock().await;
        if let Some(token) = engine.take() {
            token.cancel();
        }
        if self.sync_paused() {
            self.sync_listeners.send(engine_event(EngineStatus::Paused));
            return;
        }
        match self.start_sync().await {
            Ok(token) => *engine = token,
            Err(e) => {
                tracing::warn!("watched folders not started: {e}");
                self.sync_listeners.engine_error(&e);
            }
        }
    }

    pub fn sync_paused(&self) -> bool {
        self.sync_paused.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn set_sync_paused(&self, paused: bool) {
        self.sync_paused
            .store(paused, std::sync::atomic::Ordering::Relaxed);
        self.restart_sync().await;
        if !paused {
            self.sync_listeners.send(engine_event(EngineStatus::Watching));
        }
    }

    async fn start_sync(&self) -> Result<Option<CancellationToken>> {
        let profile = self.active_profile()?;
        if !cubby_core::journal::Journal::path(&self.dirs, &profile).exists() {
            return Ok(None);
        }
        let journal = cubby_core::actions::watch::journal(self.host(), None)?;
        let folders: Vec<_> = journal.folders()?.into_iter().filter(|f| !f.paused).collect();
        if folders.is_empty() {
            return Ok(None);
        }
        let config = self.config()?;
        let resolved = resolve::resolve(&self.dirs, &config, self.store.as_ref(), None, &self.env)?;
        if resolved.profile.kind() == ProfileKind::Sandbox {
            self.ensure_sandbox().await?;
        }
        let token = CancellationToken::new();
        crate::commands::sync::spawn_engine(
            resolved,
            journal,
            folders,
            self.sync_listeners.clone(),
            token.clone(),
        )?;
        Ok(Some(token))
    }

    /// Runs `work` with the watched-folder journal of the active profile, then restarts the
    /// engine so it follows the change.
    pub async fn change_folders<T>(
        &self,
        work: impl FnOnce(&cubby_core::journal::Journal) -> Result<T>,
    ) -> Result<T> {
        let result = work(&cubby_core::actions::watch::journal(self.host(), None)?)?;
        self.restart_sync().await;
        Ok(result)
    }

    /// Registers a transfer batch; its token is cancelled by `cancel_batch` and dropped by
    /// `finish_batch`.
    pub fn start_batch(&self) -> (u32, CancellationToken) {
        let id = self.next_batch.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let token = CancellationToken::new();
        self.batches_lock().insert(id, token.clone());
        (id, token)
    }

    /// False when no such batch runs (it finished already, or never existed).
    pub fn cancel_batch(&self, id: u32) -> bool {
        match self.batches_lock().get(&id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    pub fn finish_batch(&self, id: u32) {
        self.batches_lock().remove(&id);
    }

    fn batches_lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, CancellationToken>> {
        self.batches.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The whole engine's state, for a pause or resume the person asked for (no reason to give).
fn engine_event(status: EngineStatus) -> SyncEvent {
    SyncEvent::Engine {
        status,
        message: None,
    }
}
