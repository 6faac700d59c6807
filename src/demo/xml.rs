//! The documents the demo server hands out: AD FS federation metadata laid out like the real
//! thing (DOMAIN.md §2.1), Okta-style SAML metadata, and an AD FS-like HTML sign-in page.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::escape::escape;
use sha2::Digest as _;

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const FED: &str = "http://docs.oasis-open.org/wsfed/federation/200706";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const WSA: &str = "http://www.w3.org/2005/08/addressing";
const AUTH: &str = "http://docs.oasis-open.org/wsfed/authorization/200706";
const SAML_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const WS_FED_PROTOCOLS: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512 \
     http://schemas.xmlsoap.org/ws/2005/02/trust http://docs.oasis-open.org/wsfed/federation/200706";
const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const ARTIFACT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
const NAME_ID_FORMATS: [&str; 3] = [
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
];
/// A few of the claim types AD FS offers (the real list has about fifty).
const CLAIM_TYPES: [(&str, &str); 4] = [
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
        "UPN",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "E-Mail Address",
    ),
    (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "Name",
    ),
    (
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        "Role",
    ),
];

/// Standard base64 wrapped at 64 columns, as PEM and many identity providers write it.
pub(crate) fn base64_wrapped(der: &[u8]) -> String {
    let flat = BASE64.encode(der);
    let lines: Vec<&str> = flat
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap_or_default())
        .collect();
    lines.join("\n")
}

/// What an AD FS farm publishes.
pub(crate) struct AdFsMetadata<'a> {
    /// The federation service name: `fs.contoso.com`.
    pub host: &'a str,
    pub display_name: &'a str,
    /// Token-signing certificates (DER), in document order.
    pub signing: &'a [&'a [u8]],
    /// The primary token-signing certificate: it signs the document.
    pub primary: &'a [u8],
    /// Its private key (PKCS#8 DER, ECDSA P-256).
    pub primary_key: &'a [u8],
    /// The token-decrypting certificate.
    pub encryption: &'a [u8],
}

impl AdFsMetadata<'_> {
    /// The whole document, signed with the primary's key as AD FS signs it; why not, when the
    /// key cannot sign.
    pub(crate) fn render(&self) -> Result<String, String> {
        let id = document_id(self.host, self.primary);
        let entity_id = format!("http://{}/adfs/services/trust", self.host);
        let mut body = String::new();
        self.application_service(&mut body);
        self.security_token_service(&mut body);
        self.sp_sso(&mut body);
        self.idp_sso(&mut body);
        body.push_str("<ContactPerson contactType=\"support\"/>\n");

        let mut doc = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        let _ = writeln!(
            doc,
            "<EntityDescriptor ID=\"{id}\" entityID=\"{}\" xmlns=\"{MD}\">",
            escape(entity_id.as_str())
        );
        doc.push_str(&signature_template(&id, self.primary));
        doc.push_str(&body);
        doc.push_str("</EntityDescriptor>\n");
        sign(&doc, self.primary_key)
    }

    fn passive_endpoint(&self) -> String {
        format!("https://{}/adfs/ls/", self.host)
    }

    fn role_descriptor_start(&self, out: &mut String, xsi_type: &str) {
        let _ = writeln!(
            out,
            "<RoleDescriptor xsi:type=\"{xsi_type}\" protocolSupportEnumeration=\"{WS_FED_PROTOCOLS}\" \
             ServiceDisplayName=\"{}\" xmlns:xsi=\"{XSI}\" xmlns:fed=\"{FED}\">",
            escape(self.display_name)
        );
    }

    /// `fed:ApplicationServiceType`: the relying-party side, with the token-decrypting key.
    fn application_service(&self, out: &mut String) {
        self.role_descriptor_start(out, "fed:ApplicationServiceType");
        key_descriptor(out, "encryption", self.encryption);
        out.push_str("<fed:TargetScopes>\n");
        endpoint_reference(out, &self.passive_endpoint());
        endpoint_reference(out, &format!("https://{}/adfs/services/trust", self.host));
        out.push_str("</fed:TargetScopes>\n<fed:ApplicationServiceEndpoint>\n");
        endpoint_reference(
            out,
            &format!(
                "https://{}/adfs/services/trust/2005/issuedtokenmixedsymmetricbasic256",
                self.host
            ),
        );
        out.push_str("</fed:ApplicationServiceEndpoint>\n<fed:PassiveRequestorEndpoint>\n");
        endpoint_reference(out, &self.passive_endpoint());
        out.push_str("</fed:PassiveRequestorEndpoint>\n</RoleDescriptor>\n");
    }

    /// `fed:SecurityTokenServiceType`: the WS-Fed identity-provider side, where Entra reads the signing keys.
    fn security_token_service(&self, out: &mut String) {
        self.role_descriptor_start(out, "fed:SecurityTokenServiceType");
        for cert in self.signing {
            key_descriptor(out, "signing", cert);
        }
        out.push_str(
            "<fed:TokenTypesOffered>\n<fed:TokenType Uri=\"urn:oasis:names:tc:SAML:2.0:assertion\"/>\n\
             <fed:TokenType Uri=\"urn:oasis:names:tc:SAML:1.0:assertion\"/>\n</fed:TokenTypesOffered>\n",
        );
        out.push_str("<fed:ClaimTypesOffered>\n");
        for (uri, name) in CLAIM_TYPES {
            let _ = writeln!(
                out,
                "<auth:ClaimType Uri=\"{uri}\" Optional=\"true\" xmlns:auth=\"{AUTH}\">\
                 <auth:DisplayName>{name}</auth:DisplayName></auth:ClaimType>"
            );
        }
        out.push_str("</fed:ClaimTypesOffered>\n<fed:SecurityTokenServiceEndpoint>\n");
        let _ = writeln!(
            out,
            "<EndpointReference xmlns=\"{WSA}\">\n<Address>https://{host}/adfs/services/trust/2005/certificatemixed</Address>\n\
             <Metadata>\n<Metadata xmlns=\"http://schemas.xmlsoap.org/ws/2004/09/mex\">\n\
             <wsx:MetadataSection Dialect=\"http://schemas.xmlsoap.org/ws/2004/09/mex\" xmlns:wsx=\"http://schemas.xmlsoap.org/ws/2004/09/mex\">\n\
             <wsx:MetadataReference>\n<Address xmlns=\"{WSA}\">https://{host}/adfs/services/trust/mex</Address>\n\
             </wsx:MetadataReference>\n</wsx:MetadataSection>\n</Metadata>\n</Metadata>\n</EndpointReference>",
            host = self.host
        );
        out.push_str("</fed:SecurityTokenServiceEndpoint>\n<fed:PassiveRequestorEndpoint>\n");
        endpoint_reference(out, &self.passive_endpoint());
        out.push_str("</fed:PassiveRequestorEndpoint>\n</RoleDescriptor>\n");
    }

    fn sp_sso(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "<SPSSODescriptor WantAssertionsSigned=\"true\" protocolSupportEnumeration=\"{SAML_PROTOCOL}\">"
        );
        key_descriptor(out, "encryption", self.encryption);
        for cert in self.signing {
            key_descriptor(out, "signing", cert);
        }
        self.logout_and_name_ids(out);
        for (index, binding) in [POST, ARTIFACT, REDIRECT].into_iter().enumerate() {
            let default = if index == 0 {
                " isDefault=\"true\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "<AssertionConsumerService Binding=\"{binding}\" Location=\"{}\" index=\"{index}\"{default}/>",
                self.passive_endpoint()
            );
        }
        out.push_str("</SPSSODescriptor>\n");
    }

    fn idp_sso(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "<IDPSSODescriptor protocolSupportEnumeration=\"{SAML_PROTOCOL}\">"
        );
        key_descriptor(out, "encryption", self.encryption);
        for cert in self.signing {
            key_descriptor(out, "signing", cert);
        }
        self.logout_and_name_ids(out);
        for binding in [REDIRECT, POST] {
            let _ = writeln!(
                out,
                "<SingleSignOnService Binding=\"{binding}\" Location=\"{}\"/>",
                self.passive_endpoint()
            );
        }
        out.push_str("</IDPSSODescriptor>\n");
    }

    fn logout_and_name_ids(&self, out: &mut String) {
        for binding in [REDIRECT, POST] {
            let _ = writeln!(
                out,
                "<SingleLogoutService Binding=\"{binding}\" Location=\"{}\"/>",
                self.passive_endpoint()
            );
        }
        for format in NAME_ID_FORMATS {
            let _ = writeln!(out, "<NameIDFormat>{format}</NameIDFormat>");
        }
    }
}

fn key_descriptor(out: &mut String, key_use: &str, der: &[u8]) {
    let _ = writeln!(
        out,
        "<KeyDescriptor use=\"{key_use}\">\n<KeyInfo xmlns=\"{DSIG}\">\n<X509Data>\n<X509Certificate>\n{}\n\
         </X509Certificate>\n</X509Data>\n</KeyInfo>\n</KeyDescriptor>",
        base64_wrapped(der)
    );
}

fn endpoint_reference(out: &mut String, address: &str) {
    let _ = writeln!(
        out,
        "<EndpointReference xmlns=\"{WSA}\">\n<Address>{}</Address>\n</EndpointReference>",
        escape(address)
    );
}

/// AD FS gives the document an `ID` of `_` + a GUID; ours is derived from the host and primary
/// certificate so that it is stable for one set of certificates.
fn document_id(host: &str, primary: &[u8]) -> String {
    let digest = sha2::Sha256::new()
        .chain_update(host)
        .chain_update(primary)
        .finalize();
    let hex = digest[..16].iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    format!(
        "_{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Where [`signature_template`] leaves the digest and the signature value for [`sign`] (valid
/// base64, so that the template reads as a signature).
const DIGEST_PLACEHOLDER: &str = "<ds:DigestValue>AAAA</ds:DigestValue>";
const VALUE_PLACEHOLDER: &str = "<ds:SignatureValue>AAAB</ds:SignatureValue>";

/// The enveloped `ds:Signature`, shaped like AD FS's (exclusive c14n, the reference to the
/// document's ID), with the primary token-signing certificate in its `KeyInfo` (what fedcert
/// reads to learn which certificate AD FS signs with) and ECDSA P-256 with SHA-256 (the demo's
/// keys are EC: rcgen on ring makes no RSA keys); [`sign`] fills in its values.
fn signature_template(id: &str, primary: &[u8]) -> String {
    let signed_info = format!(
        "<ds:SignedInfo>\n<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\n\
         <ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>\n\
         <ds:Reference URI=\"#{id}\">\n<ds:Transforms>\n\
         <ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\n\
         <ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\n</ds:Transforms>\n\
         <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\n\
         {DIGEST_PLACEHOLDER}\n</ds:Reference>\n</ds:SignedInfo>\n"
    );
    format!(
        "<ds:Signature xmlns:ds=\"{DSIG}\">\n{signed_info}{VALUE_PLACEHOLDER}\n\
         <KeyInfo xmlns=\"{DSIG}\">\n<X509Data>\n<X509Certificate>\n{}\n</X509Certificate>\n</X509Data>\n\
         </KeyInfo>\n</ds:Signature>\n",
        base64_wrapped(primary)
    )
}

/// `doc` with its signature template filled in: the digest of the document, then the value of
/// the canonical `SignedInfo` signed with `key` (PKCS#8, ECDSA P-256; XML-DSig's `r || s`).
/// Canonicalization and digest are the verifier's own, so the demo signs exactly what
/// verification checks.
fn sign(doc: &str, key: &[u8]) -> Result<String, String> {
    use crate::metadata::signature::Template;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let failed = |what: &str, outcome: &dyn std::fmt::Debug| format!("{what}: {outcome:?}");
    let digest = Template::new(doc.as_bytes())
        .digest()
        .map_err(|e| failed("the digest", &e))?;
    let doc = doc.replacen(
        DIGEST_PLACEHOLDER,
        &format!("<ds:DigestValue>{}</ds:DigestValue>", BASE64.encode(digest)),
        1,
    );
    let signed_info = Template::new(doc.as_bytes())
        .signed_info()
        .map_err(|e| failed("the SignedInfo", &e))?;
    let rng = ring::rand::SystemRandom::new();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, key, &rng)
        .map_err(|e| format!("the key is not an ECDSA P-256 PKCS#8 key ({e})"))?;
    let value = pair
        .sign(&rng, &signed_info)
        .map_err(|e| format!("signing failed ({e})"))?;
    Ok(doc.replacen(
        VALUE_PLACEHOLDER,
        &format!(
            "<ds:SignatureValue>{}</ds:SignatureValue>",
            BASE64.encode(value.as_ref())
        ),
        1,
    ))
}

/// What an Okta app's "Identity Provider metadata" link returns: SAML only, `md:` prefix, one
/// `IDPSSODescriptor`, unsigned.
pub(crate) struct OktaMetadata<'a> {
    /// `https://<org>.okta.example`: where users sign in.
    pub sign_in_host: &'a str,
    pub app_id: &'a str,
    pub signing: &'a [u8],
}

impl OktaMetadata<'_> {
    pub(crate) fn entity_id(&self) -> String {
        format!("http://www.okta.com/{}", self.app_id)
    }

    /// Where users sign in (both SSO bindings; Entra's `passiveSignInUri`).
    pub(crate) fn sso_url(&self) -> String {
        format!(
            "https://{}/app/office365/{}/sso/saml",
            self.sign_in_host, self.app_id
        )
    }

    pub(crate) fn render(&self) -> String {
        let sso = self.sso_url();
        let mut doc = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            doc,
            "<md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"{}\">\n\
             <md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" protocolSupportEnumeration=\"{SAML_PROTOCOL}\">\n\
             <md:KeyDescriptor use=\"signing\">\n<ds:KeyInfo xmlns:ds=\"{DSIG}\">\n<ds:X509Data>\n\
             <ds:X509Certificate>\n{}\n</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n</md:KeyDescriptor>\n\
             <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>\n\
             <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\n\
             <md:SingleSignOnService Binding=\"{POST}\" Location=\"{sso}\"/>\n\
             <md:SingleSignOnService Binding=\"{REDIRECT}\" Location=\"{sso}\"/>\n\
             </md:IDPSSODescriptor>\n</md:EntityDescriptor>",
            escape(self.entity_id().as_str()),
            base64_wrapped(self.signing),
        );
        doc
    }
}

/// The AD FS forms sign-in page, as a pre-authenticating proxy returns it with `200 OK` for any
/// URL, the metadata URL included.
pub(crate) fn sign_in_page(host: &str, display_name: &str) -> String {
    let host = escape(host);
    let name = escape(display_name);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<meta charset=\"utf-8\">\n<title>Sign In</title>\n</head>\n\
         <body dir=\"ltr\">\n<div id=\"fullPage\">\n<div id=\"header\"><h1>{name}</h1></div>\n\
         <div id=\"loginArea\">\n<form method=\"post\" id=\"loginForm\" autocomplete=\"off\" \
         action=\"https://{host}/adfs/ls/?wa=wsignin1.0\">\n\
         <label for=\"userNameInput\">Sign in with your organizational account</label>\n\
         <input id=\"userNameInput\" name=\"UserName\" type=\"email\" placeholder=\"someone@example.com\">\n\
         <input id=\"passwordInput\" name=\"Password\" type=\"password\" placeholder=\"Password\">\n\
         <span id=\"submitButton\" class=\"submit\" role=\"button\">Sign in</span>\n</form>\n</div>\n</div>\n\
         </body>\n</html>\n"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use quick_xml::NsReader;
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;

    use super::*;

    #[test]
    fn base64_is_wrapped_at_64_columns_and_decodes_back() {
        let der: Vec<u8> = (0..=255u8).cycle().take(500).collect();
        let wrapped = base64_wrapped(&der);
        assert!(wrapped.lines().all(|l| l.len() <= 64));
        assert!(wrapped.lines().rev().skip(1).all(|l| l.len() == 64));
        let flat: String = wrapped.split_whitespace().collect();
        assert_eq!(BASE64.decode(flat).unwrap(), der);
    }

    /// Each certificate in the document with the namespace-resolved local names of its
    /// ancestors and the `use` of its `KeyDescriptor`: a namespace-aware walk, as a reader would.
    fn certificates(doc: &str) -> Vec<(Vec<String>, Option<String>, Vec<u8>)> {
        let mut reader = NsReader::from_str(doc);
        let mut stack: Vec<String> = Vec::new();
        let mut key_use = None;
        let mut found = Vec::new();
        loop {
            match reader.read_resolved_event().unwrap() {
                (ns, Event::Start(e)) => {
                    let local = e.local_name().as_ref().to_owned();
                    let ns = match ns {
                        ResolveResult::Bound(n) => n.as_ref().to_owned(),
                        _ => String::new(),
                    };
                    if local == "KeyDescriptor" {
                        key_use = e
                            .try_get_attribute("use")
                            .unwrap()
                            .map(|a| a.value.into_owned());
                    }
                    if local == "RoleDescriptor" {
                        let ty = e.try_get_attribute("xsi:type").unwrap().unwrap();
                        stack.push(ty.value.into_owned());
                    } else {
                        stack.push(format!("{{{ns}}}{local}"));
                    }
                }
                (_, Event::Text(t))
                    if stack
                        .last()
                        .is_some_and(|s| s.ends_with("}X509Certificate")) =>
                {
                    let text = t.into_inner();
                    let flat: String = text.split_whitespace().collect();
                    found.push((stack.clone(), key_use.clone(), BASE64.decode(flat).unwrap()));
                }
                (_, Event::End(_)) => {
                    stack.pop();
                }
                (_, Event::Eof) => break,
                _ => {}
            }
        }
        found
    }

    /// A throwaway ECDSA P-256 key (PKCS#8 DER).
    fn test_key() -> Vec<u8> {
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .unwrap()
            .serialize_der()
    }

    /// The demo signs its AD FS metadata for real: the verifier finds it valid with the primary
    /// the document publishes, and a change after signing breaks it.
    #[test]
    fn adfs_metadata_is_signed_by_its_primary() {
        use crate::metadata::signature::{SignatureStatus, verify_bytes};
        let now = chrono::Utc::now();
        let validity = crate::demo::certs::Validity::days(-10, 300);
        let signing = crate::demo::certs::self_signed(
            crate::demo::certs::adfs_signing_name("fs.a.example"),
            validity,
            crate::demo::certs::SerialStyle::Random16,
            now,
        )
        .unwrap();
        let doc = AdFsMetadata {
            host: "fs.a.example",
            display_name: "A",
            signing: &[&signing.der],
            primary: &signing.der,
            primary_key: &signing.key,
            encryption: &[8; 40],
        }
        .render()
        .unwrap();
        let verification = verify_bytes(doc.as_bytes());
        assert_eq!(verification.signer, Some(signing.sha1));
        assert_eq!(verification.status(&[signing.sha1]), SignatureStatus::Valid);
        let changed = doc.replace("ServiceDisplayName=\"A\"", "ServiceDisplayName=\"B\"");
        assert!(matches!(
            verify_bytes(changed.as_bytes()).status(&[signing.sha1]),
            SignatureStatus::Invalid(_)
        ));
    }

    fn dsig(local: &str) -> String {
        format!("{{{DSIG}}}{local}")
    }

    #[test]
    fn adfs_metadata_publishes_each_key_where_real_adfs_does() {
        let (old, new, enc) = (vec![1u8; 300], vec![2u8; 300], vec![3u8; 300]);
        let key = test_key();
        let doc = AdFsMetadata {
            host: "fs.fabrikam-demo.example",
            display_name: "Fabrikam & Co",
            signing: &[&old, &new],
            primary: &old,
            primary_key: &key,
            encryption: &enc,
        }
        .render()
        .unwrap();
        assert!(doc.contains("entityID=\"http://fs.fabrikam-demo.example/adfs/services/trust\""));
        assert!(doc.contains("ServiceDisplayName=\"Fabrikam &amp; Co\""));
        assert!(doc.contains("<fed:PassiveRequestorEndpoint>"));
        assert!(doc.contains(
            "SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\""
        ));

        let certs = certificates(&doc);
        let placed = |der: &Vec<u8>| -> Vec<(String, Option<String>)> {
            certs
                .iter()
                .filter(|(_, _, d)| d == der)
                .map(|(path, u, _)| (path[1].clone(), u.clone()))
                .collect()
        };
        let signing = Some("signing".to_owned());
        let encryption = Some("encryption".to_owned());
        let md = |local: &str| format!("{{{MD}}}{local}");
        assert_eq!(
            placed(&old),
            vec![
                (dsig("Signature"), None),
                ("fed:SecurityTokenServiceType".into(), signing.clone()),
                (md("SPSSODescriptor"), signing.clone()),
                (md("IDPSSODescriptor"), signing.clone()),
            ]
        );
        assert_eq!(
            placed(&new),
            vec![
                ("fed:SecurityTokenServiceType".into(), signing.clone()),
                (md("SPSSODescriptor"), signing.clone()),
                (md("IDPSSODescriptor"), signing),
            ]
        );
        assert_eq!(
            placed(&enc),
            vec![
                ("fed:ApplicationServiceType".into(), encryption.clone()),
                (md("SPSSODescriptor"), encryption.clone()),
                (md("IDPSSODescriptor"), encryption),
            ]
        );
        // Every certificate sits in KeyInfo/X509Data/X509Certificate of the xmldsig namespace.
        for (path, _, _) in &certs {
            assert_eq!(
                path[path.len() - 3..],
                [dsig("KeyInfo"), dsig("X509Data"), dsig("X509Certificate")]
            );
        }
    }

    #[test]
    fn the_signature_references_the_document_id() {
        let key = test_key();
        let doc = AdFsMetadata {
            host: "fs.a.example",
            display_name: "A",
            signing: &[&[9; 40]],
            primary: &[9; 40],
            primary_key: &key,
            encryption: &[8; 40],
        }
        .render()
        .unwrap();
        let id = doc
            .split("ID=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(id.starts_with('_') && id.len() == 37, "{id}");
        assert!(doc.contains(&format!("<ds:Reference URI=\"#{id}\">")));
    }

    #[test]
    fn okta_metadata_is_saml_only_with_one_idp_descriptor() {
        let signing = vec![7u8; 200];
        let okta = OktaMetadata {
            sign_in_host: "relecloud-demo.okta.example",
            app_id: "exk7relecloudDemo0h7",
            signing: &signing,
        };
        let doc = okta.render();
        let certs = certificates(&doc);
        assert_eq!(certs.len(), 1);
        let (path, key_use, der) = &certs[0];
        assert_eq!(
            path[..2],
            [
                format!("{{{MD}}}EntityDescriptor"),
                format!("{{{MD}}}IDPSSODescriptor")
            ]
        );
        assert_eq!(key_use.as_deref(), Some("signing"));
        assert_eq!(der, &signing);
        assert!(doc.contains("entityID=\"http://www.okta.com/exk7relecloudDemo0h7\""));
        assert!(!doc.contains("RoleDescriptor") && !doc.contains("Signature"));
    }

    #[test]
    fn sign_in_page_is_html_not_xml_metadata() {
        let page = sign_in_page("fs.wingtip-demo.example", "Wingtip <Demo>");
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<title>Sign In</title>"));
        assert!(page.contains("Wingtip &lt;Demo&gt;"));
        assert!(!page.contains("EntityDescriptor"));
    }
}
