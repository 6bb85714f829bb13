/*
 * sys_exit.c — the one program on the raw syscall exit: opens and failed execs (file.c), renames,
 * links and symlinks (rename.c) of tracked processes. Included by warden.bpf.c (see there why).
 */

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	/* Runs for every syscall of every process on the host: the syscall filter comes first, and
	 * no helper is called before it. */
	enum warden_syscall syscall = warden_syscall_of(syscall_nr(regs));
	struct warden_process *proc;
	struct file_request req;
	struct rename_request rename;
	__u32 tgid;

	/* The barrier keeps clang from threading the decoders' switches into this one, which put
	 * their register set-up on the early-return path. */
	barrier_var(syscall);
	if (syscall == WARDEN_SYSCALL_UNKNOWN)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (!proc || tgid == config.monitor_tgid)
		return 0;
	if (decode_request(regs, syscall, ret, &req))
		emit_file_event(proc, &req, ret);
	else if (decode_rename(regs, syscall, &rename))
		emit_rename_event(proc, &rename, syscall, ret);
	return 0;
}
