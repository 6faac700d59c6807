//! The screen shown when there is no configuration yet: where it goes and how to start.

use std::path::Path;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::theme::Theme;

/// The commands that get a first-time user going, with what each does.
pub const COMMANDS: [(&str, &str); 3] = [
    (
        "fedcert config init",
        "write a commented sample config there",
    ),
    (
        "fedcert discover <domain>",
        "find a domain's IdP and metadata URL",
    ),
    ("fedcert demo", "try it on a built-in demo federation"),
];

pub fn render(frame: &mut Frame, area: Rect, config_path: &Path, theme: Theme) {
    let mut lines = vec![
        Line::raw(""),
        Line::raw("fedcert watches the token-signing certificates of your federation domains"),
        Line::raw("(AD FS, Okta, Ping, Shibboleth ↔ Microsoft Entra ID). It reads its"),
        Line::raw("configuration from:"),
        Line::raw(""),
        Line::styled(format!("    {}", config_path.display()), theme.title()),
        Line::raw(""),
        Line::raw("and there is nothing there yet. To get started:"),
        Line::raw(""),
    ];
    for (command, what) in COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("    {command:<27}"), theme.key()),
            Span::raw(what),
        ]));
    }
    lines.extend([
        Line::raw(""),
        Line::raw("Then edit the sample (one [[domain]] per federation domain), or let"),
        Line::raw("`fedcert discover <domain> --add` append the domain, and run fedcert again."),
        Line::styled(
            "--config PATH or FEDCERT_CONFIG choose another file.",
            theme.dim(),
        ),
        Line::raw(""),
        Line::from(vec![Span::styled("q", theme.key()), Span::raw(" quit")]),
    ]);
    let title = Line::styled(" fedcert — no configuration yet ", theme.title());
    let block = Block::bordered().title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// The whole first-run frame, or the "too small" message.
pub fn render_screen(frame: &mut Frame, config_path: &Path, theme: Theme) {
    let area = frame.area();
    if super::layout::too_small(area) {
        super::render_too_small(frame, area, theme, "q");
    } else {
        render(frame, area, config_path, theme);
    }
    if theme.ascii {
        super::ascii::downgrade(frame.buffer_mut());
    }
}
