//! The metadata's signature and the hosts' TLS certificates in words (DESIGN.md §6.4).

use chrono::{DateTime, Utc};

use super::{left, moment, short_thumbprint, subject, windows_order};
use crate::assess::{SignatureCheck, TlsCert, TlsRefusal, TlsRole};
use crate::metadata::signature::SignatureStatus;

/// `fs.contoso.com (the metadata host)` / `sts.contoso.com (where users sign in)`.
pub fn tls_host(role: TlsRole, cert: &TlsCert) -> String {
    match role {
        TlsRole::Metadata => format!("{}, which serves the metadata,", cert.host),
        TlsRole::SignIn => format!("{}, where users sign in,", cert.host),
    }
}

/// What a TLS certificate is, on one line: `CN=fs.contoso.com, issued by CN=Contoso CA, SHA-1
/// 0A1B2C3D…, valid until 2027-01-10 09:00 UTC (40 days left), for fs.contoso.com`.
pub fn tls_certificate(cert: &TlsCert, now: DateTime<Utc>) -> String {
    format!(
        "{}, issued by {}, SHA-1 {}, valid until {} ({}), for {}",
        subject(&cert.cert),
        issuer(cert),
        short_thumbprint(cert.cert.sha1),
        moment(cert.cert.not_after),
        left(cert.cert.not_after, now),
        names(cert)
    )
}

/// Which certificate, without its dates (the sentence around it says those): `CN=fs.contoso.com,
/// issued by CN=Contoso CA, SHA-1 0A1B2C3D…, for fs.contoso.com`.
pub(crate) fn tls_identity(cert: &TlsCert) -> String {
    format!(
        "{}, issued by {}, SHA-1 {}, for {}",
        subject(&cert.cert),
        issuer(cert),
        short_thumbprint(cert.cert.sha1),
        names(cert)
    )
}

fn issuer(cert: &TlsCert) -> String {
    if cert.cert.self_signed {
        "itself (self-signed)".to_owned()
    } else {
        windows_order(&cert.cert.issuer)
    }
}

/// The names a certificate is issued for, or `no host name`.
fn names(cert: &TlsCert) -> String {
    if cert.dns_names.is_empty() {
        "no host name".to_owned()
    } else {
        cert.dns_names.join(", ")
    }
}

/// The bare host name of `host[:port]` (brackets kept for IPv6).
fn host_only(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.ends_with(':') => {
            name
        }
        _ => host,
    }
}

/// Why this machine refused the certificate, in words: `it is not issued for 127.0.0.1 (it is
/// issued for fs.contoso.com)`; `None` when it was accepted.
pub fn tls_refusal(cert: &TlsCert) -> Option<String> {
    let refusal = cert.refused.as_ref()?;
    Some(match refusal {
        TlsRefusal::UnknownIssuer => format!(
            "it is issued by {}, a CA this machine does not trust",
            issuer(cert)
        ),
        TlsRefusal::NameMismatch => format!(
            "it is not issued for {} (it is issued for {})",
            host_only(&cert.host),
            names(cert)
        ),
        TlsRefusal::Expired => "it has expired".to_owned(),
        TlsRefusal::NotValidYet => {
            "it is not valid yet (or this machine's clock is behind)".to_owned()
        }
        TlsRefusal::Revoked => "it has been revoked".to_owned(),
        TlsRefusal::Other(why) => format!("it was refused ({why})"),
    })
}

/// What to do about a refused certificate.
pub(crate) fn tls_fix(cert: &TlsCert) -> String {
    match &cert.refused {
        Some(TlsRefusal::UnknownIssuer) => format!(
            "if {} is your internal CA, set the domain's ca_file to its PEM (your users' browsers must trust it too); otherwise the host needs a certificate from a public CA",
            issuer(cert)
        ),
        Some(TlsRefusal::NameMismatch) => format!(
            "the host needs a certificate issued for {}, or the URL names the wrong host",
            host_only(&cert.host)
        ),
        Some(TlsRefusal::Expired) => "the IdP must renew its TLS certificate".to_owned(),
        Some(TlsRefusal::NotValidYet) => "check this machine's clock".to_owned(),
        Some(TlsRefusal::Revoked | TlsRefusal::Other(_)) | None => {
            "the host needs a certificate that clients accept".to_owned()
        }
    }
}

/// The signature's verdict with its reason, on one line, for the details:
/// `valid: signed by CN=ADFS Signing - fs.contoso.com (2CA67C00…), a signing certificate the
/// document publishes`.
pub fn signature(check: &SignatureCheck) -> String {
    let name = check.status.name();
    let signer = signer(check);
    match &check.status {
        SignatureStatus::Valid => {
            format!("{name}: signed by {signer}, a signer this domain trusts")
        }
        SignatureStatus::Untrusted if check.aggregate => format!(
            "{name}: it verifies, signed by {signer}; an aggregate's signer is trusted only when set as metadata_signer"
        ),
        SignatureStatus::Untrusted => format!(
            "{name}: it verifies, but {signer} is not an IdP signing certificate of the document nor a metadata_signer"
        ),
        SignatureStatus::Invalid(why) => {
            format!("{name}: {why}; do not copy certificates from this document")
        }
        SignatureStatus::Unsigned if check.required => {
            format!("{name}, although require_signature = true")
        }
        SignatureStatus::Unsigned => name.to_owned(),
        SignatureStatus::Unsupported(why) if check.required => format!(
            "{name}: {why}; the signature is not verified, although require_signature = true"
        ),
        SignatureStatus::Unsupported(why) => {
            format!("{name}: {why}; the signature is not verified (no verdict either way)")
        }
    }
}

/// `CN=… (2CA67C00…)`, or the thumbprint alone, or `a certificate fedcert cannot read`.
pub(crate) fn signer(check: &SignatureCheck) -> String {
    match (&check.signer_cert, check.signer) {
        (Some(cert), _) => format!("{} ({})", subject(cert), short_thumbprint(cert.sha1)),
        (None, Some(sha1)) => short_thumbprint(sha1),
        (None, None) => "no certificate".to_owned(),
    }
}
