//! What comes before the XML parser: byte-order marks, leading whitespace and a first look at
//! the bytes, so that binary data, UTF-16 and JSON get a clear message instead of a confusing
//! XML syntax error.

use std::io::{BufRead, Chain, Cursor, Read};

use super::MetadataError;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The input, positioned at its first `<`, and how many bytes were skipped to get there (so
/// that error offsets still count from the start of the file).
pub(super) struct Prepared<R> {
    pub reader: Chain<Cursor<Vec<u8>>, R>,
    pub skipped: u64,
}

/// Skip a UTF-8 BOM and leading whitespace; refuse input that cannot be UTF-8 XML.
pub(super) fn prepare<R: BufRead>(mut reader: R) -> Result<Prepared<R>, MetadataError> {
    let mut head = read_head(&mut reader)?;
    refuse_other_encodings(&head)?;
    let mut skipped = 0u64;
    if head.starts_with(UTF8_BOM) {
        head.drain(..UTF8_BOM.len());
        skipped += UTF8_BOM.len() as u64;
    }
    let mut reader = Cursor::new(head).chain(reader);
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| MetadataError::Io(format!("cannot read the document: {e}")))?;
        let Some(&first) = buf.first() else {
            return Err(MetadataError::Empty);
        };
        let blanks = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        reader.consume(blanks);
        skipped += blanks as u64;
        if blanks == 0 {
            return match first {
                b'<' => Ok(Prepared { reader, skipped }),
                other => Err(MetadataError::NotXml(describe_start(other))),
            };
        }
    }
}

/// Up to the first four bytes, enough to recognise a byte-order mark.
fn read_head(reader: &mut impl BufRead) -> Result<Vec<u8>, MetadataError> {
    let mut head = Vec::with_capacity(4);
    while head.len() < 4 {
        let buf = reader
            .fill_buf()
            .map_err(|e| MetadataError::Io(format!("cannot read the document: {e}")))?;
        if buf.is_empty() {
            break;
        }
        let take = buf.len().min(4 - head.len());
        head.extend_from_slice(&buf[..take]);
        reader.consume(take);
    }
    Ok(head)
}

fn refuse_other_encodings(head: &[u8]) -> Result<(), MetadataError> {
    let encoding = match head {
        [0xFF, 0xFE, ..] | [b'<', 0, ..] => "UTF-16 (little-endian)",
        [0xFE, 0xFF, ..] | [0, b'<', ..] => "UTF-16 (big-endian)",
        [0, 0, 0xFE, 0xFF, ..] => "UTF-32",
        _ => return Ok(()),
    };
    Err(MetadataError::NotXml(format!(
        "the document is {encoding}; only UTF-8 is supported (convert it, e.g. `iconv -f UTF-16 -t UTF-8`)"
    )))
}

fn describe_start(first: u8) -> String {
    match first {
        0x1F => {
            "the data looks gzip-compressed (starts with byte 0x1F); decompress it first".into()
        }
        b'{' | b'[' => "the document looks like JSON, not XML".into(),
        b if b.is_ascii_graphic() => {
            format!(
                "the document starts with {:?} instead of '<'",
                char::from(b)
            )
        }
        b => format!("binary data (starts with byte 0x{b:02X}), not an XML document"),
    }
}

/// The five entities XML predefines; anything else would need a DTD, which we refuse.
pub(super) fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

/// Turn a quick-xml error into ours. `offset` is where it happened and `event_start` where
/// the event being read began, both in the original input.
pub(super) fn describe_xml_error(
    err: &quick_xml::Error,
    offset: u64,
    event_start: u64,
    declared_encoding: Option<&str>,
) -> MetadataError {
    use quick_xml::errors::SyntaxError;
    use quick_xml::escape::EscapeError;
    use quick_xml::name::NamespaceError;
    match err {
        quick_xml::Error::Io(e) => MetadataError::Io(format!("cannot read the document: {e}")),
        quick_xml::Error::Syntax(
            SyntaxError::UnclosedPI
            | SyntaxError::UnclosedXmlDecl
            | SyntaxError::UnclosedComment
            | SyntaxError::UnclosedDoctype
            | SyntaxError::UnclosedCData
            | SyntaxError::UnclosedTag
            | SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue,
        ) => MetadataError::Truncated,
        quick_xml::Error::Encoding(e) => MetadataError::NotXml(match declared_encoding {
            Some(name) if !name.eq_ignore_ascii_case("utf-8") => format!(
                "the document declares encoding {name:?} and holds bytes that are not UTF-8 after \
                 byte {event_start}; only UTF-8 is supported (convert it, e.g. `iconv -f {name} -t UTF-8`)"
            ),
            _ => format!(
                "invalid UTF-8 in the text or markup starting at byte {event_start} ({e}); \
                 the document is binary or not UTF-8"
            ),
        }),
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
            MetadataError::EntityReference {
                name: name.clone(),
                offset,
            }
        }
        // quick-xml's own text names its API; say what the document did instead.
        quick_xml::Error::Namespace(NamespaceError::TooManyBindings(limit)) => {
            MetadataError::Malformed {
                offset: event_start,
                message: format!(
                    "more than {limit} namespace declarations in scope (real metadata declares a handful)"
                ),
            }
        }
        other => MetadataError::Malformed {
            offset,
            message: other.to_string(),
        },
    }
}
