/*
 * write.c — sys_exit: what a tracked process carrying network data writes into, at the write.
 * Included by warden.bpf.c; called from sys_exit.c after the syscall filter and the table lookup.
 *
 * Opens name what a process is about to write (file.c), and the fd scan at the taint
 * (origins.h) names what it already holds; neither sees a descriptor that arrives later (passed
 * over SCM_RIGHTS, taken with pidfd_getfd), an AF_UNIX socket's peer, or a file written through
 * a shared mapping. So the writes themselves mark their target: write, writev, pwrite*, send*,
 * sendfile, splice, tee, vmsplice and copy_file_range with a byte written, and mmap of a file
 * shared and writable. pipe, pipe2 and socketpair mark what they create at once, before the
 * process forks the reader that execs with it as stdin (Popen(['sh'], stdin=PIPE)).
 *
 * Cost: every process's writes reach here (the syscall filter is by number), and one table
 * lookup in sys_exit.c turns away the untracked; a tracked process that carries nothing leaves
 * at the flag test, before any argument is read. Two exceptions look at any tracked process:
 * a send with MSG_FASTOPEN is a connect (TCP Fast Open), and splice or sendfile reading an
 * internet socket is a receive the receive sensor does not see (tcp_splice_read).
 */

static __always_inline bool is_write_syscall(enum warden_syscall syscall)
{
	return syscall >= WARDEN_SYSCALL_SENDTO && syscall <= WARDEN_SYSCALL_SOCKETPAIR &&
	       syscall != WARDEN_SYSCALL_IO_URING_CONNECT && syscall != WARDEN_SYSCALL_RECV;
}

/* The descriptor the call wrote into; -1 for calls that write through none. */
static __always_inline int written_fd(struct pt_regs *regs, enum warden_syscall syscall)
{
	switch (syscall) {
	case WARDEN_SYSCALL_WRITE: case WARDEN_SYSCALL_WRITEV: case WARDEN_SYSCALL_PWRITE64:
	case WARDEN_SYSCALL_PWRITEV: case WARDEN_SYSCALL_PWRITEV2: case WARDEN_SYSCALL_SENDTO:
	case WARDEN_SYSCALL_SENDMSG: case WARDEN_SYSCALL_SENDMMSG: case WARDEN_SYSCALL_VMSPLICE:
	case WARDEN_SYSCALL_SENDFILE: /* (out_fd, in_fd, ...) */
		return (int)syscall_arg(regs, 0);
	case WARDEN_SYSCALL_TEE:      /* (fd_in, fd_out, ...) */
		return (int)syscall_arg(regs, 1);
	case WARDEN_SYSCALL_SPLICE: case WARDEN_SYSCALL_COPY_FILE_RANGE: /* (fd_in, off_in, fd_out, ...) */
		return (int)syscall_arg(regs, 2);
	default:
		return -1;
	}
}

/* A TCP Fast Open send: sendto or sendmsg with MSG_FASTOPEN connects and sends in one call. */
static __always_inline bool fast_open(struct pt_regs *regs, enum warden_syscall syscall, long ret)
{
	__u64 flags;

	if (syscall == WARDEN_SYSCALL_SENDTO)
		flags = syscall_arg(regs, 3);
	else if (syscall == WARDEN_SYSCALL_SENDMSG)
		flags = syscall_arg(regs, 2);
	else
		return false;
	return (flags & MSG_FASTOPEN) && (ret >= 0 || ret == -EINPROGRESS);
}

/* splice and sendfile read their input in the kernel; from a TCP socket that is
 * tcp_splice_read, which sock_recv_length does not see. */
static __always_inline void spliced_receive(struct task_struct *task, struct warden_process *proc,
					    struct pt_regs *regs, enum warden_syscall syscall, long ret)
{
	struct sock *sk;
	__u16 family;
	int fd;

	if (ret <= 0 || network_tainted(proc) || (proc->flags & WARDEN_PROCESS_AGENT_ROOT))
		return;
	fd = (int)syscall_arg(regs, syscall == WARDEN_SYSCALL_SENDFILE ? 1 : 0);
	sk = inet_sock_of(file_of_fd(task, fd), &family);
	if (sk)
		receive_network(task, proc, sk, family, ret);
}

/* pipe, pipe2 (int fds[2]) and socketpair (domain, type, protocol, int sv[2]): what was made. */
static __always_inline void mark_created(struct task_struct *task, const struct warden_process *proc,
					 struct pt_regs *regs, enum warden_syscall syscall)
{
	int fds[2] = { -1, -1 };
	void *user = (void *)syscall_arg(regs, syscall == WARDEN_SYSCALL_SOCKETPAIR ? 3 : 0);

	/* The kernel wrote the numbers there before returning; a thread racing to change them
	 * changes only which of the process's own descriptors is looked at. */
	if (bpf_probe_read_user(fds, sizeof(fds), user))
		return;
	/* A pipe's two ends are one inode; a socketpair's are two sockets, each the other's peer. */
	mark_written(file_of_fd(task, fds[1]), proc->exec_id);
	if (syscall == WARDEN_SYSCALL_SOCKETPAIR)
		mark_written(file_of_fd(task, fds[0]), proc->exec_id);
}

/* mmap(addr, len, prot, flags, fd, off) of a regular file, shared and writable, opened for
 * writing: stores into the mapping reach the file with no write call. */
static __always_inline void mark_mapped(struct task_struct *task, const struct warden_process *proc,
					struct pt_regs *regs, long ret)
{
	struct file *file;

	if ((unsigned long)ret >= (unsigned long)-4095L || !(syscall_arg(regs, 2) & PROT_WRITE) ||
	    !(syscall_arg(regs, 3) & MAP_SHARED))
		return;
	file = file_of_fd(task, (int)syscall_arg(regs, 4));
	if (file && (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) == S_IFREG &&
	    (BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		add_network_origin(BPF_CORE_READ(file, f_inode), proc->exec_id);
}

static __always_inline void on_write(struct warden_process *proc, struct pt_regs *regs,
				     enum warden_syscall syscall, long ret)
{
	struct task_struct *task;
	int fd;

	if (fast_open(regs, syscall, ret)) {
		task = (struct task_struct *)bpf_get_current_task_btf();
		report_connect(task, proc, file_of_fd(task, (int)syscall_arg(regs, 0)), syscall, ret);
	}
	if (syscall == WARDEN_SYSCALL_SPLICE || syscall == WARDEN_SYSCALL_SENDFILE)
		spliced_receive((struct task_struct *)bpf_get_current_task_btf(), proc, regs, syscall, ret);
	if (!carries_network_data(proc) || ret < 0)
		return;
	task = (struct task_struct *)bpf_get_current_task_btf();
	switch (syscall) {
	case WARDEN_SYSCALL_PIPE: case WARDEN_SYSCALL_PIPE2: case WARDEN_SYSCALL_SOCKETPAIR:
		if (ret == 0)
			mark_created(task, proc, regs, syscall);
		return;
	case WARDEN_SYSCALL_MMAP:
		mark_mapped(task, proc, regs, ret);
		return;
	default:
		fd = written_fd(regs, syscall);
		if (ret > 0 && fd >= 0)
			mark_written(file_of_fd(task, fd), proc->exec_id);
	}
}
