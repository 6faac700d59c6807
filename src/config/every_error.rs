//! Every error of a config file in one run, in file order. After an error the key at fault is
//! set aside — its line blanked, or a required key's value replaced by a stand-in, bytes and
//! lines kept in place so that every position holds — and the file is read again, until it
//! reads or nothing more can be set aside. When the fault is not one key's (a missing key, a
//! table that is wrong as a whole), or when setting a key aside only brings up its absence,
//! the whole table is set aside instead: an error is never reported that the file does not
//! have.

use super::ConfigError;

/// At most this many errors are reported (a file this wrong is better fixed from the top).
pub(super) const MOST: usize = 50;

/// Keys whose table cannot do without them: a bad value is replaced, not removed.
const REQUIRED: &[&str] = &["name", "metadata_url", "tenant_id"];

/// `first` and the errors after it in `text`, which `read` validates.
pub(super) fn every_error<T>(
    text: &str,
    path: &str,
    first: ConfigError,
    read: impl Fn(&str) -> Result<T, ConfigError>,
) -> ConfigError {
    // Not TOML at all: past its first syntax error nothing can be read.
    if text.parse::<toml::Table>().is_err() {
        return first;
    }
    let mut errors = vec![first];
    let mut masked = text.to_owned();
    // The key last set aside and its line: an error that only says it is missing now is ours.
    let mut last = aside(&masked, &errors[0]);
    while errors.len() < MOST {
        let Some((next, key, line)) = last.take() else {
            break;
        };
        // Blanking one line of a value written over several lines breaks the file: stop.
        if next.parse::<toml::Table>().is_err() {
            break;
        }
        masked = next;
        match read(&masked) {
            Ok(_) => break,
            Err(error) if errors.contains(&error) => break,
            Err(error)
                if key
                    .as_deref()
                    .is_some_and(|k| caused_by_removing(&error, k)) =>
            {
                // Not in the file: set the key's whole table aside instead.
                last = table_aside(&masked, line).map(|t| (t, None, line));
            }
            Err(error) => {
                last = aside(&masked, &error);
                errors.push(error);
            }
        }
    }
    errors.sort_by_key(|e| e.line().map_or((usize::MAX, 0), |l| (l, e.column())));
    errors.dedup();
    if errors.len() == 1 {
        return errors.remove(0);
    }
    ConfigError::Several {
        path: path.to_owned(),
        more: errors.len() >= MOST,
        errors,
    }
}

/// Whether `error` only comes from setting `key` aside: it says a required key is missing,
/// names the key (as a word: `has no client_id`), or quotes a stand-in (`"p7"`).
fn caused_by_removing(error: &ConfigError, key: &str) -> bool {
    let ConfigError::Invalid { message, .. } = error else {
        return false;
    };
    message.contains("is missing the required key")
        || message.contains("\"p")
            && message.split('"').any(|quoted| {
                quoted.len() > 1
                    && quoted.starts_with('p')
                    && quoted[1..].bytes().all(|b| b.is_ascii_digit())
            })
        || message
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|word| word == key)
}

/// `text` with what `error` faults set aside, the key set aside (if one key was) and the
/// error's line; `None` when nothing can be.
fn aside(text: &str, error: &ConfigError) -> Option<(String, Option<String>, usize)> {
    let ConfigError::Invalid { line, message, .. } = error else {
        return None;
    };
    let lines = line_starts(text);
    let (start, content) = *lines.get(line.checked_sub(1)?)?;
    let trimmed = content.trim();
    let Some(key) = key_of(trimmed) else {
        // A table's header (an unknown table, a missing key): the table goes.
        return table_aside(text, *line).map(|t| (t, None, *line));
    };
    // The error is about this line's key when it is an unknown key, or when it names the key
    // and its value (`refresh = "banana" is …`, `refresh: "banana" is not …`).
    let about_the_key = message.starts_with("unknown key")
        || message.starts_with(&format!("{key} ="))
        || message.starts_with(&format!("{key}:"));
    if !about_the_key {
        return table_aside(text, *line).map(|t| (t, None, *line));
    }
    let set_aside = if REQUIRED.contains(&key) {
        stand_in(text, (start, content), *line).or_else(|| table_aside(text, *line))?
    } else {
        blank(text, &lines[line - 1..*line])
    };
    Some((set_aside, Some(key.to_owned()), *line))
}

/// The key a line sets (`name = …` → `name`); `None` for headers, comments and blank lines.
fn key_of(trimmed: &str) -> Option<&str> {
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('[') {
        return None;
    }
    let key = trimmed.split('=').next()?.trim().trim_matches('"');
    (!key.is_empty()).then_some(key)
}

/// `text` with the table around 1-based `line` blanked, header to the next header.
fn table_aside(text: &str, line: usize) -> Option<String> {
    let lines = line_starts(text);
    let index = line.checked_sub(1)?;
    if index >= lines.len() {
        return None;
    }
    let is_header = |i: usize| lines[i].1.trim().starts_with('[');
    // Keys above the first header belong to no table: only their own line goes.
    let Some(start) = (0..=index).rev().find(|&i| is_header(i)) else {
        return Some(blank(text, &lines[index..=index]));
    };
    let end = (index + 1..lines.len())
        .find(|&i| is_header(i))
        .unwrap_or(lines.len());
    let blanked = blank(text, &lines[start..end]);
    (blanked != text).then_some(blanked)
}

/// `text` with a required key's value on 1-based `line` replaced by a stand-in of the same
/// length (`"p7"`, unique by line, good as a name and as a file path), so that the rest of its
/// table is still read; `None` when the value is too short to hold it.
fn stand_in(text: &str, (start, content): (usize, &str), line: usize) -> Option<String> {
    let equals = content.find('=')?;
    let value = content[equals + 1..].trim_end_matches(['\n', '\r']);
    let stand_in = format!(" \"p{line}\"");
    if value.len() < stand_in.len() {
        return None;
    }
    let at = start + equals + 1;
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..at]);
    out.push_str(&stand_in);
    out.push_str(&" ".repeat(value.len() - stand_in.len()));
    out.push_str(&text[at + value.len()..]);
    Some(out)
}

/// `text` with `lines` blanked: a space for every byte but line ends, so positions and line
/// numbers stay where they were, and a character of several bytes goes whole (the text stays
/// UTF-8).
fn blank(text: &str, lines: &[(usize, &str)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(start, content) in lines {
        for byte in &mut bytes[start..start + content.len()] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

/// Each line with its line end, and where it starts.
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n')
        .map(|line| {
            let start = at;
            at += line.len();
            (start, line)
        })
        .collect()
}
