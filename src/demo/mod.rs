//! `fedcert demo`: a built-in federation of scenario domains, certificates generated relative to
//! now, served over loopback HTTP and read through the same fetch → parse → assess path.
//!
//! [`Demo::start`] generates every scenario's certificates and documents, serves them from
//! `127.0.0.1:<random port>` and returns a [`Config`] whose domains point at that server, with
//! the Entra side typed in as thumbprints exactly as an operator would. The demo fabricates no
//! verdicts: the poller fetches, the metadata parser reads and `assess` judges, as for any
//! real domain. [`scenarios`] lists what each domain shows and the verdict it should get.

mod certs;
mod scenarios;
mod server;
mod xml;

use std::net::{Ipv4Addr, SocketAddr};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use tokio::net::TcpSocket;

use self::certs::{DemoCa, DemoCert, SerialStyle};
use self::scenarios::{AdFsSetup, IdpSetup, OktaSetup};
pub use self::scenarios::{ScenarioInfo, scenarios};
use self::server::{Page, Pages, Server};
use crate::config::{Config, DomainConfig};

/// Why the demo could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo: cannot generate the certificate {subject}: {reason}")]
    Certificate { subject: String, reason: String },
    #[error("demo: cannot open a loopback port on 127.0.0.1 for the demo server: {0}")]
    Bind(#[source] std::io::Error),
}

/// The running demo federation. The server stops when this is dropped (or on [`Demo::shutdown`]).
#[derive(Debug)]
pub struct Demo {
    /// One `[[domain]]` per scenario, in [`scenarios`] order, pointing at the loopback server.
    pub config: Config,
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
        let mut unplaced = Vec::new();
        for scenario in scenarios() {
            let Built { domain, path, page } = build(scenario, now)?;
            let served = page.is_some();
            if let Some(page) = page {
                pages.insert(path.clone(), page);
            }
            unplaced.push((domain, path, served));
        }

        let server = Server::start(pages).await.map_err(DemoError::Bind)?;
        let domains = unplaced
            .into_iter()
            .map(|(mut domain, path, served)| {
                // Only the unreachable scenario has no document: it points at the refusing port.
                let addr = if served { server.addr() } else { refused_addr };
                domain.metadata_url = format!("http://{addr}{path}");
                domain
            })
            .collect();
        let config = Config {
            domains,
            ..Config::default()
        };
        Ok(Self {
            config,
            server,
            refused,
        })
    }

    /// Where the demo server listens.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Where connections are refused (the `unreachable` scenario points here).
    pub fn refused_addr(&self) -> Option<SocketAddr> {
        self.refused.local_addr().ok()
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
/// path it is served at and the document there, if any.
struct Built {
    domain: DomainConfig,
    path: String,
    page: Option<Page>,
}

fn build(scenario: &ScenarioInfo, now: DateTime<Utc>) -> Result<Built, DemoError> {
    let adfs_path = format!(
        "/{}/federationmetadata/2007-06/federationmetadata.xml",
        scenario.domain
    );
    let mut domain = DomainConfig::new(scenario.domain, String::new());
    let (path, page) = match &scenario.idp {
        IdpSetup::AdFs(adfs) => (
            adfs_path,
            Some(build_adfs(adfs, scenario.domain, &mut domain, now)?),
        ),
        IdpSetup::Okta(okta) => build_okta(okta, scenario.domain, &mut domain, now)?,
        IdpSetup::SignInPage => {
            domain.auto_rollover = Some(true);
            domain.adfs_primary_server = Some(adfs_primary_server(scenario.domain));
            let host = format!("fs.{}", scenario.domain);
            let html = xml::sign_in_page(&host, &organization(scenario.domain));
            (adfs_path, Some(page("text/html; charset=utf-8", html)))
        }
        IdpSetup::Refused => {
            domain.auto_rollover = Some(true);
            domain.adfs_primary_server = Some(adfs_primary_server(scenario.domain));
            (adfs_path, None)
        }
    };
    Ok(Built { domain, path, page })
}

fn build_adfs(
    adfs: &AdFsSetup,
    domain_name: &str,
    domain: &mut DomainConfig,
    now: DateTime<Utc>,
) -> Result<Page, DemoError> {
    let host = format!("fs.{domain_name}");
    let (signing, encryption) = adfs_certificates(adfs, &host, domain_name, now)?;
    let signing_der: Vec<&[u8]> = signing.iter().map(|c| c.der.as_slice()).collect();
    let document = xml::AdFsMetadata {
        host: &host,
        display_name: adfs.display_name,
        signing: &signing_der,
        primary: &signing[adfs.primary].der,
        encryption: &encryption.der,
    }
    .render();

    domain.auto_rollover = adfs.auto_rollover;
    domain.adfs_primary_server = Some(adfs_primary_server(domain_name));
    domain.support_multiple_domain = adfs.support_multiple_domain;
    domain.entra_signing_thumbprint = adfs.entra_signing.map(|i| signing[i].sha1);
    domain.entra_next_signing_thumbprint = adfs.entra_next_signing.map(|i| signing[i].sha1);
    Ok(page("text/xml; charset=utf-8", document))
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
) -> Result<(String, Option<Page>), DemoError> {
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
    // is what `auto_rollover = false` tells the verdict. The operator typed Entra's thumbprint.
    domain.auto_rollover = Some(false);
    domain.entra_signing_thumbprint = Some(cert.sha1);
    Ok((path, Some(page("application/xml", metadata.render()))))
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

/// Every scenario's documents as of `now`, keyed by path (for tests that need no server).
#[cfg(test)]
fn build_all(
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<String, (DomainConfig, Option<Page>)>, DemoError> {
    scenarios()
        .iter()
        .map(|s| build(s, now).map(|b| (b.path, (b.domain, b.page))))
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

    #[test]
    fn organization_is_the_title_cased_first_label() {
        assert_eq!(organization("contoso-demo.example"), "Contoso Demo");
        assert_eq!(organization("x"), "X");
    }

    #[test]
    fn every_scenario_has_a_path_of_its_own() {
        let built = build_all(now()).unwrap();
        assert_eq!(built.len(), scenarios().len());
        for (path, (domain, page)) in &built {
            assert!(path.starts_with(&format!("/{}/", domain.name)), "{path}");
            let scenario = scenarios()
                .iter()
                .find(|s| s.domain == domain.name)
                .unwrap();
            assert_eq!(
                page.is_none(),
                matches!(scenario.idp, IdpSetup::Refused),
                "{path}"
            );
        }
    }

    #[test]
    fn adfs_config_carries_what_an_operator_would_type() {
        let built = build_all(now()).unwrap();
        let (fabrikam, _) = built
            .values()
            .find(|(d, _)| d.name == "fabrikam-demo.example")
            .unwrap();
        assert_eq!(fabrikam.auto_rollover, Some(true));
        assert!(fabrikam.support_multiple_domain);
        assert_eq!(
            fabrikam.adfs_primary_server.as_deref(),
            Some("adfs01.corp.fabrikam-demo.example")
        );
        assert!(fabrikam.entra_signing_thumbprint.is_some());
        assert!(fabrikam.entra_next_signing_thumbprint.is_some());
        assert_ne!(
            fabrikam.entra_signing_thumbprint,
            fabrikam.entra_next_signing_thumbprint
        );
    }

    #[test]
    fn certificates_are_new_on_every_start() {
        let a = build_all(now()).unwrap();
        let b = build_all(now()).unwrap();
        let thumbprint = |m: &HashMap<String, (DomainConfig, Option<Page>)>| {
            m.values()
                .find(|(d, _)| d.name == "contoso-demo.example")
                .and_then(|(d, _)| d.entra_signing_thumbprint)
                .unwrap()
        };
        assert_ne!(thumbprint(&a), thumbprint(&b));
    }
}
