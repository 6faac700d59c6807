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
    // One pass over the fleet for all four counts (10,000 domains are drawn every second).
    let mut counts = [0usize; 4];
    let slot = |severity: Severity| match severity {
        Severity::Critical => 0,
        Severity::Warning => 1,
        Severity::Unknown => 2,
        Severity::Ok => 3,
    };
    for d in &app.domains {
        counts[slot(d.assessment.severity)] += 1;
    }
    let count = |severity: Severity| counts[slot(severity)];
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
    let clock = format!("{} UTC", now.format("%Y-%m-%d %H:%M:%S"));
    // Say that the log pane has something, when there is room beside the counts and the clock.
    let logged = app.log.len();
    if logged > 0 {
        let note = format!("  {logged} logged (L)");
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        if used + note.len() + 1 + clock.len() <= usize::from(area.width) {
            spans.push(Span::styled(note, theme.stale()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    frame.render_widget(
        Paragraph::new(clock)
            .alignment(Alignment::Right)
            .style(theme.dim()),
        area,
    );
}
