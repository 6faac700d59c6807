//! The interactive terminal UI.
//!
//! Keys → [`Action`] → [`update`] → [`Effect`]s, in one event loop (`event_loop`); the views are
//! pure functions of the [`App`] and `now` (`view`) that return what they laid out, which the
//! loop hands back to the app ([`App::laid_out`]) for the next key's paging. The TUI talks to
//! the poller only through
//! [`PollCommand`]s and [`PollEvent`]s, and never does network I/O itself.

pub mod action;
pub mod app;
pub mod checklist_screen;
pub mod clipboard;
pub mod effects;
pub mod event_loop;
pub mod explain_screen;
pub mod keymap;
pub mod log;
mod order;
pub mod terminal;
pub mod theme;
pub mod view;

use std::ffi::OsStr;
use std::path::Path;

use tokio::sync::mpsc;

pub use action::{Action, Effect};
pub use app::{App, Screen, ScreenKind, update};
pub use order::Grouping;

use crate::fleet::Fleet;
use crate::poller::Clock;
use crate::poller::{PollCommand, PollEvent};
use crate::store::Store;
use event_loop::Outside;
use keymap::Keymap;
use log::LogEntry;
use terminal::TerminalGuard;
use theme::{Palette, Theme};

/// How the UI looks, which keys it takes, and which moment it runs at.
#[derive(Debug)]
pub struct TuiOptions {
    /// Colours on; `false` under `NO_COLOR` (status words and glyphs carry every meaning anyway).
    pub color: bool,
    /// ASCII glyphs only: `--ascii`, or a locale that is not UTF-8.
    pub ascii: bool,
    /// Mouse capture (wheel scrolls, click selects); off with `--no-mouse`.
    pub mouse: bool,
    /// The config's `[theme]` colours (or the default palette).
    pub palette: Palette,
    /// The config's `[keys]` applied to the defaults.
    pub keymap: Keymap,
    /// Warnings and errors from the log layer ([`log::channel`]), for the log pane.
    pub log_events: Option<mpsc::UnboundedReceiver<LogEntry>>,
    /// Where the full log goes, named in the log pane.
    pub log_file: Option<String>,
    /// The UI's clock: the wall clock, or `--now`'s rehearsal clock (advancing from that moment).
    /// The poller stamps its results with the same clock.
    pub clock: Clock,
}

impl TuiOptions {
    /// Colours unless `NO_COLOR` is set to a non-empty value (<https://no-color.org>); ASCII
    /// when the locale is not UTF-8; the mouse on; the default keys and palette.
    pub fn from_env(clock: Clock) -> Self {
        let var = |name| std::env::var_os(name);
        Self {
            color: color_allowed(var("NO_COLOR").as_deref()),
            ascii: !utf8_locale(
                var("LC_ALL").as_deref(),
                var("LC_CTYPE").as_deref(),
                var("LANG").as_deref(),
            ),
            mouse: true,
            palette: Palette::default(),
            keymap: Keymap::default(),
            log_events: None,
            log_file: None,
            clock,
        }
    }

    fn theme(&self) -> Theme {
        Theme::new(self.color)
            .with_palette(self.palette)
            .with_ascii(self.ascii)
    }
}

/// `NO_COLOR` present and non-empty turns colours off.
pub fn color_allowed(no_color: Option<&OsStr>) -> bool {
    no_color.is_none_or(OsStr::is_empty)
}

/// Whether the locale's character set is UTF-8: the first of `LC_ALL`, `LC_CTYPE`, `LANG`
/// that is set and non-empty decides (POSIX precedence); none set is the `C` locale, ASCII.
pub fn utf8_locale(lc_all: Option<&OsStr>, lc_ctype: Option<&OsStr>, lang: Option<&OsStr>) -> bool {
    [lc_all, lc_ctype, lang]
        .into_iter()
        .flatten()
        .find(|value| !value.is_empty())
        .is_some_and(|value| {
            let value = value.to_string_lossy().to_ascii_lowercase();
            value.contains("utf-8") || value.contains("utf8")
        })
}

/// Run the domain list on `fleet` until the operator quits (`q`, Ctrl-C) or SIGTERM / SIGHUP /
/// SIGINT arrives. Refresh requests go out on `commands`; results come in on `events`; checklist
/// progress is read from and saved to `store` (`None`: no data dir, marks are not kept). The
/// terminal is restored on every way out, panics included.
pub async fn run(
    fleet: Fleet,
    commands: mpsc::UnboundedSender<PollCommand>,
    events: mpsc::UnboundedReceiver<PollEvent>,
    options: TuiOptions,
    store: Option<Store>,
) -> anyhow::Result<()> {
    let mut app = App::with_fleet(fleet);
    app.set_theme(options.theme());
    app.set_keymap(options.keymap.clone());
    app.set_log_file(options.log_file.clone());
    let outside = Outside {
        commands: &commands,
        store: store.as_ref(),
        tmux: clipboard::inside_tmux(std::env::var_os("TMUX").as_deref()),
    };
    let mut guard = TerminalGuard::new(options.mouse)?;
    let inputs = event_loop::Inputs {
        poller: events,
        log: options.log_events,
    };
    event_loop::run(guard.terminal(), &mut app, options.clock, outside, inputs).await
}

/// The screen for a machine without a config: where the config goes (`config_path`) and the
/// commands that write one (`config init`, `discover`) or show a demo.
pub async fn run_first_run(config_path: &Path, options: &TuiOptions) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::new(false)?;
    event_loop::run_first_run(guard.terminal(), config_path, options.theme()).await
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::{color_allowed, utf8_locale};

    #[test]
    fn no_color_set_and_non_empty_turns_colour_off() {
        assert!(color_allowed(None));
        assert!(color_allowed(Some(OsStr::new(""))));
        assert!(!color_allowed(Some(OsStr::new("1"))));
    }

    #[test]
    fn the_first_locale_variable_set_decides_utf8() {
        let s = |v: &'static str| Some(OsStr::new(v));
        assert!(utf8_locale(None, None, s("en_US.UTF-8")));
        assert!(utf8_locale(None, None, s("C.utf8")));
        assert!(!utf8_locale(None, None, s("C")));
        assert!(!utf8_locale(None, None, None), "no locale is C: ASCII");
        assert!(
            !utf8_locale(s("POSIX"), None, s("en_US.UTF-8")),
            "LC_ALL wins"
        );
        assert!(
            utf8_locale(s(""), s("de_DE.UTF-8"), s("C")),
            "an empty one is skipped"
        );
    }
}
