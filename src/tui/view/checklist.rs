//! The checklist screen: the steps with their state on top, the current step below it (state,
//! note, phase, where, tool, warnings, the commands and what to expect, how to undo it, why),
//! and a status line.
//!
//! The commands are drawn flush with the left edge and nothing beside them, so that a terminal
//! without OSC 52 can still select them with the mouse; long ones wrap by character, never by
//! word, so no space is added or lost.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::format;
use super::layout::Extent;
use crate::checklist::{Checklist, Mark, Mode as ChecklistMode, Step, StepState};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::theme::Theme;
use crate::words;

const KEY_WIDTH: usize = 9;
const HIGHLIGHT: &str = "▶ ";

/// The keys the current step's texts name, as the keymap in force has them.
pub struct StepKeys {
    pub copy: String,
    pub page_down: String,
}

impl StepKeys {
    pub fn of(app: &App) -> Self {
        let label = |action| {
            app.keymap()
                .key_label(&action, Mode::Checklist, app.theme().ascii)
        };
        Self {
            copy: label(Action::CopyCommands),
            page_down: label(Action::PageDown),
        }
    }
}

/// The two parts of the checklist's body: the steps and the current step.
pub fn areas(body: Rect, steps: usize) -> (Rect, Rect) {
    // A quarter of the body for the steps, at least three rows (plus the title row): the
    // current step's commands need the room more.
    let rows = steps.min(usize::from((body.height / 4).max(3)));
    let rows = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(1);
    let [list, step] = Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(body);
    (list, step)
}

fn step_block() -> Block<'static> {
    Block::new().borders(Borders::TOP)
}

/// The area inside the current step's frame.
pub fn step_inner(area: Rect) -> Rect {
    step_block().inner(area)
}

/// Draw the open checklist: its steps, the current step (scrolled as the app asks, as far as it
/// goes) and the status line; what the current step showed.
pub fn render(frame: &mut Frame, body: Rect, status: Rect, app: &App) -> Option<Extent> {
    let theme = app.theme();
    let Some(screen) = app.checklist() else {
        frame.render_widget(Paragraph::new("no checklist open"), body);
        return None;
    };
    let list = screen.list();
    let cursor = screen.current().unwrap_or(0);
    let (steps_area, step_area) = areas(body, list.steps.len());
    render_steps(frame, steps_area, list, cursor, theme);
    let extent = list.steps.get(cursor).map(|step| {
        let keys = StepKeys::of(app);
        render_step(
            frame,
            step_area,
            (step, step.phase.map(|p| list.phase_label(p))),
            (cursor, screen.scroll()),
            theme,
            &keys,
        )
    });
    render_status(frame, status, app, list, cursor);
    extent
}

fn render_steps(frame: &mut Frame, area: Rect, list: &Checklist, cursor: usize, theme: Theme) {
    let severity = list.severity;
    let kind = match list.mode {
        ChecklistMode::Renewal => Span::raw("renewal checklist"),
        ChecklistMode::Outage if list.is_incident() => Span::styled(
            "INCIDENT runbook: suspected compromise, contain first",
            theme.error(),
        ),
        ChecklistMode::Outage => {
            Span::styled("OUTAGE runbook: restore sign-in first", theme.error())
        }
    };
    let title = Line::from(vec![
        Span::raw(" "),
        Span::styled(severity.word(), theme.severity(severity)),
        Span::styled(format!(" {} ", list.domain), theme.title()),
        kind,
        Span::raw(format!(
            " · {}/{} done ",
            list.completed(),
            list.steps.len()
        )),
    ]);
    let dialect = Line::styled(format!(" {} ", list.dialect.label()), theme.dim()).right_aligned();
    let block = Block::new()
        .borders(Borders::TOP)
        .title(title)
        .title(dialect);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = usize::from(inner.height);
    let first = window_start(cursor, rows, list.steps.len());
    let width = usize::from(inner.width);
    let lines: Vec<Line> = list
        .steps
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, step)| step_row(step, i, i == cursor, width, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The first step shown so that the cursor sits mid-window when the steps do not all fit.
fn window_start(cursor: usize, rows: usize, steps: usize) -> usize {
    if rows == 0 || steps <= rows {
        return 0;
    }
    cursor.saturating_sub(rows / 2).min(steps - rows)
}

/// `[x]` done or verified, `[-]` skipped, `[!]` failed, `[ ]` to do.
fn checkbox(state: StepState) -> &'static str {
    match state {
        StepState::Done | StepState::Verified => "[x]",
        StepState::Skipped => "[-]",
        StepState::Failed => "[!]",
        StepState::Todo => "[ ]",
    }
}

fn state_style(state: StepState, theme: Theme) -> Style {
    match state {
        StepState::Verified | StepState::Done => theme.sync(crate::assess::SyncState::InSync),
        StepState::Failed => theme.error(),
        StepState::Skipped => theme.stale(),
        StepState::Todo => theme.dim(),
    }
}

/// One row: marker, checkbox, number, title (and `✎` when it has a note), state at the right.
fn step_row(step: &Step, index: usize, current: bool, width: usize, theme: Theme) -> Line<'static> {
    let state = step.state();
    let word = match state {
        StepState::Failed => "FAILED".to_owned(),
        StepState::Todo => String::new(),
        other => other.as_str().to_owned(),
    };
    let lead = format!(
        "{}{} {:>2}. ",
        if current { HIGHLIGHT } else { "  " },
        checkbox(state),
        index + 1
    );
    let note = if step.note().is_some() { " ✎" } else { "" };
    let fixed = lead.chars().count() + note.chars().count() + word.chars().count() + 1;
    let title = format::fit(&step.title, width.saturating_sub(fixed));
    let pad = width.saturating_sub(fixed + title.chars().count());
    let mut spans = vec![
        Span::raw(lead),
        Span::raw(title),
        Span::styled(note, theme.key()),
        Span::raw(" ".repeat(pad + 1)),
        Span::styled(word, state_style(state, theme)),
    ];
    if current {
        for span in &mut spans {
            span.style = span.style.patch(theme.selected());
        }
    }
    Line::from(spans)
}

fn render_step(
    frame: &mut Frame,
    area: Rect,
    (step, phase): (&Step, Option<&'static str>),
    (index, scroll): (usize, usize),
    theme: Theme,
    keys: &StepKeys,
) -> Extent {
    let mut block = step_block().title(Line::styled(
        format!(" {}. {} ", index + 1, step.title),
        theme.title(),
    ));
    let inner = block.inner(area);
    let lines = step_lines(step, phase, inner.width, theme, keys);
    let height = usize::from(inner.height);
    let extent = Extent::clamped(lines.len(), height, scroll);
    let scroll = extent.scroll;
    if lines.len() > height {
        let first = scroll + 1;
        let last = (scroll + height).min(lines.len());
        let position = format!(" {} · {first}–{last} of {} ", keys.page_down, lines.len());
        block = block.title(Line::styled(position, theme.dim()).right_aligned());
    }
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
    extent
}

/// Everything the current step shows, as lines `width` columns wide; `phase` is what its phase
/// is called in this runbook ([`Checklist::phase_label`]).
pub fn step_lines(
    step: &Step,
    phase: Option<&str>,
    width: u16,
    theme: Theme,
    keys: &StepKeys,
) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut out = Vec::new();
    let field = |out: &mut Vec<Line<'static>>, key: &str, value: &str, style: Style| {
        out.extend(format::field(
            (key, KEY_WIDTH),
            value,
            width,
            (theme.dim(), style),
        ));
    };
    // What the operator needs first comes first: the state, their note, where to run it, the
    // warnings before the commands, the commands and what to compare; the explanation last.
    let state = step.state();
    field(
        &mut out,
        "state",
        &state_text(step),
        state_style(state, theme),
    );
    if let Some(note) = step.note() {
        let at = step
            .record
            .as_ref()
            .map_or(String::new(), |r| format!(" ({})", words::moment(r.at)));
        field(&mut out, "note", &format!("{note}{at}"), theme.key());
    }
    let place = if step.tool == crate::checklist::Tool::None {
        step.where_.clone()
    } else {
        format!("{} · {}", step.where_, step.tool.label())
    };
    if let Some(phase) = phase {
        field(&mut out, "phase", phase, theme.key());
    }
    field(&mut out, "where", &place, Style::new());
    for warning in &step.warnings {
        field(&mut out, "WARNING", warning, theme.error());
    }
    if !step.commands.is_empty() {
        out.push(Line::raw(""));
        let lines = i64::try_from(step.commands.len()).unwrap_or(i64::MAX);
        let which = if lines == 1 { "this" } else { "these" };
        out.push(Line::styled(
            format!(
                "Commands · {} copies {which} {} exactly (OSC 52)",
                keys.copy,
                words::count(lines, "line")
            ),
            theme.heading(),
        ));
        for command in &step.commands {
            for piece in wrap_command(command, width) {
                out.push(Line::raw(piece));
            }
        }
    }
    if !step.expected.is_empty() {
        out.push(Line::raw(""));
        out.push(Line::styled("Expected (compare by eye)", theme.heading()));
        for line in &step.expected {
            field(&mut out, "", line, Style::new());
        }
    }
    if let Some(undo) = &step.undo {
        out.push(Line::raw(""));
        field(&mut out, "undo", undo, Style::new());
    }
    out.push(Line::raw(""));
    field(&mut out, "why", &step.why, Style::new());
    out
}

/// `verified 2026-12-01 08:56 UTC: two signing certificates published …`, `done 2026-12-01
/// 08:12 UTC`, `todo`.
fn state_text(step: &Step) -> String {
    let mark = step.record.as_ref().map(|r| (r.mark, r.at));
    if let Some(verified) = &step.verified {
        let yours = match mark {
            Some((mark, _)) if mark != Mark::Todo => format!(" (your mark: {})", mark.as_str()),
            _ => String::new(),
        };
        return format!(
            "verified by fedcert {}: {}{yours}",
            words::moment(verified.at),
            verified.evidence
        );
    }
    match mark {
        Some((mark, at)) if mark != Mark::Todo => {
            format!("{} {}", mark.as_str(), words::moment(at))
        }
        _ => "todo".to_owned(),
    }
}

/// PowerShell's line continuation, at the end of a command line that goes on below: copied with
/// the mouse, the pieces still make one command in PowerShell.
const CONTINUES: &str = " `";

/// A command in lines of at most `width` columns, broken only at spaces, each line that goes on
/// ending with [`CONTINUES`]. A word longer than a line (base64) gets lines of its own, cut
/// where the line ends: only copying the command (or the script export) keeps it whole then.
fn wrap_command(command: &str, width: usize) -> Vec<String> {
    let width = width.max(CONTINUES.len() + 1);
    if command.chars().count() <= width {
        return vec![command.to_owned()];
    }
    let room = width - CONTINUES.len();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in command.split(' ').filter(|w| !w.is_empty()) {
        let used = line.chars().count();
        let needed = word.chars().count() + usize::from(used > 0);
        if used + needed <= room {
            if used > 0 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        if word.chars().count() <= room {
            line.push_str(word);
            continue;
        }
        // Too long for any line: whole lines of it, the rest starts the next line.
        let chars: Vec<char> = word.chars().collect();
        let mut chunks = chars.chunks(width).peekable();
        while let Some(chunk) = chunks.next() {
            let piece: String = chunk.iter().collect();
            if chunks.peek().is_some() || piece.chars().count() > room {
                lines.push(piece);
                continue;
            }
            line = piece;
        }
    }
    let last = line;
    let mut out: Vec<String> = lines
        .into_iter()
        .map(|l| {
            // A full-width piece of a long word has no room for the mark: it goes on as it is.
            if l.chars().count() > room {
                l
            } else {
                l + CONTINUES
            }
        })
        .collect();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// The status line: the note being typed, else what the last key did or what failed, else the
/// renewal run the marks belong to.
fn render_status(frame: &mut Frame, area: Rect, app: &App, list: &Checklist, cursor: usize) {
    let theme = app.theme();
    let line = if let Some(text) = app.note_input() {
        Line::from(vec![
            Span::styled(format!("note for step {}: ", cursor + 1), theme.key()),
            Span::raw(text.to_owned()),
            Span::styled("▏", theme.key()),
        ])
    } else if let Some(notice) = app.notice() {
        let style = if notice.error {
            theme.error()
        } else {
            Style::new()
        };
        Line::styled(notice.text.clone(), style)
    } else {
        Line::styled(run_text(list), theme.dim())
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Which renewal the marks belong to: the primary certificate's, and how many runs came before.
fn run_text(list: &Checklist) -> String {
    let run = list.primary.map_or_else(
        || "marks kept for this domain until fedcert knows its primary certificate".to_owned(),
        |p| {
            let thumbprint = p.to_string();
            format!(
                "marks belong to the renewal of primary {}…",
                &thumbprint[..thumbprint.len().min(8)]
            )
        },
    );
    match list.history.len() {
        0 => run,
        1 => format!("{run} · 1 earlier renewal kept"),
        n => format!("{run} · {n} earlier renewals kept"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_wrap_at_spaces_with_powershell_continuations() {
        assert_eq!(
            wrap_command("Get-AdfsCertificate -Thumbprint X", 40),
            ["Get-AdfsCertificate -Thumbprint X"]
        );
        assert_eq!(
            wrap_command("Connect-MgGraph -Scopes Domain.Read.All", 20),
            ["Connect-MgGraph `", "-Scopes `", "Domain.Read.All"]
        );
        // Every line fits, and only a piece of an over-long word has no mark.
        let command = format!(
            "Update-MgDomainFederationConfiguration -DomainId contoso.com -SigningCertificate {} -NextSigningCertificate {}",
            "M".repeat(70),
            "N".repeat(25)
        );
        let lines = wrap_command(&command, 45);
        for line in &lines {
            assert!(line.chars().count() <= 45, "{line}");
        }
        assert_eq!(
            lines[..3],
            [
                "Update-MgDomainFederationConfiguration `",
                "-DomainId contoso.com -SigningCertificate `",
                &"M".repeat(45),
            ]
        );
        assert_eq!(lines[3], format!("{} `", "M".repeat(25)));
        assert_eq!(lines[4], "-NextSigningCertificate `");
        assert_eq!(lines[5], "N".repeat(25));
        // Joined the way PowerShell reads a continuation, the command is whole again.
        let rejoined = lines.iter().fold(String::new(), |mut all, line| {
            match line.strip_suffix(CONTINUES) {
                Some(head) => {
                    all.push_str(head);
                    all.push(' ');
                }
                None => all.push_str(line),
            }
            all
        });
        assert_eq!(rejoined, command);
    }

    #[test]
    fn the_window_keeps_the_cursor_in_view() {
        assert_eq!(window_start(0, 7, 11), 0);
        assert_eq!(window_start(5, 7, 11), 2);
        assert_eq!(window_start(10, 7, 11), 4);
        assert_eq!(window_start(3, 7, 5), 0);
    }
}
