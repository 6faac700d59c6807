//! The checklist screen of the TUI: keys through the keymap into `update`, the effects it asks
//! for, those effects carried out against a store in a temp dir (so a "restart" — a new `App`
//! on the same data dir — finds the marks), the OSC 52 bytes, snapshots of the screen, and the
//! real `fedcert checklist --format json` reading what the TUI saved.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use fedcert::assess::finding::PendingPhase;
use fedcert::assess::{
    Advice, Assessment, EntraSide, EntraSource, Finding, IdpFacts, IdpKind, Primary, PrimarySource,
    Rule, Severity, Situation, SuccessorSource, SyncState,
};
use fedcert::cert::{CertInfo, Sha1, Sha256};
use fedcert::checklist::{Checklist, Dialect, Mark, Progress, StepId, StepState};
use fedcert::config::DomainConfig;
use fedcert::domain::{DomainStatus, FetchState, RefreshOutcome, Snapshot};
use fedcert::fleet::DomainId;
use fedcert::poller::{PollCommand, PollEvent};
use fedcert::source::imports::Imports;
use fedcert::store::Store;
use fedcert::tui::checklist_screen::{self, Edit, ProgressChange};
use fedcert::tui::effects::{self, EffectIo, Outcome};
use fedcert::tui::keymap::{self, Mode};
use fedcert::tui::{Action, App, Effect, ScreenKind, clipboard, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

// ---- fixtures --------------------------------------------------------------------------------

const DOMAIN: &str = "contoso.com";
const NOW: &str = "2026-12-01T09:00:00Z";

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
    at(NOW)
}

fn cert(der: &[u8], not_before: DateTime<Utc>, not_after: DateTime<Utc>) -> CertInfo {
    let subject = "CN=ADFS Signing - fs.contoso.com".to_owned();
    CertInfo {
        sha1: Sha1::of(der),
        sha256: Sha256::of(der),
        issuer: subject.clone(),
        subject,
        serial: "01".to_owned(),
        not_before,
        not_after,
        key_algorithm: "RSA".to_owned(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".to_owned(),
        self_signed: true,
        der: Arc::from(der),
    }
}

fn primary() -> CertInfo {
    cert(
        b"contoso-primary",
        at("2025-12-13T12:00:00Z"),
        at("2026-12-13T12:00:00Z"),
    )
}

fn successor() -> CertInfo {
    cert(
        b"contoso-successor",
        at("2026-11-23T12:00:00Z"),
        at("2027-11-23T12:00:00Z"),
    )
}

/// contoso.com needs a manual renewal: AutoCertificateRollover off, 12 days left, the successor
/// generated and published, Entra (read through Graph) holding only the primary.
fn contoso() -> DomainStatus {
    let mut config = DomainConfig::new(
        DOMAIN,
        "https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml",
    );
    config.auto_rollover = Some(false);
    config.adfs_primary_server = Some("adfs01.contoso.com".to_owned());
    let (p, s) = (primary(), successor());
    let successor_sha1 = s.sha1;
    let facts = IdpFacts {
        entity_id: "http://fs.contoso.com/adfs/services/trust".to_owned(),
        kind: IdpKind::AdFs,
        signing: vec![p.clone(), s.clone()],
        encryption: Vec::new(),
        signed_by: Some(p.clone()),
        unreadable: Vec::new(),
        sign_in_url: Some("https://fs.contoso.com/adfs/ls/".to_owned()),
        valid_until: None,
        ws_fed: true,
    };
    DomainStatus {
        last_good: Some(Box::new(Snapshot {
            fetched_at: now() - Duration::minutes(4),
            location: config.metadata_url.clone(),
            facts,
            http_date: None,
            clock_skew: None,
            endpoints: fedcert::assess::EndpointFacts::default(),
        })),
        config,
        last_error: None,
        last_attempt: Some(now() - Duration::minutes(4)),
        entra_live: Some(Box::new(EntraSide {
            source: Some(EntraSource::Graph),
            signing: Some(p.sha1),
            next_signing: None,
            signing_cert: Some(p.clone()),
            next_signing_cert: None,
            update_result: Some("Success".into()),
            last_run: Some(now() - Duration::hours(6)),
            federation_id: Some("6601d14b-d113-8f64-fda2-9b5ddda18ecc".to_owned()),
            issuer_uri: Some("http://fs.contoso.com/adfs/services/trust".to_owned()),
            mfa_behavior: None,
            passive_sign_in_uri: None,
            as_of: Some(now() - Duration::minutes(4)),
        })),
        entra_error: None,
        imported_auto_rollover: None,
        imported_adfs: None,
        peers: None,
        imports: Imports::default(),
        fetch: FetchState::Idle,
        changed: false,
        assessment: Assessment {
            severity: Severity::Warning,
            sync: SyncState::Pending,
            kind: Some(IdpKind::AdFs),
            outage: None,
            days_left: Some(p.days_left_exact(now())),
            primary: Some(Primary {
                cert: p,
                source: PrimarySource::MetadataSignature,
            }),
            successor: Some(s),
            successor_source: Some(SuccessorSource::Metadata),
            adfs: None,
            findings: vec![Finding {
                rule: Rule::R4,
                severity: Severity::Warning,
                situation: Situation::SuccessorNotInEntra {
                    successor: successor_sha1,
                    phase: PendingPhase::Polling {
                        poll_from: now() - Duration::days(12),
                    },
                },
                advice: Advice::UpdateEntra,
            }],
            milestones: Vec::new(),
        },
        // A verdict made by hand: re-assessed at every chance.
        verdict_holds: None,
        history: fedcert::history::CertHistory::new("contoso.com"),
        history_problem: None,
        changes: None,
    }
}

/// A second domain, so that the list has something else on it.
fn fabrikam() -> DomainStatus {
    DomainStatus::new(
        DomainConfig::new(
            "fabrikam.com",
            "https://fs.fabrikam.com/federationmetadata/2007-06/federationmetadata.xml",
        ),
        now(),
    )
}

fn keep_verdict(_: &mut DomainStatus, _: DateTime<Utc>) {}

fn app_with(domains: Vec<DomainStatus>, width: u16, height: u16) -> App {
    let mut app = App::with_reassess(domains, keep_verdict);
    frame_step(&mut app, Action::Resize { width, height }, now());
    app
}

/// contoso.com is selected (WARN sorts before UNKNOWN).
fn app_sized(width: u16, height: u16) -> App {
    let app = app_with(vec![fabrikam(), contoso()], width, height);
    assert_eq!(app.selected_status().unwrap().config.name, DOMAIN);
    app
}

fn app() -> App {
    app_sized(80, 24)
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// The action `code` means in the app's current mode; panics when the key is unbound there.
fn action(app: &App, code: KeyCode) -> Action {
    keymap::action_for(app.mode(), &key(code))
        .unwrap_or_else(|| panic!("{code:?} is not bound in {:?}", app.mode()))
}

/// Press keys: each through the keymap into `update`; the effects asked for, in order.
fn press(app: &mut App, codes: &[KeyCode]) -> Vec<Effect> {
    codes
        .iter()
        .flat_map(|&code| {
            let action = action(app, code);
            frame_step(app, action, now())
        })
        .collect()
}

fn chars(text: &str) -> Vec<KeyCode> {
    text.chars().map(KeyCode::Char).collect()
}

fn checklist(app: &App) -> Checklist {
    checklist_screen::build(app, now()).unwrap()
}

fn cursor_step(app: &App) -> StepId {
    let list = checklist(app);
    list.steps[app.checklist().unwrap().cursor(&list).unwrap()].id
}

fn state(app: &App, id: StepId) -> StepState {
    checklist(app).step(id).unwrap().state()
}

fn ids(list: &Checklist) -> Vec<&'static str> {
    list.steps.iter().map(|s| s.id.as_str()).collect()
}

/// The effect loop's outside world: a poller channel, the store, a terminal that is a byte buffer.
struct World {
    store: Option<Store>,
    commands: mpsc::UnboundedSender<PollCommand>,
    _poller: mpsc::UnboundedReceiver<PollCommand>,
    terminal: Vec<u8>,
    tmux: bool,
}

impl World {
    fn new(store: Option<Store>) -> Self {
        let (commands, poller) = mpsc::unbounded_channel();
        Self {
            store,
            commands,
            _poller: poller,
            terminal: Vec::new(),
            tmux: false,
        }
    }

    /// Press keys as the event loop does: keymap → update → effects carried out → answers back.
    fn press(&mut self, app: &mut App, codes: &[KeyCode]) {
        for &code in codes {
            let action = action(app, code);
            let mut io = EffectIo {
                commands: &self.commands,
                store: self.store.as_ref(),
                terminal: &mut self.terminal,
                tmux: self.tmux,
            };
            assert!(!effects::drive(app, action, now(), &mut io), "quit");
            let (width, height) = app.size();
            let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
            fedcert::tui::event_loop::draw(&mut terminal, app, now()).unwrap();
        }
    }
}

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size().0, app.size().1)).unwrap();
    terminal
        .draw(|frame| view::render(frame, app, now()))
        .unwrap();
    terminal
}

fn screen_text(app: &App) -> String {
    draw(app).backend().to_string()
}

// ---- opening, moving, going back -------------------------------------------------------------

/// The steps the screen keeps (what keys act on and what is drawn) are those of the state each
/// update left: built at the end of it, not when drawn.
#[test]
fn the_checklist_kept_is_the_one_the_last_update_left() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c')]);
    let kept = |app: &App| app.checklist().unwrap().list().clone();
    assert_eq!(kept(&app), checklist(&app));
    press(&mut app, &[KeyCode::Char(' ')]);
    assert_eq!(kept(&app), checklist(&app), "a mark shows at once");
    press(&mut app, &[KeyCode::Char('d')]);
    assert_eq!(app.dialect(), Dialect::MsOnline);
    assert_eq!(kept(&app), checklist(&app), "so does the other dialect");
    frame_step(&mut app, Action::Tick, now() + chrono::Duration::days(40));
    assert_eq!(
        kept(&app),
        checklist_screen::build(&app, now() + chrono::Duration::days(40)).unwrap(),
        "and a tick's new time"
    );
}

#[test]
fn c_opens_the_selected_domains_checklist_and_asks_for_its_saved_progress() {
    let mut app = app();
    let effects = press(&mut app, &[KeyCode::Char('c')]);
    assert_eq!(
        effects,
        [Effect::LoadProgress {
            domain: DOMAIN.to_owned()
        }]
    );
    assert_eq!(app.screen_kind(), ScreenKind::Checklist);
    assert_eq!(app.mode(), Mode::Checklist);
    let list = checklist(&app);
    assert_eq!(
        ids(&list),
        [
            "auto-rollover",
            "sync",
            "expiry",
            "kb-updates",
            "adfs-certs",
            "update-entra",
            "repair-trust",
            "verify-entra",
            "promote"
        ]
    );
    assert!(
        screen_text(&app).contains("2/9 done"),
        "{}",
        screen_text(&app)
    );
}

#[test]
fn the_cursor_starts_on_the_first_step_neither_done_nor_verified() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c')]);
    assert_eq!(cursor_step(&app), StepId::AutoRollover);

    // The saved progress arrives: the first two steps done, so the cursor moves on to the first
    // open one, skipping the verified expiry step.
    let key = Some(primary().sha1);
    let mut saved = Progress::new(DOMAIN);
    saved.toggle_done(key, StepId::AutoRollover, now());
    saved.toggle_done(key, StepId::Sync, now());
    frame_step(
        &mut app,
        Action::ProgressLoaded {
            domain: DOMAIN.to_owned(),
            result: Ok(saved.clone()),
        },
        now(),
    );
    assert_eq!(state(&app, StepId::Expiry), StepState::Verified);
    assert_eq!(cursor_step(&app), StepId::KbUpdates);

    // Opened from the details, it starts at the step that carries out the top finding's
    // advice (R4: update Entra), and stays there when the saved progress arrives; Esc goes back
    // to the details.
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.screen_kind(), ScreenKind::List);
    press(&mut app, &[KeyCode::Enter, KeyCode::Char('c')]);
    assert_eq!(cursor_step(&app), StepId::UpdateEntra);
    frame_step(
        &mut app,
        Action::ProgressLoaded {
            domain: DOMAIN.to_owned(),
            result: Ok(saved),
        },
        now(),
    );
    assert_eq!(cursor_step(&app), StepId::UpdateEntra);
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(app.screen_kind(), ScreenKind::Details);
}

#[test]
fn j_k_g_and_g_move_between_steps_and_stop_at_the_ends() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c')]);
    press(&mut app, &[KeyCode::Char('j'), KeyCode::Down]);
    assert_eq!(cursor_step(&app), StepId::Expiry);
    press(&mut app, &[KeyCode::Char('k')]);
    assert_eq!(cursor_step(&app), StepId::Sync);
    press(&mut app, &[KeyCode::Char('G')]);
    assert_eq!(cursor_step(&app), StepId::Promote);
    press(&mut app, &[KeyCode::Char('j')]);
    assert_eq!(cursor_step(&app), StepId::Promote);
    press(&mut app, &[KeyCode::Char('g'), KeyCode::Up]);
    assert_eq!(cursor_step(&app), StepId::AutoRollover);
    // Moving in the checklist leaves the list's selection alone.
    assert_eq!(app.selected_status().unwrap().config.name, DOMAIN);
}

// ---- marks, notes --------------------------------------------------------------------------

fn saved_mark(effects: &[Effect]) -> (StepId, Edit) {
    match effects {
        [
            Effect::SaveProgress {
                domain,
                change:
                    ProgressChange {
                        primary,
                        step,
                        at,
                        edit,
                    },
            },
        ] => {
            assert_eq!(domain, DOMAIN);
            assert_eq!(*primary, Some(self::primary().sha1), "the run key");
            assert_eq!(*at, now());
            (*step, edit.clone())
        }
        other => panic!("expected one SaveProgress, got {other:?}"),
    }
}

#[test]
fn space_marks_done_and_again_undoes_s_skips_f_fails() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c')]);

    let effects = press(&mut app, &[KeyCode::Char(' ')]);
    assert_eq!(
        saved_mark(&effects),
        (StepId::AutoRollover, Edit::Mark(Mark::Done))
    );
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Done);
    assert_eq!(cursor_step(&app), StepId::AutoRollover, "the cursor stays");
    assert!(screen_text(&app).contains("3/9 done"));

    let effects = press(&mut app, &[KeyCode::Char(' ')]);
    assert_eq!(
        saved_mark(&effects),
        (StepId::AutoRollover, Edit::Mark(Mark::Todo))
    );
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Todo);

    let effects = press(&mut app, &[KeyCode::Char('s')]);
    assert_eq!(
        saved_mark(&effects),
        (StepId::AutoRollover, Edit::Mark(Mark::Skipped))
    );
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Skipped);
    // From skipped straight to failed, then f again undoes it.
    let effects = press(&mut app, &[KeyCode::Char('f')]);
    assert_eq!(
        saved_mark(&effects),
        (StepId::AutoRollover, Edit::Mark(Mark::Failed))
    );
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Failed);
    assert!(screen_text(&app).contains("FAILED"));
    press(&mut app, &[KeyCode::Char('f')]);
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Todo);
    let effects = press(&mut app, &[KeyCode::Char('s'), KeyCode::Char('s')]);
    assert_eq!(effects.len(), 2);
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Todo);
}

#[test]
fn n_types_a_note_enter_saves_it_esc_cancels_and_an_empty_note_removes_it() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c'), KeyCode::Char('j')]);
    press(&mut app, &[KeyCode::Char('n')]);
    assert_eq!(app.mode(), Mode::Note);
    // While typing, keys are text: q, j, s and Space do not quit, move or mark.
    let effects = press(&mut app, &chars("CAB ok, sj q"));
    assert!(effects.is_empty());
    press(&mut app, &[KeyCode::Backspace, KeyCode::Backspace]);
    assert_eq!(app.note_input(), Some("CAB ok, sj"));
    assert!(screen_text(&app).contains("note for step 2: CAB ok, sj"));
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert_eq!(
        saved_mark(&effects),
        (StepId::Sync, Edit::Note("CAB ok, sj".to_owned()))
    );
    assert_eq!(app.mode(), Mode::Checklist);
    let list = checklist(&app);
    assert_eq!(list.step(StepId::Sync).unwrap().note(), Some("CAB ok, sj"));
    assert_eq!(
        list.step(StepId::Sync).unwrap().state(),
        StepState::Todo,
        "a note is not a mark"
    );
    assert!(screen_text(&app).contains("CAB ok, sj (2026-12-01 09:00 UTC)"));

    // n starts from the saved note; Esc drops the edit.
    press(&mut app, &[KeyCode::Char('n')]);
    assert_eq!(app.note_input(), Some("CAB ok, sj"));
    let effects = press(&mut app, &[KeyCode::Char('!'), KeyCode::Esc]);
    assert!(effects.is_empty());
    assert_eq!(app.mode(), Mode::Checklist);
    assert_eq!(
        app.screen_kind(),
        ScreenKind::Checklist,
        "Esc cancels the note only"
    );
    assert_eq!(
        checklist(&app).step(StepId::Sync).unwrap().note(),
        Some("CAB ok, sj")
    );

    // Emptied and saved: the note is gone.
    press(&mut app, &[KeyCode::Char('n')]);
    press(&mut app, &[KeyCode::Backspace; 10]);
    let effects = press(&mut app, &[KeyCode::Enter]);
    assert_eq!(
        saved_mark(&effects),
        (StepId::Sync, Edit::Note(String::new()))
    );
    assert_eq!(checklist(&app).step(StepId::Sync).unwrap().note(), None);
}

// ---- copy, dialect -------------------------------------------------------------------------

#[test]
fn y_copies_the_steps_commands_exactly_as_shown_and_says_so() {
    let mut app = app_sized(120, 40);
    press(&mut app, &[KeyCode::Char('c'), KeyCode::Char('j')]);
    let commands = checklist(&app).step(StepId::Sync).unwrap().commands.clone();
    assert!(commands.len() >= 2, "{commands:?}");
    let effects = press(&mut app, &[KeyCode::Char('y')]);
    assert_eq!(effects, [Effect::Copy(commands.join("\n"))]);
    let text = screen_text(&app);
    assert!(
        text.contains(&format!("copied {} lines (OSC 52)", commands.len())),
        "{text}"
    );
    // The same commands are on screen, flush left, to select by hand.
    for command in &commands {
        let head: String = command.chars().take(60).collect();
        assert!(
            text.contains(&format!("\"{head}")),
            "{head} not at the left edge:\n{text}"
        );
    }
    // The expiry step has nothing to run.
    press(&mut app, &[KeyCode::Char('j')]);
    assert!(press(&mut app, &[KeyCode::Char('y')]).is_empty());
    assert!(screen_text(&app).contains("nothing to copy"));
}

#[test]
fn w_writes_the_runbook_as_a_script_to_the_data_dir_and_shows_where() {
    let dir = tempfile::tempdir().unwrap();
    let mut world = World::new(Some(Store::at(dir.path())));
    let mut app = app_sized(120, 40);
    // Switched to MSOnline: the script is the runbook as shown, in the dialect shown.
    world.press(&mut app, &[KeyCode::Char('c'), KeyCode::Char('d')]);
    let expected = fedcert::checklist::format::script(&checklist(&app));
    assert!(
        expected.contains("Set-MsolDomainFederationSettings"),
        "{expected}"
    );
    world.press(&mut app, &[KeyCode::Char('w')]);
    let path = dir.path().join("runbooks").join("contoso.com.ps1");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
    let notice = app.notice().cloned().unwrap();
    assert!(!notice.error, "{}", notice.text);
    assert_eq!(
        notice.text,
        format!(
            "wrote the runbook of contoso.com as a script: {}",
            path.display()
        )
    );
    assert!(screen_text(&app).contains("wrote the runbook of contoso.com as a script"));
    // Again after a step is marked done: the file is rewritten, the step commented out.
    world.press(&mut app, &[KeyCode::Char(' '), KeyCode::Char('w')]);
    let again = std::fs::read_to_string(&path).unwrap();
    assert_ne!(again, expected);
    assert_eq!(again, fedcert::checklist::format::script(&checklist(&app)));

    // Nowhere to write: said, as an error that stays.
    let mut world = World::new(None);
    let mut app = self::app();
    world.press(&mut app, &[KeyCode::Char('c'), KeyCode::Char('w')]);
    let notice = app.notice().cloned().unwrap();
    assert!(notice.error);
    assert_eq!(
        notice.text,
        "cannot write the runbook script of contoso.com: no data directory to save the runbook script in (set FEDCERT_DATA_DIR)"
    );
}

#[test]
fn d_switches_the_commands_between_graph_and_msonline() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c')]);
    let sync = |app: &App| {
        checklist(app)
            .step(StepId::Sync)
            .unwrap()
            .commands
            .join("\n")
    };
    assert_eq!(app.dialect(), Dialect::Graph);
    assert!(sync(&app).contains("Connect-MgGraph"));
    press(&mut app, &[KeyCode::Char('d')]);
    assert_eq!(app.dialect(), Dialect::MsOnline);
    assert!(sync(&app).contains("Connect-MsolService"), "{}", sync(&app));
    assert!(screen_text(&app).contains("MSOnline"));
    press(&mut app, &[KeyCode::Char('y')]);
    press(&mut app, &[KeyCode::Char('d')]);
    assert_eq!(app.dialect(), Dialect::Graph);
    assert!(sync(&app).contains("Connect-MgGraph"));
}

// ---- live verification -----------------------------------------------------------------------

#[test]
fn verified_steps_follow_the_live_evidence() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c')]);
    let step = checklist(&app).step(StepId::AdfsCerts).unwrap().clone();
    let verified = step.verified.as_ref().unwrap();
    assert_eq!(verified.at, now() - Duration::minutes(4));
    assert!(
        verified.evidence.contains("two signing certificates"),
        "{}",
        verified.evidence
    );

    // A refresh finds the successor gone: the step is no longer verified.
    let index = DomainId::from_index(
        app.domains()
            .iter()
            .position(|d| d.config.name == DOMAIN)
            .unwrap(),
    );
    let mut snapshot = *app.domains()[index].last_good.clone().unwrap();
    snapshot.facts.signing.truncate(1);
    snapshot.fetched_at = now();
    let outcome = RefreshOutcome {
        at: now(),
        metadata: Ok(snapshot),
        entra: None,
    };
    let reassess = |status: &mut DomainStatus, _: DateTime<Utc>| {
        status.assessment.successor = None;
    };
    let mut app2 = App::with_reassess(app.domains().to_vec(), reassess);
    frame_step(
        &mut app2,
        Action::Resize {
            width: 80,
            height: 24,
        },
        now(),
    );
    press(&mut app2, &[KeyCode::Char('c')]);
    assert_eq!(state(&app2, StepId::AdfsCerts), StepState::Verified);
    frame_step(
        &mut app2,
        Action::Poll(PollEvent::Finished {
            domain: index,
            outcome: Box::new(outcome),
        }),
        now(),
    );
    assert_eq!(state(&app2, StepId::AdfsCerts), StepState::Todo);
    assert!(
        ids(&checklist(&app2)).contains(&"generate"),
        "no successor: generate one"
    );
}

#[test]
fn a_new_primary_certificate_starts_a_new_run_and_keeps_the_old_one() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c'), KeyCode::Char(' ')]);
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Done);

    // The successor became the primary: the marks of the old renewal no longer apply.
    let index = DomainId::from_index(
        app.domains()
            .iter()
            .position(|d| d.config.name == DOMAIN)
            .unwrap(),
    );
    let a = &mut app.domain_mut(index).unwrap().assessment;
    a.primary.as_mut().unwrap().cert = successor();
    a.successor = None;
    frame_step(&mut app, Action::Tick, now());
    assert_eq!(checklist(&app).primary, Some(successor().sha1));
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Todo);

    let effects = press(&mut app, &[KeyCode::Char('g'), KeyCode::Char(' ')]);
    let Effect::SaveProgress { change, .. } = &effects[0] else {
        panic!("{effects:?}");
    };
    assert_eq!(change.primary, Some(successor().sha1), "the new run's key");
    press(&mut app, &[KeyCode::Char('j')]);
    assert_eq!(checklist(&app).history.len(), 1);
    assert!(
        screen_text(&app).contains("1 earlier renewal kept"),
        "{}",
        screen_text(&app)
    );
}

// ---- effects against a real store: saving, restarting, failures -------------------------------

#[test]
fn a_marked_step_is_still_marked_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut world = World::new(Some(Store::at(dir.path())));
    let mut app = app();
    world.press(&mut app, &[KeyCode::Char('c'), KeyCode::Char(' ')]);
    world.press(&mut app, &[KeyCode::Char('j'), KeyCode::Char('n')]);
    world.press(&mut app, &chars("Graph says 1 cert"));
    world.press(&mut app, &[KeyCode::Enter]);
    assert!(app.notice().is_some_and(|n| !n.error), "{:?}", app.notice());

    // On disk, under the primary's run.
    let saved = Store::at(dir.path()).load::<Progress>(DOMAIN).unwrap();
    assert_eq!(
        saved.mark(Some(primary().sha1), StepId::AutoRollover),
        Mark::Done
    );

    // "Restart": a new app, the same data dir.
    drop(app);
    let mut world = World::new(Some(Store::at(dir.path())));
    let mut app = app_sized(120, 40);
    world.press(&mut app, &[KeyCode::Char('c')]);
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Done);
    assert_eq!(
        checklist(&app).step(StepId::Sync).unwrap().note(),
        Some("Graph says 1 cert")
    );
    assert_eq!(cursor_step(&app), StepId::Sync, "the first open step");
    assert!(screen_text(&app).contains("3/9 done"));
}

#[test]
fn a_save_that_fails_is_shown_and_not_lost_silently() {
    let dir = tempfile::tempdir().unwrap();
    // The data dir is a file: nothing can be created in it.
    let blocker = dir.path().join("data");
    std::fs::write(&blocker, "not a directory").unwrap();
    let mut world = World::new(Some(Store::at(&blocker)));
    let mut app = app();
    world.press(&mut app, &[KeyCode::Char('c'), KeyCode::Char(' ')]);
    let notice = app.notice().cloned().unwrap();
    assert!(notice.error);
    assert!(notice.text.starts_with("NOT SAVED: "), "{}", notice.text);
    assert!(
        notice.text.contains("data"),
        "names the path: {}",
        notice.text
    );
    assert!(screen_text(&app).contains("NOT SAVED"));
    // The mark still shows, and the error stays while moving around.
    assert_eq!(state(&app, StepId::AutoRollover), StepState::Done);
    world.press(&mut app, &[KeyCode::Char('j')]);
    assert!(app.notice().unwrap().error);

    // Without a data dir at all, the same.
    let mut world = World::new(None);
    let mut app = self::app();
    world.press(&mut app, &[KeyCode::Char('c'), KeyCode::Char(' ')]);
    assert!(
        app.notice()
            .as_ref()
            .unwrap()
            .text
            .contains("no data directory to save progress in (set FEDCERT_DATA_DIR)")
    );
}

#[test]
fn a_corrupt_progress_file_is_reported_when_the_checklist_opens() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir
        .path()
        .join(<Progress as fedcert::store::Record>::file_name(DOMAIN));
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "{ torn").unwrap();
    let mut world = World::new(Some(Store::at(dir.path())));
    let mut app = app();
    world.press(&mut app, &[KeyCode::Char('c')]);
    let notice = app.notice().cloned().unwrap();
    assert!(notice.error);
    assert!(notice.text.contains("corrupt"), "{}", notice.text);
    assert!(notice.text.contains("moved it aside"), "{}", notice.text);
    assert!(!file.exists(), "moved aside");
    // The next mark starts a fresh file and clears the error.
    world.press(&mut app, &[KeyCode::Char(' ')]);
    assert!(app.notice().is_some_and(|n| !n.error));
    assert!(file.exists());
}

#[test]
fn y_writes_the_osc52_sequence_to_the_terminal() {
    let mut world = World::new(None);
    let mut app = app();
    world.press(&mut app, &[KeyCode::Char('c'), KeyCode::Char('y')]);
    let commands = checklist(&app).steps[0].commands.join("\n");
    assert_eq!(world.terminal, clipboard::osc52(&commands, false));
    world.terminal.clear();
    world.tmux = true;
    world.press(&mut app, &[KeyCode::Char('y')]);
    assert_eq!(world.terminal, clipboard::osc52(&commands, true));
}

#[test]
fn quit_and_refresh_effects_still_reach_the_poller_from_the_checklist() {
    let (commands, mut poller) = mpsc::unbounded_channel();
    let mut terminal = Vec::new();
    let mut io = EffectIo {
        commands: &commands,
        store: None,
        terminal: &mut terminal,
        tmux: false,
    };
    let mut app = app();
    assert!(!effects::drive(
        &mut app,
        Action::OpenChecklist,
        now(),
        &mut io
    ));
    let refresh = action(&app, KeyCode::Char('r'));
    assert!(!effects::drive(&mut app, refresh, now(), &mut io));
    assert!(matches!(poller.try_recv(), Ok(PollCommand::Refresh(_))));
    assert_eq!(effects::perform(Effect::Quit, &mut io), Outcome::Quit);
    let quit = action(&app, KeyCode::Char('q'));
    assert!(effects::drive(&mut app, quit, now(), &mut io));
}

// ---- OSC 52, byte for byte -----------------------------------------------------------------

#[test]
fn osc52_is_esc_bracket_52_c_base64_bel() {
    let text = "Get-AdfsCertificate -CertificateType Token-Signing";
    let expected =
        b"\x1b]52;c;R2V0LUFkZnNDZXJ0aWZpY2F0ZSAtQ2VydGlmaWNhdGVUeXBlIFRva2VuLVNpZ25pbmc=\x07";
    assert_eq!(clipboard::osc52(text, false), expected.to_vec());
    assert_eq!(
        clipboard::osc52("a\nb", false),
        b"\x1b]52;c;YQpi\x07".to_vec()
    );
}

#[test]
fn osc52_inside_tmux_is_wrapped_for_passthrough_with_esc_doubled() {
    assert_eq!(
        clipboard::osc52("a\nb", true),
        b"\x1bPtmux;\x1b\x1b]52;c;YQpi\x07\x1b\\".to_vec()
    );
    assert!(clipboard::inside_tmux(Some(std::ffi::OsStr::new(
        "/tmp/tmux-0/default,123,0"
    ))));
    assert!(!clipboard::inside_tmux(Some(std::ffi::OsStr::new(""))));
    assert!(!clipboard::inside_tmux(None));
}

// ---- keymap, help, hints ---------------------------------------------------------------------

#[test]
fn help_over_the_checklist_lists_its_keys_and_fits_80x24() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c'), KeyCode::Char('?')]);
    assert_eq!(app.mode(), Mode::Help);
    let text = screen_text(&app);
    for binding in view::help::Page::Checklist.bindings(keymap::Keymap::standard()) {
        assert!(
            text.contains(binding.description),
            "help misses {:?}:\n{text}",
            binding.description
        );
    }
    press(&mut app, &[KeyCode::Esc]);
    assert_eq!(
        app.screen_kind(),
        ScreenKind::Checklist,
        "Esc closes help, not the checklist"
    );
}

#[test]
fn the_hint_bar_shows_the_checklist_keys() {
    let mut app = app();
    press(&mut app, &[KeyCode::Char('c')]);
    let text = screen_text(&app);
    let last = text.lines().last().unwrap();
    for hint in [
        "Space done",
        "s skip",
        "f fail",
        "n note",
        "y copy",
        "d dialect",
        "Esc back",
        "? help",
    ] {
        assert!(last.contains(hint), "{last}");
    }
    press(&mut app, &[KeyCode::Char('n')]);
    let text = screen_text(&app);
    let last = text.lines().last().unwrap();
    assert!(
        last.contains("Enter save") && last.contains("Esc cancel"),
        "{last}"
    );
}

// ---- snapshots -------------------------------------------------------------------------------

/// The checklist after some work: the rollover check done, the proxies' updates done with a
/// note, expiry and the farm's certificates verified by fedcert; the cursor on the Entra update.
fn worked_on(width: u16, height: u16) -> App {
    let mut app = app_sized(width, height);
    let key = Some(primary().sha1);
    let mut saved = Progress::new(DOMAIN);
    saved.toggle_done(key, StepId::AutoRollover, at("2026-12-01T08:10:00Z"));
    saved.toggle_done(key, StepId::KbUpdates, at("2026-12-01T08:20:00Z"));
    saved.set_note(
        key,
        StepId::KbUpdates,
        "both WAPs have KB2955164 (CHG-4711)",
        at("2026-12-01T08:25:00Z"),
    );
    press(&mut app, &[KeyCode::Char('c')]);
    frame_step(
        &mut app,
        Action::ProgressLoaded {
            domain: DOMAIN.to_owned(),
            result: Ok(saved),
        },
        now(),
    );
    press(
        &mut app,
        &[
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
            KeyCode::Char('j'),
        ],
    );
    assert_eq!(cursor_step(&app), StepId::UpdateEntra);
    app
}

#[test]
fn snapshot_checklist_80x24() {
    let app = worked_on(80, 24);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_checklist_120x40() {
    let app = worked_on(120, 40);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_checklist_note_step_80x24() {
    let mut app = worked_on(80, 24);
    press(&mut app, &[KeyCode::Char('k'), KeyCode::Char('k')]);
    assert_eq!(cursor_step(&app), StepId::KbUpdates);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_checklist_verified_step_120x40() {
    let mut app = worked_on(120, 40);
    press(&mut app, &[KeyCode::Char('k')]);
    assert_eq!(cursor_step(&app), StepId::AdfsCerts);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn snapshot_checklist_help_80x24() {
    let mut app = worked_on(80, 24);
    press(&mut app, &[KeyCode::Char('?')]);
    insta::assert_snapshot!(draw(&app).backend());
}

// ---- the real binary reads what the TUI saved ------------------------------------------------

/// A self-signed signing certificate valid around `NOW`, and AD FS-shaped metadata publishing it.
fn metadata_fixture() -> (Vec<u8>, String) {
    use base64::Engine;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ADFS Signing - fs.contoso.com");
    params.not_before = rcgen::date_time_ymd(2025, 12, 13);
    params.not_after = rcgen::date_time_ymd(2026, 12, 13);
    let key = rcgen::KeyPair::generate().unwrap();
    let der = params.self_signed(&key).unwrap().der().to_vec();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor entityID="http://fs.contoso.com/adfs/services/trust" xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://fs.contoso.com/adfs/ls/"/>
</IDPSSODescriptor>
</EntityDescriptor>
"#
    );
    (der, xml)
}

#[test]
fn fedcert_checklist_json_shows_the_step_the_tui_marked_done() {
    let dir = tempfile::tempdir().unwrap();
    let (der, xml) = metadata_fixture();
    let metadata = dir.path().join("federationmetadata.xml");
    std::fs::write(&metadata, xml).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[domain]]\nname = \"{DOMAIN}\"\nmetadata_url = \"file://{}\"\nauto_rollover = false\n",
            metadata.display()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");

    // The TUI marks the first step done, for the certificate the metadata publishes.
    let mut status = contoso();
    let published = cert(&der, at("2025-12-13T00:00:00Z"), at("2026-12-13T00:00:00Z"));
    status.entra_live = None;
    status.last_good.as_mut().unwrap().facts.signing = vec![published.clone()];
    status.assessment.successor = None;
    status.assessment.primary.as_mut().unwrap().cert = published;
    let mut app = app_with(vec![status], 80, 24);
    let mut world = World::new(Some(Store::at(&data)));
    world.press(&mut app, &[KeyCode::Char('c')]);
    assert_eq!(cursor_step(&app), StepId::AutoRollover);
    world.press(&mut app, &[KeyCode::Char(' ')]);
    assert!(app.notice().is_some_and(|n| !n.error), "{:?}", app.notice());

    let output = assert_cmd::Command::cargo_bin("fedcert")
        .unwrap()
        .env("FEDCERT_DATA_DIR", &data)
        .args(["--config", config.to_str().unwrap(), "--now", NOW])
        .args(["checklist", DOMAIN, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["primary"], Sha1::of(&der).to_string());
    let step = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "auto-rollover")
        .unwrap();
    assert_eq!(step["state"], "done", "{step}");
    assert!(
        step["at"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-01T09:00:00")
    );
}

// ---- the real binary in a pseudo-terminal: mark, quit, come back --------------------------------

mod pty {
    use std::io::{Read, Write};
    use std::num::NonZeroU16;
    use std::path::Path;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use portable_pty::{CommandBuilder, PtySize, native_pty_system};

    /// `fedcert --config <config>` in an 80x24 pseudo-terminal, read through vt100; every byte
    /// it wrote is kept too, for the escapes the emulator does not show (OSC 52).
    pub struct Session {
        child: Box<dyn portable_pty::Child + Send + Sync>,
        writer: Box<dyn Write + Send>,
        output: mpsc::Receiver<Vec<u8>>,
        pub screen: vt100::Parser,
        pub raw: Vec<u8>,
    }

    impl Session {
        pub fn start(config: &Path, data: &Path) -> Self {
            let size = PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            };
            let pty = native_pty_system().openpty(size).unwrap();
            let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fedcert"));
            cmd.args(["--config", config.to_str().unwrap()]);
            cmd.args(["--now", super::NOW]);
            cmd.env("TERM", "xterm-256color");
            cmd.env("FEDCERT_DATA_DIR", data);
            cmd.env_remove("TMUX");
            // A UTF-8 locale, so the screen is the Unicode one whatever the test runner has.
            cmd.env("LANG", "C.UTF-8");
            cmd.env_remove("LC_ALL");
            cmd.env_remove("LC_CTYPE");
            let child = pty.slave.spawn_command(cmd).unwrap();
            drop(pty.slave);
            let mut reader = pty.master.try_clone_reader().unwrap();
            let writer = pty.master.take_writer().unwrap();
            let (tx, output) = mpsc::channel();
            std::thread::spawn(move || {
                let _master = pty.master; // keep the pty open while reading
                let mut buf = [0u8; 8192];
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            });
            let rows = NonZeroU16::new(24).unwrap();
            let cols = NonZeroU16::new(80).unwrap();
            Self {
                child,
                writer,
                output,
                screen: vt100::Parser::new(rows, cols, 0),
                raw: Vec::new(),
            }
        }

        fn take(&mut self, bytes: &[u8]) {
            self.screen.process(bytes);
            self.raw.extend_from_slice(bytes);
        }

        /// Read output until the screen shows `text`, or fail after a deadline.
        pub fn wait_for_text(&mut self, text: &str) {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !self.screen.screen().contents().contains(text) {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.output.recv_timeout(left) {
                    Ok(bytes) => self.take(&bytes),
                    Err(error) => panic!(
                        "no {text:?} on screen ({error}); screen:\n{}",
                        self.screen.screen().contents()
                    ),
                }
            }
        }

        /// Read output until the raw bytes hold `bytes`, or fail after a deadline.
        pub fn wait_for_bytes(&mut self, bytes: &[u8]) {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !self.raw.windows(bytes.len()).any(|w| w == bytes) {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.output.recv_timeout(left) {
                    Ok(more) => self.take(&more),
                    Err(error) => panic!("no {bytes:?} in the output ({error})"),
                }
            }
        }

        pub fn keys(&mut self, keys: &str) {
            self.writer.write_all(keys.as_bytes()).unwrap();
            self.writer.flush().unwrap();
        }

        /// Drain output until the process closes the terminal, then reap it.
        pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.output.recv_timeout(left) {
                    Ok(bytes) => self.take(&bytes),
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                        "the process did not exit; screen:\n{}",
                        self.screen.screen().contents()
                    ),
                }
            }
            self.child.wait().unwrap()
        }
    }
}

#[test]
fn in_the_real_tui_a_mark_survives_quitting_and_y_writes_osc52_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // Metadata that cannot be read: the checklist still opens (assuming AD FS) and no parser
    // is involved, so this runs on any branch.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[domain]]\nname = \"{DOMAIN}\"\nmetadata_url = \"file://{}\"\n",
            dir.path().join("missing.xml").display()
        ),
    )
    .unwrap();
    let data = dir.path().join("data");

    let mut session = pty::Session::start(&config, &data);
    session.wait_for_text(DOMAIN);
    session.keys("c");
    session.wait_for_text("renewal checklist · 0/");
    session.keys(" ");
    session.wait_for_text("step 1 marked done");
    session.keys("y");
    session.wait_for_text("copied 1 line (OSC 52)");
    session.wait_for_bytes(&clipboard::osc52(
        "Get-AdfsProperties | FL AutoCert*, Certificate*",
        false,
    ));
    session.keys("q");
    assert!(session.wait_exit().success());

    let saved = Store::at(&data).load::<Progress>(DOMAIN).unwrap();
    assert_eq!(saved.mark(None, StepId::AutoRollover), Mark::Done);

    // Reconnect and reopen: the step is still done, and the cursor waits on the next one.
    let mut session = pty::Session::start(&config, &data);
    session.wait_for_text(DOMAIN);
    session.keys("c");
    session.wait_for_text("renewal checklist · 1/");
    let screen = session.screen.screen().contents();
    assert!(
        screen.contains("[x]  1. Check AutoCertificateRollover"),
        "{screen}"
    );
    assert!(screen.contains("▶ [ ]  2."), "{screen}");
    session.keys("q");
    assert!(session.wait_exit().success());
}
