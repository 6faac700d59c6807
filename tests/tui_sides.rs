//! The TUI's three sides and its IdP groups, with verdicts the engine makes: a farm of three
//! domains whose metadata lags behind AD FS (the AD FS list imported), a SAML IdP publishing a
//! twin key, a SAML IdP whose validUntil has passed. Snapshots at 80x24 and 120x40; `now` fixed.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use fedcert::assess::{
    AdfsHeld, AdfsHolds, EndpointFacts, EntraSide, EntraSource, IdpFacts, IdpKind, Rule,
};
use fedcert::cert::{CertInfo, Sha1, Sha256};
use fedcert::config::DomainConfig;
use fedcert::domain::{DomainStatus, RefreshOutcome, Snapshot};
use fedcert::source::imports::{AdfsCertificate, ImportedAdfsCertificates};
use fedcert::tui::keymap::{Keymap, Mode};
use fedcert::tui::view;
use fedcert::tui::{Action, App, Effect, Grouping, update};
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
    "2026-12-01T09:00:00Z".parse().unwrap()
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

/// The farm's primary (21 days left) and the secondary AD FS generated, which the metadata does
/// not publish yet.
fn farm_primary() -> CertInfo {
    let t = now() + Duration::days(21);
    cert(
        0x91,
        "ADFS Signing - fs.contoso.com",
        t - Duration::days(365),
        t,
    )
}

fn farm_secondary() -> CertInfo {
    let from = now() - Duration::days(1);
    cert(
        0x1A,
        "ADFS Signing - fs.contoso.com",
        from,
        from + Duration::days(365),
    )
}

fn facts(entity: &str, kind: IdpKind, signing: Vec<CertInfo>, sign_in: &str) -> IdpFacts {
    IdpFacts {
        entity_id: entity.into(),
        kind,
        signing,
        encryption: Vec::new(),
        signed_by: None,
        unreadable: Vec::new(),
        sign_in_url: Some(sign_in.into()),
        valid_until: None,
        ws_fed: kind == IdpKind::AdFs,
    }
}

fn entra(signing: &CertInfo, next: Option<&CertInfo>) -> EntraSide {
    EntraSide {
        source: Some(EntraSource::Graph),
        signing: Some(signing.sha1),
        next_signing: next.map(|c| c.sha1),
        signing_cert: Some(signing.clone()),
        next_signing_cert: next.cloned(),
        as_of: Some(now() - Duration::minutes(4)),
        ..EntraSide::default()
    }
}

/// A domain read 4 minutes ago, assessed by the engine.
fn domain(
    name: &str,
    auto: Option<bool>,
    facts: IdpFacts,
    entra_side: Option<EntraSide>,
) -> DomainStatus {
    let mut config = DomainConfig::new(
        name,
        format!(
            "https://{}/federationmetadata/2007-06/federationmetadata.xml",
            {
                facts
                    .sign_in_url
                    .as_deref()
                    .and_then(|u| u.split('/').nth(2))
                    .unwrap()
            }
        ),
    );
    config.auto_rollover = auto;
    let mut status = DomainStatus::new(config, now());
    let at = now() - Duration::minutes(4);
    status.apply(RefreshOutcome {
        at,
        metadata: Ok(Snapshot {
            fetched_at: at,
            location: status.config.metadata_url.clone(),
            facts,
            http_date: None,
            clock_skew: None,
            endpoints: EndpointFacts::default(),
        }),
        entra: entra_side.map(Ok),
    });
    status
}

/// contoso.com with AD FS's own list imported: the secondary it holds is the successor.
fn contoso() -> DomainStatus {
    let (p, s) = (farm_primary(), farm_secondary());
    let mut status = domain(
        "contoso.com",
        Some(true),
        facts(
            "http://fs.contoso.com/adfs/services/trust",
            IdpKind::AdFs,
            vec![p.clone()],
            "https://fs.contoso.com/adfs/ls/",
        ),
        Some(entra(&p, None)),
    );
    let imported_at = now() - Duration::hours(2);
    status.imported_adfs = Some(AdfsHolds {
        certificates: vec![
            AdfsHeld {
                sha1: p.sha1,
                is_primary: true,
                not_after: Some(p.not_after),
                cert: Some(p.clone()),
            },
            AdfsHeld {
                sha1: s.sha1,
                is_primary: false,
                not_after: Some(s.not_after),
                cert: Some(s.clone()),
            },
        ],
        as_of: Some(imported_at),
    });
    status.imports.adfs_certificates = Some(Box::new(ImportedAdfsCertificates {
        domain: "contoso.com".into(),
        file: "fedcert-collection/adfs-certificates.json".into(),
        imported_at,
        certificates: [(&p, true), (&s, false)]
            .into_iter()
            .map(|(c, primary)| AdfsCertificate {
                thumbprint: c.sha1,
                is_primary: primary,
                not_after: Some(c.not_after),
                certificate: None,
            })
            .collect(),
    }));
    status.reassess(now());
    status
}

/// A SAML IdP (IDPSSODescriptor only) publishing its signing key and a back-channel key that
/// expires one second later.
fn saml(
    name: &str,
    host: &str,
    days: i64,
    auto: Option<bool>,
    valid_until: Option<DateTime<Utc>>,
) -> DomainStatus {
    let t = now() + Duration::days(days);
    let signing = cert(0x5A, &format!("{host} signing"), t - Duration::days(730), t);
    let back = cert(
        0x5B,
        &format!("{host} back-channel"),
        t - Duration::days(730),
        t + Duration::seconds(1),
    );
    let mut f = facts(
        &format!("https://{host}/idp/shibboleth"),
        IdpKind::ThirdParty,
        vec![signing.clone(), back],
        &format!("https://{host}/idp/profile/SAML2/Redirect/SSO"),
    );
    f.valid_until = valid_until;
    domain(name, auto, f, Some(entra(&signing, None)))
}

/// Another domain of the farm, with what Entra holds for it.
fn farm_domain(name: &str, entra_side: Option<EntraSide>) -> DomainStatus {
    domain(
        name,
        Some(true),
        facts(
            "http://fs.contoso.com/adfs/services/trust",
            IdpKind::AdFs,
            vec![farm_primary()],
            "https://fs.contoso.com/adfs/ls/",
        ),
        entra_side,
    )
}

/// The farm's three domains are CRIT (Entra holds a retired certificate for fabrikam.com) and
/// WARN; a SAML IdP's domain (CRIT, 30 days) sorts between them in the flat list, which grouping
/// by IdP undoes.
fn domains() -> Vec<DomainStatus> {
    let retired = cert(
        0x0D,
        "ADFS Signing - fs.contoso.com",
        now() - Duration::days(400),
        now() - Duration::days(35),
    );
    vec![
        saml("adatum.org", "idp.adatum.org", 30, None, None),
        farm_domain("fabrikam.com", Some(entra(&retired, None))),
        saml(
            "tailspin.io",
            "idp.tailspin.io",
            300,
            None,
            Some(now() - Duration::days(3)),
        ),
        contoso(),
        farm_domain("litware.com", None),
    ]
}

fn app_sized(width: u16, height: u16) -> App {
    let mut app = App::new(domains());
    frame_step(&mut app, Action::Resize { width, height }, now());
    // The fleet grouped the domains; their verdicts are made again with their peers.
    frame_step(&mut app, Action::Tick, now());
    app
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size().0, app.size().1)).unwrap();
    terminal
        .draw(|frame| view::render(frame, app, now()))
        .unwrap();
    terminal
}

fn names(app: &App) -> Vec<String> {
    app.visible()
        .iter()
        .map(|&i| app.domains()[i].config.name.clone())
        .collect()
}

fn select(app: &mut App, name: &str) {
    frame_step(app, Action::Top, now());
    for _ in 0..app.domains().len() {
        if app.selected_status().unwrap().config.name == name {
            return;
        }
        frame_step(app, Action::Down, now());
    }
    panic!("no {name}");
}

/// The details of `name`, scrolled to the three sides.
fn three_sides(width: u16, height: u16) -> App {
    let mut app = app_sized(width, height);
    select(&mut app, "contoso.com");
    frame_step(&mut app, Action::OpenDetails, now());
    let status = app.selected_status().unwrap().clone();
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let details = view::layout::regions(area, &app).details.unwrap();
    let inner = view::detail::inner(details, width >= 120);
    let lines: Vec<String> = view::detail::lines(&app, &status, now(), inner.width)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("AD FS · metadata · Entra"))
        .unwrap();
    for _ in 0..at {
        frame_step(&mut app, Action::Down, now());
    }
    app
}

#[test]
fn the_engine_groups_the_farm_and_names_what_the_metadata_lacks() {
    let app = app_sized(120, 40);
    let contoso = app
        .domains()
        .iter()
        .find(|d| d.config.name == "contoso.com")
        .unwrap();
    assert_eq!(
        contoso.group(),
        ["fabrikam.com", "contoso.com", "litware.com"]
    );
    let rules: Vec<Rule> = contoso.assessment.findings.iter().map(|f| f.rule).collect();
    assert!(
        rules.contains(&Rule::A1) && rules.contains(&Rule::A2),
        "{rules:?}"
    );
    assert_eq!(
        contoso.assessment.successor.as_ref().map(|s| s.sha1),
        Some(farm_secondary().sha1)
    );
    let tailspin = app
        .domains()
        .iter()
        .find(|d| d.config.name == "tailspin.io")
        .unwrap();
    assert!(
        tailspin
            .assessment
            .findings
            .iter()
            .any(|f| f.rule == Rule::V1)
    );
    assert_eq!(
        tailspin.assessment.successor, None,
        "a twin is no successor"
    );
}

#[test]
fn snapshot_three_sides_80x24() {
    let app = three_sides(80, 24);
    let text = draw(&app).backend().to_string();
    assert!(text.contains("secondary —"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_three_sides_120x40() {
    insta::assert_snapshot!(draw(&three_sides(120, 40)).backend());
}

#[test]
fn snapshot_twin_timeline_120x40() {
    let mut app = app_sized(120, 40);
    select(&mut app, "adatum.org");
    frame_step(&mut app, Action::OpenDetails, now());
    let text = draw(&app).backend().to_string();
    assert!(text.contains("signing  twin"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn b_groups_the_list_by_idp_and_back() {
    let mut app = app_sized(80, 24);
    let b = KeyEvent::new(KeyCode::Char('b'), KeyModifiers::NONE);
    assert_eq!(
        Keymap::standard().action_for(Mode::List, &b),
        Some(Action::CycleGrouping)
    );
    let flat = names(&app);
    // One tenant (none configured): grouping by tenant would make one group, so `b` goes
    // straight to the IdP groups.
    frame_step(&mut app, Action::CycleGrouping, now());
    assert_eq!(app.grouping(), Grouping::Idp);
    let grouped = names(&app);
    // The farm's three domains together, worst first; each other IdP's domain alone.
    assert_eq!(
        grouped,
        [
            "fabrikam.com",
            "contoso.com",
            "litware.com",
            "adatum.org",
            "tailspin.io"
        ]
    );
    assert_ne!(
        flat, grouped,
        "a SAML IdP's domain sorts between the farm's when not grouped"
    );
    let text = draw(&app).backend().to_string();
    for (mark, name) in [
        ("┌ fs.contoso.com", "fabrikam.com"),
        ("├ fs.contoso.com", "contoso.com"),
        ("└ fs.contoso.com", "litware.com"),
        ("  idp.adatum.org", "adatum.org"),
    ] {
        assert!(
            text.lines().any(|l| l.contains(name) && l.contains(mark)),
            "{name} has no {mark:?}: {text}"
        );
    }
    frame_step(&mut app, Action::CycleGrouping, now());
    assert_eq!(app.grouping(), Grouping::None);
    assert_eq!(names(&app), flat);
}

/// A domain whose metadata starts naming the farm's entityID joins the farm's group; until its
/// metadata is read, it stands after every group.
#[test]
fn a_domain_joins_its_idp_group_when_its_metadata_is_read() {
    let mut unread = farm_domain("northwind.com", None);
    unread.last_good = None;
    let mut list = domains();
    list.push(unread);
    let mut app = App::new(list);
    frame_step(
        &mut app,
        Action::Resize {
            width: 120,
            height: 40,
        },
        now(),
    );
    frame_step(&mut app, Action::Tick, now());
    frame_step(&mut app, Action::CycleGrouping, now());
    assert_eq!(names(&app).last().unwrap(), "northwind.com");

    let at = now() - Duration::minutes(1);
    let id = app
        .domains()
        .iter()
        .position(|d| d.config.name == "northwind.com")
        .unwrap();
    let location = app.domains()[id].config.metadata_url.clone();
    frame_step(
        &mut app,
        Action::Poll(fedcert::poller::PollEvent::Finished {
            domain: fedcert::fleet::DomainId::from_index(id),
            outcome: Box::new(RefreshOutcome {
                at,
                metadata: Ok(Snapshot {
                    fetched_at: at,
                    location,
                    facts: facts(
                        "http://fs.contoso.com/adfs/services/trust",
                        IdpKind::AdFs,
                        vec![farm_primary()],
                        "https://fs.contoso.com/adfs/ls/",
                    ),
                    http_date: None,
                    clock_skew: None,
                    endpoints: EndpointFacts::default(),
                }),
                entra: None,
            }),
        }),
        now(),
    );
    let grouped = names(&app);
    let farm = grouped.iter().position(|n| n == "fabrikam.com").unwrap();
    let mut members: Vec<&str> = grouped[farm..farm + 4].iter().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "contoso.com",
            "fabrikam.com",
            "litware.com",
            "northwind.com"
        ],
        "{grouped:?}"
    );
}

#[test]
fn snapshot_grouped_list_80x24() {
    let mut app = app_sized(80, 24);
    frame_step(&mut app, Action::CycleGrouping, now());
    insta::assert_snapshot!(draw(&app).backend());
}

/// The wide list (no details beside it): the group marks in the IDP GROUP column, widened for
/// them.
#[test]
fn snapshot_grouped_wide_list_120x40() {
    let mut app = app_sized(120, 40);
    frame_step(&mut app, Action::CycleGrouping, now());
    let text = draw(&app).backend().to_string();
    assert!(text.contains("IDP GROUP"), "{text}");
    assert!(text.contains("└ fs.contoso.com"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_grouped_list_120x40() {
    let mut app = app_sized(120, 40);
    frame_step(&mut app, Action::CycleGrouping, now());
    select(&mut app, "litware.com");
    frame_step(&mut app, Action::OpenDetails, now());
    insta::assert_snapshot!(draw(&app).backend());
}
