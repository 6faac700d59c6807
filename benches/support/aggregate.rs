//! Generated eduGAIN-like aggregates for the benches: entities with registration info, an
//! entity attribute, mdui, `shibmd:Scope`, an organisation, two contacts and their keys, base64
//! wrapped at 64 columns. Shared by `benches/inspect.rs` and `benches/aggregate.rs`.

// Each bench uses part of this module.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use base64::Engine;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256,
    SerialNumber, date_time_ymd,
};

const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Which certificates the generated certificates use.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyMix {
    /// Every certificate RSA-2048 (`sha256WithRSAEncryption`).
    RsaOnly,
    /// Two thirds RSA-2048, one third EC P-256.
    RsaAndEc,
}

/// Certificates `first..first + n` as base64 wrapped at 64 columns, generated on `threads`
/// threads. Certificate `i` is distinct DER for every `i` (its own subject and serial). RSA
/// certificates are all signed by the bench key in `tests/fixtures/metadata/bench` (rcgen on
/// ring cannot generate RSA keys, but signs with a loaded one).
pub fn make_certificates(first: usize, n: usize, mix: KeyMix, threads: usize) -> Vec<String> {
    let threads = threads.max(1);
    let chunk = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let start = first + t * chunk;
                let end = (start + chunk).min(first + n);
                scope.spawn(move || {
                    (start..end)
                        .map(|i| certificate(i, mix))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("certificate worker"))
            .collect()
    })
}

fn rsa_key() -> KeyPair {
    let pem = include_str!("../../tests/fixtures/metadata/bench/rsa2048_bench_only.key.pem");
    KeyPair::from_pem_and_sign_algo(pem, &PKCS_RSA_SHA256).expect("bench RSA key")
}

#[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
fn certificate(i: usize, mix: KeyMix) -> String {
    thread_local! {
        static RSA: KeyPair = rsa_key();
    }
    let mut params = CertificateParams::new(Vec::new()).expect("no SANs");
    let mut name = DistinguishedName::new();
    name.push(DnType::CountryName, "SE");
    name.push(DnType::OrganizationName, format!("Bench Member {}", i / 3));
    name.push(DnType::CommonName, format!("sp{i}.bench.example.org"));
    params.distinguished_name = name;
    params.serial_number = Some(SerialNumber::from(i as u64 + 1));
    params.not_before = date_time_ymd(2024, 1 + (i % 12) as u8, 1 + (i % 28) as u8);
    params.not_after = date_time_ymd(2027 + (i % 20) as i32, 1 + (i % 12) as u8, 1);
    let cert = if mix == KeyMix::RsaAndEc && i % 3 == 2 {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("EC key");
        params.self_signed(&key)
    } else {
        RSA.with(|rsa| params.self_signed(rsa))
    }
    .expect("self-signed certificate");
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.der());
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    lines.join("\n")
}

/// Which certificate each entity's key descriptors hold.
pub trait CertChoice {
    /// The signing certificate of entity `i`, and its separate encryption certificate if any
    /// (`None`: the entity has only the signing key descriptor).
    fn of(&self, i: usize) -> (&str, Option<&str>);

    /// Leaner entities: entity attributes and the logo only on identity providers, one
    /// contact (so that 40,000 all-distinct entities make ~110 MB, as eduGAIN's do).
    fn lean(&self) -> bool {
        false
    }
}

/// Entities share a fixed pool of certificates, as institutions do; every entity has a
/// signing and an encryption key.
pub struct SharedPool<'a>(pub &'a [String]);

impl CertChoice for SharedPool<'_> {
    fn of(&self, i: usize) -> (&str, Option<&str>) {
        let certs = self.0;
        (
            &certs[i % certs.len()],
            Some(&certs[(i * 7 + 3) % certs.len()]),
        )
    }
}

/// Every certificate distinct: entity `i` signs with `certs[i]`; every third entity also has
/// an encryption key of its own, taken from after the signing certificates.
pub struct AllDistinct<'a> {
    pub certs: &'a [String],
    pub entities: usize,
}

impl AllDistinct<'_> {
    /// Certificates needed for `entities` entities.
    pub fn needed(entities: usize) -> usize {
        entities + entities.div_ceil(3)
    }
}

impl CertChoice for AllDistinct<'_> {
    fn of(&self, i: usize) -> (&str, Option<&str>) {
        let encryption = i
            .is_multiple_of(3)
            .then(|| self.certs[self.entities + i / 3].as_str());
        (&self.certs[i], encryption)
    }

    fn lean(&self) -> bool {
        true
    }
}

/// Write an aggregate of `entities` entities to `path`; returns its size in bytes. Every
/// fourth entity is an identity provider.
pub fn write_aggregate(path: &Path, entities: usize, certs: &impl CertChoice) -> u64 {
    let mut out = BufWriter::new(File::create(path).expect("create aggregate"));
    let mut entity = String::new();
    write!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntitiesDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" xmlns:mdrpi="urn:oasis:names:tc:SAML:metadata:rpi" xmlns:mdattr="urn:oasis:names:tc:SAML:metadata:attribute" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" Name="urn:bench:federation" validUntil="2027-01-01T00:00:00Z" cacheDuration="PT6H">
"#
    )
    .expect("write");
    for i in 0..entities {
        entity.clear();
        let (signing, encryption) = certs.of(i);
        write_entity(&mut entity, i, signing, encryption, certs.lean());
        out.write_all(entity.as_bytes()).expect("write");
    }
    out.write_all(b"</md:EntitiesDescriptor>\n").expect("write");
    out.flush().expect("flush");
    std::fs::metadata(path).expect("size").len()
}

fn key_descriptor(out: &mut String, key_use: &str, cert: &str) {
    let _ = write!(
        out,
        r#"
      <md:KeyDescriptor use="{key_use}">
        <ds:KeyInfo>
          <ds:X509Data>
            <ds:X509Certificate>
{cert}
            </ds:X509Certificate>
          </ds:X509Data>
        </ds:KeyInfo>
      </md:KeyDescriptor>"#
    );
}

fn write_entity(out: &mut String, i: usize, signing: &str, encryption: Option<&str>, lean: bool) {
    let idp = i.is_multiple_of(4);
    let full = !lean || idp;
    let attributes = if full {
        r#"
      <mdattr:EntityAttributes><saml:Attribute Name="http://macedir.org/entity-category" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue>http://refeds.org/category/research-and-scholarship</saml:AttributeValue></saml:Attribute></mdattr:EntityAttributes>"#
    } else {
        ""
    };
    let logo = if full {
        format!(
            r#"
          <mdui:Logo height="64" width="64">https://sp{i}.bench.example.org/logo.png</mdui:Logo>"#
        )
    } else {
        String::new()
    };
    let support = if lean {
        String::new()
    } else {
        format!(
            r#"
    <md:ContactPerson contactType="support"><md:GivenName>Help</md:GivenName><md:EmailAddress>mailto:help@bench{i}.example.org</md:EmailAddress></md:ContactPerson>"#
        )
    };
    let (role, endpoint) = if idp {
        (
            "IDPSSODescriptor",
            format!(
                r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp{i}.bench.example.org/idp/profile/SAML2/Redirect/SSO"/>"#
            ),
        )
    } else {
        (
            "SPSSODescriptor",
            format!(
                r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp{i}.bench.example.org/Shibboleth.sso/SAML2/POST" index="1"/>"#
            ),
        )
    };
    let mut keys = String::new();
    key_descriptor(&mut keys, "signing", signing);
    if let Some(encryption) = encryption {
        key_descriptor(&mut keys, "encryption", encryption);
    }
    let _ = write!(
        out,
        r#"  <md:EntityDescriptor entityID="https://sp{i}.bench.example.org/shibboleth">
    <md:Extensions>
      <mdrpi:RegistrationInfo registrationAuthority="https://federation.bench.example.org" registrationInstant="2020-01-01T00:00:00Z"/>{attributes}
    </md:Extensions>
    <md:{role} protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
      <md:Extensions>
        <shibmd:Scope regexp="false">bench{i}.example.org</shibmd:Scope>
        <mdui:UIInfo>
          <mdui:DisplayName xml:lang="en">Bench service number {i}</mdui:DisplayName>
          <mdui:Description xml:lang="en">A research &amp; education service used to measure fedcert, entity {i}.</mdui:Description>{logo}
        </mdui:UIInfo>
      </md:Extensions>{keys}
      {endpoint}
    </md:{role}>
    <md:Organization>
      <md:OrganizationName xml:lang="en">Bench Member {i}</md:OrganizationName>
      <md:OrganizationDisplayName xml:lang="en">Bench Member {i}</md:OrganizationDisplayName>
      <md:OrganizationURL xml:lang="en">https://www.bench{i}.example.org/</md:OrganizationURL>
    </md:Organization>
    <md:ContactPerson contactType="technical"><md:GivenName>Tech</md:GivenName><md:SurName>Support</md:SurName><md:EmailAddress>mailto:tech@bench{i}.example.org</md:EmailAddress></md:ContactPerson>{support}
  </md:EntityDescriptor>
"#
    );
}
