//! `fedcert login [--tenant NAME] [--audit]`, `fedcert login --status` and `fedcert logout
//! [--tenant NAME]`: the operator signs in to a tenant with the device code flow (DESIGN.md
//! §6.3) — fedcert shows Entra's message (a URL and a code), the operator signs in on any other
//! device, and fedcert finishes by itself and keeps the sign-in in the data dir. Nothing is
//! written before the sign-in has succeeded: Ctrl-C while waiting leaves nothing behind.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use super::output::to_stdout;
use super::{
    EXIT_CANT_CREATE, EXIT_DATA, EXIT_NO_PERMISSION, EXIT_UNAVAILABLE, EXIT_USAGE, Failure,
    GlobalArgs, Outcome,
};
use crate::config::{Auth, Config, DEFAULT_PUBLIC_CLIENT_NAME, EntraConfig};
use crate::source::graph::signin::scopes;
use crate::source::graph::{
    GraphClient, GraphError, GraphSettings, LoginError, SignIns, real_pause,
};
use crate::store::Store;
use crate::words::{date, moment};

/// Exit code when the sign-in is interrupted (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The tenant: a [[tenant]] name, or [entra]'s name or tenant_id. Default: [entra], or the
    /// only [[tenant]].
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Also ask for AuditLog.Read.All (Entra's audit log), besides Domain.Read.All.
    #[arg(long, conflicts_with = "status")]
    pub audit: bool,
    /// Say who is signed in to which tenant and until when; sign nobody in.
    #[arg(long)]
    pub status: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The tenant: a [[tenant]] name, or [entra]'s name or tenant_id. Default: [entra], or the
    /// only [[tenant]].
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
}

pub async fn login(global: &GlobalArgs, args: &LoginArgs) -> Outcome {
    let config = super::config_cmd::load(global)?;
    // Sign-ins are dated by this machine's clock: a `--now` rehearsal changes no one's sign-in.
    let now = Utc::now();
    if args.status {
        return status(&config, now);
    }
    let tenant = pick(&config, args.tenant.as_deref())?;
    if tenant.auth() != Auth::Device {
        return Err(Failure::new(
            EXIT_USAGE,
            format!(
                "tenant {} signs in as its app (auth = \"{}\"), so there is nobody to sign in; set auth = \"device\" in its table to sign in as yourself",
                tenant.label(),
                tenant.auth().name()
            ),
        ));
    }
    let dir = data_dir()?;
    let settings =
        GraphSettings::from_config_in(tenant, config.settings.timeout, Some(dir.clone()))
            .map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    let client = GraphClient::new(&settings).map_err(|e| Failure::new(EXIT_DATA, e.to_string()))?;
    let sign_ins = SignIns::at(&dir);
    let wanted = scopes(&tenant.graph, args.audit);
    // Ctrl-C and SIGTERM are caught before the code is shown: one pressed at any moment while
    // waiting ends the wait cleanly, with nothing saved.
    let stop = super::serve::shutdown_signal()?;
    let permissions = if args.audit {
        "Domain.Read.All and AuditLog.Read.All"
    } else {
        "Domain.Read.All"
    };
    eprintln!(
        "fedcert: signing in to tenant {} with {}, read-only: {permissions}",
        tenant_words(tenant),
        client_words(tenant)
    );
    let pause = real_pause();
    let flow = async {
        let code = client.start_device_sign_in(&wanted).await?;
        // Entra's words (the URL and the code), then how long the code lasts.
        eprintln!("{}", code.message);
        eprintln!(
            "fedcert: waiting for the sign-in; the code is valid for {} minutes (Ctrl-C cancels)",
            code.expires_in.as_secs().div_ceil(60)
        );
        client
            .finish_device_sign_in(&code, &*pause, &sign_ins)
            .await
    };
    let sign_in = tokio::select! {
        finished = flow => finished.map_err(|e| login_failure(&e))?,
        signal = stop => {
            return Err(Failure::new(
                EXIT_INTERRUPTED,
                format!("{signal}: sign-in cancelled; nothing was saved"),
            ));
        }
    };
    sign_ins
        .save(&sign_in)
        .map_err(|e| login_failure(&LoginError::Save(e)))?;
    let who = sign_in
        .account
        .as_deref()
        .unwrap_or("an account Entra did not name");
    to_stdout(|out| {
        writeln!(
            out,
            "signed in to tenant {} as {who}; kept in {} (renewed on each use; unused, it lapses on {})",
            tenant.label(),
            sign_ins.path(&tenant.tenant_id).display(),
            date(sign_in.expires_at)
        )
    })?;
    Ok(0)
}

pub fn logout(global: &GlobalArgs, args: &LogoutArgs) -> Outcome {
    let config = super::config_cmd::load(global)?;
    let tenant = pick(&config, args.tenant.as_deref())?;
    let sign_ins = SignIns::at(data_dir()?);
    let path = sign_ins.path(&tenant.tenant_id);
    let removed = sign_ins
        .remove(&tenant.tenant_id)
        .map_err(|e| Failure::new(EXIT_CANT_CREATE, e.to_string()))?;
    to_stdout(|out| {
        if removed {
            writeln!(
                out,
                "signed out of tenant {}: removed {} (Entra itself ends the session only when it lapses or is revoked: Revoke-MgUserSignInSession)",
                tenant.label(),
                path.display()
            )
        } else {
            writeln!(
                out,
                "nobody was signed in to tenant {}; nothing to remove",
                tenant.label()
            )
        }
    })?;
    Ok(0)
}

/// `login --status`: one line per configured tenant, never a token.
fn status(config: &Config, now: DateTime<Utc>) -> Outcome {
    if config.all_tenants().next().is_none() {
        return Err(no_tenant());
    }
    let dir = Store::default_dir();
    let sign_ins = dir.map(SignIns::at);
    let mut lines = Vec::new();
    for tenant in config.all_tenants() {
        let head = tenant_words(tenant);
        let line = match (tenant.auth(), &sign_ins) {
            (Auth::Secret, _) => format!(
                "{head}: signs in as its app with the client secret in ${}; nobody to sign in",
                tenant.client_secret_env.as_deref().unwrap_or_default()
            ),
            (Auth::Certificate, _) => {
                format!("{head}: signs in as its app with a client certificate; nobody to sign in")
            }
            (Auth::Device, None) => {
                format!("{head}: no data directory to keep a sign-in in (set FEDCERT_DATA_DIR)")
            }
            (Auth::Device, Some(sign_ins)) => device_status(&head, tenant, sign_ins, now),
        };
        lines.push(line);
    }
    to_stdout(|out| lines.iter().try_for_each(|line| writeln!(out, "{line}")))?;
    Ok(0)
}

fn device_status(
    head: &str,
    tenant: &EntraConfig,
    sign_ins: &SignIns,
    now: DateTime<Utc>,
) -> String {
    let again = format!("fedcert login --tenant {}", tenant.label());
    let saved = match sign_ins.load(&tenant.tenant_id) {
        Ok(Some(saved)) => saved.status(),
        Ok(None) => return format!("{head}: not signed in: {again}"),
        Err(e) => return format!("{head}: the saved sign-in cannot be used ({e}): {again}"),
    };
    let who = saved.account.as_deref().unwrap_or("an unnamed account");
    if let Some(refusal) = &saved.refused {
        return format!(
            "{head}: {who}: Entra refused the sign-in on {} ({}): sign in again: {again}",
            date(refusal.at),
            refusal.detail
        );
    }
    if !saved.client_id.eq_ignore_ascii_case(&tenant.client_id) {
        return format!(
            "{head}: {who} signed in with client {}, but the config names {}: sign in again: {again}",
            saved.client_id, tenant.client_id
        );
    }
    if saved.expires_at <= now {
        return format!(
            "{head}: {who}: the sign-in lapsed on {} (unused for 90 days): sign in again: {again}",
            date(saved.expires_at)
        );
    }
    format!(
        "{head}: signed in as {who} since {}, renewed {}; lasts until {} unless used (each use renews it); {}",
        moment(saved.signed_in_at),
        moment(saved.renewed_at),
        date(saved.expires_at),
        saved
            .scopes
            .iter()
            .filter_map(|s| s.rsplit_once('/').map(|(_, p)| p))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The tenant `--tenant` names, else the config's default one.
fn pick<'a>(config: &'a Config, name: Option<&str>) -> Result<&'a EntraConfig, Failure> {
    match name {
        Some(name) => config
            .tenant(name)
            .map_err(|e| Failure::new(EXIT_USAGE, format!("--tenant: {e}"))),
        None => config.default_tenant().ok_or_else(|| {
            if config.tenants.is_empty() {
                no_tenant()
            } else {
                Failure::new(
                    EXIT_USAGE,
                    format!(
                        "several tenants are configured: name one with --tenant ({})",
                        config
                            .all_tenants()
                            .map(EntraConfig::label)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }
        }),
    }
}

fn no_tenant() -> Failure {
    Failure::new(
        EXIT_DATA,
        "no tenant is configured: add an [entra] table with tenant_id = \"contoso.onmicrosoft.com\" (signing in is its default), or [[tenant]] tables",
    )
}

fn data_dir() -> Result<PathBuf, Failure> {
    Store::default_dir().ok_or_else(|| {
        Failure::new(
            EXIT_CANT_CREATE,
            "there is no data directory to keep the sign-in in: set FEDCERT_DATA_DIR",
        )
    })
}

/// `fabrikam (fabrikam.onmicrosoft.com)`, or the tenant id alone when that is its name.
fn tenant_words(tenant: &EntraConfig) -> String {
    if tenant.label() == tenant.tenant_id {
        tenant.tenant_id.clone()
    } else {
        format!("{} ({})", tenant.label(), tenant.tenant_id)
    }
}

/// "Microsoft Graph Command Line Tools (14d82eec-…)", or "client 1111…".
fn client_words(tenant: &EntraConfig) -> String {
    if tenant.uses_default_client() {
        format!("{DEFAULT_PUBLIC_CLIENT_NAME} ({})", tenant.client_id)
    } else {
        format!("client {}", tenant.client_id)
    }
}

/// The exit code and line for a sign-in that did not happen.
fn login_failure(error: &LoginError) -> Failure {
    let code = match error {
        LoginError::Save(_) => EXIT_CANT_CREATE,
        LoginError::Graph(GraphError::Setup(_)) => EXIT_DATA,
        LoginError::Graph(GraphError::Token {
            status: Some(status),
            ..
        }) if *status < 500 => EXIT_NO_PERMISSION,
        LoginError::Declined { .. }
        | LoginError::Expired { .. }
        | LoginError::Graph(GraphError::SignIn(_)) => EXIT_NO_PERMISSION,
        LoginError::Graph(_) => EXIT_UNAVAILABLE,
    };
    Failure::new(code, error.to_string())
}
