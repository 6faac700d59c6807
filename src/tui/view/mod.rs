//! The screen, drawn as pure functions of `&App` and `now`, one module per region:
//!
//! ```text
//! ┌─────────────────────────────────────────────────────────────────────────────┐
//! │ header: fedcert · counts per status · clock                                 │ 1 row
//! ├─────────────────────────────────────────────────────────────────────────────┤
//! │ list: one row per domain, worst first  │ details (Enter): timeline,         │
//! │ (the whole width on the list screen;   │ findings, certificates, metadata,  │
//! │  below 120 columns the details replace │ Entra side; scrolls                │
//! │  it instead of sitting beside it)      │                                    │
//! ├─────────────────────────────────────────────────────────────────────────────┤
//! │ filter: / text  (only while typing or when a filter is applied), or the     │ 0–1 row
//! │ explain prompt (e) while typing the error users see                         │
//! ├─────────────────────────────────────────────────────────────────────────────┤
//! │ hints: the keys of the current view, from the keymap                        │ 1 row
//! └─────────────────────────────────────────────────────────────────────────────┘
//!   the checklist (c) replaces the list and details: its steps on top, the current step below,
//!   then a status line above the hints.
//!   an explained error's answer takes the top of the list, which it narrows to its domains.
//!   help (?) is an overlay over everything, the log pane (L) over the body; below 80x24 only a
//!   "too small" message shows. With `--ascii` a last pass (`ascii`) leaves only ASCII.
//! ```

pub mod ascii;
pub mod checklist;
pub mod detail;
pub mod explain;
pub mod first_run;
pub mod format;
pub mod header;
pub mod help;
pub mod hints;
pub mod layout;
pub mod list;
pub mod log;
pub mod timeline;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::app::App;
use super::theme::Theme;
use layout::LaidOut;

/// Draw the whole screen.
pub fn render(frame: &mut Frame, app: &App, now: DateTime<Utc>) {
    draw(frame, app, now);
}

/// Draw the whole screen; what it laid out, for the event loop to hand back to the app
/// ([`App::laid_out`](super::app::App::laid_out)) so the next key pages by this frame.
pub fn draw(frame: &mut Frame, app: &App, now: DateTime<Utc>) -> LaidOut {
    let laid = draw_unicode(frame, app, now);
    if app.theme().ascii {
        ascii::downgrade(frame.buffer_mut());
    }
    laid
}

fn draw_unicode(frame: &mut Frame, app: &App, now: DateTime<Utc>) -> LaidOut {
    let area = frame.area();
    if layout::too_small(area) {
        let quit = app
            .keymap()
            .key_label(&Action::Quit, app.mode(), app.theme().ascii);
        render_too_small(frame, area, app.theme(), &quit);
        return LaidOut::default();
    }
    let regions = layout::regions(area, app);
    let mut laid = LaidOut {
        regions,
        ..LaidOut::default()
    };
    header::render(frame, regions.header, app, now);
    if let (Some(area), Some(answer)) = (regions.answer, app.answer()) {
        explain::render(frame, area, app, answer);
    }
    if let Some(list_area) = regions.list {
        laid.list = Some(list::render(
            frame,
            list_area,
            app,
            now,
            regions.details.is_some(),
        ));
    }
    if let Some(details_area) = regions.details {
        laid.details = Some(detail::render(
            frame,
            details_area,
            app,
            now,
            regions.list.is_some(),
        ));
    }
    if let (Some(body), Some(status)) = (regions.checklist, regions.status) {
        laid.step = checklist::render(frame, body, status, app);
    }
    if let Some(filter_area) = regions.filter {
        hints::render_filter(frame, filter_area, app);
    }
    hints::render(frame, regions.hints, app);
    if app.log_open() {
        laid.log = Some(log::render(frame, area, app));
    }
    if app.help_open() {
        let page = help::Page::for_screen(app.screen_kind());
        laid.help = Some(help::render(
            frame,
            area,
            app.theme(),
            app.keymap(),
            (page, app.help_scroll()),
        ));
    }
    laid
}

/// The message shown instead of the UI when the terminal is below 80x24.
pub fn render_too_small(frame: &mut Frame, area: Rect, theme: Theme, quit_key: &str) {
    let message = format!(
        "terminal too small (need {}x{}, have {}x{})",
        layout::MIN_WIDTH,
        layout::MIN_HEIGHT,
        area.width,
        area.height
    );
    let top = area.height.saturating_sub(1) / 2;
    let lines: Vec<Line> = (0..top)
        .map(|_| Line::raw(""))
        .chain([
            Line::styled(message, theme.title()),
            Line::raw(format!("{quit_key} quits")),
        ])
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        area,
    );
}
