//! Configs written as an operator would write them, for tests that run the binary.

use std::fmt::Write as _;

use fedcert::config::DomainConfig;

/// `[settings]` with a short timeout, then one `[[domain]]` table per domain with every key an
/// operator types (name, metadata URL, rollover, server, multiple-domain, Entra thumbprints,
/// `ca_file`, `metadata_signer`, `require_signature`).
pub fn domains(domains: &[DomainConfig]) -> String {
    let mut toml = String::from("[settings]\ntimeout = \"5s\"\n");
    for d in domains {
        toml.push_str(&domain(d));
    }
    toml
}

/// One `[[domain]]` table.
pub fn domain(d: &DomainConfig) -> String {
    let mut toml = format!(
        "\n[[domain]]\nname = {:?}\nmetadata_url = {:?}\n",
        d.name, d.metadata_url
    );
    if let Some(auto) = d.auto_rollover {
        writeln!(toml, "auto_rollover = {auto}").unwrap();
    }
    if let Some(server) = &d.adfs_primary_server {
        writeln!(toml, "adfs_primary_server = {server:?}").unwrap();
    }
    if d.support_multiple_domain {
        writeln!(toml, "support_multiple_domain = true").unwrap();
    }
    if let Some(t) = d.entra_signing_thumbprint {
        writeln!(toml, "entra_signing_thumbprint = \"{t}\"").unwrap();
    }
    if let Some(t) = d.entra_next_signing_thumbprint {
        writeln!(toml, "entra_next_signing_thumbprint = \"{t}\"").unwrap();
    }
    if let Some(path) = &d.ca_file {
        writeln!(toml, "ca_file = {:?}", path.display().to_string()).unwrap();
    }
    match d.metadata_signer.as_slice() {
        [] => {}
        [one] => writeln!(toml, "metadata_signer = \"{one}\"").unwrap(),
        many => {
            let list: Vec<String> = many.iter().map(|s| format!("\"{s}\"")).collect();
            writeln!(toml, "metadata_signer = [{}]", list.join(", ")).unwrap();
        }
    }
    if d.require_signature {
        writeln!(toml, "require_signature = true").unwrap();
    }
    toml
}
