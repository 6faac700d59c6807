//! The bottom line: the keys of the current view, generated from the keymap; and the filter line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::config::keys::Bindable;
use crate::tui::app::{App, Screen};
use crate::tui::keymap::Mode;

/// The hints of the current mode, as many whole ones as fit (the keymap lists the most needed
/// first), then what the text input expects.
pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let width = usize::from(area.width);
    let mut used = 0;
    let mut spans = Vec::new();
    // Over an explained error, Enter opens the runbook and Back shows every domain again.
    let explained = app.answer().is_some() && *app.screen() == Screen::List;
    let reword = |bindable| match bindable {
        Bindable::OpenDetails if explained => Some("runbook"),
        Bindable::Back if explained => Some("every domain"),
        _ => None,
    };
    for (keys, word) in app.keymap().hints_saying(app.mode(), theme.ascii, reword) {
        let gap = if spans.is_empty() { 0 } else { 2 };
        let needed = gap + keys.chars().count() + 1 + word.chars().count();
        if used + needed > width {
            break;
        }
        used += needed;
        if gap > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(keys, theme.key()));
        spans.push(Span::raw(format!(" {word}")));
    }
    let explanation = match app.mode() {
        Mode::Filter => "  type to match name, IdP host or status",
        Mode::Note => "  type the note; an empty note removes it",
        Mode::Explain => "  type or paste the error users see",
        _ => "",
    };
    if !explanation.is_empty() {
        spans.push(Span::styled(explanation, theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `/ text▏  3 of 12 domains` while typing; `filter: text` once applied; the explain prompt
/// `explain: text▏` while typing an error.
pub fn render_filter(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    if let Some(prompt) = app.explain().filter(|e| e.editing) {
        // The end of a long paste is what was typed last: keep it in view.
        let room = usize::from(area.width).saturating_sub(10);
        let skip = prompt.text.chars().count().saturating_sub(room);
        let shown: String = prompt.text.chars().skip(skip).collect();
        let line = Line::from(vec![
            Span::styled("explain: ", theme.key()),
            Span::raw(shown),
            Span::styled("▏", theme.key()),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let shown = app.visible_count();
    let mut spans = if app.filter().editing {
        vec![
            Span::styled("/ ", theme.key()),
            Span::raw(app.filter().text.clone()),
            Span::styled("▏", theme.key()),
        ]
    } else {
        vec![
            Span::styled("filter: ", theme.key()),
            Span::raw(app.filter().text.clone()),
        ]
    };
    spans.push(Span::styled(
        format!("  {shown} of {} domains", app.domains().len()),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
