//! The one loop: a single `select!` over terminal input, poller events, a 1 Hz tick and the
//! signals that end a session (SIGTERM, SIGHUP from a dropped SSH connection, SIGINT). It alone
//! reads the clock and does I/O; it draws only after something changed.

use std::path::Path;
use std::time::Duration;

use crate::poller::Clock;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{
    Event, EventStream, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::{DefaultTerminal, Terminal};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use super::action::Action;
use super::app::{App, update};
use super::effects::{self, EffectIo};
use super::keymap::{Keymap, Mode};
use super::log::LogEntry;
use super::theme::Theme;
use super::view;
use super::view::layout::LaidOut;
use crate::poller::{PollCommand, PollEvent};
use crate::store::Store;

/// What the loop reaches besides the terminal: the poller's command channel, the store for
/// checklist progress (`None` without a data dir) and whether OSC 52 needs tmux's wrapping.
pub struct Outside<'a> {
    pub commands: &'a mpsc::UnboundedSender<PollCommand>,
    pub store: Option<&'a Store>,
    pub tmux: bool,
}

/// What the loop hears besides the terminal: the poller's events and, when logging is set up,
/// the warnings and errors for the log pane.
pub struct Inputs {
    pub poller: mpsc::UnboundedReceiver<PollEvent>,
    pub log: Option<mpsc::UnboundedReceiver<LogEntry>>,
}

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

/// Lines the wheel scrolls per notch.
const WHEEL_LINES: isize = 3;

/// What a terminal event means: key presses through the keymap, the wheel and left clicks,
/// resizes; nothing else.
pub fn action_for_event(keymap: &Keymap, mode: Mode, event: &Event) -> Option<Action> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => keymap.action_for(mode, key),
        Event::Mouse(mouse) => action_for_mouse(*mouse),
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        Event::Paste(text) => Some(Action::Paste(text.clone())),
        _ => None,
    }
}

fn action_for_mouse(mouse: MouseEvent) -> Option<Action> {
    let (column, row) = (mouse.column, mouse.row);
    match mouse.kind {
        MouseEventKind::ScrollDown => Some(Action::Scroll {
            lines: WHEEL_LINES,
            column,
            row,
        }),
        MouseEventKind::ScrollUp => Some(Action::Scroll {
            lines: -WHEEL_LINES,
            column,
            row,
        }),
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column, row }),
        _ => None,
    }
}

/// Run the domain list until the operator quits or a signal arrives.
pub async fn run(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    clock: Clock,
    outside: Outside<'_>,
    inputs: Inputs,
) -> anyhow::Result<()> {
    let Inputs {
        poller: mut events,
        log,
    } = inputs;
    let mut logs_open = log.is_some();
    // Without a log layer, a channel nobody sends on: its arm stays off.
    let mut log = log.unwrap_or_else(|| mpsc::unbounded_channel().1);
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
    let panic_on_purpose = std::env::var_os("FEDCERT_TEST_PANIC").is_some();
    let mut dirty = true;
    loop {
        if dirty {
            let now = clock.now();
            draw(terminal, app, now)?;
            // Only tests/faults.rs sets this: a panic mid-session must still restore the terminal.
            assert!(
                !panic_on_purpose,
                "FEDCERT_TEST_PANIC is set: panicking on purpose"
            );
            dirty = false;
        }
        let action = tokio::select! {
            event = input.next() => match event {
                // Input closed (the terminal went away): leave as if asked to.
                None => Some(Action::Quit),
                Some(event) => action_for_event(app.keymap(), app.mode(), &event?),
            },
            event = events.recv(), if poller_open => {
                poller_open = event.is_some();
                event.map(Action::Poll)
            },
            entry = log.recv(), if logs_open => {
                logs_open = entry.is_some();
                entry.map(Action::Logged)
            },
            _ = tick.tick() => Some(Action::Tick),
            name = signals.next() => {
                tracing::info!("{name} received: leaving the TUI");
                Some(Action::Quit)
            }
        };
        let Some(action) = action else { continue };
        let mut io = EffectIo {
            commands: outside.commands,
            store: outside.store,
            terminal: terminal.backend_mut(),
            tmux: outside.tmux,
        };
        let from_poller = matches!(action, Action::Poll(_));
        if effects::drive(app, action, clock.now(), &mut io) {
            return Ok(());
        }
        if from_poller {
            // A fleet's first refresh arrives as thousands of events: take the ones already
            // waiting before drawing, so the screen is drawn once per batch, not per domain.
            for _ in 0..POLL_BATCH {
                let Ok(event) = events.try_recv() else { break };
                effects::drive(app, Action::Poll(event), clock.now(), &mut io);
            }
        }
        dirty = true;
    }
}

/// Draw a frame of `app` and hand what it laid out back to the app, so that the next key pages
/// and scrolls by what is on screen.
pub fn draw<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    now: DateTime<Utc>,
) -> Result<(), B::Error> {
    let mut laid = LaidOut::default();
    terminal.draw(|frame| laid = view::draw(frame, app, now))?;
    app.laid_out(laid);
    Ok(())
}

/// Poller events taken in one go before a redraw.
const POLL_BATCH: usize = 1024;

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
                Some(event) => action_for_event(Keymap::standard(), Mode::Help, &event?),
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
