//! The link register: every share link and upload URL Cubby issued, in SQLite in the data dir,
//! so support staff can see what is out there. It stores what a link points at and when it
//! expires, never the URL: a register of live bearer tokens would be a liability.
//!
//! Presigned URLs cannot be revoked one by one on R2. `revoke` does the one real thing
//! possible: it moves the object to a fresh key, so every URL naming the old key dies.

use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Hint;
use crate::keys::restamp;
use crate::storage::Bucket;
use crate::tenant::ObjectKey;
use crate::{objects, Dirs, Error, Result};

/// Numbered, embedded, applied in order; `PRAGMA user_version` records how far a file got.
const MIGRATIONS: &[&str] = &["CREATE TABLE links (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('share', 'upload')),
        profile TEXT NOT NULL,
        tenant TEXT,
        key TEXT NOT NULL,
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        issued_by TEXT NOT NULL,
        note TEXT,
        revoked TEXT,
        previous_key TEXT
    );
    CREATE INDEX links_by_key ON links (profile, key);
    CREATE INDEX links_by_expiry ON links (expires);"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    Share,
    Upload,
}

/// Where a link stands now: usable, past its expiry, or killed by moving its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum LinkStatus {
    Active,
    Expired,
    Revoked,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Active => "active",
            LinkStatus::Expired => "expired",
            LinkStatus::Revoked => "revoked",
        }
    }
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Share => "share",
            LinkKind::Upload => "upload",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LinkRecord {
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub id: i64,
    pub kind: LinkKind,
    pub profile: String,
    pub tenant: Option<String>,
    pub key: String,
    pub created: String,
    pub expires: String,
    pub issued_by: String,
    pub note: Option<String>,
    /// When the link was killed by moving its object; `key` is then the object's new key.
    pub revoked: Option<String>,
    pub previous_key: Option<String>,
    pub active: bool,
    /// Where the link stands when it was read: the one rule both hosts show.
    pub state: LinkStatus,
}

impl LinkRecord {
    pub fn status(&self) -> LinkStatus {
        self.state
    }
}

fn status_of(revoked: bool, active: bool) -> LinkStatus {
    match (revoked, active) {
        (true, _) => LinkStatus::Revoked,
        (false, true) => LinkStatus::Active,
        (false, false) => LinkStatus::Expired,
    }
}

pub struct NewLink<'a> {
    pub kind: LinkKind,
    pub profile: &'a str,
    pub key: &'a ObjectKey,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub issued_by: &'a str,
    pub note: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LinkState {
    #[default]
    All,
    Active,
    Expired,
}

#[derive(Debug, Clone, Default)]
pub struct LinkFilter {
    pub state: LinkState,
    pub tenant: Option<String>,
    pub profile: Option<String>,
}

/// Shareable between threads (the connection sits behind a mutex), so async callers can hold
/// a `&Register` across awaits.
pub struct Register {
    conn: Mutex<Connection>,
}

fn ts(t: DateTime<Utc>) -> String {
    crate::wire::time(t)
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::Storage(format!("the link register failed: {e}"))
}

impl Register {
    pub fn path(dirs: &Dirs) -> PathBuf {
        dirs.data.join("links.sqlite3")
    }

    pub fn open(dirs: &Dirs) -> Result<Register> {
        Ok(Register {
            conn: Mutex::new(crate::db::open(
                &Self::path(dirs),
                MIGRATIONS,
                "the link register",
            )?),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn record(&self, link: &NewLink<'_>) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO links (kind, profile, tenant, key, created, expires, issued_by, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                link.kind.as_str(),
                link.profile,
                link.key.tenant().map(|t| t.to_string()),
                link.key.as_str(),
                ts(link.created),
                ts(link.expires),
                link.issued_by,
                link.note,
            ],
        )
        .map_err(db_err)?;
        Ok(conn.last_insert_rowid())
    }

    pub fn list(&self, filter: &LinkFilter, now: DateTime<Utc>) -> Result<Vec<LinkRecord>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT id, kind, profile, tenant, key, created, expires, issued_by, note, revoked, previous_key
                 FROM links
                 WHERE (?1 IS NULL OR tenant = ?1) AND (?2 IS NULL OR profile = ?2)
                 ORDER BY id DESC",
            )
            .map_err(db_err)?;
        let now_text = ts(now);
        let rows = stmt
            .query_map(params![filter.tenant, filter.profile], |row| {
                Self::row(row, &now_text)
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let record = row.map_err(db_err)?;
            let keep = match filter.state {
                LinkState::All => true,
                LinkState::Active => record.active,
                LinkState::Expired => !record.active,
            };
            if keep {
                out.push(record);
            }
        }
        Ok(out)
    }

    pub fn get(&self, id: i64, now: DateTime<Utc>) -> Result<LinkRecord> {
        self.conn()
            .query_row(
                "SELECT id, kind, profile, tenant, key, created, expires, issued_by, note, revoked, previous_key
                 FROM links WHERE id = ?1",
                params![id],
                |row| Self::row(row, &ts(now)),
            )
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| Error::NotFound(format!("no link with ID {id}")).hint(Hint::ListLinks))
    }

    fn row(row: &rusqlite::Row<'_>, now: &str) -> rusqlite::Result<LinkRecord> {
        let kind: String = row.get(1)?;
        let expires: String = row.get(6)?;
        let revoked: Option<String> = row.get(9)?;
        // RFC 3339 UTC timestamps with the same precision compare correctly as text.
        let active = revoked.is_none() && expires.as_str() > now;
        Ok(LinkRecord {
            state: status_of(revoked.is_some(), active),
            id: row.get(0)?,
            kind: if kind == "upload" {
                LinkKind::Upload
            } else {
                LinkKind::Share
            },
            profile: row.get(2)?,
            tenant: row.get(3)?,
            key: row.get(4)?,
            created: row.get(5)?,
            expires,
            issued_by: row.get(7)?,
            note: row.get(8)?,
            revoked,
            previous_key: row.get(10)?,
            active,
        })
    }

    /// Records that the object moved: every link to `old` is revoked and now names `new`.
    fn moved(&self, profile: &str, old: &ObjectKey, new: &ObjectKey, at: DateTime<Utc>) -> Result<usize> {
        self.conn()
            .execute(
                "UPDATE links SET revoked = COALESCE(revoked, ?4), previous_key = key, key = ?3
                 WHERE profile = ?1 AND key = ?2",
                params![profile, old.as_str(), new.as_str(), ts(at)],
            )
            .map_err(db_err)
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Revoked {
    pub old_key: String,
    pub new_key: String,
    /// How many registered links the move killed (every link to the old key, not just this one).
    pub links: u32,
}

/// Kills a share link by moving its object to a fresh key. Anything else that names the old key
/// (a database row, a bookmark, other links) breaks too: the caller must warn about that.
pub async fn revoke(
    bucket: &Bucket,
    register: &Register,
    profile: &str,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Revoked> {
    let record = register.get(id, now)?;
    if record.profile != profile {
        return Err(
            Error::invalid(format!("link {id} was issued on profile '{}'", record.profile))
                .hint(Hint::UseProfile(record.profile.clone())),
        );
    }
    if record.kind == LinkKind::Upload {
        return Err(Error::invalid(
            "upload URLs cannot be revoked one by one: they stay valid until they expire; rotate the API token to end all of them",
        ));
    }
    if record.revoked.is_some() {
        return Err(Error::invalid(format!(
            "link {id} was already revoked (the object is now at '{}')",
            record.key
        )));
    }
    let old = ObjectKey::parse(&record.key)?;
    let new = restamp(&old, now)?;
    objects::rename(bucket, &old, &new, false).await?;
    let links = register.moved(profile, &old, &new, now)?;
    Ok(Revoked {
        old_key: old.to_string(),
        new_key: new.to_string(),
        links: u32::try_from(links).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register() -> (tempfile::TempDir, Register) {
        let dir = tempfile::tempdir().unwrap();
        let register = Register::open(&Dirs::new(dir.path(), dir.path())).unwrap();
        (dir, register)
    }

    #[test]
    fn records_filter_by_state_and_tenant() {
        let (_dir, reg) = register();
        let now = Utc::now();
        let key = ObjectKey::parse("acme/documents/a.pdf").unwrap();
        let other = ObjectKey::parse("globex/images/b.png").unwrap();
        let add = |key: &ObjectKey, expires: DateTime<Utc>| {
            reg.record(&NewLink {
                kind: LinkKind::Share,
                profile: "prod",
                key,
                created: now,
                expires,
                issued_by: "ana",
                note: Some("for the auditor"),
            })
            .unwrap()
        };
        add(&key, now + chrono::Duration::hours(1));
        add(&key, now - chrono::Duration::hours(1));
        add(&other, now + chrono::Duration::hours(1));
        let active = reg
            .list(
                &LinkFilter {
                    state: LinkState::Active,
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(active.len(), 2);
        let expired = reg
            .list(
                &LinkFilter {
                    state: LinkState::Expired,
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(expired.len(), 1);
        let acme = reg
            .list(
                &LinkFilter {
                    tenant: Some("acme".into()),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(acme.len(), 2);
        assert_eq!(acme[0].note.as_deref(), Some("for the auditor"));
    }

    #[test]
    fn register_can_be_held_across_awaits_on_any_thread() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Register>();
    }

    #[test]
    fn reopening_keeps_records_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path(), dir.path());
        let key = ObjectKey::parse("acme/documents/a.pdf").unwrap();
        let now = Utc::now();
        {
            let reg = Register::open(&dirs).unwrap();
            reg.record(&NewLink {
                kind: LinkKind::Upload,
                profile: "p",
                key: &key,
                created: now,
                expires: now,
                issued_by: "u",
                note: None,
            })
            .unwrap();
        }
        let reg = Register::open(&dirs).unwrap();
        assert_eq!(reg.list(&LinkFilter::default(), now).unwrap().len(), 1);
        assert_eq!(reg.get(99, now).unwrap_err().code(), "not_found");
    }
}
