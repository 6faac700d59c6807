#!/usr/bin/env bash
# Build the Debian package: the release binary, then what the package ships that is generated
# from it (the manual pages and the bash, zsh and fish completions, so they can never list a
# flag the binary does not have), then `cargo deb` ([package.metadata.deb] in Cargo.toml), and
# check the package's contents against packaging/deb/contents.txt.
#
#   packaging/deb/build.sh            → target/debian/fedcert_<version>-1_<arch>.deb
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "cargo-deb is not installed: cargo install cargo-deb --locked" >&2
  exit 1
fi

cargo build --release --locked
bin=target/release/fedcert
out=target/packaging
rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
"$bin" man --dir "$out/man"
"$bin" completions bash >"$out/completions/fedcert"
"$bin" completions zsh >"$out/completions/_fedcert"
"$bin" completions fish >"$out/completions/fedcert.fish"

rm -f target/debian/fedcert_*.deb
cargo deb --no-build --locked
deb=$(ls target/debian/fedcert_*.deb)
packaging/deb/check.sh "$deb"
