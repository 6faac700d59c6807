//! A checklist as text: Markdown for a change ticket, JSON (DESIGN.md §3 `checklist`), plain
//! text for a terminal and a PowerShell script (`fedcert checklist --format`, the TUI's runbook
//! script). Pure functions of a [`Checklist`]; no colours, no I/O.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::assess::Outage;
use crate::checklist::{Checklist, Mode, Phase, Step, StepState, Tool};

/// `--format` of `fedcert checklist`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// For a change ticket (the default).
    #[default]
    Markdown,
    Json,
    Text,
    /// A PowerShell script: each step a comment block, its commands as code.
    Ps1,
}

/// An unknown `--format` value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a checklist format: use markdown, json, text or ps1")]
pub struct FormatError(pub String);

impl std::str::FromStr for Format {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "markdown" | "md" => Ok(Self::Markdown),
            "json" => Ok(Self::Json),
            "text" | "txt" => Ok(Self::Text),
            "ps1" | "powershell" => Ok(Self::Ps1),
            _ => Err(FormatError(s.to_owned())),
        }
    }
}

/// The checklist in `format`, ending with a newline.
pub fn render(checklist: &Checklist, format: Format) -> String {
    match format {
        Format::Markdown => markdown(checklist),
        Format::Json => json(checklist),
        Format::Text => text(checklist),
        Format::Ps1 => script(checklist),
    }
}

/// Comment lines of at most this many columns in the script.
const SCRIPT_WIDTH: usize = 100;

/// Our own typographic marks in ASCII, so Windows PowerShell 5.1 shows them as they are.
fn ascii_marks(text: &str) -> String {
    text.replace('…', "...")
        .replace(['—', '–', '−'], "-")
        .replace('→', "->")
        .replace('▶', ">")
}

/// `text` as `# ` comment lines, wrapped at spaces; `lead` starts the first line.
fn comment(out: &mut String, lead: &str, text: &str) {
    let text = ascii_marks(text);
    let mut line = format!("# {lead}");
    let indent = " ".repeat(lead.chars().count());
    for word in text.split_whitespace() {
        let used = line.chars().count();
        if used > 2 + lead.len() && used + 1 + word.chars().count() > SCRIPT_WIDTH {
            let _ = writeln!(out, "{}", line.trim_end());
            line = format!("# {indent}");
        } else if !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(out, "{}", line.trim_end());
}

/// The runbook as a PowerShell script to keep beside the change ticket: every step a comment
/// block (why, where, warnings, how to undo, what to expect) followed by its commands; the
/// commands of steps already done or verified are commented out, so the file holds what is left
/// to run. Steps run in different places (the AD FS server, an admin workstation): run each
/// block where its `Where` says, one at a time. UTF-8 with a byte-order mark, which Windows
/// PowerShell 5.1 needs to read anything but ASCII (a certificate's name) right.
pub fn script(checklist: &Checklist) -> String {
    let mut out = String::from('\u{feff}');
    let _ = writeln!(out, "# {}: {}", title(checklist), checklist.domain);
    comment(
        &mut out,
        "",
        &format!(
            "Status {} (Entra sync: {}); {}; {}/{} steps complete; written for {}.",
            checklist.severity.word(),
            checklist.sync.label(),
            checklist.dialect.label(),
            checklist.completed(),
            checklist.steps.len(),
            timestamp(checklist.now)
        ),
    );
    if let Some(headline) = checklist.headline() {
        comment(&mut out, "Verdict: ", &headline);
    }
    comment(
        &mut out,
        "",
        "Run each step where its Where line says, one block at a time, and compare the output with          its Expected lines. Steps already done or verified are commented out.",
    );
    let _ = writeln!(out, "$ErrorActionPreference = 'Stop'");
    let mut phase = None;
    for (n, step) in checklist.steps.iter().enumerate() {
        if step.phase != phase {
            phase = step.phase;
            if let Some(p) = phase {
                let _ = writeln!(out, "\n# ==== {} ====", phase_heading(checklist, p));
            }
        }
        let state = step.state();
        let _ = writeln!(out, "\n# ---- Step {}: {} ({})", n + 1, step.title, step.id);
        comment(&mut out, "State: ", &state_line(step));
        comment(&mut out, "Where: ", &step.where_);
        comment(&mut out, "Why: ", &step.why);
        if let Some(note) = step.note() {
            comment(&mut out, "Note: ", note);
        }
        for warning in &step.warnings {
            comment(&mut out, "WARNING: ", warning);
        }
        if let Some(undo) = &step.undo {
            comment(&mut out, "Undo: ", undo);
        }
        for line in &step.expected {
            comment(&mut out, "Expected: ", line);
        }
        let done = if state.is_complete() { "# " } else { "" };
        // Line by line, so that a command written over several lines (a value holding a line
        // break) is commented out whole.
        for line in step.commands.iter().flat_map(|command| command.lines()) {
            let _ = writeln!(out, "{done}{line}");
        }
    }
    out
}

/// The JSON shape of DESIGN.md §3, plus a few additive fields.
#[derive(Serialize)]
struct ChecklistJson<'a> {
    domain: &'a str,
    dialect: &'static str,
    mode: &'static str,
    outage: Option<Outage>,
    status: &'static str,
    sync: &'static str,
    headline: Option<String>,
    primary: Option<String>,
    completed: usize,
    total: usize,
    steps: Vec<StepJson<'a>>,
}

#[derive(Serialize)]
struct StepJson<'a> {
    id: &'static str,
    title: &'a str,
    why: &'a str,
    #[serde(rename = "where")]
    where_: &'a str,
    tool: &'static str,
    state: &'static str,
    commands: &'a [String],
    expected: &'a [String],
    warnings: &'a [String],
    undo: Option<&'a str>,
    phase: Option<&'static str>,
    evidence: Option<&'a str>,
    note: Option<&'a str>,
    at: Option<String>,
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `{domain, dialect, steps:[{id,title,why,where,state,commands,note,at}]}` and more.
pub fn json_value(checklist: &Checklist) -> serde_json::Value {
    let view = ChecklistJson {
        domain: &checklist.domain,
        dialect: checklist.dialect.as_str(),
        mode: checklist.mode.as_str(),
        outage: checklist.outage,
        status: checklist.severity.as_str(),
        sync: checklist.sync.as_str(),
        headline: checklist.headline(),
        primary: checklist.primary.map(|p| p.to_string()),
        completed: checklist.completed(),
        total: checklist.steps.len(),
        steps: checklist
            .steps
            .iter()
            .map(|step| StepJson {
                id: step.id.as_str(),
                title: &step.title,
                why: &step.why,
                where_: &step.where_,
                tool: step.tool.label(),
                state: step.state().as_str(),
                commands: &step.commands,
                expected: &step.expected,
                warnings: &step.warnings,
                undo: step.undo.as_deref(),
                phase: step.phase.map(Phase::as_str),
                evidence: step.verified.as_ref().map(|v| v.evidence.as_str()),
                note: step.note(),
                at: step.at().map(timestamp),
            })
            .collect(),
    };
    // A struct of strings, numbers and options always serialises.
    serde_json::to_value(view).unwrap_or(serde_json::Value::Null)
}

/// Pretty JSON with a trailing newline.
pub fn json(checklist: &Checklist) -> String {
    let mut out = serde_json::to_string_pretty(&json_value(checklist)).unwrap_or_default();
    out.push('\n');
    out
}

/// `verified 2026-12-01T08:00:00Z: two signing certificates published: ...` or `done ...`.
fn state_line(step: &Step) -> String {
    let state = step.state();
    let mut line = state.as_str().to_owned();
    if let Some(at) = step.at() {
        let _ = write!(line, " {}", timestamp(at));
    }
    if let Some(verified) = &step.verified {
        let _ = write!(line, ": {}", verified.evidence);
    }
    line
}

fn checkbox(state: StepState) -> &'static str {
    match state {
        StepState::Done | StepState::Verified => "[x]",
        StepState::Todo | StepState::Skipped | StepState::Failed => "[ ]",
    }
}

/// `Token-signing certificate renewal`, or the outage runbook's title.
fn title(checklist: &Checklist) -> &'static str {
    match checklist.mode {
        Mode::Renewal => "Token-signing certificate renewal",
        Mode::Outage if checklist.is_incident() => {
            "INCIDENT runbook: suspected compromise of the federation trust"
        }
        Mode::Outage => "OUTAGE runbook: restore federated sign-in",
    }
}

/// An outage runbook's section headings.
fn phase_heading(checklist: &Checklist, phase: Phase) -> &'static str {
    match (phase, checklist.is_incident()) {
        (Phase::Restore, true) => "Contain: rotate and rewrite what Entra trusts (do these first)",
        (Phase::Restore, false) => "Restore sign-in (do these first)",
        (Phase::Verify, _) => "Verify",
        (Phase::CleanUp, true) => "Clean up and investigate",
        (Phase::CleanUp, false) => "Clean up (what a planned renewal would do)",
    }
}

/// The runbook for a change ticket: title, status, each step with its checkbox, why, where,
/// commands in `powershell` fences, expected values, warnings, notes and timestamps.
pub fn markdown(checklist: &Checklist) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", title(checklist), checklist.domain);
    let _ = writeln!(out, "- Domain: `{}`", checklist.domain);
    let _ = writeln!(
        out,
        "- Status: {} (Entra sync: {})",
        checklist.severity.word(),
        checklist.sync.label()
    );
    if let Some(headline) = checklist.headline() {
        let _ = writeln!(out, "- Verdict: {headline}");
    }
    if let Some(primary) = checklist.primary {
        let _ = writeln!(out, "- Primary certificate: `{primary}`");
    }
    let _ = writeln!(out, "- Dialect: {}", checklist.dialect.label());
    let _ = writeln!(
        out,
        "- Progress: {}/{}",
        checklist.completed(),
        checklist.steps.len()
    );
    let mut phase = None;
    for (n, step) in checklist.steps.iter().enumerate() {
        if step.phase != phase {
            phase = step.phase;
            if let Some(p) = phase {
                let _ = writeln!(out, "\n## {}", phase_heading(checklist, p));
            }
        }
        // Steps sit under their phase's heading in an outage runbook.
        let level = if phase.is_some() { "###" } else { "##" };
        let _ = writeln!(out, "\n{level} {}. {} (`{}`)\n", n + 1, step.title, step.id);
        let _ = writeln!(out, "- {} {}", checkbox(step.state()), state_line(step));
        let _ = writeln!(out, "- Why: {}", step.why);
        let _ = writeln!(out, "- Where: {}", step.where_);
        if step.tool != Tool::None {
            let _ = writeln!(out, "- Tool: {}", step.tool.label());
        }
        if let Some(note) = step.note() {
            let _ = writeln!(out, "- Note: {note}");
        }
        for warning in &step.warnings {
            let _ = writeln!(out, "\n> **Warning:** {warning}");
        }
        if let Some(undo) = &step.undo {
            let _ = writeln!(out, "\n> **Undo:** {undo}");
        }
        if !step.commands.is_empty() {
            let _ = writeln!(out, "\n```powershell");
            for command in &step.commands {
                let _ = writeln!(out, "{command}");
            }
            let _ = writeln!(out, "```");
        }
        if !step.expected.is_empty() {
            let _ = writeln!(out, "\nExpected:\n");
            for line in &step.expected {
                let _ = writeln!(out, "- {line}");
            }
        }
    }
    out
}

/// The runbook for a terminal: plain text, no colours, commands indented so they stand out.
pub fn text(checklist: &Checklist) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}  {}  sync {}  {}/{} steps  ({})",
        title(checklist),
        checklist.domain,
        checklist.severity.word(),
        checklist.sync.label(),
        checklist.completed(),
        checklist.steps.len(),
        checklist.dialect.label()
    );
    if let Some(headline) = checklist.headline() {
        let _ = writeln!(out, "{headline}");
    }
    let mut phase = None;
    for (n, step) in checklist.steps.iter().enumerate() {
        if step.phase != phase {
            phase = step.phase;
            if let Some(p) = phase {
                let _ = writeln!(out, "\n== {}", phase_heading(checklist, p));
            }
        }
        let _ = writeln!(
            out,
            "\n{:>2}. [{}] {}  ({})",
            n + 1,
            step.state().as_str(),
            step.title,
            step.id
        );
        if step.at().is_some() {
            let _ = writeln!(out, "    state: {}", state_line(step));
        }
        let _ = writeln!(out, "    where: {}", step.where_);
        if step.tool != Tool::None {
            let _ = writeln!(out, "    tool:  {}", step.tool.label());
        }
        let _ = writeln!(out, "    why:   {}", step.why);
        if let Some(note) = step.note() {
            let _ = writeln!(out, "    note:  {note}");
        }
        for warning in &step.warnings {
            let _ = writeln!(out, "    WARNING: {warning}");
        }
        if let Some(undo) = &step.undo {
            let _ = writeln!(out, "    undo:  {undo}");
        }
        for command in &step.commands {
            let _ = writeln!(out, "      {command}");
        }
        for line in &step.expected {
            let _ = writeln!(out, "    expect: {line}");
        }
    }
    out
}
