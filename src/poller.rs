//! Background refresh of every domain on its interval (jitter, exponential back-off after
//! failures up to the interval, at most one fetch in flight per domain, bounded concurrency).
//! The poller owns no UI state: it receives [`PollCommand`]s and sends [`PollEvent`]s carrying
//! owned results.

use chrono::{DateTime, Utc};

use crate::domain::RefreshOutcome;

/// What the UI asks of the poller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollCommand {
    /// Refresh the domain at this index now (ignored while one is in flight for it).
    Refresh(usize),
    /// Refresh every domain now.
    RefreshAll,
}

/// What the poller tells the UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollEvent {
    /// A fetch for the domain at `index` began.
    Started { index: usize, at: DateTime<Utc> },
    /// It finished, successfully or not.
    Finished {
        index: usize,
        outcome: Box<RefreshOutcome>,
    },
}
