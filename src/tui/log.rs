//! The log pane's source: a tracing [`Layer`] that keeps the last warnings and errors in a ring
//! buffer the UI reads, so an operator sees what went wrong without a second terminal. Nothing
//! is printed: the full log still goes to the log file.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use crate::poller::Clock;

/// How many events the pane keeps.
pub const CAPACITY: usize = 200;

/// One warning or error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub level: Level,
    /// The module that logged it (`fedcert::poller`).
    pub target: String,
    /// The message and any other fields (`domain=contoso.com`).
    pub message: String,
}

/// The shared ring of recent entries: the layer writes, the UI reads.
#[derive(Clone, Debug, Default)]
pub struct LogRing {
    entries: Arc<Mutex<VecDeque<LogEntry>>>,
}

impl LogRing {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an entry, dropping the oldest beyond [`CAPACITY`].
    pub fn push(&self, entry: LogEntry) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The entries, oldest first.
    pub fn snapshot(&self) -> Vec<LogEntry> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The layer that fills this ring with WARN and ERROR events, stamped by `clock` (the UI's
    /// clock, so entries and the screen agree under `--now`).
    pub fn layer(&self, clock: Clock) -> RingLayer {
        RingLayer {
            ring: self.clone(),
            clock,
        }
    }
}

/// Keeps WARN and ERROR events (whatever `-v` or `RUST_LOG` choose for the file) in a [`LogRing`].
pub struct RingLayer {
    ring: LogRing,
    clock: Clock,
}

impl<S: Subscriber> Layer<S> for RingLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        // ERROR < WARN < INFO in tracing's order: keep WARN and the more severe.
        if *metadata.level() > Level::WARN {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.ring.push(LogEntry {
            at: self.clock.now(),
            level: *metadata.level(),
            target: metadata.target().to_owned(),
            message: fields.text(),
        });
    }
}

/// The message field, then the others as `name=value`.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Fields {
    fn text(self) -> String {
        match (self.message.is_empty(), self.rest.is_empty()) {
            (_, true) => self.message,
            (true, false) => self.rest,
            (false, false) => format!("{} {}", self.message, self.rest),
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            if !self.rest.is_empty() {
                self.rest.push(' ');
            }
            let _ = write!(self.rest, "{}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    #[test]
    fn keeps_warnings_and_errors_only_and_the_newest_two_hundred() {
        let ring = LogRing::new();
        let subscriber = tracing_subscriber::registry().with(ring.layer(Clock::system()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("not kept");
            tracing::debug!("not kept either");
            tracing::warn!(domain = "contoso.com", "metadata fetch failed");
            tracing::error!("the store is unwritable");
            for n in 0..CAPACITY {
                tracing::warn!("filler {n}");
            }
        });
        let entries = ring.snapshot();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(
            entries.last().map(|e| e.message.as_str()),
            Some("filler 199")
        );
        assert_eq!(entries[0].message, "filler 0", "the oldest were dropped");

        let ring = LogRing::new();
        let subscriber = tracing_subscriber::registry().with(ring.layer(Clock::system()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("not kept");
            tracing::warn!(domain = "contoso.com", "metadata fetch failed");
            tracing::error!("the store is unwritable");
        });
        let entries = ring.snapshot();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].level, Level::WARN);
        assert_eq!(
            entries[0].message,
            "metadata fetch failed domain=\"contoso.com\""
        );
        assert_eq!(entries[1].level, Level::ERROR);
        assert!(entries[1].target.starts_with("fedcert"));
    }
}
