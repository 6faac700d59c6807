//! PowerShell exports for jump hosts without Graph access (DESIGN.md §1, issue 5):
//!
//! - `Get-MgDomainFederationConfiguration -DomainId D | ConvertTo-Json` → [`ImportedEntra`]
//! - `Get-AdfsCertificate -CertificateType Token-Signing | Select-Object Thumbprint, IsPrimary,
//!   NotAfter, RawData | ConvertTo-Json` (or its plain `ConvertTo-Json`) → [`ImportedAdfsCertificates`]
//! - `Get-AdfsProperties | ConvertTo-Json` → [`ImportedAdfsProperties`]
//!
//! PowerShell writes UTF-8 with a BOM, UTF-16 with a BOM, or (Windows PowerShell 5 with `>`)
//! UTF-16 LE without one; property names are PascalCase and compared case-insensitively, as
//! PowerShell itself does. Dates come as ISO 8601 (PowerShell 7), `/Date(ms)/` (Windows
//! PowerShell 5) or its `{ "value": "/Date(ms)/", "DateTime": … }` wrapper. Every problem is one
//! [`ImportError`] line naming the file.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::assess::{AdfsHeld, AdfsHolds, EntraSide, EntraSource, Policy};
use crate::cert::{CertInfo, Sha1};
use crate::source::graph::{EntraCertificate, FederationConfiguration};
use crate::store::{Store, StoreError};

/// A file that could not be imported: `{file}: {problem}`, one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct ImportError {
    pub file: String,
    pub problem: String,
}

impl ImportError {
    /// `problem`, found in `file`.
    pub fn in_file(file: &str, problem: String) -> Self {
        Self {
            file: file.into(),
            problem,
        }
    }
}

/// How the store names of imports begin.
const STORE_PREFIX: &str = "import-";

/// Which export a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImportKind {
    AdfsCertificates,
    AdfsProperties,
    EntraFederation,
}

impl ImportKind {
    /// The command-line spelling: `adfs-certificates`, `adfs-properties`, `entra-federation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AdfsCertificates => "adfs-certificates",
            Self::AdfsProperties => "adfs-properties",
            Self::EntraFederation => "entra-federation",
        }
    }

    /// Whether any of `names` (a listing of the data dir) is an import of any domain.
    pub fn any_in(names: &HashSet<String>) -> bool {
        names.iter().any(|name| name.starts_with(STORE_PREFIX))
    }

    /// The store file for `domain`: `import-entra-federation-contoso.com.json`.
    pub fn store_name(self, domain: &str) -> String {
        let safe: String = domain
            .trim()
            .to_ascii_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{STORE_PREFIX}{}-{safe}.json", self.as_str())
    }
}

/// `Get-MgDomainFederationConfiguration` for one domain, as imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedEntra {
    pub domain: String,
    pub file: String,
    pub imported_at: DateTime<Utc>,
    pub federation: FederationConfiguration,
}

impl ImportedEntra {
    pub fn parse(
        bytes: &[u8],
        file: &str,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, ImportError> {
        let federation =
            parse_entra_federation(bytes).map_err(|problem| ImportError::in_file(file, problem))?;
        Ok(Self {
            domain: domain.into(),
            file: file.into(),
            imported_at: now,
            federation,
        })
    }

    /// The Entra side as of the import (certificates analysed with [`crate::cert::analyze`]).
    pub fn entra_side(&self) -> EntraSide {
        self.entra_side_with(|der| crate::cert::analyze(der).ok())
    }

    /// As [`Self::entra_side`], with the certificate analysis supplied by the caller.
    pub fn entra_side_with(&self, analyze: impl Fn(&[u8]) -> Option<CertInfo>) -> EntraSide {
        self.federation
            .entra_side_with(EntraSource::Import, self.imported_at, analyze)
    }
}

/// One token-signing certificate from `Get-AdfsCertificate`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdfsCertificate {
    pub thumbprint: Sha1,
    pub is_primary: bool,
    pub not_after: Option<DateTime<Utc>>,
    /// The certificate itself, when the export carries `RawData`.
    pub certificate: Option<EntraCertificate>,
}

/// The AD FS farm's token-signing certificates, as imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedAdfsCertificates {
    pub domain: String,
    pub file: String,
    pub imported_at: DateTime<Utc>,
    pub certificates: Vec<AdfsCertificate>,
}

impl ImportedAdfsCertificates {
    pub fn parse(
        bytes: &[u8],
        file: &str,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, ImportError> {
        let certificates = parse_adfs_certificates(bytes)
            .map_err(|problem| ImportError::in_file(file, problem))?;
        Ok(Self {
            domain: domain.into(),
            file: file.into(),
            imported_at: now,
            certificates,
        })
    }

    /// The certificate AD FS marks `IsPrimary` (it decides the verdict's primary).
    pub fn primary(&self) -> Option<Sha1> {
        self.certificates
            .iter()
            .find(|c| c.is_primary)
            .map(|c| c.thumbprint)
    }

    /// What AD FS holds, as the verdict reads it: each certificate's `RawData` analysed (one
    /// that cannot be read counts as absent: the thumbprint still says what AD FS holds).
    pub fn holds(&self) -> AdfsHolds {
        AdfsHolds {
            certificates: self
                .certificates
                .iter()
                .map(|c| AdfsHeld {
                    sha1: c.thumbprint,
                    is_primary: c.is_primary,
                    not_after: c.not_after,
                    cert: c
                        .certificate
                        .as_ref()
                        .and_then(|raw| crate::cert::analyze(&raw.der).ok()),
                })
                .collect(),
            as_of: Some(self.imported_at),
        }
    }
}

/// The rollover settings of `Get-AdfsProperties`, and the farm they belong to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdfsProperties {
    pub auto_certificate_rollover: bool,
    pub certificate_generation_threshold: Option<u32>,
    pub certificate_promotion_threshold: Option<u32>,
    pub certificate_critical_threshold: Option<u32>,
    pub certificate_duration: Option<u32>,
    /// Minutes between the rollover job's runs.
    pub certificate_rollover_interval: Option<u32>,
    /// Minutes per threshold unit (1440: the thresholds are days).
    pub certificate_threshold_multiplier: Option<u32>,
    /// The federation service identifier (the metadata's entityID), when exported.
    #[serde(default)]
    pub identifier: Option<String>,
    /// The federation service name (`fs.contoso.com`), when exported.
    #[serde(default)]
    pub host_name: Option<String>,
}

impl AdfsProperties {
    /// `policy` with AD FS's own generation, promotion and critical thresholds in place of the defaults.
    /// The thresholds count units of `CertificateThresholdMultiplier` minutes (1440 = a day).
    pub fn apply_to(&self, policy: Policy) -> Policy {
        let multiplier = u64::from(self.certificate_threshold_multiplier.unwrap_or(1440).max(1));
        let days =
            |units: u32| u32::try_from(u64::from(units) * multiplier / 1440).unwrap_or(u32::MAX);
        Policy {
            generation_days: self
                .certificate_generation_threshold
                .map_or(policy.generation_days, days),
            promotion_days: self
                .certificate_promotion_threshold
                .map_or(policy.promotion_days, days),
            critical_days: self
                .certificate_critical_threshold
                .map_or(policy.critical_days, days),
            ..policy
        }
    }
}

/// `Get-AdfsProperties`, as imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedAdfsProperties {
    pub domain: String,
    pub file: String,
    pub imported_at: DateTime<Utc>,
    pub properties: AdfsProperties,
}

impl ImportedAdfsProperties {
    pub fn parse(
        bytes: &[u8],
        file: &str,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, ImportError> {
        let properties =
            parse_adfs_properties(bytes).map_err(|problem| ImportError::in_file(file, problem))?;
        Ok(Self {
            domain: domain.into(),
            file: file.into(),
            imported_at: now,
            properties,
        })
    }
}

/// Everything imported for one domain. Each import is boxed: most domains of a large fleet
/// have none, and a fleet holds one of these per domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imports {
    pub entra: Option<Box<ImportedEntra>>,
    pub adfs_certificates: Option<Box<ImportedAdfsCertificates>>,
    pub adfs_properties: Option<Box<ImportedAdfsProperties>>,
}

impl Imports {
    /// Read the imports stored for `domain`. Each kind stands alone: one that cannot be read
    /// (a corrupt file is moved aside by the store) is left out and reported, and the others
    /// are still used.
    pub fn load(store: &Store, domain: &str) -> (Self, Vec<StoreError>) {
        Self::load_listed(store, domain, None)
    }

    /// [`Self::load`], looking only for the files in `listed` ([`Store::file_names`]) when
    /// given: a fleet of 10,000 domains then costs one listing, not 30,000 lookups.
    pub fn load_listed(
        store: &Store,
        domain: &str,
        listed: Option<&HashSet<String>>,
    ) -> (Self, Vec<StoreError>) {
        fn read<T: serde::de::DeserializeOwned>(
            store: &Store,
            name: &str,
            listed: Option<&HashSet<String>>,
            problems: &mut Vec<StoreError>,
        ) -> Option<Box<T>> {
            if listed.is_some_and(|names| !names.contains(name)) {
                return None;
            }
            store
                .read_json(name)
                .unwrap_or_else(|e| {
                    problems.push(e);
                    None
                })
                .map(Box::new)
        }
        let mut problems = Vec::new();
        let name = |kind: ImportKind| kind.store_name(domain);
        let entra = read(
            store,
            &name(ImportKind::EntraFederation),
            listed,
            &mut problems,
        );
        let adfs_certificates = read(
            store,
            &name(ImportKind::AdfsCertificates),
            listed,
            &mut problems,
        );
        let adfs_properties = read(
            store,
            &name(ImportKind::AdfsProperties),
            listed,
            &mut problems,
        );
        let imports = Self {
            entra,
            adfs_certificates,
            adfs_properties,
        };
        (imports, problems)
    }

    pub fn auto_rollover(&self) -> Option<bool> {
        self.adfs_properties
            .as_ref()
            .map(|p| p.properties.auto_certificate_rollover)
    }

    pub fn primary(&self) -> Option<Sha1> {
        self.adfs_certificates
            .as_deref()
            .and_then(ImportedAdfsCertificates::primary)
    }

    /// The imported AD FS certificate list, as the verdict reads it.
    pub fn adfs_holds(&self) -> Option<AdfsHolds> {
        self.adfs_certificates
            .as_deref()
            .map(ImportedAdfsCertificates::holds)
    }

    /// The imported Entra side, if any (source `import`, as of its import time).
    pub fn entra_side(&self) -> Option<EntraSide> {
        self.entra.as_deref().map(ImportedEntra::entra_side)
    }

    /// `policy` with the imported AD FS thresholds applied, if any.
    pub fn policy(&self, policy: Policy) -> Policy {
        self.adfs_properties
            .as_ref()
            .map_or(policy, |p| p.properties.apply_to(policy))
    }
}

/// Save an import in the data dir, replacing an earlier one of the same kind for the domain.
pub fn save<T: Serialize>(
    store: &Store,
    kind: ImportKind,
    domain: &str,
    import: &T,
) -> Result<String, StoreError> {
    let name = kind.store_name(domain);
    store.write_json(&name, import)?;
    Ok(name)
}

/// Read an export from disk; a failure names the file.
pub fn read_file(path: &Path) -> Result<Vec<u8>, ImportError> {
    std::fs::read(path)
        .map_err(|e| ImportError::in_file(&path.display().to_string(), format!("cannot read: {e}")))
}

// --- Text decoding -------------------------------------------------------------------------

/// Bytes as PowerShell writes them → text: UTF-8 (with or without BOM), UTF-16 LE / BE with a
/// BOM, or UTF-16 LE without one (Windows PowerShell 5's `>`), recognised by its zero bytes.
pub fn decode_text(bytes: &[u8]) -> Result<String, String> {
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8(rest)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, u16::from_le_bytes, "UTF-16 LE")?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, u16::from_be_bytes, "UTF-16 BE")?
    } else if bytes.len() >= 2 && bytes[0] != 0 && bytes[1] == 0 {
        utf16(bytes, u16::from_le_bytes, "UTF-16 LE")?
    } else if bytes.len() >= 2 && bytes[0] == 0 && bytes[1] != 0 {
        utf16(bytes, u16::from_be_bytes, "UTF-16 BE")?
    } else {
        utf8(bytes)?
    };
    if text.trim().is_empty() {
        return Err("the file is empty".into());
    }
    Ok(text)
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!("not UTF-8 or UTF-16 text (invalid byte at offset {}); save it from PowerShell with ConvertTo-Json | Out-File -Encoding utf8", e.utf8_error().valid_up_to())
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, name: &str) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(format!(
            "{name} text with an odd number of bytes ({}): the file is cut short",
            bytes.len()
        ));
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|e| {
            format!(
                "invalid {name} text (unpaired surrogate {:#06x})",
                e.unpaired_surrogate()
            )
        })
}

fn parse_json(bytes: &[u8]) -> Result<Value, String> {
    let text = decode_text(bytes)?;
    serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))
}

// --- Case-insensitive access, as PowerShell reads properties ------------------------------

/// The property `name` of `obj`, ignoring case; `null` counts as absent.
pub(crate) fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

/// The property name as the file spells it (`SigningCertificate` for `signingCertificate`), for messages.
pub(crate) fn spelled<'a>(obj: &'a Map<String, Value>, name: &'a str) -> &'a str {
    obj.keys()
        .find(|key| key.eq_ignore_ascii_case(name))
        .map_or(name, String::as_str)
}

/// A non-empty string property.
pub(crate) fn string(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(other) => Err(format!(
            "{} is {}, expected a string",
            spelled(obj, name),
            kind_of(other)
        )),
    }
}

fn boolean(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(format!(
            "{} is {}, expected true or false",
            spelled(obj, name),
            kind_of(other)
        )),
    }
}

fn count(obj: &Map<String, Value>, name: &str) -> Result<Option<u32>, String> {
    let name = spelled(obj, name);
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| format!("{name} is {n}, expected a whole number of 0 or more")),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} is {s:?}, expected a whole number")),
        Some(other) => Err(format!("{name} is {}, expected a number", kind_of(other))),
    }
}

/// A date property in any of PowerShell's spellings; `0001-01-01` (DateTime.MinValue, "never")
/// counts as absent.
pub(crate) fn date(obj: &Map<String, Value>, name: &str) -> Result<Option<DateTime<Utc>>, String> {
    let name = spelled(obj, name);
    field(obj, name).map_or(Ok(None), |v| {
        parse_date(v).map_err(|why| format!("{name}: {why}"))
    })
}

fn parse_date(value: &Value) -> Result<Option<DateTime<Utc>>, String> {
    let parsed = match value {
        Value::String(s) => parse_date_text(s.trim())?,
        // Windows PowerShell 5 wraps some dates: { "value": "/Date(…)/", "DateTime": "Friday, …" }.
        Value::Object(wrapper) => match field(wrapper, "value") {
            Some(inner) => return parse_date(inner),
            None => return Err("a date object without a value".into()),
        },
        other => return Err(format!("{} is not a date", kind_of(other))),
    };
    Ok(parsed.filter(|d| d.timestamp() > -62_135_596_800 + 86_400))
}

fn parse_date_text(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(inner) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(1633046400000)/` or `/Date(1633046400000+0200)/`: the milliseconds are UTC.
        let digits_end = inner
            .char_indices()
            .skip(1)
            .find(|(_, c)| matches!(c, '+' | '-'))
            .map_or(inner.len(), |(i, _)| i);
        let millis: i64 = inner[..digits_end]
            .parse()
            .map_err(|_| format!("{s:?} is not a /Date(ms)/ value"))?;
        return DateTime::from_timestamp_millis(millis)
            .map(Some)
            .ok_or_else(|| format!("{s:?} is out of range"));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    // `ToString('o')` of an unspecified-kind DateTime has no offset: read it as UTC.
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| Some(t.and_utc()))
        .map_err(|_| {
            format!("{s:?} is not a date (expected ISO 8601 such as 2026-01-31T12:00:00Z)")
        })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The names of an object's properties, for "found: …" hints.
fn property_names(obj: &Map<String, Value>) -> String {
    let mut names: Vec<&str> = obj.keys().map(String::as_str).take(6).collect();
    if obj.len() > names.len() {
        names.push("…");
    }
    if names.is_empty() {
        "no properties".into()
    } else {
        names.join(", ")
    }
}

// --- The three exports ----------------------------------------------------------------------

/// `Get-MgDomainFederationConfiguration | ConvertTo-Json`: one object, a one-element list, or a
/// Graph response `{ "value": [ … ] }` saved from `Invoke-MgGraphRequest`.
pub fn parse_entra_federation(bytes: &[u8]) -> Result<FederationConfiguration, String> {
    let value = parse_json(bytes)?;
    let obj = single_object(&value, "Get-MgDomainFederationConfiguration output")?;
    let obj = match field(obj, "value") {
        Some(inner) => single_object(inner, "Graph federationConfiguration response")?,
        None => obj,
    };
    if ["SigningCertificate", "IssuerUri", "Id"]
        .iter()
        .all(|name| field(obj, name).is_none())
    {
        return Err(format!(
            "not Get-MgDomainFederationConfiguration output: no SigningCertificate, IssuerUri or Id (found: {})",
            property_names(obj)
        ));
    }
    FederationConfiguration::from_json(obj)
}

fn single_object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, String> {
    match value {
        Value::Object(obj) => Ok(obj),
        Value::Array(items) => match items.as_slice() {
            [Value::Object(obj)] => Ok(obj),
            [] => Err(format!("an empty list: expected {what} for one domain")),
            [_] => Err(format!(
                "a list holding {}: expected {what}",
                kind_of(&items[0])
            )),
            _ => Err(format!(
                "a list of {} objects: expected {what} for one domain (add -DomainId)",
                items.len()
            )),
        },
        other => Err(format!("{} at the top: expected {what}", kind_of(other))),
    }
}

/// `Get-AdfsCertificate` as the checklist's export command writes it (`Thumbprint, IsPrimary,
/// NotAfter, RawData`), or its plain `ConvertTo-Json` (`Certificate` object, `CertificateType`);
/// a single object or a list. Only token-signing certificates are kept.
pub fn parse_adfs_certificates(bytes: &[u8]) -> Result<Vec<AdfsCertificate>, String> {
    let value = parse_json(bytes)?;
    let items: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut certificates: Vec<AdfsCertificate> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            return Err(format!(
                "item {} is {}, expected a certificate object",
                index + 1,
                kind_of(item)
            ));
        };
        let where_ = |why: String| format!("certificate {}: {why}", index + 1);
        let kind = string(obj, "CertificateType").map_err(where_)?;
        if kind.is_some_and(|k| !k.eq_ignore_ascii_case("Token-Signing")) {
            continue;
        }
        let cert = adfs_certificate(obj).map_err(where_)?;
        if !certificates.iter().any(|c| c.thumbprint == cert.thumbprint) {
            certificates.push(cert);
        }
    }
    if certificates.is_empty() {
        return Err("no token-signing certificate in the file (run Get-AdfsCertificate -CertificateType Token-Signing)".into());
    }
    let primaries = certificates.iter().filter(|c| c.is_primary).count();
    if primaries > 1 {
        return Err(format!(
            "{primaries} certificates are marked IsPrimary; AD FS has exactly one primary"
        ));
    }
    Ok(certificates)
}

fn adfs_certificate(obj: &Map<String, Value>) -> Result<AdfsCertificate, String> {
    let inner = match field(obj, "Certificate") {
        Some(Value::Object(inner)) => Some(inner),
        _ => None,
    };
    let from_either = |name: &str| -> Result<Option<String>, String> {
        match string(obj, name)? {
            Some(s) => Ok(Some(s)),
            None => inner.map_or(Ok(None), |i| string(i, name)),
        }
    };
    let thumbprint_text = from_either("Thumbprint")?.ok_or_else(|| {
        format!(
            "no Thumbprint: not Get-AdfsCertificate output (found: {})",
            property_names(obj)
        )
    })?;
    let thumbprint: Sha1 = thumbprint_text
        .parse()
        .map_err(|e| format!("Thumbprint: {e}"))?;
    let is_primary = boolean(obj, "IsPrimary")?.ok_or(
        "no IsPrimary: export with Select-Object Thumbprint, IsPrimary, NotAfter, RawData",
    )?;
    let not_after = match date(obj, "NotAfter")? {
        Some(t) => Some(t),
        None => inner.map_or(Ok(None), |i| date(i, "NotAfter"))?,
    };
    let raw = match field(obj, "RawData") {
        Some(v) => raw_data(v)?,
        None => inner
            .and_then(|i| field(i, "RawData"))
            .map_or(Ok(None), raw_data)?,
    };
    if let Some(cert) = raw.as_ref().filter(|c| c.sha1 != thumbprint) {
        return Err(format!(
            "RawData hashes to {} but Thumbprint says {thumbprint}",
            cert.sha1
        ));
    }
    Ok(AdfsCertificate {
        thumbprint,
        is_primary,
        not_after,
        certificate: raw,
    })
}

/// `RawData` as base64 (the export command) or as a list of byte values (plain ConvertTo-Json).
/// A depth-truncated `"System.Byte[]"` carries nothing and counts as absent.
fn raw_data(value: &Value) -> Result<Option<EntraCertificate>, String> {
    match value {
        Value::String(s) if s.trim() == "System.Byte[]" || s.trim().is_empty() => Ok(None),
        Value::String(s) => EntraCertificate::from_base64(s)
            .map(Some)
            .map_err(|why| format!("RawData: {why}")),
        Value::Array(items) => {
            let bytes: Option<Vec<u8>> = items
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            let bytes = bytes.ok_or("RawData: a list that is not all byte values (0-255)")?;
            EntraCertificate::from_der(bytes)
                .map(Some)
                .map_err(|why| format!("RawData: {why}"))
        }
        other => Err(format!(
            "RawData is {}, expected base64 text",
            kind_of(other)
        )),
    }
}

/// `Get-AdfsProperties | ConvertTo-Json`: `AutoCertificateRollover` and the certificate thresholds.
pub fn parse_adfs_properties(bytes: &[u8]) -> Result<AdfsProperties, String> {
    let value = parse_json(bytes)?;
    let obj = single_object(&value, "Get-AdfsProperties output")?;
    let auto = boolean(obj, "AutoCertificateRollover")?.ok_or_else(|| {
        format!(
            "not Get-AdfsProperties output: no AutoCertificateRollover (found: {})",
            property_names(obj)
        )
    })?;
    Ok(AdfsProperties {
        auto_certificate_rollover: auto,
        certificate_generation_threshold: count(obj, "CertificateGenerationThreshold")?,
        certificate_promotion_threshold: count(obj, "CertificatePromotionThreshold")?,
        certificate_critical_threshold: count(obj, "CertificateCriticalThreshold")?,
        certificate_duration: count(obj, "CertificateDuration")?,
        certificate_rollover_interval: count(obj, "CertificateRolloverInterval")?,
        certificate_threshold_multiplier: count(obj, "CertificateThresholdMultiplier")?,
        identifier: uri(obj, "Identifier")?,
        host_name: string(obj, "HostName")?,
    })
}

/// A `System.Uri` as ConvertTo-Json may write it: a string, or an object with `AbsoluteUri` /
/// `OriginalString`.
fn uri(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match field(obj, name) {
        Some(Value::Object(inner)) => match string(inner, "OriginalString")? {
            Some(text) => Ok(Some(text)),
            None => string(inner, "AbsoluteUri"),
        },
        _ => string(obj, name),
    }
}
