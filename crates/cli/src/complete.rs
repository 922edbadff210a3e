//! Shell completion that knows Cubby's names: `--profile` offers the profiles configured here,
//! `--tenant` the tenants in the active profile's bucket. The shell asks the `cubby` binary
//! itself at each Tab (clap_complete's dynamic completion), so new profiles and tenants appear
//! without regenerating the script.

use std::ffi::OsStr;
use std::time::Duration;

use clap_complete::engine::CompletionCandidate;
use cubby_core::profile::Config;
use cubby_core::{keychain, resolve, sandbox, Dirs, Env, Host, OsKeychain, Session};

fn matching(names: impl IntoIterator<Item = String>, current: &OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy();
    names
        .into_iter()
        .filter(|n| n.starts_with(typed.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

/// Stored profiles, then the built-in `sandbox` and `env`.
pub fn profiles(current: &OsStr) -> Vec<CompletionCandidate> {
    let env = Env::from_process();
    let stored = Dirs::from_env(&env)
        .and_then(|dirs| Config::load(&dirs))
        .map(|config| config.profiles.into_keys().collect::<Vec<_>>())
        .unwrap_or_default();
    let builtin = [
        sandbox::PROFILE_NAME.to_string(),
        resolve::ENV_PROFILE.to_string(),
    ];
    matching(stored.into_iter().chain(builtin), current)
}

/// The active profile's tenants, asked of the bucket; nothing if it does not answer within two
/// seconds (a Tab must never hang).
pub fn tenants(current: &OsStr) -> Vec<CompletionCandidate> {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return Vec::new();
    };
    let names = runtime.block_on(async {
        let env = Env::from_process();
        let dirs = Dirs::from_env(&env).ok()?;
        let store = OsKeychain::new(keychain::service_name(&env));
        let host = Host {
            dirs: &dirs,
            env: &env,
            store: &store,
        };
        let listing = async {
            let session = Session::open(host, None).await.ok()?;
            cubby_core::listing::tenants(&session.bucket).await.ok()
        };
        tokio::time::timeout(Duration::from_secs(2), listing)
            .await
            .ok()
            .flatten()
    });
    matching(
        names.unwrap_or_default().into_iter().map(|t| t.to_string()),
        current,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_that_start_as_typed_are_offered() {
        let names = || vec!["acme-corp".to_string(), "acme-ltd".into(), "globex".into()];
        let offered: Vec<String> = matching(names(), OsStr::new("acme"))
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect();
        assert_eq!(offered, ["acme-corp", "acme-ltd"]);
        assert_eq!(matching(names(), OsStr::new("")).len(), 3);
    }
}
