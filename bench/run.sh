#!/usr/bin/env bash
# The side-by-side benchmarks of BENCHMARKS.md, end to end with the release binary:
#
#   1. aggregate inspect: `fedcert inspect --json` vs bench/reference_inspect.py (lxml +
#      cryptography) and vs bench/minimal_lxml_reference.py (the same libraries, fewer fields:
#      the stricter anchor) on a generated 40,000-entity aggregate, output to /dev/null; wall
#      time, CPU time, peak RSS (/usr/bin/time); then fedcert's output and the full reference's
#      compared certificate by certificate;
#   2. fleet refresh: `fedcert check` on 1,000 loopback domains vs the same 1,000 URLs fetched
#      by 16 parallel curl processes; then 1,000 and 2,000 domains behind one IdP (one group);
#   3. start-up: `fedcert check` on one file:// domain, and the TUI's first frame (1, 1,000 and
#      10,000 domains, and 10,000 each with a saved certificate history);
#   4. (IDLE=1) the idle TUI's CPU with 10,000 domains;
#   5. fleet memory: peak RSS of `fedcert check` on 1,000 and 10,000 loopback domains, with
#      AD FS documents of 11 KB and of 80 KB.
#
# Usage: bench/run.sh [SECTION...]   (sections 1 2 3 by default; 4 is the idle TUI, also IDLE=1;
#        5 the fleet's memory)
#        RUNS=3 rounds by default (PER_ROUND=4 fedcert runs around each reference run in
#        section 1); PYTHON=python3 must have lxml and cryptography
# Generated files go to target/bench-data (the aggregate is kept between runs; ~130 MB).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
PER_ROUND="${PER_ROUND:-4}"
PYTHON="${PYTHON:-python3}"
DATA="$PWD/target/bench-data"
FEDCERT="$PWD/target/release/fedcert"
mkdir -p "$DATA"
# fedcert's saved state (certificate histories, logs) goes to the bench's own data dir, never
# the user's: runs then start from the same state, and nothing of the bench is left behind.
export FEDCERT_DATA_DIR="${FEDCERT_DATA_DIR:-$DATA/data-dir}"

if ! "$PYTHON" -c 'import lxml, cryptography' 2>/dev/null; then
  echo "$PYTHON lacks lxml / cryptography: pip install lxml cryptography (or set PYTHON=)" >&2
  exit 1
fi

echo "== building (release)"
cargo build --release --quiet
AGGREGATE="$(cargo bench --quiet --bench aggregate -- generate "$DATA/aggregate-40000.xml" 40000 | tail -1)"
SIZE_MB="$("$PYTHON" -c "import os,sys; print(f'{os.path.getsize(sys.argv[1])/1e6:.1f}')" "$AGGREGATE")"

# `timed LABEL CMD...`: one run, stdout to /dev/null; prints "LABEL wall user sys maxrss_kib".
timed() {
  local label="$1"; shift
  /usr/bin/time -f "$label %e %U %S %M" "$@" > /dev/null 2>> "$DATA/time.log"
  tail -1 "$DATA/time.log"
}

SECTIONS=" ${*:-1 2 3} "
[ "${IDLE:-0}" = 1 ] && SECTIONS="$SECTIONS 4 "
want() { [[ "$SECTIONS" == *" $1 "* ]]; }

aggregate() {
echo
echo "== 1. aggregate inspect: $AGGREGATE ($SIZE_MB MB), $RUNS rounds"
echo "   (each round: each reference once, fedcert $PER_ROUND times around each; this machine's"
echo "   speed drifts by up to 2x within a minute, so ratios come from interleaved medians)"
: > "$DATA/time.log"
fedcert_runs() {
  for _ in $(seq "$1"); do timed fedcert "$FEDCERT" inspect --json "$AGGREGATE"; done
}
for _ in $(seq "$RUNS"); do
  fedcert_runs "$((PER_ROUND / 2))"
  timed python "$PYTHON" bench/reference_inspect.py "$AGGREGATE"
  fedcert_runs "$((PER_ROUND - PER_ROUND / 2))"
  fedcert_runs "$((PER_ROUND / 2))"
  timed minimal "$PYTHON" bench/minimal_lxml_reference.py "$AGGREGATE"
  fedcert_runs "$((PER_ROUND - PER_ROUND / 2))"
done | tee "$DATA/aggregate.times"
"$PYTHON" - "$DATA/aggregate.times" "$SIZE_MB" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
size = float(sys.argv[2])
def stats(name):
    r = [list(map(float, x[1:])) for x in rows if x[0] == name]
    wall = [x[0] for x in r]; cpu = [x[1] + x[2] for x in r]; rss = max(x[3] for x in r)
    return min(wall), statistics.median(wall), statistics.median(cpu), rss / 1024
f, p, m = stats("fedcert"), stats("python"), stats("minimal")
for name, s in (("fedcert", f), ("reference", p), ("minimal", m)):
    print(f"{name:9}  best {s[0]:6.2f} s  median {s[1]:6.2f} s  cpu {s[2]:6.2f} s  "
          f"peak RSS {s[3]:5.1f} MiB  {size / s[1]:6.0f} MB/s (median)")
for name, r in (("reference", p), ("minimal", m)):
    print(f"speed-up vs {name}: {r[1] / f[1]:.1f}x (median wall), {r[0] / f[0]:.1f}x "
          f"(best wall), {r[2] / f[2]:.1f}x (CPU time)")
PY
echo "-- correctness: every certificate's facts, fedcert vs reference"
"$FEDCERT" inspect --json "$AGGREGATE" > "$DATA/fedcert.json"
"$PYTHON" bench/reference_inspect.py "$AGGREGATE" > "$DATA/reference.json"
"$PYTHON" bench/compare.py "$DATA/fedcert.json" "$DATA/reference.json"
rm -f "$DATA/fedcert.json" "$DATA/reference.json"
echo "-- memory at twice the size: the same entities twice over, through a pipe"
DOUBLE_MB="$("$PYTHON" -c "import os,sys; print(f'{2 * os.path.getsize(sys.argv[1])/1e6:.1f}')" "$AGGREGATE")"
"$PYTHON" - "$AGGREGATE" <<'PY' | /usr/bin/time -f "fedcert (stdin, $DOUBLE_MB MB) %e s wall, peak RSS %M KiB" "$FEDCERT" inspect --json - > /dev/null
import sys
# The aggregate with its entities written twice: the root's start, every entity, every entity
# again, the root's end; streamed, never held.
data = open(sys.argv[1], "rb").read()
first = data.index(b"<md:EntityDescriptor")
last = data.rindex(b"</md:EntitiesDescriptor>")
out = sys.stdout.buffer
out.write(data[:last]); out.write(data[first:last]); out.write(data[last:])
PY
echo "-- memory over HTTP: the aggregate from a loopback server, read as it arrives"
HTTP_PORT="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$PYTHON" -m http.server --bind 127.0.0.1 --directory "$(dirname "$AGGREGATE")" "$HTTP_PORT" \
  > /dev/null 2>&1 &
HTTP_SERVER=$!
until "$PYTHON" -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])))" "$HTTP_PORT" 2>/dev/null; do :; done
/usr/bin/time -f "fedcert (http, $SIZE_MB MB) %e s wall, peak RSS %M KiB" \
  "$FEDCERT" inspect --json "http://127.0.0.1:$HTTP_PORT/$(basename "$AGGREGATE")" > /dev/null
kill "$HTTP_SERVER"; wait "$HTTP_SERVER" 2>/dev/null || true
}

FLEET="$DATA/fleet"
# `serve_fleet DIR DOMAINS [BYTES]`: a loopback fleet (benches/fleet.rs) writing DIR/fleet.toml,
# serving until this script exits (and with it the writer of the server's standard input).
serve_fleet() {
  local dir="$1" fd; shift
  rm -rf "$dir"; mkdir -p "$dir"
  mkfifo "$dir/ctl"
  cargo bench --quiet --bench fleet -- serve "$dir" "$@" < "$dir/ctl" > "$dir/server.out" &
  exec {fd}> "$dir/ctl"
  until grep -q '^ready' "$dir/server.out" 2>/dev/null; do sleep 0.1; done
}
start_fleet() {
  serve_fleet "$FLEET" 1000
}

fleet() {
echo
echo "== 2. fleet refresh: 1,000 domains over loopback HTTP/1.1, $RUNS runs each, interleaved"
: > "$DATA/time.log"
for _ in $(seq "$RUNS"); do
  timed fedcert "$FEDCERT" check --config "$FLEET/fleet.toml" --now 2026-12-01T09:00:00Z || true
  timed curl sh -c "xargs -P16 -n1 curl -s -o /dev/null < '$FLEET/urls.txt'"
done | tee "$DATA/fleet.times"
"$PYTHON" - "$DATA/fleet.times" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med = lambda n, i: statistics.median(float(x[i]) for x in rows if x[0] == n)
f, c = med("fedcert", 1), med("curl", 1)
print(f"fedcert check {f:.2f} s (cpu {med('fedcert', 2) + med('fedcert', 3):.2f} s), "
      f"16 x curl {c:.2f} s (cpu {med('curl', 2) + med('curl', 3):.2f} s): "
      f"fedcert takes {f / c:.2f}x the curl time (the target is at most 1.5x)")
PY
"$FEDCERT" check --config "$FLEET/fleet.toml" --now 2026-12-01T09:00:00Z | awk '{print $1}' | sort | uniq -c
awk '$1 == "fedcert" {print $5}' "$DATA/fleet.times" | sort -n | tail -1 |
  awk '{printf "peak RSS of the check runs: %.1f MiB at most\n", $1 / 1024}'
echo "-- one farm: 1,000 and 2,000 domains behind one AD FS (one IdP group), $RUNS runs each;"
echo "   each with typed-in Entra thumbprints, one domain's another certificate (rule A2)"
local signing
signing="$("$FEDCERT" inspect --json "$(grep -m1 -o 'http://[^"]*' "$FLEET/fleet.toml")" | "$PYTHON" -c '
import json, sys
doc = json.load(sys.stdin)
print(next(c["sha1"] for c in doc["entities"][0]["certificates"] if c["use"] == "signing"))')"
for domains in 1000 2000; do
  onefarm "$FLEET/fleet.toml" "$FLEET/farm$domains.toml" "$domains" "$signing"
  : > "$DATA/farm.times"
  for _ in $(seq "$RUNS"); do
    timed farm "$FEDCERT" check --config "$FLEET/farm$domains.toml" --now 2026-12-01T09:00:00Z \
      >> "$DATA/farm.times" || true
  done
  "$PYTHON" - "$DATA/farm.times" "$domains" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{int(sys.argv[2]):6,} domains of one IdP: median {statistics.median(float(r[1]) for r in rows):.2f} s, "
      f"peak RSS median {statistics.median(float(r[4]) for r in rows) / 1024:.1f} MiB")
PY
done
}

# `onefarm SOURCE TARGET DOMAINS SHA1`: DOMAINS domains that all read the first URL of SOURCE,
# Entra holding SHA1 for each but the fourth, which holds another certificate.
onefarm() {
  "$PYTHON" - "$1" "$2" "$3" "$4" <<'PY'
import re, sys
url = re.search(r'metadata_url = "([^"]+)"', open(sys.argv[1]).read()).group(1)
out = ['[settings]\nrefresh = "6h"\n']
for i in range(int(sys.argv[3])):
    sha1 = "AB" * 20 if i == 3 else sys.argv[4]
    out.append(f'[[domain]]\nname = "f{i:05}.farm.test"\nmetadata_url = "{url}"\n'
               f'entra_signing_thumbprint = "{sha1}"\n')
open(sys.argv[2], "w").write("\n".join(out))
PY
}

# `fleet10k SOURCE TARGET`: a 10,000-domain config over the URLs of SOURCE (refresh 6h).
fleet10k() {
  "$PYTHON" - "$1" "$2" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
urls = re.findall(r'metadata_url = "([^"]+)"', text)
out = ['[settings]\nrefresh = "6h"\n']
for i in range(10_000):
    out.append(f'[[domain]]\nname = "t{i:05}.fleet.test"\nmetadata_url = "{urls[i % len(urls)]}"\n')
open(sys.argv[2], "w").write("\n".join(out))
PY
}

startup() {
echo
echo "== 3. start-up"
ONE="$DATA/one"
mkdir -p "$ONE"
cp tests/fixtures/metadata/adfs_bom_crlf.xml "$ONE/metadata.xml"
printf '[[domain]]\nname = "one.example"\nmetadata_url = "file://%s/metadata.xml"\n' "$ONE" > "$ONE/config.toml"
"$PYTHON" - "$FEDCERT" "$ONE/config.toml" <<'PY'
import statistics, subprocess, sys, time
runs = []
for _ in range(10):
    started = time.perf_counter()
    subprocess.run([sys.argv[1], "check", "--config", sys.argv[2]], stdout=subprocess.DEVNULL)
    runs.append((time.perf_counter() - started) * 1e3)
print(f"fedcert check, one file:// domain: median {statistics.median(runs):.1f} ms, "
      f"best {min(runs):.1f} ms (10 runs, process start to exit)")
PY
echo "-- TUI first frame, one domain (80x24 pseudo-terminal)"
"$PYTHON" bench/first_frame.py "STATUS" "$FEDCERT" --config "$ONE/config.toml" --log-file "$ONE/tui.log"
echo "-- TUI first frame, the 1,000-domain fleet"
"$PYTHON" bench/first_frame.py "STATUS" "$FEDCERT" --config "$FLEET/fleet.toml" --log-file "$FLEET/tui.log"
echo "-- TUI first frame, 10,000 domains"
fleet10k "$FLEET/fleet.toml" "$FLEET/fleet10k.toml"
"$PYTHON" bench/first_frame.py "STATUS" "$FEDCERT" --config "$FLEET/fleet10k.toml" --log-file "$FLEET/tui10k.log"
echo "-- TUI first frame, 10,000 domains, each with a saved certificate history (a returning operator)"
"$PYTHON" - "$DATA/returning/history" <<'PY'
import os, sys
os.makedirs(sys.argv[1], exist_ok=True)
for i in range(10_000):
    name = f"t{i:05}.fleet.test"
    with open(os.path.join(sys.argv[1], f"{name}.json"), "w") as f:
        f.write('{"format": 1, "domain": "%s", "published": {"65777AB7F0CE4D771B9BBD94896D95C0616FE6F4": '
                '{"first_seen": "2026-12-01T09:00:00Z", "last_seen": "2026-12-07T09:00:00Z"}}, '
                '"trusted": {}}\n' % name)
PY
FEDCERT_DATA_DIR="$DATA/returning" "$PYTHON" bench/first_frame.py "STATUS" "$FEDCERT" --config "$FLEET/fleet10k.toml" --log-file "$FLEET/tui10k.log"
}

idle() {
  echo
  echo "== 4. idle TUI, 10,000 domains (refresh 6h), 30 s once the first refresh of all has settled"
  fleet10k "$FLEET/fleet.toml" "$FLEET/fleet10k.toml"
  "$PYTHON" bench/idle_cpu.py 180 30 "$FEDCERT" --config "$FLEET/fleet10k.toml" --log-file "$FLEET/tui10k.log"
}

memory() {
  echo
  echo "== 5. fleet memory: peak RSS of fedcert check, $((RUNS * 2 + 1)) runs each"
  echo "   (AD FS documents: the fixture's identity-provider roles and claim types offered)"
  for bytes in 11000 80000; do
    for domains in 1000 10000; do
      local dir="$DATA/memory-$bytes-$domains"
      serve_fleet "$dir" "$domains" "$bytes"
      : > "$dir/rss"
      for _ in $(seq "$((RUNS * 2 + 1))"); do
        /usr/bin/time -f "%M %e" "$FEDCERT" check --config "$dir/fleet.toml" \
          --now 2026-12-01T09:00:00Z 2>> "$dir/rss" > /dev/null || true
      done
      "$PYTHON" - "$dir/rss" "$domains" "$bytes" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
rss = sorted(float(r[0]) / 1024 for r in rows)
wall = statistics.median(float(r[1]) for r in rows)
print(f"{int(sys.argv[2]):6,} domains, {int(sys.argv[3]) // 1000:2} KB documents: "
      f"peak RSS median {statistics.median(rss):5.1f} MiB (min {rss[0]:5.1f}, max {rss[-1]:5.1f}), "
      f"median wall {wall:.2f} s")
PY
    done
  done
}

want 1 && aggregate
if want 2 || want 3 || want 4; then start_fleet; fi
want 2 && fleet
want 3 && startup
want 4 && idle
want 5 && memory
exit 0
