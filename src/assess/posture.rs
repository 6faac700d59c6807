//! The security-posture rules of DESIGN.md §6.5: what Entra trusts that the IdP never published
//! (B1) or has retired (B2), where Entra's `issuerUri` points (B3), recent changes to the
//! federation in Entra's audit log (B4), and certificate hygiene (H1–H4, info: never a verdict).
//!
//! B1 and B2 judge each certificate in Entra's signing and next-signing slots, whether read
//! through Graph, imported from `Get-MgDomainFederationConfiguration`, or typed into the config
//! as thumbprints. A certificate the IdP publishes now (signing or encryption) or an imported
//! `Get-AdfsCertificate` lists is the IdP's. Any other is, in this order:
//!
//! 1. one fedcert saw the IdP publish before (its history): retired, B2 (WARNING);
//! 2. one fedcert saw Entra begin to trust after its first read of Entra's side: never
//!    published, B1 (CRITICAL) — whatever the certificate says about itself, since a rogue
//!    certificate can carry any name and dates;
//! 3. one already in Entra when fedcert first looked (the first run, or an Entra side from an
//!    import or the config): B2 when it looks like the IdP's own older certificate — the same
//!    subject and issuer as a certificate the IdP publishes, and older than it (the previous
//!    primary, retired before fedcert watched); else B1. A thumbprint alone (typed into the
//!    config) shows nothing to compare: B1.

use chrono::{DateTime, TimeDelta, Utc};

use super::finding::{Hygiene, Slot, Unvouched};
use super::{
    Advice, EntraSide, FederationChange, Finding, IdpFacts, PostureInput, Rule, Severity, Situation,
};
use crate::cert::{CertInfo, Sha1};

/// The host of the issuer AADInternals' `ConvertTo-AADIntBackdoor` sets (`http://any.sts/…`).
pub const BACKDOOR_ISSUER_HOST: &str = "any.sts";

/// How recent a change to the federation settings must be to be a finding (B4).
pub const RECENT_CHANGE: TimeDelta = TimeDelta::hours(24);

/// What the posture rules look at for one domain.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    /// The last good metadata facts, if any.
    pub idp: Option<&'a IdpFacts>,
    pub primary: Option<&'a CertInfo>,
    pub successor: Option<&'a CertInfo>,
    pub entra: Option<&'a EntraSide>,
    pub input: &'a PostureInput<'a>,
}

/// Every posture finding for the domain.
pub fn evaluate(c: &Context<'_>) -> Vec<Finding> {
    let mut findings = trusted_certificates(c);
    findings.extend(b3(c));
    findings.extend(b4(c));
    findings.extend(hygiene(c));
    findings.extend(h4(c));
    findings
}

/// B1 and B2 for each of Entra's slots.
fn trusted_certificates(c: &Context<'_>) -> Vec<Finding> {
    let (Some(entra), Some(idp)) = (c.entra, c.idp) else {
        return Vec::new();
    };
    let slots = [
        (Slot::Signing, entra.signing, entra.signing_cert.as_ref()),
        (
            Slot::NextSigning,
            entra.next_signing,
            entra.next_signing_cert.as_ref(),
        ),
    ];
    slots
        .into_iter()
        .filter_map(|(slot, sha1, cert)| judge(c, idp, slot, sha1?, cert))
        .collect()
}

fn judge(
    c: &Context<'_>,
    idp: &IdpFacts,
    slot: Slot,
    sha1: Sha1,
    cert: Option<&CertInfo>,
) -> Option<Finding> {
    let published = idp.signing.iter().chain(&idp.encryption);
    if published.clone().any(|p| p.sha1 == sha1) || c.input.adfs_certificates.contains(&sha1) {
        return None;
    }
    let boxed = cert.map(|c| Box::new(c.clone()));
    let history = c.input.history;
    let retired = |last_published| {
        Finding::new(
            Rule::B2,
            Severity::Warning,
            Situation::Retired {
                slot,
                sha1,
                cert: boxed.clone(),
                last_published,
            },
            Advice::FlushStale {
                // The signing slot is rewritten with the primary alone; the next slot needs a
                // second certificate of the IdP's. (With the primary expired, the outage's own
                // rollover comes first: the Entra update it ends with is the flush.)
                second: slot == Slot::NextSigning
                    && c.successor.is_none()
                    && c.primary.is_some_and(|p| p.not_after > c.now),
            },
        )
    };
    let never = |why| {
        Finding::new(
            Rule::B1,
            Severity::Critical,
            Situation::NeverPublished {
                slot,
                sha1,
                cert: boxed.clone(),
                why,
            },
            Advice::RemoveRogue,
        )
    };
    if let Some(seen) = history.and_then(|h| h.published(sha1)) {
        return Some(retired(Some(seen.last_seen)));
    }
    if let Some(seen) = history
        .filter(|h| h.trust_began_while_watched(sha1))
        .and_then(|h| h.trusted(sha1))
    {
        return Some(never(Unvouched::AppearedAt(seen.first_seen)));
    }
    Some(match cert {
        None => never(Unvouched::ThumbprintOnly),
        Some(cert) if older_of_the_same_name(cert, idp) => retired(None),
        Some(_) => never(Unvouched::UnlikeTheIdp),
    })
}

/// `cert` has the subject and issuer of a signing certificate the IdP publishes, and is older
/// than it: the IdP's own earlier certificate.
fn older_of_the_same_name(cert: &CertInfo, idp: &IdpFacts) -> bool {
    idp.signing.iter().any(|p| {
        p.subject == cert.subject
            && p.issuer == cert.issuer
            && cert.not_before < p.not_before
            && cert.not_after <= p.not_after
    })
}

/// B3: Entra's `issuerUri` names another host than the IdP's, or the backdoor pattern.
fn b3(c: &Context<'_>) -> Option<Finding> {
    let issuer = c.entra?.issuer_uri.as_deref()?.trim();
    if issuer.is_empty() {
        return None;
    }
    let host = bare_host(issuer);
    let backdoor = host.as_deref() == Some(BACKDOOR_ISSUER_HOST);
    let mut idp_hosts: Vec<String> = Vec::new();
    let urls = c
        .idp
        .iter()
        .flat_map(|idp| [Some(idp.entity_id.as_str()), idp.sign_in_url.as_deref()])
        .flatten()
        .chain(c.input.metadata_url);
    for url in urls {
        if let Some(host) = bare_host(url).filter(|h| !idp_hosts.contains(h)) {
            idp_hosts.push(host);
        }
    }
    if !backdoor {
        // Nothing to compare with before the metadata is read.
        let idp = c.idp?;
        let fits = same_uri(issuer, &idp.entity_id)
            || host.as_ref().is_some_and(|h| idp_hosts.contains(h))
            || multiple_domain_issuer(issuer, c.input.domain);
        if fits {
            return None;
        }
    }
    Some(Finding::new(
        Rule::B3,
        Severity::Warning,
        Situation::IssuerElsewhere {
            issuer: issuer.to_owned(),
            idp_host: idp_hosts.into_iter().next(),
            backdoor,
        },
        Advice::ReviewChanges,
    ))
}

/// The host of a URL, lowercase and without its port.
fn bare_host(url: &str) -> Option<String> {
    crate::location::host_of(url).map(|h| strip_port(&h))
}

/// `host[:port]` (or `[v6]:port`) → `host`, lowercase.
fn strip_port(authority: &str) -> String {
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        authority.rsplit_once(':').map_or(authority, |(h, _)| h)
    };
    host.to_ascii_lowercase()
}

/// Two URIs alike but for case and a trailing slash.
fn same_uri(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim().trim_end_matches('/'))
}

/// `http://{domain}/adfs/services/trust/`, for the domain or a parent of it: what
/// `-SupportMultipleDomain` sets (DOMAIN.md §7; a subdomain takes its parent's issuer).
fn multiple_domain_issuer(issuer: &str, domain: &str) -> bool {
    let lower = issuer.trim().to_ascii_lowercase();
    let Some(named) = lower.strip_prefix("http://").and_then(|rest| {
        rest.strip_suffix("/adfs/services/trust/")
            .or_else(|| rest.strip_suffix("/adfs/services/trust"))
    }) else {
        return false;
    };
    let domain = domain.trim().to_ascii_lowercase();
    !named.is_empty() && (domain == named || domain.ends_with(&format!(".{named}")))
}

/// B4: a change to the federation settings in the last 24 hours.
fn b4(c: &Context<'_>) -> Option<Finding> {
    let mut recent: Vec<FederationChange> = c
        .input
        .changes?
        .iter()
        .filter(|change| change.at > c.now - RECENT_CHANGE && change.at <= c.now)
        .cloned()
        .collect();
    if recent.is_empty() {
        return None;
    }
    recent.sort_by_key(|change| std::cmp::Reverse(change.at));
    Some(Finding::new(
        Rule::B4,
        Severity::Warning,
        Situation::RecentChange { changes: recent },
        Advice::ReviewChanges,
    ))
}

/// H1–H3 for each signing certificate the IdP publishes that has not expired.
fn hygiene(c: &Context<'_>) -> Vec<Finding> {
    let Some(idp) = c.idp else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for cert in idp.signing.iter().filter(|cert| cert.not_after > c.now) {
        let concerns = [
            (Rule::H1, Hygiene::WeakSignature, weak_signature(cert)),
            (Rule::H2, Hygiene::SmallKey, small_rsa_key(cert)),
            (Rule::H3, Hygiene::LongValidity, over_three_years(cert)),
        ];
        for (rule, concern, applies) in concerns {
            if applies {
                findings.push(Finding::new(
                    rule,
                    Severity::Info,
                    Situation::Hygiene {
                        concern,
                        cert: Box::new(cert.clone()),
                    },
                    Advice::None,
                ));
            }
        }
    }
    findings
}

/// Signed with SHA-1, or an older digest (MD5, MD2).
fn weak_signature(cert: &CertInfo) -> bool {
    let name = cert.signature_algorithm.to_ascii_lowercase();
    ["sha1", "md5", "md2"]
        .iter()
        .any(|weak| name.contains(weak))
}

fn small_rsa_key(cert: &CertInfo) -> bool {
    cert.key_algorithm.eq_ignore_ascii_case("RSA") && cert.key_bits.is_some_and(|bits| bits < 2048)
}

/// Valid for more than three calendar years.
fn over_three_years(cert: &CertInfo) -> bool {
    cert.not_before
        .checked_add_months(chrono::Months::new(36))
        .is_some_and(|three_years| cert.not_after > three_years)
}

/// H4: the successor carries another subject or issuer than the primary (an IdP renews its
/// own certificate under the same names; another name is worth a look).
fn h4(c: &Context<'_>) -> Option<Finding> {
    let (primary, successor) = (c.primary?, c.successor?);
    let subject = primary.subject != successor.subject;
    let issuer = primary.issuer != successor.issuer;
    (subject || issuer).then(|| {
        Finding::new(
            Rule::H4,
            Severity::Info,
            Situation::SuccessorDiffers {
                successor: successor.sha1,
                subject,
                issuer,
            },
            Advice::None,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_multiple_domain_issuer_fits_the_domain_and_its_subdomains() {
        let issuer = "http://contoso.com/adfs/services/trust/";
        assert!(multiple_domain_issuer(issuer, "contoso.com"));
        assert!(multiple_domain_issuer(issuer, "Sales.Contoso.com"));
        assert!(multiple_domain_issuer(
            "HTTP://contoso.com/adfs/services/trust",
            "contoso.com"
        ));
        assert!(!multiple_domain_issuer(issuer, "notcontoso.com"));
        assert!(!multiple_domain_issuer(issuer, "fabrikam.com"));
        assert!(!multiple_domain_issuer(
            "http://any.sts/B231A11F",
            "contoso.com"
        ));
    }
}
