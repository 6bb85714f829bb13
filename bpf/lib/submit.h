/*
 * submit.h — the common event header, and delivery into the ring buffer with its accounting.
 */
#ifndef WARDEN_SUBMIT_H
#define WARDEN_SUBMIT_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "warden_abi.h"
#include "maps.h"

static __always_inline void fill_header(struct warden_event_header *h, __u16 kind, __u32 size,
					const struct warden_process *proc)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->size = size;
	h->time_ns = bpf_ktime_get_boot_ns();
	h->exec_id = proc->exec_id;
	h->parent_exec_id = proc->parent_exec_id;
	h->session_id = proc->session_id;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->agent_id = proc->agent_id;
	h->cpu = bpf_get_smp_processor_id();
	if (proc->flags & WARDEN_FLAG_UNTRACKED)
		h->flags |= WARDEN_FLAG_UNTRACKED;
	/* An exec reports the taint of the image that called it, which on_exec sets itself. */
	if (kind != WARDEN_EVENT_EXEC && (proc->flags & WARDEN_PROCESS_NETWORK_TAINT))
		h->flags |= WARDEN_FLAG_NETWORK_TAINT;
}

/*
 * Records go out without a wakeup: a wakeup is an interrupt and a context switch for one record,
 * which cost more than the record. Warden polls every 10 ms, and its epoll returns at once while
 * records are waiting, so a busy reader never sleeps on data; an idle one sees a record within
 * 10 ms (4 MiB cannot fill that fast). Only a held process wakes Warden at once. (Forcing wakeups
 * once the buffer filled up was tried: every record then paid for one, which throttled the traced
 * process fivefold.)
 */
/*
 * Never lose what decides. Two rings (bpf/lib/maps.h):
 *
 * `decisions` carries execs, forks, exits, renames and every held record: what lineage and
 * enforcement depend on, each costing its maker a fork, an exec or a hold, except renames (a loop of
 * rename(2) needs none), which may fill it only up to half, so execs, forks and exits always have
 * the other half.
 *
 * `events` carries the bulk: opens, failed execs, connects and unheld syscall events, which come in
 * floods an agent can make cheaply. Before the split they shared one ring with execs, and 100
 * agents with pyenv shims lost execs behind them (issue #14). In the bulk ring, each kind may fill
 * it up to its share, in eighths, so loss, when the reader falls behind, falls on the least
 * valuable first: reading opens 4/8, failed execs and unheld syscall events 5/8, opens that may
 * write 6/8 (fewer, and what provenance needs: a file written and then run), opens of downloads,
 * guarded files and files the lineage wrote 7/8 (open_decides), connects the rest. Past its share a
 * record is dropped and counted by kind.
 *
 * User space reads both and merges them by time (Sources/WardenKernel/RingBuffer.swift), so the
 * split does not reorder what one task did: see docs/architecture.md, "Two rings".
 */
static __always_inline bool open_may_write(const struct warden_file_event *e)
{
	return (e->flags & WARDEN_O_ACCMODE) != WARDEN_O_RDONLY || (e->flags & (WARDEN_O_CREAT | WARDEN_O_TRUNC));
}

/* An open the rules decide on: of a file of network or decoded origin (a download run or sourced),
 * of a start-up hook file the lineage wrote (a .pth read by Python), of a guarded file, or of a file the lineage wrote (whose origin user space may learn only later:
 * `curl | base64 -d > f` where base64 started before curl connected). It goes with the records that decide (7/8): a flood of other reads must not
 * push it out, as it did in CI's audit campaigns (a sourced download's open dropped under a
 * reader short of CPU). A flood of these costs the flooder a hold each in enforce mode. */
static __always_inline bool open_decides(const struct warden_file_event *e)
{
	return e->guarded_id || (e->file.origin & (WARDEN_ORIGIN_NETWORK | WARDEN_ORIGIN_DECODED | WARDEN_ORIGIN_STARTUP_HOOK)) ||
	       (e->header.flags & WARDEN_FLAG_LINEAGE_WRITTEN);
}

/* The ring a record goes to: true for `decisions`. */
static __always_inline bool decisive(const struct warden_event_header *h, bool urgent)
{
	if (urgent)
		return true;
	switch (h->kind) {
	case WARDEN_EVENT_EXEC:
	case WARDEN_EVENT_FORK:
	case WARDEN_EVENT_EXIT:
	case WARDEN_EVENT_RENAME:
		return true;
	}
	return false;
}

static __always_inline __u32 share_in_eighths(const struct warden_event_header *h, __u32 size, bool urgent)
{
	if (urgent)
		return 8;
	switch (h->kind) {
	case WARDEN_EVENT_OPEN: {
		/* The size test lets the verifier (and the compiler) see that only a file event is read
		 * as one: other records on the stack are smaller. */
		if (size < sizeof(struct warden_file_event))
			return 4;
		const struct warden_file_event *e = (const struct warden_file_event *)h;

		if (open_decides(e))
			return 7;
		return open_may_write(e) ? 6 : 4;
	}
	case WARDEN_EVENT_EXEC_FAILED: return 5;
	/* Unheld syscall events are mostly signals, which cost a flooder no fork: the failed-exec
	 * share. Held ones are urgent. */
	case WARDEN_EVENT_SYSCALL: return 5;
	/* Of the decisions ring: unheld renames cost no fork. */
	case WARDEN_EVENT_RENAME: return 4;
	}
	return 8;
}

/* Each ring is named at its own call site: the verifier wants one known map per helper call. */
static __always_inline bool share_full(bool decisions_ring, __u32 size, __u32 eighths)
{
	__u64 queued, capacity;

	if (eighths >= 8)
		return false;
	if (decisions_ring) {
		queued = bpf_ringbuf_query(&decisions, BPF_RB_AVAIL_DATA);
		capacity = bpf_ringbuf_query(&decisions, BPF_RB_RING_SIZE);
	} else {
		queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
		capacity = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	}
	return (queued + size) * 8 > capacity * eighths;
}

static __always_inline void count_drop(struct warden_counters *c, __u16 kind)
{
	if (!c)
		return;
	c->ringbuf_drops++;
	if (kind < WARDEN_KIND_SLOTS)
		c->dropped_by_kind[kind]++;
}

static __always_inline bool submit_with(void *record, __u32 size, bool urgent)
{
	struct warden_counters *c = this_cpu_counters();
	struct warden_event_header *h = record;
	__u16 kind = h->kind;
	bool decisions_ring = decisive(h, urgent);
	__u64 flags = urgent ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	long err;

	if (share_full(decisions_ring, size, share_in_eighths(h, size, urgent))) {
		count_drop(c, kind);
		return false;
	}
	if (decisions_ring)
		err = bpf_ringbuf_output(&decisions, record, size, flags);
	else
		err = bpf_ringbuf_output(&events, record, size, flags);
	if (err == 0) {
		if (c)
			c->events_emitted++;
		return true;
	}
	count_drop(c, kind);
	return false;
}

static __always_inline bool submit(void *record, __u32 size)
{
	return submit_with(record, size, false);
}

#endif
