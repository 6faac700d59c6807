//! Where each region goes, as a pure function of the terminal size and the app's mode. `update`
//! uses it too (page size, scroll limits), so scrolling and drawing agree.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};

use super::{checklist, detail};
use crate::tui::app::{App, ScreenKind};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// From this width the details sit beside the list instead of replacing it.
pub const SIDE_BY_SIDE_WIDTH: u16 = 120;
/// From this width the list shows its extra columns (expiry date, how the primary is known,
/// the top finding).
pub const WIDE_LIST_WIDTH: u16 = 110;
/// The list's width when it shares the screen with the details.
const SIDE_LIST_WIDTH: u16 = 40;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Regions {
    pub header: Rect,
    pub list: Option<Rect>,
    pub details: Option<Rect>,
    /// The checklist's body (steps and the current step), on the checklist screen.
    pub checklist: Option<Rect>,
    /// The filter line, while typing a filter or when one is applied.
    pub filter: Option<Rect>,
    /// The checklist's status line: what the last key did, the note being typed.
    pub status: Option<Rect>,
    /// The answer of the explain prompt, over the list it narrows.
    pub answer: Option<Rect>,
    pub hints: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

pub fn regions(area: Rect, app: &App) -> Regions {
    if app.screen_kind() == ScreenKind::Checklist {
        let [header, body, status, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        return Regions {
            header,
            checklist: Some(body),
            status: Some(status),
            hints,
            ..Regions::default()
        };
    }
    let explaining = app.explain().is_some_and(|e| e.editing);
    let filter_height =
        u16::from(app.filter().editing || !app.filter().text.is_empty() || explaining);
    let [header, body, filter, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(filter_height),
        Constraint::Length(1),
    ])
    .areas(area);
    // The explained error's answer takes the top of the list's room, at most half of it.
    let (answer, body) = match (app.answer(), app.screen_kind()) {
        (Some(answer), ScreenKind::List) => {
            let wanted = super::explain::height(answer, body.width);
            let height = wanted.min(body.height / 2);
            let [answer, rest] =
                Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(body);
            (Some(answer), rest)
        }
        _ => (None, body),
    };
    let (list, details) = match app.screen_kind() {
        ScreenKind::List => (Some(body), None),
        ScreenKind::Details if area.width >= SIDE_BY_SIDE_WIDTH => {
            let [list, details] =
                Layout::horizontal([Constraint::Length(SIDE_LIST_WIDTH), Constraint::Min(0)])
                    .areas(body);
            (Some(list), Some(details))
        }
        ScreenKind::Details | ScreenKind::Checklist => (None, Some(body)),
    };
    Regions {
        header,
        list,
        details,
        checklist: None,
        filter: (filter_height > 0).then_some(filter),
        status: None,
        answer,
        hints,
    }
}

/// Rows of domains the list can show (its body less the column header).
pub fn list_rows(area: Rect, app: &App) -> u16 {
    let r = regions(area, app);
    r.list
        .or(r.details)
        .map_or(0, |body| body.height.saturating_sub(1))
}

/// Lines of details content and lines visible, for the selected domain.
pub fn details_extent(area: Rect, app: &App, now: DateTime<Utc>) -> (usize, usize) {
    let details = regions(area, app).details.unwrap_or(area);
    let inner = detail::inner(details, area.width >= SIDE_BY_SIDE_WIDTH);
    let content = app.selected_status().map_or(0, |status| {
        detail::lines(app, status, now, inner.width).len()
    });
    (content, usize::from(inner.height))
}

/// Lines of the current checklist step and lines visible, for its scrolling.
pub fn step_extent(area: Rect, app: &App) -> (usize, usize) {
    let Some(body) = regions(area, app).checklist else {
        return (0, 0);
    };
    let Some(screen) = app.checklist() else {
        return (0, 0);
    };
    let list = screen.list();
    let (_, step_area) = checklist::areas(body, list.steps.len());
    let inner = checklist::step_inner(step_area);
    let content = screen
        .current()
        .and_then(|cursor| list.steps.get(cursor))
        .map_or(0, |step| {
            checklist::step_lines(
                step,
                inner.width,
                app.theme(),
                &checklist::StepKeys::of(app),
            )
            .len()
        });
    (content, usize::from(inner.height))
}
