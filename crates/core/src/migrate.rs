//! Migration from S3: copy every object of one profile's bucket (S3 or any S3-compatible
//! server) into another's (R2) under the same key, keeping Content-Type, Cache-Control,
//! Content-Disposition, Content-Encoding, Content-Language, Expires and user metadata.
//!
//! - **Verified.** Each object's bytes are hashed as they are read. The destination must take
//!   them with their Content-MD5 and answer with the matching ETag, so it holds exactly the
//!   bytes read. The source is checked against its own ETag where that allows (a plain MD5, or a
//!   multipart ETag whose part size is a common one); otherwise the report says the check was
//!   of the bytes read on both sides.
//! - **Resumable.** A journal (`migrate.sqlite3`) records each object copied or found already
//!   there, by key, size and source ETag. A killed run starts again where it stopped; a
//!   finished one run again writes nothing.
//! - **Never overwrites.** A different object already at a key in the destination is reported,
//!   not replaced, unless asked.
//! - **Bounded.** At most `concurrency` objects in flight, each holding at most one part
//!   (`PART_SIZE`) in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use md5::{Digest, Md5};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::listing::Listing;
use crate::storage::{Bucket, ObjectEntry};
use crate::tenant::Prefix;
use crate::transfer::{self, b64, clean_etag, Crc64, EtagCheck, CRC_META};
use crate::{Dirs, Error, Result};

/// Objects up to this size are copied in one PUT; larger ones in parts of this size.
const PART_SIZE: u64 = 8 * 1024 * 1024;
/// What a plan's time estimate assumes: a conservative internet transfer rate and per-object
/// cost, stated in the plan.
const ESTIMATE_BYTES_PER_SEC: f64 = 50_000_000.0;
const ESTIMATE_OBJECTS_PER_SEC: f64 = 100.0;

const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE copied (
        source TEXT NOT NULL,
        dest TEXT NOT NULL,
        key TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (source, dest, key)
    ) WITHOUT ROWID;
",
    "
    -- Objects whose copy has begun and not been recorded: if the run is killed, what the
    -- destination then holds under the key is this migration's own half-done work, which the
    -- next run replaces instead of reporting it as someone else's object.
    CREATE TABLE started (
        source TEXT NOT NULL,
        dest TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (source, dest, key)
    ) WITHOUT ROWID;
",
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Tally {
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub objects: u64,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub bytes: u64,
}

impl Tally {
    fn add(&mut self, size: u64) {
        self.objects += 1;
        self.bytes += size;
    }
}

/// What a migration would do, before it does it (`--dry-run`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Plan {
    /// Everything under the prefix in the source.
    pub source: Tally,
    pub to_copy: Tally,
    /// Recorded as copied by an earlier run, or the same object is in the destination.
    pub already_there: Tally,
    /// A different object is at the key in the destination: left alone unless overwriting.
    pub conflicts: Vec<String>,
    pub estimated_seconds: f64,
    /// What the estimate assumes.
    pub estimate_basis: String,
}

/// How one object's copy was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Verified {
    /// The bytes read match the source's ETag, and the destination holds exactly those bytes.
    BothEnds,
    /// The source's ETag cannot be checked (not an MD5, or an uncommon part size); the
    /// destination holds exactly the bytes read from it.
    BytesRead,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Failed {
    pub key: String,
    pub reason: String,
}

/// The end of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Report {
    pub plan: Plan,
    pub copied: Tally,
    /// Of the copied, those whose source ETag could not vouch for the bytes read.
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub checked_bytes_only: u64,
    pub already_there: Tally,
    pub failed: Vec<Failed>,
    /// Not started because the run was cancelled; the next run copies them.
    pub not_started: Tally,
    pub seconds: f64,
}

/// Progress as objects finish.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Progress {
    pub done: Tally,
    pub total: Tally,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub failed: u64,
    pub last_key: String,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Keys under this prefix ("" for all).
    pub prefix: String,
    pub overwrite: bool,
    pub concurrency: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prefix: String::new(),
            overwrite: false,
            concurrency: 16,
        }
    }
}

/// A migration between two buckets, named by `source_id` and `dest_id` in the journal
/// (endpoint and bucket, see `seen::bucket_id`).
pub struct Migration {
    pub source: Bucket,
    pub dest: Bucket,
    pub source_id: String,
    pub dest_id: String,
    pub options: Options,
}

struct Journal(Mutex<Connection>);

impl Journal {
    fn open(dirs: &Dirs) -> Result<Journal> {
        let conn = crate::db::open(
            &dirs.data.join("migrate.sqlite3"),
            MIGRATIONS,
            "the migration journal",
        )?;
        // A record lost to a power cut only means that object is copied again, the same bytes.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(failed)?;
        Ok(Journal(Mutex::new(conn)))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn done(&self, m: &Migration, key: &str) -> Result<Option<(u64, String)>> {
        self.conn()
            .query_row(
                "SELECT size, etag FROM copied WHERE source = ?1 AND dest = ?2 AND key = ?3",
                params![m.source_id, m.dest_id, key],
                |r| Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(failed)
    }

    fn was_started(&self, m: &Migration, key: &str) -> Result<bool> {
        self.conn()
            .query_row(
                "SELECT 1 FROM started WHERE source = ?1 AND dest = ?2 AND key = ?3",
                params![m.source_id, m.dest_id, key],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(failed)
    }

    fn start(&self, m: &Migration, key: &str) -> Result<()> {
        self.conn()
            .execute(
                "INSERT OR IGNORE INTO started (source, dest, key) VALUES (?1, ?2, ?3)",
                params![m.source_id, m.dest_id, key],
            )
            .map(|_| ())
            .map_err(failed)
    }

    fn record(&self, m: &Migration, o: &ObjectEntry) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM started WHERE source = ?1 AND dest = ?2 AND key = ?3",
            params![m.source_id, m.dest_id, o.key],
        )
        .map_err(failed)?;
        conn
            .execute(
                "INSERT OR REPLACE INTO copied (source, dest, key, size, etag, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    m.source_id,
                    m.dest_id,
                    o.key,
                    o.size as i64,
                    source_etag(o),
                    crate::wire::time(chrono::Utc::now())
                ],
            )
            .map(|_| ())
            .map_err(failed)
    }
}

fn failed(e: rusqlite::Error) -> Error {
    Error::Storage(format!("the migration journal failed: {e}"))
}

fn source_etag(o: &ObjectEntry) -> String {
    o.etag.as_deref().map(clean_etag).unwrap_or_default()
}

async fn list_all(bucket: &Bucket, prefix: &str) -> Result<Vec<ObjectEntry>> {
    let prefix = Prefix::parse(prefix)?;
    let mut listing = Listing::new(bucket, &prefix, true);
    let mut all = Vec::new();
    while let Some(page) = listing.next_page().await? {
        all.extend(page.objects.into_iter().filter(|o| !o.key.ends_with('/')));
    }
    Ok(all)
}

/// What to do with each source object.
enum Step {
    Copy(ObjectEntry),
    There(ObjectEntry, bool),
}

impl Migration {
    /// Lists both sides and decides, object by object, what a run would do.
    async fn decide(&self, journal: &Journal) -> Result<(Plan, Vec<Step>)> {
        let (source, dest) = tokio::try_join!(
            list_all(&self.source, &self.options.prefix),
            list_all(&self.dest, &self.options.prefix)
        )?;
        let dest: HashMap<String, ObjectEntry> = dest.into_iter().map(|o| (o.key.clone(), o)).collect();
        let mut plan = Plan {
            source: Tally::default(),
            to_copy: Tally::default(),
            already_there: Tally::default(),
            conflicts: Vec::new(),
            estimated_seconds: 0.0,
            estimate_basis: format!(
                "{:.0} MB/s and {:.0} objects/s, a conservative internet rate; the real rate shows as it runs",
                ESTIMATE_BYTES_PER_SEC / 1e6,
                ESTIMATE_OBJECTS_PER_SEC
            ),
        };
        let mut steps = Vec::with_capacity(source.len());
        for o in source {
            plan.source.add(o.size);
            let recorded = journal.done(self, &o.key)?;
            let there = dest.get(&o.key);
            let same_in_dest = there.is_some_and(|d| {
                d.size == o.size && d.etag.as_deref().map(clean_etag) == Some(source_etag(&o))
            });
            let copied_before = recorded
                .is_some_and(|(size, etag)| size == o.size && etag == source_etag(&o))
                && there.is_some_and(|d| d.size == o.size);
            if copied_before || same_in_dest {
                plan.already_there.add(o.size);
                // Found in the destination but not yet in the journal: recorded, so the next
                // run need not look.
                steps.push(Step::There(o, !copied_before));
            } else if there.is_some() && !self.options.overwrite && !journal.was_started(self, &o.key)? {
                plan.conflicts.push(o.key);
            } else {
                plan.to_copy.add(o.size);
                steps.push(Step::Copy(o));
            }
        }
        plan.estimated_seconds = plan.to_copy.bytes as f64 / ESTIMATE_BYTES_PER_SEC
            + plan.to_copy.objects as f64 / ESTIMATE_OBJECTS_PER_SEC;
        Ok((plan, steps))
    }

    /// What a run would do, without doing it.
    pub async fn plan(&self, dirs: &Dirs) -> Result<Plan> {
        let journal = Journal::open(dirs)?;
        Ok(self.decide(&journal).await?.0)
    }

    /// Copies what the plan says, `options.concurrency` objects at a time; `on_progress` hears
    /// of each finished object. Once `cancel` fires no object starts; those in flight finish
    /// (a half-copied object is never left), and the report counts the others as not started.
    pub async fn run(
        &self,
        dirs: &Dirs,
        cancel: &tokio_util::sync::CancellationToken,
        on_progress: impl Fn(Progress) + Send + Sync + 'static,
    ) -> Result<Report> {
        let started = Instant::now();
        let journal = Arc::new(Journal::open(dirs)?);
        let (plan, steps) = self.decide(&journal).await?;
        let mut copies = Vec::new();
        for step in steps {
            match step {
                Step::Copy(o) => copies.push(o),
                Step::There(o, true) => journal.record(self, &o)?,
                Step::There(_, false) => {}
            }
        }
        let total = plan.to_copy;
        let done = Arc::new(Mutex::new((Tally::default(), 0u64)));
        let on_progress = Arc::new(on_progress);
        let work = {
            let (source, dest, journal) = (self.source.clone(), self.dest.clone(), journal.clone());
            let ids = Arc::new((self.source_id.clone(), self.dest_id.clone(), self.options.clone()));
            let cancel = cancel.clone();
            move |o: ObjectEntry| {
                let (source, dest, journal, ids) =
                    (source.clone(), dest.clone(), journal.clone(), ids.clone());
                let (done, on_progress, cancel) = (done.clone(), on_progress.clone(), cancel.clone());
                async move {
                    if cancel.is_cancelled() {
                        return Err(Error::Cancelled);
                    }
                    let m = Migration {
                        source: source.clone(),
                        dest: dest.clone(),
                        source_id: ids.0.clone(),
                        dest_id: ids.1.clone(),
                        options: ids.2.clone(),
                    };
                    journal.start(&m, &o.key)?;
                    let outcome = copy_one(&source, &dest, &o).await;
                    if outcome.is_ok() {
                        journal.record(&m, &o)?;
                    }
                    let progress = {
                        let mut d = done.lock().unwrap_or_else(|p| p.into_inner());
                        match &outcome {
                            Ok(_) => d.0.add(o.size),
                            Err(_) => d.1 += 1,
                        }
                        Progress {
                            done: d.0,
                            total,
                            failed: d.1,
                            last_key: o.key.clone(),
                        }
                    };
                    on_progress(progress);
                    outcome
                }
            }
        };
        let keys: Vec<(String, u64)> = copies.iter().map(|o| (o.key.clone(), o.size)).collect();
        let results = crate::bounded::for_each_bounded(copies, self.options.concurrency, work).await;
        let mut report = Report {
            already_there: plan.already_there,
            plan,
            copied: Tally::default(),
            checked_bytes_only: 0,
            failed: Vec::new(),
            not_started: Tally::default(),
            seconds: 0.0,
        };
        for ((key, size), result) in keys.into_iter().zip(results) {
            match result.and_then(|r| r) {
                Ok((size, verified)) => {
                    report.copied.add(size);
                    if verified == Verified::BytesRead {
                        report.checked_bytes_only += 1;
                    }
                }
                Err(Error::Cancelled) => report.not_started.add(size),
                Err(e) => report.failed.push(Failed {
                    key,
                    reason: e.to_string(),
                }),
            }
        }
        for key in &report.plan.conflicts {
            report.failed.push(Failed {
                key: key.clone(),
                reason: "a different object is already at this key in the destination: left as it is (--overwrite replaces it)"
                    .into(),
            });
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

/// Copies one object, reading it once: in one PUT up to `PART_SIZE`, else in parts of that
/// size, each with its Content-MD5. Returns its size and how it was checked.
async fn copy_one(source: &Bucket, dest: &Bucket, o: &ObjectEntry) -> Result<(u64, Verified)> {
    let etag = source_etag(o);
    // Pinned to the listed version: an object rewritten meanwhile is reported, not mixed.
    let if_match = (!etag.is_empty()).then(|| format!("\"{etag}\""));
    let fetched = source
        .get_range(&o.key, 0, None, if_match.as_deref())
        .await
        .map_err(|e| match e {
            Error::Changed(_) => Error::Changed(format!(
                "'{}' changed in the source during the migration: run it again",
                o.key
            )),
            e => e,
        })?;
    let size = fetched.total;
    let mut headers = fetched.headers;
    let mut body = fetched.body;
    let mut source_check = EtagCheck::new(&etag, size);
    let mut crc = Crc64::default();
    let dest_etag = if size <= PART_SIZE {
        let mut data = Vec::with_capacity(size as usize);
        while let Some(chunk) = body.next().await {
            data.extend_from_slice(&chunk.map_err(|e| read_error(&o.key, &e))?);
        }
        if data.len() as u64 != size {
            return Err(Error::Integrity(format!(
                "the source sent {} bytes of '{}', not {size}: run it again",
                data.len(),
                o.key
            )));
        }
        source_check.update(&data);
        crc.update(&data);
        headers
            .metadata
            .entry(CRC_META.to_string())
            .or_insert_with(|| transfer::encode_crc(crc.finish()));
        let md5: [u8; 16] = Md5::digest(&data).into();
        let got = dest.put_body(&o.key, data, &headers, &b64(&md5), false).await?;
        let expected = transfer::hex(&md5);
        (got.as_deref().map(clean_etag), expected)
    } else {
        let id = dest.create_multipart(&o.key, &headers).await?;
        let sent = send_parts(dest, &o.key, &id, size, &mut body, &mut source_check).await;
        match sent {
            Ok((parts, expected)) => match dest.complete_multipart(&o.key, &id, parts, false).await {
                Ok(got) => (got.as_deref().map(clean_etag), expected),
                Err(e) => {
                    let _ = dest.abort_multipart(&o.key, &id).await;
                    return Err(e);
                }
            },
            Err(e) => {
                let _ = dest.abort_multipart(&o.key, &id).await;
                return Err(e);
            }
        }
    };
    let (got, expected) = dest_etag;
    if got.as_deref() != Some(expected.as_str()) {
        let _ = dest.delete(&o.key).await;
        return Err(Error::Integrity(format!(
            "the destination stored '{}' with ETag {}, not the {expected} of the bytes sent: removed there; run it again",
            o.key,
            got.unwrap_or_default()
        )));
    }
    match source_check.matches(&etag) {
        Some(true) => Ok((size, Verified::BothEnds)),
        // A plain MD5 that disagrees: the bytes read are not what the source holds.
        Some(false) if !etag.contains('-') => {
            let _ = dest.delete(&o.key).await;
            Err(Error::Integrity(format!(
                "'{}' read from the source does not match its MD5 {etag}: removed from the destination; run it again",
                o.key
            )))
        }
        _ => Ok((size, Verified::BytesRead)),
    }
}

fn read_error(key: &str, e: &dyn std::fmt::Display) -> Error {
    Error::Unreachable(format!(
        "reading '{key}' from the source was interrupted ({e}): run it again"
    ))
}

/// Streams a body into parts of `PART_SIZE`; returns the parts and the ETag the assembled
/// object must have.
async fn send_parts(
    dest: &Bucket,
    key: &str,
    id: &str,
    size: u64,
    body: &mut aws_sdk_s3::primitives::ByteStream,
    source_check: &mut EtagCheck,
) -> Result<(Vec<(i32, String)>, String)> {
    let mut parts = Vec::new();
    let mut all = Md5::new();
    let mut buffer: Vec<u8> = Vec::with_capacity(PART_SIZE as usize);
    let mut read = 0u64;
    let mut number = 0i32;
    loop {
        let chunk = body.next().await.transpose().map_err(|e| read_error(key, &e))?;
        if let Some(chunk) = &chunk {
            source_check.update(chunk);
            read += chunk.len() as u64;
            buffer.extend_from_slice(chunk);
        }
        while buffer.len() as u64 >= PART_SIZE || (chunk.is_none() && !buffer.is_empty()) {
            let take = buffer.len().min(PART_SIZE as usize);
            let rest = buffer.split_off(take);
            let part = std::mem::replace(&mut buffer, rest);
            let md5: [u8; 16] = Md5::digest(&part).into();
            all.update(md5);
            number += 1;
            let etag = dest.upload_part(key, id, number, part, &b64(&md5)).await?;
            parts.push((number, etag));
        }
        if chunk.is_none() {
            break;
        }
    }
    if read != size {
        return Err(Error::Integrity(format!(
            "the source sent {read} bytes of '{key}', not {size}: run it again"
        )));
    }
    Ok((parts, format!("{}-{}", transfer::hex(&all.finalize()), number)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dirs(root: &std::path::Path) -> Dirs {
        Dirs::new(root.join("c"), root.join("d"))
    }

    fn migration(source: &Bucket, dest: &Bucket) -> Migration {
        Migration {
            source: source.clone(),
            dest: dest.clone(),
            source_id: "s3|old".into(),
            dest_id: "r2|new".into(),
            options: Options::default(),
        }
    }

    #[tokio::test]
    async fn objects_arrive_with_their_headers_and_a_rerun_writes_nothing() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let store = Arc::new(crate::storage::MemoryStore::new("old"));
        let source = Bucket::from_store(store.clone());
        let dest = Bucket::in_memory("new");
        let headers = crate::storage::ObjectHeaders {
            content_type: Some("application/pdf".into()),
            metadata: [("origin".to_string(), "scanner".to_string())].into(),
            presentation: crate::storage::Presentation {
                cache_control: Some("max-age=60".into()),
                content_disposition: Some("attachment".into()),
                content_encoding: Some("identity".into()),
                content_language: Some("de".into()),
                expires: Some("Wed, 21 Oct 2026 07:28:00 GMT".into()),
            },
        };
        let small = b"%PDF-1.4 receipt".to_vec();
        source
            .put_body(
                "acme/documents/r.pdf",
                small.clone(),
                &headers,
                &transfer::content_md5_of(&small),
                false,
            )
            .await
            .unwrap();
        let big: Vec<u8> = (0..(20 * 1024 * 1024u32)).map(|i| (i % 251) as u8).collect();
        source
            .put("acme/uploads/big.bin", big.clone(), None)
            .await
            .unwrap();
        // An object whose ETag is not an MD5 (a migrated or encrypted one): still copied.
        store.put_with_etag("acme/images/odd.jpg", b"jpeg".to_vec(), "opaque-etag");

        let m = migration(&source, &dest);
        let plan = m.plan(&dirs).await.unwrap();
        assert_eq!(plan.to_copy.objects, 3);
        assert_eq!(plan.source.bytes, (small.len() + big.len() + 4) as u64);
        let report = m.run(&dirs, &Default::default(), |_| {}).await.unwrap();
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        assert_eq!(report.copied.objects, 3);
        assert_eq!(report.checked_bytes_only, 1, "the opaque ETag could not vouch");
        let info = dest.head("acme/documents/r.pdf").await.unwrap();
        assert_eq!(info.content_type.as_deref(), Some("application/pdf"));
        assert_eq!(info.metadata.get("origin").map(String::as_str), Some("scanner"));
        assert!(
            info.metadata.contains_key(CRC_META),
            "a small copy gets Cubby's checksum"
        );
        assert_eq!(info.presentation, headers.presentation);
        assert_eq!(dest.get("acme/uploads/big.bin").await.unwrap(), big);

        // Run again: nothing to copy, nothing written.
        let again = m.run(&dirs, &Default::default(), |_| {}).await.unwrap();
        assert_eq!((again.copied.objects, again.already_there.objects), (0, 3));
    }

    #[tokio::test]
    async fn a_cancelled_run_starts_nothing_more_and_the_next_one_finishes() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let (source, dest) = (Bucket::in_memory("old"), Bucket::in_memory("new"));
        for i in 0..40 {
            source
                .put(&format!("acme/documents/{i:02}.pdf"), vec![i; 10], None)
                .await
                .unwrap();
        }
        let m = Migration {
            options: Options {
                concurrency: 1,
                ..Options::default()
            },
            ..migration(&source, &dest)
        };
        let cancel = tokio_util::sync::CancellationToken::new();
        let trip = cancel.clone();
        let report = m
            .run(&dirs, &cancel, move |p| {
                if p.done.objects == 5 {
                    trip.cancel();
                }
            })
            .await
            .unwrap();
        assert!(
            report.copied.objects >= 5 && report.copied.objects < 40,
            "{report:?}"
        );
        assert_eq!(report.copied.objects + report.not_started.objects, 40);
        assert!(
            report.failed.is_empty(),
            "not started is not failed: {:?}",
            report.failed
        );
        let rest = m.run(&dirs, &Default::default(), |_| {}).await.unwrap();
        assert_eq!(rest.copied.objects, report.not_started.objects);
        assert_eq!(rest.already_there.objects, report.copied.objects);
    }

    #[tokio::test]
    async fn what_a_killed_run_left_half_done_is_redone_not_reported() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let (source, dest) = (Bucket::in_memory("old"), Bucket::in_memory("new"));
        let body: Vec<u8> = (0..(9 * 1024 * 1024u32)).map(|i| (i % 241) as u8).collect();
        source
            .put("acme/uploads/scan.tif", body.clone(), None)
            .await
            .unwrap();
        let m = migration(&source, &dest);
        // The state a kill leaves: the copy begun in the journal, something under the key in
        // the destination, nothing recorded as copied.
        Journal::open(&dirs)
            .unwrap()
            .start(&m, "acme/uploads/scan.tif")
            .unwrap();
        dest.put("acme/uploads/scan.tif", body[..10].to_vec(), None)
            .await
            .unwrap();
        let report = m.run(&dirs, &Default::default(), |_| {}).await.unwrap();
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        assert_eq!(report.copied.objects, 1);
        assert!(dest.get("acme/uploads/scan.tif").await.unwrap() == body);
    }

    #[tokio::test]
    async fn a_different_object_in_the_destination_is_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let (source, dest) = (Bucket::in_memory("old"), Bucket::in_memory("new"));
        source
            .put("acme/documents/a.pdf", b"old".to_vec(), None)
            .await
            .unwrap();
        dest.put("acme/documents/a.pdf", b"newer".to_vec(), None)
            .await
            .unwrap();
        let report = migration(&source, &dest)
            .run(&dirs, &Default::default(), |_| {})
            .await
            .unwrap();
        assert_eq!(report.copied.objects, 0);
        assert_eq!(report.failed.len(), 1);
        assert!(
            report.failed[0].reason.contains("--overwrite"),
            "{:?}",
            report.failed
        );
        assert_eq!(dest.get("acme/documents/a.pdf").await.unwrap(), b"newer");
    }
}
