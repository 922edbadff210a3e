//! Connection profiles: what a profile is, how it is validated, and the TOML file that holds
//! them. Credentials are deliberately absent: they live in the OS keychain (see `keychain`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::Hint;
use crate::paths::{write_atomically, Dirs};
use crate::tenant::escaped;
use crate::{Error, Result};

/// The seed's default expiry for signed URLs.
pub const DEFAULT_EXPIRY_SECS: u32 = 3600;
/// R2 (and SigV4) refuse presigned URLs valid for more than seven days.
pub const MAX_EXPIRY_SECS: u32 = 7 * 24 * 3600;
/// Names with a meaning of their own: they can never be stored profiles.
pub const RESERVED_NAMES: [&str; 2] = ["env", "sandbox"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jurisdiction {
    Eu,
    Fedramp,
}

impl std::str::FromStr for Jurisdiction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "eu" => Ok(Jurisdiction::Eu),
            "fedramp" => Ok(Jurisdiction::Fedramp),
            other => Err(Error::invalid(format!(
                "unknown jurisdiction '{other}': use 'eu', 'fedramp', or leave it out"
            ))),
        }
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Jurisdiction::Eu => "eu",
            Jurisdiction::Fedramp => "fedramp",
        })
    }
}

/// What a profile points at, for display and for addressing style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// A Cloudflare account endpoint.
    R2,
    /// An explicit S3-compatible endpoint.
    S3,
    /// The embedded local sandbox.
    Sandbox,
    /// Read from `CLOUDFLARE_R2_*` variables of the process, never stored.
    Env,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(skip)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<Jurisdiction>,
    /// An explicit endpoint; when set it wins over the account endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(default = "default_expiry")]
    pub signed_url_expiry: u32,
    #[serde(default)]
    pub direct_upload: bool,
    /// Plain `http://` to a host other than this machine: object bytes, signed links and the
    /// ETags the integrity checks trust would cross the network unencrypted, so it needs this
    /// explicit choice. Loopback endpoints (the sandbox, a local test server) never do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_http: bool,
    /// Not stored: set by whoever builds the profile (`Env` and `Sandbox` are never stored).
    #[serde(skip, default = "stored_kind")]
    pub origin: Origin,
    /// What the last deep check (`profile test --deep`) found this endpoint honours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checked: Option<crate::selftest::EndpointChecks>,
}

fn default_expiry() -> u32 {
    DEFAULT_EXPIRY_SECS
}

/// Where a profile came from; decides its kind together with its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Stored,
    Env,
    Sandbox,
}

fn stored_kind() -> Origin {
    Origin::Stored
}

impl Profile {
    pub fn kind(&self) -> ProfileKind {
        match self.origin {
            Origin::Sandbox => ProfileKind::Sandbox,
            Origin::Env => ProfileKind::Env,
            Origin::Stored if self.endpoint.is_some() => ProfileKind::S3,
            Origin::Stored => ProfileKind::R2,
        }
    }

    /// The S3 endpoint: the explicit one, else `https://<account>[.<jurisdiction>].r2.cloudflarestorage.com`.
    pub fn endpoint_url(&self) -> Result<Url> {
        if let Some(endpoint) = &self.endpoint {
            let url = parse_endpoint(endpoint)?;
            if url.scheme() == "http" && !self.allow_http && !is_loopback(&url) {
                return Err(Error::invalid(format!(
                    "endpoint '{}' is plain HTTP: object bytes and signed links would travel \
                     unencrypted; use https://, or allow plain HTTP for this profile if the network \
                     is trusted",
                    shown_url(endpoint)
                ))
                .hint(Hint::AllowHttp));
            }
            return Ok(url);
        }
        let Some(account) = &self.account_id else {
            return Err(Error::invalid(format!(
                "profile '{}' has neither an account ID nor an endpoint",
                self.name
            ))
            .hint(Hint::AccountOrEndpoint));
        };
        let host = match self.jurisdiction {
            Some(j) => format!("{account}.{j}.r2.cloudflarestorage.com"),
            None => format!("{account}.r2.cloudflarestorage.com"),
        };
        Url::parse(&format!("https://{host}"))
            .map_err(|_| Error::invalid(format!("account ID '{account}' does not make a valid host name")))
    }

    /// Explicit endpoints are addressed path-style (`endpoint/bucket/key`): most S3-compatible
    /// servers have no wildcard DNS for virtual-hosted buckets.
    pub fn path_style(&self) -> bool {
        self.endpoint.is_some()
    }

    /// Checks every field; the error names the field and how to fix it.
    pub fn validate(&self) -> Result<()> {
        validate_name(&self.name)?;
        if let Some(account) = &self.account_id {
            validate_account_id(account)?;
        }
        if self.account_id.is_none() && self.endpoint.is_none() {
            return Err(
                Error::invalid("give either an R2 account ID or an S3 endpoint URL")
                    .hint(Hint::AccountOrEndpoint),
            );
        }
        self.endpoint_url()?;
        validate_bucket(&self.bucket)?;
        if self.bucket.contains('.')
            && crate::storage::headers::Dialect::of(self) == crate::storage::headers::Dialect::R2
        {
            return Err(Error::invalid(format!(
                "bucket name '{}' is not an R2 bucket name: R2 uses lowercase letters, digits and hyphens, no dots",
                escaped(&self.bucket)
            )));
        }
        if let Some(public) = &self.public_url {
            parse_http_url(public, "public URL")?;
        }
        if self.signed_url_expiry == 0 || self.signed_url_expiry > MAX_EXPIRY_SECS {
            return Err(Error::invalid(format!(
                "signed URL expiry {} s is outside R2's limits: use 1 to {MAX_EXPIRY_SECS} seconds (7 days)",
                self.signed_url_expiry
            )));
        }
        Ok(())
    }
}

pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(Error::invalid(format!(
            "profile name '{}' is not allowed: use 1-64 letters, digits, '-' or '_'",
            escaped(name)
        )));
    }
    Ok(())
}

/// Cloudflare account IDs are 32 hexadecimal characters.
pub fn validate_account_id(account: &str) -> Result<()> {
    let ok = account.len() == 32 && account.chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(Error::invalid(format!(
            "account ID '{}' is not valid: copy the 32-character ID from the R2 page of the Cloudflare dashboard",
            escaped(account)
        )));
    }
    Ok(())
}

/// S3 bucket naming rules (R2's are a subset): 3-63 of a-z, 0-9, '-', '.', starting and
/// ending with a letter or digit.
pub fn validate_bucket(bucket: &str) -> Result<()> {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && edge_ok(bucket.chars().next())
        && edge_ok(bucket.chars().last());
    if !ok {
        return Err(Error::invalid(format!(
            "bucket name '{}' is not valid: use 3-63 lowercase letters, digits and hyphens",
            escaped(bucket)
        )));
    }
    Ok(())
}

/// `text` as a URL message may quote it: escaped, and with anything before an '@' hidden, since
/// that is where a pasted password would sit.
fn shown_url(text: &str) -> String {
    match text.rsplit_once('@') {
        Some((_, host)) => format!("…@{}", escaped(host)),
        None => escaped(text),
    }
}

fn parse_http_url(text: &str, what: &str) -> Result<Url> {
    // The URL parser silently drops tabs and newlines inside a URL ("http://exa\nmple.com" reads
    // as example.com), so text pasted with a line break would connect somewhere it does not say.
    if let Some(c) = text.trim().chars().find(|c| c.is_control()) {
        return Err(Error::invalid(format!(
            "{what} '{}' contains the control character '{}': type the URL on one line",
            shown_url(text),
            c.escape_default()
        )));
    }
    let url = Url::parse(text.trim()).map_err(|e| {
        Error::invalid(format!(
            "{what} '{}' is not a URL ({e}): write it like https://host",
            shown_url(text)
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!(
            "{what} '{}' must start with http:// or https://",
            shown_url(text)
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(format!(
            "{what} must not contain a user name or password: remove the 'user:password@' part \
             (access keys are asked for separately and kept in the OS keychain)"
        )));
    }
    if url.port() == Some(0) {
        return Err(Error::invalid(format!(
            "{what} '{}' has port 0, which no server listens on: give the real port, or none for the default",
            shown_url(text)
        )));
    }
    Ok(url)
}

/// This machine: 127.0.0.0/8, ::1, `localhost` and `*.localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            let name = name.to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => false,
    }
}

fn parse_endpoint(text: &str) -> Result<Url> {
    let url = parse_http_url(text, "endpoint")?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::invalid(format!(
            "endpoint '{}' must be just scheme, host and port (no path): e.g. https://s3.example.com:9000",
            shown_url(text)
        )));
    }
    Ok(url)
}

/// Normalises a public URL: no trailing slash, so `{public_url}/{key}` is always right.
/// What to know about a public URL that works but serves customers badly: r2.dev addresses
/// are rate-limited and meant for development (Cloudflare's public-buckets page).
pub fn public_url_note(url: &str) -> Option<&'static str> {
    let host = Url::parse(url).ok()?.host_str()?.to_ascii_lowercase();
    host.ends_with(".r2.dev").then_some(
        "r2.dev addresses are rate-limited and meant for testing: connect a custom domain to the bucket for links customers use",
    )
}

pub fn normalize_public_url(text: &str) -> Result<String> {
    parse_http_url(text, "public URL")?;
    Ok(text.trim().trim_end_matches('/').to_string())
}

/// The profiles file: stored profiles, the default, and the sandbox's port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_port: Option<u16>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

impl Config {
    pub fn load(dirs: &Dirs) -> Result<Config> {
        Self::load_from(&dirs.config_file())
    }

    fn load_from(path: &Path) -> Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            Error::Config(format!(
                "{} is not valid: {}; fix or remove that file",
                path.display(),
                e.message()
            ))
        })?;
        for (name, profile) in config.profiles.iter_mut() {
            profile.name.clone_from(name);
        }
        Ok(config)
    }

    pub fn save(&self, dirs: &Dirs) -> Result<()> {
        let text = toml::to_string_pretty(self)
            .map_err(|e| Error::Config(format!("cannot encode profiles: {e}")))?;
        let header = "# Cubby connection profiles. Secrets are not here: they live in the OS keychain.\n";
        write_atomically(&dirs.config_file(), format!("{header}{text}").as_bytes(), false)
    }

    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r2(name: &str) -> Profile {
        Profile {
            name: name.into(),
            account_id: Some("0123456789abcdef0123456789abcdef".into()),
            jurisdiction: None,
            endpoint: None,
            bucket: "oasys360-files".into(),
            public_url: None,
            signed_url_expiry: DEFAULT_EXPIRY_SECS,
            direct_upload: false,
            allow_http: false,
            origin: Origin::Stored,
            checked: None,
        }
    }

    #[test]
    fn account_endpoint_follows_jurisdiction() {
        let mut p = r2("prod");
        assert_eq!(
            p.endpoint_url().unwrap().as_str(),
            "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com/"
        );
        p.jurisdiction = Some(Jurisdiction::Eu);
        assert_eq!(
            p.endpoint_url().unwrap().host_str(),
            Some("0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com")
        );
        p.jurisdiction = Some(Jurisdiction::Fedramp);
        assert!(p.endpoint_url().unwrap().as_str().contains(".fedramp.r2."));
        assert!(!p.path_style());
        assert_eq!(p.kind(), ProfileKind::R2);
    }

    #[test]
    fn an_r2_dev_public_url_gets_a_note() {
        assert!(public_url_note("https://pub-0123abcd.r2.dev").is_some_and(|n| n.contains("custom domain")));
        assert!(public_url_note("https://files.example.com").is_none());
        assert!(public_url_note("https://r2.dev.example.com").is_none());
    }

    #[test]
    fn r2_bucket_names_have_no_dots_where_s3_allows_them() {
        let mut p = r2("prod");
        p.bucket = "receipts.2026".into();
        let err = p.validate().unwrap_err().to_string();
        assert!(err.contains("no dots"), "{err}");
        p.endpoint = Some("http://127.0.0.1:9000".into());
        p.validate().unwrap();
    }

    #[test]
    fn explicit_endpoint_wins_and_is_path_style() {
        let mut p = r2("local");
        p.endpoint = Some("http://127.0.0.1:9000".into());
        assert_eq!(p.endpoint_url().unwrap().as_str(), "http://127.0.0.1:9000/");
        assert!(p.path_style());
        assert_eq!(p.kind(), ProfileKind::S3);
    }

    #[test]
    fn validation_names_the_bad_field() {
        let mut p = r2("prod");
        p.validate().unwrap();
        p.bucket = "Bad_Bucket".into();
        assert!(p.validate().unwrap_err().to_string().contains("bucket name"));
        let mut p = r2("has space");
        assert!(p.validate().unwrap_err().to_string().contains("profile name"));
        p = r2("x");
        p.endpoint = Some("ftp://host".into());
        assert!(p.validate().unwrap_err().to_string().contains("http://"));
        p.endpoint = Some("https://host/some/path".into());
        assert!(p.validate().unwrap_err().to_string().contains("no path"));
        p = r2("x");
        p.account_id = Some("abc.evil.com/".into());
        assert!(p.validate().unwrap_err().to_string().contains("account ID"));
        p = r2("x");
        p.signed_url_expiry = MAX_EXPIRY_SECS + 1;
        assert!(p.validate().unwrap_err().to_string().contains("7 days"));
        p = r2("x");
        p.public_url = Some("files.example.com".into());
        assert!(p.validate().unwrap_err().to_string().contains("public URL"));
    }

    // Regression guard: the URL parser drops newlines and tabs inside a URL, so
    #[test]
    fn plain_http_is_for_this_machine_unless_allowed() {
        let mut p = Profile {
            name: "x".into(),
            account_id: None,
            jurisdiction: None,
            endpoint: None,
            bucket: "files".into(),
            public_url: None,
            signed_url_expiry: DEFAULT_EXPIRY_SECS,
            direct_upload: false,
            allow_http: false,
            origin: Origin::Stored,
            checked: None,
        };
        for local in [
            "http://127.0.0.1:9000",
            "http://127.8.0.1",
            "http://[::1]:9000",
            "http://localhost:8333",
            "https://s3.example.com",
        ] {
            p.endpoint = Some(local.into());
            assert!(p.validate().is_ok(), "{local}");
        }
        p.endpoint = Some("http://s3.example.com".into());
        let err = p.validate().unwrap_err().to_string();
        assert!(err.contains("plain HTTP") && err.contains("https://"), "{err}");
        p.allow_http = true;
        assert!(p.validate().is_ok());
    }

    // "http://exa\nmple.com" used to be saved as http://example.com without a word.
    #[test]
    fn control_characters_and_port_zero_are_refused_in_urls() {
        let mut p = r2("x");
        p.endpoint = Some("http://exa\nmple.com".into());
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("control character '\\n'"), "{e}");
        p.endpoint = Some("http://example.com:0".into());
        assert!(p.validate().unwrap_err().to_string().contains("port 0"));
        assert!(normalize_public_url("https://files.exa\tmple.com").is_err());
    }

    // Regression guard: a password pasted into a URL must not be echoed back in the message.
    #[test]
    fn url_messages_hide_what_precedes_an_at_sign() {
        let mut p = r2("x");
        p.endpoint = Some("http://user:hunter2@exa mple.com".into());
        let e = p.validate().unwrap_err().to_string();
        assert!(!e.contains("hunter2") && e.contains("…@exa mple.com"), "{e}");
    }

    #[test]
    fn config_round_trips_through_toml_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path().join("c"), dir.path().join("d"));
        let mut config = Config::default();
        let mut p = r2("prod");
        p.public_url = Some("https://files.example.com".into());
        p.jurisdiction = Some(Jurisdiction::Eu);
        config.profiles.insert("prod".into(), p.clone());
        config.default = Some("prod".into());
        config.save(&dirs).unwrap();
        let loaded = Config::load(&dirs).unwrap();
        assert_eq!(loaded, config);
        let text = std::fs::read_to_string(dirs.config_file()).unwrap();
        assert!(text.contains("jurisdiction = \"eu\""), "{text}");
    }

    #[test]
    fn broken_config_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path(), dir.path());
        std::fs::write(dirs.config_file(), "profiles = 3\n").unwrap();
        let err = Config::load(&dirs).unwrap_err();
        assert!(err.to_string().contains("profiles.toml is not valid"), "{err}");
    }
}
