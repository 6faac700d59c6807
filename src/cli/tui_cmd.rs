//! `fedcert` (no subcommand) and `fedcert demo`: the poller and the TUI on the configured
//! domains, or on the built-in demo federation. Logs go to a file, never to the screen.

use std::path::PathBuf;

use super::{EXIT_DATA, EXIT_SOFTWARE, Failure, GlobalArgs, Outcome};
use crate::config::{self, Config};
use crate::poller::{self, Clock, PollerOptions, Sources};
use crate::store::Store;
use crate::tui::{self, TuiOptions};

/// `fedcert`: the configured domains, or the first-run screen when there is no config.
pub async fn run_configured(global: &GlobalArgs, clock: Clock) -> Outcome {
    let path = config::locate(global.config.as_deref());
    let _log = init_file_logging(global);
    if !path.exists() {
        tui::run_first_run(&path, TuiOptions::from_env(clock))
            .await
            .map_err(tui_failure)?;
        return Ok(0);
    }
    let config = config::load(&path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    run_tui(&config, Sources::from_config(&config), clock).await
}

/// `fedcert demo`: the built-in federation on a loopback server, through the same path. Its
/// Entra side comes from the demo's stand-in for Graph; the demo's client secret reaches the
/// Graph client through its own environment lookup, never the process environment.
pub async fn run_demo(global: &GlobalArgs, clock: Clock) -> Outcome {
    let _log = init_file_logging(global);
    let demo = crate::demo::Demo::start(clock.now())
        .await
        .map_err(|e| Failure::new(EXIT_SOFTWARE, e.to_string()))?;
    let sources = Sources::with_env(&demo.config, &demo.env());
    let outcome = run_tui(&demo.config, sources, clock).await;
    demo.shutdown().await;
    outcome
}

async fn run_tui(config: &Config, sources: Sources, clock: Clock) -> Outcome {
    let start = clock.now();
    let statuses = super::check::new_statuses(config.domains.iter(), start);
    let options = PollerOptions {
        interval: config.settings.refresh,
        concurrency: config.settings.concurrency,
        clock,
        ..PollerOptions::default()
    };
    let handle = poller::spawn(config.domains.clone(), sources, options);
    let store = Store::default_dir().map(Store::at);
    tui::run(
        statuses,
        handle.commands,
        handle.events,
        TuiOptions::from_env(clock),
        store,
    )
    .await
    .map_err(tui_failure)?;
    Ok(0)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(tui_failure)`
fn tui_failure(error: anyhow::Error) -> Failure {
    Failure::new(EXIT_SOFTWARE, format!("terminal UI: {error:#}"))
}

/// TUI mode: logs go to `--log-file`, else `fedcert.log` in the data dir; nothing reaches the
/// screen. The guard flushes the log on exit.
fn init_file_logging(global: &GlobalArgs) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let path = global
        .log_file
        .clone()
        .or_else(|| Store::default_dir().map(|d| d.join("fedcert.log")))?;
    let dir = path
        .parent()
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf);
    std::fs::create_dir_all(&dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    tracing_subscriber::fmt()
        .with_env_filter(super::log_filter(global.verbose))
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .ok()?;
    Some(guard)
}
