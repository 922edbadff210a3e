//! Credentials as types that cannot leak by accident: `Secret` has a redacted `Debug`, no
//! `Display` and no `Serialize`; the only way to read it is the explicit `expose()`.

use std::fmt;

/// Keeps secrets out of crash dumps: a core file would hold every key in memory, readable by
/// whoever finds the file. Set once at start by each program; child processes inherit it.
pub fn forbid_core_dumps() {
    #[cfg(unix)]
    {
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads the struct we pass and changes only this process's limit.
        #[allow(unsafe_code)]
        let result = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
        if result != 0 {
            tracing::debug!(
                "core dumps could not be turned off: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Wiped from memory when dropped (every clone too), so a freed buffer never keeps the key for
/// whatever reads the heap next.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(zeroize::Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(zeroize::Zeroizing::new(value.into()))
    }

    /// A secret typed or pasted by the user, trimmed; the string it came in is wiped.
    pub fn take_trimmed(mut raw: String) -> Self {
        use zeroize::Zeroize;
        let secret = Secret::new(raw.trim());
        raw.zeroize();
        secret
    }

    /// The raw value, for the signer and the keychain only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// An access key pair. The access key ID is an identifier, not a secret, but it still only
/// ever appears abbreviated (`AKIA…`) in messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret: Secret,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, secret: Secret) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret,
        }
    }

    /// Keys as a person typed or pasted them: trimmed, and both required.
    pub fn entered(access_key_id: &str, secret: Secret) -> crate::Result<Self> {
        let id = access_key_id.trim();
        if id.is_empty() || secret.is_empty() {
            return Err(crate::Error::invalid(
                "enter both the access key ID and the secret access key",
            ));
        }
        Ok(Credentials::new(id, secret))
    }

    /// The first characters of the access key ID, enough to recognise it, e.g. `3f9a…`.
    pub fn short_key_id(&self) -> String {
        abbreviate(&self.access_key_id)
    }
}

pub(crate) fn abbreviate(id: &str) -> String {
    let head: String = id.chars().take(6).collect();
    if head.len() < id.len() {
        format!("{head}…")
    } else {
        head
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.short_key_id())
            .field("secret", &self.secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret() {
        let c = Credentials::new("AKIDEXAMPLE1234", Secret::new("sup3r-s3cret-value"));
        let shown = format!("{c:?} {:?} {:#?}", c.secret, c);
        assert!(!shown.contains("sup3r-s3cret-value"), "{shown}");
        assert!(!shown.contains("AKIDEXAMPLE1234"), "full key id leaked: {shown}");
        assert!(shown.contains("AKIDEX…"));
    }
}
