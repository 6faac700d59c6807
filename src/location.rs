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
