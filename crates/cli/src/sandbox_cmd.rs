//! `cubby sandbox`: the embedded server in the foreground, or demo data.

use std::process::ExitCode;

use clap::Args;
use cubby_core::{sandbox, Bucket, Error, Result};

use crate::Ctx;

#[derive(Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (default 39461, or the configured one).
    #[arg(long)]
    port: Option<u16>,
    /// Fill the sandbox with two demo tenants, then exit.
    #[arg(long)]
    seed_demo: bool,
}

pub async fn run(ctx: &Ctx, args: SandboxArgs) -> Result<ExitCode> {
    let config = ctx.host().config()?;
    if args.seed_demo {
        let running = sandbox::ensure(&ctx.dirs, &ctx.store, &config, &ctx.env, args.port).await?;
        let mut profile = sandbox::profile(&config, &ctx.env);
        if let Some(port) = args.port {
            profile.endpoint = Some(format!("http://127.0.0.1:{port}"));
        }
        let bucket = Bucket::connect(&profile, &sandbox::credentials(&ctx.dirs, &ctx.store)?)?;
        let count = cubby_core::demo::seed(&bucket, chrono::Utc::now()).await?;
        if let Some(server) = running {
            server.stop().await;
        }
        ctx.emit(
            &serde_json::json!({ "seeded": count, "tenants": cubby_core::demo::TENANTS }),
            || {
                format!(
                    "Added {count} demo objects for tenants {}.",
                    cubby_core::demo::TENANTS.join(", ")
                )
            },
        );
        return Ok(ExitCode::SUCCESS);
    }
    let server = sandbox::start(&ctx.dirs, &ctx.store, &config, &ctx.env, args.port)
        .await
        .map_err(|e| match e.kind() {
            Error::InvalidInput(m) => Error::invalid(format!("{m} with --port")),
            _ => e,
        })?;
    let root = sandbox::root(&ctx.dirs);
    ctx.emit(
        &serde_json::json!({ "endpoint": server.endpoint(), "bucket": sandbox::BUCKET, "root": root }),
        || {
            format!(
                "Sandbox listening on {} · bucket {} · files in {}",
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
