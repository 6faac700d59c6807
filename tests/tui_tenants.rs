//! The TUI with domains of several tenants (DESIGN.md §6.3): the TENANT column, the filter that
//! matches tenants, grouping the list by tenant (`b`), and what it says when a tenant needs a
//! sign-in — driven through `update` with hand-made verdicts and a fixed `now`.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use fedcert::assess::Severity;
use fedcert::config::DomainConfig;
use fedcert::domain::{DomainStatus, RefreshError};
use fedcert::source::graph::{GraphError, SignInNeeded, SignInWhy};
use fedcert::tui::keymap::{Keymap, Mode};
use fedcert::tui::view;
use fedcert::tui::{Action, App, Effect, Grouping, ScreenKind, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One action through `update`, then a frame drawn and what it laid out handed back to the app,
/// as the event loop does before the next key.
fn frame_step(app: &mut App, action: Action, at: DateTime<Utc>) -> Vec<Effect> {
    let effects = update(app, action, at);
    let (width, height) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    fedcert::tui::event_loop::draw(&mut terminal, app, at).unwrap();
    effects
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn keep_verdict(_: &mut DomainStatus, _: DateTime<Utc>) {}

/// Five domains: two of contoso, two of fabrikam (nobody signed in there when `signed_out`),
/// one without a tenant.
fn domains(signed_out: bool) -> Vec<DomainStatus> {
    [
        ("alpha.example", Some("contoso"), Severity::Critical),
        ("bravo.example", Some("fabrikam"), Severity::Ok),
        ("charlie.example", Some("contoso"), Severity::Ok),
        ("delta.example", Some("fabrikam"), Severity::Warning),
        ("echo.example", None, Severity::Unknown),
    ]
    .into_iter()
    .map(|(name, tenant, severity)| {
        let mut config = DomainConfig::new(name, format!("https://fs.{name}/md.xml"));
        config.tenant = tenant.map(str::to_owned);
        let mut status = DomainStatus::new(config, now());
        status.assessment.severity = severity;
        if signed_out && tenant == Some("fabrikam") {
            status.entra_error = Some(Box::new(RefreshError::new(
                now(),
                GraphError::SignIn(SignInNeeded {
                    tenant: "fabrikam".into(),
                    why: SignInWhy::NotSignedIn,
                }),
            )));
        }
        status
    })
    .collect()
}

fn app(width: u16, height: u16, signed_out: bool) -> App {
    let mut app = App::with_reassess(domains(signed_out), keep_verdict);
    frame_step(&mut app, Action::Resize { width, height }, now());
    app
}

fn names(app: &App) -> Vec<&str> {
    app.visible()
        .iter()
        .map(|&i| app.domains()[i].config.name.as_str())
        .collect()
}

fn screen(app: &App) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(app.size().0, app.size().1)).unwrap();
    terminal
        .draw(|frame| view::render(frame, app, now()))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// The cell of the column `heading` in the row of `domain`: from where the heading starts to
/// where the next one does.
fn cell(lines: &[String], heading: &str, domain: &str) -> String {
    let header: Vec<char> = lines
        .iter()
        .find(|l| l.contains("DOMAIN"))
        .unwrap()
        .chars()
        .collect();
    let text: String = header.iter().collect();
    let at = text
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading} in {text}"));
    let start = text[..at].chars().count();
    let after = start + heading.chars().count();
    let end = (after..header.len())
        .find(|&i| header[i] != ' ' && header[i - 1] == ' ')
        .unwrap_or(header.len());
    let row: Vec<char> = lines
        .iter()
        .find(|l| l.contains(domain))
        .unwrap_or_else(|| panic!("no {domain}"))
        .chars()
        .collect();
    row[start..end.min(row.len())]
        .iter()
        .collect::<String>()
        .trim()
        .to_owned()
}

#[test]
fn b_groups_the_list_by_tenant_worst_first_within_each_then_by_idp_then_ungroups() {
    let mut app = app(120, 40, false);
    let one_list = [
        "alpha.example",
        "delta.example",
        "echo.example",
        "bravo.example",
        "charlie.example",
    ];
    assert_eq!(names(&app), one_list, "worst first");
    let keymap = Keymap::standard();
    let b = KeyEvent::new(KeyCode::Char('b'), KeyModifiers::NONE);
    assert_eq!(
        keymap.action_for(Mode::List, &b),
        Some(Action::CycleGrouping)
    );
    frame_step(&mut app, Action::CycleGrouping, now());
    assert_eq!(
        names(&app),
        [
            "alpha.example",
            "charlie.example",
            "delta.example",
            "bravo.example",
            "echo.example"
        ],
        "contoso, fabrikam, then the domain without a tenant"
    );
    // The tenant shows on the first row of each group only.
    let lines = screen(&app);
    assert_eq!(cell(&lines, "TENANT", "alpha.example"), "contoso");
    assert_eq!(cell(&lines, "TENANT", "charlie.example"), "");
    assert_eq!(cell(&lines, "TENANT", "delta.example"), "fabrikam");
    assert_eq!(cell(&lines, "TENANT", "bravo.example"), "");
    assert_eq!(cell(&lines, "TENANT", "echo.example"), "—");

    // Then by IdP (none read yet: one list, worst first), then not at all.
    frame_step(&mut app, Action::CycleGrouping, now());
    assert_eq!(app.grouping(), Grouping::Idp);
    assert_eq!(names(&app), one_list);
    frame_step(&mut app, Action::CycleGrouping, now());
    assert_eq!(app.grouping(), Grouping::None);
    assert_eq!(names(&app), one_list);
    // Not grouped, several tenants: every row names its own.
    let lines = screen(&app);
    assert_eq!(cell(&lines, "TENANT", "charlie.example"), "contoso");
    assert_eq!(cell(&lines, "TENANT", "bravo.example"), "fabrikam");
}

#[test]
fn the_selection_stays_on_its_domain_when_the_list_is_grouped() {
    let mut app = app(120, 40, false);
    frame_step(&mut app, Action::Down, now());
    assert_eq!(app.selected_status().unwrap().config.name, "delta.example");
    frame_step(&mut app, Action::CycleGrouping, now());
    assert_eq!(app.selected_status().unwrap().config.name, "delta.example");
    frame_step(&mut app, Action::Down, now());
    assert_eq!(
        app.selected_status().unwrap().config.name,
        "bravo.example",
        "the next row of the grouped list"
    );
}

#[test]
fn the_filter_matches_a_tenant_name() {
    let mut app = app(120, 40, false);
    frame_step(&mut app, Action::StartFilter, now());
    for c in "FABRIK".chars() {
        frame_step(&mut app, Action::FilterChar(c), now());
    }
    frame_step(&mut app, Action::ApplyFilter, now());
    assert_eq!(names(&app), ["delta.example", "bravo.example"]);
}

#[test]
fn one_tenant_needs_no_tenant_column() {
    let mut domains = domains(false);
    for d in &mut domains {
        d.config.tenant = Some("contoso".into());
    }
    let mut app = App::with_reassess(domains, keep_verdict);
    frame_step(
        &mut app,
        Action::Resize {
            width: 120,
            height: 40,
        },
        now(),
    );
    assert!(!app.several_tenants());
    let lines = screen(&app);
    let header = lines.iter().find(|l| l.contains("DOMAIN")).unwrap();
    assert!(!header.contains("TENANT"), "{header}");
}

#[test]
fn a_tenant_that_needs_a_sign_in_says_so_on_its_rows_in_the_header_and_the_details() {
    let mut app = app(120, 40, true);
    let lines = screen(&app);
    assert_eq!(cell(&lines, "SYNC", "delta.example"), "sign in");
    assert_eq!(cell(&lines, "SYNC", "bravo.example"), "sign in");
    assert_eq!(cell(&lines, "SYNC", "alpha.example"), "unknown");
    assert!(
        lines[0].contains("fedcert login --tenant fabrikam, then R"),
        "{}",
        lines[0]
    );
    assert_eq!(app.sign_ins_needed().len(), 1, "one tenant, named once");

    // The details of one of its domains say which tenant and how.
    frame_step(&mut app, Action::Down, now());
    frame_step(&mut app, Action::OpenDetails, now());
    assert_eq!(app.screen_kind(), ScreenKind::Details);
    for _ in 0..40 {
        frame_step(&mut app, Action::Down, now());
    }
    let details = screen(&app).join("\n");
    assert!(
        details.contains("fabrikam: sign in with fedcert login --tenant fabrikam"),
        "{details}"
    );
}
