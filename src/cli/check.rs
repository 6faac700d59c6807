//! `fedcert check`: refresh every configured domain once (bounded concurrency) and print one
//! line per domain, or the JSON report; the exit code is the worst domain's.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write;
use std::pin::pin;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;

use super::json::{CheckDomain, CheckReport, TenantJson};
use super::output::{pad, to_file_atomically, to_stdout};
use super::{CheckArgs, CheckFormat, EXIT_USAGE, Failure, GlobalArgs, Outcome};
use crate::assess::{EntraSide, Severity};
use crate::checklist::{self, Checklist, ChecklistInput, Dialect, Progress};
use crate::config::{self, Config, DomainConfig};
use crate::domain::DomainStatus;
use crate::fleet::{Fleet, Histories};
use crate::poller::{Keep, PollEvent, Sources, refresh_each, refresh_tenants};
use crate::store::Store;
use crate::tenant::TenantPosture;

pub async fn run(global: &GlobalArgs, args: &CheckArgs, now: DateTime<Utc>) -> Outcome {
    let config = super::config_cmd::load(global)?;
    let selected = select_domains(&config, &args.domains)?;
    let narrowed = !args.domains.is_empty();
    // The selected domains' IdP groups need their peers' facts too: refresh those as well, and
    // report only the selected ones. Without `--domain` every domain is both.
    let refreshed = if narrowed {
        with_likely_peers(&config, &selected)
    } else {
        selected.clone()
    };
    let fleet = refresh_all(&config, &refreshed, Keep::Facts, now).await;
    let chosen: Vec<DomainStatus>;
    let statuses: &[DomainStatus] = if narrowed {
        let names: HashSet<&str> = selected.iter().map(|d| d.name.as_str()).collect();
        chosen = fleet
            .statuses()
            .iter()
            .filter(|s| names.contains(s.config.name.as_str()))
            .cloned()
            .collect();
        &chosen
    } else {
        fleet.statuses()
    };
    let format = if args.json {
        CheckFormat::Json
    } else {
        args.format
    };
    // Nothing watched is not healthy: a monitor must not show green for an empty config.
    let empty = config.domains.is_empty().then(|| {
        format!(
            "no domains are configured in {}: add [[domain]] tables (fedcert config init writes a commented sample; fedcert discover DOMAIN --add finds one)",
            config::locate(global.config.as_deref()).display()
        )
    });
    let worst = if empty.is_some() {
        Severity::Unknown
    } else {
        statuses
            .iter()
            .map(|d| d.assessment.severity)
            .chain(fleet.tenants().iter().map(TenantPosture::severity))
            .max()
            .unwrap_or(Severity::Ok)
    };
    let lists = Checklists::new(args.dialect, now);
    if let Some(problem) = &empty {
        tracing::warn!("{problem}");
    }
    let write = |out: &mut dyn Write| match format {
        CheckFormat::Text => {
            if let Some(problem) = &empty {
                writeln!(out, "UNKNOWN {problem}")
            } else {
                write_text(out, statuses, &lists, now)?;
                write_tenants(out, fleet.tenants())
            }
        }
        CheckFormat::Json => write_json(
            out,
            (statuses, fleet.tenants()),
            &lists,
            worst,
            empty.as_deref(),
            now,
        ),
        CheckFormat::Prometheus => out
            .write_all(super::prometheus::render_fleet(statuses, fleet.tenants(), now).as_bytes()),
    };
    match &args.output {
        Some(path) => to_file_atomically(path, write)?,
        None => to_stdout(write)?,
    }
    Ok(worst.exit_code())
}

/// The configured domains, narrowed to `--domain` names (case-insensitive); an unknown name is a
/// usage error that lists the known ones.
fn select_domains<'a>(
    config: &'a Config,
    names: &[String],
) -> Result<Vec<&'a DomainConfig>, Failure> {
    if names.is_empty() {
        return Ok(config.domains.iter().collect());
    }
    names
        .iter()
        .map(|name| {
            config
                .domain(name)
                .map_err(|e| Failure::new(EXIT_USAGE, format!("--domain {e}")))
        })
        .collect()
}

/// `selected` and every configured domain that may share an IdP with one of them: the same
/// metadata host. An IdP group is the domains of one entityID, which only their metadata says;
/// reading every configured domain for a narrowed command would cost a fleet's fetches, and the
/// domains of one AD FS farm (SupportMultipleDomain) read one metadata URL. `check` without
/// `--domain`, `serve` and the TUI read every domain, so their groups are whole.
pub fn with_likely_peers<'a>(
    config: &'a Config,
    selected: &[&'a DomainConfig],
) -> Vec<&'a DomainConfig> {
    let hosts: Vec<Option<String>> = selected
        .iter()
        .map(|d| crate::location::host_of(&d.metadata_url).map(|h| h.to_ascii_lowercase()))
        .collect();
    config
        .domains
        .iter()
        .filter(|d| {
            selected.iter().any(|s| s.name == d.name)
                || crate::location::host_of(&d.metadata_url)
                    .map(|h| h.to_ascii_lowercase())
                    .is_some_and(|h| hosts.contains(&Some(h)))
                || selected.iter().any(|s| s.metadata_url == d.metadata_url)
        })
        .collect()
}

/// The fleet of `domains`, each refreshed once (at most `concurrency` at a time), keeping `keep`
/// of what it read, and assessed as of `now`; each result is applied as it arrives.
/// With Graph, each tenant's posture is read beside them (every configured domain counts as
/// watched, whatever `domains` holds). Each domain's certificate history is saved in the data
/// dir.
pub async fn refresh_all(
    config: &Config,
    domains: &[&DomainConfig],
    keep: Keep,
    now: DateTime<Utc>,
) -> Fleet {
    let store = Store::default_dir().map(Store::at);
    let mut fleet = Fleet::load(domains.iter().copied(), store.as_ref(), Histories::Now, now);
    let sources = Sources::from_config(config)
        .keeping(keep)
        .keeping_history(store);
    let watched: Vec<String> = config.domains.iter().map(|d| d.name.clone()).collect();
    let tenants = refresh_tenants(&sources, &watched, now);
    let refreshed = async {
        let mut events = pin!(refresh_each(
            domains,
            &sources,
            config.settings.concurrency,
            now
        ));
        while let Some(event) = events.next().await {
            fleet.apply(event, now);
        }
    };
    let (tenants, ()) = tokio::join!(tenants, refreshed);
    for posture in tenants {
        fleet.apply(PollEvent::Tenant(Box::new(posture)), now);
    }
    fleet
}

/// Each domain's checklist as `fedcert checklist` builds it (with the saved progress), so the
/// step a finding names has the number the operator will see there. Built one domain at a
/// time, as its line or its JSON is written: a fleet's checklists are never all held at once.
pub(super) struct Checklists {
    store: Option<Store>,
    dialect: Dialect,
    now: DateTime<Utc>,
}

impl Checklists {
    pub fn new(dialect: Dialect, now: DateTime<Utc>) -> Self {
        Self {
            store: Store::default_dir().map(Store::at),
            dialect,
            now,
        }
    }

    /// `status`'s checklist, with `entra` (its [`DomainStatus::entra`]).
    pub fn of(&self, status: &DomainStatus, entra: Option<&EntraSide>) -> Checklist {
        let progress = self.store.as_ref().and_then(|store| {
            store
                .load::<Progress>(&status.config.name)
                .inspect_err(|e| {
                    tracing::warn!(
                        "{}: saved checklist progress not used: {e}",
                        status.config.name
                    );
                })
                .ok()
        });
        let input = ChecklistInput::from_status(status, entra, progress.as_ref(), self.now);
        checklist::build(&input, self.dialect)
    }
}

fn write_json(
    out: &mut dyn Write,
    (statuses, tenants): (&[DomainStatus], &[crate::tenant::TenantPosture]),
    lists: &Checklists,
    worst: Severity,
    problem: Option<&str>,
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    let entra: Vec<Option<EntraSide>> = statuses.iter().map(DomainStatus::entra).collect();
    let report = CheckReport {
        now,
        worst: worst.as_str(),
        problem,
        domains: statuses
            .iter()
            .zip(&entra)
            .map(|(d, e)| CheckDomain::of(d, e.as_ref(), &lists.of(d, e.as_ref()), now))
            .collect(),
        tenants: tenants.iter().map(TenantJson::of).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// One line per domain: status word, domain, primary and days left, successor, sync, the first
/// finding.
fn write_text(
    out: &mut dyn Write,
    statuses: &[DomainStatus],
    lists: &Checklists,
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    let name_width = statuses
        .iter()
        .map(|d| d.config.name.chars().count())
        .max()
        .unwrap_or(0);
    for d in statuses {
        let a = &d.assessment;
        let entra = d.entra();
        let primary = a.primary.as_ref().map_or_else(
            || "primary none".to_owned(),
            |p| {
                format!(
                    "primary {} ({})",
                    days(&p.cert, now),
                    p.cert.not_after.format("%Y-%m-%d")
                )
            },
        );
        let successor = a.successor.as_ref().map_or_else(
            || "successor none".to_owned(),
            |c| format!("successor {}", &c.sha1.to_string()[..8]),
        );
        let finding = a.findings.first().map_or_else(String::new, |f| {
            format!("{}: {}", f.rule, lists.of(d, entra.as_ref()).say(f))
        });
        // What Entra itself reports, in words: its last automatic update, or why fedcert could
        // not read the Entra side, and how old an imported one is.
        let mut notes: Vec<String> = Vec::new();
        if let Some(result) = entra.as_ref().and_then(|e| e.update_result.as_ref()) {
            let last_run = entra.as_ref().and_then(|e| e.last_run);
            notes.push(crate::words::update_status(Some(result), last_run, now));
        }
        if let Some(error) = &d.entra_error {
            notes.push(format!("Entra side not read: {error}"));
        }
        notes.extend(crate::words::import_lines(
            &d.imports,
            d.assessment.adfs,
            now,
        ));
        let notes: String = notes.iter().flat_map(|n| [" · ", n.as_str()]).collect();
        writeln!(
            out,
            "{} {} {} {} {} {}{notes}",
            pad(a.severity.word(), 7),
            pad(&d.config.name, name_width),
            pad(&primary, 26),
            pad(&successor, 18),
            pad(&format!("sync {}", a.sync.label()), 12),
            finding
        )?;
    }
    Ok(())
}

/// One line per tenant read through Graph: its unwatched federated domains (U1, WARN), or OK;
/// a read it was not permitted, or that failed, as a note.
fn write_tenants(
    out: &mut dyn Write,
    tenants: &[crate::tenant::TenantPosture],
) -> std::io::Result<()> {
    use crate::words::posture::{access_problem, unwatched};
    for t in tenants {
        let name = &t.tenant.name;
        let what = unwatched(t).unwrap_or_else(|| {
            if t.unwatched.read().is_some() {
                "every federated domain of the tenant is watched".to_owned()
            } else {
                "its federated domains could not be read".to_owned()
            }
        });
        let mut notes = String::new();
        if let Some(problem) = access_problem(&t.unwatched) {
            let _ = write!(notes, " · domain list: {problem}");
        }
        if let Some(problem) = access_problem(&t.changes) {
            let _ = write!(notes, " · audit log: {problem}");
        }
        // A list that could not be read is no finding, and no all-clear either.
        let word = if t.unwatched.read().is_some() {
            t.severity()
        } else {
            Severity::Info
        };
        writeln!(out, "{} tenant {name}: {what}{notes}", pad(word.word(), 7))?;
    }
    Ok(())
}

fn days(cert: &crate::cert::CertInfo, now: DateTime<Utc>) -> String {
    match cert.days_expired(now) {
        Some(0) => "expired today".to_owned(),
        Some(n) => format!("expired {n}d ago"),
        None => format!("{}d", cert.days_left(now)),
    }
}
