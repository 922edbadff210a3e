//! `cubby sandbox`: the embedded server in the foreground, demo data, and the in-process start
//! other commands use when they run against the sandbox profile.

use std::process::ExitCode;

use cubby_core::profile::Config;
use cubby_core::{sandbox, Bucket, Error, Result};
use cubby_sandbox::{Options, Sandbox};

use crate::Ctx;

pub fn options(ctx: &Ctx, config: &Config, port: Option<u16>) -> Result<Options> {
    let credentials = sandbox::credentials(&ctx.dirs, &ctx.store)?;
    Ok(Options {
        root: sandbox::root(&ctx.dirs),
        bucket: sandbox::BUCKET.to_string(),
        port: port.unwrap_or_else(|| sandbox::port(config, &ctx.env)),
        access_key: credentials.access_key_id.clone(),
        secret_key: credentials.secret.expose().to_string(),
    })
}

/// Starts the sandbox for the duration of a command unless it already runs.
pub async fn ensure(ctx: &Ctx, config: &Config, port: Option<u16>) -> Result<Option<Sandbox>> {
    let started = cubby_sandbox::ensure_running(options(ctx, config, port)?)
        .await
        .map_err(|e| Error::Unreachable(e.to_string()))?;
    if started.is_none() {
        // Someone else's server on the port: use it only if it is a sandbox with our keys.
        let mut profile = sandbox::profile(config, &ctx.env);
        if let Some(port) = port {
            profile.endpoint = Some(format!("http://127.0.0.1:{port}"));
        }
        sandbox::verify_running(&profile, &sandbox::credentials(&ctx.dirs, &ctx.store)?).await?;
    }
    Ok(started)
}

pub async fn run(ctx: &Ctx, port: Option<u16>, seed_demo: bool) -> Result<ExitCode> {
    let config = Config::load(&ctx.dirs)?;
    if seed_demo {
        let running = ensure(ctx, &config, port).await?;
        let mut profile = sandbox::profile(&config, &ctx.env);
        if let Some(port) = port {
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
    let options = options(ctx, &config, port)?;
    let root = options.root.clone();
    let server = Sandbox::start(options).await.map_err(|e| match e {
        cubby_sandbox::Error::PortInUse(p) => Error::invalid(format!(
            "port {p} is already in use (is the sandbox already running?): pass --port to pick another"
        )),
        other => Error::Unreachable(other.to_string()),
    })?;
    ctx.emit(
        &serde_json::json!({ "endpoint": server.endpoint(), "bucket": sandbox::BUCKET, "root": root }),
        || {
            format!(
                "Sandbox listening on {} · bucket {} · files in {}\nPress Ctrl-C to stop.",
                server.endpoint(),
                sandbox::BUCKET,
                root.display()
            )
        },
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::io("cannot wait for Ctrl-C", e))?;
    server.stop().await;
    Ok(ExitCode::SUCCESS)
}
