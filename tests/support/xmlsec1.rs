//! `xmlsec1 --verify`, the reference for signature verification (Debian: `apt-get install
//! xmlsec1`), run with the document's own certificate as the only key.

use std::path::Path;

/// Whether `xmlsec1 --verify` accepts the root's signature of the file at `path`, with:
/// - `--insecure`: the certificate in `KeyInfo` is used without building a chain to a trusted
///   root (fedcert judges the signer separately, by its thumbprint);
/// - `--enabled-key-data x509`: the key comes only from an `X509Data` certificate, never a
///   `KeyValue`, `KeyName` or `RetrievalMethod`;
/// - `--enabled-reference-uris empty,same-doc`: no external references;
/// - `--id-attr:ID` on both metadata roots: `URI="#…"` resolves to an `ID` attribute of an
///   `EntityDescriptor` / `EntitiesDescriptor` (xmlsec1 knows no ID attributes otherwise);
/// - `--node-xpath`: the root's own signature, not the first `ds:Signature` in document order
///   (in an aggregate, that could be an entity's).
///
/// `None` when xmlsec1 is not installed; panics then if `FEDCERT_REQUIRE_XMLSEC1` is set
/// (`.ci/run` sets it).
pub fn verifies(path: &Path) -> Option<bool> {
    const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
    let output = std::process::Command::new("xmlsec1")
        .args(["--verify", "--insecure", "--enabled-key-data", "x509"])
        .args(["--enabled-reference-uris", "empty,same-doc"])
        .args(["--id-attr:ID", &format!("{MD}:EntityDescriptor")])
        .args(["--id-attr:ID", &format!("{MD}:EntitiesDescriptor")])
        .args([
            "--node-xpath",
            "/*/*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#']",
        ])
        .arg(path)
        .output();
    match output {
        Ok(output) => Some(output.status.success()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("FEDCERT_REQUIRE_XMLSEC1").is_none(),
                "FEDCERT_REQUIRE_XMLSEC1 is set but xmlsec1 is not on PATH"
            );
            eprintln!("xmlsec1 is not installed (apt-get install xmlsec1): not compared");
            None
        }
        Err(e) => panic!("cannot run xmlsec1: {e}"),
    }
}
