//! `fedcert checklist <DOMAIN>`: refresh the domain (and those that may share its IdP) once and print its renewal runbook with the
//! saved progress, as Markdown (for a change ticket), JSON or text.

use chrono::{DateTime, Utc};

use super::output::to_stdout;
use super::{ChecklistArgs, EXIT_DATA, EXIT_SOFTWARE, EXIT_USAGE, Failure, GlobalArgs, Outcome};
use crate::checklist::format as checklist_format;
use crate::checklist::{self, ChecklistInput, Progress};
use crate::poller::Keep;
use crate::store::Store;

pub async fn run(global: &GlobalArgs, args: &ChecklistArgs, now: DateTime<Utc>) -> Outcome {
    let config = super::config_cmd::load(global)?;
    let domain = config
        .domain(&args.domain)
        .map_err(|e| Failure::new(EXIT_USAGE, e.to_string()))?;
    let (format, dialect) = (args.format, args.dialect);
    // The runbook puts the new certificate into PowerShell: keep its bytes. The domain's IdP
    // group needs its peers' facts too.
    let domains = super::check::with_likely_peers(&config, &[domain]);
    let fleet = super::check::refresh_all(&config, &domains, Keep::Everything, now).await;
    let Some(status) = fleet
        .statuses()
        .iter()
        .find(|s| s.config.name == domain.name)
    else {
        return Err(Failure::new(
            EXIT_SOFTWARE,
            format!("{}: the refresh gave no status", domain.name),
        ));
    };
    let store = Store::default_dir().map(Store::at);
    let progress = match &store {
        Some(store) => Some(
            store
                .load::<Progress>(&domain.name)
                .map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?,
        ),
        None => None,
    };
    let entra = status.entra();
    let input = ChecklistInput::from_status(status, entra.as_ref(), progress.as_ref(), now);
    let list = checklist::build(&input, dialect);
    to_stdout(|out| out.write_all(checklist_format::render(&list, format).as_bytes()))?;
    Ok(0)
}
