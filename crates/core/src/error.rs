//! Typed errors a caller can act on, each with a stable `code()` for the wire and the CLI.
//!
//! Messages are one line, say what is wrong and how to fix it, and never contain a secret:
//! the only credential that may appear is an abbreviated access key ID.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A setting a profile needs, named by its environment variable as the seed's guide does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing {
    pub var: &'static str,
    pub what: &'static str,
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.var, self.what)
    }
}

/// Why the server refused our credentials, in the terms a person can fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    UnknownAccessKey,
    WrongSecret,
    AccessDenied,
    ClockSkew,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Cloudflare R2 not configured: missing {}", join(.missing))]
    NotConfigured { missing: Vec<Missing> },

    #[error("{0}")]
    InvalidInput(String),

    #[error("no profile named '{0}': `cubby profile list` shows the profiles you have")]
    ProfileNotFound(String),

    #[error("{0}")]
    KeychainUnavailable(String),

    #[error("{message}")]
    Auth { kind: AuthFailure, message: String },

    /// An object, link or watched folder that is not there.
    #[error("{0}")]
    NotFound(String),

    /// The profile's bucket itself is missing: nothing under it can work until the profile is
    /// fixed, so callers stop rather than retry (the watcher does).
    #[error("{0}")]
    NoSuchBucket(String),

    #[error("{0}")]
    Unreachable(String),

    #[error("{0}")]
    Storage(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    Config(String),

    /// The destination exists and overwriting was not asked for.
    #[error("{0}")]
    AlreadyExists(String),

    /// What arrived is not what was sent: sizes or checksums disagree.
    #[error("{0}")]
    Integrity(String),

    #[error("cancelled")]
    Cancelled,

    /// A bug or a broken invariant inside Cubby, not something the user typed or the server
    /// said: a panicked task, a value that failed to serialize.
    #[error("internal error: {0}")]
    Internal(String),
}

fn join(missing: &[Missing]) -> String {
    missing
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    /// The stable code the UI and scripts match on; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotConfigured { .. } => "not_configured",
            Error::InvalidInput(_) => "invalid_input",
            Error::ProfileNotFound(_) => "profile_not_found",
            Error::KeychainUnavailable(_) => "keychain_unavailable",
            Error::Auth {
                kind: AuthFailure::UnknownAccessKey,
                ..
            } => "unknown_access_key",
            Error::Auth {
                kind: AuthFailure::WrongSecret,
                ..
            } => "wrong_secret",
            Error::Auth {
                kind: AuthFailure::AccessDenied,
                ..
            } => "access_denied",
            Error::Auth {
                kind: AuthFailure::ClockSkew,
                ..
            } => "clock_skew",
            Error::NotFound(_) => "not_found",
            Error::NoSuchBucket(_) => "no_such_bucket",
            Error::Unreachable(_) => "unreachable",
            Error::Storage(_) => "storage",
            Error::Io { .. } => "io",
            Error::Config(_) => "config",
            Error::AlreadyExists(_) => "already_exists",
            Error::Integrity(_) => "integrity",
            Error::Cancelled => "cancelled",
            Error::Internal(_) => "internal",
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The same error with `shown` in place of `used` in its message: for work done through a
    /// stand-in path (a file handle's `/proc/self/fd/N`) that people know by another name.
    pub fn with_path_named(self, used: &std::path::Path, shown: &std::path::Path) -> Self {
        let (used, shown) = (used.display().to_string(), shown.display().to_string());
        if used == shown {
            return self;
        }
        let fix = |text: String| text.replace(&used, &shown);
        match self {
            Error::InvalidInput(m) => Error::InvalidInput(fix(m)),
            Error::NotFound(m) => Error::NotFound(fix(m)),
            Error::NoSuchBucket(m) => Error::NoSuchBucket(fix(m)),
            Error::Unreachable(m) => Error::Unreachable(fix(m)),
            Error::Storage(m) => Error::Storage(fix(m)),
            Error::Config(m) => Error::Config(fix(m)),
            Error::AlreadyExists(m) => Error::AlreadyExists(fix(m)),
            Error::Integrity(m) => Error::Integrity(fix(m)),
            Error::Internal(m) => Error::Internal(fix(m)),
            Error::Io { context, source } => Error::Io {
                context: fix(context),
                source,
            },
            other => other,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidInput(message.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_configured_names_each_missing_item_like_the_seed() {
        let e = Error::NotConfigured {
            missing: vec![
                Missing {
                    var: "CLOUDFLARE_R2_BUCKET_NAME",
                    what: "bucket",
                },
                Missing {
                    var: "CLOUDFLARE_R2_SECRET_ACCESS_KEY",
                    what: "secret",
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "Cloudflare R2 not configured: missing CLOUDFLARE_R2_BUCKET_NAME (bucket), \
             CLOUDFLARE_R2_SECRET_ACCESS_KEY (secret)"
        );
        assert_eq!(e.code(), "not_configured");
    }
}
