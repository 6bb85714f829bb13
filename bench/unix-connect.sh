#!/usr/bin/env bash
# What the broker-socket sensor costs a tool process that connects to local servers, in one run,
# alternating configurations round by round so the machine's drift cancels out. Reports the time
# per connect and ratios against the unmonitored baseline (never absolute pass/fail timings).
#
#   bench/unix-connect.sh [ROUNDS] [OTHER_WARDEN]   (root; builds Warden in release mode first)
#
# A tool process of an agent lineage (python3 under `sh`, run by `warden run`) connects N times
# to an AF_UNIX stream server and closes each connection: a server started outside the agent (as
# nscd, ssh-agent, D-Bus, the X server, dockerd are), then one the agent started itself (its own
# tmux, a test fixture). Configurations: none (the same commands without Warden), audit and
# enforce with this tree's build, and, when OTHER_WARDEN is given (another build, e.g. main's
# release binary), audit and enforce with it, for an A/B in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
other=${2:-}
source bench/lib.sh "unix-connect"
work=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT
n=1000

cat > "$work/server.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(4096)
open(sys.argv[1] + ".ready", "w").close()
while True:
    c, _ = s.accept(); c.close()
EOF
cat > "$work/client.py" <<'EOF'
import socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
for _ in range(n):
    s = socket.socket(socket.AF_UNIX); s.connect(path); s.close()
print("%.3f" % ((time.perf_counter() - start) / n * 1e6))
EOF
# The agent: an outside server's socket is given; its own server it starts itself.
cat > "$work/agent.sh" <<EOF
python3 $work/server.py $work/own.sock & own=\$!
while [ ! -e $work/own.sock.ready ]; do sleep 0.01; done
python3 $work/client.py $work/outside.sock $n > $work/outside.us
python3 $work/client.py $work/own.sock $n > $work/own.us
kill \$own; wait \$own 2>/dev/null; rm -f $work/own.sock $work/own.sock.ready
EOF
python3 "$work/server.py" "$work/outside.sock" & server_pid=$!
while [ ! -e "$work/outside.sock.ready" ]; do sleep 0.01; done

configs="none audit enforce"
[ -n "$other" ] && configs="$configs other-audit other-enforce"
declare -A samples
for round in $(seq 1 "$rounds"); do
  for config in $configs; do
    case $config in
      none) sh "$work/agent.sh" ;;
      audit) "$warden" run --name claude-code -- sh "$work/agent.sh" 2>/dev/null ;;
      enforce) "$warden" run --enforce --name claude-code -- sh "$work/agent.sh" 2>/dev/null ;;
      other-audit) "$other" run --name claude-code -- sh "$work/agent.sh" 2>/dev/null ;;
      other-enforce) "$other" run --enforce --name claude-code -- sh "$work/agent.sh" 2>/dev/null ;;
    esac
    samples[outside_$config]+="$(cat "$work/outside.us") "
    samples[own_$config]+="$(cat "$work/own.us") "
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "unix-connect: $rounds rounds of $n connects per server, µs per connect (median), ratio to none"
for server in outside own; do
  base=$(echo "${samples[${server}_none]}" | median)
  for config in $configs; do
    m=$(echo "${samples[${server}_$config]}" | median)
    printf '  %-8s %-14s %9.2f µs  %6.2fx\n' "$server" "$config" "$m" "$(echo "$m / $base" | bc -l)"
  done
done
