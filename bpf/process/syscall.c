/*
 * syscall.c — sys_exit: the calls that reach past files, execs and sockets, by tracked processes
 * (issue #11): io_uring_setup (the ring's opens never pass open's syscall exit), the mount API's
 * open_tree, move_mount and fsmount (a detached or moved mount shows a file under another path),
 * ptrace attach and process_vm_readv/writev (code or a token handed across to another process),
 * and signals sent out of the caller's own session or to Warden (a stopped monitor decides
 * nothing). All are rare in ordinary work, so each one is reported. Included by warden.bpf.c;
 * called from sys_exit.c after the syscall filter.
 *
 * At exit: the call has happened. Enforce mode holds the caller of the first four kinds (a tool
 * process, not the agent) so that the rules decide before it runs another instruction: before a
 * ring submits anything, before anything is opened under the new mount, before the debugger
 * pokes its tracee. process_vm_writev's bytes are already in the target by then; the writer is
 * stopped before it can go on. Signals are never held: one that stopped Warden would leave the
 * sender waiting for a decision nobody makes.
 */

#define PTRACE_ATTACH 16
#define PTRACE_SEIZE 0x4206
#define OPEN_TREE_CLONE 1

struct syscall_request {
	__u64 argument;
	__s64 target_pid; /* as the caller named it */
	__u32 target_tgid; /* the thread group to classify; 0: none */
	const char *path;
	bool signal;
};

/* The thread group a pidfd names, or 0 when fd is not a pidfd. (Before pidfs, any anonymous
 * inode's private_data is read as a struct pid: a wrong number only misclassifies the target.) */
static __always_inline __u32 pidfd_target(struct task_struct *task, int fd)
{
	struct file *f = file_of_fd(task, fd);
	struct pid *pid = NULL;
	unsigned long magic;

	if (!f)
		return 0;
	magic = BPF_CORE_READ(f, f_inode, i_sb, s_magic);
	if (magic == PIDFS_MAGIC)
		pid = BPF_CORE_READ(f, f_inode, i_private);
	if (!pid && (magic == PIDFS_MAGIC || magic == ANON_INODE_FS_MAGIC))
		pid = BPF_CORE_READ(f, private_data);
	return pid ? BPF_CORE_READ(pid, numbers[0].nr) : 0;
}

/* Reads the arguments of `syscall`; false when it is not one of this file's. */
static __always_inline bool decode_syscall(struct task_struct *task, struct pt_regs *regs,
					   enum warden_syscall syscall, struct syscall_request *r)
{
	long pid;

	r->argument = 0;
	r->target_pid = 0;
	r->target_tgid = 0;
	r->path = NULL;
	r->signal = false;
	switch (syscall) {
	case WARDEN_SYSCALL_IO_URING_SETUP:
		/* struct io_uring_params: sq_entries, cq_entries, flags */
		bpf_probe_read_user(&r->argument, sizeof(__u32), (void *)syscall_arg(regs, 1) + 8);
		return true;
	case WARDEN_SYSCALL_OPEN_TREE:  /* (dfd, path, flags): without OPEN_TREE_CLONE, an O_PATH fd */
		r->path = (const char *)syscall_arg(regs, 1);
		r->argument = (__u32)syscall_arg(regs, 2);
		return r->argument & OPEN_TREE_CLONE;
	case WARDEN_SYSCALL_MOVE_MOUNT: /* (from_dfd, from_path, to_dfd, to_path, flags) */
		r->path = (const char *)syscall_arg(regs, 3);
		r->argument = (__u32)syscall_arg(regs, 4);
		return true;
	case WARDEN_SYSCALL_FSMOUNT:    /* (fs_fd, flags, attr_flags) */
		r->argument = (__u32)syscall_arg(regs, 1);
		return true;
	case WARDEN_SYSCALL_PTRACE:     /* (request, pid, addr, data): only attaching makes a tracer */
		r->argument = syscall_arg(regs, 0);
		if (r->argument != PTRACE_ATTACH && r->argument != PTRACE_SEIZE)
			return false;
		r->target_pid = (int)syscall_arg(regs, 1);
		r->target_tgid = r->target_pid;
		return true;
	case WARDEN_SYSCALL_PROCESS_VM_READV: case WARDEN_SYSCALL_PROCESS_VM_WRITEV: /* (pid, ...) */
		r->target_pid = (int)syscall_arg(regs, 0);
		r->target_tgid = r->target_pid;
		return true;
	case WARDEN_SYSCALL_KILL: case WARDEN_SYSCALL_RT_SIGQUEUEINFO: /* (pid, sig, ...) */
		pid = (int)syscall_arg(regs, 0);
		if (pid == 0) /* the caller's own process group */
			return false;
		r->argument = (int)syscall_arg(regs, 1);
		r->target_pid = pid;
		/* A negative pid names a process group by its leader; -1 is every process. */
		r->target_tgid = pid == -1 ? 0 : (pid < 0 ? -pid : pid);
		r->signal = true;
		return true;
	case WARDEN_SYSCALL_TKILL:      /* (tid, sig): the thread id of a main thread is its group's */
		r->target_pid = (int)syscall_arg(regs, 0);
		r->target_tgid = r->target_pid;
		r->argument = (int)syscall_arg(regs, 1);
		r->signal = true;
		return true;
	case WARDEN_SYSCALL_TGKILL: case WARDEN_SYSCALL_RT_TGSIGQUEUEINFO: /* (tgid, tid, sig, ...) */
		r->target_pid = (int)syscall_arg(regs, 0);
		r->target_tgid = r->target_pid;
		r->argument = (int)syscall_arg(regs, 2);
		r->signal = true;
		return true;
	case WARDEN_SYSCALL_PIDFD_SEND_SIGNAL: /* (pidfd, sig, info, flags) */
		r->target_tgid = pidfd_target(task, (int)syscall_arg(regs, 0));
		r->target_pid = r->target_tgid;
		r->argument = (int)syscall_arg(regs, 1);
		r->signal = true;
		return true;
	default:
		return false;
	}
}

/* How the target relates to the caller (enum warden_target_flag), and its exec id. */
static __always_inline __u32 classify_target(const struct warden_process *caller, const struct syscall_request *r,
					     __u64 *target_exec_id)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct warden_process *target;
	__u32 flags = WARDEN_TARGET_PROCESS;

	*target_exec_id = 0;
	if (r->target_pid == 0 && r->target_tgid == 0 && !r->signal)
		return WARDEN_TARGET_NONE;
	if (r->target_tgid == 0)
		return flags; /* every process (kill -1), or a pidfd that names none */
	if (r->target_tgid == tgid)
		flags |= WARDEN_TARGET_SELF;
	if (r->target_tgid == config.monitor_tgid)
		flags |= WARDEN_TARGET_MONITOR;
	target = bpf_map_lookup_elem(&processes, &r->target_tgid);
	if (target) {
		flags |= WARDEN_TARGET_TRACKED;
		*target_exec_id = target->exec_id;
		if (target->session_id == caller->session_id)
			flags |= WARDEN_TARGET_SAME_SESSION;
	}
	return flags;
}

/* A held process was sent SIGCONT by a process of its lineage (`cmd & kill -CONT $!`): the hold
 * would end before Warden decided. Stops it again at once (the window is the time between the
 * signal and this syscall's exit); true when done. Warden's own continue never passes here (its
 * thread group is not traced). */
static __always_inline bool restop_held_target(__u32 tgid)
{
	struct task_struct *target;
	int sent;

	if (!bpf_task_from_pid || !bpf_send_signal_task || !bpf_task_release)
		return false;
	target = bpf_task_from_pid(tgid);
	if (!target)
		return false;
	sent = bpf_send_signal_task(target, SIGSTOP, PIDTYPE_TGID, 0);
	bpf_task_release(target);
	return sent == 0;
}

/* Assembles a syscall event in the scratch space and delivers it; `hold`: enforce mode stops the
 * caller until Warden decides. */
static __always_inline void emit_syscall_event(struct task_struct *task, const struct warden_process *proc,
					       __u32 syscall, __u32 abi, long ret, const struct syscall_request *req,
					       __u32 target, __u64 target_exec_id, bool hold)
{
	__u32 zero = 0, len = 0;
	struct scratch *s;
	struct warden_syscall_event *e;
	__u16 flags = 0;

	s = bpf_map_lookup_elem(&scratch_space, &zero);
	if (!s)
		return;
	e = &s->syscall.event;
	e->result = ret;
	e->syscall = syscall;
	e->target_flags = target;
	e->argument = req->argument;
	e->target_pid = req->target_pid;
	e->target_exec_id = target_exec_id;
	e->abi = abi;
	e->target_uid = (__u32)-1;
	e->pad = 0;
	__builtin_memset(&e->socket, 0, sizeof(e->socket));
	__builtin_memset(&e->target_executable, 0, sizeof(e->target_executable));
	if (req->path)
		len = copy_string(&s->syscall.data[0], WARDEN_PATH_MAX, req->path, USER_STRING, &flags);
	set_string(&e->path, 0, len);
	len += sizeof(*e);
	e->header.flags = flags;
	fill_header(&e->header, WARDEN_EVENT_SYSCALL, len, proc);
	if (len > sizeof(s->syscall))
		return;
	deliver(task, proc, &e->header, len, hold);
}

static __always_inline void on_syscall(struct warden_process *proc, struct pt_regs *regs,
				       enum warden_syscall syscall, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct syscall_request req;
	__u64 target_exec_id;
	__u32 target;
	bool hold;

	if (!decode_syscall(task, regs, syscall, &req))
		return;
	target = classify_target(proc, &req, &target_exec_id);
	if (req.signal && req.target_tgid) {
		struct warden_hold *hold = bpf_map_lookup_elem(&held, &req.target_tgid);

		if (hold) {
			bool owner = req.argument == SIGCONT && continued_by_owner(hold, req.target_tgid);

			target |= WARDEN_TARGET_HELD;
			if (req.argument == SIGCONT && restop_held_target(req.target_tgid))
				target |= WARDEN_TARGET_RESTOPPED;
			if (owner) {
				/* Job control answering a stop (jobcontrol.c): stopped again, never counted.
				 * Reported once per hold; tmux answers every stop until Warden decides. */
				target |= WARDEN_TARGET_JOB_CONTROL;
				if (__sync_fetch_and_or(&hold->flags, WARDEN_HOLD_JOB_CONTROL_REPORTED) & WARDEN_HOLD_JOB_CONTROL_REPORTED)
					return;
			} else if (req.argument == SIGCONT && (hold->flags & WARDEN_HOLD_SIGNAL_REPORTED)) {
				/* The second continue of one hold: each gives the target a moment to run. */
				bpf_send_signal(SIGKILL);
				if (hold->flags & WARDEN_HOLD_SENDER_KILLED)
					return;
				hold->flags |= WARDEN_HOLD_SENDER_KILLED;
				target |= WARDEN_TARGET_SENDER_KILLED;
			} else if (hold->flags & WARDEN_HOLD_SIGNAL_REPORTED) {
				return;
			}
			if (!owner)
				hold->flags |= WARDEN_HOLD_SIGNAL_REPORTED;
		}
	}
	/* Signals inside the session (a shell ending its job, a test runner its workers) and to
	 * itself are the caller's own business; signal 0 only asks whether the target exists. */
	if (req.signal && (req.argument == 0 ||
			   ((target & (WARDEN_TARGET_SAME_SESSION | WARDEN_TARGET_SELF)) && !(target & WARDEN_TARGET_HELD))))
		return;
	/* Reading or writing its own memory, or another of its session's: a debugger the agent runs
	 * on its own program. */
	if (req.target_tgid && !req.signal && (target & (WARDEN_TARGET_SAME_SESSION | WARDEN_TARGET_SELF)))
		return;
	hold = ret >= 0 && !req.signal && enforced(proc) && !(proc->flags & WARDEN_PROCESS_AGENT_ROOT);
	emit_syscall_event(task, proc, syscall, WARDEN_ABI_NATIVE, ret, &req, target, target_exec_id, hold);
}
