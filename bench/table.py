#!/usr/bin/env python3
"""Gathers the figure lines of every benchmark (`NAME: ours=… ref=… ratio=… aim=…`) from stdin,
passes every other line through to stderr, and prints one Markdown table: figure, Lumen, reference,
ratio, aim, with a verdict where the aim is a bound on the ratio or on Lumen's figure."""
import re
import sys

LINE = re.compile(r"^([^:]+): ours=(.*?) ref=(.*?) ratio=(\S+) aim=(.*)$")


def verdict(ours, ratio, aim):
    """'met', 'not met' or '' for an aim such as `>=1.5`, `≥ 0.7`, `<=300ns`, `<= 0.5 s`."""
    match = re.match(r"^\s*(>=|≥|<=|≤)\s*([0-9.]+)\s*(\S*)", aim)
    if not match:
        return ""
    op, bound, unit = match.group(1), float(match.group(2)), match.group(3)
    try:
        value = float(re.match(r"[0-9.eE+-]+", ours).group(0)) if unit else float(ratio)
    except (AttributeError, ValueError):
        return ""
    ok = value >= bound if op in (">=", "≥") else value <= bound
    return "met" if ok else "**not met**"


def main():
    rows = []
    for line in sys.stdin:
        line = line.rstrip("\n")
        match = LINE.match(line)
        if match:
            rows.append(match.groups())
        else:
            print(line, file=sys.stderr)
    print("| figure | Lumen | reference | ratio | aim | |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, ours, ref, ratio, aim in rows:
        print(f"| `{name}` | {ours} | {ref} | {ratio} | {aim} | {verdict(ours, ratio, aim)} |")


if __name__ == "__main__":
    main()
