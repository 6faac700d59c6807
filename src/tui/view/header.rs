//! The top line: how many domains stand where, and the clock the verdicts use.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::assess::Severity;
use crate::tui::app::App;

pub fn render(frame: &mut Frame, area: Rect, app: &App, now: DateTime<Utc>) {
    let theme = app.theme();
    let count = |severity: Severity| {
        app.domains
            .iter()
            .filter(|d| d.assessment.severity == severity)
            .count()
    };
    let mut spans = vec![
        Span::styled("fedcert", theme.title()),
        Span::raw(format!("  {} domains:", app.domains.len())),
    ];
    for severity in [
        Severity::Critical,
        Severity::Warning,
        Severity::Unknown,
        Severity::Ok,
    ] {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!("{} {}", count(severity), severity.word()),
            theme.severity(severity),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let clock = format!("{} UTC", now.format("%Y-%m-%d %H:%M:%S"));
    frame.render_widget(
        Paragraph::new(clock)
            .alignment(Alignment::Right)
            .style(theme.dim()),
        area,
    );
}
