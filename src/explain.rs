//! Triage from the symptom (DESIGN.md §6.6): the error users paste — an AADSTS code, a whole
//! browser error page, Entra's `certificateUpdateResult`, an AD FS event — turned into what it
//! means for federation, its likely causes with their sources (DOMAIN.md §7), and which of the
//! watched domains show one of those causes now, worst first.
//!
//! Pure: the caller gives the text and each watched domain's verdict; nothing here fetches.

use chrono::{DateTime, Utc};

use crate::assess::finding::Situation;
use crate::assess::{Assessment, EntraSide, Finding, Outage, Rule, Severity, SyncState, TlsRole};
use crate::checklist::Checklist;
use crate::domain::DomainStatus;

/// Where a cause comes from.
const ERROR_CODES: &str = "Microsoft Entra authentication and authorization error codes (entra-docs reference-error-codes.md)";
const RMILNE: &str =
    "blog.rmilne.ca, 2021-11-29 (AADSTS5000811 after an AD FS certificate rollover)";
const O365CERTS: &str =
    "Renew federation certificates for Microsoft 365 and Microsoft Entra ID (learn.microsoft.com)";
const EMERG: &str = "Emergency rotation of the AD FS certificates (learn.microsoft.com)";
const REALM_50107: &str = "Error AADSTS50107 when users sign in through a SAML external trust (Microsoft support article, 2025-05-21)";
const MULTIPLE_DOMAINS: &str = "Multiple domain support for federating with Microsoft Entra ID (how-to-connect-install-multiple-domains.md)";
const ISSUER_REUSE: &str =
    "s4erka.wordpress.com (several tenants sharing the IssuerUri urn:uri:o365)";
const TSHOOT: &str =
    "Troubleshoot AD FS issues with Microsoft Entra ID and Office 365 (ad-fs-tshoot-azure.md)";
const GRAPH_STATUS: &str = "Microsoft Graph signingCertificateUpdateStatus (microsoft-graph-docs)";
const JJ933264: &str = "AD FS 2.0 token signing certificate roll over results in loss of access to all Office 365 services (TechNet jj933264)";
const AUTH360: &str = "blog.auth360.net (AD FS events 385 and 381)";

/// A condition a watched domain can show now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Entra does not hold the certificate the IdP signs with.
    SyncBroken,
    /// The primary has expired.
    PrimaryExpired,
    /// A successor is published and Entra lacks it: sign-ins fail once the IdP switches to it.
    SuccessorNotInEntra,
    /// The primary nears expiry and the IdP has published no successor.
    NoSuccessor,
    /// Several watched domains share one `issuerUri` in Entra.
    IssuerShared,
    /// Entra's `issuerUri` is neither the IdP's entityID nor the `-SupportMultipleDomain` form.
    IssuerMismatch,
    /// The IdP's metadata cannot be read, or publishes no usable signing certificate.
    MetadataUnusable,
    /// Entra's own automatic certificate update fails.
    EntraUpdateFailing,
    /// The token-decrypting certificate expires soon or has expired.
    DecryptingExpiring,
    /// The clocks differ by more than 5 minutes.
    ClockSkew,
    /// Sign-ins fail now, whatever the error says (an outage of any cause).
    FailingNow,
    /// fedcert cannot see it: it says so and lists no domain for it.
    NotVisible,
}

/// One likely cause of an error.
#[derive(Clone, Copy, Debug)]
pub struct Cause {
    pub text: &'static str,
    pub source: &'static str,
    pub condition: Condition,
}

/// What fedcert knows about one error.
#[derive(Debug)]
pub struct Known {
    /// `AADSTS50008`, `couldNotAccessRemoteHost`, `AD FS event 385`; `None` for the pre-AADSTS
    /// page, which has no code.
    pub code: Option<&'static str>,
    /// The official text.
    pub official: &'static str,
    /// What it means for federation.
    pub meaning: &'static str,
    pub causes: &'static [Cause],
}

const fn cause(text: &'static str, source: &'static str, condition: Condition) -> Cause {
    Cause {
        text,
        source,
        condition,
    }
}

const EXPIRED: Cause = cause(
    "the IdP's token-signing certificate has expired",
    JJ933264,
    Condition::PrimaryExpired,
);

const SUCCESSOR_NOT_IN_ENTRA: Cause = cause(
    "a successor is published that Entra does not hold: sign-ins fail as soon as the IdP signs with it",
    O365CERTS,
    Condition::SuccessorNotInEntra,
);

const SIGNING_CAUSES: &[Cause] = &[
    cause(
        "Entra does not hold the certificate the IdP signs with (the sync is broken), for example after AD FS promoted a new primary Entra never took in",
        RMILNE,
        Condition::SyncBroken,
    ),
    EXPIRED,
    SUCCESSOR_NOT_IN_ENTRA,
];

/// DOMAIN.md §7, code by code.
pub static KNOWN: &[Known] = &[
    Known {
        code: Some("AADSTS50008"),
        official: "InvalidSamlToken - SAML assertion is missing or misconfigured in the token. Contact your federation provider.",
        meaning: "Entra did not accept the token the IdP issued; for a federated domain this is most often a token signed with a certificate Entra does not hold.",
        causes: &[
            cause(
                "Entra does not hold the certificate the IdP signs with (the sync is broken)",
                ERROR_CODES,
                Condition::SyncBroken,
            ),
            EXPIRED,
            SUCCESSOR_NOT_IN_ENTRA,
            cause(
                "several domains (or tenants) share one IssuerUri; the fix was a unique IssuerUri per domain",
                ISSUER_REUSE,
                Condition::IssuerShared,
            ),
        ],
    },
    Known {
        code: Some("AADSTS5000811"),
        official: "Unable to verify token signature. The signing key identifier does not match any valid registered keys.",
        meaning: "Entra does not trust the key the IdP signed the token with: the IdP signs with a certificate that is in neither SigningCertificate nor NextSigningCertificate.",
        causes: SIGNING_CAUSES,
    },
    Known {
        code: Some("AADSTS50006"),
        official: "InvalidSignature - Signature verification failed because of an invalid signature.",
        meaning: "Entra could not verify the signature of the IdP's token: a certificate Entra does not hold, or a signature it does not accept.",
        causes: &[
            cause(
                "Entra does not hold the certificate the IdP signs with (the sync is broken)",
                ERROR_CODES,
                Condition::SyncBroken,
            ),
            cause(
                "the IdP's token-signing certificate has expired",
                ERROR_CODES,
                Condition::PrimaryExpired,
            ),
            cause(
                "the relying party trust for Office 365 signs with SHA-1 (check its secure hash algorithm on the AD FS server; fedcert cannot see it)",
                TSHOOT,
                Condition::NotVisible,
            ),
        ],
    },
    Known {
        code: Some("AADSTS50107"),
        official: "InvalidRealmUri - The requested federation realm object does not exist. Contact the tenant admin.",
        meaning: "The Issuer in the IdP's token matches no federated domain's IssuerUri in Entra: a realm (issuer) mismatch, not a certificate problem.",
        causes: &[
            cause(
                "the domain's IssuerUri in Entra is neither the IdP's entityID nor the SupportMultipleDomain form http://<domain>/adfs/services/trust/ that AD FS issues for it",
                MULTIPLE_DOMAINS,
                Condition::IssuerMismatch,
            ),
            cause(
                "a user of a subdomain signs in with an issuer the parent domain's claim rule does not produce, or a third-party IdP sends the wrong IssuerURI",
                REALM_50107,
                Condition::NotVisible,
            ),
        ],
    },
    Known {
        code: Some("AADSTS50000"),
        official: "TokenIssuanceError - There's an issue with the sign-in service.",
        meaning: "A generic sign-in failure: it does not say which side failed. Look at the watched domains that fail now.",
        causes: &[cause(
            "any federated domain whose sign-ins fail now (expired or untrusted signing certificate)",
            ERROR_CODES,
            Condition::FailingNow,
        )],
    },
    Known {
        code: Some("AADSTS20001"),
        official: "WsFedSignInResponseError - There's an issue with your federated Identity Provider. Contact your IdP to resolve this issue.",
        meaning: "The IdP's WS-Federation response failed: the problem is on the IdP's side.",
        causes: IDP_SIDE,
    },
    Known {
        code: Some("AADSTS20012"),
        official: "WsFedMessageInvalid - There's an issue with your federated Identity Provider. Contact your IdP to resolve this issue.",
        meaning: "The IdP's WS-Federation message is not valid: the problem is on the IdP's side.",
        causes: IDP_SIDE,
    },
    Known {
        code: Some("AADSTS20033"),
        official: "FedMetadataInvalidTenantName - There's an issue with your federated Identity Provider. Contact your IdP to resolve this issue.",
        meaning: "The federation metadata names a tenant Entra does not know: the problem is on the IdP's side.",
        causes: IDP_SIDE,
    },
    Known {
        code: None,
        official: "Your organization could not sign you in to this service (with a reference number, at login.microsoftonline.com/login.srf)",
        meaning: "The pre-AADSTS page of the AD FS 2.0 era: typically the token-signing certificate Entra holds has expired or was rolled over without Entra.",
        causes: &[
            cause(
                "the IdP's token-signing certificate has expired",
                JJ933264,
                Condition::PrimaryExpired,
            ),
            cause(
                "AD FS rolled over to a certificate Entra does not hold (the sync is broken)",
                JJ933264,
                Condition::SyncBroken,
            ),
        ],
    },
    Known {
        code: Some("couldNotAccessRemoteHost"),
        official: "Could not reach the provider to get the new certificates (certificateUpdateResult)",
        meaning: "Entra's automatic certificate update could not reach the IdP's federation metadata: it will not pick up a new certificate by itself.",
        causes: ENTRA_UPDATE,
    },
    Known {
        code: Some("connectionError"),
        official: "connectionError (certificateUpdateResult)",
        meaning: "Entra's connection to the IdP's federation metadata failed: it will not pick up a new certificate by itself.",
        causes: ENTRA_UPDATE,
    },
    Known {
        code: Some("xmlParsingError"),
        official: "xmlParsingError (certificateUpdateResult)",
        meaning: "Entra could not parse the IdP's federation metadata (an HTML sign-in page or a proxy's answer in its place, for example).",
        causes: ENTRA_UPDATE,
    },
    Known {
        code: Some("noNewCertificateFound"),
        official: "noNewCertificateFound (certificateUpdateResult)",
        meaning: "Entra read the metadata and found no new certificate: fine until the primary nears expiry; then the IdP has not published its successor.",
        causes: &[
            cause(
                "the IdP has not published a successor although the primary expires soon (AutoCertificateRollover off, or AD FS missed its generation)",
                O365CERTS,
                Condition::NoSuccessor,
            ),
            cause(
                "the IdP's token-signing certificate has expired",
                O365CERTS,
                Condition::PrimaryExpired,
            ),
        ],
    },
    Known {
        code: Some("AD FS event 385"),
        official: "One or more certificates in the AD FS configuration need to be updated manually because they are expired, or will expire soon.",
        meaning: "AD FS warns that a certificate (token-signing or token-decrypting) has expired or expires soon and will not be renewed by itself.",
        causes: &[
            cause(
                "the token-signing certificate has expired",
                AUTH360,
                Condition::PrimaryExpired,
            ),
            cause(
                "the token-decrypting certificate expires soon or has expired",
                AUTH360,
                Condition::DecryptingExpiring,
            ),
        ],
    },
    Known {
        code: Some("AD FS event 381"),
        official: "An error occurred during an attempt to build the certificate chain for configuration certificate.",
        meaning: "AD FS cannot build the chain of one of its certificates, typically after it expired.",
        causes: &[cause(
            "the token-signing certificate has expired",
            AUTH360,
            Condition::PrimaryExpired,
        )],
    },
];

const IDP_SIDE: &[Cause] = &[
    cause(
        "the IdP's federation metadata cannot be read or publishes no usable signing certificate",
        ERROR_CODES,
        Condition::MetadataUnusable,
    ),
    cause(
        "the IdP's token-signing certificate has expired",
        EMERG,
        Condition::PrimaryExpired,
    ),
    cause(
        "the IdP's clock and Entra's differ by more than 5 minutes",
        TSHOOT,
        Condition::ClockSkew,
    ),
];

const ENTRA_UPDATE: &[Cause] = &[
    cause(
        "the federation metadata is not reachable from the internet (no Web Application Proxy or reverse proxy publishing it, a firewall, a broken proxy trust or TLS certificate)",
        O365CERTS,
        Condition::EntraUpdateFailing,
    ),
    cause(
        "a successor is published that Entra does not hold, so Entra must be updated by hand",
        GRAPH_STATUS,
        Condition::SuccessorNotInEntra,
    ),
];

/// What the pasted text names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Symptom {
    /// A code fedcert knows (the index into [`KNOWN`]), and the code as given.
    Known { index: usize, code: Option<String> },
    /// A code fedcert knows nothing about.
    Unknown { code: String },
    /// Text with no code in it.
    NoCode,
}

impl Symptom {
    pub fn known(&self) -> Option<&'static Known> {
        match self {
            Self::Known { index, .. } => KNOWN.get(*index),
            Self::Unknown { .. } | Self::NoCode => None,
        }
    }

    /// The code as fedcert names it (`AADSTS50008`).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Known { code, .. } => code.as_deref(),
            Self::Unknown { code } => Some(code),
            Self::NoCode => None,
        }
    }
}

/// Find the error in `text`: an `AADSTS` code anywhere (any case), a bare number when the text
/// is only that, an AD FS event, a `certificateUpdateResult` value, or the pre-AADSTS page.
pub fn recognise(text: &str) -> Symptom {
    let lower = text.to_ascii_lowercase();
    let digits_after = |at: usize| -> String {
        lower[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect()
    };
    let mut number = lower
        .match_indices("aadsts")
        .map(|(at, word)| digits_after(at + word.len()))
        .find(|d| !d.is_empty());
    let trimmed = lower.trim();
    if number.is_none()
        && (4..=8).contains(&trimmed.len())
        && trimmed.chars().all(|c| c.is_ascii_digit())
    {
        number = Some(trimmed.to_owned());
    }
    if let Some(number) = number {
        let code = format!("AADSTS{number}");
        return KNOWN
            .iter()
            .position(|k| k.code == Some(code.as_str()))
            .map_or(Symptom::Unknown { code: code.clone() }, |index| {
                Symptom::Known {
                    index,
                    code: Some(code),
                }
            });
    }
    for event in ["385", "381"] {
        let named = ["event id ", "event id: ", "eventid ", "event ", "event: "]
            .iter()
            .any(|lead| lower.contains(&format!("{lead}{event}")));
        if named {
            let code = format!("AD FS event {event}");
            if let Some(index) = KNOWN.iter().position(|k| k.code == Some(code.as_str())) {
                return Symptom::Known {
                    index,
                    code: Some(code),
                };
            }
        }
    }
    for (index, known) in KNOWN.iter().enumerate() {
        if let Some(code) = known
            .code
            .filter(|c| !c.contains(' ') && !c.starts_with("AADSTS"))
            && lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|word| word == code.to_ascii_lowercase())
        {
            return Symptom::Known {
                index,
                code: Some(code.to_owned()),
            };
        }
    }
    if lower.contains("could not sign you in")
        && let Some(index) = KNOWN.iter().position(|k| k.code.is_none())
    {
        return Symptom::Known { index, code: None };
    }
    Symptom::NoCode
}

/// One watched domain, as explain sees it.
#[derive(Clone, Copy, Debug)]
pub struct Watched<'a> {
    pub name: &'a str,
    pub assessment: &'a Assessment,
    /// The Entra side in force, for its `issuerUri` and update result.
    pub entra: Option<&'a EntraSide>,
    /// The IdP's entityID, once its metadata was read.
    pub entity_id: Option<&'a str>,
    pub support_multiple_domain: bool,
    /// The domain's checklist, so the words name its steps.
    pub checklist: Option<&'a Checklist>,
    /// The moment the verdict was made for.
    pub now: DateTime<Utc>,
}

impl<'a> Watched<'a> {
    /// `status` as explain sees it; `entra` is its Entra side in force ([`DomainStatus::entra`]).
    pub fn from_status(
        status: &'a DomainStatus,
        entra: Option<&'a EntraSide>,
        checklist: Option<&'a Checklist>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            name: &status.config.name,
            assessment: &status.assessment,
            entra,
            entity_id: status.entity_id(),
            support_multiple_domain: status.config.support_multiple_domain,
            checklist,
            now,
        }
    }
}

/// A watched domain that shows a cause now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub name: String,
    pub severity: Severity,
    /// Why, in words: the finding that shows the cause, or what fedcert saw.
    pub why: String,
    /// Its checklist is an outage runbook.
    pub outage: bool,
}

/// The answer.
#[derive(Debug)]
pub struct Explanation {
    pub symptom: Symptom,
    pub domains: Vec<Match>,
}

/// Explain `text` against the watched domains' verdicts: the domains that show one of the
/// error's causes (for an error fedcert does not know, the domains failing now), worst first:
/// those whose sign-ins fail now, then by verdict, then by name.
pub fn explain(text: &str, watched: &[Watched<'_>]) -> Explanation {
    let symptom = recognise(text);
    let conditions: Vec<Condition> = match symptom.known() {
        Some(known) => known.causes.iter().map(|c| c.condition).collect(),
        None => vec![Condition::FailingNow],
    };
    let shared = shared_issuers(watched);
    let mut domains: Vec<Match> = watched
        .iter()
        .filter_map(|w| {
            let why = conditions.iter().find_map(|&c| shows(w, c, &shared))?;
            Some(Match {
                name: w.name.to_owned(),
                severity: w.assessment.severity,
                why,
                outage: w.assessment.outage.is_some(),
            })
        })
        .collect();
    // Failing now first, then the worst verdict, then by name.
    domains.sort_by(|a, b| {
        b.outage
            .cmp(&a.outage)
            .then(b.severity.cmp(&a.severity))
            .then(a.name.cmp(&b.name))
    });
    Explanation { symptom, domains }
}

/// `issuerUri`s that more than one watched domain has in Entra.
fn shared_issuers(watched: &[Watched<'_>]) -> Vec<String> {
    let mut issuers: Vec<String> = watched
        .iter()
        .filter_map(|w| w.entra.and_then(|e| e.issuer_uri.as_deref()))
        .map(normalise_issuer)
        .collect();
    issuers.sort();
    let mut shared: Vec<String> = issuers
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0].clone())
        .collect();
    shared.dedup();
    shared
}

/// Issuers compare without case and without a trailing slash.
fn normalise_issuer(uri: &str) -> String {
    uri.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn finding_with<'a>(w: &Watched<'a>, pick: impl Fn(&Finding) -> bool) -> Option<&'a Finding> {
    w.assessment.findings.iter().find(|f| pick(f))
}

/// The finding in words, naming the step of the domain's checklist when there is one.
fn say(w: &Watched<'_>, f: &Finding) -> String {
    match w.checklist {
        Some(list) => list.say(f),
        None => crate::words::finding(f, w.assessment, w.now, None),
    }
}

/// Does `w` show `condition` now, and why (in words)?
fn shows(w: &Watched<'_>, condition: Condition, shared: &[String]) -> Option<String> {
    let a = w.assessment;
    let by_rule = |rule: Rule| finding_with(w, |f| f.rule == rule).map(|f| say(w, f));
    match condition {
        Condition::SyncBroken => (a.sync == SyncState::Broken).then(|| by_rule(Rule::R2))?,
        Condition::PrimaryExpired => by_rule(Rule::R1),
        Condition::SuccessorNotInEntra => by_rule(Rule::R4),
        Condition::NoSuccessor => finding_with(w, |f| {
            f.rule == Rule::R3
                || (a.successor.is_none()
                    && matches!(f.rule, Rule::S2 | Rule::S3)
                    && f.severity == Severity::Critical)
        })
        .map(|f| say(w, f)),
        Condition::IssuerShared => {
            let issuer = w.entra?.issuer_uri.as_deref()?;
            shared.contains(&normalise_issuer(issuer)).then(|| {
                format!(
                    "Entra's IssuerUri {issuer} is the IssuerUri of another watched domain too: each federated domain needs its own"
                )
            })
        }
        Condition::IssuerMismatch => issuer_mismatch(w),
        Condition::MetadataUnusable => finding_with(w, |f| {
            matches!(f.rule, Rule::R8 | Rule::R11)
                || (f.rule == Rule::R7 && f.severity >= Severity::Warning)
                // An expired TLS certificate on the metadata host: Entra cannot read it either.
                || matches!(&f.situation, Situation::TlsExpiring { role: TlsRole::Metadata, cert }
                    if cert.cert.not_after <= w.now)
        })
        .filter(|f| !matches!(f.situation, Situation::NeverRead { failure: None }))
        .map(|f| say(w, f)),
        Condition::EntraUpdateFailing => by_rule(Rule::E1).or_else(|| {
            let entra = w.entra?;
            let result = entra.update_result.as_ref()?.result();
            result
                .is_failure()
                .then(|| crate::words::update_result(Some(result), entra.last_run, w.now))
        }),
        Condition::DecryptingExpiring => by_rule(Rule::R9),
        Condition::ClockSkew => by_rule(Rule::C1),
        Condition::FailingNow => match a.outage {
            Some(Outage::PrimaryExpired) => by_rule(Rule::R1),
            Some(Outage::SyncBroken) => by_rule(Rule::R2),
            Some(Outage::CriticalThreshold | Outage::SuspectedCompromise) | None => None,
        },
        Condition::NotVisible => None,
    }
}

/// AADSTS50107: the issuer Entra expects is neither the IdP's entityID nor the form
/// `-SupportMultipleDomain` makes AD FS issue for this domain.
fn issuer_mismatch(w: &Watched<'_>) -> Option<String> {
    let issuer = w.entra?.issuer_uri.as_deref()?;
    let entity = w.entity_id?;
    let per_domain = format!("http://{}/adfs/services/trust/", w.name);
    let ok = [entity, per_domain.as_str()]
        .iter()
        .any(|expected| normalise_issuer(expected) == normalise_issuer(issuer));
    if ok {
        return None;
    }
    let expected = if w.support_multiple_domain {
        per_domain
    } else {
        entity.to_owned()
    };
    Some(format!(
        "Entra's IssuerUri for this domain is {issuer}, but the IdP issues tokens as {expected}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_is_found_as_it_is_pasted() {
        for (index, known) in KNOWN.iter().enumerate() {
            let Some(code) = known.code else {
                continue;
            };
            let expected = Symptom::Known {
                index,
                code: Some(code.to_owned()),
            };
            let page = format!(
                "<html><body><div id=\"error\">Sorry, but we're having trouble signing you in.</div><p>{code}: {}</p><p>Trace ID: 1b2c</p></body></html>",
                known.official
            );
            for text in [code.to_owned(), code.to_ascii_lowercase(), page] {
                assert_eq!(recognise(&text), expected, "{text}");
            }
            if let Some(number) = code.strip_prefix("AADSTS") {
                assert_eq!(recognise(number), expected, "bare {number}");
                assert_eq!(recognise(&format!("  {number}\n")), expected);
            }
        }
    }

    #[test]
    fn the_pre_aadsts_page_and_events_are_recognised() {
        let page =
            "Your organization could not sign you in to this service. Reference number: 9d3a";
        assert!(matches!(recognise(page), Symptom::Known { code: None, .. }));
        assert_eq!(recognise("Event ID 385").code(), Some("AD FS event 385"));
        assert_eq!(
            recognise("event 381 in the AD FS log").code(),
            Some("AD FS event 381")
        );
        assert_eq!(
            recognise("certificateUpdateResult: CouldNotAccessRemoteHost").code(),
            Some("couldNotAccessRemoteHost")
        );
    }

    #[test]
    fn unknown_codes_and_no_code() {
        assert_eq!(
            recognise("AADSTS90072: the user account does not exist"),
            Symptom::Unknown {
                code: "AADSTS90072".to_owned()
            }
        );
        assert_eq!(recognise("something went wrong"), Symptom::NoCode);
        // A number inside prose is not a code.
        assert_eq!(recognise("it failed 50008 times"), Symptom::NoCode);
        // The first AADSTS code with digits wins.
        assert_eq!(
            recognise("AADSTS: AADSTS50107 then AADSTS50008").code(),
            Some("AADSTS50107")
        );
    }
}
