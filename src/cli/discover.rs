//! `fedcert discover <DOMAIN|UPN> [--json] [--add]`: ask Entra's public home-realm endpoints
//! whether a domain is federated and where its IdP is. `fedcert discover --graph [--add]`: list
//! the tenant's federated domains through Microsoft Graph. `--add` appends the domains missing
//! from the config file as TOML text, with comments for what fedcert could not find out; the
//! user's file is never rewritten.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::json::timestamp;
use super::output::to_stdout;
use super::{EXIT_DATA, EXIT_UNAVAILABLE, EXIT_USAGE, Failure, GlobalArgs, Outcome};
use crate::config::{self, Config};
use crate::source::graph::{
    DEFAULT_AUTHORITY, FederationConfiguration, GraphClient, GraphError, GraphSettings,
};
use crate::source::realm::{Discovery, NamespaceType, RealmClient, RealmError};

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// A domain (contoso.com) or a user principal name (alice@contoso.com).
    #[arg(
        value_name = "DOMAIN|UPN",
        required_unless_present = "graph",
        conflicts_with = "graph"
    )]
    pub target: Option<String>,
    /// List the tenant's federated domains through Microsoft Graph ([entra] in the config).
    #[arg(long)]
    pub graph: bool,
    /// With --graph: the tenant to list, a [[tenant]] name or [entra]'s name or tenant_id
    /// (default: [entra], or the only [[tenant]]).
    #[arg(long, value_name = "TENANT", requires = "graph")]
    pub tenant: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiscoverFormat::Text)]
    pub format: DiscoverFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Append the domains missing from the config file to it (as text; nothing is rewritten).
    #[arg(long)]
    pub add: bool,
    /// Entra's sign-in host for home-realm discovery (national clouds).
    /// Default: [entra] authority from the config, else https://login.microsoftonline.com.
    #[arg(long, value_name = "URL")]
    pub authority: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiscoverFormat {
    Text,
    Json,
}

pub async fn run(global: &GlobalArgs, args: &DiscoverArgs, now: DateTime<Utc>) -> Outcome {
    let path = config::locate(global.config.as_deref());
    let config = if path.exists() {
        Some(config::load(&path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?)
    } else {
        None
    };
    let json = args.json || args.format == DiscoverFormat::Json;
    if args.graph {
        return run_graph(
            &path,
            config.as_ref(),
            args.tenant.as_deref(),
            json,
            args.add,
            now,
        )
        .await;
    }
    let target = args.target.as_deref().unwrap_or_default();
    let authority = args
        .authority
        .clone()
        .or_else(|| {
            config
                .as_ref()
                .and_then(|c| c.entra.as_ref())
                .map(|e| e.authority.clone())
        })
        .unwrap_or_else(|| DEFAULT_AUTHORITY.to_owned());
    let client = RealmClient::new(&authority, timeout(config.as_ref()))
        .map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
    let discovery = client.discover(target).await.map_err(|e| match e {
        RealmError::BadInput { .. } | RealmError::BadAuthority(_) => {
            Failure::new(EXIT_USAGE, e.to_string())
        }
        RealmError::Unreachable { .. } => Failure::new(EXIT_UNAVAILABLE, e.to_string()),
    })?;
    to_stdout(|out| {
        if json {
            serde_json::to_writer_pretty(&mut *out, &discovery)?;
            writeln!(out)
        } else {
            write_discovery(out, &discovery)
        }
    })?;
    if !args.add {
        return Ok(0);
    }
    if discovery.namespace_type != NamespaceType::Federated {
        return Err(Failure::new(
            EXIT_DATA,
            format!("nothing added to {}: {}", path.display(), discovery.note),
        ));
    }
    let entry = DomainEntry::from_discovery(&discovery, now);
    add_entries(&path, config.as_ref(), &[entry])
}

/// `--graph`: every federated domain of the tenant, each with its federation configuration.
async fn run_graph(
    path: &Path,
    config: Option<&Config>,
    tenant: Option<&str>,
    json: bool,
    add: bool,
    now: DateTime<Utc>,
) -> Outcome {
    let entra = match (config, tenant) {
        (Some(config), Some(name)) => config
            .tenant(name)
            .map_err(|e| Failure::new(EXIT_USAGE, format!("--tenant: {e}")))?,
        (Some(config), None) => config.default_tenant().ok_or_else(|| {
            if config.tenants.is_empty() {
                no_entra(path)
            } else {
                Failure::new(
                    EXIT_USAGE,
                    "several tenants are configured: name one with --tenant NAME",
                )
            }
        })?,
        (None, _) => return Err(no_entra(path)),
    };
    // Domains appended for a tenant other than the default one say which.
    let tenant_key =
        (config.and_then(|c| c.entra.as_ref()) != Some(entra)).then(|| entra.label().to_owned());
    let settings = GraphSettings::from_config(entra, timeout(config))
        .map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    let client = GraphClient::new(&settings).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    let domains = client
        .federated_domains(now)
        .await
        .map_err(|e| graph_failure(&e))?;
    let mut rows = Vec::new();
    for domain in &domains {
        let result = client.federation_configuration(&domain.id, now).await;
        rows.push(GraphRow::new(&domain.id, result, config));
    }
    to_stdout(|out| {
        if json {
            let report = GraphReport {
                tenant: &entra.tenant_id,
                domains: &rows,
            };
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        } else {
            write_graph_rows(out, &entra.tenant_id, &rows)
        }
    })?;
    if !add {
        return Ok(0);
    }
    let entries: Vec<DomainEntry> = rows
        .iter()
        .filter(|row| !row.in_config)
        .map(|row| DomainEntry {
            tenant: tenant_key.clone(),
            ..DomainEntry::from_graph(row, now)
        })
        .collect();
    add_entries(path, config, &entries)
}

fn no_entra(path: &Path) -> Failure {
    Failure::new(
        EXIT_DATA,
        format!(
            "--graph needs an [entra] table (tenant_id; then fedcert login, or an app's client_id and client_secret_env) in {}",
            path.display()
        ),
    )
}

fn timeout(config: Option<&Config>) -> Duration {
    config.map_or(Duration::from_secs(20), |c| c.settings.timeout)
}

fn graph_failure(error: &GraphError) -> Failure {
    let code = match error {
        GraphError::Setup(_) => EXIT_DATA,
        GraphError::SignIn(_) => super::EXIT_NO_PERMISSION,
        _ => EXIT_UNAVAILABLE,
    };
    Failure::new(code, error.to_string())
}

fn in_config(config: Option<&Config>, domain: &str) -> bool {
    config.is_some_and(|c| {
        c.domains
            .iter()
            .any(|d| d.name.eq_ignore_ascii_case(domain))
    })
}

/// One domain of `--graph`: the discover fields plus what Graph adds.
#[derive(Serialize)]
struct GraphRow {
    #[serde(flatten)]
    discovery: Discovery,
    in_config: bool,
    issuer_uri: Option<String>,
    federation_id: Option<String>,
    /// `issuerUri` is `http://{domain}/adfs/services/trust/` (`-SupportMultipleDomain`).
    support_multiple_domain: Option<bool>,
    error: Option<String>,
}

impl GraphRow {
    fn new(
        domain: &str,
        result: Result<FederationConfiguration, GraphError>,
        config: Option<&Config>,
    ) -> Self {
        let in_config = in_config(config, domain);
        match result {
            Ok(federation) => Self {
                discovery: Discovery::from_graph(domain, &federation),
                in_config,
                // The `-SupportMultipleDomain` issuer is an AD FS convention.
                support_multiple_domain: federation
                    .metadata_url()
                    .and(federation.issuer_uri.as_ref())
                    .map(|_| federation.uses_multiple_domain_issuer(domain)),
                issuer_uri: federation.issuer_uri,
                federation_id: federation.id,
                error: None,
            },
            Err(error) => Self {
                discovery: Discovery::from_graph(domain, &FederationConfiguration::default()),
                in_config,
                issuer_uri: None,
                federation_id: None,
                support_multiple_domain: None,
                error: Some(error.to_string()),
            },
        }
    }
}

#[derive(Serialize)]
struct GraphReport<'a> {
    tenant: &'a str,
    domains: &'a [GraphRow],
}

fn write_discovery(out: &mut dyn Write, d: &Discovery) -> std::io::Result<()> {
    let brand = d
        .brand
        .as_deref()
        .map(|b| format!(" ({b})"))
        .unwrap_or_default();
    writeln!(out, "{}: {:?}{brand}", d.domain, d.namespace_type)?;
    let rows = [
        ("IdP", idp_label(d)),
        ("sign-in URL", d.auth_url.clone()),
        ("metadata URL", d.metadata_url.clone()),
        ("active URL", d.sts_auth_url.clone()),
        ("MEX URL", d.mex_url.clone()),
    ];
    for (label, value) in rows {
        if let Some(value) = value {
            writeln!(out, "  {label:<13} {value}")?;
        }
    }
    writeln!(out, "  {}", d.note)?;
    for warning in &d.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    Ok(())
}

fn idp_label(d: &Discovery) -> Option<String> {
    match (d.idp_product, &d.idp_host) {
        (Some(product), Some(host)) => Some(format!("{product} at {host}")),
        (None, Some(host)) => Some(host.clone()),
        _ => None,
    }
}

fn write_graph_rows(out: &mut dyn Write, tenant: &str, rows: &[GraphRow]) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "tenant {tenant} has no federated domains");
    }
    let width = rows
        .iter()
        .map(|r| r.discovery.domain.len())
        .max()
        .unwrap_or(0);
    writeln!(out, "federated domains of tenant {tenant}:")?;
    for row in rows {
        let d = &row.discovery;
        let status = if row.in_config {
            "in config"
        } else {
            "not in config"
        };
        match &row.error {
            Some(error) => writeln!(out, "  {:<width$}  {status:<13}  error: {error}", d.domain)?,
            None => writeln!(
                out,
                "  {:<width$}  {status:<13}  {}  {}",
                d.domain,
                idp_label(d).unwrap_or_else(|| "no sign-in URL".into()),
                d.metadata_url
                    .as_deref()
                    .unwrap_or("(no metadata URL can be derived)")
            )?,
        }
    }
    Ok(())
}

/// A `[[domain]]` table to append, with what fedcert knows and comments for the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainEntry {
    pub name: String,
    pub metadata_url: Option<String>,
    pub support_multiple_domain: Option<bool>,
    /// Where the facts came from, for the comment above the table.
    pub origin: String,
    /// Why the metadata URL is missing, when it is.
    pub missing_url_reason: String,
    /// The `[[tenant]]` the domain belongs to, when it is not `[entra]`'s.
    pub tenant: Option<String>,
}

impl DomainEntry {
    fn from_discovery(d: &Discovery, now: DateTime<Utc>) -> Self {
        let brand = d
            .brand
            .as_deref()
            .map(|b| format!(", brand {b:?}"))
            .unwrap_or_default();
        let origin = format!(
            "added by `fedcert discover` on {} from home-realm discovery: Federated{brand}",
            timestamp(&now)
        );
        Self::discovered(d, &origin, d.note.clone())
    }

    fn from_graph(row: &GraphRow, now: DateTime<Utc>) -> Self {
        let d = &row.discovery;
        let origin = format!(
            "added by `fedcert discover --graph` on {} from Microsoft Graph",
            timestamp(&now)
        );
        Self {
            support_multiple_domain: row.support_multiple_domain,
            ..Self::discovered(
                d,
                &origin,
                row.error.clone().unwrap_or_else(|| d.note.clone()),
            )
        }
    }

    /// What `d` found, said to come from `origin` (the IdP is added when known).
    fn discovered(d: &Discovery, origin: &str, missing_url_reason: String) -> Self {
        let idp = idp_label(d)
            .map(|l| format!(", IdP {l}"))
            .unwrap_or_default();
        Self {
            name: d.domain.clone(),
            metadata_url: d.metadata_url.clone(),
            support_multiple_domain: None,
            origin: format!("{origin}{idp}"),
            missing_url_reason,
            tenant: None,
        }
    }

    /// The TOML text: a live `[[domain]]` when the metadata URL is known, else the same table
    /// commented out, so the config stays valid until the user fills it in.
    pub fn render(&self) -> String {
        let mut lines = vec![
            format!("[[domain]]"),
            format!("name = {}", toml_string(&self.name)),
        ];
        match &self.metadata_url {
            Some(url) => lines.push(format!("metadata_url = {}", toml_string(url))),
            None => lines
                .push("metadata_url = \"https://…\"   # from the IdP's admin console".to_owned()),
        }
        if let Some(tenant) = &self.tenant {
            lines.push(format!("tenant = {}", toml_string(tenant)));
        }
        lines.push(
            "# auto_rollover = true   # unknown: AutoCertificateRollover of Get-AdfsProperties (AD FS only)".into(),
        );
        lines.push(
            "# adfs_primary_server = \"adfs01.corp.example\"   # unknown: the server whose (Get-AdfsSyncProperties).Role is PrimaryComputer".into(),
        );
        match self.support_multiple_domain {
            Some(true) => lines.push(
                "support_multiple_domain = true   # Entra's issuerUri is http://<domain>/adfs/services/trust/".into(),
            ),
            Some(false) => lines.push("support_multiple_domain = false".into()),
            None => lines.push(
                "# support_multiple_domain = false   # unknown: true if federated with -SupportMultipleDomain".into(),
            ),
        }
        let mut text = format!("\n# {}\n", self.origin);
        if self.metadata_url.is_some() {
            for line in lines {
                text.push_str(&line);
                text.push('\n');
            }
        } else {
            let _ = write!(
                text,
                "# Left commented out: {}\n# Fill in metadata_url, then remove one leading \"# \" from each line of the table.\n",
                self.missing_url_reason
            );
            // Every line gets one more "# ": uncommenting the block once (an editor's "toggle
            // comment") makes the table live and leaves the unknown values as comments.
            for line in lines {
                text.push_str("# ");
                text.push_str(&line);
                text.push('\n');
            }
        }
        text
    }
}

/// A TOML basic string (quotes and escapes as TOML needs them).
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Append the entries missing from the config and say what happened.
fn add_entries(path: &Path, config: Option<&Config>, entries: &[DomainEntry]) -> Outcome {
    let (present, missing): (Vec<&DomainEntry>, Vec<&DomainEntry>) =
        entries.iter().partition(|e| in_config(config, &e.name));
    let text: String = missing.iter().map(|e| e.render()).collect();
    if !text.is_empty() {
        append_to_config(path, &text).map_err(|e| Failure::new(EXIT_DATA, e))?;
    }
    let mut report = Vec::new();
    for entry in &missing {
        let how = if entry.metadata_url.is_some() {
            "added"
        } else {
            "added commented out (fill in metadata_url)"
        };
        report.push(format!("{}: {how} to {}", entry.name, path.display()));
    }
    for entry in &present {
        report.push(format!(
            "{}: already in {}; nothing added",
            entry.name,
            path.display()
        ));
    }
    if entries.is_empty() {
        report.push(format!(
            "every federated domain is already in {}",
            path.display()
        ));
    }
    for line in report {
        eprintln!("fedcert: {line}");
    }
    Ok(0)
}

/// Append `text` to the config file (created when absent). The file must be readable TOML
/// before, and the result still must be, or nothing is written.
pub fn append_to_config(path: &Path, text: &str) -> Result<(), String> {
    let existing = match std::fs::read_to_string(path) {
        Ok(existing) => existing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
    };
    if let Err(e) = existing.parse::<toml::Table>() {
        return Err(format!(
            "{}: not valid TOML, so nothing was appended: {}",
            path.display(),
            one_line(&e.to_string())
        ));
    }
    let mut addition = String::new();
    if existing.is_empty() {
        addition.push_str(
            "# fedcert configuration (`fedcert config init` writes a commented sample)\n",
        );
    } else if !existing.ends_with('\n') {
        addition.push('\n');
    }
    addition.push_str(text);
    if let Err(e) = format!("{existing}{addition}").parse::<toml::Table>() {
        return Err(format!(
            "{}: the new entries would not parse, so nothing was appended: {}",
            path.display(),
            one_line(&e.to_string())
        ));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("{}: cannot open for appending: {e}", path.display()))?;
    file.write_all(addition.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: cannot append: {e}", path.display()))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::source::realm::{RealmQuery, interpret};

    fn discovery(json: &str) -> Discovery {
        let query = RealmQuery::parse("contoso.test").unwrap();
        let obj = crate::source::realm::parse_realm_json(json).unwrap();
        interpret(&query, Some(&obj), None)
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn an_ad_fs_domain_is_appended_as_a_live_table() {
        let d = discovery(
            r#"{"NameSpaceType":"Federated","DomainName":"contoso.test","FederationBrandName":"Contoso","AuthURL":"https://fs.contoso.test/adfs/ls/?username=x"}"#,
        );
        let text = DomainEntry::from_discovery(&d, now()).render();
        let table: toml::Table = text.parse().unwrap();
        let domain = &table["domain"].as_array().unwrap()[0];
        assert_eq!(domain["name"].as_str(), Some("contoso.test"));
        assert_eq!(
            domain["metadata_url"].as_str(),
            Some("https://fs.contoso.test/federationmetadata/2007-06/federationmetadata.xml")
        );
        assert!(
            domain.get("auto_rollover").is_none(),
            "unknown values stay comments"
        );
        assert!(
            text.contains("# auto_rollover = true   # unknown"),
            "{text}"
        );
        assert!(text.contains("2026-12-01T08:00:00Z"), "{text}");
    }

    #[test]
    fn a_third_party_domain_is_appended_commented_out() {
        let d = discovery(
            r#"{"NameSpaceType":"Federated","DomainName":"contoso.test","AuthURL":"https://contoso.okta.com/app/office365/x/sso/wsfed/passive"}"#,
        );
        let text = DomainEntry::from_discovery(&d, now()).render();
        let table: toml::Table = text.parse().unwrap();
        assert!(table.get("domain").is_none(), "nothing live: {text}");
        assert!(
            text.contains("# [[domain]]\n# name = \"contoso.test\""),
            "{text}"
        );
        assert!(text.contains("no metadata URL can be derived"), "{text}");
        // Uncommenting the table once gives a live entry whose unknown values stay comments.
        let table_start = text.find("# [[domain]]").unwrap();
        let uncommented = text[table_start..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        let live: toml::Table = uncommented
            .replace("https://…", "https://idp.test/m.xml")
            .parse()
            .unwrap();
        let domain = &live["domain"].as_array().unwrap()[0];
        assert_eq!(domain["name"].as_str(), Some("contoso.test"));
        assert!(domain.get("auto_rollover").is_none(), "{uncommented}");
    }

    #[test]
    fn appending_keeps_the_user_file_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# my notes\n[settings]\nrefresh = \"15m\"   # keep this comment\n\n[[domain]]\nname = \"a.test\"\nmetadata_url = \"file:///a.xml\"";
        std::fs::write(&path, original).unwrap();
        let entry = DomainEntry {
            name: "b.test".into(),
            metadata_url: Some(
                "https://fs.b.test/federationmetadata/2007-06/federationmetadata.xml".into(),
            ),
            support_multiple_domain: Some(true),
            origin: "test".into(),
            missing_url_reason: String::new(),
            tenant: None,
        };
        append_to_config(&path, &entry.render()).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.starts_with(original), "{after}");
        let table: toml::Table = after.parse().unwrap();
        let domains = table["domain"].as_array().unwrap();
        assert_eq!(domains.len(), 2);
        assert_eq!(domains[1]["support_multiple_domain"].as_bool(), Some(true));
    }

    #[test]
    fn a_broken_config_is_not_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[settings\n").unwrap();
        let error = append_to_config(&path, "\n[[domain]]\nname = \"x\"\n").unwrap_err();
        assert!(
            error.contains("not valid TOML, so nothing was appended"),
            "{error}"
        );
        assert!(!error.contains('\n'));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[settings\n");
    }

    #[test]
    fn a_missing_config_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.toml");
        append_to_config(
            &path,
            "\n[[domain]]\nname = \"x.test\"\nmetadata_url = \"file:///x\"\n",
        )
        .unwrap();
        let table: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        assert_eq!(table["domain"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn strings_survive_toml_quoting() {
        for text in [
            "a\"b",
            "it's",
            "back\\slash",
            "both ' and \"",
            "line\nbreak",
            "x@y.test",
        ] {
            let table: toml::Table = format!("v = {}", toml_string(text)).parse().unwrap();
            assert_eq!(table["v"].as_str(), Some(text), "{}", toml_string(text));
        }
    }
}
