//! Table tests for the verdict (DESIGN.md §4): every rule, every boundary, how the primary and
//! its successor are chosen, the sync states, third-party IdPs, stale and never-read metadata.
//! Certificates are built by hand with fake, distinct SHA-1s; `now` is fixed.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use fedcert::assess::{
    AdfsHeld, AdfsHolds, Advice, AssessInput, Assessment, Endpoints, EntraSide, EntraSource,
    FetchFailure, FetchProblem, Finding, IdpFacts, IdpKind, MilestoneKind, Policy, PostureInput,
    PrimarySource, Rule, Severity, SyncState, assess, next_change,
};
use fedcert::cert::{CertInfo, Sha1, Sha256};
use fedcert::words;

use Rule::{C1, E1, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, S1, S2, S3, T1, T2, X1, X2, X3};
use fedcert::assess::{SignatureCheck, TlsCert, TlsRefusal};
use fedcert::metadata::signature::{Invalid, SignatureStatus, Unsupported};
// `Ok` is `Severity::Ok` in this file: no `Result` is built here.
use Severity::{Critical, Ok, Unknown, Warning};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn secs(n: i64) -> TimeDelta {
    TimeDelta::seconds(n)
}

fn sha1(id: u8) -> Sha1 {
    Sha1([id; 20])
}

/// A certificate valid from 400 days ago until `now + left`.
fn cert(id: u8, left: TimeDelta) -> CertInfo {
    cert_from(id, -days(400), left)
}

fn cert_from(id: u8, starts: TimeDelta, left: TimeDelta) -> CertInfo {
    CertInfo {
        sha1: sha1(id),
        sha256: Sha256([id; 32]),
        subject: format!("CN=ADFS Signing {id}"),
        issuer: format!("CN=ADFS Signing {id}"),
        serial: format!("{id:02X}"),
        not_before: now() + starts,
        not_after: now() + left,
        key_algorithm: "RSA".into(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".into(),
        self_signed: true,
        der: Arc::from(vec![id]),
    }
}

/// One domain's facts, built up step by step.
#[derive(Clone)]
struct Scenario {
    facts: IdpFacts,
    never_read: bool,
    fetch_error: Option<FetchFailure>,
    entra: Option<EntraSide>,
    auto: Option<bool>,
    adfs: Option<AdfsHolds>,
    policy: Policy,
    clock_skew: Option<TimeDelta>,
    endpoints: Endpoints,
}

fn adfs() -> Scenario {
    Scenario {
        facts: IdpFacts {
            entity_id: "http://fs.contoso.com/adfs/services/trust".into(),
            kind: IdpKind::AdFs,
            signing: Vec::new(),
            encryption: Vec::new(),
            signed_by: None,
            unreadable: Vec::new(),
            sign_in_url: Some("https://fs.contoso.com/adfs/ls/".into()),
            valid_until: None,
            ws_fed: true,
        },
        never_read: false,
        fetch_error: None,
        entra: None,
        auto: None,
        adfs: None,
        policy: Policy::default(),
        clock_skew: None,
        endpoints: Endpoints::default(),
    }
}

fn third_party() -> Scenario {
    let mut s = adfs();
    s.facts.entity_id = "http://www.okta.com/exk1fcia6d6EMsf331d8".into();
    s.facts.kind = IdpKind::ThirdParty;
    s.facts.sign_in_url =
        Some("https://contoso.okta.com/app/office365/exk1/sso/wsfed/passive".into());
    s
}

/// The usual healthy AD FS: automatic rollover, Entra holds the primary that signed the metadata.
fn healthy(left: TimeDelta) -> Scenario {
    adfs()
        .sign(1, left)
        .signed_by(1)
        .auto(true)
        .entra(Some(1), None)
}

impl Scenario {
    fn sign(mut self, id: u8, left: TimeDelta) -> Self {
        self.facts.signing.push(cert(id, left));
        self
    }
    fn sign_cert(mut self, cert: CertInfo) -> Self {
        self.facts.signing.push(cert);
        self
    }
    fn encrypt(mut self, id: u8, left: TimeDelta) -> Self {
        self.facts.encryption.push(cert(id, left));
        self
    }
    fn signed_by(mut self, id: u8) -> Self {
        let published = self
            .facts
            .signing
            .iter()
            .find(|c| c.sha1 == sha1(id))
            .cloned();
        self.facts.signed_by = Some(published.unwrap_or_else(|| cert(id, days(1))));
        self
    }
    fn entra(mut self, signing: Option<u8>, next: Option<u8>) -> Self {
        self.entra = Some(EntraSide {
            source: Some(EntraSource::Config),
            signing: signing.map(sha1),
            next_signing: next.map(sha1),
            ..EntraSide::default()
        });
        self
    }
    /// Entra's `signingCertificateUpdateStatus.certificateUpdateResult`, as Graph reports it.
    fn update_result(mut self, result: &str) -> Self {
        let entra = self.entra.get_or_insert_with(EntraSide::default);
        entra.source = Some(EntraSource::Graph);
        entra.update_result = Some(result.into());
        entra.last_run = Some(now() - TimeDelta::hours(3));
        self
    }
    fn clock_skew(mut self, seconds: i64) -> Self {
        self.clock_skew = Some(secs(seconds));
        self
    }
    fn no_entra(mut self) -> Self {
        self.entra = None;
        self
    }
    fn auto(mut self, on: bool) -> Self {
        self.auto = Some(on);
        self
    }
    fn auto_unknown(mut self) -> Self {
        self.auto = None;
        self
    }
    fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
    /// An imported `Get-AdfsCertificate` that lists only its primary `id`.
    fn imported_primary(mut self, id: u8) -> Self {
        self.adfs = Some(AdfsHolds {
            certificates: vec![AdfsHeld {
                sha1: sha1(id),
                is_primary: true,
                not_after: None,
                cert: None,
            }],
            as_of: None,
        });
        self
    }
    fn stale(mut self, error: &'static str) -> Self {
        self.fetch_error = Some(failure(error));
        self
    }
    fn never_read(mut self, error: Option<&'static str>) -> Self {
        self.never_read = true;
        self.fetch_error = error.map(failure);
        self
    }
    /// The metadata's signature, judged `status`, carrying certificate `signer`.
    fn signature(mut self, status: SignatureStatus, signer: u8) -> Self {
        let required = self
            .endpoints
            .signature
            .as_ref()
            .is_some_and(|s| s.required);
        self.endpoints.signature = Some(SignatureCheck {
            status,
            signer: Some(sha1(signer)),
            signer_cert: Some(cert_named(signer, "CN=Metadata Signer", days(300))),
            aggregate: false,
            required,
        });
        self
    }
    /// `require_signature = true`.
    fn require_signature(mut self) -> Self {
        let check = self.endpoints.signature.get_or_insert(SignatureCheck {
            status: SignatureStatus::Unsigned,
            signer: None,
            signer_cert: None,
            aggregate: false,
            required: true,
        });
        check.required = true;
        self
    }
    /// The metadata host presents a TLS certificate with `left` to go.
    fn metadata_tls(mut self, left: TimeDelta, refused: Option<TlsRefusal>) -> Self {
        self.endpoints.metadata_tls = Some(tls_cert("fs.contoso.com", left, refused));
        self
    }
    /// The sign-in host (another host) presents a TLS certificate with `left` to go.
    fn signin_tls(mut self, left: TimeDelta, refused: Option<TlsRefusal>) -> Self {
        self.endpoints.signin_tls = Some(tls_cert("sts.contoso.com", left, refused));
        self
    }
    fn input(&self) -> AssessInput<'_> {
        AssessInput {
            idp: (!self.never_read).then_some(&self.facts),
            fetch_error: self.fetch_error.as_ref(),
            entra: self.entra.as_ref(),
            auto_rollover: self.auto,
            adfs: self.adfs.as_ref(),
            peers: fedcert::assess::IdpGroup::alone(),
            policy: &self.policy,
            clock_skew: self.clock_skew,
            endpoints: Some(&self.endpoints),
            posture: PostureInput::default(),
        }
    }
    fn run(&self) -> Assessment {
        assess(&self.input(), now())
    }
}

fn cert_named(id: u8, subject: &str, left: TimeDelta) -> CertInfo {
    CertInfo {
        subject: subject.to_owned(),
        issuer: "CN=Contoso Issuing CA".to_owned(),
        self_signed: false,
        ..cert(id, left)
    }
}

fn tls_cert(host: &str, left: TimeDelta, refused: Option<TlsRefusal>) -> TlsCert {
    TlsCert {
        host: host.to_owned(),
        cert: cert_named(40, &format!("CN={host}"), left),
        dns_names: vec![host.to_owned()],
        refused,
    }
}

/// A failed read, of no particular kind.
fn failure(text: &str) -> FetchFailure {
    FetchFailure {
        problem: FetchProblem::Other,
        text: text.to_owned(),
        presented: None,
    }
}

/// The findings of the rules of DESIGN.md §4 and the additions that judge the rollover; the
/// security-posture rules (B1–B4, H1–H4) have tables of their own (`posture_*`).
fn rules_of(a: &Assessment) -> Vec<(Rule, Severity)> {
    a.findings
        .iter()
        .filter(|f| !is_posture(f.rule))
        .map(|f| (f.rule, f.severity))
        .collect()
}

fn is_posture(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::B1 | Rule::B2 | Rule::B3 | Rule::B4 | Rule::H1 | Rule::H2 | Rule::H3 | Rule::H4
    )
}

type RuleCase = (&'static str, Scenario, &'static [(Rule, Severity)]);

/// Check a table: the findings (rule and severity, worst first, then by rule), the domain's
/// severity, and that every message is one line.
fn check_rule_table(cases: Vec<RuleCase>) {
    for (name, scenario, expected) in cases {
        let a = scenario.run();
        assert_eq!(rules_of(&a), expected, "{name}: {:#?}", a.findings);
        let worst = expected.iter().map(|(_, s)| *s).max().unwrap();
        assert_eq!(a.severity, worst, "{name}");
        for f in &a.findings {
            let text = words::finding(f, &a, now(), None);
            assert!(
                !text.is_empty() && !text.contains('\n'),
                "{name}: one line: {f:?}"
            );
        }
    }
}

/// DESIGN.md §6.4: the metadata's own signature (X1–X3) beside the verdict, never replacing
/// its all-clear; `valid` and `unsupported` change nothing.
#[test]
fn x_rules_signature() {
    let invalid = SignatureStatus::Invalid(Invalid::DigestMismatch);
    let unsupported = SignatureStatus::Unsupported(Unsupported::NoCertificate);
    check_rule_table(vec![
        (
            "valid",
            healthy(days(200)).signature(SignatureStatus::Valid, 1),
            &[(S1, Ok)],
        ),
        (
            "untrusted signer",
            healthy(days(200)).signature(SignatureStatus::Untrusted, 9),
            &[(X1, Warning), (S1, Ok)],
        ),
        (
            "invalid",
            healthy(days(200)).signature(invalid.clone(), 1),
            &[(X2, Critical), (S1, Ok)],
        ),
        (
            "invalid, beside a renewal",
            healthy(days(10))
                .signature(invalid.clone(), 1)
                .entra(Some(1), None),
            &[(R3, Critical), (X2, Critical)],
        ),
        (
            "unsigned",
            healthy(days(200)).signature(SignatureStatus::Unsigned, 1),
            &[(S1, Ok)],
        ),
        (
            "unsigned, signature required",
            healthy(days(200)).require_signature(),
            &[(X3, Warning), (S1, Ok)],
        ),
        (
            "unsupported",
            healthy(days(200)).signature(unsupported.clone(), 1),
            &[(S1, Ok)],
        ),
        (
            "unsupported, signature required: no more proof than none",
            healthy(days(200))
                .require_signature()
                .signature(unsupported, 1),
            &[(X3, Warning), (S1, Ok)],
        ),
        (
            "invalid, no signing certificate",
            adfs().signature(invalid, 1),
            &[(R11, Critical), (X2, Critical)],
        ),
    ]);
}

/// DESIGN.md §6.4: TLS certificates of the metadata host and of the sign-in host (T1) under
/// `tls_warn_days` and under `renew_now_days` or expired; the sign-in host's refused
/// certificate (T2). The metadata host's refusal is a failed read (R7 / R8), not T2.
#[test]
fn t_rules_tls() {
    let mismatch = Some(TlsRefusal::NameMismatch);
    check_rule_table(vec![
        (
            "200 days",
            healthy(days(200)).metadata_tls(days(200), None),
            &[(S1, Ok)],
        ),
        (
            "30 days exactly",
            healthy(days(200)).metadata_tls(days(30), None),
            &[(S1, Ok)],
        ),
        (
            "under 30 days",
            healthy(days(200)).metadata_tls(days(30) - secs(1), None),
            &[(T1, Warning), (S1, Ok)],
        ),
        (
            "15 days exactly",
            healthy(days(200)).metadata_tls(days(15), None),
            &[(T1, Warning), (S1, Ok)],
        ),
        (
            "under 15 days",
            healthy(days(200)).metadata_tls(days(15) - secs(1), None),
            &[(T1, Critical), (S1, Ok)],
        ),
        (
            "expired a second ago",
            healthy(days(200)).metadata_tls(-secs(1), None),
            &[(T1, Critical), (S1, Ok)],
        ),
        (
            "both hosts",
            healthy(days(200))
                .metadata_tls(days(20), None)
                .signin_tls(days(5), None),
            &[(T1, Critical), (T1, Warning), (S1, Ok)],
        ),
        (
            "the sign-in host's certificate is for another name",
            healthy(days(200)).signin_tls(days(200), mismatch.clone()),
            &[(T2, Warning), (S1, Ok)],
        ),
        (
            "an expired sign-in certificate is T1 alone",
            healthy(days(200)).signin_tls(-days(2), Some(TlsRefusal::Expired)),
            &[(T1, Critical), (S1, Ok)],
        ),
        (
            "the metadata host's refusal is not T2",
            healthy(days(200))
                .metadata_tls(days(200), mismatch)
                .stale("TLS: name mismatch"),
            &[(R7, Warning)],
        ),
        (
            "never read, the host presented an expired certificate",
            adfs()
                .never_read(Some("TLS: expired"))
                .metadata_tls(-days(3), Some(TlsRefusal::Expired)),
            &[(T1, Critical), (R8, Unknown)],
        ),
        (
            "tls_warn_days = 0: only renew_now_days and expiry count",
            healthy(days(200))
                .metadata_tls(days(20), None)
                .policy(Policy {
                    tls_warn_days: 0,
                    ..Policy::default()
                }),
            &[(S1, Ok)],
        ),
    ]);
}

/// What X1–X3 and T1–T2 say: the signer and how to trust it, not to copy from an invalid
/// document, which host and what breaks.
#[test]
fn x_and_t_messages_name_the_signer_the_host_and_what_breaks() {
    let untrusted = healthy(days(200)).signature(SignatureStatus::Untrusted, 9);
    let x1 = message(&untrusted, X1);
    assert_mentions(
        &x1,
        &[
            "CN=Metadata Signer",
            &sha1(9).to_string(),
            &format!("metadata_signer = \"{}\"", sha1(9)),
        ],
    );
    let invalid =
        healthy(days(200)).signature(SignatureStatus::Invalid(Invalid::DigestMismatch), 1);
    let x2 = message(&invalid, X2);
    assert_mentions(
        &x2,
        &[
            "it was changed after signing",
            "nothing shows that the document is the IdP's",
            "copy no certificate from this document into Entra",
            "AD FS itself",
        ],
    );
    assert_eq!(finding(&invalid, X2).advice, Advice::DistrustMetadata);
    let x3 = message(&healthy(days(200)).require_signature(), X3);
    assert_mentions(&x3, &["require_signature = true", "not signed"]);
    let metadata = healthy(days(200)).metadata_tls(days(10), None);
    assert_mentions(
        &message(&metadata, T1),
        &[
            "fs.contoso.com, which serves the metadata",
            "expires in 10 days",
            "Entra cannot read the metadata",
        ],
    );
    let signin = healthy(days(200)).signin_tls(-days(1), None);
    assert_mentions(
        &message(&signin, T1),
        &[
            "sts.contoso.com, where users sign in",
            "expired 1 day ago",
            "every federated sign-in fails",
        ],
    );
    let refused = healthy(days(200)).signin_tls(days(200), Some(TlsRefusal::UnknownIssuer));
    assert_mentions(
        &message(&refused, T2),
        &[
            "sts.contoso.com",
            "issued by CN=Contoso Issuing CA, a CA this machine does not trust",
            "ca_file",
        ],
    );
    for (scenario, rule, title) in [
        (&untrusted, X1, "untrusted signer"),
        (&invalid, X2, "signature invalid"),
        (&metadata, T1, "metadata TLS cert"),
        (&signin, T1, "sign-in TLS cert"),
        (&refused, T2, "sign-in TLS refused"),
    ] {
        let f = finding(scenario, rule);
        assert_eq!(words::finding_title(&f), title);
        // Advice the runbook has no step for: the words name none.
        assert_eq!(
            fedcert::checklist::step_for(f.advice, IdpKind::AdFs),
            None,
            "{rule}"
        );
    }
}

/// The article's table: S1, S2, S3 and their boundaries.
#[test]
fn s_rules() {
    check_rule_table(vec![
        ("S1 in sync, reachable", healthy(days(200)), &[(S1, Ok)]),
        (
            "S1 with the successor in Entra too",
            healthy(days(17)).sign(2, days(365)).entra(Some(1), Some(2)),
            &[(S1, Ok)],
        ),
        (
            "S1 not while stale",
            healthy(days(200)).stale("timeout"),
            &[(R7, Warning)],
        ),
        (
            "S2 pending under 15 days",
            healthy(days(14)).sign(2, days(365)),
            &[(S2, Critical), (R4, Critical)],
        ),
        (
            "S2 boundary: exactly 15 days",
            healthy(days(15)).sign(2, days(365)),
            &[(R4, Warning)],
        ),
        (
            "S2 boundary: 15 days minus one second",
            healthy(days(15) - secs(1)).sign(2, days(365)),
            &[(S2, Critical), (R4, Critical)],
        ),
        (
            "S2 broken under 15 days",
            healthy(days(10)).entra(Some(9), None),
            &[(S2, Critical), (R2, Critical), (R3, Critical)],
        ),
        (
            "S2 needs a known Entra side",
            healthy(days(14)).no_entra(),
            &[(R3, Critical), (R10, Warning)],
        ),
        (
            "S3 auto off under 35 days",
            healthy(days(34)).auto(false),
            &[(S3, Critical), (R5, Warning)],
        ),
        (
            "S3 boundary: exactly 35 days",
            healthy(days(35)).auto(false),
            &[(R5, Warning)],
        ),
        (
            "S3 boundary: 35 days minus one second",
            healthy(days(35) - secs(1)).auto(false),
            &[(S3, Critical), (R5, Warning)],
        ),
        (
            "S3 successor published and in Entra: promote it",
            healthy(days(20))
                .auto(false)
                .sign(2, days(365))
                .entra(Some(1), Some(2)),
            &[(S3, Warning), (R5, Warning)],
        ),
        (
            "S3 successor published but not in Entra",
            healthy(days(20)).auto(false).sign(2, days(365)),
            &[(S3, Critical), (R4, Warning), (R5, Warning)],
        ),
    ]);
}

/// R1 expired, R2 broken.
#[test]
fn r1_r2() {
    check_rule_table(vec![
        (
            "R1 expired one second ago",
            healthy(-secs(1)),
            &[(R1, Critical)],
        ),
        (
            "R1 expires this very second",
            healthy(TimeDelta::zero()),
            &[(R1, Critical)],
        ),
        (
            "R1 not one second before expiry",
            healthy(secs(1)),
            &[(R3, Critical)],
        ),
        (
            "R1 expired and auto off: no countdown rules on top",
            healthy(-days(3)).auto(false).no_entra(),
            &[(R1, Critical)],
        ),
        (
            "R1 when every signing cert has expired",
            adfs()
                .sign(1, -days(10))
                .sign(2, -days(1))
                .auto(true)
                .entra(Some(2), None),
            &[(R1, Critical)],
        ),
        (
            "R1 and Entra holds the wrong cert",
            healthy(-days(1)).entra(Some(9), None),
            &[(R1, Critical), (R2, Critical)],
        ),
        (
            "R2 broken far from expiry",
            healthy(days(200)).entra(Some(9), Some(8)),
            &[(R2, Critical)],
        ),
        (
            "R2 Entra holds only the successor",
            healthy(days(18)).sign(2, days(365)).entra(Some(2), None),
            &[(R2, Critical)],
        ),
    ]);
}

/// R3: AD FS missed its generation milestone (its job runs every 12 hours).
#[test]
fn r3_missed_generation() {
    check_rule_table(vec![
        (
            "R3 boundary: exactly 19.5 days",
            healthy(days(19) + TimeDelta::hours(12)),
            &[(S1, Ok)],
        ),
        (
            "R3 boundary: 19.5 days minus one second",
            healthy(days(19) + TimeDelta::hours(12) - secs(1)),
            &[(R3, Warning)],
        ),
        (
            "R3 exactly 15 days: still a warning",
            healthy(days(15)),
            &[(R3, Warning)],
        ),
        (
            "R3 under 15 days: critical",
            healthy(days(15) - secs(1)),
            &[(R3, Critical)],
        ),
        (
            "R3 not with a successor",
            healthy(days(10)).sign(2, days(365)).entra(Some(1), Some(2)),
            &[(S1, Ok)],
        ),
        (
            "R3 not without automatic rollover",
            healthy(days(18)).auto_unknown(),
            &[(R6, Warning)],
        ),
    ]);
}

/// R4 pending, R5 plan, R6 unknown rollover, R7 stale, R8 never read.
#[test]
fn r4_to_r8() {
    check_rule_table(vec![
        (
            "R4 pending while Entra polls",
            healthy(days(25)).sign(2, days(365)),
            &[(R4, Warning)],
        ),
        (
            "R4 pending before Entra polls",
            healthy(days(45)).sign(2, days(365)),
            &[(R4, Warning)],
        ),
        (
            "R5 boundary: exactly 60 days",
            healthy(days(60)).auto(false),
            &[(R5, Ok)],
        ),
        (
            "R5 boundary: 60 days minus one second",
            healthy(days(60) - secs(1)).auto(false),
            &[(R5, Warning)],
        ),
        (
            "R6 boundary: exactly 35 days",
            healthy(days(35)).auto_unknown(),
            &[(R6, Ok)],
        ),
        (
            "R6 boundary: 35 days minus one second",
            healthy(days(35) - secs(1)).auto_unknown(),
            &[(R6, Warning)],
        ),
        (
            "R6 and R10 with nothing known",
            healthy(days(29)).auto_unknown().no_entra(),
            &[(R6, Warning), (R10, Warning)],
        ),
        (
            "R7 stale and broken: worse from the stale facts",
            healthy(days(200)).entra(Some(9), None).stale("http 503"),
            &[(R2, Critical), (R7, Warning)],
        ),
        (
            "R8 never read",
            healthy(days(200)).never_read(Some("connection refused")),
            &[(R8, Unknown)],
        ),
        (
            "R8 not read yet",
            healthy(days(200)).never_read(None),
            &[(R8, Unknown)],
        ),
    ]);
}

/// R9 token-decrypting, R10 unknown Entra side, R11 no signing certificate.
#[test]
fn r9_to_r11() {
    check_rule_table(vec![
        (
            "R9 encryption cert expired",
            healthy(days(200)).encrypt(5, -secs(1)),
            &[(R9, Warning)],
        ),
        (
            "R9 boundary: exactly 15 days",
            healthy(days(200)).encrypt(5, days(15)),
            &[(S1, Ok)],
        ),
        (
            "R9 boundary: 15 days minus one second",
            healthy(days(200)).encrypt(5, days(15) - secs(1)),
            &[(R9, Warning)],
        ),
        (
            "R9 not when a fresh encryption cert is published too",
            healthy(days(200))
                .encrypt(5, -days(3))
                .encrypt(6, days(300)),
            &[(S1, Ok)],
        ),
        (
            "R10 boundary: exactly 35 days",
            healthy(days(35)).no_entra(),
            &[(R10, Ok)],
        ),
        (
            "R10 boundary: 35 days minus one second",
            healthy(days(35) - secs(1)).no_entra(),
            &[(R10, Warning)],
        ),
        (
            "R10 an Entra side without thumbprints is unknown",
            healthy(days(25)).entra(None, None),
            &[(R10, Warning)],
        ),
        (
            "R11 no signing certificate",
            adfs().auto(true).entra(Some(1), None),
            &[(R11, Critical)],
        ),
        (
            "R11 and stale, and the encryption cert expired",
            adfs().encrypt(5, -days(1)).stale("tls"),
            &[(R11, Critical), (R7, Warning), (R9, Warning)],
        ),
    ]);
}

/// Third-party IdPs: unknown automatic rollover counts as off, R6 never asks.
#[test]
fn third_party_rules() {
    check_rule_table(vec![
        (
            "third party far from expiry",
            third_party().sign(1, days(100)).entra(Some(1), None),
            &[(R5, Ok)],
        ),
        (
            "third party under 60 days",
            third_party().sign(1, days(59)).entra(Some(1), None),
            &[(R5, Warning)],
        ),
        (
            "third party under 35 days",
            third_party().sign(1, days(29)).entra(Some(1), None),
            &[(S3, Critical), (R5, Warning)],
        ),
        (
            "third party successor not in Entra",
            third_party()
                .sign(1, days(100))
                .sign(2, days(400))
                .entra(Some(1), None),
            &[(R4, Warning)],
        ),
        (
            "third party successor in Entra, under 35 days",
            third_party()
                .sign(1, days(20))
                .sign(2, days(400))
                .entra(Some(1), Some(2)),
            &[(S3, Warning), (R5, Warning)],
        ),
        (
            "third party that rolls over by itself (auto = true kept)",
            third_party()
                .sign(1, days(100))
                .entra(Some(1), None)
                .auto(true),
            &[(S1, Ok)],
        ),
        (
            "third party explicit auto = false",
            third_party()
                .sign(1, days(59))
                .entra(Some(1), None)
                .auto(false),
            &[(R5, Warning)],
        ),
    ]);
}

/// The defaults follow the article's current text (35 days); its 2017 text said 30, and a
/// policy that says so decides.
#[test]
fn policy_overrides() {
    let defaults = Policy::default();
    assert_eq!(
        (defaults.manual_renew_days, defaults.entra_poll_days),
        (35, 35)
    );
    let article_2017 = Policy {
        manual_renew_days: 30,
        entra_poll_days: 30,
        ..Policy::default()
    };
    check_rule_table(vec![
        (
            "S3 at 30 days",
            healthy(days(30) - secs(1)).auto(false).policy(article_2017),
            &[(S3, Critical), (R5, Warning)],
        ),
        (
            "no S3 above 30 days",
            healthy(days(30) + secs(1)).auto(false).policy(article_2017),
            &[(R5, Warning)],
        ),
        (
            "R10 at 30 days",
            healthy(days(30) - secs(1)).no_entra().policy(article_2017),
            &[(R10, Warning)],
        ),
        (
            "all clear cites the rule that fires first (R10 at T−35 before R6 at T−30)",
            healthy(days(200)).auto_unknown().no_entra().policy(Policy {
                manual_renew_days: 30,
                ..Policy::default()
            }),
            &[(R10, Ok)],
        ),
        (
            "all clear: R6 wins the tie with R10",
            healthy(days(200)).auto_unknown().no_entra(),
            &[(R6, Ok)],
        ),
    ]);
}

#[test]
fn primary_identification_order() {
    let cases: Vec<(&str, Scenario, u8, PrimarySource)> = vec![
        (
            "imported IsPrimary beats the signature",
            adfs()
                .sign(1, days(100))
                .sign(2, days(300))
                .signed_by(2)
                .imported_primary(1),
            1,
            PrimarySource::AdfsImport,
        ),
        (
            "imported IsPrimary not published: the signature decides",
            adfs()
                .sign(1, days(100))
                .sign(2, days(300))
                .signed_by(2)
                .imported_primary(7),
            2,
            PrimarySource::MetadataSignature,
        ),
        (
            "signature by a cert that is not a signing cert (aggregate root): inferred",
            adfs().sign(1, days(300)).sign(2, days(100)).signed_by(9),
            2,
            PrimarySource::Inferred,
        ),
        (
            "inferred: the valid cert that expires first, expired ones skipped",
            adfs()
                .sign(1, -days(1))
                .sign(2, days(100))
                .sign(3, days(50)),
            3,
            PrimarySource::Inferred,
        ),
        (
            "inferred: a cert not valid yet is skipped",
            adfs()
                .sign_cert(cert_from(1, days(1), days(20)))
                .sign(2, days(100)),
            2,
            PrimarySource::Inferred,
        ),
        (
            "inferred: nothing valid, the one that expired last",
            adfs()
                .sign(1, -days(30))
                .sign(2, -days(2))
                .sign(3, -days(9)),
            2,
            PrimarySource::Inferred,
        ),
        (
            "inferred: a tie goes to document order",
            adfs().sign(4, days(100)).sign(3, days(100)),
            4,
            PrimarySource::Inferred,
        ),
        (
            "an expired imported primary is still the primary",
            adfs()
                .sign(1, -days(1))
                .sign(2, days(100))
                .imported_primary(1),
            1,
            PrimarySource::AdfsImport,
        ),
    ];
    for (name, scenario, id, source) in cases {
        let primary = scenario.run().primary.unwrap();
        assert_eq!(
            (primary.cert.sha1, primary.source),
            (sha1(id), source),
            "{name}"
        );
    }
}

#[test]
fn successor_choice() {
    let cases: Vec<(&str, Scenario, Option<u8>)> = vec![
        ("none", healthy(days(100)), None),
        (
            "a later cert",
            healthy(days(100)).sign(2, days(400)),
            Some(2),
        ),
        (
            "the latest of several",
            healthy(days(100))
                .sign(2, days(300))
                .sign(3, days(500))
                .sign(4, days(200)),
            Some(3),
        ),
        (
            "one expiring before the primary is no successor",
            healthy(days(100)).sign(2, days(50)),
            None,
        ),
        (
            "an expired cert is no successor",
            healthy(-days(1)).sign(2, -secs(1)),
            None,
        ),
        (
            "a cert not yet valid is no successor",
            healthy(days(100)).sign_cert(cert_from(2, days(1), days(400))),
            None,
        ),
        (
            "after promotion the old cert expires first: no successor",
            adfs().sign(1, days(14)).sign(2, days(365)).signed_by(2),
            None,
        ),
    ];
    for (name, scenario, id) in cases {
        let successor = scenario.run().successor.map(|c| c.sha1);
        assert_eq!(successor, id.map(sha1), "{name}");
    }
}

#[test]
fn sync_states() {
    let with_successor = || adfs().sign(1, days(100)).sign(2, days(400)).signed_by(1);
    let cases: Vec<(&str, Scenario, SyncState)> = vec![
        (
            "in sync, no successor",
            healthy(days(100)),
            SyncState::InSync,
        ),
        (
            "in sync, primary as next signing",
            healthy(days(100)).entra(None, Some(1)),
            SyncState::InSync,
        ),
        (
            "in sync, both held in either order",
            with_successor().entra(Some(2), Some(1)),
            SyncState::InSync,
        ),
        (
            "pending",
            with_successor().entra(Some(1), None),
            SyncState::Pending,
        ),
        (
            "broken, though the successor is held",
            with_successor().entra(Some(2), None),
            SyncState::Broken,
        ),
        (
            "broken, nothing matches",
            with_successor().entra(Some(8), Some(9)),
            SyncState::Broken,
        ),
        (
            "unknown, no Entra side",
            with_successor(),
            SyncState::Unknown,
        ),
        (
            "unknown, Entra side names no cert",
            with_successor().entra(None, None),
            SyncState::Unknown,
        ),
        (
            "unknown without a primary",
            adfs().entra(Some(1), None),
            SyncState::Unknown,
        ),
    ];
    for (name, scenario, sync) in cases {
        assert_eq!(scenario.run().sync, sync, "{name}");
    }
}

#[test]
fn milestones_in_time_order() {
    let a = healthy(days(100)).run();
    let t = now() + days(100);
    let got: Vec<(MilestoneKind, DateTime<Utc>)> =
        a.milestones.iter().map(|m| (m.kind, m.at)).collect();
    assert_eq!(
        got,
        [
            (MilestoneKind::Plan, t - days(60)),
            (MilestoneKind::EntraPoll, t - days(35)),
            (MilestoneKind::Generation, t - days(20)),
            (MilestoneKind::Promotion, t - days(15)),
            (MilestoneKind::RenewNow, t - days(15)),
            (MilestoneKind::Expiry, t),
        ]
    );

    // A custom policy reorders them: Entra polling late, promotion after a long wait.
    let mut s = healthy(days(100));
    s.policy = Policy {
        entra_poll_days: 10,
        promotion_days: 12,
        ..Policy::default()
    };
    let kinds: Vec<MilestoneKind> = s.run().milestones.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            MilestoneKind::Plan,
            MilestoneKind::Generation,
            MilestoneKind::RenewNow,
            MilestoneKind::EntraPoll,
            MilestoneKind::Promotion,
            MilestoneKind::Expiry,
        ]
    );
    assert!(
        adfs().run().milestones.is_empty(),
        "no primary, no milestones"
    );
}

#[test]
fn days_left_is_fractional() {
    let a = healthy(days(12) + TimeDelta::hours(6)).run();
    assert!((a.days_left.unwrap() - 12.25).abs() < 1e-9);
    assert_eq!(adfs().never_read(None).run().days_left, None);
}

/// The one finding with `rule`.
fn finding(scenario: &Scenario, rule: Rule) -> Finding {
    let a = scenario.run();
    a.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule}: {:#?}", a.findings))
        .clone()
}

/// The finding with `rule` in words (no checklist: no step number).
fn message(scenario: &Scenario, rule: Rule) -> String {
    let a = scenario.run();
    words::finding(&finding(scenario, rule), &a, now(), None)
}

fn assert_mentions(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{text:?} lacks {part:?}");
    }
}

type MessageCase = (Scenario, Rule, &'static [&'static str]);

fn check_messages(cases: Vec<MessageCase>) {
    for (scenario, rule, parts) in cases {
        assert_mentions(&message(&scenario, rule), parts);
    }
}

/// Messages say what is wrong and what to do, with the numbers and dates filled in
/// (`now` is 2026-12-01 09:00 UTC).
#[test]
fn messages_are_concrete() {
    let pending = || healthy(days(12)).sign(2, days(365));
    let promote = healthy(days(20))
        .auto(false)
        .sign(2, days(365))
        .entra(Some(1), Some(2));
    check_messages(vec![
        (
            pending(),
            R4,
            &[
                "primary CN=ADFS Signing 1 (01010101…)",
                "expires in 12 days (2026-12-13 09:00 UTC)",
                "under the 15-day limit",
                "successor CN=ADFS Signing 2 (02020202…)",
                "update Entra now",
            ],
        ),
        (
            pending(),
            S2,
            &[
                "renew now by hand",
                "put the successor CN=ADFS Signing 2 (02020202…) into Entra",
            ],
        ),
        (
            promote,
            S3,
            &[
                "make it primary before 2026-12-21 09:00 UTC",
                "-Thumbprint 0202020202020202020202020202020202020202 -IsPrimary",
            ],
        ),
        (
            healthy(days(18)),
            R3,
            &[
                "AD FS has published no successor",
                "due at 2026-11-29 09:00 UTC (T−20 days)",
                "Update-AdfsCertificate -CertificateType Token-Signing",
            ],
        ),
        (
            healthy(days(200)).entra(Some(9), Some(8)),
            R2,
            &[
                "signing slot holds 09090909…, which the IdP does not publish",
                "next-signing slot holds 08080808…, which the IdP does not publish",
                "not hold the primary CN=ADFS Signing 1 (01010101…)",
                "sign-ins fail now",
            ],
        ),
        (
            adfs().sign(1, -days(3)).auto(true),
            R1,
            &[
                "primary CN=ADFS Signing 1 (01010101…, inferred) expired 3 days ago (2026-11-28 09:00 UTC)",
                "-Urgent",
            ],
        ),
        (
            healthy(days(45)).sign(2, days(365)),
            R4,
            &[
                "starts polling the metadata at 2026-12-11 09:00 UTC",
                "by 2026-12-31 09:00 UTC",
            ],
        ),
    ]);
}

/// Stale, never read, encryption, Entra unknown, nothing to sign with.
#[test]
fn messages_name_the_cause_and_fix() {
    let mut unreadable = adfs();
    unreadable.facts.unreadable =
        vec!["certificate AB… in IDPSSODescriptor cannot be read: bad DER".into()];
    check_messages(vec![
        (
            healthy(days(200)).stale("http 503 from fs.contoso.com"),
            R7,
            &["http 503 from fs.contoso.com", "last good snapshot"],
        ),
        (
            adfs().never_read(Some("dns: no such host")),
            R8,
            &["never been read (dns: no such host)", "metadata_url"],
        ),
        (
            healthy(days(200)).encrypt(5, days(3)),
            R9,
            &[
                "token-decrypting certificate CN=ADFS Signing 5 (05050505…) expires in 3 days",
                "Token-Decrypting",
            ],
        ),
        (
            healthy(days(29)).no_entra(),
            R10,
            &["check which certificates Entra holds", "expires in 29 days"],
        ),
        (
            healthy(days(29)).auto_unknown(),
            R6,
            &["Get-AdfsProperties | FL AutoCert*, Certificate*"],
        ),
        (
            unreadable,
            R11,
            &[
                "\"http://fs.contoso.com/adfs/services/trust\" publishes no usable signing certificate",
                "bad DER",
            ],
        ),
    ]);
}

/// All clear: why it is fine and what comes next.
#[test]
fn all_clear_messages_say_why_and_what_next() {
    check_messages(vec![
        (
            healthy(days(200)),
            S1,
            &[
                "no action needed",
                "publishes the successor around 2027-05-30 09:00 UTC",
            ],
        ),
        (
            healthy(days(200)).auto(false),
            R5,
            &[
                "automatic rollover is off",
                "valid for another 200 days (until 2027-06-19 09:00 UTC)",
                "from 2027-04-20 09:00 UTC plan the manual renewal",
            ],
        ),
        (
            healthy(days(200)).no_entra(),
            R10,
            &["from 2027-05-15 09:00 UTC check which certificates Entra holds"],
        ),
        (
            healthy(days(200)).auto_unknown(),
            R6,
            &[
                "AutoCertificateRollover is unknown",
                "from 2027-05-15 09:00 UTC find out",
            ],
        ),
    ]);
}

#[test]
fn third_party_messages_say_entra_reads_no_metadata() {
    let cases: Vec<(Scenario, Rule)> = vec![
        (third_party().sign(1, days(100)).entra(Some(1), None), R5),
        (third_party().sign(1, days(59)).entra(Some(1), None), R5),
        (third_party().sign(1, days(29)).entra(Some(1), None), S3),
        (
            third_party()
                .sign(1, days(100))
                .sign(2, days(400))
                .entra(Some(1), None),
            R4,
        ),
    ];
    for (scenario, rule) in cases {
        let text = message(&scenario, rule);
        assert!(
            text.contains("Entra reads no metadata") || text.contains("never picks it up"),
            "{rule}: {text}"
        );
        assert!(
            !text.contains("AD FS"),
            "{rule}: no AD FS advice for a third party: {text}"
        );
    }
}

/// The same facts at the same `now` give the same verdict.
#[test]
fn deterministic() {
    let s = healthy(days(14))
        .sign(2, days(365))
        .encrypt(5, days(2))
        .stale("timeout");
    assert_eq!(s.run(), s.run());
}

/// E1: Entra's own update failed while the successor is not in Entra.
#[test]
fn e1_entra_update_failures() {
    check_rule_table(vec![
        (
            "E1 successor pending and Entra cannot reach the metadata",
            healthy(days(18))
                .sign(2, days(365))
                .update_result("couldNotAccessRemoteHost"),
            &[(R4, Warning), (E1, Warning)],
        ),
        (
            "E1 is CRITICAL under renew_now_days",
            healthy(days(14))
                .sign(2, days(365))
                .update_result("CouldNotAccessRemoteHost"),
            &[(S2, Critical), (R4, Critical), (E1, Critical)],
        ),
        (
            "E1 quiet once Entra holds the successor",
            healthy(days(18))
                .sign(2, days(365))
                .entra(Some(1), Some(2))
                .update_result("couldNotAccessRemoteHost"),
            &[(S1, Ok)],
        ),
        (
            "E1 quiet on success (any case)",
            healthy(days(18))
                .sign(2, days(365))
                .update_result("Success"),
            &[(R4, Warning)],
        ),
        (
            "E1 quiet when Entra read the metadata and found nothing new",
            healthy(days(18))
                .sign(2, days(365))
                .update_result("noNewCertificateFound"),
            &[(R4, Warning)],
        ),
        (
            "E1 without a successor, once Entra polls (35 days)",
            healthy(days(25)).update_result("xmlParsingError"),
            &[(E1, Warning)],
        ),
        (
            "E1 without a successor, before Entra polls",
            healthy(days(45)).update_result("xmlParsingError"),
            &[(S1, Ok)],
        ),
    ]);
    let a = healthy(days(18))
        .sign(2, days(365))
        .update_result("couldNotAccessRemoteHost")
        .run();
    let e1 = a.findings.iter().find(|f| f.rule == E1).unwrap();
    let text = words::finding(e1, &a, now(), None);
    assert!(
        text.starts_with("Entra could not reach your metadata; last tried 3 hours ago"),
        "{text}"
    );
    assert_eq!(e1.advice, Advice::MakeMetadataReachable);
}

/// C1: the metadata server's clock is more than 5 minutes off this machine's.
#[test]
fn c1_clock_skew() {
    check_rule_table(vec![
        (
            "C1 quiet at exactly 5 minutes",
            healthy(days(200)).clock_skew(300),
            &[(S1, Ok)],
        ),
        (
            "C1 one second over, beside the all-clear",
            healthy(days(200)).clock_skew(301),
            &[(C1, Warning), (S1, Ok)],
        ),
        (
            "C1 behind, beside a critical verdict",
            healthy(days(10)).entra(Some(9), None).clock_skew(-7200),
            &[
                (S2, Critical),
                (R2, Critical),
                (R3, Critical),
                (C1, Warning),
            ],
        ),
        (
            "C1 also without a usable signing certificate",
            adfs().clock_skew(-3600),
            &[(R11, Critical), (C1, Warning)],
        ),
        (
            "C1 not from a never-read domain",
            adfs().never_read(Some("timeout")).clock_skew(3600),
            &[(R8, Unknown)],
        ),
    ]);
}

// ---- how long a verdict holds ----

/// The verdict without its continuous countdown, plus that countdown as the list shows it (the
/// details and the findings' words count down from the moment they are drawn).
fn held(a: &Assessment) -> (Assessment, String) {
    use fedcert::tui::view::format;
    let mut a = a.clone();
    let days = a.days_left.take();
    (a, format::days_left(days))
}

/// Moments worth probing: around every certificate's dates, every policy milestone, Entra's
/// last run, and far from all of them.
fn probes(s: &Scenario) -> Vec<DateTime<Utc>> {
    let p = &s.policy;
    let mut anchors = vec![now(), now() + TimeDelta::hours(5)];
    for c in s.facts.signing.iter().chain(&s.facts.encryption) {
        anchors.extend([c.not_before, c.not_after]);
        for d in [
            p.renew_now_days,
            p.manual_renew_days,
            p.entra_poll_days,
            p.generation_days,
            p.generation_days - p.promotion_days,
            p.plan_days,
        ] {
            anchors.push(c.not_after - days(i64::from(d)));
        }
        anchors.push(c.not_after - days(i64::from(p.generation_days)) + TimeDelta::hours(12));
    }
    anchors.extend(s.entra.as_ref().and_then(|e| e.last_run));
    for tls in s.endpoints.tls() {
        let t = tls.1.cert.not_after;
        anchors.extend([
            t,
            t - days(i64::from(p.tls_warn_days)),
            t - days(i64::from(p.renew_now_days)),
        ]);
    }
    let offsets = [
        -days(3),
        -days(1) - secs(1),
        -TimeDelta::hours(1),
        -secs(61),
        -secs(1),
        -TimeDelta::nanoseconds(1),
        TimeDelta::zero(),
        TimeDelta::nanoseconds(1),
        secs(1),
        secs(59),
        TimeDelta::minutes(59) + secs(30),
        TimeDelta::hours(25),
        days(2) + TimeDelta::minutes(7),
    ];
    anchors
        .iter()
        .flat_map(|&a| offsets.iter().map(move |&o| a + o))
        .collect()
}

/// From any moment until `next_change`, the verdict is the same (its countdown aside, which
/// the list rounds to the same whole days or hours), and `next_change` lies ahead.
#[test]
fn a_verdict_holds_until_its_next_change() {
    let scenarios = vec![
        healthy(days(200)),
        healthy(days(12) + TimeDelta::hours(7)).sign(2, days(380)),
        healthy(days(40))
            .sign(2, days(400))
            .update_result("couldNotAccessRemoteHost"),
        healthy(days(25))
            .no_entra()
            .update_result("couldNotAccessRemoteHost"),
        adfs().sign(1, days(70)).auto(false).entra(Some(1), None),
        adfs().sign(1, days(33) + secs(17)).auto_unknown(),
        third_party().sign(1, days(61)).entra(Some(1), None),
        healthy(days(18)).encrypt(5, days(16) + TimeDelta::minutes(3)),
        healthy(days(9)).stale("connection refused"),
        healthy(TimeDelta::minutes(90)).sign_cert(cert_from(2, days(3), days(500))),
        healthy(-days(2)).sign(2, days(30)).imported_primary(1),
        healthy(days(50)).policy(Policy {
            renew_now_days: 1,
            manual_renew_days: 2,
            entra_poll_days: 400,
            generation_days: 45,
            promotion_days: 45,
            critical_days: 2,
            plan_days: 0,
            tls_warn_days: 30,
        }),
        adfs().never_read(Some("connection refused")),
        // T1's thresholds on the TLS certificates' clocks, not the primary's.
        healthy(days(300)).metadata_tls(days(30) + TimeDelta::minutes(7), None),
        healthy(days(300)).signin_tls(days(15) + TimeDelta::hours(3), None),
        adfs()
            .never_read(Some("TLS: expired"))
            .metadata_tls(TimeDelta::minutes(70), None),
    ];
    let mut probed = 0;
    for (n, s) in scenarios.iter().enumerate() {
        let input = s.input();
        for at in probes(s) {
            let until = next_change(&input, at);
            assert!(
                until > at,
                "scenario {n} at {at}: next change {until} is not ahead"
            );
            let before = held(&assess(&input, at));
            let gap = until - at;
            let mut inside = vec![until - TimeDelta::nanoseconds(1), at + gap / 2];
            if gap > TimeDelta::days(2) {
                inside.push(at + TimeDelta::days(1));
            }
            for t in inside.into_iter().filter(|&t| t >= at && t < until) {
                probed += 1;
                assert_eq!(
                    held(&assess(&input, t)),
                    before,
                    "scenario {n}: the verdict at {at} held until {until}, but not at {t}"
                );
            }
        }
    }
    assert!(probed > 3_000, "{probed} probes");
}

/// The point of the horizon: a verdict far from every milestone holds for hours, not seconds.
#[test]
fn a_quiet_verdict_holds_until_its_countdown_moves() {
    let s = healthy(days(200) + TimeDelta::hours(7));
    let at = now();
    // "valid for another 200 days": the words change when 200 whole days are left.
    assert_eq!(next_change(&s.input(), at), at + TimeDelta::hours(7));
    let s = healthy(TimeDelta::minutes(90));
    // In the last two days the countdown moves by the hour (it reads "1 hour" at 119 min).
    assert_eq!(next_change(&s.input(), at), at + TimeDelta::minutes(30));
    // Nothing read, nothing counts down: it holds until something new arrives.
    let s = adfs().never_read(None);
    assert_eq!(next_change(&s.input(), at), DateTime::<Utc>::MAX_UTC);
}

/// A failed read says what actually happened and the fix that fits it, never only "check that
/// this host can reach it" (R8 and R7 alike); the list's title says it in a few words.
#[test]
fn failed_reads_get_the_fix_that_fits() {
    let cases = [
        (
            FetchProblem::HtmlPage,
            "/federationmetadata/2007-06/federationmetadata.xml",
            "an HTML page, not metadata",
        ),
        (FetchProblem::Refused, "host and port", "connection refused"),
        (FetchProblem::Truncated, "cut short", "metadata cut short"),
        (FetchProblem::Empty, "server or proxy", "empty answer"),
        (
            FetchProblem::Http(403),
            "anonymously",
            "metadata never read",
        ),
        (
            FetchProblem::Http(503),
            "federation service and its proxy",
            "metadata never read",
        ),
        (FetchProblem::Tls, "ca_file", "TLS failed"),
        (FetchProblem::Dns, "DNS", "host not found"),
        (FetchProblem::NoIdp, "entity_id", "no IdP for the domain"),
    ];
    for (problem, says, title) in cases {
        let failed = FetchFailure {
            problem,
            text: "https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml: what the source said".into(),
            presented: None,
        };
        let mut never = adfs();
        never.never_read = true;
        never.fetch_error = Some(failed.clone());
        let text = message(&never, R8);
        assert!(text.contains(says), "{problem:?}: {text}");
        assert!(text.contains("what the source said"), "{text}");
        assert!(
            !text.contains("that this host can reach it"),
            "{problem:?}: {text}"
        );
        assert_eq!(
            words::finding_title(&finding(&never, R8)),
            title,
            "{problem:?}"
        );
        let mut stale = healthy(days(200));
        stale.fetch_error = Some(failed);
        let text = message(&stale, R7);
        assert!(text.contains(says), "{problem:?}: {text}");
        assert!(text.contains("last good snapshot"), "{text}");
    }
}

// --- Security posture (DESIGN.md §6.5) -----------------------------------------------------------

/// The posture findings (B1–B4, H1–H4) of `scenario` with this posture input.
fn posture_of(
    scenario: &Scenario,
    posture: PostureInput<'_>,
) -> (Assessment, Vec<(Rule, Severity)>) {
    let input = AssessInput {
        posture,
        ..scenario.input()
    };
    let a = assess(&input, now());
    let found = a
        .findings
        .iter()
        .filter(|f| is_posture(f.rule))
        .map(|f| (f.rule, f.severity))
        .collect();
    (a, found)
}

fn with_issuer(mut scenario: Scenario, issuer: &str) -> Scenario {
    let entra = scenario.entra.get_or_insert_with(EntraSide::default);
    entra.issuer_uri = Some(issuer.to_owned());
    scenario
}

#[test]
fn hygiene_findings_are_info_and_never_change_the_verdict() {
    let info = |s: Scenario| posture_of(&s, PostureInput::default());
    let mut sha1_signed = cert(1, days(200));
    sha1_signed.signature_algorithm = "sha1WithRSAEncryption".into();
    let (a, found) = info(
        adfs()
            .sign_cert(sha1_signed)
            .signed_by(1)
            .auto(true)
            .entra(Some(1), None),
    );
    assert_eq!(found, [(Rule::H1, Severity::Info)]);
    assert_eq!(a.severity, Ok, "info never changes a verdict");
    assert_eq!(a.findings[0].rule, S1, "the all-clear stays, worst first");
    let text = words::finding(a.findings.last().unwrap(), &a, now(), None);
    assert!(text.contains("sha1WithRSAEncryption"), "{text}");

    let mut small = cert(1, days(200));
    small.key_bits = Some(1024);
    let (_, found) = info(
        adfs()
            .sign_cert(small)
            .signed_by(1)
            .auto(true)
            .entra(Some(1), None),
    );
    assert_eq!(found, [(Rule::H2, Severity::Info)]);
    // An EC key has no RSA size to judge.
    let mut ec = cert(1, days(200));
    (ec.key_algorithm, ec.key_bits) = ("EC".into(), Some(256));
    assert_eq!(
        info(
            adfs()
                .sign_cert(ec)
                .signed_by(1)
                .auto(true)
                .entra(Some(1), None)
        )
        .1,
        []
    );

    // Three years to the second is fine; a second more is not.
    let three_years = |extra: i64| {
        let mut c = cert_from(1, -days(400), days(0));
        c.not_after = c
            .not_before
            .checked_add_months(chrono::Months::new(36))
            .unwrap()
            + secs(extra);
        c
    };
    let long = |extra| {
        info(
            adfs()
                .sign_cert(three_years(extra))
                .signed_by(1)
                .auto(true)
                .entra(Some(1), None),
        )
        .1
    };
    assert_eq!(long(0), []);
    assert_eq!(long(1), [(Rule::H3, Severity::Info)]);

    // A successor issued by another CA than the primary's.
    let mut other = cert(2, days(500));
    (other.subject, other.issuer) = ("CN=ADFS Signing 1".into(), "CN=Other CA".into());
    let (a, found) = info(healthy(days(100)).sign_cert(other).entra(Some(1), Some(2)));
    assert_eq!(found, [(Rule::H4, Severity::Info)]);
    assert_eq!(a.severity, Ok);
    // Named as the primary is: nothing to say.
    let mut alike = cert(2, days(500));
    (alike.subject, alike.issuer) = ("CN=ADFS Signing 1".into(), "CN=ADFS Signing 1".into());
    assert_eq!(
        info(healthy(days(100)).sign_cert(alike).entra(Some(1), Some(2))).1,
        []
    );

    // An expired signing certificate is judged no more; a warning stays a warning.
    let mut expired = cert_from(3, -days(800), -days(1));
    expired.signature_algorithm = "sha1WithRSAEncryption".into();
    let (a, found) = info(
        adfs()
            .sign(1, days(40))
            .sign_cert(expired)
            .signed_by(1)
            .auto(false)
            .entra(Some(1), None),
    );
    assert_eq!(found, []);
    assert_eq!(a.severity, Warning, "R5 as before");
}

#[test]
fn the_issuer_is_judged_against_every_host_of_the_idp_and_the_backdoor_pattern() {
    let mut idp = healthy(days(200));
    idp.facts.entity_id = "http://fs.contoso.com/adfs/services/trust".into();
    idp.facts.sign_in_url = Some("https://sts.contoso.com/adfs/ls/".into());
    let posture = PostureInput {
        domain: "sales.contoso.com",
        metadata_url: Some("https://metadata.contoso.com:8443/federationmetadata.xml"),
        ..PostureInput::default()
    };
    let b3 = |issuer: &str| posture_of(&with_issuer(idp.clone(), issuer), posture).1;
    for fine in [
        "http://fs.contoso.com/adfs/services/trust/",
        "HTTPS://STS.CONTOSO.COM/anything",
        "https://metadata.contoso.com/x",
        "http://contoso.com/adfs/services/trust/",
        "http://sales.contoso.com/adfs/services/trust/",
    ] {
        assert_eq!(b3(fine), [], "{fine}");
    }
    for wrong in [
        "http://fs.contoso.net/adfs/services/trust",
        "urn:uri:o365",
        "http://othercontoso.com/adfs/services/trust/",
    ] {
        assert_eq!(b3(wrong), [(Rule::B3, Warning)], "{wrong}");
    }
    // The backdoor pattern is known without the metadata.
    let never_read = with_issuer(adfs().never_read(None), "http://any.sts/B231A11F");
    let (a, found) = posture_of(&never_read, posture);
    assert_eq!(found, [(Rule::B3, Warning)]);
    assert!(matches!(
        a.findings
            .iter()
            .find(|f| f.rule == Rule::B3)
            .unwrap()
            .situation,
        fedcert::assess::Situation::IssuerElsewhere { backdoor: true, .. }
    ));
    assert_eq!(a.severity, Warning, "worse than never read: UNKNOWN");
}

#[test]
fn a_change_is_recent_for_exactly_24_hours() {
    let change = |ago: TimeDelta| fedcert::assess::FederationChange {
        at: now() - ago,
        activity: "Set federation settings on domain".into(),
        actor: "mallory@contoso.com".into(),
    };
    for (ago, recent) in [
        (TimeDelta::hours(24), false),
        (TimeDelta::hours(24) - secs(1), true),
        (secs(0), true),
        // A moment after `now` (a clock ahead of ours) is not said to be "recent" yet.
        (-secs(60), false),
    ] {
        let changes = [change(ago)];
        let posture = PostureInput {
            changes: Some(&changes),
            ..PostureInput::default()
        };
        let (a, found) = posture_of(&healthy(days(200)), posture);
        let expected: &[(Rule, Severity)] = if recent { &[(Rule::B4, Warning)] } else { &[] };
        assert_eq!(found, expected, "{ago}");
        assert_eq!(a.severity, if recent { Warning } else { Ok }, "{ago}");
    }
}

#[test]
fn a_certificate_an_import_lists_or_the_idp_publishes_is_the_idps() {
    // Entra's next slot: certificate 9, which the metadata does not publish.
    let scenario = healthy(days(200)).entra(Some(1), Some(9));
    let (a, found) = posture_of(&scenario, PostureInput::default());
    assert_eq!(found, [(Rule::B1, Critical)]);
    assert_eq!(a.outage, Some(fedcert::assess::Outage::SuspectedCompromise));
    // AD FS holds it (an imported Get-AdfsCertificate lists it): a successor staged by hand.
    let imported = [sha1(9)];
    let (a, found) = posture_of(
        &scenario,
        PostureInput {
            adfs_certificates: &imported,
            ..PostureInput::default()
        },
    );
    assert_eq!(found, []);
    assert_eq!(a.outage, None);
    // Published as the token-decrypting certificate: R2's business when it breaks sign-in,
    // not a backdoor.
    let (_, found) = posture_of(
        &scenario.clone().encrypt(9, days(200)),
        PostureInput::default(),
    );
    assert_eq!(found, []);
}
