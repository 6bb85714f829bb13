/*
 * jobcontrol.c — sys_exit of wait4 and waitid of tracked processes: a parent collecting the stop
 * of a child the kernel holds. Included by warden.bpf.c before syscall.c, which asks it whether a
 * SIGCONT to a held process is its job-control owner's; on_wait is called from sys_exit.c.
 *
 * A hold is a SIGSTOP, and a parent with job control is told about it: tmux continues a pane or a
 * run-shell job that stops (server_child_stopped, job_check_died), util-linux script and expect
 * continue their child, a shell's `bg` continues a stopped job. Each stop the kernel puts back
 * after such a continue is a new one, which the parent collects and answers again. Counting those
 * continues as a continue loop (`payload & while kill -CONT $!; do :; done`) killed the agent's
 * own tmux server under --enforce. What tells them apart in the kernel: the owner is the held
 * process's parent and has collected the stop it answers (wait with WUNTRACED, which only the
 * parent may do for a stop that is not a ptrace stop); the loop's sender never collects the stops
 * it breaks, and a sibling is not the parent. The owner's continue is still stopped again at once
 * (syscall.c); it is reported once per hold and never kills its sender.
 *
 * What stays open: a parent that collects each stop and answers it (a program written to look
 * like tmux) is treated as tmux, and each of its continues gives the held process the moment
 * before the kernel stops it again, until Warden decides (docs/threat-model.md).
 */

#define WAIT_STOPPED 0x7f        /* the low byte of a wait status whose child stopped */
#define CLD_STOPPED 5            /* siginfo si_code of waitid for a stopped child */
#define WNOWAIT 0x01000000       /* waitid: leave the child waitable; nothing was collected */

/* The parts of siginfo_t that waitid fills for a child (the union starts at 16 on 64-bit). */
struct wait_siginfo {
	int signo;
	int errno_;
	int code;
	int pad;
	int pid;
	unsigned int uid;
	int status;
};

static __always_inline bool is_wait_syscall(enum warden_syscall syscall)
{
	return syscall == WARDEN_SYSCALL_WAIT4 || syscall == WARDEN_SYSCALL_WAITID;
}

/* The thread group of tgid's parent; 0 when unknown (no such process, or a kernel without the
 * task kfuncs, where a held process's continue is only reported: syscall.c). */
static __always_inline __u32 parent_tgid_of(__u32 tgid)
{
	struct task_struct *task;
	__u32 parent;

	if (!bpf_task_from_pid || !bpf_task_release)
		return 0;
	task = bpf_task_from_pid(tgid);
	if (!task)
		return 0;
	parent = BPF_CORE_READ(task, real_parent, tgid);
	bpf_task_release(task);
	return parent;
}

/* The child whose SIGSTOP the call collected, or 0. */
static __always_inline __u32 collected_stop(struct pt_regs *regs, enum warden_syscall syscall, long ret)
{
	struct wait_siginfo info;
	int status;

	if (syscall == WARDEN_SYSCALL_WAIT4) { /* (pid, wstatus, options, rusage) -> the child's pid */
		const void *p = (const void *)syscall_arg(regs, 1);

		if (ret <= 0 || !p || bpf_probe_read_user(&status, sizeof(status), p) != 0)
			return 0;
		if ((status & 0xff) != WAIT_STOPPED || ((status >> 8) & 0xff) != SIGSTOP)
			return 0;
		return (__u32)ret;
	}
	/* waitid(idtype, id, infop, options, rusage) -> 0, the child in infop */
	if (ret != 0 || (syscall_arg(regs, 3) & WNOWAIT))
		return 0;
	if (bpf_probe_read_user(&info, sizeof(info), (const void *)syscall_arg(regs, 2)) != 0)
		return 0;
	if (info.code != CLD_STOPPED || info.status != SIGSTOP || info.pid <= 0)
		return 0;
	return (__u32)info.pid;
}

static __always_inline void on_wait(struct pt_regs *regs, enum warden_syscall syscall, long ret)
{
	__u32 child = collected_stop(regs, syscall, ret);
	struct warden_hold *hold;

	if (!child)
		return;
	hold = bpf_map_lookup_elem(&held, &child);
	if (!hold || parent_tgid_of(child) != bpf_get_current_pid_tgid() >> 32)
		return;
	__sync_fetch_and_or(&hold->flags, WARDEN_HOLD_STOP_COLLECTED);
}

/* A SIGCONT from the current process to held process tgid answers a stop it collected: the
 * job-control owner's continue. Consumes the collection, so each continue needs its own. */
static __always_inline bool continued_by_owner(struct warden_hold *hold, __u32 tgid)
{
	if (!(hold->flags & WARDEN_HOLD_STOP_COLLECTED))
		return false;
	if (parent_tgid_of(tgid) != bpf_get_current_pid_tgid() >> 32)
		return false;
	__sync_fetch_and_and(&hold->flags, ~WARDEN_HOLD_STOP_COLLECTED);
	return true;
}
