//! Home-realm discovery against a loopback stand-in for Entra's user-realm endpoints, shaped
//! after DOMAIN.md §4: a federated AD FS domain, a federated third-party (Okta) domain, a
//! managed domain, an unknown one, one endpoint down, both down, and bad input.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fedcert::source::realm::{self, Discovery, NamespaceType, RealmClient, RealmError, RealmQuery};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A loopback server answering GETs by `(path and query) → (status, content type, body)`;
/// it records every request target.
async fn serve(
    route: fn(&str) -> (u16, &'static str, String),
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let log = log.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 2048];
                while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buffer).into_owned();
                let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
                log.lock().unwrap().push(target.clone());
                let (status, content_type, body) = route(&target);
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (base, seen)
}

const JSON: &str = "application/json; charset=utf-8";
const XML: &str = "text/xml; charset=utf-8";

/// The documented answers: api-version 2.1 JSON and getuserrealm.srf XML.
fn entra(target: &str) -> (u16, &'static str, String) {
    let domain = target
        .rsplit_once("%40")
        .or_else(|| target.rsplit_once('@'))
        .map(|(_, rest)| rest.split(['?', '&']).next().unwrap().to_owned())
        .unwrap_or_default();
    let is_json = target.starts_with("/common/userrealm/");
    match (domain.as_str(), is_json) {
        ("contoso.test", true) => (200, JSON, r#"{"NameSpaceType":"Federated","federation_protocol":"WSTrust","Login":"x@contoso.test","AuthURL":"https://fs.contoso.test/adfs/ls/?username=x%40contoso.test&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=","DomainName":"contoso.test","FederationBrandName":"Contoso","TenantBrandingInfo":null,"cloud_instance_name":"microsoftonline.com"}"#.into()),
        ("contoso.test", false) => (200, XML, r#"<?xml version="1.0" encoding="utf-8"?><RealmInfo Success="true"><State>3</State><UserState>2</UserState><Login>x@contoso.test</Login><NameSpaceType>Federated</NameSpaceType><DomainName>contoso.test</DomainName><FederationGlobalVersion>-1</FederationGlobalVersion><AuthURL>https://fs.contoso.test/adfs/ls/?username=x%40contoso.test&amp;wa=wsignin1.0&amp;wtrealm=urn%3afederation%3aMicrosoftOnline&amp;wctx=</AuthURL><IsFederatedNS>true</IsFederatedNS><STSAuthURL>https://fs.contoso.test/adfs/services/trust/2005/usernamemixed</STSAuthURL><FederationTier>0</FederationTier><FederationBrandName>Contoso</FederationBrandName><AllowFedUsersWLIDSignIn>false</AllowFedUsersWLIDSignIn><MEXURL>https://fs.contoso.test/adfs/services/trust/mex</MEXURL><PreferredProtocol>1</PreferredProtocol><CloudInstanceName>microsoftonline.com</CloudInstanceName><CloudInstanceIssuerUri>urn:federation:MicrosoftOnline</CloudInstanceIssuerUri></RealmInfo>"#.into()),
        ("fabrikam.test", true) => (200, JSON, r#"{"NameSpaceType":"Federated","federation_protocol":"WSTrust","Login":"alice@fabrikam.test","AuthURL":"https://fabrikam.okta.com/app/office365/exk1a2b3c4d5e6f7g8h9/sso/wsfed/passive?username=alice%40fabrikam.test&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=","DomainName":"fabrikam.test","FederationBrandName":"Fabrikam","cloud_instance_name":"microsoftonline.com"}"#.into()),
        ("fabrikam.test", false) => (200, XML, "<RealmInfo Success=\"true\"><NameSpaceType>Federated</NameSpaceType><DomainName>fabrikam.test</DomainName><AuthURL>https://fabrikam.okta.com/app/office365/exk1a2b3c4d5e6f7g8h9/sso/wsfed/passive?username=alice%40fabrikam.test&amp;wa=wsignin1.0</AuthURL><STSAuthURL>https://fabrikam.okta.com/app/office365/exk1a2b3c4d5e6f7g8h9/sso/wsfed/active</STSAuthURL><MEXURL>https://fabrikam.okta.com/app/office365/exk1a2b3c4d5e6f7g8h9/sso/wsfed/mex</MEXURL><FederationBrandName>Fabrikam</FederationBrandName></RealmInfo>".into()),
        ("example.test", true) => (200, JSON, r#"{"NameSpaceType":"Managed","Login":"x@example.test","DomainName":"example.test","FederationBrandName":"Example Corp","TenantBrandingInfo":null,"cloud_instance_name":"microsoftonline.com"}"#.into()),
        ("example.test", false) => (200, XML, "<RealmInfo Success=\"true\"><State>4</State><UserState>1</UserState><Login>x@example.test</Login><NameSpaceType>Managed</NameSpaceType><DomainName>example.test</DomainName><IsFederatedNS>false</IsFederatedNS><FederationBrandName>Example Corp</FederationBrandName><CloudInstanceName>microsoftonline.com</CloudInstanceName><CloudInstanceIssuerUri>urn:federation:MicrosoftOnline</CloudInstanceIssuerUri></RealmInfo>".into()),
        ("nowhere.test", true) => (200, JSON, r#"{"NameSpaceType":"Unknown","Login":"x@nowhere.test","DomainName":"nowhere.test"}"#.into()),
        ("nowhere.test", false) => (200, XML, "<RealmInfo Success=\"true\"><NameSpaceType>Unknown</NameSpaceType><Login>x@nowhere.test</Login></RealmInfo>".into()),
        // The JSON endpoint fails; the XML one alone still answers.
        ("xmlonly.test", true) => (500, JSON, r#"{"error":"server_error"}"#.into()),
        ("xmlonly.test", false) => (200, XML, "<RealmInfo Success=\"true\"><NameSpaceType>Federated</NameSpaceType><DomainName>xmlonly.test</DomainName><AuthURL>https://sts.xmlonly.test:4443/adfs/ls/</AuthURL><MEXURL>https://sts.xmlonly.test:4443/adfs/services/trust/mex</MEXURL></RealmInfo>".into()),
        _ => (503, "text/html", "<html><body>Service Unavailable</body></html>".into()),
    }
}

async fn discover(input: &str) -> (Result<Discovery, RealmError>, Vec<String>) {
    let (base, seen) = serve(entra).await;
    let client = RealmClient::new(&base, Duration::from_secs(5)).unwrap();
    let result = client.discover(input).await;
    let mut targets = seen.lock().unwrap().clone();
    targets.sort();
    (result, targets)
}

#[tokio::test]
async fn a_federated_ad_fs_domain_gives_its_metadata_url() {
    let (result, targets) = discover("contoso.test").await;
    let d = result.unwrap();
    assert_eq!(
        targets,
        [
            "/common/userrealm/x@contoso.test?api-version=2.1",
            "/getuserrealm.srf?login=x%40contoso.test&xml=1"
        ]
    );
    assert_eq!(d.namespace_type, NamespaceType::Federated);
    assert_eq!(d.domain, "contoso.test");
    assert_eq!(d.brand.as_deref(), Some("Contoso"));
    assert_eq!(
        d.auth_url.as_deref(),
        Some("https://fs.contoso.test/adfs/ls/")
    );
    assert_eq!(d.idp_host.as_deref(), Some("fs.contoso.test"));
    assert_eq!(
        d.metadata_url.as_deref(),
        Some("https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml")
    );
    assert_eq!(d.idp_product, Some("AD FS"));
    assert_eq!(
        d.sts_auth_url.as_deref(),
        Some("https://fs.contoso.test/adfs/services/trust/2005/usernamemixed")
    );
    assert_eq!(
        d.mex_url.as_deref(),
        Some("https://fs.contoso.test/adfs/services/trust/mex")
    );
    assert_eq!(d.federation_protocol.as_deref(), Some("WSTrust"));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert!(
        d.note.contains("federated with AD FS at fs.contoso.test"),
        "{}",
        d.note
    );

    // The contract's JSON fields (DESIGN.md §3), with their spellings.
    let json = serde_json::to_value(&d).unwrap();
    for key in [
        "input",
        "domain",
        "namespace_type",
        "brand",
        "auth_url",
        "idp_host",
        "metadata_url",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    assert_eq!(json["namespace_type"], "Federated");
    assert_eq!(json["input"], "contoso.test");
}

#[tokio::test]
async fn a_federated_third_party_domain_says_no_metadata_url_can_be_derived() {
    let (result, targets) = discover("Alice@Fabrikam.Test").await;
    let d = result.unwrap();
    assert!(
        targets.contains(&"/common/userrealm/Alice@fabrikam.test?api-version=2.1".to_owned()),
        "{targets:?}"
    );
    assert_eq!(d.input, "Alice@Fabrikam.Test");
    assert_eq!(d.domain, "fabrikam.test");
    assert_eq!(d.namespace_type, NamespaceType::Federated);
    assert_eq!(d.brand.as_deref(), Some("Fabrikam"));
    assert_eq!(
        d.auth_url.as_deref(),
        Some("https://fabrikam.okta.com/app/office365/exk1a2b3c4d5e6f7g8h9/sso/wsfed/passive")
    );
    assert_eq!(d.idp_host.as_deref(), Some("fabrikam.okta.com"));
    assert_eq!(d.metadata_url, None);
    assert_eq!(d.idp_product, Some("Okta"));
    assert!(
        d.note
            .contains("no metadata URL can be derived for a third-party IdP"),
        "{}",
        d.note
    );
    assert_eq!(
        serde_json::to_value(&d).unwrap()["metadata_url"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn a_managed_domain_has_nothing_to_watch() {
    let (result, _) = discover("example.test").await;
    let d = result.unwrap();
    assert_eq!(d.namespace_type, NamespaceType::Managed);
    assert_eq!(d.brand.as_deref(), Some("Example Corp"));
    assert_eq!((d.auth_url, d.idp_host, d.metadata_url), (None, None, None));
    assert!(d.note.contains("managed domain"), "{}", d.note);
}

#[tokio::test]
async fn an_unknown_domain_is_said_so() {
    let (result, _) = discover("nowhere.test").await;
    let d = result.unwrap();
    assert_eq!(d.namespace_type, NamespaceType::Unknown);
    assert!(
        d.note.contains("Entra does not know nowhere.test"),
        "{}",
        d.note
    );
}

#[tokio::test]
async fn one_endpoint_is_enough_and_the_other_is_a_warning() {
    let (result, _) = discover("xmlonly.test").await;
    let d = result.unwrap();
    assert_eq!(d.namespace_type, NamespaceType::Federated);
    assert_eq!(d.idp_host.as_deref(), Some("sts.xmlonly.test:4443"));
    assert_eq!(
        d.metadata_url.as_deref(),
        Some("https://sts.xmlonly.test:4443/federationmetadata/2007-06/federationmetadata.xml"),
        "a non-default port is kept"
    );
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert!(
        d.warnings[0].contains("userrealm") && d.warnings[0].contains("HTTP 500"),
        "{:?}",
        d.warnings
    );
}

#[tokio::test]
async fn both_endpoints_down_is_an_error_naming_both() {
    let (result, _) = discover("down.test").await;
    let error = result.unwrap_err();
    let line = error.to_string();
    assert!(
        line.starts_with("home-realm discovery for down.test failed: "),
        "{line}"
    );
    assert!(
        line.contains("userrealm") && line.contains("getuserrealm.srf"),
        "{line}"
    );
    assert!(line.contains("HTTP 503"), "{line}");
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let (base, seen) = serve(entra).await;
    let client = RealmClient::new(&base, Duration::from_secs(5)).unwrap();
    for (input, reason) in [
        ("", "no domain"),
        ("contoso", "at least one dot"),
        ("@contoso.test", "nothing before the @"),
        ("con toso.test", "only letters, digits"),
        ("https://contoso.test/", "only letters, digits"),
        ("a b@contoso.test", "the user part"),
    ] {
        let error = client.discover(input).await.unwrap_err();
        assert!(
            matches!(error, RealmError::BadInput { .. }),
            "{input}: {error:?}"
        );
        let line = error.to_string();
        assert!(line.contains(reason), "{input}: {line}");
        assert!(
            line.contains("expected contoso.com or user@contoso.com"),
            "{line}"
        );
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn queries_normalise_the_domain_and_probe_with_a_dummy_user() {
    let q = RealmQuery::parse(" Contoso.Test. ").unwrap();
    assert_eq!(
        (q.upn.as_str(), q.domain.as_str(), q.input.as_str()),
        ("x@contoso.test", "contoso.test", "Contoso.Test.")
    );
    let q = RealmQuery::parse("bob.smith@sub.contoso.test").unwrap();
    assert_eq!(q.upn, "bob.smith@sub.contoso.test");
}

#[test]
fn the_realm_xml_reader_refuses_doctypes_and_wrong_roots() {
    let doctype =
        "<!DOCTYPE r [<!ENTITY x \"y\">]><RealmInfo><NameSpaceType>&x;</NameSpaceType></RealmInfo>";
    assert!(
        realm::parse_realm_xml(doctype)
            .unwrap_err()
            .contains("DOCTYPE")
    );
    assert!(
        realm::parse_realm_xml("<html><body/></html>")
            .unwrap_err()
            .contains("expected <RealmInfo>")
    );
    assert!(
        realm::parse_realm_xml("")
            .unwrap_err()
            .contains("no <RealmInfo>")
    );
    let fields = realm::parse_realm_xml(
        "<RealmInfo><AuthURL>https://a/?x=1&amp;y=&#50;</AuthURL></RealmInfo>",
    )
    .unwrap();
    assert_eq!(fields["AuthURL"], "https://a/?x=1&y=2");
}

#[test]
fn ad_fs_metadata_url_comes_only_from_ad_fs_paths() {
    assert_eq!(
        realm::adfs_metadata_url(["https://FS.Contoso.test/adfs/ls/?wa=wsignin1.0"]).as_deref(),
        Some("https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml")
    );
    assert_eq!(
        realm::adfs_metadata_url(["https://idp.example.test/idp/prp.wsf"]),
        None
    );
    assert_eq!(realm::adfs_metadata_url(["not a url"]), None);
}

#[test]
fn the_version_1_answer_is_understood_too() {
    let query = RealmQuery::parse("company.test").unwrap();
    let json = realm::parse_realm_json(
        r#"{"ver":"1.0","account_type":"Federated","domain_name":"company.test","federation_protocol":"WSTrust",
            "federation_metadata_url":"https://sts.company.test/adfs/services/trust/mex",
            "federation_active_auth_url":"https://sts.company.test/adfs/services/trust/2005/usernamemixed",
            "cloud_instance_name":"microsoftonline.com","cloud_audience_urn":"urn:federation:MicrosoftOnline"}"#,
    )
    .unwrap();
    let d = realm::interpret(&query, Some(&json), None);
    assert_eq!(d.namespace_type, NamespaceType::Federated);
    assert_eq!(d.auth_url, None);
    assert_eq!(d.idp_host.as_deref(), Some("sts.company.test"));
    assert_eq!(
        d.metadata_url.as_deref(),
        Some("https://sts.company.test/federationmetadata/2007-06/federationmetadata.xml"),
        "derived from the MEX host, never the MEX URL itself"
    );
}

#[test]
fn graph_federation_settings_give_the_same_discovery() {
    let federation = fedcert::source::graph::FederationConfiguration {
        display_name: Some("Contoso".into()),
        passive_sign_in_uri: Some("https://fs.contoso.test/adfs/ls/?x=1".into()),
        metadata_exchange_uri: Some("https://fs.contoso.test/adfs/services/trust/mex".into()),
        ..Default::default()
    };
    let d = Discovery::from_graph("Contoso.Test", &federation);
    assert_eq!(d.domain, "contoso.test");
    assert_eq!(d.namespace_type, NamespaceType::Federated);
    assert_eq!(d.brand.as_deref(), Some("Contoso"));
    assert_eq!(
        d.auth_url.as_deref(),
        Some("https://fs.contoso.test/adfs/ls/")
    );
    assert_eq!(
        d.metadata_url.as_deref(),
        Some("https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml")
    );
}
