//! `fedcert completions <shell>` and `fedcert man`: generated from the clap definitions, so
//! they can never list a flag the binary does not have. The completions also offer the
//! configured domain names (`fedcert config domains`) where a domain is asked for, and the
//! tenants' names (`fedcert config tenants`) after `--tenant`, and the
//! manual page gains the sections clap knows nothing of: examples, files, environment, exit
//! status and the verdict's rules.

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;
use roff::{Roff, bold, roman};

use super::output::to_stdout;
use super::{Cli, EXIT_CANT_CREATE, Failure, Outcome};

/// The program's name as the shell sees it.
const BIN: &str = "fedcert";

/// Print the completion script for `shell`.
pub fn completions(shell: Shell) -> Outcome {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, BIN, &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    let script = with_domain_names(shell, script);
    to_stdout(|out| out.write_all(script.as_bytes()))?;
    Ok(0)
}

/// The shell's own way of offering the configured domain names after `--domain` and as
/// `checklist`'s and `import`'s DOMAIN, read from `fedcert config domains` when asked.
fn with_domain_names(shell: Shell, script: String) -> String {
    match shell {
        Shell::Bash => script + BASH_DOMAINS,
        Shell::Fish => script + FISH_DOMAINS,
        Shell::Zsh => {
            // Defined before the script's last lines call `_fedcert`, so that it exists on the
            // first completion when the file is autoloaded.
            const CALL: &str = "\nif [ \"$funcstack[1]\" = \"_fedcert\" ]; then";
            let script = script
                .replace(":NAME:_default", ":NAME:_fedcert_domains")
                .replace(":TENANT:_default", ":TENANT:_fedcert_tenants")
                .replace(
                    ":domain -- The domain, as named in the config:_default",
                    ":domain -- The domain, as named in the config:_fedcert_domains",
                );
            match script.rfind(CALL) {
                Some(at) => format!("{}{ZSH_DOMAINS}{}", &script[..at], &script[at..]),
                None => script + ZSH_DOMAINS,
            }
        }
        _ => script,
    }
}

const BASH_DOMAINS: &str = r#"
# Configured domain names after --domain and as checklist's DOMAIN (fedcert config domains).
_fedcert_with_domains() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ "$prev" == "--domain" ]] || { [[ "${COMP_WORDS[1]}" == "checklist" ]] && [[ $COMP_CWORD -eq 2 ]]; }; then
        local IFS=$'\n'
        COMPREPLY=( $(compgen -W "$(fedcert config domains 2>/dev/null)" -- "$cur") )
        return 0
    fi
    if [[ "$prev" == "--tenant" ]]; then
        local IFS=$'\n'
        COMPREPLY=( $(compgen -W "$(fedcert config tenants 2>/dev/null)" -- "$cur") )
        return 0
    fi
    _fedcert "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _fedcert_with_domains -o nosort -o bashdefault -o default fedcert
else
    complete -F _fedcert_with_domains -o bashdefault -o default fedcert
fi
"#;

const FISH_DOMAINS: &str = r"
# Configured domain names after --domain and as checklist's DOMAIN (fedcert config domains).
complete -c fedcert -l domain -r -f -a '(fedcert config domains 2>/dev/null)'
complete -c fedcert -n '__fish_seen_subcommand_from checklist' -f -a '(fedcert config domains 2>/dev/null)'
# Configured tenants after --tenant (fedcert config tenants).
complete -c fedcert -l tenant -r -f -a '(fedcert config tenants 2>/dev/null)'
";

const ZSH_DOMAINS: &str = r#"
# Configured domain names (fedcert config domains).
(( $+functions[_fedcert_domains] )) ||
_fedcert_domains() {
    local -a domains
    domains=(${(f)"$(fedcert config domains 2>/dev/null)"})
    _describe 'domain' domains
}
# Configured tenants (fedcert config tenants).
(( $+functions[_fedcert_tenants] )) ||
_fedcert_tenants() {
    local -a tenants
    tenants=(${(f)"$(fedcert config tenants 2>/dev/null)"})
    _describe 'tenant' tenants
}
"#;

/// Print fedcert(1), or with `dir` write it and one page per subcommand (fedcert-check(1), …).
pub fn man(dir: Option<&Path>) -> Outcome {
    let Some(dir) = dir else {
        to_stdout(|out| page(&Cli::command(), true, out))?;
        return Ok(0);
    };
    let cannot = |e: io::Error| {
        Failure::new(
            EXIT_CANT_CREATE,
            format!(
                "man --dir {}: cannot write the manual pages there: {e}",
                dir.display()
            ),
        )
    };
    std::fs::create_dir_all(dir).map_err(cannot)?;
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    write_pages(&command, true, dir).map_err(cannot)?;
    Ok(0)
}

/// The page of `command` and of each of its subcommands, as `fedcert-check.1` and so on.
fn write_pages(command: &clap::Command, top: bool, dir: &Path) -> io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, false, dir)?;
    }
    let man = clap_mangen::Man::new(command.clone());
    let mut file = std::fs::File::create(dir.join(man.get_filename()))?;
    page(command, top, &mut file)?;
    file.flush()
}

/// One page: clap_mangen's sections, then the examples (the command's after-help), and for
/// fedcert(1) itself the files, environment, exit status and rules.
fn page(command: &clap::Command, top: bool, out: &mut dyn Write) -> io::Result<()> {
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if command.has_subcommands() {
        man.render_subcommands_section(out)?;
    }
    let mut roff = Roff::new();
    if let Some(after) = command.get_after_help() {
        roff.control("SH", ["EXAMPLES"]);
        roff.control("nf", [] as [&str; 0]);
        let after = after.to_string();
        // The section's heading says it already.
        let body = after.strip_prefix("Examples:\n").unwrap_or(&after);
        for line in body.lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", [] as [&str; 0]);
    }
    if top {
        reference(&mut roff);
    }
    roff.to_writer(out)?;
    if command.get_version().is_some() {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// A `.TP` entry: a bold term and its text.
fn entry(roff: &mut Roff, term: &str, text: &str) {
    roff.control("TP", [] as [&str; 0]);
    roff.text([bold(term)]);
    roff.text([roman(text)]);
}

/// FILES, ENVIRONMENT, EXIT STATUS and VERDICT RULES of fedcert(1).
fn reference(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    for (term, text) in [
        (
            "~/.config/fedcert/config.toml",
            "The config (the platform's config directory; fedcert config path prints where it is looked for). --config or FEDCERT_CONFIG name another.",
        ),
        (
            "~/.local/share/fedcert/",
            "The data directory (FEDCERT_DATA_DIR names another): checklist progress, PowerShell imports, each domain's certificate history, the last good metadata, written atomically under a lock.",
        ),
        (
            "~/.local/share/fedcert/signin/",
            "The sign-ins of fedcert login, one file per tenant, readable by you alone (0600): the refresh token and who signed in. fedcert logout removes one.",
        ),
        (
            "~/.local/share/fedcert/fedcert.log",
            "The TUI's log (--log-file names another); headless commands log to standard error.",
        ),
    ] {
        entry(roff, term, text);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (term, text) in [
        ("FEDCERT_CONFIG", "The config file, instead of the default."),
        (
            "FEDCERT_DATA_DIR",
            "The data directory, instead of the default.",
        ),
        (
            "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
            "The proxy for metadata, Graph and home-realm requests, and the hosts that bypass it.",
        ),
        (
            "SSL_CERT_FILE",
            "The CA bundle to trust instead of /etc/ssl/certs (a domain's ca_file adds to it).",
        ),
        ("NO_COLOR", "Set to anything: no colours in the TUI."),
        (
            "LC_ALL, LC_CTYPE, LANG",
            "A locale that does not say UTF-8 makes the TUI draw in ASCII, as --ascii does.",
        ),
        (
            "RUST_LOG",
            "Log filter (e.g. fedcert=debug), over -v and -vv.",
        ),
        (
            "MIMALLOC_PURGE_DELAY",
            "How many milliseconds the allocator keeps memory it freed before giving it back: 0 for the headless \
             commands, 1000 for the TUI, unless set.",
        ),
        (
            "the variable named by client_secret_env",
            "The Graph app's client secret ([entra] client_secret_env); the secret itself never goes in the config.",
        ),
    ] {
        entry(roff, term, text);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (term, text) in [
        ("0", "check: every domain OK; other commands: success."),
        ("1", "check: the worst domain is WARNING."),
        ("2", "check: the worst domain is CRITICAL."),
        (
            "3",
            "check: the worst domain is UNKNOWN (its metadata was never read), or no domain is configured.",
        ),
        ("64", "A usage error: an unknown flag, command or domain."),
        (
            "65",
            "Unreadable or invalid input: the config, a metadata document, a certificate, an import.",
        ),
        (
            "69",
            "An unreachable source (a metadata URL for inspect, a port to listen on).",
        ),
        ("70", "An internal error."),
        ("73", "An output file or directory that cannot be created."),
        (
            "77",
            "login: the sign-in was declined, its code expired, or Entra refused it.",
        ),
        (
            "130",
            "login: cancelled with Ctrl-C while waiting; nothing was saved.",
        ),
    ] {
        entry(roff, term, text);
    }
    roff.control("SH", ["VERDICT RULES"]);
    roff.text([roman(
        "Each finding cites the rule that produced it; a domain's verdict is its worst finding (CRITICAL > WARNING > UNKNOWN > OK); an info finding never changes it.",
    )]);
    for (term, text) in RULES {
        entry(roff, term, text);
    }
}

/// The rules of the verdict, as the README's table has them.
const RULES: [(&str, &str); 33] = [
    (
        "S1",
        "Automatic rollover, in sync, metadata reachable: OK, no action.",
    ),
    (
        "S2",
        "Automatic rollover, not in sync, under renew_now_days: CRITICAL, renew now by hand.",
    ),
    (
        "S3",
        "No automatic rollover, under manual_renew_days: CRITICAL, renew now (WARNING when the successor is published and in Entra: promote it).",
    ),
    ("R1", "The primary has expired: CRITICAL, outage runbook."),
    (
        "R2",
        "Entra does not hold the certificate the IdP signs with: CRITICAL, outage runbook.",
    ),
    (
        "R3",
        "Automatic rollover and no successor past the generation milestone: WARNING; CRITICAL under renew_now_days.",
    ),
    (
        "R4",
        "A successor is published and Entra does not hold it: WARNING (CRITICAL with S2).",
    ),
    (
        "R5",
        "No automatic rollover, under plan_days: WARNING, plan the manual renewal.",
    ),
    (
        "R6",
        "AutoCertificateRollover unknown, under manual_renew_days: WARNING, find out.",
    ),
    (
        "R7",
        "The latest refresh failed; the verdict uses the last good snapshot: WARNING.",
    ),
    ("R8", "The metadata was never read: UNKNOWN."),
    (
        "R9",
        "The token-decrypting certificate expired or expires under renew_now_days: WARNING.",
    ),
    (
        "R10",
        "Which certificates Entra holds is unknown, under entra_poll_days: WARNING.",
    ),
    (
        "R11",
        "The metadata publishes no usable signing certificate: CRITICAL.",
    ),
    (
        "E1",
        "Entra's own certificate update fails while the successor is not in Entra: WARNING; CRITICAL under renew_now_days.",
    ),
    (
        "C1",
        "The metadata server's clock and this machine's differ by more than 5 minutes: WARNING.",
    ),
    (
        "A1",
        "The imported Get-AdfsCertificate holds a valid token-signing certificate the metadata does not publish: the metadata is behind AD FS and Entra does not see it: WARNING.",
    ),
    (
        "A2",
        "Domains of one IdP (same entityID) hold different certificates in Entra: WARNING, update every domain of the IdP.",
    ),
    ("V1", "The metadata's validUntil has passed: WARNING."),
    (
        "X1",
        "The metadata's signature verifies, but its signer is neither an IdP signing certificate of the document nor a metadata_signer: WARNING.",
    ),
    (
        "X2",
        "The metadata's signature does not verify (or covers something else than the document): CRITICAL, copy no certificate from it into Entra.",
    ),
    (
        "X3",
        "The metadata is unsigned (or signed in a way fedcert does not verify) and the domain sets require_signature = true: WARNING.",
    ),
    (
        "T1",
        "A TLS certificate of the metadata host or the sign-in host under tls_warn_days: WARNING; CRITICAL under renew_now_days or expired.",
    ),
    (
        "T2",
        "The sign-in host's TLS certificate is refused for another reason than its expiry (unknown issuer, another name): WARNING.",
    ),
    (
        "B1",
        "Entra trusts (signing or next-signing slot) a certificate the IdP does not publish, no import shows and fedcert never saw the IdP publish: CRITICAL even in sync, the incident runbook.",
    ),
    (
        "B2",
        "Entra still trusts a certificate the IdP published before and has retired: WARNING, flush it.",
    ),
    (
        "B3",
        "Entra's issuerUri names another host than the IdP's, or the backdoor pattern http://any.sts/: WARNING.",
    ),
    (
        "B4",
        "The domain's federation settings changed in the last 24 hours (audit log): WARNING naming who and when.",
    ),
    (
        "H1",
        "A published signing certificate is signed with SHA-1: info (never changes the verdict).",
    ),
    (
        "H2",
        "A published signing certificate has an RSA key under 2048 bits: info.",
    ),
    (
        "H3",
        "A published signing certificate is valid for more than three years: info.",
    ),
    (
        "H4",
        "The successor's subject or issuer differs from the primary's: info.",
    ),
    (
        "U1",
        "A federated domain of the tenant that no [[domain]] watches: WARNING for check's worst verdict.",
    ),
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::assess::Rule;

    /// The manual page names every rule once, in the order of the README's table.
    #[test]
    fn the_manual_page_has_a_line_for_every_rule() {
        let listed: Vec<&str> = RULES.iter().map(|(id, _)| *id).collect();
        let rules: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(listed, rules);
    }
}
