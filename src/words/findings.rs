//! A finding in words: what the rule saw, then what to do, with the number of the step of the
//! domain's own checklist that does it. The commands a sentence quotes come from the same
//! `checklist::commands` as the step's, so the two cannot drift apart.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::endpoints::{tls_certificate, tls_fix, tls_host, tls_identity, tls_refusal};
use super::{cert_label, days, expiry, moment, short_thumbprint, skew, span, subject};
use crate::assess::finding::{
    AutoNext, FetchFailure, FetchProblem, Held, HeldAs, Hygiene, ManualNext, Missing, PendingPhase,
    Slot, Standing, Unpublished, Unvouched,
};
use crate::assess::update_status::UpdateResult;
use crate::assess::{
    Advice, Assessment, EntraCerts, FederationChange, Finding, IdpKind, PrimarySource, Rule,
    Situation, SuccessorSource,
};
use crate::assess::{TlsCert, TlsRole};
use crate::cert::{CertInfo, Sha1};
use crate::powershell as ps;

/// The finding as one sentence: what is wrong and what to do next. `step` is the number of the
/// checklist step that does it, when the domain's checklist was built (a step number exists
/// only then).
pub fn finding(
    f: &Finding,
    assessment: &Assessment,
    now: DateTime<Utc>,
    step: Option<usize>,
) -> String {
    Words {
        a: assessment,
        now,
        step,
    }
    .say(f)
}

/// A few words for a table cell: `primary expired`, `successor not in Entra`.
pub fn finding_title(f: &Finding) -> String {
    let title = match &f.situation {
        Situation::AutoInSync { .. } => "no action: automatic rollover",
        Situation::NothingYet { .. } => "nothing to do yet",
        Situation::AutoOutOfSyncUnderLimit { .. } => "renew now: Entra out of sync",
        Situation::PromoteBeforeExpiry { .. }
        | Situation::ManualRenewalAhead {
            next: ManualNext::Promote { .. },
        } => "promote the successor",
        Situation::ManualUnderLimit { .. } => "renew now by hand",
        Situation::PrimaryExpired => "primary expired",
        Situation::EntraLacksPrimary { held }
            if held.iter().any(|h| h.what == HeldAs::Decrypting) =>
        {
            "decrypting cert in Entra's signing slot"
        }
        Situation::EntraLacksPrimary { .. } => "Entra lacks the primary",
        Situation::NoSuccessor { .. } => "no successor published",
        Situation::SuccessorNotInEntra { .. } => "successor not in Entra",
        Situation::ManualRenewalAhead {
            next: ManualNext::Plan { .. },
        } => "plan the manual renewal",
        Situation::ManualRenewalAhead {
            next: ManualNext::Overdue { .. },
        } => "manual renewal overdue",
        Situation::AutoRolloverUnknown => "AutoCertificateRollover unknown",
        Situation::Stale { .. } => "refresh failed: data stale",
        Situation::NeverRead {
            failure: Some(failure),
        } => match failure.problem {
            FetchProblem::HtmlPage => "an HTML page, not metadata",
            FetchProblem::Refused => "connection refused",
            FetchProblem::Truncated => "metadata cut short",
            FetchProblem::Empty => "empty answer",
            FetchProblem::Timeout => "no answer in time",
            FetchProblem::Dns => "host not found",
            FetchProblem::Tls => "TLS failed",
            FetchProblem::NoIdp => "no IdP for the domain",
            _ => "metadata never read",
        },
        Situation::NeverRead { failure: None } => "not read yet",
        Situation::DecryptingExpiring { .. } => "decrypting cert expiring",
        Situation::EntraUnknown => "Entra side unknown",
        Situation::NoSigningCert { .. } => "no signing certificate",
        Situation::EntraUpdateFailing { .. } => "Entra's own update failing",
        Situation::ClockSkew { .. } => "clock skew",
        Situation::MetadataBehindAdfs { .. } => "metadata behind AD FS",
        Situation::GroupEntraDiffers { .. } => "IdP's domains differ in Entra",
        Situation::MetadataExpired { .. } => "metadata validUntil passed",
        Situation::NeverPublished { .. } => "Entra trusts an unpublished cert",
        Situation::Retired { .. } => "Entra still trusts a retired cert",
        Situation::IssuerElsewhere { backdoor: true, .. } => "issuerUri: backdoor pattern",
        Situation::IssuerElsewhere { .. } => "issuerUri names another host",
        Situation::RecentChange { .. } => "federation changed in 24 h",
        Situation::Hygiene {
            concern: Hygiene::WeakSignature,
            ..
        } => "SHA-1 signed certificate",
        Situation::Hygiene {
            concern: Hygiene::SmallKey,
            ..
        } => "RSA key under 2048 bits",
        Situation::Hygiene {
            concern: Hygiene::LongValidity,
            ..
        } => "valid over 3 years",
        Situation::SuccessorDiffers { .. } => "successor named otherwise",
        Situation::UntrustedSigner { .. } => "untrusted signer",
        Situation::InvalidSignature { .. } => "signature invalid",
        Situation::UnsignedRequired { unsupported: None } => "metadata unsigned",
        Situation::UnsignedRequired {
            unsupported: Some(_),
        } => "signature unverifiable",
        Situation::TlsExpiring {
            role: TlsRole::Metadata,
            ..
        } => "metadata TLS cert",
        Situation::TlsExpiring {
            role: TlsRole::SignIn,
            ..
        } => "sign-in TLS cert",
        Situation::TlsRefused { .. } => "sign-in TLS refused",
    };
    title.to_owned()
}

/// `signing` / `next-signing`: one of Entra's certificate slots.
fn slot_name(slot: Slot) -> &'static str {
    match slot {
        Slot::Signing => "signing",
        Slot::NextSigning => "next-signing",
    }
}

struct Words<'a> {
    a: &'a Assessment,
    now: DateTime<Utc>,
    step: Option<usize>,
}

impl Words<'_> {
    fn third_party(&self) -> bool {
        self.a.kind == Some(IdpKind::ThirdParty)
    }

    fn idp(&self) -> &'static str {
        if self.third_party() {
            "the IdP"
        } else {
            "AD FS"
        }
    }

    /// The metadata's signature does not verify (X2): nothing may be copied from it.
    fn distrusted(&self) -> bool {
        self.a.findings.iter().any(|f| f.rule == Rule::X2)
    }

    /// Where the certificates for Entra come from when the metadata cannot be trusted.
    fn idp_source(&self) -> &'static str {
        if self.third_party() {
            "downloaded from the IdP's admin console, not from this metadata"
        } else {
            "taken from AD FS itself, not from this metadata"
        }
    }

    /// ` (checklist step 6)`, when the checklist is known.
    fn step(&self) -> String {
        self.step
            .map_or_else(String::new, |n| format!(" (checklist step {n})"))
    }

    /// `the primary CN=… (2CA67C00…)`, with "inferred" when fedcert guessed it.
    fn primary(&self) -> String {
        let Some(p) = &self.a.primary else {
            return "the primary".to_owned();
        };
        let inferred = match p.source {
            PrimarySource::Inferred => ", inferred",
            PrimarySource::AdfsImport | PrimarySource::MetadataSignature => "",
        };
        format!(
            "the primary {} ({}{inferred})",
            subject(&p.cert),
            short_thumbprint(p.cert.sha1)
        )
    }

    /// `the primary CN=… (…) expires in 12 days (2027-01-10 09:00 UTC)`.
    fn primary_expiry(&self) -> String {
        match &self.a.primary {
            Some(p) => format!("{} {}", self.primary(), expiry(&p.cert, self.now)),
            None => self.primary(),
        }
    }

    fn expiry_moment(&self) -> String {
        self.a
            .primary
            .as_ref()
            .map_or_else(|| "it expires".to_owned(), |p| moment(p.cert.not_after))
    }

    /// A certificate the assessment knows (primary or successor) by its label, else by its
    /// thumbprint.
    fn cert(&self, sha1: Sha1) -> String {
        self.a
            .successor
            .iter()
            .chain(self.a.primary.as_ref().map(|p| &p.cert))
            .find(|c| c.sha1 == sha1)
            .map_or_else(|| short_thumbprint(sha1), cert_label)
    }

    fn successor(&self) -> String {
        self.a.successor.as_ref().map_or_else(
            || "the successor".to_owned(),
            |s| format!("the successor {}", cert_label(s)),
        )
    }

    /// Where the successor is: `published` (the metadata), or `held by AD FS` (an import).
    fn successor_is(&self) -> &'static str {
        match self.a.successor_source {
            Some(SuccessorSource::AdfsImport) => "held by AD FS (not yet in the metadata)",
            _ => "published",
        }
    }

    /// Third-party IdPs and manual AD FS farms, before the countdown.
    fn manual_head(&self) -> String {
        if self.third_party() {
            format!(
                "Entra reads no metadata from third-party IdPs, so it never picks up a new certificate by itself, and the {}",
                self.primary_expiry().trim_start_matches("the ")
            )
        } else {
            format!("automatic rollover is off and {}", self.primary_expiry())
        }
    }

    /// What to do, for the actions that get a new certificate or put one into Entra.
    fn todo(&self, advice: crate::assess::Advice) -> String {
        let step = self.step();
        match advice {
            Advice::None => String::new(),
            Advice::FindOutAutoRollover => format!(
                "find out on the primary AD FS server with `{}`{step}, then set auto_rollover in the config or import the output",
                ps::GET_ADFS_PROPERTIES
            ),
            Advice::CheckEntra => format!(
                "check which certificates Entra holds{step}, or give fedcert Graph access or entra_signing_thumbprint so it reads them"
            ),
            Advice::GenerateSuccessor => format!(
                "run `{}` on the primary AD FS server{step} and put the new certificate into Entra",
                ps::UPDATE_TOKEN_SIGNING
            ),
            Advice::AddSuccessor => format!(
                "add a new token-signing certificate to AD FS as secondary{step} and put it into Entra"
            ),
            Advice::RotateAtIdp => {
                format!("create a new signing certificate at the IdP{step} and put it into Entra")
            }
            Advice::UpdateEntra if self.distrusted() => format!(
                "put the IdP's signing certificates into Entra, {}{step}",
                self.idp_source()
            ),
            Advice::UpdateEntra => match &self.a.successor {
                Some(s) => format!("put the successor {} into Entra{step}", cert_label(s)),
                None => format!("put the primary into Entra{step}"),
            },
            Advice::PromoteSuccessor { successor } => {
                if self.third_party() {
                    format!("activate it at the IdP{step}")
                } else {
                    format!("`{}`{step}", ps::set_primary(&successor.to_string()))
                }
            }
            Advice::UrgentRollover => format!(
                "run `{}` on the primary AD FS server{step}, then put the new certificate into Entra at once",
                ps::URGENT_TOKEN_SIGNING
            ),
            Advice::RenewDecrypting => {
                if self.third_party() {
                    format!("renew it at the IdP{step}")
                } else {
                    format!(
                        "renew it with `{}` on the primary AD FS server{step}, then give the new certificate to the claims-provider trusts that encrypt tokens to AD FS",
                        ps::UPDATE_TOKEN_DECRYPTING
                    )
                }
            }
            Advice::MakeMetadataReachable => format!(
                "make the metadata reachable from the internet for Entra (through WAP or your reverse proxy), or put the certificates into Entra by hand{step}"
            ),
            Advice::FixFetch => "fix the fetch, then refresh".to_owned(),
            Advice::WaitForFirstRefresh => "wait for the first refresh".to_owned(),
            Advice::FixMetadata => {
                "check metadata_url and entity_id, then fix the IdP's token-signing certificate"
                    .to_owned()
            }
            Advice::FixClock => "check NTP on this machine and on the IdP".to_owned(),
            Advice::CatchUpMetadata => format!(
                "check that metadata_url serves this farm's current federationmetadata.xml (not a saved or cached copy, not another farm's) and that it is reachable from the internet, then refresh; or put the certificates into Entra by hand{step}"
            ),
            Advice::RenewMetadata => "check that metadata_url serves a current copy (a saved file or a cache goes stale), or have the IdP or the federation operator publish it again, then refresh".to_owned(),
            Advice::RemoveRogue => format!(
                "treat it as a compromise: the steps of the runbook rotate the IdP's certificate twice and then rewrite both of Entra's slots{step}, which removes it; then find out who put it there"
            ),
            Advice::FlushStale { second: false } => match &self.a.successor {
                Some(s) => format!(
                    "put the primary and the successor {} into Entra{step}, which replaces it",
                    cert_label(s)
                ),
                None => format!("put the primary into Entra{step}, which replaces it"),
            },
            Advice::FlushStale { second: true } => format!(
                "have {} publish a second certificate{step} and put both into Entra, which replaces it",
                self.idp()
            ),
            Advice::ReviewChanges => format!(
                "find out who changed the domain's federation settings in Entra and whether it was meant{step}"
            ),
            Advice::TrustSigner => {
                "check who signs the metadata, and trust that signer with metadata_signer in the domain's config if it is the right one".to_owned()
            }
            Advice::DistrustMetadata => format!(
                "copy no certificate from this document into Entra: use the IdP's certificates {}",
                self.idp_source()
            ),
            Advice::SignMetadata => {
                "have the IdP sign its metadata in a way fedcert verifies (fedcert inspect says how it is signed), or set require_signature = false".to_owned()
            }
            Advice::RenewTls => "renew the TLS certificate before it expires".to_owned(),
            Advice::FixTls => "give the host a certificate that clients accept".to_owned(),
        }
    }

    fn say(&self, f: &Finding) -> String {
        match &f.situation {
            Situation::AutoInSync { next } => self.auto_in_sync(*next),
            Situation::NothingYet { standing, from } => {
                self.nothing_yet(f.rule, *standing, *from, f.advice)
            }
            Situation::AutoOutOfSyncUnderLimit { limit_days } => format!(
                "automatic rollover is on but Entra is not in sync and {}, under the {}-day limit: renew now by hand — {}",
                self.primary_expiry(),
                limit_days,
                self.todo(f.advice)
            ),
            Situation::PromoteBeforeExpiry { successor } => format!(
                "{}; the successor {} is {} and Entra already holds it: make it primary before {} — {}",
                self.manual_head(),
                self.cert(*successor),
                self.successor_is(),
                self.expiry_moment(),
                self.todo(f.advice)
            ),
            Situation::ManualUnderLimit { limit_days } => format!(
                "{}, under the {}-day limit: renew now by hand — {}",
                self.manual_head(),
                limit_days,
                self.todo(f.advice)
            ),
            Situation::PrimaryExpired => self.primary_expired(f.advice),
            Situation::EntraLacksPrimary { held } => self.entra_lacks_primary(held),
            Situation::NoSuccessor {
                due,
                generation_days,
                under_limit,
            } => self.no_successor(*due, *generation_days, *under_limit, f.advice),
            Situation::SuccessorNotInEntra { successor, phase } => {
                self.successor_not_in_entra(*successor, *phase)
            }
            Situation::ManualRenewalAhead { next } => self.manual_ahead(*next, f.advice),
            Situation::AutoRolloverUnknown => format!(
                "AutoCertificateRollover is unknown and {}: {}",
                self.primary_expiry(),
                self.todo(f.advice)
            ),
            Situation::Stale { failure } => format!(
                "the latest metadata refresh failed ({}), so this verdict uses the last good snapshot, which may be out of date: {}, then refresh",
                failure_text(failure, self.now),
                failure_fix(failure)
            ),
            Situation::NeverRead { failure } => self.never_read(failure.as_ref(), f.advice),
            Situation::DecryptingExpiring { cert } => format!(
                "the token-decrypting certificate {} {}: {}",
                cert_label(cert),
                expiry(cert, self.now),
                self.todo(f.advice)
            ),
            Situation::EntraUnknown => format!(
                "which certificates Entra holds is unknown and {}: {}",
                self.primary_expiry(),
                self.todo(f.advice)
            ),
            Situation::NoSigningCert {
                entity_id,
                unreadable,
            } => self.no_signing_cert(entity_id, unreadable, f.advice),
            Situation::EntraUpdateFailing {
                result,
                last_run,
                missing,
            } => self.entra_update_failing(result, *last_run, *missing, f.advice),
            Situation::NeverPublished { .. }
            | Situation::Retired { .. }
            | Situation::IssuerElsewhere { .. }
            | Situation::RecentChange { .. }
            | Situation::Hygiene { .. }
            | Situation::SuccessorDiffers { .. } => self.say_posture(f).unwrap_or_default(),
            Situation::MetadataBehindAdfs { .. }
            | Situation::GroupEntraDiffers { .. }
            | Situation::MetadataExpired { .. } => self.say_sides(f).unwrap_or_default(),
            Situation::ClockSkew { skew: delta } => self.clock_skew(*delta, f.advice),
            Situation::UntrustedSigner { .. }
            | Situation::InvalidSignature { .. }
            | Situation::UnsignedRequired { .. }
            | Situation::TlsExpiring { .. }
            | Situation::TlsRefused { .. } => self.say_endpoint(f).unwrap_or_default(),
        }
    }

    fn never_read(&self, failure: Option<&FetchFailure>, advice: Advice) -> String {
        match failure {
            Some(failure) => format!(
                "the metadata has never been read ({}): {}, then refresh",
                failure_text(failure, self.now),
                failure_fix(failure)
            ),
            None => format!("the metadata has not been read yet: {}", self.todo(advice)),
        }
    }

    fn clock_skew(&self, delta: chrono::TimeDelta, advice: Advice) -> String {
        let direction = if delta.num_seconds() > 0 {
            "ahead of"
        } else {
            "behind"
        };
        format!(
            "the metadata server's clock (HTTP Date) is {} {direction} this machine's; clocks more than 5 minutes apart break federated sign-ins and fedcert's countdowns: {}",
            skew(delta),
            self.todo(advice)
        )
    }

    fn never_published(
        &self,
        slot: Slot,
        sha1: Sha1,
        cert: Option<&CertInfo>,
        why: Unvouched,
        advice: Advice,
    ) -> String {
        let label = cert.map_or_else(|| short_thumbprint(sha1), cert_label);
        let why = match why {
            Unvouched::AppearedAt(at) => format!(
                "fedcert saw it appear there at {}, while watching",
                moment(at)
            ),
            Unvouched::UnlikeTheIdp => {
                "it was there when fedcert first looked, and its names or dates are not like the IdP's certificates"
                    .to_owned()
            }
            Unvouched::ThumbprintOnly => {
                "fedcert knows only its thumbprint, so nothing says it is the IdP's".to_owned()
            }
        };
        format!(
            "Entra trusts a certificate your IdP never published: its {} slot holds {label}, which the IdP does not publish, no import shows and fedcert never saw it publish ({why}); whoever holds its key can sign in as any user of the domain (the federation-backdoor pattern): {}",
            slot_name(slot),
            self.todo(advice)
        )
    }

    fn retired(
        &self,
        slot: Slot,
        sha1: Sha1,
        cert: Option<&CertInfo>,
        last_published: Option<DateTime<Utc>>,
        advice: Advice,
    ) -> String {
        let label = cert.map_or_else(|| short_thumbprint(sha1), cert_label);
        let history = match last_published {
            Some(at) => format!(
                "which the IdP published until {} and has retired",
                moment(at)
            ),
            None => "which the IdP does not publish; it was there when fedcert first looked and has the names of the IdP's certificates but is older, so it is presumably one the IdP retired before".to_owned(),
        };
        format!(
            "Entra's {} slot still holds {label}, {history}: Entra accepts tokens signed with it until it is replaced (stale); {}",
            slot_name(slot),
            self.todo(advice)
        )
    }

    fn issuer_elsewhere(
        &self,
        issuer: &str,
        idp_host: Option<&str>,
        backdoor: bool,
        advice: Advice,
    ) -> String {
        if backdoor {
            return format!(
                "Entra's issuerUri for this domain is {issuer}, the pattern of a known federation backdoor tool (http://{}/…), which lets whoever set it sign in as any user with a certificate of their own: {}, and treat it as a compromise",
                crate::assess::BACKDOOR_ISSUER_HOST,
                self.todo(advice)
            );
        }
        let idp = idp_host.map_or_else(String::new, |h| format!(" ({h})"));
        format!(
            "Entra's issuerUri for this domain is {issuer}, whose host is not the IdP's{idp}: tokens from the IdP carry another issuer, so either sign-ins fail (AADSTS50107) or Entra trusts someone else's tokens for this domain: {}, then set it back to the IdP's entityID",
            self.todo(advice)
        )
    }

    fn recent_change(&self, changes: &[FederationChange], advice: Advice) -> String {
        let Some(latest) = changes.first() else {
            return self.todo(advice);
        };
        let more = match changes.len() {
            1 => String::new(),
            n => format!(
                " (and {} before it)",
                super::count(i64::try_from(n - 1).unwrap_or(i64::MAX), "other change")
            ),
        };
        format!(
            "Entra's federation settings for this domain changed {} ({}): {} by {}{more}: {}; an unexpected change is how a federation backdoor is planted",
            super::relative(latest.at, self.now),
            moment(latest.at),
            latest.activity,
            latest.actor,
            self.todo(advice)
        )
    }

    fn successor_differs(&self, successor: Sha1, subject: bool, issuer: bool) -> String {
        let what = match (subject, issuer) {
            (true, true) => "subject and issuer",
            (true, false) => "subject",
            _ => "issuer",
        };
        format!(
            "the successor {} has another {what} than {}: check that it is the IdP's own certificate before Entra trusts it",
            self.cert(successor),
            self.primary()
        )
    }

    /// The security posture (B1–B4, H1–H4).
    fn say_posture(&self, f: &Finding) -> Option<String> {
        Some(match &f.situation {
            Situation::NeverPublished {
                slot,
                sha1,
                cert,
                why,
            } => self.never_published(*slot, *sha1, cert.as_deref(), *why, f.advice),
            Situation::Retired {
                slot,
                sha1,
                cert,
                last_published,
            } => self.retired(*slot, *sha1, cert.as_deref(), *last_published, f.advice),
            Situation::IssuerElsewhere {
                issuer,
                idp_host,
                backdoor,
            } => self.issuer_elsewhere(issuer, idp_host.as_deref(), *backdoor, f.advice),
            Situation::RecentChange { changes } => self.recent_change(changes, f.advice),
            Situation::Hygiene { concern, cert } => hygiene(*concern, cert),
            Situation::SuccessorDiffers {
                successor,
                subject,
                issuer,
            } => self.successor_differs(*successor, *subject, *issuer),
            _ => return None,
        })
    }

    /// The three sides: AD FS against the metadata (A1), the IdP group in Entra (A2), the
    /// metadata's validUntil (V1).
    fn say_sides(&self, f: &Finding) -> Option<String> {
        Some(match &f.situation {
            Situation::MetadataBehindAdfs { unpublished } => {
                self.metadata_behind_adfs(unpublished, f.advice)
            }
            Situation::GroupEntraDiffers { own, differing } => {
                self.group_differs(*own, differing, f.advice)
            }
            Situation::MetadataExpired { valid_until } => {
                self.metadata_expired(*valid_until, f.advice)
            }
            _ => return None,
        })
    }

    /// The metadata's signature and the hosts' TLS certificates (X1–X3, T1–T2).
    fn say_endpoint(&self, f: &Finding) -> Option<String> {
        Some(match &f.situation {
            Situation::UntrustedSigner {
                signer,
                subject,
                aggregate,
            } => untrusted_signer(*signer, subject.as_deref(), *aggregate),
            Situation::InvalidSignature { why } => format!(
                "the metadata's XML signature is invalid ({why}), so nothing shows that the document is the IdP's: {}; find out what changes it on its way (a proxy, a cache, a copy)",
                self.todo(f.advice)
            ),
            Situation::UnsignedRequired {
                unsupported: Some(why),
            } => format!(
                "this domain sets require_signature = true, but fedcert cannot verify the metadata's signature, so nothing shows that its certificates come from the IdP: {why}; {}",
                self.todo(f.advice)
            ),
            Situation::UnsignedRequired { unsupported: None } => {
                let adfs = if self.third_party() {
                    ""
                } else {
                    " (AD FS always signs its metadata: an unsigned copy comes from somewhere else, such as a proxy or a file)"
                };
                format!(
                    "the metadata is not signed, but this domain sets require_signature = true: nothing shows that its certificates come from the IdP{adfs}; {}",
                    self.todo(f.advice)
                )
            }
            Situation::TlsExpiring { role, cert } => self.tls_expiring(*role, cert),
            Situation::TlsRefused { role, cert } => format!(
                "the TLS certificate of {} is refused by this machine: {} ({}, {}); browsers that refuse it too cannot sign in: {}",
                tls_host(*role, cert),
                tls_refusal(cert).unwrap_or_default(),
                tls_identity(cert),
                super::left(cert.cert.not_after, self.now),
                tls_fix(cert)
            ),
            _ => return None,
        })
    }

    fn tls_expiring(&self, role: TlsRole, cert: &TlsCert) -> String {
        let breaks = match role {
            TlsRole::Metadata => {
                "once it has expired, Entra cannot read the metadata (so it picks up no new token-signing certificate by itself), nor can fedcert"
            }
            TlsRole::SignIn => {
                "once it has expired, browsers refuse the sign-in page and every federated sign-in fails"
            }
        };
        let whose = if self.third_party() {
            "at the IdP"
        } else {
            "on every federation server and its proxies (Web Application Proxy)"
        };
        format!(
            "the TLS certificate of {} {} ({}): {breaks}; renew it {whose}",
            tls_host(role, cert),
            expiry(&cert.cert, self.now),
            tls_identity(cert)
        )
    }

    fn metadata_expired(&self, valid_until: DateTime<Utc>, advice: Advice) -> String {
        format!(
            "the metadata's validUntil ({}) has passed: SAML relying parties must not use it any more, and the certificates it lists may be out of date; {}",
            moment(valid_until),
            self.todo(advice)
        )
    }

    fn metadata_behind_adfs(&self, unpublished: &[Unpublished], advice: Advice) -> String {
        let certs: Vec<String> = unpublished
            .iter()
            .map(|u| {
                let role = if u.is_primary { "primary" } else { "secondary" };
                let until = u
                    .not_after
                    .map_or_else(String::new, |t| format!(" (valid until {})", moment(t)));
                format!("the {role} {}{until}", short_thumbprint(u.sha1))
            })
            .collect();
        let raw = if unpublished.iter().all(|u| u.with_raw_data) {
            ""
        } else {
            " (export them again with RawData so that fedcert can fill them into the Entra update)"
        };
        let (it, that) = if unpublished.len() == 1 {
            ("it", "that certificate")
        } else {
            ("them", "those certificates")
        };
        format!(
            "the metadata is behind AD FS: AD FS holds {} but the metadata fedcert reads does not publish {it}{raw}; Entra ID reads the metadata, not AD FS, so it does not see {that} and will not pick {it} up by itself: {}",
            join_and(&certs),
            self.todo(advice)
        )
    }

    fn group_differs(
        &self,
        own: EntraCerts,
        differing: &[(String, EntraCerts)],
        advice: Advice,
    ) -> String {
        let holds = |c: EntraCerts| {
            let certs: Vec<String> = [c.signing, c.next_signing]
                .into_iter()
                .flatten()
                .map(short_thumbprint)
                .collect();
            if certs.is_empty() {
                "nothing".to_owned()
            } else {
                join_and(&certs)
            }
        };
        // The domains that hold the same certificates together, in the order they first come
        // (a farm of hundreds where one differs says so in one line, not hundreds).
        let mut sets: Vec<(EntraCerts, Vec<&str>)> = Vec::new();
        for (name, certs) in differing {
            match sets.iter_mut().find(|(c, _)| c.same_certificates(*certs)) {
                Some((_, names)) => names.push(name),
                None => sets.push((*certs, vec![name])),
            }
        }
        let others: Vec<String> = sets
            .iter()
            .map(|(certs, names)| format!("{}: {}", some_names(names), holds(*certs)))
            .collect();
        let step = self.step();
        let _ = advice;
        format!(
            "Entra holds different certificates for the domains of this IdP (this domain: {}; {}): every federated domain that trusts the IdP must hold the same ones, so update them together{step}",
            holds(own),
            others.join("; ")
        )
    }

    fn no_signing_cert(&self, entity_id: &str, unreadable: &[String], advice: Advice) -> String {
        let unreadable = match unreadable {
            [] => String::new(),
            [one] => format!(" ({one})"),
            [first, rest @ ..] => format!(" ({first}; and {} more unreadable)", rest.len()),
        };
        format!(
            "{entity_id:?} publishes no usable signing certificate in its IdP roles{unreadable}, so no token it issues can be verified: {}",
            self.todo(advice)
        )
    }

    fn entra_update_failing(
        &self,
        result: &UpdateResult,
        last_run: Option<DateTime<Utc>>,
        missing: Missing,
        advice: Advice,
    ) -> String {
        let status = super::update_result(Some(result), last_run, self.now);
        let missing = match missing {
            Missing::Successor(s) => format!("the successor {} is not in Entra", self.cert(s)),
            Missing::SuccessorToCome => format!(
                "{} and Entra will not see its successor either",
                self.primary_expiry()
            ),
        };
        format!("{status}; {missing}: {}", self.todo(advice))
    }

    fn auto_in_sync(&self, next: AutoNext) -> String {
        let holds = match &self.a.successor {
            Some(_) => format!("{} and {}", self.primary(), self.successor()),
            None => self.primary(),
        };
        let idp = self.idp();
        let next = match next {
            AutoNext::PromotesAround(at) => {
                format!("{idp} promotes the successor around {}", moment(at))
            }
            AutoNext::PromotionOverdue => format!(
                "{idp} should already have promoted the successor, and must before {}",
                self.expiry_moment()
            ),
            AutoNext::PublishesAround(at) => format!(
                "{idp} publishes the successor around {} and Entra picks it up from the metadata",
                moment(at)
            ),
            AutoNext::PublishDue => {
                format!("{idp} is due to publish the successor (its job runs every 12 hours)")
            }
        };
        format!(
            "automatic rollover is on, Entra holds {holds}, and the metadata is reachable: no action needed; {next}"
        )
    }

    fn nothing_yet(
        &self,
        rule: Rule,
        standing: Standing,
        from: DateTime<Utc>,
        advice: Advice,
    ) -> String {
        let status = match standing {
            Standing::AutoOn => "automatic rollover is on",
            Standing::AutoOff => "automatic rollover is off",
            Standing::ThirdPartyManual => {
                "this third-party IdP needs a manual renewal (Entra reads no metadata from it)"
            }
            Standing::AutoUnknown => "AutoCertificateRollover is unknown",
        };
        let then = match rule {
            Rule::R5 => "plan the manual renewal",
            Rule::R6 => "find out whether AutoCertificateRollover is on",
            Rule::R10 => "check which certificates Entra holds",
            Rule::S3 => "renew by hand",
            Rule::R3 => "check that the successor is published",
            _ => "look again",
        };
        let _ = advice;
        let (valid_for, until) = self.a.primary.as_ref().map_or_else(
            || (String::new(), String::new()),
            |p| (span(p.cert.not_after - self.now), moment(p.cert.not_after)),
        );
        format!(
            "{status} and {} is valid for another {valid_for} (until {until}): nothing to do yet; from {} {then}{}",
            self.primary(),
            moment(from),
            self.step()
        )
    }

    fn primary_expired(&self, advice: Advice) -> String {
        let step = self.step();
        let fix = match advice {
            Advice::PromoteSuccessor { successor } => {
                let how = if self.third_party() {
                    format!("activate it at the IdP{step}")
                } else {
                    format!("`{}`{step}", ps::set_primary(&successor.to_string()))
                };
                format!(
                    "make the published successor {} the signing certificate ({how}) and make sure Entra holds it",
                    self.cert(successor)
                )
            }
            Advice::AddSuccessor => format!(
                "add a new token-signing certificate to AD FS and make it primary{step}, then put it into Entra at once"
            ),
            Advice::RotateAtIdp => format!(
                "create a new signing certificate at the IdP{step} and put it into Entra at once"
            ),
            other => self.todo(other),
        };
        format!(
            "{}: federated sign-ins fail now; {fix}",
            self.primary_expiry()
        )
    }

    fn entra_lacks_primary(&self, held: &[Held]) -> String {
        let mut text = format!(
            "Entra does not hold {} that {} signs with, so federated sign-ins fail now (AADSTS50008 / AADSTS5000811)",
            self.primary(),
            self.idp()
        );
        if held.is_empty() {
            text.push_str("; Entra holds no certificate");
        }
        for h in held {
            let slot = match h.slot {
                Slot::Signing => "signing",
                Slot::NextSigning => "next-signing",
            };
            let cert = short_thumbprint(h.sha1);
            let _ = match h.what {
                HeldAs::Decrypting => write!(
                    text,
                    "; Entra's {slot} slot holds the IdP's token-decrypting certificate {cert}: a wrong paste, that slot needs the token-signing certificate"
                ),
                HeldAs::ExpiredSigning => write!(
                    text,
                    "; Entra's {slot} slot holds {cert}, a signing certificate that has expired"
                ),
                HeldAs::PublishedSigning => write!(
                    text,
                    "; Entra's {slot} slot holds {cert}, which the IdP publishes but does not sign with"
                ),
                HeldAs::Unpublished => write!(
                    text,
                    "; Entra's {slot} slot holds {cert}, which the IdP does not publish"
                ),
            };
        }
        if self.distrusted() {
            let _ = write!(
                text,
                ": put the certificate {} signs with into Entra now, {}{}",
                self.idp(),
                self.idp_source(),
                self.step()
            );
        } else {
            let _ = write!(text, ": put the primary into Entra now{}", self.step());
        }
        text
    }

    fn no_successor(
        &self,
        due: DateTime<Utc>,
        generation_days: u32,
        under_limit: Option<u32>,
        advice: Advice,
    ) -> String {
        let fix = match under_limit {
            Some(limit) => format!("it is now under {}: {} now", days(limit), self.todo(advice)),
            None => self.todo(advice),
        };
        format!(
            "{} has published no successor although {} and it was due at {} (T−{}); {fix}",
            self.idp(),
            self.primary_expiry(),
            moment(due),
            days(generation_days)
        )
    }

    fn successor_not_in_entra(&self, successor: Sha1, phase: PendingPhase) -> String {
        let succ = self.cert(successor);
        let step = self.step();
        match phase {
            PendingPhase::ThirdParty => format!(
                "Entra does not hold the successor {succ} and never picks it up from a third-party IdP by itself: upload it as next signing certificate now{step}; {}",
                self.primary_expiry()
            ),
            PendingPhase::UnderLimit { limit_days } => format!(
                "{}, under the {limit_days}-day limit, and Entra does not hold the successor {succ}: update Entra now{step}",
                self.primary_expiry()
            ),
            PendingPhase::BeforePoll {
                poll_from,
                promotion_at,
            } => format!(
                "Entra does not hold the successor {succ} yet and starts polling the metadata at {}: if it has not picked it up by {}, update Entra{step}",
                moment(poll_from),
                moment(promotion_at)
            ),
            PendingPhase::Unpublished => format!(
                "Entra does not hold the successor {succ}, which AD FS holds but the metadata does not publish, so Entra cannot pick it up: put it into Entra{step}; {}",
                self.primary_expiry()
            ),
            PendingPhase::Polling { poll_from } => format!(
                "Entra does not hold the successor {succ} although it polls the metadata daily since {}: make sure the metadata is reachable from the internet, or update Entra now{step}; {}",
                moment(poll_from),
                self.primary_expiry()
            ),
        }
    }

    fn manual_ahead(&self, next: ManualNext, advice: Advice) -> String {
        let step = self.step();
        let next = match next {
            ManualNext::Promote { successor } => format!(
                "the successor {} is ready in Entra: make it primary before {} — {}",
                self.cert(successor),
                self.expiry_moment(),
                self.todo(advice)
            ),
            ManualNext::Plan {
                critical_from,
                limit_days,
            } => format!(
                "plan the manual renewal now{step}; it becomes critical at {} (T−{})",
                moment(critical_from),
                days(limit_days)
            ),
            ManualNext::Overdue { since, limit_days } => format!(
                "renew by hand now{step}: the renewal is due since {} (T−{})",
                moment(since),
                days(limit_days)
            ),
        };
        format!("{}: {next}", self.manual_head())
    }
}

/// Domain names, at most three of them named: `a`, `a, b, c`, `a, b, c and 5 more`.
fn some_names(names: &[&str]) -> String {
    const NAMED: usize = 3;
    if names.len() <= NAMED {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..NAMED].join(", "),
        names.len() - NAMED
    )
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A hygiene finding (info): what the certificate has, and what to prefer at its next renewal.
fn hygiene(concern: Hygiene, cert: &CertInfo) -> String {
    let label = cert_label(cert);
    match concern {
        Hygiene::WeakSignature => format!(
            "the signing certificate {label} is signed with {}, a digest broken for signatures: prefer SHA-256 when it is next renewed",
            cert.signature_algorithm
        ),
        Hygiene::SmallKey => format!(
            "the signing certificate {label} has a {}-bit RSA key, under 2048 bits: use 2048 bits or more when it is next renewed",
            cert.key_bits.unwrap_or_default()
        ),
        Hygiene::LongValidity => format!(
            "the signing certificate {label} is valid for {} ({} to {}), more than three years: a stolen key stays useful that long; prefer a shorter validity when it is next renewed",
            span(cert.not_after - cert.not_before),
            super::date(cert.not_before),
            super::date(cert.not_after)
        ),
    }
}

/// X1 in words: who signed, and how to trust that signer if it is the right one.
fn untrusted_signer(signer: Option<Sha1>, subject: Option<&str>, aggregate: bool) -> String {
    let who = match (subject, signer) {
        (Some(subject), Some(sha1)) => format!(
            "{} (SHA-1 {sha1})",
            if subject.is_empty() {
                "a certificate without subject".to_owned()
            } else {
                super::windows_order(subject)
            }
        ),
        (None, Some(sha1)) => format!("a certificate with SHA-1 {sha1}"),
        (_, None) => "an unknown certificate".to_owned(),
    };
    let trust = signer.map_or_else(
        || "set metadata_signer to its thumbprint in the domain's config".to_owned(),
        |sha1| format!("set metadata_signer = \"{sha1}\" in the domain's config"),
    );
    if aggregate {
        format!(
            "the aggregate's signature verifies with {who}, and an aggregate's signer is trusted only when configured: compare that thumbprint with the one the federation operator publishes, then {trust}"
        )
    } else {
        format!(
            "the metadata's signature verifies, but with {who}, which is not an IdP signing certificate of the document: if it is the IdP's own metadata-signing certificate, {trust}; if not, take the certificates from the IdP itself, not from this document"
        )
    }
}

/// The failure's words, with the certificate the host presented when TLS refused it.
fn failure_text(failure: &FetchFailure, now: DateTime<Utc>) -> String {
    match &failure.presented {
        Some(cert) => format!(
            "{}; the host presented {}",
            failure.text,
            tls_certificate(cert, now)
        ),
        None => failure.text.clone(),
    }
}

/// What to do about a failed read; for a refused certificate, what fits its refusal.
fn failure_fix(failure: &FetchFailure) -> String {
    match &failure.presented {
        Some(cert) if failure.problem == FetchProblem::Tls && cert.refused.is_some() => {
            tls_fix(cert)
        }
        _ => fetch_fix(failure.problem),
    }
}

/// What to do about a failed read, for the kind of failure it was (the error's own words say
/// what happened): not a generic "check that this host can reach it" for an HTML page.
fn fetch_fix(problem: FetchProblem) -> String {
    let fix = match problem {
        FetchProblem::HtmlPage => {
            "check metadata_url: AD FS publishes its metadata at /federationmetadata/2007-06/federationmetadata.xml, and a sign-in page there means a proxy in the way (check from outside the network too)"
        }
        FetchProblem::Empty => "check metadata_url and the server or proxy that publishes it",
        FetchProblem::Truncated => {
            "the download was cut short, or a proxy truncated it: if it happens again, check the proxy and max_body"
        }
        FetchProblem::NotMetadata => {
            "check metadata_url: it must serve the IdP's federation metadata"
        }
        FetchProblem::Refused => {
            "check metadata_url's host and port, and that the federation service (or its proxy) runs"
        }
        FetchProblem::Dns => "check metadata_url's host and this machine's DNS",
        FetchProblem::Timeout => {
            "the service may be down, or a firewall drops the traffic from this machine"
        }
        FetchProblem::Tls => "for a certificate from an internal CA, set the domain's ca_file",
        FetchProblem::Http(401 | 403) => {
            "Entra reads the metadata anonymously: publish it without authentication"
        }
        FetchProblem::Http(404 | 410) | FetchProblem::NotFound => "check metadata_url's path",
        FetchProblem::Http(code) if code >= 500 => "check the federation service and its proxy",
        FetchProblem::Http(_) => "check metadata_url",
        FetchProblem::TooLarge => "raise max_body for a large aggregate, or check metadata_url",
        FetchProblem::NoIdp => "check entity_id",
        FetchProblem::Other => "check metadata_url and that this host can reach it",
    };
    fix.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rule A2 in words: the domains that hold the same certificates share a line, and a long
    /// list names three of them and counts the rest.
    #[test]
    fn a_group_that_differs_is_said_by_certificate_set() {
        let certs = |b: u8| EntraCerts {
            signing: Some(Sha1([b; 20])),
            next_signing: None,
        };
        let mut differing: Vec<(String, EntraCerts)> = (0..6)
            .map(|i| (format!("d{i}.example"), certs(1)))
            .collect();
        differing.insert(2, ("odd.example".to_owned(), certs(2)));
        // A domain never read: the sentence needs no more of its verdict than the step.
        let policy = crate::assess::Policy::default();
        let assessment = crate::assess::assess(
            &crate::assess::AssessInput {
                idp: None,
                fetch_error: None,
                entra: None,
                auto_rollover: None,
                adfs: None,
                peers: crate::assess::IdpGroup::alone(),
                policy: &policy,
                clock_skew: None,
                endpoints: None,
                posture: crate::assess::PostureInput::default(),
            },
            DateTime::UNIX_EPOCH,
        );
        let words = Words {
            a: &assessment,
            now: DateTime::UNIX_EPOCH,
            step: Some(4),
        };
        let said = words.group_differs(certs(9), &differing, Advice::UpdateEntra);
        let short = |b: u8| short_thumbprint(Sha1([b; 20]));
        assert_eq!(
            said,
            format!(
                "Entra holds different certificates for the domains of this IdP (this domain: {}; \
                 d0.example, d1.example, d2.example and 3 more: {}; odd.example: {}): every \
                 federated domain that trusts the IdP must hold the same ones, so update them \
                 together (checklist step 4)",
                short(9),
                short(1),
                short(2)
            )
        );
        assert_eq!(some_names(&["a", "b", "c"]), "a, b, c");
        assert_eq!(some_names(&["a"]), "a");
    }
}
