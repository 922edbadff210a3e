//! The sync engine's way into its journal: every step runs on the blocking pool, never on the
//! async workers, and steps asked for while a commit is on its way to disk share the next
//! commit (group commit). An fsync therefore never pauses the uploads, and ten uploads
//! finishing together cost one or two fsyncs instead of ten.
//!
//! Durability is unchanged: a step's answer comes back only once the transaction holding it
//! is committed (`synchronous = FULL`), so a key reserved before an upload is on disk before a
//! byte goes out.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use super::{db_err, Journal, Upload};
use crate::{Error, Result};

/// Runs one step inside the open batch and returns what to answer once the batch's commit is
/// known (`Some` carries the commit's failure).
type Step = Box<dyn FnOnce(&mut Journal) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Option<&str>) + Send>;

#[derive(Clone)]
pub struct JournalWriter {
    inner: Arc<Inner>,
}

struct Inner {
    journal: Mutex<Journal>,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    steps: Vec<Step>,
    /// A blocking task is draining the queue; new steps join its next batch.
    flushing: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl JournalWriter {
    pub fn new(journal: Journal) -> Self {
        JournalWriter {
            inner: Arc::new(Inner {
                journal: Mutex::new(journal),
                queue: Mutex::new(Queue::default()),
            }),
        }
    }

    /// Runs `step` against the journal and answers once it is durable. A failing step is
    /// rolled back alone; the others in its batch still commit.
    pub async fn run<R, F>(&self, step: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Journal) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<R>>();
        let step: Step = Box::new(move |journal: &mut Journal| {
            let result = journal.in_savepoint(step);
            Box::new(move |failed: Option<&str>| {
                let answer = match failed {
                    Some(why) => Err(Error::Storage(format!("the sync journal failed: {why}"))),
                    None => result,
                };
                let _ = tx.send(answer);
            })
        });
        let start = {
            let mut queue = lock(&self.inner.queue);
            queue.steps.push(step);
            !std::mem::replace(&mut queue.flushing, true)
        };
        if start {
            let inner = self.inner.clone();
            // The blocking pool, not a thread of its own: a paused test clock does not
            // jump ahead while a blocking task runs, so engine tests keep their timing.
            tokio::task::spawn_blocking(move || inner.flush());
        }
        rx.await
            .map_err(|_| Error::Internal("the sync journal stopped answering".into()))?
    }
}

impl JournalWriter {
    /// Records a verified upload of `path` in `folder`, durable when it returns.
    pub async fn mark_uploaded(&self, folder: i64, path: &str, upload: &Upload<'_>, now: i64) -> Result<()> {
        let path = path.to_string();
        let (hash, key, etag, size) = (
            upload.hash.to_string(),
            upload.key.to_string(),
            upload.etag.to_string(),
            upload.size,
        );
        self.run(move |journal| {
            let upload = Upload {
                hash: &hash,
                size,
                key: &key,
                etag: &etag,
            };
            journal.mark_uploaded(folder, &path, &upload, now)
        })
        .await
    }
}

impl Inner {
    fn flush(&self) {
        loop {
            let steps = {
                let mut queue = lock(&self.queue);
                if queue.steps.is_empty() {
                    queue.flushing = false;
                    return;
                }
                std::mem::take(&mut queue.steps)
            };
            let mut journal = lock(&self.journal);
            if let Err(e) = journal.conn.execute_batch("BEGIN IMMEDIATE") {
                // Nothing ran: dropping the steps tells each caller the journal stopped.
                tracing::warn!("a sync journal batch could not start: {e}");
                drop(steps);
                continue;
            }
            let replies: Vec<Reply> = steps
                .into_iter()
                .map(|step| {
                    catch_unwind(AssertUnwindSafe(|| step(&mut journal))).unwrap_or_else(|_| {
                        // Undo what the step wrote; its answer channel went with it, so its
                        // caller hears that the journal stopped answering.
                        let _ = journal.conn.execute_batch("ROLLBACK TO step; RELEASE step");
                        Box::new(|_: Option<&str>| {})
                    })
                })
                .collect();
            let failed = match journal.conn.execute_batch("COMMIT") {
                Ok(()) => None,
                Err(e) => {
                    let _ = journal.conn.execute_batch("ROLLBACK");
                    Some(e.to_string())
                }
            };
            drop(journal);
            for reply in replies {
                reply(failed.as_deref());
            }
        }
    }
}

impl Journal {
    /// Runs `step` in a savepoint of its own: kept if it succeeds, undone alone if it fails.
    fn in_savepoint<R>(&mut self, step: impl FnOnce(&mut Journal) -> Result<R>) -> Result<R> {
        self.conn.execute_batch("SAVEPOINT step").map_err(db_err)?;
        let result = step(self);
        let end = if result.is_ok() {
            "RELEASE step"
        } else {
            "ROLLBACK TO step; RELEASE step"
        };
        self.conn.execute_batch(end).map_err(db_err)?;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dirs;

    fn writer() -> (tempfile::TempDir, JournalWriter, i64, Dirs) {
        let dir = tempfile::tempdir().unwrap();
        let dirs = Dirs::new(dir.path(), dir.path());
        let journal = Journal::open(&dirs, "p").unwrap();
        let folder = journal.watch_for_tests(&dir.path().join("in"));
        (dir, JournalWriter::new(journal), folder.id, dirs)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn steps_asked_for_together_all_land_and_a_failing_one_is_undone_alone() {
        let (_dir, writer, folder, dirs) = writer();
        let mut asks = Vec::new();
        for i in 0..50 {
            let writer = writer.clone();
            asks.push(tokio::spawn(async move {
                writer
                    .run(move |j| j.observe(folder, &[(format!("f{i}.pdf"), 10, 1)], 0, 0))
                    .await
            }));
        }
        // One step writes and then fails: its write must not survive, nor spoil the others'.
        let failing = writer
            .run(move |j| {
                j.observe(folder, &[("doomed.pdf".into(), 1, 1)], 0, 0)?;
                Err::<(), _>(Error::invalid("refused on purpose"))
            })
            .await;
        assert!(failing.is_err());
        for ask in asks {
            ask.await.unwrap().unwrap();
        }
        // What the writer answered for is on disk, seen by another connection.
        let other = Journal::open(&dirs, "p").unwrap();
        assert_eq!(other.status(folder, i64::MAX).unwrap().queued, 50);
        assert!(other.file(folder, "doomed.pdf").unwrap().is_none());
    }

    #[tokio::test]
    async fn a_step_that_panics_answers_with_an_error_and_the_writer_goes_on() {
        let (_dir, writer, folder, _dirs) = writer();
        let crashed = writer.run(|_| -> Result<()> { panic!("a bug in a step") }).await;
        assert!(matches!(crashed, Err(Error::Internal(_))), "{crashed:?}");
        writer
            .run(move |j| j.observe(folder, &[("after.pdf".into(), 3, 1)], 0, 0))
            .await
            .unwrap();
        let row = writer.run(move |j| j.file(folder, "after.pdf")).await.unwrap();
        assert!(row.is_some());
    }
}
