//! `fedcert import`: PowerShell output kept in the data dir with its import time, for jump hosts
//! without Graph access (UTF-8 or UTF-16, with or without BOM):
//!
//! - `fedcert import KIND FILE --domain NAME`: one export;
//! - `fedcert import FOLDER`: the folder the collection script writes, for every configured
//!   domain it concerns;
//! - `fedcert import --script`: print that script.
//!
//! A file that belongs to another domain or AD FS farm (DESIGN.md §6.2) is refused, exit 65,
//! unless `--force`.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use futures_util::StreamExt;

use super::output::to_stdout;
use super::{EXIT_DATA, EXIT_USAGE, Failure, GlobalArgs, Outcome};
use crate::config::{self, Config, DomainConfig};
use crate::domain::{RefreshError, Snapshot};
use crate::poller::{Sources, read_metadata};
use crate::source::collection::{self, Collection};
use crate::source::farm::{self, DomainIdp, Mismatch};
use crate::source::imports::{
    self, ImportKind, ImportedAdfsCertificates, ImportedAdfsProperties, ImportedEntra,
};
use crate::store::Store;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What FILE holds — adfs-certificates (Get-AdfsCertificate), adfs-properties
    /// (Get-AdfsProperties) or entra-federation (Get-MgDomainFederationConfiguration), as
    /// ConvertTo-Json wrote it — or the folder the collection script wrote (then no FILE).
    #[arg(value_name = "KIND|FOLDER", required_unless_present = "script", value_parser = KindOrFolder)]
    pub what: Option<String>,
    /// The JSON file, with KIND.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The federation domain FILE belongs to (required with KIND); with a FOLDER, import only
    /// for these domains, AD FS files included (repeatable).
    #[arg(long = "domain", value_name = "NAME")]
    pub domains: Vec<String>,
    /// Import even a file that belongs to another domain or AD FS farm (an Entra export that
    /// names another IdP, AD FS certificates the domain's metadata does not publish).
    #[arg(long)]
    pub force: bool,
    /// Print the collection script: PowerShell that writes the AD FS certificates, the AD FS
    /// properties and every federated domain's Entra settings into one folder.
    #[arg(long, conflicts_with_all = ["what", "file", "domains", "force"])]
    pub script: bool,
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

/// A kind of export or a folder: any text, with the kinds offered for completion and help.
#[derive(Clone, Copy, Debug)]
struct KindOrFolder;

impl clap::builder::TypedValueParser for KindOrFolder {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            ImportWhat::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

const KINDS: &str = "adfs-certificates, adfs-properties or entra-federation";

fn usage(message: impl Into<String>) -> Failure {
    Failure::new(EXIT_USAGE, message)
}

pub async fn run(global: &GlobalArgs, args: &ImportArgs, now: DateTime<Utc>) -> Outcome {
    if args.script {
        to_stdout(|out| out.write_all(collection::SCRIPT.as_bytes()))?;
        return Ok(0);
    }
    let what = args.what.as_deref().unwrap_or_default();
    if let Ok(kind) = ImportWhat::from_str(what, true) {
        let Some(file) = &args.file else {
            return Err(usage(format!(
                "{what} needs the FILE to import: fedcert import {what} FILE --domain NAME"
            )));
        };
        let domain = match args.domains.as_slice() {
            [one] => one,
            [] => {
                return Err(usage(format!(
                    "--domain NAME is required: the federation domain {} belongs to",
                    file.display()
                )));
            }
            _ => return Err(usage("one FILE belongs to one --domain")),
        };
        return single(global, kind.into(), file, domain, args.force, now).await;
    }
    let path = Path::new(what);
    if args.file.is_none() && path.is_dir() {
        return folder(global, path, &args.domains, args.force, now).await;
    }
    Err(usage(if args.file.is_some() {
        format!("{what:?} is not a kind of export: use {KINDS}")
    } else if path.exists() {
        format!(
            "{what}: a single file needs its kind: fedcert import KIND {what} --domain NAME (KIND: {KINDS})"
        )
    } else {
        format!(
            "{what:?} is neither a kind of export ({KINDS}) nor a folder: fedcert import KIND FILE --domain NAME, or fedcert import FOLDER"
        )
    }))
}

/// An export read for one domain.
enum Parsed {
    Entra(Box<ImportedEntra>),
    Certificates(ImportedAdfsCertificates),
    Properties(ImportedAdfsProperties),
}

impl Parsed {
    fn parse(
        kind: ImportKind,
        bytes: &[u8],
        file: &str,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, imports::ImportError> {
        Ok(match kind {
            ImportKind::EntraFederation => {
                Self::Entra(Box::new(ImportedEntra::parse(bytes, file, domain, now)?))
            }
            ImportKind::AdfsCertificates => {
                Self::Certificates(ImportedAdfsCertificates::parse(bytes, file, domain, now)?)
            }
            ImportKind::AdfsProperties => {
                Self::Properties(ImportedAdfsProperties::parse(bytes, file, domain, now)?)
            }
        })
    }

    fn kind(&self) -> ImportKind {
        match self {
            Self::Entra(_) => ImportKind::EntraFederation,
            Self::Certificates(_) => ImportKind::AdfsCertificates,
            Self::Properties(_) => ImportKind::AdfsProperties,
        }
    }

    fn file(&self) -> &str {
        match self {
            Self::Entra(i) => &i.file,
            Self::Certificates(i) => &i.file,
            Self::Properties(i) => &i.file,
        }
    }

    fn domain(&self) -> &str {
        match self {
            Self::Entra(i) => &i.domain,
            Self::Certificates(i) => &i.domain,
            Self::Properties(i) => &i.domain,
        }
    }

    /// Does it belong to the domain's IdP (DESIGN.md §6.2)?
    fn check(&self, idp: &DomainIdp<'_>) -> Result<(), Mismatch> {
        match self {
            Self::Entra(i) => farm::check_entra(&i.federation, idp),
            Self::Certificates(i) => farm::check_adfs_certificates(i, idp),
            Self::Properties(i) => farm::check_adfs_properties(&i.properties, idp),
        }
    }

    /// It is checked against the metadata (an Entra export also against the metadata URL).
    fn needs_metadata(&self) -> bool {
        !matches!(self, Self::Entra(_))
    }

    fn save(&self, store: &Store) -> Result<String, Failure> {
        let (kind, domain) = (self.kind(), self.domain());
        match self {
            Self::Entra(i) => save(store, kind, domain, i.as_ref()),
            Self::Certificates(i) => save(store, kind, domain, i),
            Self::Properties(i) => save(store, kind, domain, i),
        }
    }

    fn summary(&self, now: DateTime<Utc>) -> Vec<String> {
        match self {
            Self::Entra(i) => entra_summary(i, now),
            Self::Certificates(i) => certificates_summary(i),
            Self::Properties(i) => properties_summary(i),
        }
    }

    /// One line for a folder's summary.
    fn brief(&self) -> String {
        let thumb = |s: crate::cert::Sha1| crate::words::short_thumbprint(s);
        match self {
            Self::Entra(i) => {
                let f = &i.federation;
                let slot = |c: &Option<crate::source::graph::EntraCertificate>| {
                    c.as_ref()
                        .map_or_else(|| "none".to_owned(), |c| thumb(c.sha1))
                };
                format!(
                    "Entra side: signing {}, next {}",
                    slot(&f.signing_certificate),
                    slot(&f.next_signing_certificate)
                )
            }
            Self::Certificates(i) => {
                let certs: Vec<String> = i
                    .certificates
                    .iter()
                    .map(|c| {
                        let role = if c.is_primary { "primary" } else { "secondary" };
                        format!("{role} {}", thumb(c.thumbprint))
                    })
                    .collect();
                format!("AD FS certificates: {}", certs.join(", "))
            }
            Self::Properties(i) => format!(
                "AD FS properties: AutoCertificateRollover {}",
                if i.properties.auto_certificate_rollover {
                    "True"
                } else {
                    "False"
                }
            ),
        }
    }
}

/// The data dir the imports go to.
fn store() -> Result<Store, Failure> {
    Store::default_dir().map(Store::at).ok_or_else(|| {
        Failure::new(
            EXIT_DATA,
            "no data directory to keep the import in: set FEDCERT_DATA_DIR",
        )
    })
}

/// The refusal of a file that belongs elsewhere.
fn refused(file: &str, mismatch: &Mismatch) -> Failure {
    Failure::new(
        EXIT_DATA,
        format!("{file}: {mismatch}; --force imports it anyway"),
    )
}

/// `fedcert import KIND FILE --domain NAME`.
async fn single(
    global: &GlobalArgs,
    kind: ImportKind,
    path: &Path,
    name: &str,
    force: bool,
    now: DateTime<Utc>,
) -> Outcome {
    let (domain, config) = checked_domain(global, name)?;
    let file = path.display().to_string();
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| Failure::new(EXIT_DATA, format!("{file}: cannot read: {e}")))?;
    let store = store()?;
    let parsed = Parsed::parse(kind, &bytes, &file, &domain, now)
        .map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    let mut notes = Vec::new();
    match &config {
        Some((config, d)) => {
            let snapshot = read_metadata(&fetcher(config), d, now).await;
            let idp = DomainIdp {
                domain: &d.name,
                metadata_url: &d.metadata_url,
                facts: snapshot.as_ref().ok().map(|s| &s.facts),
            };
            match parsed.check(&idp) {
                Ok(()) => {}
                Err(mismatch) if force => {
                    notes.push(format!("imported although {mismatch} (--force)"));
                }
                Err(mismatch) => return Err(refused(&file, &mismatch)),
            }
            if let (Err(error), true) = (&snapshot, parsed.needs_metadata()) {
                notes.push(format!(
                    "not checked against {}'s metadata, which could not be read: {error}",
                    d.name
                ));
            }
        }
        None => notes.push(format!(
            "not checked against {domain}'s metadata: no config names it"
        )),
    }
    let stored = parsed.save(&store)?;
    let summary = parsed.summary(now);
    to_stdout(|out| {
        for line in summary.iter().chain(&notes) {
            writeln!(out, "{line}")?;
        }
        writeln!(out, "stored as {}", store.dir().join(&stored).display())
    })?;
    Ok(0)
}

fn fetcher(config: &Config) -> Sources {
    Sources::metadata_only(config)
}

/// `fedcert import FOLDER [--domain NAME]...`: every file of the collection, for the configured
/// domains it concerns — an Entra export for the domain it names, the AD FS files for every
/// domain whose metadata comes from that farm (or for the `--domain` ones). Nothing is kept
/// unless every file belongs where it goes (or `--force`).
async fn folder(
    global: &GlobalArgs,
    dir: &Path,
    names: &[String],
    force: bool,
    now: DateTime<Utc>,
) -> Outcome {
    let config = super::config_cmd::load(global)?;
    let collection = Collection::read(dir).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    let selected: Vec<&DomainConfig> = if names.is_empty() {
        config.domains.iter().collect()
    } else {
        names
            .iter()
            .map(|n| {
                config
                    .domain(n.trim().trim_end_matches('.'))
                    .map_err(|e| usage(format!("--domain {e}")))
            })
            .collect::<Result<_, _>>()?
    };
    let store = store()?;
    let fetcher = fetcher(&config);
    let snapshots: Vec<Result<Snapshot, RefreshError>> = futures_util::stream::iter(&selected)
        .map(|d| read_metadata(&fetcher, d, now))
        .buffered(config.settings.concurrency.max(1))
        .collect()
        .await;
    let idps: Vec<DomainIdp<'_>> = selected
        .iter()
        .zip(&snapshots)
        .map(|(d, snapshot)| DomainIdp {
            domain: &d.name,
            metadata_url: &d.metadata_url,
            facts: snapshot.as_ref().ok().map(|s| &s.facts),
        })
        .collect();
    let mut plan = Plan {
        force,
        ..Plan::default()
    };
    plan.entra(
        &collection,
        &config,
        &selected,
        &idps,
        !names.is_empty(),
        now,
    )?;
    plan.adfs(&collection, &idps, &snapshots, !names.is_empty(), now)?;
    let mut stored = Vec::new();
    for parsed in &plan.imports {
        stored.push(parsed.save(&store)?);
    }
    to_stdout(|out| plan.write(out, &collection, &store))?;
    Ok(0)
}

/// What a folder import keeps, and what it says about the rest.
#[derive(Default)]
struct Plan {
    force: bool,
    imports: Vec<Parsed>,
    notes: Vec<String>,
}

impl Plan {
    /// A file checked against a domain's IdP: kept, or refused (kept with a note under
    /// `--force`).
    fn checked(&mut self, parsed: Parsed, idp: &DomainIdp<'_>) -> Result<(), Failure> {
        if let Err(mismatch) = parsed.check(idp) {
            if !self.force {
                return Err(refused(parsed.file(), &mismatch));
            }
            self.notes.push(format!(
                "{}: imported for {} although {mismatch} (--force)",
                parsed.file(),
                idp.domain
            ));
        }
        self.imports.push(parsed);
        Ok(())
    }

    /// Each Entra export goes to the configured domain its name says.
    fn entra(
        &mut self,
        collection: &Collection,
        config: &Config,
        selected: &[&DomainConfig],
        idps: &[DomainIdp<'_>],
        narrowed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), Failure> {
        for e in &collection.entra {
            let Some(at) = selected
                .iter()
                .position(|d| d.name.eq_ignore_ascii_case(&e.domain))
            else {
                if !(narrowed && config.domain(&e.domain).is_ok()) {
                    self.notes.push(format!(
                        "skipped {}: {} is not in the config (fedcert discover --graph --add adds the tenant's federated domains)",
                        e.file, e.domain
                    ));
                }
                continue;
            };
            let parsed = Parsed::Entra(Box::new(ImportedEntra {
                domain: selected[at].name.to_ascii_lowercase(),
                file: e.file.clone(),
                imported_at: now,
                federation: e.federation.clone(),
            }));
            self.checked(parsed, &idps[at])?;
        }
        Ok(())
    }

    /// The AD FS files go to the `--domain` domains (each checked), else to every configured
    /// domain whose metadata comes from that farm.
    fn adfs(
        &mut self,
        collection: &Collection,
        idps: &[DomainIdp<'_>],
        snapshots: &[Result<Snapshot, RefreshError>],
        narrowed: bool,
        now: DateTime<Utc>,
    ) -> Result<(), Failure> {
        let certificates = collection.adfs_certificates.as_ref();
        let properties = collection.adfs_properties.as_ref();
        let Some(first_file) = certificates.map(|c| &c.0).or(properties.map(|p| &p.0)) else {
            return Ok(());
        };
        let files_for = |domain: &str| {
            let domain = domain.to_ascii_lowercase();
            let mut files = Vec::new();
            if let Some((file, certs)) = certificates {
                files.push(Parsed::Certificates(ImportedAdfsCertificates {
                    domain: domain.clone(),
                    file: file.clone(),
                    imported_at: now,
                    certificates: certs.clone(),
                }));
            }
            if let Some((file, properties)) = properties {
                files.push(Parsed::Properties(ImportedAdfsProperties {
                    domain: domain.clone(),
                    file: file.clone(),
                    imported_at: now,
                    properties: properties.clone(),
                }));
            }
            files
        };
        let mut matched = 0;
        for (idp, snapshot) in idps.iter().zip(snapshots) {
            let files = files_for(idp.domain);
            if narrowed {
                for parsed in files {
                    self.checked(parsed, idp)?;
                }
                matched += 1;
                continue;
            }
            // Unasked, the farm's files go where they belong: every check passes, and there
            // is something to check them against.
            let known =
                idp.facts.is_some() || properties.is_some_and(|(_, p)| p.host_name.is_some());
            if known && files.iter().all(|f| f.check(idp).is_ok()) {
                if certificates.is_some() && idp.facts.is_none() {
                    self.notes.push(format!(
                        "{}: its metadata could not be read, so the AD FS files go to it by the farm's HostName only",
                        idp.domain
                    ));
                }
                self.imports.extend(files);
                matched += 1;
            } else if let Err(error) = snapshot {
                self.notes.push(format!(
                    "{}: its metadata could not be read ({error}), so the AD FS files could not be matched to it: --domain {} imports them for it",
                    idp.domain, idp.domain
                ));
            }
        }
        if matched == 0 {
            let why = format!(
                "{first_file}: the AD FS files belong to no configured domain: none of their certificates is in any domain's metadata (another farm's?)"
            );
            if !self.force {
                return Err(Failure::new(
                    EXIT_DATA,
                    format!("{why}; --force --domain NAME imports them for NAME"),
                ));
            }
            self.notes.push(format!(
                "{why}: not imported (--force needs --domain NAME to know where they go)"
            ));
        }
        Ok(())
    }

    fn write(
        &self,
        out: &mut dyn Write,
        collection: &Collection,
        store: &Store,
    ) -> std::io::Result<()> {
        let origin = collection.manifest.as_ref().map_or_else(String::new, |m| {
            let when = m
                .collected_at
                .map_or_else(String::new, |t| format!(" at {}", crate::words::moment(t)));
            let host = m
                .computer
                .as_deref()
                .map_or_else(String::new, |c| format!(" on {c}"));
            format!(" (collected{when}{host})")
        });
        writeln!(
            out,
            "imported {} from {}{origin}",
            crate::words::count(
                i64::try_from(self.imports.len()).unwrap_or(i64::MAX),
                "file"
            ),
            collection.dir.display()
        )?;
        let width = self
            .imports
            .iter()
            .map(|p| p.domain().chars().count())
            .max()
            .unwrap_or(0);
        for parsed in &self.imports {
            writeln!(out, "  {:width$}  {}", parsed.domain(), parsed.brief())?;
        }
        for note in &self.notes {
            writeln!(out, "{note}")?;
        }
        for file in &collection.skipped {
            writeln!(out, "skipped {file}: not a file of the collection script")?;
        }
        for problem in collection.manifest.iter().flat_map(|m| &m.problems) {
            writeln!(out, "the collection script reported: {problem}")?;
        }
        writeln!(out, "stored in {}", store.dir().display())
    }
}

/// The domain, lowercased, and — when a config exists — the config and the domain's entry in
/// it (which it must have).
fn checked_domain(
    global: &GlobalArgs,
    name: &str,
) -> Result<(String, Option<(Config, DomainConfig)>), Failure> {
    let domain = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if domain.is_empty() || domain.contains(['/', '\\', ' ']) {
        return Err(Failure::new(
            EXIT_USAGE,
            format!("--domain {name:?} is not a domain name such as contoso.com"),
        ));
    }
    let path = config::locate(global.config.as_deref());
    if !path.exists() {
        return Ok((domain, None));
    }
    let config = config::load(&path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    let entry = match config.domain(&domain) {
        Ok(entry) => entry.clone(),
        Err(e) => {
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
    };
    Ok((domain, Some((config, entry))))
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
