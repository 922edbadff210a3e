//! The Connect screen and the profile switcher: test, save, import, choose, remove.

use cubby_core::actions::profiles::{self as profiles_action, ProfileSettings};
use cubby_core::probe::{probe, ConnectionReport, ProbeOptions};
use cubby_core::profile::{Jurisdiction, Profile, DEFAULT_EXPIRY_SECS};
use cubby_core::profiles::{self, ProfileSummary};
use cubby_core::selftest::DeepReport;
use cubby_core::{sandbox, Bucket, CredentialStore, Credentials, Error, ProfileKind, Secret};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::IpcResult;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct KeychainStatus {
    pub available: bool,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppStatus {
    pub version: String,
    pub profiles: Vec<ProfileSummary>,
    pub active: Option<ProfileSummary>,
    /// True until the user has connected somewhere or chosen the sandbox.
    pub first_run: bool,
    pub keychain: KeychainStatus,
    /// The folder to open first, from `cubby-desktop --open PREFIX`.
    pub open: Option<String>,
}

/// What the Connect form sends. The secret arrives once and goes to the keychain; no reply
/// ever carries it back.
#[derive(Clone, Deserialize, specta::Type)]
pub struct ConnectForm {
    pub name: String,
    pub account_id: Option<String>,
    pub jurisdiction: Option<String>,
    pub endpoint: Option<String>,
    pub bucket: String,
    pub public_url: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The user ticked "Allow plain HTTP" for an http:// endpoint on another machine.
    #[serde(default)]
    pub allow_http: bool,
}

impl ConnectForm {
    fn into_parts(self) -> cubby_core::Result<(Profile, Credentials)> {
        // First, so that no early return drops the secret's string without wiping it.
        let secret = Secret::take_trimmed(self.secret_access_key);
        let jurisdiction = self
            .jurisdiction
            .filter(|j| !j.trim().is_empty())
            .map(|j| j.trim().parse::<Jurisdiction>())
            .transpose()?;
        let profile = ProfileSettings {
            name: self.name,
            account_id: self.account_id,
            jurisdiction,
            endpoint: self.endpoint,
            bucket: self.bucket,
            public_url: self.public_url,
            expiry_secs: DEFAULT_EXPIRY_SECS,
            direct_upload: false,
            allow_http: self.allow_http,
        }
        .profile()?;
        Ok((profile, Credentials::entered(&self.access_key_id, secret)?))
    }
}

#[tauri::command]
#[specta::specta]
pub async fn app_status(state: State<'_, AppState>) -> IpcResult<AppStatus> {
    let config = state.config()?;
    let profiles = profiles::summaries(&config, &state.env);
    let active = profiles.iter().find(|p| p.is_default).cloned();
    // The keychain answers over D-Bus and may first have to start its daemon: off the async
    // workers, so listings asked for meanwhile are not held up.
    let store = state.store.clone();
    let probe = tokio::task::spawn_blocking(move || store.get("__cubby_probe__"))
        .await
        .map_err(|e| Error::invalid(format!("the keychain check stopped: {e}")))?;
    let keychain = match probe {
        Ok(_) => KeychainStatus {
            available: true,
            detail: None,
        },
        Err(e) => KeychainStatus {
            available: false,
            detail: Some(e.to_string()),
        },
    };
    if active.as_ref().is_some_and(|p| p.kind == ProfileKind::Sandbox) && state.dirs.config_file().exists() {
        state.ensure_sandbox().await?;
    }
    Ok(AppStatus {
        version: env!("CARGO_PKG_VERSION").to_string(),
        first_run: !state.dirs.config_file().exists(),
        profiles,
        active,
        keychain,
        open: state.launch.open.clone(),
    })
}

/// How fast the window became useful, measured by the window itself: the milliseconds since
/// the page started until it was interactive, and from asking for a folder to its first rows.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct StartupTimings {
    pub interactive_ms: f64,
    pub first_rows_ms: Option<f64>,
    pub rows: u32,
}

/// Written as one JSON line to the file named by `CUBBY_STARTUP_REPORT` (used by `make bench`);
/// without it, only logged at debug level.
#[tauri::command]
#[specta::specta]
pub async fn report_startup(state: State<'_, AppState>, timings: StartupTimings) -> IpcResult<()> {
    tracing::debug!(?timings, "startup");
    if let Some(path) = &state.launch.startup_report {
        use std::io::Write;
        let line = serde_json::to_string(&timings).map_err(|e| Error::invalid(e.to_string()))?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{line}"))
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn test_connection(form: ConnectForm) -> IpcResult<ConnectionReport> {
    let (profile, credentials) = form.into_parts()?;
    let bucket = Bucket::connect(&profile, &credentials)?;
    Ok(probe(&bucket, ProbeOptions { write: true }).await)
}

/// Tests the form's settings and stores the profile as the default when they work, or when
/// the person chose to save it anyway (`anyway`: a new R2 token can take a minute to work).
#[tauri::command]
#[specta::specta]
pub async fn connect(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    form: ConnectForm,
    anyway: bool,
) -> IpcResult<ConnectionReport> {
    let (profile, credentials) = form.into_parts()?;
    let bucket = Bucket::connect(&profile, &credentials)?;
    let report = probe(&bucket, ProbeOptions { write: true }).await;
    if report.ok || anyway {
        // The default connection is where uploads and every watched folder go: moving it to
        // another server is confirmed natively, where the page cannot answer for the user.
        if let Some(change) = profiles_action::default_change(&state.config()?, &profile) {
            let message = format!(
                "From now on Cubby and its watched folders will use {change}. Make this the default connection?"
            );
            if !crate::commands::pickers::confirm(&app, "Change the default connection?", message, "Use it")
                .await
            {
                return Err(Error::Cancelled.into());
            }
        }
        profiles::save(&state.dirs, state.store.as_ref(), &profile, &credentials, true)?;
        state.forget_session().await;
    }
    Ok(report)
}

#[tauri::command]
#[specta::specta]
pub async fn import_env(
    state: State<'_, AppState>,
    grants: State<'_, crate::grants::Grants>,
    path: String,
    name: Option<String>,
) -> IpcResult<ProfileSummary> {
    let name = name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "r2".to_string());
    let profile = profiles::import_env(
        &state.dirs,
        state.store.as_ref(),
        &grants.check(&path)?,
        &name,
        true,
    )?;
    state.forget_session().await;
    Ok(ProfileSummary::of(&profile, true))
}

#[tauri::command]
#[specta::specta]
pub async fn test_profile(state: State<'_, AppState>, name: String) -> IpcResult<ConnectionReport> {
    if name == sandbox::PROFILE_NAME {
        // Started for the app, so the test does not start and stop a server of its own.
        state.ensure_sandbox().await?;
    }
    Ok(profiles_action::test(state.host(), Some(&name), true).await?)
}

/// "Check everything": the deep check on a saved profile; what its endpoint honours is
/// remembered in the profile.
#[tauri::command]
#[specta::specta]
pub async fn check_profile(state: State<'_, AppState>, name: String) -> IpcResult<DeepReport> {
    if name == sandbox::PROFILE_NAME {
        state.ensure_sandbox().await?;
    }
    let report = profiles_action::deep_test(state.host(), Some(&name)).await?;
    // The session's bucket follows the guards just learned.
    state.forget_session().await;
    Ok(report)
}

#[tauri::command]
#[specta::specta]
pub async fn use_profile(state: State<'_, AppState>, name: String) -> IpcResult<ProfileSummary> {
    let config = profiles::set_default(&state.dirs, &name)?;
    state.forget_session().await;
    summary_of(&state, &config, &name).await
}

#[tauri::command]
#[specta::specta]
pub async fn use_sandbox(state: State<'_, AppState>, seed_demo: bool) -> IpcResult<ProfileSummary> {
    let config = profiles::set_default(&state.dirs, sandbox::PROFILE_NAME)?;
    state.forget_session().await;
    state.ensure_sandbox().await?;
    if seed_demo {
        profiles_action::seed_demo(state.host(), None).await?;
    }
    summary_of(&state, &config, sandbox::PROFILE_NAME).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_profile(state: State<'_, AppState>, name: String) -> IpcResult<()> {
    profiles::remove(&state.dirs, state.store.as_ref(), &name)?;
    state.forget_session().await;
    Ok(())
}

async fn summary_of(state: &AppState, config: &cubby_core::Config, name: &str) -> IpcResult<ProfileSummary> {
    let summary = profiles::summaries(config, &state.env)
        .into_iter()
        .find(|p| p.name == name);
    if summary.as_ref().is_some_and(|p| p.kind == ProfileKind::Sandbox) {
        state.ensure_sandbox().await?;
    }
    Ok(summary.ok_or_else(|| Error::ProfileNotFound(name.to_string()))?)
}
