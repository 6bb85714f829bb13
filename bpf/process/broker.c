/*
 * broker.c — sys_exit of connect on an AF_UNIX stream or seqpacket socket by a tracked process:
 * a command handed to a server outside the lineage (issue #11, threat E9). `tmux send-keys` to a
 * tmux server started before the agent, `screen -X stuff`, `docker run` through docker.sock,
 * `systemd-run` through systemd's socket: the client is in the lineage, the command runs in the
 * server's tree, which no rule watches. Included by warden.bpf.c; called from connect.c, and from
 * compat.c for a connect through the i386 interface (connect or socketcall), whose event says so
 * (abi).
 *
 * Reported as a syscall event (syscall.c's record and target classification) whose target is the
 * server, as the kernel knows it for this connection: the peer credentials the client's socket
 * was given at connect (copied from what the server's listen() recorded: SO_PEERCRED), not the
 * path the client named. The path and the socket file are the server's too: the name it bound,
 * read from its socket. The server's executable identity is read from its task here, at the call
 * (the task the peer's struct pid leads, so a reused pid number never names another program);
 * user space names it (/proc/PID/exe, checked against this identity). A server that has exited
 * since it called listen() (a daemon that forks after listening) is reported with its pid and
 * no target: there is no process to name.
 *
 * Connects to a server inside the caller's session (the agent's own tmux, a test's fixture) and
 * to its own listener are not reported: they hand nothing out of the lineage. Failed connects
 * reach no server. In enforce mode a tool process's connect (never the agent root's) is held at
 * the exit: the command goes out only with the next send, so killing the held client stops it.
 */

/* The process a struct pid leads, or NULL once it has exited (the socket keeps the struct pid,
 * not the process: a server that listened and then forked away, as ssh-agent does, is gone). Read
 * from the struct pid itself rather than looked up by number, which another process may reuse. */
static __always_inline struct task_struct *task_of_pid(struct pid *pid)
{
	struct hlist_node___warden *link = BPF_CORE_READ(pid, tasks[PIDTYPE_TGID].first);

	if (!link)
		return NULL;
	return (void *)link - bpf_core_field_offset(struct task_struct, pid_links) - PIDTYPE_TGID * sizeof(*link);
}

/* The server socket's bound name into dst (at most sun_path's 108 bytes); sets the argument's
 * ABSTRACT or UNNAMED bit. Returns the bytes copied. */
static __always_inline __u32 read_server_name(struct unix_sock *server, __u8 *dst, __u64 *argument, __u16 *flags)
{
	struct unix_address *addr = BPF_CORE_READ(server, addr);
	const char *path;
	__u32 len;
	char first = 0;

	if (!addr) {
		*argument |= WARDEN_UNIX_UNNAMED;
		return 0;
	}
	/* len counts sun_family; a filesystem name is NUL-terminated in the kernel's copy. */
	len = BPF_CORE_READ(addr, len);
	path = (const char *)addr + bpf_core_field_offset(struct unix_address, name) +
	       bpf_core_field_offset(struct sockaddr_un___warden, sun_path);
	if (len <= sizeof(__u16) || bpf_probe_read_kernel(&first, 1, path) != 0) {
		*argument |= WARDEN_UNIX_UNNAMED;
		return 0;
	}
	if (first != 0)
		return copy_string(dst, 109, path, KERNEL_STRING, flags);
	*argument |= WARDEN_UNIX_ABSTRACT;
	len = BOUNDED(len - sizeof(__u16) - 1, 107);
	if (bpf_probe_read_kernel(dst, len, path + 1) != 0)
		return 0;
	return len;
}

/* True when the connect was reported. */
static __always_inline bool on_unix_connect(struct warden_process *proc, struct task_struct *task, struct sock *sk,
					    enum warden_syscall_abi abi, long ret)
{
	struct syscall_request req = {};
	struct warden_syscall_event *e;
	struct unix_sock *server;
	struct dentry *dentry;
	struct pid *peer_pid;
	struct task_struct *server_task;
	struct cred *peer_cred;
	struct scratch *s;
	__u64 target_exec_id;
	__u32 zero = 0, len, type, target;
	__u16 flags = 0;

	/* Host-wide scope traces everyone: a session is an agent's, and only its tools can hand a
	 * command out of it. */
	if (ret != 0 || (proc->flags & WARDEN_FLAG_UNTRACKED))
		return false;
	type = BPF_CORE_READ(sk, sk_type);
	if (type != SOCK_STREAM && type != SOCK_SEQPACKET)
		return false;
	peer_pid = BPF_CORE_READ(sk, sk_peer_pid);
	server_task = peer_pid ? task_of_pid(peer_pid) : NULL;
	/* The server as the caller sees it (its pid number) even when it is gone; classified only
	 * while it lives, since its number may name another process since. */
	req.target_pid = peer_pid ? BPF_CORE_READ(peer_pid, numbers[0].nr) : 0;
	req.target_tgid = server_task ? req.target_pid : 0;
	target = server_task ? classify_target(proc, &req, &target_exec_id) : WARDEN_TARGET_NONE;
	if (!server_task)
		target_exec_id = 0;
	if (target & (WARDEN_TARGET_SAME_SESSION | WARDEN_TARGET_SELF))
		return false;
	s = bpf_map_lookup_elem(&scratch_space, &zero);
	if (!s)
		return false;
	e = &s->syscall.event;
	e->result = ret;
	e->syscall = WARDEN_SYSCALL_CONNECT;
	e->target_flags = target;
	e->argument = type;
	e->target_pid = req.target_pid;
	e->target_exec_id = target_exec_id;
	e->abi = abi;
	e->pad = 0;
	peer_cred = (struct cred *)BPF_CORE_READ(sk, sk_peer_cred);
	e->target_uid = peer_cred ? BPF_CORE_READ(peer_cred, euid.val) : (__u32)-1;
	__builtin_memset(&e->socket, 0, sizeof(e->socket));
	__builtin_memset(&e->target_executable, 0, sizeof(e->target_executable));
	server = (struct unix_sock *)BPF_CORE_READ((struct unix_sock *)sk, peer);
	len = 0;
	if (server) {
		len = read_server_name(server, &s->syscall.data[0], &e->argument, &flags);
		dentry = BPF_CORE_READ(server, path.dentry);
		if (dentry) {
			struct inode *inode = BPF_CORE_READ(dentry, d_inode);

			/* A filesystem socket's own inode, not a sockfs one: no family to read behind it. */
			if (inode) {
				e->socket.inode = BPF_CORE_READ(inode, i_ino);
				e->socket.dev = BPF_CORE_READ(inode, i_sb, s_dev);
				e->socket.nlink = BPF_CORE_READ(inode, i_nlink);
				e->socket.mode = BPF_CORE_READ(inode, i_mode);
				e->socket.kind = file_kind(e->socket.mode);
				e->socket.socket_family = AF_UNIX;
			}
		}
	} else {
		e->argument |= WARDEN_UNIX_UNNAMED;
	}
	if (server_task) {
		struct inode *exe = BPF_CORE_READ(server_task, mm, exe_file, f_inode);

		if (exe)
			read_identity(exe, &e->target_executable);
	}
	set_string(&e->path, 0, len);
	len += sizeof(*e);
	e->header.flags = flags;
	fill_header(&e->header, WARDEN_EVENT_SYSCALL, len, proc);
	if (len > sizeof(s->syscall))
		return false;
	deliver(task, proc, &e->header, len, enforced(proc) && !(proc->flags & WARDEN_PROCESS_AGENT_ROOT));
	return true;
}
