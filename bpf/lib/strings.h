/*
 * strings.h — copying strings and memory blocks into an event's data area.
 *
 * Every copy returns a length bounded where the verifier can see it, so the offsets that events
 * add these lengths to provably stay inside their data[].
 */
#ifndef WARDEN_STRINGS_H
#define WARDEN_STRINGS_H

#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include "warden_abi.h"

/* Bounds v by max with a compare the verifier can see: the barrier keeps clang from folding the
 * check into earlier arithmetic on another register, which the verifier would not connect. */
#define BOUNDED(v, max) ({ __u32 __b = (v); barrier_var(__b); if (__b > (max)) __b = (max); __b; })

/* Where a string lives decides the helper, and what a failed read means: a kernel string is
 * simply absent, a user-space argument is flagged as unreadable. */
enum string_source {
	KERNEL_STRING,
	USER_STRING,
};

/* Copies a NUL-terminated string; returns its length without the NUL. */
static __always_inline __u32 copy_string(__u8 *dst, __u32 max, const char *src, enum string_source from,
					 __u16 *flags)
{
	long n = from == USER_STRING ? bpf_probe_read_user_str(dst, max, src)
				     : bpf_probe_read_kernel_str(dst, max, src);

	if (n <= 0) {
		if (from == USER_STRING)
			*flags |= WARDEN_FLAG_REQUEST_UNREADABLE;
		return 0;
	}
	if (n == max)
		*flags |= WARDEN_FLAG_PATH_TRUNCATED;
	return BOUNDED(n - 1, max - 1);
}

/* Copies the new image's user memory [start, end) - its argv or environment block - up to max
 * bytes, setting truncated_flag when there was more. Returns the bytes copied. */
static __always_inline __u32 copy_user_block(__u8 *dst, unsigned long start, unsigned long end, __u32 max,
					      __u16 truncated_flag, __u16 *flags)
{
	unsigned long span = end > start ? end - start : 0;
	__u32 len;

	if (span > max)
		*flags |= truncated_flag;
	len = BOUNDED(span > max ? max : span, max);
	if (bpf_probe_read_user(dst, len, (void *)start) != 0)
		return 0;
	return len;
}

static __always_inline void set_string(struct warden_string *s, __u32 offset, __u32 length)
{
	s->offset = offset;
	s->length = length;
}

#endif
