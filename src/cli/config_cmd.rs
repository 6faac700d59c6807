//! `fedcert config init|check|path`, and loading the config for the other commands.

use super::output::to_stdout;
use super::{ConfigAction, EXIT_DATA, Failure, GlobalArgs, Outcome};
use crate::config::{self, Config, ConfigError};

/// Load the config named by `--config` / `FEDCERT_CONFIG`, else the default location.
pub fn load(global: &GlobalArgs) -> Result<Config, Failure> {
    let path = config::locate(global.config.as_deref());
    if !path.exists() {
        return Err(Failure::new(
            EXIT_DATA,
            ConfigError::Missing(path.display().to_string()).to_string(),
        ));
    }
    config::load(&path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))
}

pub fn run(global: &GlobalArgs, action: &ConfigAction) -> Outcome {
    let path = config::locate(global.config.as_deref());
    match action {
        ConfigAction::Domains => {
            let config = load(global)?;
            to_stdout(|out| {
                config
                    .domains
                    .iter()
                    .try_for_each(|d| writeln!(out, "{}", d.name))
            })?;
        }
        ConfigAction::Tenants => {
            let config = load(global)?;
            to_stdout(|out| {
                config
                    .all_tenants()
                    .try_for_each(|t| writeln!(out, "{}", t.label()))
            })?;
        }
        ConfigAction::Path => {
            to_stdout(|out| writeln!(out, "{}", path.display()))?;
        }
        ConfigAction::Init => {
            config::write_sample(&path).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
            to_stdout(|out| {
                writeln!(out, "wrote a commented sample config to {}", path.display())?;
                writeln!(out, "edit its [[domain]] entries, then run: fedcert check")
            })?;
        }
        ConfigAction::Check => {
            let config = load(global)?;
            to_stdout(|out| {
                writeln!(
                    out,
                    "{}: valid, {} domain(s)",
                    path.display(),
                    config.domains.len()
                )?;
                for d in &config.domains {
                    writeln!(out, "  {}  {}", d.name, d.metadata_url)?;
                }
                for tenant in config.all_tenants() {
                    let how = match tenant.auth() {
                        crate::config::Auth::Device => "you sign in: fedcert login",
                        crate::config::Auth::Secret => "the app's client secret",
                        crate::config::Auth::Certificate => "the app's certificate",
                    };
                    let table = if config.entra.as_ref() == Some(tenant) {
                        "entra: tenant".to_owned()
                    } else {
                        format!("tenant {}:", tenant.label())
                    };
                    writeln!(
                        out,
                        "  {table} {} (Graph {}; {how})",
                        tenant.tenant_id, tenant.graph
                    )?;
                }
                Ok(())
            })?;
        }
    }
    Ok(0)
}
