//! The interactive terminal UI.
//!
//! Keys → [`Action`] → [`update`] → [`Effect`]s, in one event loop (`event_loop`); the views are
//! pure functions of the [`App`] and `now` (`view`). The TUI talks to the poller only through
//! [`PollCommand`]s and [`PollEvent`]s, and never does network I/O itself.

pub mod action;
pub mod app;
pub mod checklist_screen;
pub mod clipboard;
pub mod effects;
pub mod event_loop;
pub mod keymap;
pub mod terminal;
pub mod theme;
pub mod view;

use std::ffi::OsStr;
use std::path::Path;

use tokio::sync::mpsc;

pub use action::{Action, Effect};
pub use app::{App, Screen, update};

use crate::domain::DomainStatus;
use crate::poller::Clock;
use crate::poller::{PollCommand, PollEvent};
use crate::store::Store;
use event_loop::Outside;
use terminal::TerminalGuard;
use theme::Theme;

/// How the UI looks and which moment it runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TuiOptions {
    /// Colours on; `false` under `NO_COLOR` (status words and glyphs carry every meaning anyway).
    pub color: bool,
    /// The UI's clock: the wall clock, or `--now`'s rehearsal clock (advancing from that moment).
    /// The poller stamps its results with the same clock.
    pub clock: Clock,
}

impl TuiOptions {
    /// Colours unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
    pub fn from_env(clock: Clock) -> Self {
        Self {
            color: color_allowed(std::env::var_os("NO_COLOR").as_deref()),
            clock,
        }
    }
}

/// `NO_COLOR` present and non-empty turns colours off.
pub fn color_allowed(no_color: Option<&OsStr>) -> bool {
    no_color.is_none_or(OsStr::is_empty)
}

/// Run the domain list on `domains` until the operator quits (`q`, Ctrl-C) or SIGTERM / SIGHUP /
/// SIGINT arrives. Refresh requests go out on `commands`; results come in on `events`; checklist
/// progress is read from and saved to `store` (`None`: no data dir, marks are not kept). The
/// terminal is restored on every way out, panics included.
pub async fn run(
    domains: Vec<DomainStatus>,
    commands: mpsc::UnboundedSender<PollCommand>,
    events: mpsc::UnboundedReceiver<PollEvent>,
    options: TuiOptions,
    store: Option<Store>,
) -> anyhow::Result<()> {
    let mut app = App::new(domains);
    app.theme = Theme::new(options.color);
    let outside = Outside {
        commands: &commands,
        store: store.as_ref(),
        tmux: clipboard::inside_tmux(std::env::var_os("TMUX").as_deref()),
    };
    let mut guard = TerminalGuard::new()?;
    event_loop::run(guard.terminal(), &mut app, options.clock, outside, events).await
}

/// The screen for a machine without a config: where the config goes (`config_path`) and the
/// commands that write one (`config init`, `discover`) or show a demo.
pub async fn run_first_run(config_path: &Path, options: TuiOptions) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::new()?;
    event_loop::run_first_run(guard.terminal(), config_path, Theme::new(options.color)).await
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::color_allowed;

    #[test]
    fn no_color_set_and_non_empty_turns_colour_off() {
        assert!(color_allowed(None));
        assert!(color_allowed(Some(OsStr::new(""))));
        assert!(!color_allowed(Some(OsStr::new("1"))));
    }
}
