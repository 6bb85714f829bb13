/*
 * file.c — the results of open, openat, openat2, creat and open_by_handle_at (and of io_uring's
 * opens, io_uring.c), and execs that failed, of tracked
 * processes (called from sys_exit.c). At exit, because the path argument is user memory the kernel has faulted in
 * by then, and the opened file object exists. Included by warden.bpf.c (see there why).
 */

/* What one decoded open-like or exec-like syscall asked for. */
struct file_request {
	const char *path;
	int dirfd;
	__u64 flags; /* WARDEN_O_* bits (execveat: its AT_* flags) */
	__u32 mode;
	enum warden_syscall syscall;
	bool is_exec;
};

/* Reads the arguments of `syscall`; false when there is no event to make (a successful exec is
 * on_exec's). */
static __always_inline bool decode_request(struct pt_regs *regs, enum warden_syscall syscall, long ret,
					   struct file_request *r)
{
	r->syscall = syscall;
	r->dirfd = AT_FDCWD;
	r->mode = 0;
	r->is_exec = false;
	switch (syscall) {
	case WARDEN_SYSCALL_OPEN:
		r->path = (const char *)syscall_arg(regs, 0);
		r->flags = warden_open_flags(syscall_arg(regs, 1));
		r->mode = syscall_arg(regs, 2);
		return true;
	case WARDEN_SYSCALL_CREAT:
		r->path = (const char *)syscall_arg(regs, 0);
		r->flags = WARDEN_O_WRONLY | WARDEN_O_CREAT | WARDEN_O_TRUNC;
		r->mode = syscall_arg(regs, 1);
		return true;
	case WARDEN_SYSCALL_OPENAT:
		r->dirfd = syscall_arg(regs, 0);
		r->path = (const char *)syscall_arg(regs, 1);
		r->flags = warden_open_flags(syscall_arg(regs, 2));
		r->mode = syscall_arg(regs, 3);
		return true;
	case WARDEN_SYSCALL_OPENAT2: {
		struct open_how how = {};

		r->dirfd = syscall_arg(regs, 0);
		r->path = (const char *)syscall_arg(regs, 1);
		bpf_probe_read_user(&how, sizeof(how), (void *)syscall_arg(regs, 2));
		r->flags = warden_open_flags(how.flags);
		r->mode = how.mode;
		return true;
	}
	case WARDEN_SYSCALL_OPEN_BY_HANDLE_AT:
		/* (mount_fd, handle, flags): no path; the opened file says what it is. */
		r->dirfd = syscall_arg(regs, 0);
		r->path = NULL;
		r->flags = warden_open_flags(syscall_arg(regs, 2));
		return true;
	case WARDEN_SYSCALL_EXECVE:
		r->path = (const char *)syscall_arg(regs, 0);
		r->flags = 0;
		r->is_exec = true;
		return ret < 0;
	case WARDEN_SYSCALL_EXECVEAT:
		r->dirfd = syscall_arg(regs, 0);
		r->path = (const char *)syscall_arg(regs, 1);
		r->flags = syscall_arg(regs, 4);
		r->is_exec = true;
		return ret < 0;
	default:
		return false;
	}
}

#define PROC_SUPER_MAGIC 0x9fa0

/* /proc/PID/mem (or /proc/PID/task/TID/mem): another process's memory as a file. Which process it
 * is takes the lineage to say, so enforce mode holds every such open by a tool process and the
 * rules decide (its own memory and its session's are let go). */
static __always_inline bool process_memory_file(struct file *f)
{
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	char name[4] = {};

	if (BPF_CORE_READ(f, f_inode, i_sb, s_magic) != PROC_SUPER_MAGIC || BPF_CORE_READ(d, d_name.len) != 3)
		return false;
	bpf_probe_read_kernel(name, 3, BPF_CORE_READ(d, d_name.name));
	return name[0] == 'm' && name[1] == 'e' && name[2] == 'm';
}

/* A successful open: the kernel's own file object is the truth, whatever the argument said.
 * Writes its path at dst and returns the length; says which guarded entry the file is, and sets
 * *hold when enforce mode holds the open. */
static __always_inline __u32 describe_opened(struct task_struct *task, long fd, const struct warden_process *proc,
					     struct path_scratch *ps, struct warden_file_event *e, __u8 *dst,
					     __u16 *flags, bool *hold)
{
	struct file *f = file_of_fd(task, fd);
	__u32 len;

	if (!f)
		return 0;
	read_identity(BPF_CORE_READ(f, f_inode), &e->file);
	len = resolve_path(ps, &f->f_path, dst, flags);
	if (!(proc->flags & WARDEN_FLAG_UNTRACKED))
		e->guarded_match = guarded_match(f, &e->file, &e->guarded_id);
	*hold = enforced(proc) && !(proc->flags & WARDEN_PROCESS_AGENT_ROOT) &&
		(e->guarded_match != WARDEN_GUARDED_NONE || (e->file.kind == WARDEN_FILE_REGULAR && process_memory_file(f)));
	return len;
}

/* The directory a relative path argument is resolved against: dirfd's, or the working
 * directory. Writes its path at dst and returns the length. */
static __always_inline __u32 resolve_base(struct task_struct *task, int dirfd, struct path_scratch *ps, __u8 *dst,
					  __u16 *flags)
{
	struct file *dir = dirfd == AT_FDCWD ? NULL : file_of_fd(task, dirfd);

	if (dir)
		return resolve_path(ps, &dir->f_path, dst, flags);
	return resolve_path(ps, &task->fs->pwd, dst, flags);
}

/* A failure with a relative path: the directory it was relative to, so user space can join the
 * two into the path the kernel looked up. */
static __always_inline __u32 describe_base(struct task_struct *task, int dirfd, struct path_scratch *ps, __u8 *dst,
					   __u16 *flags)
{
	*flags |= WARDEN_FLAG_PATH_IS_BASE;
	return resolve_base(task, dirfd, ps, dst, flags);
}

/* Keeps file_origins up to date with a successful open, and fills the event's origin. Returns
 * whether enforce mode holds the open: a tool process about to read a file of network or decoded
 * origin (an interpreter running a download, whatever its name), or a start-up hook file the
 * lineage wrote (Python reading a .pth whose import lines it runs next), is stopped until the
 * rules have judged it. */
static __always_inline bool record_origin(struct task_struct *task, struct warden_process *proc,
					  const struct file_request *req, long fd, struct warden_file_identity *id,
					  __u16 *flags)
{
	bool writes = (req->flags & WARDEN_O_ACCMODE) != WARDEN_O_RDONLY;
	struct warden_file_key key = { .inode = id->inode, .dev = id->dev };
	__u8 one = 1;

	if (id->kind != WARDEN_FILE_REGULAR && id->kind != WARDEN_FILE_PIPE)
		return false;
	if (id->kind == WARDEN_FILE_REGULAR) {
		if (writes)
			bpf_map_update_elem(&lineage_writes, &key, &one, BPF_ANY);
		else if (bpf_map_lookup_elem(&lineage_writes, &key))
			*flags |= WARDEN_FLAG_LINEAGE_WRITTEN;
	}
	read_origin(id);
	if (writes && carries_network_data(proc)) {
		struct file *f = file_of_fd(task, fd);

		if (f)
			mark_origin(BPF_CORE_READ(f, f_inode), WARDEN_ORIGIN_NETWORK, proc->exec_id);
		id->origin |= WARDEN_ORIGIN_NETWORK;
		id->origin_exec_id = proc->exec_id;
		return false;
	}
	if (writes && (req->flags & WARDEN_O_TRUNC) && id->origin) {
		forget_origin(id);
		id->origin = 0;
		id->origin_exec_id = 0;
		return false;
	}
	if (writes || !(id->origin & (WARDEN_ORIGIN_NETWORK | WARDEN_ORIGIN_DECODED | WARDEN_ORIGIN_STARTUP_HOOK)))
		return false;
	if (id->origin & WARDEN_ORIGIN_NETWORK)
		taint_process(task, proc, WARDEN_PROCESS_NETWORK_DATA);
	return enforced(proc) && !(proc->flags & WARDEN_PROCESS_AGENT_ROOT);
}

/* One open or failed exec, made into an event and delivered (held when enforce mode says so).
 * `ret` is the syscall's result: the new fd, or -errno. */
static __always_inline void emit_file_event(struct warden_process *proc, const struct file_request *req,
					    long ret)
{
	__u32 zero = 0, offset, len = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);
	struct path_scratch *ps = bpf_map_lookup_elem(&path_space, &zero);
	struct warden_file_event *e;
	struct task_struct *task;
	__u16 flags = 0;
	bool hold = false;

	if (!s || !ps)
		return;
	e = &s->file.event;
	task = (struct task_struct *)bpf_get_current_task_btf();
	e->result = ret;
	e->flags = req->flags;
	e->mode = req->mode;
	e->syscall = req->syscall;
	offset = req->path ? copy_string(&s->file.data[0], WARDEN_PATH_MAX, req->path, USER_STRING, &flags) : 0;
	set_string(&e->requested, 0, offset);
	__builtin_memset(&e->file, 0, sizeof(e->file));
	e->guarded_id = 0;
	e->guarded_match = WARDEN_GUARDED_NONE;
	if (ret >= 0 && !req->is_exec) {
		len = describe_opened(task, ret, proc, ps, e, &s->file.data[offset], &flags, &hold);
		hold |= record_origin(task, proc, req, ret, &e->file, &flags);
	}
	else if (offset == 0 || s->file.data[0] != '/')
		len = describe_base(task, req->dirfd, ps, &s->file.data[offset], &flags);
	set_string(&e->path, offset, len);
	len += sizeof(*e) + offset;
	e->header.flags = flags;
	fill_header(&e->header, req->is_exec ? WARDEN_EVENT_EXEC_FAILED : WARDEN_EVENT_OPEN, len, proc);
	if (len > sizeof(s->file))
		return;
	deliver(task, proc, &e->header, len, hold);
}
