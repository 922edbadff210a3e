//! Tenant names. Tenant ids are opaque (`tenant-id` in the seed's keys) while people know their
//! clients by name, so the names live in the bucket itself, in `.cubby/tenants.json`: every
//! install on the bucket sees the same names, and a tenant can be added before its first file.
//!
//! The file is edited read-modify-write with a guarded PUT (`If-Match` on the ETag read, or
//! `If-None-Match: *` for the first edit). When a colleague's edit lands in between, the PUT is
//! refused and the edit is applied again on top of theirs, so no one's change is lost.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::listing;
use crate::storage::{Bucket, WriteGuard};
use crate::tenant::TenantId;
use crate::{Error, Result};

/// Where the names are kept: under Cubby's hidden prefix, never a tenant.
pub const NAMES_KEY: &str = ".cubby/tenants.json";

/// How many times an edit is applied again after colleagues' edits before giving up.
const ATTEMPTS: usize = 8;

/// The longest name kept, in characters.
pub const MAX_NAME: usize = 80;

/// The file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    #[serde(default = "version")]
    pub version: u32,
    #[serde(default)]
    pub tenants: BTreeMap<String, Entry>,
}

fn version() -> u32 {
    1
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the tenant was added by hand (before its first file), if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<DateTime<Utc>>,
}

impl Directory {
    /// The name people know `tenant` by, if one was given.
    pub fn name_of(&self, tenant: &str) -> Option<&str> {
        self.tenants.get(tenant).and_then(|e| e.name.as_deref())
    }
}

/// A tenant as people see it: its id, its name, and whether it holds files yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TenantEntry {
    pub id: String,
    pub name: Option<String>,
    /// False for a tenant added by hand that has no file yet.
    pub has_files: bool,
}

/// The names file and the ETag it was read at (None when there is none yet).
pub async fn load(bucket: &Bucket) -> Result<(Directory, Option<String>)> {
    let fetched = match bucket.get_range(NAMES_KEY, 0, None, None).await {
        Ok(f) => f,
        Err(Error::NotFound(_)) => return Ok((Directory::default(), None)),
        Err(e) => return Err(e),
    };
    let etag = fetched.etag.clone();
    let body = fetched
        .body
        .collect()
        .await
        .map_err(|e| Error::Unreachable(format!("reading {NAMES_KEY} was interrupted: {e}")))?
        .into_bytes();
    let directory = serde_json::from_slice(&body).map_err(|e| {
        Error::Storage(format!(
            "{NAMES_KEY} in the bucket is not a tenant list Cubby can read ({e}): fix or delete it"
        ))
    })?;
    Ok((directory, etag))
}

/// Applies `edit` to the names file and writes it back, again on top of any edit that lands in
/// between; returns the file as written.
pub async fn update(
    bucket: &Bucket,
    mut edit: impl FnMut(&mut Directory) -> Result<()>,
) -> Result<Directory> {
    for _ in 0..ATTEMPTS {
        let (mut directory, etag) = load(bucket).await?;
        edit(&mut directory)?;
        directory.version = version();
        let body = serde_json::to_vec_pretty(&directory)
            .map_err(|e| Error::Storage(format!("cannot encode the tenant list: {e}")))?;
        let guard = match etag {
            Some(etag) => WriteGuard::Matches(etag),
            None => WriteGuard::Absent,
        };
        match bucket
            .put_guarded(NAMES_KEY, body, "application/json", guard)
            .await
        {
            Ok(_) => return Ok(directory),
            // A colleague wrote first: read theirs and apply this edit again.
            Err(Error::Changed(_) | Error::AlreadyExists(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Error::Changed(format!(
        "{NAMES_KEY} kept changing while this edit was saved: try again"
    )))
}

/// A name as it is kept: trimmed, 1 to 80 characters, no control characters.
pub fn clean_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("a tenant name cannot be empty"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid(format!(
            "a tenant name is at most {MAX_NAME} characters; this one has {}",
            name.chars().count()
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "a tenant name cannot hold control characters (tabs, new lines)",
        ));
    }
    Ok(name.to_string())
}

/// Gives `tenant` a name (None clears it).
pub async fn rename(bucket: &Bucket, tenant: &TenantId, name: Option<&str>) -> Result<Directory> {
    let name = name.map(clean_name).transpose()?;
    update(bucket, |d| {
        let entry = d.tenants.entry(tenant.to_string()).or_default();
        entry.name.clone_from(&name);
        if entry.name.is_none() && entry.added.is_none() {
            d.tenants.remove(tenant.as_str());
        }
        Ok(())
    })
    .await
}

/// Adds a tenant before its first file, with a name if given. Adding one that exists only
/// sets the name.
pub async fn add(
    bucket: &Bucket,
    tenant: &TenantId,
    name: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Directory> {
    let name = name.map(clean_name).transpose()?;
    update(bucket, |d| {
        let entry = d.tenants.entry(tenant.to_string()).or_default();
        entry.added.get_or_insert(now);
        if name.is_some() {
            entry.name.clone_from(&name);
        }
        Ok(())
    })
    .await
}

/// Every tenant: those with files (the bucket's top-level folders) and those added by hand,
/// each with its name; sorted by what people see (the name, else the id).
pub async fn directory(bucket: &Bucket) -> Result<Vec<TenantEntry>> {
    let (listed, names) = tokio::join!(listing::tenants(bucket), load(bucket));
    let listed = listed?;
    // The names are a convenience: a bucket whose names file cannot be read still lists.
    let names = names.map(|(d, _)| d).unwrap_or_default();
    let mut out: Vec<TenantEntry> = listed
        .iter()
        .map(|t| TenantEntry {
            id: t.to_string(),
            name: names.name_of(t.as_str()).map(str::to_string),
            has_files: true,
        })
        .collect();
    for (id, entry) in &names.tenants {
        if entry.added.is_some() && !out.iter().any(|t| &t.id == id) && TenantId::parse(id).is_ok() {
            out.push(TenantEntry {
                id: id.clone(),
                name: entry.name.clone(),
                has_files: false,
            });
        }
    }
    out.sort_by_cached_key(|t| {
        let shown = t.name.as_deref().unwrap_or(&t.id).to_lowercase();
        (shown, t.id.clone())
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str) -> TenantId {
        TenantId::parse(id).unwrap()
    }

    #[tokio::test]
    async fn names_and_added_tenants_are_listed_with_those_that_have_files() {
        let bucket = Bucket::in_memory("b");
        bucket
            .put("acme/documents/a.pdf", b"x".to_vec(), None)
            .await
            .unwrap();
        bucket
            .put("globex/images/b.jpg", b"y".to_vec(), None)
            .await
            .unwrap();
        rename(&bucket, &t("acme"), Some("  Acme Corporation "))
            .await
            .unwrap();
        add(&bucket, &t("initech"), Some("Initech"), Utc::now())
            .await
            .unwrap();
        let all = directory(&bucket).await.unwrap();
        let shown: Vec<(&str, Option<&str>, bool)> = all
            .iter()
            .map(|e| (e.id.as_str(), e.name.as_deref(), e.has_files))
            .collect();
        assert_eq!(
            shown,
            [
                ("acme", Some("Acme Corporation"), true),
                ("globex", None, true),
                ("initech", Some("Initech"), false),
            ]
        );
        // The names file is Cubby's, not a tenant.
        assert!(!all.iter().any(|e| e.id.starts_with('.')));
        rename(&bucket, &t("acme"), None).await.unwrap();
        assert_eq!(directory(&bucket).await.unwrap()[0].name, None);
    }

    #[tokio::test]
    async fn an_edit_that_meets_a_colleagues_is_applied_on_top_of_it() {
        let bucket = Bucket::in_memory("b");
        rename(&bucket, &t("acme"), Some("Acme")).await.unwrap();
        // A colleague's edit lands between this edit's read and its write: the guarded PUT is
        // refused, and the edit is applied again to what the colleague wrote.
        let mut first = true;
        let colleague = bucket.clone();
        let written = update(&bucket, |d| {
            if std::mem::take(&mut first) {
                let theirs = serde_json::to_vec(&Directory {
                    version: 1,
                    tenants: [(
                        "globex".to_string(),
                        Entry {
                            name: Some("Globex".into()),
                            added: None,
                        },
                    )]
                    .into_iter()
                    .chain(d.tenants.clone())
                    .collect(),
                })
                .unwrap();
                let etag = futures_lite(colleague.head(NAMES_KEY)).unwrap().etag.unwrap();
                futures_lite(colleague.put_guarded(
                    NAMES_KEY,
                    theirs,
                    "application/json",
                    WriteGuard::Matches(etag),
                ))
                .unwrap();
            }
            d.tenants.entry("initech".into()).or_default().name = Some("Initech".into());
            Ok(())
        })
        .await
        .unwrap();
        assert_eq!(
            written.name_of("globex"),
            Some("Globex"),
            "the colleague's edit is kept"
        );
        assert_eq!(written.name_of("acme"), Some("Acme"));
        assert_eq!(written.name_of("initech"), Some("Initech"));
        assert_eq!(load(&bucket).await.unwrap().0, written);
    }

    /// Runs a store call to completion from inside a synchronous edit closure (the memory
    /// store never waits).
    fn futures_lite<T>(f: impl std::future::Future<Output = T>) -> T {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the memory store does not wait"),
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(clean_name("  Acme  ").unwrap(), "Acme");
        assert_eq!(clean_name("").unwrap_err().code(), "invalid_input");
        assert!(clean_name(&"x".repeat(81)).is_err());
        assert!(clean_name("a\nb").is_err());
        assert_eq!(clean_name("Müller & Söhne GmbH").unwrap(), "Müller & Söhne GmbH");
    }
}
