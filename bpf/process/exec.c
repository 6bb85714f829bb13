/*
 * exec.c — sched_process_exec: every exec on the host passes here. Recognises agent roots and
 * sends the full exec context of tracked processes. Included by warden.bpf.c (see there why).
 */

/* Looks the new image up in the agent tables: by file identity, then by the exact exec path. */
static __always_inline __u32 agent_of_exec(struct path_scratch *s, struct linux_binprm *bprm,
					   const struct warden_file_identity *exe)
{
	struct warden_file_key file_key = { .inode = exe->inode, .dev = exe->dev };
	__u32 *agent = bpf_map_lookup_elem(&agent_executables, &file_key);

	if (agent)
		return *agent;
	/* Path matching is for shebang scripts only; the kernel points interp at a new string only
	 * when a script (or binfmt_misc) ran, so the pointer comparison spares every direct exec the
	 * 256-byte key copy and hash. */
	if (BPF_CORE_READ(bprm, interp) == BPF_CORE_READ(bprm, filename))
		return 0;
	__builtin_memset(&s->agent_path, 0, sizeof(s->agent_path));
	bpf_probe_read_kernel_str(s->agent_path.path, sizeof(s->agent_path.path), BPF_CORE_READ(bprm, filename));
	agent = bpf_map_lookup_elem(&agent_paths, &s->agent_path);
	return agent ? *agent : 0;
}

/* An untracked process enters the table at its exec: as an agent root, or untracked in
 * host-wide scope. Its parent's image (if tracked) stays its parent. */
static __always_inline struct warden_process *adopt(__u32 tgid, struct task_struct *task, __u32 agent_id)
{
	__u32 parent_tgid = BPF_CORE_READ(task, real_parent, tgid);
	struct warden_process *parent = bpf_map_lookup_elem(&processes, &parent_tgid);
	struct warden_process fresh = {
		.agent_id = agent_id,
		.flags = agent_id ? WARDEN_PROCESS_AGENT_ROOT : WARDEN_FLAG_UNTRACKED,
		.parent_exec_id = parent ? parent->exec_id : 0,
	};

	if (!record_process(tgid, &fresh))
		return NULL;
	return bpf_map_lookup_elem(&processes, &tgid);
}

/* The table entry of the exec'ing process, or NULL when Warden does not trace it. Sets
 * WARDEN_FLAG_AGENT_ROOT in flags when this exec starts an agent session. */
static __always_inline struct warden_process *process_of_exec(__u32 tgid, struct task_struct *task,
							      struct linux_binprm *bprm, struct path_scratch *ps,
							      const struct warden_file_identity *exe, __u16 *flags)
{
	struct warden_process *proc = bpf_map_lookup_elem(&processes, &tgid);
	__u32 agent_id;

	if (proc)
		return proc;
	agent_id = agent_of_exec(ps, bprm, exe);
	if (!agent_id && !config.host_wide)
		return NULL;
	proc = adopt(tgid, task, agent_id);
	if (proc && agent_id)
		*flags |= WARDEN_FLAG_AGENT_ROOT;
	return proc;
}

/* The process keeps its table entry across exec; the image, and so the exec id, is new. The new
 * image starts untainted (its code is the executable's); the event keeps the old image's taint,
 * since that image's memory made argv and the environment. */
static __always_inline void begin_image(struct warden_process *proc, struct warden_exec_event *e, __u16 *flags)
{
	if (network_tainted(proc))
		*flags |= WARDEN_FLAG_NETWORK_TAINT;
	if (proc->flags & WARDEN_PROCESS_NETWORK_FED)
		*flags |= WARDEN_FLAG_NETWORK_STDIN_INPUT;
	if (proc->flags & WARDEN_PROCESS_NETWORK_DATA)
		*flags |= WARDEN_FLAG_NETWORK_FILE_INPUT;
	proc->flags &= ~(WARDEN_PROCESS_NETWORK_ANY | WARDEN_PROCESS_COMPAT_REPORTED);
	e->previous_exec_id = proc->exec_id;
	proc->exec_id = next_exec_id();
	if (*flags & WARDEN_FLAG_AGENT_ROOT)
		proc->session_id = proc->exec_id;
}

static __always_inline void read_exec_context(struct warden_exec_event *e, struct task_struct *task,
					      struct linux_binprm *bprm, struct warden_process *proc)
{
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = BPF_CORE_READ(task, cred, uid.val);
	e->euid = BPF_CORE_READ(task, cred, euid.val);
	e->gid = BPF_CORE_READ(task, cred, gid.val);
	e->login_uid = bpf_core_field_exists(task->loginuid) ? BPF_CORE_READ(task, loginuid.val) : (__u32)-1;
	e->argc = BPF_CORE_READ(bprm, argc);
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = file_of_fd(task, fd);

		read_identity(f ? BPF_CORE_READ(f, f_inode) : NULL, &e->stdio[fd]);
		read_origin(&e->stdio[fd]);
	}
	read_origin(&e->executable);
	/* `curl … | sh`, `sh < downloaded`, a shell on a TCP connection: the new image reads network
	 * data from its first instruction. */
	if (network_stdin(&e->stdio[0]))
		taint_process(task, proc, WARDEN_PROCESS_NETWORK_STDIN);
	BPF_CORE_READ_INTO(&e->comm, task, comm);
}

/* Fills the exec's data area; returns the bytes used. Offsets grow by bounded lengths only, so
 * every write provably stays inside data[]. */
static __always_inline __u32 read_exec_strings(struct exec_scratch *x, struct path_scratch *ps,
					       struct task_struct *task, struct linux_binprm *bprm,
					       struct file *exe_file, __u16 *flags)
{
	struct warden_exec_event *e = &x->event;
	__u32 offset = 0, len;

	len = copy_string(&x->data[0], WARDEN_PATH_MAX, BPF_CORE_READ(bprm, filename), KERNEL_STRING, flags);
	set_string(&e->filename, offset, len);
	offset += len;

	len = copy_string(&x->data[offset], WARDEN_INTERP_MAX, BPF_CORE_READ(bprm, interp), KERNEL_STRING, flags);
	set_string(&e->interpreter, offset, len);
	offset += len;

	len = resolve_path(ps, &exe_file->f_path, &x->data[offset], flags);
	set_string(&e->executable_path, offset, len);
	offset += len;

	len = resolve_path(ps, &task->fs->pwd, &x->data[offset], flags);
	set_string(&e->cwd, offset, len);
	offset += len;

	len = copy_user_block(&x->data[offset], BPF_CORE_READ(task, mm, arg_start), BPF_CORE_READ(task, mm, arg_end),
			      WARDEN_ARGV_MAX, WARDEN_FLAG_ARGV_TRUNCATED, flags);
	set_string(&e->argv, offset, len);
	offset += len;

	/* The environment, for injection checks (LD_PRELOAD, NODE_OPTIONS, ...). User space keeps
	 * only the variables it inspects; the rest is never stored or exported. */
	len = copy_user_block(&x->data[offset], BPF_CORE_READ(task, mm, env_start), BPF_CORE_READ(task, mm, env_end),
			      WARDEN_ENV_MAX, WARDEN_FLAG_ENV_TRUNCATED, flags);
	set_string(&e->env, offset, len);
	offset += len;
	return offset;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);
	struct path_scratch *ps = bpf_map_lookup_elem(&path_space, &zero);
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct warden_exec_event *e;
	struct warden_process *proc;
	struct file *exe_file;
	__u16 flags = 0;
	__u32 len;

	if (!s || !ps || tgid == config.monitor_tgid)
		return 0;
	e = &s->exec.event;
	exe_file = BPF_CORE_READ(bprm, file);
	read_identity(BPF_CORE_READ(exe_file, f_inode), &e->executable);
	proc = process_of_exec(tgid, task, bprm, ps, &e->executable, &flags);
	if (!proc)
		return 0;
	begin_image(proc, e, &flags);
	/* A 32-bit image: all its calls go through the compat ABI. Said here, where enforce mode
	 * holds it before its first instruction; its execve's return is not reported again (compat.c). */
	if (task_abi(task) != WARDEN_ABI_NATIVE) {
		flags |= WARDEN_FLAG_COMPAT_IMAGE;
		proc->flags |= WARDEN_PROCESS_COMPAT_REPORTED;
	}
	read_exec_context(e, task, bprm, proc);
	len = sizeof(*e) + read_exec_strings(&s->exec, ps, task, bprm, exe_file, &flags);
	e->header.flags = flags;
	fill_header(&e->header, WARDEN_EVENT_EXEC, len, proc);
	if (len > sizeof(s->exec))
		return 0;
	deliver(task, proc, &e->header, len, enforced(proc));
	return 0;
}
