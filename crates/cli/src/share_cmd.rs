//! `cubby share`, `upload-url`, `links`, `cors`: what support staff hand to customers and the
//! mobile app, and the register of what was handed out (`cubby_core::actions::links`).

use std::process::ExitCode;

use chrono::Utc;
use clap::{Args, Subcommand};
use cubby_core::actions::links::{self, ShareRequest, UploadUrlRequest};
use cubby_core::links::LinkState;
use cubby_core::share::{self, Disposition};
use cubby_core::tenant::{CategoryChoice, ObjectKey};
use cubby_core::{qr, Error, Result, Session};

use crate::Ctx;

fn expiry(text: Option<&str>) -> Result<Option<std::time::Duration>> {
    text.map(share::parse_expiry).transpose()
}

fn sandbox_warning(ctx: &Ctx, session: &Session) {
    if session.owns_sandbox() {
        ctx.note(
            "note: the sandbox runs only while this command does, so this link stops working now; keep `cubby sandbox` running in another terminal for links that last",
        );
    }
}

#[derive(Args)]
pub struct ShareArgs {
    key: String,
    /// 90s, 30m, 1h, 7d or seconds (1 s to 7 days); default: the profile's expiry.
    #[arg(long)]
    expires: Option<String>,
    /// Make browsers save the file under this name.
    #[arg(long, conflicts_with = "inline")]
    download_name: Option<String>,
    /// Make browsers show the file instead of saving it.
    #[arg(long)]
    inline: bool,
    /// Also print the link as a QR code (on stderr).
    #[arg(long)]
    qr: bool,
    /// A note for the link register ("for the auditor").
    #[arg(long)]
    note: Option<String>,
}

/// stdout gets the URL alone, so `U=$(cubby share KEY)` holds a URL; the rest is a note.
pub async fn share_link(ctx: &Ctx, args: ShareArgs) -> Result<ExitCode> {
    let key = ObjectKey::parse(&args.key)?;
    let expires = expiry(args.expires.as_deref())?;
    let session = ctx.session().await?;
    let request = ShareRequest {
        key,
        expires,
        disposition: match (args.download_name, args.inline) {
            (Some(name), _) => Disposition::Attachment(name),
            (None, true) => Disposition::Inline,
            (None, false) => Disposition::Default,
        },
        note: args.note,
    };
    let issued = links::share(ctx.host(), &session, request, Utc::now()).await?;
    let link = &issued.link;
    ctx.emit(&serde_json::json!({ "id": issued.id, "link": link }), || {
        link.url.clone()
    });
    ctx.note(&format!("expires {} · link #{}", link.expires_at, issued.id));
    if let Some(public) = &link.public_url {
        ctx.note(&format!("public URL: {public}"));
    }
    if let Some(note) = &link.note {
        ctx.note(note);
    }
    if args.qr && !ctx.json {
        eprintln!("{}", qr::terminal(&link.url)?);
    }
    sandbox_warning(ctx, &session);
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct UploadUrlArgs {
    #[command(flatten)]
    tenant: crate::TenantArg,
    /// The client's file name (sanitized into the key).
    #[arg(long)]
    filename: String,
    /// Signed into the URL: the upload must send exactly this Content-Type.
    #[arg(long)]
    content_type: String,
    /// 90s, 30m, 1h, 7d or seconds (1 s to 7 days); default: the profile's expiry.
    #[arg(long)]
    expires: Option<String>,
    /// documents (the seed backend's endpoint), images, uploads, or auto (by file name).
    #[arg(long, default_value = "documents", value_parser = ["documents", "images", "uploads", "auto"])]
    category: String,
    /// Also sign the exact Content-Length in bytes.
    #[arg(long)]
    size: Option<u64>,
    /// A note for the link register.
    #[arg(long)]
    note: Option<String>,
}

pub async fn upload_url(ctx: &Ctx, args: UploadUrlArgs) -> Result<ExitCode> {
    let request = UploadUrlRequest {
        tenant: args.tenant.parse()?,
        category: args.category.parse::<CategoryChoice>()?,
        expires: expiry(args.expires.as_deref())?,
        file_name: args.filename,
        content_type: share::validate_content_type(&args.content_type)?,
        size: args.size,
        note: args.note,
    };
    let session = ctx.session().await?;
    args.tenant.checked(&session.bucket).await?;
    let issued = links::upload_url(ctx.host(), &session, request, Utc::now()).await?;
    // The seed's contract is JSON; the human form prints the same document.
    ctx.emit(&issued.response, || {
        serde_json::to_string_pretty(&issued.response).unwrap_or_default()
    });
    ctx.note(&format!("link #{}", issued.id));
    sandbox_warning(ctx, &session);
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LinksArgs {
    #[command(subcommand)]
    action: Option<LinksAction>,
    /// Only links still valid.
    #[arg(long, conflicts_with = "expired")]
    active: bool,
    /// Only expired or revoked links.
    #[arg(long)]
    expired: bool,
    /// Only links to this tenant's objects.
    #[arg(long, add = clap_complete::engine::ArgValueCompleter::new(crate::complete::tenants))]
    tenant: Option<String>,
}

#[derive(Subcommand)]
enum LinksAction {
    /// Kill a share link by moving its object to a new key (other references to the old key break too).
    Revoke {
        id: i64,
        /// Confirm: the object moves to a new key.
        #[arg(long)]
        yes: bool,
    },
}

pub async fn links(ctx: &Ctx, args: LinksArgs) -> Result<ExitCode> {
    if let Some(LinksAction::Revoke { id, yes }) = args.action {
        return revoke(ctx, id, yes).await;
    }
    let state = match (args.active, args.expired) {
        (true, _) => LinkState::Active,
        (_, true) => LinkState::Expired,
        _ => LinkState::All,
    };
    let profile = ctx.host().active_profile(ctx.profile.as_deref())?;
    let filtered = args.active || args.expired || args.tenant.is_some();
    let records = links::list(ctx.host(), &profile, state, args.tenant, Utc::now())?;
    ctx.emit(&records, || {
        records
            .iter()
            .map(|r| {
                let note = r.note.as_deref().map(|n| format!("  “{n}”")).unwrap_or_default();
                format!(
                    "#{:<4} {:<6} {:<8} until {}  {}  by {}{note}",
                    r.id,
                    r.kind.as_str(),
                    r.status().as_str(),
                    r.expires,
                    r.key,
                    r.issued_by
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    if records.is_empty() {
        ctx.note(&if filtered {
            format!("No links on profile '{profile}' match.")
        } else {
            format!("No links issued on profile '{profile}' yet.")
        });
    }
    Ok(ExitCode::SUCCESS)
}

async fn revoke(ctx: &Ctx, id: i64, yes: bool) -> Result<ExitCode> {
    let record = links::get(ctx.host(), id, Utc::now())?;
    if !yes {
        return Err(Error::invalid(format!(
            "Revoking moves '{}' to a new key: every link to it dies, and anything else that names the old key (your database, bookmarks) breaks too. Pass --yes to do it",
            record.key
        )));
    }
    let session = ctx.session().await?;
    let revoked = links::revoke(ctx.host(), &session, id, Utc::now()).await?;
    ctx.emit(&revoked, || {
        format!(
            "Revoked: '{}' is now '{}' ({} registered link(s) no longer work). Update anything that stored the old key.",
            revoked.old_key, revoked.new_key, revoked.links
        )
    });
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum CorsCommand {
    /// Print the bucket's CORS rules.
    Show,
    /// Allow direct PUT uploads (and GET/HEAD) from these origins.
    AllowUploads {
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
        /// How long browsers may cache the preflight answer, in seconds.
        #[arg(long, default_value_t = 3600)]
        max_age: i32,
    },
}

pub async fn cors(ctx: &Ctx, cmd: CorsCommand) -> Result<ExitCode> {
    let session = ctx.session().await?;
    if session.profile.kind() == cubby_core::ProfileKind::Sandbox {
        return Err(Error::invalid(
            "the local sandbox has no CORS rules (pages on any origin may call it): CORS matters on R2; run this with an R2 profile",
        ));
    }
    match cmd {
        CorsCommand::Show => {
            let rules = share::cors_rules(&session.bucket).await?;
            ctx.emit(&rules, || {
                serde_json::to_string_pretty(&rules).unwrap_or_default()
            });
            if rules.is_empty() {
                ctx.note("No CORS rules: browsers on other origins cannot upload directly. `cubby cors allow-uploads --origin https://app.example.com` adds them.");
            }
        }
        CorsCommand::AllowUploads { origins, max_age } => {
            share::allow_uploads(&session.bucket, &origins, max_age).await?;
            ctx.emit(&serde_json::json!({ "allowed_origins": origins }), || {
                format!(
                    "Direct uploads (PUT/GET/HEAD, Content-Type header, ETag exposed) allowed from {}",
                    origins.join(", ")
                )
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}
