//! `fedcert` (no subcommand) and `fedcert demo`: the poller and the TUI on the configured
//! domains, or on the built-in demo federation. Logs go to a file, never to the screen; their
//! warnings and errors also go to the TUI's log pane.

use std::path::PathBuf;

use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use super::{EXIT_DATA, EXIT_SOFTWARE, Failure, GlobalArgs, Outcome};
use crate::config::{self, Config};
use crate::fleet::{Fleet, Histories};
use crate::poller::{self, Clock, PollerOptions, Sources};
use crate::store::Store;
use crate::tui::log;
use crate::tui::{self, TuiOptions};

/// `fedcert`: the configured domains, or the first-run screen when there is no config.
pub async fn run_configured(global: &GlobalArgs, clock: Clock) -> Outcome {
    let path = config::locate(global.config.as_deref());
    let mut options = options(global, clock);
    let _log = init_logging(global, &mut options);
    if !path.exists() {
        tui::run_first_run(&path, &options)
            .await
            .map_err(tui_failure)?;
        return Ok(0);
    }
    let config = config::load(&path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    looks_from(&config, &mut options);
    // Each domain's certificate history is saved in the data dir (the demo keeps its own in
    // memory: its certificates are made up anew on every start).
    let sources =
        Sources::from_config(&config).keeping_history(Store::default_dir().map(Store::at));
    run_tui(&config, sources, options).await
}

/// `fedcert demo`: the built-in federation on a loopback server, through the same path. Its
/// Entra side comes from the demo's stand-in for Graph; the demo's client secret reaches the
/// Graph client through its own environment lookup, never the process environment. With
/// `--config` (or `FEDCERT_CONFIG`), that file's `[keys]` and `[theme]` apply, so a keymap can
/// be tried on the demo.
pub async fn run_demo(global: &GlobalArgs, clock: Clock) -> Outcome {
    let mut options = options(global, clock);
    if let Some(path) = &global.config {
        let config = config::load(path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
        looks_from(&config, &mut options);
    }
    let _log = init_logging(global, &mut options);
    let demo = crate::demo::Demo::start(clock.now())
        .await
        .map_err(|e| Failure::new(EXIT_SOFTWARE, e.to_string()))?;
    let sources = Sources::with_env(&demo.config, &demo.env());
    let outcome = run_tui(&demo.config, sources, options).await;
    demo.shutdown().await;
    outcome
}

/// The environment's choices (`NO_COLOR`, the locale) with the command line's on top.
fn options(global: &GlobalArgs, clock: Clock) -> TuiOptions {
    let mut options = TuiOptions::from_env(clock);
    options.ascii |= global.ascii;
    options.mouse = !global.no_mouse;
    options
}

/// The config's keys and colours, as the TUI's keymap and palette.
fn looks_from(config: &Config, options: &mut TuiOptions) {
    options.keymap = tui::keymap::Keymap::from_bindings(&config.keys);
    options.palette = tui::theme::Palette::from_config(&config.theme);
}

async fn run_tui(config: &Config, sources: Sources, options: TuiOptions) -> Outcome {
    let clock = options.clock;
    let start = clock.now();
    let store = Store::default_dir().map(Store::at);
    // The saved histories come from the poller once the first frame is up.
    let fleet = Fleet::load(&config.domains, store.as_ref(), Histories::Later, start);
    let poller_options = PollerOptions {
        interval: config.settings.refresh,
        concurrency: config.settings.concurrency,
        clock,
        read_histories: true,
        ..PollerOptions::default()
    };
    let handle = poller::spawn(config.domains.clone(), sources, poller_options);
    tui::run(fleet, handle.commands, handle.events, options, store)
        .await
        .map_err(tui_failure)?;
    Ok(0)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(tui_failure)`
fn tui_failure(error: anyhow::Error) -> Failure {
    Failure::new(EXIT_SOFTWARE, format!("terminal UI: {error:#}"))
}

/// TUI mode: logs go to `--log-file`, else `fedcert.log` in the data dir, at the level `-v` /
/// `RUST_LOG` choose; warnings and errors also go to the log pane. Nothing reaches the
/// screen. The guard flushes the log file on exit.
fn init_logging(
    global: &GlobalArgs,
    options: &mut TuiOptions,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let (pane, receiver) = log::channel(options.clock);
    options.log_events = Some(receiver);
    let warnings = tracing_subscriber::filter::LevelFilter::WARN;
    let Some((file, path)) = open_log_file(global) else {
        // No file to write to: the pane still shows the warnings.
        let _ = tracing_subscriber::registry()
            .with(pane.with_filter(warnings))
            .try_init();
        return None;
    };
    options.log_file = Some(path.display().to_string());
    let (writer, guard) = tracing_appender::non_blocking(file);
    let file_layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(writer)
        .with_filter(super::log_filter(global.verbose));
    tracing_subscriber::registry()
        .with(file_layer)
        .with(pane.with_filter(warnings))
        .try_init()
        .ok()?;
    Some(guard)
}

fn open_log_file(global: &GlobalArgs) -> Option<(std::fs::File, PathBuf)> {
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
    Some((file, path))
}
