//! The three sides of a domain's trust, certificate by certificate: which token-signing
//! certificates AD FS holds (an imported `Get-AdfsCertificate`), which the metadata publishes,
//! and which Entra ID trusts. Pure data; the front ends lay it out.

use chrono::{DateTime, Utc};

use super::finding::Slot;
use super::{EntraSide, IdpFacts};
use crate::cert::{CertInfo, Sha1};

/// One token-signing certificate AD FS holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdfsHeld {
    pub sha1: Sha1,
    pub is_primary: bool,
    /// From the export's `NotAfter` (or the certificate itself).
    pub not_after: Option<DateTime<Utc>>,
    /// The certificate, when the export carries its `RawData`.
    pub cert: Option<CertInfo>,
}

impl AdfsHeld {
    /// When it expires: the certificate's own NotAfter when known, else the export's.
    pub fn expires(&self) -> Option<DateTime<Utc>> {
        self.cert.as_ref().map(|c| c.not_after).or(self.not_after)
    }

    /// Not expired at `now` (unknown expiry counts as valid: AD FS still lists it).
    pub fn valid_at(&self, now: DateTime<Utc>) -> bool {
        self.expires().is_none_or(|t| now < t)
    }
}

/// The token-signing certificates AD FS holds, as of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdfsHolds {
    pub certificates: Vec<AdfsHeld>,
    /// When the list was imported.
    pub as_of: Option<DateTime<Utc>>,
}

impl AdfsHolds {
    /// The certificate AD FS marks `IsPrimary`.
    pub fn primary(&self) -> Option<&AdfsHeld> {
        self.certificates.iter().find(|c| c.is_primary)
    }

    pub fn get(&self, sha1: Sha1) -> Option<&AdfsHeld> {
        self.certificates.iter().find(|c| c.sha1 == sha1)
    }

    /// Whether this list belongs to the IdP that publishes `signing`: it shares a certificate
    /// with it. A list that shares none is another farm's, or the metadata is another's.
    pub fn shares_a_certificate(&self, signing: &[CertInfo]) -> bool {
        self.certificates
            .iter()
            .any(|held| signing.iter().any(|c| c.sha1 == held.sha1))
    }

    /// The valid certificates AD FS holds that `signing` (the metadata) does not publish.
    pub fn unpublished<'a>(
        &'a self,
        signing: &'a [CertInfo],
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a AdfsHeld> {
        self.certificates
            .iter()
            .filter(move |held| held.valid_at(now) && !signing.iter().any(|c| c.sha1 == held.sha1))
    }
}

/// What the verdict made of an imported AD FS certificate list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdfsUse {
    /// It shares a certificate with the metadata: it names the primary (and, when the metadata
    /// lags, the successor).
    Used,
    /// It shares no certificate with the metadata: another farm's list, or metadata that is out
    /// of date. Not used.
    Unmatched,
}

/// AD FS's role for a certificate it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdfsRole {
    Primary,
    Secondary,
}

/// One certificate and what each side says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideRow {
    pub sha1: Sha1,
    /// The certificate, when any side carries it (the metadata, an import's `RawData`, Entra).
    pub cert: Option<CertInfo>,
    pub not_after: Option<DateTime<Utc>>,
    /// How AD FS holds it; `None` when it does not (or no AD FS list is known: see [`Sides`]).
    pub adfs: Option<AdfsRole>,
    /// The metadata publishes it as a signing certificate.
    pub published: bool,
    /// The slot Entra trusts it in.
    pub entra: Option<Slot>,
}

/// The three sides of one domain, certificate by certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sides {
    /// Earliest expiry first (unknown expiries last), then by thumbprint.
    pub rows: Vec<SideRow>,
    /// An AD FS list is known and used (else the AD FS column says nothing).
    pub adfs_known: bool,
    /// The metadata was read.
    pub metadata_known: bool,
    /// Entra's side is known.
    pub entra_known: bool,
}

/// Lay the three sides side by side: every signing certificate the metadata publishes, every
/// token-signing certificate AD FS holds (when `adfs` is given), every certificate Entra trusts.
pub fn sides(idp: Option<&IdpFacts>, adfs: Option<&AdfsHolds>, entra: Option<&EntraSide>) -> Sides {
    let mut rows: Vec<SideRow> = Vec::new();
    let row_for = |sha1: Sha1, cert: Option<&CertInfo>, rows: &mut Vec<SideRow>| -> usize {
        if let Some(at) = rows.iter().position(|r| r.sha1 == sha1) {
            if rows[at].cert.is_none() {
                rows[at].cert = cert.cloned();
            }
            return at;
        }
        rows.push(SideRow {
            sha1,
            cert: cert.cloned(),
            not_after: None,
            adfs: None,
            published: false,
            entra: None,
        });
        rows.len() - 1
    };
    for cert in idp.map_or(&[][..], |i| i.signing.as_slice()) {
        let at = row_for(cert.sha1, Some(cert), &mut rows);
        rows[at].published = true;
    }
    for held in adfs.map_or(&[][..], |a| a.certificates.as_slice()) {
        let at = row_for(held.sha1, held.cert.as_ref(), &mut rows);
        rows[at].adfs = Some(if held.is_primary {
            AdfsRole::Primary
        } else {
            AdfsRole::Secondary
        });
        rows[at].not_after = rows[at].not_after.or(held.expires());
    }
    if let Some(entra) = entra {
        for (slot, sha1, cert) in [
            (Slot::Signing, entra.signing, entra.signing_cert.as_ref()),
            (
                Slot::NextSigning,
                entra.next_signing,
                entra.next_signing_cert.as_ref(),
            ),
        ] {
            if let Some(sha1) = sha1 {
                let at = row_for(sha1, cert, &mut rows);
                // Both slots holding one certificate: the signing slot is the one that counts.
                rows[at].entra.get_or_insert(slot);
            }
        }
    }
    for row in &mut rows {
        if let Some(cert) = &row.cert {
            row.not_after = Some(cert.not_after);
        }
    }
    rows.sort_by(|a, b| {
        (a.not_after.is_none(), a.not_after, a.sha1).cmp(&(
            b.not_after.is_none(),
            b.not_after,
            b.sha1,
        ))
    });
    Sides {
        rows,
        adfs_known: adfs.is_some(),
        metadata_known: idp.is_some(),
        entra_known: entra.is_some_and(|e| e.signing.is_some() || e.next_signing.is_some()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::cert::test_cert;

    fn t(days: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::days(days)
    }

    fn cert(days: i64) -> CertInfo {
        let mut cert = test_cert(t(days - 365), t(days));
        cert.sha1 = Sha1([u8::try_from(days % 251).unwrap(); 20]);
        cert
    }

    #[test]
    fn every_certificate_of_every_side_gets_one_row_in_expiry_order() {
        let (primary, secondary, stranger) = (cert(10), cert(375), cert(900));
        let idp = IdpFacts::test_adfs(
            "http://fs.contoso.test/adfs/services/trust",
            vec![primary.clone()],
        );
        let adfs = AdfsHolds {
            certificates: vec![
                AdfsHeld {
                    sha1: secondary.sha1,
                    is_primary: false,
                    not_after: Some(secondary.not_after),
                    cert: Some(secondary.clone()),
                },
                AdfsHeld {
                    sha1: primary.sha1,
                    is_primary: true,
                    not_after: None,
                    cert: None,
                },
            ],
            as_of: None,
        };
        let entra = EntraSide {
            signing: Some(primary.sha1),
            next_signing: Some(stranger.sha1),
            ..EntraSide::default()
        };
        let s = sides(Some(&idp), Some(&adfs), Some(&entra));
        let got: Vec<(Sha1, Option<AdfsRole>, bool, Option<Slot>)> = s
            .rows
            .iter()
            .map(|r| (r.sha1, r.adfs, r.published, r.entra))
            .collect();
        assert_eq!(
            got,
            [
                (
                    primary.sha1,
                    Some(AdfsRole::Primary),
                    true,
                    Some(Slot::Signing)
                ),
                (secondary.sha1, Some(AdfsRole::Secondary), false, None),
                // Entra names it without its certificate: its expiry is unknown, so it is last.
                (stranger.sha1, None, false, Some(Slot::NextSigning)),
            ]
        );
        assert_eq!(
            s.rows[0].cert.as_ref(),
            Some(&primary),
            "the metadata's copy"
        );
        assert!(s.adfs_known && s.metadata_known && s.entra_known);
        assert!(adfs.shares_a_certificate(&idp.signing));
        let unpublished: Vec<Sha1> = adfs
            .unpublished(&idp.signing, t(0))
            .map(|h| h.sha1)
            .collect();
        assert_eq!(unpublished, [secondary.sha1]);
        assert_eq!(
            adfs.unpublished(&idp.signing, t(400)).count(),
            0,
            "an expired secondary no longer counts"
        );
        assert!(!adfs.shares_a_certificate(&[stranger]));
    }
}
