#!/usr/bin/env python3
"""Gathers the figure lines of every benchmark (`NAME: ours=… ref=… ratio=… aim=…`) from stdin,
passes every other line through to stderr, and prints one Markdown table: figure, Lumen, reference,
ratio, aim, with a verdict where the aim is a bound on the ratio or on Lumen's figure."""
import re
import sys

LINE = re.compile(r"^([^:]+): ours=(.*?) ref=(.*?) ratio=(\S+) aim=(.*)$")


def verdict(ours, ratio, aim):
    """'met', 'not met' or '' for an aim such as `>=1.5`, `≥ 0.7`, `<=300 ns` or `≤ 0.5 s, ≥ 10×`:
    a bound with a unit (other than ×) applies to Lumen's figure, one without to the ratio; every
    part of a compound aim must hold."""
    results = []
    for part in aim.split(","):
        match = re.match(r"^\s*(>=|≥|<=|≤)\s*([0-9.]+)\s*(\S*)", part)
        if not match:
            continue
        op, bound, unit = match.group(1), float(match.group(2)), match.group(3)
        on_ratio = unit in ("", "×", "x")
        try:
            value = float(ratio) if on_ratio else float(re.match(r"[0-9.eE+-]+", ours.replace(",", "")).group(0))
        except (AttributeError, ValueError):
            continue
        results.append(value >= bound if op in (">=", "≥") else value <= bound)
    if not results:
        return ""
    return "met" if all(results) else "**not met**"


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
