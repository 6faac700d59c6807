//! The renewal checklist: which steps each kind of domain gets, the exact filled-in commands in
//! both dialects, auto-verification, the progress model and the renderers.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, Utc};
use fedcert::assess::{
    Advice, Assessment, EntraSide, EntraSource, FetchFailure, FetchProblem, Finding, IdpFacts,
    IdpKind, Primary, PrimarySource, Rule, Severity, Situation, SyncState,
};
use fedcert::cert::{CertInfo, Sha1, Sha256};
use fedcert::checklist::format as checklist_format;
use fedcert::checklist::{
    self, Checklist, ChecklistInput, Dialect, Location, Mark, PROGRESS_FORMAT, Progress, StepId,
    StepState,
};
use fedcert::config::DomainConfig;

// ---- fixtures --------------------------------------------------------------------------------

const PRIMARY_DER: &[u8] = b"fedcert-test-primary";
const SUCCESSOR_DER: &[u8] = b"fedcert-test-successor";
const OTHER_DER: &[u8] = b"fedcert-test-other";
// Computed independently (python hashlib / base64) from the DER bytes above.
const PRIMARY_SHA1: &str = "DCD82DC54A663135AF62E10970EB3D150E8F634E";
const SUCCESSOR_SHA1: &str = "9E52213ED170B55BF58412FAC47A1B09197F3C46";
const PRIMARY_B64: &str = "ZmVkY2VydC10ZXN0LXByaW1hcnk=";
const SUCCESSOR_B64: &str = "ZmVkY2VydC10ZXN0LXN1Y2Nlc3Nvcg==";
const FEDERATION_ID: &str = "6601d14b-d113-8f64-fda2-9b5ddda18ecc";

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn now() -> DateTime<Utc> {
    ts("2026-12-01T08:00:00Z")
}

fn cert(der: &[u8], not_before: &str, not_after: &str, self_signed: bool) -> CertInfo {
    let subject = "CN=ADFS Signing - fs.contoso.com".to_owned();
    CertInfo {
        sha1: Sha1::of(der),
        sha256: Sha256::of(der),
        issuer: if self_signed {
            subject.clone()
        } else {
            "CN=Contoso Issuing CA".to_owned()
        },
        subject,
        serial: "01".to_owned(),
        not_before: ts(not_before),
        not_after: ts(not_after),
        key_algorithm: "RSA".to_owned(),
        key_bits: Some(2048),
        signature_algorithm: "sha256WithRSAEncryption".to_owned(),
        self_signed,
        der: Arc::from(der),
    }
}

fn primary() -> CertInfo {
    cert(
        PRIMARY_DER,
        "2025-12-20T10:00:00Z",
        "2026-12-20T10:00:00Z",
        true,
    )
}

fn successor() -> CertInfo {
    cert(
        SUCCESSOR_DER,
        "2026-11-30T10:00:00Z",
        "2027-11-30T10:00:00Z",
        true,
    )
}

/// One domain's facts, built by hand (assess is not called: the checklist reads its output).
#[derive(Clone)]
struct Scenario {
    domain: DomainConfig,
    kind: IdpKind,
    primary: Option<CertInfo>,
    successor: Option<CertInfo>,
    sync: SyncState,
    entra: Option<EntraSide>,
    auto_imported: bool,
    metadata_read: bool,
}

impl Scenario {
    fn adfs(auto: Option<bool>) -> Self {
        let mut domain = DomainConfig::new(
            "contoso.com",
            "https://fs.contoso.com/federationmetadata/2007-06/federationmetadata.xml",
        );
        domain.auto_rollover = auto;
        Self {
            domain,
            kind: IdpKind::AdFs,
            primary: Some(primary()),
            successor: None,
            sync: SyncState::Unknown,
            entra: None,
            auto_imported: false,
            metadata_read: true,
        }
    }

    fn third_party() -> Self {
        let mut s = Self::adfs(None);
        s.domain = DomainConfig::new(
            "contoso.com",
            "https://contoso.okta.com/app/exk1/sso/saml/metadata",
        );
        s.kind = IdpKind::ThirdParty;
        s
    }

    fn with_successor(mut self) -> Self {
        self.successor = Some(successor());
        self
    }

    /// Entra, read through Graph, holds these certificates.
    fn entra_holds(mut self, signing: Option<&CertInfo>, next: Option<&CertInfo>) -> Self {
        self.entra = Some(EntraSide {
            source: Some(EntraSource::Graph),
            signing: signing.map(|c| c.sha1),
            next_signing: next.map(|c| c.sha1),
            signing_cert: signing.cloned(),
            next_signing_cert: next.cloned(),
            update_result: Some("Success".into()),
            last_run: Some(ts("2026-12-01T06:00:00Z")),
            federation_id: Some(FEDERATION_ID.to_owned()),
            issuer_uri: Some("http://fs.contoso.com/adfs/services/trust".to_owned()),
            mfa_behavior: None,
            passive_sign_in_uri: None,
            as_of: Some(ts("2026-12-01T07:55:00Z")),
        });
        self.sync = self.sync_state();
        self
    }

    fn sync_state(&self) -> SyncState {
        let (Some(entra), Some(p)) = (&self.entra, &self.primary) else {
            return SyncState::Unknown;
        };
        match (entra.holds(p.sha1), &self.successor) {
            (false, _) => SyncState::Broken,
            (true, Some(s)) if !entra.holds(s.sha1) => SyncState::Pending,
            (true, _) => SyncState::InSync,
        }
    }

    fn assessment(&self) -> Assessment {
        Assessment {
            severity: Severity::Warning,
            sync: self.sync,
            kind: self.metadata_read.then_some(self.kind),
            outage: None,
            primary: self.primary.clone().map(|cert| Primary {
                cert,
                source: PrimarySource::MetadataSignature,
            }),
            successor: self.successor.clone(),
            successor_source: None,
            adfs: None,
            days_left: self.primary.as_ref().map(|p| p.days_left_exact(now())),
            // A finding that asks for no step: which steps appear is up to the facts alone.
            findings: vec![Finding {
                rule: Rule::R7,
                severity: Severity::Warning,
                situation: Situation::Stale {
                    failure: FetchFailure {
                        problem: FetchProblem::Http(503),
                        text: "http 503".to_owned(),
                        presented: None,
                    },
                },
                advice: Advice::FixFetch,
            }],
            milestones: Vec::new(),
        }
    }

    fn facts(&self) -> IdpFacts {
        IdpFacts {
            entity_id: "http://fs.contoso.com/adfs/services/trust".to_owned(),
            kind: self.kind,
            signing: self
                .primary
                .iter()
                .chain(&self.successor)
                .cloned()
                .collect(),
            encryption: Vec::new(),
            signed_by: self.primary.clone(),
            unreadable: Vec::new(),
            sign_in_url: Some("https://fs.contoso.com/adfs/ls/".to_owned()),
            valid_until: None,
            ws_fed: true,
        }
    }

    fn build_with(&self, dialect: Dialect, progress: Option<&Progress>) -> Checklist {
        let assessment = self.assessment();
        let facts = self.facts();
        let mut input = ChecklistInput::new(&self.domain, &assessment, now());
        if self.metadata_read {
            input.idp = Some(&facts);
            input.idp_fetched_at = Some(ts("2026-12-01T07:50:00Z"));
        }
        input.entra = self.entra.as_ref();
        input.auto_rollover_imported = self.auto_imported;
        input.progress = progress;
        checklist::build(&input, dialect)
    }

    fn build(&self, dialect: Dialect) -> Checklist {
        self.build_with(dialect, None)
    }
}

fn ids(checklist: &Checklist) -> Vec<&'static str> {
    checklist.steps.iter().map(|s| s.id.as_str()).collect()
}

fn verified(checklist: &Checklist) -> Vec<&'static str> {
    checklist
        .steps
        .iter()
        .filter(|s| s.state() == StepState::Verified)
        .map(|s| s.id.as_str())
        .collect()
}

fn commands(checklist: &Checklist, id: StepId) -> Vec<&str> {
    checklist
        .step(id)
        .unwrap()
        .commands
        .iter()
        .map(String::as_str)
        .collect()
}

fn all_scenarios() -> Vec<(&'static str, Scenario)> {
    let p = primary();
    let s = successor();
    vec![
        (
            "adfs auto in sync",
            Scenario::adfs(Some(true))
                .with_successor()
                .entra_holds(Some(&p), Some(&s)),
        ),
        (
            "adfs auto successor pending",
            Scenario::adfs(Some(true))
                .with_successor()
                .entra_holds(Some(&p), None),
        ),
        (
            "adfs manual without successor",
            Scenario::adfs(Some(false)).entra_holds(Some(&p), None),
        ),
        (
            "adfs manual with successor",
            Scenario::adfs(Some(false))
                .with_successor()
                .entra_holds(Some(&p), Some(&s)),
        ),
        (
            "third-party",
            Scenario::third_party()
                .with_successor()
                .entra_holds(Some(&p), None),
        ),
        ("unknown auto", Scenario::adfs(None)),
    ]
}

// ---- step selection --------------------------------------------------------------------------

#[test]
fn each_kind_of_domain_gets_its_steps_and_live_data_verifies_what_it_proves() {
    let table: &[(&str, &[&str], &[&str])] = &[
        (
            "adfs auto in sync",
            &["auto-rollover", "sync", "expiry", "kb-updates"],
            &["sync", "expiry"],
        ),
        (
            "adfs auto successor pending",
            &[
                "auto-rollover",
                "sync",
                "expiry",
                "kb-updates",
                "adfs-certs",
                "update-entra",
                "repair-trust",
                "verify-entra",
            ],
            &["expiry", "adfs-certs"],
        ),
        (
            "adfs manual without successor",
            &[
                "auto-rollover",
                "sync",
                "expiry",
                "kb-updates",
                "adfs-certs",
                "generate",
                "verify-adfs",
                "update-entra",
                "repair-trust",
                "verify-entra",
                "promote",
            ],
            &["sync", "expiry"],
        ),
        (
            "adfs manual with successor",
            &[
                "auto-rollover",
                "sync",
                "expiry",
                "kb-updates",
                "adfs-certs",
                "update-entra",
                "repair-trust",
                "verify-entra",
                "promote",
            ],
            &[
                "sync",
                "expiry",
                "adfs-certs",
                "update-entra",
                "verify-entra",
            ],
        ),
        (
            "third-party",
            &[
                "sync",
                "expiry",
                "idp-rotate",
                "update-entra",
                "verify-entra",
                "promote",
            ],
            &["expiry", "idp-rotate"],
        ),
        (
            "unknown auto",
            &[
                "auto-rollover",
                "sync",
                "expiry",
                "kb-updates",
                "adfs-certs",
                "generate",
                "verify-adfs",
                "update-entra",
                "repair-trust",
                "verify-entra",
                "promote",
            ],
            &["expiry"],
        ),
    ];
    let scenarios = all_scenarios();
    assert_eq!(scenarios.len(), table.len());
    for ((name, scenario), (row, steps, proven)) in scenarios.iter().zip(table) {
        assert_eq!(name, row);
        for dialect in [Dialect::Graph, Dialect::MsOnline] {
            let checklist = scenario.build(dialect);
            assert_eq!(&ids(&checklist), steps, "{name} ({dialect})");
            assert_eq!(&verified(&checklist), proven, "{name} ({dialect})");
        }
    }
}

#[test]
fn auto_rollover_with_a_missed_generation_gets_the_manual_steps() {
    // 19 days left and no successor: AD FS should have generated it at T-20 days.
    let p = primary();
    let checklist = Scenario::adfs(Some(true))
        .entra_holds(Some(&p), None)
        .build(Dialect::Graph);
    assert!(
        ids(&checklist).contains(&"generate"),
        "{:?}",
        ids(&checklist)
    );
}

#[test]
fn a_ca_issued_primary_gets_no_entra_connect_repair() {
    let mut scenario = Scenario::adfs(Some(false));
    scenario.primary = Some(cert(
        PRIMARY_DER,
        "2025-12-20T10:00:00Z",
        "2026-12-20T10:00:00Z",
        false,
    ));
    let checklist = scenario.build(Dialect::Graph);
    assert!(!ids(&checklist).contains(&"repair-trust"));
    // AD FS cannot generate a CA-issued certificate: the step adds the operator's own.
    assert_eq!(
        commands(&checklist, StepId::Generate),
        [
            "Add-AdfsCertificate -CertificateType Token-Signing -Thumbprint '<thumbprint of the new certificate>'"
        ]
    );
    assert!(
        checklist
            .step(StepId::Generate)
            .unwrap()
            .undo
            .as_deref()
            .is_some_and(|u| u.contains("Remove-AdfsCertificate"))
    );
}

#[test]
fn third_party_domains_get_no_adfs_step() {
    let checklist = all_scenarios().remove(4).1.build(Dialect::MsOnline);
    for step in &checklist.steps {
        let text = step.commands.join("\n");
        assert!(!text.contains("Adfs"), "{}: {text}", step.id);
        assert!(
            !text.contains("Update-MsolFederatedDomain"),
            "{}: {text}",
            step.id
        );
        assert_ne!(step.location, Location::AdfsPrimary);
    }
}

#[test]
fn never_fetched_metadata_still_gives_a_runbook_without_guessed_certificates() {
    let mut scenario = Scenario::adfs(None);
    scenario.primary = None;
    scenario.metadata_read = false;
    let checklist = scenario.build(Dialect::Graph);
    assert_eq!(checklist.primary, None);
    assert!(verified(&checklist).is_empty());
    assert!(
        checklist
            .step(StepId::AutoRollover)
            .unwrap()
            .why
            .contains("assumes AD FS")
    );
    assert!(
        checklist
            .step(StepId::UpdateEntra)
            .unwrap()
            .commands
            .is_empty()
    );
    assert!(
        checklist
            .step(StepId::Expiry)
            .unwrap()
            .why
            .contains("refresh")
    );
}

#[test]
fn every_command_is_plain_ascii_without_dashes_or_smart_quotes() {
    let typographic = [
        '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
        '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{00A0}', '\u{2026}',
    ];
    let mut checked = 0;
    for (name, mut scenario) in all_scenarios() {
        for (server, multiple) in [(None, false), (Some("adfs01.corp.contoso.com"), true)] {
            scenario.domain.adfs_primary_server = server.map(str::to_owned);
            scenario.domain.support_multiple_domain = multiple;
            for dialect in [Dialect::Graph, Dialect::MsOnline] {
                for step in &scenario.build(dialect).steps {
                    for command in &step.commands {
                        assert!(command.is_ascii(), "{name} {}: {command}", step.id);
                        assert!(
                            !command.contains(typographic),
                            "{name} {}: {command}",
                            step.id
                        );
                        assert!(!command.contains('\n'), "one line per command: {command}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} commands checked");
}

#[test]
fn every_step_says_why_where_and_which_tool() {
    for (name, scenario) in all_scenarios() {
        for dialect in [Dialect::Graph, Dialect::MsOnline] {
            for step in &scenario.build(dialect).steps {
                assert!(
                    step.why.len() > 20,
                    "{name} {}: why {:?}",
                    step.id,
                    step.why
                );
                assert!(!step.where_.is_empty(), "{name} {}", step.id);
                if dialect == Dialect::MsOnline && step.tool == checklist::Tool::MsOnline {
                    assert!(
                        step.warnings
                            .iter()
                            .any(|w| w.contains("stopped working in 2025")),
                        "{name} {}: MSOnline steps say it is retired",
                        step.id
                    );
                }
            }
        }
    }
}

// ---- golden commands -------------------------------------------------------------------------

#[test]
fn graph_update_puts_the_primary_in_the_signing_slot_and_the_successor_in_next() {
    let p = primary();
    let checklist = Scenario::adfs(Some(true))
        .with_successor()
        .entra_holds(Some(&p), None)
        .build(Dialect::Graph);
    assert_eq!(
        commands(&checklist, StepId::UpdateEntra),
        [
            "Connect-MgGraph -Scopes Domain-InternalFederation.ReadWrite.All".to_owned(),
            // What Entra holds before the update, for the undo.
            "$fed = Get-MgDomainFederationConfiguration -DomainId contoso.com".to_owned(),
            format!(
                "Update-MgDomainFederationConfiguration -DomainId contoso.com -InternalDomainFederationId {FEDERATION_ID} -SigningCertificate {PRIMARY_B64} -NextSigningCertificate {SUCCESSOR_B64}"
            ),
        ]
    );
    let step = checklist.step(StepId::UpdateEntra).unwrap();
    assert_eq!(step.location, Location::AdminWorkstation);
    assert!(
        step.undo.as_deref().is_some_and(|u| u.contains(
            "Update-MgDomainFederationConfiguration -DomainId contoso.com -InternalDomainFederationId $fed.Id -SigningCertificate $fed.SigningCertificate -NextSigningCertificate $fed.NextSigningCertificate"
        )),
        "{:?}",
        step.undo
    );
    assert!(
        step.warnings
            .iter()
            .any(|w| w.contains("every federated sign-in fails"))
    );
}

#[test]
fn graph_update_fetches_the_federation_id_when_fedcert_does_not_know_it() {
    let mut scenario = Scenario::adfs(Some(false)).with_successor();
    scenario.domain.support_multiple_domain = true;
    let checklist = scenario.build(Dialect::Graph);
    assert_eq!(
        commands(&checklist, StepId::UpdateEntra),
        [
            "Connect-MgGraph -Scopes Domain-InternalFederation.ReadWrite.All".to_owned(),
            "$fed = Get-MgDomainFederationConfiguration -DomainId contoso.com".to_owned(),
            format!(
                "Update-MgDomainFederationConfiguration -DomainId contoso.com -InternalDomainFederationId $fed.Id -SigningCertificate {PRIMARY_B64} -NextSigningCertificate {SUCCESSOR_B64}"
            ),
        ]
    );
    // Graph has no -SupportMultipleDomain; the step says so instead.
    let step = checklist.step(StepId::UpdateEntra).unwrap();
    assert!(!step.commands.join(" ").contains("SupportMultipleDomain"));
    assert!(step.why.contains("SupportMultipleDomain"));
}

#[test]
fn the_right_certificates_go_in_even_when_the_metadata_lists_the_successor_first() {
    // The verdict decides which is primary; the document order must not matter.
    let mut scenario = Scenario::adfs(Some(false));
    scenario.primary = Some(successor());
    scenario.successor = Some(primary());
    let checklist = scenario.build(Dialect::Graph);
    let update = commands(&checklist, StepId::UpdateEntra)
        .last()
        .unwrap()
        .to_string();
    assert!(
        update.ends_with(&format!(
            "-SigningCertificate {SUCCESSOR_B64} -NextSigningCertificate {PRIMARY_B64}"
        )),
        "{update}"
    );
}

#[test]
fn graph_update_without_a_successor_fills_only_the_signing_slot() {
    let checklist = Scenario::adfs(Some(false)).build(Dialect::Graph);
    let update = commands(&checklist, StepId::UpdateEntra)
        .last()
        .unwrap()
        .to_string();
    assert!(
        update.ends_with(&format!("-SigningCertificate {PRIMARY_B64}")),
        "{update}"
    );
    assert!(!update.contains("-NextSigningCertificate"));
}

#[test]
fn msonline_update_uses_the_adfs_context_and_support_multiple_domain() {
    let mut scenario = Scenario::adfs(Some(false)).with_successor();
    scenario.domain.adfs_primary_server = Some("adfs01.corp.contoso.com".to_owned());
    scenario.domain.support_multiple_domain = true;
    let checklist = scenario.build(Dialect::MsOnline);
    assert_eq!(
        commands(&checklist, StepId::UpdateEntra),
        [
            "$cred = Get-Credential",
            "Connect-MsolService -Credential $cred",
            "$before = Get-MsolDomainFederationSettings -DomainName contoso.com",
            "Set-MsolADFSContext -Computer adfs01.corp.contoso.com",
            "Update-MsolFederatedDomain -DomainName contoso.com -SupportMultipleDomain",
        ]
    );
    assert_eq!(
        commands(&checklist, StepId::Sync),
        [
            "Install-Module MSOnline",
            "Connect-MsolService",
            "Get-MsolFederationProperty -DomainName contoso.com -SupportMultipleDomain | FL Source, TokenSigningCertificate",
        ]
    );
    // Thumbprints, comparable with the expected ones (not base64).
    let verify = commands(&checklist, StepId::VerifyEntra);
    assert_eq!(
        verify[0],
        "$fed = Get-MsolDomainFederationSettings -DomainName contoso.com"
    );
    assert!(verify[1].contains("($fed.SigningCertificate)).Thumbprint  # expect "));
    assert!(verify[2].contains("($fed.NextSigningCertificate)).Thumbprint  # expect "));
    let update = checklist.step(StepId::UpdateEntra).unwrap();
    assert_eq!(update.location, Location::AdminWorkstation);
    assert!(update.where_.contains("adfs01.corp.contoso.com"));
}

#[test]
fn msonline_update_on_the_adfs_server_itself_when_no_server_is_configured() {
    let checklist = Scenario::adfs(Some(false)).build(Dialect::MsOnline);
    assert_eq!(
        commands(&checklist, StepId::UpdateEntra),
        [
            "$cred = Get-Credential",
            "Connect-MsolService -Credential $cred",
            "$before = Get-MsolDomainFederationSettings -DomainName contoso.com",
            "Update-MsolFederatedDomain -DomainName contoso.com",
        ]
    );
    assert_eq!(
        checklist.step(StepId::UpdateEntra).unwrap().location,
        Location::AdfsPrimary
    );
}

#[test]
fn graph_sync_and_verify_show_the_expected_thumbprints_beside_the_commands() {
    let p = primary();
    let checklist = Scenario::adfs(Some(true))
        .with_successor()
        .entra_holds(Some(&p), None)
        .build(Dialect::Graph);
    let thumbprint = |slot: &str, expect: &str| {
        format!(
            "[System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Convert]::FromBase64String($fed.{slot})).Thumbprint  # expect {expect}"
        )
    };
    assert_eq!(
        commands(&checklist, StepId::Sync),
        [
            "Connect-MgGraph -Scopes Domain.Read.All".to_owned(),
            "$fed = Get-MgDomainFederationConfiguration -DomainId contoso.com".to_owned(),
            thumbprint("SigningCertificate", &format!("{PRIMARY_SHA1} (primary)")),
            thumbprint(
                "NextSigningCertificate",
                &format!("{SUCCESSOR_SHA1} (successor)")
            ),
        ]
    );
    // What the verification prints is what the expected lines say: thumbprints.
    assert_eq!(
        commands(&checklist, StepId::VerifyEntra),
        commands(&checklist, StepId::Sync)[1..]
    );
    let sync = checklist.step(StepId::Sync).unwrap();
    assert!(
        sync.expected[0].contains(PRIMARY_SHA1),
        "{:?}",
        sync.expected
    );
    assert!(
        sync.expected[1].contains(SUCCESSOR_SHA1),
        "{:?}",
        sync.expected
    );
    assert!(
        sync.why.contains("not the successor 9E52213E"),
        "{}",
        sync.why
    );
}

#[test]
fn adfs_steps_are_the_articles_commands() {
    // Automatic rollover, and AD FS missed generating the successor: the article's commands.
    let p = primary();
    let mut scenario = Scenario::adfs(Some(true)).entra_holds(Some(&p), None);
    scenario.domain.adfs_primary_server = Some("adfs01.corp.contoso.com".to_owned());
    let checklist = scenario.build(Dialect::Graph);
    assert_eq!(
        commands(&checklist, StepId::AutoRollover),
        ["Get-AdfsProperties | FL AutoCert*, Certificate*"]
    );
    assert!(
        checklist
            .step(StepId::AutoRollover)
            .unwrap()
            .why
            .contains("Add-PSSnapin Microsoft.Adfs.PowerShell")
    );
    assert_eq!(
        commands(&checklist, StepId::AdfsCerts),
        [
            "Get-AdfsCertificate -CertificateType Token-Signing",
            "Get-AdfsCertificate -CertificateType Token-Signing | Select-Object Thumbprint, IsPrimary, @{n='NotAfter';e={$_.Certificate.NotAfter.ToString('o')}}, @{n='RawData';e={[Convert]::ToBase64String($_.Certificate.RawData)}} | ConvertTo-Json",
        ]
    );
    assert_eq!(
        commands(&checklist, StepId::Generate),
        ["Update-AdfsCertificate -CertificateType Token-Signing"]
    );
    assert_eq!(
        commands(&checklist, StepId::VerifyAdfs),
        ["Get-AdfsCertificate -CertificateType Token-Signing"]
    );
    assert_eq!(
        commands(&checklist, StepId::KbUpdates),
        [
            "Get-HotFix -Id KB2955164  # Windows Server 2012 R2",
            "Get-HotFix -Id KB3094446  # Windows Server 2008 R2 and 2012",
        ]
    );
    let generate = checklist.step(StepId::Generate).unwrap();
    assert!(generate.warnings.iter().any(|w| w.contains("-Urgent")));
    assert_eq!(
        generate.where_,
        "AD FS primary server (adfs01.corp.contoso.com)"
    );
    assert!(checklist.step(StepId::AdfsCerts).unwrap().expected[0].contains(PRIMARY_SHA1));
}

#[test]
fn third_party_update_in_msonline_sets_both_certificates_directly() {
    let checklist = all_scenarios().remove(4).1.build(Dialect::MsOnline);
    assert_eq!(
        commands(&checklist, StepId::UpdateEntra),
        [
            "$cred = Get-Credential".to_owned(),
            "Connect-MsolService -Credential $cred".to_owned(),
            "$before = Get-MsolDomainFederationSettings -DomainName contoso.com".to_owned(),
            format!(
                "Set-MsolDomainFederationSettings -DomainName contoso.com -SigningCertificate {PRIMARY_B64} -NextSigningCertificate {SUCCESSOR_B64}"
            ),
        ]
    );
    assert!(
        checklist
            .step(StepId::UpdateEntra)
            .unwrap()
            .why
            .contains("reads no metadata")
    );
}

#[test]
fn odd_domain_strings_are_quoted_for_powershell() {
    let mut scenario = Scenario::adfs(Some(false));
    scenario.domain.name = "contoso.com; Remove-Item C:\\".to_owned();
    let checklist = scenario.build(Dialect::MsOnline);
    assert_eq!(
        commands(&checklist, StepId::UpdateEntra)[2],
        "$before = Get-MsolDomainFederationSettings -DomainName 'contoso.com; Remove-Item C:\\'"
    );
    assert_eq!(
        commands(&checklist, StepId::UpdateEntra)[3],
        "Update-MsolFederatedDomain -DomainName 'contoso.com; Remove-Item C:\\'"
    );
}

// ---- verification ----------------------------------------------------------------------------

#[test]
fn verification_names_its_evidence_and_the_time_it_was_read() {
    let p = primary();
    let s = successor();
    let checklist = Scenario::adfs(Some(false))
        .with_successor()
        .entra_holds(Some(&p), Some(&s))
        .build(Dialect::Graph);
    let adfs = checklist
        .step(StepId::AdfsCerts)
        .unwrap()
        .verified
        .clone()
        .unwrap();
    assert_eq!(
        adfs.evidence,
        "two signing certificates published: DCD82DC5\u{2026} and 9E52213E\u{2026}"
    );
    assert_eq!(
        adfs.at,
        ts("2026-12-01T07:50:00Z"),
        "the metadata's fetch time"
    );
    let entra = checklist
        .step(StepId::VerifyEntra)
        .unwrap()
        .verified
        .clone()
        .unwrap();
    assert_eq!(
        entra.evidence,
        "Entra holds thumbprint DCD82DC5\u{2026} as signing certificate and 9E52213E\u{2026} as next signing certificate"
    );
    assert_eq!(entra.at, ts("2026-12-01T07:55:00Z"), "the Entra read time");
}

#[test]
fn thumbprints_typed_into_the_config_are_not_evidence() {
    let p = primary();
    let mut scenario = Scenario::adfs(Some(true))
        .with_successor()
        .entra_holds(Some(&p), Some(&successor()));
    scenario.entra.as_mut().unwrap().source = Some(EntraSource::Config);
    let checklist = scenario.build(Dialect::Graph);
    assert_eq!(
        checklist.step(StepId::Sync).unwrap().state(),
        StepState::Todo
    );
}

#[test]
fn an_imported_get_adfs_properties_verifies_the_rollover_check() {
    let mut scenario = Scenario::adfs(Some(true)).with_successor();
    scenario.auto_imported = true;
    let step = scenario
        .build(Dialect::Graph)
        .step(StepId::AutoRollover)
        .cloned()
        .unwrap();
    assert_eq!(
        step.verified.unwrap().evidence,
        "imported Get-AdfsProperties: AutoCertificateRollover = True"
    );
}

#[test]
fn a_verified_step_falls_back_to_the_operators_mark_when_the_evidence_goes_away() {
    let p = primary();
    let s = successor();
    let in_sync = Scenario::adfs(Some(false))
        .with_successor()
        .entra_holds(Some(&p), Some(&s));
    let mut progress = Progress::new("contoso.com");
    progress.toggle_failed(Some(p.sha1), StepId::VerifyEntra, now());

    let before = in_sync.build_with(Dialect::Graph, Some(&progress));
    assert_eq!(
        before.step(StepId::VerifyEntra).unwrap().state(),
        StepState::Verified
    );

    // Next refresh: Entra dropped the successor.
    let after = in_sync
        .clone()
        .entra_holds(Some(&p), None)
        .build_with(Dialect::Graph, Some(&progress));
    assert_eq!(
        after.step(StepId::VerifyEntra).unwrap().state(),
        StepState::Failed
    );
}

// ---- progress --------------------------------------------------------------------------------

#[test]
fn space_marks_done_and_again_undoes_skip_and_fail_toggle_the_same_way() {
    let key = Some(Sha1::of(PRIMARY_DER));
    let mut progress = Progress::new("contoso.com");
    assert_eq!(progress.toggle_done(key, StepId::Sync, now()), Mark::Done);
    assert_eq!(progress.mark(key, StepId::Sync), Mark::Done);
    assert_eq!(progress.toggle_done(key, StepId::Sync, now()), Mark::Todo);
    assert_eq!(
        progress.toggle_skipped(key, StepId::Sync, now()),
        Mark::Skipped
    );
    assert_eq!(
        progress.toggle_failed(key, StepId::Sync, now()),
        Mark::Failed
    );
    assert_eq!(progress.toggle_failed(key, StepId::Sync, now()), Mark::Todo);
    assert_eq!(progress.runs.len(), 1);
}

#[test]
fn notes_and_timestamps_are_kept_per_step() {
    let key = Some(Sha1::of(PRIMARY_DER));
    let mut progress = Progress::new("contoso.com");
    progress.set_note(
        key,
        StepId::Generate,
        "  change CHG0042, approved by J. Doe ",
        ts("2026-12-01T09:00:00Z"),
    );
    progress.toggle_done(key, StepId::Generate, ts("2026-12-01T09:05:00Z"));
    let record = progress.run(key).unwrap().record(StepId::Generate).unwrap();
    assert_eq!(
        record.note.as_deref(),
        Some("change CHG0042, approved by J. Doe")
    );
    assert_eq!(record.at, ts("2026-12-01T09:05:00Z"));
    progress.set_note(key, StepId::Generate, "   ", now());
    assert_eq!(
        progress
            .run(key)
            .unwrap()
            .record(StepId::Generate)
            .unwrap()
            .note,
        None
    );
}

#[test]
fn a_new_primary_starts_a_new_run_and_keeps_the_old_one_as_history() {
    let old = Some(Sha1::of(PRIMARY_DER));
    let new = Some(Sha1::of(SUCCESSOR_DER));
    let mut progress = Progress::new("contoso.com");
    progress.toggle_done(old, StepId::UpdateEntra, ts("2026-12-01T09:00:00Z"));
    assert_eq!(
        progress.mark(new, StepId::UpdateEntra),
        Mark::Todo,
        "a new primary shows a fresh run"
    );
    progress.toggle_done(new, StepId::Sync, ts("2026-12-10T09:00:00Z"));
    assert_eq!(progress.runs.len(), 2);
    assert_eq!(progress.history(new).len(), 1);
    assert_eq!(progress.history(new)[0].primary, old);
    assert_eq!(
        progress.history(new)[0]
            .record(StepId::UpdateEntra)
            .unwrap()
            .mark,
        Mark::Done
    );
    assert_eq!(progress.runs[1].started_at, ts("2026-12-10T09:00:00Z"));
}

#[test]
fn marks_made_before_the_primary_was_known_are_adopted_by_it() {
    let mut progress = Progress::new("contoso.com");
    progress.toggle_done(None, StepId::AutoRollover, now());
    let key = Some(Sha1::of(PRIMARY_DER));
    assert_eq!(progress.mark(key, StepId::AutoRollover), Mark::Done);
    progress.toggle_done(key, StepId::Sync, now());
    assert_eq!(progress.runs.len(), 1);
    assert_eq!(progress.runs[0].primary, key);
    // A different primary later is a new renewal.
    assert_eq!(
        progress.mark(Some(Sha1::of(OTHER_DER)), StepId::Sync),
        Mark::Todo
    );
}

#[test]
fn progress_round_trips_through_json_with_its_format_version() {
    let key = Some(Sha1::of(PRIMARY_DER));
    let mut progress = Progress::new("contoso.com");
    progress.toggle_done(key, StepId::Sync, now());
    progress.set_note(key, StepId::Sync, "ok", now());
    let json = serde_json::to_value(&progress).unwrap();
    assert_eq!(json["format"], PROGRESS_FORMAT);
    assert_eq!(json["runs"][0]["primary"], PRIMARY_SHA1);
    assert_eq!(json["runs"][0]["steps"]["sync"]["mark"], "done");
    assert_eq!(
        json["runs"][0]["steps"]["sync"]["at"],
        "2026-12-01T08:00:00Z"
    );
    let back: Progress = serde_json::from_value(json).unwrap();
    assert_eq!(back, progress);
}

#[test]
fn the_cursor_starts_on_the_first_step_neither_done_nor_verified() {
    let p = primary();
    let scenario = Scenario::adfs(Some(false)).entra_holds(Some(&p), None);
    let key = Some(p.sha1);
    let mut progress = Progress::new("contoso.com");
    // auto-rollover done; sync and expiry verified; kb-updates is next.
    progress.toggle_done(key, StepId::AutoRollover, now());
    let checklist = scenario.build_with(Dialect::Graph, Some(&progress));
    assert_eq!(
        checklist.steps[checklist.first_open().unwrap()].id,
        StepId::KbUpdates
    );
    assert_eq!(checklist.completed(), 3);

    progress.toggle_done(key, StepId::KbUpdates, now());
    let checklist = scenario.build_with(Dialect::Graph, Some(&progress));
    assert_eq!(
        checklist.steps[checklist.first_open().unwrap()].id,
        StepId::AdfsCerts
    );

    // Undo: the cursor goes back.
    progress.toggle_done(key, StepId::AutoRollover, now());
    let checklist = scenario.build_with(Dialect::Graph, Some(&progress));
    assert_eq!(checklist.first_open(), Some(0));
}

#[test]
fn a_marked_step_stays_when_the_facts_no_longer_call_for_it() {
    let p = primary();
    let s = successor();
    let mut progress = Progress::new("contoso.com");
    progress.toggle_done(Some(p.sha1), StepId::Generate, now());
    progress.toggle_done(Some(p.sha1), StepId::UpdateEntra, now());
    // After the renewal: successor published, Entra in sync, AutoCertificateRollover on.
    let checklist = Scenario::adfs(Some(true))
        .with_successor()
        .entra_holds(Some(&p), Some(&s))
        .build_with(Dialect::Graph, Some(&progress));
    let generate = checklist.step(StepId::Generate).unwrap();
    assert_eq!(generate.state(), StepState::Verified);
    assert!(
        generate
            .verified
            .as_ref()
            .unwrap()
            .evidence
            .starts_with("successor 9E52213E")
    );
    assert_eq!(
        checklist.step(StepId::UpdateEntra).unwrap().state(),
        StepState::Verified
    );
    assert!(
        checklist.step(StepId::VerifyAdfs).is_none(),
        "untouched and no longer needed"
    );
}

// ---- renderers -------------------------------------------------------------------------------

fn ticket_checklist() -> Checklist {
    let p = primary();
    let mut scenario = Scenario::adfs(Some(true))
        .with_successor()
        .entra_holds(Some(&p), None);
    scenario.domain.adfs_primary_server = Some("adfs01.corp.contoso.com".to_owned());
    let mut progress = Progress::new("contoso.com");
    progress.toggle_done(
        Some(p.sha1),
        StepId::AutoRollover,
        ts("2026-12-01T08:10:00Z"),
    );
    progress.set_note(
        Some(p.sha1),
        StepId::AutoRollover,
        "checked with J. Doe",
        ts("2026-12-01T08:11:00Z"),
    );
    progress.toggle_skipped(Some(p.sha1), StepId::KbUpdates, ts("2026-12-01T08:12:00Z"));
    scenario.build_with(Dialect::Graph, Some(&progress))
}

#[test]
fn json_has_the_design_shape() {
    let json: serde_json::Value =
        serde_json::from_str(&checklist_format::json(&ticket_checklist())).unwrap();
    assert_eq!(json["domain"], "contoso.com");
    assert_eq!(json["dialect"], "graph");
    let steps = json["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 8);
    for step in steps {
        for key in [
            "id", "title", "why", "where", "state", "commands", "note", "at",
        ] {
            assert!(step.get(key).is_some(), "step lacks {key}: {step}");
        }
        assert!(step["commands"].is_array());
    }
    assert_eq!(steps[0]["id"], "auto-rollover");
    assert_eq!(steps[0]["state"], "done");
    assert_eq!(steps[0]["note"], "checked with J. Doe");
    assert_eq!(steps[0]["at"], "2026-12-01T08:11:00Z");
    assert_eq!(steps[2]["state"], "verified");
    assert_eq!(steps[3]["state"], "skipped");
    assert_eq!(steps[4]["state"], "verified");
    assert_eq!(steps[5]["state"], "todo");
    assert_eq!(steps[5]["at"], serde_json::Value::Null);
    assert_eq!(steps[5]["note"], serde_json::Value::Null);
    assert_eq!(steps[5]["where"], "any admin workstation");
    let update = steps[5]["commands"][2].as_str().unwrap();
    assert!(update.contains(&format!(
        "-SigningCertificate {PRIMARY_B64} -NextSigningCertificate {SUCCESSOR_B64}"
    )));
}

#[test]
fn markdown_is_ready_for_a_change_ticket() {
    insta::assert_snapshot!(
        "markdown_ticket",
        checklist_format::markdown(&ticket_checklist())
    );
}

#[test]
fn markdown_fences_every_command_exactly() {
    let checklist = ticket_checklist();
    let markdown = checklist_format::markdown(&checklist);
    assert_eq!(
        markdown.matches("```powershell\n").count(),
        checklist
            .steps
            .iter()
            .filter(|s| !s.commands.is_empty())
            .count()
    );
    for step in &checklist.steps {
        for command in &step.commands {
            assert!(markdown.contains(&format!("\n{command}\n")), "{command}");
        }
    }
    assert!(markdown.contains("- [x] done 2026-12-01T08:11:00Z"));
    assert!(markdown.contains("- [ ] skipped 2026-12-01T08:12:00Z"));
}

#[test]
fn text_is_plain_for_a_terminal() {
    let text = checklist_format::text(&ticket_checklist());
    assert!(!text.contains('\u{1b}'), "no escape sequences");
    insta::assert_snapshot!("text_ticket", text);
}

#[test]
fn msonline_markdown_warns_on_every_msonline_step() {
    let p = primary();
    let checklist = Scenario::adfs(Some(false))
        .with_successor()
        .entra_holds(Some(&p), None)
        .build(Dialect::MsOnline);
    let markdown = checklist_format::markdown(&checklist);
    let msonline_steps = checklist
        .steps
        .iter()
        .filter(|s| s.tool == checklist::Tool::MsOnline)
        .count();
    assert_eq!(msonline_steps, 3);
    assert_eq!(
        markdown.matches("MSOnline stopped working in 2025").count(),
        msonline_steps
    );
}

#[test]
fn dialect_names_parse_and_default_to_graph() {
    assert_eq!(Dialect::default(), Dialect::Graph);
    assert_eq!("msonline".parse::<Dialect>().unwrap(), Dialect::MsOnline);
    assert_eq!("Graph".parse::<Dialect>().unwrap(), Dialect::Graph);
    let err = "azuread".parse::<Dialect>().unwrap_err().to_string();
    assert!(
        err.contains("azuread") && err.contains("graph") && err.contains("msonline"),
        "{err}"
    );
    for id in StepId::ALL {
        assert_eq!(id.as_str().parse::<StepId>().unwrap(), *id);
    }
}

#[test]
fn days_in_words_follow_the_clock_given() {
    let checklist = Scenario::adfs(Some(false)).build(Dialect::Graph);
    let expiry = checklist.step(StepId::Expiry).unwrap();
    assert!(
        expiry
            .why
            .contains("expires in 19 days (2026-12-20 10:00 UTC)"),
        "{}",
        expiry.why
    );
    // 19 days left is inside the 35-day manual-renewal window.
    assert!(
        expiry
            .why
            .contains("passed on 2026-11-15 10:00 UTC: renew now"),
        "{}",
        expiry.why
    );
    // Policy moved: with 10 days the mark is still ahead.
    let mut scenario = Scenario::adfs(Some(false));
    scenario.domain.policy.manual_renew_days = 10;
    let checklist = scenario.build(Dialect::Graph);
    let why = &checklist.step(StepId::Expiry).unwrap().why;
    assert!(
        why.contains("Renew by hand before 2026-12-10 10:00 UTC (10 days before expiry)."),
        "{why}"
    );
}

#[test]
fn render_picks_the_format_by_name() {
    let checklist = ticket_checklist();
    let format = |name: &str| name.parse::<checklist_format::Format>().unwrap();
    assert!(
        checklist_format::render(&checklist, format("markdown")).starts_with("# Token-signing")
    );
    assert!(
        checklist_format::render(&checklist, format("TEXT"))
            .starts_with("Token-signing certificate renewal  contoso.com  WARN")
    );
    assert!(checklist_format::render(&checklist, format("json")).starts_with('{'));
    let err = "yaml"
        .parse::<checklist_format::Format>()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("yaml") && err.contains("markdown, json, text or ps1"),
        "{err}"
    );
}

/// `--format ps1`: a script to keep with the change ticket, in both dialects: each step a
/// comment block, its commands as code, the commands of done or verified steps commented out.
#[test]
fn the_powershell_script_has_each_step_as_comments_and_code() {
    let graph = ticket_checklist();
    let script = checklist_format::render(&graph, "ps1".parse().unwrap());
    insta::assert_snapshot!("ps1_graph", script);
    // Every command of an open step is a line of code; of a complete one, a comment.
    for step in &graph.steps {
        for command in &step.commands {
            let commented = format!("# {command}");
            if step.state().is_complete() {
                assert!(script.lines().any(|l| l == commented), "{command}");
            } else {
                assert!(script.lines().any(|l| l == command), "{command}");
            }
        }
    }
    // Nothing else is code: every line is a comment, blank, or a command of a step.
    let commands: Vec<&String> = graph.steps.iter().flat_map(|s| &s.commands).collect();
    let script = script
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark for PowerShell 5.1");
    for line in script.lines() {
        assert!(
            line.is_ascii() || !line.starts_with('#') || line.contains("CN="),
            "{line}"
        );
        assert!(
            line.is_empty()
                || line.starts_with('#')
                || line == "$ErrorActionPreference = 'Stop'"
                || commands.iter().any(|c| c.as_str() == line),
            "{line}"
        );
        let commented_command = commands.iter().any(|c| line == format!("# {c}"));
        assert!(
            line.chars().count() <= 100 || !line.starts_with('#') || commented_command,
            "{line}"
        );
    }
    // A command over several lines (a quoted value holding a line break) in a complete step:
    // commented out whole, so its second line cannot run.
    let mut broken = graph.clone();
    let done = broken
        .steps
        .iter_mut()
        .find(|s| s.state().is_complete() && !s.commands.is_empty())
        .expect("the ticket checklist has a complete step with commands");
    done.commands[0] = "Write-Output 'a\nRemove-Item -Recurse C:\\'".to_owned();
    let script = checklist_format::render(&broken, "ps1".parse().unwrap());
    assert!(
        script.contains("# Write-Output 'a\n# Remove-Item -Recurse C:\\'\n"),
        "{script}"
    );
    assert!(
        !script.lines().any(|l| l.starts_with("Remove-Item")),
        "{script}"
    );
    let p = primary();
    let mut scenario = Scenario::adfs(Some(true))
        .with_successor()
        .entra_holds(Some(&p), None);
    scenario.domain.adfs_primary_server = Some("adfs01.corp.contoso.com".to_owned());
    let msonline = scenario.build(Dialect::MsOnline);
    insta::assert_snapshot!(
        "ps1_msonline",
        checklist_format::render(&msonline, "ps1".parse().unwrap())
    );
}
