//! The log pane (`L`): the last warnings and errors, newest at the bottom, over the list or
//! the details. The full log is in the log file, which the pane names.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use tracing::Level;

use super::format;
use super::layout::Extent;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::log::LogEntry;
use crate::tui::theme::Theme;

/// Where the pane goes: everything between the header and the hint bar.
fn pane(area: Rect) -> Rect {
    Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    }
}

/// Entries the pane shows at once (inside its frame).
pub fn rows(area: Rect) -> usize {
    usize::from(pane(area).height.saturating_sub(2))
}

/// How far back the pane scrolls: until the oldest entry is at the top, the pane full.
pub fn max_scroll(area: Rect, app: &App) -> usize {
    let entries = app.log().entries();
    let width = usize::from(pane(area).width.saturating_sub(2));
    let mut room = rows(area);
    let mut fit = 0;
    for entry in entries {
        let lines = lines_of(entry, width, app.theme()).len();
        if lines > room {
            break;
        }
        room -= lines;
        fit += 1;
    }
    entries.len().saturating_sub(fit.max(1))
}

/// One entry as lines `width` wide: its time and level, then the message wrapped under itself.
fn lines_of(entry: &LogEntry, width: usize, theme: Theme) -> Vec<Line<'static>> {
    let (word, style) = match entry.level {
        Level::ERROR => ("ERROR", theme.error()),
        _ => ("WARN ", theme.stale()),
    };
    let lead = format!("{} ", entry.at.format("%H:%M:%S"));
    let indent = lead.chars().count() + word.len() + 1;
    let text = format!("{}: {}", entry.target, entry.message);
    format::wrap(&text, width.saturating_sub(indent).max(1))
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            if i == 0 {
                Line::from(vec![
                    Span::styled(lead.clone(), theme.dim()),
                    Span::styled(word, style),
                    Span::raw(" "),
                    Span::raw(piece),
                ])
            } else {
                Line::from(vec![Span::raw(" ".repeat(indent)), Span::raw(piece)])
            }
        })
        .collect()
}

/// Draw the pane over `area`, scrolled back as the app asks as far as it goes; what it showed.
pub fn render(frame: &mut Frame, area: Rect, app: &App) -> Extent {
    let theme = app.theme();
    let entries: Vec<_> = app.log().entries().iter().collect();
    let popup = pane(area);
    let shown = rows(area);
    let extent = Extent::clamped(max_scroll(area, app) + shown, shown, app.log_scroll());
    let end = entries.len().saturating_sub(extent.scroll);
    let width = usize::from(popup.width.saturating_sub(2));
    // Each entry whole, wrapped under its message (the cause is the end of a long line): the
    // newest at the bottom, older ones above while they fit.
    let mut start = end;
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    let mut used = 0;
    for entry in entries[..end].iter().rev() {
        let mut block = lines_of(entry, width, theme);
        if used + block.len() > shown {
            if blocks.is_empty() {
                // One entry longer than the pane: its beginning.
                block.truncate(shown);
                blocks.push(block);
                start -= 1;
            }
            break;
        }
        used += block.len();
        blocks.push(block);
        start -= 1;
    }
    let mut lines: Vec<Line> = blocks.into_iter().rev().flatten().collect();
    if entries.is_empty() {
        lines.push(Line::styled(
            "no warnings or errors since fedcert started",
            theme.dim(),
        ));
    }
    let title = " log: recent warnings and errors ";
    let position = if entries.is_empty() {
        String::new()
    } else {
        format!(" {}–{end} of {} ", start + 1, entries.len())
    };
    let closes = format!(
        "{} or {} closes",
        app.keymap()
            .key_label(&Action::Back, Mode::Log, theme.ascii),
        app.keymap()
            .key_label(&Action::ToggleLog, Mode::Log, theme.ascii)
    );
    let footer = match app.log_file() {
        Some(path) => format!(" full log: {path} · {closes} "),
        None => format!(" {closes} "),
    };
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .title(Line::styled(position, theme.dim()).right_aligned())
        .title_bottom(Line::styled(footer, theme.dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
    extent
}
