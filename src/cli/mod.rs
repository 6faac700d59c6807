//! Command line: clap definitions, output formats and exit codes (DESIGN.md §3).
//!
//! Exit codes: `check` → 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the worst domain). Other
//! commands → 0 on success. Usage errors → 64, unreadable or invalid input → 65, unreachable
//! source → 69, an output file that cannot be created → 73, a sign-in that Entra or the
//! operator refused → 77, a sign-in cancelled with Ctrl-C → 130. Every error is one line on stderr
//! naming the input and the cause.

mod check;
mod checklist_cmd;
mod config_cmd;
mod discover;
mod explain;
mod import;
mod inspect;
pub mod json;
mod login;
mod output;
pub mod prometheus;
mod serve;
mod shell;
mod tui_cmd;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::poller::Clock;

/// Exit code for a usage error (EX_USAGE).
pub const EXIT_USAGE: u8 = 64;
/// Exit code for unreadable or invalid input (EX_DATAERR).
pub const EXIT_DATA: u8 = 65;
/// Exit code for an unreachable source (EX_UNAVAILABLE).
pub const EXIT_UNAVAILABLE: u8 = 69;
/// Exit code when an output file or directory cannot be created (EX_CANTCREAT).
pub const EXIT_CANT_CREATE: u8 = 73;
/// Exit code when the program itself failed (EX_SOFTWARE).
pub const EXIT_SOFTWARE: u8 = 70;
/// Exit code when a sign-in was declined, expired or refused by Entra (EX_NOPERM).
pub const EXIT_NO_PERMISSION: u8 = 77;

/// The commit this binary was built from (`build.rs`: `git rev-parse --short HEAD`, or
/// `unknown` outside a git checkout).
pub const COMMIT: &str = env!("FEDCERT_COMMIT");

/// `fedcert --version`: the version and the commit.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("FEDCERT_COMMIT"),
    ")"
);

/// Watch federation token-signing certificates between your identity provider and Microsoft
/// Entra ID, and walk through their renewal.
#[derive(Debug, Parser)]
#[command(name = "fedcert", version = VERSION, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

// Example blocks stay within 80 columns: clap wraps them to the terminal like any help text.
const EXAMPLES: &str = "\
Examples:
  fedcert demo                        the TUI on a built-in demo federation
  fedcert config init                 write a commented sample config to edit
  fedcert                             the TUI on the configured domains
  fedcert check                       a line per domain; exit 0/1/2/3 (Nagios)
  fedcert check --json --domain contoso.com
  fedcert check --format prometheus   for node_exporter's textfile collector
  fedcert login                       sign in to Entra as yourself (a code to
                                      type on any device; no app needed)
  fedcert serve                       metrics at http://127.0.0.1:9781/metrics
  fedcert inspect https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml
  fedcert checklist contoso.com > renewal.md
  fedcert explain AADSTS50008         what users' error means, which domain fails
  fedcert check --now 2027-01-10T09:00:00Z
                                      rehearse: how will it look then?

Exit codes: check gives the worst domain's verdict, as Nagios plugins do:
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Other commands: 0 on success.
64 usage error, 65 unreadable or invalid input, 69 unreachable source,
73 an output file that cannot be created, 77 a sign-in refused or declined.";

const CHECK_EXAMPLES: &str = "\
Examples:
  fedcert check                       a line per domain
  fedcert check --domain contoso.com --domain fabrikam.com
  fedcert check --json | jq -r '.domains[] | select(.severity != \"ok\") | .name'
  fedcert check --format prometheus --output /var/lib/prometheus/node-exporter/fedcert.prom
                                      written whole or not at all (textfile collector)
  fedcert check --now 2027-01-10T09:00:00Z
                                      the verdicts as of the change window

Exit code: the worst domain's verdict, as Nagios plugins do: 0 OK,
1 WARNING, 2 CRITICAL, 3 UNKNOWN (never read). 64 for an unknown
--domain, 65 for an invalid config.";

const SERVE_EXAMPLES: &str = "\
Examples:
  fedcert serve                       http://127.0.0.1:9781/metrics
  fedcert serve --listen 0.0.0.0:9781
                                      every interface (warns: whoever reaches
                                      the port reads your domain list)
  fedcert serve --listen 0.0.0.0:9781 --web-config /etc/fedcert/web-config.yml
                                      HTTPS with basic auth or client
                                      certificates (exporter-toolkit format)

Paths: /metrics (Prometheus text format); / (a page naming it); else 404.
The poller refreshes every domain on its interval; each scrape reports the
latest results. SIGTERM or Ctrl-C stops it cleanly (exit 0); SIGHUP re-reads
--web-config (a file that does not load leaves the one in force).";

const INSPECT_EXAMPLES: &str = "\
Examples:
  fedcert inspect https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml
  fedcert inspect saved-metadata.xml --json
  curl -s https://idp.example/metadata | fedcert inspect -
  fedcert inspect token-signing.cer   a PEM or DER certificate";

const CHECKLIST_EXAMPLES: &str = "\
Examples:
  fedcert checklist contoso.com > renewal.md
                                      Markdown for the change ticket
  fedcert checklist contoso.com --format text
  fedcert checklist contoso.com --dialect msonline
                                      the legacy MSOnline commands
  fedcert checklist contoso.com --format ps1 > renewal.ps1
                                      a script: each step's why and where as
                                      comments, its commands as code, done
                                      steps commented out";

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  fedcert explain AADSTS50008         meaning, causes, the watched domains that show one
  fedcert explain 5000811             the same without AADSTS
  xclip -o | fedcert explain -        a whole pasted error page from standard input
  fedcert explain couldNotAccessRemoteHost --json

Exit code: 0 with an answer, also for a code fedcert does not know (it then
lists the domains failing now); 64 when there is nothing to explain.";

const DISCOVER_EXAMPLES: &str = "\
Examples:
  fedcert discover contoso.com        Managed or Federated, the IdP, its metadata URL
  fedcert discover alice@contoso.com --json
  fedcert discover contoso.com --add  append the domain to the config
  fedcert discover --graph            every federated domain of the tenant ([entra] needed)
  fedcert discover --graph --tenant fabrikam
                                      those of the [[tenant]] named fabrikam
  fedcert discover --graph --add      append the ones missing from the config";

const LOGIN_EXAMPLES: &str = "\
Examples:
  fedcert login                       sign in to the [entra] tenant: open the URL
                                      on any device, type the code; fedcert
                                      finishes by itself
  fedcert login --tenant fabrikam     sign in to the [[tenant]] named fabrikam
  fedcert login --status              who is signed in to which tenant, until when
  fedcert logout --tenant fabrikam    forget that sign-in

The sign-in asks for Domain.Read.All (read-only; --audit adds AuditLog.Read.All)
with Microsoft Graph Command Line Tools, unless the tenant's table names its own
client_id. It is kept in the data directory (mode 0600) and renewed on each use.
Exit code: 0 signed in; 77 declined, expired or refused by Entra (the line says
why); 130 cancelled with Ctrl-C (nothing is saved).";

const LOGOUT_EXAMPLES: &str = "\
Examples:
  fedcert logout                      forget the sign-in of the [entra] tenant
  fedcert logout --tenant fabrikam    of the [[tenant]] named fabrikam";

const IMPORT_EXAMPLES: &str = "\
Examples:
  fedcert import --script > fedcert-collect.ps1
                                      the collection script: run it on the primary AD FS server
  fedcert import ./fedcert-collection every file it wrote, each for the domains it belongs to
  fedcert import adfs-certificates adfs-certs.json --domain contoso.com
  fedcert import adfs-properties adfs-properties.json --domain contoso.com
  fedcert import entra-federation entra.json --domain contoso.com
  fedcert import entra-federation entra.json --domain contoso.com --force
                                      even when it names another IdP than contoso.com's
The files come from PowerShell, on the AD FS server and an admin workstation:
  Get-AdfsCertificate -CertificateType Token-Signing | Select-Object Thumbprint, IsPrimary,
    @{n='NotAfter';e={$_.Certificate.NotAfter.ToString('o')}},
    @{n='RawData';e={[Convert]::ToBase64String($_.Certificate.RawData)}} |
    ConvertTo-Json > adfs-certs.json
  Get-AdfsProperties | ConvertTo-Json > adfs-properties.json
  Get-MgDomainFederationConfiguration -DomainId contoso.com | ConvertTo-Json > entra.json";

const DEMO_EXAMPLES: &str = "\
Examples:
  fedcert demo                        thirteen scenario domains, from OK to CRITICAL
  fedcert demo --now 2027-01-10T09:00:00Z
                                      the same federation, weeks later

The demo serves its metadata from 127.0.0.1 and runs the same poller, parser
and verdict as for real domains; it needs no config and no network.";

const CONFIG_EXAMPLES: &str = "\
Examples:
  fedcert config init                 write the commented sample (never overwrites)
  fedcert config path                 where fedcert looks for it
  fedcert config check                validate it: each error names file, line, column
  fedcert --config ./test.toml config check";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  fedcert completions bash > ~/.local/share/bash-completion/completions/fedcert
  fedcert completions zsh > ~/.zfunc/_fedcert     (with fpath+=~/.zfunc)
  fedcert completions fish > ~/.config/fish/completions/fedcert.fish
  fedcert completions powershell >> $PROFILE";

const MAN_EXAMPLES: &str = "\
Examples:
  fedcert man | man -l -              read it now
  fedcert man > /usr/local/share/man/man1/fedcert.1
  fedcert man --dir /usr/local/share/man/man1
                                      fedcert.1 and a page per command";

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file (default: config.toml in the platform config dir).
    #[arg(
        long,
        global = true,
        env = "FEDCERT_CONFIG",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub config: Option<PathBuf>,
    /// Evaluate everything as of this moment: 2027-01-10T09:00:00Z (RFC 3339), or 2027-01-10
    /// (midnight UTC), or 2027-01-10 09:00 (UTC).
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// More logging (-v info, -vv debug; RUST_LOG overrides); logs go to stderr, or to the log
    /// file in the TUI.
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
    #[command(after_help = DEMO_EXAMPLES)]
    Demo,
    /// Refresh every configured domain once and print its verdict; exit 0/1/2/3 for the worst.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Serve the Prometheus metrics over HTTP while the poller keeps every domain fresh.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// Show every certificate in a metadata document (URL, file or -) or a PEM / DER certificate.
    #[command(after_help = INSPECT_EXAMPLES)]
    Inspect(InspectArgs),
    /// Print a domain's renewal runbook with its progress (Markdown for a change ticket, JSON, text).
    #[command(after_help = CHECKLIST_EXAMPLES)]
    Checklist(ChecklistArgs),
    /// Ask Entra's public home-realm discovery whether a domain is federated and where its IdP
    /// is (or, with --graph, list the tenant's federated domains); --add appends to the config.
    #[command(after_help = DISCOVER_EXAMPLES)]
    Discover(discover::DiscoverArgs),
    /// Read PowerShell output (ConvertTo-Json) for a domain: Get-AdfsCertificate,
    /// Get-AdfsProperties or Get-MgDomainFederationConfiguration.
    #[command(after_help = IMPORT_EXAMPLES)]
    Import(import::ImportArgs),
    /// What an error users see (AADSTS50008, a pasted error page) means for federation, its
    /// likely causes, and which watched domains show one of them now.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(explain::ExplainArgs),
    /// Sign in to a tenant as yourself (device code: open a URL on any device, type the code),
    /// so that Entra's side is read with your account; --status says who is signed in where.
    #[command(after_help = LOGIN_EXAMPLES)]
    Login(login::LoginArgs),
    /// Forget the sign-in of a tenant (removes it from the data directory).
    #[command(after_help = LOGOUT_EXAMPLES)]
    Logout(login::LogoutArgs),
    /// Manage the config file.
    #[command(after_help = CONFIG_EXAMPLES)]
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a directory.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// text (a line per domain), json (the report of the README) or prometheus (the text
    /// exposition format, for node_exporter's textfile collector).
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Only this domain, as named in the config (repeatable).
    #[arg(long = "domain", value_name = "NAME")]
    pub domains: Vec<String>,
    /// The PowerShell dialect of the checklists that findings point to (their step numbers are
    /// those of `fedcert checklist DOMAIN --dialect …`).
    #[arg(long, default_value = "graph", value_parser = clap::builder::PossibleValuesParser::new(["graph", "msonline"]).try_map(|s| s.parse::<crate::checklist::Dialect>()))]
    pub dialect: crate::checklist::Dialect,
    /// Write to FILE instead of standard output, atomically (a temporary file beside it, then
    /// renamed over it), as node_exporter's textfile collector needs. When fedcert fails before
    /// writing (a broken config), FILE is left as it was.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Prometheus,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on. Loopback by default; any other address warns, since the
    /// metrics name your domains and IdP hosts.
    /// `localhost:9781` and `:9781` (every interface) are understood too.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:9781", value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// HTTPS, basic auth and client certificates from a web-config file in the format of
    /// Prometheus' exporter-toolkit (tls_server_config, basic_auth_users, …); re-read on
    /// SIGHUP. With it, plain HTTP is not served.
    #[arg(long, value_name = "FILE")]
    pub web_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// The domain, as named in the config.
    pub domain: String,
    /// markdown (for a change ticket), json or text.
    #[arg(long, default_value = "markdown", value_parser = clap::builder::PossibleValuesParser::new(["markdown", "json", "text", "ps1"]).try_map(|s| s.parse::<crate::checklist::format::Format>()))]
    pub format: crate::checklist::format::Format,
    /// graph (Microsoft Graph PowerShell, the default) or msonline (legacy, retired in 2025).
    #[arg(long, default_value = "graph", value_parser = clap::builder::PossibleValuesParser::new(["graph", "msonline"]).try_map(|s| s.parse::<crate::checklist::Dialect>()))]
    pub dialect: crate::checklist::Dialect,
}

#[derive(Clone, Debug, Args)]
pub struct InspectArgs {
    /// https:// or http:// URL, file:// URL, a path, or - for standard input.
    pub source: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// The most of a URL's body to read (after decompression), e.g. 2GiB; whole federation
    /// aggregates are hundreds of MB. The body is read as it arrives, never held whole.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = crate::units::parse_byte_size)]
    pub max_body: u64,
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
    /// Print the configured domain names, one per line (the shell completions use it).
    Domains,
    /// Print the configured tenants' names, one per line (the shell completions use it).
    Tenants,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write fedcert.1 and one page per command (fedcert-check.1, …) into this directory
    /// instead of printing fedcert.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `--now` as people type it: RFC 3339 (`2027-01-10T09:00:00Z`, any offset), a date
/// (`2027-01-10`, midnight UTC), or a date and time without an offset (UTC), with `T` or a space.
fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(trimmed, format) {
            return Ok(t.and_utc());
        }
    }
    Err(format!(
        "{text:?} is not a time: use 2027-01-10T09:00:00Z (RFC 3339), 2027-01-10 (midnight UTC) or 2027-01-10 09:00 (UTC)"
    ))
}

/// `--listen` as people type it: `127.0.0.1:9781`, `[::1]:9781`, `localhost:9781` (a name is
/// resolved, IPv4 first), or `:9781` for every interface.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    use std::net::{Ipv4Addr, ToSocketAddrs};
    let trimmed = text.trim();
    if let Ok(addr) = trimmed.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let hint = "use ADDR:PORT such as 127.0.0.1:9781, localhost:9781 or :9781 (every interface)";
    let Some((host, port)) = trimmed.rsplit_once(':') else {
        return Err(format!("{text:?} has no port: {hint}"));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{text:?}: {port:?} is not a port number (1-65535): {hint}"))?;
    if host.is_empty() {
        return Ok(SocketAddr::from((Ipv4Addr::UNSPECIFIED, port)));
    }
    let mut addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{text:?}: cannot resolve {host:?} ({e}): {hint}"))?
        .collect();
    addrs.sort_by_key(|a| !a.is_ipv4());
    addrs
        .into_iter()
        .next()
        .ok_or_else(|| format!("{text:?}: {host:?} resolves to no address: {hint}"))
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
    main_with(|_| {})
}

/// What kind of run this is: the binary tunes its allocator by it before any thread starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// The TUI and the demo: an operator waits for the first frame.
    Interactive,
    /// The headless commands and the exporter: they stream documents through buffers they free
    /// at once, and their peak memory is what counts.
    Headless,
}

/// As [`main`], calling `prepare` with the kind of run once the command line is read (a
/// command line that does not parse runs nothing), while the process has one thread.
pub fn main_with(prepare: impl FnOnce(Workload)) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    prepare(cli.workload());
    crate::source::install_crypto_provider();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // One line per error (a config with several mistakes says each).
            for line in failure.message.lines() {
                eprintln!("fedcert: {line}");
            }
            ExitCode::from(failure.code)
        }
    }
}

impl Cli {
    fn workload(&self) -> Workload {
        match self.command {
            None | Some(Command::Demo) => Workload::Interactive,
            Some(_) => Workload::Headless,
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
            init_stderr_logging(&cli.global, Refreshes::InTheReport);
            runtime.block_on(check::run(&cli.global, &args, now))
        }
        Some(Command::Inspect(args)) => {
            init_stderr_logging(&cli.global, Refreshes::Logged);
            runtime.block_on(inspect::run(&args, now))
        }
        Some(Command::Checklist(args)) => {
            init_stderr_logging(&cli.global, Refreshes::InTheReport);
            runtime.block_on(checklist_cmd::run(&cli.global, &args, now))
        }
        Some(Command::Discover(args)) => {
            init_stderr_logging(&cli.global, Refreshes::Logged);
            runtime.block_on(discover::run(&cli.global, &args, now))
        }
        Some(Command::Import(args)) => {
            init_stderr_logging(&cli.global, Refreshes::Logged);
            runtime.block_on(import::run(&cli.global, &args, now))
        }
        Some(Command::Explain(args)) => {
            init_stderr_logging(&cli.global, Refreshes::InTheReport);
            runtime.block_on(explain::run(&cli.global, &args, now))
        }
        Some(Command::Login(args)) => {
            init_stderr_logging(&cli.global, Refreshes::Logged);
            runtime.block_on(login::login(&cli.global, &args))
        }
        Some(Command::Logout(args)) => {
            init_stderr_logging(&cli.global, Refreshes::Logged);
            login::logout(&cli.global, &args)
        }
        Some(Command::Config { action }) => {
            init_stderr_logging(&cli.global, Refreshes::Logged);
            config_cmd::run(&cli.global, &action)
        }
        Some(Command::Serve(args)) => {
            init_stderr_logging(&cli.global, Refreshes::Logged);
            runtime.block_on(serve::run(&cli.global, &args, clock))
        }
        Some(Command::Completions(args)) => shell::completions(args.shell),
        Some(Command::Man(args)) => shell::man(args.dir.as_deref()),
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
        // The platform verifier logs every refused certificate at ERROR; fedcert's own error
        // (and the TLS facts beside it) already say the same in words.
        tracing_subscriber::EnvFilter::new(format!(
            "{level},hyper=warn,reqwest=warn,rustls=warn,rustls_platform_verifier=off"
        ))
    })
}

/// Whether a command's own output already says which refreshes failed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refreshes {
    /// `check`, `checklist`, `explain`: every failure is in the report, so on stderr the
    /// warnings of failed refreshes would only say it twice (they still go to `--log-file`, and
    /// to stderr with `-v` or `RUST_LOG`).
    InTheReport,
    Logged,
}

/// CLI mode: logs to stderr (or `--log-file`), warnings only unless `-v`; reqwest/hyper quiet.
fn init_stderr_logging(global: &GlobalArgs, refreshes: Refreshes) {
    let mut filter = log_filter(global.verbose);
    let told_by_user = global.verbose > 0 || std::env::var_os("RUST_LOG").is_some();
    if refreshes == Refreshes::InTheReport
        && global.log_file.is_none()
        && !told_by_user
        && let Ok(directive) = format!("{}=error", crate::poller::REFRESH_LOG).parse()
    {
        filter = filter.add_directive(directive);
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The TUI (with or without the demo) is interactive; every other command is headless,
    /// wherever the global options stand.
    #[test]
    fn the_tui_and_the_demo_are_the_interactive_runs() {
        let workload = |args: &[&str]| {
            Cli::try_parse_from(["fedcert"].iter().chain(args))
                .unwrap()
                .workload()
        };
        assert_eq!(workload(&[]), Workload::Interactive);
        assert_eq!(workload(&["--config", "f.toml"]), Workload::Interactive);
        assert_eq!(workload(&["demo"]), Workload::Interactive);
        for args in [
            &["check"][..],
            &["--config", "f.toml", "check", "--json"],
            &["serve"],
            &["inspect", "md.xml"],
            &["checklist", "contoso.com"],
            &["explain", "R1"],
            &["config", "check"],
        ] {
            assert_eq!(workload(args), Workload::Headless, "{args:?}");
        }
    }

    #[test]
    fn now_is_read_as_people_type_it() {
        let cases = [
            ("2027-01-10T09:00:00Z", "2027-01-10T09:00:00Z"),
            ("2027-01-10T10:00:00+01:00", "2027-01-10T09:00:00Z"),
            ("2027-01-10", "2027-01-10T00:00:00Z"),
            (" 2027-01-10 ", "2027-01-10T00:00:00Z"),
            ("2027-01-10 09:00", "2027-01-10T09:00:00Z"),
            ("2027-01-10T09:00", "2027-01-10T09:00:00Z"),
            ("2027-01-10 09:00:30", "2027-01-10T09:00:30Z"),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_now(text).unwrap(),
                want.parse::<DateTime<Utc>>().unwrap(),
                "{text}"
            );
        }
        let err = parse_now("10/01/2027").unwrap_err();
        assert!(err.contains("\"10/01/2027\" is not a time"), "{err}");
        assert!(err.contains("2027-01-10 (midnight UTC)"), "{err}");
    }

    #[test]
    fn listen_addresses_are_read_as_people_type_them() {
        assert_eq!(
            parse_listen("127.0.0.1:9781").unwrap(),
            "127.0.0.1:9781".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            parse_listen("[::1]:9781").unwrap(),
            "[::1]:9781".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            parse_listen(":9781").unwrap(),
            "0.0.0.0:9781".parse::<SocketAddr>().unwrap()
        );
        let local = parse_listen("localhost:9781").unwrap();
        assert!(local.ip().is_loopback(), "{local}");
        assert_eq!(local.port(), 9781);
        for (bad, says) in [
            ("localhost", "has no port"),
            ("localhost:http", "is not a port number"),
            ("localhost:70000", "is not a port number"),
        ] {
            let err = parse_listen(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
