//! Signing in as the operator (DESIGN.md §6.3) against a loopback stand-in for Entra's device
//! code and token endpoints and for Graph (`support::entra`): every branch of the device code
//! polling, the saved sign-in giving access tokens and being renewed on use, a revoked refresh
//! token, nobody signed in, two tenants each reading their own domains, the token file's mode
//! and atomic writes, and no token in any `Debug` output. Time never passes: the polling waits
//! through a pause the test records, and `now` is given.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use fedcert::config::DEFAULT_PUBLIC_CLIENT_ID;
use fedcert::poller::{Sources, refresh_domain};
use fedcert::source::graph::signin::scopes;
use fedcert::source::graph::{
    CredentialSource, GraphClient, GraphError, GraphSettings, LoginError, Pause, SignInWhy, SignIns,
};
use support::entra::{Call, EntraStandIn, Poll, TenantSpec};

const CONTOSO: &str = "contoso.onmicrosoft.example";
const FABRIKAM: &str = "fabrikam.onmicrosoft.example";
const SIGNING: &str = "91D7AAD52141A3CF7D8C5BCC6B185D9EC6F2DD62";
const NEXT: &str = "01A9F57F57A71FCD8EB67E7D7251FDB7D0397360";

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

fn signed_in_clock() -> DateTime<Utc> {
    at("2026-12-01T09:00:00Z")
}

/// The DER of a PEM fixture (the certificates Graph says Entra holds).
fn der(name: &str) -> Vec<u8> {
    use base64::Engine as _;
    let pem = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/imports/certs")
            .join(name),
    )
    .unwrap();
    let text: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn tenants() -> Vec<TenantSpec> {
    vec![
        TenantSpec {
            id: CONTOSO.into(),
            account: "alice@contoso.example".into(),
            domains: vec![
                ("contoso.example".into(), der("signing.pem")),
                ("contoso-two.example".into(), der("signing.pem")),
            ],
        },
        TenantSpec {
            id: FABRIKAM.into(),
            account: "bob@fabrikam.example".into(),
            domains: vec![("fabrikam.example".into(), der("next.pem"))],
        },
    ]
}

/// Waits nothing, and remembers how long it was asked to wait.
fn recording_pause() -> (Box<Pause>, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&waits);
    let pause: Box<Pause> = Box::new(move |wait| {
        log.lock().unwrap().push(wait);
        Box::pin(async {})
    });
    (pause, waits)
}

fn client(entra: &EntraStandIn, tenant: &str, name: &str, dir: &Path) -> GraphClient {
    let settings = GraphSettings {
        name: Some(name.into()),
        authority: entra.url(),
        graph: entra.url(),
        timeout: Duration::from_secs(10),
        retry_base: Duration::from_millis(10),
        ..GraphSettings::new(
            tenant,
            DEFAULT_PUBLIC_CLIENT_ID,
            CredentialSource::SignedIn {
                data_dir: Some(dir.to_path_buf()),
            },
        )
    };
    GraphClient::with_env(&settings, &|_| None).unwrap()
}

fn sign_ins(dir: &Path) -> SignIns {
    SignIns::at(dir).with_clock(signed_in_clock)
}

/// Sign in to `tenant` through the whole device flow, the operator approving at once, and save
/// the sign-in as `fedcert login` does.
async fn log_in(entra: &EntraStandIn, client: &GraphClient, tenant: &str, dir: &Path) {
    let code = client
        .start_device_sign_in(&scopes(&entra.url(), false))
        .await
        .unwrap();
    entra.approve(&code.user_code);
    let (pause, _) = recording_pause();
    let sign_in = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir))
        .await
        .unwrap();
    assert_eq!(sign_in.tenant_id, tenant);
    sign_ins(dir).save(&sign_in).unwrap();
}

fn token_polls(entra: &EntraStandIn) -> usize {
    entra
        .calls()
        .iter()
        .filter(
            |c| matches!(c, Call::Token { grant_type, .. } if grant_type.ends_with("device_code")),
        )
        .count()
}

// ---- the device authorization grant -------------------------------------------------------

#[tokio::test]
async fn the_device_flow_honours_the_interval_pending_and_slow_down_then_signs_in() {
    let entra = EntraStandIn::start(tenants(), 5).await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let code = client
        .start_device_sign_in(&scopes(&entra.url(), false))
        .await
        .unwrap();
    assert_eq!(code.interval, Duration::from_secs(5));
    assert_eq!(code.expires_in, Duration::from_secs(900));
    assert!(
        code.message.contains(&code.user_code)
            && code
                .message
                .contains("https://microsoft.example/devicelogin"),
        "Entra's message, as it gave it: {}",
        code.message
    );
    // The request: the public client, least privilege, and the scopes that keep it signed in.
    let Call::DeviceCode {
        tenant,
        client_id,
        scope,
    } = &entra.calls()[0]
    else {
        panic!("{:?}", entra.calls());
    };
    assert_eq!(
        (tenant.as_str(), client_id.as_str()),
        (CONTOSO, DEFAULT_PUBLIC_CLIENT_ID)
    );
    assert_eq!(
        scope,
        &format!(
            "{}/Domain.Read.All offline_access openid profile",
            entra.url()
        )
    );

    entra.script(CONTOSO, &[Poll::Pending, Poll::SlowDown, Poll::Pending]);
    entra.approve(&code.user_code);
    let (pause, waits) = recording_pause();
    let sign_in = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir.path()))
        .await
        .unwrap();
    // Each poll waits the interval first; `slow_down` adds five seconds for good.
    let waited: Vec<u64> = waits
        .lock()
        .unwrap()
        .iter()
        .map(Duration::as_secs)
        .collect();
    assert_eq!(waited, [5, 5, 10, 10]);
    assert_eq!(token_polls(&entra), 4);
    assert_eq!(sign_in.account.as_deref(), Some("alice@contoso.example"));
    assert_eq!(sign_in.client_id, DEFAULT_PUBLIC_CLIENT_ID);
    assert_eq!(sign_in.signed_in_at, signed_in_clock());
    assert_eq!(sign_in.expires_at, signed_in_clock() + TimeDelta::days(90));
    assert!(sign_in.refused.is_none());
    assert!(
        !dir.path().join("signin").exists(),
        "finishing does not save: the caller saves once it has the sign-in"
    );
}

#[tokio::test]
async fn expired_token_ends_the_wait_with_nothing_signed_in() {
    let entra = EntraStandIn::start(tenants(), 5).await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let code = client
        .start_device_sign_in(&scopes("https://g", false))
        .await
        .unwrap();
    entra.script(CONTOSO, &[Poll::Pending, Poll::ExpiredToken]);
    let (pause, _) = recording_pause();
    let error = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir.path()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LoginError::Expired { minutes: 15, .. }),
        "{error:?}"
    );
    let line = error.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(line.contains("fedcert login again"), "{line}");
    assert_eq!(token_polls(&entra), 2);
}

#[tokio::test]
async fn the_code_runs_out_even_when_entra_never_says_so() {
    let entra = EntraStandIn::start(tenants(), 5).await;
    entra.set_expires_in(12);
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let code = client
        .start_device_sign_in(&scopes("https://g", false))
        .await
        .unwrap();
    let (pause, waits) = recording_pause();
    let error = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir.path()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LoginError::Expired { minutes: 1, .. }),
        "{error:?}"
    );
    // 5 + 5 + 5 seconds waited pass the code's 12: three polls, then it stops.
    assert_eq!(waits.lock().unwrap().len(), 3);
    assert_eq!(token_polls(&entra), 3);
}

#[tokio::test]
async fn a_declined_sign_in_is_one_clear_line() {
    let entra = EntraStandIn::start(tenants(), 5).await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let (pause, _) = recording_pause();

    let code = client
        .start_device_sign_in(&scopes("https://g", false))
        .await
        .unwrap();
    entra.decline(&code.user_code);
    let declined = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir.path()))
        .await
        .unwrap_err();
    let LoginError::Declined { tenant, error } = &declined else {
        panic!("{declined:?}");
    };
    assert_eq!(
        (tenant.as_str(), error.as_str()),
        ("contoso", "authorization_declined")
    );
    assert!(!declined.to_string().contains('\n'));

    // RFC 8628's word for it too.
    let code = client
        .start_device_sign_in(&scopes("https://g", false))
        .await
        .unwrap();
    entra.script(CONTOSO, &[Poll::AccessDenied]);
    let denied = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir.path()))
        .await
        .unwrap_err();
    assert!(
        matches!(&denied, LoginError::Declined { error, .. } if error == "access_denied"),
        "{denied:?}"
    );
}

#[tokio::test]
async fn any_other_refusal_is_entras_code_with_what_to_do() {
    let entra = EntraStandIn::start(tenants(), 5).await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let code = client
        .start_device_sign_in(&scopes("https://g", false))
        .await
        .unwrap();
    entra.script(
        CONTOSO,
        &[Poll::Pending, Poll::Error("invalid_client", 7_000_218)],
    );
    let (pause, _) = recording_pause();
    let error = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir.path()))
        .await
        .unwrap_err();
    let LoginError::Graph(GraphError::Token { aadsts, detail, .. }) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*aadsts, Some(7_000_218));
    assert!(detail.contains("Allow public client flows"), "{detail}");
    assert_eq!(token_polls(&entra), 2, "no polling after a refusal");
}

// ---- the saved sign-in ---------------------------------------------------------------------

#[tokio::test]
async fn the_saved_sign_in_gives_access_tokens_and_is_renewed_on_use() {
    let entra = EntraStandIn::start(tenants(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let login = client(&entra, CONTOSO, "contoso", dir.path());
    log_in(&entra, &login, CONTOSO, dir.path()).await;
    let first = entra.last_refresh_token(CONTOSO).unwrap();

    // A later process (a `check` run) reads Graph with it.
    let now = at("2026-12-01T10:00:00Z");
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let side = client.entra_side("contoso.example", now).await.unwrap();
    assert_eq!(side.signing.unwrap().to_string(), SIGNING);
    assert_eq!(entra.refreshes(CONTOSO), std::slice::from_ref(&first));
    let refresh = entra
        .calls()
        .into_iter()
        .find_map(|c| match c {
            Call::Token {
                grant_type,
                client_id,
                scope,
                refresh_token: Some(_),
                ..
            } => Some((grant_type, client_id, scope)),
            _ => None,
        })
        .unwrap();
    assert_eq!(refresh.0, "refresh_token");
    assert_eq!(
        refresh.1, DEFAULT_PUBLIC_CLIENT_ID,
        "a public client: no secret"
    );
    assert!(
        refresh
            .2
            .unwrap()
            .contains("Domain.Read.All offline_access"),
        "the scopes of the sign-in"
    );

    // Entra handed back a new refresh token: it replaced the saved one.
    let second = entra.last_refresh_token(CONTOSO).unwrap();
    assert_ne!(first, second);
    let saved = sign_ins(dir.path()).load(CONTOSO).unwrap().unwrap();
    assert!(saved.renewed_at > saved.signed_in_at, "renewed now");
    assert_eq!(saved.expires_at, saved.renewed_at + TimeDelta::days(90));

    // The access token serves until shortly before it expires: no refresh for the next read.
    client.entra_side("contoso-two.example", now).await.unwrap();
    assert_eq!(entra.refreshes(CONTOSO).len(), 1);
    // An hour later it is renewed, with the refresh token saved last.
    client
        .entra_side("contoso.example", now + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(entra.refreshes(CONTOSO), [first, second]);
}

#[tokio::test]
async fn nobody_signed_in_is_said_without_asking_entra_and_logout_takes_effect_at_once() {
    let entra = EntraStandIn::start(tenants(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let now = at("2026-12-01T10:00:00Z");
    let error = client.entra_side("contoso.example", now).await.unwrap_err();
    let GraphError::SignIn(needed) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(needed.why, SignInWhy::NotSignedIn);
    assert_eq!(needed.command(), "fedcert login --tenant contoso");
    assert!(
        error.to_string().contains("fedcert login --tenant contoso"),
        "{error}"
    );
    assert_eq!(error.short(), "sign in");
    assert!(entra.calls().is_empty(), "{:?}", entra.calls());

    log_in(&entra, &client, CONTOSO, dir.path()).await;
    client.entra_side("contoso.example", now).await.unwrap();
    // `fedcert logout` in another window: the cached access token is not used any more.
    assert!(sign_ins(dir.path()).remove(CONTOSO).unwrap());
    let error = client.entra_side("contoso.example", now).await.unwrap_err();
    assert!(
        matches!(&error, GraphError::SignIn(n) if n.why == SignInWhy::NotSignedIn),
        "{error:?}"
    );
    assert!(
        !sign_ins(dir.path()).remove(CONTOSO).unwrap(),
        "nothing left"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_for_a_new_sign_in_and_stops_asking_entra() {
    let entra = EntraStandIn::start(tenants(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let login = client(&entra, CONTOSO, "contoso", dir.path());
    log_in(&entra, &login, CONTOSO, dir.path()).await;
    // An administrator revoked the sessions (Revoke-MgUserSignInSession).
    entra.refuse_refresh_tokens(CONTOSO, 50_173);

    let now = at("2026-12-01T10:00:00Z");
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let error = client.entra_side("contoso.example", now).await.unwrap_err();
    let GraphError::SignIn(needed) = &error else {
        panic!("{error:?}");
    };
    let SignInWhy::Refused(refusal) = &needed.why else {
        panic!("{needed:?}");
    };
    assert_eq!(refusal.aadsts, Some(50_173));
    let line = error.to_string();
    assert!(
        line.contains("sign in again: fedcert login --tenant contoso"),
        "{line}"
    );
    assert!(line.contains("AADSTS50173"), "{line}");
    assert!(!line.contains('\n'), "{line}");
    let saved = sign_ins(dir.path()).load(CONTOSO).unwrap().unwrap();
    assert_eq!(saved.status().refused.unwrap().aadsts, Some(50_173));

    // Every other domain of the tenant says so at once, without another request.
    let requests = entra.calls().len();
    let again = client
        .entra_side("contoso-two.example", now)
        .await
        .unwrap_err();
    assert_eq!(again, error);
    assert_eq!(entra.calls().len(), requests);

    // Signing in again clears it, for the client already running.
    log_in(&entra, &login, CONTOSO, dir.path()).await;
    client.entra_side("contoso.example", now).await.unwrap();
}

#[tokio::test]
async fn a_sign_in_made_with_another_client_is_not_used() {
    let entra = EntraStandIn::start(tenants(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    log_in(
        &entra,
        &client(&entra, CONTOSO, "contoso", dir.path()),
        CONTOSO,
        dir.path(),
    )
    .await;
    let settings = GraphSettings {
        name: Some("contoso".into()),
        authority: entra.url(),
        graph: entra.url(),
        ..GraphSettings::new(
            CONTOSO,
            "11111111-2222-3333-4444-555555555555",
            CredentialSource::SignedIn {
                data_dir: Some(dir.path().to_path_buf()),
            },
        )
    };
    let other = GraphClient::with_env(&settings, &|_| None).unwrap();
    let error = other
        .entra_side("contoso.example", at("2026-12-01T10:00:00Z"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, GraphError::SignIn(n) if matches!(n.why, SignInWhy::OtherClient { .. })),
        "{error:?}"
    );
    assert!(entra.refreshes(CONTOSO).is_empty());
}

// ---- several tenants -----------------------------------------------------------------------

#[tokio::test]
async fn two_tenants_each_read_their_own_domains_and_one_needing_a_sign_in_blocks_no_other() {
    let entra = EntraStandIn::start(tenants(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let url = entra.url();
    let text = format!(
        r#"
[entra]
tenant_id = "{CONTOSO}"
authority = "{url}"
graph = "{url}"

[[tenant]]
name = "fabrikam"
tenant_id = "{FABRIKAM}"
authority = "{url}"
graph = "{url}"

[[domain]]
name = "contoso.example"
metadata_url = "/nonexistent/contoso.xml"

[[domain]]
name = "contoso-two.example"
metadata_url = "/nonexistent/contoso-two.xml"

[[domain]]
name = "fabrikam.example"
metadata_url = "/nonexistent/fabrikam.xml"
tenant = "fabrikam"
"#
    );
    let config = fedcert::config::parse_str(&text, "fedcert.toml").unwrap();
    let now = at("2026-12-01T10:00:00Z");

    // Only contoso is signed in: fabrikam's domain says so, contoso's read.
    log_in(
        &entra,
        &client(&entra, CONTOSO, "x", dir.path()),
        CONTOSO,
        dir.path(),
    )
    .await;
    let sources = Sources::with_env_in(&config, &|_| None, Some(dir.path()));
    let mut entra_of = Vec::new();
    for domain in &config.domains {
        let outcome = refresh_domain(&sources, domain, now).await;
        assert!(outcome.metadata.is_err(), "no metadata here");
        entra_of.push(outcome.entra.unwrap());
    }
    assert_eq!(
        entra_of[0].as_ref().unwrap().signing.unwrap().to_string(),
        SIGNING
    );
    assert_eq!(
        entra_of[1].as_ref().unwrap().signing.unwrap().to_string(),
        SIGNING
    );
    let fabrikam = entra_of[2].as_ref().unwrap_err().to_string();
    assert!(
        fabrikam.contains("fedcert login --tenant fabrikam"),
        "{fabrikam}"
    );

    // Both signed in: each domain is read with its own tenant's token, and only there.
    log_in(
        &entra,
        &client(&entra, FABRIKAM, "fabrikam", dir.path()),
        FABRIKAM,
        dir.path(),
    )
    .await;
    let sources = Sources::with_env_in(&config, &|_| None, Some(dir.path()));
    let outcome = refresh_domain(&sources, &config.domains[2], now).await;
    assert_eq!(
        outcome.entra.unwrap().unwrap().signing.unwrap().to_string(),
        NEXT
    );
    for call in entra.calls() {
        if let Call::Graph { tenant, path } = call {
            let tenant = tenant.expect("every Graph call carried a token Entra issued");
            let domain = path.split('/').nth(3).unwrap();
            let owner = if domain.starts_with("fabrikam") {
                FABRIKAM
            } else {
                CONTOSO
            };
            assert_eq!(tenant, owner, "{path} was read with {tenant}'s token");
        }
    }
}

// ---- the token file ------------------------------------------------------------------------

#[cfg(unix)]
#[tokio::test]
async fn the_sign_in_is_written_atomically_for_its_owner_alone() {
    use std::os::unix::fs::PermissionsExt;

    let entra = EntraStandIn::start(tenants(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    log_in(&entra, &client, CONTOSO, dir.path()).await;
    let store = sign_ins(dir.path());
    let path = store.path(CONTOSO);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "{}", path.display());
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let names: Vec<std::path::PathBuf> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.extension().is_none_or(|e| e != "tmp")),
        "no temporary file is left: {names:?}"
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["format"], 1);
    assert_eq!(json["sign_in"]["account"], "alice@contoso.example");

    // Renewed on use: replaced whole, still the owner's alone.
    client
        .entra_side("contoso.example", at("2026-12-01T10:00:00Z"))
        .await
        .unwrap();
    assert_eq!(mode(&path), 0o600);
    let renewed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        renewed["sign_in"]["refresh_token"],
        entra.last_refresh_token(CONTOSO).unwrap().as_str()
    );

    // A copy others may read is not used.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = store.load(CONTOSO).unwrap_err().to_string();
    assert!(error.contains("readable by other users"), "{error}");
    assert!(error.contains("chmod 600"), "{error}");
}

#[tokio::test]
async fn no_token_shows_in_any_debug_output() {
    let entra = EntraStandIn::start(tenants(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let client = client(&entra, CONTOSO, "contoso", dir.path());
    let code = client
        .start_device_sign_in(&scopes(&entra.url(), false))
        .await
        .unwrap();
    let code_debug = format!("{code:?}");
    entra.approve(&code.user_code);
    let (pause, _) = recording_pause();
    let sign_in = client
        .finish_device_sign_in(&code, &*pause, &sign_ins(dir.path()))
        .await
        .unwrap();
    sign_ins(dir.path()).save(&sign_in).unwrap();
    client
        .entra_side("contoso.example", at("2026-12-01T10:00:00Z"))
        .await
        .unwrap();
    entra.refuse_refresh_tokens(CONTOSO, 50_173);
    let refused = client
        .entra_side("contoso.example", at("2026-12-01T12:00:00Z"))
        .await
        .unwrap_err();
    let shown = [
        code_debug,
        format!("{sign_in:?}"),
        format!("{:?}", sign_in.status()),
        format!("{:?}", sign_ins(dir.path()).load(CONTOSO).unwrap()),
        format!("{client:?}"),
        format!("{refused:?} {refused}"),
    ]
    .join("\n");
    let issued = entra.issued();
    assert!(issued.len() >= 7, "device code, two grants of three tokens");
    for token in issued {
        assert!(!shown.contains(&token), "{token} in:\n{shown}");
    }
    assert!(shown.contains("[redacted]"), "{shown}");
}
