//! The transfers drawer: where dropped or picked files will go (shown before anything moves),
//! uploads and downloads with their progress streamed to the window, and cancel.
//!
//! A batch is one user action (a drop, a pick, a download of the selection). Its first message
//! names the batch and lists its items; then come the core's per-file events; the command
//! returns the batch's summary when every file has finished, failed or been cancelled.

use std::path::PathBuf;
use std::sync::Arc;

use cubby_core::actions::transfers::{self, BatchReport, DownloadItem, ItemFailure, PlannedUpload};
use cubby_core::tenant::{CategoryChoice, ObjectKey, TenantId};
use cubby_core::transfer::{
    Direction, DownloadOptions, TransferEvent, TransferSink, UploadOptions, UploadPlan,
};
use cubby_core::{Error, Result};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{Manager, State};

use crate::error::IpcResult;
use crate::grants::Grants;
use crate::state::AppState;

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
    #[specta(type = Option<specta_typescript::Number>)]
    pub size: Option<u64>,
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
        #[specta(type = specta_typescript::Number)]
        total: u64,
    },
    Progress {
        batch: u32,
        id: u32,
        #[specta(type = specta_typescript::Number)]
        done: u64,
        #[specta(type = specta_typescript::Number)]
        total: u64,
        bytes_per_sec: f64,
        eta_secs: Option<f64>,
    },
    Finished {
        batch: u32,
        id: u32,
        key: String,
        local: String,
        #[specta(type = specta_typescript::Number)]
        bytes: u64,
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
            total,
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
            done,
            total,
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
            bytes,
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
pub struct BatchSummary {
    pub batch: u32,
    pub done: u32,
    #[specta(type = specta_typescript::Number)]
    pub bytes: u64,
    pub failed: Vec<ItemFailure>,
    pub cancelled: bool,
}

impl BatchSummary {
    fn of<T>(batch: u32, report: BatchReport<T>, bytes: impl Fn(&T) -> u64) -> Self {
        BatchSummary {
            batch,
            done: u32::try_from(report.done.len()).unwrap_or(u32::MAX),
            bytes: report.done.iter().map(bytes).sum(),
            failed: report
                .failed
                .into_iter()
                .map(|mut f| {
                    if let Some(hint) = &f.hint {
                        f.message = format!("{}: {}", f.message, crate::error::advice(hint));
                    }
                    f
                })
                .collect(),
            cancelled: report.cancelled,
        }
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
            .unwrap_or_else(|| format!("{} in all", cubby_core::format_bytes(self.bytes)));
        crate::shell::notify(title, body);
    }
}

fn plans(
    paths: Vec<PathBuf>,
    tenant: &str,
    category: &str,
) -> impl std::future::Future<Output = Result<Vec<UploadPlan>>> {
    let parsed = TenantId::parse(tenant).and_then(|t| Ok((t, category.parse::<CategoryChoice>()?)));
    async move {
        let (tenant, choice) = parsed?;
        transfers::plan_upload(paths, tenant, choice, None, chrono::Utc::now()).await
    }
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
    let plans = plans(grants.check_all(&paths)?, &tenant, &category).await?;
    Ok(plans.iter().map(PlannedUpload::from).collect())
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
    let plans = plans(app.state::<Grants>().check_all(&paths)?, &tenant, &category).await?;
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
                size: Some(p.size),
            })
            .collect(),
    });
    let sink = channel_sink(batch, on_event);
    let report = transfers::upload(&session.bucket, plans, &UploadOptions::default(), sink, &cancel).await;
    state.finish_batch(batch);
    let summary = BatchSummary::of(batch, report, |u| u.size);
    summary.notify(&app, TransferDirection::Upload);
    Ok(summary)
}

/// Downloads objects into `dir` (picked in the native dialog), each under its own name.
#[tauri::command]
#[specta::specta]
pub async fn download_objects(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    keys: Vec<ObjectKey>,
    dir: String,
    on_event: Channel<TransferUpdate>,
) -> IpcResult<BatchSummary> {
    if keys.is_empty() {
        return Err(Error::invalid("nothing to download: select one or more files").into());
    }
    let dir = app.state::<Grants>().check(&dir)?;
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
    let items = keys.into_iter().map(DownloadItem::flat).collect();
    let sink = channel_sink(batch, on_event);
    let report = transfers::download(
        &session.bucket,
        items,
        &dir,
        &DownloadOptions::default(),
        sink,
        &cancel,
    )
    .await;
    state.finish_batch(batch);
    let summary = BatchSummary::of(batch, report?, |d| d.bytes);
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
