/* See asm/types.h: the generic header derives 64 from the BPF target's own long. */
#include <asm-generic/bitsperlong.h>
