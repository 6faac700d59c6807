//! Turning reqwest / hyper / rustls / io error chains into one plain sentence and a
//! [`FetchErrorKind`]: "connection refused", "TLS: the server's certificate is not trusted …".

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use super::FetchErrorKind;
use crate::units::format_duration;

/// Our redirect policy's refusals; found again in the error chain by downcasting.
#[derive(Debug)]
pub(super) enum RedirectRefusal {
    TooMany { max: usize, last: String },
    Loop { url: String },
}

impl fmt::Display for RedirectRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooMany { max, last } => {
                write!(
                    f,
                    "too many redirects (more than {max}); the last one pointed to {last}"
                )
            }
            Self::Loop { url } => write!(f, "redirect loop: {url} redirects back to itself"),
        }
    }
}

impl StdError for RedirectRefusal {}

/// What the classifier needs to know about the request beyond the error itself.
pub(super) struct Context<'a> {
    /// `host` or `host:port`, for messages.
    pub authority: &'a str,
    pub connect_timeout: Duration,
    /// Whether the OS trust store held any CA certificate.
    pub system_roots: bool,
    /// `host:port` of the proxy the request goes through (from `HTTPS_PROXY` and friends), if
    /// any: then a refused or timed-out connection is the proxy's, not the IdP's.
    pub proxy: Option<&'a str>,
}

impl Context<'_> {
    /// Whom the TCP connection goes to, for connection-level messages.
    fn peer(&self) -> String {
        match self.proxy {
            Some(proxy) => format!("the proxy {proxy}"),
            None => self.authority.to_owned(),
        }
    }

    /// What to do about a connection-level failure, when a proxy is in the way.
    fn proxy_hint(&self) -> &'static str {
        if self.proxy.is_some() {
            " (set by HTTPS_PROXY / HTTP_PROXY / ALL_PROXY: fix the proxy, or list the IdP host in NO_PROXY)"
        } else {
            ""
        }
    }
}

/// Every error in the chain, including the inner error of an `io::Error` (whose own `source()`
/// skips it).
pub(super) fn chain<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        out.push(e);
        current = match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    out
}

/// The chain as one readable line: each distinct message once, outermost first.
pub(super) fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain(err) {
        let text = e.to_string();
        if text.is_empty() || parts.last().is_some_and(|last| last.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// Why TLS refused the server's certificate, when that is what failed.
pub(super) fn refusal(err: &(dyn StdError + 'static)) -> Option<crate::assess::TlsRefusal> {
    chain(err)
        .iter()
        .find_map(|e| e.downcast_ref::<rustls::Error>())
        .filter(|e| matches!(e, rustls::Error::InvalidCertificate(_)))
        .map(super::tls::refusal_of)
}

/// Classify a failed request. `is_timeout`, `is_connect` and `is_dns` are reqwest's own flags
/// (they see error types we cannot name), the rest comes from the chain.
pub(super) fn classify(
    err: &(dyn StdError + 'static),
    flags: Flags,
    ctx: &Context<'_>,
) -> (FetchErrorKind, String) {
    let links = chain(err);
    if let Some(refusal) = links
        .iter()
        .find_map(|e| e.downcast_ref::<RedirectRefusal>())
    {
        return (FetchErrorKind::TooManyRedirects, refusal.to_string());
    }
    if let Some(tls) = links.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return (FetchErrorKind::Tls, describe_tls(tls, ctx));
    }
    let io_kind = links
        .iter()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .map(io::Error::kind)
        .find(|kind| *kind != io::ErrorKind::Other);
    let deepest = links.last().map(ToString::to_string).unwrap_or_default();
    let dns = flags.is_dns
        || links
            .iter()
            .any(|e| e.to_string().contains("failed to lookup address"));
    if dns {
        return (
            FetchErrorKind::Dns,
            format!(
                "DNS lookup of {} failed ({deepest}){}",
                host_only(ctx.proxy.unwrap_or(ctx.authority)),
                ctx.proxy_hint()
            ),
        );
    }
    if flags.is_timeout && flags.is_connect {
        return (
            FetchErrorKind::Timeout,
            format!(
                "could not connect to {} within {} (connect_timeout){}",
                ctx.peer(),
                format_duration(ctx.connect_timeout),
                ctx.proxy_hint()
            ),
        );
    }
    match io_kind {
        Some(io::ErrorKind::ConnectionRefused) => {
            return (
                FetchErrorKind::Connect,
                match ctx.proxy {
                    Some(_) => format!("connection refused by {}{}", ctx.peer(), ctx.proxy_hint()),
                    None => format!(
                        "connection refused by {} (nothing listens there, or a firewall rejects it)",
                        ctx.authority
                    ),
                },
            );
        }
        Some(io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted) => {
            return (
                FetchErrorKind::Connect,
                format!(
                    "the connection to {} was reset{}",
                    ctx.peer(),
                    ctx.proxy_hint()
                ),
            );
        }
        Some(io::ErrorKind::TimedOut) => {
            return (
                FetchErrorKind::Timeout,
                format!("the connection to {} timed out", ctx.authority),
            );
        }
        Some(io::ErrorKind::UnexpectedEof) => {
            return (
                FetchErrorKind::Connect,
                format!("{} closed the connection before answering", ctx.authority),
            );
        }
        _ => {}
    }
    if links.iter().any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
    }) {
        return (
            FetchErrorKind::Connect,
            format!("{} closed the connection before answering", ctx.authority),
        );
    }
    let text = chain_text(err);
    if flags.is_connect {
        return (
            FetchErrorKind::Connect,
            format!("cannot connect to {}: {text}", ctx.authority),
        );
    }
    (FetchErrorKind::Io, text)
}

/// Classify a failure while reading the body: the head arrived, so a connection that closes
/// early cut the body short (it did not fail "before answering").
pub(super) fn classify_body(
    err: &(dyn StdError + 'static),
    flags: Flags,
    ctx: &Context<'_>,
) -> (FetchErrorKind, String) {
    let cut_short = chain(err).iter().any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
            || e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::UnexpectedEof)
    });
    if cut_short {
        return (
            FetchErrorKind::Connect,
            "the connection closed before the whole body arrived (the server sent less than it \
             announced: a Content-Length that lies, or a server or proxy that gave up)"
                .into(),
        );
    }
    classify(err, flags, ctx)
}

/// reqwest's own view of an error.
#[derive(Clone, Copy, Debug, Default)]
#[allow(clippy::struct_excessive_bools)]
pub(super) struct Flags {
    pub is_timeout: bool,
    pub is_connect: bool,
    pub is_dns: bool,
}

impl From<&reqwest::Error> for Flags {
    fn from(err: &reqwest::Error) -> Self {
        Self {
            is_timeout: err.is_timeout(),
            is_connect: err.is_connect(),
            is_dns: err.is_dns(),
        }
    }
}

fn describe_tls(err: &rustls::Error, ctx: &Context<'_>) -> String {
    use rustls::{CertificateError as Cert, Error as Tls};
    let host = host_only(ctx.authority);
    match err {
        Tls::InvalidCertificate(cert) => match cert {
            Cert::UnknownIssuer => {
                let mut text = "TLS: the server's certificate is not trusted (unknown CA); set ca_file for this domain to the PEM of the CA that issued it".to_owned();
                if !ctx.system_roots {
                    text.push_str(" (the system trust store is empty: install ca-certificates or set SSL_CERT_FILE)");
                }
                text
            }
            Cert::NotValidForName => {
                format!("TLS: the server's certificate is not valid for {host} (name mismatch)")
            }
            Cert::NotValidForNameContext { presented, .. } => format!(
                "TLS: the server's certificate is not valid for {host} (name mismatch: it is issued for {})",
                if presented.is_empty() {
                    "no host name".to_owned()
                } else {
                    presented
                        .iter()
                        .map(|name| plain_name(name))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            Cert::Expired | Cert::ExpiredContext { .. } => {
                "TLS: the server's certificate has expired (the IdP must renew its TLS certificate)"
                    .into()
            }
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => {
                "TLS: the server's certificate is not valid yet (check this machine's clock)".into()
            }
            Cert::Revoked => "TLS: the server's certificate has been revoked".into(),
            other => format!("TLS: the server's certificate was refused ({other})"),
        },
        Tls::AlertReceived(alert) => {
            format!("TLS: the server aborted the handshake (alert {alert:?})")
        }
        Tls::InvalidMessage(_)
        | Tls::InappropriateMessage { .. }
        | Tls::InappropriateHandshakeMessage { .. } => {
            format!(
                "TLS handshake with {} failed: the server does not speak TLS there (try http://?)",
                ctx.authority
            )
        }
        Tls::PeerIncompatible(why) => {
            format!("TLS: no protocol version or cipher suite in common with the server ({why:?})")
        }
        other => format!("TLS: {other}"),
    }
}

/// webpki presents names as `DnsName("fs.contoso.com")` / `IpAddress(10.0.0.1)`: keep the name.
fn plain_name(presented: &str) -> &str {
    presented
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .map_or(presented, |inner| inner.trim_matches('"'))
}

fn host_only(authority: &str) -> &str {
    match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !host.ends_with(':') => {
            host
        }
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stands in for hyper-util's connect error, which we cannot construct.
    #[derive(Debug)]
    struct Wrapper(&'static str, io::Error);

    impl fmt::Display for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.1)
        }
    }

    fn ctx() -> Context<'static> {
        Context {
            authority: "fs.contoso.com:443",
            connect_timeout: Duration::from_secs(10),
            system_roots: true,
            proxy: None,
        }
    }

    #[test]
    fn dns_failures_name_the_host() {
        let err = Wrapper(
            "dns error",
            io::Error::other("failed to lookup address information: Name or service not known"),
        );
        let (kind, message) = classify(&err, Flags::default(), &ctx());
        assert_eq!(kind, FetchErrorKind::Dns);
        assert_eq!(
            message,
            "DNS lookup of fs.contoso.com failed (failed to lookup address information: Name or service not known)"
        );
    }

    #[test]
    fn tls_errors_inside_io_errors_are_found() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let err = Wrapper(
            "client error (Connect)",
            io::Error::new(io::ErrorKind::InvalidData, tls),
        );
        let (kind, message) = classify(
            &err,
            Flags::default(),
            &Context {
                system_roots: false,
                ..ctx()
            },
        );
        assert_eq!(kind, FetchErrorKind::Tls);
        assert!(
            message.starts_with(
                "TLS: the server's certificate is not trusted (unknown CA); set ca_file"
            ),
            "{message}"
        );
        assert!(
            message.ends_with(
                "(the system trust store is empty: install ca-certificates or set SSL_CERT_FILE)"
            ),
            "{message}"
        );
    }

    #[test]
    fn connect_timeouts_say_which_limit() {
        let err = Wrapper(
            "client error (Connect)",
            io::Error::other("operation timed out"),
        );
        let flags = Flags {
            is_timeout: true,
            is_connect: true,
            is_dns: false,
        };
        assert_eq!(
            classify(&err, flags, &ctx()),
            (
                FetchErrorKind::Timeout,
                "could not connect to fs.contoso.com:443 within 10 s (connect_timeout)".into()
            )
        );
    }

    #[test]
    fn a_refused_proxy_is_named_instead_of_the_idp() {
        let err = Wrapper(
            "client error (Connect)",
            io::Error::from(io::ErrorKind::ConnectionRefused),
        );
        let ctx = Context {
            proxy: Some("proxy.corp:3128"),
            ..ctx()
        };
        assert_eq!(
            classify(&err, Flags::default(), &ctx),
            (
                FetchErrorKind::Connect,
                "connection refused by the proxy proxy.corp:3128 (set by HTTPS_PROXY / HTTP_PROXY / ALL_PROXY: fix the proxy, or list the IdP host in NO_PROXY)".into()
            )
        );
    }

    #[test]
    fn chain_text_skips_repeats() {
        let err = Wrapper(
            "reading failed: broken pipe",
            io::Error::other("broken pipe"),
        );
        assert_eq!(chain_text(&err), "reading failed: broken pipe");
        assert_eq!(host_only("[::1]:8443"), "[::1]");
        assert_eq!(plain_name("DnsName(\"fs.contoso.com\")"), "fs.contoso.com");
        assert_eq!(plain_name("IpAddress(10.0.0.1)"), "10.0.0.1");
        assert_eq!(plain_name("fs.contoso.com"), "fs.contoso.com");
    }
}
