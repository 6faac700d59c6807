#!/usr/bin/env bash
# Check a built fedcert .deb: its files are exactly those of packaging/deb/contents.txt, its
# manual page and completions are the ones the packaged binary generates, and its systemd
# units are the ones in assets/systemd.
#
#   packaging/deb/check.sh target/debian/fedcert_0.1.0-1_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=${1:?usage: packaging/deb/check.sh FILE.deb}

actual=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's#^\./#/#' | sort)
expected=$(grep -v '^#' packaging/deb/contents.txt | grep -v '^$' | sort)
if [ "$actual" != "$expected" ]; then
  echo "$deb: its files differ from packaging/deb/contents.txt (< expected, > in the package):" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
bin="$root/usr/bin/fedcert"
"$bin" --version >/dev/null
same() { # generated output, file in the package, what it is
  if ! cmp -s <(eval "$1") "$2"; then
    echo "$deb: $3 is not what the packaged binary generates ($1)" >&2
    exit 1
  fi
}
generated=$(mktemp -d)
trap 'rm -rf "$root" "$generated"' EXIT
"$bin" man --dir "$generated"
for page in "$generated"/*.1; do
  packaged="$root/usr/share/man/man1/$(basename "$page").gz"
  if ! cmp -s "$page" <(gzip -dc "$packaged"); then
    echo "$deb: ${packaged#"$root"/} is not what the packaged binary generates (fedcert man --dir)" >&2
    exit 1
  fi
done
same '"$bin" completions bash' "$root/usr/share/bash-completion/completions/fedcert" "the bash completion"
same '"$bin" completions zsh' "$root/usr/share/zsh/vendor-completions/_fedcert" "the zsh completion"
same '"$bin" completions fish' "$root/usr/share/fish/vendor_completions.d/fedcert.fish" "the fish completion"
for unit in fedcert.service fedcert-textfile.service fedcert-textfile.timer; do
  cmp -s "assets/systemd/$unit" "$root/usr/lib/systemd/system/$unit" \
    || { echo "$deb: usr/lib/systemd/system/$unit differs from assets/systemd/$unit" >&2; exit 1; }
done
# Installed, not enabled or started: the operator writes /etc/fedcert/config.toml first.
if dpkg-deb -I "$deb" postinst 2>/dev/null | grep -q 'deb-systemd-invoke start'; then
  echo "$deb: its postinst starts a service" >&2
  exit 1
fi
echo "$deb: $(echo "$actual" | wc -l) files, as packaging/deb/contents.txt lists; manual page, completions and units as generated"
