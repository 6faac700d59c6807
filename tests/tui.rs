//! The TUI driven through `update` with actions and injected poller events, and its screens
//! drawn on a `TestBackend` and compared with insta snapshots. Every domain and verdict is built
//! by hand and `now` is fixed, so nothing depends on the clock, the network or the engine's
//! other modules.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use fedcert::assess::finding::{AutoNext, ManualNext, PendingPhase};
use fedcert::assess::{
    Advice, Assessment, EntraSide, EntraSource, FetchFailure, FetchProblem, Finding, IdpFacts,
    IdpKind, Milestone, MilestoneKind, Outage, Primary, PrimarySource, Rule, Severity, Situation,
    SyncState,
};
use fedcert::cert::{CertInfo, Sha1, Sha256};
use fedcert::config::DomainConfig;
use fedcert::domain::{DomainStatus, FetchState, RefreshError, RefreshOutcome, Snapshot};
use fedcert::fleet::DomainId;
use fedcert::poller::{PollCommand, PollEvent};
use fedcert::source::graph::GraphError;
use fedcert::source::{FetchError, FetchErrorKind};
use fedcert::tui::keymap::{self, Keymap, Mode};
use fedcert::tui::view;
use fedcert::tui::{Action, App, Effect, ScreenKind, update};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;

/// One action through `update`, then a frame drawn and what it laid out handed back to the app,
/// as the event loop does before the next key.
fn frame_step(app: &mut App, action: Action, at: DateTime<Utc>) -> Vec<Effect> {
    let effects = update(app, action, at);
    let (width, height) = app.size();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    fedcert::tui::event_loop::draw(&mut terminal, app, at).unwrap();
    effects
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    at("2026-12-01T09:00:00Z")
}

fn cert(tag: u8, subject: &str, not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> CertInfo {
    CertInfo {
        sha1: Sha1([tag; 20]),
        sha256: Sha256([tag; 32]),
        subject: format!("CN={subject}"),
        issuer: format!("CN={subject}"),
        serial: format!("{tag:02X}5A3C19E0F7B24D8A"),
        not_before,
        not_after,
        key_algorithm: "RSA".into(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".into(),
        self_signed: true,
        der: Arc::from(vec![tag]),
    }
}

/// The AD FS default milestones on the clock of a primary that expires at `t`.
fn milestones(t: DateTime<Utc>) -> Vec<Milestone> {
    [
        (MilestoneKind::Plan, 60),
        (MilestoneKind::EntraPoll, 30),
        (MilestoneKind::Generation, 20),
        (MilestoneKind::Promotion, 15),
        (MilestoneKind::RenewNow, 15),
        (MilestoneKind::Expiry, 0),
    ]
    .into_iter()
    .map(|(kind, days)| Milestone {
        kind,
        at: t - Duration::days(days),
    })
    .collect()
}

fn finding(rule: Rule, severity: Severity, situation: Situation, advice: Advice) -> Finding {
    Finding {
        rule,
        severity,
        situation,
        advice,
    }
}

/// One scenario domain, built field by field.
struct Scenario {
    name: &'static str,
    host: &'static str,
    kind: IdpKind,
    severity: Severity,
    sync: SyncState,
    /// Days from now to the primary's expiry; `None`: metadata never read.
    primary_days: Option<i64>,
    successor: bool,
    findings: Vec<Finding>,
}

impl Scenario {
    fn build(self, tag: u8) -> DomainStatus {
        let url = format!(
            "https://{}/federationmetadata/2007-06/federationmetadata.xml",
            self.host
        );
        let mut config = DomainConfig::new(self.name, url);
        config.auto_rollover = Some(self.kind == IdpKind::AdFs);
        // A never-fetched domain, with the verdict the scenario wants set by hand.
        let mut status = DomainStatus::new(config, now());
        let outage = match self.primary_days {
            Some(days) if days < 0 => Some(Outage::PrimaryExpired),
            Some(_) if self.sync == SyncState::Broken => Some(Outage::SyncBroken),
            _ => None,
        };
        status.assessment = Assessment {
            severity: self.severity,
            sync: self.sync,
            kind: self.primary_days.map(|_| self.kind),
            outage,
            primary: None,
            successor: None,
            successor_source: None,
            adfs: None,
            days_left: None,
            findings: self.findings,
            milestones: Vec::new(),
        };
        // Made by hand, so how long it holds is unknown: every tick re-assesses it.
        status.verdict_holds = None;
        let Some(days) = self.primary_days else {
            return status;
        };
        let t = now() + Duration::days(days) + Duration::hours(3);
        let primary = cert(
            tag,
            &format!("ADFS Signing - {}", self.host),
            t - Duration::days(365),
            t,
        );
        let mut signing = vec![primary.clone()];
        let successor = self.successor.then(|| {
            let start = t - Duration::days(20);
            cert(
                tag + 100,
                &format!("ADFS Signing - {}", self.host),
                start,
                start + Duration::days(365),
            )
        });
        signing.extend(successor.clone());
        let encryption = vec![cert(
            tag + 50,
            &format!("ADFS Encryption - {}", self.host),
            t - Duration::days(300),
            t + Duration::days(65),
        )];
        status.last_good = Some(Box::new(Snapshot {
            fetched_at: now() - Duration::minutes(4),
            location: status.config.metadata_url.clone(),
            facts: IdpFacts {
                entity_id: format!("http://{}/adfs/services/trust", self.host),
                kind: self.kind,
                signing,
                encryption,
                signed_by: Some(primary.clone()),
                unreadable: Vec::new(),
                sign_in_url: Some(format!("https://{}/adfs/ls/", self.host)),
                valid_until: None,
                ws_fed: true,
            },
            http_date: None,
            clock_skew: None,
            endpoints: fedcert::assess::EndpointFacts::default(),
        }));
        status.last_attempt = Some(now() - Duration::minutes(4));
        let a = &mut status.assessment;
        a.days_left = Some(primary.days_left_exact(now()));
        a.milestones = milestones(t);
        a.primary = Some(Primary {
            cert: primary,
            source: PrimarySource::MetadataSignature,
        });
        a.successor = successor;
        status
    }
}

fn timeout(at: DateTime<Utc>) -> RefreshError {
    RefreshError::new(
        at,
        FetchError::new(
            "https://fs.tailspin.io/federationmetadata/2007-06/federationmetadata.xml",
            FetchErrorKind::Timeout,
            "timed out after 20s (no response from the server; is the metadata published outside the network?)",
        ),
    )
}

/// Nine domains, one per state the list must show, given in no particular order.
#[allow(clippy::too_many_lines)] // a table of scenarios reads best in one place
fn domains() -> Vec<DomainStatus> {
    let ok = |name, host, days| Scenario {
        name,
        host,
        kind: IdpKind::AdFs,
        severity: Severity::Ok,
        sync: SyncState::InSync,
        primary_days: Some(days),
        successor: false,
        findings: vec![finding(
            Rule::S1,
            Severity::Ok,
            Situation::AutoInSync {
                next: AutoNext::PublishDue,
            },
            Advice::None,
        )],
    };
    let mut list = vec![
        ok("contoso.com", "fs.contoso.com", 200).build(1),
        Scenario {
            name: "fabrikam.com",
            host: "fs.fabrikam.com",
            kind: IdpKind::AdFs,
            severity: Severity::Critical,
            sync: SyncState::Broken,
            primary_days: Some(12),
            successor: true,
            findings: vec![
                finding(
                    Rule::R2,
                    Severity::Critical,
                    Situation::EntraLacksPrimary { held: vec![] },
                    Advice::UpdateEntra,
                ),
                finding(
                    Rule::S2,
                    Severity::Critical,
                    Situation::AutoOutOfSyncUnderLimit { limit_days: 15 },
                    Advice::UpdateEntra,
                ),
            ],
        }
        .build(2),
        Scenario {
            name: "woodgrove.com",
            host: "sts.woodgrove.com",
            kind: IdpKind::AdFs,
            severity: Severity::Warning,
            sync: SyncState::Pending,
            primary_days: Some(18),
            successor: true,
            findings: vec![finding(
                Rule::R4,
                Severity::Warning,
                Situation::SuccessorNotInEntra {
                    successor: Sha1([103; 20]),
                    phase: PendingPhase::Polling {
                        poll_from: now() - Duration::days(12),
                    },
                },
                Advice::UpdateEntra,
            )],
        }
        .build(3),
        Scenario {
            name: "tailspin.io",
            host: "fs.tailspin.io",
            kind: IdpKind::AdFs,
            severity: Severity::Unknown,
            sync: SyncState::Unknown,
            primary_days: None,
            successor: false,
            findings: vec![finding(
                Rule::R8,
                Severity::Unknown,
                Situation::NeverRead {
                    failure: Some(FetchFailure {
                        problem: FetchProblem::Timeout,
                        text: timeout(now()).to_string(),
                        presented: None,
                    }),
                },
                Advice::FixFetch,
            )],
        }
        .build(4),
        Scenario {
            name: "northwind.net",
            host: "adfs.northwind.net",
            kind: IdpKind::AdFs,
            severity: Severity::Warning,
            sync: SyncState::InSync,
            primary_days: Some(40),
            successor: false,
            findings: vec![finding(
                Rule::R7,
                Severity::Warning,
                Situation::Stale {
                    failure: FetchFailure {
                        problem: FetchProblem::Http(503),
                        text: "https://adfs.northwind.net/federationmetadata/2007-06/federationmetadata.xml: HTTP 503 Service Unavailable".into(),
                        presented: None,
                    },
                },
                Advice::FixFetch,
            )],
        }
        .build(5),
        Scenario {
            name: "adatum.org",
            host: "adatum.okta.com",
            kind: IdpKind::ThirdParty,
            severity: Severity::Warning,
            sync: SyncState::InSync,
            primary_days: Some(45),
            successor: false,
            findings: vec![finding(
                Rule::R5,
                Severity::Warning,
                Situation::ManualRenewalAhead {
                    next: ManualNext::Plan {
                        critical_from: now() + Duration::days(15),
                        limit_days: 30,
                    },
                },
                Advice::RotateAtIdp,
            )],
        }
        .build(6),
        ok("litware.com", "fs.litware.com", 150).build(7),
        ok("proseware.com", "login.proseware.com", 90).build(8),
        Scenario {
            name: "fourthcoffee.com",
            host: "fs.fourthcoffee.com",
            kind: IdpKind::AdFs,
            severity: Severity::Critical,
            sync: SyncState::Broken,
            primary_days: Some(-3),
            successor: false,
            findings: vec![finding(
                Rule::R1,
                Severity::Critical,
                Situation::PrimaryExpired,
                Advice::UrgentRollover,
            )],
        }
        .build(9),
    ];
    // tailspin: never read, the last attempt timed out.
    list[3].last_error = Some(Box::new(timeout(now() - Duration::minutes(2))));
    list[3].last_attempt = Some(now() - Duration::minutes(2));
    // northwind: stale, the latest refresh got a 503.
    list[4].last_error = Some(Box::new(RefreshError::new(
        now() - Duration::minutes(1),
        FetchError::new(
            "https://adfs.northwind.net/federationmetadata/2007-06/federationmetadata.xml",
            FetchErrorKind::Status(503),
            "HTTP 503 Service Unavailable",
        ),
    )));
    // litware: a fetch is under way.
    list[6].fetch = FetchState::Fetching {
        since: now() - Duration::seconds(3),
    };
    // proseware: its certificate set just changed.
    list[7].changed = true;
    // fabrikam: Entra holds only an old certificate, read through Graph.
    let old = cert(
        42,
        "ADFS Signing - fs.fabrikam.com",
        now() - Duration::days(700),
        now() - Duration::days(335),
    );
    list[1].entra_live = Some(Box::new(EntraSide {
        source: Some(EntraSource::Graph),
        signing: Some(old.sha1),
        next_signing: None,
        signing_cert: Some(old),
        next_signing_cert: None,
        update_result: Some("Failure".into()),
        last_run: Some(now() - Duration::hours(6)),
        federation_id: Some("6601d14b-d113-8f64-fda2-9b5aa5c6d5ba".into()),
        issuer_uri: Some("http://fs.fabrikam.com/adfs/services/trust".into()),
        mfa_behavior: None,
        passive_sign_in_uri: None,
        as_of: Some(now() - Duration::minutes(4)),
    }));
    list
}

/// Verdicts stay as built: the tests decide them, not the engine.
fn keep_verdict(_: &mut DomainStatus, _: DateTime<Utc>) {}

/// A countdown that moves with `now`, like the real re-assessment does.
fn recount(status: &mut DomainStatus, now: DateTime<Utc>) {
    status.assessment.days_left = status
        .assessment
        .primary
        .as_ref()
        .map(|p| p.cert.days_left_exact(now));
}

fn app_sized(width: u16, height: u16) -> App {
    let mut app = App::with_reassess(domains(), keep_verdict);
    frame_step(&mut app, Action::Resize { width, height }, now());
    app
}

fn app() -> App {
    app_sized(80, 24)
}

fn names(app: &App) -> Vec<&str> {
    app.visible()
        .iter()
        .map(|&i| app.domains()[i].config.name.as_str())
        .collect()
}

fn selected_name(app: &App) -> &str {
    &app.selected_status().unwrap().config.name
}

fn index_of(app: &App, name: &str) -> DomainId {
    DomainId::from_index(
        app.domains()
            .iter()
            .position(|d| d.config.name == name)
            .unwrap(),
    )
}

fn act(app: &mut App, actions: &[Action]) -> Vec<Effect> {
    actions
        .iter()
        .flat_map(|a| frame_step(app, a.clone(), now()))
        .collect()
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size().0, app.size().1)).unwrap();
    terminal
        .draw(|frame| view::render(frame, app, now()))
        .unwrap();
    terminal
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

// ---- update: ordering, movement, filter, views ----

#[test]
fn list_is_worst_first_then_fewest_days_left() {
    let app = app();
    assert_eq!(
        names(&app),
        [
            "fourthcoffee.com",
            "fabrikam.com",
            "woodgrove.com",
            "northwind.net",
            "adatum.org",
            "tailspin.io",
            "proseware.com",
            "litware.com",
            "contoso.com"
        ]
    );
    assert_eq!(selected_name(&app), "fourthcoffee.com");
}

#[test]
fn movement_keys_walk_the_sorted_list_and_stop_at_its_ends() {
    let mut app = app();
    act(&mut app, &[Action::Down, Action::Down]);
    assert_eq!(selected_name(&app), "woodgrove.com");
    act(&mut app, &[Action::Up]);
    assert_eq!(selected_name(&app), "fabrikam.com");
    act(&mut app, &[Action::Bottom]);
    assert_eq!(selected_name(&app), "contoso.com");
    act(&mut app, &[Action::Down]);
    assert_eq!(selected_name(&app), "contoso.com");
    act(&mut app, &[Action::Top, Action::Up]);
    assert_eq!(selected_name(&app), "fourthcoffee.com");
    act(&mut app, &[Action::PageDown]);
    assert_eq!(
        selected_name(&app),
        "contoso.com",
        "a page at 80x24 is longer than nine domains"
    );
    act(&mut app, &[Action::PageUp]);
    assert_eq!(selected_name(&app), "fourthcoffee.com");
}

#[test]
fn the_list_window_is_that_part_of_the_whole_sorted_list() {
    // 450 domains with many ties (same severity, same days left, same name), so that only the
    // full order (severity, days left, name, index) says which rows a window holds.
    let mut many: Vec<DomainStatus> = Vec::new();
    for i in 0..50 {
        for mut d in domains() {
            d.config.name = format!("n{}.example", i % 7);
            d.assessment.days_left = Some(f64::from(i % 5));
            many.push(d);
        }
    }
    let mut app = App::with_reassess(many, keep_verdict);
    for filter in ["", "n3"] {
        let typed: Vec<Action> = filter.chars().map(Action::FilterChar).collect();
        act(&mut app, &[Action::ClearFilter]);
        act(&mut app, &typed);
        let all = app.visible();
        assert_eq!(app.visible_count(), all.len());
        for (start, len) in [
            (0, 0),
            (0, 23),
            (1, 23),
            (17, 5),
            (440, 23),
            (449, 1),
            (500, 9),
        ] {
            let end = (start + len).min(all.len());
            let want = all.get(start.min(end)..end).unwrap_or_default();
            assert_eq!(
                app.visible_window(start, len),
                (all.len(), want.to_vec()),
                "filter {filter:?}, rows {start}..{}",
                start + len
            );
        }
    }
}

#[test]
fn a_page_is_the_rows_the_list_shows_and_the_window_follows_the_selection() {
    let mut many: Vec<DomainStatus> = Vec::new();
    for i in 0..40 {
        let mut d = domains().remove(0);
        d.config.name = format!("d{i:02}.example");
        many.push(d);
    }
    let mut app = App::with_reassess(many, keep_verdict);
    frame_step(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
        now(),
    );
    let rows = usize::from(view::layout::list_rows(
        ratatui::layout::Rect::new(0, 0, 80, 24),
        &app,
    ));
    assert!(rows >= 8, "80x24 shows at least 8 domains, got {rows}");
    act(&mut app, &[Action::PageDown]);
    assert_eq!(selected_name(&app), format!("d{rows:02}.example"));
    assert_eq!(
        app.list_offset(),
        1,
        "the selected row is the last visible one"
    );
    act(&mut app, &[Action::Bottom]);
    assert_eq!(app.list_offset(), 40 - rows);
    assert!(screen_text(&draw(&app)).contains("d39.example"));
}

/// `PgDn` pages by what the last frame laid out, as the event loop hands it back, not by a
/// layout the update works out again.
#[test]
fn a_page_is_what_the_last_frame_showed() {
    let mut many: Vec<DomainStatus> = Vec::new();
    for i in 0..40 {
        let mut d = domains().remove(0);
        d.config.name = format!("d{i:02}.example");
        many.push(d);
    }
    let mut app = App::with_reassess(many, keep_verdict);
    update(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
        now(),
    );
    app.laid_out(view::layout::LaidOut {
        list: Some(view::layout::Extent {
            content: 40,
            shown: 5,
            scroll: 0,
        }),
        ..view::layout::LaidOut::default()
    });
    update(&mut app, Action::PageDown, now());
    assert_eq!(selected_name(&app), "d05.example");
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    fedcert::tui::event_loop::draw(&mut terminal, &mut app, now()).unwrap();
    update(&mut app, Action::PageDown, now());
    let rows = usize::from(view::layout::list_rows(
        ratatui::layout::Rect::new(0, 0, 80, 24),
        &app,
    ));
    assert_eq!(selected_name(&app), format!("d{:02}.example", 5 + rows));
}

#[test]
fn enter_opens_the_details_and_esc_goes_back() {
    let mut app = app();
    act(&mut app, &[Action::Down, Action::OpenDetails]);
    assert_eq!(app.screen_kind(), ScreenKind::Details);
    assert_eq!(app.mode(), Mode::Details);
    act(&mut app, &[Action::Down, Action::Down]);
    assert_eq!(app.details_scroll(), 2, "j scrolls the details");
    assert_eq!(
        selected_name(&app),
        "fabrikam.com",
        "and leaves the selection alone"
    );
    act(&mut app, &[Action::Bottom]);
    let (content, height) =
        view::layout::details_extent(ratatui::layout::Rect::new(0, 0, 80, 24), &app, now());
    assert_eq!(
        app.details_scroll(),
        content - height,
        "G stops at the last line"
    );
    act(&mut app, &[Action::Back]);
    assert_eq!(app.screen_kind(), ScreenKind::List);
    act(&mut app, &[Action::OpenDetails]);
    assert_eq!(app.details_scroll(), 0, "details open at the top");
}

#[test]
fn filter_narrows_while_typing_enter_selects_the_first_match_esc_clears() {
    let mut app = app();
    act(&mut app, &[Action::Bottom, Action::StartFilter]);
    assert_eq!(app.mode(), Mode::Filter);
    act(
        &mut app,
        &[
            Action::FilterChar('c'),
            Action::FilterChar('o'),
            Action::FilterChar('m'),
        ],
    );
    assert_eq!(
        names(&app),
        [
            "fourthcoffee.com",
            "fabrikam.com",
            "woodgrove.com",
            "adatum.org",
            "proseware.com",
            "litware.com",
            "contoso.com"
        ],
        "adatum.org matches through its IdP host adatum.okta.com"
    );
    act(
        &mut app,
        &[
            Action::FilterBackspace,
            Action::FilterChar('m'),
            Action::ApplyFilter,
        ],
    );
    assert_eq!(app.mode(), Mode::List);
    assert_eq!(selected_name(&app), "fourthcoffee.com");
    act(&mut app, &[Action::StartFilter, Action::ClearFilter]);
    assert_eq!(names(&app).len(), 9);
    assert_eq!(
        selected_name(&app),
        "fourthcoffee.com",
        "clearing keeps the selection"
    );
}

#[test]
fn filter_matches_idp_host_and_status_word_and_esc_clears_an_applied_filter() {
    let mut app = app();
    act(&mut app, &[Action::StartFilter]);
    for c in "okta".chars() {
        act(&mut app, &[Action::FilterChar(c)]);
    }
    assert_eq!(names(&app), ["adatum.org"]);
    act(
        &mut app,
        &[
            Action::ClearFilter,
            Action::StartFilter,
            Action::FilterChar('W'),
            Action::FilterChar('A'),
        ],
    );
    act(
        &mut app,
        &[
            Action::FilterChar('R'),
            Action::FilterChar('N'),
            Action::ApplyFilter,
        ],
    );
    assert_eq!(
        names(&app),
        ["woodgrove.com", "northwind.net", "adatum.org"]
    );
    assert_eq!(selected_name(&app), "woodgrove.com");
    act(&mut app, &[Action::Back]);
    assert_eq!(
        names(&app).len(),
        9,
        "Esc in the list clears the applied filter"
    );
    act(
        &mut app,
        &[
            Action::StartFilter,
            Action::FilterChar('z'),
            Action::ApplyFilter,
        ],
    );
    assert!(names(&app).is_empty());
    assert!(app.selected().is_none());
    assert_eq!(
        act(&mut app, &[Action::RefreshSelected, Action::OpenDetails]),
        []
    );
    assert_eq!(app.screen_kind(), ScreenKind::List, "nothing to open");
}

#[test]
fn help_toggles_and_esc_closes_it_before_anything_else() {
    let mut app = app();
    act(&mut app, &[Action::OpenDetails, Action::ToggleHelp]);
    assert_eq!(app.mode(), Mode::Help);
    act(&mut app, &[Action::Back]);
    assert_eq!(app.mode(), Mode::Details);
    act(&mut app, &[Action::ToggleHelp, Action::ToggleHelp]);
    assert_eq!(app.mode(), Mode::Details);
}

// ---- update: effects and live events ----

#[test]
fn refresh_keys_become_poll_commands_and_quit_an_effect() {
    let mut app = app();
    act(&mut app, &[Action::Down]);
    let fabrikam = index_of(&app, "fabrikam.com");
    assert_eq!(
        act(&mut app, &[Action::RefreshSelected]),
        [Effect::Poll(PollCommand::Refresh(fabrikam))]
    );
    assert_eq!(
        act(&mut app, &[Action::RefreshAll]),
        [Effect::Poll(PollCommand::RefreshAll)]
    );
    assert_eq!(act(&mut app, &[Action::Quit]), [Effect::Quit]);
}

#[test]
fn a_started_fetch_shows_a_spinner_until_it_finishes() {
    let mut app = app();
    let contoso = index_of(&app, "contoso.com");
    let started = now() - Duration::seconds(1);
    act(
        &mut app,
        &[Action::Poll(PollEvent::Started {
            domain: contoso,
            at: started,
        })],
    );
    assert_eq!(
        app.domains()[contoso].fetch,
        FetchState::Fetching { since: started }
    );
    assert!(
        screen_text(&draw(&app)).matches("fetching").count() == 2,
        "litware and contoso spin"
    );
    let snapshot = *app.domains()[contoso].last_good.clone().unwrap();
    let outcome = RefreshOutcome {
        at: now(),
        metadata: Ok(snapshot),
        entra: None,
    };
    act(
        &mut app,
        &[Action::Poll(PollEvent::Finished {
            domain: contoso,
            outcome: Box::new(outcome),
        })],
    );
    assert_eq!(app.domains()[contoso].fetch, FetchState::Idle);
    assert!(
        !app.domains()[contoso].changed,
        "same certificates: not a change"
    );
}

#[test]
fn a_failed_fetch_keeps_the_last_good_snapshot_marked_stale() {
    let mut app = app();
    let contoso = index_of(&app, "contoso.com");
    let before = app.domains()[contoso].last_good.clone();
    let outcome = RefreshOutcome {
        at: now(),
        metadata: Err(timeout(now())),
        entra: None,
    };
    act(
        &mut app,
        &[Action::Poll(PollEvent::Finished {
            domain: contoso,
            outcome: Box::new(outcome),
        })],
    );
    let d = &app.domains()[contoso];
    assert_eq!(d.last_good, before);
    assert!(d.is_stale());
    act(
        &mut app,
        &[Action::Bottom, Action::OpenDetails, Action::Bottom],
    );
    let text = screen_text(&draw(&app));
    assert!(text.contains("STALE"), "{text}");
    assert!(text.contains("FAILED 2026-12-01 09:00 UTC"), "{text}");
}

#[test]
fn a_changed_certificate_set_is_highlighted_until_selected() {
    let mut app = app();
    let contoso = index_of(&app, "contoso.com");
    let mut snapshot = *app.domains()[contoso].last_good.clone().unwrap();
    let first = snapshot.facts.signing[0].clone();
    snapshot.facts.signing.push(cert(
        77,
        "ADFS Signing - fs.contoso.com",
        now(),
        first.not_after + Duration::days(365),
    ));
    let outcome = RefreshOutcome {
        at: now(),
        metadata: Ok(snapshot),
        entra: None,
    };
    act(
        &mut app,
        &[Action::Poll(PollEvent::Finished {
            domain: contoso,
            outcome: Box::new(outcome),
        })],
    );
    assert!(app.domains()[contoso].changed);
    assert!(screen_text(&draw(&app)).contains("✱contoso.com"));
    act(&mut app, &[Action::Down, Action::Down]);
    assert!(
        app.domains()[contoso].changed,
        "still highlighted while another domain is selected"
    );
    act(&mut app, &[Action::Bottom]);
    assert!(
        !app.domains()[contoso].changed,
        "selecting it clears the highlight"
    );
    let proseware = index_of(&app, "proseware.com");
    act(&mut app, &[Action::Up]);
    assert_eq!(selected_name(&app), "litware.com");
    assert!(app.domains()[proseware].changed);
}

#[test]
fn events_for_an_unknown_index_are_ignored() {
    let mut app = app();
    let before = app.domains().to_vec();
    act(
        &mut app,
        &[Action::Poll(PollEvent::Started {
            domain: DomainId::from_index(99),
            at: now(),
        })],
    );
    assert_eq!(app.domains(), before);
}

#[test]
fn the_tick_reassesses_every_domain_with_the_new_now() {
    let mut app = App::with_reassess(domains(), recount);
    let contoso = index_of(&app, "contoso.com");
    let before = app.domains()[contoso].assessment.days_left.unwrap();
    frame_step(&mut app, Action::Tick, now() + Duration::days(1));
    let after = app.domains()[contoso].assessment.days_left.unwrap();
    assert!((before - after - 1.0).abs() < 1e-9, "{before} → {after}");
}

/// A re-assessment that records when it ran (in `last_attempt`) and holds for a day.
fn stamp(status: &mut DomainStatus, now: DateTime<Utc>) {
    status.last_attempt = Some(now);
    status.verdict_holds = Some(now..now + Duration::days(1));
}

#[test]
fn a_tick_reassesses_at_most_its_share_and_the_rest_follow_in_the_next_ticks() {
    let count = fedcert::tui::app::REASSESS_PER_TICK + 500;
    let fleet: Vec<DomainStatus> = (0..count)
        .map(|i| {
            let config = DomainConfig::new(format!("d{i}.example"), "https://fs.example/m.xml");
            let mut status = DomainStatus::new(config, now());
            // Every verdict due in the same second.
            status.verdict_holds = None;
            status
        })
        .collect();
    let mut app = App::with_reassess(fleet, stamp);
    let made_at = |app: &App, t: DateTime<Utc>| {
        app.domains()
            .iter()
            .filter(|d| d.last_attempt == Some(t))
            .count()
    };
    let first = now() + Duration::seconds(1);
    frame_step(&mut app, Action::Tick, first);
    assert_eq!(made_at(&app, first), fedcert::tui::app::REASSESS_PER_TICK);
    let second = first + Duration::seconds(1);
    frame_step(&mut app, Action::Tick, second);
    assert_eq!(made_at(&app, second), 500, "the rest, and only the rest");
    assert_eq!(made_at(&app, first) + made_at(&app, second), count);
}

#[test]
fn the_selection_follows_its_domain_when_the_order_changes() {
    let mut app = app();
    act(&mut app, &[Action::Bottom]);
    let contoso = index_of(&app, "contoso.com");
    // Its certificate expired ten days ago (the list sorts by the expiry instant).
    let status = app.domain_mut(contoso).unwrap();
    status.assessment.severity = Severity::Critical;
    status.assessment.days_left = Some(-10.0);
    status.assessment.primary.as_mut().unwrap().cert.not_after = now() - Duration::days(10);
    act(&mut app, &[Action::Tick]);
    assert_eq!(names(&app)[0], "contoso.com");
    assert_eq!(selected_name(&app), "contoso.com");
    assert_eq!(app.list_offset(), 0);
}

// ---- keymap, help and hints ----

#[test]
fn keys_map_to_actions_per_mode() {
    assert_eq!(
        keymap::action_for(Mode::List, &key(KeyCode::Char('j'))),
        Some(Action::Down)
    );
    assert_eq!(
        keymap::action_for(Mode::List, &key(KeyCode::Down)),
        Some(Action::Down)
    );
    assert_eq!(
        keymap::action_for(Mode::List, &key(KeyCode::Enter)),
        Some(Action::OpenDetails)
    );
    assert_eq!(
        keymap::action_for(Mode::Details, &key(KeyCode::Enter)),
        None
    );
    assert_eq!(
        keymap::action_for(Mode::Filter, &key(KeyCode::Enter)),
        Some(Action::ApplyFilter)
    );
    assert_eq!(
        keymap::action_for(Mode::Filter, &key(KeyCode::Char('q'))),
        Some(Action::FilterChar('q'))
    );
    assert_eq!(
        keymap::action_for(Mode::Filter, &key(KeyCode::Esc)),
        Some(Action::ClearFilter)
    );
    let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(
        keymap::action_for(Mode::List, &shift_g),
        Some(Action::Bottom)
    );
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for mode in Mode::ALL {
        assert_eq!(
            keymap::action_for(mode, &ctrl_c),
            Some(Action::Quit),
            "{mode:?}"
        );
    }
    assert_eq!(
        keymap::action_for(Mode::List, &key(KeyCode::Char('c'))),
        Some(Action::OpenChecklist)
    );
    assert_eq!(
        keymap::action_for(Mode::Filter, &key(KeyCode::Char('c'))),
        Some(Action::FilterChar('c'))
    );
    let alt_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::ALT);
    assert_eq!(
        keymap::action_for(Mode::List, &alt_q),
        None,
        "Alt+q is not q"
    );
}

#[test]
fn no_key_means_two_things_in_one_mode() {
    for mode in Mode::ALL {
        let keys: Vec<_> = keymap::bindings_for(mode)
            .flat_map(|b| b.keys.iter())
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(
                !keys[i + 1..].contains(k),
                "{k:?} is bound twice in {mode:?}"
            );
        }
    }
}

#[test]
fn help_lists_every_binding_of_the_keymap_in_full() {
    // Help over the list shows the browsing page; the checklist's keys are in its own help
    // (tests/tui_checklist.rs); together the pages hold every binding.
    let pages = [view::help::Page::Browse, view::help::Page::Checklist];
    let keymap = Keymap::standard();
    for binding in keymap.bindings() {
        assert!(
            pages
                .iter()
                .any(|p| p.bindings(keymap).any(|b| b == binding)),
            "no help page lists {:?}",
            binding.description
        );
    }
    // At 120x40 every key at once; at 80x24 the first page says where it is and the next one
    // (PgDn) the rest, down to the last key on the last row.
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = app_sized(width, height);
        act(&mut app, &[Action::ToggleHelp]);
        let mut text = screen_text(&draw(&app));
        let total = view::help::Page::Browse.bindings(keymap).count();
        if height == 24 {
            assert!(
                text.contains(&format!(" 1–22 of {total} ")),
                "the first page says where it is: {text}"
            );
            act(&mut app, &[Action::PageDown]);
            let second = screen_text(&draw(&app));
            assert!(
                second.contains(&format!("–{total} of {total} ")),
                "{second}"
            );
            // Further down stays at the end; Home goes back to the top.
            act(&mut app, &[Action::Down, Action::PageDown]);
            assert_eq!(screen_text(&draw(&app)), second);
            act(&mut app, &[Action::Top]);
            assert!(screen_text(&draw(&app)).contains(" 1–22 of "));
            text.push_str(&second);
        } else {
            assert!(!text.contains(&format!(" of {total} ")), "{text}");
        }
        for binding in view::help::Page::Browse.bindings(keymap) {
            assert!(
                text.contains(binding.description),
                "{width}x{height} help misses {:?}",
                binding.description
            );
            assert!(
                text.contains(binding.action_name()),
                "help misses {:?}",
                binding.action
            );
            assert!(
                text.contains(&binding.label(false)),
                "help misses {binding:?}"
            );
        }
    }
}

#[test]
fn help_that_does_not_fit_scrolls_and_says_where_it_is() {
    let rows = view::help::Page::Browse
        .bindings(Keymap::standard())
        .count();
    let mut app = app();
    act(&mut app, &[Action::ToggleHelp]);
    let top = screen_text(&draw(&app));
    let first = top.lines().next().unwrap().to_owned();
    assert!(first.contains(&format!(" 1–22 of {rows} ")), "{first}");
    let footer = top.lines().rev().find(|l| l.contains("closes")).unwrap();
    assert!(footer.contains("j k scroll"), "{footer}");
    assert!(top.contains("Next domain / scroll down"));
    // To its end: the last row shows, the first has gone, and it stops there.
    act(&mut app, &[Action::Bottom]);
    let end = screen_text(&draw(&app));
    let last = view::help::Page::Browse
        .bindings(Keymap::standard())
        .last()
        .unwrap()
        .description;
    assert!(end.contains(last), "{end}");
    assert!(!end.contains("Next domain / scroll down"), "{end}");
    assert!(
        end.lines()
            .next()
            .unwrap()
            .contains(&format!(" {}–{rows} of {rows} ", rows - 21)),
        "{end}"
    );
    act(&mut app, &[Action::Down, Action::PageDown]);
    assert_eq!(screen_text(&draw(&app)), end, "no further than the end");
    assert_eq!(app.mode(), Mode::Help, "scrolling keeps help open");
    // Closed and opened again, it starts at the top; where everything fits, nothing scrolls.
    act(&mut app, &[Action::Back, Action::ToggleHelp]);
    assert_eq!(screen_text(&draw(&app)), top);
    let mut wide = app_sized(120, 40);
    act(&mut wide, &[Action::ToggleHelp]);
    let before = screen_text(&draw(&wide));
    assert!(!before.contains("j k scroll"), "{before}");
    act(&mut wide, &[Action::Down]);
    assert_eq!(screen_text(&draw(&wide)), before);
}

#[test]
fn the_hint_bar_follows_the_keymap_of_the_current_mode() {
    let last_line = |app: &App| screen_text(&draw(app)).lines().last().unwrap().to_owned();
    // Wide enough, every hint shows; at 80 columns the leading ones that fit, in keymap order.
    let wide = app_sized(120, 40);
    let all: Vec<String> = keymap::hints(Mode::List)
        .iter()
        .map(|(k, word)| format!("{k} {word}"))
        .collect();
    assert_eq!(
        last_line(&wide).trim_matches('"').trim_end(),
        all.join("  ")
    );
    let mut app = app();
    let narrow = last_line(&app);
    let shown = narrow.trim_matches('"').trim_end();
    assert!(all.join("  ").starts_with(shown), "{narrow}");
    assert!(
        shown.contains("c checklist") && shown.contains("Esc back"),
        "{narrow}"
    );
    act(&mut app, &[Action::StartFilter]);
    assert!(last_line(&app).contains("Enter apply"));
    assert!(!last_line(&app).contains("refresh"));
}

// ---- rendering details ----

#[test]
fn no_color_draws_without_colours_but_keeps_the_words() {
    let mut app = app();
    app.set_theme(fedcert::tui::theme::Theme::new(false));
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert!(screen_text(&terminal).contains("CRIT"));
    let coloured = draw(&self::app());
    assert!(
        coloured
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg == Color::Red),
        "colours are on by default"
    );
}

#[test]
fn below_80x24_a_clear_message_replaces_the_ui() {
    let app = app_sized(79, 30);
    assert!(screen_text(&draw(&app)).contains("terminal too small (need 80x24, have 79x30)"));
    let app = app_sized(100, 23);
    assert!(screen_text(&draw(&app)).contains("terminal too small (need 80x24, have 100x23)"));
}

// ---- snapshots (reviewed by reading them) ----

#[test]
fn snapshot_list_80x24() {
    insta::assert_snapshot!(draw(&app()).backend());
}

#[test]
fn snapshot_list_120x40() {
    insta::assert_snapshot!(draw(&app_sized(120, 40)).backend());
}

#[test]
fn snapshot_details_80x24() {
    let mut app = app();
    act(&mut app, &[Action::Down, Action::OpenDetails]);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_details_scrolled_80x24() {
    let mut app = app();
    act(
        &mut app,
        &[Action::Down, Action::OpenDetails, Action::PageDown],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_details_120x40_beside_the_list() {
    let mut app = app_sized(120, 40);
    act(&mut app, &[Action::Down, Action::OpenDetails]);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_stale_details_120x40() {
    let mut app = app_sized(120, 40);
    act(
        &mut app,
        &[
            Action::Down,
            Action::Down,
            Action::Down,
            Action::OpenDetails,
        ],
    );
    assert_eq!(selected_name(&app), "northwind.net");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_never_fetched_details_80x24() {
    let mut app = app();
    act(
        &mut app,
        &[
            Action::StartFilter,
            Action::FilterChar('t'),
            Action::FilterChar('a'),
            Action::FilterChar('i'),
        ],
    );
    act(&mut app, &[Action::ApplyFilter, Action::OpenDetails]);
    assert_eq!(selected_name(&app), "tailspin.io");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_filter_typing_80x24() {
    let mut app = app();
    act(
        &mut app,
        &[
            Action::StartFilter,
            Action::FilterChar('f'),
            Action::FilterChar('s'),
            Action::FilterChar('.'),
        ],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_filter_applied_120x40() {
    let mut app = app_sized(120, 40);
    act(
        &mut app,
        &[
            Action::StartFilter,
            Action::FilterChar('w'),
            Action::FilterChar('a'),
            Action::FilterChar('r'),
        ],
    );
    act(&mut app, &[Action::FilterChar('n'), Action::ApplyFilter]);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_help_80x24() {
    let mut app = app();
    act(&mut app, &[Action::ToggleHelp]);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_help_120x40() {
    let mut app = app_sized(120, 40);
    act(&mut app, &[Action::ToggleHelp]);
    insta::assert_snapshot!(draw(&app).backend());
}

fn draw_first_run(width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let path = Path::new("/home/ops/.config/fedcert/config.toml");
    let theme = fedcert::tui::theme::Theme::new(true);
    terminal
        .draw(|frame| view::first_run::render_screen(frame, path, theme))
        .unwrap();
    terminal
}

#[test]
fn snapshot_first_run_80x24() {
    insta::assert_snapshot!(draw_first_run(80, 24).backend());
}

#[test]
fn snapshot_first_run_120x40() {
    insta::assert_snapshot!(draw_first_run(120, 40).backend());
}

#[test]
fn first_run_names_the_path_and_the_three_commands() {
    let text = screen_text(&draw_first_run(80, 24));
    for expected in [
        "/home/ops/.config/fedcert/config.toml",
        "fedcert config init",
        "fedcert discover <domain>",
        "fedcert demo",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
    assert!(screen_text(&draw_first_run(70, 20)).contains("terminal too small"));
}

#[test]
fn snapshot_stale_details_80x24() {
    let mut app = app();
    act(
        &mut app,
        &[
            Action::Down,
            Action::Down,
            Action::Down,
            Action::OpenDetails,
        ],
    );
    assert_eq!(selected_name(&app), "northwind.net");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_never_fetched_details_120x40() {
    let mut app = app_sized(120, 40);
    act(
        &mut app,
        &[
            Action::StartFilter,
            Action::FilterChar('u'),
            Action::FilterChar('n'),
        ],
    );
    act(&mut app, &[Action::ApplyFilter, Action::OpenDetails]);
    assert_eq!(selected_name(&app), "tailspin.io");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_filter_applied_80x24() {
    let mut app = app();
    act(
        &mut app,
        &[
            Action::StartFilter,
            Action::FilterChar('c'),
            Action::FilterChar('r'),
        ],
    );
    act(
        &mut app,
        &[
            Action::FilterChar('i'),
            Action::FilterChar('t'),
            Action::ApplyFilter,
        ],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_filter_typing_120x40() {
    let mut app = app_sized(120, 40);
    act(
        &mut app,
        &[
            Action::StartFilter,
            Action::FilterChar('o'),
            Action::FilterChar('k'),
        ],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn the_details_scroll_stays_inside_details_that_shrink() {
    let mut app = app();
    act(
        &mut app,
        &[Action::Down, Action::OpenDetails, Action::Bottom],
    );
    let fabrikam = index_of(&app, "fabrikam.com");
    let long = app.details_scroll();
    let mut snapshot = *app.domains()[fabrikam].last_good.clone().unwrap();
    snapshot.facts.encryption.clear();
    snapshot.facts.signing.truncate(1);
    let outcome = RefreshOutcome {
        at: now(),
        metadata: Ok(snapshot),
        entra: None,
    };
    act(
        &mut app,
        &[Action::Poll(PollEvent::Finished {
            domain: fabrikam,
            outcome: Box::new(outcome),
        })],
    );
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let (content, height) = view::layout::details_extent(area, &app, now());
    assert!(
        app.details_scroll() < long,
        "{} < {long}",
        app.details_scroll()
    );
    assert_eq!(app.details_scroll(), content - height);
    assert!(
        !app.domains()[fabrikam].changed,
        "a change to the domain on screen needs no highlight"
    );
}

/// The paths by which `text` reaches the front ends (`crate::tui`, `super::cli`,
/// `super::super::tui`, `crate::{cli, …}`, …).
fn front_end_paths(text: &str) -> Vec<String> {
    const FRONT_ENDS: [&str; 2] = ["tui", "cli"];
    let mut found = Vec::new();
    for root in ["crate::", "super::"] {
        for (at, _) in text.match_indices(root) {
            let rest = &text[at + root.len()..];
            // `crate::{a, tui::x}`: the names inside the braces.
            let names: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split([',', '{', ' ', '\n'])
                    .map(|name| name.split("::").next().unwrap_or_default())
                    .collect(),
                None => vec![
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default(),
                ],
            };
            for name in names {
                if FRONT_ENDS.contains(&name) {
                    found.push(format!("{root}{name}"));
                }
            }
        }
    }
    found
}

#[test]
fn front_end_paths_are_found_however_they_are_written() {
    assert_eq!(
        front_end_paths("use crate::tui::keymap::Keymap;"),
        ["crate::tui"]
    );
    assert_eq!(
        front_end_paths("x: super::super::cli::Args"),
        ["super::cli"]
    );
    assert_eq!(
        front_end_paths("use crate::{cert, tui::theme};"),
        ["crate::tui"]
    );
    assert!(front_end_paths("use crate::config::tuition; use super::client;").is_empty());
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
}

/// DESIGN.md §2: nothing outside `tui/` and `cli/` imports ratatui, crossterm or clap, or the
/// front ends themselves (the engine must not depend on its UIs).
#[test]
fn only_the_front_ends_know_about_terminals_and_front_ends() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let front_ends = [src.join("tui"), src.join("cli")];
    let mut offenders = Vec::new();
    for file in files
        .iter()
        .filter(|f| !front_ends.iter().any(|d| f.starts_with(d)))
    {
        let text = std::fs::read_to_string(file).unwrap();
        for crate_name in ["ratatui", "crossterm", "clap"] {
            if text.contains(&format!("{crate_name}::"))
                || text.contains(&format!("use {crate_name}"))
            {
                offenders.push(format!("{} uses {crate_name}", file.display()));
            }
        }
        for path in front_end_paths(&text) {
            offenders.push(format!("{} uses {path}", file.display()));
        }
    }
    assert!(files.len() > 10, "found the sources");
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// The top-level module a file of `src/` belongs to, and its own module path (`source/graph.rs`
/// is `["source", "graph"]`; `lib.rs` is `[]`).
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| ["mod", "lib", "main"].contains(&last.as_str()))
    {
        parts.pop();
    }
    parts
}

/// The crate's top-level modules that the code of a file at `module` names (`crate::x`,
/// `crate::{x, y::z}`, `super::…` resolved from the file's place; comments are not code).
/// Names that resolve to no top-level module (a `super::` out of an inline `mod tests`) are
/// left out.
fn modules_named(module: &[String], text: &str, top_level: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (at, _) in line
            .match_indices("crate::")
            .chain(line.match_indices("super::"))
        {
            let preceded = line[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if preceded {
                continue; // the middle of another path (`super::super::`, `foo_crate::`)
            }
            let mut rest = &line[at..];
            let mut base: &[String] = module;
            if let Some(after) = rest.strip_prefix("crate::") {
                base = &[];
                rest = after;
            } else {
                while let Some(after) = rest.strip_prefix("super::") {
                    base = &base[..base.len().saturating_sub(1)];
                    rest = after;
                }
            }
            let names: Vec<&str> = match (base.first(), rest.strip_prefix('{')) {
                (Some(top), _) => vec![top.as_str()],
                (None, Some(group)) => group
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split([',', '{', ' '])
                    .map(|name| name.split("::").next().unwrap_or_default())
                    .collect(),
                (None, None) => vec![
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default(),
                ],
            };
            found.extend(
                names
                    .into_iter()
                    .filter(|name| top_level.contains(*name))
                    .map(str::to_owned),
            );
        }
    }
    found
}

/// Which top-level module names which, over all of `src/`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let top_level: BTreeSet<String> = files
        .iter()
        .filter_map(|file| module_path(&src, file).first().cloned())
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_path(&src, file);
        let Some(top) = module.first() else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        let named = modules_named(&module, &text, &top_level);
        graph
            .entry(top.clone())
            .or_default()
            .extend(named.into_iter().filter(|name| name != top));
    }
    graph
}

/// A circle through `graph`, if it has one: `a → b → … → a`.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut circle = path[start..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn module_paths_are_resolved_however_they_are_written() {
    let top: BTreeSet<String> = ["assess", "domain", "source", "store", "units"]
        .map(str::to_owned)
        .into();
    let at = |path: &[&str]| path.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    let named = |module: &[String], text| {
        modules_named(module, text, &top)
            .into_iter()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        named(&at(&["assess"]), "use crate::domain::host_of;"),
        ["domain"]
    );
    assert_eq!(
        named(&at(&["source", "fetch"]), "use crate::{units::x, store};"),
        ["store", "units"]
    );
    // `super::` from `source/graph/credential.rs` stays inside `source`; from `domain.rs` it is
    // the crate root.
    assert_eq!(
        named(
            &at(&["source", "graph", "credential"]),
            "use super::super::errors;"
        ),
        ["source"]
    );
    assert_eq!(named(&at(&["domain"]), "super::store::Store"), ["store"]);
    assert!(named(&at(&["assess"]), "// crate::domain in a comment").is_empty());
    assert!(named(&at(&["assess"]), "use fedcert_crate::domain;").is_empty());
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"])]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
            .collect();
    assert_eq!(circle(&graph).unwrap(), ["a", "b", "c", "a"]);
}

/// DESIGN.md §2: data flows one way, so the top-level modules name each other in one direction
/// only (no `assess` ↔ `domain`, `config` ↔ `source`, `source` ↔ `domain`, `store` ↔ `checklist`,
/// `poller` ↔ `fleet`, …); `units` and `location` are leaves, and the store knows only
/// certificates (to hash a long file name), not what its records hold.
#[test]
fn the_modules_name_each_other_in_one_direction_only() {
    let graph = module_graph();
    assert!(graph.len() > 10, "found the modules: {graph:?}");
    if let Some(circle) = circle(&graph) {
        panic!("a circle of imports: {}\n{graph:#?}", circle.join(" → "));
    }
    let allowed: [(&str, &[&str]); 5] = [
        ("units", &[]),
        ("location", &[]),
        ("cert", &[]),
        ("metadata", &["cert"]),
        ("store", &["cert"]),
    ];
    for (module, may_name) in allowed {
        let names = graph.get(module).cloned().unwrap_or_default();
        let extra: Vec<&String> = names
            .iter()
            .filter(|n| !may_name.contains(&n.as_str()))
            .collect();
        assert!(extra.is_empty(), "{module} names {extra:?}");
    }
}

/// A domain whose metadata's signature does not verify, whose metadata host's TLS certificate
/// has 10 days left and whose sign-in host presents a certificate for another name, assessed
/// by the engine: its findings (X2, T1, T2) lead the details, the list names the worst, and
/// the metadata section shows the signature and both hosts' certificates.
fn endpoints_app() -> App {
    use fedcert::assess::{DocumentSignature, SigninTls, TlsCert, TlsRefusal};
    use fedcert::metadata::signature::{Invalid, Outcome, Verification};
    let mut list = domains();
    let status = &mut list[0];
    let snapshot = status.last_good.as_mut().unwrap();
    let signer = snapshot.facts.signing[0].clone();
    let tls = |host: &str, tag: u8, days: i64, names: &[&str], refused| TlsCert {
        host: host.to_owned(),
        cert: CertInfo {
            issuer: "O=Contoso, CN=Contoso Issuing CA".into(),
            self_signed: false,
            ..cert(
                tag,
                names[0],
                now() - Duration::days(300),
                now() + Duration::days(days),
            )
        },
        dns_names: names.iter().map(|n| (*n).to_owned()).collect(),
        refused,
    };
    snapshot.endpoints.signature = Some(DocumentSignature {
        verification: Verification {
            outcome: Outcome::Invalid(Invalid::DigestMismatch),
            signer: Some(signer.sha1),
            algorithms: None,
        },
        aggregate: false,
        signer: Some(signer),
    });
    snapshot.endpoints.tls = Some(tls("fs.contoso.com", 61, 10, &["fs.contoso.com"], None));
    snapshot.endpoints.signin = Some(SigninTls::Read(Box::new(tls(
        "sts.contoso.com",
        62,
        200,
        &["fs.contoso.com", "adfs.contoso.com"],
        Some(TlsRefusal::NameMismatch),
    ))));
    status.reassess(now());
    let mut app = App::with_reassess(list, keep_verdict);
    frame_step(
        &mut app,
        Action::Resize {
            width: 120,
            height: 40,
        },
        now(),
    );
    app
}

#[test]
fn snapshot_details_120x40_signature_and_tls() {
    let mut app = endpoints_app();
    let index = index_of(&app, "contoso.com");
    assert_eq!(
        app.domains()[index.index()]
            .assessment
            .findings
            .iter()
            .map(|f| f.rule)
            .collect::<Vec<_>>(),
        [Rule::X2, Rule::T1, Rule::T2, Rule::R10]
    );
    let list = screen_text(&draw(&app));
    assert!(list.contains("signature invalid"), "{list}");
    while selected_name(&app) != "contoso.com" {
        act(&mut app, &[Action::Down]);
    }
    act(&mut app, &[Action::OpenDetails]);
    insta::assert_snapshot!("signature_and_tls_top", draw(&app).backend());
    act(&mut app, &[Action::Bottom]);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_details_end_120x40_metadata_and_entra() {
    let mut app = app_sized(120, 40);
    act(
        &mut app,
        &[Action::Down, Action::OpenDetails, Action::Bottom],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

// ---- looks and keys: [keys], [theme], --ascii, NO_COLOR, mouse, log pane ----

fn rebound(entries: &[(&str, &[&str])]) -> Keymap {
    let rebindings: Vec<keymap::Rebinding> = entries
        .iter()
        .map(|(action, keys)| keymap::Rebinding {
            action: (*action).to_owned(),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        })
        .collect();
    Keymap::with_rebindings(&rebindings).unwrap()
}

#[test]
fn rebound_keys_drive_the_app_and_show_in_help_and_hints() {
    let mut app = app_sized(120, 40);
    app.set_keymap(rebound(&[("quit", &["x"]), ("refresh_all", &["F5", "R"])]));
    let press = |app: &App, code| app.keymap().action_for(app.mode(), &key(code));
    assert_eq!(press(&app, KeyCode::Char('x')), Some(Action::Quit));
    assert_eq!(press(&app, KeyCode::Char('q')), None);
    assert_eq!(press(&app, KeyCode::F(5)), Some(Action::RefreshAll));
    let hints = screen_text(&draw(&app)).lines().last().unwrap().to_owned();
    assert!(
        hints.contains("x quit") && hints.contains("F5 all"),
        "{hints}"
    );
    assert!(!hints.contains("q quit"), "{hints}");
    act(&mut app, &[Action::ToggleHelp]);
    let help = screen_text(&draw(&app));
    let row = |action: &str| {
        help.lines()
            .find(|l| l.contains(&format!(" {action} ")))
            .unwrap_or_else(|| panic!("no help row for {action}:\n{help}"))
            .to_owned()
    };
    assert!(row("refresh_all").contains("│F5/R "), "{help}");
    assert!(row("quit").contains("│x "), "{help}");
}

/// Every cell of the buffer holds ASCII only.
fn assert_ascii(terminal: &Terminal<TestBackend>, what: &str) {
    let offenders: Vec<&str> = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .filter(|s| !s.is_ascii())
        .collect();
    assert!(
        offenders.is_empty(),
        "{what}: non-ASCII {offenders:?}\n{}",
        screen_text(terminal)
    );
}

fn ascii_app(width: u16, height: u16) -> App {
    let mut app = app_sized(width, height);
    app.set_theme(fedcert::tui::theme::Theme::new(true).with_ascii(true));
    app
}

#[test]
fn ascii_renders_hold_only_ascii_on_every_screen() {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = ascii_app(width, height);
        assert_ascii(&draw(&app), "list");
        act(&mut app, &[Action::Down, Action::OpenDetails]);
        for _ in 0..8 {
            assert_ascii(&draw(&app), "details");
            act(&mut app, &[Action::PageDown]);
        }
        act(&mut app, &[Action::ToggleHelp]);
        assert_ascii(&draw(&app), "help");
        act(
            &mut app,
            &[Action::ToggleHelp, Action::Back, Action::StartFilter],
        );
        act(&mut app, &[Action::FilterChar('o')]);
        assert_ascii(&draw(&app), "filter");
        act(&mut app, &[Action::ClearFilter, Action::ToggleLog]);
        act(
            &mut app,
            &[Action::Logged(log_entry(
                tracing::Level::WARN,
                "fetch failed — retrying…",
            ))],
        );
        assert_ascii(&draw(&app), "log pane");
        act(&mut app, &[Action::Back, Action::OpenChecklist]);
        assert_eq!(app.screen_kind(), ScreenKind::Checklist);
        assert_ascii(&draw(&app), "checklist");
        act(&mut app, &[Action::ToggleHelp]);
        assert_ascii(&draw(&app), "checklist help");
    }
    let app = ascii_app(79, 20);
    assert_ascii(&draw(&app), "too small");
    let theme = fedcert::tui::theme::Theme::new(true).with_ascii(true);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| view::first_run::render_screen(frame, Path::new("/x/config.toml"), theme))
        .unwrap();
    assert_ascii(&terminal, "first run");
}

#[test]
fn ascii_spells_out_keys_and_spins_with_ascii() {
    let app = ascii_app(120, 40);
    let text = screen_text(&draw(&app));
    // litware is fetching: the ASCII spinner, never braille.
    assert!(
        text.contains("| fetching")
            || text.contains("/ fetching")
            || text.contains("- fetching")
            || text.contains("\\ fetching"),
        "{text}"
    );
    let mut app = app;
    act(&mut app, &[Action::ToggleHelp]);
    let help = screen_text(&draw(&app));
    assert!(help.contains("|j/Down "), "{help}");
}

#[test]
fn snapshot_ascii_list_80x24() {
    insta::assert_snapshot!(draw(&ascii_app(80, 24)).backend());
}

#[test]
fn snapshot_ascii_details_80x24() {
    let mut app = ascii_app(80, 24);
    act(
        &mut app,
        &[Action::Down, Action::OpenDetails, Action::PageDown],
    );
    insta::assert_snapshot!(draw(&app).backend());
}

/// The styles of the first rows as text, run by run: what a snapshot of colours looks like.
fn style_runs(terminal: &Terminal<TestBackend>, rows: u16) -> String {
    use std::fmt::Write as _;
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..rows {
        let mut runs: Vec<(String, String)> = Vec::new();
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            let style = format!("fg={:?} bg={:?} {:?}", cell.fg, cell.bg, cell.modifier);
            match runs.last_mut() {
                Some((s, text)) if *s == style => text.push_str(cell.symbol()),
                _ => runs.push((style, cell.symbol().to_owned())),
            }
        }
        for (style, text) in runs {
            if !text.trim().is_empty() {
                let text = format!("{:?}", text.trim());
                writeln!(out, "{y:>2} {text:<28} {style}").unwrap();
            }
        }
    }
    out
}

#[test]
fn snapshot_no_color_styles_80x24() {
    // NO_COLOR wins over the theme: the high-contrast palette without colours keeps only bold
    // and reverse.
    let mut app = app();
    app.set_theme(
        fedcert::tui::theme::Theme::new(false)
            .with_palette(fedcert::tui::theme::Preset::HighContrast.palette()),
    );
    let terminal = draw(&app);
    assert!(
        terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    insta::assert_snapshot!(style_runs(&terminal, 5));
}

#[test]
fn snapshot_high_contrast_styles_80x24() {
    let mut app = app();
    app.set_theme(
        fedcert::tui::theme::Theme::new(true)
            .with_palette(fedcert::tui::theme::Preset::HighContrast.palette()),
    );
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    // Row 2 is fourthcoffee, CRIT; row 8 proseware, OK.
    assert_eq!(buffer[(2, 2)].fg, Color::LightRed);
    assert_eq!(buffer[(2, 8)].fg, Color::LightGreen);
    assert!(
        buffer[(2, 8)]
            .modifier
            .contains(ratatui::style::Modifier::BOLD),
        "high contrast makes every status word bold"
    );
    assert!(
        buffer.content().iter().all(|c| c.fg != Color::DarkGray),
        "no dark grey in high contrast"
    );
    insta::assert_snapshot!(style_runs(&terminal, 5));
}

fn log_entry(level: tracing::Level, message: &str) -> fedcert::tui::log::LogEntry {
    fedcert::tui::log::LogEntry {
        at: now() - Duration::minutes(3),
        level,
        target: "fedcert::poller".into(),
        message: message.into(),
    }
}

#[test]
fn a_long_log_entry_wraps_under_itself_and_the_oldest_stays_reachable() {
    let mut app = app();
    let long = "contoso.com: the metadata could not be read: https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml: connection refused by 10.0.0.4:443 (nothing listens there, or a firewall rejects it)";
    for n in 0..12 {
        act(
            &mut app,
            &[Action::Logged(log_entry(
                tracing::Level::WARN,
                &format!("{n} {long}"),
            ))],
        );
    }
    act(&mut app, &[Action::ToggleLog]);
    let text = screen_text(&draw(&app));
    // The cause at the end of the newest entry is on screen, under the message.
    let words = text.replace(['│', '"'], " ");
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let (_, newest) = words
        .split_once("11 contoso.com: the metadata could not be read:")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(newest.contains("or a firewall rejects it)"), "{text}");
    // Each entry takes several lines, so fewer fit; Top still reaches the oldest.
    act(&mut app, &[Action::Top]);
    let text = screen_text(&draw(&app));
    assert!(
        text.contains("WARN  fedcert::poller: 0 contoso.com"),
        "{text}"
    );
}

#[test]
fn the_log_pane_shows_recent_warnings_newest_last_and_scrolls() {
    let mut app = app();
    app.set_log_file(Some("/var/lib/fedcert/fedcert.log".into()));
    for n in 0..30 {
        act(
            &mut app,
            &[Action::Logged(log_entry(
                tracing::Level::WARN,
                &format!("warning {n}"),
            ))],
        );
    }
    act(
        &mut app,
        &[Action::Logged(log_entry(
            tracing::Level::ERROR,
            "the store is unwritable",
        ))],
    );
    assert_eq!(
        app.keymap()
            .action_for(Mode::List, &key(KeyCode::Char('L'))),
        Some(Action::ToggleLog)
    );
    act(&mut app, &[Action::ToggleLog]);
    assert_eq!(app.mode(), Mode::Log);
    let text = screen_text(&draw(&app));
    assert!(
        text.contains("ERROR fedcert::poller: the store is unwritable"),
        "{text}"
    );
    assert!(
        text.contains("warning 29") && !text.contains("warning 5 "),
        "{text}"
    );
    assert!(
        text.contains("full log: /var/lib/fedcert/fedcert.log"),
        "{text}"
    );
    // Up scrolls back to older entries; Down returns; Esc closes.
    act(&mut app, &[Action::Up, Action::Up, Action::Up]);
    let text = screen_text(&draw(&app));
    assert!(
        !text.contains("unwritable") && text.contains("warning 27"),
        "{text}"
    );
    // A new entry while reading older ones leaves the window where it is (but for the count).
    act(
        &mut app,
        &[Action::Logged(log_entry(tracing::Level::WARN, "newest"))],
    );
    let body = |text: &str| text.lines().skip(2).take(20).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&screen_text(&draw(&app))), body(&text));
    act(&mut app, &[Action::Top]);
    assert!(screen_text(&draw(&app)).contains("warning 0 "));
    act(&mut app, &[Action::Bottom]);
    insta::assert_snapshot!(draw(&app).backend());
    act(&mut app, &[Action::Back]);
    assert_eq!(app.mode(), Mode::List);
}

#[test]
fn mouse_clicks_select_and_open_and_the_wheel_scrolls() {
    let mut app = app();
    let order = names(&app)
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>();
    // Row 0 is the header line, row 1 the column header, row 2 the first domain.
    act(&mut app, &[Action::Click { column: 10, row: 4 }]);
    assert_eq!(selected_name(&app), order[2]);
    assert_eq!(app.screen_kind(), ScreenKind::List);
    act(&mut app, &[Action::Click { column: 10, row: 1 }]);
    assert_eq!(
        selected_name(&app),
        order[2],
        "the column header selects nothing"
    );
    act(
        &mut app,
        &[Action::Click {
            column: 10,
            row: 20,
        }],
    );
    assert_eq!(
        selected_name(&app),
        order[2],
        "below the last row selects nothing"
    );
    act(&mut app, &[Action::Click { column: 10, row: 4 }]);
    assert_eq!(
        app.screen_kind(),
        ScreenKind::Details,
        "a click on the selected row opens it"
    );
    act(
        &mut app,
        &[Action::Scroll {
            lines: 3,
            column: 10,
            row: 10,
        }],
    );
    assert_eq!(app.details_scroll(), 3);
    act(
        &mut app,
        &[
            Action::Scroll {
                lines: -3,
                column: 10,
                row: 10,
            },
            Action::Back,
        ],
    );
    assert_eq!(app.details_scroll(), 0);
    act(
        &mut app,
        &[Action::Scroll {
            lines: 3,
            column: 10,
            row: 10,
        }],
    );
    assert_eq!(
        selected_name(&app),
        order[3],
        "over the list the wheel moves the selection"
    );

    // Side by side at 120x40: the wheel scrolls whichever pane it is over.
    let mut app = app_sized(120, 40);
    act(&mut app, &[Action::OpenDetails]);
    act(
        &mut app,
        &[Action::Scroll {
            lines: 3,
            column: 80,
            row: 10,
        }],
    );
    assert_eq!(app.details_scroll(), 3);
    assert_eq!(selected_name(&app), order[0]);
    act(
        &mut app,
        &[Action::Scroll {
            lines: 3,
            column: 5,
            row: 10,
        }],
    );
    assert_eq!(selected_name(&app), order[1]);
    // Help takes the mouse: nothing underneath moves.
    act(
        &mut app,
        &[Action::ToggleHelp, Action::Click { column: 5, row: 2 }],
    );
    assert_eq!(selected_name(&app), order[1]);
}

#[test]
fn brackets_step_through_the_domains_without_leaving_the_details() {
    let mut app = app();
    let order = names(&app)
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>();
    let press = |app: &App, c| app.keymap().action_for(app.mode(), &key(KeyCode::Char(c)));
    assert_eq!(press(&app, ']'), None, "in the list j/k do that");
    act(&mut app, &[Action::OpenDetails, Action::PageDown]);
    assert_eq!(press(&app, ']'), Some(Action::NextDomain));
    act(&mut app, &[Action::NextDomain]);
    assert_eq!(app.screen_kind(), ScreenKind::Details);
    assert_eq!(selected_name(&app), order[1]);
    assert_eq!(
        app.details_scroll(),
        0,
        "the next domain's details start at the top"
    );
    act(&mut app, &[Action::PreviousDomain, Action::PreviousDomain]);
    assert_eq!(selected_name(&app), order[0], "it stops at the first");
    act(&mut app, &[Action::Bottom, Action::NextDomain]);
    assert_eq!(selected_name(&app), order[1]);
}

#[test]
fn the_details_say_what_entra_is_doing_in_plain_words() {
    use fedcert::source::imports::{AdfsProperties, ImportedAdfsProperties};
    let mut app = app_sized(120, 40);
    let fabrikam = index_of(&app, "fabrikam.com");
    let status = app.domain_mut(fabrikam).unwrap();
    if let Some(side) = status.entra_live.as_mut() {
        side.update_result = Some("couldNotAccessRemoteHost".into());
        side.last_run = Some(now() - Duration::hours(3));
    }
    status.entra_error = Some(Box::new(RefreshError::new(
        now() - Duration::minutes(2),
        GraphError::Token {
            url: "https://login.example/t/token".into(),
            status: Some(401),
            aadsts: Some(7_000_215),
            detail: "AADSTS7000215: Invalid client secret provided.".into(),
        },
    )));
    status.imports.adfs_properties = Some(Box::new(ImportedAdfsProperties {
        domain: "fabrikam.com".into(),
        file: "props.json".into(),
        imported_at: now() - Duration::hours(2),
        properties: AdfsProperties {
            auto_certificate_rollover: true,
            certificate_generation_threshold: None,
            certificate_promotion_threshold: None,
            certificate_critical_threshold: None,
            certificate_duration: None,
            certificate_rollover_interval: None,
            certificate_threshold_multiplier: None,
            identifier: None,
            host_name: None,
        },
    }));
    let lines: Vec<String> = view::detail::lines(&app, &app.domains()[fabrikam], now(), 200)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let has = |text: &str| {
        assert!(
            lines.iter().any(|l| l.contains(text)),
            "no line has {text:?}:\n{}",
            lines.join("\n")
        );
    };
    has("update     Entra could not reach your metadata; last tried 3 hours ago");
    has("Entra read FAILED 2m ago (AADSTS7000215); the error is under Entra ID");
    has("AADSTS7000215: Invalid client secret provided. (showing the last known side)");
    has("imported   AD FS properties imported 2 hours ago from props.json");
}

#[test]
fn at_80_columns_the_domain_name_wins_over_the_idp_host() {
    let mut list = domains();
    list[0].config.name = "fourthcoffee-demo.example".into();
    let mut app = App::with_reassess(list, keep_verdict);
    frame_step(
        &mut app,
        Action::Resize {
            width: 80,
            height: 24,
        },
        now(),
    );
    let text = screen_text(&draw(&app));
    assert!(text.contains("fourthcoffee-demo.example "), "{text}");
    assert!(
        text.contains(" IDP "),
        "the header fits the narrow host column: {text}"
    );
}

#[test]
fn the_header_says_when_the_log_pane_has_something_if_there_is_room() {
    let mut app = app_sized(120, 40);
    let header = |app: &App| screen_text(&draw(app)).lines().next().unwrap().to_owned();
    assert!(!header(&app).contains("logged"));
    act(
        &mut app,
        &[Action::Logged(log_entry(
            tracing::Level::WARN,
            "Graph read failed",
        ))],
    );
    act(
        &mut app,
        &[Action::Logged(log_entry(
            tracing::Level::ERROR,
            "store unwritable",
        ))],
    );
    assert!(header(&app).contains("2 logged (L)"), "{}", header(&app));
    let mut narrow = self::app();
    for entry in app.log().entries() {
        act(&mut narrow, &[Action::Logged(entry.clone())]);
    }
    let line = header(&narrow);
    assert!(
        !line.contains("logged") && line.contains("09:00:00 UTC"),
        "{line}"
    );
}

#[test]
fn texts_that_name_a_key_name_the_rebound_one() {
    let mut app = app();
    app.set_keymap(rebound(&[
        ("back", &["Backspace"]),
        ("quit", &["x"]),
        ("copy_commands", &["Y"]),
        ("page_down", &["Ctrl-f"]),
    ]));
    act(&mut app, &[Action::ToggleHelp]);
    let help = screen_text(&draw(&app));
    assert!(help.contains("Backspace or ? closes"), "{help}");
    act(&mut app, &[Action::ToggleHelp, Action::ToggleLog]);
    let log = screen_text(&draw(&app));
    assert!(log.contains("Backspace or L closes"), "{log}");
    act(&mut app, &[Action::Back, Action::OpenChecklist]);
    let checklist = screen_text(&draw(&app));
    assert!(checklist.contains("Y copies these"), "{checklist}");
    assert!(checklist.contains("Ctrl-F · 1–"), "{checklist}");
    act(
        &mut app,
        &[Action::Resize {
            width: 70,
            height: 20,
        }],
    );
    assert!(screen_text(&draw(&app)).contains("x quits"));
}

/// A finding's step: the details name it with the key that opens it, and that key from the
/// details opens the checklist on it (from the list, the checklist starts at its first open
/// step as before).
#[test]
fn from_the_details_the_checklist_opens_at_the_top_findings_step() {
    use fedcert::checklist::StepId;
    let cursor = |app: &App| {
        let list = fedcert::tui::checklist_screen::build(app, now()).unwrap();
        let index = app.checklist().unwrap().cursor(&list).unwrap();
        (list.steps[index].id, index + 1)
    };
    let mut app = app();
    // woodgrove.com: R4, the successor is not in Entra.
    let woodgrove = names(&app)
        .iter()
        .position(|n| *n == "woodgrove.com")
        .unwrap();
    for _ in 0..woodgrove {
        act(&mut app, &[Action::Down]);
    }
    act(&mut app, &[Action::OpenChecklist]);
    assert_eq!(cursor(&app), (StepId::AutoRollover, 1));
    act(&mut app, &[Action::Back, Action::OpenDetails]);
    let details = draw(&app).backend().to_string();
    assert!(
        details.contains("c opens checklist step 6: Update Entra ID with the new certificate"),
        "{details}"
    );
    act(&mut app, &[Action::OpenChecklist]);
    assert_eq!(cursor(&app), (StepId::UpdateEntra, 6));
    insta::assert_snapshot!(draw(&app).backend());
}

/// The details name the checklist key as the keymap has it: rebound, the new key shows.
#[test]
fn the_details_name_the_rebound_checklist_key() {
    let mut app = app();
    app.set_keymap(rebound(&[("open_checklist", &["o"])]));
    act(&mut app, &[Action::Down, Action::OpenDetails]);
    let details = draw(&app).backend().to_string();
    assert!(details.contains("o opens checklist step 1"), "{details}");
    assert!(!details.contains("c opens checklist"), "{details}");
}

// ---- the explain prompt: triage from the error users see ----

/// Keys as typed, each through the app's keymap in the mode it is in then.
fn press(app: &mut App, keys: &[KeyEvent]) -> Vec<Effect> {
    let mut effects = Vec::new();
    for key in keys {
        let action = app.keymap().action_for(app.mode(), key);
        effects.extend(
            action
                .map(|a| frame_step(app, a, now()))
                .unwrap_or_default(),
        );
    }
    effects
}

/// `text` typed key by key.
fn typed(text: &str) -> Vec<KeyEvent> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

/// `e`, then `text`, then Enter.
fn explain(app: &mut App, text: &str) {
    press(app, &[key(KeyCode::Char('e'))]);
    assert_eq!(app.mode(), Mode::Explain);
    press(app, &typed(text));
    press(app, &[key(KeyCode::Enter)]);
}

#[test]
fn explaining_an_error_narrows_the_list_to_the_domains_that_show_a_cause() {
    let mut app = app_sized(120, 40);
    explain(&mut app, "AADSTS50008");
    assert_eq!(app.mode(), Mode::List);
    let answer = app.answer().unwrap();
    assert_eq!(answer.code.as_deref(), Some("AADSTS50008"));
    assert!(!answer.causes.is_empty());
    // The two domains whose Entra copy no longer matches, the expired one first, and the one
    // whose published successor Entra lacks.
    assert_eq!(
        names(&app),
        ["fourthcoffee.com", "fabrikam.com", "woodgrove.com"]
    );
    assert_eq!(selected_name(&app), "fourthcoffee.com");
    let screen = screen_text(&draw(&app));
    assert!(
        screen.contains("AADSTS50008 · 3 domains show a cause now"),
        "{screen}"
    );
    assert!(
        screen.contains("Enter runbook · Esc every domain"),
        "{screen}"
    );
    // Why the selected one is listed.
    assert!(
        screen.contains("why: the primary CN=ADFS Signing - fs.fourthcoffee.com"),
        "{screen}"
    );
    assert!(screen.contains("Enter runbook  c checklist"), "{screen}");
    // Esc brings every domain back, the selection kept.
    press(&mut app, &[key(KeyCode::Esc)]);
    assert!(app.answer().is_none());
    assert_eq!(names(&app).len(), 9);
    assert_eq!(selected_name(&app), "fourthcoffee.com");
}

#[test]
fn enter_on_an_explained_domain_opens_its_outage_runbook() {
    let mut app = app_sized(120, 40);
    explain(&mut app, "AADSTS50008");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(app.screen_kind(), ScreenKind::Checklist);
    let checklist = app.checklist_of(app.selected_status().unwrap(), now());
    assert_eq!(checklist.mode, fedcert::checklist::Mode::Outage);
    // Back from the runbook: the narrowed list and its answer are still there.
    press(&mut app, &[key(KeyCode::Esc)]);
    assert_eq!(app.screen_kind(), ScreenKind::List);
    assert_eq!(names(&app).len(), 3);
}

#[test]
fn the_prompt_edits_and_escape_closes_it_without_an_answer() {
    let mut app = app();
    press(&mut app, &[key(KeyCode::Char('e'))]);
    // Keys that are commands elsewhere are text here.
    press(&mut app, &typed("qjx"));
    press(&mut app, &[key(KeyCode::Backspace)]);
    assert_eq!(app.explain().unwrap().text, "qj");
    assert!(screen_text(&draw(&app)).contains("qj"));
    press(&mut app, &[key(KeyCode::Esc)]);
    assert_eq!(app.mode(), Mode::List);
    assert!(app.answer().is_none());
    assert_eq!(names(&app).len(), 9);
    // Enter on an empty prompt explains nothing.
    press(&mut app, &[key(KeyCode::Char('e')), key(KeyCode::Enter)]);
    assert!(app.answer().is_none());
    assert_eq!(names(&app).len(), 9);
}

#[test]
fn a_pasted_error_page_is_explained_as_one_line() {
    let mut app = app_sized(120, 40);
    press(&mut app, &[key(KeyCode::Char('e'))]);
    let page = "Sorry, but we're having trouble signing you in.\r\n\r\n\
                AADSTS50008: SAML token is invalid.\n\tRequest Id: 0b8c1e3a";
    frame_step(&mut app, Action::Paste(page.into()), now());
    let text = app.explain().unwrap().text.clone();
    assert!(!text.contains(['\n', '\r', '\t']), "{text:?}");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(app.answer().unwrap().code.as_deref(), Some("AADSTS50008"));
    assert_eq!(names(&app).len(), 3);
    // Pasting into the filter filters.
    let mut filtered = self::app();
    act(
        &mut filtered,
        &[Action::StartFilter, Action::Paste("north\n".into())],
    );
    assert_eq!(names(&filtered), ["northwind.net"]);
}

#[test]
fn an_unknown_code_lists_the_domains_whose_sign_ins_fail_now() {
    let mut app = app_sized(120, 40);
    explain(&mut app, "AADSTS99999");
    let screen = screen_text(&draw(&app));
    assert!(
        screen.contains("fedcert knows nothing about AADSTS99999"),
        "{screen}"
    );
    assert!(
        names(&app).contains(&"fourthcoffee.com"),
        "{:?}",
        names(&app)
    );
}

#[test]
fn the_answer_follows_the_fix() {
    let mut app = app_sized(120, 40);
    explain(&mut app, "AADSTS50008");
    // fabrikam's Entra copy is put right: its next verdict is in sync.
    let fabrikam = index_of(&app, "fabrikam.com");
    let status = app.domain_mut(fabrikam).unwrap();
    status.assessment.severity = Severity::Ok;
    status.assessment.sync = SyncState::InSync;
    status.assessment.findings = vec![finding(
        Rule::S1,
        Severity::Ok,
        Situation::AutoInSync {
            next: AutoNext::PublishDue,
        },
        Advice::None,
    )];
    status.verdict_holds = None;
    act(&mut app, &[Action::Tick]);
    assert_eq!(names(&app), ["fourthcoffee.com", "woodgrove.com"]);
}

#[test]
fn snapshot_explain_prompt_80x24() {
    let mut app = app();
    press(&mut app, &[key(KeyCode::Char('e'))]);
    press(&mut app, &typed("AADSTS50008"));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_explain_answer_80x24() {
    let mut app = app();
    explain(&mut app, "AADSTS50008");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_explain_answer_120x40() {
    let mut app = app_sized(120, 40);
    explain(&mut app, "AADSTS50008");
    insta::assert_snapshot!(draw(&app).backend());
}

/// The security posture in the details (Entra's MFA behaviour, the audit log's changes or why
/// they could not be read, the certificate history) and the tenant's unwatched federated
/// domains in the header and the details, once the poller reports the tenant.
#[test]
fn the_details_show_the_posture_and_the_header_counts_unwatched_domains() {
    use fedcert::assess::FederationChange;
    use fedcert::history::Observation;
    use fedcert::source::graph::{Access, AuditedChange};
    use fedcert::tenant::TenantPosture;
    let mut app = app_sized(120, 40);
    let fabrikam = index_of(&app, "fabrikam.com");
    let change = FederationChange {
        at: now() - Duration::hours(3),
        activity: "Set federation settings on domain".into(),
        actor: "mallory@fabrikam.com".into(),
    };
    let status = app.domain_mut(fabrikam).unwrap();
    if let Some(side) = status.entra_live.as_mut() {
        side.mfa_behavior = Some("rejectMfaByFederatedIdp".into());
    }
    status.changes = Some(Access::Read(vec![change.clone()]));
    let published: Vec<Sha1> = status
        .last_good
        .iter()
        .flat_map(|s| s.facts.signing.iter().map(|c| c.sha1))
        .collect();
    let first = published[0];
    status.history.record(
        &Observation {
            published: Some(published),
            trusted: None,
        },
        now() - Duration::days(30),
    );
    let lines = |app: &App, id| -> Vec<String> {
        view::detail::lines(app, &app.domains()[id], now(), 200)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    };
    let has = |lines: &[String], text: &str| {
        assert!(
            lines.iter().any(|l| l.contains(text)),
            "no line has {text:?}:\n{}",
            lines.join("\n")
        );
    };
    let shown = lines(&app, fabrikam);
    has(
        &shown,
        "MFA        rejectMfaByFederatedIdp (Entra always does its own MFA, whatever the IdP says)",
    );
    has(
        &shown,
        "changes    2026-12-01 06:00 UTC (3 hours ago): Set federation settings on domain by mallory@fabrikam.com",
    );
    has(&shown, "Certificate history");
    has(
        &shown,
        &format!(
            "{}  first seen 2026-11-01 09:00 UTC (30d ago), published now",
            fedcert::words::short_thumbprint(first)
        ),
    );

    // The tenant's read: an unwatched federated domain, and no permission for the audit log.
    let posture = TenantPosture::new(
        fedcert::tenant::Tenant {
            name: "fabrikam.onmicrosoft.com".into(),
            default: true,
        },
        now(),
        Access::Read(vec![
            "fabrikam.com".to_owned(),
            "backdoor.fabrikam.com".to_owned(),
        ]),
        &app.domains()
            .iter()
            .map(|d| d.config.name.clone())
            .collect::<Vec<_>>(),
        Access::<Vec<AuditedChange>>::NotPermitted {
            permission: "AuditLog.Read.All",
            code: Some("Authorization_RequestDenied".into()),
            operator: None,
        },
    );
    frame_step(
        &mut app,
        Action::Poll(PollEvent::Tenant(Box::new(posture))),
        now(),
    );
    let shown = lines(&app, fabrikam);
    has(
        &shown,
        "changes    audit log not permitted, Graph says Authorization_RequestDenied: grant the app the application permission AuditLog.Read.All",
    );
    has(
        &shown,
        "tenant     1 federated domain of the tenant is not watched: backdoor.fabrikam.com",
    );
    let screen = screen_text(&draw(&app));
    assert!(screen.contains("1 UNWATCHED"), "{screen}");
}

/// Each tenant's unwatched federated domains count in the header; a domain's details show its
/// own tenant's only.
#[test]
fn the_details_show_only_the_unwatched_domains_of_the_domains_tenant() {
    use fedcert::source::graph::Access;
    use fedcert::tenant::{Tenant, TenantPosture};
    let mut app = app_sized(120, 40);
    let fabrikam = index_of(&app, "fabrikam.com");
    let lines = |app: &App, id| -> Vec<String> {
        view::detail::lines(app, &app.domains()[id], now(), 200)
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    };
    let has = |lines: &[String], text: &str| {
        assert!(
            lines.iter().any(|l| l.contains(text)),
            "no line has {text:?}:\n{}",
            lines.join("\n")
        );
    };
    // fabrikam.com names no tenant: it is the default tenant's ([entra]).
    let own = TenantPosture::new(
        Tenant {
            name: "fabrikam.onmicrosoft.com".into(),
            default: true,
        },
        now(),
        Access::Read(vec!["backdoor.fabrikam.com".to_owned()]),
        &[],
        Access::Read(Vec::new()),
    );
    let other = TenantPosture::new(
        Tenant {
            name: "woodgrove".into(),
            default: false,
        },
        now(),
        Access::Read(vec!["elsewhere.woodgrove.com".to_owned()]),
        &[],
        Access::Read(Vec::new()),
    );
    for posture in [own, other] {
        frame_step(
            &mut app,
            Action::Poll(PollEvent::Tenant(Box::new(posture))),
            now(),
        );
    }
    let shown = lines(&app, fabrikam);
    assert!(
        !shown.iter().any(|l| l.contains("elsewhere.woodgrove.com")),
        "{}",
        shown.join("\n")
    );
    has(
        &shown,
        "tenant     1 federated domain of the tenant is not watched: backdoor.fabrikam.com",
    );
    let screen = screen_text(&draw(&app));
    assert!(screen.contains("2 UNWATCHED"), "{screen}");
}

#[test]
fn the_worst_domain_stays_selected_as_verdicts_arrive_until_the_operator_chooses() {
    let mut app = app();
    assert_eq!(selected_name(&app), "fourthcoffee.com");
    // fourthcoffee's primary is put right: fabrikam is now the worst, and selected.
    let fourthcoffee = index_of(&app, "fourthcoffee.com");
    app.domain_mut(fourthcoffee).unwrap().assessment.severity = Severity::Ok;
    act(
        &mut app,
        &[Action::Tick, Action::ToggleHelp, Action::ToggleHelp],
    );
    assert_eq!(names(&app)[0], "fabrikam.com");
    assert_eq!(selected_name(&app), "fabrikam.com");
    // Once the operator moves, the selection is theirs.
    act(&mut app, &[Action::Down]);
    assert_eq!(selected_name(&app), "woodgrove.com");
    app.domain_mut(fourthcoffee).unwrap().assessment.severity = Severity::Critical;
    act(&mut app, &[Action::Tick]);
    assert_eq!(names(&app)[0], "fourthcoffee.com");
    assert_eq!(selected_name(&app), "woodgrove.com");
}
