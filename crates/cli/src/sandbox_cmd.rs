//! `cubby sandbox`: the embedded server in the foreground, or demo data.

use std::process::ExitCode;

use clap::Args;
use cubby_core::{sandbox, Error, Result};

use crate::Ctx;

#[derive(Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (default 39461, or the configured one).
    #[arg(long)]
    port: Option<u16>,
    /// Fill the sandbox with two demo tenants, then exit.
    #[arg(long)]
    seed_demo: bool,
    /// Refuse what Cloudflare R2 documents it refuses (part sizes, request limits, presign
    /// expiry, bucket names, its copy guard), to try a script before it meets a real bucket.
    #[arg(long, conflicts_with = "seed_demo")]
    r2: bool,
    /// With --r2: completed multipart uploads get an ETag not derived from their content, as
    /// R2's objects from before mid-2023 and migrated ones have.
    #[arg(long, requires = "r2")]
    legacy_etags: bool,
}

pub async fn run(ctx: &Ctx, args: SandboxArgs) -> Result<ExitCode> {
    let config = ctx.host().config()?;
    if args.seed_demo {
        let count = cubby_core::actions::profiles::seed_demo(ctx.host(), args.port).await?;
        ctx.emit(
            &serde_json::json!({ "seeded": count, "tenants": cubby_core::demo::TENANTS }),
            || {
                let tenants = cubby_core::demo::TENANTS.join(", ");
                if count == 0 {
                    format!("The demo tenants {tenants} are already there; nothing added.")
                } else {
                    format!("Added {count} demo objects for tenants {tenants}.")
                }
            },
        );
        return Ok(ExitCode::SUCCESS);
    }
    let r2 = args.r2.then(|| cubby_sandbox::R2Rules {
        legacy_etags: args.legacy_etags,
        ..cubby_sandbox::R2Rules::default()
    });
    let server = sandbox::start(&ctx.dirs, &ctx.store, &config, &ctx.env, args.port, r2)
        .await
        .map_err(|e| match e.kind() {
            Error::InvalidInput(m) => Error::invalid(format!("{m} with --port")),
            _ => e,
        })?;
    let root = sandbox::root(&ctx.dirs);
    ctx.emit(
        &serde_json::json!({ "endpoint": server.endpoint(), "bucket": sandbox::BUCKET, "root": root, "r2": args.r2 }),
        || {
            format!(
                "Sandbox{} listening on {} · bucket {} · files in {}",
                if args.r2 { " (R2 rules)" } else { "" },
                server.endpoint(),
                sandbox::BUCKET,
                root.display()
            )
        },
    );
    ctx.note("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::io("cannot wait for Ctrl-C", e))?;
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}
