//! What the operator (or the world) wants, and what the loop must do about it.
//!
//! Keys become [`Action`]s through the keymap; poller events, the tick and resizes are actions
//! too, so `update` is the single place where state changes. `update` answers with [`Effect`]s
//! that the event loop carries out (it alone does I/O).

use crate::poller::{PollCommand, PollEvent};

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
    /// Show the selected domain's details.
    OpenDetails,
    /// Leave the current view (details → list; an applied filter is cleared).
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
    RefreshSelected,
    RefreshAll,
    ToggleHelp,
    Quit,
    /// The 1 Hz clock: countdowns move, verdicts are re-assessed.
    Tick,
    /// The terminal now has this many columns and rows.
    Resize {
        width: u16,
        height: u16,
    },
    /// Something happened in the poller.
    Poll(PollEvent),
}

/// Work for the event loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send this to the poller.
    Poll(PollCommand),
    /// Restore the terminal and return.
    Quit,
}
