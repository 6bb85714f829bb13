#!/usr/bin/env bash
# The test suite: unit tests and kernel integration tests (root, real kernel). Fails if the
# kernel integration tests did not all run and pass, so a green run always means they ran.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "test: run as root (sudo $0): the kernel integration tests load BPF programs" >&2; exit 1; }
source scripts/setup.sh
scripts/test-venv.sh

bpf/build.sh --check

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs `swift test ARGS...` and prints how many tests ran, from the runners' own summaries rather
# than from per-test lines: Swift Testing ends with
#   ✔ Test run with N tests in M suites passed after X seconds.
# (" with K issues", " with K known issues" or warnings before the final dot when there are some),
# XCTest with "Executed N tests, with F failures (U unexpected) in ...". Fails when the run failed,
# the Swift Testing summary is missing, any issue (known ones included) was recorded, a test was
# skipped or cancelled (the summary counts those as run), or no test ran at all.
run_tests() {
  local label=$1; shift
  set +e
  swift test "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] || { echo "test: $label failed (exit $status)" >&2; exit "$status"; }
  local summary
  summary=$(grep -aE 'Test run with [0-9]+ tests? (in [0-9]+ suites? )?(passed|failed) after ' "$log" | tail -n 1 || true)
  [ -n "$summary" ] || { echo "test: $label: no Swift Testing summary in the output" >&2; exit 1; }
  if ! [[ $summary =~ Test\ run\ with\ ([0-9]+)\ tests?\ (in\ [0-9]+\ suites?\ )?passed\ after\ [0-9.]+\ seconds\.$ ]]; then
    echo "test: $label did not all pass cleanly: $summary" >&2
    exit 1
  fi
  local count=${BASH_REMATCH[1]}
  local skipped
  skipped=$(grep -aE '(Test|Suite) .* (skipped(\.|: ".*")|was cancelled after .*)$' "$log" || true)
  [ -z "$skipped" ] || { echo "test: $label: tests were skipped or cancelled:" >&2; echo "$skipped" >&2; exit 1; }
  # XCTest prints one line per suite, the outermost last.
  local xctest
  xctest=$(grep -aE 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$log" | tail -n 1 || true)
  if [[ $xctest =~ Executed\ ([0-9]+)\ tests?,\ with\ ([0-9]+)\ failures? ]]; then
    [ "${BASH_REMATCH[2]}" -eq 0 ] || { echo "test: $label: XCTest reports failures: $xctest" >&2; exit 1; }
    count=$((count + BASH_REMATCH[1]))
  fi
  [ "$count" -gt 0 ] || { echo "test: $label: no test ran" >&2; exit 1; }
  tests_ran=$count
}

echo "== unit tests"
run_tests "unit tests" --skip WardenIntegrationTests
units=$tests_ran

# The suites run in parallel with one another, each with its own Warden. The scale suite
# measures loss under its own hundred sessions, so it runs alone, after them (beside seventeen
# other suites' monitors and workloads on two cores it would measure those), and against the
# release build users run: the debug build's reader is several times slower, and no claim about
# throughput is made for it.
echo "== kernel integration tests"
run_tests "kernel integration tests" --filter WardenIntegrationTests --skip ScaleIntegrationTests
integration=$tests_ran
echo "== kernel integration tests: many agents at once (alone, release build)"
swift build -c release --product warden
WARDEN_BINARY="$PWD/.build/release/warden" run_tests "scale integration tests" --filter ScaleIntegrationTests
integration=$((integration + tests_ran))
echo "test: $units unit tests and $integration kernel integration tests ran and passed on $(uname -r)"
