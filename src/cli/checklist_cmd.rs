//! `fedcert checklist <DOMAIN>`: refresh the domain once and print its renewal runbook with the
//! saved progress, as Markdown (for a change ticket), JSON or text.

use chrono::{DateTime, Utc};

use super::checklist_format;
use super::output::to_stdout;
use super::{ChecklistArgs, EXIT_DATA, EXIT_USAGE, Failure, GlobalArgs, Outcome};
use crate::checklist::{self, ChecklistInput};
use crate::store::Store;

pub async fn run(global: &GlobalArgs, args: &ChecklistArgs, now: DateTime<Utc>) -> Outcome {
    let config = super::config_cmd::load(global)?;
    let domain = config
        .domains
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(&args.domain))
        .ok_or_else(|| {
            let known: Vec<&str> = config.domains.iter().map(|d| d.name.as_str()).collect();
            Failure::new(
                EXIT_USAGE,
                format!(
                    "{}: no such domain in the config (known: {})",
                    args.domain,
                    known.join(", ")
                ),
            )
        })?;
    let (format, dialect) = (args.format, args.dialect);
    let status = super::check::refresh_all(&config, vec![domain], now)
        .await
        .remove(0);
    let store = Store::default_dir().map(Store::at);
    let progress = match &store {
        Some(store) => Some(
            store
                .load_progress(&domain.name)
                .map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?,
        ),
        None => None,
    };
    let entra = status.entra();
    let input = ChecklistInput::from_status(&status, entra.as_ref(), progress.as_ref(), now);
    let list = checklist::build(&input, dialect);
    to_stdout(|out| out.write_all(checklist_format::render(&list, format).as_bytes()))?;
    Ok(0)
}
