//! `cubby usage` (objects, bytes, growth and cost per tenant) and `cubby find` (file names
//! across tenants, from what listings have seen).

use std::process::ExitCode;

use clap::Args;
use clap_complete::engine::ArgValueCompleter;
use cubby_core::seen::{self, Recorder};
use cubby_core::tenant::{Prefix, TenantId};
use cubby_core::usage::{self, Prices, UsageReport};
use cubby_core::Result;

use crate::format::{bytes, when_text};
use crate::Ctx;

#[derive(Args)]
pub struct UsageArgs {
    /// One tenant; the whole bucket when left out.
    #[arg(add = ArgValueCompleter::new(crate::complete::tenants))]
    tenant: Option<String>,
    /// GB downloaded a month, for the egress S3 would charge (R2 charges none).
    #[arg(long, value_name = "GB", default_value_t = 0.0)]
    download_gb: f64,
    /// Show the last report made on this computer, with its age, without listing again.
    #[arg(long)]
    cached: bool,
}

pub async fn usage(ctx: &Ctx, args: UsageArgs) -> Result<ExitCode> {
    if !args.download_gb.is_finite() || args.download_gb < 0.0 {
        return Err(cubby_core::Error::invalid(
            "--download-gb takes a number of GB of 0 or more",
        ));
    }
    let tenant = args.tenant.as_deref().map(TenantId::parse).transpose()?;
    let prices = Prices::load(&ctx.dirs)?;
    let session = ctx.session().await?;
    let bucket_id = seen::bucket_id(&session.profile);
    let scope = tenant.as_ref().map(|t| t.to_string());
    let report = if args.cached {
        let mut report = usage::cached(&ctx.dirs, &bucket_id, scope.as_deref()).ok_or_else(|| {
            cubby_core::Error::NotFound(
                "no usage report was made on this computer yet: run `cubby usage` without --cached".into(),
            )
        })?;
        // The download volume and the prices are today's, whatever they were then.
        report.cost = usage::cost(report.bytes, args.download_gb, &prices);
        ctx.note(&format!(
            "as of {} ({})",
            report.generated_at,
            seen::age(&report.generated_at, chrono::Utc::now())
        ));
        report
    } else {
        let prefix = tenant.as_ref().map(|t| t.prefix()).unwrap_or_default();
        let index = Recorder::start(&ctx.dirs, bucket_id.clone(), &prefix, true).ok();
        let report =
            usage::summarize(&session.bucket, tenant.as_ref(), args.download_gb, &prices, index).await?;
        if let Err(e) = usage::remember(&ctx.dirs, &bucket_id, &report) {
            ctx.note(&format!("note: the report was not cached: {e}"));
        }
        report
    };
    if report.objects == 0 && tenant.is_some() {
        ctx.note("note: no files under that tenant");
    }
    ctx.emit(&report, || human(&report));
    Ok(ExitCode::SUCCESS)
}

fn human(r: &UsageReport) -> String {
    let mut lines = vec![format!(
        "{:<28} {:>9} {:>10}   {:>10} {:>10} {:>10} {:>10}",
        "TENANT", "FILES", "SIZE", "DOCUMENTS", "IMAGES", "UPLOADS", "OTHER"
    )];
    for t in &r.tenants {
        let shown = match &t.name {
            Some(name) => format!("{} ({name})", t.tenant),
            None => t.tenant.clone(),
        };
        let cat = |c: &str| bytes(t.categories.get(c).map_or(0, |c| c.bytes));
        lines.push(format!(
            "{:<28} {:>9} {:>10}   {:>10} {:>10} {:>10} {:>10}",
            truncate(&shown, 28),
            t.objects,
            bytes(t.bytes),
            cat("documents"),
            cat("images"),
            cat("uploads"),
            cat("other")
        ));
    }
    lines.push(format!("{:<28} {:>9} {:>10}", "total", r.objects, bytes(r.bytes)));
    if !r.months.is_empty() {
        lines.push(String::new());
        lines.push("stored by month (LastModified):".into());
        let most = r.months.iter().map(|m| m.count.bytes).max().unwrap_or(1).max(1);
        for m in r.months.iter().rev().take(12).rev() {
            let bar = "█".repeat(((m.count.bytes * 30).div_ceil(most)) as usize);
            lines.push(format!(
                "  {}  {:>10}  {:>7} files  {bar}",
                m.month,
                bytes(m.count.bytes),
                m.count.objects
            ));
        }
    }
    if !r.largest.is_empty() {
        lines.push(String::new());
        lines.push("largest files:".into());
        for f in &r.largest {
            lines.push(format!("  {:>10}  {}", bytes(f.size), f.key));
        }
    }
    let c = &r.cost;
    let money = |v: f64| format!("{:.2} {}", v, c.prices.currency);
    lines.push(String::new());
    lines.push(format!(
        "estimated monthly cost for {:.2} GB stored and {:.0} GB downloaded:",
        c.stored_gb, c.downloaded_gb
    ));
    lines.push(format!(
        "  R2  {:>12}  (storage; no egress fees)",
        money(c.r2_total)
    ));
    lines.push(format!(
        "  S3  {:>12}  (storage {}, egress {})",
        money(c.s3_total),
        money(c.s3_storage),
        money(c.s3_egress)
    ));
    lines.push(format!(
        "  prices: {} (as of {}); edit prices.toml in the config folder to change them",
        c.prices.source, c.prices.as_of
    ));
    lines.push(format!("listed in {:.2} s", r.seconds));
    lines.join("\n")
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[derive(Args)]
pub struct FindArgs {
    /// Part of a file name, any case (`receipt`, `2025-03`).
    text: String,
    /// Only in this tenant.
    #[arg(long, add = ArgValueCompleter::new(crate::complete::tenants))]
    tenant: Option<String>,
    /// List the bucket (or the tenant) whole first, so every file is known.
    #[arg(long)]
    refresh: bool,
    /// At most this many results.
    #[arg(long, default_value_t = 200)]
    limit: usize,
}

pub async fn find(ctx: &Ctx, args: FindArgs) -> Result<ExitCode> {
    let tenant = args.tenant.as_deref().map(TenantId::parse).transpose()?;
    let session = ctx.session().await?;
    let bucket_id = seen::bucket_id(&session.profile);
    if args.refresh {
        let prefix = tenant.as_ref().map(|t| t.prefix()).unwrap_or_default();
        seen::index_whole(&ctx.dirs, &session.bucket, bucket_id.clone(), &prefix).await?;
    }
    let found = seen::find(
        &ctx.dirs,
        &bucket_id,
        &args.text,
        tenant.as_ref().map(TenantId::as_str),
        args.limit.max(1),
    )?;
    match &found.complete_at {
        _ if found.indexed == 0 => ctx.note(
            "note: nothing has been listed on this computer yet; `cubby find TEXT --refresh` lists the bucket once",
        ),
        None => ctx.note(
            "note: only folders listed so far are searched; add --refresh to list the bucket whole",
        ),
        Some(at) => ctx.note(&format!(
            "searched {} names, the bucket as listed {}",
            found.indexed,
            seen::age(at, chrono::Utc::now())
        )),
    }
    if found.truncated {
        ctx.note(&format!(
            "note: showing the first {}; narrow the search or raise --limit",
            found.results.len()
        ));
    }
    ctx.emit(&found, || {
        found
            .results
            .iter()
            .map(|f| {
                let modified = when_text(f.modified.as_deref());
                format!("{:>10}  {modified:<16}  {}  ({})", bytes(f.size), f.key, f.name)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct MigrateArgs {
    /// The profile of the bucket to copy from (an S3 or S3-compatible one).
    #[arg(long, add = ArgValueCompleter::new(crate::complete::profiles))]
    from: String,
    /// The profile of the bucket to copy into (R2).
    #[arg(long, add = ArgValueCompleter::new(crate::complete::profiles))]
    to: String,
    /// Only keys under this prefix (`acme/`).
    #[arg(long, default_value = "")]
    prefix: String,
    /// Show the plan (counts, bytes, estimated time) and copy nothing.
    #[arg(long)]
    dry_run: bool,
    /// Replace a different object already at a key in the destination (else it is reported).
    #[arg(long)]
    overwrite: bool,
    /// Objects copied at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
}

pub async fn migrate(ctx: &Ctx, args: MigrateArgs) -> Result<ExitCode> {
    use cubby_core::migrate::{Migration, Options};
    if !args.prefix.is_empty() {
        Prefix::parse(&args.prefix)?;
    }
    let source = cubby_core::Session::open(ctx.host(), Some(&args.from)).await?;
    let dest = cubby_core::Session::open(ctx.host(), Some(&args.to)).await?;
    let (source_id, dest_id) = (seen::bucket_id(&source.profile), seen::bucket_id(&dest.profile));
    if source_id == dest_id {
        return Err(cubby_core::Error::invalid(format!(
            "'{}' and '{}' name the same bucket: migrate between two different buckets",
            args.from, args.to
        )));
    }
    let migration = Migration {
        source: source.bucket.clone(),
        dest: dest.bucket.clone(),
        source_id,
        dest_id,
        options: Options {
            prefix: args.prefix.clone(),
            overwrite: args.overwrite,
            concurrency: usize::from(args.concurrency),
        },
    };
    if args.dry_run {
        let plan = migration.plan(&ctx.dirs).await?;
        ctx.emit(&plan, || {
            let mut lines = vec![
                format!(
                    "source: {} objects, {}",
                    plan.source.objects,
                    bytes(plan.source.bytes)
                ),
                format!(
                    "to copy: {} objects, {}",
                    plan.to_copy.objects,
                    bytes(plan.to_copy.bytes)
                ),
                format!(
                    "already there: {} objects, {}",
                    plan.already_there.objects,
                    bytes(plan.already_there.bytes)
                ),
            ];
            if !plan.conflicts.is_empty() {
                lines.push(format!(
                    "different object already in the destination (left alone without --overwrite): {}",
                    plan.conflicts.len()
                ));
            }
            lines.push(format!(
                "estimated time: {} (at {})",
                duration(plan.estimated_seconds),
                plan.estimate_basis
            ));
            lines.join("\n")
        });
        return Ok(ExitCode::SUCCESS);
    }
    // Ctrl-C: no object starts after it; those in flight finish, and the rerun does the rest.
    let cancel = tokio_util::sync::CancellationToken::new();
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopping: the objects being copied finish; run the same command again to go on");
                cancel.cancel();
            }
        });
    }
    let quiet = ctx.quiet || ctx.json;
    let last = std::sync::Mutex::new(std::time::Instant::now());
    let report = migration
        .run(&ctx.dirs, &cancel, move |p| {
            let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
            if quiet || (last.elapsed().as_millis() < 500 && p.done.objects < p.total.objects) {
                return;
            }
            *last = std::time::Instant::now();
            eprintln!(
                "copied {}/{} objects, {} of {}{}",
                p.done.objects,
                p.total.objects,
                bytes(p.done.bytes),
                bytes(p.total.bytes),
                if p.failed > 0 {
                    format!(", {} failed", p.failed)
                } else {
                    String::new()
                }
            );
        })
        .await?;
    ctx.emit(&report, || {
        let mut lines = vec![
            format!(
                "copied: {} objects, {} in {:.1} s",
                report.copied.objects,
                bytes(report.copied.bytes),
                report.seconds
            ),
            format!(
                "already there: {} objects, {}",
                report.already_there.objects,
                bytes(report.already_there.bytes)
            ),
        ];
        if report.checked_bytes_only > 0 {
            lines.push(format!(
                "{} copied whose source ETag is not an MD5: checked as the bytes read on both sides",
                report.checked_bytes_only
            ));
        }
        if report.not_started.objects > 0 {
            lines.push(format!(
                "not started (stopped): {} objects, {}; run the same command again to copy them",
                report.not_started.objects,
                bytes(report.not_started.bytes)
            ));
        }
        lines.push(format!("failed: {}", report.failed.len()));
        for f in &report.failed {
            lines.push(format!("  {}: {}", f.key, f.reason));
        }
        lines.join("\n")
    });
    Ok(if !report.failed.is_empty() {
        ExitCode::from(1)
    } else if report.not_started.objects > 0 {
        ExitCode::from(crate::exit_code_for("cancelled"))
    } else {
        ExitCode::SUCCESS
    })
}

fn duration(secs: f64) -> String {
    let secs = secs.round() as u64;
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}
