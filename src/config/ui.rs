//! `[keys]` and `[theme]`: the TUI's keys and colours, read into UI-free types. [`super::keys`]
//! and [`super::theme`] decide what is valid; this module points at the line and column of what
//! they refuse.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::ConfigError;
use super::diagnostic::Origin;
use super::keys::{KEY_SYNTAX, KeyBindings, Rebinding};
use super::raw::RawTheme;
use super::theme::{ThemeConfig, ThemePreset, parse_colour};

type Checked<T> = Result<T, ConfigError>;

/// One `[keys]` entry with where its parts are in the file.
struct Entry {
    rebinding: Rebinding,
    name_span: Range<usize>,
    /// The span of each key string, in order.
    key_spans: Vec<Range<usize>>,
}

pub(super) fn check_keys(
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    origin: &Origin<'_>,
) -> Checked<KeyBindings> {
    // In file order, so that a clash is blamed on the later line.
    let mut pairs: Vec<_> = table.iter().collect();
    pairs.sort_by_key(|(name, _)| name.span().start);
    let entries = pairs
        .into_iter()
        .map(|(name, value)| entry(name, value, origin))
        .collect::<Checked<Vec<Entry>>>()?;
    let rebindings: Vec<Rebinding> = entries.iter().map(|e| e.rebinding.clone()).collect();
    KeyBindings::from_rebindings(&rebindings).map_err(|error| {
        let (index, key) = error.position();
        let entry = &entries[index];
        let span = key
            .and_then(|k| entry.key_spans.get(k))
            .unwrap_or(&entry.name_span);
        origin.error_at(span, format!("[keys] {error}"))
    })
}

fn entry(
    name: &Spanned<String>,
    value: &Spanned<toml::Value>,
    origin: &Origin<'_>,
) -> Checked<Entry> {
    let wrong = || {
        origin.error_at(
            &value.span(),
            format!(
                "[keys] {} must be a key or an array of keys, e.g. {} = \"x\" or [\"x\", \"F5\"]; a key is {KEY_SYNTAX}",
                name.get_ref(),
                name.get_ref()
            ),
        )
    };
    let keys: Vec<String> = match value.get_ref() {
        toml::Value::String(key) => vec![key.clone()],
        toml::Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect::<Checked<_>>()?,
        _ => return Err(wrong()),
    };
    let key_spans = string_spans(origin.text, &value.span(), keys.len());
    Ok(Entry {
        rebinding: Rebinding {
            action: name.get_ref().clone(),
            keys,
        },
        name_span: name.span(),
        key_spans,
    })
}

/// Where each of the first `count` string literals inside `span` starts (toml gives spans for
/// the value, not for an array's items). Falls back to the value's start.
pub(super) fn string_spans(text: &str, span: &Range<usize>, count: usize) -> Vec<Range<usize>> {
    let value = text.get(span.clone()).unwrap_or_default();
    let mut spans = Vec::new();
    let mut chars = value.char_indices();
    while let Some((start, c)) = chars.next() {
        if c == '#' {
            // A comment inside a multi-line array: skip to the end of the line.
            for (_, c) in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            continue;
        }
        if c != '"' && c != '\'' {
            continue;
        }
        let mut escaped = false;
        let mut end = value.len();
        for (i, d) in chars.by_ref() {
            if c == '"' && d == '\\' && !escaped {
                escaped = true;
                continue;
            }
            if d == c && !escaped {
                end = i + 1;
                break;
            }
            escaped = false;
        }
        spans.push(span.start + start..span.start + end);
    }
    while spans.len() < count {
        spans.push(span.clone());
    }
    spans
}

pub(super) fn check_theme(raw: &RawTheme, origin: &Origin<'_>) -> Checked<ThemeConfig> {
    let preset = match &raw.preset {
        None => ThemePreset::Default,
        Some(name) => ThemePreset::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.get_ref().trim()))
            .map(|(_, preset)| *preset)
            .ok_or_else(|| {
                let names: Vec<String> = ThemePreset::NAMES
                    .iter()
                    .map(|(n, _)| format!("{n:?}"))
                    .collect();
                origin.error_at(
                    &name.span(),
                    format!(
                        "[theme] preset = {:?} is not a preset; use {}",
                        name.get_ref(),
                        names.join(" or ")
                    ),
                )
            })?,
    };
    let mut theme = ThemeConfig {
        preset,
        ..ThemeConfig::default()
    };
    let colours = [
        ("critical", &raw.critical, &mut theme.critical),
        ("warning", &raw.warning, &mut theme.warning),
        ("unknown", &raw.unknown, &mut theme.unknown),
        ("ok", &raw.ok, &mut theme.ok),
        ("accent", &raw.accent, &mut theme.accent),
        ("dim", &raw.dim, &mut theme.dim),
    ];
    for (key, value, slot) in colours {
        if let Some(value) = value {
            let colour = parse_colour(value.get_ref())
                .map_err(|why| origin.error_at(&value.span(), format!("[theme] {key}: {why}")))?;
            *slot = Some(colour);
        }
    }
    Ok(theme)
}

#[cfg(test)]
mod tests {
    use super::string_spans;

    #[test]
    fn finds_each_string_of_an_array() {
        let text = r#"x = ["R", 'F5', "\"q"]"#;
        let spans = string_spans(text, &(4..text.len()), 3);
        let found: Vec<&str> = spans.iter().map(|s| &text[s.clone()]).collect();
        assert_eq!(found, [r#""R""#, "'F5'", r#""\"q""#]);
    }
}
