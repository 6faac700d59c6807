//! Command line: clap definitions, output formats and exit codes (DESIGN.md §3).
//!
//! Exit codes: `check` → 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the worst domain). Other
//! commands → 0 on success. Usage errors → 64, unreadable or invalid input → 65, unreachable
//! source → 69. Every error is one line on stderr naming the input and the cause.

mod check;
mod checklist_cmd;
pub mod checklist_format;
mod config_cmd;
mod discover;
mod import;
mod inspect;
pub mod json;
mod output;
mod tui_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::poller::Clock;

/// Exit code for a usage error (EX_USAGE).
pub const EXIT_USAGE: u8 = 64;
/// Exit code for unreadable or invalid input (EX_DATAERR).
pub const EXIT_DATA: u8 = 65;
/// Exit code for an unreachable source (EX_UNAVAILABLE).
pub const EXIT_UNAVAILABLE: u8 = 69;
/// Exit code when the program itself failed (EX_SOFTWARE).
pub const EXIT_SOFTWARE: u8 = 70;

/// Watch federation token-signing certificates between your identity provider and Microsoft
/// Entra ID, and walk through their renewal.
#[derive(Debug, Parser)]
#[command(name = "fedcert", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

const EXAMPLES: &str = "\
Examples:
  fedcert demo                                   the TUI on a built-in demo federation
  fedcert config init                            write a commented sample config
  fedcert check                                  one line per domain; exit 0/1/2/3 (Nagios)
  fedcert check --json --domain contoso.com
  fedcert inspect https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml
  fedcert check --now 2027-01-10T09:00:00Z       rehearse: how will it look then?";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file (default: config.toml in the platform config dir).
    #[arg(long, global = true, env = "FEDCERT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Evaluate everything as of this moment (RFC 3339), e.g. 2027-01-10T09:00:00Z.
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// More logging (-v info, -vv debug); logs go to stderr, or to the log file in the TUI.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Write logs to this file.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// TUI: ASCII only, no box drawing, arrows or glyphs (old terminals, serial consoles);
    /// automatic when the locale is not UTF-8.
    #[arg(long, global = true)]
    pub ascii: bool,
    /// TUI: leave the mouse to the terminal (no wheel scrolling, no click to select).
    #[arg(long, global = true)]
    pub no_mouse: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the TUI on a built-in demo federation (no config, no network).
    Demo,
    /// Refresh every configured domain once and print its verdict; exit 0/1/2/3 for the worst.
    Check(CheckArgs),
    /// Show every certificate in a metadata document (URL, file or -) or a PEM / DER certificate.
    Inspect(InspectArgs),
    /// Print a domain's renewal runbook with its progress (Markdown for a change ticket, JSON, text).
    Checklist(ChecklistArgs),
    /// Ask Entra's public home-realm discovery whether a domain is federated and where its IdP
    /// is (or, with --graph, list the tenant's federated domains); --add appends to the config.
    Discover(discover::DiscoverArgs),
    /// Read PowerShell output (ConvertTo-Json) for a domain: Get-AdfsCertificate,
    /// Get-AdfsProperties or Get-MgDomainFederationConfiguration.
    Import(import::ImportArgs),
    /// Manage the config file.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Only this domain (repeatable).
    #[arg(long = "domain", value_name = "NAME")]
    pub domains: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// The domain, as named in the config.
    pub domain: String,
    /// markdown (for a change ticket), json or text.
    #[arg(long, default_value = "markdown", value_parser = ["markdown", "json", "text"])]
    pub format: String,
    /// graph (Microsoft Graph PowerShell, the default) or msonline (legacy, retired in 2025).
    #[arg(long, default_value = "graph", value_parser = ["graph", "msonline"])]
    pub dialect: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// https:// or http:// URL, file:// URL, a path, or - for standard input.
    pub source: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Write a commented sample config (never overwrites).
    Init,
    /// Validate the config and say what it holds.
    Check,
    /// Print where the config is looked for.
    Path,
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{text:?} is not an RFC 3339 time such as 2027-01-10T09:00:00Z ({e})"))
}

/// A failed command: the exit code and the one line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// What a command returns: its exit code, or a failure.
pub type Outcome = Result<u8, Failure>;

/// The binary's entry point.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    crate::source::install_crypto_provider();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("fedcert: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: Cli) -> Outcome {
    // Headless commands evaluate at exactly `--now`; the TUI's clock starts there and moves on.
    let now = cli.global.now.unwrap_or_else(Utc::now);
    let clock = cli
        .global
        .now
        .map_or_else(Clock::system, Clock::starting_at);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Failure::new(
                EXIT_SOFTWARE,
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    match cli.command {
        Some(Command::Check(args)) => {
            init_stderr_logging(&cli.global);
            runtime.block_on(check::run(&cli.global, &args, now))
        }
        Some(Command::Inspect(args)) => {
            init_stderr_logging(&cli.global);
            runtime.block_on(inspect::run(&args, now))
        }
        Some(Command::Checklist(args)) => {
            init_stderr_logging(&cli.global);
            runtime.block_on(checklist_cmd::run(&cli.global, &args, now))
        }
        Some(Command::Discover(args)) => {
            init_stderr_logging(&cli.global);
            runtime.block_on(discover::run(&cli.global, &args, now))
        }
        Some(Command::Import(args)) => {
            init_stderr_logging(&cli.global);
            runtime.block_on(import::run(&cli.global, &args, now))
        }
        Some(Command::Config { action }) => {
            init_stderr_logging(&cli.global);
            config_cmd::run(&cli.global, &action)
        }
        Some(Command::Demo) => runtime.block_on(tui_cmd::run_demo(&cli.global, clock)),
        None => runtime.block_on(tui_cmd::run_configured(&cli.global, clock)),
    }
}

/// `RUST_LOG` when set, else warnings (`-v` info, `-vv` debug), with the HTTP stack kept quiet.
fn log_filter(verbose: u8) -> tracing_subscriber::EnvFilter {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{level},hyper=warn,reqwest=warn,rustls=warn"))
    })
}

/// CLI mode: logs to stderr (or `--log-file`), warnings only unless `-v`; reqwest/hyper quiet.
fn init_stderr_logging(global: &GlobalArgs) {
    let builder = tracing_subscriber::fmt()
        .with_env_filter(log_filter(global.verbose))
        .with_target(false);
    if let Some(path) = &global.log_file {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(file) => {
                let _ = builder
                    .with_ansi(false)
                    .with_writer(std::sync::Mutex::new(file))
                    .try_init();
                return;
            }
            Err(e) => eprintln!(
                "fedcert: --log-file {}: {e}; logging to stderr",
                path.display()
            ),
        }
    }
    let _ = builder.with_writer(std::io::stderr).try_init();
}
