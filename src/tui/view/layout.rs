//! Where each region goes, as a pure function of the terminal size and the app's mode, and what
//! a frame laid out ([`LaidOut`]): the draw returns it and the event loop hands it back to the
//! app, so the next key pages and scrolls by what the operator sees.

use chrono::{DateTime, Utc};
use ratatui::layout::{Constraint, Layout, Rect};

use super::detail;
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

/// A region that shows part of what it holds: how much it holds, how much it showed and from
/// where (the scroll or first row the frame used, kept inside what it holds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extent {
    pub content: usize,
    pub shown: usize,
    pub scroll: usize,
}

impl Extent {
    /// Show `shown` of `content` from `wanted`, as far as it goes.
    pub fn clamped(content: usize, shown: usize, wanted: usize) -> Self {
        Self {
            content,
            shown,
            scroll: wanted.min(content.saturating_sub(shown)),
        }
    }

    pub fn max_scroll(self) -> usize {
        self.content.saturating_sub(self.shown)
    }
}

/// What one frame laid out: where the regions went (for clicks and the wheel) and each
/// scrolled region's extent (for paging and scroll limits). `None`: not drawn in that frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LaidOut {
    pub regions: Regions,
    /// The list: visible domains, rows shown, first row.
    pub list: Option<Extent>,
    /// The details: lines, lines shown, scroll.
    pub details: Option<Extent>,
    /// The checklist's current step: lines, lines shown, scroll.
    pub step: Option<Extent>,
    /// Help: keys, keys shown, scroll.
    pub help: Option<Extent>,
    /// The log pane: entries it scrolls through (the farthest scroll plus a page), entries
    /// shown, scroll up from the newest.
    pub log: Option<Extent>,
}

/// Rows of domains the list can show (its body less the column header), as a frame of `area`
/// would lay them out.
pub fn list_rows(area: Rect, app: &App) -> u16 {
    let r = regions(area, app);
    r.list
        .or(r.details)
        .map_or(0, |body| body.height.saturating_sub(1))
}

/// Lines of details content and lines visible, for the selected domain, as a frame of `area`
/// would lay them out.
pub fn details_extent(area: Rect, app: &App, now: DateTime<Utc>) -> (usize, usize) {
    let details = regions(area, app).details.unwrap_or(area);
    let inner = detail::inner(details, area.width >= SIDE_BY_SIDE_WIDTH);
    let content = app.selected_status().map_or(0, |status| {
        detail::lines(app, status, now, inner.width).len()
    });
    (content, usize::from(inner.height))
}
