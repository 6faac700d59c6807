//! The README's configuration reference is tested against the schema: every key it lists, in
//! every table it names, is set in the sample config with its optional lines switched on (which
//! `tests/config.rs` parses with the real, `deny_unknown_fields` schema), and every key the
//! sample sets is in the README's table. A key added to one and not the other fails here.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use fedcert::config::SAMPLE;

const README: &str = include_str!("../README.md");

/// `(table, key)` pairs, tables spelt as in TOML: `[settings]`, `[[domain]]`, …
type Keys = BTreeSet<(String, String)>;

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The rows of the table under `## Configuration`; the `[keys]` row ("any action") names the
/// TUI's actions, which `tests/config.rs` checks against the keymap, so it is left out here.
fn readme_keys() -> Keys {
    let section = README.split("\n## Configuration\n").nth(1).unwrap();
    let section = section.split("\n## ").next().unwrap();
    let mut keys = Keys::new();
    for row in section
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("| any action"))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (names, tables) = (cells[1], cells[2]);
        if names.starts_with("any action") {
            continue;
        }
        for table in backticked(tables) {
            for name in backticked(names) {
                keys.insert((table.clone(), name));
            }
        }
    }
    keys
}

/// Every `key = value` the sample sets once its `#key = value` lines are switched on, with the
/// table it stands in.
fn sample_keys() -> Keys {
    let mut keys = Keys::new();
    let mut table = String::new();
    for line in SAMPLE.lines() {
        let line = match line.strip_prefix('#') {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_lowercase() || c == '[') => rest,
            _ => line,
        };
        if line.starts_with('[') {
            line.split('#')
                .next()
                .unwrap()
                .trim()
                .clone_into(&mut table);
        } else if let Some((key, _)) = line.split_once(" = ")
            && !key.is_empty()
            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            && table != "[keys]"
        {
            keys.insert((table.clone(), key.to_owned()));
        }
    }
    keys
}

#[test]
fn the_readme_config_reference_matches_the_sample_and_so_the_schema() {
    let readme = readme_keys();
    let sample = sample_keys();
    assert!(
        readme.len() > 30,
        "the README table was not found: {readme:?}"
    );
    let missing_in_sample: Vec<_> = readme.difference(&sample).collect();
    let missing_in_readme: Vec<_> = sample.difference(&readme).collect();
    assert!(
        missing_in_sample.is_empty() && missing_in_readme.is_empty(),
        "README lists keys the sample does not set: {missing_in_sample:?}\nthe sample sets keys the README does not list: {missing_in_readme:?}"
    );
}

/// Every verdict rule has its row in the README's table under "How fedcert decides".
#[test]
fn the_readme_explains_every_rule() {
    let section = README.split("\n## How fedcert decides\n").nth(1).unwrap();
    for rule in fedcert::assess::Rule::ALL {
        assert!(
            section.contains(&format!("\n| {rule} |")),
            "no README row for {rule}"
        );
    }
}
