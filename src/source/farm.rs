//! Whether an import belongs to a domain's IdP (DESIGN.md §6.2): an Entra export names the
//! IdP's hosts (`issuerUri`, `passiveSignInUri`), an AD FS certificate list shares a certificate
//! with the metadata, and `Get-AdfsProperties` names the farm (`Identifier`, `HostName`). A file
//! that fails is another domain's or another farm's, and `fedcert import` refuses it unless told
//! `--force`.

use std::fmt;

use crate::assess::IdpFacts;
use crate::cert::Sha1;
use crate::location::host_of;
use crate::source::graph::FederationConfiguration;
use crate::source::imports::{AdfsProperties, ImportedAdfsCertificates};

/// What fedcert knows of a domain's IdP to check an import against.
#[derive(Clone, Copy, Debug)]
pub struct DomainIdp<'a> {
    pub domain: &'a str,
    /// The configured metadata URL.
    pub metadata_url: &'a str,
    /// The metadata, when it could be read now.
    pub facts: Option<&'a IdpFacts>,
}

impl DomainIdp<'_> {
    /// The IdP's host names: the metadata URL's, the entityID's (when URL-shaped) and the
    /// sign-in URL's, lowercased and without duplicates.
    pub fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = Vec::new();
        let candidates = [
            host_of(self.metadata_url),
            self.facts.and_then(|f| host_of(&f.entity_id)),
            self.facts
                .and_then(|f| f.sign_in_url.as_deref())
                .and_then(host_of),
        ];
        for host in candidates.into_iter().flatten() {
            let host = host.to_ascii_lowercase();
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        hosts
    }
}

/// An import that belongs to another domain or farm: one line naming the mismatch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// An Entra export whose `issuerUri` or `passiveSignInUri` names a host that is not the
    /// domain's IdP.
    EntraHost {
        domain: String,
        property: &'static str,
        value: String,
        host: String,
        idp_hosts: Vec<String>,
    },
    /// An AD FS certificate list that shares no certificate with the domain's metadata.
    AdfsCertificates {
        domain: String,
        held: Vec<Sha1>,
        published: Vec<Sha1>,
    },
    /// `Get-AdfsProperties` of a farm whose `Identifier` is not the metadata's entityID (or,
    /// without the metadata, whose `HostName` is not the metadata URL's host).
    AdfsProperties {
        domain: String,
        property: &'static str,
        value: String,
        expected: String,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EntraHost {
                domain,
                property,
                value,
                host,
                idp_hosts,
            } => write!(
                f,
                "{property} {value} names host {host}, but {domain}'s IdP is {}: another domain's export?",
                idp_hosts.join(" / ")
            ),
            Self::AdfsCertificates {
                domain,
                held,
                published,
            } => {
                let list = |certs: &[Sha1]| {
                    certs
                        .iter()
                        .map(|c| format!("{}…", &c.to_string()[..8]))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let published = if published.is_empty() {
                    "none".to_owned()
                } else {
                    list(published)
                };
                write!(
                    f,
                    "none of its token-signing certificates ({}) is in {domain}'s metadata (it publishes {published}): another farm's list?",
                    list(held)
                )
            }
            Self::AdfsProperties {
                domain,
                property,
                value,
                expected,
            } => write!(
                f,
                "{property} {value} is not {domain}'s AD FS ({expected}): another farm's properties?"
            ),
        }
    }
}

/// The normalised form of an identifier URI for comparison: lowercase, no trailing slash.
fn same_uri(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
    norm(a) == norm(b)
}

/// `host` is `domain` or one of its parents (`http://contoso.com/adfs/services/trust/` is the
/// issuer of `contoso.com` and, for a subdomain, of `eu.contoso.com`: SupportMultipleDomain).
fn names_the_domain(host: &str, domain: &str) -> bool {
    let (host, domain) = (host.to_ascii_lowercase(), domain.to_ascii_lowercase());
    domain == host || domain.ends_with(&format!(".{host}"))
}

/// Does this Entra export belong to the domain? `passiveSignInUri` must name one of the IdP's
/// hosts; `issuerUri` must be the metadata's entityID, or name one of its hosts, or the domain
/// itself (SupportMultipleDomain). A value without a host (a URN) proves nothing either way.
/// Without any IdP host known, nothing can be checked.
pub fn check_entra(
    federation: &FederationConfiguration,
    idp: &DomainIdp<'_>,
) -> Result<(), Mismatch> {
    let hosts = idp.hosts();
    if hosts.is_empty() {
        return Ok(());
    }
    let mismatch = |property: &'static str, value: &str, host: String| Mismatch::EntraHost {
        domain: idp.domain.to_owned(),
        property,
        value: value.to_owned(),
        host,
        idp_hosts: hosts.clone(),
    };
    if let Some(uri) = federation.passive_sign_in_uri.as_deref()
        && let Some(host) = host_of(uri).map(|h| h.to_ascii_lowercase())
        && !hosts.contains(&host)
    {
        return Err(mismatch("passiveSignInUri", uri, host));
    }
    if let Some(uri) = federation.issuer_uri.as_deref()
        && !idp.facts.is_some_and(|f| same_uri(&f.entity_id, uri))
        && let Some(host) = host_of(uri).map(|h| h.to_ascii_lowercase())
        && !hosts.contains(&host)
        && !names_the_domain(&host, idp.domain)
    {
        return Err(mismatch("issuerUri", uri, host));
    }
    Ok(())
}

/// Does this AD FS certificate list belong to the domain's IdP? It must share a certificate with
/// the metadata. Without the metadata, nothing can be checked.
pub fn check_adfs_certificates(
    import: &ImportedAdfsCertificates,
    idp: &DomainIdp<'_>,
) -> Result<(), Mismatch> {
    let Some(facts) = idp.facts else {
        return Ok(());
    };
    if import.holds().shares_a_certificate(&facts.signing) {
        return Ok(());
    }
    Err(Mismatch::AdfsCertificates {
        domain: idp.domain.to_owned(),
        held: import.certificates.iter().map(|c| c.thumbprint).collect(),
        published: facts.signing.iter().map(|c| c.sha1).collect(),
    })
}

/// Does this `Get-AdfsProperties` belong to the domain's IdP? Its `Identifier` must be the
/// metadata's entityID; without the metadata, its `HostName` must be the metadata URL's host.
/// Properties exported without those (older exports) cannot be checked.
pub fn check_adfs_properties(
    properties: &AdfsProperties,
    idp: &DomainIdp<'_>,
) -> Result<(), Mismatch> {
    let mismatch =
        |property: &'static str, value: &str, expected: String| Mismatch::AdfsProperties {
            domain: idp.domain.to_owned(),
            property,
            value: value.to_owned(),
            expected,
        };
    match (idp.facts, properties.identifier.as_deref()) {
        (Some(facts), Some(identifier)) if !same_uri(&facts.entity_id, identifier) => {
            Err(mismatch(
                "Identifier",
                identifier,
                format!("entityID {}", facts.entity_id),
            ))
        }
        (Some(_), Some(_)) => Ok(()),
        _ => match (host_of(idp.metadata_url), properties.host_name.as_deref()) {
            (Some(host), Some(name)) if !host.eq_ignore_ascii_case(name.trim()) => {
                Err(mismatch("HostName", name, format!("metadata host {host}")))
            }
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn facts(entity: &str, sign_in: &str) -> IdpFacts {
        IdpFacts {
            sign_in_url: Some(sign_in.into()),
            ..IdpFacts::test_adfs(entity, Vec::new())
        }
    }

    fn federation(issuer: &str, passive: &str) -> FederationConfiguration {
        FederationConfiguration {
            issuer_uri: Some(issuer.into()),
            passive_sign_in_uri: Some(passive.into()),
            ..FederationConfiguration::default()
        }
    }

    #[test]
    fn an_entra_export_must_name_the_domains_idp() {
        let md = facts(
            "http://fs.contoso.test/adfs/services/trust",
            "https://fs.contoso.test/adfs/ls/",
        );
        let idp = DomainIdp {
            domain: "contoso.test",
            metadata_url: "https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml",
            facts: Some(&md),
        };
        let ok = [
            (
                "http://fs.contoso.test/adfs/services/trust",
                "https://fs.contoso.test/adfs/ls/",
            ),
            // SupportMultipleDomain: the domain itself is the issuer's host.
            (
                "http://contoso.test/adfs/services/trust/",
                "https://FS.contoso.test/adfs/ls/",
            ),
            ("urn:uri:contoso", "https://fs.contoso.test/adfs/ls/"),
        ];
        for (issuer, passive) in ok {
            assert_eq!(
                check_entra(&federation(issuer, passive), &idp),
                Ok(()),
                "{issuer}"
            );
        }
        let wrong = check_entra(
            &federation(
                "http://fs.fabrikam.test/adfs/services/trust",
                "https://fs.fabrikam.test/adfs/ls/",
            ),
            &idp,
        )
        .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "passiveSignInUri https://fs.fabrikam.test/adfs/ls/ names host fs.fabrikam.test, but contoso.test's IdP is fs.contoso.test: another domain's export?"
        );
        let other_domain = check_entra(
            &federation(
                "http://fabrikam.test/adfs/services/trust/",
                "https://fs.contoso.test/adfs/ls/",
            ),
            &idp,
        );
        assert!(
            matches!(
                &other_domain,
                Err(Mismatch::EntraHost {
                    property: "issuerUri",
                    ..
                })
            ),
            "{other_domain:?}"
        );
        // Nothing known of the IdP: nothing to check.
        let unknown = DomainIdp {
            domain: "contoso.test",
            metadata_url: "/srv/md.xml",
            facts: None,
        };
        assert_eq!(
            check_entra(
                &federation("http://x/adfs/services/trust", "https://x/adfs/ls/"),
                &unknown
            ),
            Ok(())
        );
    }

    #[test]
    fn properties_must_name_the_farm() {
        let md = facts(
            "http://fs.contoso.test/adfs/services/trust",
            "https://fs.contoso.test/adfs/ls/",
        );
        let with = |identifier: Option<&str>, host: Option<&str>| AdfsProperties {
            identifier: identifier.map(str::to_owned),
            host_name: host.map(str::to_owned),
            ..AdfsProperties::default()
        };
        let idp = DomainIdp {
            domain: "contoso.test",
            metadata_url: "https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml",
            facts: Some(&md),
        };
        assert_eq!(
            check_adfs_properties(
                &with(Some("http://fs.contoso.test/adfs/services/trust/"), None),
                &idp
            ),
            Ok(())
        );
        assert!(
            check_adfs_properties(
                &with(Some("http://fs.fabrikam.test/adfs/services/trust"), None),
                &idp
            )
            .is_err()
        );
        assert_eq!(check_adfs_properties(&with(None, None), &idp), Ok(()));
        let unread = DomainIdp { facts: None, ..idp };
        assert_eq!(
            check_adfs_properties(&with(None, Some("fs.contoso.test")), &unread),
            Ok(())
        );
        assert!(check_adfs_properties(&with(None, Some("fs.fabrikam.test")), &unread).is_err());
    }
}
