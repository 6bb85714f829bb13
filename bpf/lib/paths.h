/*
 * paths.h — the absolute path of a struct path, the way d_path() would write it.
 *
 * d_path() is not callable from these programs, so the walk is done by hand: dentry parents up
 * to the mount root, then across to the parent mount, until the root of the namespace.
 */
#ifndef WARDEN_PATHS_H
#define WARDEN_PATHS_H

#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.h"
#include "warden_abi.h"
#include "maps.h"
#include "strings.h"

#define PATH_MASK (WARDEN_PATH_MAX - 1)

/* State of one path walk, shared with the bpf_loop callback below. */
struct path_walk {
	struct path_scratch *s;
	struct mount *mnt;
	struct dentry *dentry;
	__u32 pos; /* start of what has been written so far into s->path */
	bool complete;
};

/* One step of the walk: prepends one component, or crosses one mount point. Returns 1 to stop. */
static long path_walk_step(__u32 index, struct path_walk *w)
{
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct qstr name;
	__u32 len, pos;

	if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root)) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (mnt_parent == mnt) {
			w->complete = true;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		return 0;
	}
	if (dentry == parent) {
		w->complete = true;
		return 1;
	}
	name = BPF_CORE_READ(dentry, d_name);
	len = BOUNDED(name.len, NAME_MAX_LEN);
	if (w->pos < len + 1)
		return 1;
	pos = w->pos - len;
	bpf_probe_read_kernel(&w->s->path[pos & PATH_MASK], len, name.name);
	pos -= 1;
	w->s->path[pos & PATH_MASK] = '/';
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

/*
 * Writes the absolute path of `path` into dst. Returns the length written; sets
 * WARDEN_FLAG_PATH_TRUNCATED when the path is deeper than WARDEN_PATH_DEPTH steps or longer than
 * WARDEN_PATH_MAX bytes. bpf_loop keeps the verifier's work independent of the depth.
 */
static __always_inline __u32 resolve_path(struct path_scratch *s, struct path *path, __u8 *dst,
					  __u16 *flags)
{
	struct path_walk w = {
		.s = s,
		.mnt = container_of(BPF_CORE_READ(path, mnt), struct mount, mnt),
		.dentry = BPF_CORE_READ(path, dentry),
		.pos = WARDEN_PATH_MAX,
	};
	__u32 len;

	bpf_loop(WARDEN_PATH_DEPTH, path_walk_step, &w, 0);
	if (!w.complete)
		*flags |= WARDEN_FLAG_PATH_TRUNCATED;
	if (w.pos >= WARDEN_PATH_MAX) {
		dst[0] = '/';
		return 1;
	}
	len = BOUNDED(WARDEN_PATH_MAX - w.pos, WARDEN_PATH_MAX);
	bpf_probe_read_kernel(dst, len, &s->path[w.pos & PATH_MASK]);
	return len;
}

#endif
