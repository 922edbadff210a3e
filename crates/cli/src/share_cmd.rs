//! `cubby share`, `upload-url`, `links`, `cors`: what support staff hand to customers and the
//! mobile app, and the register of what was handed out.

use std::process::ExitCode;

use chrono::Utc;
use cubby_core::links::{self, LinkFilter, LinkKind, LinkState, NewLink, Register};
use cubby_core::share::{self, Disposition, UploadRequest};
use cubby_core::tenant::{CategoryChoice, ObjectKey, TenantId};
use cubby_core::{qr, Error, Result};

use crate::Ctx;

fn issued_by(ctx: &Ctx) -> String {
    ctx.env
        .get("USER")
        .or_else(|| ctx.env.get("USERNAME"))
        .unwrap_or("unknown")
        .to_string()
}

fn expiry(text: Option<&str>, profile: &cubby_core::Profile) -> Result<std::time::Duration> {
    match text {
        Some(t) => share::parse_expiry(t),
        None => share::parse_expiry(&profile.signed_url_expiry.to_string()),
    }
}

fn sandbox_warning(session: &crate::session::Session) -> Option<&'static str> {
    session.ephemeral_sandbox.then_some(
        "note: the sandbox runs only while this command does, so this link stops working now; keep `cubby sandbox` running in another terminal for links that last",
    )
}

pub struct ShareArgs {
    pub key: String,
    pub expires: Option<String>,
    pub download_name: Option<String>,
    pub inline: bool,
    pub qr: bool,
    pub note: Option<String>,
}

pub async fn share_link(ctx: &Ctx, args: ShareArgs) -> Result<ExitCode> {
    let key = ObjectKey::parse(&args.key)?;
    let session = crate::session::open(ctx, None).await?;
    let expires = expiry(args.expires.as_deref(), &session.profile)?;
    let disposition = match (args.download_name, args.inline) {
        (Some(name), _) => Disposition::Attachment(name),
        (None, true) => Disposition::Inline,
        (None, false) => Disposition::Default,
    };
    let now = Utc::now();
    let link = share::share(
        &session.bucket,
        &session.profile,
        &key,
        expires,
        &disposition,
        now,
    )
    .await?;
    let register = Register::open(&ctx.dirs)?;
    let id = register.record(&NewLink {
        kind: LinkKind::Share,
        profile: &session.profile.name,
        key: &key,
        created: now,
        expires: now + chrono::Duration::seconds(expires.as_secs() as i64),
        issued_by: &issued_by(ctx),
        note: args.note.as_deref(),
    })?;
    let qr_text = if args.qr && !ctx.json {
        Some(qr::terminal(&link.url)?)
    } else {
        None
    };
    ctx.emit(&serde_json::json!({ "id": id, "link": link }), || {
        let mut lines = vec![
            link.url.clone(),
            format!("expires {} · link #{id}", link.expires_at),
        ];
        if let Some(public) = &link.public_url {
            lines.push(format!("public URL: {public}"));
        }
        if let Some(note) = &link.note {
            lines.push(note.clone());
        }
        if let Some(code) = &qr_text {
            lines.push(code.clone());
        }
        lines.join("\n")
    });
    if let Some(warning) = sandbox_warning(&session) {
        eprintln!("{warning}");
    }
    Ok(ExitCode::SUCCESS)
}

pub struct UploadUrlArgs {
    pub tenant: String,
    pub filename: String,
    pub content_type: String,
    pub expires: Option<String>,
    pub category: String,
    pub size: Option<u64>,
    pub note: Option<String>,
}

pub async fn upload_url(ctx: &Ctx, args: UploadUrlArgs) -> Result<ExitCode> {
    let tenant = TenantId::parse(&args.tenant)?;
    let category: CategoryChoice = args.category.parse()?;
    share::validate_content_type(&args.content_type)?;
    let session = crate::session::open(ctx, None).await?;
    let expires = expiry(args.expires.as_deref(), &session.profile)?;
    let now = Utc::now();
    let request = UploadRequest {
        tenant: &tenant,
        file_name: &args.filename,
        content_type: &args.content_type,
        category,
        expires,
        size: args.size,
    };
    let response = share::upload_url(&session.bucket, &session.profile, &request, now).await?;
    Register::open(&ctx.dirs)?.record(&NewLink {
        kind: LinkKind::Upload,
        profile: &session.profile.name,
        key: &ObjectKey::parse(&response.object_key)?,
        created: now,
        expires: now + chrono::Duration::seconds(expires.as_secs() as i64),
        issued_by: &issued_by(ctx),
        note: args.note.as_deref(),
    })?;
    // The seed's contract is JSON; the human form prints the same document.
    let text = serde_json::to_string_pretty(&response).map_err(|e| Error::invalid(e.to_string()))?;
    if ctx.json || !ctx.quiet {
        println!("{text}");
    }
    if let Some(warning) = sandbox_warning(&session) {
        eprintln!("{warning}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn list(ctx: &Ctx, state: LinkState, tenant: Option<String>) -> Result<ExitCode> {
    let register = Register::open(&ctx.dirs)?;
    let records = register.list(
        &LinkFilter {
            state,
            tenant,
            profile: None,
        },
        Utc::now(),
    )?;
    ctx.emit(&records, || {
        if records.is_empty() {
            return "No links issued yet.".into();
        }
        records
            .iter()
            .map(|r| {
                let state = r.status().as_str();
                let kind = r.kind.as_str();
                let note = r.note.as_deref().map(|n| format!("  “{n}”")).unwrap_or_default();
                format!(
                    "#{:<4} {kind:<6} {state:<8} until {}  {}  by {}{note}",
                    r.id, r.expires, r.key, r.issued_by
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(ExitCode::SUCCESS)
}

pub async fn revoke(ctx: &Ctx, id: i64, yes: bool) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    let register = Register::open(&ctx.dirs)?;
    let record = register.get(id, Utc::now())?;
    let warning = format!(
        "Revoking moves '{}' to a new key: every link to it dies, and anything else that names the old key (your database, bookmarks) breaks too.",
        record.key
    );
    if !yes {
        return Err(Error::invalid(format!("{warning} Pass --yes to do it")));
    }
    let revoked = links::revoke(&session.bucket, &register, &session.profile.name, id, Utc::now()).await?;
    ctx.emit(&revoked, || {
        format!(
            "Revoked: '{}' is now '{}' ({} registered link(s) no longer work). Update anything that stored the old key.",
            revoked.old_key, revoked.new_key, revoked.links
        )
    });
    Ok(ExitCode::SUCCESS)
}

pub async fn cors_show(ctx: &Ctx) -> Result<ExitCode> {
    let session = crate::session::open(ctx, None).await?;
    let rules = session.bucket.cors_rules().await?;
    let json: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.id(),
                "allowed_origins": r.allowed_origins(),
                "allowed_methods": r.allowed_methods(),
                "allowed_headers": r.allowed_headers(),
                "expose_headers": r.expose_headers(),
                "max_age_seconds": r.max_age_seconds(),
            })
        })
        .collect();
    ctx.emit(&json, || {
        if json.is_empty() {
            "No CORS rules: browsers on other origins cannot upload directly. `cubby cors allow-uploads --origin https://app.example.com` adds them.".into()
        } else {
            serde_json::to_string_pretty(&json).unwrap_or_default()
        }
    });
    Ok(ExitCode::SUCCESS)
}

pub async fn cors_allow_uploads(ctx: &Ctx, origins: Vec<String>, max_age: i32) -> Result<ExitCode> {
    let rules = share::upload_cors_rules(&origins, max_age)?;
    let session = crate::session::open(ctx, None).await?;
    let mut current = session.bucket.cors_rules().await?;
    // Replace our own rule, keep everyone else's.
    current.retain(|r| r.id() != Some(share::CORS_RULE_ID));
    current.extend(rules);
    session.bucket.set_cors_rules(current).await?;
    ctx.emit(&serde_json::json!({ "allowed_origins": origins }), || {
        format!(
            "Direct uploads (PUT/GET/HEAD, Content-Type header, ETag exposed) allowed from {}",
            origins.join(", ")
        )
    });
    Ok(ExitCode::SUCCESS)
}
