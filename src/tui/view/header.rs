//! The top line: how many domains stand where, and the clock the verdicts use.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::assess::Severity;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;

/// Which tenant needs a sign-in and how (the command, then the key that refreshes every
/// domain), or how many do. The list's sync column says `sign in` on each of their rows.
fn sign_in_note(app: &App) -> Option<String> {
    let refresh = app
        .keymap()
        .key_label(&Action::RefreshAll, Mode::List, app.theme().ascii);
    match app.sign_ins_needed().as_slice() {
        [] => None,
        [one] => Some(format!("  {}, then {refresh}", one.command())),
        many => Some(format!("  {} tenants need fedcert login", many.len())),
    }
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, now: DateTime<Utc>) {
    let theme = app.theme();
    let counts = app.severity_counts();
    let mut spans = vec![
        Span::styled("fedcert", theme.title()),
        Span::raw(format!("  {} domains:", app.domains().len())),
    ];
    let severities = [
        Severity::Critical,
        Severity::Warning,
        Severity::Unknown,
        Severity::Ok,
    ];
    for (severity, count) in severities.into_iter().zip(counts) {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!("{count} {}", severity.word()),
            theme.severity(severity),
        ));
    }
    // A tenant's federated domains that nothing watches (U1): a warning of their own.
    let unwatched: usize = app
        .tenants()
        .iter()
        .map(|t| t.unwatched_domains().len())
        .sum();
    if unwatched > 0 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!("{unwatched} UNWATCHED"),
            theme.severity(Severity::Warning),
        ));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let mut clock = format!("{} UTC", now.format("%Y-%m-%d %H:%M:%S"));
    if used + 1 + clock.len() > usize::from(area.width) {
        // The unwatched domains matter more than the date.
        clock = format!("{} UTC", now.format("%H:%M:%S"));
    }
    // Say that a tenant needs a sign-in, then that the log pane has something, when there is
    // room beside the counts and the clock.
    let logged = app.log().len();
    let notes = [
        sign_in_note(app),
        (logged > 0).then(|| format!("  {logged} logged (L)")),
    ];
    for note in notes.into_iter().flatten() {
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        if used + note.chars().count() + 1 + clock.len() <= usize::from(area.width) {
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
