#!/usr/bin/env bash
# Rebuilds the embedded BPF object from bpf/*.c with the Swift toolchain's clang.
# The stripped object is committed (Sources/WardenKernel/Resources/warden.bpf.o) so that
# `swift build` needs nothing beyond libbpf; CI runs `bpf/build.sh --check` to prove the committed
# object is exactly what these sources produce.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$root/Sources/WardenKernel/Resources/warden.bpf.o"
# The Swift toolchain's own clang and objcopy: the same on every machine of this kind, which is
# what makes the --check comparison meaningful.
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
clang="$toolchain/clang"
objcopy="$toolchain/llvm-objcopy"
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# -g is required: it emits the BTF that CO-RE relocations need. --strip-debug then drops DWARF only.
"$clang" -target bpf -D__TARGET_ARCH_x86 -O2 -g -Wall -Werror -Wno-unused-function \
  -Wno-gnu-variable-sized-type-not-at-end \
  -I"$root/Sources/WardenABI/include" -I"/usr/include/$multiarch" \
  -fdebug-prefix-map="$root"=. -ffile-prefix-map="$root"=. \
  -c "$here/warden.bpf.c" -o "$tmp/warden.bpf.o"
"$objcopy" --strip-debug "$tmp/warden.bpf.o"

if [ "${1:-}" = "--check" ]; then
  if cmp -s "$tmp/warden.bpf.o" "$out"; then
    echo "bpf: committed object matches bpf/ sources"
  else
    echo "bpf: committed object is stale; run bpf/build.sh and commit the result" >&2
    exit 1
  fi
else
  mkdir -p "$(dirname "$out")"
  cp "$tmp/warden.bpf.o" "$out"
  echo "bpf: wrote $out ($(stat -c %s "$out") bytes)"
fi
