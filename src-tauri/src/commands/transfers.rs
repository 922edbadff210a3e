//! The transfers drawer: where dropped or picked files will go (shown before anything moves),
//! uploads and downloads with their progress streamed to the window, and cancel.
//!
//! A batch is one user action (a drop, a pick, a download of the selection). Its first message
//! names the batch and lists its items; then come the core's per-file events; the command
//! returns the batch's summary when every file has finished, failed or been cancelled.

use std::path::PathBuf;
use std::sync::Arc;

use cubby_core::actions::transfers::{self, BatchReport, Clash, DownloadItem, ItemFailure, PlannedUpload};
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

/// What the transfers drawer hears: the core's events for one batch, tagged with the batch.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TransferUpdate {
    pub batch: u32,
    #[serde(flatten)]
    pub event: TransferEvent,
}

/// The core's events, forwarded to the window's channel.
fn channel_sink(batch: u32, channel: Channel<TransferUpdate>) -> Arc<dyn TransferSink> {
    Arc::new(move |event: TransferEvent| {
        let _ = channel.send(TransferUpdate { batch, event });
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
    fn notify(&self, app: &tauri::AppHandle, direction: Direction) {
        if self.cancelled || crate::shell::main_focused(app) {
            return;
        }
        let (verb, noun) = match direction {
            Direction::Upload => ("Uploaded", "upload"),
            Direction::Download => ("Downloaded", "download"),
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
        crate::shell::notify(app, title, body);
    }
}

async fn plans(paths: Vec<PathBuf>, tenant: &TenantId, category: &str) -> Result<Vec<UploadPlan>> {
    let choice: CategoryChoice = category.parse()?;
    transfers::plan_upload(paths, tenant.clone(), choice, None, chrono::Utc::now()).await
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
    let plans = plans(grants.check_all(&paths)?, &TenantId::parse(&tenant)?, &category).await?;
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
    let tenant = TenantId::parse(&tenant)?;
    let plans = plans(app.state::<Grants>().check_all(&paths)?, &tenant, &category).await?;
    let session = state.session().await?;
    crate::commands::pickers::confirm_tenant(&app, &session.bucket, &tenant).await?;
    let (batch, cancel) = state.start_batch();
    let sink = channel_sink(batch, on_event);
    let report = transfers::upload(
        &session.bucket,
        &tenant,
        plans,
        &UploadOptions::default(),
        sink,
        &cancel,
    )
    .await;
    state.finish_batch(batch);
    let summary = BatchSummary::of(batch, report, |u| if u.already_there { 0 } else { u.size });
    summary.notify(&app, Direction::Upload);
    Ok(summary)
}

/// The files a download into `dir` would meet there, asked before it starts so the person can
/// choose Replace, Keep both or Skip once for the batch.
#[tauri::command]
#[specta::specta]
pub async fn download_clashes(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    keys: Vec<ObjectKey>,
    dir: String,
) -> IpcResult<Vec<Clash>> {
    let dir = app.state::<Grants>().check(&dir)?;
    let session = state.session().await?;
    let items: Vec<DownloadItem> = keys.into_iter().map(DownloadItem::flat).collect();
    Ok(transfers::download_clashes(&session.bucket, &items, &dir).await?)
}

/// Downloads objects into `dir` (picked in the native dialog), each under the name the table
/// shows. A name already taken gets a " (1)" copy, or is replaced when `replace`.
#[tauri::command]
#[specta::specta]
pub async fn download_objects(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    keys: Vec<ObjectKey>,
    dir: String,
    replace: bool,
    on_event: Channel<TransferUpdate>,
) -> IpcResult<BatchSummary> {
    if keys.is_empty() {
        return Err(Error::invalid("nothing to download: select one or more files").into());
    }
    let dir = app.state::<Grants>().check(&dir)?;
    let session = state.session().await?;
    let (batch, cancel) = state.start_batch();
    let items = keys.into_iter().map(DownloadItem::flat).collect();
    let sink = channel_sink(batch, on_event);
    let report = transfers::download(
        &session.bucket,
        items,
        &dir,
        &DownloadOptions {
            overwrite: replace,
            ..DownloadOptions::default()
        },
        sink,
        &cancel,
    )
    .await;
    state.finish_batch(batch);
    let summary = BatchSummary::of(batch, report?, |d| if d.already_there { 0 } else { d.size });
    summary.notify(&app, Direction::Download);
    Ok(summary)
}

/// Cancels a running batch: open multipart uploads are aborted, downloads keep their partial
/// file to resume. False when the batch had already finished.
#[tauri::command]
#[specta::specta]
pub async fn cancel_transfer(state: State<'_, AppState>, batch: u32) -> IpcResult<bool> {
    Ok(state.cancel_batch(batch))
}
