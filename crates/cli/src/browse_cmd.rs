//! `cubby tenants`, `ls`, `du`, `stat`: reading the bucket. Listings stream: each page is printed
//! as it arrives, unless a sort needs them all first.

use std::process::ExitCode;

use cubby_core::keys::display_name;
use cubby_core::listing::{self, Listing, NameFilter, SortKey};
use cubby_core::storage::ObjectEntry;
use cubby_core::tenant::{ObjectKey, Prefix, TenantId};
use cubby_core::Result;
use serde::Serialize;

use crate::format::{bytes, when};
use crate::Ctx;

pub async fn tenants(ctx: &Ctx) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    let list = listing::tenants(&session.bucket).await?;
    ctx.emit(&list, || {
        list.iter()
            .map(|t| format!("{t}/"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct LsOutput {
    prefix: String,
    folders: Vec<String>,
    objects: Vec<ObjectEntry>,
}

pub struct LsArgs {
    pub path: Option<String>,
    pub recursive: bool,
    pub filter: Option<String>,
    pub sort: Option<SortKey>,
    pub reverse: bool,
}

pub async fn ls(ctx: &Ctx, args: LsArgs) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    let prefix = Prefix::parse(args.path.as_deref().unwrap_or(""))?.as_folder();
    let filter = args.filter.as_deref().map(NameFilter::new);
    let keep = |key: &str| filter.as_ref().is_none_or(|f| f.matches(key));
    let collect = ctx.json || args.sort.is_some();

    let mut folders: Vec<String> = Vec::new();
    // A tenant always shows its three categories, even before anything was uploaded.
    if let (Some(tenant), false) = (prefix.tenant(), args.recursive) {
        if prefix.as_str() == tenant.prefix() {
            folders = listing::tenant_folders(&session.bucket, &tenant)
                .await?
                .into_iter()
                .map(|f| f.prefix)
                .collect();
        }
    }
    if !collect && !ctx.quiet {
        for folder in &folders {
            println!("{:>10}  {:<16}  {folder}", "", "");
        }
    }
    let mut objects = Vec::new();
    let mut listing = Listing::new(&session.bucket, &prefix, args.recursive);
    while let Some(page) = listing.next_page().await? {
        for folder in page.prefixes {
            if folders.contains(&folder) || !keep(&folder) {
                continue;
            }
            if !collect && !ctx.quiet {
                println!("{:>10}  {:<16}  {folder}", "", "");
            }
            folders.push(folder);
        }
        for object in page.objects.into_iter().filter(|o| keep(&o.key)) {
            if collect {
                objects.push(object);
            } else if !ctx.quiet {
                println!("{}", line(&object));
            }
        }
    }
    if let Some(key) = args.sort {
        listing::sort(&mut objects, key, args.reverse);
    }
    if collect {
        let out = LsOutput {
            prefix: prefix.to_string(),
            folders,
            objects,
        };
        ctx.emit(&out, || {
            let mut lines: Vec<String> = out
                .folders
                .iter()
                .map(|f| format!("{:>10}  {:<16}  {f}", "", ""))
                .collect();
            lines.extend(out.objects.iter().map(line));
            lines.join("\n")
        });
    }
    Ok(ExitCode::SUCCESS)
}

fn line(o: &ObjectEntry) -> String {
    let shown = display_name(&o.key);
    let extra = if shown == o.key.rsplit('/').next().unwrap_or_default() {
        String::new()
    } else {
        format!("  ({shown})")
    };
    format!(
        "{:>10}  {:<16}  {}{extra}",
        bytes(o.size),
        o.last_modified.map(when).unwrap_or_default(),
        o.key
    )
}

pub async fn du(ctx: &Ctx, path: &str) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    let prefix = Prefix::parse(path)?;
    let usage = listing::usage(&session.bucket, &prefix).await?;
    ctx.emit(
        &serde_json::json!({ "prefix": prefix, "objects": usage.objects, "bytes": usage.bytes }),
        || {
            format!(
                "{} objects, {} ({} bytes) under {}",
                usage.objects,
                bytes(usage.bytes),
                usage.bytes,
                if path.is_empty() { "the bucket" } else { path }
            )
        },
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn stat(ctx: &Ctx, key: &str) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    let key = ObjectKey::parse(key)?;
    let info = session.bucket.head(key.as_str()).await?;
    ctx.emit(&info, || {
        let mut lines = vec![
            format!("Key           {}", info.key),
            format!(
                "Tenant        {}",
                key.tenant()
                    .map(|t: TenantId| t.to_string())
                    .unwrap_or_else(|| "-".into())
            ),
            format!("Size          {} ({} bytes)", bytes(info.size), info.size),
            format!("ETag          {}", info.etag.as_deref().unwrap_or("-")),
            format!("Content-Type  {}", info.content_type.as_deref().unwrap_or("-")),
            format!(
                "Modified      {}",
                info.last_modified
                    .map(|t| t.to_rfc3339())
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
