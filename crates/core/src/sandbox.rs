//! The sandbox profile: what the embedded local S3 server is called, where it listens and which
//! keys it accepts, and starting it (the server itself is the `cubby-sandbox` crate).

use rand::distr::{Alphanumeric, SampleString};

use crate::keychain::CredentialStore;
use crate::paths::write_atomically;
use crate::profile::{Config, Origin, Profile, DEFAULT_EXPIRY_SECS};
use crate::resolve::Env;
use crate::secret::{Credentials, Secret};
use crate::{Dirs, Error, Result};

pub const PROFILE_NAME: &str = "sandbox";
pub const BUCKET: &str = "cubby-sandbox";
/// A fixed default so links made by one command keep working for the next; `CUBBY_SANDBOX_PORT`
/// or `sandbox_port` in the profiles file move it.
pub const DEFAULT_PORT: u16 = 39461;

pub fn port(config: &Config, env: &Env) -> u16 {
    env.get("CUBBY_SANDBOX_PORT")
        .and_then(|p| p.parse().ok())
        .or(config.sandbox_port)
        .unwrap_or(DEFAULT_PORT)
}

pub fn profile(config: &Config, env: &Env) -> Profile {
    Profile {
        name: PROFILE_NAME.to_string(),
        account_id: None,
        jurisdiction: None,
        endpoint: Some(format!("http://127.0.0.1:{}", port(config, env))),
        bucket: BUCKET.to_string(),
        public_url: None,
        signed_url_expiry: DEFAULT_EXPIRY_SECS,
        direct_upload: true,
        allow_http: false,
        origin: Origin::Sandbox,
        checked: None,
    }
}

/// Proves that the server already listening on the sandbox's port is Cubby's own sandbox, not a
/// program that took the port first (it would receive every upload and serve every download).
/// Only a server that knows the sandbox's secret can tell a correctly signed request from one
/// signed with a wrong secret: 8 of each, shuffled, so a stranger that answers all alike always
/// fails and one that guesses passes once in 12,870 (16 choose 8).
pub async fn verify_running(profile: &Profile, credentials: &Credentials) -> Result<()> {
    use rand::seq::SliceRandom;
    let mut rounds: Vec<bool> = [true, false].repeat(8);
    rounds.shuffle(&mut rand::rng());
    let own = crate::Bucket::connect(profile, credentials)?;
    let wrong = Credentials::new(
        credentials.access_key_id.clone(),
        Secret::new(Alphanumeric.sample_string(&mut rand::rng(), 40)),
    );
    let stranger = crate::Bucket::connect(profile, &wrong)?;
    let probe = format!(
        ".cubby/sandbox-check-{}",
        Alphanumeric.sample_string(&mut rand::rng(), 12)
    );
    for signed_right in rounds {
        let answer = if signed_right {
            own.get(&probe).await
        } else {
            stranger.get(&probe).await
        };
        let as_expected = match answer {
            Err(Error::Auth { .. }) => !signed_right,
            Ok(_) | Err(Error::NotFound(_)) => signed_right,
            Err(Error::Unreachable(message)) => return Err(Error::Unreachable(message)),
            Err(_) => false,
        };
        if !as_expected {
            let endpoint = profile.endpoint.as_deref().unwrap_or_default();
            return Err(Error::Config(format!(
                "{endpoint} is taken by a program that is not Cubby's sandbox (it does not know the \
                 sandbox's keys): stop it, or move the sandbox with CUBBY_SANDBOX_PORT"
            )));
        }
    }
    Ok(())
}

/// What the sandbox server needs: its folder, bucket, port (`port`, else the configured one)
/// and keys.
pub fn options(
    dirs: &Dirs,
    store: &dyn CredentialStore,
    config: &Config,
    env: &Env,
    port: Option<u16>,
) -> Result<cubby_sandbox::Options> {
    let credentials = credentials(dirs, store)?;
    Ok(cubby_sandbox::Options {
        root: root(dirs),
        bucket: BUCKET.to_string(),
        port: port.unwrap_or_else(|| self::port(config, env)),
        access_key: credentials.access_key_id.clone(),
        secret_key: credentials.secret.expose().to_string(),
        r2: None,
    })
}

/// Starts the sandbox on its port unless a server already listens there; that server is used
/// only once it proves to be a sandbox with our keys. `Some` is the server this call started:
/// it runs until dropped or stopped.
pub async fn ensure(
    dirs: &Dirs,
    store: &dyn CredentialStore,
    config: &Config,
    env: &Env,
    port: Option<u16>,
) -> Result<Option<cubby_sandbox::Sandbox>> {
    let options = options(dirs, store, config, env, port)?;
    let endpoint = format!("http://127.0.0.1:{}", options.port);
    let started = cubby_sandbox::ensure_running(options)
        .await
        .map_err(|e| Error::Unreachable(e.to_string()))?;
    if started.is_none() {
        let mut profile = profile(config, env);
        profile.endpoint = Some(endpoint);
        verify_running(&profile, &credentials(dirs, store)?).await?;
    }
    Ok(started)
}

/// Starts the sandbox in the foreground (`cubby sandbox`): unlike `ensure`, a taken port is an
/// error, since someone else's server would then answer.
pub async fn start(
    dirs: &Dirs,
    store: &dyn CredentialStore,
    config: &Config,
    env: &Env,
    port: Option<u16>,
    r2: Option<cubby_sandbox::R2Rules>,
) -> Result<cubby_sandbox::Sandbox> {
    let options = cubby_sandbox::Options {
        r2,
        ..options(dirs, store, config, env, port)?
    };
    cubby_sandbox::Sandbox::start(options).await.map_err(|e| match e {
        cubby_sandbox::Error::PortInUse(p) => Error::invalid(format!(
            "port {p} is already in use (is the sandbox already running?): choose another port"
        )),
        other => Error::Unreachable(other.to_string()),
    })
}

/// The folder the sandbox serves; buckets are its subfolders.
pub fn root(dirs: &Dirs) -> std::path::PathBuf {
    dirs.sandbox_dir().join("buckets")
}

/// The sandbox's keys, generated on first use and kept in the keychain, or, when no keychain
/// exists, in a 0600 file in the data dir. Only the sandbox may do that: its keys guard
/// nothing beyond this machine's loopback.
pub fn credentials(dirs: &Dirs, store: &dyn CredentialStore) -> Result<Credentials> {
    match store.get(PROFILE_NAME) {
        Ok(Some(credentials)) => return Ok(credentials),
        Ok(None) => {
            let fresh = generate();
            match store.set(PROFILE_NAME, &fresh) {
                Ok(()) => return Ok(fresh),
                Err(Error::KeychainUnavailable(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Err(Error::KeychainUnavailable(_)) => {}
        Err(e) => return Err(e),
    }
    from_file(dirs)
}

fn generate() -> Credentials {
    let mut rng = rand::rng();
    Credentials::new(
        format!("CUBBY{}", Alphanumeric.sample_string(&mut rng, 15).to_uppercase()),
        Secret::new(Alphanumeric.sample_string(&mut rng, 40)),
    )
}

fn from_file(dirs: &Dirs) -> Result<Credentials> {
    let path = dirs.sandbox_dir().join("credentials.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
                Error::Config(format!(
                    "{} is damaged: delete it and Cubby makes new sandbox keys",
                    path.display()
                ))
            })?;
            let field = |n: &str| value.get(n).and_then(|v| v.as_str()).map(str::to_string);
            match (field("access_key_id"), field("secret_access_key")) {
                (Some(id), Some(secret)) => Ok(Credentials::new(id, Secret::new(secret))),
                _ => Err(Error::Config(format!(
                    "{} is damaged: delete it and Cubby makes new sandbox keys",
                    path.display()
                ))),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let fresh = generate();
            let text = serde_json::json!({
                "access_key_id": fresh.access_key_id,
                "secret_access_key": fresh.secret.expose(),
            });
            write_atomically(&path, text.to_string().as_bytes(), true)?;
            Ok(fresh)
        }
        Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store that behaves like a machine without a Secret Service.
    struct NoKeychain;
    impl CredentialStore for NoKeychain {
        fn get(&self, _: &str) -> Result<Option<Credentials>> {
            Err(Error::KeychainUnavailable("none".into()))
        }
        fn set(&self, _: &str, _: &Credentials) -> Result<()> {
            Err(Error::KeychainUnavailable("none".into()))
        }
        fn delete(&self, _: &str) -> Result<()> {
            Err(Error::KeychainUnavailable("none".into()))
        }
    }

    #[test]
    fn without_keychain_sandbox_keys_go_to_a_private_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path().join("c"), dir.path().join("d"));
        let first = credentials(&dirs, &NoKeychain).unwrap();
        let second = credentials(&dirs, &NoKeychain).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dirs.sandbox_dir().join("credentials.json")).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn port_can_be_moved() {
        let mut config = Config::default();
        assert_eq!(port(&config, &Env::default()), DEFAULT_PORT);
        config.sandbox_port = Some(4000);
        assert_eq!(port(&config, &Env::default()), 4000);
        assert_eq!(
            port(&config, &Env::from_pairs([("CUBBY_SANDBOX_PORT", "4001")])),
            4001
        );
    }
}
