//! The PowerShell lines of the runbook and of the findings that quote them, filled in with a
//! domain's values: one source, so a finding's command is always the one its step shows.
//!
//! Every line is plain ASCII: ASCII hyphens and straight quotes only, because the article's
//! en dashes and curly quotes turn `-DomainName` into an unknown positional argument when pasted.
//! Each function returns one line, to be copied exactly as shown.

/// Quote a value for a PowerShell command line when it needs it (single quotes, `'` doubled).
/// Domain names, server names, GUIDs and base64 pass through unquoted.
pub(crate) fn ps_arg(value: &str) -> String {
    let bare = !value.is_empty()
        && !value.starts_with(['-', '$', '@', '#'])
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '+' | '/' | '=')
        });
    if bare {
        value.to_owned()
    } else {
        ps_string(value)
    }
}

/// The characters PowerShell takes for a single quote: `'` and the typographic ‘ ’ ‚ ‛. Any of
/// them ends a single-quoted string, so each must be doubled inside one.
const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

// AD FS PowerShell (on the AD FS server).
pub(crate) const ADFS2_SNAPIN: &str = "Add-PSSnapin Microsoft.Adfs.PowerShell";
pub(crate) const GET_ADFS_PROPERTIES: &str = "Get-AdfsProperties | FL AutoCert*, Certificate*";
pub(crate) const GET_TOKEN_SIGNING: &str = "Get-AdfsCertificate -CertificateType Token-Signing";
pub(crate) const EXPORT_TOKEN_SIGNING: &str = "Get-AdfsCertificate -CertificateType Token-Signing \
    | Select-Object Thumbprint, IsPrimary, @{n='NotAfter';e={$_.Certificate.NotAfter.ToString('o')}}, \
    @{n='RawData';e={[Convert]::ToBase64String($_.Certificate.RawData)}} | ConvertTo-Json";
pub(crate) const UPDATE_TOKEN_SIGNING: &str =
    "Update-AdfsCertificate -CertificateType Token-Signing";
/// [EMERG] step 1: replaces the primary at once and removes the older certificates.
pub(crate) const URGENT_TOKEN_SIGNING: &str =
    "Update-AdfsCertificate -CertificateType Token-Signing -Urgent";
pub(crate) const UPDATE_TOKEN_DECRYPTING: &str =
    "Update-AdfsCertificate -CertificateType Token-Decrypting";
pub(crate) const GET_TOKEN_DECRYPTING: &str =
    "Get-AdfsCertificate -CertificateType Token-Decrypting";
/// [TSTD]: AD FS takes a CA-issued certificate only while it does not manage its own.
pub(crate) const AUTO_ROLLOVER_OFF: &str = "Set-AdfsProperties -AutoCertificateRollover $false";
pub(crate) const AUTO_ROLLOVER_ON: &str = "Set-AdfsProperties -AutoCertificateRollover $true";
/// The AD FS primary and secondary certificates as `$p` / `$n`, for an Entra update that needs
/// a certificate the metadata does not publish yet (DOMAIN.md §5.2).
pub(crate) const ADFS_PRIMARY_VAR: &str =
    "$p = (Get-AdfsCertificate -CertificateType Token-Signing | ? IsPrimary).Certificate";
pub(crate) const ADFS_SECONDARY_VAR: &str =
    "$n = (Get-AdfsCertificate -CertificateType Token-Signing | ? {-not $_.IsPrimary}).Certificate";
/// Base64 of `$p` / `$n` as a PowerShell expression.
pub(crate) const ADFS_PRIMARY_B64: &str = "([Convert]::ToBase64String($p.RawData))";
pub(crate) const ADFS_SECONDARY_B64: &str = "([Convert]::ToBase64String($n.RawData))";

/// Make a token-signing certificate the one AD FS signs with ([TSTD] step 5).
pub(crate) fn set_primary(thumbprint: &str) -> String {
    format!(
        "Set-AdfsCertificate -CertificateType Token-Signing -Thumbprint {} -IsPrimary",
        ps_arg(thumbprint)
    )
}

/// Add a CA-issued certificate from the machine store as token-signing secondary ([TSTD]).
pub(crate) fn add_token_signing(thumbprint: &str) -> String {
    format!(
        "Add-AdfsCertificate -CertificateType Token-Signing -Thumbprint {}",
        ps_arg(thumbprint)
    )
}

/// Remove a token-signing certificate from AD FS ([EMERG] step 4).
pub(crate) fn remove_token_signing(thumbprint: &str) -> String {
    format!(
        "Remove-AdfsCertificate -CertificateType Token-Signing -Thumbprint {}",
        ps_arg(thumbprint)
    )
}

/// `Get-HotFix` for the proxy update the article requires on one Windows Server release.
pub(crate) fn get_hotfix(kb: &str, release: &str) -> String {
    format!("Get-HotFix -Id {kb}  # {release}")
}

// Microsoft Graph PowerShell.
pub(crate) const CONNECT_GRAPH_READ: &str = "Connect-MgGraph -Scopes Domain.Read.All";
pub(crate) const CONNECT_GRAPH_WRITE: &str =
    "Connect-MgGraph -Scopes Domain-InternalFederation.ReadWrite.All";

pub(crate) fn get_federation(domain: &str) -> String {
    format!(
        "Get-MgDomainFederationConfiguration -DomainId {}",
        ps_arg(domain)
    )
}

/// `$fed = ...`: the federation object, for its id and its certificates.
pub(crate) fn fetch_federation(domain: &str) -> String {
    format!("$fed = {}", get_federation(domain))
}

/// Which certificate slot of `$fed` a thumbprint line reads.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    Signing,
    NextSigning,
}

impl Slot {
    fn property(self) -> &'static str {
        match self {
            Self::Signing => "SigningCertificate",
            Self::NextSigning => "NextSigningCertificate",
        }
    }
}

/// The thumbprint of the certificate in one slot of `$fed` (Graph's or MSOnline's: both name
/// the slots alike), with what fedcert expects beside it: comparable with what fedcert shows.
pub(crate) fn slot_thumbprint(slot: Slot, expect: &str) -> String {
    format!(
        "[System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Convert]::FromBase64String($fed.{})).Thumbprint  # expect {expect}",
        slot.property()
    )
}

/// A certificate on a command line: base64 DER that fedcert read, or a PowerShell expression
/// that yields it where the command runs (`$p`, a file).
#[derive(Clone, Debug)]
pub(crate) enum CertArg {
    Base64(String),
    Expr(&'static str),
}

impl CertArg {
    fn render(&self) -> String {
        match self {
            Self::Base64(b64) => ps_arg(b64),
            Self::Expr(expr) => (*expr).to_owned(),
        }
    }
}

/// A certificate file the operator downloaded from the IdP (DER `.cer`), as base64 in `$new`.
pub(crate) const READ_NEW_CERTIFICATE: &str =
    "$new = [Convert]::ToBase64String([System.IO.File]::ReadAllBytes('new-signing.cer'))";
pub(crate) const NEW_CERTIFICATE_B64: &str = "$new";

/// The second new certificate of a third-party IdP's emergency rotation, as base64 in
/// `$second`.
pub(crate) const READ_SECOND_CERTIFICATE: &str =
    "$second = [Convert]::ToBase64String([System.IO.File]::ReadAllBytes('second-signing.cer'))";
pub(crate) const SECOND_CERTIFICATE_B64: &str = "$second";

/// A PowerShell string literal: single quotes, every character PowerShell takes for one
/// doubled (so that no value, however odd, can end the string and run as a command).
pub(crate) fn ps_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Graph PowerShell's scope for reading Entra's audit log.
pub(crate) const CONNECT_GRAPH_AUDIT: &str = "Connect-MgGraph -Scopes AuditLog.Read.All";

/// Entra's audit events of one activity that name `domain`, with when, who and the result.
pub(crate) fn audit_events(activity: &str, domain: &str) -> String {
    format!(
        "Get-MgAuditLogDirectoryAudit -All -Filter \"activityDisplayName eq '{activity}'\" | ? {{ $_.TargetResources.DisplayName -contains {} }} | Select-Object ActivityDateTime, ActivityDisplayName, @{{n='By';e={{$_.InitiatedBy.User.UserPrincipalName + $_.InitiatedBy.App.DisplayName}}}}, Result",
        ps_string(domain)
    )
}

/// The federation settings an attacker changes besides the certificates.
pub(crate) fn federation_settings(domain: &str) -> String {
    format!(
        "{} | Format-List IssuerUri, PassiveSignInUri, ActiveSignInUri, MetadataExchangeUri, FederatedIdpMfaBehavior",
        get_federation(domain)
    )
}

/// The PATCH of the federation object: `signing` into `SigningCertificate`, `next` (when given)
/// into `NextSigningCertificate`. `federation_id` `None` refers to `$fed.Id` from
/// [`fetch_federation`].
pub(crate) fn update_federation(
    domain: &str,
    federation_id: Option<&str>,
    signing: &CertArg,
    next: Option<&CertArg>,
) -> String {
    let id = federation_id.map_or_else(|| "$fed.Id".to_owned(), ps_arg);
    with_next(
        format!(
            "Update-MgDomainFederationConfiguration -DomainId {} -InternalDomainFederationId {id} -SigningCertificate {}",
            ps_arg(domain),
            signing.render()
        ),
        next,
    )
}

/// `line` with ` -NextSigningCertificate …` when there is a next certificate.
fn with_next(mut line: String, next: Option<&CertArg>) -> String {
    if let Some(next) = next {
        line.push_str(" -NextSigningCertificate ");
        line.push_str(&next.render());
    }
    line
}

/// A list of values for `foreach`: each single-quoted (a bare word there would run as a command).
pub(crate) fn quoted_list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| ps_string(v))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$signing = …` / `$next = …`: the certificates of an update of several domains, once.
pub(crate) fn certificate_variables(signing: &CertArg, next: Option<&CertArg>) -> Vec<String> {
    let value = |arg: &CertArg| match arg {
        // An assignment runs a bare word as a command: base64 is quoted here.
        CertArg::Base64(b64) => format!("'{b64}'"),
        CertArg::Expr(expr) => (*expr).to_owned(),
    };
    let mut lines = vec![format!("$signing = {}", value(signing))];
    if let Some(next) = next {
        lines.push(format!("$next = {}", value(next)));
    }
    lines
}

/// What Entra holds for each domain before an update of several, to put back.
pub(crate) const SAVE_EACH: &str = "$before = @{}";

/// [`update_federation`] for every domain of an IdP group, with the certificates of
/// [`certificate_variables`]; what each held before goes into `$before` ([`SAVE_EACH`]).
pub(crate) fn update_federation_each(domains: &[&str], next: bool) -> String {
    let next = if next {
        " -NextSigningCertificate $next"
    } else {
        ""
    };
    format!(
        "foreach ($d in {}) {{ $fed = {}; $before[$d] = $fed; Update-MgDomainFederationConfiguration -DomainId $d -InternalDomainFederationId $fed.Id -SigningCertificate $signing{next} }}",
        quoted_list(domains),
        get_federation_of_d()
    )
}

fn get_federation_of_d() -> &'static str {
    "Get-MgDomainFederationConfiguration -DomainId $d"
}

/// Put back what every domain of [`update_federation_each`] held before.
pub(crate) const RESTORE_FEDERATION_EACH: &str = "foreach ($d in $before.Keys) { Update-MgDomainFederationConfiguration -DomainId $d -InternalDomainFederationId $before[$d].Id -SigningCertificate $before[$d].SigningCertificate -NextSigningCertificate $before[$d].NextSigningCertificate }";

/// The thumbprints Entra holds for every domain of an IdP group, domain by domain.
pub(crate) fn group_thumbprints(domains: &[&str], msonline: bool) -> String {
    let fetch = if msonline {
        "Get-MsolDomainFederationSettings -DomainName $d"
    } else {
        get_federation_of_d()
    };
    format!(
        "foreach ($d in {}) {{ $f = {fetch}; foreach ($c in $f.SigningCertificate, $f.NextSigningCertificate) {{ if ($c) {{ '{{0}}  {{1}}' -f $d, [System.Security.Cryptography.X509Certificates.X509Certificate2]::new([Convert]::FromBase64String($c)).Thumbprint }} }} }}",
        quoted_list(domains)
    )
}

/// Put back what `$fed` ([`fetch_federation`]) held before an update.
pub(crate) fn restore_federation(domain: &str) -> String {
    format!(
        "Update-MgDomainFederationConfiguration -DomainId {} -InternalDomainFederationId $fed.Id -SigningCertificate $fed.SigningCertificate -NextSigningCertificate $fed.NextSigningCertificate",
        ps_arg(domain)
    )
}

// MSOnline (retired in 2025; kept for tenants where it still answers).
pub(crate) const INSTALL_MSONLINE: &str = "Install-Module MSOnline";
pub(crate) const CONNECT_MSOL: &str = "Connect-MsolService";
pub(crate) const GET_CREDENTIAL: &str = "$cred = Get-Credential";
pub(crate) const CONNECT_MSOL_CREDENTIAL: &str = "Connect-MsolService -Credential $cred";

fn multiple_domain_switch(multiple_domain: bool) -> &'static str {
    if multiple_domain {
        " -SupportMultipleDomain"
    } else {
        ""
    }
}

pub(crate) fn msol_federation_property(domain: &str, multiple_domain: bool) -> String {
    format!(
        "Get-MsolFederationProperty -DomainName {}{} | FL Source, TokenSigningCertificate",
        ps_arg(domain),
        multiple_domain_switch(multiple_domain)
    )
}

pub(crate) fn msol_adfs_context(server: &str) -> String {
    format!("Set-MsolADFSContext -Computer {}", ps_arg(server))
}

pub(crate) fn msol_update_federated_domain(domain: &str, multiple_domain: bool) -> String {
    format!(
        "Update-MsolFederatedDomain -DomainName {}{}",
        ps_arg(domain),
        multiple_domain_switch(multiple_domain)
    )
}

/// `$before[$d]`: what Entra holds for each domain before an MSOnline update, to put back.
pub(crate) fn msol_save_each(domains: &[&str]) -> String {
    format!(
        "$before = @{{}}; foreach ($d in {}) {{ $before[$d] = Get-MsolDomainFederationSettings -DomainName $d }}",
        quoted_list(domains)
    )
}

/// [`msol_update_federated_domain`] for every domain of an IdP group.
pub(crate) fn msol_update_federated_each(domains: &[&str], multiple_domain: bool) -> String {
    format!(
        "foreach ($d in {}) {{ Update-MsolFederatedDomain -DomainName $d{} }}",
        quoted_list(domains),
        multiple_domain_switch(multiple_domain)
    )
}

/// [`msol_set_federation_settings`] for every domain of an IdP group, with the certificates of
/// [`certificate_variables`].
pub(crate) fn msol_set_federation_each(domains: &[&str], next: bool) -> String {
    let next = if next {
        " -NextSigningCertificate $next"
    } else {
        ""
    };
    format!(
        "foreach ($d in {}) {{ Set-MsolDomainFederationSettings -DomainName $d -SigningCertificate $signing{next} }}",
        quoted_list(domains)
    )
}

/// Put back what every domain of [`msol_save_each`] held before.
pub(crate) const MSOL_RESTORE_EACH: &str = "foreach ($d in $before.Keys) { Set-MsolDomainFederationSettings -DomainName $d -SigningCertificate $before[$d].SigningCertificate -NextSigningCertificate $before[$d].NextSigningCertificate }";

/// `$before`: what Entra holds before an MSOnline update, to put back.
pub(crate) fn msol_save_settings(domain: &str) -> String {
    format!(
        "$before = Get-MsolDomainFederationSettings -DomainName {}",
        ps_arg(domain)
    )
}

pub(crate) fn msol_restore_settings(domain: &str) -> String {
    format!(
        "Set-MsolDomainFederationSettings -DomainName {} -SigningCertificate $before.SigningCertificate -NextSigningCertificate $before.NextSigningCertificate",
        ps_arg(domain)
    )
}

/// `$fed = ...`: MSOnline's federation settings, whose certificate slots the thumbprint lines
/// ([`slot_thumbprint`]) read as they read Graph's.
pub(crate) fn msol_fetch_settings(domain: &str) -> String {
    format!(
        "$fed = Get-MsolDomainFederationSettings -DomainName {}",
        ps_arg(domain)
    )
}

/// The third-party path in `MSOnline`: set the certificates directly
/// (`Update-MsolFederatedDomain` reads AD FS, which a third-party `IdP` is not).
pub(crate) fn msol_set_federation_settings(
    domain: &str,
    signing: &CertArg,
    next: Option<&CertArg>,
) -> String {
    with_next(
        format!(
            "Set-MsolDomainFederationSettings -DomainName {} -SigningCertificate {}",
            ps_arg(domain),
            signing.render()
        ),
        next,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_stay_bare_and_odd_ones_are_single_quoted() {
        assert_eq!(ps_arg("contoso.com"), "contoso.com");
        assert_eq!(ps_arg("MIIC+ab/cd=="), "MIIC+ab/cd==");
        assert_eq!(ps_arg("o'brien corp"), "'o''brien corp'");
        assert_eq!(ps_arg("$(evil)"), "'$(evil)'");
        assert_eq!(ps_arg("-Urgent"), "'-Urgent'");
        assert_eq!(ps_arg(""), "''");
        // PowerShell ends a single-quoted string at a typographic quote too: doubled, like '.
        assert_eq!(
            ps_arg("x\u{2019}; Remove-Item C:\\ -Recurse; \u{2018}"),
            "'x\u{2019}\u{2019}; Remove-Item C:\\ -Recurse; \u{2018}\u{2018}'"
        );
        assert_eq!(
            ps_string("a\u{201A}b\u{201B}c'd"),
            "'a\u{201A}\u{201A}b\u{201B}\u{201B}c''d'"
        );
        assert_eq!(
            quoted_list(&["a'b", "c\u{2019}d"]),
            "'a''b', 'c\u{2019}\u{2019}d'"
        );
    }

    #[test]
    fn the_export_one_liner_is_exactly_the_runbook_text() {
        let expected = "Get-AdfsCertificate -CertificateType Token-Signing | Select-Object Thumbprint, IsPrimary, @{n='NotAfter';e={$_.Certificate.NotAfter.ToString('o')}}, @{n='RawData';e={[Convert]::ToBase64String($_.Certificate.RawData)}} | ConvertTo-Json";
        assert_eq!(EXPORT_TOKEN_SIGNING, expected);
    }
}
