//! The transfers drawer: where dropped or picked files will go (shown before anything moves),
//! uploads and downloads with their progress streamed to the window, and cancel.
//!
//! A batch is one user action (a drop, a pick, a download of the selection). Its first message
//! names the batch and lists its items; then come the core's per-file events; the command
//! returns the batch's summary when every file has finished, failed or been cancelled.

use std::path::PathBuf;
use std::sync::Arc;

use cubby_core::tenant::{CategoryChoice, ObjectKey, TenantId};
use cubby_core::transfer::{
    self, for_each_bounded, Direction, DownloadOptions, TransferEvent, TransferSink, UploadOptions,
    UploadPlan,
};
use cubby_core::{Error, Result};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{Manager, State};

use crate::error::IpcResult;
use crate::grants::Grants;
use crate::state::AppState;

/// One file of a planned upload: where it lands, and why (its detected category).
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct PlannedUpload {
    pub local: String,
    /// The key it would get now; the real upload stamps its own time into the key.
    pub key: String,
    /// "acme/images/": the folder the routing picked.
    pub folder: String,
    pub category: String,
    pub content_type: String,
    pub size: f64,
}

#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum TransferDirection {
    Upload,
    Download,
}

impl From<Direction> for TransferDirection {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Upload => TransferDirection::Upload,
            Direction::Download => TransferDirection::Download,
        }
    }
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct QueuedItem {
    pub key: String,
    pub local: String,
    /// Known up front for uploads; downloads learn it when they start.
    pub size: Option<f64>,
}

/// What the transfers drawer hears, in order per file: started, progress…, finished or failed.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TransferUpdate {
    Queued {
        batch: u32,
        direction: TransferDirection,
        items: Vec<QueuedItem>,
    },
    Started {
        batch: u32,
        id: u32,
        direction: TransferDirection,
        key: String,
        local: String,
        total: f64,
    },
    Progress {
        batch: u32,
        id: u32,
        done: f64,
        total: f64,
        bytes_per_sec: f64,
        eta_secs: Option<f64>,
    },
    Finished {
        batch: u32,
        id: u32,
        key: String,
        local: String,
        bytes: f64,
    },
    Failed {
        batch: u32,
        id: u32,
        key: String,
        local: String,
        code: String,
        message: String,
    },
}

fn update_of(batch: u32, event: TransferEvent) -> TransferUpdate {
    match event {
        TransferEvent::Started {
            id,
            direction,
            key,
            local,
            total,
        } => TransferUpdate::Started {
            batch,
            id: transfer_id(id),
            direction: direction.into(),
            key,
            local,
            total: total as f64,
        },
        TransferEvent::Progress {
            id,
            done,
            total,
            bytes_per_sec,
            eta_secs,
        } => TransferUpdate::Progress {
            batch,
            id: transfer_id(id),
            done: done as f64,
            total: total as f64,
            bytes_per_sec,
            eta_secs,
        },
        TransferEvent::Finished {
            id,
            key,
            local,
            bytes,
            ..
        } => TransferUpdate::Finished {
            batch,
            id: transfer_id(id),
            key,
            local,
            bytes: bytes as f64,
        },
        TransferEvent::Failed {
            id,
            key,
            local,
            code,
            message,
            ..
        } => TransferUpdate::Failed {
            batch,
            id: transfer_id(id),
            key,
            local,
            code,
            message,
        },
    }
}

/// The core numbers transfers from 1 per process; u32 is plenty and stays a JS number.
fn transfer_id(id: u64) -> u32 {
    u32::try_from(id).unwrap_or(u32::MAX)
}

/// The core's events, forwarded to the window's channel.
fn channel_sink(batch: u32, channel: Channel<TransferUpdate>) -> Arc<dyn TransferSink> {
    Arc::new(move |event: TransferEvent| {
        let _ = channel.send(update_of(batch, event));
    })
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BatchFailure {
    /// The local path (uploads) or key (downloads).
    pub item: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct BatchSummary {
    pub batch: u32,
    pub done: u32,
    pub bytes: f64,
    pub failed: Vec<BatchFailure>,
    pub cancelled: bool,
}

impl BatchSummary {
    /// Counts a finished batch from each item's name and outcome (bytes moved, or the error).
    fn of(
        batch: u32,
        cancelled: bool,
        outcomes: impl Iterator<Item = (String, cubby_core::Result<u64>)>,
    ) -> Self {
        let mut summary = BatchSummary {
            batch,
            done: 0,
            bytes: 0.0,
            failed: Vec::new(),
            cancelled,
        };
        for (item, outcome) in outcomes {
            match outcome {
                Ok(bytes) => {
                    summary.done += 1;
                    summary.bytes += bytes as f64;
                }
                Err(e) => summary.failed.push(BatchFailure {
                    item,
                    code: e.code().to_string(),
                    message: e.to_string(),
                }),
            }
        }
        summary
    }

    /// A desktop notification when the window is not in front to show the summary itself.
    fn notify(&self, app: &tauri::AppHandle, direction: TransferDirection) {
        if self.cancelled || crate::shell::main_focused(app) {
            return;
        }
        let (verb, noun) = match direction {
            TransferDirection::Upload => ("Uploaded", "upload"),
            TransferDirection::Download => ("Downloaded", "download"),
        };
        let files = |n: usize| {
            if n == 1 {
                "1 file".to_string()
            } else {
                format!("{n} files")
            }
        };
        let title = if self.failed.is_empty() {
            format!("{verb} {}", files(self.done as usize))
        } else {
            format!(
                "{} of {} failed to {noun}",
                files(self.failed.len()),
                self.done as usize + self.failed.len()
            )
        };
        let body = self
            .failed
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| format!("{} in all", cubby_core::format_bytes(self.bytes as u64)));
        crate::shell::notify(title, body);
    }
}

fn plans_for(paths: &[PathBuf], tenant: &str, category: &str) -> Result<Vec<UploadPlan>> {
    let tenant = TenantId::parse(tenant)?;
    let choice: CategoryChoice = category.parse()?;
    let plans = transfer::plan_uploads(paths, &tenant, choice, None, chrono::Utc::now())?;
    if plans.is_empty() {
        return Err(Error::invalid(
            "no files to upload (hidden files and symlinks inside folders are skipped)",
        ));
    }
    Ok(plans)
}

/// Where each file (folders are expanded) would go, without touching the bucket: the
/// category routing is shown before it happens. `category` is "auto" or a category name.
#[tauri::command]
#[specta::specta]
pub async fn plan_upload(
    grants: State<'_, Grants>,
    paths: Vec<String>,
    tenant: String,
    category: String,
) -> IpcResult<Vec<PlannedUpload>> {
    let paths = grants.check_all(&paths)?;
    let plans = tokio::task::spawn_blocking(move || plans_for(&paths, &tenant, &category))
        .await
        .map_err(|e| Error::invalid(format!("planning the upload stopped: {e}")))??;
    Ok(plans
        .into_iter()
        .map(|p| {
            let key = p.key.as_str();
            let folder = key[..key.len() - p.key.name().len()].to_string();
            PlannedUpload {
                local: p.local.display().to_string(),
                key: key.to_string(),
                folder,
                category: p.category.as_str().to_string(),
                content_type: p.content_type,
                size: p.size as f64,
            }
        })
        .collect())
}

/// Uploads files and folders to `tenant`, routed by `category` ("auto" or a category name).
#[tauri::command]
#[specta::specta]
pub async fn upload_files(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    paths: Vec<String>,
    tenant: String,
    category: String,
    on_event: Channel<TransferUpdate>,
) -> IpcResult<BatchSummary> {
    let paths = app.state::<Grants>().check_all(&paths)?;
    let plans = tokio::task::spawn_blocking(move || plans_for(&paths, &tenant, &category))
        .await
        .map_err(|e| Error::invalid(format!("planning the upload stopped: {e}")))??;
    let session = state.session().await?;
    let (batch, cancel) = state.start_batch();
    let _ = on_event.send(TransferUpdate::Queued {
        batch,
        direction: TransferDirection::Upload,
        items: plans
            .iter()
            .map(|p| QueuedItem {
                key: p.key.to_string(),
                local: p.local.display().to_string(),
                size: Some(p.size as f64),
            })
            .collect(),
    });
    let options = UploadOptions::default();
    let sink = channel_sink(batch, on_event);
    let results = for_each_bounded(plans.clone(), options.concurrency, |plan| {
        let (session, options, sink, cancel) =
            (session.clone(), options.clone(), sink.clone(), cancel.clone());
        async move { transfer::upload(&session.bucket, &plan, &options, sink, &cancel).await }
    })
    .await;
    state.finish_batch(batch);
    let summary = BatchSummary::of(
        batch,
        cancel.is_cancelled(),
        plans.iter().zip(results).map(|(item, r)| {
            let r = r.and_then(|r| r);
            (item.local.display().to_string(), r.map(|done| done.size))
        }),
    );
    summary.notify(&app, TransferDirection::Upload);
    Ok(summary)
}

/// Downloads objects into `dir` (picked in the native dialog), each under its own name.
#[tauri::command]
#[specta::specta]
pub async fn download_objects(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    keys: Vec<String>,
    dir: String,
    on_event: Channel<TransferUpdate>,
) -> IpcResult<BatchSummary> {
    let keys: Vec<ObjectKey> = keys.iter().map(|k| ObjectKey::parse(k)).collect::<Result<_>>()?;
    if keys.is_empty() {
        return Err(Error::invalid("nothing to download: select one or more files").into());
    }
    let dir = app.state::<Grants>().check(&dir)?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let session = state.session().await?;
    let (batch, cancel) = state.start_batch();
    let _ = on_event.send(TransferUpdate::Queued {
        batch,
        direction: TransferDirection::Download,
        items: keys
            .iter()
            .map(|k| QueuedItem {
                key: k.to_string(),
                local: dir.join(k.name()).display().to_string(),
                size: None,
            })
            .collect(),
    });
    let options = DownloadOptions::default();
    let sink = channel_sink(batch, on_event);
    let results = for_each_bounded(keys.clone(), options.concurrency, |key| {
        let (session, options, sink, cancel, dir) = (
            session.clone(),
            options.clone(),
            sink.clone(),
            cancel.clone(),
            dir.clone(),
        );
        async move {
            // Single keys land flat in the folder: strip everything up to their own name.
            let strip = &key.as_str()[..key.as_str().len() - key.name().len()];
            let target = transfer::target_for(&dir, &key, strip)?;
            transfer::download(&session.bucket, &key, &target, &options, sink, &cancel).await
        }
    })
    .await;
    state.finish_batch(batch);
    let summary = BatchSummary::of(
        batch,
        cancel.is_cancelled(),
        keys.iter()
            .zip(results)
            .map(|(item, r)| (item.to_string(), r.and_then(|r| r).map(|done| done.bytes))),
    );
    summary.notify(&app, TransferDirection::Download);
    Ok(summary)
}

/// Cancels a running batch: open multipart uploads are aborted, downloads keep their partial
/// file to resume. False when the batch had already finished.
#[tauri::command]
#[specta::specta]
pub async fn cancel_transfer(state: State<'_, AppState>, batch: u32) -> IpcResult<bool> {
    Ok(state.cancel_batch(batch))
}
