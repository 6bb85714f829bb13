#!/usr/bin/env bash
# Rule engine throughput: records a realistic agent session (builds, tests, git, searches, a few
# attack shapes) with `warden run --output`, repeats it to COPIES x its size, and replays it
# through the whole default pack on one core with `warden replay --benchmark` (lineage,
# provenance and rule evaluation timed; JSON parsing and output not).
#
#   bench/rules.sh [COPIES]        (root; builds Warden in release mode first)
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-100}
source bench/lib.sh "rules bench"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q repo
printf 'check:\n\tpython3 -c "print(1)"\n\tcc --version >/dev/null\n' > Makefile
printf 'print(2)\n' > t.py
session='for i in 1 2 3 4 5; do
  bash -c "source /dev/null && eval \"ls -la >/dev/null\" < /dev/null && pwd -P >| /tmp/claude-bench-cwd"
  make -s check >/dev/null; python3 t.py >/dev/null; grep -rn TODO . >/dev/null || true
  (cd repo && git status --short >/dev/null && git log --oneline -1 >/dev/null 2>&1 || true)
  find . -name "*.py" >/dev/null; cat /etc/hostname >/dev/null
  echo dHJ1ZQo= | base64 -d | sh
done'
"$warden" run --output session.jsonl -- bash -c "$session" >/dev/null 2>run.err
tail -1 run.err
for _ in $(seq "$copies"); do cat session.jsonl; done > replay.jsonl
echo "recorded $(wc -l < session.jsonl) events; replaying $(wc -l < replay.jsonl)"
"$warden" replay --benchmark 5 replay.jsonl
rm -f /tmp/claude-bench-cwd
