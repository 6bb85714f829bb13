/*
 * compat.c — sys_exit: syscalls of tracked processes that came through a compat ABI (the i386
 * interface on x86_64: `int 0x80`, sysenter, or any call of a 32-bit program; x32; AArch32 on
 * arm64). Their numbers and registers mean something else than the native ones every other
 * sensor decodes (i386 open is 5, x86_64's fstat), so without this a tool process could open,
 * rename, connect, signal or trace through them unseen. Included by warden.bpf.c; called from
 * sys_exit.c before the native syscall filter.
 *
 * Reported once per image (WARDEN_PROCESS_COMPAT_REPORTED): the first compat call says the class;
 * a 32-bit program makes nothing but compat calls and must not flood the ring. A 32-bit program
 * exec'd by a tracked process is reported by its exec (WARDEN_FLAG_COMPAT_IMAGE, exec.c), held
 * there in enforce mode before its first instruction, so its execve's own return is not reported
 * again here.
 *
 * At exit: the call has happened. Enforce mode holds a tool process (not the agent) at this first
 * call, whatever its result, so that a rule kills it before its next instruction; what that one
 * call did stands (docs/enforce.md lists what it can be).
 *
 * Connects through the i386 interface (connect, socketcall) reach broker.c like native ones.
 */

static __always_inline void on_compat_syscall(struct pt_regs *regs, long nr, enum warden_syscall_abi abi, long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct warden_process *proc = bpf_map_lookup_elem(&processes, &tgid);
	struct task_struct *task;
	struct syscall_request req = {};
	__u64 target_exec_id = 0;
	__u32 target = WARDEN_TARGET_NONE;
	int path_arg, named;
	long pid;
	bool hold;

	if (!proc || tgid == config.monitor_tgid)
		return;
	task = (struct task_struct *)bpf_get_current_task_btf();
	/* Every compat connect to an AF_UNIX server outside the session is broker.c's, not only the
	 * image's first compat call: a program excepted from the compat rule (Wine) could otherwise
	 * hand a command to a tmux server unseen. When it is the first, its event (abi ia32) is the
	 * image's compat report too, so the process is held once, for one event. */
	if (ret == 0) {
		int fd = compat_connect_fd(abi, nr, regs);
		struct sock *sk = fd >= 0 ? sock_of_fd(task, fd) : NULL;

		if (sk && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_UNIX && on_unix_connect(proc, task, sk, abi, ret)) {
			__sync_fetch_and_or(&proc->flags, WARDEN_PROCESS_COMPAT_REPORTED);
			return;
		}
	}
	/* Two threads can return from compat calls at once: one of them reports. */
	if (__sync_fetch_and_or(&proc->flags, WARDEN_PROCESS_COMPAT_REPORTED) & WARDEN_PROCESS_COMPAT_REPORTED)
		return;
	req.argument = nr;
	path_arg = compat_path_arg(abi, nr);
	if (path_arg >= 0)
		req.path = (const char *)compat_syscall_arg(regs, path_arg);
	named = compat_target(abi, nr, regs, &pid);
	if (named != COMPAT_TARGET_NONE) {
		req.target_pid = pid;
		/* A negative pid names a process group by its leader, -1 every process, 0 the caller's
		 * own group (taken as itself). */
		req.target_tgid = pid == -1 ? 0 : (pid < 0 ? -pid : (pid == 0 ? tgid : pid));
		req.signal = true; /* classify even a pid that names no process */
		target = classify_target(proc, &req, &target_exec_id);
	}
	hold = enforced(proc) && !(proc->flags & WARDEN_PROCESS_AGENT_ROOT);
	/* A signal to Warden (a SIGSTOP, a SIGKILL) may have left nobody to decide a hold: the guardian
	 * would give the sender the fail mode, and fail-open would let it run on. It dies here. */
	if (hold && named == COMPAT_TARGET_SIGNAL && (target & WARDEN_TARGET_MONITOR)) {
		bpf_send_signal(SIGKILL);
		target |= WARDEN_TARGET_SENDER_KILLED;
		hold = false;
	}
	emit_syscall_event(task, proc, WARDEN_SYSCALL_COMPAT, abi, ret, &req, target, target_exec_id, hold);
}
