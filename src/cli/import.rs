//! `fedcert import <adfs-certificates|adfs-properties|entra-federation> <FILE> --domain NAME`:
//! read a PowerShell export (UTF-8 or UTF-16, with or without BOM) and keep it in the data dir
//! with its import time, for jump hosts without Graph access.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};

use super::output::to_stdout;
use super::{EXIT_DATA, EXIT_USAGE, Failure, GlobalArgs, Outcome};
use crate::config;
use crate::source::imports::{
    self, ImportKind, ImportedAdfsCertificates, ImportedAdfsProperties, ImportedEntra,
};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the file holds: Get-AdfsCertificate, Get-AdfsProperties or
    /// Get-MgDomainFederationConfiguration output, as ConvertTo-Json wrote it.
    #[arg(value_enum)]
    pub kind: ImportWhat,
    /// The JSON file.
    pub file: PathBuf,
    /// The federation domain it belongs to.
    #[arg(long, value_name = "NAME")]
    pub domain: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportWhat {
    /// `Get-AdfsCertificate -CertificateType Token-Signing | … | ConvertTo-Json`
    AdfsCertificates,
    /// `Get-AdfsProperties | ConvertTo-Json`
    AdfsProperties,
    /// `Get-MgDomainFederationConfiguration -DomainId D | ConvertTo-Json`
    EntraFederation,
}

impl From<ImportWhat> for ImportKind {
    fn from(what: ImportWhat) -> Self {
        match what {
            ImportWhat::AdfsCertificates => Self::AdfsCertificates,
            ImportWhat::AdfsProperties => Self::AdfsProperties,
            ImportWhat::EntraFederation => Self::EntraFederation,
        }
    }
}

pub async fn run(global: &GlobalArgs, args: &ImportArgs, now: DateTime<Utc>) -> Outcome {
    let domain = checked_domain(global, &args.domain)?;
    let file = args.file.display().to_string();
    let bytes = tokio::fs::read(&args.file)
        .await
        .map_err(|e| Failure::new(EXIT_DATA, format!("{file}: cannot read: {e}")))?;
    let store = Store::default_dir().map(Store::at).ok_or_else(|| {
        Failure::new(
            EXIT_DATA,
            "no data directory to keep the import in: set FEDCERT_DATA_DIR",
        )
    })?;
    let kind = ImportKind::from(args.kind);
    let invalid = |e: imports::ImportError| Failure::new(EXIT_DATA, e.to_string());
    let (stored, summary) = match kind {
        ImportKind::EntraFederation => {
            let import = ImportedEntra::parse(&bytes, &file, &domain, now).map_err(invalid)?;
            (
                save(&store, kind, &domain, &import)?,
                entra_summary(&import, now),
            )
        }
        ImportKind::AdfsCertificates => {
            let import =
                ImportedAdfsCertificates::parse(&bytes, &file, &domain, now).map_err(invalid)?;
            (
                save(&store, kind, &domain, &import)?,
                certificates_summary(&import),
            )
        }
        ImportKind::AdfsProperties => {
            let import =
                ImportedAdfsProperties::parse(&bytes, &file, &domain, now).map_err(invalid)?;
            (
                save(&store, kind, &domain, &import)?,
                properties_summary(&import),
            )
        }
    };
    to_stdout(|out| {
        for line in &summary {
            writeln!(out, "{line}")?;
        }
        writeln!(out, "stored as {}", store.dir().join(&stored).display())
    })?;
    Ok(0)
}

/// The domain, lowercased; when a config exists it must name the domain.
fn checked_domain(global: &GlobalArgs, name: &str) -> Result<String, Failure> {
    let domain = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() || domain.contains(['/', '\\', ' ']) {
        return Err(Failure::new(
            EXIT_USAGE,
            format!("--domain {name:?} is not a domain name such as contoso.com"),
        ));
    }
    let path = config::locate(global.config.as_deref());
    if path.exists() {
        let config = config::load(&path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
        if let Err(e) = config.domain(&domain) {
            return Err(Failure::new(
                EXIT_USAGE,
                format!(
                    "--domain {}: no such domain in {} (known: {})",
                    e.name,
                    path.display(),
                    e.known
                ),
            ));
        }
    }
    Ok(domain)
}

fn save<T: serde::Serialize>(
    store: &Store,
    kind: ImportKind,
    domain: &str,
    import: &T,
) -> Result<String, Failure> {
    imports::save(store, kind, domain, import)
        .map_err(|e| Failure::new(EXIT_DATA, format!("cannot keep the import: {e}")))
}

fn entra_summary(import: &ImportedEntra, now: DateTime<Utc>) -> Vec<String> {
    let f = &import.federation;
    let thumbprint = |c: &Option<crate::source::graph::EntraCertificate>| {
        c.as_ref()
            .map_or_else(|| "none".to_owned(), |c| c.sha1.to_string())
    };
    vec![
        format!(
            "imported Entra's federation settings for {} from {}",
            import.domain, import.file
        ),
        format!(
            "  signing certificate       {}",
            thumbprint(&f.signing_certificate)
        ),
        format!(
            "  next signing certificate  {}",
            thumbprint(&f.next_signing_certificate)
        ),
        format!(
            "  update status             {}",
            crate::words::update_status(f.update_result.as_ref(), f.last_run, now)
        ),
        format!(
            "  federation id             {}",
            f.id.as_deref().unwrap_or("unknown")
        ),
        format!(
            "  issuer                    {}",
            f.issuer_uri.as_deref().unwrap_or("unknown")
        ),
    ]
}

fn certificates_summary(import: &ImportedAdfsCertificates) -> Vec<String> {
    let count = i64::try_from(import.certificates.len()).unwrap_or(i64::MAX);
    let mut lines = vec![format!(
        "imported {} for {} from {}",
        crate::words::count(count, "AD FS token-signing certificate"),
        import.domain,
        import.file
    )];
    for cert in &import.certificates {
        let role = if cert.is_primary {
            "primary  "
        } else {
            "secondary"
        };
        let until = cert.not_after.map_or_else(
            || "NotAfter unknown".to_owned(),
            |t| format!("NotAfter {}", crate::words::moment(t)),
        );
        lines.push(format!("  {role}  {}  {until}", cert.thumbprint));
    }
    if import.primary().is_none() {
        lines.push("  no certificate is marked IsPrimary: fedcert infers the primary".into());
    }
    lines
}

fn properties_summary(import: &ImportedAdfsProperties) -> Vec<String> {
    let p = &import.properties;
    let days = |v: Option<u32>| v.map_or_else(|| "not given".to_owned(), |d| d.to_string());
    vec![
        format!(
            "imported AD FS properties for {} from {}",
            import.domain, import.file
        ),
        format!(
            "  AutoCertificateRollover         {}",
            if p.auto_certificate_rollover {
                "True"
            } else {
                "False"
            }
        ),
        format!(
            "  CertificateGenerationThreshold  {}",
            days(p.certificate_generation_threshold)
        ),
        format!(
            "  CertificatePromotionThreshold   {}",
            days(p.certificate_promotion_threshold)
        ),
        format!(
            "  CertificateThresholdMultiplier  {}",
            days(p.certificate_threshold_multiplier)
        ),
    ]
}
