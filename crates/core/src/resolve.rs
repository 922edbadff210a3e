//! Which profile a command runs against, and with which credentials.
//!
//! Order: an explicit `--profile NAME` (`env` and `sandbox` are special), then the configured
//! default, then `CLOUDFLARE_R2_*` variables in the process environment, then the sandbox.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::Missing;
use crate::keychain::CredentialStore;
use crate::profile::{normalize_public_url, Config, Origin, Profile, DEFAULT_EXPIRY_SECS};
use crate::secret::{Credentials, Secret};
use crate::tenant::escaped;
use crate::{sandbox, Dirs, Error, Result};

pub const ENV_PROFILE: &str = "env";

/// A snapshot of environment variables, passed in rather than read from the process, so tests
/// and hosts decide what Cubby sees. Its `Debug` lists names only: values may be secrets.
#[derive(Clone, Default)]
pub struct Env(BTreeMap<String, String>);

impl Env {
    pub fn from_process() -> Self {
        Env(std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Env(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// A variable's value; empty counts as unset, as in the seed's backend.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn has_r2_settings(&self) -> bool {
        self.0
            .keys()
            .any(|k| k.starts_with("CLOUDFLARE_R2_") && self.get(k).is_some())
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// A profile ready to connect: settings plus credentials.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub profile: Profile,
    pub credentials: Credentials,
}

/// Builds a profile from the seed's variables, naming every missing one at once.
pub fn profile_from_vars(name: &str, vars: &Env, origin: Origin) -> Result<(Profile, Credentials)> {
    let mut missing = Vec::new();
    let account_id = vars.get("CLOUDFLARE_R2_ACCOUNT_ID").map(str::to_string);
    let endpoint = vars.get("CLOUDFLARE_R2_ENDPOINT").map(str::to_string);
    if account_id.is_none() && endpoint.is_none() {
        missing.push(Missing {
            var: "CLOUDFLARE_R2_ACCOUNT_ID",
            what: "account",
        });
    }
    let key_id = vars.get("CLOUDFLARE_R2_ACCESS_KEY_ID");
    if key_id.is_none() {
        missing.push(Missing {
            var: "CLOUDFLARE_R2_ACCESS_KEY_ID",
            what: "access key",
        });
    }
    let secret = vars.get("CLOUDFLARE_R2_SECRET_ACCESS_KEY");
    if secret.is_none() {
        missing.push(Missing {
            var: "CLOUDFLARE_R2_SECRET_ACCESS_KEY",
            what: "secret",
        });
    }
    let bucket = vars.get("CLOUDFLARE_R2_BUCKET_NAME");
    if bucket.is_none() {
        missing.push(Missing {
            var: "CLOUDFLARE_R2_BUCKET_NAME",
            what: "bucket",
        });
    }
    if !missing.is_empty() {
        // Keep the seed's order: account, access key, secret, bucket read better as bucket first.
        missing.sort_by_key(|m| match m.what {
            "bucket" => 0,
            "account" => 1,
            "access key" => 2,
            _ => 3,
        });
        return Err(Error::NotConfigured { missing });
    }
    let signed_url_expiry = match vars.get("CLOUDFLARE_R2_SIGNED_URL_EXPIRY") {
        None => DEFAULT_EXPIRY_SECS,
        Some(text) => text.parse().map_err(|_| {
            Error::invalid(format!(
                "CLOUDFLARE_R2_SIGNED_URL_EXPIRY='{}' is not a number of seconds: use e.g. 3600",
                escaped(text)
            ))
        })?,
    };
    let direct_upload = match vars.get("CLOUDFLARE_R2_ENABLE_DIRECT_UPLOAD") {
        None => false,
        Some(text) => parse_bool(text).ok_or_else(|| {
            Error::invalid(format!(
                "CLOUDFLARE_R2_ENABLE_DIRECT_UPLOAD='{}' is not true or false",
                escaped(text)
            ))
        })?,
    };
    let allow_http = match vars.get("CUBBY_ALLOW_HTTP") {
        None => false,
        Some(text) => parse_bool(text).ok_or_else(|| {
            Error::invalid(format!(
                "CUBBY_ALLOW_HTTP='{}' is not true or false",
                escaped(text)
            ))
        })?,
    };
    let public_url = vars
        .get("CLOUDFLARE_R2_PUBLIC_URL")
        .map(normalize_public_url)
        .transpose()?;
    let profile = Profile {
        name: name.to_string(),
        account_id,
        jurisdiction: vars
            .get("CLOUDFLARE_R2_JURISDICTION")
            .map(str::parse)
            .transpose()?,
        endpoint,
        bucket: bucket.unwrap_or_default().to_string(),
        public_url,
        signed_url_expiry,
        direct_upload,
        allow_http,
        origin,
        // Read from variables each time: a deep check's findings have nowhere to stay.
        checked: None,
    };
    profile.validate()?;
    let credentials = Credentials::new(
        key_id.unwrap_or_default(),
        Secret::new(secret.unwrap_or_default()),
    );
    Ok((profile, credentials))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// The name of the profile a command should use, before anything is loaded.
pub fn active_name(config: &Config, explicit: Option<&str>, env: &Env) -> String {
    if let Some(name) = explicit {
        return name.to_string();
    }
    if let Some(name) = &config.default {
        return name.clone();
    }
    if env.has_r2_settings() {
        return ENV_PROFILE.to_string();
    }
    sandbox::PROFILE_NAME.to_string()
}

pub fn resolve(
    dirs: &Dirs,
    config: &Config,
    store: &dyn CredentialStore,
    explicit: Option<&str>,
    env: &Env,
) -> Result<Resolved> {
    let name = active_name(config, explicit, env);
    match name.as_str() {
        ENV_PROFILE => {
            let (profile, credentials) = profile_from_vars(ENV_PROFILE, env, Origin::Env)?;
            Ok(Resolved { profile, credentials })
        }
        sandbox::PROFILE_NAME => Ok(Resolved {
            profile: sandbox::profile(config, env),
            credentials: sandbox::credentials(dirs, store)?,
        }),
        _ => {
            let profile = config
                .profile(&name)
                .cloned()
                .ok_or_else(|| Error::ProfileNotFound(name.clone()))?;
            let credentials = store.get(&name)?.ok_or_else(|| Error::NotConfigured {
                missing: vec![
                    Missing {
                        var: "CLOUDFLARE_R2_ACCESS_KEY_ID",
                        what: "access key",
                    },
                    Missing {
                        var: "CLOUDFLARE_R2_SECRET_ACCESS_KEY",
                        what: "secret",
                    },
                ],
            })?;
            Ok(Resolved { profile, credentials })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryKeychain;

    fn seed_env() -> Env {
        Env::from_pairs([
            ("CLOUDFLARE_R2_ACCOUNT_ID", "0123456789abcdef0123456789abcdef"),
            ("CLOUDFLARE_R2_ACCESS_KEY_ID", "AKIDSEED"),
            ("CLOUDFLARE_R2_SECRET_ACCESS_KEY", "seed-secret"),
            ("CLOUDFLARE_R2_BUCKET_NAME", "oasys360-files"),
            ("CLOUDFLARE_R2_PUBLIC_URL", "https://files.example.com/"),
            ("CLOUDFLARE_R2_ENABLE_DIRECT_UPLOAD", "True"),
            ("CLOUDFLARE_R2_SIGNED_URL_EXPIRY", "3600"),
        ])
    }

    #[test]
    fn seed_variables_make_a_profile() {
        let (p, c) = profile_from_vars("prod", &seed_env(), Origin::Stored).unwrap();
        assert_eq!(p.bucket, "oasys360-files");
        assert_eq!(p.public_url.as_deref(), Some("https://files.example.com"));
        assert!(p.direct_upload);
        assert_eq!(c.access_key_id, "AKIDSEED");
        assert_eq!(c.secret.expose(), "seed-secret");
    }

    #[test]
    fn missing_settings_are_all_named() {
        let env = Env::from_pairs([
            ("CLOUDFLARE_R2_ACCOUNT_ID", "abc"),
            ("CLOUDFLARE_R2_ACCESS_KEY_ID", "k"),
        ]);
        let err = profile_from_vars("env", &env, Origin::Env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Cloudflare R2 not configured: missing CLOUDFLARE_R2_BUCKET_NAME (bucket), \
             CLOUDFLARE_R2_SECRET_ACCESS_KEY (secret)"
        );
    }

    #[test]
    fn env_debug_hides_values() {
        assert!(!format!("{:?}", seed_env()).contains("seed-secret"));
    }

    #[test]
    fn resolution_order() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path().join("c"), dir.path().join("d"));
        let store = MemoryKeychain::default();
        let mut config = Config::default();
        let empty = Env::default();
        assert_eq!(active_name(&config, None, &empty), "sandbox");
        assert_eq!(active_name(&config, None, &seed_env()), "env");
        config.default = Some("prod".into());
        assert_eq!(active_name(&config, None, &seed_env()), "prod");
        assert_eq!(active_name(&config, Some("env"), &empty), "env");

        let err = resolve(&dirs, &config, &store, None, &empty).unwrap_err();
        assert_eq!(err.code(), "profile_not_found");
        let resolved = resolve(&dirs, &config, &store, Some("env"), &seed_env()).unwrap();
        assert_eq!(resolved.profile.kind(), crate::ProfileKind::Env);
        let sandbox = resolve(&dirs, &config, &store, Some("sandbox"), &empty).unwrap();
        assert_eq!(sandbox.profile.bucket, crate::sandbox::BUCKET);
        let again = resolve(&dirs, &config, &store, Some("sandbox"), &empty).unwrap();
        assert_eq!(
            sandbox.credentials, again.credentials,
            "sandbox keys are generated once"
        );
    }
}
