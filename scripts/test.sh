#!/usr/bin/env bash
# The test suite: unit tests and kernel integration tests (root, real kernel). Fails if the
# kernel integration tests did not all run and pass, so a green run always means they ran.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "test: run as root (sudo $0): the kernel integration tests load BPF programs" >&2; exit 1; }
source scripts/setup.sh

bpf/build.sh --check

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== unit tests"
swift test --skip WardenIntegrationTests

echo "== kernel integration tests"
set +e
swift test --filter WardenIntegrationTests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "test: kernel integration tests failed (exit $status)" >&2; exit "$status"; }
passed=$(grep -cE '^✔ Test ".*" (with [0-9]+ test cases )?passed' "$log" || true)
if [ "$passed" -lt 23 ] || grep -qiE 'skipped|✘' "$log"; then
  echo "test: the kernel integration tests did not all run ($passed passed)" >&2
  exit 1
fi
echo "test: $passed kernel integration tests ran and passed on $(uname -r)"
