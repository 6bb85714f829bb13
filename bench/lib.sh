# Shared by the bench scripts: root check, system packages, a release build of Warden.
# Sets $warden to the built binary (absolute path). Usage: source bench/lib.sh NAME
[ "$(id -u)" -eq 0 ] || { echo "$1: run as root (Warden loads BPF programs)" >&2; exit 1; }
source scripts/setup.sh
# WARDEN_BIN: an already built binary (another branch's, or while a debug build holds .build).
if [ -n "${WARDEN_BIN:-}" ]; then
  warden=$(readlink -f "$WARDEN_BIN")
else
  swift build -c release --product warden >/dev/null
  warden=$PWD/.build/release/warden
fi
