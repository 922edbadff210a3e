//! What the window's commands share: where things live, the keychain, and the sandbox server
//! while the app runs on it.

use std::sync::Arc;

use cubby_core::profile::Config;
use cubby_core::{keychain, sandbox, Dirs, Env, Error, OsKeychain, Result};
use tokio::sync::Mutex;

pub struct AppState {
    pub dirs: Dirs,
    pub env: Env,
    pub store: Arc<OsKeychain>,
    sandbox: Mutex<Option<cubby_sandbox::Sandbox>>,
}

impl AppState {
    pub fn from_process() -> Result<AppState> {
        let env = Env::from_process();
        Ok(AppState {
            dirs: Dirs::from_env(&env)?,
            store: Arc::new(OsKeychain::new(keychain::service_name(&env))),
            env,
            sandbox: Mutex::new(None),
        })
    }

    pub fn config(&self) -> Result<Config> {
        Config::load(&self.dirs)
    }

    /// Starts the sandbox unless it (or another Cubby's) already listens; it then runs until
    /// the app exits.
    pub async fn ensure_sandbox(&self) -> Result<()> {
        let mut running = self.sandbox.lock().await;
        if running.is_some() {
            return Ok(());
        }
        let config = self.config()?;
        let credentials = sandbox::credentials(&self.dirs, self.store.as_ref())?;
        let options = cubby_sandbox::Options {
            root: sandbox::root(&self.dirs),
            bucket: sandbox::BUCKET.to_string(),
            port: sandbox::port(&config, &self.env),
            access_key: credentials.access_key_id.clone(),
            secret_key: credentials.secret.expose().to_string(),
        };
        *running = cubby_sandbox::ensure_running(options)
            .await
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        Ok(())
    }
}
