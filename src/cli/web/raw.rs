//! The web-config file as written: the exporter-toolkit's keys, parsed strictly (an unknown
//! key, a bad value or a duplicate user is an error with its line and column). What the
//! values mean — files read, certificates checked — is `tls` and `auth`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use hyper::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub tls_server_config: Option<RawTls>,
    pub http_server_config: Option<RawHttp>,
    #[serde(default, deserialize_with = "users")]
    pub basic_auth_users: Option<BTreeMap<String, String>>,
    pub rate_limit: Option<RawRateLimit>,
}

/// `tls_server_config`. Empty strings count as absent, as in the toolkit.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub cert: Option<String>,
    pub key: Option<String>,
    pub client_ca: Option<String>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub client_auth_type: Option<ClientAuthType>,
    pub client_ca_file: Option<PathBuf>,
    pub client_allowed_sans: Option<Vec<String>>,
    pub min_version: Option<TlsVersion>,
    pub max_version: Option<TlsVersion>,
    pub cipher_suites: Option<Vec<CipherSuiteName>>,
    pub prefer_server_cipher_suites: Option<bool>,
    pub curve_preferences: Option<Vec<Curve>>,
}

/// `http_server_config`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttp {
    /// Accepted for compatibility; fedcert answers HTTP/1.1.
    #[allow(dead_code)]
    pub http2: Option<bool>,
    #[serde(default, deserialize_with = "headers")]
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// `rate_limit`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    #[serde(deserialize_with = "go_duration")]
    pub interval: Duration,
    #[serde(default)]
    pub burst: u32,
}

/// `client_auth_type`: Go's `tls.ClientAuthType` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuthType {
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

impl TryFrom<String> for ClientAuthType {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Ok(match text.as_str() {
            "" | "NoClientCert" => Self::NoClientCert,
            "RequestClientCert" => Self::RequestClientCert,
            // The toolkit still accepts the old name.
            "RequireAnyClientCert" | "RequireClientCert" => Self::RequireAnyClientCert,
            "VerifyClientCertIfGiven" => Self::VerifyClientCertIfGiven,
            "RequireAndVerifyClientCert" => Self::RequireAndVerifyClientCert,
            _ => {
                return Err(format!(
                    "client_auth_type {text:?} is not one of NoClientCert, RequestClientCert, \
                     RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert \
                     (to require client certificates: RequireAndVerifyClientCert)"
                ));
            }
        })
    }
}

/// `min_version` / `max_version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TryFrom<String> for TlsVersion {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Ok(match text.as_str() {
            "TLS10" => Self::Tls10,
            "TLS11" => Self::Tls11,
            "TLS12" => Self::Tls12,
            "TLS13" => Self::Tls13,
            _ => {
                return Err(format!(
                    "{text:?} is not a TLS version: TLS12 or TLS13 (TLS10 and TLS11 are accepted \
                     as a minimum and mean TLS12)"
                ));
            }
        })
    }
}

/// A name from `cipher_suites`, as Go spells it (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`).
/// Checked against what rustls offers in `tls`, where the list of them lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CipherSuiteName(pub String);

impl TryFrom<String> for CipherSuiteName {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        super::tls::check_cipher_suite(&text)?;
        Ok(Self(text))
    }
}

/// `curve_preferences`: Go's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    X25519,
}

impl TryFrom<String> for Curve {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Ok(match text.as_str() {
            "CurveP256" => Self::P256,
            "CurveP384" => Self::P384,
            "X25519" => Self::X25519,
            "CurveP521" => {
                return Err(
                    "CurveP521 is not offered by fedcert's TLS (ring): use CurveP256, CurveP384 \
                     or X25519"
                        .to_owned(),
                );
            }
            _ => {
                return Err(format!(
                    "{text:?} is not a curve: CurveP256, CurveP384 or X25519"
                ));
            }
        })
    }
}

macro_rules! from_string {
    ($($ty:ty),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::try_from(text).map_err(de::Error::custom)
            }
        }
    )*};
}
from_string!(ClientAuthType, TlsVersion, CipherSuiteName, Curve);

/// A parse failure: the message, and the line and column when the parser knows them.
#[derive(Debug)]
pub struct ParseError {
    pub at: Option<(usize, usize)>,
    pub message: String,
}

/// Parse the file's text. An empty file (or one of comments only) is an empty config.
pub fn parse(text: &str) -> Result<RawConfig, ParseError> {
    let blank = text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
    if blank {
        return Ok(RawConfig::default());
    }
    serde_yaml_ng::from_str(text).map_err(|e| {
        let at = e.location().map(|l| (l.line(), l.column()));
        let message = e.to_string();
        // The position goes in front, as file:line:column; drop the parser's own wording of it.
        let message = match message.rsplit_once(" at line ") {
            Some((head, tail)) if at.is_some() && tail.contains(" column ") => head.to_owned(),
            _ => message,
        };
        ParseError { at, message }
    })
}

/// `basic_auth_users`: user name → bcrypt hash. A name given twice, a name with a colon (basic
/// auth cannot carry it) or a value that is no bcrypt hash is an error at its line.
fn users<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct Users;
    impl<'de> Visitor<'de> for Users {
        type Value = Option<BTreeMap<String, String>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of user name to bcrypt hash")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut users = BTreeMap::new();
            while let Some(name) = map.next_key::<String>()? {
                let hash: String = map.next_value()?;
                if name.contains(':') {
                    return Err(de::Error::custom(format!(
                        "user {name:?}: a basic-auth user name cannot contain ':'"
                    )));
                }
                check_bcrypt(&hash).map_err(|e| {
                    de::Error::custom(format!(
                        "user {name:?}: the password must be a bcrypt hash such as \
                         $2y$10$… (htpasswd -nBC 10 \"\" | tr -d ':\\n' makes one): {e}"
                    ))
                })?;
                if users.insert(name.clone(), hash).is_some() {
                    return Err(de::Error::custom(format!("user {name:?} is given twice")));
                }
            }
            Ok(Some(users))
        }
    }
    deserializer.deserialize_option(Users)
}

/// A bcrypt hash that `bcrypt::verify` can use: its format, and a cost from 4 to 31.
fn check_bcrypt(hash: &str) -> Result<(), String> {
    let parts: bcrypt::HashParts = hash.parse().map_err(|e| format!("{e}"))?;
    let cost = parts.get_cost();
    if (4..=31).contains(&cost) {
        Ok(())
    } else {
        Err(format!("its cost {cost} is outside 4 to 31"))
    }
}

/// The headers the toolkit lets one set, with the values it allows where it restricts them.
const HEADERS: [(&str, &[&str]); 5] = [
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

/// `http_server_config.headers`: only the toolkit's five, each once, with an allowed value.
fn headers<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(HeaderName, HeaderValue)>, D::Error> {
    let map: Option<BTreeMap<String, String>> = Option::deserialize(deserializer)?;
    let mut out = Vec::new();
    for (name, value) in map.unwrap_or_default() {
        let Some((_, allowed)) = HEADERS.iter().find(|(known, _)| *known == name) else {
            let known: Vec<&str> = HEADERS.iter().map(|(n, _)| *n).collect();
            return Err(de::Error::custom(format!(
                "the header {name:?} cannot be set; these can: {}",
                known.join(", ")
            )));
        };
        if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
            return Err(de::Error::custom(format!(
                "{name}: {value:?} is not one of {}",
                allowed.join(", ")
            )));
        }
        if value.is_empty() {
            continue;
        }
        let header_value = HeaderValue::from_str(&value)
            .map_err(|_| de::Error::custom(format!("{name}: {value:?} is not a header value")))?;
        let header_name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| de::Error::custom(format!("{name:?} is not a header name")))?;
        out.push((header_name, header_value));
    }
    Ok(out)
}

/// A Go duration (`"1s"`, `"500ms"`, `"1m30s"`, `"0"`).
fn go_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.trim() == "0" {
        return Ok(Duration::ZERO);
    }
    crate::units::parse_duration(&text).map_err(de::Error::custom)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const HASH: &str = "$2y$04$QRXCYbPD4ZrEH5x4ygPRQe0zjUMpV5V.2h6K6B94NWOv5bS1a4vpO";

    fn error(text: &str) -> ParseError {
        parse(text).map(|_| ()).unwrap_err()
    }

    #[test]
    fn the_toolkit_sample_parses() {
        let text = format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
             client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  \
             client_allowed_sans: [prometheus.example]\n  min_version: TLS13\n  \
             max_version: TLS13\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n  \
             prefer_server_cipher_suites: false\n  curve_preferences: [X25519, CurveP256]\n\
             http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    \
             Strict-Transport-Security: max-age=31536000\n\
             basic_auth_users:\n  prometheus: {HASH}\n\
             rate_limit:\n  interval: 1s\n  burst: 10\n"
        );
        let raw = parse(&text).unwrap();
        let tls = raw.tls_server_config.unwrap();
        assert_eq!(tls.cert_file, Some(PathBuf::from("server.crt")));
        assert_eq!(
            tls.client_auth_type,
            Some(ClientAuthType::RequireAndVerifyClientCert)
        );
        assert_eq!(tls.min_version, Some(TlsVersion::Tls13));
        assert_eq!(
            tls.curve_preferences,
            Some(vec![Curve::X25519, Curve::P256])
        );
        assert_eq!(tls.prefer_server_cipher_suites, Some(false));
        let headers = raw.http_server_config.unwrap().headers;
        assert_eq!(headers.len(), 2);
        assert_eq!(raw.basic_auth_users.unwrap()["prometheus"], HASH);
        let limit = raw.rate_limit.unwrap();
        assert_eq!((limit.interval, limit.burst), (Duration::from_secs(1), 10));
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line_and_column() {
        let e = error("tls_server_config:\n  cert_file: a\n  cert_fil: b\n");
        assert_eq!(e.at, Some((3, 3)), "{e:?}");
        assert!(
            e.message
                .starts_with("tls_server_config: unknown field `cert_fil`, expected one of"),
            "{e:?}"
        );
        let e = error("basic_auth_user:\n  alice: x\n");
        assert_eq!(e.at, Some((1, 1)), "{e:?}");
        assert!(
            e.message.contains("unknown field `basic_auth_user`"),
            "{e:?}"
        );
    }

    #[test]
    fn a_bad_value_is_named_with_its_line() {
        let e = error("tls_server_config:\n  client_auth_type: RequireClientCertPlease\n");
        assert_eq!(e.at.map(|(line, _)| line), Some(2), "{e:?}");
        assert!(e.message.contains("RequireAndVerifyClientCert"), "{e:?}");
        let e = error("tls_server_config:\n  min_version: TLS14\n");
        assert_eq!(e.at.map(|(line, _)| line), Some(2), "{e:?}");
        let e = error("tls_server_config:\n  curve_preferences: [CurveP521]\n");
        assert!(e.message.contains("CurveP521 is not offered"), "{e:?}");
        let e = error("tls_server_config:\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n");
        assert!(e.message.contains("not a cipher suite"), "{e:?}");
        let e = error("rate_limit:\n  interval: soon\n");
        assert_eq!(e.at.map(|(line, _)| line), Some(2), "{e:?}");
    }

    #[test]
    fn users_must_be_bcrypt_hashes_named_once_without_colons() {
        let e = error("basic_auth_users:\n  alice: hunter2\n");
        assert_eq!(e.at.map(|(line, _)| line), Some(2), "{e:?}");
        assert!(e.message.contains("bcrypt hash"), "{e:?}");
        let e = error(&format!(
            "basic_auth_users:\n  alice: {HASH}\n  bob: {HASH}\n  alice: {HASH}\n"
        ));
        assert!(e.message.contains("\"alice\" is given twice"), "{e:?}");
        let e = error(&format!("basic_auth_users:\n  \"a:b\": {HASH}\n"));
        assert!(e.message.contains("cannot contain ':'"), "{e:?}");
        let e = error(
            "basic_auth_users:\n  alice: $2y$99$QRXCYbPD4ZrEH5x4ygPRQe0zjUMpV5V.2h6K6B94NWOv5bS1a4vpO\n",
        );
        assert!(e.message.contains("cost 99"), "{e:?}");
    }

    #[test]
    fn only_the_toolkit_headers_with_their_values() {
        let e = error("http_server_config:\n  headers:\n    X-Powered-By: fedcert\n");
        assert!(e.message.contains("cannot be set"), "{e:?}");
        let e = error("http_server_config:\n  headers:\n    X-Frame-Options: allow\n");
        assert!(e.message.contains("deny, sameorigin"), "{e:?}");
    }

    #[test]
    fn an_empty_file_is_an_empty_config_and_yaml_errors_have_a_position() {
        let raw = parse("# nothing yet\n\n").unwrap();
        assert!(raw.tls_server_config.is_none() && raw.basic_auth_users.is_none());
        let e = error("tls_server_config:\n  cert_file: [unclosed\n");
        assert!(e.at.is_some(), "{e:?}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod sample {
    #[test]
    fn the_shipped_sample_parses() {
        let raw = super::parse(include_str!("../../../assets/web-config.sample.yml")).unwrap();
        let tls = raw.tls_server_config.unwrap();
        assert_eq!(tls.cert_file.unwrap().to_str(), Some("fedcert.crt"));
        assert_eq!(tls.min_version, Some(super::TlsVersion::Tls12));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod readme {
    #[test]
    fn the_readme_example_parses_and_its_hash_is_bcrypt() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("```yaml\n# /etc/fedcert/web-config.yml")
            .unwrap();
        let block = &readme[start + "```yaml\n".len()..];
        let block = &block[..block.find("```").unwrap()];
        let raw = super::parse(block).unwrap();
        let users = raw.basic_auth_users.unwrap();
        assert!(bcrypt::verify("change-me", &users["prometheus"]).unwrap());
        assert!(raw.tls_server_config.is_some());
    }
}
