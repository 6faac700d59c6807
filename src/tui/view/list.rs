//! The domain list: one row per domain, worst first, every status as a word.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::format;
use super::layout::WIDE_LIST_WIDTH;
use crate::assess::{MilestoneKind, PrimarySource};
use crate::domain::{DomainStatus, FetchState};
use crate::tui::app::App;
use crate::tui::theme::Theme;

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/// Marks a domain whose published certificate set changed since it was last selected.
pub const CHANGED_MARK: &str = "✱";

/// Which columns fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Columns {
    /// Beside the details: status, domain, days.
    Side,
    /// 80 columns and up: everything issue 3 asks for.
    Standard,
    /// Wide terminals: plus expiry date, how the primary is known, the top finding.
    Wide,
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, now: DateTime<Utc>, beside_details: bool) {
    let theme = app.theme();
    let columns = if beside_details {
        Columns::Side
    } else if area.width >= WIDE_LIST_WIDTH {
        Columns::Wide
    } else {
        Columns::Standard
    };
    let visible = app.visible();
    if visible.is_empty() {
        let message = if app.domains.is_empty() {
            "no domains configured".to_owned()
        } else {
            format!(
                "no domain matches {:?} — Esc clears the filter",
                app.filter.text
            )
        };
        frame.render_widget(Paragraph::new(message).style(theme.dim()), area);
        return;
    }
    let rows = visible
        .iter()
        .map(|&i| row(&app.domains[i], now, columns, theme));
    let table = Table::new(rows, widths(columns))
        .header(header(columns).style(theme.heading()))
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .highlight_symbol("▶ ");
    let selected = app
        .selected()
        .and_then(|s| visible.iter().position(|&i| i == s));
    let mut state = TableState::new()
        .with_offset(app.list_offset)
        .with_selected(selected);
    frame.render_stateful_widget(table, area, &mut state);
}

fn widths(columns: Columns) -> Vec<Constraint> {
    use Constraint::{Fill, Length};
    match columns {
        Columns::Side => vec![Length(7), Fill(1), Length(7)],
        Columns::Standard => {
            vec![
                Length(7),
                Fill(1),
                Fill(1),
                Length(7),
                Length(9),
                Length(7),
                Length(10),
            ]
        }
        Columns::Wide => vec![
            Length(7),
            Fill(2),
            Fill(2),
            Length(7),
            Length(9),
            Length(7),
            Length(10),
            Length(10),
            Length(8),
            Fill(3),
        ],
    }
}

fn header(columns: Columns) -> Row<'static> {
    let names: &[&str] = match columns {
        Columns::Side => &["STATUS", "DOMAIN", "DAYS"],
        Columns::Standard => &[
            "STATUS",
            "DOMAIN",
            "IDP HOST",
            "DAYS",
            "SUCCESSOR",
            "SYNC",
            "REFRESH",
        ],
        Columns::Wide => &[
            "STATUS",
            "DOMAIN",
            "IDP HOST",
            "DAYS",
            "SUCCESSOR",
            "SYNC",
            "REFRESH",
            "EXPIRES",
            "PRIMARY",
            "TOP FINDING",
        ],
    };
    Row::new(names.iter().copied())
}

fn row(status: &DomainStatus, now: DateTime<Utc>, columns: Columns, theme: Theme) -> Row<'static> {
    let a = &status.assessment;
    let word = Cell::from(a.severity.word()).style(theme.severity(a.severity));
    let name = if status.changed {
        Cell::from(format!("{CHANGED_MARK}{}", status.config.name)).style(theme.changed())
    } else {
        Cell::from(status.config.name.clone())
    };
    let days = Cell::from(format::days_left(a.days_left));
    if columns == Columns::Side {
        return Row::new([word, name, days]);
    }
    let mut cells = vec![
        word,
        name,
        Cell::from(status.idp_host().unwrap_or_else(|| "—".into())),
        days,
        Cell::from(successor(status, now)),
        Cell::from(a.sync.label()).style(theme.sync(a.sync)),
        refresh(status, now, theme),
    ];
    if columns == Columns::Wide {
        let expires = a
            .primary
            .as_ref()
            .map_or_else(|| "—".into(), |p| format::date(p.cert.not_after));
        let how = a
            .primary
            .as_ref()
            .map_or("—", |p| primary_source_word(p.source));
        let finding = a
            .findings
            .first()
            .map_or_else(String::new, |f| format!("{} {}", f.rule, f.message));
        cells.extend([Cell::from(expires), Cell::from(how), Cell::from(finding)]);
    }
    Row::new(cells)
}

/// `—` without a successor; `yes 12-20` when the promotion date is ahead; else `yes`.
pub fn successor(status: &DomainStatus, now: DateTime<Utc>) -> String {
    if status.assessment.successor.is_none() {
        return "—".into();
    }
    status
        .assessment
        .milestones
        .iter()
        .find(|m| m.kind == MilestoneKind::Promotion && m.at > now)
        .map_or_else(
            || "yes".into(),
            |m| format!("yes {}", format::short_date(m.at)),
        )
}

/// A spinner while fetching, the error in a word after a failure, else the age of the last read.
fn refresh(status: &DomainStatus, now: DateTime<Utc>, theme: Theme) -> Cell<'static> {
    let (text, style) = refresh_text(status, now, theme);
    Cell::from(Line::from(Span::styled(text, style)))
}

pub fn refresh_text(status: &DomainStatus, now: DateTime<Utc>, theme: Theme) -> (String, Style) {
    if let FetchState::Fetching { since } = status.fetch {
        let frame =
            usize::try_from((now - since).num_seconds().max(0)).unwrap_or(0) % SPINNER.len();
        return (format!("{} fetching", SPINNER[frame]), theme.dim());
    }
    if let Some(error) = &status.last_error {
        return (format!("✗ {}", error.short), theme.error());
    }
    match &status.last_good {
        Some(snapshot) => (format::age(snapshot.fetched_at, now), Style::new()),
        None => ("never".into(), theme.dim()),
    }
}

pub fn primary_source_word(source: PrimarySource) -> &'static str {
    match source {
        PrimarySource::AdfsImport => "import",
        PrimarySource::MetadataSignature => "signer",
        PrimarySource::Inferred => "inferred",
    }
}
