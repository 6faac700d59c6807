//! `fedcert demo`: a built-in federation of scenario domains, certificates generated relative to
//! now, served over loopback HTTP and read through the same fetch → parse → assess path.
//!
//! [`Demo::start`] generates every scenario's certificates and documents, serves them from
//! `127.0.0.1:<random port>` together with a stand-in for Entra ID's token endpoint and Microsoft
//! Graph ([`entra`]), and returns a [`Config`] whose domains point at that server and whose
//! `[entra]` table points at the stand-in: the Entra side comes through Graph exactly as for a
//! real tenant (client-credentials token, then `federationConfiguration` per domain). The demo
//! fabricates no verdicts: the poller fetches, the metadata parser reads, the Graph client reads
//! Entra's side and `assess` judges, as for any real domain. [`scenarios`] lists what each domain
//! shows and the verdict it should get.

mod certs;
mod entra;
mod scenarios;
mod server;
mod xml;

use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use tokio::net::TcpSocket;

use self::certs::{DemoCa, DemoCert, SerialStyle, Validity};
pub use self::entra::{CLIENT_ID, MANAGED_DOMAINS, SECRET_ENV, TENANT};
use self::entra::{Federation, Protocol, Tenant};
use self::scenarios::{AdFsSetup, IdpSetup, OktaSetup};
pub use self::scenarios::{ScenarioInfo, UNWATCHED_DOMAINS, UpdateStatus, scenarios};
use self::server::{Page, Pages, Server, Site};
use crate::cert::Sha1;
use crate::config::{Config, DomainConfig, EntraConfig};
use crate::source::graph::Secret;

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo: cannot generate the certificate {subject}: {reason}")]
    Certificate { subject: String, reason: String },
    #[error("demo: cannot open a loopback port on 127.0.0.1 for the demo server: {0}")]
    Bind(#[source] std::io::Error),
    #[error("demo: cannot sign the metadata of {host}: {reason}")]
    Signing { host: String, reason: String },
}

/// The running demo federation. The server stops when this is dropped (or on [`Demo::shutdown`]).
#[derive(Debug)]
pub struct Demo {
    /// One `[[domain]]` per scenario, in [`scenarios`] order, pointing at the loopback server,
    /// and `[entra]` pointing at the stand-in for Entra and Graph on the same server. The client
    /// secret is not in the environment: pass [`Demo::env`] to
    /// [`crate::poller::Sources::with_env`].
    pub config: Config,
    /// The same domains with Entra's side typed in as thumbprints (what Graph reports), and no
    /// `[entra]`: the way an operator without Graph access configures fedcert.
    typed_in: Config,
    secret: Secret,
    server: Server,
    /// A port bound but never listened on, so connections to it are refused for as long as the
    /// demo runs (and no other program can take the port meanwhile).
    refused: TcpSocket,
}

impl Demo {
    /// Generate every scenario as of `now`, start the loopback server on a tokio task and return
    /// the config that points at it. Must be called within a tokio runtime.
    pub async fn start(now: DateTime<Utc>) -> Result<Self, DemoError> {
        let refused = reserve_refusing_port().map_err(DemoError::Bind)?;
        let refused_addr = refused.local_addr().map_err(DemoError::Bind)?;

        let mut pages = Pages::new();
        let mut federations = Vec::new();
        let mut unplaced = Vec::new();
        for scenario in scenarios() {
            let Built {
                domain,
                path,
                page,
                federation,
            } = build(scenario, now)?;
            let served = page.is_some();
            if let Some(page) = page {
                pages.insert(path.clone(), page);
            }
            let held = (
                federation.signing.as_deref().map(Sha1::of),
                federation.next_signing.as_deref().map(Sha1::of),
            );
            federations.push(federation);
            unplaced.push((domain, path, served, held));
        }

        for domain in UNWATCHED_DOMAINS {
            federations.push(unwatched_federation(domain, now)?);
        }
        let audits = scenarios::AUDIT_LOG
            .iter()
            .map(|(domain, activity, actor, hours_ago)| entra::Audit {
                domain: (*domain).to_owned(),
                activity: (*activity).to_owned(),
                actor: (*actor).to_owned(),
                at: now - TimeDelta::hours(*hours_ago),
            })
            .collect();
        let tenant = Tenant::new(federations).with_audits(audits);
        let secret = tenant.secret().clone();
        let server = Server::start(Site { pages, tenant })
            .await
            .map_err(DemoError::Bind)?;
        let mut domains = Vec::new();
        let mut typed_in = Vec::new();
        for (mut domain, path, served, (signing, next_signing)) in unplaced {
            // Only the unreachable scenario has no document: it points at the refusing port.
            let addr = if served { server.addr() } else { refused_addr };
            domain.metadata_url = format!("http://{addr}{path}");
            typed_in.push(DomainConfig {
                entra_signing_thumbprint: signing,
                entra_next_signing_thumbprint: next_signing,
                ..domain.clone()
            });
            // `[entra]` is the default tenant of every domain, as the config loader makes it.
            domain.tenant = Some(TENANT.to_owned());
            domains.push(domain);
        }
        let base = format!("http://{}", server.addr());
        let config = Config {
            entra: Some(EntraConfig {
                client_secret_env: Some(SECRET_ENV.to_owned()),
                authority: base.clone(),
                graph: base,
                ..EntraConfig::new(TENANT, CLIENT_ID)
            }),
            domains,
            ..Config::default()
        };
        let typed_in = Config {
            domains: typed_in,
            ..Config::default()
        };
        Ok(Self {
            config,
            typed_in,
            secret,
            server,
            refused,
        })
    }

    /// Where the demo server listens (metadata, token endpoint and Graph).
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Where connections are refused (the `unreachable` scenario points here).
    pub fn refused_addr(&self) -> Option<SocketAddr> {
        self.refused.local_addr().ok()
    }

    /// The demo app's client secret (new on every start), the value of [`SECRET_ENV`].
    pub fn client_secret(&self) -> &str {
        self.secret.expose()
    }

    /// The environment the demo's Graph client sees: [`SECRET_ENV`] holds the demo's secret,
    /// nothing else is set. For [`crate::poller::Sources::with_env`].
    pub fn env(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| (name == SECRET_ENV).then(|| self.client_secret().to_owned())
    }

    /// The demo with Entra's side typed into each `[[domain]]` as the thumbprints Graph reports,
    /// and no `[entra]`.
    pub fn typed_in_config(&self) -> &Config {
        &self.typed_in
    }

    /// Stop the server, close its connections and wait until it has ended.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// A loopback port that refuses connections: bound, so it stays ours, but never listening, so
/// the kernel answers every connection attempt with a reset at once (no 20 s timeout).
fn reserve_refusing_port() -> std::io::Result<TcpSocket> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))?;
    Ok(socket)
}

/// One scenario made concrete: its config entry (URL without the server's address yet), the
/// path it is served at, the document there, if any, and what Entra holds for it.
struct Built {
    domain: DomainConfig,
    path: String,
    page: Option<Page>,
    federation: Federation,
}

fn build(scenario: &ScenarioInfo, now: DateTime<Utc>) -> Result<Built, DemoError> {
    let adfs_path = format!(
        "/{}/federationmetadata/2007-06/federationmetadata.xml",
        scenario.domain
    );
    let mut domain = DomainConfig::new(scenario.domain, String::new());
    let display_name = organization(scenario.domain);
    let host = format!("fs.{}", scenario.domain);
    let ws_fed = |multiple_domain| Protocol::WsFed {
        host: host.clone(),
        multiple_domain,
    };
    let (path, page, protocol, (signing, next_signing)) = match &scenario.idp {
        IdpSetup::AdFs(adfs) => {
            let (page, held) = build_adfs(adfs, scenario.domain, &mut domain, now)?;
            (
                adfs_path,
                Some(page),
                ws_fed(adfs.support_multiple_domain),
                held,
            )
        }
        IdpSetup::Okta(okta) => build_okta(okta, scenario.domain, &mut domain, now)?,
        IdpSetup::SignInPage { entra_holds } => {
            domain.auto_rollover = Some(true);
            domain.adfs_primary_server = Some(adfs_primary_server(scenario.domain));
            let html = xml::sign_in_page(&host, &display_name);
            let held = unpublished_farm_certificate(&host, *entra_holds, now)?;
            (
                adfs_path,
                Some(page("text/html; charset=utf-8", html)),
                ws_fed(false),
                (Some(held), None),
            )
        }
        IdpSetup::Refused { entra_holds } => {
            domain.auto_rollover = Some(true);
            domain.adfs_primary_server = Some(adfs_primary_server(scenario.domain));
            let held = unpublished_farm_certificate(&host, *entra_holds, now)?;
            (adfs_path, None, ws_fed(false), (Some(held), None))
        }
    };
    let federation = Federation {
        domain: scenario.domain.to_owned(),
        display_name,
        protocol,
        signing,
        next_signing,
        update: scenario
            .update
            .map(|u| (u.result.to_owned(), now - TimeDelta::hours(u.hours_ago))),
    };
    Ok(Built {
        domain,
        path,
        page,
        federation,
    })
}

/// DER of `signingCertificate` / `nextSigningCertificate`.
type Held = (Option<Vec<u8>>, Option<Vec<u8>>);

/// A federated domain of the demo tenant that the demo config does not watch: federated the
/// way a known backdoor tool does it (its issuer `http://any.sts/…`, its own certificate).
fn unwatched_federation(domain: &str, now: DateTime<Utc>) -> Result<Federation, DemoError> {
    let cert = certs::self_signed(
        certs::backdoor_name(),
        Validity::days(-1, 3651),
        SerialStyle::Random16,
        now,
    )?;
    Ok(Federation {
        domain: domain.to_owned(),
        display_name: organization(domain),
        protocol: Protocol::Saml {
            issuer: format!("http://{}/8F3A2B1C", crate::assess::BACKDOOR_ISSUER_HOST),
            sign_in: "https://any.sts/8F3A2B1C/".to_owned(),
        },
        signing: Some(cert.der),
        next_signing: None,
        update: None,
    })
}

/// The token-signing certificate of a farm whose metadata cannot be read: Entra holds it, but
/// fedcert never sees it in a document.
fn unpublished_farm_certificate(
    host: &str,
    validity: Validity,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, DemoError> {
    let cert = certs::self_signed(
        certs::adfs_signing_name(host),
        validity,
        SerialStyle::Random16,
        now,
    )?;
    Ok(cert.der)
}

fn build_adfs(
    adfs: &AdFsSetup,
    domain_name: &str,
    domain: &mut DomainConfig,
    now: DateTime<Utc>,
) -> Result<(Page, Held), DemoError> {
    let host = format!("fs.{domain_name}");
    let (signing, encryption) = adfs_certificates(adfs, &host, domain_name, now)?;
    let signing_der: Vec<&[u8]> = signing.iter().map(|c| c.der.as_slice()).collect();
    let document = xml::AdFsMetadata {
        host: &host,
        display_name: adfs.display_name,
        signing: &signing_der,
        primary: &signing[adfs.primary].der,
        primary_key: &signing[adfs.primary].key,
        encryption: &encryption.der,
    }
    .render()
    .map_err(|reason| DemoError::Signing {
        host: host.clone(),
        reason,
    })?;

    domain.auto_rollover = adfs.auto_rollover;
    domain.adfs_primary_server = Some(adfs_primary_server(domain_name));
    domain.support_multiple_domain = adfs.support_multiple_domain;
    let held_der = |index: Option<usize>| index.map(|i| signing[i].der.clone());
    let next = match adfs.rogue_next {
        // Someone else's certificate, never in the metadata.
        Some(validity) => Some(
            certs::self_signed(certs::backdoor_name(), validity, SerialStyle::Random16, now)?.der,
        ),
        None => held_der(adfs.entra_next_signing),
    };
    let held = (held_der(adfs.entra_signing), next);
    Ok((page("text/xml; charset=utf-8", document), held))
}

/// The farm's token-signing certificates (in document order) and its token-decrypting one.
fn adfs_certificates(
    adfs: &AdFsSetup,
    host: &str,
    domain_name: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<DemoCert>, DemoCert), DemoError> {
    if let Some(ca_name) = adfs.issuing_ca {
        let org = organization(domain_name);
        let ca = DemoCa::new(certs::organization_name(ca_name, &org))?;
        let signing_name = format!("adfs-signing.{domain_name}");
        let encryption_name = format!("adfs-encryption.{domain_name}");
        let signing = adfs
            .signing
            .iter()
            .map(|v| ca.issue(certs::organization_name(&signing_name, &org), *v, now))
            .collect::<Result<_, _>>()?;
        let encryption = ca.issue(
            certs::organization_name(&encryption_name, &org),
            adfs.encryption,
            now,
        )?;
        return Ok((signing, encryption));
    }
    let signing = adfs
        .signing
        .iter()
        .map(|v| {
            certs::self_signed(
                certs::adfs_signing_name(host),
                *v,
                SerialStyle::Random16,
                now,
            )
        })
        .collect::<Result<_, _>>()?;
    let encryption = certs::self_signed(
        certs::adfs_encryption_name(host),
        adfs.encryption,
        SerialStyle::Random16,
        now,
    )?;
    Ok((signing, encryption))
}

fn build_okta(
    okta: &OktaSetup,
    domain_name: &str,
    domain: &mut DomainConfig,
    now: DateTime<Utc>,
) -> Result<(String, Option<Page>, Protocol, Held), DemoError> {
    let cert = certs::self_signed(
        certs::okta_name(okta.org),
        okta.signing,
        SerialStyle::NotBeforeMillis,
        now,
    )?;
    let sign_in_host = format!("{}.okta.example", okta.org);
    let metadata = xml::OktaMetadata {
        sign_in_host: &sign_in_host,
        app_id: okta.app_id,
        signing: &cert.der,
    };
    let path = format!("/{domain_name}/app/{}/sso/saml/metadata", okta.app_id);
    // Entra never polls a third-party IdP's metadata: every rollover is a manual update, which
    // is what `auto_rollover = false` tells the verdict. Entra holds the certificate the
    // operator put there by hand.
    domain.auto_rollover = Some(false);
    let protocol = Protocol::Saml {
        issuer: metadata.entity_id(),
        sign_in: metadata.sso_url(),
    };
    let page = page("application/xml", metadata.render());
    Ok((path, Some(page), protocol, (Some(cert.der), None)))
}

fn page(content_type: &'static str, body: String) -> Page {
    Page {
        content_type,
        body: Bytes::from(body),
    }
}

fn adfs_primary_server(domain_name: &str) -> String {
    format!("adfs01.corp.{domain_name}")
}

/// `contoso-demo.example` → `Contoso Demo`, for names inside certificates and pages.
fn organization(domain_name: &str) -> String {
    let label = domain_name.split('.').next().unwrap_or(domain_name);
    label
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every scenario built as of `now`, keyed by path (for tests that need no server).
#[cfg(test)]
fn build_all(now: DateTime<Utc>) -> Result<std::collections::HashMap<String, Built>, DemoError> {
    scenarios()
        .iter()
        .map(|s| build(s, now).map(|b| (b.path.clone(), b)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T08:00:00Z".parse().unwrap()
    }

    fn built<'a>(all: &'a HashMap<String, Built>, name: &str) -> &'a Built {
        all.values().find(|b| b.domain.name == name).unwrap()
    }

    #[test]
    fn organization_is_the_title_cased_first_label() {
        assert_eq!(organization("contoso-demo.example"), "Contoso Demo");
        assert_eq!(organization("x"), "X");
    }

    #[test]
    fn every_scenario_has_a_path_of_its_own() {
        let all = build_all(now()).unwrap();
        assert_eq!(all.len(), scenarios().len());
        for (path, b) in &all {
            assert!(path.starts_with(&format!("/{}/", b.domain.name)), "{path}");
            let scenario = scenarios()
                .iter()
                .find(|s| s.domain == b.domain.name)
                .unwrap();
            assert_eq!(
                b.page.is_none(),
                matches!(scenario.idp, IdpSetup::Refused { .. }),
                "{path}"
            );
        }
    }

    #[test]
    fn adfs_config_carries_what_an_operator_would_type() {
        let all = build_all(now()).unwrap();
        let fabrikam = built(&all, "fabrikam-demo.example");
        let d = &fabrikam.domain;
        assert_eq!(d.auto_rollover, Some(true));
        assert!(d.support_multiple_domain);
        assert_eq!(
            d.adfs_primary_server.as_deref(),
            Some("adfs01.corp.fabrikam-demo.example")
        );
        // Entra's side is no longer typed in: it comes from Graph.
        assert_eq!(d.entra_signing_thumbprint, None);
        assert_eq!(d.entra_next_signing_thumbprint, None);
        let f = &fabrikam.federation;
        assert!(f.signing.is_some() && f.next_signing.is_some());
        assert_ne!(f.signing, f.next_signing);
        assert_eq!(
            f.protocol,
            Protocol::WsFed {
                host: "fs.fabrikam-demo.example".into(),
                multiple_domain: true
            }
        );
    }

    #[test]
    fn entra_holds_a_certificate_for_every_scenario_with_its_update_status() {
        let all = build_all(now()).unwrap();
        for scenario in scenarios() {
            let f = &built(&all, scenario.domain).federation;
            assert!(f.signing.is_some(), "{}", scenario.name);
            let expected = scenario
                .update
                .map(|u| (u.result.to_owned(), now() - TimeDelta::hours(u.hours_ago)));
            assert_eq!(f.update, expected, "{}", scenario.name);
        }
        // The unreadable farms still have a certificate in Entra, one fedcert never sees.
        let proseware = built(&all, "proseware-demo.example");
        let der = proseware.federation.signing.as_deref().unwrap();
        let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
        assert_eq!(
            cert.subject().to_string(),
            "CN=ADFS Signing - fs.proseware-demo.example"
        );
        let okta = &built(&all, "relecloud-demo.example").federation;
        assert!(
            matches!(&okta.protocol, Protocol::Saml { issuer, .. } if issuer.starts_with("http://www.okta.com/exk"))
        );
    }

    #[test]
    fn certificates_are_new_on_every_start() {
        let (a, b) = (build_all(now()).unwrap(), build_all(now()).unwrap());
        let signing = |all: &HashMap<String, Built>| {
            built(all, "contoso-demo.example")
                .federation
                .signing
                .clone()
                .unwrap()
        };
        assert_ne!(signing(&a), signing(&b));
    }
}
