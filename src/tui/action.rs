//! What the operator (or the world) wants, and what the loop must do about it.
//!
//! Keys become [`Action`]s through the keymap; poller events, the tick and resizes are actions
//! too, so `update` is the single place where state changes. `update` answers with [`Effect`]s
//! that the event loop carries out (it alone does I/O).

use super::checklist_screen::ProgressChange;
use super::log::LogEntry;
use crate::checklist::Progress;
use crate::poller::{PollCommand, PollEvent};
use crate::store::StoreError;

/// One intent, named for what the user means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Move the selection (list) or scroll (details) one line up.
    Up,
    Down,
    PageUp,
    PageDown,
    /// First row / top of the details.
    Top,
    /// Last row / bottom of the details.
    Bottom,
    /// In the details: the next / previous domain of the list, without going back to it.
    NextDomain,
    PreviousDomain,
    /// Show the selected domain's details.
    OpenDetails,
    /// Open the selected domain's renewal checklist.
    OpenChecklist,
    /// Leave the current view (checklist → where it was opened; details → list; an applied
    /// filter is cleared).
    Back,
    /// Start typing a filter.
    StartFilter,
    /// A character typed into the filter.
    FilterChar(char),
    FilterBackspace,
    /// Keep the typed filter and select its first match.
    ApplyFilter,
    /// Drop the filter and stop typing.
    ClearFilter,
    /// Checklist: mark the current step done, or undo a done mark.
    ToggleDone,
    /// Checklist: mark the current step skipped, or undo it.
    ToggleSkipped,
    /// Checklist: mark the current step failed, or undo it.
    ToggleFailed,
    /// Checklist: start typing a note for the current step.
    EditNote,
    /// A character typed into the note.
    NoteChar(char),
    NoteBackspace,
    /// Save the typed note (an empty one removes the note).
    SaveNote,
    /// Drop the typed note and keep the saved one.
    CancelNote,
    /// Checklist: copy the current step's commands to the clipboard (OSC 52).
    CopyCommands,
    /// Checklist: write the domain's runbook as a PowerShell script to a file.
    WriteScript,
    /// Checklist: switch between Graph PowerShell and MSOnline.
    SwitchDialect,
    RefreshSelected,
    RefreshAll,
    /// Open the prompt for an error users see (triage from the symptom).
    StartExplain,
    /// A character typed into the explain prompt.
    ExplainChar(char),
    ExplainBackspace,
    /// Explain the text: the answer shows over the list, narrowed to the matching domains.
    ApplyExplain,
    /// Close the prompt.
    CancelExplain,
    /// Text pasted into the terminal (bracketed paste): into the prompt or input being typed.
    Paste(String),
    ToggleHelp,
    /// Open or close the log pane (recent warnings and errors).
    ToggleLog,
    /// Group the list by the next grouping (by tenant, by IdP, then none again).
    CycleGrouping,
    Quit,
    /// The mouse wheel turned over the cell at `column`, `row`: `lines` down (negative: up).
    Scroll {
        lines: isize,
        column: u16,
        row: u16,
    },
    /// The left button pressed on the cell at `column`, `row`.
    Click {
        column: u16,
        row: u16,
    },
    /// The 1 Hz clock: countdowns move, and the verdicts that may have changed since they were
    /// made are re-assessed.
    Tick,
    /// The terminal now has this many columns and rows.
    Resize {
        width: u16,
        height: u16,
    },
    /// Something happened in the poller.
    Poll(PollEvent),
    /// A warning or an error was logged (for the log pane).
    Logged(LogEntry),
    /// The event loop read a domain's saved progress (answer to [`Effect::LoadProgress`]).
    ProgressLoaded {
        domain: String,
        result: Result<Progress, StoreError>,
    },
    /// The event loop saved a change (answer to [`Effect::SaveProgress`]): the progress as it
    /// now is on disk, or why it is not there.
    ProgressSaved {
        domain: String,
        result: Result<Progress, StoreError>,
    },
    /// The event loop wrote a runbook script (answer to [`Effect::WriteScript`]): where, or why
    /// it could not.
    ScriptWritten {
        domain: String,
        result: Result<std::path::PathBuf, StoreError>,
    },
    /// An effect failed in a way the operator must see (the message names what and why).
    EffectFailed(String),
}

impl Action {
    /// The operator picks a domain (moves, opens, filters, refreshes the selected one): from
    /// then on the selection is theirs, no longer the first row's.
    pub fn chooses_a_domain(&self) -> bool {
        matches!(
            self,
            Self::Up
                | Self::Down
                | Self::PageUp
                | Self::PageDown
                | Self::Top
                | Self::Bottom
                | Self::NextDomain
                | Self::PreviousDomain
                | Self::OpenDetails
                | Self::OpenChecklist
                | Self::StartFilter
                | Self::StartExplain
                | Self::RefreshSelected
                | Self::Scroll { .. }
                | Self::Click { .. }
        )
    }
}

/// Work for the event loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send this to the poller.
    Poll(PollCommand),
    /// Restore the terminal and return.
    Quit,
    /// Read the domain's saved checklist progress; answered by [`Action::ProgressLoaded`].
    LoadProgress { domain: String },
    /// Apply `change` to the domain's saved progress under the store's lock; answered by
    /// [`Action::ProgressSaved`].
    SaveProgress {
        domain: String,
        change: ProgressChange,
    },
    /// Put this text on the clipboard with OSC 52, written to the terminal.
    Copy(String),
    /// Write `script` (the domain's runbook as PowerShell) to the data dir; answered by
    /// [`Action::ScriptWritten`].
    WriteScript { domain: String, script: String },
}
