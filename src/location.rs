//! What a metadata location string means: an HTTP(S) URL, a local file (`file://` URL or a
//! plain path) or stdin (`-`), and the host an URL names. A leaf: config validation, the
//! fetcher and the verdict's facts all read locations the same way, and it imports none of them.

use std::path::PathBuf;

use reqwest::Url;

/// A parsed metadata location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// `https://…` or `http://…`.
    Http(Url),
    /// `file://…` or a plain path.
    File(PathBuf),
    /// `-`: read standard input.
    Stdin,
}

/// What is accepted, for error messages.
pub const ACCEPTED: &str = "an https:// or http:// URL, a file:// URL or a plain file path";

/// Why a location string is refused. `Display` says why in plain words, without repeating the
/// input (the caller names it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    #[error("it is empty; expected {ACCEPTED}")]
    Empty,
    /// The url crate's reason.
    #[error("not a valid URL ({0})")]
    BadUrl(String),
    #[error("the URL has no host name")]
    NoHost,
    #[error("a file:// URL must hold an absolute local path (file:///path/to/metadata.xml)")]
    RelativeFileUrl,
    #[error("the `{0}:` scheme is not supported; use {ACCEPTED}")]
    Scheme(String),
}

impl Location {
    /// Parse `text`.
    pub fn parse(text: &str) -> Result<Self, LocationError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(LocationError::Empty);
        }
        if text == "-" {
            return Ok(Self::Stdin);
        }
        let Some(scheme) = scheme_of(text) else {
            return Ok(Self::File(PathBuf::from(text)));
        };
        let url = Url::parse(text).map_err(|e| LocationError::BadUrl(e.to_string()))?;
        match scheme.to_ascii_lowercase().as_str() {
            "https" | "http" => {
                // The url crate forgives `https:///x` and `https:x` by guessing a host; we don't.
                let after_scheme = &text[scheme.len()..];
                let authority = after_scheme.strip_prefix("://").unwrap_or_default();
                if authority.is_empty()
                    || authority.starts_with('/')
                    || url.host_str().is_none_or(str::is_empty)
                {
                    return Err(LocationError::NoHost);
                }
                Ok(Self::Http(url))
            }
            "file" => url
                .to_file_path()
                .map(Self::File)
                .map_err(|()| LocationError::RelativeFileUrl),
            other => Err(LocationError::Scheme(other.to_owned())),
        }
    }

    /// Whether `text` is, certainly, an `http(s)://` URL that [`Self::parse`] accepts as it is
    /// written, told without the URL parser: a lowercase scheme; a host of lowercase letters,
    /// digits and inner hyphens in dot-separated labels whose last starts with a letter (no
    /// `xn--` label), or a dotted-decimal IPv4 address; an optional port; a path (and query) of
    /// characters that need no escaping. Validating a config reads every domain's URL, and at
    /// ten thousand domains the full parse was a fifth of the start-up; anything else, and
    /// anything in doubt, is for [`Self::parse`].
    pub fn is_plain_http(text: &str) -> bool {
        let Some(rest) = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
        else {
            return false;
        };
        let Some(slash) = rest.find('/') else {
            return false;
        };
        let (authority, path) = rest.split_at(slash);
        let (host, port) = authority
            .split_once(':')
            .map_or((authority, None), |(h, p)| (h, Some(p)));
        let port_ok = port.is_none_or(|p| {
            (1..=5).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n <= 65_535)
        });
        let path_ok = path.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~' | b'?' | b'=' | b'&')
        });
        port_ok && path_ok && (plain_host_name(host) || dotted_ipv4(host))
    }
}

/// `fs.contoso.com`: labels of `a-z`, `0-9` and inner `-`, the last starting with a letter (so
/// that the URL parser cannot take it for a number), none an IDNA `xn--` label.
fn plain_host_name(host: &str) -> bool {
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && !label.starts_with("xn--")
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    host.split('.').all(label_ok)
        && host
            .rsplit('.')
            .next()
            .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_lowercase()))
}

/// `127.0.0.1`: four decimal parts of 0 to 255 without leading zeros.
fn dotted_ipv4(host: &str) -> bool {
    let part_ok = |part: &str| {
        (1..=3).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part.len() == 1 || !part.starts_with('0'))
            && part.parse::<u16>().is_ok_and(|n| n <= 255)
    };
    host.split('.').count() == 4 && host.split('.').all(part_ok)
}

/// The URL scheme of `text`, if it starts with one. A single letter before `:` is a Windows
/// drive (`C:\metadata.xml`), not a scheme.
fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let well_formed = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (well_formed && scheme.len() > 1).then_some(scheme)
}

/// The host of an `scheme://host[:port]/…` URL. Hostile metadata can put anything there: a host
/// longer than any DNS name (253 characters, plus a port) is not a host.
pub fn host_of(url: &str) -> Option<String> {
    const MAX_HOST: usize = 253 + ":65535".len();
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    (!host.is_empty() && host.len() <= MAX_HOST).then(|| host.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_urls_paths_and_stdin() {
        assert!(matches!(
            Location::parse("https://fs.contoso.com/x.xml"),
            Ok(Location::Http(_))
        ));
        assert!(matches!(
            Location::parse("HTTP://fs.contoso.com/x.xml"),
            Ok(Location::Http(_))
        ));
        assert_eq!(
            Location::parse("file:///srv/meta%20data.xml"),
            Ok(Location::File(PathBuf::from("/srv/meta data.xml")))
        );
        assert_eq!(
            Location::parse("./meta.xml"),
            Ok(Location::File(PathBuf::from("./meta.xml")))
        );
        assert_eq!(
            Location::parse(r"C:\meta.xml"),
            Ok(Location::File(PathBuf::from(r"C:\meta.xml")))
        );
        assert_eq!(Location::parse(" - "), Ok(Location::Stdin));
    }

    #[test]
    fn plain_urls_are_told_without_the_parser() {
        for plain in [
            "https://fs.contoso.com/FederationMetadata/2007-06/FederationMetadata.xml",
            "http://127.0.0.1:41757/d0/FederationMetadata/2007-06/FederationMetadata.xml",
            "https://login.microsoftonline.com/x/federationmetadata.xml?appid=1&b=2",
            "https://a-b.example/",
            "https://host:443/x",
        ] {
            assert!(Location::is_plain_http(plain), "{plain}");
        }
        for other in [
            "HTTPS://fs.contoso.com/x",
            "https://fs.contoso.com",
            "https://Fs.contoso.com/x",
            "https://fs.contoso.com./x",
            "https://xn--mller-kva.de/x",
            "https://1.2.3.4.5/x",
            "https://1.2.3/x",
            "https://010.0.0.1/x",
            "https://256.0.0.1/x",
            "https://a.0x1f/x",
            "https://host.123/x",
            "https://-a.example/x",
            "https://host:65536/x",
            "https://host:/x",
            "https://user@host/x",
            "https://host/a b",
            "https://host/a%20b",
            "https://host/x#frag",
            "file:///x",
            "./x",
        ] {
            assert!(!Location::is_plain_http(other), "{other}");
        }
    }

    /// A fixed-seed generator of test strings.
    struct Dice(u64);

    impl Dice {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(self.0 >> 33).unwrap() % n
        }

        fn pick(&mut self, set: &[&str]) -> String {
            set[self.below(set.len())].to_owned()
        }

        fn several(&mut self, most: usize, set: &[&str]) -> String {
            (0..self.below(most + 1)).map(|_| self.pick(set)).collect()
        }
    }

    /// Whatever `is_plain_http` takes, the parser takes too, as an HTTP URL with a host: over
    /// many generated near-URLs, built to sit on the rules' edges.
    #[test]
    fn every_plain_url_is_one_the_parser_accepts() {
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
        let mut plain = 0;
        for _ in 0..200_000 {
            let scheme = dice.pick(&[
                "https://",
                "http://",
                "HTTP://",
                "https:/",
                "https:///",
                "ftp://",
            ]);
            // Half the time clean parts (so that many are plain), else the edges.
            let clean = dice.below(2) == 0;
            let host = if dice.below(5) == 0 {
                (0..4)
                    .map(|_| match dice.below(4) {
                        0 if !clean => format!("0{}", dice.below(10)),
                        1 if !clean => dice.below(1000).to_string(),
                        _ => dice.below(256).to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            } else {
                (0..=dice.below(3))
                    .map(|_| match dice.below(if clean { 2 } else { 4 }) {
                        0 => dice.pick(&["fs", "contoso", "com", "a", "z9", "a-b"]),
                        1 => dice.several(6, &["a", "z", "0", "9", "-"]),
                        2 => dice.pick(&[
                            "xn--mller-kva",
                            "xn--",
                            "xn--zz-",
                            "0x1f",
                            "123",
                            "-a",
                            "a-",
                            "",
                        ]),
                        _ => dice.several(4, &["a", "Q", "_", "\u{e9}", "0"]),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            };
            let port = if clean {
                dice.pick(&["", ":0", ":443", ":65535"])
            } else {
                dice.pick(&["", ":", ":65536", ":99999", ":123456", ":a", ":0443"])
            };
            let path = if dice.below(8) == 0 {
                String::new()
            } else if clean {
                let parts = ["/", "a", "Z", "0", "-", ".", "_", "~", "?", "=", "&", ".."];
                format!("/{}", dice.several(7, &parts))
            } else {
                let parts = ["/", "a", "%", "%2f", "#", " ", "@", ":", "..", "\\"];
                format!("/{}", dice.several(5, &parts))
            };
            let text = format!("{scheme}{host}{port}{path}");
            if Location::is_plain_http(&text) {
                plain += 1;
                match Location::parse(&text) {
                    Ok(Location::Http(url)) => assert!(
                        url.host_str().is_some_and(|h| !h.is_empty()),
                        "{text}: no host"
                    ),
                    other => panic!("{text} is plain, but the parser says {other:?}"),
                }
            }
        }
        assert!(plain > 10_000, "the generator made {plain} plain URLs");
    }

    #[test]
    fn refuses_other_schemes_and_empty_hosts() {
        let why = |text| Location::parse(text).map_err(|e| e.to_string());
        assert_eq!(
            why("ftp://fs.contoso.com/x.xml"),
            Err(format!(
                "the `ftp:` scheme is not supported; use {ACCEPTED}"
            ))
        );
        assert_eq!(
            why("https:///x.xml"),
            Err("the URL has no host name".into())
        );
        assert_eq!(
            why("https:fs.contoso.com"),
            Err("the URL has no host name".into())
        );
        assert_eq!(why(""), Err(format!("it is empty; expected {ACCEPTED}")));
        assert!(Location::parse("https://exa mple.com/").is_err());
    }

    #[test]
    fn host_of_takes_the_host_and_refuses_what_no_dns_name_can_be() {
        assert_eq!(
            host_of("https://fs.contoso.com/adfs/ls/").as_deref(),
            Some("fs.contoso.com")
        );
        assert_eq!(
            host_of("https://u:p@idp.example:8443?x").as_deref(),
            Some("idp.example:8443")
        );
        assert_eq!(host_of("urn:federation:MicrosoftOnline"), None);
        assert_eq!(host_of("https:///path"), None);
        let hostile = format!("https://{}/adfs/ls/", "a".repeat(70_000));
        assert_eq!(host_of(&hostile), None);
    }
}
