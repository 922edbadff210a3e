//! `cubby`: Cubby's core for scripts and headless servers.
//!
//! This file owns argument parsing, output (human or `--json`) and exit codes; every decision
//! about profiles, credentials and storage is cubby-core's (`cubby_core::actions`). Results go
//! to stdout and nothing else does; notes and progress go to stderr, and `-q` silences those.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::engine::ArgValueCompleter;
use cubby_core::{keychain, Dirs, Env, Error, Hint, Host, OsKeychain, ProfileKind, Session};

mod browse_cmd;
mod complete;
mod format;
mod profile_cmd;
mod report_cmd;
mod sandbox_cmd;
mod share_cmd;
mod transfer_cmd;
mod watch_cmd;

#[derive(Parser)]
#[command(
    name = "cubby",
    version,
    about = "Cubby: a file manager for Cloudflare R2 tenant storage"
)]
struct Cli {
    /// Profile to use: a stored one, `env` (CLOUDFLARE_R2_* variables) or `sandbox`.
    #[arg(long, global = true, env = "CUBBY_PROFILE", add = ArgValueCompleter::new(complete::profiles))]
    profile: Option<String>,
    /// Machine-readable output: one JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// No notes or progress on stderr; results and errors still print.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// More detail on stderr (-vv for the S3 client's own logs).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Add, import, list, test and remove connection profiles.
    #[command(subcommand)]
    Profile(profile_cmd::ProfileCommand),
    /// Run the local sandbox S3 server in the foreground, or fill it with demo data.
    Sandbox(sandbox_cmd::SandboxArgs),
    /// List tenants with their names; `tenants add ID --name N`, `tenants rename ID "Name"`.
    Tenants(browse_cmd::TenantsArgs),
    /// List a tenant, folder or prefix: `cubby ls acme/documents/`.
    Ls(browse_cmd::LsArgs),
    /// Count objects and bytes under a tenant or folder.
    Du(browse_cmd::DuArgs),
    /// Objects, bytes, growth by month and the monthly cost on R2 against S3, per tenant.
    Usage(report_cmd::UsageArgs),
    /// Find files by name across all tenants, from what listings have seen.
    Find(report_cmd::FindArgs),
    /// Copy every object of another bucket (S3 or S3-compatible) into this one, verified and
    /// resumable: `cubby migrate --from old-s3 --to r2 --dry-run`.
    Migrate(report_cmd::MigrateArgs),
    /// Show an object's size, ETag, Content-Type, modification time and metadata.
    Stat(browse_cmd::StatArgs),
    /// Upload files or folders to a tenant, routed to documents/, images/ or uploads/ by type.
    Put(transfer_cmd::PutArgs),
    /// Download keys, or everything under --prefix, into a folder.
    Get(transfer_cmd::GetArgs),
    /// Delete keys, or everything under --prefix (asks, or needs --yes).
    Rm(transfer_cmd::RmArgs),
    /// Copy an object (server-side; metadata and Content-Type kept).
    Cp(transfer_cmd::CopyArgs),
    /// Move (rename) an object: copy, verify, delete the original.
    Mv(transfer_cmd::CopyArgs),
    /// Make an expiring share link (presigned GET) for an object.
    Share(share_cmd::ShareArgs),
    /// Make a presigned upload URL in the backend's generate-url JSON shape, for direct uploads.
    UploadUrl(share_cmd::UploadUrlArgs),
    /// The register of links issued on this profile; `cubby links revoke ID` kills one.
    Links(share_cmd::LinksArgs),
    /// Show or set the bucket's CORS rules for direct uploads from web and mobile origins.
    #[command(subcommand)]
    Cors(share_cmd::CorsCommand),
    /// Watched folders: files dropped in are uploaded to a tenant exactly once.
    #[command(subcommand)]
    Watch(watch_cmd::WatchCommand),
    /// Print the version.
    Version,
    /// Print a shell completion script, e.g. `cubby completions bash > /etc/bash_completion.d/cubby`.
    Completions { shell: clap_complete::Shell },
}

/// The tenant a write goes to, and whether a tenant with no files may be started.
#[derive(clap::Args)]
pub struct TenantArg {
    /// The tenant the files belong to.
    #[arg(long, add = ArgValueCompleter::new(complete::tenants))]
    tenant: String,
    /// Start a tenant that has no files yet (otherwise refused, with the near matches).
    #[arg(long)]
    new_tenant: bool,
}

impl TenantArg {
    pub fn parse(&self) -> cubby_core::Result<cubby_core::TenantId> {
        cubby_core::TenantId::parse(&self.tenant)
    }

    /// The tenant, once it has files in `bucket` or starting it was asked for.
    pub async fn checked(&self, bucket: &cubby_core::Bucket) -> cubby_core::Result<cubby_core::TenantId> {
        let tenant = self.parse()?;
        cubby_core::actions::tenants::check_target(bucket, &tenant, self.new_tenant).await?;
        Ok(tenant)
    }
}

/// What every command gets: where things live, the environment snapshot and the keychain.
pub struct Ctx {
    pub dirs: Dirs,
    pub env: Env,
    pub store: OsKeychain,
    pub profile: Option<String>,
    pub json: bool,
    pub quiet: bool,
}

impl Ctx {
    pub fn host(&self) -> Host<'_> {
        Host {
            dirs: &self.dirs,
            env: &self.env,
            store: &self.store,
        }
    }

    /// Opens the chosen profile's bucket. When nothing is configured and the sandbox answers,
    /// that is said on stderr: a file "uploaded" to a local sandbox is not on R2.
    pub async fn session(&self) -> cubby_core::Result<Session> {
        let session = Session::open(self.host(), self.profile.as_deref()).await?;
        if session.profile.kind() == ProfileKind::Sandbox
            && self.profile.is_none()
            && self.host().config()?.default.is_none()
        {
            self.note(&format!(
                "note: no profile is set up, so this uses the local sandbox at {} (not R2); \
                 `cubby profile add` or `cubby profile import-env` connects to your bucket",
                session.profile.endpoint.as_deref().unwrap_or_default()
            ));
        }
        Ok(session)
    }

    /// Prints a result on stdout: JSON when asked, else the human text.
    pub fn emit(&self, value: &impl serde::Serialize, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(text) => out(&text),
                Err(e) => eprintln!("error: cannot encode output: {e}"),
            }
        } else {
            let text = human();
            if !text.is_empty() {
                out(&text);
            }
        }
    }

    /// A note for the person at the terminal (stderr), unless `-q` or `--json`.
    pub fn note(&self, text: &str) {
        if !self.quiet && !self.json {
            eprintln!("{text}");
        }
    }
}

/// One line of results on stdout. A reader that went away (`cubby ls | head -1`) ends the
/// command quietly, as it does for other command-line tools.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}

/// The exit code for a stable error code (also used for reports that carry only the code).
/// Documented in the README; scripts rely on them.
pub fn exit_code_for(code: &str) -> u8 {
    match code {
        "invalid_input" => 2,
        "not_configured" | "profile_not_found" | "keychain_unavailable" => 3,
        "unknown_access_key" | "wrong_secret" | "access_denied" | "clock_skew" => 4,
        "not_found" | "no_such_bucket" => 5,
        "unreachable" => 6,
        "already_exists" => 7,
        "precondition_failed" => 8,
        "cancelled" => 130,
        _ => 1,
    }
}

/// What the person can do, said with the CLI's flags and commands.
pub fn advice(hint: &Hint) -> String {
    match hint {
        Hint::Overwrite => "pass --overwrite to replace it".into(),
        Hint::CrossTenant => "pass --cross-tenant if that is intended".into(),
        Hint::UnwatchFirst => "`cubby watch remove` it first to change it".into(),
        Hint::ListWatched => "`cubby watch list` shows what is watched".into(),
        Hint::ListLinks => "`cubby links` lists them".into(),
        Hint::UseProfile(name) => format!("run with --profile {name}"),
        Hint::AllowHttp => "pass --allow-http (CUBBY_ALLOW_HTTP=1 for the env profile)".into(),
        Hint::AccountOrEndpoint => "pass --account-id ID or --endpoint URL".into(),
        Hint::OneFileForKey => "drop --key to use generated keys".into(),
        Hint::NameOrigin => "pass --origin".into(),
        Hint::UseEnvProfile => {
            "use `--profile env` with CLOUDFLARE_R2_* environment variables instead".into()
        }
        Hint::ListProfiles => "`cubby profile list` shows the profiles you have".into(),
        Hint::NewTenant => "pass --new-tenant to start it, or `cubby tenants` lists them".into(),
        Hint::CloseOtherProgram => "close the program that has the file open, then run this again".into(),
    }
}

/// A core error as the CLI says it: its message, then the advice in the CLI's words.
pub fn describe(err: &Error) -> String {
    let message = err.to_string().replace('\n', " ");
    match err.advice() {
        Some(hint) => format!("{message}: {}", advice(&hint)),
        None => message,
    }
}

/// Log level from -q/-v, or from CUBBY_LOG (e.g. `trace`, `cubby_core=debug`) when set, the
/// same variable the desktop app reads. The sandbox's own logs stay quiet below -vv: they are
/// not the command's.
fn init_logging(verbose: u8, quiet: bool) {
    let filter = match (quiet, verbose) {
        (true, _) => "error,cubby_sandbox=off,s3s=off,s3s_fs=off",
        (false, 0) => "warn,cubby_sandbox=off,s3s=off,s3s_fs=off",
        (false, 1) => "warn,cubby_core=debug,cubby_cli=debug,cubby_sandbox=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CUBBY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn main() -> ExitCode {
    cubby_core::secret::forbid_core_dumps();
    // A shell asking for completions (COMPLETE=bash …) is answered here, and the process ends.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    init_logging(cli.verbose, cli.quiet);
    let env = Env::from_process();
    let dirs = match Dirs::from_env(&env).and_then(|dirs| dirs.make_private().map(|()| dirs)) {
        Ok(dirs) => dirs,
        Err(e) => return fail(&e, cli.json),
    };
    let ctx = Ctx {
        store: OsKeychain::new(keychain::service_name(&env)),
        dirs,
        env,
        profile: cli.profile,
        json: cli.json,
        quiet: cli.quiet,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&Error::io("cannot start the async runtime", e), cli.json),
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Profile(cmd) => profile_cmd::run(&ctx, cmd).await,
            Command::Sandbox(args) => sandbox_cmd::run(&ctx, args).await,
            Command::Tenants(args) => browse_cmd::tenants(&ctx, args).await,
            Command::Ls(args) => browse_cmd::ls(&ctx, args).await,
            Command::Du(args) => browse_cmd::du(&ctx, args).await,
            Command::Stat(args) => browse_cmd::stat(&ctx, args).await,
            Command::Usage(args) => report_cmd::usage(&ctx, args).await,
            Command::Find(args) => report_cmd::find(&ctx, args).await,
            Command::Migrate(args) => report_cmd::migrate(&ctx, args).await,
            Command::Put(args) => transfer_cmd::put(&ctx, args).await,
            Command::Get(args) => transfer_cmd::get(&ctx, args).await,
            Command::Rm(args) => transfer_cmd::rm(&ctx, args).await,
            Command::Cp(args) => transfer_cmd::copy_or_move(&ctx, args, false).await,
            Command::Mv(args) => transfer_cmd::copy_or_move(&ctx, args, true).await,
            Command::Share(args) => share_cmd::share_link(&ctx, args).await,
            Command::UploadUrl(args) => share_cmd::upload_url(&ctx, args).await,
            Command::Links(args) => share_cmd::links(&ctx, args).await,
            Command::Cors(cmd) => share_cmd::cors(&ctx, cmd).await,
            Command::Watch(cmd) => watch_cmd::run(&ctx, cmd).await,
            Command::Version => {
                let version = env!("CARGO_PKG_VERSION");
                ctx.emit(&serde_json::json!({ "version": version }), || {
                    format!("cubby {version}")
                });
                Ok(ExitCode::SUCCESS)
            }
            Command::Completions { shell } => {
                // The script asks `cubby` itself at each Tab (COMPLETE=shell), so profile and
                // tenant names are current.
                let name = shell.to_string();
                let registration = clap_complete::env::Shells::builtins().completer(&name).map(|c| {
                    c.write_registration("COMPLETE", "cubby", "cubby", "cubby", &mut std::io::stdout())
                });
                match registration {
                    Some(Ok(())) => Ok(ExitCode::SUCCESS),
                    Some(Err(e)) => Err(Error::io("cannot write the completion script", e)),
                    None => Err(Error::invalid(format!(
                        "no completion for {name}: use bash, zsh, fish, elvish or powershell"
                    ))),
                }
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => fail(&e, ctx.json),
    }
}

/// clap's own errors: help and version print as usual; a usage error is exit 2, and with
/// `--json` anywhere on the line it is also the documented `{"error": …}` on stdout.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    if std::env::args().any(|a| a == "--json") {
        let message = e
            .render()
            .to_string()
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string();
        out(&serde_json::json!({ "error": { "code": "invalid_input", "message": message } }).to_string());
    }
    let _ = e.print();
    ExitCode::from(2)
}

/// One line on stderr; with --json also `{"error": {code, message, hint}}` on stdout.
fn fail(err: &Error, json: bool) -> ExitCode {
    let message = describe(err);
    eprintln!("error: {message}");
    if json {
        out(
            &serde_json::json!({ "error": { "code": err.code(), "message": message, "hint": err.advice() } })
                .to_string(),
        );
    }
    ExitCode::from(exit_code_for(err.code()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_distinguish_failure_kinds() {
        let exit = |e: Error| exit_code_for(e.code());
        assert_eq!(exit(Error::invalid("x")), 2);
        assert_eq!(exit(Error::NotConfigured { missing: vec![] }), 3);
        assert_eq!(exit(Error::ProfileNotFound("x".into())), 3);
        assert_eq!(
            exit(Error::Auth {
                kind: cubby_core::error::AuthFailure::WrongSecret,
                message: String::new()
            }),
            4
        );
        assert_eq!(exit(Error::NotFound("x".into())), 5);
        assert_eq!(exit(Error::NoSuchBucket("x".into())), 5);
        assert_eq!(exit(Error::Unreachable("x".into())), 6);
        assert_eq!(exit(Error::AlreadyExists("x".into()).hint(Hint::Overwrite)), 7);
        assert_eq!(exit(Error::Changed("x".into())), 8);
        assert_eq!(exit(Error::Storage("x".into())), 1);
        assert_eq!(exit(Error::Internal("x".into())), 1);
    }

    #[test]
    fn advice_is_worded_with_the_cli_flags() {
        let e = Error::AlreadyExists("'a' already exists".into()).hint(Hint::Overwrite);
        assert_eq!(describe(&e), "'a' already exists: pass --overwrite to replace it");
        let e = Error::ProfileNotFound("prod".into());
        assert_eq!(
            describe(&e),
            "no profile named 'prod': `cubby profile list` shows the profiles you have"
        );
    }
}
