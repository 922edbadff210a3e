//! cubby-core: every rule of Cubby's domain, for the desktop app and the `cubby` CLI alike.
//!
//! It owns connection profiles and where they live, the credentials in the OS keychain, the
//! S3/R2 client and its error vocabulary, and the connection test. It deliberately knows nothing
//! of Tauri, clap or any UI: hosts pass in directories, environment and credential stores, call
//! one function, and map the result (`Error::code` is the stable wire code).

pub mod actions;
pub mod bounded;
pub mod confine;
pub mod db;
pub mod demo;
pub mod detect;
pub mod dotenv;
pub mod error;
pub mod journal;
pub mod keychain;
pub mod keys;
pub mod links;
pub mod listing;
pub mod local_path;
pub mod migrate;
pub mod names;
pub mod objects;
pub mod opener;
pub mod paths;
pub mod probe;
pub mod profile;
pub mod profiles;
pub mod qr;
pub mod resolve;
pub mod sandbox;
pub mod secret;
pub mod seen;
pub mod selftest;
pub mod session;
pub mod share;
pub mod storage;
pub mod tenant;
pub mod transfer;
pub mod usage;
pub mod watcher;
pub mod wire;

pub use error::{Error, Hint, Result};
pub use keychain::{CredentialStore, MemoryKeychain, OsKeychain};
pub use paths::Dirs;
pub use profile::{Config, Jurisdiction, Profile, ProfileKind};
pub use resolve::{Env, Resolved};
pub use secret::{Credentials, Secret};
pub use session::{Host, Session};
pub use storage::Bucket;
pub use tenant::{Category, CategoryChoice, ObjectKey, Prefix, TenantId};

/// Sizes in base 1000, as file managers show them: "812 B", "1.2 MB".
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
