//! `cubby profile …`: the CLI face of cubby-core's profiles.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use cubby_core::actions::profiles::{self as profiles_action, ProfileSettings};
use cubby_core::probe::{ConnectionReport, StepStatus};
use cubby_core::profile::{Config, Jurisdiction, Origin, DEFAULT_EXPIRY_SECS};
use cubby_core::profiles::{self, ProfileSummary};
use cubby_core::selftest::Verdict;
use cubby_core::{resolve, sandbox, CredentialStore, Credentials, Error, ProfileKind, Result, Secret};

use crate::{exit_code_for, Ctx};

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Add a profile; the access key ID and secret are asked for, or read with --secret-stdin.
    Add(AddArgs),
    /// Create a profile from a .env file with the CLOUDFLARE_R2_* variables (secrets go to the keychain).
    ImportEnv {
        /// The .env file.
        #[arg(default_value = ".env")]
        file: std::path::PathBuf,
        /// Name of the new profile.
        #[arg(long, default_value = "r2")]
        name: String,
        /// Make it the default profile.
        #[arg(long)]
        default: bool,
    },
    /// List profiles.
    List,
    /// Show one profile's settings (never its secret).
    Show { name: Option<String> },
    /// Remove a profile and its keychain entry.
    Remove { name: String },
    /// Make a profile the default.
    Use { name: String },
    /// Check that a profile can connect, and explain any failure.
    Test {
        name: Option<String>,
        /// Also check write permission (writes and deletes one small object under .cubby/).
        #[arg(long)]
        write: bool,
        /// Run every operation Cubby relies on against the endpoint (about 10 MiB written
        /// under .cubby/ and removed), report each, and remember what the endpoint honours.
        #[arg(long, conflicts_with = "write")]
        deep: bool,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// Profile name (letters, digits, '-' and '_').
    name: String,
    /// Cloudflare account ID (gives https://<account>.r2.cloudflarestorage.com).
    #[arg(long, required_unless_present = "endpoint", conflicts_with = "endpoint")]
    account_id: Option<String>,
    /// R2 jurisdiction: eu or fedramp.
    #[arg(long, requires = "account_id")]
    jurisdiction: Option<Jurisdiction>,
    /// An explicit S3-compatible endpoint URL instead of an account ID.
    #[arg(long)]
    endpoint: Option<String>,
    /// The bucket's name.
    #[arg(long)]
    bucket: String,
    /// Public URL (custom domain) for public links.
    #[arg(long)]
    public_url: Option<String>,
    /// Default expiry of links made with this profile: 90s, 30m, 1h, 7d or seconds.
    #[arg(long)]
    expiry: Option<String>,
    /// Mark direct uploads (presigned PUT) as enabled for this bucket.
    #[arg(long)]
    direct_upload: bool,
    /// Allow a plain http:// endpoint on another machine (unencrypted; loopback never needs it).
    #[arg(long)]
    allow_http: bool,
    /// Read the access key ID and the secret from stdin, one per line, instead of prompting.
    #[arg(long)]
    secret_stdin: bool,
    /// Make it the default profile.
    #[arg(long)]
    default: bool,
    /// Replace a profile of the same name (its keys too).
    #[arg(long)]
    replace: bool,
}

/// `--expiry` as `share --expires` reads it: 90s, 30m, 1h, 7d or seconds (one day at most
/// seven, so it fits).
fn expiry_secs(text: Option<&str>) -> Result<u32> {
    match text {
        None => Ok(DEFAULT_EXPIRY_SECS),
        Some(text) => Ok(cubby_core::share::parse_expiry(text)?.as_secs() as u32),
    }
}

impl std::fmt::Display for ProfileKindLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            ProfileKind::R2 => "R2",
            ProfileKind::S3 => "S3",
            ProfileKind::Sandbox => "local sandbox",
            ProfileKind::Env => "environment",
        })
    }
}
struct ProfileKindLabel(ProfileKind);

pub async fn run(ctx: &Ctx, cmd: ProfileCommand) -> Result<ExitCode> {
    match cmd {
        ProfileCommand::Add(args) => add(ctx, args),
        ProfileCommand::ImportEnv { file, name, default } => {
            let profile = profiles::import_env(&ctx.dirs, &ctx.store, &file, &name, default)?;
            let config = Config::load(&ctx.dirs)?;
            let summary = ProfileSummary::of(&profile, config.default.as_deref() == Some(&name));
            ctx.emit(&summary, || {
                format!(
                    "Imported profile '{name}' from {} (keys stored in the OS keychain). Try `cubby profile test {name}`.",
                    file.display()
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::List => {
            let config = Config::load(&ctx.dirs)?;
            let list = profiles::summaries(&config, &ctx.env);
            ctx.emit(&list, || {
                list.iter()
                    .map(|p| {
                        format!(
                            "{} {:<16} {:<14} {:<24} {}",
                            if p.is_default { "*" } else { " " },
                            p.name,
                            ProfileKindLabel(p.kind).to_string(),
                            p.bucket,
                            p.endpoint
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::Show { name } => show(ctx, name.as_deref().or(ctx.profile.as_deref())),
        ProfileCommand::Remove { name } => {
            profiles::remove(&ctx.dirs, &ctx.store, &name)?;
            ctx.emit(&serde_json::json!({ "removed": name }), || {
                format!("Removed profile '{name}' and its keychain entry.")
            });
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::Use { name } => {
            profiles::set_default(&ctx.dirs, &name)?;
            ctx.emit(&serde_json::json!({ "default": name }), || {
                format!("'{name}' is now the default profile.")
            });
            Ok(ExitCode::SUCCESS)
        }
        ProfileCommand::Test { name, write, deep } => {
            let name = name.as_deref().or(ctx.profile.as_deref());
            if deep {
                deep_test(ctx, name).await
            } else {
                test(ctx, name, write).await
            }
        }
    }
}

fn add(ctx: &Ctx, args: AddArgs) -> Result<ExitCode> {
    if !args.replace && Config::load(&ctx.dirs)?.profile(&args.name).is_some() {
        return Err(Error::AlreadyExists(format!(
            "a profile named '{}' exists: pass --replace to change it, or choose another name",
            args.name
        )));
    }
    // Check everything that can be checked before asking for keys.
    let profile = ProfileSettings {
        name: args.name.clone(),
        account_id: args.account_id,
        jurisdiction: args.jurisdiction,
        endpoint: args.endpoint,
        bucket: args.bucket,
        public_url: args.public_url,
        expiry_secs: expiry_secs(args.expiry.as_deref())?,
        direct_upload: args.direct_upload,
        allow_http: args.allow_http,
    }
    .profile()?;
    let credentials = if args.secret_stdin {
        keys_from_stdin()?
    } else {
        keys_from_prompt()?
    };
    let config = profiles::save(&ctx.dirs, &ctx.store, &profile, &credentials, args.default)?;
    let summary = ProfileSummary::of(&profile, config.default.as_deref() == Some(&args.name));
    ctx.emit(&summary, || {
        format!(
            "Added profile '{}' ({} · bucket {}); keys stored in the OS keychain.{}",
            args.name,
            summary.endpoint,
            summary.bucket,
            if summary.is_default {
                " It is the default profile."
            } else {
                ""
            }
        )
    });
    if let Some(note) = profile
        .public_url
        .as_deref()
        .and_then(cubby_core::profile::public_url_note)
    {
        ctx.note(&format!("note: {note}"));
    }
    Ok(ExitCode::SUCCESS)
}

fn keys_from_stdin() -> Result<Credentials> {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut next = |what: &str| -> Result<String> {
        match lines.next() {
            Some(Ok(line)) if !line.trim().is_empty() => Ok(line.trim().to_string()),
            Some(Err(e)) => Err(Error::io("cannot read stdin", e)),
            _ => Err(Error::invalid(format!(
                "--secret-stdin expects two lines on stdin: the access key ID, then the secret; the {what} is missing"
            ))),
        }
    };
    let id = next("access key ID")?;
    let secret = next("secret")?;
    Ok(Credentials::new(id, Secret::new(secret)))
}

fn keys_from_prompt() -> Result<Credentials> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid(
            "no terminal to ask for the keys: pass --secret-stdin and pipe the access key ID and secret, one per line",
        ));
    }
    eprint!("Access key ID: ");
    let _ = std::io::stderr().flush();
    let mut id = String::new();
    std::io::stdin()
        .read_line(&mut id)
        .map_err(|e| Error::io("cannot read the access key ID", e))?;
    let secret = rpassword::prompt_password("Secret access key (not shown): ")
        .map_err(|e| Error::io("cannot read the secret", e))?;
    Credentials::entered(&id, Secret::take_trimmed(secret))
}

fn show(ctx: &Ctx, name: Option<&str>) -> Result<ExitCode> {
    let config = Config::load(&ctx.dirs)?;
    let name = resolve::active_name(&config, name, &ctx.env);
    let profile = match name.as_str() {
        resolve::ENV_PROFILE => resolve::profile_from_vars(resolve::ENV_PROFILE, &ctx.env, Origin::Env)?.0,
        sandbox::PROFILE_NAME => sandbox::profile(&config, &ctx.env),
        _ => config
            .profile(&name)
            .cloned()
            .ok_or_else(|| Error::ProfileNotFound(name.clone()))?,
    };
    let keys = match profile.kind() {
        ProfileKind::Env => "from CLOUDFLARE_R2_* environment variables".to_string(),
        _ => match ctx.store.get(&name) {
            Ok(Some(c)) => format!("in the OS keychain (access key {})", c.short_key_id()),
            Ok(None) if profile.kind() == ProfileKind::Sandbox => "generated on first use".into(),
            Ok(None) => "missing from the keychain: add the profile again".into(),
            Err(e) => e.to_string(),
        },
    };
    let summary = ProfileSummary::of(&profile, resolve::active_name(&config, None, &ctx.env) == name);
    let value = serde_json::json!({
        "profile": summary,
        "account_id": profile.account_id,
        "jurisdiction": profile.jurisdiction,
        "signed_url_expiry": profile.signed_url_expiry,
        "direct_upload": profile.direct_upload,
        "keys": keys,
    });
    ctx.emit(&value, || {
        let mut lines = vec![
            format!(
                "Profile      {}{}",
                name,
                if summary.is_default { " (default)" } else { "" }
            ),
            format!("Kind         {}", ProfileKindLabel(summary.kind)),
            format!("Endpoint     {}", summary.endpoint),
            format!("Bucket       {}", summary.bucket),
        ];
        if let Some(url) = &summary.public_url {
            lines.push(format!("Public URL   {url}"));
        }
        lines.push(format!("Link expiry  {} s", profile.signed_url_expiry));
        lines.push(format!(
            "Direct upload {}",
            if profile.direct_upload {
                "enabled"
            } else {
                "disabled"
            }
        ));
        lines.push(format!("Keys         {keys}"));
        lines.join("\n")
    });
    Ok(ExitCode::SUCCESS)
}

async fn test(ctx: &Ctx, name: Option<&str>, write: bool) -> Result<ExitCode> {
    let report = profiles_action::test(ctx.host(), name, write).await?;
    Ok(emit_report(ctx, &report))
}

/// A passed test prints its report; a failed one, with `--json`, is the documented
/// `{"error": …}` (with the steps beside it), and exits with its code.
fn emit_report(ctx: &Ctx, report: &ConnectionReport) -> ExitCode {
    if report.ok {
        ctx.emit(report, || render(report));
        return ExitCode::SUCCESS;
    }
    let code = report.code.as_deref().unwrap_or("storage");
    let failure = serde_json::json!({
        "error": { "code": code, "message": report.summary, "hint": null },
        "steps": report.steps,
    });
    ctx.emit(&failure, || render(report));
    ExitCode::from(exit_code_for(code))
}

async fn deep_test(ctx: &Ctx, name: Option<&str>) -> Result<ExitCode> {
    // The plain test first: it explains an unreachable endpoint or wrong keys step by step.
    let basic = profiles_action::test(ctx.host(), name, true).await?;
    if !basic.ok {
        return Ok(emit_report(ctx, &basic));
    }
    ctx.note("Checking every operation Cubby relies on (about 10 MiB written under .cubby/, then removed)…");
    let report = profiles_action::deep_test(ctx.host(), name).await?;
    let failure = (!report.ok).then(|| {
        serde_json::json!({
            "error": { "code": "storage", "message": report.summary, "hint": null },
            "checks": report.checks,
        })
    });
    let human = || {
        let mut lines: Vec<String> = report
            .checks
            .iter()
            .map(|c| {
                let mark = match c.verdict {
                    Verdict::Works => "✓",
                    Verdict::Ignored => "~",
                    Verdict::Refused => "–",
                    Verdict::Failed => "✗",
                };
                let word = match c.verdict {
                    Verdict::Works => String::new(),
                    Verdict::Ignored => " (ignored)".into(),
                    Verdict::Refused => " (refused)".into(),
                    Verdict::Failed => " (FAILED)".into(),
                };
                line(mark, &format!("{}{word}", c.label), c.detail.as_deref())
            })
            .collect();
        lines.push(report.summary.clone());
        lines.join("\n")
    };
    match &failure {
        Some(failure) => ctx.emit(failure, human),
        None => ctx.emit(&report, human),
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit_code_for("storage"))
    })
}

fn render(report: &ConnectionReport) -> String {
    let mut lines: Vec<String> = report
        .steps
        .iter()
        .map(|s| {
            let mark = match s.status {
                StepStatus::Ok => "✓",
                StepStatus::Failed => "✗",
                StepStatus::Skipped => "–",
            };
            line(mark, &s.label, s.detail.as_deref())
        })
        .collect();
    lines.push(report.summary.clone());
    lines.join("\n")
}

/// One checked step as the terminal shows it: its mark, what it is, and why, if said.
fn line(mark: &str, label: &str, detail: Option<&str>) -> String {
    match detail {
        Some(d) => format!("{mark} {label}: {d}"),
        None => format!("{mark} {label}"),
    }
}
