//! Opening the active profile's bucket: where every action that touches storage starts, in the
//! window and the CLI alike. When the profile is the sandbox and nothing serves it yet, the
//! sandbox server is started and held by the session.

use crate::keychain::CredentialStore;
use crate::profile::Config;
use crate::{resolve, sandbox, Bucket, Dirs, Env, Profile, ProfileKind, Result};

/// What a host hands every action: where things live, the environment snapshot and the
/// credential store. Borrowed, so each host keeps its own ownership.
#[derive(Clone, Copy)]
pub struct Host<'a> {
    pub dirs: &'a Dirs,
    pub env: &'a Env,
    pub store: &'a dyn CredentialStore,
}

impl Host<'_> {
    pub fn config(&self) -> Result<Config> {
        Config::load(self.dirs)
    }

    /// The name of the profile `explicit` (or the default, `env`, the sandbox) resolves to.
    pub fn active_profile(&self, explicit: Option<&str>) -> Result<String> {
        Ok(resolve::active_name(&self.config()?, explicit, self.env))
    }

    /// Who issued a link, for the register: the operating system's user name.
    pub fn issuer(&self) -> String {
        self.env
            .get("USER")
            .or_else(|| self.env.get("USERNAME"))
            .unwrap_or("unknown")
            .to_string()
    }
}

/// An open bucket of one profile.
pub struct Session {
    pub profile: Profile,
    pub bucket: Bucket,
    /// The sandbox server this session started; it stops when the session is dropped.
    sandbox: Option<cubby_sandbox::Sandbox>,
}

impl Session {
    /// Resolves `explicit` (or the active profile) and connects to its bucket, starting the
    /// sandbox when that is what runs and nothing serves it yet.
    pub async fn open(host: Host<'_>, explicit: Option<&str>) -> Result<Session> {
        Self::open_with(host, explicit, Bucket::connect).await
    }

    /// The same, with a bucket that sends every guard its dialect has (`Bucket::connect_probing`):
    /// for the deep check.
    pub async fn open_probing(host: Host<'_>, explicit: Option<&str>) -> Result<Session> {
        Self::open_with(host, explicit, Bucket::connect_probing).await
    }

    async fn open_with(
        host: Host<'_>,
        explicit: Option<&str>,
        connect: fn(&crate::Profile, &crate::Credentials) -> Result<Bucket>,
    ) -> Result<Session> {
        let config = host.config()?;
        let resolved = resolve::resolve(host.dirs, &config, host.store, explicit, host.env)?;
        let sandbox = match resolved.profile.kind() {
            ProfileKind::Sandbox => sandbox::ensure(host.dirs, host.store, &config, host.env, None).await?,
            _ => None,
        };
        Ok(Session {
            bucket: connect(&resolved.profile, &resolved.credentials)?,
            profile: resolved.profile,
            sandbox,
        })
    }

    /// True when the sandbox serving this session stops with it: links made now die then.
    pub fn owns_sandbox(&self) -> bool {
        self.sandbox.is_some()
    }

    /// Hands the sandbox server to a host that keeps it running longer than this session
    /// (the window keeps it until the app exits).
    pub fn take_sandbox(&mut self) -> Option<cubby_sandbox::Sandbox> {
        self.sandbox.take()
    }
}
