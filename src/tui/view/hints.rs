//! The bottom line: the keys of the current view, generated from the keymap; and the filter line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::App;
use crate::tui::keymap::{self, Mode};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let mut spans = Vec::new();
    for (keys, word) in keymap::hints(app.mode()) {
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(keys, theme.key()));
        spans.push(Span::raw(format!(" {word}")));
    }
    if app.mode() == Mode::Filter {
        spans.push(Span::styled(
            "  type to match name, IdP host or status",
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `/ text▏  3 of 12 domains` while typing; `filter: text` once applied.
pub fn render_filter(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let shown = app.visible().len();
    let mut spans = if app.filter.editing {
        vec![
            Span::styled("/ ", theme.key()),
            Span::raw(app.filter.text.clone()),
            Span::styled("▏", theme.key()),
        ]
    } else {
        vec![
            Span::styled("filter: ", theme.key()),
            Span::raw(app.filter.text.clone()),
        ]
    };
    spans.push(Span::styled(
        format!("  {shown} of {} domains", app.domains.len()),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
