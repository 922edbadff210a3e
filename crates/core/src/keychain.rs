//! Where credentials live: the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per profile under the service `cubby`.
//!
//! The store is a narrow trait so hosts and unit tests can choose; there is deliberately no
//! plaintext fallback: when the keychain is missing or locked the caller gets a clear error
//! that points at the environment-variable route.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::secret::{Credentials, Secret};
use crate::{Error, Result};

pub const DEFAULT_SERVICE: &str = "cubby";

pub trait CredentialStore: Send + Sync {
    fn get(&self, profile: &str) -> Result<Option<Credentials>>;
    fn set(&self, profile: &str, credentials: &Credentials) -> Result<()>;
    /// Removes the entry; removing one that does not exist is not an error.
    fn delete(&self, profile: &str) -> Result<()>;
}

/// The real OS keychain.
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// `service` namespaces entries; dev and test runs use their own (`CUBBY_KEYCHAIN_SERVICE`).
    pub fn new(service: impl Into<String>) -> Self {
        OsKeychain {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, profile: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, profile).map_err(|e| self.map_err(e))
    }

    fn map_err(&self, e: keyring::Error) -> Error {
        match e {
            keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
                // The underlying message names the D-Bus or platform failure; it never holds a secret.
                // Its advice (the env profile) is implied by the kind: see `Error::advice`.
                Error::KeychainUnavailable(format!(
                    "the OS keychain is not available ({e}): unlock or start it (on Linux: gnome-keyring \
                     or KWallet)"
                ))
            }
            other => Error::KeychainUnavailable(format!("the OS keychain refused the request: {other}")),
        }
    }
}

/// Both halves of the key pair travel as one small JSON document in the keychain entry.
fn encode(credentials: &Credentials) -> String {
    serde_json::json!({
        "access_key_id": credentials.access_key_id,
        "secret_access_key": credentials.secret.expose(),
    })
    .to_string()
}

fn decode(profile: &str, stored: &str) -> Result<Credentials> {
    let value: serde_json::Value = serde_json::from_str(stored).map_err(|_| corrupt(profile))?;
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
    match (field("access_key_id"), field("secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Credentials::new(id, Secret::new(secret))),
        _ => Err(corrupt(profile)),
    }
}

fn corrupt(profile: &str) -> Error {
    Error::KeychainUnavailable(format!(
        "the keychain entry for profile '{profile}' is not Cubby's: re-add the profile to store its keys again"
    ))
}

impl CredentialStore for OsKeychain {
    fn get(&self, profile: &str) -> Result<Option<Credentials>> {
        match self.entry(profile)?.get_password() {
            Ok(stored) => decode(profile, &stored).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.map_err(e)),
        }
    }

    fn set(&self, profile: &str, credentials: &Credentials) -> Result<()> {
        self.entry(profile)?
            .set_password(&encode(credentials))
            .map_err(|e| self.map_err(e))
    }

    fn delete(&self, profile: &str) -> Result<()> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.map_err(e)),
        }
    }
}

/// An in-memory store for unit tests. Never used as a fallback for the real keychain.
#[derive(Default)]
pub struct MemoryKeychain {
    entries: Mutex<HashMap<String, String>>,
}

impl CredentialStore for MemoryKeychain {
    fn get(&self, profile: &str) -> Result<Option<Credentials>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(profile).map(|s| decode(profile, s)).transpose()
    }

    fn set(&self, profile: &str, credentials: &Credentials) -> Result<()> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.insert(profile.to_string(), encode(credentials));
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<()> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(profile);
        Ok(())
    }
}

/// The keychain service for this run: `cubby`, or `CUBBY_KEYCHAIN_SERVICE` for dev and test
/// runs that must not touch the real entries.
pub fn service_name(env: &crate::Env) -> String {
    env.get("CUBBY_KEYCHAIN_SERVICE")
        .unwrap_or(DEFAULT_SERVICE)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_deletes() {
        let store = MemoryKeychain::default();
        let creds = Credentials::new("AKID", Secret::new("s3cr3t"));
        assert_eq!(store.get("p").unwrap(), None);
        store.set("p", &creds).unwrap();
        assert_eq!(store.get("p").unwrap(), Some(creds));
        store.delete("p").unwrap();
        store.delete("p").unwrap();
        assert_eq!(store.get("p").unwrap(), None);
    }

    #[test]
    fn foreign_entry_is_reported_without_echoing_it() {
        let err = decode("p", "hunter2").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        assert_eq!(err.code(), "keychain_unavailable");
    }
}
