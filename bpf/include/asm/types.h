/*
 * The uapi headers (linux/types.h, linux/bpf.h) include a few <asm/...> headers. The host's
 * (/usr/include/x86_64-linux-gnu/asm) describe the host, not the BPF target: their bitsperlong.h
 * says 32 because __x86_64__ is undefined for -target bpf, and they would hand x86_64 values to
 * the arm64 build. These stand-ins bring only the generic definitions, the same for every
 * architecture Warden builds for; anything arch-specific belongs in bpf/lib/arch.h.
 */
#include <asm-generic/types.h>
