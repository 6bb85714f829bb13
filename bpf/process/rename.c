/*
 * rename.c — sys_exit: rename, renameat, renameat2, link, linkat, symlink and symlinkat of
 * tracked processes. A file written elsewhere and then renamed or linked onto ~/.bashrc, a git
 * hook or authorized_keys never opens the final path for writing, so the open events cannot see
 * it (issue #11). Included by warden.bpf.c; called from sys_exit.c after the syscall filter.
 *
 * At exit, like the opens: the path arguments are user memory the kernel has faulted in, and the
 * directory fds are still the ones the kernel resolved against. There is no file identity: the
 * destination's dentry is not reachable from a tracepoint at syscall exit (no path lookup helper
 * outside LSM programs, no kprobes here), and a sys_enter program to record the source inode would
 * add a helper call to every syscall on the host. See docs/events.md.
 */

/* What one decoded rename-like syscall asked for. */
struct rename_request {
	const char *source;
	const char *destination;
	int source_dirfd;
	int destination_dirfd;
	__u32 flags;
	__u32 operation; /* enum warden_rename_operation */
};

/* Reads the arguments of `syscall`; false when it is not a rename, link or symlink. */
static __always_inline bool decode_rename(struct pt_regs *regs, enum warden_syscall syscall, struct rename_request *r)
{
	bool at = syscall == WARDEN_SYSCALL_RENAMEAT || syscall == WARDEN_SYSCALL_RENAMEAT2 ||
		  syscall == WARDEN_SYSCALL_LINKAT;

	r->source_dirfd = AT_FDCWD;
	r->destination_dirfd = AT_FDCWD;
	r->flags = 0;
	switch (syscall) {
	case WARDEN_SYSCALL_RENAME: case WARDEN_SYSCALL_RENAMEAT: case WARDEN_SYSCALL_RENAMEAT2:
		r->operation = WARDEN_RENAME_OP_RENAME;
		break;
	case WARDEN_SYSCALL_LINK: case WARDEN_SYSCALL_LINKAT:
		r->operation = WARDEN_RENAME_OP_LINK;
		break;
	case WARDEN_SYSCALL_SYMLINK: case WARDEN_SYSCALL_SYMLINKAT:
		r->operation = WARDEN_RENAME_OP_SYMLINK;
		break;
	default:
		return false;
	}
	if (at) {
		/* (olddirfd, oldpath, newdirfd, newpath[, flags]) */
		r->source_dirfd = syscall_arg(regs, 0);
		r->source = (const char *)syscall_arg(regs, 1);
		r->destination_dirfd = syscall_arg(regs, 2);
		r->destination = (const char *)syscall_arg(regs, 3);
		if (syscall != WARDEN_SYSCALL_RENAMEAT)
			r->flags = syscall_arg(regs, 4);
	} else if (syscall == WARDEN_SYSCALL_SYMLINKAT) {
		/* (target, newdirfd, linkpath) */
		r->source = (const char *)syscall_arg(regs, 0);
		r->destination_dirfd = syscall_arg(regs, 1);
		r->destination = (const char *)syscall_arg(regs, 2);
	} else {
		r->source = (const char *)syscall_arg(regs, 0);
		r->destination = (const char *)syscall_arg(regs, 1);
	}
	return true;
}

/* Copies a path argument to data[pos] and, when it is relative, the directory it was resolved
 * against right after it. Returns the end of what was written. `limit` bounds pos where the
 * verifier sees it: the two calls write at most four paths, WARDEN_RENAME_DATA_MAX in all. */
static __always_inline __u32 copy_rename_path(struct task_struct *task, struct rename_scratch *s, struct path_scratch *ps,
					      const char *path, int dirfd, bool resolvable, __u32 pos, __u32 limit,
					      struct warden_string *out, struct warden_string *base, __u16 *flags)
{
	__u32 at = BOUNDED(pos, limit);
	__u8 *dst = &s->data[at];
	__u32 len = copy_string(dst, WARDEN_PATH_MAX, path, USER_STRING, flags);

	set_string(out, at, len);
	at = BOUNDED(at + len, limit + WARDEN_PATH_MAX);
	set_string(base, at, 0);
	if (!resolvable || (len > 0 && dst[0] == '/'))
		return at;
	base->length = resolve_base(task, dirfd, ps, &s->data[at], flags);
	return at + BOUNDED(base->length, WARDEN_PATH_MAX);
}

static __always_inline void emit_rename_event(const struct warden_process *proc, const struct rename_request *req,
					      enum warden_syscall syscall, long ret)
{
	__u32 zero = 0, len;
	struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);
	struct path_scratch *ps = bpf_map_lookup_elem(&path_space, &zero);
	struct warden_rename_event *e;
	struct task_struct *task;
	__u16 flags = 0;

	if (!s || !ps)
		return;
	e = &s->rename.event;
	task = (struct task_struct *)bpf_get_current_task_btf();
	e->result = ret;
	e->syscall = syscall;
	e->operation = req->operation;
	e->flags = req->flags;
	e->pad = 0;
	len = copy_rename_path(task, &s->rename, ps, req->source, req->source_dirfd,
			       req->operation != WARDEN_RENAME_OP_SYMLINK, 0, 0, &e->source, &e->source_base, &flags);
	len = copy_rename_path(task, &s->rename, ps, req->destination, req->destination_dirfd, true, len,
			       2 * WARDEN_PATH_MAX, &e->destination, &e->destination_base, &flags);
	len += sizeof(*e);
	e->header.flags = flags;
	fill_header(&e->header, WARDEN_EVENT_RENAME, len, proc);
	if (len > sizeof(s->rename))
		return;
	/* Enforce mode holds every successful one by a tool process: whether the destination is in a
	 * guarded directory would take a path lookup this program cannot do, so the rules decide. */
	deliver(task, proc, &e->header, len, ret == 0 && enforced(proc) && !(proc->flags & WARDEN_PROCESS_AGENT_ROOT));
}
