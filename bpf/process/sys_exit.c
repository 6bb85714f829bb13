/*
 * sys_exit.c — the one program on the raw syscall exit: opens and failed execs (file.c), renames,
 * links and symlinks (rename.c), connects and accepts (connect.c; AF_UNIX connects: broker.c), what
 * processes carrying network data write (write.c), and io_uring, mount API, ptrace, process memory
 * and signal calls (syscall.c), a parent's wait that collects a held child's stop (jobcontrol.c)
 * of tracked processes, and calls through a compat ABI (compat.c), whatever their number.
 * Included by warden.bpf.c (see there why).
 */

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	/* Runs for every syscall of every process on the host: the ABI test and the syscall filter
	 * come first, and no helper but the current task (arch.h: about 7 ns) is called before them. It only tests membership, which clang lowers to two or three
	 * range checks and bit tests (10 instructions for an ignored syscall; translating the number
	 * here instead took 12 to 15 once renames and links made the switch 13 cases deep). */
	long nr = syscall_nr(regs);
	enum warden_syscall_abi abi = syscall_abi(regs, nr);
	enum warden_syscall syscall;
	struct warden_process *proc;
	struct file_request req;
	struct rename_request rename;
	__u32 tgid;

	/* A compat call's number is in another numbering (i386 open is 5, x86_64's fstat; i386 fork
	 * is 2, x86_64's open): it must never reach the native filter. syscall_abi costs one load
	 * through the current task (arch.h); the process lookup follows only for compat calls. */
	if (abi != WARDEN_ABI_NATIVE) {
		on_compat_syscall(regs, nr, abi, ret);
		return 0;
	}
#define WARDEN_SYSCALL_MEMBER(nr, name) case nr:
	switch (nr) {
	WARDEN_WATCHED_SYSCALLS(WARDEN_SYSCALL_MEMBER)
		break;
	default:
		return 0;
	}
#undef WARDEN_SYSCALL_MEMBER
	tgid = bpf_get_current_pid_tgid() >> 32;
	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (!proc || tgid == config.monitor_tgid)
		return 0;
	syscall = warden_syscall_of(nr);
	if (is_write_syscall(syscall)) {
		on_write(proc, regs, syscall, ret);
		return 0;
	}
	if (decode_request(regs, syscall, ret, &req))
		emit_file_event(proc, &req, ret);
	else if (decode_rename(regs, syscall, &rename))
		emit_rename_event(proc, &rename, syscall, ret);
	else if (is_connect_syscall(syscall))
		on_connect(proc, regs, syscall, ret);
	else if (is_wait_syscall(syscall))
		on_wait(regs, syscall, ret);
	else
		on_syscall(proc, regs, syscall, ret);
	return 0;
}
