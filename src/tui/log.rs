//! The log pane's source: a tracing [`Layer`] that sends each warning and error, as owned data,
//! to the event loop, and the ring of the last [`CAPACITY`] the app keeps for the pane. So an
//! operator sees what went wrong without a second terminal; nothing is printed, the full log
//! still goes to the log file.

use std::collections::VecDeque;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
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

/// The recent entries, oldest first, at most [`CAPACITY`]. The app owns it; `update` adds to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogRing {
    entries: VecDeque<LogEntry>,
}

impl LogRing {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an entry, dropping the oldest beyond [`CAPACITY`].
    pub fn push(&mut self, entry: LogEntry) {
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn entries(&self) -> &VecDeque<LogEntry> {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The layer for the log pane and the receiving end the event loop reads. Entries are stamped
/// by `clock` (the UI's clock, so they agree with the screen under `--now`).
pub fn channel(clock: Clock) -> (PaneLayer, mpsc::UnboundedReceiver<LogEntry>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (PaneLayer { sender, clock }, receiver)
}

/// Sends WARN and ERROR events (whatever `-v` or `RUST_LOG` choose for the file) to the UI.
pub struct PaneLayer {
    sender: mpsc::UnboundedSender<LogEntry>,
    clock: Clock,
}

impl<S: Subscriber> Layer<S> for PaneLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        // ERROR < WARN < INFO in tracing's order: keep WARN and the more severe.
        if *metadata.level() > Level::WARN {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        // Once the UI is gone nobody reads them; the file still has them.
        let _ = self.sender.send(LogEntry {
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

    fn logged(emit: impl FnOnce()) -> Vec<LogEntry> {
        let (layer, mut receiver) = channel(Clock::system());
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, emit);
        std::iter::from_fn(|| receiver.try_recv().ok()).collect()
    }

    #[test]
    fn the_layer_sends_warnings_and_errors_only_with_their_fields() {
        let entries = logged(|| {
            tracing::info!("not kept");
            tracing::debug!("not kept either");
            tracing::warn!(domain = "contoso.com", "metadata fetch failed");
            tracing::error!("the store is unwritable");
        });
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].level, Level::WARN);
        assert_eq!(
            entries[0].message,
            "metadata fetch failed domain=\"contoso.com\""
        );
        assert_eq!(entries[1].level, Level::ERROR);
        assert_eq!(entries[1].message, "the store is unwritable");
        assert!(entries[1].target.starts_with("fedcert"));
    }

    #[test]
    fn the_ring_keeps_the_newest_two_hundred() {
        let mut ring = LogRing::new();
        for entry in logged(|| {
            for n in 0..CAPACITY + 5 {
                tracing::warn!("warning {n}");
            }
        }) {
            ring.push(entry);
        }
        assert_eq!(ring.len(), CAPACITY);
        assert_eq!(
            ring.entries()[0].message,
            "warning 5",
            "the oldest were dropped"
        );
        assert_eq!(
            ring.entries().back().map(|e| e.message.as_str()),
            Some("warning 204")
        );
    }
}
