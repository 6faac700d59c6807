//! The manual renewal runbook of Microsoft's "Renew federation certificates for Microsoft 365
//! and Microsoft Entra ID" article as steps, with each step's PowerShell filled in with the
//! domain's values, in two dialects (Microsoft Graph PowerShell, legacy MSOnline), plus the
//! progress model and auto-verification from live data.
