//! Turning spans and serde's wording into messages an operator can act on: `file:line:col:`,
//! the key, what it allows, and the closest valid key for a typo.

use std::ops::Range;

use super::ConfigError;
use crate::location::ACCEPTED;
use crate::units::{BYTE_SIZE_HELP, DURATION_HELP};

/// Where in the file, for errors.
#[derive(Clone, Copy, Debug)]
pub(super) struct Origin<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl Origin<'_> {
    /// An error at byte offset `at`.
    pub fn error(&self, at: usize, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.line_column(at);
        ConfigError::Invalid {
            path: self.name.to_owned(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An error at the start of `span`.
    pub fn error_at(&self, span: &Range<usize>, message: impl Into<String>) -> ConfigError {
        self.error(span.start, message)
    }

    /// 1-based line and column (in characters) of byte offset `at`.
    pub fn line_column(&self, at: usize) -> (usize, usize) {
        let at = floor_char_boundary(self.text, at);
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn line_at(&self, at: usize) -> &str {
        let at = floor_char_boundary(self.text, at);
        let start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i);
        &self.text[start..end]
    }

    /// The table header (`[settings]`, `[[domain]]`) in force at `at`, if any.
    fn table_at(&self, at: usize) -> Option<String> {
        let at = floor_char_boundary(self.text, at);
        let line_end = self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i);
        self.text[..line_end]
            .lines()
            .rev()
            .map(str::trim_start)
            .find(|line| line.starts_with('['))
            .map(|line| {
                let end = line.rfind(']').map_or(line.len(), |i| i + 1);
                line[..end].to_owned()
            })
    }

    /// The key of the `key = value` line holding `at`, if the line has that shape, or the
    /// name of the `[table]` whose header holds `at`.
    fn key_at(&self, at: usize) -> Option<String> {
        let line = self.line_at(at).trim();
        if line.starts_with('[') {
            let name = line.trim_start_matches('[').split(']').next()?.trim();
            return Some(name.to_owned());
        }
        let (key, _) = line.split_once('=')?;
        let key = key.trim().trim_matches(['"', '\'']);
        let bare = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        bare.then(|| key.to_owned())
    }

    /// Rewrite a TOML / serde error into our wording.
    pub fn toml_error(&self, err: &toml::de::Error) -> ConfigError {
        let at = err.span().map_or(0, |span| span.start);
        let message = one_line(err.message());
        let rewritten = if let Some(rest) = message.strip_prefix("unknown field ") {
            self.unknown_key(at, rest)
        } else if let Some(rest) = message.strip_prefix("missing field ") {
            let key = backticked(rest).first().copied().unwrap_or_default();
            let table = self.table_at(at).unwrap_or_else(|| "the file".into());
            format!(
                "{table} is missing the required key `{key}` ({})",
                allowed(key)
            )
        } else if let Some(rest) = message.strip_prefix("invalid type: ") {
            self.wrong_type(at, rest)
        } else if message == "duplicate key"
            && let Some(key) = self.key_at(at)
        {
            format!(
                "duplicate key `{key}` {}: each key may appear once per table",
                self.scope(at)
            )
        } else {
            format!("invalid TOML: {message}")
        };
        self.error(at, rewritten)
    }

    /// `in [settings]`, `in [[domain]]` or `at the top level`.
    fn scope(&self, at: usize) -> String {
        self.table_at(at)
            .map_or_else(|| "at the top level".into(), |table| format!("in {table}"))
    }

    /// `rest` is serde's ``"`x`, expected one of `a`, `b`"``.
    fn unknown_key(&self, at: usize, rest: &str) -> String {
        let names = backticked(rest);
        let Some((&unknown, valid)) = names.split_first() else {
            return format!("unknown key {rest}");
        };
        if unknown == "client_secret" {
            return client_secret_refusal();
        }
        let header_line = self.line_at(at).trim_start().starts_with('[');
        let (what, quote): (String, fn(&str) -> String) = if header_line {
            (format!("unknown table [{unknown}]"), |k| format!("[{k}]"))
        } else {
            (format!("unknown key `{unknown}` {}", self.scope(at)), |k| {
                format!("`{k}`")
            })
        };
        // `client_secret` is a known key only so that it can be refused: never suggest it, and
        // answer a near miss with where the secret goes instead.
        if valid.contains(&"client_secret") && closest(unknown, &["client_secret"]).is_some() {
            return format!(
                "{what}; a secret never goes in the config file: put it in an environment variable and name it with client_secret_env = \"FEDCERT_CLIENT_SECRET\""
            );
        }
        let valid: Vec<&str> = valid
            .iter()
            .copied()
            .filter(|k| *k != "client_secret")
            .collect();
        match closest(unknown, &valid) {
            Some(best) => format!("{what}; did you mean {}?", quote(best)),
            None => format!("{what}; allowed: {}", valid.join(", ")),
        }
    }

    /// `rest` is serde's `string "16", expected i64`.
    fn wrong_type(&self, at: usize, rest: &str) -> String {
        let found = rest
            .split_once(", expected ")
            .map_or(rest, |(found, _)| found);
        let found = match found {
            "map" => "a table".to_owned(),
            "sequence" => "an array".to_owned(),
            other => other.replace('`', ""),
        };
        match self.key_at(at) {
            Some(key) if key == "domain" => format!(
                "`domain` must be an array of tables: write [[domain]] (double brackets) for each domain; found {found}"
            ),
            Some(key)
                if key == "tenant"
                    && self.table_at(at).is_none_or(|t| !t.starts_with("[[domain")) =>
            {
                format!(
                    "`tenant` must be an array of tables: write [[tenant]] (double brackets) for each tenant; found {found}"
                )
            }
            Some(key) => format!("`{key}` must be {}; found {found}", allowed(&key)),
            None => format!("wrong type {}: {rest}", self.scope(at)),
        }
    }
}

/// What `key` accepts, in words.
pub(super) fn allowed(key: &str) -> String {
    match key {
        "refresh" => format!("{DURATION_HELP}, at least 1 minute"),
        "timeout" | "connect_timeout" => format!("{DURATION_HELP}, above zero"),
        "max_body" => BYTE_SIZE_HELP.into(),
        "concurrency" => "a whole number from 1 to 256".into(),
        k if k.ends_with("_days") => format!("a whole number of days from 0 to {MAX_DAYS}"),
        "metadata_url" => format!("a string: {ACCEPTED}"),
        "auto_rollover" | "support_multiple_domain" | "require_signature" => {
            "true or false".into()
        }
        "metadata_signer" => {
            "a SHA-1 thumbprint (40 hex digits; colons and spaces are allowed) or an array of them: the certificates trusted to sign the metadata".into()
        }
        "entra_signing_thumbprint" | "entra_next_signing_thumbprint" => {
            "a SHA-1 thumbprint: 40 hex digits (colons and spaces are allowed)".into()
        }
        "authority" | "graph" => "an https:// (or, for tests, http://) URL".into(),
        "client_secret_env" => "the name of an environment variable (letters, digits and _)".into(),
        "name" => "a string: the federated domain, e.g. \"contoso.com\"".into(),
        "entity_id" => "a string: the entityID of this IdP inside an aggregate".into(),
        "tenant_id" => "a string: the tenant ID (a GUID) or its .onmicrosoft.com name".into(),
        "client_id" => "a string: the application (client) ID, a GUID".into(),
        "auth" => "\"device\" (you sign in: fedcert login), \"secret\" or \"certificate\" (an app registration)".into(),
        "tenant" => "a string: the name of a [[tenant]] table (or [entra]'s tenant_id)".into(),
        "ca_file" | "client_certificate" | "client_key" => "a string: a file path (PEM)".into(),
        "settings" | "entra" | "keys" | "theme" => format!("a table: [{key}]"),
        "domain" => "an array of tables: [[domain]]".into(),
        _ => "a string".into(),
    }
}

/// The upper bound for any `*_days` threshold (ten years).
pub(super) const MAX_DAYS: i64 = 3650;

pub(super) fn client_secret_refusal() -> String {
    "`client_secret` is not allowed in the config file: put the secret in an environment variable and name it with client_secret_env = \"FEDCERT_CLIENT_SECRET\"".into()
}

/// The valid name closest to a typo, if it is close enough to be what was meant.
fn closest<'a>(unknown: &str, valid: &[&'a str]) -> Option<&'a str> {
    let normalized = unknown.to_ascii_lowercase().replace('-', "_");
    valid
        .iter()
        .map(|&candidate| (strsim::levenshtein(&normalized, candidate), candidate))
        .filter(|&(distance, candidate)| {
            distance <= (normalized.len() / 3).max(2)
                || (normalized.len() >= 4 && candidate.contains(normalized.as_str()))
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// The `` `quoted` `` words of serde's messages, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_key() {
        let valid = [
            "name",
            "metadata_url",
            "entity_id",
            "ca_file",
            "entra_signing_thumbprint",
        ];
        assert_eq!(closest("metadata_ur", &valid), Some("metadata_url"));
        assert_eq!(closest("Metadata-URL", &valid), Some("metadata_url"));
        assert_eq!(
            closest("thumbprint", &valid),
            Some("entra_signing_thumbprint")
        );
        assert_eq!(closest("colour", &valid), None);
    }

    #[test]
    fn positions_are_one_based_in_characters() {
        let origin = Origin {
            name: "f",
            text: "a = 1\nb = \"é\" x\n",
        };
        assert_eq!(origin.line_column(0), (1, 1));
        assert_eq!(origin.line_column(6), (2, 1));
        // The byte after the two-byte é is the fourth character after `b = "`.
        assert_eq!(origin.line_column(13), (2, 7));
    }
}
