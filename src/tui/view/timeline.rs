//! The certificate timeline: each certificate as a bar from `NotBefore` to `NotAfter` on one date
//! axis, today's marker, and the primary's rollover milestones.
//!
//! ```text
//!                   2026-10-25                                        2026-12-20
//!                                         ▼ today 2026-12-01
//! signing  primary  ◀━━━━━━━━━━━━━━━━━━━━━╋━━━━━━━━━━━━━━━━━━━━━━┫
//! signing  next                 ┣━━━━━━━━━╋━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━▶
//!                   ────────E────────G────┼──R────────────────────T──────────
//! E Entra polls 2026-11-13 (18d ago) · G AD FS generates 2026-11-23 (8d ago) · …
//! ```
//!
//! The window spans the milestones and today (so the rollover is readable even for a year-long
//! certificate); bars that run past it end in an arrow.

use chrono::{DateTime, Duration, Utc};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::format;
use crate::assess::{Milestone, MilestoneKind};
use crate::cert::CertInfo;
use crate::domain::DomainStatus;
use crate::tui::theme::Theme;
use crate::words;

pub const LABEL_WIDTH: usize = 18;
const MIN_BAR_WIDTH: usize = 20;

/// One bar: a label and the certificate it draws.
struct Bar<'a> {
    label: String,
    cert: &'a CertInfo,
    primary: bool,
}

fn bars(status: &DomainStatus) -> Vec<Bar<'_>> {
    let a = &status.assessment;
    let primary = a.primary.as_ref().map(|p| p.cert.sha1);
    let primary_cert = a.primary.as_ref().map(|p| &p.cert);
    let successor = a.successor.as_ref().map(|c| c.sha1);
    let mut bars = Vec::new();
    if let Some(snapshot) = &status.last_good {
        for cert in &snapshot.facts.signing {
            let role = if Some(cert.sha1) == primary {
                "signing  primary"
            } else if Some(cert.sha1) == successor {
                "signing  next"
            } else if primary_cert.is_some_and(|p| crate::assess::is_twin(cert, p)) {
                "signing  twin"
            } else {
                "signing"
            };
            bars.push(Bar {
                label: role.into(),
                cert,
                primary: Some(cert.sha1) == primary,
            });
        }
        // AD FS holds them, the metadata does not publish them (yet).
        for (held, cert) in status.adfs_unpublished() {
            let label = match (held.is_primary, Some(cert.sha1) == successor) {
                (true, _) => "AD FS    primary",
                (false, true) => "AD FS    next",
                (false, false) => "AD FS  secondary",
            };
            bars.push(Bar {
                label: label.into(),
                cert,
                primary: Some(cert.sha1) == primary,
            });
        }
        for cert in &snapshot.facts.encryption {
            bars.push(Bar {
                label: "encryption".into(),
                cert,
                primary: false,
            });
        }
    }
    if let Some(entra) = &status.entra_live {
        for (label, cert) in [
            ("Entra signing", &entra.signing_cert),
            ("Entra next", &entra.next_signing_cert),
        ] {
            if let Some(cert) = cert {
                bars.push(Bar {
                    label: label.into(),
                    cert,
                    primary: false,
                });
            }
        }
    }
    bars
}

/// Maps instants to columns of a bar `width` wide.
struct Scale {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    width: usize,
}

impl Scale {
    /// Spans today and the milestones, or — without milestones — every certificate's lifetime.
    fn new(bars: &[Bar<'_>], milestones: &[Milestone], now: DateTime<Utc>, width: usize) -> Self {
        let mut points: Vec<DateTime<Utc>> = vec![now];
        if milestones.is_empty() {
            points.extend(
                bars.iter()
                    .flat_map(|b| [b.cert.not_before, b.cert.not_after]),
            );
        } else {
            points.extend(milestones.iter().map(|m| m.at));
        }
        let first = points.iter().min().copied().unwrap_or(now);
        let last = points.iter().max().copied().unwrap_or(now);
        let pad = ((last - first) / 12).max(Duration::days(2));
        Self {
            start: first - pad,
            end: last + pad,
            width,
        }
    }

    /// The column of `at`, possibly outside `0..width` (left of or right of the window).
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    fn column(&self, at: DateTime<Utc>) -> i64 {
        let span = (self.end - self.start).num_seconds().max(1) as f64;
        let offset = (at - self.start).num_seconds() as f64;
        (offset / span * (self.width - 1) as f64).round() as i64
    }

    fn inside(&self, at: DateTime<Utc>) -> Option<usize> {
        usize::try_from(self.column(at))
            .ok()
            .filter(|&c| c < self.width)
    }

    fn last(&self) -> i64 {
        i64::try_from(self.width).unwrap_or(i64::MAX) - 1
    }
}

/// The glyph for each column of one certificate's bar.
fn bar_cells(cert: &CertInfo, scale: &Scale) -> Vec<char> {
    let mut cells = vec![' '; scale.width];
    let from = scale.column(cert.not_before);
    let to = scale.column(cert.not_after);
    if to < 0 {
        return outside(
            &format!("◀ expired {}", words::date(cert.not_after)),
            scale.width,
            false,
        );
    }
    if from > scale.last() {
        return outside(
            &format!("from {} ▶", words::date(cert.not_before)),
            scale.width,
            true,
        );
    }
    let index = |c: i64| usize::try_from(c).unwrap_or(0);
    for c in from.max(0)..=to.min(scale.last()) {
        cells[index(c)] = '━';
    }
    if from < 0 {
        cells[0] = '◀';
    } else {
        cells[index(from)] = '┣';
    }
    if to > scale.last() {
        cells[scale.width - 1] = '▶';
    } else if to == from {
        cells[index(to)] = '┃';
    } else {
        cells[index(to)] = '┫';
    }
    cells
}

/// A note in place of a bar that lies wholly left (or right) of the window; when it is too long
/// the arrow end is kept.
fn outside(note: &str, width: usize, right: bool) -> Vec<char> {
    let mut note: Vec<char> = note.chars().collect();
    let excess = note.len().saturating_sub(width);
    if right {
        note.drain(..excess);
    } else {
        note.truncate(width);
    }
    let mut cells = vec![' '; width - note.len()];
    if right {
        cells.extend(note);
    } else {
        cells.splice(0..0, note);
    }
    cells
}

pub fn milestone_letter(kind: MilestoneKind) -> char {
    match kind {
        MilestoneKind::Plan => 'p',
        MilestoneKind::EntraPoll => 'E',
        MilestoneKind::Generation => 'G',
        MilestoneKind::Promotion => 'P',
        MilestoneKind::RenewNow => 'R',
        MilestoneKind::Expiry => 'T',
    }
}

pub fn milestone_label(kind: MilestoneKind) -> &'static str {
    match kind {
        MilestoneKind::Plan => "plan the renewal",
        MilestoneKind::EntraPoll => "Entra polls",
        MilestoneKind::Generation => "AD FS generates",
        MilestoneKind::Promotion => "AD FS promotes",
        MilestoneKind::RenewNow => "renew now",
        MilestoneKind::Expiry => "expiry",
    }
}

/// When two milestones share a column, the higher one is drawn (the legend lists both).
fn priority(kind: MilestoneKind) -> u8 {
    match kind {
        MilestoneKind::Plan => 0,
        MilestoneKind::RenewNow => 1,
        MilestoneKind::EntraPoll => 2,
        MilestoneKind::Generation => 3,
        MilestoneKind::Promotion => 4,
        MilestoneKind::Expiry => 5,
    }
}

fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let days = (at - now).num_days();
    match days {
        0 => "today".into(),
        d if d > 0 => format!("in {d}d"),
        d => format!("{}d ago", -d),
    }
}

/// Split `cells` into spans, styling today's column apart.
fn styled_row(
    cells: &[char],
    today: usize,
    style: Style,
    today_style: Style,
) -> Vec<Span<'static>> {
    let before: String = cells[..today].iter().collect();
    let at: String = cells[today..=today].iter().collect();
    let after: String = cells[today + 1..].iter().collect();
    vec![
        Span::styled(before, style),
        Span::styled(at, today_style),
        Span::styled(after, style),
    ]
}

fn pad(label: &str) -> String {
    format!("{label:<LABEL_WIDTH$}")
}

/// The timeline as lines `width` columns wide.
pub fn lines(
    status: &DomainStatus,
    now: DateTime<Utc>,
    width: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let bars = bars(status);
    if bars.is_empty() {
        return vec![Line::styled("no certificates known yet", theme.dim())];
    }
    let bar_width = usize::from(width)
        .saturating_sub(LABEL_WIDTH)
        .max(MIN_BAR_WIDTH);
    let milestones = &status.assessment.milestones;
    let scale = Scale::new(&bars, milestones, now, bar_width);
    let today = scale.inside(now).unwrap_or(0);
    let mut out = Vec::new();

    let (start, end) = (words::date(scale.start), words::date(scale.end));
    let gap = bar_width.saturating_sub(start.len() + end.len());
    out.push(Line::styled(
        format!("{}{start}{}{end}", pad(""), " ".repeat(gap)),
        theme.dim(),
    ));

    let marker = format!("▼ today {}", words::date(now));
    let marker_row = if today + marker.chars().count() <= bar_width {
        format!("{}{}", " ".repeat(today), marker)
    } else {
        let text = format!("today {} ▼", words::date(now));
        format!(
            "{}{text}",
            " ".repeat((today + 1).saturating_sub(text.chars().count()))
        )
    };
    out.push(Line::from(vec![
        Span::raw(pad("")),
        Span::styled(marker_row, theme.today()),
    ]));

    for bar in &bars {
        let mut cells = bar_cells(bar.cert, &scale);
        cells[today] = if cells[today] == ' ' { '│' } else { '╋' };
        let style = if bar.cert.not_after <= now {
            theme.dim()
        } else if bar.primary {
            theme.heading()
        } else {
            Style::new()
        };
        let mut spans = vec![Span::raw(pad(&bar.label))];
        spans.extend(styled_row(&cells, today, style, theme.today()));
        out.push(Line::from(spans));
    }

    let mut axis = vec!['─'; bar_width];
    axis[today] = '┼';
    let mut by_priority: Vec<&Milestone> = milestones.iter().collect();
    by_priority.sort_by_key(|m| priority(m.kind));
    for m in by_priority {
        if let Some(c) = scale.inside(m.at) {
            axis[c] = milestone_letter(m.kind);
        }
    }
    let mut spans = vec![Span::raw(pad("milestones"))];
    spans.extend(styled_row(&axis, today, theme.milestone(), theme.today()));
    out.push(Line::from(spans));

    let legend: Vec<String> = milestones
        .iter()
        .map(|m| {
            format!(
                "{} {} {} ({})",
                milestone_letter(m.kind),
                milestone_label(m.kind),
                words::date(m.at),
                relative(m.at, now)
            )
        })
        .collect();
    for line in format::pack(&legend, " · ", usize::from(width)) {
        out.push(Line::styled(line, theme.dim()));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(n: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::days(n)
    }

    fn cert(from: i64, to: i64) -> CertInfo {
        crate::cert::test_cert(day(from), day(to))
    }

    fn scale() -> Scale {
        // Days 0..=10 over 11 columns: one column a day.
        Scale {
            start: day(0),
            end: day(10),
            width: 11,
        }
    }

    fn row(from: i64, to: i64) -> String {
        bar_cells(&cert(from, to), &scale()).into_iter().collect()
    }

    #[test]
    fn bars_run_from_not_before_to_not_after() {
        assert_eq!(row(2, 5), "  ┣━━┫     ");
        assert_eq!(row(3, 3), "   ┃       ");
    }

    #[test]
    fn bars_past_the_window_end_in_arrows() {
        assert_eq!(row(-5, 4), "◀━━━┫      ");
        assert_eq!(row(6, 40), "      ┣━━━▶");
        assert_eq!(row(-5, 40), "◀━━━━━━━━━▶");
    }

    #[test]
    fn bars_wholly_outside_the_window_say_when() {
        assert_eq!(
            row(-30, -20).trim_end(),
            format!("◀ expired {}", words::date(day(-20)))
                .chars()
                .take(11)
                .collect::<String>()
        );
        assert!(row(20, 30).ends_with('▶'));
    }
}
