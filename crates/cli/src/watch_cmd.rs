//! `cubby watch …`: watched folders for the accountants' workflow, on the active profile.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use cubby_core::actions::watch::{self, NewFolder};
use cubby_core::journal::{AfterUpload, Journal, TenantRule};
use cubby_core::tenant::CategoryChoice;
use cubby_core::watcher::{SyncEvent, SyncOptions, Watcher};
use cubby_core::{Error, Result};
use tokio_util::sync::CancellationToken;

use crate::{out, Ctx};

#[derive(Subcommand)]
pub enum WatchCommand {
    /// Watch a folder: new files go to TENANT/{documents,images,uploads}/ by type.
    Add {
        dir: PathBuf,
        /// The tenant every file goes to.
        #[arg(long, required_unless_present = "tenant_per_subfolder", add = clap_complete::engine::ArgValueCompleter::new(crate::complete::tenants))]
        tenant: Option<String>,
        /// Start a tenant that has no files yet (otherwise refused, with the near matches).
        #[arg(long, requires = "tenant")]
        new_tenant: bool,
        /// Client folders: each first-level subfolder is a tenant (DIR/acme/receipt.pdf goes to
        /// acme/). Files directly in DIR, or in a subfolder that is not a tenant id, are reported
        /// as problems and never uploaded.
        #[arg(long, conflicts_with = "tenant")]
        tenant_per_subfolder: bool,
        /// auto (by content), documents, images or uploads.
        #[arg(long, default_value = "auto", value_parser = ["auto", "documents", "images", "uploads"])]
        category: String,
        /// keep, move (into DIR/Uploaded/) or delete, only after a verified upload.
        #[arg(long, default_value = "keep", value_parser = ["keep", "move", "delete"])]
        after_upload: String,
        /// Poll every SECS seconds instead of OS events (network shares).
        #[arg(long)]
        poll: Option<u32>,
        /// Extra names to skip (glob), repeatable.
        #[arg(long)]
        ignore: Vec<String>,
    },
    /// List watched folders.
    List,
    /// Stop watching a folder (nothing is deleted anywhere).
    Remove { dir: PathBuf },
    /// Run the watcher in the foreground; Ctrl-C stops after in-flight uploads.
    Run {
        /// How long a file must stay unchanged before upload, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        stability_ms: u64,
        /// Upload what the folders hold now, then exit (non-zero if any file failed).
        #[arg(long)]
        once: bool,
    },
    /// Queued, uploading, uploaded and failed files per folder, with reasons.
    Status,
}

/// Says which subfolders of a folder of client folders will be tenants and which cannot be.
fn note_client_folders(ctx: &Ctx, dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && n != "Uploaded")
        .collect();
    names.sort();
    let (good, bad): (Vec<&String>, Vec<&String>) =
        names.iter().partition(|n| cubby_core::TenantId::parse(n).is_ok());
    if !good.is_empty() {
        ctx.note(&format!(
            "client folders: {}",
            good.iter()
                .map(|n| format!("{n}/"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for name in bad {
        ctx.note(&format!(
            "warning: the subfolder '{}' is not a tenant id (letters, digits, '-', '_', '.'): its files will wait as problems until it is renamed",
            name.escape_default()
        ));
    }
}

pub async fn run(ctx: &Ctx, cmd: WatchCommand) -> Result<ExitCode> {
    let journal = watch::journal(ctx.host(), ctx.profile.as_deref())?;
    match cmd {
        WatchCommand::Add {
            dir,
            tenant,
            new_tenant,
            tenant_per_subfolder,
            category,
            after_upload,
            poll,
            ignore,
        } => {
            let tenant = match tenant {
                // Every receipt dropped in goes to this tenant: a typo must not start a new one.
                Some(tenant) if !tenant_per_subfolder => TenantRule::One(
                    crate::TenantArg { tenant, new_tenant }
                        .checked(&ctx.session().await?.bucket)
                        .await?,
                ),
                _ => {
                    note_client_folders(ctx, &dir);
                    TenantRule::PerSubfolder
                }
            };
            let folder = NewFolder {
                dir,
                tenant,
                category: category.parse::<CategoryChoice>()?,
                after_upload: after_upload.parse::<AfterUpload>()?,
                poll_secs: poll,
                ignore,
            };
            let added = watch::add(&journal, folder)?;
            let profile = ctx.host().active_profile(ctx.profile.as_deref())?;
            ctx.emit(&added, || {
                let to = match &added.tenant {
                    TenantRule::One(tenant) => format!("{tenant}/"),
                    TenantRule::PerSubfolder => "each subfolder's tenant".into(),
                };
                format!(
                    "Watching {} → {to} ({}, after upload: {after_upload}) on profile '{profile}'.",
                    added.path.display(),
                    added.category,
                )
            });
            ctx.note("Run `cubby watch run` to start.");
        }
        WatchCommand::List => list(ctx, &journal)?,
        WatchCommand::Remove { dir } => {
            let removed = watch::remove(&journal, &dir)?;
            ctx.emit(&serde_json::json!({ "removed": removed.path }), || {
                format!(
                    "No longer watching {} (uploaded objects stay in the bucket).",
                    removed.path.display()
                )
            });
        }
        WatchCommand::Run { stability_ms, once } => {
            return run_engine(ctx, journal, stability_ms, once).await
        }
        WatchCommand::Status => status(ctx, &journal)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn list(ctx: &Ctx, journal: &Journal) -> Result<()> {
    let folders = journal.folders()?;
    ctx.emit(&folders, || {
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
    if folders.is_empty() {
        ctx.note("No watched folders: `cubby watch add DIR --tenant T` adds one.");
    }
    Ok(())
}

fn status(ctx: &Ctx, journal: &Journal) -> Result<()> {
    let all: Vec<serde_json::Value> = watch::status(journal, chrono::Utc::now().timestamp_millis())?
        .into_iter()
        .map(|(folder, status)| serde_json::json!({ "folder": folder.path, "tenant": folder.tenant, "status": status }))
        .collect();
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
    Ok(())
}

async fn run_engine(ctx: &Ctx, journal: Journal, stability_ms: u64, once: bool) -> Result<ExitCode> {
    let folders = journal.folders()?;
    if folders.is_empty() {
        return Err(Error::invalid(
            "no watched folders: `cubby watch add DIR --tenant T` adds one",
        ));
    }
    let session = ctx.session().await?;
    let (quiet, json) = (ctx.quiet, ctx.json);
    let sink = Arc::new(move |event: SyncEvent| {
        if json {
            if let Ok(line) = serde_json::to_string(&event) {
                out(&line);
            }
        } else {
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
                    out(&format!("{state:?}: {path}{key}{message}"));
                }
                SyncEvent::Folder {
                    folder,
                    status,
                    message,
                } if !quiet => {
                    eprintln!(
                        "{folder}: {status:?}{}",
                        message.as_deref().map(|m| format!(" — {m}")).unwrap_or_default()
                    );
                }
                _ => {}
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
        if !quiet {
            eprintln!("stopping after in-flight uploads…");
        }
        stop.cancel();
    });
    watcher.run(folders, cancel.clone()).await?;
    if cancel.is_cancelled() {
        // Stopped by a signal: in-flight uploads finished, the rest waits for the next run.
        return Ok(ExitCode::from(crate::exit_code_for("cancelled")));
    }
    if once {
        let journal = watch::journal(ctx.host(), ctx.profile.as_deref())?;
        let mut failed = 0;
        for id in ids {
            failed += journal.status(id, i64::MAX)?.failed;
        }
        let mut waiting = 0;
        for folder in journal.folders()? {
            let status = journal.status(folder.id, i64::MAX)?;
            waiting += status.waiting + status.queued;
        }
        if waiting > 0 {
            ctx.note(&format!(
                "{waiting} file(s) not uploaded yet: empty, still being written or open in another program; `cubby watch status` says which, and the next run takes them"
            ));
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
