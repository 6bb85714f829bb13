/*
 * receive.c — sock:sock_recv_length: the bytes a tracked process receives, on any socket,
 * whatever call received them. Taint at the data: the connect sensor (connect.c) sees connect
 * and accept calls, but a process can get network data with neither (a UDP datagram socket
 * receiving with recvfrom, a TCP Fast Open send, a ring's connect and recv, a socket handed over
 * by SCM_RIGHTS or inherited). The kernel traces every receive that goes through sock_recvmsg
 * (read, readv, recv, recvfrom, recvmsg, recvmmsg on a socket, io_uring's recv and recvmsg and
 * its reads of a socket) with the socket and the length, after the bytes were copied. Not through
 * it: splice and sendfile reading a TCP socket (tcp_splice_read; write.c looks at those calls'
 * input), and zero-copy receives (io_uring's RECV_ZC, TCP_ZEROCOPY_RECEIVE's mmap).
 * Included by warden.bpf.c (see there why).
 *
 * Policy (the same line as connect.c): bytes from a loopback peer are local plumbing, so they
 * taint nobody here; the side that connected to a loopback server was tainted by its connect
 * (in whichever form), and the server that accepted from loopback is not. A socket with no peer
 * (an unconnected datagram socket) may hear anyone: it taints, unless it is bound to a loopback
 * address, which only local processes can reach. AF_UNIX: a socket a process carrying network
 * data sends to (origins.h, unix_carriers) hands that data on; its reader
 * carries it (WARDEN_PROCESS_NETWORK_DATA), like a reader of a network-origin file, and a
 * connect event with family AF_UNIX says so.
 */

/* The socket is bound to a loopback address: only local processes can send to it. */
static __always_inline bool bound_to_loopback(struct sock *sk, __u16 family)
{
	__u8 local[16] = {};

	if (family == AF_INET) {
		__u32 address = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memcpy(local, &address, sizeof(address));
	} else {
		BPF_CORE_READ_INTO(&local, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
	}
	return loopback_peer(family, local);
}

/* `len` bytes arrived on an internet socket of a tracked process that is not tainted yet. */
static __always_inline void receive_network(struct task_struct *task, struct warden_process *proc, struct sock *sk,
					    __u16 family, long len)
{
	struct warden_connect_event e = {};

	read_peer(sk, family, &e);
	if (e.port != 0 ? loopback_peer(family, e.address) : bound_to_loopback(sk, family))
		return;
	e.result = len;
	e.syscall = WARDEN_SYSCALL_RECV;
	taint_process(task, proc, WARDEN_PROCESS_NETWORK_TAINT);
	fill_header(&e.header, WARDEN_EVENT_CONNECT, sizeof(e), proc);
	submit(&e, sizeof(e));
}

/* Bytes arrived on an AF_UNIX socket of a tracked process that carries no network data yet. */
static __always_inline void receive_local(struct task_struct *task, struct warden_process *proc, struct sock *sk,
					  long len)
{
	__u64 key = (__u64)sk;
	struct unix_carrier *carrier = bpf_map_lookup_elem(&unix_carriers, &key);
	struct warden_connect_event e = {};
	bool same_connection;

	if (!carrier)
		return;
	same_connection = carrier->peer_pid == (__u64)BPF_CORE_READ(sk, sk_peer_pid);
	bpf_map_delete_elem(&unix_carriers, &key);
	if (!same_connection)
		return;
	taint_process(task, proc, WARDEN_PROCESS_NETWORK_DATA);
	/* Said to user space like a receive from the network (family AF_UNIX, no address): a shell
	 * reading this process's output pipe is judged again, as for a download's. */
	e.result = len;
	e.syscall = WARDEN_SYSCALL_RECV;
	e.family = AF_UNIX;
	fill_header(&e.header, WARDEN_EVENT_CONNECT, sizeof(e), proc);
	submit(&e, sizeof(e));
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock *sk, int ret, int flags)
{
	/* Every receive on the host passes here: nothing before the length test and the table
	 * lookup, and the already-tainted return right after it. */
	struct task_struct *task;
	struct warden_process *proc;
	__u32 tgid;
	__u16 family;

	if (ret <= 0 || (flags & MSG_ERRQUEUE))
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (!proc || network_tainted(proc) || (proc->flags & WARDEN_PROCESS_AGENT_ROOT) || tgid == config.monitor_tgid)
		return 0;
	task = (struct task_struct *)bpf_get_current_task_btf();
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET || family == AF_INET6)
		receive_network(task, proc, sk, family, ret);
	else if (family == AF_UNIX && !carries_network_data(proc))
		receive_local(task, proc, sk, ret);
	return 0;
}
