//! Triage from the symptom in the TUI (DESIGN.md §6.6): `e` opens a prompt, the operator types
//! or pastes the error users see, and the answer — what it means, its likely causes — shows over
//! the list, which narrows to the watched domains that show one of the causes now. `Enter` on
//! one opens its runbook (the outage runbook when sign-ins fail); `Esc` brings the whole list
//! back.

use chrono::{DateTime, Utc};

use crate::domain::DomainStatus;
use crate::explain::{self, Watched};
use crate::fleet::DomainId;

/// The prompt and, once the text is explained, the answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExplainPrompt {
    pub text: String,
    /// Typing (or pasting) into the prompt.
    pub editing: bool,
    pub answer: Option<Answer>,
    /// A verdict changed since the answer was made: the next tick makes it again, so the list
    /// follows the fix (a domain whose cause is gone leaves it).
    pub stale: bool,
}

/// What fedcert says about the explained text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The text explained, to explain again when verdicts change.
    pub asked: String,
    /// The code as fedcert names it (`AADSTS50008`), if the text holds one.
    pub code: Option<String>,
    /// The error's official text and what it means for federation, when fedcert knows it.
    pub official: Option<&'static str>,
    pub meaning: Option<&'static str>,
    /// The likely causes.
    pub causes: Vec<&'static str>,
    /// The domains that show a cause now, failing now first, with why.
    pub matches: Vec<(DomainId, String)>,
}

impl Answer {
    /// Why `id` is listed, when it is.
    pub fn why(&self, id: DomainId) -> Option<&str> {
        self.matches
            .iter()
            .find(|(m, _)| *m == id)
            .map(|(_, why)| why.as_str())
    }

    /// The list's restriction: a flag per domain index.
    pub fn mask(&self, domains: usize) -> Vec<bool> {
        let mut mask = vec![false; domains];
        for (id, _) in &self.matches {
            if let Some(slot) = mask.get_mut(id.index()) {
                *slot = true;
            }
        }
        mask
    }
}

/// Explain `text` against every domain's verdict as of `now`.
pub fn answer(text: &str, domains: &[DomainStatus], now: DateTime<Utc>) -> Answer {
    let entra: Vec<_> = domains.iter().map(DomainStatus::entra).collect();
    let watched: Vec<Watched<'_>> = domains
        .iter()
        .zip(&entra)
        .map(|(status, entra)| Watched::from_status(status, entra.as_ref(), None, now))
        .collect();
    let explained = explain::explain(text, &watched);
    let known = explained.symptom.known();
    let matches = explained
        .domains
        .into_iter()
        .filter_map(|m| {
            let index = domains.iter().position(|d| d.config.name == m.name)?;
            Some((DomainId::from_index(index), m.why))
        })
        .collect();
    Answer {
        asked: text.to_owned(),
        code: explained.symptom.code().map(str::to_owned),
        official: known.map(|k| k.official),
        meaning: known.map(|k| k.meaning),
        // Their sources are in `fedcert explain`: on a screen at 3 a.m. the causes come first.
        causes: known.map_or_else(Vec::new, |k| k.causes.iter().map(|c| c.text).collect()),
        matches,
    }
}

/// Pasted text as one line for a prompt: line breaks become spaces, other control characters go.
pub fn one_line(pasted: &str) -> String {
    pasted
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .filter(|c| !c.is_control())
        .collect()
}
