//! The native file and folder dialogs, opened from Rust so that what the user picks is granted
//! (see `grants`): the page never hands the shell a path of its own.

use std::path::PathBuf;

use serde::Deserialize;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

use crate::error::IpcResult;
use crate::grants::Grants;

/// What a folder is being chosen for: it titles the dialog.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FolderPurpose {
    Download,
    Watch,
}

fn to_paths(picked: Option<Vec<FilePath>>) -> Vec<PathBuf> {
    picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect()
}

fn to_strings(paths: &[PathBuf]) -> Vec<String> {
    paths.iter().map(|p| p.display().to_string()).collect()
}

/// Waits for a dialog's answer without holding an async worker.
async fn answer<T: Send + 'static>(open: impl FnOnce(tokio::sync::oneshot::Sender<T>)) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    open(tx);
    rx.await.ok()
}

fn dialog(app: &AppHandle, title: &str) -> FileDialogBuilder<tauri::Wry> {
    app.dialog().file().set_title(title)
}

/// The multi-file picker for uploads; [] when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_files(app: AppHandle, grants: State<'_, Grants>) -> IpcResult<Vec<String>> {
    let picked = answer(|tx| {
        dialog(&app, "Upload files").pick_files(move |files| {
            let _ = tx.send(files);
        })
    })
    .await
    .flatten();
    let paths = to_paths(picked);
    grants.grant(paths.iter().cloned());
    Ok(to_strings(&paths))
}

/// A folder, for downloads or to watch; None when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_folder(
    app: AppHandle,
    grants: State<'_, Grants>,
    purpose: FolderPurpose,
) -> IpcResult<Option<String>> {
    let title = match purpose {
        FolderPurpose::Download => "Download to folder",
        FolderPurpose::Watch => "Choose a folder to watch",
    };
    // WebDriver cannot answer a native dialog: under the end-to-end tests' grants, a folder
    // named in CUBBY_TEST_PICK_FOLDER stands for the person's choice.
    if grants.for_tests {
        if let Some(folder) = std::env::var_os("CUBBY_TEST_PICK_FOLDER") {
            let paths = vec![PathBuf::from(folder)];
            grants.grant(paths.iter().cloned());
            return Ok(to_strings(&paths).pop());
        }
    }
    let picked = answer(|tx| {
        dialog(&app, title).pick_folder(move |folder| {
            let _ = tx.send(folder);
        })
    })
    .await
    .flatten();
    let paths = to_paths(picked.map(|p| vec![p]));
    grants.grant(paths.iter().cloned());
    Ok(to_strings(&paths).pop())
}

/// A `.env` file to import a connection from; None when cancelled.
#[tauri::command]
#[specta::specta]
pub async fn pick_env_file(app: AppHandle, grants: State<'_, Grants>) -> IpcResult<Option<String>> {
    let picked = answer(|tx| {
        dialog(&app, "Import connection from a .env file")
            .add_filter("Environment files", &["env"])
            .add_filter("All files", &["*"])
            .pick_file(move |file| {
                let _ = tx.send(file);
            })
    })
    .await
    .flatten();
    let paths = to_paths(picked.map(|p| vec![p]));
    grants.grant(paths.iter().cloned());
    Ok(to_strings(&paths).pop())
}

/// Writing to a tenant that has no files yet starts a new client folder: asked natively, with
/// the tenants the person probably meant. Cancelled when they decline.
pub async fn confirm_tenant(
    app: &AppHandle,
    bucket: &cubby_core::Bucket,
    tenant: &cubby_core::TenantId,
) -> cubby_core::Result<()> {
    match cubby_core::actions::tenants::check_target(bucket, tenant, false).await {
        Err(e) if e.advice() == Some(cubby_core::Hint::NewTenant) => {
            let message = format!(
                "{}. Files sent there start a new client folder, '{tenant}/', in the bucket.",
                capitalized(&e.to_string())
            );
            if confirm(app, &format!("Start tenant '{tenant}'?"), message, "Start tenant").await {
                Ok(())
            } else {
                Err(cubby_core::Error::Cancelled)
            }
        }
        other => other,
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Asks in a native dialog (never in the page, which could answer for the user); false when the
/// user declines or the dialog cannot be shown.
pub async fn confirm(app: &AppHandle, title: &str, message: String, ok: &str) -> bool {
    use tauri_plugin_dialog::{MessageDialogButtons, MessageDialogKind};
    let builder = app
        .dialog()
        .message(message)
        .title(title)
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom(
            ok.to_string(),
            "Cancel".to_string(),
        ));
    answer(|tx| {
        builder.show(move |yes| {
            let _ = tx.send(yes);
        })
    })
    .await
    .unwrap_or(false)
}
