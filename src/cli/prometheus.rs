//! The Prometheus text exposition format (version 0.0.4) of a set of domain statuses: what
//! `check --format prometheus` writes for node_exporter's textfile collector and what
//! `serve` answers at `/metrics`. Both render the same `DomainStatus` values `check --json` and
//! the TUI show, so the numbers never disagree.
//!
//! Families, in output order (every family's HELP and TYPE lines are written even when it has
//! no samples, so the output's shape does not depend on the data):
//!
//! | metric | labels | value |
//! |---|---|---|
//! | `fedcert_domain_status` | `domain` | 0 ok, 1 warning, 2 critical, 3 unknown (the exit codes) |
//! | `fedcert_domain_sync_state` | `domain`, `state` | 1 for the domain's state, 0 for the other three |
//! | `fedcert_domain_primary_expires_in_seconds` | `domain` | seconds until the primary's NotAfter |
//! | `fedcert_domain_finding` | `domain`, `rule`, `severity` | 1 per finding of the verdict |
//! | `fedcert_certificate_not_after_timestamp_seconds` | `domain`, `entity_id`, `use`, `role`, `sha1`, `subject` | NotAfter, Unix seconds |
//! | `fedcert_certificate_not_before_timestamp_seconds` | the same | NotBefore, Unix seconds |
//! | `fedcert_metadata_fetch_success` | `domain` | 1 when the latest fetch succeeded, 0 when it failed |
//! | `fedcert_metadata_last_success_timestamp_seconds` | `domain` | when the metadata was last read |
//! | `fedcert_metadata_signature_valid` | `domain` | 1 when the metadata's signature is `valid`, 0 otherwise |
//! | `fedcert_tls_not_after_seconds` | `domain`, `host` | NotAfter of the metadata host's and the sign-in host's TLS certificates, Unix seconds |
//! | `fedcert_entra_update_result` | `domain`, `result` | 1 when Entra's update result is `success`, else 0 |
//! | `fedcert_tenant_unwatched_federated_domains` | `tenant` | federated domains of the tenant no `[[domain]]` watches (rule U1; absent when not read) |
//! | `fedcert_tenant_unwatched_federated_domain` | `tenant`, `domain` | 1 per such domain |
//! | `fedcert_evaluation_timestamp_seconds` | — | the moment the verdicts were computed for |
//! | `fedcert_build_info` | `version`, `commit` | 1 |
//!
//! Sync state is a label per state rather than a number, so that alert rules read
//! `fedcert_domain_sync_state{state="broken"} == 1`.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::assess::SyncState;
use crate::assess::update_status::UpdateResult;
use crate::cert::{CertInfo, Sha1};
use crate::domain::DomainStatus;
use crate::tenant::TenantPosture;

/// The `Content-Type` of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every sync state, in the order the `state` label lists them.
const SYNC_STATES: [SyncState; 4] = [
    SyncState::InSync,
    SyncState::Pending,
    SyncState::Broken,
    SyncState::Unknown,
];

/// What a certificate is to the domain: the `role` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Primary,
    Successor,
    /// Another signing certificate the IdP publishes (neither primary nor successor).
    Other,
    Encryption,
    /// The certificate Entra ID holds as the domain's signing certificate.
    EntraSigning,
    /// The certificate Entra ID holds as the next signing certificate.
    EntraNext,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Successor => "successor",
            Self::Other => "other",
            Self::Encryption => "encryption",
            Self::EntraSigning => "entra_signing",
            Self::EntraNext => "entra_next",
        }
    }
}

/// One certificate sample: the labels beyond `domain` and the certificate itself.
struct CertSample<'a> {
    entity_id: &'a str,
    key_use: &'static str,
    role: Role,
    cert: &'a CertInfo,
}

/// Render `statuses` as the text exposition format, as of `now` (no tenant read).
pub fn render(statuses: &[DomainStatus], now: DateTime<Utc>) -> String {
    render_fleet(statuses, &[], now)
}

/// Render `statuses` and the tenants' posture as the text exposition format, as of `now`.
pub fn render_fleet(
    statuses: &[DomainStatus],
    tenants: &[TenantPosture],
    now: DateTime<Utc>,
) -> String {
    let mut out = Exposition::default();
    domain_families(&mut out, statuses, now);
    certificate_families(&mut out, statuses);
    metadata_families(&mut out, statuses);
    entra_family(&mut out, statuses);
    tenant_families(&mut out, tenants);
    out.family(
        "fedcert_domains",
        "How many federation domains fedcert watches (0: none is configured, nothing is monitored).",
    );
    out.sample("fedcert_domains", &[], &statuses.len().to_string());
    out.family(
        "fedcert_evaluation_timestamp_seconds",
        "The moment the verdicts were computed for (Unix seconds; --now when given).",
    );
    out.sample("fedcert_evaluation_timestamp_seconds", &[], &seconds(now));
    out.family(
        "fedcert_build_info",
        "The fedcert build that wrote these metrics (always 1).",
    );
    out.sample(
        "fedcert_build_info",
        &[
            ("version", env!("CARGO_PKG_VERSION")),
            ("commit", super::COMMIT),
        ],
        "1",
    );
    out.text
}

fn domain_families(out: &mut Exposition, statuses: &[DomainStatus], now: DateTime<Utc>) {
    out.family(
        "fedcert_domain_status",
        "The domain's verdict: 0 ok, 1 warning, 2 critical, 3 unknown (the check exit codes).",
    );
    for d in statuses {
        let code = d.assessment.severity.exit_code().to_string();
        out.sample("fedcert_domain_status", &[("domain", name(d))], &code);
    }
    out.family(
        "fedcert_domain_sync_state",
        "Whether Entra ID holds the IdP's signing certificates: 1 for the domain's state (in_sync, pending, broken, unknown), 0 for the others.",
    );
    for d in statuses {
        for state in SYNC_STATES {
            let value = if d.assessment.sync == state { "1" } else { "0" };
            out.sample(
                "fedcert_domain_sync_state",
                &[("domain", name(d)), ("state", state.as_str())],
                value,
            );
        }
    }
    // Seconds, not days: Prometheus wants base units (`promtool check metrics` says so), and
    // `humanizeDuration` turns them back into days in an alert.
    out.family(
        "fedcert_domain_primary_expires_in_seconds",
        "Seconds until the primary token-signing certificate expires (negative once expired; absent without a primary).",
    );
    for d in statuses {
        if let Some(primary) = &d.assessment.primary {
            #[allow(clippy::cast_precision_loss)] // milliseconds over centuries fit an f64
            let left = (primary.cert.not_after - now).num_milliseconds() as f64 / 1000.0;
            out.sample(
                "fedcert_domain_primary_expires_in_seconds",
                &[("domain", name(d))],
                &float(left),
            );
        }
    }
    out.family(
        "fedcert_domain_finding",
        "One sample per finding of the domain's verdict: the rule (see the README, How fedcert decides) and its severity (always 1).",
    );
    for d in statuses {
        // A rule may fire twice (say, for two encryption certificates); one series each.
        let findings: BTreeSet<(&str, &str)> = d
            .assessment
            .findings
            .iter()
            .map(|f| (f.rule.id(), f.severity.as_str()))
            .collect();
        for (rule, severity) in findings {
            out.sample(
                "fedcert_domain_finding",
                &[("domain", name(d)), ("rule", rule), ("severity", severity)],
                "1",
            );
        }
    }
}

fn certificate_families(out: &mut Exposition, statuses: &[DomainStatus]) {
    let certs: Vec<(&DomainStatus, Vec<CertSample<'_>>)> = statuses
        .iter()
        .map(|d| (d, certificate_samples(d)))
        .collect();
    for (metric, help, time) in [
        (
            "fedcert_certificate_not_after_timestamp_seconds",
            "When the certificate expires (NotAfter, Unix seconds).",
            (|c: &CertInfo| c.not_after) as fn(&CertInfo) -> DateTime<Utc>,
        ),
        (
            "fedcert_certificate_not_before_timestamp_seconds",
            "When the certificate becomes valid (NotBefore, Unix seconds).",
            |c: &CertInfo| c.not_before,
        ),
    ] {
        out.family(metric, help);
        for (d, samples) in &certs {
            for s in samples {
                let sha1 = s.cert.sha1.to_string();
                out.sample(
                    metric,
                    &[
                        ("domain", name(d)),
                        ("entity_id", s.entity_id),
                        ("use", s.key_use),
                        ("role", s.role.label()),
                        ("sha1", &sha1),
                        ("subject", &s.cert.subject),
                    ],
                    &seconds(time(s.cert)),
                );
            }
        }
    }
}

/// The certificates of one domain: every signing and encryption certificate of the last good
/// snapshot (stale or not), then the ones Entra holds. Entra's side may be thumbprints only
/// (typed into the config): their dates then come from the published certificate with that
/// thumbprint, and a thumbprint the IdP does not publish has no dates to report. Certificates
/// Entra's side carries itself (Graph, an import) are reported even when the metadata was
/// never read: they are what sign-ins are checked against.
fn certificate_samples(d: &DomainStatus) -> Vec<CertSample<'_>> {
    let facts = d.last_good.as_ref().map(|s| &s.facts);
    let published: &[CertInfo] = facts.map_or(&[], |f| f.signing.as_slice());
    let entity_id = facts
        .map(|f| f.entity_id.as_str())
        .or_else(|| d.entra_live.as_ref().and_then(|e| e.issuer_uri.as_deref()))
        .unwrap_or_default();
    let primary = d.assessment.primary.as_ref().map(|p| p.cert.sha1);
    let successor = d.assessment.successor.as_ref().map(|c| c.sha1);
    let mut samples = Vec::new();
    for cert in published {
        let role = if Some(cert.sha1) == primary {
            Role::Primary
        } else if Some(cert.sha1) == successor {
            Role::Successor
        } else {
            Role::Other
        };
        samples.push(CertSample {
            entity_id,
            key_use: "signing",
            role,
            cert,
        });
    }
    for cert in facts.map_or(&[][..], |f| f.encryption.as_slice()) {
        samples.push(CertSample {
            entity_id,
            key_use: "encryption",
            role: Role::Encryption,
            cert,
        });
    }
    let (signing, next) = match &d.entra_live {
        Some(live) => (
            entra_cert(live.signing_cert.as_ref(), live.signing, published),
            entra_cert(
                live.next_signing_cert.as_ref(),
                live.next_signing,
                published,
            ),
        ),
        None => (
            entra_cert(None, d.config.entra_signing_thumbprint, published),
            entra_cert(None, d.config.entra_next_signing_thumbprint, published),
        ),
    };
    for (role, cert) in [(Role::EntraSigning, signing), (Role::EntraNext, next)] {
        if let Some(cert) = cert {
            samples.push(CertSample {
                entity_id,
                key_use: "signing",
                role,
                cert,
            });
        }
    }
    samples
}

/// The certificate itself when Entra's side carries it, else the published one with its
/// thumbprint.
fn entra_cert<'a>(
    own: Option<&'a CertInfo>,
    sha1: Option<Sha1>,
    published: &'a [CertInfo],
) -> Option<&'a CertInfo> {
    own.or_else(|| published.iter().find(|c| Some(c.sha1) == sha1))
}

fn metadata_families(out: &mut Exposition, statuses: &[DomainStatus]) {
    out.family(
        "fedcert_metadata_fetch_success",
        "1 when the latest metadata fetch succeeded, 0 when it failed (absent before the first attempt).",
    );
    for d in statuses.iter().filter(|d| d.last_attempt.is_some()) {
        let ok = d.last_error.is_none() && d.last_good.is_some();
        out.sample(
            "fedcert_metadata_fetch_success",
            &[("domain", name(d))],
            if ok { "1" } else { "0" },
        );
    }
    out.family(
        "fedcert_metadata_last_success_timestamp_seconds",
        "When the metadata was last read successfully (Unix seconds; absent when never).",
    );
    for d in statuses {
        if let Some(snapshot) = &d.last_good {
            out.sample(
                "fedcert_metadata_last_success_timestamp_seconds",
                &[("domain", name(d))],
                &seconds(snapshot.fetched_at),
            );
        }
    }
    out.family(
        "fedcert_metadata_signature_valid",
        "1 when the metadata's XML signature verifies with a trusted signer (signature valid), 0 when it is untrusted, invalid, unsigned or unsupported (findings X1, X2, X3 say which matters); absent before the metadata was read.",
    );
    for d in statuses {
        if let Some(signature) = d.signature() {
            let valid = signature.status == crate::metadata::signature::SignatureStatus::Valid;
            out.sample(
                "fedcert_metadata_signature_valid",
                &[("domain", name(d))],
                if valid { "1" } else { "0" },
            );
        }
    }
    out.family(
        "fedcert_tls_not_after_seconds",
        "When the TLS certificate of the metadata host, and of the sign-in host when it is another host, expires (NotAfter, Unix seconds); absent for http and file metadata.",
    );
    for d in statuses {
        let endpoints = d.endpoints();
        // One series per host (the sign-in host is another host by definition).
        for (_, cert) in endpoints.tls() {
            out.sample(
                "fedcert_tls_not_after_seconds",
                &[("domain", name(d)), ("host", &cert.host)],
                &seconds(cert.cert.not_after),
            );
        }
    }
}

fn entra_family(out: &mut Exposition, statuses: &[DomainStatus]) {
    out.family(
        "fedcert_entra_update_result",
        "Entra ID's signingCertificateUpdateStatus.certificateUpdateResult: 1 when it is success, 0 otherwise (absent when unknown).",
    );
    for d in statuses {
        let Some(result) = d.entra().and_then(|e| e.update_result) else {
            continue;
        };
        let value = if *result.result() == UpdateResult::Success {
            "1"
        } else {
            "0"
        };
        out.sample(
            "fedcert_entra_update_result",
            &[("domain", name(d)), ("result", result.as_str())],
            value,
        );
    }
}

fn tenant_families(out: &mut Exposition, tenants: &[TenantPosture]) {
    out.family(
        "fedcert_tenant_unwatched_federated_domains",
        "Federated domains of the tenant that no [[domain]] watches (rule U1: each raises the worst verdict to WARNING); absent when the tenant's domains could not be read.",
    );
    for t in tenants {
        if let Some(unwatched) = t.unwatched.read() {
            out.sample(
                "fedcert_tenant_unwatched_federated_domains",
                &[("tenant", tenant_label(t))],
                &unwatched.len().to_string(),
            );
        }
    }
    out.family(
        "fedcert_tenant_unwatched_federated_domain",
        "One sample per federated domain of the tenant that no [[domain]] watches (always 1).",
    );
    for t in tenants {
        for domain in t.unwatched_domains() {
            out.sample(
                "fedcert_tenant_unwatched_federated_domain",
                &[("tenant", tenant_label(t)), ("domain", domain)],
                "1",
            );
        }
    }
}

/// The `tenant` label: the tenant's name as domains name it (`[entra]`'s name or tenant_id).
fn tenant_label(t: &TenantPosture) -> &str {
    &t.tenant.name
}

fn name(d: &DomainStatus) -> &str {
    &d.config.name
}

/// Unix seconds, with the sub-second part when there is one.
fn seconds(t: DateTime<Utc>) -> String {
    let millis = t.timestamp_millis();
    if millis % 1000 == 0 {
        t.timestamp().to_string()
    } else {
        #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit an f64's 53 bits
        float(millis as f64 / 1000.0)
    }
}

/// A sample value: Rust's shortest round-trip form, which the format accepts as it is.
fn float(value: f64) -> String {
    if value.is_finite() {
        format!("{value}")
    } else if value.is_nan() {
        "NaN".to_owned()
    } else if value > 0.0 {
        "+Inf".to_owned()
    } else {
        "-Inf".to_owned()
    }
}

/// The text being written.
#[derive(Default)]
struct Exposition {
    text: String,
}

impl Exposition {
    fn family(&mut self, metric: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {metric} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {metric} gauge");
    }

    fn sample(&mut self, metric: &str, labels: &[(&str, &str)], value: &str) {
        self.text.push_str(metric);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, text)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label(text));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }
}

/// A label value: backslash, double quote and line feed are escaped, as the format asks.
fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str(r"\n"),
            _ => out.push(c),
        }
    }
    out
}

/// HELP text: backslash and line feed are escaped (a double quote is literal there).
fn escape_help(value: &str) -> String {
    value.replace('\\', r"\\").replace('\n', r"\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)] // whole seconds and small integers are exact
mod tests {
    use openmetrics_parser::PrometheusValue;
    use openmetrics_parser::prometheus::parse_prometheus;

    use super::*;
    use crate::assess::{EntraSide, EntraSource, IdpFacts};
    use crate::config::DomainConfig;
    use crate::domain::{RefreshError, RefreshOutcome, Snapshot};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// A self-signed certificate valid between the two days (offsets from `now`).
    fn cert(cn: &str, now: DateTime<Utc>, from_days: i64, until_days: i64) -> CertInfo {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        let offset = |days: i64| {
            time::OffsetDateTime::from_unix_timestamp(
                (now + chrono::TimeDelta::days(days)).timestamp(),
            )
            .unwrap()
        };
        params.not_before = offset(from_days);
        params.not_after = offset(until_days);
        crate::cert::analyze(params.self_signed(&key).unwrap().der()).unwrap()
    }

    /// The value of the one sample of `family` whose labels include all of `wanted`.
    fn value(text: &str, family: &str, wanted: &[(&str, &str)]) -> Option<f64> {
        let exposition = parse_prometheus(text).unwrap();
        let family = exposition.families.get(family).unwrap();
        let found: Vec<f64> = family
            .iter_samples()
            .filter(|s| {
                let labels = s.get_labelset().unwrap();
                wanted
                    .iter()
                    .all(|(k, v)| labels.get_label_value(k) == Some(*v))
            })
            .map(|s| match &s.value {
                PrometheusValue::Gauge(n) => n.as_f64(),
                other => panic!("not a gauge: {other:?}"),
            })
            .collect();
        assert!(
            found.len() <= 1,
            "{wanted:?} matches {} samples",
            found.len()
        );
        found.first().copied()
    }

    /// An AD FS domain read once and then failing, whose Entra side (as Graph would report it)
    /// holds an older certificate the IdP no longer publishes and a failed update. Returns the
    /// status and the primary, the other published and Entra's certificate.
    fn stale_domain_with_live_entra(now: DateTime<Utc>) -> (DomainStatus, [CertInfo; 3]) {
        let primary = cert("ADFS Signing - fs.contoso.example", now, -300, 60);
        let other = cert("ADFS Signing old - fs.contoso.example", now, -400, 20);
        let old_entra = cert("ADFS Signing 2025 - fs.contoso.example", now, -700, -5);
        let facts = IdpFacts {
            signed_by: Some(primary.clone()),
            ..IdpFacts::test_adfs(
                "http://fs.contoso.example/adfs/services/trust",
                vec![primary.clone(), other.clone()],
            )
        };
        let mut status = DomainStatus::new(
            DomainConfig::new("contoso.example", "https://fs.contoso.example/md.xml"),
            now,
        );
        let read_at = now - chrono::TimeDelta::hours(2);
        status.apply(RefreshOutcome {
            at: read_at,
            metadata: Ok(Snapshot::test(
                "https://fs.contoso.example/md.xml",
                facts,
                read_at,
            )),
            entra: Some(Ok(EntraSide {
                source: Some(EntraSource::Graph),
                signing: Some(old_entra.sha1),
                signing_cert: Some(old_entra.clone()),
                update_result: Some("failedInvalidCertificate".into()),
                ..EntraSide::default()
            })),
        });
        status.apply(RefreshOutcome {
            at: now,
            metadata: Err(RefreshError::new(
                now,
                crate::source::FetchError::new(
                    "https://fs.contoso.example/md.xml",
                    crate::source::FetchErrorKind::Timeout,
                    "timed out after 20 s",
                ),
            )),
            entra: None,
        });
        (status, [primary, other, old_entra])
    }

    #[test]
    fn a_live_entra_side_and_a_failed_refresh_are_reported() {
        let now = at("2026-12-01T09:00:00Z");
        let (status, [primary, other, old_entra]) = stale_domain_with_live_entra(now);
        let text = render(&[status], now);
        let domain = ("domain", "contoso.example");

        // The stale snapshot still gives the certificates; the failed fetch says 0.
        assert_eq!(
            value(&text, "fedcert_metadata_fetch_success", &[domain]),
            Some(0.0)
        );
        assert_eq!(
            value(
                &text,
                "fedcert_metadata_last_success_timestamp_seconds",
                &[domain]
            ),
            Some(1_796_108_400.0)
        );
        let not_after = "fedcert_certificate_not_after_timestamp_seconds";
        let role = |role| [domain, ("role", role)];
        #[allow(clippy::cast_precision_loss)]
        let ts = |c: &CertInfo| Some(c.not_after.timestamp() as f64);
        assert_eq!(value(&text, not_after, &role("primary")), ts(&primary));
        assert_eq!(value(&text, not_after, &role("other")), ts(&other));
        assert_eq!(value(&text, not_after, &role("successor")), None);
        // Entra's own copy of its certificate dates it, published or not.
        assert_eq!(
            value(&text, not_after, &role("entra_signing")),
            ts(&old_entra)
        );
        assert_eq!(value(&text, not_after, &role("entra_next")), None);
        // Sync is broken (Entra does not hold the primary), the verdict critical.
        assert_eq!(
            value(
                &text,
                "fedcert_domain_sync_state",
                &[domain, ("state", "broken")]
            ),
            Some(1.0)
        );
        assert_eq!(value(&text, "fedcert_domain_status", &[domain]), Some(2.0));
        assert_eq!(
            value(
                &text,
                "fedcert_domain_finding",
                &[domain, ("rule", "R7"), ("severity", "warning")]
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            value(
                &text,
                "fedcert_entra_update_result",
                &[domain, ("result", "failedInvalidCertificate")]
            ),
            Some(0.0)
        );
        assert_eq!(
            value(
                &text,
                "fedcert_domain_primary_expires_in_seconds",
                &[domain]
            ),
            Some(60.0 * 86_400.0)
        );
    }

    #[test]
    fn entra_alone_gives_its_certificate_and_a_successful_update_is_1() {
        let now = at("2026-12-01T09:00:00Z");
        let mut status = DomainStatus::new(
            DomainConfig::new("fabrikam.example", "https://fs.fabrikam.example/md.xml"),
            now,
        );
        let held = cert("ADFS Signing - fs.fabrikam.example", now, -100, 265);
        status.entra_live = Some(Box::new(EntraSide {
            source: Some(EntraSource::Import),
            signing: Some(held.sha1),
            signing_cert: Some(held.clone()),
            issuer_uri: Some("http://fs.fabrikam.example/adfs/services/trust".to_owned()),
            mfa_behavior: None,
            update_result: Some("success".into()),
            ..EntraSide::default()
        }));
        status.reassess(now);
        let text = render(&[status], now);
        let wanted = [("domain", "fabrikam.example"), ("result", "success")];
        assert_eq!(
            value(&text, "fedcert_entra_update_result", &wanted),
            Some(1.0)
        );
        // Never attempted: no fetch result, no published certificate, verdict unknown; but the
        // certificate Entra holds is known, under the entity Entra names.
        assert!(!text.contains("fedcert_metadata_fetch_success{"), "{text}");
        assert!(!text.contains("role=\"primary\""), "{text}");
        #[allow(clippy::cast_precision_loss)]
        let expiry = held.not_after.timestamp() as f64;
        assert_eq!(
            value(
                &text,
                "fedcert_certificate_not_after_timestamp_seconds",
                &[
                    ("role", "entra_signing"),
                    (
                        "entity_id",
                        "http://fs.fabrikam.example/adfs/services/trust"
                    ),
                    ("sha1", &held.sha1.to_string()),
                ]
            ),
            Some(expiry)
        );
        assert_eq!(
            value(
                &text,
                "fedcert_domain_status",
                &[("domain", "fabrikam.example")]
            ),
            Some(3.0)
        );
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        assert_eq!(
            escape_label("CN=a\\\"b\nc"),
            "CN=a\\\\\\\"b\\nc",
            "backslash, quote, newline"
        );
        assert_eq!(escape_label("plain — ✓"), "plain — ✓");
    }

    #[test]
    fn help_text_escapes_backslash_and_newline_only() {
        assert_eq!(escape_help("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
    }

    #[test]
    fn samples_with_and_without_labels() {
        let mut out = Exposition::default();
        out.family("m", "help");
        out.sample("m", &[], "1");
        out.sample("m", &[("a", "x\"y"), ("b", "z")], "2.5");
        assert_eq!(
            out.text,
            "# HELP m help\n# TYPE m gauge\nm 1\nm{a=\"x\\\"y\",b=\"z\"} 2.5\n"
        );
    }

    #[test]
    fn timestamps_are_unix_seconds() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(seconds(t), "1796115600");
        assert_eq!(
            seconds(t + chrono::TimeDelta::milliseconds(250)),
            "1796115600.25"
        );
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(-3.5), "-3.5");
    }
}
