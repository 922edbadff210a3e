//! Connection profiles as people set them up: from the Connect form or `cubby profile add`,
//! tested the same way, and the sandbox with its demo data.

use crate::probe::{probe, ConnectionReport, ProbeOptions};
use crate::profile::{normalize_public_url, Config, Jurisdiction, Origin, Profile};
use crate::selftest::{self, DeepReport};
use crate::session::{Host, Session};
use crate::{demo, sandbox, Bucket, Result};

/// What a person fills in for a new profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileSettings {
    pub name: String,
    pub account_id: Option<String>,
    pub jurisdiction: Option<Jurisdiction>,
    pub endpoint: Option<String>,
    pub bucket: String,
    pub public_url: Option<String>,
    pub expiry_secs: u32,
    pub direct_upload: bool,
    /// Consent to a plain http:// endpoint on another machine.
    pub allow_http: bool,
}

impl ProfileSettings {
    /// The profile these settings describe, checked field by field. Blank optional fields are
    /// no value; surrounding spaces (a pasted ID) are dropped.
    pub fn profile(self) -> Result<Profile> {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let profile = Profile {
            name: self.name.trim().to_string(),
            account_id: clean(self.account_id),
            jurisdiction: self.jurisdiction,
            endpoint: clean(self.endpoint),
            bucket: self.bucket.trim().to_string(),
            public_url: clean(self.public_url)
                .map(|u| normalize_public_url(&u))
                .transpose()?,
            signed_url_expiry: self.expiry_secs,
            direct_upload: self.direct_upload,
            allow_http: self.allow_http,
            origin: Origin::Stored,
            checked: None,
        };
        profile.validate()?;
        Ok(profile)
    }
}

/// "bucket B at https://new (instead of bucket A at https://old)" when saving `profile` as the
/// default moves uploads (and every watched folder) to another endpoint or bucket: a change
/// to confirm. None on first use or for the same place.
pub fn default_change(config: &Config, profile: &Profile) -> Option<String> {
    let current = config
        .default
        .as_deref()
        .and_then(|name| config.profiles.get(name))?;
    let place = |p: &Profile| (p.endpoint_url().ok().map(|u| u.to_string()), p.bucket.clone());
    let (old, new) = (place(current), place(profile));
    (old != new).then(|| {
        format!(
            "bucket {} at {} (instead of bucket {} at {})",
            new.1,
            new.0.unwrap_or_default(),
            old.1,
            old.0.unwrap_or_default()
        )
    })
}

/// Runs the connection test on a saved profile (`explicit`, or the active one).
pub async fn test(host: Host<'_>, explicit: Option<&str>, write: bool) -> Result<ConnectionReport> {
    let session = Session::open(host, explicit).await?;
    Ok(probe(&session.bucket, ProbeOptions { write }).await)
}

/// Runs the deep check on a profile (`explicit`, or the active one) and, for a stored profile,
/// remembers what its endpoint honours so Cubby adapts there (`EndpointChecks`).
pub async fn deep_test(host: Host<'_>, explicit: Option<&str>) -> Result<DeepReport> {
    let session = Session::open_probing(host, explicit).await?;
    let report = selftest::run(&session.bucket, chrono::Utc::now()).await;
    if session.profile.origin == Origin::Stored {
        let mut config = host.config()?;
        if let Some(stored) = config.profiles.get_mut(&session.profile.name) {
            stored.checked = Some(report.learned.clone());
            config.save(host.dirs)?;
        }
    }
    Ok(report)
}

/// Fills the sandbox with the demo tenants (those not there yet), starting it for the
/// duration when nothing serves it. Returns how many objects were written.
pub async fn seed_demo(host: Host<'_>, port: Option<u16>) -> Result<usize> {
    let config = host.config()?;
    let running = sandbox::ensure(host.dirs, host.store, &config, host.env, port).await?;
    let mut profile = sandbox::profile(&config, host.env);
    if let Some(port) = port {
        profile.endpoint = Some(format!("http://127.0.0.1:{port}"));
    }
    let bucket = Bucket::connect(&profile, &sandbox::credentials(host.dirs, host.store)?)?;
    let written = demo::seed(&bucket, chrono::Utc::now()).await;
    if let Some(server) = running {
        server.stop().await;
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::DEFAULT_EXPIRY_SECS;

    fn at(endpoint: &str, bucket: &str) -> Profile {
        ProfileSettings {
            name: "p".into(),
            endpoint: Some(endpoint.into()),
            bucket: bucket.into(),
            expiry_secs: DEFAULT_EXPIRY_SECS,
            ..ProfileSettings::default()
        }
        .profile()
        .unwrap()
    }

    #[test]
    fn moving_the_default_elsewhere_is_a_change_to_confirm() {
        let mut config = Config::default();
        let prod = at("https://s3.example.com", "files");
        assert_eq!(default_change(&config, &prod), None, "first use asks nothing");
        config.profiles.insert("prod".into(), prod.clone());
        config.default = Some("prod".into());
        assert_eq!(default_change(&config, &prod), None, "same place");
        let other = at("https://evil.example.net", "files");
        let change = default_change(&config, &other).expect("a change");
        assert!(
            change.contains("evil.example.net") && change.contains("s3.example.com"),
            "{change}"
        );
        assert!(default_change(&config, &at("https://s3.example.com", "other")).is_some());
    }

    #[test]
    fn settings_are_trimmed_and_checked() {
        let profile = ProfileSettings {
            name: " prod ".into(),
            account_id: Some(" 0123456789abcdef0123456789abcdef ".into()),
            endpoint: Some("  ".into()),
            bucket: " files ".into(),
            public_url: Some("".into()),
            expiry_secs: DEFAULT_EXPIRY_SECS,
            ..ProfileSettings::default()
        }
        .profile()
        .unwrap();
        assert_eq!(
            (
                profile.name.as_str(),
                profile.bucket.as_str(),
                profile.endpoint,
                profile.public_url
            ),
            ("prod", "files", None, None)
        );
        let e = ProfileSettings {
            name: "x".into(),
            bucket: "files".into(),
            ..ProfileSettings::default()
        }
        .profile()
        .unwrap_err();
        assert_eq!(e.advice(), Some(crate::Hint::AccountOrEndpoint));
    }
}
