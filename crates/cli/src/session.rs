//! Opening the active profile's bucket for a command, with the sandbox started in-process when
//! the profile is the sandbox and nothing else serves it.

use cubby_core::profile::Config;
use cubby_core::{resolve, Bucket, ProfileKind, Result};

use crate::Ctx;

pub struct Session {
    pub bucket: Bucket,
    pub profile: cubby_core::Profile,
    /// True when the sandbox runs only inside this command: links die with it.
    pub ephemeral_sandbox: bool,
    // Held for the command's lifetime; stops the in-process sandbox when dropped.
    _sandbox: Option<cubby_sandbox::Sandbox>,
}

pub async fn open(ctx: &Ctx, name: Option<&str>) -> Result<Session> {
    let config = Config::load(&ctx.dirs)?;
    let resolved = resolve::resolve(
        &ctx.dirs,
        &config,
        &ctx.store,
        name.or(ctx.profile.as_deref()),
        &ctx.env,
    )?;
    let sandbox = match resolved.profile.kind() {
        ProfileKind::Sandbox => crate::sandbox_cmd::ensure(ctx, &config, None).await?,
        _ => None,
    };
    Ok(Session {
        bucket: Bucket::connect(&resolved.profile, &resolved.credentials)?,
        ephemeral_sandbox: sandbox.is_some(),
        profile: resolved.profile,
        _sandbox: sandbox,
    })
}
