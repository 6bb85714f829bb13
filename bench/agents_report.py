#!/usr/bin/env python3
"""The Markdown table of bench/agents.sh from its samples (one line per round and mode).

Columns of a sample: N, round, mode (none|audit|enforce), wall ns, Warden CPU ticks, Warden peak
RSS KiB, Warden's exit summary line, Warden's enforce summary line. Wall times are compared as the
median of each mode's rounds over the median of the no-Warden rounds of the same N and run.
"""
import re
import statistics
import sys
from collections import defaultdict

samples_path, shims, machine, kernel, ticks_per_second = sys.argv[1:6]
ticks_per_second = int(ticks_per_second)

rows = defaultdict(list)
for line in open(samples_path):
    fields = line.rstrip("\n").split("\t")
    n, _round, mode, ns, cpu, rss, summary, enforce = (fields + [""] * 8)[:8]
    rows[(int(n), mode)].append(dict(ns=int(ns), cpu=int(cpu or 0), rss=int(rss or 0), summary=summary, enforce=enforce))


def kinds(text):
    """'exec 3, open 5' -> {'exec': 3, 'open': 5}"""
    return {k: int(v) for k, v in re.findall(r"([a-z_]+) (\d+)", text or "")}


def parse(summary):
    m = re.search(r"warden: (\d+) events(?: \(([^)]*)\))?; (\d+) dropped in the kernel(?: \(([^)]*)\))?", summary)
    if not m:
        return None
    return dict(delivered=int(m.group(1)), by_kind=kinds(m.group(2)), dropped=int(m.group(3)),
                dropped_by_kind=kinds(m.group(4)))


def holds(enforce):
    m = re.search(r"p50 (\d+) us, p99 (\d+) us(?:, max (\d+) us)?", enforce or "")
    return tuple(int(x) if x else None for x in m.groups()) if m else None


def ms(us):
    return "-" if us is None else f"{us / 1000:.1f}"


print(f"N concurrent agent sessions (12 tool calls each{', pyenv-style shims on PATH' if shims == '1' else ''}); "
      f"{machine}, kernel {kernel}; medians of {max(len(v) for v in rows.values())} alternating rounds.\n")
print("| agents | mode | wall vs none | records delivered (execs) | dropped in the kernel, by kind (worst round) | hold p50 / p99 / max ms (worst round) | Warden CPU s | Warden peak RSS MiB |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for n in sorted({n for n, _ in rows}):
    base = statistics.median(s["ns"] for s in rows[(n, "none")])
    print(f"| {n} | none | {base / 1e9:.2f} s | | | | | |")
    for mode in ("audit", "enforce"):
        runs = rows.get((n, mode))
        if not runs:
            continue
        ratio = statistics.median(s["ns"] for s in runs) / base
        parsed = [p for p in (parse(s["summary"]) for s in runs) if p]
        delivered = statistics.median(p["delivered"] for p in parsed) if parsed else 0
        execs = statistics.median(p["by_kind"].get("exec", 0) for p in parsed) if parsed else 0
        dropped = max(parsed, key=lambda p: p["dropped"]) if parsed else None
        drop_text = "0" if not dropped or dropped["dropped"] == 0 else \
            f"{dropped['dropped']:,} ({', '.join(f'{k} {v:,}' for k, v in dropped['dropped_by_kind'].items())})"
        hold = [h for h in (holds(s["enforce"]) for s in runs) if h]
        hold_text = ""
        if hold:
            worst = max(hold, key=lambda h: h[1])
            hold_text = f"{ms(worst[0])} / {ms(worst[1])} / {ms(worst[2])}"
        cpu = statistics.median(s["cpu"] for s in runs) / ticks_per_second
        rss = max(s["rss"] for s in runs) / 1024
        print(f"| {n} | {mode} | ×{ratio:.2f} | {delivered:,.0f} ({execs:,.0f}) | {drop_text} | {hold_text} | {cpu:.1f} | {rss:.0f} |")
