//! `cubby`: Cubby's core for scripts and headless servers.
//!
//! This file owns argument parsing, output (human or `--json`) and exit codes; every decision
//! about profiles, credentials and storage is cubby-core's.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use cubby_core::{keychain, Dirs, Env, Error, OsKeychain};

mod browse_cmd;
mod format;
mod profile_cmd;
mod sandbox_cmd;
mod session;
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
    #[arg(long, global = true, env = "CUBBY_PROFILE")]
    profile: Option<String>,
    /// Machine-readable output: one JSON document on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// Print only errors.
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
    Profile(ProfileCommand),
    /// Run the local sandbox S3 server in the foreground, or fill it with demo data.
    Sandbox(SandboxArgs),
    /// List tenants (the bucket's top-level folders).
    Tenants,
    /// List a tenant, folder or prefix: `cubby ls acme/documents/`.
    Ls {
        /// TENANT[/PREFIX]; the bucket's top level when left out.
        path: Option<String>,
        /// Every key below, not just one level.
        #[arg(short, long)]
        recursive: bool,
        /// Only names containing this text, or matching this glob (`*.pdf`, `2025*`).
        #[arg(long)]
        filter: Option<String>,
        /// Sort by name, size or date (collects the whole listing first).
        #[arg(long)]
        sort: Option<cubby_core::listing::SortKey>,
        /// Reverse the sort order.
        #[arg(long, requires = "sort")]
        reverse: bool,
    },
    /// Count objects and bytes under a prefix.
    Du {
        #[arg(default_value = "")]
        prefix: String,
    },
    /// Show an object's size, ETag, Content-Type, modification time and metadata.
    Stat { key: String },
    /// Upload files or folders to a tenant, routed to documents/, images/ or uploads/ by type.
    Put {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        tenant: String,
        /// auto (by content), documents, images or uploads.
        #[arg(long, default_value = "auto")]
        category: String,
        /// Exact key for a single file instead of the generated one.
        #[arg(long)]
        key: Option<String>,
        /// Replace an existing object with the same key.
        #[arg(long)]
        overwrite: bool,
        /// Files at least this large go up in parallel parts.
        #[arg(long, default_value = "64MiB", value_parser = format::parse_size)]
        multipart_threshold: u64,
        /// Files uploaded at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
    },
    /// Download keys, or everything under --prefix, into a folder.
    Get {
        keys: Vec<String>,
        #[arg(long, conflicts_with = "keys")]
        prefix: Option<String>,
        /// Destination folder (created if missing).
        #[arg(long)]
        to: PathBuf,
        /// Replace existing local files instead of adding " (1)".
        #[arg(long)]
        overwrite: bool,
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Flush each file to disk before it takes its name, so a power cut cannot leave a
        /// partial file behind (slower: about 2 s more per GiB here).
        #[arg(long)]
        fsync: bool,
    },
    /// Delete keys, or everything under --prefix (asks, or needs --yes).
    Rm {
        keys: Vec<String>,
        #[arg(long, conflicts_with = "keys")]
        prefix: Option<String>,
        #[arg(long)]
        yes: bool,
    },
    /// Copy an object (server-side; metadata and Content-Type kept).
    Cp {
        from: String,
        to: String,
        /// Allow the copy to land in another tenant.
        #[arg(long)]
        cross_tenant: bool,
        #[arg(long)]
        overwrite: bool,
    },
    /// Move (rename) an object: copy, verify, delete the original.
    Mv {
        from: String,
        to: String,
        #[arg(long)]
        cross_tenant: bool,
        #[arg(long)]
        overwrite: bool,
    },
    /// Make an expiring share link (presigned GET) for an object.
    Share {
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
        /// Also print the link as a QR code.
        #[arg(long)]
        qr: bool,
        /// A note for the link register ("for the auditor").
        #[arg(long)]
        note: Option<String>,
    },
    /// Make a presigned upload URL in the backend's generate-url JSON shape, for direct uploads.
    UploadUrl {
        #[arg(long)]
        tenant: String,
        /// The client's file name (sanitized into the key).
        #[arg(long)]
        filename: String,
        /// Signed into the URL: the upload must send exactly this Content-Type.
        #[arg(long)]
        content_type: String,
        #[arg(long)]
        expires: Option<String>,
        #[arg(long, default_value = "auto")]
        category: String,
        /// Also sign the exact Content-Length in bytes.
        #[arg(long)]
        size: Option<u64>,
        #[arg(long)]
        note: Option<String>,
    },
    /// The register of links issued; `cubby links revoke ID` kills one.
    #[command(args_conflicts_with_subcommands = true)]
    Links {
        #[command(subcommand)]
        action: Option<LinksAction>,
        /// Only links still valid.
        #[arg(long, conflicts_with = "expired")]
        active: bool,
        /// Only expired or revoked links.
        #[arg(long)]
        expired: bool,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Show or set the bucket's CORS rules for direct uploads from web and mobile origins.
    #[command(subcommand)]
    Cors(CorsCommand),
    /// Watched folders: files dropped in are uploaded to a tenant exactly once.
    #[command(subcommand)]
    Watch(WatchCommand),
    /// Print the version.
    Version,
    /// Print a shell completion script, e.g. `cubby completions bash > /etc/bash_completion.d/cubby`.
    Completions { shell: clap_complete::Shell },
}

#[derive(Subcommand)]
enum ProfileCommand {
    /// Add a profile; the access key ID and secret are asked for, or read with --secret-stdin.
    Add(profile_cmd::AddArgs),
    /// Create a profile from a .env file with the CLOUDFLARE_R2_* variables (secrets go to the keychain).
    ImportEnv {
        /// The .env file.
        #[arg(default_value = ".env")]
        file: PathBuf,
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
    },
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

#[derive(Subcommand)]
enum WatchCommand {
    /// Watch a folder: new files go to TENANT/{documents,images,uploads}/ by type.
    Add {
        dir: PathBuf,
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "auto")]
        category: String,
        /// keep, move (into DIR/Uploaded/) or delete, only after a verified upload.
        #[arg(long, default_value = "keep")]
        after_upload: String,
        /// Poll every SECS seconds instead of OS events (network shares).
        #[arg(long)]
        poll: Option<u32>,
        /// Extra names to skip (glob), repeatable.
        #[arg(long)]
        ignore: Vec<String>,
    },
    /// List watched folders.
    List,
    /// Stop watching a folder (nothing is deleted anywhere).
    Remove { dir: PathBuf },
    /// Run the watcher in the foreground; Ctrl-C stops after in-flight uploads.
    Run {
        /// How long a file must stay unchanged before upload, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        stability_ms: u64,
        /// Upload what the folders hold now, then exit (non-zero if any file failed).
        #[arg(long)]
        once: bool,
    },
    /// Queued, uploading, uploaded and failed files per folder, with reasons.
    Status,
}

#[derive(Subcommand)]
enum CorsCommand {
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

#[derive(Args)]
struct SandboxArgs {
    /// Port on 127.0.0.1 (default 39461, or the configured one).
    #[arg(long)]
    port: Option<u16>,
    /// Fill the sandbox with two demo tenants, then exit.
    #[arg(long)]
    seed_demo: bool,
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
    /// Prints a result: JSON when asked, else the human text (unless --quiet).
    pub fn emit(&self, value: &impl serde::Serialize, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(text) => println!("{text}"),
                Err(e) => eprintln!("error: cannot encode output: {e}"),
            }
        } else if !self.quiet {
            let text = human();
            if !text.is_empty() {
                println!("{text}");
            }
        }
    }
}

/// Documented in the README; scripts rely on them.
fn exit_code(err: &Error) -> u8 {
    exit_code_for(err.code())
}

/// The exit code for a stable error code (also used for reports that carry only the code).
pub fn exit_code_for(code: &str) -> u8 {
    match code {
        "invalid_input" => 2,
        "not_configured" | "profile_not_found" | "keychain_unavailable" => 3,
        "unknown_access_key" | "wrong_secret" | "access_denied" | "clock_skew" => 4,
        "not_found" | "no_such_bucket" => 5,
        "unreachable" => 6,
        "already_exists" => 7,
        "cancelled" => 130,
        _ => 1,
    }
}

/// Log level from -q/-v, or from CUBBY_LOG (e.g. `trace`, `cubby_core=debug`) when set, the
/// same variable the desktop app reads.
fn init_logging(verbose: u8, quiet: bool) {
    let filter = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
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
    let cli = Cli::parse();
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
            Command::Sandbox(args) => sandbox_cmd::run(&ctx, args.port, args.seed_demo).await,
            Command::Tenants => browse_cmd::tenants(&ctx).await,
            Command::Ls {
                path,
                recursive,
                filter,
                sort,
                reverse,
            } => {
                browse_cmd::ls(
                    &ctx,
                    browse_cmd::LsArgs {
                        path,
                        recursive,
                        filter,
                        sort,
                        reverse,
                    },
                )
                .await
            }
            Command::Du { prefix } => browse_cmd::du(&ctx, &prefix).await,
            Command::Stat { key } => browse_cmd::stat(&ctx, &key).await,
            Command::Put {
                files,
                tenant,
                category,
                key,
                overwrite,
                multipart_threshold,
                concurrency,
            } => {
                transfer_cmd::put(
                    &ctx,
                    transfer_cmd::PutArgs {
                        files,
                        tenant,
                        category,
                        key,
                        overwrite,
                        multipart_threshold,
                        concurrency,
                    },
                )
                .await
            }
            Command::Get {
                keys,
                prefix,
                to,
                overwrite,
                concurrency,
                fsync,
            } => {
                transfer_cmd::get(
                    &ctx,
                    transfer_cmd::GetArgs {
                        keys,
                        prefix,
                        to,
                        overwrite,
                        concurrency,
                        fsync,
                    },
                )
                .await
            }
            Command::Rm { keys, prefix, yes } => transfer_cmd::rm(&ctx, keys, prefix, yes).await,
            Command::Cp {
                from,
                to,
                cross_tenant,
                overwrite,
            } => transfer_cmd::copy_or_move(&ctx, &from, &to, cross_tenant, overwrite, false).await,
            Command::Mv {
                from,
                to,
                cross_tenant,
                overwrite,
            } => transfer_cmd::copy_or_move(&ctx, &from, &to, cross_tenant, overwrite, true).await,
            Command::Share {
                key,
                expires,
                download_name,
                inline,
                qr,
                note,
            } => {
                share_cmd::share_link(
                    &ctx,
                    share_cmd::ShareArgs {
                        key,
                        expires,
                        download_name,
                        inline,
                        qr,
                        note,
                    },
                )
                .await
            }
            Command::UploadUrl {
                tenant,
                filename,
                content_type,
                expires,
                category,
                size,
                note,
            } => {
                let args = share_cmd::UploadUrlArgs {
                    tenant,
                    filename,
                    content_type,
                    expires,
                    category,
                    size,
                    note,
                };
                share_cmd::upload_url(&ctx, args).await
            }
            Command::Links {
                action: Some(LinksAction::Revoke { id, yes }),
                ..
            } => share_cmd::revoke(&ctx, id, yes).await,
            Command::Links {
                action: None,
                active,
                expired,
                tenant,
            } => {
                let state = match (active, expired) {
                    (true, _) => cubby_core::links::LinkState::Active,
                    (_, true) => cubby_core::links::LinkState::Expired,
                    _ => cubby_core::links::LinkState::All,
                };
                share_cmd::list(&ctx, state, tenant)
            }
            Command::Cors(CorsCommand::Show) => share_cmd::cors_show(&ctx).await,
            Command::Cors(CorsCommand::AllowUploads { origins, max_age }) => {
                share_cmd::cors_allow_uploads(&ctx, origins, max_age).await
            }
            Command::Watch(WatchCommand::Add {
                dir,
                tenant,
                category,
                after_upload,
                poll,
                ignore,
            }) => watch_cmd::add(
                &ctx,
                watch_cmd::AddArgs {
                    dir,
                    tenant,
                    category,
                    after_upload,
                    poll,
                    ignore,
                },
            ),
            Command::Watch(WatchCommand::List) => watch_cmd::list(&ctx),
            Command::Watch(WatchCommand::Remove { dir }) => watch_cmd::remove(&ctx, dir),
            Command::Watch(WatchCommand::Run { stability_ms, once }) => {
                watch_cmd::run(&ctx, stability_ms, once).await
            }
            Command::Watch(WatchCommand::Status) => watch_cmd::status(&ctx),
            Command::Version => {
                let version = env!("CARGO_PKG_VERSION");
                ctx.emit(&serde_json::json!({ "version": version }), || {
                    format!("cubby {version}")
                });
                Ok(ExitCode::SUCCESS)
            }
            Command::Completions { shell } => {
                clap_complete::generate(shell, &mut Cli::command(), "cubby", &mut std::io::stdout());
                Ok(ExitCode::SUCCESS)
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => fail(&e, ctx.json),
    }
}

/// One line on stderr; with --json also `{"error": {code, message}}` on stdout.
fn fail(err: &Error, json: bool) -> ExitCode {
    let message = err.to_string().replace('\n', " ");
    eprintln!("error: {message}");
    if json {
        println!(
            "{}",
            serde_json::json!({ "error": { "code": err.code(), "message": message } })
        );
    }
    ExitCode::from(exit_code(err))
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
        assert_eq!(exit_code(&Error::invalid("x")), 2);
        assert_eq!(exit_code(&Error::NotConfigured { missing: vec![] }), 3);
        assert_eq!(exit_code(&Error::ProfileNotFound("x".into())), 3);
        assert_eq!(
            exit_code(&Error::Auth {
                kind: cubby_core::error::AuthFailure::WrongSecret,
                message: String::new()
            }),
            4
        );
        assert_eq!(exit_code(&Error::NotFound("x".into())), 5);
        assert_eq!(exit_code(&Error::NoSuchBucket("x".into())), 5);
        assert_eq!(exit_code(&Error::Unreachable("x".into())), 6);
        assert_eq!(exit_code(&Error::Storage("x".into())), 1);
    }
}
