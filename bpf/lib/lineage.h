/*
 * lineage.h — entries of the process table: who is tracked, in which session, as which image.
 */
#ifndef WARDEN_LINEAGE_H
#define WARDEN_LINEAGE_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "warden_abi.h"
#include "maps.h"

static __always_inline __u64 next_exec_id(void)
{
	return config.exec_id_base + __sync_fetch_and_add(&exec_id_sequence, 1) + 1;
}

/* A full table is the one way a process of a lineage escapes it, so each miss is counted and
 * reported to user space as loss. */
static __always_inline bool record_process(__u32 tgid, const struct warden_process *process)
{
	struct warden_counters *c;

	if (bpf_map_update_elem(&processes, &tgid, process, BPF_ANY) == 0)
		return true;
	c = this_cpu_counters();
	if (c)
		c->process_table_full++;
	return false;
}

#endif
