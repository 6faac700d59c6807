//! The one loop: a single `select!` over terminal input, poller events, a 1 Hz tick and the
//! signals that end a session (SIGTERM, SIGHUP from a dropped SSH connection, SIGINT). It alone
//! reads the clock and does I/O; it draws only after something changed.

use std::path::Path;
use std::time::Duration;

use crate::poller::Clock;
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use super::action::{Action, Effect};
use super::app::{App, update};
use super::keymap::{self, Mode};
use super::theme::Theme;
use super::view;
use crate::poller::{PollCommand, PollEvent};

/// The signals that end the UI through the normal quit path.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            hangup: signal(SignalKind::hangup())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Self> {
        Ok(Self {})
    }

    /// Wait for the next signal; its name, for the log.
    #[cfg(unix)]
    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.terminate.recv() => "SIGTERM",
            _ = self.hangup.recv() => "SIGHUP",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// What a terminal event means: key presses through the keymap, resizes; nothing else.
fn action_for_event(mode: Mode, event: &Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => keymap::action_for(mode, key),
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

/// Run the domain list until the operator quits or a signal arrives.
pub async fn run(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    clock: Clock,
    commands: &mpsc::UnboundedSender<PollCommand>,
    mut events: mpsc::UnboundedReceiver<PollEvent>,
) -> anyhow::Result<()> {
    let mut signals = Signals::new()?;
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut poller_open = true;
    let size = terminal.size()?;
    update(
        app,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
        clock.now(),
    );
    let mut dirty = true;
    loop {
        if dirty {
            let now = clock.now();
            terminal.draw(|frame| view::render(frame, app, now))?;
            // Only tests/faults.rs sets this: a panic mid-session must still restore the terminal.
            assert!(
                std::env::var_os("FEDCERT_TEST_PANIC").is_none(),
                "FEDCERT_TEST_PANIC is set: panicking on purpose"
            );
            dirty = false;
        }
        let action = tokio::select! {
            event = input.next() => match event {
                // Input closed (the terminal went away): leave as if asked to.
                None => Some(Action::Quit),
                Some(event) => action_for_event(app.mode(), &event?),
            },
            event = events.recv(), if poller_open => {
                poller_open = event.is_some();
                event.map(Action::Poll)
            },
            _ = tick.tick() => Some(Action::Tick),
            name = signals.next() => {
                tracing::info!("{name} received: leaving the TUI");
                Some(Action::Quit)
            }
        };
        let Some(action) = action else { continue };
        for effect in update(app, action, clock.now()) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Poll(command) => {
                    if commands.send(command).is_err() {
                        tracing::warn!("the poller has stopped; {command:?} was not sent");
                    }
                }
            }
        }
        dirty = true;
    }
}

/// Show the first-run screen until the operator quits.
pub async fn run_first_run(
    terminal: &mut DefaultTerminal,
    config_path: &Path,
    theme: Theme,
) -> anyhow::Result<()> {
    let mut signals = Signals::new()?;
    let mut input = EventStream::new();
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| view::first_run::render_screen(frame, config_path, theme))?;
        }
        let action = tokio::select! {
            event = input.next() => match event {
                None => Some(Action::Quit),
                Some(event) => action_for_event(Mode::Help, &event?),
            },
            _ = signals.next() => Some(Action::Quit),
        };
        dirty = true;
        match action {
            Some(Action::Quit | Action::Back) => return Ok(()),
            Some(Action::Resize { .. }) => {}
            _ => dirty = false,
        }
    }
}
