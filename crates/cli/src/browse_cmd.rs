//! `cubby tenants`, `ls`, `du`, `stat`: reading the bucket through
//! `cubby_core::actions::browse`. Listings stream: each page is printed as it arrives, unless a
//! sort or `--json` needs them all first.

use std::process::ExitCode;

use clap::Args;
use cubby_core::actions::browse::{self, BrowseOptions, FileEntry};
use cubby_core::listing::{self, NameFilter, SortKey};
use cubby_core::names;
use cubby_core::tenant::{ObjectKey, Prefix, TenantId};
use cubby_core::Result;
use serde::Serialize;

use crate::format::{bytes, when_text};
use crate::{out, Ctx};

#[derive(Args)]
pub struct TenantsArgs {
    #[command(subcommand)]
    action: Option<TenantsCommand>,
}

#[derive(clap::Subcommand)]
enum TenantsCommand {
    /// Add a tenant before its first file, with the name people know it by.
    Add {
        /// The tenant id: the folder its files go under (`acme-corp`).
        id: String,
        /// The name shown for it (`"Acme Corporation"`).
        #[arg(long)]
        name: Option<String>,
    },
    /// Give a tenant the name people know it by; every install on this bucket sees it.
    Rename {
        /// The tenant id.
        #[arg(add = clap_complete::engine::ArgValueCompleter::new(crate::complete::tenants))]
        id: String,
        /// The new name; `--clear` removes it instead.
        #[arg(required_unless_present = "clear")]
        name: Option<String>,
        /// Remove the name.
        #[arg(long, conflicts_with = "name")]
        clear: bool,
    },
}

/// `cubby tenants`: every tenant with its name; `add` and `rename` edit the bucket's names.
pub async fn tenants(ctx: &Ctx, args: TenantsArgs) -> Result<ExitCode> {
    let session = ctx.session().await?;
    let bucket = &session.bucket;
    match args.action {
        None => {}
        Some(TenantsCommand::Add { id, name }) => {
            let tenant = TenantId::parse(&id)?;
            names::add(bucket, &tenant, name.as_deref(), chrono::Utc::now()).await?;
            ctx.note(&format!("added tenant '{tenant}'"));
        }
        Some(TenantsCommand::Rename { id, name, clear }) => {
            let tenant = TenantId::parse(&id)?;
            let known = names::directory(bucket).await?;
            if !known.iter().any(|t| t.id == tenant.as_str()) {
                return Err(cubby_core::Error::NotFound(format!(
                    "no tenant '{tenant}'{}: add it first with `cubby tenants add {tenant}`",
                    cubby_core::actions::tenants::suggestion(
                        &tenant,
                        &known
                            .iter()
                            .filter_map(|t| TenantId::parse(&t.id).ok())
                            .collect::<Vec<_>>()
                    )
                )));
            }
            let name = if clear { None } else { name };
            names::rename(bucket, &tenant, name.as_deref()).await?;
            ctx.note(&match &name {
                Some(n) => format!("'{tenant}' is now shown as \"{}\"", n.trim()),
                None => format!("'{tenant}' has no name now"),
            });
        }
    }
    let list = names::directory(bucket).await?;
    ctx.emit(&list, || {
        list.iter()
            .map(|t| {
                let mut line = format!("{}/", t.id);
                if let Some(name) = &t.name {
                    line = format!("{line:<24} {name}");
                }
                if !t.has_files {
                    line.push_str("  (no files yet)");
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct LsArgs {
    /// TENANT[/PREFIX]; the bucket's top level when left out.
    path: Option<String>,
    /// Every key below, not just one level.
    #[arg(short, long)]
    recursive: bool,
    /// Only names containing this text, or matching this glob (`*.pdf`, `invoice*`); matched
    /// against the name people see as well as the stored one.
    #[arg(long)]
    filter: Option<String>,
    /// Sort by name, size or date (collects the whole listing first).
    #[arg(long, value_parser = { use clap::builder::TypedValueParser; clap::builder::PossibleValuesParser::new(["name", "size", "date"]).try_map(|s| s.parse::<SortKey>()) })]
    sort: Option<SortKey>,
    /// Reverse the sort order.
    #[arg(long, requires = "sort")]
    reverse: bool,
}

#[derive(Serialize)]
struct LsOutput {
    prefix: String,
    folders: Vec<String>,
    objects: Vec<FileEntry>,
}

fn folder_line(prefix: &str, names: &names::Directory) -> String {
    // At the bucket's root the folders are tenants: their names follow, as in the window.
    match names.name_of(prefix.trim_end_matches('/')) {
        Some(name) => format!("{:>10}  {:<16}  {prefix}  ({name})", "", ""),
        None => format!("{:>10}  {:<16}  {prefix}", "", ""),
    }
}

fn file_line(f: &FileEntry) -> String {
    let last = f.key.rsplit('/').next().unwrap_or_default();
    let extra = if f.name == last {
        String::new()
    } else {
        format!("  ({})", f.name)
    };
    let modified = when_text(f.modified.as_deref());
    format!("{:>10}  {modified:<16}  {}{extra}", bytes(f.size), f.key)
}

pub async fn ls(ctx: &Ctx, args: LsArgs) -> Result<ExitCode> {
    let prefix = Prefix::parse(args.path.as_deref().unwrap_or(""))?.as_folder();
    let options = BrowseOptions {
        recursive: args.recursive,
        filter: args.filter.as_deref().map(NameFilter::parse).transpose()?,
        first_page: None,
    };
    let session = ctx.session().await?;
    let collect = ctx.json || args.sort.is_some();
    let mut output = LsOutput {
        prefix: prefix.to_string(),
        folders: Vec::new(),
        objects: Vec::new(),
    };
    let tenant_names = if prefix.is_root() && !ctx.json {
        names::load(&session.bucket)
            .await
            .map(|(d, _)| d)
            .unwrap_or_default()
    } else {
        names::Directory::default()
    };
    let index = cubby_core::seen::Recorder::start(
        &ctx.dirs,
        cubby_core::seen::bucket_id(&session.profile),
        prefix.as_str(),
        args.recursive,
    )
    .ok();
    browse::browse_indexed(&session.bucket, &prefix, &options, index, |page| {
        let folders = page.folders.into_iter().map(|f| f.prefix);
        if collect {
            output.folders.extend(folders);
            output.objects.extend(page.files);
        } else {
            folders.for_each(|f| out(&folder_line(&f, &tenant_names)));
            page.files.iter().for_each(|f| out(&file_line(f)));
        }
        Ok(())
    })
    .await?;
    if let Some(key) = args.sort {
        browse::sort(&mut output.objects, key, args.reverse);
    }
    if collect {
        ctx.emit(&output, || {
            let mut lines: Vec<String> = output
                .folders
                .iter()
                .map(|f| folder_line(f, &tenant_names))
                .collect();
            lines.extend(output.objects.iter().map(file_line));
            lines.join("\n")
        });
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct DuArgs {
    /// A tenant (`acme` means `acme/`) or folder; the whole bucket when left out.
    #[arg(default_value = "")]
    prefix: String,
    /// Let a prefix that is not a whole tenant id match several tenants (`acme` would then
    /// also count `acme-corp/`).
    #[arg(long)]
    cross_tenant: bool,
}

pub async fn du(ctx: &Ctx, args: DuArgs) -> Result<ExitCode> {
    let prefix = Prefix::selection(&args.prefix, args.cross_tenant)?;
    let session = ctx.session().await?;
    let usage = listing::usage(&session.bucket, &prefix).await?;
    ctx.emit(
        &serde_json::json!({ "prefix": prefix, "objects": usage.objects, "bytes": usage.bytes }),
        || {
            format!(
                "{} objects, {} ({} bytes) under {}",
                usage.objects,
                bytes(usage.bytes),
                usage.bytes,
                if prefix.is_root() {
                    "the bucket"
                } else {
                    prefix.as_str()
                }
            )
        },
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct StatArgs {
    key: String,
}

pub async fn stat(ctx: &Ctx, args: StatArgs) -> Result<ExitCode> {
    let key = ObjectKey::parse(&args.key)?;
    let session = ctx.session().await?;
    let details = browse::details(&session.bucket, &key).await?;
    let info = &details.info;
    ctx.emit(info, || {
        let mut lines = vec![
            format!("Key           {}", info.key),
            format!("Name          {}", details.name),
            format!("Tenant        {}", details.tenant.as_deref().unwrap_or("-")),
            format!("Size          {} ({} bytes)", bytes(info.size), info.size),
            format!("ETag          {}", info.etag.as_deref().unwrap_or("-")),
            format!("Content-Type  {}", info.content_type.as_deref().unwrap_or("-")),
            format!(
                "Modified      {}",
                info.last_modified
                    .map(cubby_core::wire::time)
                    .unwrap_or_else(|| "-".into())
            ),
        ];
        for (k, v) in &info.metadata {
            lines.push(format!("Metadata      {k}: {v}"));
        }
        lines.join("\n")
    });
    Ok(ExitCode::SUCCESS)
}
