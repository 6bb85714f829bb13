/*
 * holds.h — enforce mode: stopping a process inside its own exec or open until Warden decides.
 *
 * A held process is stopped with SIGSTOP from inside the syscall: the signal is acted on before
 * the task next returns to user space, so the new image runs no instruction and the opened file
 * yields no byte until Warden continues or kills it (by pidfd). The hold is recorded before the
 * event is submitted, so Warden can never see the event before the hold exists. If the hold cannot
 * be recorded or the event not delivered, Warden cannot decide, and the fail mode decides here:
 * closed kills, open lets the process run.
 */
#ifndef WARDEN_HOLDS_H
#define WARDEN_HOLDS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.h"
#include "warden_abi.h"
#include "maps.h"
#include "submit.h"

/* Kernel functions (6.2+ and 6.13+): a task by pid, and a signal to a task other than the
 * current one. Weak: on a kernel without them a continued hold cannot be stopped again, and a
 * job-control owner is not recognised (bpf/process/jobcontrol.c). */
extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type, __u64 value) __ksym __weak;

/* The generic signal numbers: the same on x86_64 and arm64. */
#define SIGKILL 9
#define SIGCONT 18
#define SIGSTOP 19

static __always_inline bool enforced(const struct warden_process *proc)
{
	return config.enforce && !(proc->flags & WARDEN_FLAG_UNTRACKED);
}

static __always_inline bool begin_hold(struct task_struct *task, const struct warden_process *proc, __u32 kind)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct warden_hold hold = {
		.exec_id = proc->exec_id,
		/* The process's start time, as /proc/PID/stat shows it: the group leader's. The thread
		 * making the call may be another (a Python thread, an io_uring worker). */
		.start_time_ns = BPF_CORE_READ(task, group_leader, start_boottime),
		.held_at_ns = bpf_ktime_get_boot_ns(),
		.event_kind = kind,
	};

	if (bpf_map_update_elem(&held, &tgid, &hold, BPF_ANY) != 0)
		return false;
	if (bpf_send_signal(SIGSTOP) != 0) {
		bpf_map_delete_elem(&held, &tgid);
		return false;
	}
	return true;
}

/* Submits an event of a process that enforce mode wants held, and applies the fail mode when the
 * hold or the delivery failed. `record` starts with its header, whose flags get WARDEN_FLAG_HELD. */
static __always_inline void submit_held(struct task_struct *task, const struct warden_process *proc,
					struct warden_event_header *record, __u32 size)
{
	struct warden_counters *c = this_cpu_counters();
	__u32 tgid = BPF_CORE_READ(task, tgid);
	bool holding = begin_hold(task, proc, record->kind);

	if (holding)
		record->flags |= WARDEN_FLAG_HELD;
	if (submit_with(record, size, holding) && holding) {
		if (c)
			c->holds++;
		return;
	}
	if (config.fail_closed) {
		bpf_send_signal(SIGKILL);
		if (c)
			c->fail_closed_kills++;
	} else if (holding) {
		/* SIGCONT discards the pending SIGSTOP: the process runs as if never held. */
		bpf_map_delete_elem(&held, &tgid);
		bpf_send_signal(SIGCONT);
	}
}

/* The one exit of exec and file events: held when enforce mode decided so, else submitted. */
static __always_inline void deliver(struct task_struct *task, const struct warden_process *proc,
				    struct warden_event_header *record, __u32 size, bool hold)
{
	if (hold)
		submit_held(task, proc, record, size);
	else
		submit(record, size);
}

#endif
