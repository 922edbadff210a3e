//! What listings have seen: every object name a listing returned, kept locally so `find` (and
//! the window's search box) answers across all tenants at once without listing the bucket
//! again. A folder's rows are replaced each time it is listed, so a file deleted or renamed
//! elsewhere drops out the next time its folder is seen; a full listing (`find --refresh`,
//! `usage`) replaces everything under its prefix.
//!
//! It is a cache: one SQLite file for all buckets (`seen.sqlite3`), written without waiting
//! for the disk, and safe to delete.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::keys::display_name;
use crate::storage::ObjectEntry;
use crate::{Dirs, Error, Profile, Result};

const MIGRATIONS: &[&str] = &["
    CREATE TABLE seen (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        -- The key's folder (\"acme/documents/\"): a folder listing replaces its rows.
        folder TEXT NOT NULL,
        -- What a search matches: the name people see and the stored one, lower-case.
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        modified TEXT,
        -- Which listing wrote the row: rows under a listed prefix from older listings are gone.
        generation INTEGER NOT NULL,
        PRIMARY KEY (bucket, key)
    ) WITHOUT ROWID;
    CREATE INDEX seen_folder ON seen (bucket, folder);
    CREATE TABLE listed (
        bucket TEXT NOT NULL,
        prefix TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (bucket, prefix)
    ) WITHOUT ROWID;
"];

/// Which bucket rows belong to: its endpoint and name (two profiles on one bucket share them).
pub fn bucket_id(profile: &Profile) -> String {
    let endpoint = profile.endpoint_url().map(|u| u.to_string()).unwrap_or_default();
    format!("{}|{}", endpoint.trim_end_matches('/'), profile.bucket)
}

pub fn path(dirs: &Dirs) -> PathBuf {
    dirs.data.join("seen.sqlite3")
}

fn open(path: &Path) -> Result<Connection> {
    let conn = crate::db::open(path, MIGRATIONS, "the search index")?;
    // A cache: a crash may lose the last listing's rows, which the next listing writes again.
    conn.pragma_update(None, "synchronous", "OFF")
        .map_err(|e| Error::Storage(format!("the search index failed: {e}")))?;
    Ok(conn)
}

fn failed(e: rusqlite::Error) -> Error {
    Error::Storage(format!("the search index failed: {e}"))
}

/// The end of `prefix`'s key range: every key under it sorts below this.
fn range_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

fn folder_of(key: &str) -> &str {
    key.rfind('/').map_or("", |i| &key[..=i])
}

enum Message {
    Page(Vec<ObjectEntry>),
    Finish(mpsc::Sender<Result<()>>),
}

/// Writes one listing's objects into the index as its pages arrive, on a thread of its own so
/// the listing never waits for it. `finish` (after the last page) removes what the listing no
/// longer holds; a listing that stops early leaves the earlier rows as they were.
pub struct Recorder {
    tx: mpsc::Sender<Message>,
}

impl Recorder {
    /// Records a listing of `prefix`: everything under it when `recursive`, else its own level.
    pub fn start(dirs: &Dirs, bucket: String, prefix: &str, recursive: bool) -> Result<Recorder> {
        let file = path(dirs);
        let prefix = prefix.to_string();
        let generation = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let (tx, rx) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("cubby-seen".into())
            .spawn(move || {
                // Opening the file (and creating it) happens here, off the listing's path.
                let mut conn = None;
                let mut result = open(&file).map(|c| conn = Some(c));
                for message in rx {
                    let Some(conn) = conn.as_mut() else {
                        if let Message::Finish(done) = message {
                            let _ = done.send(std::mem::replace(&mut result, Ok(())));
                            return;
                        }
                        continue;
                    };
                    match message {
                        Message::Page(objects) => {
                            if result.is_ok() {
                                result = insert(conn, &bucket, &objects, generation);
                            }
                        }
                        Message::Finish(done) => {
                            if result.is_ok() {
                                result = sweep(conn, &bucket, &prefix, recursive, generation);
                            }
                            let _ = done.send(std::mem::replace(&mut result, Ok(())));
                            return;
                        }
                    }
                }
            })
            .map_err(|e| Error::io("cannot start the search index", e))?;
        Ok(Recorder { tx })
    }

    pub fn page(&self, objects: &[ObjectEntry]) {
        let _ = self.tx.send(Message::Page(objects.to_vec()));
    }

    /// The listing ended whole: rows it did not see are removed. Waits until all is written.
    pub fn finish(self) -> Result<()> {
        let (done, wait) = mpsc::channel();
        self.tx
            .send(Message::Finish(done))
            .map_err(|_| Error::Storage("the search index stopped".into()))?;
        wait.recv()
            .unwrap_or_else(|_| Err(Error::Storage("the search index stopped".into())))
    }
}

fn insert(conn: &mut Connection, bucket: &str, objects: &[ObjectEntry], generation: i64) -> Result<()> {
    let tx = conn.transaction().map_err(failed)?;
    {
        let mut put = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO seen (bucket, key, folder, name, size, modified, generation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(failed)?;
        // Cubby's own files (".cubby/") are nobody's documents.
        for o in objects.iter().filter(|o| !o.key.starts_with('.')) {
            let last = o.key.rsplit('/').next().unwrap_or(&o.key);
            let shown = display_name(&o.key);
            let name = if shown == last {
                last.to_lowercase()
            } else {
                format!("{} {}", shown, last).to_lowercase()
            };
            put.execute(params![
                bucket,
                o.key,
                folder_of(&o.key),
                name,
                o.size as i64,
                o.last_modified.map(crate::wire::time),
                generation
            ])
            .map_err(failed)?;
        }
    }
    tx.commit().map_err(failed)
}

fn sweep(conn: &mut Connection, bucket: &str, prefix: &str, recursive: bool, generation: i64) -> Result<()> {
    let tx = conn.transaction().map_err(failed)?;
    if recursive {
        tx.execute(
            "DELETE FROM seen WHERE bucket = ?1 AND key >= ?2 AND key < ?3 AND generation <> ?4",
            params![bucket, prefix, range_end(prefix), generation],
        )
        .map_err(failed)?;
    } else {
        tx.execute(
            "DELETE FROM seen WHERE bucket = ?1 AND folder = ?2 AND generation <> ?3",
            params![bucket, prefix, generation],
        )
        .map_err(failed)?;
    }
    if recursive {
        tx.execute(
            "INSERT OR REPLACE INTO listed (bucket, prefix, at) VALUES (?1, ?2, ?3)",
            params![bucket, prefix, crate::wire::time(Utc::now())],
        )
        .map_err(failed)?;
    }
    tx.commit().map_err(failed)
}

/// Lists everything under `prefix` in `bucket` and makes it what the index holds there: `find
/// --refresh` and the window's "Search the whole bucket".
pub async fn index_whole(dirs: &Dirs, bucket: &crate::Bucket, bucket_id: String, prefix: &str) -> Result<()> {
    let index = Recorder::start(dirs, bucket_id, prefix, true)?;
    let mut listing = crate::listing::Listing::new(bucket, &crate::Prefix::parse(prefix)?, true);
    while let Some(page) = listing.next_page().await? {
        index.page(&page.objects);
    }
    tokio::task::spawn_blocking(move || index.finish())
        .await
        .map_err(|e| Error::Storage(format!("the search index stopped: {e}")))?
}

/// One file a search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Found {
    pub key: String,
    pub tenant: String,
    /// The name people see.
    pub name: String,
    /// The folder holding it ("acme/documents/").
    pub folder: String,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub size: u64,
    pub modified: Option<String>,
}

/// What a search answered, and how complete the index behind it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Findings {
    pub results: Vec<Found>,
    /// More matched than `results` holds.
    pub truncated: bool,
    /// Names the index holds for this bucket.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub indexed: u64,
    /// When the bucket (or the tenant searched) was last listed whole, RFC 3339; None when
    /// only the folders opened so far are known.
    pub complete_at: Option<String>,
}

/// Files whose name contains `text` (case-insensitive), newest first, at most `limit`; within
/// `tenant` when given.
pub fn find(dirs: &Dirs, bucket: &str, text: &str, tenant: Option<&str>, limit: usize) -> Result<Findings> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Err(Error::invalid("say what to look for: part of a file name"));
    }
    let conn = open(&path(dirs))?;
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
    );
    let scope = tenant.map(|t| format!("{t}/")).unwrap_or_default();
    let mut query = conn
        .prepare_cached(
            "SELECT key, size, modified FROM seen
             WHERE bucket = ?1 AND key >= ?2 AND key < ?3 AND name LIKE ?4 ESCAPE '\\'
             ORDER BY modified DESC, key LIMIT ?5",
        )
        .map_err(failed)?;
    let mut results: Vec<Found> = query
        .query_map(
            params![bucket, scope, range_end(&scope), pattern, limit as i64 + 1],
            |r| {
                let key: String = r.get(0)?;
                Ok(Found {
                    tenant: key.split('/').next().unwrap_or_default().to_string(),
                    name: display_name(&key).to_string(),
                    folder: folder_of(&key).to_string(),
                    size: r.get::<_, i64>(1)?.max(0) as u64,
                    modified: r.get(2)?,
                    key,
                })
            },
        )
        .map_err(failed)?
        .collect::<std::result::Result<_, _>>()
        .map_err(failed)?;
    let truncated = results.len() > limit;
    results.truncate(limit);
    let indexed: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM seen WHERE bucket = ?1",
            params![bucket],
            |r| r.get(0),
        )
        .map_err(failed)?;
    // The newest whole listing that covers the scope: the bucket's root, or the tenant's.
    let complete_at: Option<String> = conn
        .query_row(
            "SELECT MAX(at) FROM listed WHERE bucket = ?1 AND (prefix = '' OR prefix = ?2)",
            params![bucket, scope],
            |r| r.get(0),
        )
        .map_err(failed)?;
    Ok(Findings {
        results,
        truncated,
        indexed: indexed.max(0) as u64,
        complete_at,
    })
}

/// When `at` (RFC 3339) was, for people: "3 minutes ago".
pub fn age(at: &str, now: DateTime<Utc>) -> String {
    let Ok(then) = DateTime::parse_from_rfc3339(at) else {
        return at.to_string();
    };
    let secs = (now - then.with_timezone(&Utc)).num_seconds().max(0);
    match secs {
        0..60 => "just now".into(),
        60..3600 => plural(secs / 60, "minute"),
        3600..86_400 => plural(secs / 3600, "hour"),
        _ => plural(secs / 86_400, "day"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, size: u64) -> ObjectEntry {
        ObjectEntry {
            key: key.into(),
            size,
            etag: None,
            last_modified: Some(Utc::now()),
        }
    }

    fn dirs(root: &Path) -> Dirs {
        Dirs {
            config: root.join("config"),
            data: root.join("data"),
        }
    }

    #[test]
    fn listings_fill_the_index_and_a_relisted_folder_drops_what_left_it() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let b = "http://x|bucket".to_string();
        let r = Recorder::start(&dirs, b.clone(), "", true).unwrap();
        r.page(&[
            entry("acme/documents/20250127_123456_abc123_receipt.jpg", 10),
            entry("acme/images/logo.png", 20),
        ]);
        r.page(&[entry("globex/documents/Receipt-2024.pdf", 30)]);
        r.finish().unwrap();
        let found = find(&dirs, &b, "RECEIPT", None, 10).unwrap();
        let keys: Vec<&str> = found.results.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys.len(), 2, "{keys:?}");
        assert_eq!(found.indexed, 3);
        assert!(found.complete_at.is_some(), "the root was listed whole");
        let acme = find(&dirs, &b, "receipt", Some("acme"), 10).unwrap();
        assert_eq!(acme.results.len(), 1);
        assert_eq!(acme.results[0].name, "receipt.jpg");
        assert_eq!(acme.results[0].folder, "acme/documents/");
        // The folder listed again without the receipt: it is gone from the index.
        let r = Recorder::start(&dirs, b.clone(), "acme/documents/", false).unwrap();
        r.page(&[entry("acme/documents/other.pdf", 1)]);
        r.finish().unwrap();
        assert!(find(&dirs, &b, "receipt", Some("acme"), 10)
            .unwrap()
            .results
            .is_empty());
        assert_eq!(
            find(&dirs, &b, "logo", None, 10).unwrap().results.len(),
            1,
            "other folders kept"
        );
        // Another bucket's rows are its own; wildcards are plain text.
        assert!(find(&dirs, "other|b", "logo", None, 10)
            .unwrap()
            .results
            .is_empty());
        assert!(find(&dirs, &b, "%", None, 10).unwrap().results.is_empty());
        assert_eq!(find(&dirs, &b, "", None, 10).unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn ages_read_as_people_say_them() {
        let now = Utc::now();
        let at = |secs: i64| crate::wire::time(now - chrono::Duration::seconds(secs));
        assert_eq!(age(&at(5), now), "just now");
        assert_eq!(age(&at(60), now), "1 minute ago");
        assert_eq!(age(&at(7200), now), "2 hours ago");
        assert_eq!(age(&at(3 * 86_400), now), "3 days ago");
    }
}
