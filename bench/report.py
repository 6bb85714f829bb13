#!/usr/bin/env python3
"""Turns bench/compare.sh's raw samples into bench/results.md, and copies that into README.md.

    report.py SAMPLES LOST EXTRA ROUNDS OPEN_N EXEC_N MACHINE KERNEL DATE LOAD_MS   -> Markdown on stdout
    report.py --readme RESULTS README                                          -> README updated in place
"""
import re
import statistics
import sys

CONFIGS = [("none", "none"), ("warden-audit", "Warden audit"), ("warden-enforce", "Warden enforce"),
           ("bpftrace", "bpftrace"), ("auditd", "auditd")]
MARK_START, MARK_END = "<!-- bench/results.md start -->", "<!-- bench/results.md end -->"


def table(samples, lost, rounds, open_n, exec_n):
    workloads = [
        ("open_out", f"open()/close() storm outside agent lineages ({open_n:,} opens)", open_n),
        ("open_in", f"open()/close() storm inside an agent lineage ({open_n:,} opens)", open_n),
        ("exec_out", f"fork+exec storm outside agent lineages ({exec_n:,} execs)", exec_n),
        ("exec_in", f"fork+exec storm inside an agent lineage ({exec_n:,} execs)", exec_n),
        ("session", "agent session: C build + tests + Python tests, 9 tool calls", 1),
    ]
    header = "| workload | " + " | ".join(label for _, label in CONFIGS) + " |"
    lines = [header, "|" + " --- |" * (len(CONFIGS) + 1)]
    for key, label, n in workloads:
        base = statistics.median(s["ns"] for s in samples if s["config"] == "none" and s["workload"] == key)
        cells = []
        for config, _ in CONFIGS:
            values = [s["ns"] for s in samples if s["config"] == config and s["workload"] == key]
            if not values:
                cells.append("-")
                continue
            ratio = statistics.median(values) / base
            if config == "none":
                unit = f"{base / n / 1000:.2f} µs/op" if n > 1 else f"{base / 1e9:.2f} s"
                cells.append(f"1.00 ({unit})")
            else:
                cells.append(f"{ratio:.2f} ({(ratio - 1) * 100:+.0f}%)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cpu = ["| monitor CPU over all five workloads, median per round (s) | -"]
    rss = ["| monitor peak RSS | -"]
    for config, _ in CONFIGS[1:]:
        per_round = {}
        peak = 0
        for s in samples:
            if s["config"] == config:
                per_round[s["round"]] = per_round.get(s["round"], 0) + s["ticks"]
                peak = max(peak, s["rss"])
        cpu.append(f"{statistics.median(per_round.values()) / 100:.2f}" if per_round else "-")
        rss.append(f"{peak / 1024:.0f} MiB" if peak else "-")
    drops = ["| events lost, median per round (all five workloads) | -"]
    for config, _ in CONFIGS[1:]:
        values = [count for (c, _), count in lost.items() if c == config]
        drops.append(f"{statistics.median(values):,.0f}" if values else "-")
    lines.append(" | ".join(cpu) + " |")
    lines.append(" | ".join(rss) + " |")
    lines.append(" | ".join(drops) + " |")
    return "\n".join(lines)


def render(argv):
    samples_path, lost_path, extra_path, rounds, open_n, exec_n, machine, kernel, date, load_ms = argv
    samples = []
    counters = {}
    with open(samples_path) as f:
        for line in f:
            config, workload, ns, ticks, rss = line.rstrip("\n").split("\t")
            counters[(config, workload)] = counters.get((config, workload), 0) + 1
            samples.append({"config": config, "workload": workload, "ns": int(ns), "ticks": int(ticks),
                            "rss": int(rss or 0), "round": counters[(config, workload)]})
    lost = {}
    with open(lost_path) as f:
        for line in f:
            config, round_, count = line.rstrip("\n").split("\t")
            lost[(config, round_)] = int(count or 0)
    extra = {}
    with open(extra_path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            extra[key] = value
    loads = sorted(int(x) for x in load_ms.split() if x.isdigit())
    out = [
        "## Performance",
        "",
        f"Measured {date} on {machine}, kernel {kernel}, by `sudo bench/compare.sh {rounds}` "
        f"({rounds} alternating rounds; each cell is the median over rounds, as a ratio to the unmonitored "
        "baseline of the same run, lower is better). bpftrace follows the agent's tree in a map and prints "
        "its execs and opens; auditd logs execve and open-family syscalls host-wide (audit rules cannot "
        "follow a tree). Warden exports every event as JSON Lines.",
        "",
        table(samples, lost, int(rounds), int(open_n), int(exec_n)),
        "",
        "Warden's own figures (same run):",
        "",
        f"- open storm inside a lineage at full speed (the delivery knee): `{extra.get('knee_open', '-')}`",
        f"- 5,000 exec/s requested inside a lineage for 5 s, audit: `{extra.get('paced_warden-audit', '-')}`",
        f"- the same, enforce: `{extra.get('paced_warden-enforce', '-')}`",
        f"- enforce-mode holds in that storm: `{extra.get('enforce_summary', '-')}`",
        f"- rule engine, whole default pack, one core (`bench/rules.sh 20`): `{extra.get('rules', '-')}`",
    ]
    if loads:
        out.append(f"- load and attach: median {statistics.median(loads):.0f} ms (min {loads[0]}, max {loads[-1]}, {len(loads)} starts)")
    print("\n".join(out))


def update_readme(results_path, readme_path):
    results = open(results_path).read().strip()
    readme = open(readme_path).read()
    block = f"{MARK_START}\n{results}\n{MARK_END}"
    if MARK_START in readme:
        readme = re.sub(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), lambda _: block, readme, flags=re.S)
    else:
        readme = readme.rstrip("\n") + "\n\n" + block + "\n"
    open(readme_path, "w").write(readme)


if __name__ == "__main__":
    if sys.argv[1] == "--readme":
        update_readme(sys.argv[2], sys.argv[3])
    else:
        render(sys.argv[1:])
