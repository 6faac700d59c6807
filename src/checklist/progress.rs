//! What the operator has marked, per domain and per renewal.
//!
//! A renewal *run* is keyed by the SHA-1 of the primary token-signing certificate it started
//! under: when the primary changes (the renewal finished, or someone rolled the certificate), the
//! next mark starts a new run and the old one stays in the file as history. Only the operator's
//! marks are stored; "verified" is derived from live data every time the checklist is built.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StepId;
use crate::cert::Sha1;
use crate::store::{self, Record};

/// The on-disk format of [`Progress`]; bump it when the shape changes incompatibly.
pub const PROGRESS_FORMAT: u32 = 1;

/// What the operator said about a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    #[default]
    Todo,
    Done,
    Skipped,
    Failed,
}

impl Mark {
    /// The mark's name, as the step state it shows as names it.
    pub fn as_str(self) -> &'static str {
        super::StepState::from(self).as_str()
    }
}

/// One step's mark, note and when it last changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub mark: Mark,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// One renewal: the marks made while `primary` was the primary certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// `None` when the operator started before fedcert knew the primary; the first primary
    /// fedcert learns adopts such a run instead of starting a new one.
    pub primary: Option<Sha1>,
    pub started_at: DateTime<Utc>,
    /// Keyed by the step's stable id (strings, so ids from other versions survive a round trip).
    #[serde(default)]
    pub steps: BTreeMap<String, StepRecord>,
}

impl Run {
    pub fn record(&self, step: StepId) -> Option<&StepRecord> {
        self.steps.get(step.as_str())
    }

    /// Has the operator marked or annotated this step in this run?
    pub fn touched(&self, step: StepId) -> bool {
        self.record(step).is_some()
    }
}

/// A domain's saved checklist progress: every run, oldest first; the last one is current.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub format: u32,
    pub domain: String,
    #[serde(default)]
    pub runs: Vec<Run>,
}

/// Saved as `progress/<domain>.json` in the data dir, one file per domain.
impl Record for Progress {
    const FORMAT: u32 = PROGRESS_FORMAT;
    const WHAT: &'static str = "checklist progress";

    fn file_name(domain: &str) -> String {
        format!("progress/{}.json", store::file_stem(domain))
    }

    fn fresh(domain: &str) -> Self {
        Self::new(domain)
    }
}

impl Progress {
    pub fn new(domain: impl Into<String>) -> Self {
        Self {
            format: PROGRESS_FORMAT,
            domain: domain.into(),
            runs: Vec::new(),
        }
    }

    /// The run that belongs to `primary`: the current run when its key matches, or when it was
    /// started before the primary was known. Older runs are history and never come back.
    pub fn run(&self, primary: Option<Sha1>) -> Option<&Run> {
        let current = self.runs.last()?;
        (current.primary == primary || current.primary.is_none()).then_some(current)
    }

    /// Runs that are no longer current (their primary is gone), oldest first.
    pub fn history(&self, primary: Option<Sha1>) -> &[Run] {
        match self.run(primary) {
            Some(_) => &self.runs[..self.runs.len() - 1],
            None => &self.runs,
        }
    }

    /// The current mark of `step` under `primary` (`Todo` when never marked).
    pub fn mark(&self, primary: Option<Sha1>, step: StepId) -> Mark {
        self.run(primary)
            .and_then(|run| run.record(step))
            .map_or(Mark::Todo, |record| record.mark)
    }

    /// `Space`: mark done, or undo a done mark.
    pub fn toggle_done(&mut self, primary: Option<Sha1>, step: StepId, now: DateTime<Utc>) -> Mark {
        self.toggle(primary, step, Mark::Done, now)
    }

    /// `s`: mark skipped, or undo a skipped mark.
    pub fn toggle_skipped(
        &mut self,
        primary: Option<Sha1>,
        step: StepId,
        now: DateTime<Utc>,
    ) -> Mark {
        self.toggle(primary, step, Mark::Skipped, now)
    }

    /// `f`: mark failed, or undo a failed mark.
    pub fn toggle_failed(
        &mut self,
        primary: Option<Sha1>,
        step: StepId,
        now: DateTime<Utc>,
    ) -> Mark {
        self.toggle(primary, step, Mark::Failed, now)
    }

    /// Set `step`'s mark to `mark` (whatever it was). The TUI decides a toggle on what it shows
    /// and saves the outcome, so that replaying it on the file under the lock is idempotent.
    pub fn set_mark(
        &mut self,
        primary: Option<Sha1>,
        step: StepId,
        mark: Mark,
        now: DateTime<Utc>,
    ) {
        let record = self.record_mut(primary, step, now);
        record.mark = mark;
        record.at = now;
    }

    /// Set `step` to `target`, or back to `Todo` when it already is `target`. Returns the new mark.
    pub fn toggle(
        &mut self,
        primary: Option<Sha1>,
        step: StepId,
        target: Mark,
        now: DateTime<Utc>,
    ) -> Mark {
        let record = self.record_mut(primary, step, now);
        record.mark = if record.mark == target {
            Mark::Todo
        } else {
            target
        };
        record.at = now;
        record.mark
    }

    /// `n`: set the step's note; an empty or blank note removes it.
    pub fn set_note(
        &mut self,
        primary: Option<Sha1>,
        step: StepId,
        note: &str,
        now: DateTime<Utc>,
    ) {
        let note = note.trim();
        let record = self.record_mut(primary, step, now);
        record.note = (!note.is_empty()).then(|| note.to_owned());
        record.at = now;
    }

    /// The current run for `primary`, starting a new one (the old one becomes history) when the
    /// primary changed, or adopting a run begun before the primary was known.
    fn run_mut(&mut self, primary: Option<Sha1>, now: DateTime<Utc>) -> &mut Run {
        let reusable = self
            .runs
            .last()
            .is_some_and(|run| run.primary == primary || run.primary.is_none());
        if !reusable {
            self.runs.push(Run {
                primary,
                started_at: now,
                steps: BTreeMap::new(),
            });
        }
        let last = self.runs.len() - 1;
        let run = &mut self.runs[last];
        if run.primary.is_none() {
            run.primary = primary;
        }
        run
    }

    fn record_mut(
        &mut self,
        primary: Option<Sha1>,
        step: StepId,
        now: DateTime<Utc>,
    ) -> &mut StepRecord {
        self.run_mut(primary, now)
            .steps
            .entry(step.as_str().to_owned())
            .or_insert(StepRecord {
                mark: Mark::Todo,
                note: None,
                at: now,
            })
    }
}
