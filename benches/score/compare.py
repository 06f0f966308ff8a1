#!/usr/bin/env python3
"""Compares Spectral's and specdoc's findings written by compare.sh into OUT.

Prints a Markdown table per shared rule id (rules whose origin is Spectral in specdoc's
catalogue): findings from each tool summed over all specs, how many sit at the same JSON pointer,
and the specs where the counts differ. Also lists Spectral rules specdoc has no rule for.
Usage: compare.py OUT
"""
import collections
import json
import pathlib
import sys


def pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def main(out):
    out = pathlib.Path(out)
    ours = {}
    for line in (out / "rules.tsv").read_text().splitlines():
        rule_id, origin, _ = line.split("\t")
        ours[rule_id] = origin
    shared = sorted(r for r, o in ours.items() if o == "Spectral")
    totals = {r: [0, 0, 0] for r in shared}  # specdoc, spectral, same pointer
    differing = collections.defaultdict(list)
    unmatched = collections.Counter()
    for line in (out / "specs.txt").read_text().splitlines():
        name = line.split(" ", 1)[0]
        try:
            theirs = json.loads((out / "spectral" / f"{name}.json").read_text() or "[]")
        except (OSError, json.JSONDecodeError):
            print(f"spectral produced no JSON for {name}", file=sys.stderr)
            continue
        mine = json.loads((out / "specdoc" / f"{name}.json").read_text())["findings"]
        a = collections.defaultdict(collections.Counter)
        b = collections.defaultdict(collections.Counter)
        for f in mine:
            a[f["rule"]][f["pointer"]] += 1
        for f in theirs:
            if f["code"] in totals:
                b[f["code"]][pointer(f["path"])] += 1
            else:
                unmatched[f["code"]] += 1
        for r in shared:
            na, nb = sum(a[r].values()), sum(b[r].values())
            same = sum((a[r] & b[r]).values())
            totals[r][0] += na
            totals[r][1] += nb
            totals[r][2] += same
            if na != nb:
                differing[r].append(f"{name} {na}/{nb}")
    print("| Rule | specdoc | Spectral | same pointer | specs where counts differ (specdoc/Spectral) |")
    print("| --- | ---: | ---: | ---: | --- |")
    for r in shared:
        n_a, n_b, same = totals[r]
        where = ", ".join(differing[r][:6]) + (" ..." if len(differing[r]) > 6 else "")
        print(f"| `{r}` | {n_a} | {n_b} | {same} | {where} |")
    agree = sum(1 for r in shared if totals[r][0] == totals[r][1])
    print(f"\n{agree} of {len(shared)} shared rules have equal counts over all specs.")
    if unmatched:
        print("\nSpectral rules specdoc has no rule for: " + ", ".join(
            f"`{c}` {n}" for c, n in sorted(unmatched.items())))


if __name__ == "__main__":
    main(sys.argv[1])
