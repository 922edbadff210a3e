//! Batches of transfers and changes: upload files and folders to a tenant, download keys or a
//! prefix into a folder, delete, move. One batch is one user action (a drop, `cubby put`, a
//! download of the selection); each returns an outcome per item, aligned with what was asked.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::bounded::{for_each_bounded, for_each_weighted};
use crate::error::Hint;
use crate::keys;
use crate::local_path::LocalTarget;
use crate::objects::{self, KeyFailure, PrefixContents};
use crate::storage::Bucket;
use crate::tenant::{Category, CategoryChoice, ObjectKey, Prefix, TenantId};
use crate::transfer::{
    self, Direction, DownloadOptions, Downloaded, QueuedItem, TransferEvent, TransferSink, UploadOptions,
    UploadPlan, Uploaded,
};
use crate::{Error, Result};

/// One item of a batch that did not succeed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ItemFailure {
    /// The local path (uploads) or the key (downloads, deletes, moves).
    pub item: String,
    pub code: &'static str,
    pub message: String,
    pub hint: Option<Hint>,
}

impl ItemFailure {
    pub fn new(item: impl Into<String>, error: &Error) -> Self {
        ItemFailure {
            item: item.into(),
            code: error.code(),
            message: error.to_string(),
            hint: error.advice(),
        }
    }
}

/// What a batch did: the items that succeeded, the ones that failed, and whether it was
/// cancelled part-way.
#[derive(Debug, Clone, Serialize)]
pub struct BatchReport<T> {
    pub done: Vec<T>,
    pub failed: Vec<ItemFailure>,
    pub cancelled: bool,
}

impl<T> BatchReport<T> {
    /// Pairs each item's name with its outcome; `results` line up with `items`.
    fn of(names: impl Iterator<Item = String>, results: Vec<Result<Result<T>>>, cancelled: bool) -> Self {
        let mut report = BatchReport {
            done: Vec::new(),
            failed: Vec::new(),
            cancelled,
        };
        for (name, result) in names.zip(results) {
            match result.and_then(|r| r) {
                Ok(done) => report.done.push(done),
                Err(e) => report.failed.push(ItemFailure::new(name, &e)),
            }
        }
        report
    }
}

/// One file of a planned upload as the window previews it: where it lands and why.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PlannedUpload {
    pub local: String,
    /// The key it would get now; the real upload stamps its own time into the key.
    pub key: String,
    /// "acme/images/": the folder the routing picked.
    pub folder: String,
    pub category: Category,
    pub content_type: String,
    #[cfg_attr(feature = "specta", specta(type = specta_typescript::Number))]
    pub size: u64,
}

impl From<&UploadPlan> for PlannedUpload {
    fn from(plan: &UploadPlan) -> Self {
        PlannedUpload {
            local: plan.local.display().to_string(),
            key: plan.key.to_string(),
            folder: plan.key.folder().to_string(),
            category: plan.category,
            content_type: plan.content_type.clone(),
            size: plan.size,
        }
    }
}

/// Expands folders and gives every file its key and category, off the async workers (it walks
/// the disk). Nothing to upload is an error that says why.
pub async fn plan_upload(
    paths: Vec<PathBuf>,
    tenant: TenantId,
    choice: CategoryChoice,
    key: Option<ObjectKey>,
    now: DateTime<Utc>,
) -> Result<Vec<UploadPlan>> {
    let plans = tokio::task::spawn_blocking(move || {
        transfer::plan_uploads(&paths, &tenant, choice, key.as_ref(), now)
    })
    .await
    .map_err(|e| Error::Internal(format!("planning the upload stopped: {e}")))??;
    if plans.is_empty() {
        return Err(Error::invalid(
            "no files to upload (inside folders, hidden, empty, temporary and lock files and symlinks are skipped)",
        ));
    }
    Ok(plans)
}

/// The objects already in the planned files' folders whose name people see, size and content
/// equal a planned file: uploading it again would only add a look-alike copy. Keyed by the
/// plan's local path. One listing per folder; contents are hashed only on a name and size match.
async fn already_there(
    bucket: &Bucket,
    plans: &[UploadPlan],
    options: &UploadOptions,
) -> Result<std::collections::HashMap<PathBuf, Uploaded>> {
    use std::collections::HashMap;
    let mut found = HashMap::new();
    let mut folders: HashMap<String, Vec<crate::storage::ObjectEntry>> = HashMap::new();
    for plan in plans.iter().filter(|p| p.known_new && !options.overwrite) {
        let folder = plan.key.folder().to_string();
        if !folders.contains_key(&folder) {
            let mut listing = crate::listing::Listing::new(bucket, &Prefix::parse(&folder)?, false);
            let mut entries = Vec::new();
            while let Some(page) = listing.next_page().await? {
                entries.extend(page.objects);
            }
            folders.insert(folder.clone(), entries);
        }
        let shown = keys::display_name(plan.key.as_str());
        let candidates: Vec<_> = folders[&folder]
            .iter()
            .filter(|o| o.size == plan.size && keys::display_name(&o.key) == shown)
            .filter_map(|o| Some((o.key.clone(), o.etag.clone()?)))
            .collect();
        for (key, etag) in candidates {
            let part_size = (plan.size >= options.multipart_threshold)
                .then(|| transfer::part_size_for(plan.size, options.part_size));
            let (path, tag) = (plan.local.clone(), etag.clone());
            let same = tokio::task::spawn_blocking(move || transfer::same_content(&path, &tag, part_size))
                .await
                .map_err(|e| Error::Internal(format!("comparing {} stopped: {e}", plan.local.display())))?
                .map_err(|e| Error::io(format!("cannot read {}", plan.local.display()), e))?;
            if same {
                found.insert(
                    plan.local.clone(),
                    Uploaded {
                        key,
                        local: plan.local.clone(),
                        size: plan.size,
                        etag: transfer::clean_etag(&etag),
                        already_there: true,
                    },
                );
                break;
            }
        }
    }
    Ok(found)
}

/// Uploads every planned file into `tenant`, `options.concurrency` at a time; a key outside
/// the tenant (an exact key that names another) is refused, not uploaded. A file whose same
/// content is already in its folder under the same name is not sent again (as `aws s3 sync` and
/// `rclone copy` skip what is there); it is reported with `already_there`.
pub async fn upload(
    bucket: &Bucket,
    tenant: &TenantId,
    plans: Vec<UploadPlan>,
    options: &UploadOptions,
    sink: Arc<dyn TransferSink>,
    cancel: &CancellationToken,
) -> BatchReport<Uploaded> {
    let names: Vec<String> = plans.iter().map(|p| p.local.display().to_string()).collect();
    sink.event(TransferEvent::Queued {
        direction: Direction::Upload,
        items: plans
            .iter()
            .map(|p| QueuedItem {
                key: p.key.to_string(),
                local: p.local.display().to_string(),
                size: Some(p.size),
            })
            .collect(),
    });
    let bucket = bucket.scoped_to(tenant);
    let present = match already_there(&bucket, &plans, options).await {
        Ok(present) => Arc::new(present),
        // Not knowing what is there only costs a duplicate; the upload itself still checks.
        Err(e) => {
            tracing::debug!("could not look for files already uploaded: {e}");
            Arc::new(std::collections::HashMap::new())
        }
    };
    // Small files are read and hashed side by side ahead of their PUTs, in the order the PUTs
    // start (the order of `plans`).
    let ahead = Arc::new(transfer::ReadAhead::start(
        plans.len(),
        plans
            .iter()
            .enumerate()
            .filter(|(_, plan)| {
                !present.contains_key(&plan.local) && transfer::sent_from_memory(plan, options)
            })
            .map(|(index, plan)| (index, plan.local.clone(), plan.size))
            .collect(),
    ));
    let indexed: Vec<(usize, UploadPlan)> = plans.into_iter().enumerate().collect();
    let results = for_each_bounded(indexed, options.concurrency, |(index, plan)| {
        let (bucket, options, sink, cancel, present, ahead) = (
            bucket.clone(),
            options.clone(),
            sink.clone(),
            cancel.clone(),
            present.clone(),
            ahead.clone(),
        );
        async move {
            // Taken first, whatever follows: the read-ahead waits for its files to be taken.
            let prepared = ahead.take(index).await;
            if let Some(done) = present.get(&plan.local) {
                transfer::report_done(
                    sink.as_ref(),
                    Direction::Upload,
                    &done.key,
                    &plan.local.display().to_string(),
                    0,
                );
                return Ok(done.clone());
            }
            transfer::upload_prepared(&bucket, &plan, &options, prepared, sink, &cancel).await
        }
    })
    .await;
    BatchReport::of(names.into_iter(), results, cancel.is_cancelled())
}

/// One object to download and the part of its key that is not recreated locally.
#[derive(Debug, Clone)]
pub struct DownloadItem {
    pub key: ObjectKey,
    strip: String,
    /// As listed, when it was.
    size: Option<u64>,
}

impl DownloadItem {
    /// A single key lands flat in the folder, under its own name.
    pub fn flat(key: ObjectKey) -> Self {
        DownloadItem {
            strip: key.folder().to_string(),
            key,
            size: None,
        }
    }

    /// The share of a batch's slots this download takes: a small file a quarter of one, so
    /// that a folder of receipts has four times as many requests in flight (each is mostly
    /// waiting on the network) while big files, each several ranges at once, stay at
    /// `concurrency`. An object of unknown size counts as big.
    fn slots(&self) -> usize {
        match self.size {
            Some(size) if size <= SMALL_DOWNLOAD => 1,
            _ => SLOTS_PER_FILE,
        }
    }
}

/// Downloads up to this size count as small (see `DownloadItem::slots`).
const SMALL_DOWNLOAD: u64 = 4 * transfer::MIB;
const SLOTS_PER_FILE: usize = 4;

/// What a download selection holds: the objects, and keys Cubby will not name locally.
pub struct DownloadSelection {
    pub items: Vec<DownloadItem>,
    pub skipped: Vec<ItemFailure>,
}

/// Keys (each lands flat) and everything under `prefix` (its folders recreated below the
/// prefix's own folder).
pub async fn download_selection(
    bucket: &Bucket,
    keys: Vec<ObjectKey>,
    prefix: Option<&Prefix>,
) -> Result<DownloadSelection> {
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    if let Some(prefix) = prefix {
        let strip = match prefix.as_str().rfind('/') {
            Some(i) => prefix.as_str()[..=i].to_string(),
            None => String::new(),
        };
        let contents = objects::list_prefix(bucket, prefix).await?;
        items.extend(
            contents
                .keys
                .into_iter()
                .zip(contents.sizes)
                .map(|(key, size)| DownloadItem {
                    key,
                    strip: strip.clone(),
                    size: Some(size),
                }),
        );
        skipped.extend(contents.skipped.into_iter().map(|s| {
            let why = Error::Storage(format!(
                "not downloaded: {}; rename it with the tool that wrote it",
                s.reason
            ));
            ItemFailure::new(format!("'{}'", s.key.escape_default()), &why)
        }));
    }
    items.extend(keys.into_iter().map(DownloadItem::flat));
    Ok(DownloadSelection { items, skipped })
}

/// Downloads every item into `dir` (created if missing), `options.concurrency` at a time, or up
/// to four times as many small ones (see `DownloadItem::slots`).
pub async fn download(
    bucket: &Bucket,
    items: Vec<DownloadItem>,
    dir: &Path,
    options: &DownloadOptions,
    sink: Arc<dyn TransferSink>,
    cancel: &CancellationToken,
) -> Result<BatchReport<Downloaded>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let names: Vec<String> = items.iter().map(|i| i.key.to_string()).collect();
    let targets = batch_targets(dir, &items);
    sink.event(TransferEvent::Queued {
        direction: Direction::Download,
        items: items
            .iter()
            .zip(&targets)
            .map(|(i, t)| QueuedItem {
                key: i.key.to_string(),
                local: t
                    .as_ref()
                    .map(|t| t.path.display().to_string())
                    .unwrap_or_default(),
                size: None,
            })
            .collect(),
    });
    let work: Vec<(DownloadItem, Result<LocalTarget>)> = items.into_iter().zip(targets).collect();
    let slots = options.concurrency.saturating_mul(SLOTS_PER_FILE);
    let results = for_each_weighted(
        work,
        slots,
        |(item, _)| item.slots(),
        |(item, target)| {
            let (bucket, options, sink, cancel) =
                (bucket.clone(), options.clone(), sink.clone(), cancel.clone());
            async move {
                let target = target?;
                if !options.overwrite {
                    if let Some(done) = downloaded_before(&bucket, &item.key, &target).await? {
                        transfer::report_done(
                            sink.as_ref(),
                            Direction::Download,
                            item.key.as_str(),
                            &done.path.display().to_string(),
                            0,
                        );
                        return Ok(done);
                    }
                }
                transfer::download(&bucket, &item.key, &target, &options, sink, &cancel).await
            }
        },
    )
    .await;
    Ok(BatchReport::of(names.into_iter(), results, cancel.is_cancelled()))
}

/// Where each item of a batch lands: its own name, and no two names that differ only in case.
fn batch_targets(dir: &Path, items: &[DownloadItem]) -> Vec<Result<LocalTarget>> {
    let mut targets: Vec<Result<LocalTarget>> = items
        .iter()
        .map(|i| transfer::target_for(dir, &i.key, &i.strip))
        .collect();
    let mut placed: Vec<LocalTarget> = targets.iter().filter_map(|t| t.as_ref().ok().cloned()).collect();
    crate::local_path::distinct_ignoring_case(&mut placed);
    let mut placed = placed.into_iter();
    for target in targets.iter_mut().filter(|t| t.is_ok()) {
        *target = Ok(placed.next().expect("one per placed target"));
    }
    targets
}

/// A download whose file name is already taken in the folder.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Clash {
    pub key: String,
    /// The file that is there.
    pub local: String,
    /// It already holds the object's content: the download skips it by itself.
    pub identical: bool,
}

/// The items whose file is already in `dir`, and whether that file holds the object's content:
/// what a person decides about before the download starts (replace, keep both, skip).
pub async fn download_clashes(bucket: &Bucket, items: &[DownloadItem], dir: &Path) -> Result<Vec<Clash>> {
    let mut clashes = Vec::new();
    for (item, target) in items.iter().zip(batch_targets(dir, items)) {
        let target = target?;
        if !std::fs::symlink_metadata(&target.path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        clashes.push(Clash {
            key: item.key.to_string(),
            local: target.path.display().to_string(),
            identical: downloaded_before(bucket, &item.key, &target).await?.is_some(),
        });
    }
    Ok(clashes)
}

/// The local file at the download's target when it already holds the object's content (an
/// earlier run of the same download): fetching it again would only add a " (1)" copy.
async fn downloaded_before(
    bucket: &Bucket,
    key: &ObjectKey,
    target: &LocalTarget,
) -> Result<Option<Downloaded>> {
    let local = match std::fs::symlink_metadata(&target.path) {
        Ok(meta) if meta.is_file() => meta.len(),
        _ => return Ok(None),
    };
    let info = bucket.head(key.as_str()).await?;
    let Some(etag) = info.etag.filter(|_| info.size == local) else {
        return Ok(None);
    };
    let part_size = if etag.contains('-') {
        Some(bucket.head_part(key.as_str(), 1).await?.0)
    } else {
        None
    };
    let path = target.path.clone();
    let same = tokio::task::spawn_blocking(move || transfer::same_content(&path, &etag, part_size))
        .await
        .map_err(|e| Error::Internal(format!("comparing {} stopped: {e}", target.path.display())))?
        .unwrap_or(false);
    Ok(same.then(|| Downloaded {
        key: key.to_string(),
        path: target.path.clone(),
        size: local,
        adjusted: target.adjusted.clone(),
        resumed_from: 0,
        checksum_verified: true,
        note: None,
        already_there: true,
    }))
}

/// A verified copy of one object in `dir`, replacing an older copy of the same key: for
/// handing a file to another app.
pub async fn fetch_copy(bucket: &Bucket, key: &ObjectKey, dir: &Path) -> Result<PathBuf> {
    let target = transfer::target_for(dir, key, key.folder())?;
    let options = DownloadOptions {
        overwrite: true,
        ..DownloadOptions::default()
    };
    let done = transfer::download(
        bucket,
        key,
        &target,
        &options,
        Arc::new(transfer::NoSink),
        &CancellationToken::new(),
    )
    .await?;
    Ok(done.path)
}

/// What deleting a prefix would remove, for the person to confirm: counted per tenant.
pub async fn delete_preview(bucket: &Bucket, prefix: &Prefix) -> Result<PrefixContents> {
    if prefix.is_root() {
        return Err(Error::invalid(
            "refusing to delete the whole bucket: give a tenant or folder prefix",
        ));
    }
    objects::list_prefix(bucket, prefix).await
}

/// Moves objects into `folder`, keeping their names. Every move is checked before anything
/// moves: leaving a tenant needs `cross_tenant`.
pub async fn move_into(
    bucket: &Bucket,
    keys: &[ObjectKey],
    folder: &Prefix,
    cross_tenant: bool,
) -> Result<MoveReport> {
    let mut plan = Vec::with_capacity(keys.len());
    for from in keys {
        let to = keys::moved_to(from, folder)?;
        objects::check_tenants(from, &to, cross_tenant)?;
        plan.push((from, to));
    }
    let mut report = MoveReport::default();
    for (from, to) in plan {
        match objects::rename(bucket, from, &to, false).await {
            Ok(()) => report.moved.push(to.to_string()),
            Err(e) => report.failed.push(KeyFailure {
                key: from.to_string(),
                reason: e.to_string(),
            }),
        }
    }
    Ok(report)
}

#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MoveReport {
    /// The new keys.
    pub moved: Vec<String>,
    pub failed: Vec<KeyFailure>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_differing_only_in_case_never_share_a_file() {
        let bucket = Bucket::in_memory("b");
        let dir = tempfile::tempdir().unwrap();
        let keys = ["acme/documents/Report.txt", "acme/documents/report.txt"];
        for (i, key) in keys.iter().enumerate() {
            bucket
                .put(key, format!("version {i}").into_bytes(), None)
                .await
                .unwrap();
        }
        let items = keys
            .iter()
            .map(|k| DownloadItem::flat(ObjectKey::parse(k).unwrap()))
            .collect();
        let report = get_all(&bucket, items, dir.path()).await;
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        // On a folder that ignores case (Windows, macOS) these are two files too.
        assert_eq!(
            std::fs::read(dir.path().join("Report.txt")).unwrap(),
            b"version 0"
        );
        assert_eq!(
            std::fs::read(dir.path().join("report (1).txt")).unwrap(),
            b"version 1"
        );
        assert!(report.done[1].adjusted[0].contains("upper and lower case"));
    }

    #[tokio::test]
    async fn clashes_tell_the_same_file_from_a_different_one() {
        let bucket = Bucket::in_memory("b");
        let dir = tempfile::tempdir().unwrap();
        let same = ObjectKey::parse("acme/documents/20250127_123456_abc123_receipt.pdf").unwrap();
        let other = ObjectKey::parse("acme/documents/invoice.pdf").unwrap();
        let fresh = ObjectKey::parse("acme/documents/new.pdf").unwrap();
        for key in [&same, &other, &fresh] {
            bucket
                .put(key.as_str(), b"%PDF-1.4 server".to_vec(), None)
                .await
                .unwrap();
        }
        // Saved under the name people see, as a download would.
        std::fs::write(dir.path().join("receipt.pdf"), b"%PDF-1.4 server").unwrap();
        std::fs::write(dir.path().join("invoice.pdf"), b"%PDF-1.4 mine, edited").unwrap();
        let items: Vec<DownloadItem> = [same, other, fresh].into_iter().map(DownloadItem::flat).collect();
        let clashes = download_clashes(&bucket, &items, dir.path()).await.unwrap();
        let found: Vec<(&str, bool)> = clashes.iter().map(|c| (c.key.as_str(), c.identical)).collect();
        assert_eq!(
            found,
            [
                ("acme/documents/20250127_123456_abc123_receipt.pdf", true),
                ("acme/documents/invoice.pdf", false)
            ]
        );
    }

    #[test]
    fn outcomes_stay_with_their_items() {
        let results: Vec<Result<Result<u32>>> = vec![
            Ok(Ok(1)),
            Err(Error::Internal("a task panicked".into())),
            Ok(Err(
                Error::AlreadyExists("'c' already exists".into()).hint(Hint::Overwrite)
            )),
            Ok(Ok(4)),
        ];
        let names = ["a", "b", "c", "d"].into_iter().map(String::from);
        let report = BatchReport::of(names, results, false);
        assert_eq!(report.done, vec![1, 4]);
        let failed: Vec<_> = report.failed.iter().map(|f| (f.item.as_str(), f.code)).collect();
        assert_eq!(failed, vec![("b", "internal"), ("c", "already_exists")]);
        assert_eq!(report.failed[1].hint, Some(Hint::Overwrite));
    }

    async fn get_one(bucket: &Bucket, key: &str, dir: &Path) -> BatchReport<Downloaded> {
        get_all(
            bucket,
            vec![DownloadItem::flat(ObjectKey::parse(key).unwrap())],
            dir,
        )
        .await
    }

    async fn get_all(bucket: &Bucket, items: Vec<DownloadItem>, dir: &Path) -> BatchReport<Downloaded> {
        download(
            bucket,
            items,
            dir,
            &DownloadOptions::default(),
            Arc::new(transfer::NoSink),
            &CancellationToken::new(),
        )
        .await
        .unwrap()
    }

    /// The `.part` is made before the GET (in the same few calls as the folder), so a GET that
    /// fails must take it away again; a stale one left by an older attempt goes with it.
    #[tokio::test]
    async fn a_download_that_finds_no_object_leaves_no_file_behind() {
        let store = Arc::new(crate::storage::MemoryStore::new("b"));
        let bucket = Bucket::from_store(store.clone());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("gone.pdf.part"), b"an attempt from last week").unwrap();
        let report = get_one(&bucket, "acme/documents/gone.pdf", dir.path()).await;
        assert_eq!(report.failed[0].code, "not_found", "{:?}", report.failed);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    #[tokio::test]
    async fn an_etag_not_from_the_content_keeps_the_bytes_and_says_so() {
        let store = Arc::new(crate::storage::MemoryStore::new("b"));
        let bucket = Bucket::from_store(store.clone());
        // Three parts of 5 MiB, the last one short: a part size the ETag could be made with.
        let data: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        // A 2023 multipart object on R2: its ETag says three parts but is not their digest.
        store.put_with_etag(
            "acme/documents/old.pdf",
            data.clone(),
            "0123456789abcdef0123456789abcdef-3",
        );
        // A plain MD5 that does not match is corruption, whatever the reason.
        store.put_with_etag(
            "acme/documents/bad.pdf",
            data.clone(),
            "0123456789abcdef0123456789abcdef",
        );
        let dir = tempfile::tempdir().unwrap();
        let report = get_one(&bucket, "acme/documents/old.pdf", dir.path()).await;
        let done = &report.done[0];
        assert!(!done.checksum_verified);
        assert!(
            done.note
                .as_deref()
                .is_some_and(|n| n.starts_with("not verified")),
            "{done:?}"
        );
        assert_eq!(std::fs::read(&done.path).unwrap(), data, "the bytes are kept");
        let report = get_one(&bucket, "acme/documents/bad.pdf", dir.path()).await;
        assert_eq!(report.failed[0].code, "integrity");
        assert!(!dir.path().join("bad.pdf").exists() && !dir.path().join("bad.pdf.part").exists());
    }

    /// A folder of small objects another tool wrote: many in flight at once, each body checked
    /// against its plain MD5 (hashed side by side with the others'), and the ones whose bytes
    /// are not their ETag's refused and removed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_folder_of_small_objects_is_each_checked_against_its_md5() {
        use md5::Digest as _;
        let store = Arc::new(crate::storage::MemoryStore::new("b"));
        let bucket = Bucket::from_store(store.clone());
        let mut expected = std::collections::BTreeMap::new();
        for i in 0..60u32 {
            let data: Vec<u8> = (0..(1_000 + i * 997))
                .map(|j| (j.wrapping_mul(i + 3) % 251) as u8)
                .collect();
            let name = format!("r{i:02}.jpg");
            let md5 = transfer::hex(&md5::Md5::digest(&data));
            // Every tenth one arrives with bytes that are not its ETag's.
            let etag = if i % 10 == 7 {
                md5.replace(&md5[..4], "0000")
            } else {
                md5
            };
            store.put_with_etag(&format!("acme/images/{name}"), data.clone(), &etag);
            expected.insert(name, (i % 10 != 7).then_some(data));
        }
        let prefix = Prefix::parse("acme/images/").unwrap();
        let selection = download_selection(&bucket, Vec::new(), Some(&prefix))
            .await
            .unwrap();
        assert_eq!(selection.items.len(), 60);
        assert!(
            selection.items.iter().all(|i| i.slots() == 1),
            "small files take one slot each"
        );
        let dir = tempfile::tempdir().unwrap();
        let report = get_all(&bucket, selection.items, dir.path()).await;
        assert_eq!(report.done.len(), 54, "{:?}", report.failed);
        assert!(report.done.iter().all(|d| d.checksum_verified));
        assert_eq!(report.failed.len(), 6);
        assert!(
            report.failed.iter().all(|f| f.code == "integrity"),
            "{:?}",
            report.failed
        );
        for (name, data) in expected {
            let path = dir.path().join(&name);
            match data {
                Some(data) => assert_eq!(std::fs::read(&path).unwrap(), data, "{name}"),
                None => assert!(!path.exists(), "{name} was kept"),
            }
        }
        let parts = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".part")
            })
            .count();
        assert_eq!(parts, 0);
    }

    #[tokio::test]
    async fn the_checksum_recorded_at_upload_is_what_a_download_is_checked_against() {
        let store = Arc::new(crate::storage::MemoryStore::new("b"));
        let bucket = Bucket::from_store(store.clone());
        let data: Vec<u8> = (0..40 * 1024 * 1024u32).map(|i| (i % 247) as u8).collect();
        let mut crc = transfer::Crc64::default();
        crc.update(&data);
        let recorded = |crc: u64| {
            use base64::Engine;
            let value = base64::engine::general_purpose::STANDARD.encode(crc.to_be_bytes());
            [(transfer::CRC_META.to_string(), value)].into()
        };
        // An ETag that says nothing about the content: only the recorded checksum can vouch.
        store.put_with(
            "acme/documents/good.pdf",
            data.clone(),
            "opaque",
            recorded(crc.finish()),
        );
        store.put_with(
            "acme/documents/bad.pdf",
            data.clone(),
            "opaque",
            recorded(crc.finish() ^ 1),
        );
        let dir = tempfile::tempdir().unwrap();
        let report = get_one(&bucket, "acme/documents/good.pdf", dir.path()).await;
        let done = &report.done[0];
        assert!(done.checksum_verified && done.note.is_none(), "{done:?}");
        assert_eq!(std::fs::read(&done.path).unwrap(), data);
        let report = get_one(&bucket, "acme/documents/bad.pdf", dir.path()).await;
        assert_eq!(report.failed[0].code, "integrity", "{:?}", report.failed);
        assert!(!dir.path().join("bad.pdf").exists() && !dir.path().join("bad.pdf.part").exists());
    }

    #[test]
    fn a_single_key_lands_flat_under_the_name_people_see() {
        let item = DownloadItem::flat(ObjectKey::parse("acme/documents/2025/a.pdf").unwrap());
        assert_eq!(item.strip, "acme/documents/2025/");
        let stamped = ObjectKey::parse("acme/documents/20250127_123456_abc123_receipt.jpg").unwrap();
        let dir = Path::new("/downloads");
        let flat = DownloadItem::flat(stamped.clone());
        let target = transfer::target_for(dir, &stamped, &flat.strip).unwrap();
        assert_eq!(target.path, dir.join("receipt.jpg"));
        let nested = transfer::target_for(dir, &stamped, "acme/").unwrap();
        assert_eq!(nested.path, dir.join("documents/receipt.jpg"));
    }
}
