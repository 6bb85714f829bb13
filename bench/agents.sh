#!/usr/bin/env bash
# Many agents on one host (issue #14): N ordinary agent sessions started together, without Warden,
# under `warden monitor` (audit) and under `warden monitor --enforce`, in alternating rounds so the
# machine's drift cancels out. Ratios are against the no-Warden rounds of the same run.
#
#   sudo bench/agents.sh [--shims] [--rounds R] N...      e.g. bench/agents.sh --shims 20 100 200
#
# A session is what an agent does for a small task: 12 tool calls, each `bash -c "..."` as agents
# run them (git status/log/diff/commit in its own repository, grep -r, find, python3 -c, a python3
# script, make, sed -i on a workspace file). The agent is a copy of dash named agent-shell,
# recognised by Warden with --agent-exe, as in bench/compare.sh.
# --shims puts a pyenv-style shim directory first on PATH: its python3 is a bash script that runs
# bash helpers (version lookup, which, hooks) before it execs the real python3, as pyenv's shims do
# on most developer machines: each python3 then costs four bash starts more.
#
# Warden runs at its default settings (alerts on stdout, default ring buffers); WARDEN_FLAGS adds
# flags (e.g. --no-decision-priority), WARDEN_BIN measures another build (bench/lib.sh). Reported
# per N and mode: wall time ratio (median of rounds), records delivered (execs among them) and
# dropped in the kernel by kind, hold time p50/p99/max (enforce), Warden's CPU time and peak RSS.
# The Markdown table goes to stdout (README's Performance section).
set -euo pipefail
cd "$(dirname "$0")/.."
shims=0
rounds=3
counts=()
while [ $# -gt 0 ]; do
  case $1 in
    --shims) shims=1 ;;
    --rounds) rounds=$2; shift ;;
    *) counts+=("$1") ;;
  esac
  shift
done
[ ${#counts[@]} -gt 0 ] || counts=(20 100)
source bench/lib.sh "agents"

work=$(mktemp -d)
monitor_pid=
cleanup() {
  [ -n "$monitor_pid" ] && kill -INT "$monitor_pid" 2>/dev/null && wait "$monitor_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cp /bin/dash "$work/agent-shell"

# The project every session gets its own copy of: a git repository with Python and C-free make.
template=$work/template
mkdir -p "$template/src" "$template/tests"
for i in $(seq 0 19); do
  printf 'def f%d(x):\n    # TODO: handle negative x\n    return x * %d + 1\n' "$i" "$i" > "$template/src/m$i.py"
done
printf 'import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))\nimport unittest, m3\nclass T(unittest.TestCase):\n    def test_f(self):\n        self.assertEqual(m3.f3(2), 7)\nunittest.main(argv=["t"], exit=False, verbosity=0)\n' > "$template/tests/test_m.py"
printf 'all: build/summary.txt\nbuild/summary.txt: $(wildcard src/*.py)\n\tmkdir -p build\n\tcat $^ | wc -l > $@\n\tsort src/m1.py | uniq -c > build/sorted.txt\nclean:\n\trm -rf build\n' > "$template/Makefile"
printf 'name = demo\nversion = 1\n' > "$template/config.ini"
git -C "$template" init -q
git -C "$template" -c user.email=b@example.com -c user.name=bench add -A
git -C "$template" -c user.email=b@example.com -c user.name=bench commit -qm init

# pyenv-style shims: the shim and its helpers are bash scripts, as pyenv's are.
real_python=$(command -v python3)
shim_dir=$work/shims
mkdir -p "$shim_dir/libexec"
cat > "$shim_dir/libexec/pyenv-version-name" <<'EOF'
#!/usr/bin/env bash
set -e
[ -f "${PYENV_VERSION_FILE:-/nonexistent}" ] && read -r v < "$PYENV_VERSION_FILE"
echo "${v:-system}"
EOF
cat > "$shim_dir/libexec/pyenv-which" <<EOF
#!/usr/bin/env bash
set -e
version=\$("$shim_dir/libexec/pyenv-version-name")
[ "\$version" = system ] && echo "$real_python"
EOF
cat > "$shim_dir/libexec/pyenv-hooks" <<'EOF'
#!/usr/bin/env bash
for dir in /usr/local/etc/pyenv.d /etc/pyenv.d; do [ -d "$dir/$1" ] && ls "$dir/$1"; done
exit 0
EOF
cat > "$shim_dir/python3" <<EOF
#!/usr/bin/env bash
set -e
program=\$("$shim_dir/libexec/pyenv-which" python3)
"$shim_dir/libexec/pyenv-hooks" exec >/dev/null
exec "\$program" "\$@"
EOF
chmod +x "$shim_dir/python3" "$shim_dir"/libexec/*
path=$PATH
[ "$shims" = 1 ] && path=$shim_dir:$PATH

# Twelve tool calls, as an agent makes them: one `bash -c` each, from the session's workspace.
session_calls='
bash -c "git status --short >/dev/null"
bash -c "git log --oneline -5 >/dev/null"
bash -c "grep -rn TODO src >/dev/null"
bash -c "find . -name \"*.py\" -newer Makefile >/dev/null; find src -type f | wc -l >/dev/null"
bash -c "python3 -c \"import json, os; print(json.dumps(sorted(os.listdir(\\\"src\\\"))))\" >/dev/null"
bash -c "sed -i \"s/# TODO: handle negative x/# TODO: negative x, session $$/\" src/m3.py && sed -n 1,3p src/m3.py >/dev/null"
bash -c "make -s >/dev/null 2>&1"
bash -c "python3 tests/test_m.py >/dev/null 2>&1"
bash -c "git diff --stat >/dev/null"
bash -c "grep -rln \"def f1\" . >/dev/null; cat config.ini >/dev/null"
bash -c "git add -A && git -c user.email=a@example.com -c user.name=agent commit -qm step >/dev/null 2>&1 || true"
bash -c "make -s clean >/dev/null; ls -la >/dev/null"
'

run_sessions() { # $1 = N; prints wall nanoseconds of all N sessions started together
  local n=$1 start end i pids=()
  rm -rf "$work/ws"; mkdir -p "$work/ws"
  for i in $(seq 1 "$n"); do cp -a "$template" "$work/ws/$i"; done
  sync
  start=$(date +%s%N)
  for i in $(seq 1 "$n"); do
    (cd "$work/ws/$i" && PATH=$path "$work/agent-shell" -c "$session_calls") &
    pids+=($!)
  done
  wait "${pids[@]}"
  end=$(date +%s%N)
  echo $((end - start))
}

start_monitor() { # $1 = audit | enforce
  local flags=()
  [ "$1" = enforce ] && flags=(--enforce)
  : > "$work/monitor.err" # the previous round's "monitoring" must not start this one early
  # shellcheck disable=SC2086 # WARDEN_FLAGS is a list of flags
  "$warden" monitor --agent-exe "$work/agent-shell" "${flags[@]}" ${WARDEN_FLAGS:-} >"$work/alerts.txt" 2>"$work/monitor.err" &
  monitor_pid=$!
  until grep -q monitoring "$work/monitor.err" 2>/dev/null; do
    kill -0 "$monitor_pid" 2>/dev/null || { cat "$work/monitor.err" >&2; exit 1; }
    sleep 0.05
  done
}
stop_monitor() {
  kill -INT "$monitor_pid"
  wait "$monitor_pid" || true
  monitor_pid=
}

samples=$work/samples.tsv
: > "$samples"
for n in "${counts[@]}"; do
  for round in $(seq 1 "$rounds"); do
    for mode in none audit enforce; do
      echo "agents: N=$n round $round/$rounds $mode" >&2
      if [ "$mode" = none ]; then
        printf '%s\t%s\t%s\t%s\t0\t0\t\t\n' "$n" "$round" "$mode" "$(run_sessions "$n")" >> "$samples"
        continue
      fi
      start_monitor "$mode"
      ns=$(run_sessions "$n")
      sleep 0.5 # let the reader catch up before the exit summary
      cpu=$(awk '{print $14 + $15}' "/proc/$monitor_pid/stat")
      rss=$(awk '/VmHWM/ {print $2}' "/proc/$monitor_pid/status")
      stop_monitor
      summary=$(grep '^warden: [0-9]* events' "$work/monitor.err" | tail -1)
      enforce=$(grep '^warden: enforce' "$work/monitor.err" | tail -1 || true)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$round" "$mode" "$ns" "$cpu" "$rss" "$summary" "$enforce" >> "$samples"
    done
  done
done

cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
python3 bench/agents_report.py "$samples" "$shims" "$(nproc) x ${cpu_model:-unknown CPU}" "$(uname -r)" "$(getconf CLK_TCK)"
