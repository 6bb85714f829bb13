#!/usr/bin/env bash
# Two Warden builds side by side, for a change's cost on processes outside agent lineages, in one
# run: nothing attached, `warden monitor` of build A, of build B, alternated round by round so the
# machine's drift (and other work on it) falls on all three alike. Prints each storm's median over
# the rounds as a ratio to nothing attached, and B against A.
#
#   sudo bench/ab.sh WARDEN_A WARDEN_B [ROUNDS]    (default 5)
#
# Storms (bench/storm.c), run by a process no agent lineage contains: open()/close(), fork+exec,
# one-byte writes to /dev/null, one-byte send+recv over a socketpair.
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 rounds=${3:-5}
work=$(mktemp -d)
monitor_pid=
trap '[ -n "$monitor_pid" ] && kill "$monitor_pid" 2>/dev/null; rm -rf "$work"' EXIT
gcc -O2 -o "$work/storm" bench/storm.c
declare -A n=([open]=200000 [exec]=1000 [write]=400000 [recv]=100000)
storms=(open exec write recv)

start_monitor() {
  "$1" monitor >/dev/null 2>"$work/monitor.err" &
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

declare -A samples
for round in $(seq 1 "$rounds"); do
  for config in none a b; do
    case $config in a) start_monitor "$a" ;; b) start_monitor "$b" ;; esac
    for storm in "${storms[@]}"; do
      samples[${storm}_$config]+="$("$work/storm" "$storm" "${n[$storm]}") "
    done
    [ "$config" != none ] && stop_monitor
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "median of $rounds alternating rounds; A=$a B=$b"
for storm in "${storms[@]}"; do
  none=$(echo "${samples[${storm}_none]}" | median)
  ma=$(echo "${samples[${storm}_a]}" | median)
  mb=$(echo "${samples[${storm}_b]}" | median)
  awk -v s="$storm" -v k="${n[$storm]}" -v z="$none" -v a="$ma" -v b="$mb" 'BEGIN {
    printf "%-6s outside lineages: none %8.1f ns/op   A %.3f   B %.3f   B/A %.3f\n", s, z/k, a/z, b/z, b/a }'
done
