/*
 * io_uring.c — opens made by an io_uring (IORING_OP_OPENAT, IORING_OP_OPENAT2) of tracked
 * processes, and its connects and writes (on_ring_io). They never pass open's syscall exit: the ring opens the file in the kernel, inline
 * in io_uring_enter or on one of the process's io-wq worker threads. The completion is where the
 * result is known, so this program reads it there and makes the same file event as an open
 * (syscall "io_uring_openat"): the same identity, origin, guarded match and enforce-mode hold.
 * Included by warden.bpf.c (see there why).
 *
 * The completing thread belongs to the process that owns the ring (its own thread, a worker or
 * the SQPOLL thread all share its thread group and its fd table), so the fd in the result is
 * resolved in the current task's table. A direct descriptor (file_slot) installs no fd: that open
 * is reported without a file. Holding stops the process when it next returns to user space; an
 * operation linked after the open in the same submission runs before that, which is why
 * io_uring_setup itself is reported and held (syscall.c) and can be killed by a rule.
 */

static __always_inline bool ring_opcode_watched(__u8 opcode)
{
	switch (opcode) {
	case IORING_OP_OPENAT: case IORING_OP_OPENAT2: case IORING_OP_CONNECT:
	case IORING_OP_WRITEV: case IORING_OP_WRITE_FIXED: case IORING_OP_WRITE:
	case IORING_OP_SEND: case IORING_OP_SENDMSG: case IORING_OP_SEND_ZC: case IORING_OP_SENDMSG_ZC:
		return true;
	default:
		return false;
	}
}

/* A ring's connect taints like connect(2) (its recv needs nothing here: it goes through
 * sock_recvmsg, receive.c); a ring's write by a process carrying network data marks its target
 * like write(2) (write.c). The request's file is the one the operation used, a registered
 * (fixed) file too. */
static __always_inline void on_ring_io(struct warden_process *proc, struct io_kiocb *req, __u8 opcode, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct file *file = BPF_CORE_READ(req, file);

	if (opcode == IORING_OP_CONNECT) {
		if (ret == 0 || ret == -EINPROGRESS)
			report_connect(task, proc, file, WARDEN_SYSCALL_IO_URING_CONNECT, ret);
	} else if (ret > 0 && carries_network_data(proc)) {
		mark_written(file, proc->exec_id);
	}
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(on_io_uring_complete, void *ctx_unused, struct io_kiocb *req, struct io_uring_cqe *cqe)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct warden_process *proc;
	struct file_request open = {};
	struct io_open *op;
	__u8 opcode = BPF_CORE_READ(req, opcode);
	long ret;

	if (!ring_opcode_watched(opcode))
		return 0;
	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (!proc || tgid == config.monitor_tgid)
		return 0;
	if (opcode != IORING_OP_OPENAT && opcode != IORING_OP_OPENAT2) {
		on_ring_io(proc, req, opcode, BPF_CORE_READ(cqe, res));
		return 0;
	}
	op = (struct io_open *)req;
	ret = BPF_CORE_READ(cqe, res);
	if (ret >= 0 && BPF_CORE_READ(op, file_slot) != 0)
		ret = -1; /* no fd to resolve: reported as an open without a file */
	open.syscall = WARDEN_SYSCALL_IO_URING_OPENAT;
	open.dirfd = AT_FDCWD;
	open.path = NULL;
	open.flags = warden_open_flags(BPF_CORE_READ(op, how.flags));
	open.mode = BPF_CORE_READ(op, how.mode);
	emit_file_event(proc, &open, ret);
	return 0;
}
