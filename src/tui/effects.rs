//! Carrying out [`Effect`]s: the only place the TUI touches the poller, the data dir and the
//! terminal's clipboard. Each effect that has an answer for the app (progress read or saved, a
//! failure to show) returns it as an [`Action`], which goes through `update` like any other.

use std::collections::VecDeque;
use std::io::Write;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::action::{Action, Effect};
use super::app::{App, update};
use super::clipboard;
use crate::checklist::Progress;
use crate::poller::PollCommand;
use crate::store::{Store, StoreError};

/// What effects reach: the poller, the store (`None` without a data dir) and the terminal.
pub struct EffectIo<'a> {
    pub commands: &'a mpsc::UnboundedSender<PollCommand>,
    pub store: Option<&'a Store>,
    /// Where OSC 52 goes: the terminal the UI is drawn on.
    pub terminal: &'a mut dyn Write,
    /// Wrap OSC 52 for tmux passthrough.
    pub tmux: bool,
}

/// What came of one effect.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Quit,
    Continue(Option<Action>),
}

/// Carry out one effect.
pub fn perform(effect: Effect, io: &mut EffectIo<'_>) -> Outcome {
    let answer = match effect {
        Effect::Quit => return Outcome::Quit,
        Effect::Poll(command) => {
            if io.commands.send(command).is_err() {
                tracing::warn!("the poller has stopped; {command:?} was not sent");
            }
            None
        }
        Effect::LoadProgress { domain } => io.store.map(|store| {
            let result = store.load::<Progress>(&domain);
            Action::ProgressLoaded { domain, result }
        }),
        Effect::SaveProgress { domain, change } => {
            let result = match io.store {
                Some(store) => store.update::<Progress, _>(&domain, |progress| {
                    change.apply(progress);
                    progress.clone()
                }),
                None => Err(StoreError::NoDataDir { what: "progress" }),
            };
            if let Err(error) = &result {
                tracing::warn!("saving the checklist progress of {domain} failed: {error}");
            }
            Some(Action::ProgressSaved { domain, result })
        }
        Effect::WriteScript { domain, script } => {
            let name = format!("runbooks/{}.ps1", crate::store::file_stem(&domain));
            let result = match io.store {
                Some(store) => store.write_text(&name, &script),
                None => Err(StoreError::NoDataDir {
                    what: "the runbook script",
                }),
            };
            Some(Action::ScriptWritten { domain, result })
        }
        Effect::Copy(text) => {
            let sequence = clipboard::osc52(&text, io.tmux);
            let written = io
                .terminal
                .write_all(&sequence)
                .and_then(|()| io.terminal.flush());
            written.err().map(|e| {
                Action::EffectFailed(format!(
                    "copying to the clipboard failed: cannot write to the terminal: {e}"
                ))
            })
        }
    };
    Outcome::Continue(answer)
}

/// Apply `action`, carry out its effects and feed their answers back, until nothing is left.
/// `true` when the UI should quit.
pub fn drive(app: &mut App, action: Action, now: DateTime<Utc>, io: &mut EffectIo<'_>) -> bool {
    let mut pending: VecDeque<Effect> = update(app, action, now).into();
    while let Some(effect) = pending.pop_front() {
        match perform(effect, io) {
            Outcome::Quit => return true,
            Outcome::Continue(Some(answer)) => pending.extend(update(app, answer, now)),
            Outcome::Continue(None) => {}
        }
    }
    false
}
