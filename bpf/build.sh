#!/usr/bin/env bash
# Rebuilds the embedded BPF objects from bpf/ with the Swift toolchain's clang: one per
# architecture (syscall numbers, the register frame and open flags differ; bpf/lib/arch.h), at
# Sources/WardenKernel/Resources/warden.<arch>.bpf.o. The stripped objects are committed so that
# `swift build` needs nothing beyond libbpf; CI runs `bpf/build.sh --check` to prove the committed
# objects are exactly what these sources produce. The arm64 object cannot load on an x86_64 host,
# but it is built and checked here all the same.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
resources="$root/Sources/WardenKernel/Resources"
# The Swift toolchain's own clang and objcopy: the same on every machine of this kind, which is
# what makes the --check comparison meaningful.
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
clang="$toolchain/clang"
objcopy="$toolchain/llvm-objcopy"

# Object name suffix and libbpf's __TARGET_ARCH_ spelling of each architecture; the Swift side
# picks its object with #if arch(...) (Sources/WardenKernel/SensorImage.swift).
architectures=("x86_64:x86" "arm64:arm64")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

stale=0
for entry in "${architectures[@]}"; do
  name=${entry%%:*}
  target=${entry#*:}
  object="warden.$name.bpf.o"
  # -g is required: it emits the BTF that CO-RE relocations need. --strip-debug then drops DWARF
  # only. bpf/include comes before the system headers and stands in for the host's <asm/...>.
  "$clang" -target bpf -D__TARGET_ARCH_"$target" -O2 -g -Wall -Werror -Wno-unused-function \
    -Wno-gnu-variable-sized-type-not-at-end \
    -I"$here/include" -I"$root/Sources/WardenABI/include" \
    -fdebug-prefix-map="$root"=. -ffile-prefix-map="$root"=. \
    -c "$here/warden.bpf.c" -o "$tmp/$object"
  "$objcopy" --strip-debug "$tmp/$object"

  if [ "${1:-}" = "--check" ]; then
    if cmp -s "$tmp/$object" "$resources/$object"; then
      echo "bpf: committed $object matches bpf/ sources"
    else
      echo "bpf: committed $object is stale; run bpf/build.sh and commit the result" >&2
      stale=1
    fi
  else
    mkdir -p "$resources"
    cp "$tmp/$object" "$resources/$object"
    echo "bpf: wrote $resources/$object ($(stat -c %s "$resources/$object") bytes)"
  fi
done
exit "$stale"
