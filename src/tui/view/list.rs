//! The domain list: one row per domain, worst first, every status as a word.

use crate::fleet::DomainId;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::format;
use super::layout::{Extent, WIDE_LIST_WIDTH};
use crate::assess::MilestoneKind;
use crate::domain::{DomainStatus, FetchState};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::keymap::Mode;
use crate::tui::order::Grouping;
use crate::tui::theme::Theme;
use crate::words;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/// The spinner for `--ascii` terminals.
const ASCII_SPINNER: [char; 4] = ['|', '/', '-', '\\'];
/// Marks a domain whose published certificate set changed since it was last selected.
pub const CHANGED_MARK: &str = "✱";

const HIGHLIGHT: &str = "▶ ";
const HIGHLIGHT_WIDTH: u16 = 2;
/// Everything but the domain column beside the details: marker, status, days, two gaps.
const SIDE_FIXED_WIDTH: u16 = HIGHLIGHT_WIDTH + 7 + 7 + 2;

/// Which columns fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Columns {
    /// Beside the details: status, domain, days.
    Side,
    /// 80 columns and up: everything issue 3 asks for.
    Standard,
    /// Wide terminals: plus the expiry date and the top finding.
    Wide,
}

/// Draw the rows that fit, from the app's first row moved as little as keeps the selection in
/// sight; what it showed.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    now: DateTime<Utc>,
    beside_details: bool,
) -> Extent {
    let theme = app.theme();
    let columns = if beside_details {
        Columns::Side
    } else if area.width >= WIDE_LIST_WIDTH {
        Columns::Wide
    } else {
        Columns::Standard
    };
    // Lay out only the rows on screen (one line goes to the header): with thousands of
    // domains, building (or measuring, or even sorting) every row would cost far more than
    // the frame.
    let rows = usize::from(area.height.saturating_sub(1));
    let first = app.list_window(rows);
    let (total, window) = app.visible_window(first, rows);
    let extent = Extent {
        content: total,
        shown: rows,
        scroll: first,
    };
    if total == 0 {
        let message = if app.domains().is_empty() {
            "no domains configured".to_owned()
        } else {
            format!(
                "no domain matches {:?} — {} clears the filter",
                app.filter().text,
                app.keymap()
                    .key_label(&Action::Back, Mode::List, theme.ascii)
            )
        };
        frame.render_widget(Paragraph::new(message).style(theme.dim()), area);
        return extent;
    }
    let tenants = tenant_cells(app, columns, (first, &window));
    let tenant_width = tenants.as_ref().map_or(0, |cells| {
        let longest = cells.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        clamp_width(longest.clamp(TENANT_HEADING.len(), MAX_TENANT_WIDTH))
    });
    let mut widths = widths(columns, area.width, app, &window, now, tenant_width);
    if tenants.is_some() {
        widths.insert(2, Constraint::Length(tenant_width));
    }
    // Cut names that do not fit with an ellipsis, so a cut is never mistaken for a name.
    let fit = |column: usize| match widths.get(column) {
        Some(Constraint::Length(n)) => usize::from(*n),
        _ => usize::from(area.width.saturating_sub(SIDE_FIXED_WIDTH)),
    };
    let shift = usize::from(tenants.is_some());
    let fits = (fit(1), fit(2 + shift), fit(7 + shift));
    let marks = idp_marks(app, (first, &window));
    let rows = window.iter().enumerate().map(|(n, &i)| {
        let mark = marks.as_ref().map_or("", |m| m[n]);
        let mut row = row(&app.domains()[i], now, columns, fits, theme, mark);
        if let Some(cells) = &tenants {
            row.insert(
                2,
                Cell::from(format::fit(&cells[n], usize::from(tenant_width))),
            );
        }
        Row::new(row)
    });
    let by_idp = Grouping::Idp.heading();
    let host_header = match (marks.is_some(), fit(2 + shift) >= by_idp.len()) {
        (true, true) => by_idp,
        (false, _) if fit(2 + shift) >= "IDP HOST".len() => "IDP HOST",
        _ => "IDP",
    };
    let mut heading = header(columns, host_header);
    if tenants.is_some() {
        heading.insert(2, TENANT_HEADING);
    }
    let table = Table::new(rows, widths)
        .header(Row::new(heading).style(theme.heading()))
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol(HIGHLIGHT);
    let selected = app
        .selected()
        .and_then(|s| window.iter().position(|&i| i == s));
    let mut state = TableState::new().with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
    extent
}

/// The tenant column's heading, and its widest.
const TENANT_HEADING: &str = "TENANT";
const MAX_TENANT_WIDTH: usize = 24;

fn clamp_width(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// The tenant column's cells for the rows shown, when the list has one: when it is grouped by
/// tenant (the tenant on the first row of each group, the rows below it blank), or when the
/// domains belong to several tenants (each row's). Never beside the details.
fn tenant_cells(
    app: &App,
    columns: Columns,
    (first, window): (usize, &[DomainId]),
) -> Option<Vec<String>> {
    let grouped = app.grouping() == Grouping::Tenant;
    if columns == Columns::Side || !(grouped || app.several_tenants()) {
        return None;
    }
    Some(
        group_edges(app, (first, window))
            .map(|(id, (starts, _))| match &app.domains()[id].config.tenant {
                _ if grouped && !starts => String::new(),
                Some(label) => label.clone(),
                None => "—".to_owned(),
            })
            .collect(),
    )
}

/// Each row of the window, with whether it starts its group and ends it under the list's
/// grouping: its group differs from the row's above (the first: the row above the window) and
/// below.
fn group_edges<'w>(
    app: &App,
    (first, window): (usize, &'w [DomainId]),
) -> impl Iterator<Item = (DomainId, (bool, bool))> + 'w {
    let grouping = app.grouping();
    let key = |id: DomainId| grouping.key(&app.domains()[id]);
    let neighbour = |start: Option<usize>| {
        start.and_then(|start| app.visible_window(start, 1).1.first().copied())
    };
    let above = neighbour(first.checked_sub(1)).map(key);
    let below = neighbour(Some(first + window.len())).map(key);
    let keys: Vec<Option<&str>> = window.iter().map(|&id| key(id)).collect();
    let edges: Vec<(bool, bool)> = (0..keys.len())
        .map(|n| {
            let before = n.checked_sub(1).map_or(above, |m| Some(keys[m]));
            let after = keys.get(n + 1).copied().or(below);
            (before != Some(keys[n]), after != Some(keys[n]))
        })
        .collect();
    window.iter().copied().zip(edges)
}

/// The width of a group mark (`┌ `).
const MARK_WIDTH: usize = 2;

/// Grouped by IdP, each row's mark before its IdP host (beside the details, before its name):
/// `┌ ` for a group's first domain, `├ ` between, `└ ` for its last, blank for a domain alone or
/// not read yet. `None` under another grouping.
fn idp_marks(app: &App, (first, window): (usize, &[DomainId])) -> Option<Vec<&'static str>> {
    if app.grouping() != Grouping::Idp {
        return None;
    }
    Some(
        group_edges(app, (first, window))
            .map(|(id, edge)| match edge {
                _ if app.domains()[id].entity_id().is_none() => "  ",
                (true, true) => "  ",
                (true, false) => "┌ ",
                (false, true) => "└ ",
                (false, false) => "├ ",
            })
            .collect(),
    )
}

/// Column widths: the fixed columns first (and the tenant column's `tenant_width`, when it has
/// one); the domain and the identity provider's host then get the room they need on the rows
/// shown (the domain first), the refresh column what it needs of the rest (a whole error word),
/// and the top finding whatever is left.
fn widths(
    columns: Columns,
    area_width: u16,
    app: &App,
    shown: &[DomainId],
    now: DateTime<Utc>,
    tenant_width: u16,
) -> Vec<Constraint> {
    use Constraint::{Fill, Length};
    let longest = |text: &dyn Fn(&DomainStatus) -> usize| {
        shown
            .iter()
            .map(|&i| text(&app.domains()[i]))
            .max()
            .unwrap_or(0)
    };
    let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
    match columns {
        Columns::Side => vec![Length(7), Fill(1), Length(7)],
        Columns::Standard | Columns::Wide => {
            let domain = longest(&|d| d.config.name.chars().count() + usize::from(d.changed));
            // Grouped, the host carries its group's mark (`┌ `).
            let mark = if app.grouping() == Grouping::Idp {
                MARK_WIDTH
            } else {
                0
            };
            let host = longest(&|d| d.idp_host().map_or(1, |h| h.chars().count())) + mark;
            let refresh = longest(&|d| refresh_text(d, now, app.theme()).0.chars().count());
            // status, days, successor (with its promotion date when wide), sync, refresh, expires
            let fixed: &[u16] = if columns == Columns::Wide {
                &[7, 7, 14, 7, REFRESH_WIDTH, 10]
            } else {
                &[7, 7, 9, 7, REFRESH_WIDTH]
            };
            let finding = columns == Columns::Wide;
            let count = fixed.len() + 2 + usize::from(finding);
            let gaps = u16::try_from(count - 1).unwrap_or(0);
            let finding_room = if finding { 20 } else { 0 };
            let tenant_room = if tenant_width > 0 {
                tenant_width + 1
            } else {
                0
            };
            let room = area_width.saturating_sub(
                HIGHLIGHT_WIDTH + fixed.iter().sum::<u16>() + gaps + finding_room + tenant_room,
            );
            let (domain, host) = share(room, clamp(domain), clamp(host));
            // What the names leave goes to the refresh column, up to what its words need.
            let spare = room.saturating_sub(domain + host);
            let refresh = clamp(refresh).clamp(REFRESH_WIDTH, REFRESH_WIDTH + spare);
            let mut widths = vec![Length(fixed[0]), Length(domain), Length(host)];
            widths.extend(fixed[1..].iter().map(|&w| Length(w)));
            widths[6] = Length(refresh);
            if columns == Columns::Wide {
                widths.push(Fill(1));
            }
            widths
        }
    }
}

/// The refresh column's width when the names need all the room: a word of up to nine letters
/// (`✗ html page`, `✗ not found`, `✗ graph 403`), `4m ago`.
const REFRESH_WIDTH: u16 = 11;

/// The IdP host column never gets narrower than this while the domain takes the room.
const MIN_HOST_WIDTH: u16 = 6;

/// Split `room` between the domain and the host column: both as wide as they need when that
/// fits; else the domain name comes first (it is what the operator looks for), and the host
/// gets the rest, at least [`MIN_HOST_WIDTH`].
fn share(room: u16, domain: u16, host: u16) -> (u16, u16) {
    if domain.saturating_add(host) <= room {
        return (domain, host);
    }
    let host = room
        .saturating_sub(domain)
        .max(MIN_HOST_WIDTH.min(host))
        .min(room);
    (room - host, host)
}

fn header(columns: Columns, host: &'static str) -> Vec<&'static str> {
    if columns == Columns::Side {
        return vec!["STATUS", "DOMAIN", "DAYS"];
    }
    let mut names = vec![
        "STATUS",
        "DOMAIN",
        host,
        "DAYS",
        "SUCCESSOR",
        "SYNC",
        "REFRESH",
    ];
    if columns == Columns::Wide {
        names.extend(["EXPIRES", "TOP FINDING"]);
    }
    names
}

fn row(
    status: &DomainStatus,
    now: DateTime<Utc>,
    columns: Columns,
    (name_width, host_width, refresh_width): (usize, usize, usize),
    theme: Theme,
    mark: &str,
) -> Vec<Cell<'static>> {
    let a = &status.assessment;
    let word = Cell::from(a.severity.word()).style(theme.severity(a.severity));
    // Beside the details there is no host column: the group mark goes before the name.
    let side_mark = if columns == Columns::Side { mark } else { "" };
    let name = if status.changed {
        let marked = format!("{side_mark}{CHANGED_MARK}{}", status.config.name);
        Cell::from(format::fit(&marked, name_width)).style(theme.changed())
    } else {
        let named = format!("{side_mark}{}", status.config.name);
        Cell::from(format::fit(&named, name_width))
    };
    let days = Cell::from(format::days_left(a.days_left));
    if columns == Columns::Side {
        return vec![word, name, days];
    }
    let host = format!("{mark}{}", status.idp_host().unwrap_or_else(|| "—".into()));
    let mut cells = vec![
        word,
        name,
        Cell::from(format::fit(&host, host_width)),
        days,
        Cell::from(successor(status, now, columns == Columns::Wide)),
        sync(status, theme),
        refresh(status, now, theme, refresh_width),
    ];
    if columns == Columns::Wide {
        let expires = a
            .primary
            .as_ref()
            .map_or_else(|| "—".into(), |p| words::date(p.cert.not_after));
        let finding = a.findings.first().map_or_else(String::new, |f| {
            format!("{} {}", f.rule, crate::words::finding_title(f))
        });
        cells.extend([Cell::from(expires), Cell::from(finding)]);
    }
    cells
}

/// The sync state in a word; `sign in` when it is unknown because nobody is signed in to the
/// domain's tenant (the details and the header say how).
fn sync(status: &DomainStatus, theme: Theme) -> Cell<'static> {
    let a = &status.assessment;
    if status.sign_in_needed().is_some() {
        return Cell::from(SIGN_IN).style(theme.stale());
    }
    Cell::from(a.sync.label()).style(theme.sync(a.sync))
}

/// The sync column's word for a tenant that needs a sign-in (as wide as the column).
const SIGN_IN: &str = "sign in";

/// `—` without a successor; `yes`, with the promotion date when it is ahead and `dated`
/// (`yes 2026-12-20`: a date without its year reads as a day of either month order).
pub fn successor(status: &DomainStatus, now: DateTime<Utc>, dated: bool) -> String {
    if status.assessment.successor.is_none() {
        return "—".into();
    }
    status
        .assessment
        .milestones
        .iter()
        .find(|m| dated && m.kind == MilestoneKind::Promotion && m.at > now)
        .map_or_else(|| "yes".into(), |m| format!("yes {}", words::date(m.at)))
}

/// A spinner while fetching, the error in a word after a failure, else the age of the last read.
fn refresh(status: &DomainStatus, now: DateTime<Utc>, theme: Theme, width: usize) -> Cell<'static> {
    let (text, style) = refresh_text(status, now, theme);
    Cell::from(Line::from(Span::styled(format::fit(&text, width), style)))
}

pub fn refresh_text(status: &DomainStatus, now: DateTime<Utc>, theme: Theme) -> (String, Style) {
    if let FetchState::Fetching { since } = status.fetch {
        let spinner: &[char] = if theme.ascii {
            &ASCII_SPINNER
        } else {
            &SPINNER
        };
        let tick = usize::try_from((now - since).num_seconds().max(0)).unwrap_or(0);
        let glyph = spinner[tick % spinner.len()];
        return (format!("{glyph} fetching"), theme.dim());
    }
    if let Some(error) = &status.last_error {
        return (format!("✗ {}", error.short()), theme.error());
    }
    match &status.last_good {
        Some(snapshot) => (words::age(snapshot.fetched_at, now), Style::new()),
        None => ("never".into(), theme.dim()),
    }
}
