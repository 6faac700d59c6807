//! Certificates for the demo federation, generated at start-up with validity relative to `now`
//! so that every scenario shows its case whatever today's date is.
//!
//! Keys are EC P-256: rcgen on ring cannot generate RSA keys (real AD FS uses RSA 2048). Nothing
//! in fedcert's verdict depends on the key type.

use chrono::{DateTime, Duration, Utc};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, DnValue, IsCa, Issuer, KeyPair,
    PKCS_ECDSA_P256_SHA256, SerialNumber,
};

use super::DemoError;
use crate::cert::Sha1;

/// When a certificate is valid, in days relative to the demo's `now` (negative: in the past).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Validity {
    pub from_days: i64,
    pub until_days: i64,
}

impl Validity {
    pub(crate) const fn days(from_days: i64, until_days: i64) -> Self {
        Self {
            from_days,
            until_days,
        }
    }

    fn not_before(self, now: DateTime<Utc>) -> DateTime<Utc> {
        whole_second_after(now) + Duration::days(self.from_days)
    }

    fn not_after(self, now: DateTime<Utc>) -> DateTime<Utc> {
        whole_second_after(now) + Duration::days(self.until_days)
    }
}

/// X.509 times have whole seconds. Rounding `now` *up* keeps "18 days left" at 18 whole days
/// (rounding down would show 17 days and 23:59:59).
fn whole_second_after(now: DateTime<Utc>) -> DateTime<Utc> {
    let floor = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    if floor == now {
        floor
    } else {
        floor + Duration::seconds(1)
    }
}

/// A generated certificate: its DER and the facts the scenarios and the config need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DemoCert {
    pub der: Vec<u8>,
    /// Its private key (PKCS#8 DER): the primary token-signing key signs the metadata.
    pub key: Vec<u8>,
    pub sha1: Sha1,
    pub subject: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// How a certificate's serial number is made, after the identity provider the demo mimics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SerialStyle {
    /// AD FS and most CAs: 16 random-looking bytes (here derived from the random public key).
    Random16,
    /// Okta: the `NotBefore` instant in milliseconds since 1970 (6 bytes).
    NotBeforeMillis,
}

/// The AD FS self-signed token-signing certificate name: `CN=ADFS Signing - fs.contoso.com`.
pub(crate) fn adfs_signing_name(host: &str) -> DistinguishedName {
    common_name(&format!("ADFS Signing - {host}"))
}

/// The name a known federation backdoor tool gives its certificates: `CN=any.sts`.
pub(crate) fn backdoor_name() -> DistinguishedName {
    common_name(crate::assess::BACKDOOR_ISSUER_HOST)
}

/// The AD FS self-signed token-decrypting certificate name: `CN=ADFS Encryption - fs.contoso.com`.
pub(crate) fn adfs_encryption_name(host: &str) -> DistinguishedName {
    common_name(&format!("ADFS Encryption - {host}"))
}

/// An enterprise-CA-issued certificate name, as used with manual rollover.
pub(crate) fn organization_name(common: &str, organization: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, organization);
    name.push(DnType::CommonName, common);
    name
}

/// Okta's signing certificate name: `C=US, ST=California, L=San Francisco, O=Okta,
/// OU=SSOProvider, CN=<org>, emailAddress=info@okta.com`.
pub(crate) fn okta_name(org: &str) -> DistinguishedName {
    /// PKCS #9 emailAddress.
    const EMAIL_ADDRESS: &[u64] = &[1, 2, 840, 113_549, 1, 9, 1];
    let mut name = DistinguishedName::new();
    // RFC 5280 wants the country as a PrintableString (rcgen's default is UTF8String).
    if let Ok(country) = rcgen::string::PrintableString::try_from("US") {
        name.push(DnType::CountryName, DnValue::PrintableString(country));
    }
    name.push(DnType::StateOrProvinceName, "California");
    name.push(DnType::LocalityName, "San Francisco");
    name.push(DnType::OrganizationName, "Okta");
    name.push(DnType::OrganizationalUnitName, "SSOProvider");
    name.push(DnType::CommonName, org);
    if let Ok(email) = rcgen::string::Ia5String::try_from("info@okta.com") {
        name.push(
            DnType::CustomDnType(EMAIL_ADDRESS.to_vec()),
            DnValue::Ia5String(email),
        );
    }
    name
}

fn common_name(common: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common);
    name
}

/// A self-signed certificate, the way AD FS (with `AutoCertificateRollover`) and Okta make them.
pub(crate) fn self_signed(
    name: DistinguishedName,
    validity: Validity,
    serial: SerialStyle,
    now: DateTime<Utc>,
) -> Result<DemoCert, DemoError> {
    let subject = display_name(&name);
    let key = generate_key(&subject)?;
    let params = leaf_params(name, validity, serial, &key, now, &subject)?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| cert_error(&subject, &e))?;
    Ok(finish(cert.der().to_vec(), &key, subject, validity, now))
}

/// An enterprise issuing CA for the manually managed scenarios. Its own certificate is never
/// published (AD FS metadata carries only the leaf), so only its name and key are kept.
pub(crate) struct DemoCa {
    issuer: Issuer<'static, KeyPair>,
}

impl DemoCa {
    pub(crate) fn new(name: DistinguishedName) -> Result<Self, DemoError> {
        let subject = display_name(&name);
        let key = generate_key(&subject)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = name;
        params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        Ok(Self {
            issuer: Issuer::new(params, key),
        })
    }

    /// A certificate issued by this CA.
    pub(crate) fn issue(
        &self,
        name: DistinguishedName,
        validity: Validity,
        now: DateTime<Utc>,
    ) -> Result<DemoCert, DemoError> {
        let subject = display_name(&name);
        let key = generate_key(&subject)?;
        let params = leaf_params(name, validity, SerialStyle::Random16, &key, now, &subject)?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(|e| cert_error(&subject, &e))?;
        Ok(finish(cert.der().to_vec(), &key, subject, validity, now))
    }
}

fn generate_key(subject: &str) -> Result<KeyPair, DemoError> {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| cert_error(subject, &e))
}

fn leaf_params(
    name: DistinguishedName,
    validity: Validity,
    serial: SerialStyle,
    key: &KeyPair,
    now: DateTime<Utc>,
    subject: &str,
) -> Result<CertificateParams, DemoError> {
    let not_before = validity.not_before(now);
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.not_before = to_offset(not_before, subject)?;
    params.not_after = to_offset(validity.not_after(now), subject)?;
    params.serial_number = Some(serial_number(serial, not_before, key));
    Ok(params)
}

fn serial_number(style: SerialStyle, not_before: DateTime<Utc>, key: &KeyPair) -> SerialNumber {
    // 6 bytes hold milliseconds until the year 10889.
    let millis = u64::try_from(not_before.timestamp_millis()).ok();
    if let (SerialStyle::NotBeforeMillis, Some(ms)) = (style, millis) {
        return SerialNumber::from_slice(&ms.to_be_bytes()[2..]);
    }
    let digest = <sha2::Sha256 as sha2::Digest>::digest(key.public_key_raw());
    let mut bytes = digest[..16].to_vec();
    bytes[0] &= 0x7f; // a positive INTEGER without a padding byte
    SerialNumber::from_slice(&bytes)
}

fn to_offset(at: DateTime<Utc>, subject: &str) -> Result<time::OffsetDateTime, DemoError> {
    time::OffsetDateTime::from_unix_timestamp(at.timestamp()).map_err(|e| DemoError::Certificate {
        subject: subject.to_owned(),
        reason: format!("validity bound {at} is out of range: {e}"),
    })
}

fn finish(
    der: Vec<u8>,
    key: &KeyPair,
    subject: String,
    validity: Validity,
    now: DateTime<Utc>,
) -> DemoCert {
    DemoCert {
        sha1: Sha1::of(&der),
        der,
        key: key.serialize_der(),
        subject,
        not_before: validity.not_before(now),
        not_after: validity.not_after(now),
    }
}

fn cert_error(subject: &str, error: &rcgen::Error) -> DemoError {
    DemoError::Certificate {
        subject: subject.to_owned(),
        reason: error.to_string(),
    }
}

/// `CN=…, O=…` for error messages (certificate order, not RFC 4514's reversed order).
fn display_name(name: &DistinguishedName) -> String {
    name.iter()
        .map(|(ty, value)| {
            let key = match ty {
                DnType::CountryName => "C",
                DnType::StateOrProvinceName => "ST",
                DnType::LocalityName => "L",
                DnType::OrganizationName => "O",
                DnType::OrganizationalUnitName => "OU",
                DnType::CommonName => "CN",
                _ => "emailAddress",
            };
            let value = match value {
                DnValue::Utf8String(s) => s.clone(),
                DnValue::Ia5String(s) => s.as_str().to_owned(),
                DnValue::PrintableString(s) => s.as_str().to_owned(),
                _ => String::from("…"),
            };
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use x509_parser::parse_x509_certificate;

    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-01T08:21:47.250Z".parse().unwrap()
    }

    #[test]
    fn validity_rounds_now_up_to_a_whole_second() {
        let validity = Validity::days(-2, 18);
        assert_eq!(
            validity.not_after(now()),
            "2026-12-19T08:21:48Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            validity.not_before(now()),
            "2026-11-29T08:21:48Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!((validity.not_after(now()) - now()).num_days(), 18);
    }

    #[test]
    fn adfs_self_signed_certificate_has_the_adfs_name_and_the_requested_dates() {
        let cert = self_signed(
            adfs_signing_name("fs.contoso-demo.example"),
            Validity::days(-120, 245),
            SerialStyle::Random16,
            now(),
        )
        .unwrap();
        let (rest, parsed) = parse_x509_certificate(&cert.der).unwrap();
        assert!(rest.is_empty());
        assert_eq!(
            parsed.subject().to_string(),
            "CN=ADFS Signing - fs.contoso-demo.example"
        );
        assert_eq!(parsed.issuer(), parsed.subject());
        assert_eq!(
            parsed.validity().not_after.timestamp(),
            cert.not_after.timestamp()
        );
        assert_eq!(
            parsed.validity().not_before.timestamp(),
            cert.not_before.timestamp()
        );
        assert_eq!(parsed.raw_serial().len(), 16);
        assert_eq!(cert.sha1, Sha1::of(&cert.der));
        assert_eq!(cert.subject, "CN=ADFS Signing - fs.contoso-demo.example");
    }

    #[test]
    fn ca_issued_certificate_names_its_issuer() {
        let ca = DemoCa::new(organization_name("Adatum Demo Issuing CA", "Adatum Demo")).unwrap();
        let cert = ca
            .issue(
                organization_name("adfs-signing.adatum-demo.example", "Adatum Demo"),
                Validity::days(-341, 24),
                now(),
            )
            .unwrap();
        let (_, parsed) = parse_x509_certificate(&cert.der).unwrap();
        assert_eq!(
            parsed.issuer().to_string(),
            "O=Adatum Demo, CN=Adatum Demo Issuing CA"
        );
        assert_ne!(parsed.issuer(), parsed.subject());
    }

    #[test]
    fn okta_serial_is_the_not_before_instant_in_milliseconds() {
        let cert = self_signed(
            okta_name("relecloud-demo"),
            Validity::days(-3605, 45),
            SerialStyle::NotBeforeMillis,
            now(),
        )
        .unwrap();
        let (_, parsed) = parse_x509_certificate(&cert.der).unwrap();
        let serial = parsed
            .raw_serial()
            .iter()
            .fold(0i64, |acc, b| (acc << 8) | i64::from(*b));
        assert_eq!(serial, cert.not_before.timestamp_millis());
        assert!(parsed.subject().to_string().contains("OU=SSOProvider"));
        assert!(
            parsed
                .subject()
                .to_string()
                .starts_with("C=US, ST=California")
        );
        assert!(
            parsed.subject().to_string().contains("info@okta.com"),
            "{}",
            parsed.subject()
        );
    }

    #[test]
    fn out_of_range_dates_are_an_error_naming_the_certificate() {
        let far = "9999-06-01T00:00:00Z".parse().unwrap();
        let err = self_signed(
            adfs_signing_name("fs.x.example"),
            Validity::days(0, 365),
            SerialStyle::Random16,
            far,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("CN=ADFS Signing - fs.x.example"),
            "{err}"
        );
    }
}
