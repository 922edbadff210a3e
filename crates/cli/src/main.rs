//! `cubby`: Cubby's core for scripts and headless servers.
//!
//! This file owns argument parsing, output (human or `--json`) and exit codes; every decision
//! about profiles, credentials and storage is cubby-core's.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use cubby_core::{keychain, Dirs, Env, Error, OsKeychain};

mod profile_cmd;
mod sandbox_cmd;

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
        "not_found" => 5,
        "unreachable" => 6,
        _ => 1,
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let filter = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,cubby_core=debug,cubby_cli=debug,cubby_sandbox=debug",
        _ => "debug",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let env = Env::from_process();
    let dirs = match Dirs::from_env(&env) {
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
        assert_eq!(exit_code(&Error::Unreachable("x".into())), 6);
        assert_eq!(exit_code(&Error::Storage("x".into())), 1);
    }
}
