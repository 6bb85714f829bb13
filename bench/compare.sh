#!/usr/bin/env bash
# Warden side by side with the tools users would pick instead, in one run:
#
#   sudo bench/compare.sh [ROUNDS]     (default 3; installs bpftrace and auditd if missing)
#
# Configurations, alternated round by round so the machine's drift cancels out:
#   none            nothing attached (the baseline every ratio is against)
#   warden-audit    warden monitor, every event exported as JSON Lines
#   warden-enforce  the same with --enforce (every exec in the agent lineage held for the rules)
#   bpftrace        the equivalent tracing: the agent's tree followed through fork/exit in a map,
#                   its execs and openat calls printed to a file
#   auditd          execve/execveat and open/openat/openat2/creat audit rules, logged by auditd
#                   (audit cannot follow a process tree: its rules are host-wide)
# Workloads, each timed by itself (bench/storm.c) or by wall clock (the session):
#   open()/close() and fork+exec storms outside any agent lineage and inside one, and a realistic
#   agent session: a small C project's build and tests and a Python test run, through an
#   agent-shaped wrapper shell (`bash -c "..."` per tool call, as agents do).
# The agent is a copy of dash named agent-shell, recognised by Warden with --agent-exe and by the
# bpftrace script by its comm; the outside workloads run through an identical copy, plain-shell.
#
# Then Warden's own figures: events/s delivered without drops (the knee), exec storm at 5,000/s
# requested inside a lineage, rule engine events/s (replay), CPU and RSS of each monitor,
# load-and-attach time. Writes bench/results.md and updates README.md's Performance section.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
source bench/lib.sh "compare"
repo=$PWD

for package in bpftrace auditd; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || {
    echo "compare: installing $package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  }
done
# bpftrace's syscall tracepoints need tracefs (Warden's tp_btf programs do not).
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

work=$(mktemp -d)
tool_pid=
cleanup() {
  [ -n "$tool_pid" ] && kill "$tool_pid" 2>/dev/null || true
  auditctl -D >/dev/null 2>&1 || true
  pkill -x auditd 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cc=$(command -v gcc || command -v clang)
"$cc" -O2 -o "$work/storm" bench/storm.c
cp /bin/dash "$work/agent-shell"
cp /bin/dash "$work/plain-shell"
storm=$work/storm
open_n=200000
exec_n=1000

# The session's project: ten C files, a Makefile with build and test targets, Python tests.
mkdir -p "$work/project"
for i in $(seq 0 9); do printf 'int f%d(int x) { return x * %d + 1; }\n' "$i" "$i" > "$work/project/f$i.c"; done
printf 'int main(void) { return 0; }\n' > "$work/project/main.c"
printf 'OBJS=$(patsubst %%.c,%%.o,$(wildcard *.c))\nall: app\napp: $(OBJS)\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) -O1 -c $< -o $@\ntest: app\n\t./app && python3 -c "import unittest"\nclean:\n\trm -f *.o app\n' > "$work/project/Makefile"
printf 'import unittest\nclass T(unittest.TestCase):\n    def test_x(self):\n        self.assertEqual(sum(range(10)), 45)\nunittest.main(argv=["t"], exit=False, verbosity=0)\n' > "$work/project/test_x.py"
session_calls='cd '"$work"'/project
for i in 1 2 3; do
  bash -c "make -s clean >/dev/null && make -s CC='"$cc"' all test >/dev/null 2>&1"
  bash -c "python3 test_x.py >/dev/null 2>&1"
  bash -c "grep -rn return . >/dev/null; ls -la >/dev/null; cat Makefile >/dev/null"
done'

# ---------------------------------------------------------------------------- configurations

bpftrace_script=$work/trace.bt
cat > "$bpftrace_script" <<'EOF'
tracepoint:sched:sched_process_exec /comm == "agent-shell"/ { @tracked[pid] = 1; }
tracepoint:sched:sched_process_fork /@tracked[args->parent_pid]/ { @tracked[args->child_pid] = 1; }
tracepoint:sched:sched_process_exit /@tracked[pid]/ { delete(@tracked[pid]); }
tracepoint:sched:sched_process_exec /@tracked[pid]/ { printf("exec %d %s\n", pid, str(args->filename)); }
tracepoint:syscalls:sys_enter_openat /@tracked[pid]/ { printf("open %d %s\n", pid, str(args->filename)); }
EOF

load_ms=()
start_tool() { # $1 = configuration; sets tool_pid (the process whose CPU and RSS are reported)
  case $1 in
    none) tool_pid= ;;
    warden-audit|warden-enforce)
      local flags=()
      [ "$1" = warden-enforce ] && flags=(--enforce)
      "$warden" monitor --agent-exe "$work/agent-shell" --output "$work/events.jsonl" "${flags[@]}" >/dev/null 2>"$work/monitor.err" &
      tool_pid=$!
      until grep -q monitoring "$work/monitor.err" 2>/dev/null; do sleep 0.05; done
      load_ms+=("$(sed -n 's/.*attached in \([0-9]*\) ms.*/\1/p' "$work/monitor.err")")
      ;;
    bpftrace)
      bpftrace "$bpftrace_script" >"$work/bpftrace.out" 2>"$work/bpftrace.err" &
      tool_pid=$!
      until grep -q "Attaching" "$work/bpftrace.err" "$work/bpftrace.out" 2>/dev/null; do sleep 0.05; done
      sleep 1 # "Attaching" is printed before the probes are live
      ;;
    auditd)
      auditd >/dev/null 2>&1 || true
      for _ in $(seq 50); do tool_pid=$(pgrep -x auditd || true); [ -n "$tool_pid" ] && break; sleep 0.1; done
      auditctl -D >/dev/null
      auditctl -a always,exit -F arch=b64 -S execve -S execveat -k warden_bench >/dev/null
      auditctl -a always,exit -F arch=b64 -S open -S openat -S openat2 -S creat -k warden_bench >/dev/null
      auditctl -e 1 >/dev/null
      ;;
  esac
}
stop_tool() {
  case $1 in
    none) ;;
    warden-*) kill -INT "$tool_pid"; wait "$tool_pid" || true ;;
    bpftrace) kill -INT "$tool_pid"; wait "$tool_pid" 2>/dev/null || true ;;
    auditd) auditctl -D >/dev/null; auditctl -e 0 >/dev/null; kill "$tool_pid"; while kill -0 "$tool_pid" 2>/dev/null; do sleep 0.05; done ;;
  esac
  tool_pid=
}
cpu_ticks() { [ -n "$tool_pid" ] && awk '{print $14 + $15}' "/proc/$tool_pid/stat" 2>/dev/null || echo 0; }
peak_rss_kib() { [ -n "$tool_pid" ] && awk '/VmHWM/ {print $2}' "/proc/$tool_pid/status" 2>/dev/null || echo 0; }

run_workload() { # prints nanoseconds
  case $1 in
    open_out) "$work/plain-shell" -c "$storm open $open_n" ;;
    open_in) "$work/agent-shell" -c "$storm open $open_n" ;;
    exec_out) "$work/plain-shell" -c "$storm exec $exec_n" ;;
    exec_in) "$work/agent-shell" -c "$storm exec $exec_n" ;;
    session)
      local start end
      start=$(date +%s%N)
      "$work/agent-shell" -c "$session_calls"
      end=$(date +%s%N)
      echo $((end - start)) ;;
  esac
}

configs=(none warden-audit warden-enforce bpftrace auditd)
workloads=(open_out open_in exec_out exec_in session)
samples=$work/samples.tsv
: > "$samples"
: > "$work/lost.tsv"
pkill -x auditd 2>/dev/null || true
for round in $(seq 1 "$rounds"); do
  for config in "${configs[@]}"; do
    echo "compare: round $round/$rounds, $config" >&2
    audit_lost_before=$(auditctl -s 2>/dev/null | awk '/^lost/ {print $2}')
    start_tool "$config"
    for workload in "${workloads[@]}"; do
      before=$(cpu_ticks)
      ns=$(run_workload "$workload")
      after=$(cpu_ticks)
      printf '%s\t%s\t%s\t%s\t%s\n' "$config" "$workload" "$ns" "$((after - before))" "$(peak_rss_kib)" >> "$samples"
    done
    stop_tool "$config"
    # Events each tool lost in this round: Warden's kernel drops, bpftrace's lost perf events,
    # the kernel audit "lost" counter.
    case $config in
      warden-*) lost=$(sed -n 's/.*; \([0-9]*\) dropped in the kernel.*/\1/p' "$work/monitor.err" | tail -1) ;;
      bpftrace) lost=$(grep -ho 'Lost [0-9]* events' "$work/bpftrace.out" "$work/bpftrace.err" 2>/dev/null | awk '{s += $2} END {print s + 0}' || true) ;;
      auditd) lost=$(( $(auditctl -s | awk '/^lost/ {print $2}') - audit_lost_before )) ;;
      *) lost=0 ;;
    esac
    printf '%s\t%s\t%s\n' "$config" "$round" "${lost:-0}" >> "$work/lost.tsv"
  done
done

# ---------------------------------------------------------------------------- Warden's own figures

extra=$work/extra.txt
: > "$extra"
summary_of() { grep '^warden: [0-9]* events' "$work/monitor.err" | tail -1; }
# The knee: an open storm inside the lineage at full speed, every event exported as JSON.
start_tool warden-audit
"$work/agent-shell" -c "$storm open 400000" >/dev/null
sleep 1
stop_tool warden-audit
echo "knee_open	$(summary_of)" >> "$extra"
# 5,000 exec/s requested inside the lineage for 5 s, default settings.
for config in warden-audit warden-enforce; do
  start_tool "$config"
  rate=$("$work/agent-shell" -c "$storm paced 5000 5 2>&1 >/dev/null")
  sleep 1
  stop_tool "$config"
  echo "paced_$config	$rate; $(summary_of)" >> "$extra"
  [ "$config" = warden-enforce ] && echo "enforce_summary	$(grep '^warden: enforce' "$work/monitor.err" | tail -1)" >> "$extra"
done
echo "rules	$(bench/rules.sh 20 | grep 'events/s')" >> "$extra"

cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
python3 bench/report.py "$samples" "$work/lost.tsv" "$extra" "$rounds" "$open_n" "$exec_n" \
  "$(nproc) x ${cpu_model:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)" \
  "$(uname -r)" "$(date -u +%Y-%m-%d)" "${load_ms[*]}" > bench/results.md
python3 bench/report.py --readme bench/results.md README.md
cat bench/results.md
