//! `fedcert explain <AADSTS code | pasted error text>`: what the error users see means for
//! federation, its likely causes with their sources, and which watched domains show one of those
//! causes now (DESIGN.md §6.6).

use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use super::output::{pad, to_stdout};
use super::{EXIT_DATA, EXIT_USAGE, Failure, GlobalArgs, Outcome};
use crate::config::{self, ConfigError};
use crate::explain::{self, Explanation, Watched};

/// The most of a pasted page read from standard input: a browser's error page is a few
/// hundred kilobytes at most.
const MAX_INPUT: u64 = 4 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// An AADSTS code (AADSTS50008, or 50008), Entra's certificateUpdateResult, an AD FS event
    /// ("event 385"), or the whole error text or page as users pasted it; - reads it from
    /// standard input.
    #[arg(required = true, value_name = "CODE|TEXT")]
    pub text: Vec<String>,
    /// The answer as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(global: &GlobalArgs, args: &ExplainArgs, now: DateTime<Utc>) -> Outcome {
    let text = input(args)?;
    if text.trim().is_empty() {
        return Err(Failure::new(
            EXIT_USAGE,
            "nothing to explain: give an AADSTS code (fedcert explain AADSTS50008) or the error text, or - to read a pasted page from standard input",
        ));
    }
    // The meaning needs no config; the watched domains do.
    let path = config::locate(global.config.as_deref());
    let config = match config::load(&path) {
        Ok(config) => Some(config),
        Err(ConfigError::Missing(_)) => None,
        Err(e) => return Err(Failure::new(EXIT_DATA, e.to_string())),
    };
    let fleet = match &config {
        Some(config) => {
            let domains: Vec<_> = config.domains.iter().collect();
            // What explain shows is facts and findings, as check's: no certificate bytes.
            let keep = crate::poller::Keep::Facts;
            Some(super::check::refresh_all(config, &domains, keep, now).await)
        }
        None => None,
    };
    let statuses = fleet
        .as_ref()
        .map_or(&[][..], crate::fleet::Fleet::statuses);
    let checklists = super::check::Checklists::new(crate::checklist::Dialect::default(), now);
    let entra: Vec<_> = statuses
        .iter()
        .map(crate::domain::DomainStatus::entra)
        .collect();
    let lists: Vec<_> = statuses
        .iter()
        .zip(&entra)
        .map(|(status, entra)| checklists.of(status, entra.as_ref()))
        .collect();
    let watched: Vec<Watched<'_>> = statuses
        .iter()
        .zip(&lists)
        .zip(&entra)
        .map(|((status, list), entra)| {
            Watched::from_status(status, entra.as_ref(), Some(list), now)
        })
        .collect();
    let answer = explain::explain(&text, &watched);
    let configured = config.is_some().then_some(statuses.len());
    to_stdout(|out| {
        if args.json {
            serde_json::to_writer_pretty(&mut *out, &json(&answer))?;
            writeln!(out)
        } else {
            write_text(out, &answer, configured, &path.display().to_string())
        }
    })?;
    Ok(0)
}

/// The arguments joined, or standard input for `-`.
fn input(args: &ExplainArgs) -> Result<String, Failure> {
    if args.text.len() != 1 || args.text[0] != "-" {
        return Ok(args.text.join(" "));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::new(EXIT_DATA, format!("standard input: cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Failure::new(
            EXIT_DATA,
            format!(
                "standard input: more than {MAX_INPUT} bytes; paste the error, not a whole log"
            ),
        ));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// DESIGN.md §6.6's shape, plus `official` and each domain's `outage`.
#[derive(Serialize)]
struct ExplainJson<'a> {
    code: Option<&'a str>,
    meaning: Option<&'static str>,
    causes: Vec<String>,
    domains: Vec<DomainJson<'a>>,
    /// The error's official text. An extension.
    official: Option<&'static str>,
}

#[derive(Serialize)]
struct DomainJson<'a> {
    name: &'a str,
    severity: &'static str,
    why: &'a str,
    /// Its checklist is an outage runbook. An extension.
    outage: bool,
}

fn json(answer: &Explanation) -> ExplainJson<'_> {
    let known = answer.symptom.known();
    ExplainJson {
        code: answer.symptom.code(),
        meaning: known.map(|k| k.meaning),
        causes: known.map_or_else(Vec::new, |k| {
            k.causes
                .iter()
                .map(|c| format!("{} (source: {})", c.text, c.source))
                .collect()
        }),
        domains: answer
            .domains
            .iter()
            .map(|d| DomainJson {
                name: &d.name,
                severity: d.severity.as_str(),
                why: &d.why,
                outage: d.outage,
            })
            .collect(),
        official: known.map(|k| k.official),
    }
}

fn write_text(
    out: &mut dyn Write,
    answer: &Explanation,
    configured: Option<usize>,
    config_path: &str,
) -> std::io::Result<()> {
    match (answer.symptom.known(), answer.symptom.code()) {
        (Some(known), code) => {
            writeln!(out, "{}: {}", code.unwrap_or("error page"), known.official)?;
            writeln!(out, "For federation: {}", known.meaning)?;
            writeln!(out, "Likely causes:")?;
            for cause in known.causes {
                writeln!(out, "  - {} (source: {})", cause.text, cause.source)?;
            }
        }
        (None, Some(code)) => writeln!(
            out,
            "{code}: fedcert knows nothing about this code; it is not among the federation errors it can explain."
        )?,
        (None, None) => writeln!(
            out,
            "fedcert found no error code in the text (AADSTS…, a certificateUpdateResult, an AD FS event)."
        )?,
    }
    let Some(count) = configured else {
        return writeln!(
            out,
            "\nNo config at {config_path}: no watched domains to look at (fedcert config init)."
        );
    };
    let known = answer.symptom.known().is_some();
    if answer.domains.is_empty() {
        let what = if known {
            "shows one of these causes now"
        } else {
            "fails now"
        };
        return writeln!(
            out,
            "\nNone of the {} watched {} {what}.",
            count,
            if count == 1 { "domain" } else { "domains" }
        );
    }
    let heading = if known {
        "Watched domains that show one of these causes now, worst first:"
    } else {
        "Watched domains whose federated sign-ins fail now, worst first:"
    };
    writeln!(out, "\n{heading}")?;
    let width = answer
        .domains
        .iter()
        .map(|d| d.name.chars().count())
        .max()
        .unwrap_or(0);
    for d in &answer.domains {
        writeln!(
            out,
            "  {} {}  {}",
            pad(d.severity.word(), 7),
            pad(&d.name, width),
            d.why
        )?;
        let runbook = if d.outage {
            "outage runbook"
        } else {
            "runbook"
        };
        writeln!(
            out,
            "  {} {}  {runbook}: fedcert checklist {}",
            pad("", 7),
            pad("", width),
            d.name
        )?;
    }
    Ok(())
}
