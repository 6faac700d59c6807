//! What fedcert says never contradicts itself (DESIGN.md §6.1): over every demo scenario and a
//! generated matrix of domain states (automatic rollover on / off / unknown × what Entra holds ×
//! days around every threshold × successor × kind of IdP × self-signed or CA-issued), in both
//! dialects:
//!
//! - every finding whose advice is a runbook step points to that step of the domain's own
//!   checklist, and its words name that step's number;
//! - every command a finding quotes is one of that step's commands;
//! - no step forbids what a finding recommends;
//! - sign-ins failing now (or before a renewal can finish) give an outage runbook whose first
//!   steps restore them, and the finding that says so points into them;
//! - nothing names a key.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use fedcert::assess::{
    AssessInput, Assessment, Endpoints, EntraSide, EntraSource, Finding, IdpFacts, IdpKind, Outage,
    Policy, PostureInput, Rule, Severity, SignatureCheck, assess,
};
use fedcert::cert::{CertInfo, Sha1, Sha256};
use fedcert::checklist::{self, Checklist, ChecklistInput, Dialect, Mode, Phase, StepId, step_for};
use fedcert::config::DomainConfig;
use fedcert::demo::Demo;
use fedcert::domain::DomainStatus;
use fedcert::history::{CertHistory, Observation};
use fedcert::metadata::signature::{Invalid, SignatureStatus};
use fedcert::poller::{Sources, refresh_domain};

fn now() -> DateTime<Utc> {
    "2026-12-01T09:00:00Z".parse().unwrap()
}

fn cert(
    id: u8,
    subject: &str,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    self_signed: bool,
) -> CertInfo {
    let der = vec![id, 0x30, 0x82];
    CertInfo {
        sha1: Sha1([id; 20]),
        sha256: Sha256([id; 32]),
        subject: format!("CN={subject}"),
        issuer: if self_signed {
            format!("CN={subject}")
        } else {
            "CN=Contoso Issuing CA".to_owned()
        },
        serial: format!("{id:02X}"),
        not_before,
        not_after,
        key_algorithm: "RSA".to_owned(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".to_owned(),
        self_signed,
        der: Arc::from(der),
    }
}

/// What Entra holds in the generated states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Held {
    Nothing,
    Primary,
    PrimaryAndSuccessor,
    SuccessorOnly,
    Unpublished,
    Decrypting,
    /// The primary, and in the next-signing slot a certificate the IdP never published (B1).
    PrimaryAndRogue,
    /// The primary, and in the next-signing slot one the IdP published before (B2).
    PrimaryAndRetired,
}

#[derive(Clone, Copy, Debug)]
struct State {
    kind: IdpKind,
    self_signed: bool,
    auto: Option<bool>,
    /// Minutes from now to the primary's NotAfter.
    minutes: i64,
    successor: bool,
    held: Held,
}

const PRIMARY: u8 = 1;
const SUCCESSOR: u8 = 2;
const DECRYPTING: u8 = 5;
const UNPUBLISHED: u8 = 9;
const ROGUE: u8 = 7;
const RETIRED: u8 = 8;

impl State {
    fn facts(&self) -> IdpFacts {
        let t = now() + TimeDelta::minutes(self.minutes);
        let primary = cert(
            PRIMARY,
            "Signing 1",
            t - TimeDelta::days(365),
            t,
            self.self_signed,
        );
        let mut signing = vec![primary.clone()];
        if self.successor {
            signing.push(cert(
                SUCCESSOR,
                "Signing 2",
                now() - TimeDelta::days(1),
                t + TimeDelta::days(365),
                self.self_signed,
            ));
        }
        IdpFacts {
            entity_id: match self.kind {
                IdpKind::AdFs => "http://fs.contoso.com/adfs/services/trust".to_owned(),
                IdpKind::ThirdParty => "http://www.okta.com/exk1".to_owned(),
            },
            kind: self.kind,
            signing,
            // Renewed with the primary's clock, so R9 fires in some states and not others.
            encryption: vec![cert(
                DECRYPTING,
                "Encryption",
                t - TimeDelta::days(365),
                t,
                true,
            )],
            signed_by: (self.kind == IdpKind::AdFs).then_some(primary),
            unreadable: Vec::new(),
            sign_in_url: None,
            valid_until: None,
            ws_fed: true,
        }
    }

    fn entra(&self) -> Option<EntraSide> {
        let (signing, next) = match self.held {
            Held::Nothing => return None,
            Held::Primary => (PRIMARY, None),
            Held::PrimaryAndSuccessor => (PRIMARY, Some(SUCCESSOR)),
            Held::SuccessorOnly => (SUCCESSOR, None),
            Held::Unpublished => (UNPUBLISHED, None),
            Held::Decrypting => (DECRYPTING, None),
            Held::PrimaryAndRogue => (PRIMARY, Some(ROGUE)),
            Held::PrimaryAndRetired => (PRIMARY, Some(RETIRED)),
        };
        // Someone else's certificate: another name, valid ten years.
        let rogue = (self.held == Held::PrimaryAndRogue).then(|| {
            cert(
                ROGUE,
                "any.sts",
                now() - TimeDelta::days(1),
                now() + TimeDelta::days(3650),
                true,
            )
        });
        Some(EntraSide {
            source: Some(EntraSource::Graph),
            signing: Some(Sha1([signing; 20])),
            next_signing: next.map(|n| Sha1([n; 20])),
            next_signing_cert: rogue,
            as_of: Some(now()),
            ..EntraSide::default()
        })
    }

    /// What fedcert saw before: the retired certificate, published until a month ago.
    fn history() -> CertHistory {
        let mut history = CertHistory::new("contoso.com");
        let seen = Observation {
            published: Some(vec![Sha1([RETIRED; 20])]),
            trusted: None,
        };
        history.record(&seen, now() - TimeDelta::days(400));
        history.record(&seen, now() - TimeDelta::days(30));
        history
    }
}

fn states() -> Vec<State> {
    // Either side of every threshold: expiry, 2 (critical), 15, 19.5 (generation + 12 h), 20,
    // 30, 35, 60 days, and far away.
    const DAY: i64 = 1440;
    let minutes = [
        -3 * DAY,
        -10,
        DAY / 2,
        2 * DAY - 100,
        2 * DAY + 100,
        15 * DAY - 100,
        15 * DAY + 100,
        19 * DAY + DAY / 2 - 100,
        19 * DAY + DAY / 2 + 100,
        20 * DAY + 100,
        30 * DAY - 100,
        30 * DAY + 100,
        35 * DAY - 100,
        35 * DAY + 100,
        60 * DAY - 100,
        60 * DAY + 100,
        200 * DAY,
    ];
    let helds = [
        Held::Nothing,
        Held::Primary,
        Held::PrimaryAndSuccessor,
        Held::SuccessorOnly,
        Held::Unpublished,
        Held::Decrypting,
        Held::PrimaryAndRogue,
        Held::PrimaryAndRetired,
    ];
    let mut out = Vec::new();
    for (kind, self_signed) in [
        (IdpKind::AdFs, true),
        (IdpKind::AdFs, false),
        (IdpKind::ThirdParty, true),
    ] {
        for auto in [Some(true), Some(false), None] {
            for &minutes in &minutes {
                for successor in [false, true] {
                    for &held in &helds {
                        if !successor
                            && matches!(held, Held::PrimaryAndSuccessor | Held::SuccessorOnly)
                        {
                            continue;
                        }
                        out.push(State {
                            kind,
                            self_signed,
                            auto,
                            minutes,
                            successor,
                            held,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The commands a sentence quotes: every `backticked` span.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// Phrases that would name a key: the engine's text names none (the TUI adds its own).
fn names_a_key(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    [
        "press ",
        "(r)",
        "(r,",
        "hit enter",
        "ctrl-",
        "refresh fedcert (",
    ]
    .into_iter()
    .find(|p| lower.contains(p))
}

/// Every invariant of DESIGN.md §6.1 for one domain's verdict and its checklist.
fn check(name: &str, a: &Assessment, list: &Checklist) {
    let at = |what: &str| format!("{name} ({}): {what}", list.dialect);
    assert_eq!(
        a.outage.is_some(),
        list.mode == Mode::Outage,
        "{}",
        at("outage ⇔ outage runbook")
    );
    for f in &a.findings {
        check_finding(f, list, &at);
    }
    for s in &list.steps {
        for text in [&s.title, &s.why]
            .into_iter()
            .chain(&s.warnings)
            .chain(&s.expected)
            .chain(s.undo.as_ref())
        {
            assert_eq!(names_a_key(text), None, "{}", at(text));
        }
        // Prose reads as prose: no gap a lost line continuation leaves in a sentence.
        for text in [&s.title, &s.why]
            .into_iter()
            .chain(&s.warnings)
            .chain(s.undo.as_ref())
        {
            assert!(!text.contains("   "), "{}", at(text));
        }
    }
    match a.outage {
        Some(outage) => check_outage(outage, a, list, &at),
        None => assert!(list.steps.iter().all(|s| s.phase.is_none())),
    }
}

/// A finding names the step that carries out its advice, quotes only that step's commands, and
/// recommends nothing a step forbids.
fn check_finding(f: &Finding, list: &Checklist, at: &dyn Fn(&str) -> String) {
    let words = list.say(f);
    let step = list.step_of(f);
    let wants = step_for(f.advice, list.kind);
    if wants.is_some() && f.severity >= Severity::Warning {
        assert!(
            step.is_some(),
            "{}",
            at(&format!(
                "{} asks for {wants:?}, which the checklist lacks: {:?}",
                f.rule,
                list.steps.iter().map(|s| s.id).collect::<Vec<_>>()
            ))
        );
    }
    if let Some((id, number)) = step {
        let s = &list.steps[number - 1];
        assert_eq!(s.id, id, "{}", at("step number"));
        assert!(
            words.contains(&format!("(checklist step {number})")),
            "{}",
            at(&format!("{} names its step {number}: {words}", f.rule))
        );
        for command in quoted(&words) {
            assert!(
                s.commands.iter().any(|c| c == command),
                "{}",
                at(&format!(
                    "{} quotes `{command}`, which step {number} ({id}) does not run: {:?}",
                    f.rule, s.commands
                ))
            );
        }
    } else {
        assert!(
            !words.contains("checklist step") && quoted(&words).is_empty(),
            "{}",
            at(&format!(
                "{} names a step or command without a step: {words}",
                f.rule
            ))
        );
    }
    for command in quoted(&words) {
        for s in &list.steps {
            for forbidden in &s.forbids {
                assert!(
                    !command.contains(forbidden),
                    "{}",
                    at(&format!(
                        "{} recommends `{command}`, step {} forbids {forbidden}",
                        f.rule, s.id
                    ))
                );
            }
        }
    }
    assert_eq!(names_a_key(&words), None, "{}", at(&words));
}

/// Restore, then verify, then clean up; the restore steps update Entra, and the finding that
/// says why sign-ins fail points into them.
fn check_outage(outage: Outage, a: &Assessment, list: &Checklist, at: &dyn Fn(&str) -> String) {
    let phases: Vec<Phase> = list.steps.iter().map(|s| s.phase.unwrap()).collect();
    assert_eq!(
        phases.first(),
        Some(&Phase::Restore),
        "{}",
        at("restore first")
    );
    assert!(
        phases.windows(2).all(|w| w[0] <= w[1]),
        "{}",
        at(&format!("phases in order: {phases:?}"))
    );
    let restore: Vec<StepId> = list
        .steps
        .iter()
        .filter(|s| s.phase == Some(Phase::Restore))
        .map(|s| s.id)
        .collect();
    assert!(
        restore.contains(&StepId::UpdateEntra),
        "{}",
        at(&format!("Entra is updated to restore sign-in: {restore:?}"))
    );
    let cause = match outage {
        Outage::PrimaryExpired => Some(Rule::R1),
        Outage::SyncBroken => Some(Rule::R2),
        Outage::CriticalThreshold => None,
        Outage::SuspectedCompromise => Some(Rule::B1),
    };
    if let Some(rule) = cause {
        let f = a.findings.iter().find(|f| f.rule == rule).unwrap();
        let (id, _) = list.step_of(f).unwrap();
        assert!(
            restore.contains(&id),
            "{}",
            at(&format!(
                "{rule} points into the restore steps: {id} of {restore:?}"
            ))
        );
    }
}

fn checklists(
    config: &DomainConfig,
    a: &Assessment,
    facts: Option<&IdpFacts>,
    entra: Option<&EntraSide>,
    auto: Option<bool>,
) -> Vec<Checklist> {
    [Dialect::Graph, Dialect::MsOnline]
        .into_iter()
        .map(|dialect| {
            let mut input = ChecklistInput::new(config, a, now());
            input.idp = facts;
            input.idp_fetched_at = Some(now());
            input.entra = entra;
            input.auto_rollover = auto;
            checklist::build(&input, dialect)
        })
        .collect()
}

#[test]
fn every_generated_state_says_one_thing() {
    let policy = Policy::default();
    let states = states();
    let mut outages = [0usize; 4];
    let mut stepped = 0usize;
    let mut posture = [0usize; 2];
    for state in &states {
        let facts = state.facts();
        let entra = state.entra();
        let history = State::history();
        let input = AssessInput {
            idp: Some(&facts),
            fetch_error: None,
            entra: entra.as_ref(),
            auto_rollover: state.auto,
            adfs: None,
            peers: fedcert::assess::IdpGroup::alone(),
            policy: &policy,
            clock_skew: None,
            endpoints: None,
            posture: PostureInput {
                domain: "contoso.com",
                history: Some(&history),
                ..PostureInput::default()
            },
        };
        let a = assess(&input, now());
        let mut config = DomainConfig::new("contoso.com", "https://fs.contoso.com/fm.xml");
        config.auto_rollover = state.auto;
        for list in checklists(&config, &a, Some(&facts), entra.as_ref(), state.auto) {
            check(&format!("{state:?}"), &a, &list);
            stepped += a
                .findings
                .iter()
                .filter(|f| list.step_of(f).is_some())
                .count();
        }
        if let Some(outage) = a.outage {
            outages[outage as usize] += 1;
        }
        for f in &a.findings {
            match f.rule {
                Rule::B1 => posture[0] += 1,
                Rule::B2 => posture[1] += 1,
                _ => {}
            }
        }
    }
    // The matrix reaches every kind of outage, both posture rules and plenty of steps (a guard
    // against a matrix that quietly stopped covering them).
    assert!(states.len() > 1_000, "{}", states.len());
    assert!(outages.iter().all(|&n| n > 20), "{outages:?}");
    assert!(posture.iter().all(|&n| n > 100), "{posture:?}");
    assert!(stepped > 5_000, "{stepped}");
}

/// DESIGN.md §6.4: a metadata document whose signature does not verify (X2) is never where a
/// certificate the runbook puts into Entra comes from — in every generated state, both
/// dialects, outage or not — while the invariants above hold all the same. X2 stands above the
/// verdict, names no step, and the Entra update warns why.
#[test]
fn an_invalid_signature_never_leads_to_pasting_the_documents_certificates() {
    let policy = Policy::default();
    let invalid = Endpoints {
        signature: Some(SignatureCheck {
            status: SignatureStatus::Invalid(Invalid::DigestMismatch),
            signer: Some(Sha1([PRIMARY; 20])),
            signer_cert: None,
            aggregate: false,
            required: false,
        }),
        ..Endpoints::default()
    };
    let history = State::history();
    let mut updates = 0usize;
    for state in states() {
        let facts = state.facts();
        let entra = state.entra();
        let verdict = |endpoints: Option<&Endpoints>| {
            assess(
                &AssessInput {
                    idp: Some(&facts),
                    fetch_error: None,
                    entra: entra.as_ref(),
                    auto_rollover: state.auto,
                    adfs: None,
                    peers: fedcert::assess::IdpGroup::alone(),
                    policy: &policy,
                    clock_skew: None,
                    endpoints,
                    posture: PostureInput {
                        domain: "contoso.com",
                        history: Some(&history),
                        ..PostureInput::default()
                    },
                },
                now(),
            )
        };
        let a = verdict(Some(&invalid));
        let trusting = verdict(None);
        let x2 = a.findings.iter().find(|f| f.rule == Rule::X2).unwrap();
        assert_eq!(
            (x2.severity, a.severity),
            (Severity::Critical, Severity::Critical)
        );
        assert_eq!(a.outage, trusting.outage, "{state:?}: X2 is no outage");
        let published: Vec<String> = facts
            .signing
            .iter()
            .chain(&facts.encryption)
            .map(CertInfo::base64)
            .collect();
        let mut config = DomainConfig::new("contoso.com", "https://fs.contoso.com/fm.xml");
        config.auto_rollover = state.auto;
        let lists = checklists(&config, &a, Some(&facts), entra.as_ref(), state.auto);
        let trusted = checklists(&config, &trusting, Some(&facts), entra.as_ref(), state.auto);
        for (list, trusted) in lists.iter().zip(&trusted) {
            let name = format!("{state:?} ({})", list.dialect);
            check(&name, &a, list);
            assert_eq!(list.step_of(x2), None, "{name}");
            for step in &list.steps {
                for command in &step.commands {
                    assert!(
                        !command
                            .split(|c: char| c.is_whitespace() || c == '\'' || c == '"')
                            .any(|word| published.iter().any(|b64| word == b64)),
                        "{name}: step {} pastes a certificate of the document: {command}",
                        step.id
                    );
                }
            }
            if let (Some(update), Some(before)) = (
                list.step(StepId::UpdateEntra),
                trusted.step(StepId::UpdateEntra),
            ) {
                assert!(
                    update.warnings.iter().any(|w| !before.warnings.contains(w)),
                    "{name}: the Entra update says why it takes nothing from the document"
                );
                updates += 1;
            }
        }
    }
    assert!(updates > 1_000, "{updates}");
}

/// What the verdict reads of a generated state alone: no imports, IdP group, endpoints or
/// history.
fn plain<'a>(
    facts: &'a IdpFacts,
    entra: Option<&'a EntraSide>,
    auto: Option<bool>,
    policy: &'a Policy,
) -> AssessInput<'a> {
    AssessInput {
        idp: Some(facts),
        fetch_error: None,
        entra,
        auto_rollover: auto,
        adfs: None,
        peers: fedcert::assess::IdpGroup::alone(),
        policy,
        clock_skew: None,
        endpoints: None,
        posture: PostureInput::default(),
    }
}

/// The outage runbooks restore sign-in with the commands the sources give: the urgent rollover
/// and Entra at once for AD FS managing its own certificates; a new certificate made primary
/// for CA-issued ones; the IdP's current primary into Entra for a broken sync.
#[test]
fn outage_runbooks_start_with_what_restores_sign_in() {
    let policy = Policy::default();
    let run = |state: State| {
        let facts = state.facts();
        let entra = state.entra();
        let a = assess(&plain(&facts, entra.as_ref(), state.auto, &policy), now());
        let config = DomainConfig::new("contoso.com", "https://fs.contoso.com/fm.xml");
        let list = checklists(&config, &a, Some(&facts), entra.as_ref(), state.auto).remove(0);
        let restore: Vec<StepId> = list
            .steps
            .iter()
            .take_while(|s| s.phase == Some(Phase::Restore))
            .map(|s| s.id)
            .collect();
        (list, restore)
    };
    let base = State {
        kind: IdpKind::AdFs,
        self_signed: true,
        auto: Some(true),
        minutes: -3 * 1440,
        successor: false,
        held: Held::Primary,
    };
    let (list, restore) = run(base);
    assert_eq!(restore, [StepId::UrgentRollover, StepId::UpdateEntra]);
    assert_eq!(
        list.steps[0].commands[0],
        "Update-AdfsCertificate -CertificateType Token-Signing -Urgent"
    );
    // The new primary is not in the metadata yet: the Entra update takes it from AD FS.
    assert!(
        list.steps[1]
            .commands
            .iter()
            .any(|c| c.contains("-SigningCertificate ([Convert]::ToBase64String($p.RawData))")),
        "{:?}",
        list.steps[1].commands
    );
    assert!(list.steps[0].undo.is_some() && list.steps[1].undo.is_some());

    let (list, restore) = run(State {
        self_signed: false,
        auto: Some(false),
        ..base
    });
    assert_eq!(
        restore,
        [StepId::Generate, StepId::Promote, StepId::UpdateEntra]
    );
    assert!(
        list.steps[0]
            .commands
            .iter()
            .any(|c| c.starts_with("Add-AdfsCertificate"))
    );
    assert!(
        list.steps[1]
            .commands
            .iter()
            .any(|c| c.starts_with("Set-AdfsCertificate"))
    );

    let (list, restore) = run(State {
        minutes: 120 * 1440,
        held: Held::Unpublished,
        ..base
    });
    assert_eq!(restore, [StepId::UpdateEntra]);
    assert!(
        !list.steps.iter().any(|s| s.id == StepId::Generate),
        "no new certificate for a primary with 120 days left"
    );
    let update = &list.steps[0].commands;
    assert!(
        update.iter().any(|c| c.contains(&format!(
            "-SigningCertificate {}",
            base.facts().signing[0].base64()
        ))),
        "{update:?}"
    );

    let (_, restore) = run(State {
        minutes: 2 * 1440 - 100,
        held: Held::Primary,
        ..base
    });
    assert_eq!(restore, [StepId::Generate, StepId::UpdateEntra]);

    let (_, restore) = run(State {
        kind: IdpKind::ThirdParty,
        auto: None,
        ..base
    });
    assert_eq!(restore, [StepId::IdpRotate, StepId::UpdateEntra]);
}

/// A token-decrypting certificate in Entra's signing slot is named as the wrong paste it is.
#[test]
fn a_decrypting_certificate_in_the_signing_slot_is_named() {
    let policy = Policy::default();
    let state = State {
        kind: IdpKind::AdFs,
        self_signed: true,
        auto: Some(true),
        minutes: 120 * 1440,
        successor: false,
        held: Held::Decrypting,
    };
    let facts = state.facts();
    let entra = state.entra();
    let input = AssessInput {
        idp: Some(&facts),
        fetch_error: None,
        entra: entra.as_ref(),
        auto_rollover: state.auto,
        adfs: None,
        peers: fedcert::assess::IdpGroup::alone(),
        policy: &policy,
        clock_skew: None,
        endpoints: None,
        posture: PostureInput::default(),
    };
    let a = assess(&input, now());
    let r2 = a.findings.iter().find(|f| f.rule == Rule::R2).unwrap();
    let words = fedcert::words::finding(r2, &a, now(), None);
    assert!(
        words.contains("signing slot holds the IdP's token-decrypting certificate 05050505…"),
        "{words}"
    );
    assert!(!words.contains("does not publish"), "{words}");
    assert_eq!(
        fedcert::words::finding_title(r2),
        "decrypting cert in Entra's signing slot"
    );
}

/// The demo federation through the real fetch → parse → assess path.
#[tokio::test]
async fn every_demo_scenario_says_one_thing() {
    let demo = Demo::start(now()).await.unwrap();
    let sources = Sources::with_env(&demo.config, &demo.env());
    let mut outages = 0;
    for config in &demo.config.domains {
        let outcome = refresh_domain(&sources, config, now()).await;
        let mut status = DomainStatus::new(config.clone(), now());
        status.apply(outcome);
        let entra = status.entra();
        for dialect in [Dialect::Graph, Dialect::MsOnline] {
            let input = ChecklistInput::from_status(&status, entra.as_ref(), None, now());
            let list = checklist::build(&input, dialect);
            check(&config.name, &status.assessment, &list);
        }
        outages += usize::from(status.assessment.outage.is_some());
    }
    assert!(
        outages >= 2,
        "the demo stages an expired and a broken domain"
    );
    demo.shutdown().await;
}

/// The verdict and both dialects' checklists of one generated state, with the history of
/// [`State::history`].
fn assessed(state: State) -> (Assessment, Vec<Checklist>) {
    let policy = Policy::default();
    let facts = state.facts();
    let entra = state.entra();
    let history = State::history();
    let input = AssessInput {
        idp: Some(&facts),
        fetch_error: None,
        entra: entra.as_ref(),
        auto_rollover: state.auto,
        adfs: None,
        peers: fedcert::assess::IdpGroup::alone(),
        policy: &policy,
        clock_skew: None,
        endpoints: None,
        posture: PostureInput {
            domain: "contoso.com",
            history: Some(&history),
            ..PostureInput::default()
        },
    };
    let a = assess(&input, now());
    let mut config = DomainConfig::new("contoso.com", "https://fs.contoso.com/fm.xml");
    config.auto_rollover = state.auto;
    let lists = checklists(&config, &a, Some(&facts), entra.as_ref(), state.auto);
    (a, lists)
}

/// A certificate the IdP never published (B1) turns the runbook into [EMERG]'s for a suspected
/// compromise: two new certificates of the IdP's own, both written into Entra's slots (which
/// removes the rogue one), then the old certificate removed and the changes reviewed. The Entra
/// update takes both new certificates from where they are, in both dialects.
/// Entra holds a certificate the IdP never published, beside the primary.
fn compromised() -> State {
    State {
        kind: IdpKind::AdFs,
        self_signed: true,
        auto: Some(true),
        minutes: 120 * 1440,
        successor: false,
        held: Held::PrimaryAndRogue,
    }
}

/// The verification checks what the compromise runbook's update wrote: both slots, new
/// certificates.
#[test]
fn the_compromise_runbook_verifies_what_its_update_wrote() {
    let (_, lists) = assessed(compromised());
    for list in &lists {
        let title = |id| list.step(id).unwrap().title.clone();
        assert_eq!(
            title(StepId::UpdateEntra),
            "Rewrite both of Entra's slots with the new certificates"
        );
        assert_eq!(
            title(StepId::VerifyEntra),
            "Verify that Entra ID holds the new certificates"
        );
    }
}

#[test]
fn a_certificate_never_published_gives_the_suspected_compromise_runbook() {
    let base = compromised();
    let restore = |list: &Checklist| -> Vec<StepId> {
        list.steps
            .iter()
            .take_while(|s| s.phase == Some(Phase::Restore))
            .map(|s| s.id)
            .collect()
    };
    let update = |list: &Checklist| list.step(StepId::UpdateEntra).unwrap().commands.clone();

    let (a, lists) = assessed(base);
    assert_eq!(a.outage, Some(Outage::SuspectedCompromise));
    assert_eq!(a.severity, Severity::Critical);
    assert_eq!(a.sync, fedcert::assess::SyncState::InSync);
    for list in &lists {
        assert!(list.is_incident());
        assert_eq!(
            restore(list),
            [
                StepId::UrgentRollover,
                StepId::Generate,
                StepId::UpdateEntra
            ],
            "{}",
            list.dialect
        );
        let cleanup: Vec<StepId> = list
            .steps
            .iter()
            .filter(|s| s.phase == Some(Phase::CleanUp))
            .map(|s| s.id)
            .collect();
        assert!(
            cleanup.contains(&StepId::RemoveOld) && cleanup.contains(&StepId::ReviewChanges),
            "{cleanup:?}"
        );
    }
    let graph = update(&lists[0]);
    assert!(
        graph.iter().any(|c| c.contains(
            "-SigningCertificate ([Convert]::ToBase64String($p.RawData)) -NextSigningCertificate ([Convert]::ToBase64String($n.RawData))"
        )),
        "both slots from AD FS: {graph:?}"
    );
    let remove = lists[0].step(StepId::RemoveOld).unwrap();
    assert!(
        remove.commands.iter().any(|c| c
            == &format!(
                "Remove-AdfsCertificate -CertificateType Token-Signing -Thumbprint {}",
                Sha1([PRIMARY; 20])
            )),
        "{:?}",
        remove.commands
    );

    // CA-issued certificates: the manual half of [EMERG].
    let (_, lists) = assessed(State {
        self_signed: false,
        auto: Some(false),
        ..base
    });
    assert_eq!(
        restore(&lists[0]),
        [
            StepId::Generate,
            StepId::Promote,
            StepId::RemoveOld,
            StepId::SecondCertificate,
            StepId::UpdateEntra
        ]
    );

    // A third-party IdP: two new certificates from two files, nothing old stays.
    let (_, lists) = assessed(State {
        kind: IdpKind::ThirdParty,
        auto: None,
        ..base
    });
    assert_eq!(
        restore(&lists[0]),
        [
            StepId::IdpRotate,
            StepId::Promote,
            StepId::SecondCertificate,
            StepId::UpdateEntra
        ]
    );
    for list in &lists {
        let commands = update(list);
        assert!(
            commands
                .iter()
                .any(|c| c.contains("-SigningCertificate $new -NextSigningCertificate $second")),
            "{}: {commands:?}",
            list.dialect
        );
    }
}

/// A certificate the IdP retired, still in Entra's next-signing slot (B2), is a planned flush,
/// not an incident: with no successor, the IdP needs a second certificate first, then the Entra
/// update writes both slots.
#[test]
fn a_retired_certificate_is_flushed_by_writing_both_slots() {
    let (a, lists) = assessed(State {
        kind: IdpKind::AdFs,
        self_signed: true,
        auto: Some(true),
        minutes: 120 * 1440,
        successor: false,
        held: Held::PrimaryAndRetired,
    });
    assert_eq!(a.outage, None);
    assert_eq!(a.severity, Severity::Warning);
    let b2 = a.findings.iter().find(|f| f.rule == Rule::B2).unwrap();
    for list in &lists {
        assert_eq!(list.mode, Mode::Renewal);
        assert_eq!(list.step_of(b2).map(|(id, _)| id), Some(StepId::Generate));
        // Graph writes both slots; MSOnline's Update-MsolFederatedDomain pushes both of AD FS's.
        let update = list.step(StepId::UpdateEntra).expect("the flush itself");
        assert!(
            update.commands.iter().any(|c| {
                c.contains("-NextSigningCertificate") || c.starts_with("Update-MsolFederatedDomain")
            }),
            "{}: {:?}",
            list.dialect,
            update.commands
        );
    }
    // With a successor published, the update alone flushes it.
    let (a, lists) = assessed(State {
        kind: IdpKind::AdFs,
        self_signed: true,
        auto: Some(true),
        minutes: 120 * 1440,
        successor: true,
        held: Held::PrimaryAndRetired,
    });
    let b2 = a.findings.iter().find(|f| f.rule == Rule::B2).unwrap();
    assert_eq!(
        lists[0].step_of(b2).map(|(id, _)| id),
        Some(StepId::UpdateEntra)
    );
}

/// What AD FS's imported list says in the three-sides states.
#[derive(Clone, Copy, Debug)]
enum AdfsList {
    None,
    /// The primary and a secondary the metadata does not publish (with its RawData).
    PrimaryAndUnpublishedSecondary,
    /// Another farm's list: nothing in it is published.
    OtherFarm,
}

const UNPUBLISHED_SECONDARY: u8 = 7;
const OTHER_FARM: u8 = 8;

fn adfs_list(list: AdfsList, facts: &IdpFacts) -> Option<fedcert::assess::AdfsHolds> {
    use fedcert::assess::{AdfsHeld, AdfsHolds};
    let primary = facts.signing.first()?;
    let held = |cert: CertInfo, is_primary: bool| AdfsHeld {
        sha1: cert.sha1,
        is_primary,
        not_after: Some(cert.not_after),
        cert: Some(cert),
    };
    let secondary = cert(
        UNPUBLISHED_SECONDARY,
        "Signing 7",
        now() - TimeDelta::days(1),
        primary.not_after + TimeDelta::days(365),
        primary.self_signed,
    );
    let certificates = match list {
        AdfsList::None => return None,
        AdfsList::PrimaryAndUnpublishedSecondary => {
            vec![held(primary.clone(), true), held(secondary, false)]
        }
        AdfsList::OtherFarm => vec![held(
            cert(
                OTHER_FARM,
                "Other farm",
                now() - TimeDelta::days(10),
                now() + TimeDelta::days(300),
                true,
            ),
            true,
        )],
    };
    Some(AdfsHolds {
        certificates,
        as_of: Some(now()),
    })
}

/// Either side of the marks that matter to the three sides (a subset of the matrix: each
/// state runs twelve ways).
const THREE_SIDES_MARKS: [i64; 8] = [
    -3 * 1440,
    1440 / 2,
    2 * 1440 + 100,
    15 * 1440 - 100,
    19 * 1440 + 1440 / 2 + 100,
    35 * 1440 - 100,
    35 * 1440 + 100,
    200 * 1440,
];

/// The three sides and IdP groups say one thing too: an imported AD FS list (matching or
/// another farm's), a peer of the same IdP holding other certificates in Entra, a passed
/// validUntil — each finding (A1, A2, V1) fires exactly when its condition holds, points to
/// the step that carries it out, and the grouped runbook updates every domain of the IdP.
#[test]
fn every_three_sides_state_says_one_thing() {
    let lists = [
        AdfsList::None,
        AdfsList::PrimaryAndUnpublishedSecondary,
        AdfsList::OtherFarm,
    ];
    let mut seen = [0usize; 3];
    let mut checked = 0usize;
    for state in states()
        .into_iter()
        .filter(|s| THREE_SIDES_MARKS.contains(&s.minutes))
    {
        for list in lists {
            for peer_differs in [false, true] {
                for expired_metadata in [false, true] {
                    checked +=
                        three_sides_case(&state, list, peer_differs, expired_metadata, &mut seen);
                }
            }
        }
    }
    assert!(checked > 5_000, "{checked}");
    assert!(
        seen.iter().all(|&n| n > 100),
        "A1, A2, V1 each fire: {seen:?}"
    );
}

/// One state of [`every_three_sides_state_says_one_thing`]: its verdict's A1, A2 and V1 and its
/// checklists in both dialects; how many checklists it checked.
fn three_sides_case(
    state: &State,
    list: AdfsList,
    peer_differs: bool,
    expired_metadata: bool,
    seen: &mut [usize; 3],
) -> usize {
    use fedcert::assess::{AdfsUse, EntraCerts, IdpGroup, Peer};
    let policy = Policy::default();
    let mut facts = state.facts();
    if expired_metadata {
        facts.valid_until = Some(now() - TimeDelta::hours(1));
    }
    let holds = if state.kind == IdpKind::AdFs {
        adfs_list(list, &facts)
    } else {
        None
    };
    let entra = state.entra();
    let peer = EntraCerts {
        signing: Some(Sha1([if peer_differs { UNPUBLISHED } else { PRIMARY }; 20])),
        next_signing: None,
    };
    let peers = IdpGroup::new(vec![
        Peer {
            name: "contoso.com".into(),
            entra: entra.as_ref().map(EntraSide::certs),
        },
        Peer {
            name: "fabrikam.com".into(),
            entra: Some(peer),
        },
    ]);
    let history = State::history();
    let imported: Vec<Sha1> = holds
        .iter()
        .flat_map(|h| h.certificates.iter().map(|c| c.sha1))
        .collect();
    let input = AssessInput {
        idp: Some(&facts),
        fetch_error: None,
        entra: entra.as_ref(),
        auto_rollover: state.auto,
        adfs: holds.as_ref(),
        peers: &peers,
        policy: &policy,
        clock_skew: None,
        endpoints: None,
        posture: PostureInput {
            domain: "contoso.com",
            history: Some(&history),
            adfs_certificates: &imported,
            ..PostureInput::default()
        },
    };
    let a = assess(&input, now());
    let fired = |rule: Rule| a.findings.iter().any(|f| f.rule == rule);
    let case = format!("{state:?} {list:?} peer differs {peer_differs}");
    // A1: a used list (it shares a certificate with the metadata) with a valid unpublished one.
    let used = matches!(list, AdfsList::PrimaryAndUnpublishedSecondary) && holds.is_some();
    let expected_use = holds.as_ref().map(|_| {
        if used {
            AdfsUse::Used
        } else {
            AdfsUse::Unmatched
        }
    });
    assert_eq!(a.adfs, expected_use, "{case}");
    assert_eq!(fired(Rule::A1), used, "{case}: {:?}", a.findings);
    // A2: this domain's Entra set differs from its peer's.
    let differs = entra
        .as_ref()
        .is_some_and(|e| !e.certs().same_certificates(peer));
    assert_eq!(fired(Rule::A2), differs, "{case}: {:?}", a.findings);
    assert_eq!(fired(Rule::V1), expired_metadata, "{case}");
    if used {
        // A published successor wins; else AD FS's secondary is the successor.
        let expected = if state.successor {
            SUCCESSOR
        } else {
            UNPUBLISHED_SECONDARY
        };
        if facts.signing[0].not_after > now() {
            assert_eq!(
                a.successor.as_ref().map(|s| s.sha1),
                Some(Sha1([expected; 20])),
                "{case}"
            );
        }
    } else {
        // An unused list decides nothing: the primary is the metadata's.
        assert_ne!(
            a.primary.as_ref().map(|p| p.source),
            Some(fedcert::assess::PrimarySource::AdfsImport),
            "{case}"
        );
    }
    for (n, rule) in [Rule::A1, Rule::A2, Rule::V1].into_iter().enumerate() {
        seen[n] += usize::from(fired(rule));
    }
    grouped_checklists_say_one_thing(&case, state, &a, &facts, holds.as_ref(), &peers);
    2
}

/// The checklists of one three-sides state, in both dialects, against the invariants; the
/// Entra update of a grouped domain updates both domains.
fn grouped_checklists_say_one_thing(
    case: &str,
    state: &State,
    a: &Assessment,
    facts: &IdpFacts,
    holds: Option<&fedcert::assess::AdfsHolds>,
    peers: &fedcert::assess::IdpGroup,
) {
    let entra = state.entra();
    let config = DomainConfig::new("contoso.com", "https://fs.contoso.com/fm.xml");
    for dialect in [Dialect::Graph, Dialect::MsOnline] {
        let mut input = ChecklistInput::new(&config, a, now());
        input.idp = Some(facts);
        input.idp_fetched_at = Some(now());
        input.entra = entra.as_ref();
        input.auto_rollover = state.auto;
        input.adfs = holds;
        input.peers = peers;
        let list = checklist::build(&input, dialect);
        check(case, a, &list);
        // The Entra update of a grouped domain updates both domains.
        if let Some(step) = list.step(StepId::UpdateEntra)
            && a.primary.is_some()
        {
            let all = step.commands.join("\n");
            assert!(
                all.contains("'contoso.com', 'fabrikam.com'"),
                "{case}: {all}"
            );
        }
    }
}
