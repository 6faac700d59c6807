//! `fedcert inspect <URL|FILE|->`: every certificate in a metadata document, or in a PEM / DER
//! certificate file. JSON output streams entity by entity, so a 100 MB aggregate read from a file
//! never sits in memory whole.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

use chrono::{DateTime, Utc};

use super::json::{CertJson, InspectEntity, timestamp};
use super::output::to_stdout;
use super::{
    EXIT_DATA, EXIT_SOFTWARE, EXIT_UNAVAILABLE, Failure, InspectArgs, InspectFormat, Outcome,
};
use crate::cert::{self, CertInfo, Sha1};
use crate::location::Location;
use crate::metadata::signature::{self, SignatureStatus, Verification};
use crate::metadata::{DocumentInfo, Entity, KeyCert};
use crate::source::{FetchErrorKind, FetchOptions, Fetcher};

pub async fn run(args: &InspectArgs, now: DateTime<Utc>) -> Outcome {
    let input = open(&args.source, args.max_body).await?;
    let args = args.clone();
    let source = args.source.clone();
    // The parse blocks on its input (a URL's body arrives as the parse reads it): off the
    // async runtime.
    tokio::task::spawn_blocking(move || inspect(&args, input, now))
        .await
        .unwrap_or_else(|e| {
            Err(Failure::new(
                EXIT_SOFTWARE,
                format!("{source}: inspecting failed inside fedcert: {e}"),
            ))
        })
}

fn inspect(args: &InspectArgs, mut input: Box<dyn BufRead + Send>, now: DateTime<Utc>) -> Outcome {
    let format = if args.json {
        InspectFormat::Json
    } else {
        args.format
    };
    if looks_like_certificate(
        input
            .fill_buf()
            .map_err(|e| read_failure(&args.source, &e))?,
    ) {
        let mut bytes = Vec::new();
        input
            .read_to_end(&mut bytes)
            .map_err(|e| read_failure(&args.source, &e))?;
        return inspect_certificates(&args.source, &bytes, format, now);
    }
    match format {
        InspectFormat::Json => stream_json(&args.source, input),
        InspectFormat::Text => {
            let mut entities = Vec::new();
            let (info, verification) =
                signature::parse_and_verify(input, |entity| entity, |e| entities.push(e))
                    .map_err(|e| Failure::new(EXIT_DATA, format!("{}: {e}", args.source)))?;
            let trusted = document_signers(
                &info,
                entities.first().map(signature::idp_signing_certificates),
            );
            let status = verification.status(&trusted);
            let signature = signature_line(&status, &verification, info.aggregate);
            to_stdout(|out| write_text(out, &args.source, &info, &signature, &entities, now))?;
            Ok(0)
        }
    }
}

/// Every source is streamed, so memory does not grow with the input: a local file, stdin, or
/// a URL's body as it arrives (under `cap`, `--max-body`).
async fn open(source: &str, cap: u64) -> Result<Box<dyn BufRead + Send>, Failure> {
    // The same reading of "URL or path" as the config and the fetcher (`file://` with %20,
    // `file://localhost/…`, plain paths).
    let location = Location::parse(source)
        .map_err(|why| Failure::new(EXIT_DATA, format!("{source}: {why}")))?;
    match location {
        Location::Stdin => Ok(Box::new(BufReader::with_capacity(256 * 1024, io::stdin()))),
        Location::File(path) => {
            let file = File::open(&path).map_err(|e| read_failure(source, &e))?;
            Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
        }
        Location::Http(_) => {
            let fetcher = Fetcher::new(FetchOptions {
                max_body: cap,
                ..FetchOptions::default()
            });
            let streamed = fetcher.stream(source, None).await.map_err(|e| {
                let code = match e.kind() {
                    FetchErrorKind::InvalidLocation | FetchErrorKind::TooLarge => EXIT_DATA,
                    _ => EXIT_UNAVAILABLE,
                };
                Failure::new(code, e.to_string())
            })?;
            Ok(Box::new(streamed.body))
        }
    }
}

fn read_failure(source: &str, e: &io::Error) -> Failure {
    Failure::new(EXIT_DATA, format!("{source}: cannot read: {e}"))
}

/// PEM armour, or DER's SEQUENCE tag, after any BOM and leading whitespace.
fn looks_like_certificate(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    head.starts_with(b"-----BEGIN") || head.first() == Some(&0x30)
}

fn inspect_certificates(
    source: &str,
    bytes: &[u8],
    format: InspectFormat,
    now: DateTime<Utc>,
) -> Outcome {
    let fail = |e: cert::CertError| Failure::new(EXIT_DATA, format!("{source}: {e}"));
    let certs: Vec<CertInfo> = cert::read_certificates(bytes)
        .map_err(fail)?
        .iter()
        .map(|der| cert::analyze(der))
        .collect::<Result<_, _>>()
        .map_err(fail)?;
    to_stdout(|out| match format {
        InspectFormat::Json => {
            let report = serde_json::json!({
                "source": source,
                "signed_by": null,
                "signature": null,
                "entities": [],
                "certificates": certs.iter().map(CertJson::of).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
        InspectFormat::Text => {
            writeln!(out, "{source}: {} certificate(s)", certs.len())?;
            certs
                .iter()
                .try_for_each(|c| write_cert(out, c, None, now, false))
        }
    })?;
    Ok(0)
}

/// `{"source": …, "entities": [ … ], "signed_by": …}` written as the parser goes.
fn stream_json(source: &str, input: Box<dyn BufRead + Send>) -> Outcome {
    let mut outcome = Ok(0);
    to_stdout(|out| {
        write!(
            out,
            "{{\"source\":{},\"entities\":[",
            serde_json::to_string(source)?
        )?;
        let mut first = true;
        let mut write_error: Option<io::Error> = None;
        // The first entity's IdP signing certificates: who may sign a single-entity document.
        let mut first_signers: Option<Vec<Sha1>> = None;
        // Each entity becomes JSON on the thread that analysed it; this thread only writes the
        // bytes, in document order.
        let to_json = |entity: Entity| {
            // About 700 bytes per certificate: sized once rather than grown by doubling.
            let mut json = Vec::with_capacity(256 + 1024 * entity.certificates.len());
            let signers = signature::idp_signing_certificates(&entity);
            (
                serde_json::to_writer(&mut json, &InspectEntity::of(&entity)).map(|()| json),
                signers,
            )
        };
        let parsed = signature::parse_and_verify(input, to_json, |(json, signers)| {
            first_signers.get_or_insert(signers);
            if write_error.is_some() {
                return;
            }
            let result = json.map_err(io::Error::from).and_then(|json| {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(&json)
            });
            write_error = result.err();
        });
        if let Some(e) = write_error {
            return Err(e);
        }
        match parsed {
            Ok((info, verification)) => {
                let signed_by = info
                    .signed_by
                    .as_ref()
                    .and_then(|k| k.sha1)
                    .map(|s| s.to_string());
                let status = verification.status(&document_signers(&info, first_signers.take()));
                writeln!(
                    out,
                    "],\"signed_by\":{},\"signature\":{}}}",
                    serde_json::to_string(&signed_by)?,
                    serde_json::to_string(&status)?
                )
            }
            Err(e) => {
                outcome = Err(Failure::new(EXIT_DATA, format!("{source}: {e}")));
                writeln!(out, "]}}")
            }
        }
    })?;
    outcome
}

/// Who may sign the document when nothing is configured (DESIGN.md §6.4): the IdP signing
/// certificates of a single entity; nobody for an aggregate, which no IdP of its own signs.
fn document_signers(info: &DocumentInfo, first_entity: Option<Vec<Sha1>>) -> Vec<Sha1> {
    if info.aggregate {
        Vec::new()
    } else {
        first_entity.unwrap_or_default()
    }
}

/// `signature: <verdict>: <why>`, one line (the signer's thumbprint is on the line above).
fn signature_line(
    status: &SignatureStatus,
    verification: &Verification,
    aggregate: bool,
) -> String {
    let algorithms = verification.algorithms.map_or_else(String::new, |a| {
        format!(" ({}, {})", a.signature, a.reference_canonicalization)
    });
    let name = status.name();
    match status {
        SignatureStatus::Valid => format!(
            "signature: {name}{algorithms}: by an IdP signing certificate the document publishes"
        ),
        SignatureStatus::Untrusted if aggregate => format!(
            "signature: {name}{algorithms}: verifies, but an aggregate's signer is trusted only when configured"
        ),
        SignatureStatus::Untrusted => format!(
            "signature: {name}{algorithms}: verifies, but the signer is not an IdP signing certificate of this document"
        ),
        SignatureStatus::Invalid(why) => {
            format!("signature: {name}: {why}; do not copy certificates from this document")
        }
        SignatureStatus::Unsigned => format!("signature: {name}"),
        SignatureStatus::Unsupported(why) => format!("signature: {name}: {why}; not verified"),
    }
}

fn write_text(
    out: &mut dyn Write,
    source: &str,
    info: &DocumentInfo,
    signature: &str,
    entities: &[Entity],
    now: DateTime<Utc>,
) -> io::Result<()> {
    let signer = info.signed_by.as_ref().and_then(|k| k.sha1);
    let kind = if info.aggregate {
        "aggregate"
    } else {
        "entity"
    };
    writeln!(
        out,
        "{source}: {kind}, {} entit{}",
        entities.len(),
        if entities.len() == 1 { "y" } else { "ies" }
    )?;
    if let Some(valid_until) = info.valid_until {
        writeln!(out, "valid until {}", timestamp(&valid_until))?;
    }
    match &info.signed_by {
        Some(KeyCert { cert: Ok(c), .. }) => writeln!(out, "signed by {} ({})", c.sha1, c.subject)?,
        Some(KeyCert { cert: Err(e), .. }) => {
            writeln!(out, "signed by an unreadable certificate: {e}")?;
        }
        None => writeln!(out, "not signed")?,
    }
    writeln!(out, "{signature}")?;
    for entity in entities {
        writeln!(out)?;
        writeln!(out, "{}", entity.entity_id)?;
        let roles: Vec<String> = entity
            .roles
            .iter()
            .map(crate::metadata::Role::name)
            .collect();
        if !roles.is_empty() {
            writeln!(out, "  roles: {}", roles.join(", "))?;
        }
        if entity.certificates.is_empty() {
            writeln!(out, "  no certificates")?;
        }
        let entity_signer = entity.signed_by.as_ref().and_then(|k| k.sha1).or(signer);
        for key in &entity.certificates {
            let places: Vec<String> = key.roles.iter().map(crate::metadata::Role::name).collect();
            let chain = if key.chain_position > 0 {
                format!(", chain certificate #{}", key.chain_position)
            } else {
                String::new()
            };
            let label = format!("{:?}", key.key_use).to_lowercase();
            writeln!(out, "  {label} ({}{chain})", places.join(", "))?;
            match &key.cert {
                Ok(c) => write_cert(out, c, entity_signer, now, true)?,
                Err(e) => writeln!(out, "    unreadable certificate: {e}")?,
            }
        }
    }
    Ok(())
}

fn write_cert(
    out: &mut dyn Write,
    c: &CertInfo,
    signer: Option<cert::Sha1>,
    now: DateTime<Utc>,
    indent: bool,
) -> io::Result<()> {
    let pad = if indent { "    " } else { "  " };
    let state = if now < c.not_before {
        "not yet valid".to_owned()
    } else {
        crate::words::left(c.not_after, now)
    };
    writeln!(out, "{pad}subject   {}", c.subject)?;
    writeln!(
        out,
        "{pad}issuer    {}{}",
        c.issuer,
        if c.self_signed { "  (self-signed)" } else { "" }
    )?;
    writeln!(
        out,
        "{pad}valid     {} → {}  ({state})",
        timestamp(&c.not_before),
        timestamp(&c.not_after)
    )?;
    writeln!(out, "{pad}serial    {}", c.serial)?;
    let bits = c.key_bits.map_or_else(String::new, |b| format!(" {b}"));
    writeln!(
        out,
        "{pad}key       {}{bits}, signed with {}",
        c.key_algorithm, c.signature_algorithm
    )?;
    writeln!(out, "{pad}SHA-1     {}", c.sha1)?;
    writeln!(out, "{pad}SHA-256   {}", c.sha256)?;
    if signer == Some(c.sha1) {
        writeln!(out, "{pad}signed this metadata")?;
    }
    Ok(())
}
