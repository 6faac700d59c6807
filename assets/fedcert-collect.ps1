<#
.SYNOPSIS
    Collects what fedcert compares in one run: the token-signing certificates AD FS holds, the
    AD FS properties, and the Entra ID federation settings of every federated domain, as UTF-8
    JSON files for "fedcert import FOLDER".

.DESCRIPTION
    Run it on the primary AD FS server (Windows PowerShell 5.1 or PowerShell 7), where both the
    AD FS module and the Microsoft Graph PowerShell module are available. It only reads: it
    changes nothing in AD FS or in Entra ID. It uses Microsoft Graph PowerShell
    (Microsoft.Graph.Identity.DirectoryManagement), never the retired MSOnline module.

    It writes into -OutDir:
      adfs-certificates.json         Get-AdfsCertificate -CertificateType Token-Signing:
                                     Thumbprint, IsPrimary, NotAfter (UTC), RawData (base64)
      adfs-properties.json           Get-AdfsProperties: HostName, Identifier,
                                     AutoCertificateRollover and the Certificate* thresholds
      entra-federation.DOMAIN.json   Get-MgDomainFederationConfiguration, one file for every
                                     federated domain of the tenant
      manifest.json                  when and where it ran, and what it could not collect

    Entra needs a sign-in with Domain.Read.All (Global Reader, Security Reader or Domain Name
    Administrator is enough). Where one module is missing, the script collects the other side
    and says so in manifest.json; -SkipAdfs and -SkipEntra leave a side out on purpose.

    Copy the folder to the machine fedcert runs on and import it whole:
      fedcert import ./fedcert-collection
    fedcert checks that each file belongs to the domains it is imported for (the AD FS
    certificates must appear in the domain's metadata, the Entra settings must name the domain's
    IdP) and refuses a file that does not.

.PARAMETER OutDir
    The folder to write; created when missing. Default: .\fedcert-collection

.PARAMETER TenantId
    The tenant to sign in to (a GUID or contoso.onmicrosoft.com), when the account has several.

.PARAMETER SkipAdfs
    Do not read AD FS (run it on an admin workstation for the Entra side only).

.PARAMETER SkipEntra
    Do not sign in to Entra ID (the AD FS side only).

.EXAMPLE
    .\fedcert-collect.ps1
    Writes .\fedcert-collection; then: fedcert import fedcert-collection

.EXAMPLE
    .\fedcert-collect.ps1 -OutDir C:\Temp\fedcert -TenantId contoso.onmicrosoft.com
#>
[CmdletBinding()]
param(
    [string] $OutDir = (Join-Path (Get-Location).Path 'fedcert-collection'),
    [string] $TenantId,
    [switch] $SkipAdfs,
    [switch] $SkipEntra
)

$ErrorActionPreference = 'Stop'

# UTF-8 without a byte order mark, in Windows PowerShell 5.1 as in PowerShell 7.
$utf8 = New-Object System.Text.UTF8Encoding $false
$written = New-Object System.Collections.Generic.List[string]
$problems = New-Object System.Collections.Generic.List[string]

New-Item -ItemType Directory -Force -Path $OutDir | Out-Null
# .NET resolves relative paths against the process's directory, not PowerShell's location.
$OutDir = (Resolve-Path -LiteralPath $OutDir).Path

function Write-Json([string] $Name, $Value) {
    $path = Join-Path $OutDir $Name
    $json = ConvertTo-Json -InputObject $Value -Depth 6
    [System.IO.File]::WriteAllText($path, $json, $utf8)
    $written.Add($Name)
    Write-Host "wrote $path"
}

function Write-Problem([string] $Text) {
    $problems.Add($Text)
    Write-Warning $Text
}

# A DateTime as ISO 8601 in UTC (never PowerShell 5.1's "\/Date(...)\/"), or $null.
function ConvertTo-Utc($Value) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [DateTimeOffset]) { return $Value.UtcDateTime.ToString('o') }
    return ([datetime] $Value).ToUniversalTime().ToString('o')
}

if (-not $SkipAdfs) {
    try {
        if (Get-Module -ListAvailable -Name ADFS) {
            Import-Module ADFS
        } else {
            # AD FS 2.0 (Windows Server 2008 R2) has a snap-in instead of a module.
            Add-PSSnapin Microsoft.Adfs.PowerShell
        }
        $certificates = @(Get-AdfsCertificate -CertificateType Token-Signing | ForEach-Object {
            [pscustomobject]@{
                Thumbprint = [string] $_.Thumbprint
                IsPrimary  = [bool] $_.IsPrimary
                NotAfter   = ConvertTo-Utc $_.Certificate.NotAfter
                RawData    = [Convert]::ToBase64String($_.Certificate.RawData)
            }
        })
        Write-Json 'adfs-certificates.json' $certificates
        $p = Get-AdfsProperties
        Write-Json 'adfs-properties.json' ([pscustomobject]@{
            HostName                       = [string] $p.HostName
            Identifier                     = [string] $p.Identifier
            AutoCertificateRollover        = [bool] $p.AutoCertificateRollover
            CertificateCriticalThreshold   = $p.CertificateCriticalThreshold
            CertificateDuration            = $p.CertificateDuration
            CertificateGenerationThreshold = $p.CertificateGenerationThreshold
            CertificatePromotionThreshold  = $p.CertificatePromotionThreshold
            CertificateRolloverInterval    = $p.CertificateRolloverInterval
            CertificateThresholdMultiplier = $p.CertificateThresholdMultiplier
        })
    } catch {
        Write-Problem "AD FS not collected: $($_.Exception.Message) (run this on the primary AD FS server, or use -SkipAdfs)"
    }
}

if (-not $SkipEntra) {
    try {
        Import-Module Microsoft.Graph.Identity.DirectoryManagement
        if (-not (Get-MgContext)) {
            $connect = @{ Scopes = 'Domain.Read.All' }
            if ($TenantId) { $connect.TenantId = $TenantId }
            Connect-MgGraph @connect | Out-Null
        }
        $federated = @(Get-MgDomain -All | Where-Object { $_.AuthenticationType -eq 'Federated' })
        if ($federated.Count -eq 0) {
            Write-Problem 'Entra ID lists no federated domain in this tenant'
        }
        foreach ($domain in $federated) {
            try {
                $f = @(Get-MgDomainFederationConfiguration -DomainId $domain.Id)[0]
                if ($null -eq $f) {
                    Write-Problem "$($domain.Id): Entra ID holds no federation configuration"
                    continue
                }
                $status = $f.SigningCertificateUpdateStatus
                $result = $null
                $lastRun = $null
                if ($null -ne $status) {
                    $result = [string] $status.CertificateUpdateResult
                    $lastRun = ConvertTo-Utc $status.LastRunDateTime
                }
                $name = 'entra-federation.{0}.json' -f $domain.Id.ToLowerInvariant()
                Write-Json $name ([pscustomobject]@{
                    DomainId                        = [string] $domain.Id
                    Id                              = [string] $f.Id
                    DisplayName                     = $f.DisplayName
                    IssuerUri                       = $f.IssuerUri
                    MetadataExchangeUri             = $f.MetadataExchangeUri
                    PassiveSignInUri                = $f.PassiveSignInUri
                    ActiveSignInUri                 = $f.ActiveSignInUri
                    SignOutUri                      = $f.SignOutUri
                    PreferredAuthenticationProtocol = [string] $f.PreferredAuthenticationProtocol
                    FederatedIdpMfaBehavior         = [string] $f.FederatedIdpMfaBehavior
                    SigningCertificate              = $f.SigningCertificate
                    NextSigningCertificate          = $f.NextSigningCertificate
                    SigningCertificateUpdateStatus  = [pscustomobject]@{
                        CertificateUpdateResult = $result
                        LastRunDateTime         = $lastRun
                    }
                })
            } catch {
                Write-Problem "$($domain.Id): Entra federation settings not collected: $($_.Exception.Message)"
            }
        }
    } catch {
        Write-Problem "Entra ID not collected: $($_.Exception.Message) (Install-Module Microsoft.Graph.Identity.DirectoryManagement, or use -SkipEntra)"
    }
}

Write-Json 'manifest.json' ([pscustomobject]@{
    Format      = 'fedcert-collection/1'
    CollectedAt = ConvertTo-Utc (Get-Date)
    Computer    = [string] $env:COMPUTERNAME
    PowerShell  = $PSVersionTable.PSVersion.ToString()
    Files       = @($written.ToArray())
    Problems    = @($problems.ToArray())
})

if ($written.Count -le 1) {
    Write-Warning "nothing was collected: $($problems -join '; ')"
    exit 1
}
Write-Host ''
Write-Host "Copy $OutDir to the machine fedcert runs on, then run: fedcert import <that folder>"
