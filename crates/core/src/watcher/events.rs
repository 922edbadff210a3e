//! OS change events for a watched folder (or polling, for network shares), debounced and never
//! following links, turned into work for the engine.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Folder, FolderCondition, SyncEvent, SyncSink, Work};

/// Starts OS events (or polling) for one folder; `None` when events are unavailable, in which
/// case the periodic scan finds files alone.
pub(super) fn start_events(
    index: usize,
    folder: &Folder,
    tx: mpsc::UnboundedSender<Work>,
    sink: &Arc<dyn SyncSink>,
) -> Option<Box<dyn std::any::Any + Send>> {
    use notify::event::{AccessKind, AccessMode, EventKind};
    use notify::RecursiveMode;
    use notify_debouncer_full::{new_debouncer_opt, DebounceEventResult, NoCache, RecommendedCache};
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) => {
            if events.iter().any(|e| e.need_rescan()) {
                let _ = tx.send(Work::Rescan(index));
            }
            // Closed by the program that wrote it (inotify's close-after-write; other platforms'
            // watchers have no such event): the file is complete, no need to wait it out.
            // A path comes once even when several kinds of event name it (created, written,
            // closed): each is looked at once, and `closed` is asked once per path.
            let (mut paths, mut seen, mut closed) = (Vec::new(), HashSet::new(), HashSet::new());
            for e in events {
                let was_closed = matches!(
                    e.event.kind,
                    EventKind::Access(AccessKind::Close(AccessMode::Write))
                );
                for path in e.event.paths {
                    if was_closed {
                        closed.insert(path.clone());
                    }
                    if seen.insert(path.clone()) {
                        paths.push(path);
                    }
                }
            }
            if !paths.is_empty() {
                let _ = tx.send(Work::Paths(index, paths, closed));
            }
        }
        Err(errors) => {
            for e in errors {
                if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) {
                    let _ = tx.send(Work::Limit(index, limit_message()));
                }
            }
            let _ = tx.send(Work::Rescan(index));
        }
    };
    // Events for one path within this window arrive as one; it also delays every event by as
    // much, so it is short: a receipt closed by its writer should be uploaded within a second,
    // and the journal takes bursts of changes in stride (one commit per batch).
    let debounce = Duration::from_millis(100);
    // notify follows linked folders by default: a `keys -> ~/.ssh` link in a drop folder would
    // turn changes behind it into uploads.
    let no_links = notify::Config::default().with_follow_symlinks(false);
    let path = folder.spec.path.clone();
    let result: std::result::Result<Box<dyn std::any::Any + Send>, notify::Error> =
        match folder.spec.poll_secs {
            Some(secs) => {
                let config = no_links.with_poll_interval(Duration::from_secs(u64::from(secs.max(1))));
                new_debouncer_opt::<_, notify::PollWatcher, NoCache>(debounce, None, handler, NoCache, config)
                    .and_then(|mut d| {
                        d.watch(&path, RecursiveMode::Recursive)?;
                        Ok(Box::new(d) as Box<dyn std::any::Any + Send>)
                    })
            }
            None => new_debouncer_opt::<_, notify::RecommendedWatcher, RecommendedCache>(
                debounce,
                None,
                handler,
                RecommendedCache::new(),
                no_links,
            )
            .and_then(|mut d| {
                d.watch(&path, RecursiveMode::Recursive)?;
                Ok(Box::new(d) as Box<dyn std::any::Any + Send>)
            }),
        };
    match result {
        Ok(watcher) => {
            sink.event(SyncEvent::Folder {
                folder: folder.name(),
                status: FolderCondition::Watching,
                message: None,
            });
            Some(watcher)
        }
        Err(e) => {
            let message = if matches!(e.kind, notify::ErrorKind::MaxFilesWatch) {
                limit_message()
            } else {
                format!("no file events ({e}); scanning periodically instead")
            };
            sink.event(SyncEvent::Folder {
                folder: folder.name(),
                status: FolderCondition::Scanning,
                message: Some(message),
            });
            None
        }
    }
}

fn limit_message() -> String {
    "the inotify watch limit is reached, so new files are found by periodic scans only: raise it with \
     `sudo sysctl fs.inotify.max_user_watches=524288` (add it to /etc/sysctl.conf to keep it)"
        .into()
}
