#!/usr/bin/env bash
# Installs what is missing, builds Warden (release) and starts `warden monitor` with the embedded
# default agent definitions. Extra arguments go to `warden monitor` (default: --events).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "quickstart: run as root (sudo $0): Warden loads BPF programs" >&2; exit 1; }
source scripts/setup.sh
swift build -c release --product warden
[ $# -gt 0 ] || set -- --events
exec .build/release/warden monitor "$@"
