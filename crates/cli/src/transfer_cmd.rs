//! `cubby put`, `get`, `rm`, `cp`, `mv`: changing the bucket and moving bytes, with progress
//! bars on a terminal and Ctrl-C cancelling cleanly (open multipart uploads are aborted,
//! downloads keep their `.part` to resume).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use cubby_core::objects::{self, check_tenants};
use cubby_core::tenant::{CategoryChoice, ObjectKey, Prefix, TenantId};
use cubby_core::transfer::{
    self, for_each_bounded, DownloadOptions, NoSink, TransferEvent, TransferSink, UploadOptions,
};
use cubby_core::{Error, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use crate::format::bytes;
use crate::{exit_code_for, Ctx};

/// Progress bars on stderr, one per running transfer.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<u64, ProgressBar>>,
}

impl TransferSink for Bars {
    fn event(&self, event: TransferEvent) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            TransferEvent::Started { id, key, total, .. } => {
                let bar = self.multi.add(ProgressBar::new(total));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg:40!} {bar:24} {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} {eta:>4}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                bar.set_message(key.rsplit('/').next().unwrap_or_default().to_string());
                bars.insert(id, bar);
            }
            TransferEvent::Progress { id, done, .. } => {
                if let Some(bar) = bars.get(&id) {
                    bar.set_position(done);
                }
            }
            TransferEvent::Finished { id, .. } | TransferEvent::Failed { id, .. } => {
                if let Some(bar) = bars.remove(&id) {
                    bar.finish_and_clear();
                }
            }
        }
    }
}

fn sink(ctx: &Ctx) -> Arc<dyn TransferSink> {
    if ctx.quiet || ctx.json || !std::io::stderr().is_terminal() {
        Arc::new(NoSink)
    } else {
        Arc::new(Bars {
            multi: MultiProgress::new(),
            bars: Mutex::new(HashMap::new()),
        })
    }
}

/// A token cancelled by Ctrl-C.
fn cancel_on_ctrl_c() -> CancellationToken {
    let token = CancellationToken::new();
    let child = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("cancelling…");
            child.cancel();
        }
    });
    token
}

/// The exit code for a batch: success, or the code of the first failure.
fn batch_exit(failures: &[(String, Error)]) -> ExitCode {
    match failures.first() {
        None => ExitCode::SUCCESS,
        Some((_, e)) => ExitCode::from(exit_code_for(e.code())),
    }
}

fn report_failures(failures: &[(String, Error)]) {
    for (what, e) in failures {
        eprintln!("error: {what}: {e}");
    }
}

pub struct PutArgs {
    pub files: Vec<PathBuf>,
    pub tenant: String,
    pub category: String,
    pub key: Option<String>,
    pub overwrite: bool,
    pub multipart_threshold: u64,
    pub concurrency: usize,
}

pub async fn put(ctx: &Ctx, args: PutArgs) -> Result<ExitCode> {
    let tenant = TenantId::parse(&args.tenant)?;
    let choice: CategoryChoice = args.category.parse()?;
    let key = args.key.as_deref().map(ObjectKey::parse).transpose()?;
    let plans = transfer::plan_uploads(&args.files, &tenant, choice, key.as_ref(), chrono::Utc::now())?;
    if plans.is_empty() {
        return Err(Error::invalid(
            "no files to upload (hidden files and symlinks inside folders are skipped)",
        ));
    }
    let session = crate::session::open(ctx, None).await?;
    let options = UploadOptions {
        overwrite: args.overwrite,
        multipart_threshold: args.multipart_threshold,
        concurrency: args.concurrency,
        ..UploadOptions::default()
    };
    let (sink, cancel) = (sink(ctx), cancel_on_ctrl_c());
    let results = for_each_bounded(plans.clone(), options.concurrency, |plan| {
        let (bucket, options, sink, cancel) = (
            session.bucket.clone(),
            options.clone(),
            sink.clone(),
            cancel.clone(),
        );
        async move { transfer::upload(&bucket, &plan, &options, sink, &cancel).await }
    })
    .await;
    let mut uploaded = Vec::new();
    let mut failures = Vec::new();
    for (plan, result) in plans.iter().zip(results) {
        match result.and_then(|r| r) {
            Ok(done) => uploaded.push(done),
            Err(e) => failures.push((plan.local.display().to_string(), e)),
        }
    }
    ctx.emit(
        &serde_json::json!({
            "uploaded": uploaded,
            "failed": failures.iter().map(|(f, e)| serde_json::json!({"file": f, "code": e.code(), "message": e.to_string()})).collect::<Vec<_>>(),
        }),
        || {
            uploaded
                .iter()
                .map(|u| format!("uploaded {} → {} ({})", u.local.display(), u.key, bytes(u.size)))
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
    report_failures(&failures);
    Ok(batch_exit(&failures))
}

pub struct GetArgs {
    pub keys: Vec<String>,
    pub prefix: Option<String>,
    pub to: PathBuf,
    pub overwrite: bool,
    pub concurrency: usize,
    pub fsync: bool,
}

pub async fn get(ctx: &Ctx, args: GetArgs) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    // Each key with the folder part that is not recreated locally.
    let mut wanted: Vec<(ObjectKey, String)> = Vec::new();
    let mut skipped = Vec::new();
    if let Some(prefix) = &args.prefix {
        let prefix = Prefix::parse(prefix)?;
        let strip = match prefix.as_str().rfind('/') {
            Some(i) => prefix.as_str()[..=i].to_string(),
            None => String::new(),
        };
        let contents = objects::list_prefix(&session.bucket, &prefix).await?;
        wanted.extend(contents.keys.into_iter().map(|k| (k, strip.clone())));
        skipped = contents.skipped;
    }
    for key in &args.keys {
        let key = ObjectKey::parse(key)?;
        let strip = key.as_str()[..key.as_str().len() - key.name().len()].to_string();
        wanted.push((key, strip));
    }
    if wanted.is_empty() && skipped.is_empty() {
        return Err(Error::invalid(
            "nothing to download: name keys, or a --prefix that has objects",
        ));
    }
    std::fs::create_dir_all(&args.to)
        .map_err(|e| Error::io(format!("cannot create {}", args.to.display()), e))?;
    let options = DownloadOptions {
        overwrite: args.overwrite,
        concurrency: args.concurrency,
        fsync: args.fsync,
        ..DownloadOptions::default()
    };
    let (sink, cancel) = (sink(ctx), cancel_on_ctrl_c());
    let dir = args.to.clone();
    let results = for_each_bounded(wanted.clone(), options.concurrency, |(key, strip)| {
        let (bucket, options, sink, cancel, dir) = (
            session.bucket.clone(),
            options.clone(),
            sink.clone(),
            cancel.clone(),
            dir.clone(),
        );
        async move {
            let target = transfer::target_for(&dir, &key, &strip)?;
            transfer::download(&bucket, &key, &target, &options, sink, &cancel).await
        }
    })
    .await;
    let mut done = Vec::new();
    let mut failures = Vec::new();
    for ((key, _), result) in wanted.iter().zip(results) {
        match result.and_then(|r| r) {
            Ok(d) => done.push(d),
            Err(e) => failures.push((key.to_string(), e)),
        }
    }
    // Keys another client wrote that Cubby will not name are failures to report, not silence.
    failures.extend(skipped.into_iter().map(|s| {
        let what = format!("'{}'", s.key.escape_default());
        let why = Error::Storage(format!(
            "not downloaded: {}; rename it with the tool that wrote it",
            s.reason
        ));
        (what, why)
    }));
    ctx.emit(
        &serde_json::json!({
            "downloaded": done,
            "failed": failures.iter().map(|(k, e)| serde_json::json!({"key": k, "code": e.code(), "message": e.to_string()})).collect::<Vec<_>>(),
        }),
        || {
            done.iter()
                .map(|d| {
                    let mut line = format!("downloaded {} → {} ({})", d.key, d.path.display(), bytes(d.bytes));
                    if !d.adjusted.is_empty() {
                        line.push_str(&format!(" [key adjusted: {}]", d.adjusted.join("; ")));
                    }
                    if d.resumed_from > 0 {
                        line.push_str(&format!(" [resumed at {}]", bytes(d.resumed_from)));
                    }
                    line
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
    report_failures(&failures);
    Ok(batch_exit(&failures))
}

pub async fn rm(ctx: &Ctx, keys: Vec<String>, prefix: Option<String>, yes: bool) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    let mut targets: Vec<ObjectKey> = keys.iter().map(|k| ObjectKey::parse(k)).collect::<Result<_>>()?;
    if let Some(prefix) = prefix {
        let prefix = Prefix::parse(&prefix)?;
        if prefix.as_str().is_empty() {
            return Err(Error::invalid(
                "refusing to delete the whole bucket: give a tenant or folder prefix",
            ));
        }
        let contents = objects::list_prefix(&session.bucket, &prefix).await?;
        for s in &contents.skipped {
            eprintln!(
                "warning: '{}' is not deleted: {}",
                s.key.escape_default(),
                s.reason
            );
        }
        let summary = format!(
            "{} objects, {} under {prefix}",
            contents.keys.len(),
            bytes(contents.bytes)
        );
        if contents.keys.is_empty() {
            ctx.emit(&serde_json::json!({ "deleted": 0, "failed": [] }), || {
                format!("Nothing to delete: {summary}")
            });
            return Ok(ExitCode::SUCCESS);
        }
        let confirmed =
            yes || (std::io::stdin().is_terminal() && confirm(&format!("Delete {summary}? [y/N] ")));
        if !confirmed {
            return Err(Error::invalid(format!(
                "not deleted: {summary}; pass --yes to confirm"
            )));
        }
        targets.extend(contents.keys);
    }
    if targets.is_empty() {
        return Err(Error::invalid("nothing to delete: name keys or a --prefix"));
    }
    let report = objects::delete_keys(&session.bucket, &targets).await?;
    ctx.emit(&report, || {
        let mut lines = vec![format!("Deleted {} objects.", report.deleted)];
        lines.extend(
            report
                .failed
                .iter()
                .map(|f| format!("not deleted: {} ({})", f.key, f.reason)),
        );
        lines.join("\n")
    });
    Ok(if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

pub async fn copy_or_move(
    ctx: &Ctx,
    from: &str,
    to: &str,
    cross_tenant: bool,
    overwrite: bool,
    remove_source: bool,
) -> Result<ExitCode> {
    let (from, to) = (ObjectKey::parse(from)?, ObjectKey::parse(to)?);
    check_tenants(&from, &to, cross_tenant)?;
    let session = crate::session::open(ctx, None).await?;
    if remove_source {
        objects::rename(&session.bucket, &from, &to, overwrite).await?;
    } else {
        objects::copy(&session.bucket, &from, &to, overwrite).await?;
    }
    let verb = if remove_source { "moved" } else { "copied" };
    ctx.emit(&serde_json::json!({ verb: { "from": from, "to": to } }), || {
        format!("{verb} {from} → {to}")
    });
    Ok(ExitCode::SUCCESS)
}
