//! The demo federation: one fictitious domain per interesting case of DESIGN.md §4. Every date
//! is in days relative to the demo's `now`, chosen away from the policy thresholds (15 / 20 / 30 /
//! 60 days) so that each scenario shows its case whatever today's date is.
//!
//! AD FS certificates are valid 365 days (`CertificateDuration`); with `AutoCertificateRollover`
//! the successor appears at T − 20 d and is promoted at T − 15 d, T being the primary's `NotAfter`.

use super::certs::Validity;
use crate::assess::{Rule, Severity, SyncState};

/// One scenario of the demo federation: what it shows and the verdict fedcert should reach.
#[derive(Debug)]
pub struct ScenarioInfo {
    /// Short id: `healthy`, `successor-pending`, …
    pub name: &'static str,
    /// The fictitious federation domain (`*.example`), also the `[[domain]] name`.
    pub domain: &'static str,
    /// What the scenario shows, in one sentence.
    pub shows: &'static str,
    /// The verdict fedcert should reach at the demo's `now`.
    pub expected: Severity,
    /// The rule of DESIGN.md §4 that decides that verdict.
    pub rule: Rule,
    /// The sync state fedcert should compute from the metadata and what Graph reports.
    pub sync: SyncState,
    /// Entra's `signingCertificateUpdateStatus` as Graph reports it (`None`: Graph has none).
    pub update: Option<UpdateStatus>,
    pub(crate) idp: IdpSetup,
}

/// Entra's last automatic certificate update for a domain: `certificateUpdateResult`, and
/// `lastRunDateTime` this many hours before the demo's `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpdateStatus {
    pub result: &'static str,
    pub hours_ago: i64,
}

const fn update(result: &'static str, hours_ago: i64) -> UpdateStatus {
    UpdateStatus { result, hours_ago }
}

/// What sits behind the scenario's metadata URL.
#[derive(Debug)]
pub(crate) enum IdpSetup {
    AdFs(AdFsSetup),
    /// A third-party SAML identity provider in Okta's style: `md:` prefix, one
    /// `IDPSSODescriptor`, unsigned.
    Okta(OktaSetup),
    /// A sign-in page served with `200 OK` where the metadata should be. Entra still holds the
    /// farm's token-signing certificate, valid as given, which fedcert cannot see.
    SignInPage {
        entra_holds: Validity,
    },
    /// Nothing listens: the connection is refused. Entra holds the farm's certificate as above.
    Refused {
        entra_holds: Validity,
    },
}

/// An AD FS farm.
#[derive(Debug)]
pub(crate) struct AdFsSetup {
    /// `ServiceDisplayName` in the metadata.
    pub display_name: &'static str,
    /// `AutoCertificateRollover` as the operator would put it in the config (`None`: unknown).
    pub auto_rollover: Option<bool>,
    /// `Some(CA name)`: certificates issued by an enterprise CA (manual rollover), else self-signed.
    pub issuing_ca: Option<&'static str>,
    /// Published token-signing certificates, in document order.
    pub signing: &'static [Validity],
    /// Which of them AD FS signs with (the primary; it signs the metadata too).
    pub primary: usize,
    /// The token-decrypting certificate (only the primary one is published).
    pub encryption: Validity,
    /// Which signing certificates Entra ID holds as `signingCertificate` / `nextSigningCertificate`
    /// (Graph serves their DER).
    pub entra_signing: Option<usize>,
    pub entra_next_signing: Option<usize>,
    /// `-SupportMultipleDomain`: several Entra domains federated with this one farm.
    pub support_multiple_domain: bool,
    /// Entra's next-signing slot holds a certificate of someone else's, valid as given, that
    /// the farm never published (the federation backdoor; overrides `entra_next_signing`).
    pub rogue_next: Option<Validity>,
}

#[derive(Debug)]
pub(crate) struct OktaSetup {
    /// The Okta org (the certificate's CN and the sign-in host's first label).
    pub org: &'static str,
    /// Okta's app id: `http://www.okta.com/<app_id>` is the entityID.
    pub app_id: &'static str,
    pub signing: Validity,
}

/// AD FS's self-signed certificates: valid 365 days, so `until_days - 365` days before now.
const fn adfs_cert(until_days: i64) -> Validity {
    Validity::days(until_days - 365, until_days)
}

static SCENARIOS: [ScenarioInfo; 13] = [
    ScenarioInfo {
        name: "healthy",
        domain: "contoso-demo.example",
        shows: "AutoCertificateRollover on, Entra in sync, months of validity left: nothing to do",
        expected: Severity::Ok,
        rule: Rule::S1,
        sync: SyncState::InSync,
        update: Some(update("success", 2950)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Contoso Demo",
            auto_rollover: Some(true),
            issuing_ca: None,
            signing: &[adfs_cert(245)],
            primary: 0,
            encryption: adfs_cert(245),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "rollover-in-sync",
        domain: "fabrikam-demo.example",
        shows: "rollover window: AD FS published its successor 3 days ago and Entra already holds both certificates",
        expected: Severity::Ok,
        rule: Rule::S1,
        sync: SyncState::InSync,
        update: Some(update("success", 20)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Fabrikam Demo",
            auto_rollover: Some(true),
            issuing_ca: None,
            signing: &[adfs_cert(17), Validity::days(-3, 362)],
            primary: 0,
            encryption: adfs_cert(17),
            entra_signing: Some(0),
            entra_next_signing: Some(1),
            support_multiple_domain: true,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "successor-pending",
        domain: "northwind-demo.example",
        shows: "successor published 2 days ago but Entra, which could not reach the metadata (couldNotAccessRemoteHost), holds only the primary, 18 days before expiry",
        expected: Severity::Warning,
        rule: Rule::R4,
        sync: SyncState::Pending,
        update: Some(update("couldNotAccessRemoteHost", 5)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Northwind Demo",
            auto_rollover: Some(true),
            issuing_ca: None,
            signing: &[adfs_cert(18), Validity::days(-2, 363)],
            primary: 0,
            encryption: adfs_cert(18),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "pending-critical",
        domain: "tailspin-demo.example",
        shows: "the rollover job ran late: successor published yesterday, Entra has not picked it up, 12 days left",
        expected: Severity::Critical,
        rule: Rule::S2,
        sync: SyncState::Pending,
        update: Some(update("noNewCertificateFound", 30)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Tailspin Demo",
            auto_rollover: Some(true),
            issuing_ca: None,
            signing: &[adfs_cert(12), Validity::days(-1, 364)],
            primary: 0,
            encryption: adfs_cert(12),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "broken-trust",
        domain: "woodgrove-demo.example",
        shows: "AD FS promoted its new certificate yesterday but Entra still holds only the old one: sign-ins fail now",
        expected: Severity::Critical,
        rule: Rule::R2,
        sync: SyncState::Broken,
        update: Some(update("connectionError", 9)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Woodgrove Demo",
            auto_rollover: Some(true),
            issuing_ca: None,
            // The old certificate stays published until it expires; AD FS signs with the new one.
            signing: &[adfs_cert(14), Validity::days(-6, 359)],
            primary: 1,
            encryption: Validity::days(-6, 359),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "manual-rollover",
        domain: "adatum-demo.example",
        shows: "AutoCertificateRollover off (CA-issued certificate), 24 days left: renew by hand now",
        expected: Severity::Critical,
        rule: Rule::S3,
        sync: SyncState::InSync,
        update: Some(update("noNewCertificateFound", 14)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Adatum Demo",
            auto_rollover: Some(false),
            issuing_ca: Some("Adatum Demo Issuing CA 01"),
            signing: &[adfs_cert(24)],
            primary: 0,
            encryption: adfs_cert(24),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "expired",
        domain: "litware-demo.example",
        shows: "the primary token-signing certificate expired 3 days ago",
        expected: Severity::Critical,
        rule: Rule::R1,
        sync: SyncState::InSync,
        update: Some(update("noNewCertificateFound", 10)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Litware Demo",
            auto_rollover: None,
            issuing_ca: None,
            signing: &[adfs_cert(-3)],
            primary: 0,
            encryption: adfs_cert(-3),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "unreachable",
        domain: "proseware-demo.example",
        shows: "the metadata URL refuses connections (WAP down or not published): never read",
        expected: Severity::Unknown,
        rule: Rule::R8,
        sync: SyncState::Unknown,
        update: Some(update("couldNotAccessRemoteHost", 3)),
        idp: IdpSetup::Refused {
            entra_holds: adfs_cert(301),
        },
    },
    ScenarioInfo {
        name: "sign-in-page",
        domain: "wingtip-demo.example",
        shows: "an HTML sign-in page comes back with 200 OK instead of the metadata (a pre-authenticating proxy)",
        expected: Severity::Unknown,
        rule: Rule::R8,
        sync: SyncState::Unknown,
        update: Some(update("xmlParsingError", 4)),
        idp: IdpSetup::SignInPage {
            entra_holds: adfs_cert(137),
        },
    },
    ScenarioInfo {
        name: "third-party-okta",
        domain: "relecloud-demo.example",
        shows: "a third-party SAML IdP (Okta): Entra never polls it, so its certificate, 45 days left, is a manual update",
        expected: Severity::Warning,
        rule: Rule::R5,
        sync: SyncState::InSync,
        update: None,
        idp: IdpSetup::Okta(OktaSetup {
            org: "relecloud-demo",
            app_id: "exk7relecloudDemo0h7",
            // Okta's certificates are valid ten years.
            signing: Validity::days(45 - 3652, 45),
        }),
    },
    ScenarioInfo {
        name: "encryption-expiring",
        domain: "fourthcoffee-demo.example",
        shows: "the token-signing certificate is fine but the token-decrypting one expires in 9 days",
        expected: Severity::Warning,
        rule: Rule::R9,
        sync: SyncState::InSync,
        update: Some(update("success", 3960)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Fourth Coffee Demo",
            // Signing was renewed by hand (Update-AdfsCertificate -CertificateType Token-Signing);
            // the token-decrypting certificate was forgotten.
            auto_rollover: Some(false),
            issuing_ca: None,
            signing: &[adfs_cert(200)],
            primary: 0,
            encryption: adfs_cert(9),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "missed-generation",
        domain: "alpineski-demo.example",
        shows: "AutoCertificateRollover on but no successor 17 days before expiry: AD FS missed its T-20 d generation",
        expected: Severity::Warning,
        rule: Rule::R3,
        sync: SyncState::InSync,
        update: Some(update("noNewCertificateFound", 7)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Alpine Ski House Demo",
            auto_rollover: Some(true),
            issuing_ca: None,
            signing: &[adfs_cert(17)],
            primary: 0,
            encryption: adfs_cert(17),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            rogue_next: None,
        }),
    },
    ScenarioInfo {
        name: "federation-backdoor",
        domain: "trey-demo.example",
        shows: "in sync with months left, but Entra's next-signing slot holds a certificate AD FS never published (CN=any.sts), put there 5 hours ago: the federation-backdoor pattern",
        expected: Severity::Critical,
        rule: Rule::B1,
        sync: SyncState::InSync,
        update: Some(update("success", 1900)),
        idp: IdpSetup::AdFs(AdFsSetup {
            display_name: "Trey Research Demo",
            auto_rollover: Some(true),
            issuing_ca: None,
            signing: &[adfs_cert(212)],
            primary: 0,
            encryption: adfs_cert(212),
            entra_signing: Some(0),
            entra_next_signing: None,
            support_multiple_domain: false,
            // AADInternals' backdoor certificates are valid ten years.
            rogue_next: Some(Validity::days(-1, 3651)),
        }),
    },
];

/// Federated domains of the demo tenant that the demo config does not watch (rule U1): one
/// federated with the issuer a known backdoor tool sets.
pub const UNWATCHED_DOMAINS: [&str; 1] = ["backdoor-demo.example"];

/// Entra's audit log in the demo: a domain, the activity, who, and how many hours before the
/// demo's `now`.
pub(crate) const AUDIT_LOG: [(&str, &str, &str, i64); 3] = [
    (
        "trey-demo.example",
        "Set federation settings on domain",
        "hybrid-admin@treydemo.onmicrosoft.example",
        5,
    ),
    (
        "backdoor-demo.example",
        "Set domain authentication",
        "hybrid-admin@treydemo.onmicrosoft.example",
        6,
    ),
    (
        "contoso-demo.example",
        "Set federation settings on domain",
        "alice@contoso-demo.example",
        600,
    ),
];

/// Every scenario of the demo federation, in the order the demo lists its domains.
pub fn scenarios() -> &'static [ScenarioInfo] {
    &SCENARIOS
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn names_and_domains_are_unique_and_fictitious() {
        let names: BTreeSet<_> = scenarios().iter().map(|s| s.name).collect();
        let domains: BTreeSet<_> = scenarios().iter().map(|s| s.domain).collect();
        assert!(scenarios().len() >= 10);
        assert_eq!(names.len(), scenarios().len());
        assert_eq!(domains.len(), scenarios().len());
        assert!(
            domains.iter().all(|d| d.ends_with("-demo.example")),
            "{domains:?}"
        );
    }

    #[test]
    fn every_severity_is_shown() {
        let shown: BTreeSet<_> = scenarios().iter().map(|s| s.expected).collect();
        let all = [
            Severity::Ok,
            Severity::Unknown,
            Severity::Warning,
            Severity::Critical,
        ];
        assert_eq!(shown, all.into_iter().collect());
    }

    #[test]
    fn adfs_indices_point_at_published_certificates() {
        for scenario in scenarios() {
            if let IdpSetup::AdFs(adfs) = &scenario.idp {
                let count = adfs.signing.len();
                assert!(adfs.primary < count, "{}", scenario.name);
                assert!(
                    adfs.entra_signing.is_none_or(|i| i < count),
                    "{}",
                    scenario.name
                );
                assert!(
                    adfs.entra_next_signing.is_none_or(|i| i < count),
                    "{}",
                    scenario.name
                );
            }
        }
    }

    /// No date sits on a policy threshold, where a second of drift would flip the verdict.
    #[test]
    fn no_validity_sits_on_a_threshold() {
        const THRESHOLDS: [i64; 6] = [0, 15, 20, 30, 35, 60];
        for scenario in scenarios() {
            let validities: Vec<Validity> = match &scenario.idp {
                IdpSetup::AdFs(adfs) => adfs
                    .signing
                    .iter()
                    .copied()
                    .chain([adfs.encryption])
                    .chain(adfs.rogue_next)
                    .collect(),
                IdpSetup::Okta(okta) => vec![okta.signing],
                IdpSetup::SignInPage { entra_holds } | IdpSetup::Refused { entra_holds } => {
                    vec![*entra_holds]
                }
            };
            for v in validities {
                assert!(
                    !THRESHOLDS.contains(&v.until_days),
                    "{}: {v:?}",
                    scenario.name
                );
                assert!(v.from_days < 0, "{}: not yet valid {v:?}", scenario.name);
            }
        }
    }
}
