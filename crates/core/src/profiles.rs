//! Operations on the set of profiles, shared by the CLI and the desktop app: add, import from
//! a `.env` file, remove, choose the default, and list them for display.
//!
//! Order matters for "nothing leaked": the secret goes to the keychain first and only then does
//! the profile reach the TOML file, so a keychain failure never leaves a half-made profile.

use std::path::Path;

use serde::Serialize;

use crate::keychain::CredentialStore;
use crate::profile::{validate_name, Config, Origin, Profile, ProfileKind, RESERVED_NAMES};
use crate::resolve::{active_name, profile_from_vars, Env, ENV_PROFILE};
use crate::secret::Credentials;
use crate::{dotenv, sandbox, Dirs, Error, Result};

/// A profile as hosts show it: never a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileSummary {
    pub name: String,
    pub kind: ProfileKind,
    pub endpoint: String,
    pub bucket: String,
    pub public_url: Option<String>,
    pub is_default: bool,
}

impl ProfileSummary {
    pub fn of(profile: &Profile, is_default: bool) -> Self {
        ProfileSummary {
            name: profile.name.clone(),
            kind: profile.kind(),
            endpoint: profile
                .endpoint_url()
                .map(|u| u.as_str().trim_end_matches('/').to_string())
                .unwrap_or_default(),
            bucket: profile.bucket.clone(),
            public_url: profile.public_url.clone(),
            is_default,
        }
    }
}

/// Validates and stores a profile: credentials to the keychain, settings to the TOML file.
/// The first stored profile becomes the default; `make_default` forces it.
pub fn save(
    dirs: &Dirs,
    store: &dyn CredentialStore,
    profile: &Profile,
    credentials: &Credentials,
    make_default: bool,
) -> Result<Config> {
    if RESERVED_NAMES.contains(&profile.name.as_str()) {
        return Err(Error::invalid(format!(
            "'{}' is a built-in profile name: choose another name",
            profile.name
        )));
    }
    profile.validate()?;
    if credentials.access_key_id.trim().is_empty() || credentials.secret.is_empty() {
        return Err(Error::invalid(
            "both the access key ID and the secret access key are needed",
        ));
    }
    let mut config = Config::load(dirs)?;
    store.set(&profile.name, credentials)?;
    let mut stored = profile.clone();
    stored.origin = Origin::Stored;
    config.profiles.insert(profile.name.clone(), stored);
    if make_default || config.default.is_none() {
        config.default = Some(profile.name.clone());
    }
    config.save(dirs)?;
    Ok(config)
}

/// Reads the seed's variables from a `.env` file into a stored profile.
pub fn import_env(
    dirs: &Dirs,
    store: &dyn CredentialStore,
    path: &Path,
    name: &str,
    make_default: bool,
) -> Result<Profile> {
    validate_name(name)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    // Binary junk is the file's fault, not the machine's: a usage error that says so.
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::invalid(format!(
            "{} is not a text file (invalid UTF-8 at byte {}): give the path of a .env file saved as UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    let pairs = dotenv::parse(&text)?;
    let names: Vec<String> = pairs.keys().cloned().collect();
    let vars = Env::from_pairs(pairs);
    let (profile, credentials) =
        profile_from_vars(name, &vars, Origin::Stored).map_err(|e| misspelled(e, &names, path))?;
    save(dirs, store, &profile, &credentials, make_default)?;
    Ok(profile)
}

/// A missing setting whose name the file spells almost right (`CLOUDFLARE_R2_ACCES_KEY_ID`)
/// is a typo to point at, not a setting to ask for.
fn misspelled(e: Error, names: &[String], path: &Path) -> Error {
    let Error::NotConfigured { missing } = &e else {
        return e;
    };
    let typos: Vec<String> = missing
        .iter()
        .filter_map(|m| {
            names
                .iter()
                .find(|n| n.as_str() != m.var && crate::actions::tenants::edit_distance(n, m.var) <= 2)
                .map(|n| format!("{n} should be {}", m.var))
        })
        .collect();
    if typos.is_empty() {
        return e;
    }
    Error::invalid(format!("{}: {} in {}", e, typos.join(", "), path.display()))
}

/// Removes a stored profile and its keychain entry.
pub fn remove(dirs: &Dirs, store: &dyn CredentialStore, name: &str) -> Result<()> {
    let mut config = Config::load(dirs)?;
    if config.profiles.remove(name).is_none() {
        return Err(Error::ProfileNotFound(name.to_string()));
    }
    store.delete(name)?;
    if config.default.as_deref() == Some(name) {
        config.default = None;
    }
    config.save(dirs)
}

/// Makes `name` the default; `sandbox` and `env` are allowed too.
pub fn set_default(dirs: &Dirs, name: &str) -> Result<Config> {
    let mut config = Config::load(dirs)?;
    if !RESERVED_NAMES.contains(&name) && config.profile(name).is_none() {
        return Err(Error::ProfileNotFound(name.to_string()));
    }
    config.default = Some(name.to_string());
    config.save(dirs)?;
    Ok(config)
}

/// Every profile the user can pick: stored ones, the sandbox, and `env` when its variables are set.
pub fn summaries(config: &Config, env: &Env) -> Vec<ProfileSummary> {
    let active = active_name(config, None, env);
    let mut list: Vec<ProfileSummary> = config
        .profiles
        .values()
        .map(|p| ProfileSummary::of(p, p.name == active))
        .collect();
    if env.has_r2_settings() {
        if let Ok((p, _)) = profile_from_vars(ENV_PROFILE, env, Origin::Env) {
            list.push(ProfileSummary::of(&p, active == ENV_PROFILE));
        }
    }
    let sandbox = sandbox::profile(config, env);
    list.push(ProfileSummary::of(&sandbox, active == sandbox::PROFILE_NAME));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemoryKeychain, Secret};

    fn dirs(dir: &tempfile::TempDir) -> Dirs {
        Dirs::new(dir.path().join("config"), dir.path().join("data"))
    }

    #[test]
    fn a_misspelled_variable_is_pointed_at() {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join(".env");
        std::fs::write(
            &env_file,
            "CLOUDFLARE_R2_ACCOUNT_ID=0123456789abcdef0123456789abcdef\n\
             CLOUDFLARE_R2_ACCES_KEY_ID=AKID\n\
             CLOUDFLARE_R2_SECRET_ACCESS_KEY=s\n\
             CLOUDFLARE_R2_BUCKET_NAME=files\n",
        )
        .unwrap();
        let e = import_env(&dirs(&dir), &MemoryKeychain::default(), &env_file, "prod", false).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(
            e.to_string()
                .contains("CLOUDFLARE_R2_ACCES_KEY_ID should be CLOUDFLARE_R2_ACCESS_KEY_ID"),
            "{e}"
        );
    }

    #[test]
    fn import_puts_secret_in_keychain_and_not_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = dirs(&dir);
        let store = MemoryKeychain::default();
        let env_file = dir.path().join(".env");
        std::fs::write(
            &env_file,
            "CLOUDFLARE_R2_ACCOUNT_ID=0123456789abcdef0123456789abcdef\n\
             CLOUDFLARE_R2_ACCESS_KEY_ID=AKIDIMPORT\n\
             CLOUDFLARE_R2_SECRET_ACCESS_KEY=very-secret-value-42\n\
             CLOUDFLARE_R2_BUCKET_NAME=oasys360-files\n\
             CLOUDFLARE_R2_SIGNED_URL_EXPIRY=3600  # 1 hour\n",
        )
        .unwrap();
        let profile = import_env(&dirs, &store, &env_file, "prod", false).unwrap();
        assert_eq!(profile.bucket, "oasys360-files");
        let creds = store.get("prod").unwrap().unwrap();
        assert_eq!(creds.secret.expose(), "very-secret-value-42");
        let toml = std::fs::read_to_string(dirs.config_file()).unwrap();
        assert!(
            !toml.contains("very-secret-value-42") && !toml.contains("AKIDIMPORT"),
            "{toml}"
        );
        assert_eq!(
            Config::load(&dirs).unwrap().default.as_deref(),
            Some("prod"),
            "first profile is default"
        );
    }

    // Regression guard: a binary file given as the .env used to fail as an I/O error (exit 1)
    // with no hint; it is bad input, and the message says what to give instead.
    #[test]
    fn a_binary_env_file_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join("junk.env");
        std::fs::write(&env_file, b"CLOUDFLARE_R2_BUCKET_NAME=a\n\xff\xfe\x00junk").unwrap();
        let err = import_env(&dirs(&dir), &MemoryKeychain::default(), &env_file, "x", false).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains("invalid UTF-8 at byte 28"), "{err}");
    }

    #[test]
    fn reserved_names_cannot_be_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryKeychain::default();
        let mut p = sandbox::profile(&Config::default(), &Env::default());
        p.origin = Origin::Stored;
        let err = save(
            &dirs(&dir),
            &store,
            &p,
            &Credentials::new("a", Secret::new("b")),
            false,
        )
        .unwrap_err();
        assert!(err.to_string().contains("built-in"), "{err}");
    }

    #[test]
    fn remove_deletes_keychain_entry_and_default() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = dirs(&dir);
        let store = MemoryKeychain::default();
        let mut p = sandbox::profile(&Config::default(), &Env::default());
        p.name = "local".into();
        p.origin = Origin::Stored;
        save(&dirs, &store, &p, &Credentials::new("a", Secret::new("b")), true).unwrap();
        assert!(store.get("local").unwrap().is_some());
        remove(&dirs, &store, "local").unwrap();
        assert!(store.get("local").unwrap().is_none());
        let config = Config::load(&dirs).unwrap();
        assert!(config.default.is_none() && config.profiles.is_empty());
        assert_eq!(
            remove(&dirs, &store, "local").unwrap_err().code(),
            "profile_not_found"
        );
    }

    #[test]
    fn summaries_always_offer_the_sandbox() {
        let list = summaries(&Config::default(), &Env::default());
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].kind, ProfileKind::Sandbox);
        assert!(list[0].is_default);
    }
}
