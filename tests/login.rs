//! `fedcert login`, `check` and `logout` end to end: the real binary against the demo's
//! metadata server and a loopback stand-in for Entra's device code and token endpoints and
//! Graph (`support::entra`) with two tenants. The test plays the operator: it reads the code the
//! binary prints (never sleeping to wait for it) and approves or declines it at the stand-in,
//! or presses Ctrl-C. Every token the stand-in issues is looked for in every run's stdout,
//! stderr, the log file and the process's arguments, and must be in none of them.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fedcert::config::DomainConfig;
use fedcert::demo::Demo;
use serde_json::{Value, json};
use support::entra::{EntraStandIn, TenantSpec};

const NOW: &str = "2026-12-01T09:00:00Z";
const CONTOSO: &str = "contoso.onmicrosoft.example";
const FABRIKAM: &str = "fabrikam.onmicrosoft.example";
const SIGNING: &str = "91D7AAD52141A3CF7D8C5BCC6B185D9EC6F2DD62";
const NEXT: &str = "01A9F57F57A71FCD8EB67E7D7251FDB7D0397360";
/// Read by the [entra] tenant; read by the [[tenant]] named fabrikam.
const CONTOSO_DOMAINS: [&str; 2] = ["contoso-demo.example", "fabrikam-demo.example"];
const FABRIKAM_DOMAIN: &str = "northwind-demo.example";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

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

/// What one run of the binary left behind.
#[derive(Clone, Debug)]
struct Run {
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// `/proc/<pid>/cmdline` while it waited for the sign-in, when it did.
    cmdline: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{:?}: not JSON ({e}): {}\n{}",
                self.args, self.stdout, self.stderr
            )
        })
    }
}

struct Fixture {
    _demo: Demo,
    entra: EntraStandIn,
    dir: tempfile::TempDir,
    runs: std::cell::RefCell<Vec<Run>>,
    /// Runs the servers.
    _runtime: tokio::runtime::Runtime,
}

impl Fixture {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// With `unwatched` federated in the fabrikam tenant too, and in no `[[domain]]`.
    fn start_with(unwatched: &[&str]) -> Self {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let demo = runtime.block_on(Demo::start(now())).unwrap();
        let entra = runtime.block_on(EntraStandIn::start(
            vec![
                TenantSpec {
                    id: CONTOSO.into(),
                    account: "alice@contoso.example".into(),
                    domains: CONTOSO_DOMAINS
                        .iter()
                        .map(|d| ((*d).to_owned(), der("signing.pem")))
                        .collect(),
                },
                TenantSpec {
                    id: FABRIKAM.into(),
                    account: "bob@fabrikam.example".into(),
                    domains: std::iter::once(FABRIKAM_DOMAIN)
                        .chain(unwatched.iter().copied())
                        .map(|d| (d.to_owned(), der("next.pem")))
                        .collect(),
                },
            ],
            // Entra asks for 5 s between polls; a second keeps the test quick without spinning.
            1,
        ));
        let dir = tempfile::tempdir().unwrap();
        let url = entra.url();
        let mut toml = format!(
            "[settings]\ntimeout = \"5s\"\n\n[entra]\ntenant_id = \"{CONTOSO}\"\nauthority = \"{url}\"\ngraph = \"{url}\"\n\n[[tenant]]\nname = \"fabrikam\"\ntenant_id = \"{FABRIKAM}\"\nauthority = \"{url}\"\ngraph = \"{url}\"\n"
        );
        let pick = |name: &str| -> &DomainConfig {
            demo.config.domains.iter().find(|d| d.name == name).unwrap()
        };
        for name in CONTOSO_DOMAINS {
            toml.push_str(&support::config_toml::domain(&DomainConfig {
                tenant: None,
                ..pick(name).clone()
            }));
        }
        toml.push_str(&support::config_toml::domain(&DomainConfig {
            tenant: None,
            ..pick(FABRIKAM_DOMAIN).clone()
        }));
        toml.push_str("tenant = \"fabrikam\"\n");
        std::fs::write(dir.path().join("config.toml"), toml).unwrap();
        Self {
            _demo: demo,
            entra,
            dir,
            runs: std::cell::RefCell::new(Vec::new()),
            _runtime: runtime,
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("fedcert.log")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fedcert"));
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "FEDCERT_CONFIG",
        ] {
            cmd.env_remove(var);
        }
        // Everything fedcert and its HTTP stack log, so that a leak would be in the log.
        cmd.env("RUST_LOG", "trace")
            .env("FEDCERT_DATA_DIR", self.data())
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .args(["--now", NOW, "-vv", "--log-file"])
            .arg(self.log_file())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Run to the end.
    fn run(&self, args: &[&str]) -> Run {
        let mut child = self.command(args).spawn().unwrap();
        let stderr = drain(child.stderr.take().unwrap());
        self.finish(args, child, String::new(), stderr, String::new())
    }

    /// `fedcert login args…`: read stderr up to the line that shows the code, look at the
    /// process's arguments, then let `operator` act on the code (approve, decline, Ctrl-C).
    fn login(&self, args: &[&str], operator: impl FnOnce(&str, u32)) -> Run {
        let mut all = vec!["login"];
        all.extend_from_slice(args);
        let mut child = self.command(&all).spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let code = loop {
            let mut line = String::new();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "login ended before showing a code: {seen}"
            );
            seen.push_str(&line);
            if line.contains("waiting for the sign-in") {
                break code_in(&seen);
            }
        };
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", child.id()))
            .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
            .unwrap_or_default();
        operator(&code, child.id());
        self.finish(&all, child, seen, drain(stderr), cmdline)
    }

    /// Wait for the child (killing it after a minute: a hang fails the test, it does not stall
    /// it), with what its stderr said before and the thread reading the rest.
    fn finish(
        &self,
        args: &[&str],
        mut child: Child,
        stderr_before: String,
        stderr_rest: std::thread::JoinHandle<String>,
        cmdline: String,
    ) -> Run {
        let stdout = drain(child.stdout.take().unwrap());
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?} did not finish within a minute");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let run = Run {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            code: status.code(),
            stdout: stdout.join().unwrap(),
            stderr: stderr_before + &stderr_rest.join().unwrap(),
            cmdline,
        };
        self.runs.borrow_mut().push(run.clone());
        run
    }

    fn approve(&self) -> impl FnOnce(&str, u32) + '_ {
        |code, _| self.entra.approve(code)
    }

    /// No token the stand-in issued (at least `at_least` of them) is in any run's output, the
    /// log file or the process's arguments.
    fn assert_no_token_anywhere(&self, at_least: usize) {
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        assert!(!log.is_empty(), "the log file was written");
        let issued = self.entra.issued();
        assert!(
            issued.len() >= at_least,
            "tokens were issued: {}",
            issued.len()
        );
        for token in &issued {
            assert!(!log.contains(token.as_str()), "a token is in the log file");
            for run in self.runs.borrow().iter() {
                for (what, text) in [
                    ("stdout", &run.stdout),
                    ("stderr", &run.stderr),
                    ("the arguments", &run.cmdline),
                ] {
                    assert!(
                        !text.contains(token.as_str()),
                        "a token is in {what} of {:?}",
                        run.args
                    );
                }
            }
        }
    }
}

/// Read a pipe to its end on a thread.
fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// The code in Entra's message: "… and enter the code ABCD1234 to authenticate."
fn code_in(text: &str) -> String {
    text.split("enter the code ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no code in: {text}"))
        .to_owned()
}

fn domain<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["domains"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report:#}"))
}

/// The saved sign-ins (and any temporary file of one) in the data dir; the lock files the
/// store keeps beside them are not sign-ins.
fn sign_in_files(data: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data.join("signin"))
        .map(|dir| {
            dir.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_none_or(|e| e != "lock"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn login_check_logout_check_with_two_tenants() {
    let fixture = Fixture::start();

    // Sign in to the default tenant ([entra]), then to the [[tenant]] named fabrikam.
    let contoso = fixture.login(&[], fixture.approve());
    assert_eq!(contoso.code, Some(0), "{}", contoso.stderr);
    assert!(
        contoso
            .stderr
            .contains("Microsoft Graph Command Line Tools"),
        "says which client: {}",
        contoso.stderr
    );
    assert!(
        contoso.stdout.contains("alice@contoso.example"),
        "{}",
        contoso.stdout
    );
    let fabrikam = fixture.login(&["--tenant", "fabrikam"], fixture.approve());
    assert_eq!(fabrikam.code, Some(0), "{}", fabrikam.stderr);
    assert!(
        fabrikam.stdout.contains("bob@fabrikam.example"),
        "{}",
        fabrikam.stdout
    );
    assert_eq!(sign_in_files(&fixture.data()).len(), 2);

    // check: the Entra side of each domain from its own tenant's Graph.
    let report = fixture.run(&["check", "--json"]).json();
    for name in CONTOSO_DOMAINS {
        let d = domain(&report, name);
        assert_eq!(d["tenant"], CONTOSO, "{d:#}");
        assert_eq!(d["entra"]["source"], "graph", "{d:#}");
        assert_eq!(d["entra"]["error"], Value::Null, "{d:#}");
        assert_eq!(d["entra"]["signing"], SIGNING, "{d:#}");
        assert_eq!(d["metadata"]["error"], Value::Null, "{d:#}");
    }
    let northwind = domain(&report, FABRIKAM_DOMAIN);
    assert_eq!(northwind["tenant"], "fabrikam");
    assert_eq!(northwind["entra"]["source"], "graph", "{northwind:#}");
    assert_eq!(northwind["entra"]["signing"], NEXT, "{northwind:#}");

    // Who is signed in where, and until when.
    let status = fixture.run(&["login", "--status"]);
    assert_eq!(status.code, Some(0));
    let lines: Vec<&str> = status.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", status.stdout);
    assert!(
        lines[0].starts_with(&format!("{CONTOSO}: ")),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("alice@contoso.example"), "{}", lines[0]);
    assert!(
        lines[1].starts_with(&format!("fabrikam ({FABRIKAM})")),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("bob@fabrikam.example"), "{}", lines[1]);

    // discover --graph --tenant: that tenant's federated domains.
    let discover = fixture.run(&["discover", "--graph", "--tenant", "fabrikam", "--json"]);
    assert_eq!(discover.code, Some(0), "{}", discover.stderr);
    let listed = discover.json();
    assert_eq!(listed["tenant"], FABRIKAM);
    let names: Vec<&str> = listed["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["domain"].as_str().unwrap())
        .collect();
    assert_eq!(names, [FABRIKAM_DOMAIN]);

    // Sign out of fabrikam: its domain's Entra side says how to sign in; the metadata reads.
    let logout = fixture.run(&["logout", "--tenant", "fabrikam"]);
    assert_eq!(logout.code, Some(0), "{}", logout.stderr);
    assert_eq!(sign_in_files(&fixture.data()).len(), 1);
    let report = fixture.run(&["check", "--json"]).json();
    let northwind = domain(&report, FABRIKAM_DOMAIN);
    let error = northwind["entra"]["error"].as_str().unwrap();
    assert!(error.contains("fedcert login --tenant fabrikam"), "{error}");
    assert_eq!(northwind["entra"]["source"], Value::Null);
    assert_eq!(northwind["metadata"]["error"], Value::Null);
    assert!(northwind["primary"]["sha1"].is_string(), "{northwind:#}");
    for name in CONTOSO_DOMAINS {
        assert_eq!(domain(&report, name)["entra"]["source"], "graph", "{name}");
    }
    let text = fixture.run(&["check"]);
    let line = text
        .stdout
        .lines()
        .find(|l| l.contains(FABRIKAM_DOMAIN))
        .unwrap();
    assert!(line.contains("fedcert login --tenant fabrikam"), "{line}");
    let discover = fixture.run(&["discover", "--graph", "--tenant", "fabrikam"]);
    assert_eq!(discover.code, Some(77));
    assert_eq!(discover.stderr.lines().count(), 1, "{}", discover.stderr);
    assert!(discover.stderr.contains("fedcert login --tenant fabrikam"));

    // Two sign-ins and two check runs, one refresh each: a device code and twelve tokens.
    fixture.assert_no_token_anywhere(10);
}

#[test]
fn ctrl_c_while_waiting_leaves_nothing_behind() {
    let fixture = Fixture::start();
    let run = fixture.login(&[], |_, pid| {
        let sent = Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    });
    assert_eq!(run.code, Some(130), "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.contains("sign-in cancelled; nothing was saved"),
        "{last}"
    );
    assert!(
        sign_in_files(&fixture.data()).is_empty(),
        "{:?}",
        sign_in_files(&fixture.data())
    );
    // The device code is the one token issued.
    fixture.assert_no_token_anywhere(1);
}

#[test]
fn a_declined_sign_in_is_one_line_and_exit_77() {
    let fixture = Fixture::start();
    let run = fixture.login(&["--tenant", "fabrikam"], |code, _| {
        fixture.entra.decline(code);
    });
    assert_eq!(run.code, Some(77), "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap();
    assert!(last.contains("declined"), "{last}");
    assert!(last.contains("nothing was saved"), "{last}");
    assert!(sign_in_files(&fixture.data()).is_empty());
}

#[test]
fn a_revoked_sign_in_asks_for_a_new_one_and_the_metadata_still_reads() {
    let fixture = Fixture::start();
    let login = fixture.login(&[], fixture.approve());
    assert_eq!(login.code, Some(0), "{}", login.stderr);
    fixture.entra.refuse_refresh_tokens(CONTOSO, 50_173);

    let report = fixture.run(&["check", "--json"]).json();
    for name in CONTOSO_DOMAINS {
        let d = domain(&report, name);
        let error = d["entra"]["error"].as_str().unwrap();
        assert!(
            error.contains(&format!("sign in again: fedcert login --tenant {CONTOSO}")),
            "{error}"
        );
        assert!(error.contains("AADSTS50173"), "{error}");
        assert_eq!(d["metadata"]["error"], Value::Null);
    }
    // One refresh was refused; the other domain did not ask again.
    assert_eq!(fixture.entra.refreshes(CONTOSO).len(), 1);
    let status = fixture.run(&["login", "--status"]);
    let line = status.stdout.lines().next().unwrap();
    assert!(line.contains("Entra refused the sign-in"), "{line}");
    assert!(line.contains("fedcert login --tenant"), "{line}");

    // Signing in again puts it right.
    let again = fixture.login(&[], fixture.approve());
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let report = fixture.run(&["check", "--json"]).json();
    assert_eq!(
        domain(&report, CONTOSO_DOMAINS[0])["entra"]["source"],
        "graph"
    );
    fixture.assert_no_token_anywhere(6);
}

/// The security posture with the operator signed in to two tenants (issue 20 with issue 18):
/// each tenant's federated domains and audit log are read through its own sign-in, a tenant's
/// findings go to its own domains only, and what is not permitted says which sign-in fixes it.
#[test]
fn the_posture_of_each_tenant_is_read_with_its_own_sign_in() {
    const ROGUE: &str = "rogue.fabrikam.example";
    let fixture = Fixture::start_with(&[ROGUE]);
    // Both audit logs name a change two hours ago; only fabrikam's sign-in may read its log.
    let event =
        |upn: &str, domain: &str| audit_event(upn, domain, now() - chrono::TimeDelta::hours(2));
    fixture.entra.set_audit_events(
        CONTOSO,
        vec![event("mallory@contoso.example", CONTOSO_DOMAINS[0])],
    );
    fixture.entra.set_audit_events(
        FABRIKAM,
        vec![event("eve@fabrikam.example", FABRIKAM_DOMAIN)],
    );
    let contoso = fixture.login(&[], fixture.approve());
    assert_eq!(contoso.code, Some(0), "{}", contoso.stderr);
    let fabrikam = fixture.login(&["--tenant", "fabrikam", "--audit"], fixture.approve());
    assert_eq!(fabrikam.code, Some(0), "{}", fabrikam.stderr);

    let run = fixture.run(&["check", "--json"]);
    let report = run.json();
    let tenants = report["tenants"].as_array().unwrap();
    let names: Vec<&str> = tenants
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [CONTOSO, "fabrikam"], "{report:#}");
    // The tenants are named as their domains name them.
    assert_eq!(
        tenants[0]["name"],
        domain(&report, CONTOSO_DOMAINS[0])["tenant"]
    );
    assert_eq!(
        tenants[1]["name"],
        domain(&report, FABRIKAM_DOMAIN)["tenant"]
    );

    // contoso: every federated domain watched; its sign-in did not ask for the audit log.
    let contoso = &tenants[0];
    assert_eq!(contoso["unwatched_domains"], json!([]));
    assert_eq!(contoso["error"], Value::Null, "{contoso:#}");
    assert_eq!(contoso["not_permitted"], json!(["AuditLog.Read.All"]));
    for name in CONTOSO_DOMAINS {
        let d = domain(&report, name);
        assert_eq!(d["entra"]["changes_read"], "not_permitted", "{d:#}");
        assert_eq!(
            d["entra"]["error"],
            Value::Null,
            "not the domain's error: {d:#}"
        );
        let note = d["entra"]["changes_note"].as_str().unwrap();
        assert!(
            note.contains(&format!("fedcert login --tenant {CONTOSO} --audit")),
            "the sign-in that fixes it: {note}"
        );
        assert!(!note.contains("application permission"), "{note}");
    }
    assert!(
        !findings_of(domain(&report, CONTOSO_DOMAINS[0])).contains(&"B4".to_owned()),
        "contoso's log was not read"
    );

    // fabrikam: the rogue domain is unwatched there, and its change is its domain's B4.
    let fabrikam = &tenants[1];
    assert_eq!(fabrikam["unwatched_domains"], json!([ROGUE]));
    assert_eq!(fabrikam["severity"], "warning");
    assert_eq!(fabrikam["not_permitted"], json!([]));
    let message = fabrikam["message"].as_str().unwrap();
    assert!(
        message.contains("fedcert discover --graph --tenant fabrikam --add"),
        "{message}"
    );
    let northwind = domain(&report, FABRIKAM_DOMAIN);
    assert_eq!(northwind["entra"]["changes_read"], "read", "{northwind:#}");
    assert_eq!(
        northwind["entra"]["changes"][0]["actor"],
        "eve@fabrikam.example"
    );
    let b4 = northwind["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "B4")
        .unwrap_or_else(|| panic!("no B4: {northwind:#}"));
    assert!(
        b4["message"]
            .as_str()
            .unwrap()
            .contains("eve@fabrikam.example"),
        "{b4:#}"
    );
    assert!(["warning", "critical"].contains(&report["worst"].as_str().unwrap()));
    assert_ne!(run.code, Some(0));

    assert_tenant_lines(&fixture, ROGUE);
    fixture.assert_no_token_anywhere(6);
}

/// `check`'s text report of the two tenants above: a line per tenant, each naming it once.
fn assert_tenant_lines(fixture: &Fixture, rogue: &str) {
    let text = fixture.run(&["check"]);
    let line = |tenant: &str| -> String {
        text.stdout
            .lines()
            .find(|l| l.contains(&format!(" tenant {tenant}: ")))
            .unwrap_or_else(|| panic!("no line for {tenant}: {}", text.stdout))
            .to_owned()
    };
    let contoso = line(CONTOSO);
    assert!(
        contoso.starts_with(&format!(
            "OK      tenant {CONTOSO}: every federated domain of the tenant is watched · audit log: not permitted"
        )),
        "{contoso}"
    );
    assert!(
        contoso.contains(&format!("fedcert login --tenant {CONTOSO} --audit")),
        "{contoso}"
    );
    let fabrikam = line("fabrikam");
    assert!(
        fabrikam.starts_with(&format!(
            "WARN    tenant fabrikam: 1 federated domain of the tenant is not watched: {rogue}"
        )),
        "{fabrikam}"
    );
}

/// A "Set federation settings on domain" event of Graph's audit log (`directoryAudit`).
fn audit_event(upn: &str, domain: &str, at: DateTime<Utc>) -> Value {
    json!({
        "id": format!("Directory_{upn}"),
        "category": "DirectoryManagement",
        "activityDisplayName": "Set federation settings on domain",
        // Graph's seven fractional digits.
        "activityDateTime": at.format("%Y-%m-%dT%H:%M:%S.0000000Z").to_string(),
        "result": "success",
        "initiatedBy": { "user": { "userPrincipalName": upn } },
        "targetResources": [ { "displayName": domain, "type": "Other" } ],
    })
}

fn findings_of(d: &Value) -> Vec<String> {
    d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}
