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

    #[error("no profile named '{0}'")]
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

    /// The object is no longer the version a conditional request named (HTTP 412 on
    /// `If-Match`): it changed on the server meanwhile.
    #[error("{0}")]
    Changed(String),

    /// What arrived is not what was sent: sizes or checksums disagree.
    #[error("{0}")]
    Integrity(String),

    #[error("cancelled")]
    Cancelled,

    /// A bug or a broken invariant inside Cubby, not something the user typed or the server
    /// said: a panicked task, a value that failed to serialize.
    #[error("internal error: {0}")]
    Internal(String),

    /// An error with advice each host words its own way (the CLI names its flag, the window
    /// its button); the message itself stays host-neutral.
    #[error("{error}")]
    Hinted { error: Box<Error>, hint: Hint },
}

/// What the person can do about an error, for the host to say in its own terms.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Hint {
    /// Replacing the existing object is allowed when asked for.
    Overwrite,
    /// Crossing from one tenant to another is allowed when asked for.
    CrossTenant,
    /// The watched folder must be removed from the watch list first.
    UnwatchFirst,
    /// The watch list shows what is watched.
    ListWatched,
    /// The link register lists the links.
    ListLinks,
    /// The thing belongs to another profile, named here.
    UseProfile(String),
    /// Plain http:// needs the profile's explicit consent.
    AllowHttp,
    /// The profile needs an account ID or an endpoint.
    AccountOrEndpoint,
    /// An exact key names one file only.
    OneFileForKey,
    /// At least one allowed origin must be named.
    NameOrigin,
    /// Without a keychain, the `env` profile (CLOUDFLARE_R2_* variables) still works.
    UseEnvProfile,
    /// The list of profiles shows which exist.
    ListProfiles,
    /// The tenant has no files yet: starting it must be asked for.
    NewTenant,
    /// Another program holds the local file (Windows refuses to replace, move or delete it).
    CloseOtherProgram,
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
            Error::Changed(_) => "precondition_failed",
            Error::Internal(_) => "internal",
            Error::Hinted { error, .. } => error.code(),
        }
    }

    /// The same error carrying advice for the host to word.
    pub fn hint(self, hint: Hint) -> Self {
        Error::Hinted {
            error: Box::new(self.unhinted()),
            hint,
        }
    }

    /// The advice that goes with this error: attached, or implied by its kind.
    pub fn advice(&self) -> Option<Hint> {
        match self {
            Error::Hinted { hint, .. } => Some(hint.clone()),
            Error::ProfileNotFound(_) => Some(Hint::ListProfiles),
            Error::KeychainUnavailable(_) => Some(Hint::UseEnvProfile),
            Error::Io { source, .. } if crate::confine::in_use(source) => Some(Hint::CloseOtherProgram),
            _ => None,
        }
    }

    /// The error without its advice, to match on what went wrong.
    pub fn unhinted(self) -> Self {
        match self {
            Error::Hinted { error, .. } => error.unhinted(),
            other => other,
        }
    }

    /// The error as it is: advice set aside, for matching.
    pub fn kind(&self) -> &Error {
        match self {
            Error::Hinted { error, .. } => error.kind(),
            other => other,
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
        let (used_path, shown_path) = (used, shown);
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
            Error::Changed(m) => Error::Changed(fix(m)),
            Error::Internal(m) => Error::Internal(fix(m)),
            Error::Hinted { error, hint } => Error::Hinted {
                error: Box::new(error.with_path_named(used_path, shown_path)),
                hint,
            },
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
    fn advice_travels_beside_the_message_and_keeps_the_code() {
        let e = Error::AlreadyExists("'a' already exists".into()).hint(Hint::Overwrite);
        assert_eq!(e.to_string(), "'a' already exists");
        assert_eq!(e.code(), "already_exists");
        assert_eq!(e.advice(), Some(Hint::Overwrite));
        assert!(matches!(e.kind(), Error::AlreadyExists(_)));
        // Advice replaces advice rather than nesting.
        let e = e.hint(Hint::CrossTenant);
        assert_eq!(e.advice(), Some(Hint::CrossTenant));
        assert!(matches!(e.unhinted(), Error::AlreadyExists(_)));
    }

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
