//! One attempt at one watched file: open it without following links, hash it, route it, reserve
//! its key in the journal, upload it (or find it already there), record the outcome, and do what
//! the folder says after a verified upload. Failures are recorded with a retry time; a permanent
//! one stops the folder.

use super::*;

pub(super) struct Stop(pub(super) String);

/// Why a file is not read yet although it has settled.
const HELD_UNREAD: &str =
    "open in another program (a scanner still writing, or Excel): uploaded once that program closes it";

pub(super) struct Job {
    pub(super) bucket: Bucket,
    pub(super) journal: JournalWriter,
    pub(super) sink: Arc<dyn SyncSink>,
    pub(super) spec: WatchedFolder,
    pub(super) name: String,
    pub(super) stability: Duration,
    pub(super) clock: Arc<dyn Clock>,
}

impl Job {
    fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// One journal step for this folder, durable when it returns.
    async fn record<R: Send + 'static>(
        &self,
        step: impl FnOnce(&mut Journal, i64) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let folder = self.spec.id;
        self.journal.run(move |journal| step(journal, folder)).await
    }

    /// Back to pending with a note and a retry time, in one step.
    async fn requeue(&self, path: &str, note: &str) -> Result<()> {
        let (path, note) = (path.to_string(), note.to_string());
        let retry = self.now_ms() + self.stability.as_millis() as i64;
        self.record(move |j, id| {
            j.requeue(id, &path)?;
            j.note(id, &path, &note, retry)
        })
        .await
    }

    /// Another program holds the file (`confine::in_use`): it waits, shown with `note`, and is
    /// tried again with a backoff. A scanner lets go within seconds; Excel only when the workbook
    /// closes, so the wait grows to a minute.
    async fn hold(&self, row: &FileRow, note: &str) -> Result<()> {
        let first = (self.stability.as_millis() as i64).max(1_000);
        let retry = self.now_ms() + (first << row.attempts.min(6)).min(60_000);
        if row.last_error.as_deref() != Some(note) {
            self.emit(&row.path, FileState::Pending, row.key.clone(), Some(note.into()));
        }
        let (path, note) = (row.path.clone(), note.to_string());
        self.record(move |j, id| j.hold(id, &path, &note, retry)).await
    }

    async fn mark_uploaded(&self, path: &str, hash: &str, size: u64, key: &str, etag: &str) -> Result<()> {
        let upload = Upload {
            hash,
            size,
            key,
            etag,
        };
        self.journal
            .mark_uploaded(self.spec.id, path, &upload, self.now_ms())
            .await
    }

    fn emit(&self, path: &str, state: FileState, key: Option<String>, message: Option<String>) {
        self.sink.event(SyncEvent::File {
            folder: self.name.clone(),
            path: path.to_string(),
            state,
            key,
            message,
        });
    }

    /// One attempt at one file. Errors other than `Stop` are recorded in the journal.
    pub(super) async fn process(&self, row: FileRow) -> std::result::Result<(), Stop> {
        match self.attempt(&row).await {
            Ok(()) => Ok(()),
            Err(e) => {
                let permanent = matches!(
                    &e,
                    Error::Auth {
                        kind: AuthFailure::AccessDenied
                            | AuthFailure::UnknownAccessKey
                            | AuthFailure::WrongSecret,
                        ..
                    }
                ) || matches!(&e, Error::NoSuchBucket(_));
                // Exponential backoff with jitter, capped at five minutes.
                let base = 1_000i64 << row.attempts.min(8);
                let jitter = rand::random_range(0..=base / 2);
                let retry = self.now_ms() + (base + jitter).min(300_000);
                let (path, message) = (row.path.clone(), e.to_string());
                let _ = self
                    .record(move |j, id| j.mark_failed(id, &path, &message, retry))
                    .await;
                self.emit(&row.path, FileState::Failed, row.key.clone(), Some(e.to_string()));
                if permanent {
                    return Err(Stop(e.to_string()));
                }
                Ok(())
            }
        }
    }

    async fn attempt(&self, row: &FileRow) -> Result<()> {
        let local = self.spec.path.join(&row.path);
        let tenant = match self.spec.tenant.for_path(&row.path) {
            Ok(tenant) => tenant,
            // No tenant to send it to: a problem with its reason, shown until the file moves
            // into a client's subfolder (a new path) or the subfolder is renamed.
            Err(reason) => {
                let retry = self.now_ms() + 300_000;
                if row.last_error.as_deref() != Some(reason.as_str()) {
                    self.emit(&row.path, FileState::Failed, None, Some(reason.clone()));
                }
                let path = row.path.clone();
                return self
                    .record(move |j, id| j.mark_failed(id, &path, &reason, retry))
                    .await;
            }
        };
        let bucket = match &self.spec.tenant {
            TenantRule::One(_) => self.bucket.clone(),
            TenantRule::PerSubfolder => self.bucket.scoped_to(&tenant),
        };
        // Opened once, never through a link; what is hashed and checked is this handle's file.
        let (file, meta) = match confine::open_within(&self.spec.path, Path::new(&row.path)) {
            Ok(opened) => opened,
            Err(e) if confine::in_use(&e) => return self.hold(row, HELD_UNREAD).await,
            Err(e) => {
                // Gone, or no longer a regular file reached without links: forget it.
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!("watched file skipped: {e}");
                }
                let path = row.path.clone();
                self.record(move |j, id| j.forget(id, &path)).await?;
                return Ok(());
            }
        };
        if meta.len() != row.size || mtime_ns(&meta) != row.mtime {
            // Still being written: record what is there now; the window starts again.
            let seen = [(row.path.clone(), meta.len(), mtime_ns(&meta))];
            let now = self.now_ms();
            self.record(move |j, id| j.observe(id, &seen, now, now)).await?;
            return Ok(());
        }
        if row.size == 0 {
            // A receipt still being written, or an empty file: never uploaded blank.
            let note = "empty file: waiting for content";
            if row.last_error.as_deref() != Some(note) {
                self.emit(&row.path, FileState::Pending, None, Some(note.into()));
            }
            let (path, retry) = (
                row.path.clone(),
                self.now_ms() + self.stability.as_millis() as i64,
            );
            self.record(move |j, id| j.note(id, &path, note, retry)).await?;
            return Ok(());
        }
        let options = UploadOptions {
            concurrency: 1,
            ..UploadOptions::default()
        };
        // The plain MD5 (the journal's content identity) and the ETag the upload must come back
        // with, both from the handle: an upload whose ETag differs read other bytes than these.
        let (hash, expected_etag, head) = {
            let file = file
                .try_clone()
                .map_err(|e| Error::io(format!("cannot read {}", local.display()), e))?;
            let shape =
                (row.size >= options.multipart_threshold).then(|| part_size_for(row.size, options.part_size));
            match tokio::task::spawn_blocking(move || content_of(&file, shape))
                .await
                .map_err(|e| Error::Internal(format!("hashing failed: {e}")))?
            {
                Ok(content) => content,
                // A range locked by the program writing it.
                Err(e) if confine::in_use(&e) => return self.hold(row, HELD_UNREAD).await,
                Err(e) => return Err(Error::io(format!("cannot read {}", local.display()), e)),
            }
        };
        // Same content already uploaded from this folder (a rename, a move, a touch): done.
        let size = row.size;
        let existing = {
            let hash = hash.clone();
            self.record(move |j, id| j.uploaded_content(id, &hash, size))
                .await?
        };
        // For client subfolders the same receipt may belong to two clients: only an upload to
        // this file's tenant counts.
        if let Some(key) = existing.filter(|k| k.starts_with(&tenant.prefix())) {
            self.mark_uploaded(&row.path, &hash, size, &key, &hash).await?;
            self.emit(
                &row.path,
                FileState::Uploaded,
                Some(key),
                Some("same content already uploaded".into()),
            );
            return self.after_upload(row, &meta).await;
        }
        let name = local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let detected = detect(&head, &name);
        let key = match (&row.key, &row.hash) {
            // The key reserved for this very content before an interruption: reuse it.
            (Some(key), Some(h)) if *h == hash => crate::tenant::ObjectKey::parse(key)?,
            _ => scheme_key(
                &tenant,
                self.spec.category.resolve(detected.category),
                chrono::Utc::now(),
                &name,
            )?,
        };
        {
            let (path, hash, key) = (row.path.clone(), hash.clone(), key.to_string());
            self.record(move |j, id| j.reserve(id, &path, &hash, &key))
                .await?;
        }
        self.emit(&row.path, FileState::Uploading, Some(key.to_string()), None);

        // Already there with this content (a crash after the PUT): nothing to send.
        let (exists, present) = match bucket.head(key.as_str()).await {
            // A multipart object's ETag is the MD5 of its part MD5s: compare with both.
            Ok(info) => (
                true,
                info.etag
                    .as_deref()
                    .map(clean_etag)
                    .is_some_and(|e| e == hash || e == expected_etag),
            ),
            Err(Error::NotFound(_)) => (false, false),
            Err(e) => return Err(e),
        };
        let etag = if present {
            expected_etag.clone()
        } else {
            // Read through the handle opened above where the platform can name it, so the bytes
            // sent are that file's whatever happens to the path meanwhile; elsewhere the path is
            // read and the ETag check below catches a swap.
            let source = confine::handle_path(&file).unwrap_or_else(|| local.clone());
            let plan = UploadPlan {
                local: source.clone(),
                key: key.clone(),
                size: row.size,
                content_type: detected.content_type.to_string(),
                category: self.spec.category.resolve(detected.category),
                // Just checked; another object under the key is refused by the upload's own check.
                known_new: !exists,
            };
            match upload(
                &bucket,
                &plan,
                &options,
                Arc::new(NoSink),
                &CancellationToken::new(),
            )
            .await
            .map_err(|e| e.with_path_named(&source, &local))
            {
                Ok(done) if clean_etag(&done.etag) != expected_etag => {
                    // The bytes sent are not the file that was opened: the path was swapped
                    // (for a link, say) while uploading. Take the object back at once.
                    let _ = bucket.delete(key.as_str()).await;
                    self.requeue(&row.path, "replaced while uploading: the upload was removed")
                        .await?;
                    return Ok(());
                }
                Ok(done) => done.etag,
                Err(Error::Integrity(message)) => {
                    // Changed while uploading: wait for it to settle, then try again.
                    self.requeue(&row.path, &message).await?;
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        };
        self.mark_uploaded(&row.path, &hash, row.size, key.as_str(), &etag)
            .await?;
        self.emit(&row.path, FileState::Uploaded, Some(key.to_string()), None);
        self.after_upload(row, &meta).await
    }

    /// Runs only after a verified upload (size and MD5 = ETag checked by `upload`), and only on
    /// the very file that was read: never through a link, never outside the folder. A file
    /// another program holds is moved or deleted on a later try; it is not uploaded again (its
    /// content is in the upload history).
    async fn after_upload(&self, row: &FileRow, read: &std::fs::Metadata) -> Result<()> {
        let relative = Path::new(&row.path);
        let (done, verb) = match self.spec.after_upload {
            AfterUpload::Keep => return Ok(()),
            AfterUpload::Delete => (confine::remove_within(&self.spec.path, relative, read), "delete"),
            AfterUpload::Move => (
                confine::move_within(&self.spec.path, relative, read, UPLOADED_DIR).map(|_| ()),
                "move",
            ),
        };
        match done {
            Ok(()) => Ok(()),
            Err(e) if confine::in_use(&e) => {
                let note = format!(
                    "uploaded; open in another program, so Cubby will {verb} it once that program closes it"
                );
                self.hold(row, &note).await
            }
            Err(e) => {
                let local = self.spec.path.join(relative);
                let what = match self.spec.after_upload {
                    AfterUpload::Move => format!("move {} to {UPLOADED_DIR}/", local.display()),
                    _ => format!("delete {}", local.display()),
                };
                Err(Error::io(format!("uploaded, but cannot {what}"), e))
            }
        }
    }
}
