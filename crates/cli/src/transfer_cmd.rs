//! `cubby put`, `get`, `rm`, `cp`, `mv`: changing the bucket and moving bytes, with progress
//! bars on a terminal and Ctrl-C cancelling cleanly (open multipart uploads are aborted,
//! downloads keep their `.part` to resume).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use cubby_core::actions::transfers::{self, ItemFailure};
use cubby_core::objects::{self, PrefixContents};
use cubby_core::tenant::{CategoryChoice, ObjectKey, Prefix};
use cubby_core::transfer::{DownloadOptions, NoSink, TransferEvent, TransferSink, UploadOptions};
use cubby_core::{Error, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

use crate::format::{self, bytes};
use crate::{advice, exit_code_for, Ctx};

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
                        // Decimal units, as the summary line prints sizes.
                        "{msg:40!} {bar:24} {decimal_bytes:>10}/{decimal_total_bytes:<10} {decimal_bytes_per_sec:>12} {eta:>4}",
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
            // A bar appears when its file starts.
            TransferEvent::Queued { .. } => {}
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
fn cancel_on_ctrl_c(ctx: &Ctx) -> CancellationToken {
    let token = CancellationToken::new();
    let child = token.clone();
    let quiet = ctx.quiet || ctx.json;
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            if !quiet {
                eprintln!("cancelling…");
            }
            child.cancel();
        }
    });
    token
}

/// The exit code for a batch: success, or the code of the first failure.
fn batch_exit(failures: &[ItemFailure]) -> ExitCode {
    match failures.first() {
        None => ExitCode::SUCCESS,
        Some(f) => ExitCode::from(exit_code_for(f.code)),
    }
}

fn report_failures(failures: &[ItemFailure]) {
    for f in failures {
        let advice = f
            .hint
            .as_ref()
            .map(|h| format!(": {}", advice(h)))
            .unwrap_or_default();
        eprintln!("error: {}: {}{advice}", f.item, f.message);
    }
}

fn failures_json(failures: &[ItemFailure], item: &str) -> Vec<serde_json::Value> {
    failures
        .iter()
        .map(|f| serde_json::json!({ item: f.item, "code": f.code, "message": f.message, "hint": f.hint }))
        .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[derive(Args)]
pub struct PutArgs {
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    tenant: crate::TenantArg,
    /// auto (by content), documents, images or uploads.
    #[arg(long, default_value = "auto", value_parser = ["auto", "documents", "images", "uploads"])]
    category: String,
    /// Exact key for a single file instead of the generated one.
    #[arg(long)]
    key: Option<String>,
    /// Replace an existing object with the same key.
    #[arg(long)]
    overwrite: bool,
    /// Files at least this large go up in parallel parts.
    #[arg(long, default_value = "64MiB", value_parser = multipart_threshold)]
    multipart_threshold: u64,
    /// Files uploaded at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

/// `--multipart-threshold`: a size no larger than one request may carry.
fn multipart_threshold(text: &str) -> std::result::Result<u64, String> {
    let size = format::parse_size(text)?;
    if size > cubby_core::transfer::MAX_SINGLE_REQUEST {
        return Err(format!(
            "{} is more than one request may carry on R2 (4.995 GiB): use a smaller threshold, e.g. 64MiB",
            bytes(size)
        ));
    }
    Ok(size)
}

pub async fn put(ctx: &Ctx, args: PutArgs) -> Result<ExitCode> {
    let tenant = args.tenant.parse()?;
    let choice: CategoryChoice = args.category.parse()?;
    let key = args.key.as_deref().map(ObjectKey::parse).transpose()?;
    let plans = transfers::plan_upload(args.files, tenant.clone(), choice, key, chrono::Utc::now()).await?;
    let session = ctx.session().await?;
    args.tenant.checked(&session.bucket).await?;
    let options = UploadOptions {
        overwrite: args.overwrite,
        multipart_threshold: args.multipart_threshold,
        concurrency: args.concurrency,
        ..UploadOptions::default()
    };
    let report = transfers::upload(
        &session.bucket,
        &tenant,
        plans,
        &options,
        sink(ctx),
        &cancel_on_ctrl_c(ctx),
    )
    .await;
    ctx.emit(
        &serde_json::json!({ "uploaded": report.done, "failed": failures_json(&report.failed, "file") }),
        || {
            report
                .done
                .iter()
                .map(|u| {
                    let verb = if u.already_there {
                        "already there"
                    } else {
                        "uploaded"
                    };
                    format!("{verb} {} → {} ({})", u.local.display(), u.key, bytes(u.size))
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
    report_failures(&report.failed);
    Ok(batch_exit(&report.failed))
}

/// `--prefix` as people type it: a tenant (`acme` means `acme/`) or a folder.
#[derive(Args)]
pub struct PrefixArg {
    /// Everything under a tenant (`acme` means `acme/`) or folder.
    #[arg(long, conflicts_with = "keys")]
    prefix: Option<String>,
    /// Let a --prefix that is not a whole tenant id match several tenants.
    #[arg(long, requires = "prefix")]
    cross_tenant: bool,
}

impl PrefixArg {
    fn parse(&self) -> Result<Option<Prefix>> {
        self.prefix
            .as_deref()
            .map(|p| Prefix::selection(p, self.cross_tenant))
            .transpose()
    }
}

#[derive(Args)]
pub struct GetArgs {
    keys: Vec<String>,
    #[command(flatten)]
    prefix: PrefixArg,
    /// Destination folder (created if missing).
    #[arg(long)]
    to: PathBuf,
    /// Replace existing local files instead of adding " (1)".
    #[arg(long)]
    overwrite: bool,
    /// Files downloaded at once; files of up to 4 MiB count a quarter each.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Flush each file to disk before it takes its name, so a power cut cannot leave a
    /// partial file behind (slower: about 2 s more per GiB here).
    #[arg(long)]
    fsync: bool,
}

pub async fn get(ctx: &Ctx, args: GetArgs) -> Result<ExitCode> {
    let prefix = args.prefix.parse()?;
    let keys: Vec<ObjectKey> = args
        .keys
        .iter()
        .map(|k| ObjectKey::parse(k))
        .collect::<Result<_>>()?;
    if keys.is_empty() && prefix.is_none() {
        return Err(Error::invalid("nothing to download: name keys, or a --prefix"));
    }
    let session = ctx.session().await?;
    let selection = transfers::download_selection(&session.bucket, keys, prefix.as_ref()).await?;
    if selection.items.is_empty() && selection.skipped.is_empty() {
        ctx.emit(
            &serde_json::json!({ "downloaded": [], "failed": [] }),
            String::new,
        );
        ctx.note(&format!(
            "Nothing to download: no objects under {}",
            prefix.as_ref().map(|p| p.as_str()).unwrap_or_default()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let options = DownloadOptions {
        overwrite: args.overwrite,
        concurrency: args.concurrency,
        fsync: args.fsync,
        ..DownloadOptions::default()
    };
    let mut report = transfers::download(
        &session.bucket,
        selection.items,
        &args.to,
        &options,
        sink(ctx),
        &cancel_on_ctrl_c(ctx),
    )
    .await?;
    // Keys another client wrote that Cubby will not name are failures to report, not silence.
    report.failed.extend(selection.skipped);
    ctx.emit(
        &serde_json::json!({ "downloaded": report.done, "failed": failures_json(&report.failed, "key") }),
        || {
            report
                .done
                .iter()
                .map(|d| {
                    let verb = if d.already_there {
                        "already there"
                    } else {
                        "downloaded"
                    };
                    let mut line = format!("{verb} {} → {} ({})", d.key, d.path.display(), bytes(d.size));
                    if !d.adjusted.is_empty() {
                        line.push_str(&format!(" [key adjusted: {}]", d.adjusted.join("; ")));
                    }
                    if let Some(note) = &d.note {
                        line.push_str(&format!(" [{note}]"));
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
    report_failures(&report.failed);
    Ok(batch_exit(&report.failed))
}

#[derive(Args)]
pub struct RmArgs {
    keys: Vec<String>,
    #[command(flatten)]
    prefix: PrefixArg,
    /// Delete without asking.
    #[arg(long)]
    yes: bool,
}

/// "3 objects, 53 B under beta/ (beta: 3 objects, 53 B)": whose files go, per tenant.
fn describe_contents(contents: &PrefixContents, prefix: &Prefix) -> String {
    let tenants = contents
        .tenants
        .iter()
        .map(|(tenant, usage)| {
            let who = if tenant.is_empty() {
                "outside any tenant"
            } else {
                tenant
            };
            format!(
                "{who}: {}, {}",
                plural(usage.objects as usize, "object", "objects"),
                bytes(usage.bytes)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "{}, {} under {prefix} ({tenants})",
        plural(contents.keys.len(), "object", "objects"),
        bytes(contents.bytes)
    )
}

pub async fn rm(ctx: &Ctx, args: RmArgs) -> Result<ExitCode> {
    let mut targets: Vec<ObjectKey> = args
        .keys
        .iter()
        .map(|k| ObjectKey::parse(k))
        .collect::<Result<_>>()?;
    let prefix = args.prefix.parse()?;
    if targets.is_empty() && prefix.is_none() {
        return Err(Error::invalid("nothing to delete: name keys or a --prefix"));
    }
    let session = ctx.session().await?;
    // DeleteObjects reports success for keys that were never there: look first, so a typo
    // is not reported as deleted.
    let mut missing = Vec::new();
    for key in std::mem::take(&mut targets) {
        match session.bucket.head(key.as_str()).await {
            Ok(_) => targets.push(key),
            Err(e) if matches!(e.kind(), Error::NotFound(_)) => missing.push(key),
            Err(e) => return Err(e),
        }
    }
    if let Some(prefix) = &prefix {
        let contents = transfers::delete_preview(&session.bucket, prefix).await?;
        for s in &contents.skipped {
            ctx.note(&format!(
                "warning: '{}' is not deleted: {}",
                s.key.escape_default(),
                s.reason
            ));
        }
        if contents.keys.is_empty() {
            ctx.emit(
                &serde_json::json!({ "deleted": 0, "failed": [], "missing": [] }),
                String::new,
            );
            ctx.note(&format!("Nothing to delete: no objects under {prefix}"));
            return Ok(ExitCode::SUCCESS);
        }
        let summary = describe_contents(&contents, prefix);
        if !args.yes {
            if !std::io::stdin().is_terminal() {
                return Err(Error::invalid(format!(
                    "not deleted: {summary}; pass --yes to confirm"
                )));
            }
            if !confirm(&format!("Delete {summary}? [y/N] ")) {
                eprintln!("Nothing deleted.");
                return Ok(ExitCode::from(1));
            }
        }
        targets.extend(contents.keys);
    }
    let report = objects::delete_keys(&session.bucket, &targets).await?;
    ctx.emit(
        &serde_json::json!({ "deleted": report.deleted, "failed": report.failed, "missing": missing }),
        || {
            let mut lines = Vec::new();
            if report.deleted > 0 || missing.is_empty() {
                lines.push(format!(
                    "Deleted {}.",
                    plural(report.deleted as usize, "object", "objects")
                ));
            }
            lines.extend(
                report
                    .failed
                    .iter()
                    .map(|f| format!("not deleted: {} ({})", f.key, f.reason)),
            );
            lines.join("\n")
        },
    );
    for key in &missing {
        eprintln!(
            "error: no object '{key}' in bucket '{}': nothing to delete",
            session.bucket.name()
        );
    }
    Ok(if !report.failed.is_empty() {
        ExitCode::from(1)
    } else if !missing.is_empty() {
        ExitCode::from(exit_code_for("not_found"))
    } else {
        ExitCode::SUCCESS
    })
}

fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

#[derive(Args)]
pub struct CopyArgs {
    from: String,
    to: String,
    /// Allow the destination to be in another tenant.
    #[arg(long)]
    cross_tenant: bool,
    /// Replace an existing object at the destination.
    #[arg(long)]
    overwrite: bool,
}

pub async fn copy_or_move(ctx: &Ctx, args: CopyArgs, remove_source: bool) -> Result<ExitCode> {
    let (from, to) = (ObjectKey::parse(&args.from)?, ObjectKey::parse(&args.to)?);
    objects::check_tenants(&from, &to, args.cross_tenant)?;
    let session = ctx.session().await?;
    if remove_source {
        objects::rename(&session.bucket, &from, &to, args.overwrite).await?;
    } else {
        objects::copy(&session.bucket, &from, &to, args.overwrite).await?;
    }
    let verb = if remove_source { "moved" } else { "copied" };
    ctx.emit(&serde_json::json!({ verb: { "from": from, "to": to } }), || {
        format!("{verb} {from} → {to}")
    });
    Ok(ExitCode::SUCCESS)
}
