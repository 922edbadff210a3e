//! `cubby watch …`: watched folders for the accountants' workflow, on the active profile.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use cubby_core::journal::{AfterUpload, Journal};
use cubby_core::tenant::{CategoryChoice, TenantId};
use cubby_core::watcher::{SyncEvent, SyncOptions, Watcher};
use cubby_core::{Error, Result};
use tokio_util::sync::CancellationToken;

use crate::Ctx;

fn journal(ctx: &Ctx) -> Result<(Journal, String)> {
    let config = cubby_core::Config::load(&ctx.dirs)?;
    let profile = cubby_core::resolve::active_name(&config, ctx.profile.as_deref(), &ctx.env);
    Ok((Journal::open(&ctx.dirs, &profile)?, profile))
}

fn absolute(dir: &std::path::Path) -> Result<PathBuf> {
    dir.canonicalize()
        .map_err(|e| Error::io(format!("cannot use {} as a watched folder", dir.display()), e))
}

pub struct AddArgs {
    pub dir: PathBuf,
    pub tenant: String,
    pub category: String,
    pub after_upload: String,
    pub poll: Option<u32>,
    pub ignore: Vec<String>,
}

pub fn add(ctx: &Ctx, args: AddArgs) -> Result<ExitCode> {
    let tenant = TenantId::parse(&args.tenant)?;
    let category: CategoryChoice = args.category.parse()?;
    let after: AfterUpload = args.after_upload.parse()?;
    let dir = absolute(&args.dir)?;
    if !dir.is_dir() {
        return Err(Error::invalid(format!("{} is not a folder", dir.display())));
    }
    let (journal, profile) = journal(ctx)?;
    let folder = journal.add_folder(&dir, &tenant, category, after, args.poll, &args.ignore)?;
    ctx.emit(&folder, || {
        format!(
            "Watching {} → {tenant}/ ({category}, after upload: {}) on profile '{profile}'. Run `cubby watch run` to start.",
            dir.display(),
            args.after_upload
        )
    });
    Ok(ExitCode::SUCCESS)
}

pub fn list(ctx: &Ctx) -> Result<ExitCode> {
    let (journal, _) = journal(ctx)?;
    let folders = journal.folders()?;
    ctx.emit(&folders, || {
        if folders.is_empty() {
            return "No watched folders: `cubby watch add DIR --tenant T` adds one.".into();
        }
        folders
            .iter()
            .map(|f| {
                format!(
                    "{} → {}/ ({}, after upload: {:?}{}){}",
                    f.path.display(),
                    f.tenant,
                    f.category,
                    f.after_upload,
                    f.poll_secs
                        .map(|s| format!(", polling every {s} s"))
                        .unwrap_or_default(),
                    if f.paused { " [paused]" } else { "" }
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(ExitCode::SUCCESS)
}

pub fn remove(ctx: &Ctx, dir: PathBuf) -> Result<ExitCode> {
    let (journal, _) = journal(ctx)?;
    let path = dir.canonicalize().unwrap_or(dir);
    journal.remove_folder(&path)?;
    ctx.emit(&serde_json::json!({ "removed": path }), || {
        format!(
            "No longer watching {} (uploaded objects stay in the bucket).",
            path.display()
        )
    });
    Ok(ExitCode::SUCCESS)
}

pub fn status(ctx: &Ctx) -> Result<ExitCode> {
    let (journal, _) = journal(ctx)?;
    let stable_before =
        chrono::Utc::now().timestamp_millis() - SyncOptions::default().stability.as_millis() as i64;
    let mut all = Vec::new();
    for folder in journal.folders()? {
        let status = journal.status(folder.id, stable_before)?;
        all.push(serde_json::json!({ "folder": folder.path, "tenant": folder.tenant, "status": status }));
    }
    ctx.emit(&all, || {
        all.iter()
            .map(|f| {
                let s = &f["status"];
                let mut lines = vec![format!(
                    "{}: {} waiting, {} queued, {} uploading, {} uploaded, {} failed",
                    f["folder"].as_str().unwrap_or_default(),
                    s["waiting"],
                    s["queued"],
                    s["uploading"],
                    s["uploaded"],
                    s["failed"]
                )];
                for p in s["problems"].as_array().into_iter().flatten() {
                    lines.push(format!(
                        "  {}: {}",
                        p["path"].as_str().unwrap_or_default(),
                        p["last_error"].as_str().unwrap_or_default()
                    ));
                }
                lines.join("\n")
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(ExitCode::SUCCESS)
}

pub async fn run(ctx: &Ctx, stability_ms: u64, once: bool) -> Result<ExitCode> {
    let (journal, _) = journal(ctx)?;
    let folders = journal.folders()?;
    if folders.is_empty() {
        return Err(Error::invalid(
            "no watched folders: `cubby watch add DIR --tenant T` adds one",
        ));
    }
    let session = crate::session::open(ctx, None).await?;
    let (quiet, json) = (ctx.quiet, ctx.json);
    let sink = Arc::new(move |event: SyncEvent| {
        if json {
            if let Ok(line) = serde_json::to_string(&event) {
                println!("{line}");
            }
        } else if !quiet {
            match &event {
                SyncEvent::File {
                    path,
                    state,
                    key,
                    message,
                    ..
                } => {
                    let key = key.as_deref().map(|k| format!(" → {k}")).unwrap_or_default();
                    let message = message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default();
                    println!("{state:?}: {path}{key}{message}");
                }
                SyncEvent::Folder {
                    folder,
                    status,
                    message,
                } => {
                    eprintln!(
                        "{folder}: {status:?}{}",
                        message.as_deref().map(|m| format!(" — {m}")).unwrap_or_default()
                    );
                }
            }
        }
    });
    let options = SyncOptions {
        stability: std::time::Duration::from_millis(stability_ms),
        once,
        ..SyncOptions::default()
    };
    let ids: Vec<i64> = folders.iter().map(|f| f.id).collect();
    let watcher = Watcher::new(session.bucket.clone(), journal, options, sink);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!("stopping after in-flight uploads…");
        stop.cancel();
    });
    watcher.run(folders, cancel).await?;
    if once {
        let (journal, _) = self::journal(ctx)?;
        let mut failed = 0;
        for id in ids {
            failed += journal.status(id, i64::MAX)?.failed;
        }
        if failed > 0 {
            return Err(Error::Storage(format!(
                "{failed} file(s) failed to upload: `cubby watch status` lists them with reasons"
            )));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
