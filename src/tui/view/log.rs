//! The log pane (`L`): the last warnings and errors, newest at the bottom, over the list or
//! the details. The full log is in the log file, which the pane names.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use tracing::Level;

use super::format;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;

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

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let entries: Vec<_> = app.log.entries().iter().collect();
    let popup = pane(area);
    let shown = rows(area);
    let end = entries.len().saturating_sub(app.log_scroll);
    let start = end.saturating_sub(shown);
    let width = usize::from(popup.width.saturating_sub(2));
    let mut lines: Vec<Line> = entries[start..end]
        .iter()
        .map(|entry| {
            let (word, style) = match entry.level {
                Level::ERROR => ("ERROR", theme.error()),
                _ => ("WARN ", theme.stale()),
            };
            let lead = format!("{} ", entry.at.format("%H:%M:%S"));
            let text = format!("{}: {}", entry.target, entry.message);
            let room = width.saturating_sub(lead.chars().count() + word.len() + 1);
            Line::from(vec![
                Span::styled(lead, theme.dim()),
                Span::styled(word, style),
                Span::raw(" "),
                Span::raw(format::fit(&text, room)),
            ])
        })
        .collect();
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
        app.keymap.key_label(&Action::Back, Mode::Log, theme.ascii),
        app.keymap
            .key_label(&Action::ToggleLog, Mode::Log, theme.ascii)
    );
    let footer = match &app.log_file {
        Some(path) => format!(" full log: {path} · {closes} "),
        None => format!(" {closes} "),
    };
    let block = Block::bordered()
        .title(Line::styled(title, theme.title()))
        .title(Line::styled(position, theme.dim()).right_aligned())
        .title_bottom(Line::styled(footer, theme.dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
