/*
 * connect.c — sys_exit: connect, accept and accept4 of tracked processes on internet sockets.
 * The process is then network-tainted (bpf/lib/origins.h) and a connect event says with whom.
 * Included by warden.bpf.c; called from sys_exit.c after the syscall filter.
 *
 * The peer comes from the kernel's socket (the sock's destination address and port), not from the
 * sockaddr the process passed: for accept there is none, and for connect the kernel's copy is the
 * one it acted on. Loopback peers count: a local server can hand out a payload as well as a remote
 * one. AF_UNIX sockets do not taint: a connect to a server outside the session is broker.c's
 * (a command handed out of the lineage); netlink is ignored. A non-blocking connect
 * (-EINPROGRESS) counts: the data arrives later on the same socket. The other ways of connecting
 * (a TCP Fast Open send, write.c; a ring's connect, io_uring.c) report through report_connect;
 * receiving from a peer the process never connected to taints in receive.c.
 */

/* The socket fd the syscall's result is about; -1 when it failed. */
static __always_inline int connected_fd(struct pt_regs *regs, enum warden_syscall syscall, long ret)
{
	switch (syscall) {
	case WARDEN_SYSCALL_CONNECT:
		return ret == 0 || ret == -EINPROGRESS ? (int)syscall_arg(regs, 0) : -1;
	case WARDEN_SYSCALL_ACCEPT: case WARDEN_SYSCALL_ACCEPT4:
		return ret >= 0 ? (int)ret : -1;
	default:
		return -1;
	}
}

/* 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104; the address in network byte order. */
static __always_inline bool loopback_peer(__u16 family, const __u8 *a)
{
	bool zero80 = true, zero120 = true;

	if (family == AF_INET)
		return a[0] == 127;
	for (int i = 0; i < 10; i++)
		zero80 &= a[i] == 0;
	for (int i = 10; i < 15; i++)
		zero120 &= a[i] == 0;
	if (zero80 && zero120 && a[15] == 1)
		return true;
	return zero80 && a[10] == 0xff && a[11] == 0xff && a[12] == 127;
}

static __always_inline bool is_connect_syscall(enum warden_syscall syscall)
{
	return syscall == WARDEN_SYSCALL_CONNECT || syscall == WARDEN_SYSCALL_ACCEPT || syscall == WARDEN_SYSCALL_ACCEPT4;
}

/* The peer of an internet socket, from the kernel's socket: its destination. Unconnected
 * (a datagram socket receiving from anyone): port 0 and an all-zero address. */
static __always_inline void read_peer(struct sock *sk, __u16 family, struct warden_connect_event *e)
{
	e->family = family;
	e->port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		__u32 address = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(e->address, &address, sizeof(address));
	} else {
		BPF_CORE_READ_INTO(&e->address, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* The internet socket behind `file`, and its family; NULL for anything else. */
static __always_inline struct sock *inet_sock_of(struct file *file, __u16 *family)
{
	struct socket *sock;
	struct inode *inode;
	struct sock *sk;

	if (!file)
		return NULL;
	inode = BPF_CORE_READ(file, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = inode_socket(inode);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return *family == AF_INET || *family == AF_INET6 ? sk : NULL;
}

/* A connect (in any of its forms: connect, a Fast Open send, a ring's connect) or an accept on
 * `file` completed with `ret`: reported with the peer, and tainting. */
static __always_inline void report_connect(struct task_struct *task, struct warden_process *proc, struct file *file,
					   enum warden_syscall syscall, long ret)
{
	struct warden_connect_event e = {};
	bool accepted = syscall == WARDEN_SYSCALL_ACCEPT || syscall == WARDEN_SYSCALL_ACCEPT4;
	struct sock *sk;
	__u16 family;

	sk = inet_sock_of(file, &family);
	if (!sk)
		return;
	e.result = ret;
	e.syscall = syscall;
	read_peer(sk, family, &e);
	/* A server reached from loopback is local plumbing (a notebook kernel, a test server, a
	 * language server): it is reported, but only a connect, or an accept from another host,
	 * taints. The receive sensor (receive.c) keeps the same line: bytes from a loopback peer
	 * taint only the side that connected, which this already did. */
	if (!accepted || !loopback_peer(family, e.address))
		taint_process(task, proc, WARDEN_PROCESS_NETWORK_TAINT);
	fill_header(&e.header, WARDEN_EVENT_CONNECT, sizeof(e), proc);
	submit(&e, sizeof(e));
}

static __always_inline void on_connect(struct warden_process *proc, struct pt_regs *regs,
				       enum warden_syscall syscall, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	int fd = connected_fd(regs, syscall, ret);

	struct file *file;

	if (fd < 0)
		return;
	file = file_of_fd(task, fd);
	if (!file)
		return;
	if (syscall == WARDEN_SYSCALL_CONNECT) {
		struct sock *sk = sock_of_fd(task, fd);

		if (sk && BPF_CORE_READ(sk, __sk_common.skc_family) == AF_UNIX)
			on_unix_connect(proc, task, sk, WARDEN_ABI_NATIVE, ret);
	}
	report_connect(task, proc, file, syscall, ret);
	/* An AF_UNIX connection made or accepted by a process carrying network data: its peer is
	 * marked before the first byte goes out (origins.h, unix_carriers). */
	if (carries_network_data(proc))
		mark_written(file, proc->exec_id);
}
