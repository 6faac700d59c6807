#!/usr/bin/env python3
"""Check that two `inspect --json` outputs (fedcert's and the reference script's) state the
same facts for every certificate of every entity, in order.

    python3 bench/compare.py fedcert.json reference.json

Exits 1 and names the first disagreements when they differ.
"""

import json
import sys

FIELDS = ("sha1", "sha256", "not_before", "not_after", "serial", "key_algorithm", "key_bits",
          "self_signed", "subject", "issuer", "use", "descriptors", "chain_position")


def main():
    with open(sys.argv[1]) as f:
        ours = json.load(f)["entities"]
    with open(sys.argv[2]) as f:
        theirs = json.load(f)["entities"]
    problems = []
    if len(ours) != len(theirs):
        problems.append(f"{len(ours)} entities vs {len(theirs)}")
    certificates = 0
    for a, b in zip(ours, theirs):
        if a["entity_id"] != b["entity_id"]:
            problems.append(f"entity {a['entity_id']!r} vs {b['entity_id']!r}")
            continue
        if len(a["certificates"]) != len(b["certificates"]):
            problems.append(f"{a['entity_id']}: {len(a['certificates'])} certificates vs "
                            f"{len(b['certificates'])}")
            continue
        for ca, cb in zip(a["certificates"], b["certificates"]):
            certificates += 1
            for field in FIELDS:
                if ca.get(field) != cb.get(field):
                    problems.append(f"{a['entity_id']}: {field} {ca.get(field)!r} vs "
                                    f"{cb.get(field)!r}")
    if problems:
        print(f"DISAGREE: {len(problems)} difference(s); first ones:", file=sys.stderr)
        for p in problems[:10]:
            print("  " + p, file=sys.stderr)
        sys.exit(1)
    print(f"agree: {len(ours)} entities, {certificates} certificates "
          f"({', '.join(FIELDS)})")


if __name__ == "__main__":
    main()
