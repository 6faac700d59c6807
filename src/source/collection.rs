//! The folder the collection script (`assets/fedcert-collect.ps1`, printed by `fedcert import
//! --script`) writes in one run on the AD FS server, read back as imports:
//!
//! - `adfs-certificates.json`: `Get-AdfsCertificate -CertificateType Token-Signing` (`Thumbprint`,
//!   `IsPrimary`, `NotAfter`, `RawData`);
//! - `adfs-properties.json`: `Get-AdfsProperties` (`HostName`, `Identifier`, the rollover
//!   settings);
//! - `entra-federation.DOMAIN.json`: `Get-MgDomainFederationConfiguration`, one per federated
//!   domain of the tenant;
//! - `manifest.json`: when and where it ran, and what it could not collect.
//!
//! Each file is read as any import is (UTF-8 or UTF-16, with or without BOM, PowerShell's
//! dates), so a file saved again by hand with `>` still reads.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::graph::FederationConfiguration;
use super::imports::{
    self, AdfsCertificate, AdfsProperties, ImportError, decode_text, field, string,
};

/// The script's version of the folder's layout, in `manifest.json`'s `Format`.
pub const FORMAT: &str = "fedcert-collection/1";

/// The collection script, as shipped in `assets/`.
pub const SCRIPT: &str = include_str!("../../assets/fedcert-collect.ps1");

const ADFS_CERTIFICATES: &str = "adfs-certificates.json";
const ADFS_PROPERTIES: &str = "adfs-properties.json";
const MANIFEST: &str = "manifest.json";
const ENTRA_PREFIX: &str = "entra-federation.";

/// What `manifest.json` says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub collected_at: Option<DateTime<Utc>>,
    pub computer: Option<String>,
    /// What the script could not collect, in its words.
    pub problems: Vec<String>,
}

/// One domain's Entra export in the folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntraFile {
    /// The domain, from the file's name (or its `DomainId`).
    pub domain: String,
    pub file: String,
    pub federation: FederationConfiguration,
}

/// A collection folder, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collection {
    pub dir: PathBuf,
    /// `(file, certificates)`.
    pub adfs_certificates: Option<(String, Vec<AdfsCertificate>)>,
    /// `(file, properties)`.
    pub adfs_properties: Option<(String, AdfsProperties)>,
    pub entra: Vec<EntraFile>,
    pub manifest: Option<Manifest>,
    /// Files in the folder that are not part of a collection.
    pub skipped: Vec<String>,
}

impl Collection {
    /// Read every file of the collection in `dir`. A file that cannot be read or is not what
    /// its name says fails the whole folder (one line naming the file); other files are
    /// skipped and listed.
    pub fn read(dir: &Path) -> Result<Self, ImportError> {
        let name = dir.display().to_string();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| ImportError::in_file(&name, format!("cannot read the folder: {e}")))?;
        let mut files: Vec<PathBuf> = Vec::new();
        for entry in entries {
            let entry = entry
                .map_err(|e| ImportError::in_file(&name, format!("cannot read the folder: {e}")))?;
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                files.push(entry.path());
            }
        }
        files.sort();
        let mut collection = Self {
            dir: dir.to_path_buf(),
            ..Self::default()
        };
        for path in files {
            collection.take(&path)?;
        }
        if collection.adfs_certificates.is_none()
            && collection.adfs_properties.is_none()
            && collection.entra.is_empty()
        {
            return Err(ImportError::in_file(
                &name,
                format!(
                    "no file of the collection script in the folder ({ADFS_CERTIFICATES}, {ADFS_PROPERTIES}, {ENTRA_PREFIX}DOMAIN.json): run the script fedcert import --script prints, then import the folder it writes"
                ),
            ));
        }
        Ok(collection)
    }

    fn take(&mut self, path: &Path) -> Result<(), ImportError> {
        let file = path.display().to_string();
        let Some(base) = path.file_name().and_then(|n| n.to_str()) else {
            self.skipped.push(file);
            return Ok(());
        };
        let lower = base.to_ascii_lowercase();
        let bytes = || imports::read_file(path);
        let invalid = |problem: String| ImportError::in_file(&file, problem);
        if lower == ADFS_CERTIFICATES {
            let certs = imports::parse_adfs_certificates(&bytes()?).map_err(invalid)?;
            self.adfs_certificates = Some((file, certs));
        } else if lower == ADFS_PROPERTIES {
            let properties = imports::parse_adfs_properties(&bytes()?).map_err(invalid)?;
            self.adfs_properties = Some((file, properties));
        } else if lower == MANIFEST {
            self.manifest = Some(manifest(&bytes()?).map_err(invalid)?);
        } else if let Some(domain) = lower
            .strip_prefix(ENTRA_PREFIX)
            .and_then(|rest| rest.strip_suffix(".json"))
            .filter(|d| !d.is_empty())
        {
            let bytes = bytes()?;
            let federation = imports::parse_entra_federation(&bytes).map_err(invalid)?;
            let named = domain_id(&bytes).map_err(invalid)?;
            if let Some(named) = named.filter(|n| !n.eq_ignore_ascii_case(domain)) {
                return Err(invalid(format!(
                    "its name says {domain} but its DomainId says {named}: rename it entra-federation.{named}.json"
                )));
            }
            self.entra.push(EntraFile {
                domain: domain.to_owned(),
                file,
                federation,
            });
        } else {
            self.skipped.push(file);
        }
        Ok(())
    }
}

/// The `DomainId` the script adds to each Entra export, when present.
fn domain_id(bytes: &[u8]) -> Result<Option<String>, String> {
    let text = decode_text(bytes)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    match &value {
        Value::Object(obj) => string(obj, "DomainId"),
        _ => Ok(None),
    }
}

fn manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let text = decode_text(bytes)?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(obj) = &value else {
        return Err("not the collection script's manifest: expected an object".into());
    };
    if let Some(format) = string(obj, "Format")?
        && format != FORMAT
    {
        return Err(format!(
            "written by another version of the collection script (Format {format:?}, this fedcert reads {FORMAT:?}): run the script fedcert import --script prints"
        ));
    }
    let problems = match field(obj, "Problems") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    Ok(Manifest {
        collected_at: imports::date(obj, "CollectedAt")?,
        computer: string(obj, "Computer")?,
        problems,
    })
}
