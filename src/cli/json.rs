//! The JSON shapes of DESIGN.md §3. These field names are a contract: add, never rename.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::assess::update_status::ReportedResult;
use crate::assess::{
    AdfsUse, EntraSource, Finding, MilestoneKind, SigninTls, SuccessorSource, TlsCert,
};
use crate::cert::{CertInfo, Sha1, Sha256};
use crate::checklist::Checklist;
use crate::domain::{DomainStatus, RefreshError};
use crate::metadata::{Entity, KeyCert, KeyUse};
use crate::source::graph::Access;

/// RFC 3339 UTC with `Z`, whole seconds.
pub fn timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[allow(clippy::trivially_copy_pass_by_ref, clippy::ref_option)] // serde's `serialize_with` signature
fn ts<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    // [`timestamp`], on the stack: JSON of an aggregate writes two per certificate.
    match timestamp_digits(t) {
        Some(digits) => s.serialize_str(std::str::from_utf8(&digits).unwrap_or_default()),
        None => s.serialize_str(&timestamp(t)),
    }
}

/// `YYYY-MM-DDThh:mm:ssZ` for years 0 to 9999 (every certificate's), as [`timestamp`] writes it.
fn timestamp_digits(t: &DateTime<Utc>) -> Option<[u8; 20]> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(t.year()).ok().filter(|&y| y <= 9999)?;
    let mut out = *b"0000-00-00T00:00:00Z";
    let mut put = |at: usize, digits: usize, mut value: u32| {
        for i in (at..at + digits).rev() {
            out[i] = b'0' + u8::try_from(value % 10).unwrap_or(0);
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    Some(out)
}

/// A time written as [`ts`] writes it.
struct Timestamp<'a>(&'a DateTime<Utc>);

impl Serialize for Timestamp<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ts(self.0, s)
    }
}

/// A typed value written as its one line of words (its `Display`).
pub struct Words<'a, T>(pub &'a T);

impl<T: std::fmt::Display> Serialize for Words<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

#[allow(clippy::ref_option)] // serde's `serialize_with` signature
fn opt_ts<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ts(t, s),
        None => s.serialize_none(),
    }
}

/// A certificate as `inspect` lists it: `use`, `descriptors`, the facts of [`CertJson`] when
/// it could be read, `chain_position`, `error`.
pub struct InspectCert<'a> {
    pub key_use: KeyUse,
    pub descriptors: Vec<Cow<'static, str>>,
    pub cert: Option<CertJson<'a>>,
    /// Position in its `X509Data` (0 = the key; 1.. = chain certificates). An extension.
    pub chain_position: usize,
    /// Why the certificate could not be read, when it could not. An extension.
    pub error: Option<String>,
}

impl Serialize for InspectCert<'_> {
    /// What `#[serde(flatten)]` of `cert` wrote, field for field, as one struct: flattening
    /// goes through a map of unknown size, which cost ~2 % of `inspect`'s time on an aggregate.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let fields = 4 + self.cert.as_ref().map_or(0, |_| CertJson::FIELDS);
        let mut out = s.serialize_struct("InspectCert", fields)?;
        out.serialize_field("use", &self.key_use)?;
        out.serialize_field("descriptors", &self.descriptors)?;
        if let Some(cert) = &self.cert {
            cert.serialize_fields(&mut out)?;
        }
        out.serialize_field("chain_position", &self.chain_position)?;
        out.serialize_field("error", &self.error)?;
        out.end()
    }
}

/// The facts of one certificate.
pub struct CertJson<'a> {
    pub subject: &'a str,
    pub issuer: &'a str,
    pub serial: &'a str,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub sha1: Sha1,
    pub sha256: Sha256,
    pub key_algorithm: &'a str,
    pub key_bits: Option<u32>,
    pub self_signed: bool,
    /// An extension.
    pub signature_algorithm: &'a str,
}

impl Serialize for CertJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("CertJson", Self::FIELDS)?;
        self.serialize_fields(&mut out)?;
        out.end()
    }
}

impl<'a> CertJson<'a> {
    /// How many fields [`Self::serialize_fields`] writes.
    const FIELDS: usize = 11;

    /// The fields, in the contract's order, into a struct being written (its own, or one that
    /// holds them among its own, as `inspect`'s certificates and `check`'s do).
    fn serialize_fields<M: serde::ser::SerializeStruct>(
        &self,
        out: &mut M,
    ) -> Result<(), M::Error> {
        out.serialize_field("subject", self.subject)?;
        out.serialize_field("issuer", self.issuer)?;
        out.serialize_field("serial", self.serial)?;
        out.serialize_field("not_before", &Timestamp(&self.not_before))?;
        out.serialize_field("not_after", &Timestamp(&self.not_after))?;
        out.serialize_field("sha1", &self.sha1)?;
        out.serialize_field("sha256", &self.sha256)?;
        out.serialize_field("key_algorithm", self.key_algorithm)?;
        out.serialize_field("key_bits", &self.key_bits)?;
        out.serialize_field("self_signed", &self.self_signed)?;
        out.serialize_field("signature_algorithm", self.signature_algorithm)
    }

    pub fn of(c: &'a CertInfo) -> Self {
        Self {
            subject: &c.subject,
            issuer: &c.issuer,
            serial: &c.serial,
            not_before: c.not_before,
            not_after: c.not_after,
            sha1: c.sha1,
            sha256: c.sha256,
            key_algorithm: &c.key_algorithm,
            key_bits: c.key_bits,
            self_signed: c.self_signed,
            signature_algorithm: &c.signature_algorithm,
        }
    }
}

impl<'a> InspectCert<'a> {
    pub fn of(k: &'a KeyCert) -> Self {
        Self {
            key_use: k.key_use,
            descriptors: k.roles.iter().map(crate::metadata::Role::label).collect(),
            cert: k.cert.as_ref().ok().map(CertJson::of),
            chain_position: k.chain_position,
            error: k.cert.as_ref().err().map(ToString::to_string),
        }
    }
}

/// One entity as `inspect` lists it.
#[derive(Serialize)]
pub struct InspectEntity<'a> {
    pub entity_id: &'a str,
    pub certificates: Vec<InspectCert<'a>>,
    /// SHA-1 of the entity's own signature certificate (aggregates sign entities too). An extension.
    pub signed_by: Option<Sha1>,
}

impl<'a> InspectEntity<'a> {
    pub fn of(e: &'a Entity) -> Self {
        Self {
            entity_id: &e.entity_id,
            certificates: e.certificates.iter().map(InspectCert::of).collect(),
            signed_by: e.signed_by.as_ref().and_then(|k| k.sha1),
        }
    }
}

/// `check --json`.
#[derive(Serialize)]
pub struct CheckReport<'a> {
    #[serde(serialize_with = "ts")]
    pub now: DateTime<Utc>,
    pub worst: &'static str,
    /// Why the report says nothing about any domain (no domains configured). An extension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<&'a str>,
    pub domains: Vec<CheckDomain<'a>>,
    /// Each tenant read through Graph (DESIGN.md §6.5); empty without Graph.
    pub tenants: Vec<TenantJson<'a>>,
}

/// A tenant's posture in `check`.
#[derive(Serialize)]
pub struct TenantJson<'a> {
    pub name: Option<&'a str>,
    /// Federated domains of the tenant that no `[[domain]]` watches (rule U1).
    pub unwatched_domains: &'a [String],
    /// Why a read failed (not a missing permission: see `not_permitted`).
    pub error: Option<String>,
    /// Extensions: the tenant's own verdict (WARNING with unwatched domains), the permissions a
    /// read lacked (Graph answered 403), and what to do.
    pub severity: &'static str,
    pub not_permitted: Vec<&'static str>,
    pub message: Option<String>,
    #[serde(serialize_with = "ts")]
    pub read_at: DateTime<Utc>,
}

impl<'a> TenantJson<'a> {
    pub fn of(t: &'a crate::tenant::TenantPosture) -> Self {
        use crate::words::posture::{missing_permission, unwatched};
        fn failure<T>(access: &Access<T>) -> Option<String> {
            match access {
                Access::Failed(e) => Some(e.to_string()),
                Access::Read(_) | Access::NotPermitted { .. } => None,
            }
        }
        let mut errors: Vec<String> = [failure(&t.unwatched), failure(&t.changes)]
            .into_iter()
            .flatten()
            .collect();
        // The same client failing twice (say, no token) is one error.
        errors.dedup();
        Self {
            name: Some(t.tenant.name.as_str()),
            unwatched_domains: t.unwatched_domains(),
            error: (!errors.is_empty()).then(|| errors.join("; ")),
            severity: t.severity().as_str(),
            not_permitted: [
                missing_permission(&t.unwatched),
                missing_permission(&t.changes),
            ]
            .into_iter()
            .flatten()
            .collect(),
            message: unwatched(t),
            read_at: t.at,
        }
    }
}

/// A certificate fedcert saw the IdP publish, and when (the domain's certificate history).
#[derive(Serialize)]
pub struct HistoryJson {
    pub sha1: Sha1,
    #[serde(serialize_with = "ts")]
    pub first_seen: DateTime<Utc>,
    #[serde(serialize_with = "ts")]
    pub last_seen: DateTime<Utc>,
}

/// A change to the domain's federation in Entra's audit log.
#[derive(Serialize)]
pub struct ChangeJson<'a> {
    #[serde(serialize_with = "ts")]
    pub at: DateTime<Utc>,
    pub activity: &'a str,
    pub actor: &'a str,
}

#[derive(Serialize)]
pub struct CheckDomain<'a> {
    pub name: &'a str,
    /// The tenant whose Entra holds the domain (DESIGN.md §6.3): its `[[tenant]]` name, or
    /// `[entra]`'s name or tenant_id; `null` without one.
    pub tenant: Option<&'a str>,
    pub severity: &'static str,
    pub sync: &'static str,
    pub auto_rollover: Option<bool>,
    pub primary: Option<CheckCert<'a>>,
    pub successor: Option<CheckCert<'a>>,
    pub findings: Vec<FindingJson>,
    /// `renewal` or `outage`: what the domain's checklist is (DESIGN.md §6.1). An extension.
    pub mode: &'static str,
    pub metadata: MetadataJson<'a>,
    pub entra: EntraJson<'a>,
    pub idp: IdpJson<'a>,
    pub adfs: Option<AdfsJson<'a>>,
    /// The certificates fedcert saw the IdP publish, first seen first (DESIGN.md §6.5).
    pub history: Vec<HistoryJson>,
    /// Extensions.
    /// Why the saved certificate history could not be used (a corrupt file moved aside).
    pub history_error: Option<Words<'a, crate::store::StoreError>>,
    pub idp_host: Option<String>,
    pub entity_id: Option<&'a str>,
    pub days_left: Option<f64>,
    pub milestones: Vec<MilestoneJson>,
}

/// A certificate in `check`: its facts, days left and how it was identified (the primary:
/// `adfs_import`, `metadata_signature`, `inferred`; the successor: `metadata`, `adfs_import`).
#[derive(Serialize)]
pub struct CheckCert<'a> {
    #[serde(flatten)]
    pub cert: CertJson<'a>,
    pub days_left: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identified_by: Option<&'static str>,
}

/// `idp` in `check` (DESIGN.md §6.2): what kind of IdP, its entityID, and the configured
/// domains whose metadata comes from it.
#[derive(Serialize)]
pub struct IdpJson<'a> {
    pub kind: &'static str,
    pub entity_id: Option<&'a str>,
    pub group: Vec<&'a str>,
}

/// `adfs` in `check` (DESIGN.md §6.2): the imported `Get-AdfsCertificate`.
#[derive(Serialize)]
pub struct AdfsJson<'a> {
    pub source: &'static str,
    #[serde(serialize_with = "ts")]
    pub imported_at: DateTime<Utc>,
    pub certificates: Vec<AdfsCertJson>,
    /// Extensions: whether the verdict uses it (it shares a certificate with the metadata), and
    /// the file it was imported from.
    pub used: bool,
    pub file: &'a str,
}

#[derive(Serialize)]
pub struct AdfsCertJson {
    pub sha1: Sha1,
    pub is_primary: bool,
    #[serde(serialize_with = "opt_ts")]
    pub not_after: Option<DateTime<Utc>>,
    pub published: bool,
}

#[derive(Serialize)]
pub struct FindingJson {
    pub rule: &'static str,
    pub severity: &'static str,
    pub message: String,
    /// The step of the domain's checklist that carries out the advice (DESIGN.md §6.1).
    pub step: Option<StepJson>,
    /// A few words for a table cell. An extension.
    pub title: String,
}

#[derive(Serialize)]
pub struct StepJson {
    pub id: &'static str,
    pub number: usize,
}

impl FindingJson {
    /// `f` in words, with the step of `checklist` (the domain's own) that carries it out.
    pub fn of(f: &Finding, checklist: &Checklist) -> Self {
        let step = checklist.step_of(f);
        Self {
            rule: f.rule.id(),
            severity: f.severity.as_str(),
            message: checklist.say(f),
            step: step.map(|(id, number)| StepJson {
                id: id.as_str(),
                number,
            }),
            title: crate::words::finding_title(f),
        }
    }
}

#[derive(Serialize)]
pub struct MetadataJson<'a> {
    pub url: &'a str,
    #[serde(serialize_with = "opt_ts")]
    pub fetched_at: Option<DateTime<Utc>>,
    pub error: Option<Words<'a, RefreshError>>,
    /// The snapshot shown is older than the latest attempt, which failed. An extension.
    pub stale: bool,
    /// The document's XML signature (DESIGN.md §6.4): `valid`, `untrusted`, `invalid`,
    /// `unsigned` or `unsupported`; null before a document was read.
    pub signature: Option<&'static str>,
    /// The certificate the signature carries (whether or not it verified).
    pub signed_by: Option<Sha1>,
    /// The leaf certificate the metadata host presented (null for http and files).
    pub tls: Option<TlsJson<'a>>,
    /// The sign-in host's, when it is another host (null when not probed or not read).
    pub signin_tls: Option<TlsJson<'a>>,
    /// Extensions: the signature's verdict with its reason, in words; why the sign-in host's
    /// certificate could not be read.
    pub signature_detail: Option<String>,
    pub signin_error: Option<&'a str>,
}

/// A TLS certificate a host presented (DESIGN.md §6.4).
#[derive(Serialize)]
pub struct TlsJson<'a> {
    pub host: &'a str,
    pub subject: &'a str,
    pub issuer: &'a str,
    pub sha1: Sha1,
    #[serde(serialize_with = "ts")]
    pub not_after: DateTime<Utc>,
    pub days_left: i64,
    pub dns_names: &'a [String],
    /// Extensions: whether this machine accepts it, and if not why, in words.
    pub trusted: bool,
    pub refused: Option<String>,
}

impl<'a> TlsJson<'a> {
    pub fn of(cert: &'a TlsCert, now: DateTime<Utc>) -> Self {
        Self {
            host: &cert.host,
            subject: &cert.cert.subject,
            issuer: &cert.cert.issuer,
            sha1: cert.cert.sha1,
            not_after: cert.cert.not_after,
            days_left: cert.cert.days_left(now),
            dns_names: &cert.dns_names,
            trusted: cert.refused.is_none(),
            refused: crate::words::tls_refusal(cert),
        }
    }
}

#[derive(Serialize)]
pub struct EntraJson<'a> {
    pub source: Option<EntraSource>,
    pub update_result: Option<&'a str>,
    #[serde(serialize_with = "opt_ts")]
    pub last_run: Option<DateTime<Utc>>,
    pub error: Option<Words<'a, RefreshError>>,
    /// `issuerUri` and `federatedIdpMfaBehavior` (DESIGN.md §6.5).
    pub issuer_uri: Option<&'a str>,
    pub mfa_behavior: Option<&'a str>,
    /// The audit log's changes to the domain's federation in the last 30 days, newest first;
    /// empty when none, or when they could not be read (see `changes_read`).
    pub changes: Vec<ChangeJson<'a>>,
    /// Extensions.
    pub signing: Option<String>,
    pub next_signing: Option<String>,
    /// `read`, `not_permitted` (Graph answered 403: AuditLog.Read.All is missing), `failed`,
    /// or `null` when the audit log is not read (no Graph).
    pub changes_read: Option<&'static str>,
    /// Why the audit log gave nothing, in words.
    pub changes_note: Option<String>,
}

#[derive(Serialize)]
pub struct MilestoneJson {
    pub kind: MilestoneKind,
    #[serde(serialize_with = "ts")]
    pub at: DateTime<Utc>,
}

impl<'a> EntraJson<'a> {
    /// `entra` in `check`: the side in force (`entra`), the latest Graph error, and the audit
    /// log's changes.
    fn of(d: &'a DomainStatus, entra: Option<&'a crate::assess::EntraSide>) -> Self {
        Self {
            source: entra.and_then(|e| e.source),
            update_result: entra
                .and_then(|e| e.update_result.as_ref())
                .map(ReportedResult::as_str),
            last_run: entra.and_then(|e| e.last_run),
            error: d.entra_error.as_deref().map(Words),
            issuer_uri: entra.and_then(|e| e.issuer_uri.as_deref()),
            mfa_behavior: entra.and_then(|e| e.mfa_behavior.as_deref()),
            changes: d
                .changes
                .as_ref()
                .and_then(Access::read)
                .map(|list| {
                    list.iter()
                        .map(|c| ChangeJson {
                            at: c.at,
                            activity: &c.activity,
                            actor: &c.actor,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            signing: entra.and_then(|e| e.signing).map(|s| s.to_string()),
            next_signing: entra.and_then(|e| e.next_signing).map(|s| s.to_string()),
            changes_read: d.changes.as_ref().map(|c| match c {
                Access::Read(_) => "read",
                Access::NotPermitted { .. } => "not_permitted",
                Access::Failed(_) => "failed",
            }),
            changes_note: d
                .changes
                .as_ref()
                .and_then(crate::words::posture::access_problem),
        }
    }
}

impl<'a> CheckDomain<'a> {
    pub fn of(
        d: &'a DomainStatus,
        entra: Option<&'a crate::assess::EntraSide>,
        checklist: &Checklist,
        now: DateTime<Utc>,
    ) -> Self {
        let a = &d.assessment;
        let signature = d.signature();
        let signin = d
            .last_good
            .as_ref()
            .and_then(|s| s.endpoints.signin.as_ref());
        Self {
            name: &d.config.name,
            tenant: d.config.tenant.as_deref(),
            severity: a.severity.as_str(),
            sync: a.sync.as_str(),
            auto_rollover: d.auto_rollover(),
            primary: a.primary.as_ref().map(|p| CheckCert {
                cert: CertJson::of(&p.cert),
                days_left: p.cert.days_left(now),
                identified_by: Some(p.source.as_str()),
            }),
            successor: a.successor.as_ref().map(|c| CheckCert {
                cert: CertJson::of(c),
                days_left: c.days_left(now),
                identified_by: a.successor_source.map(SuccessorSource::as_str),
            }),
            findings: a
                .findings
                .iter()
                .map(|f| FindingJson::of(f, checklist))
                .collect(),
            mode: checklist.mode.as_str(),
            metadata: MetadataJson {
                url: &d.config.metadata_url,
                fetched_at: d.last_good.as_ref().map(|s| s.fetched_at),
                error: d.last_error.as_deref().map(Words),
                stale: d.is_stale() && d.last_good.is_some(),
                signature: signature.as_ref().map(|s| s.status.name()),
                signed_by: signature.as_ref().and_then(|s| s.signer),
                tls: d.metadata_tls().map(|c| TlsJson::of(c, now)),
                signin_tls: match signin {
                    Some(SigninTls::Read(cert)) => Some(TlsJson::of(cert, now)),
                    _ => None,
                },
                signature_detail: signature.as_ref().map(crate::words::signature),
                signin_error: match signin {
                    Some(SigninTls::Failed { error, .. }) => Some(error),
                    _ => None,
                },
            },
            entra: EntraJson::of(d, entra),
            history: d
                .history
                .published_in_order()
                .into_iter()
                .map(|(sha1, seen)| HistoryJson {
                    sha1,
                    first_seen: seen.first_seen,
                    last_seen: seen.last_seen,
                })
                .collect(),
            history_error: d.history_problem.as_ref().map(Words),
            idp: IdpJson {
                kind: d
                    .last_good
                    .as_ref()
                    .map_or("unknown", |s| s.facts.kind_name()),
                entity_id: d.entity_id(),
                group: d.group(),
            },
            adfs: adfs_json(d),
            idp_host: d.idp_host(),
            entity_id: d.last_good.as_ref().map(|s| s.facts.entity_id.as_str()),
            days_left: a.days_left.map(|d| (d * 100.0).round() / 100.0),
            milestones: a
                .milestones
                .iter()
                .map(|m| MilestoneJson {
                    kind: m.kind,
                    at: m.at,
                })
                .collect(),
        }
    }
}

/// The imported AD FS certificate list, each certificate with whether the metadata publishes it.
fn adfs_json(d: &DomainStatus) -> Option<AdfsJson<'_>> {
    let import = d.imports.adfs_certificates.as_ref()?;
    let published = |sha1: Sha1| {
        d.last_good
            .as_ref()
            .is_some_and(|s| s.facts.signing.iter().any(|c| c.sha1 == sha1))
    };
    Some(AdfsJson {
        source: "import",
        imported_at: import.imported_at,
        certificates: d
            .imported_adfs
            .iter()
            .flat_map(|holds| &holds.certificates)
            .map(|c| AdfsCertJson {
                sha1: c.sha1,
                is_primary: c.is_primary,
                not_after: c.expires(),
                published: published(c.sha1),
            })
            .collect(),
        used: d.assessment.adfs == Some(AdfsUse::Used),
        file: &import.file,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `inspect`'s certificate, read and unreadable: the contract's fields (DESIGN.md §3), in
    /// order, the facts among the others.
    #[test]
    fn an_inspected_certificate_has_the_contract_fields_in_order() {
        use crate::cert::{CertError, test_cert};
        use crate::metadata::Role;
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let cert = test_cert(t("2025-01-02T03:04:05Z"), t("2027-01-02T03:04:05Z"));
        let key = KeyCert {
            sha1: Some(cert.sha1),
            cert: Ok(cert),
            key_use: KeyUse::Signing,
            roles: vec![Role::IdpSso, Role::SecurityTokenService],
            chain_position: 0,
        };
        let facts = concat!(
            r#""subject":"CN=x","issuer":"CN=x","serial":"01","#,
            r#""not_before":"2025-01-02T03:04:05Z","not_after":"2027-01-02T03:04:05Z","#,
            r#""sha1":"0101010101010101010101010101010101010101","#,
            r#""sha256":"0101010101010101010101010101010101010101010101010101010101010101","#,
            r#""key_algorithm":"RSA","key_bits":2048,"self_signed":true,"#,
            r#""signature_algorithm":"sha256WithRSAEncryption""#,
        );
        assert_eq!(
            serde_json::to_string(&InspectCert::of(&key)).unwrap(),
            format!(
                r#"{{"use":"signing","descriptors":["IDPSSODescriptor","fed:SecurityTokenServiceType"],{facts},"chain_position":0,"error":null}}"#
            )
        );
        let Ok(cert) = &key.cert else { unreachable!() };
        assert_eq!(
            serde_json::to_string(&CertJson::of(cert)).unwrap(),
            format!("{{{facts}}}")
        );
        let unreadable = KeyCert {
            sha1: None,
            cert: Err(CertError::Empty),
            key_use: KeyUse::Any,
            roles: vec![Role::SpSso],
            chain_position: 1,
        };
        assert_eq!(
            serde_json::to_string(&InspectCert::of(&unreadable)).unwrap(),
            r#"{"use":"any","descriptors":["SPSSODescriptor"],"chain_position":1,"error":"no certificate found in the input (expected PEM or DER)"}"#
        );
    }

    #[test]
    fn timestamps_on_the_stack_match_chrono() {
        for text in [
            "0000-01-01T00:00:00Z",
            "0099-02-03T04:05:06Z",
            "1949-12-31T23:59:59Z",
            "2026-12-01T09:08:07Z",
            "3023-10-25T17:45:49Z",
            "9999-12-31T23:59:59Z",
        ] {
            let t = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            let digits = timestamp_digits(&t).unwrap();
            assert_eq!(
                std::str::from_utf8(&digits).unwrap(),
                timestamp(&t),
                "{text}"
            );
            assert_eq!(timestamp(&t), text);
        }
        let far = DateTime::<Utc>::MAX_UTC;
        assert_eq!(timestamp_digits(&far), None);
        let mut json = Vec::new();
        ts(&far, &mut serde_json::Serializer::new(&mut json)).unwrap();
        assert_eq!(json, serde_json::to_vec(&timestamp(&far)).unwrap());
    }
}
