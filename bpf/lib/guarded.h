/*
 * guarded.h — which guarded file an opened file is, by identity (device + inode): the file's own,
 * or its directory's. Decided from the kernel's objects, never from a name, so a hard link, a
 * symlink, a bind mount or /proc/self/root reaches the same answer as the canonical path.
 *
 * Cost: a prefilter bit per identity in an array map (the verifier inlines array lookups: no
 * helper call), so an open whose file and directory bits are clear costs no hash lookup, and one
 * that is guarded costs one. Untracked processes (host-wide mode) are never looked up.
 */
#ifndef WARDEN_GUARDED_H
#define WARDEN_GUARDED_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.h"
#include "warden_abi.h"
#include "maps.h"

static __always_inline bool guarded_filter_has(const struct warden_file_key *key)
{
	__u32 slot = warden_guarded_filter_slot(key->inode, key->dev);
	__u32 word = slot / 64;
	__u64 *bits = bpf_map_lookup_elem(&guarded_filter, &word);

	return bits && (*bits & (1ull << (slot % 64)));
}

static __always_inline __u32 guarded_lookup(const struct warden_file_key *key, __u32 *id)
{
	__u32 *value;

	if (!guarded_filter_has(key))
		return 0;
	value = bpf_map_lookup_elem(&guarded_files, key);
	if (!value)
		return 0;
	*id = *value;
	return 1;
}

/* `file` is the identity already read from f's inode. Sets *id to the matched entry's value;
 * returns an enum warden_guarded_match. */
static __always_inline __u32 guarded_match(struct file *f, const struct warden_file_identity *file, __u32 *id)
{
	/* A dentry's parent is on the same superblock (a mount's root is its own parent), so the
	 * directory's device is the file's: only its inode number is read. */
	struct warden_file_key key = {
		.inode = file->inode,
		.dev = file->dev,
	};

	*id = 0;
	if (guarded_lookup(&key, id))
		return WARDEN_GUARDED_FILE;
	key.inode = BPF_CORE_READ(f, f_path.dentry, d_parent, d_inode, i_ino);
	if (guarded_lookup(&key, id))
		return WARDEN_GUARDED_DIRECTORY;
	return WARDEN_GUARDED_NONE;
}

#endif
