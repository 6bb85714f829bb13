// SPDX-License-Identifier: GPL-2.0
/*
 * warden.bpf.c — Warden's kernel sensors.
 *
 * Four tracepoints, all attached through BTF (tp_btf), so nothing here needs tracefs:
 *   sched_process_exec  every exec; recognises agent roots; full exec context for tracked processes
 *   sched_process_fork  children inherit their parent's lineage (agent, session) in the kernel
 *   sched_process_exit  exit status of tracked processes; evicts them from the process table
 *   sys_exit            open/openat/openat2/creat results and failed execs of tracked processes
 *
 * Only processes in the process table (agent lineages, or everyone with host-wide scope) produce
 * events; everything else returns after one hash lookup and never reaches user space.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "kernel_types.h"
#include "warden_abi.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct warden_config config = {};

/* Exec ids are config.exec_id_base + a per-load sequence number. */
static __u64 exec_id_sequence;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_PROCESSES);
	__type(key, __u32);
	__type(value, struct warden_process);
} processes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_AGENT_EXECUTABLES);
	__type(key, struct warden_file_key);
	__type(value, __u32);
} agent_executables SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_AGENT_EXECUTABLES);
	__type(key, struct warden_path_key);
	__type(value, __u32);
} agent_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct warden_counters);
} counters SEC(".maps");

/* Enforce mode: processes stopped until Warden decides, by tgid. Warden deletes an entry when it
 * continues the process; on_exit deletes it when the process dies (killed). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_HELD);
	__type(key, __u32);
	__type(value, struct warden_hold);
} held SEC(".maps");

/* Enforce mode: files, and directories (for the files directly in them), whose opens by a tool
 * process are held for the rule engine. By identity, so links and relative paths change nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_GUARDED);
	__type(key, struct warden_file_key);
	__type(value, __u32);
} guarded_files SEC(".maps");

/*
 * Per-CPU scratch space: events are assembled here and copied into the ring buffer at their real
 * size, so a short exec does not reserve room for the longest one.
 */
#define PATH_MASK (WARDEN_PATH_MAX - 1)
#define NAME_MAX_LEN 255u

/* Bounds v by max with a compare the verifier can see: the barrier keeps clang from folding the
 * check into earlier arithmetic on another register, which the verifier would not connect. */
#define BOUNDED(v, max) ({ __u32 __b = (v); barrier_var(__b); if (__b > (max)) __b = (max); __b; })

struct exec_scratch {
	struct warden_exec_event event;
	__u8 data[WARDEN_EXEC_DATA_MAX];
};

struct file_scratch {
	struct warden_file_event event;
	__u8 data[WARDEN_FILE_DATA_MAX];
};

/* Per-CPU values are limited to 32 KiB, so events and path building use separate scratch maps. */
struct scratch {
	union {
		struct exec_scratch exec;
		struct file_scratch file;
	};
};

struct path_scratch {
	/* Paths are built backwards, from the last component to the root. */
	char path[WARDEN_PATH_MAX + NAME_MAX_LEN + 1];
	struct warden_path_key agent_path;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_space SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_scratch);
} path_space SEC(".maps");

static __always_inline struct warden_counters *this_cpu_counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline __u64 next_exec_id(void)
{
	return config.exec_id_base + __sync_fetch_and_add(&exec_id_sequence, 1) + 1;
}

static __always_inline void fill_header(struct warden_event_header *h, __u16 kind, __u32 size,
					const struct warden_process *proc)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->size = size;
	h->time_ns = bpf_ktime_get_boot_ns();
	h->exec_id = proc->exec_id;
	h->parent_exec_id = proc->parent_exec_id;
	h->session_id = proc->session_id;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->agent_id = proc->agent_id;
	h->cpu = bpf_get_smp_processor_id();
	if (proc->flags & WARDEN_FLAG_UNTRACKED)
		h->flags |= WARDEN_FLAG_UNTRACKED;
}

/*
 * Records go out without a wakeup: a wakeup is an interrupt and a context switch for one record,
 * which cost more than the record. Warden polls every 10 ms, and its epoll returns at once while
 * records are waiting, so a busy reader never sleeps on data; an idle one sees a record within
 * 10 ms (4 MiB cannot fill that fast). Only a held process wakes Warden at once. (Forcing wakeups
 * once the buffer filled up was tried: every record then paid for one, which throttled the traced
 * process fivefold.)
 */
static __always_inline bool submit_with(void *record, __u32 size, bool urgent)
{
	struct warden_counters *c = this_cpu_counters();

	if (bpf_ringbuf_output(&events, record, size, urgent ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP) == 0) {
		if (c)
			c->events_emitted++;
		return true;
	}
	if (c)
		c->ringbuf_drops++;
	return false;
}

static __always_inline bool submit(void *record, __u32 size)
{
	return submit_with(record, size, false);
}

#define SIGKILL 9
#define SIGCONT 18
#define SIGSTOP 19

/*
 * Enforce mode. A held process is stopped with SIGSTOP from inside its own exec or open: the
 * signal is acted on before the task next returns to user space, so the new image runs no
 * instruction and the opened file yields no byte until Warden continues or kills it (by pidfd).
 * The hold is recorded before the event is submitted, so Warden can never see the event before
 * the hold exists. If the hold cannot be recorded or the event not delivered, Warden cannot
 * decide, and the fail mode decides here: closed kills, open lets the process run.
 */
static __always_inline bool begin_hold(struct task_struct *task, const struct warden_process *proc, __u32 kind)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct warden_hold hold = {
		.exec_id = proc->exec_id,
		.start_time_ns = BPF_CORE_READ(task, start_boottime),
		.held_at_ns = bpf_ktime_get_boot_ns(),
		.event_kind = kind,
	};

	if (bpf_map_update_elem(&held, &tgid, &hold, BPF_ANY) != 0)
		return false;
	if (bpf_send_signal(SIGSTOP) != 0) {
		bpf_map_delete_elem(&held, &tgid);
		return false;
	}
	return true;
}

/* Submits an event of a process that enforce mode wants held, and applies the fail mode when the
 * hold or the delivery failed. `record` starts with its header, whose flags get WARDEN_FLAG_HELD. */
static __always_inline void submit_held(struct task_struct *task, const struct warden_process *proc,
					struct warden_event_header *record, __u32 size)
{
	struct warden_counters *c = this_cpu_counters();
	__u32 tgid = BPF_CORE_READ(task, tgid);
	bool holding = begin_hold(task, proc, record->kind);

	if (holding)
		record->flags |= WARDEN_FLAG_HELD;
	if (submit_with(record, size, holding) && holding) {
		if (c)
			c->holds++;
		return;
	}
	if (config.fail_closed) {
		bpf_send_signal(SIGKILL);
		if (c)
			c->fail_closed_kills++;
	} else if (holding) {
		/* SIGCONT discards the pending SIGSTOP: the process runs as if never held. */
		bpf_map_delete_elem(&held, &tgid);
		bpf_send_signal(SIGCONT);
	}
}

static __always_inline bool is_guarded(struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct inode *directory = BPF_CORE_READ(f, f_path.dentry, d_parent, d_inode);
	struct warden_file_key key = {
		.inode = BPF_CORE_READ(inode, i_ino),
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};

	if (bpf_map_lookup_elem(&guarded_files, &key))
		return true;
	key.inode = BPF_CORE_READ(directory, i_ino);
	key.dev = BPF_CORE_READ(directory, i_sb, s_dev);
	return bpf_map_lookup_elem(&guarded_files, &key) != NULL;
}

static __always_inline bool enforced(const struct warden_process *proc)
{
	return config.enforce && !(proc->flags & WARDEN_FLAG_UNTRACKED);
}

static __always_inline void read_identity(struct inode *inode, struct warden_file_identity *id)
{
	__u32 fmt;

	__builtin_memset(id, 0, sizeof(*id));
	if (!inode)
		return;
	id->mode = BPF_CORE_READ(inode, i_mode);
	id->inode = BPF_CORE_READ(inode, i_ino);
	id->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	id->rdev = BPF_CORE_READ(inode, i_rdev);
	id->nlink = BPF_CORE_READ(inode, i_nlink);
	fmt = id->mode & S_IFMT;
	if (fmt == S_IFREG)
		id->kind = WARDEN_FILE_REGULAR;
	else if (fmt == S_IFIFO)
		id->kind = WARDEN_FILE_PIPE;
	else if (fmt == S_IFSOCK) {
		/* The family tells a network peer (a reverse shell) from the AF_UNIX socketpairs that
		 * libuv-based agents (node, bun) use as their children's stdio. */
		struct socket *sock = (void *)inode - bpf_core_field_offset(struct socket_alloc, vfs_inode);

		id->kind = WARDEN_FILE_SOCKET;
		id->socket_family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	}
	else if (fmt == S_IFCHR)
		id->kind = WARDEN_FILE_CHAR_DEVICE;
	else if (fmt == S_IFDIR)
		id->kind = WARDEN_FILE_DIRECTORY;
	else
		id->kind = WARDEN_FILE_OTHER;
}

static __always_inline struct file *file_of_fd(struct task_struct *task, __u32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/* State of one path walk, shared with the bpf_loop callback below. */
struct path_walk {
	struct path_scratch *s;
	struct mount *mnt;
	struct dentry *dentry;
	__u32 pos; /* start of what has been written so far into s->path */
	bool complete;
};

/* One step of the walk: prepends one component, or crosses one mount point. Returns 1 to stop. */
static long path_walk_step(__u32 index, struct path_walk *w)
{
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	struct qstr name;
	__u32 len, pos;

	if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root)) {
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		if (mnt_parent == mnt) {
			w->complete = true;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mnt_parent;
		return 0;
	}
	if (dentry == parent) {
		w->complete = true;
		return 1;
	}
	name = BPF_CORE_READ(dentry, d_name);
	len = BOUNDED(name.len, NAME_MAX_LEN);
	if (w->pos < len + 1)
		return 1;
	pos = w->pos - len;
	bpf_probe_read_kernel(&w->s->path[pos & PATH_MASK], len, name.name);
	pos -= 1;
	w->s->path[pos & PATH_MASK] = '/';
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

/*
 * Writes the absolute path of a struct path into dst, the way d_path() would, by walking dentry
 * parents and crossing mount points. Returns the length written; sets WARDEN_FLAG_PATH_TRUNCATED
 * when the path is deeper than WARDEN_PATH_DEPTH steps or longer than WARDEN_PATH_MAX bytes.
 * bpf_loop keeps the verifier's work independent of the depth.
 */
static __always_inline __u32 resolve_path(struct path_scratch *s, struct path *path, __u8 *dst,
					  __u16 *flags)
{
	struct path_walk w = {
		.s = s,
		.mnt = container_of(BPF_CORE_READ(path, mnt), struct mount, mnt),
		.dentry = BPF_CORE_READ(path, dentry),
		.pos = WARDEN_PATH_MAX,
	};
	__u32 len;

	bpf_loop(WARDEN_PATH_DEPTH, path_walk_step, &w, 0);
	if (!w.complete)
		*flags |= WARDEN_FLAG_PATH_TRUNCATED;
	if (w.pos >= WARDEN_PATH_MAX) {
		dst[0] = '/';
		return 1;
	}
	len = BOUNDED(WARDEN_PATH_MAX - w.pos, WARDEN_PATH_MAX);
	bpf_probe_read_kernel(dst, len, &s->path[w.pos & PATH_MASK]);
	return len;
}

/* Copies a NUL-terminated kernel string; returns its length without the NUL. */
static __always_inline __u32 copy_kernel_string(__u8 *dst, __u32 max, const char *src, __u16 *flags)
{
	long n = bpf_probe_read_kernel_str(dst, max, src);

	if (n <= 0)
		return 0;
	if (n == max)
		*flags |= WARDEN_FLAG_PATH_TRUNCATED;
	return BOUNDED(n - 1, max - 1);
}

static __always_inline __u32 copy_user_string(__u8 *dst, __u32 max, const char *src, __u16 *flags)
{
	long n = bpf_probe_read_user_str(dst, max, src);

	if (n <= 0) {
		*flags |= WARDEN_FLAG_REQUEST_UNREADABLE;
		return 0;
	}
	if (n == max)
		*flags |= WARDEN_FLAG_PATH_TRUNCATED;
	return BOUNDED(n - 1, max - 1);
}

/* Copies the new image's user memory [start, end) - its argv or environment block - up to max
 * bytes, setting truncated_flag when there was more. Returns the bytes copied. */
static __always_inline __u32 copy_user_block(__u8 *dst, unsigned long start, unsigned long end, __u32 max,
					      __u16 truncated_flag, __u16 *flags)
{
	unsigned long span = end > start ? end - start : 0;
	__u32 len;

	if (span > max)
		*flags |= truncated_flag;
	len = BOUNDED(span > max ? max : span, max);
	if (bpf_probe_read_user(dst, len, (void *)start) != 0)
		return 0;
	return len;
}

static __always_inline void set_string(struct warden_string *s, __u32 offset, __u32 length)
{
	s->offset = offset;
	s->length = length;
}

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

static __always_inline struct warden_process *adopt(__u32 tgid, struct task_struct *task, __u32 agent_id)
{
	__u32 parent_tgid = BPF_CORE_READ(task, real_parent, tgid);
	struct warden_process *parent = bpf_map_lookup_elem(&processes, &parent_tgid);
	struct warden_process fresh = {
		.agent_id = agent_id,
		.flags = agent_id ? WARDEN_PROCESS_AGENT_ROOT : WARDEN_FLAG_UNTRACKED,
		.parent_exec_id = parent ? parent->exec_id : 0,
	};

	if (bpf_map_update_elem(&processes, &tgid, &fresh, BPF_ANY) != 0) {
		struct warden_counters *c = this_cpu_counters();

		if (c)
			c->process_table_full++;
		return NULL;
	}
	return bpf_map_lookup_elem(&processes, &tgid);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);
	struct path_scratch *ps = bpf_map_lookup_elem(&path_space, &zero);
	struct warden_exec_event *e;
	struct warden_process *proc;
	struct file *exe_file;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u32 offset = 0, len;
	__u16 flags = 0;

	if (!s || !ps || tgid == config.monitor_tgid)
		return 0;
	e = &s->exec.event;
	exe_file = BPF_CORE_READ(bprm, file);
	read_identity(BPF_CORE_READ(exe_file, f_inode), &e->executable);

	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (!proc) {
		__u32 agent_id = agent_of_exec(ps, bprm, &e->executable);

		if (!agent_id && !config.host_wide)
			return 0;
		proc = adopt(tgid, task, agent_id);
		if (!proc)
			return 0;
		if (agent_id)
			flags |= WARDEN_FLAG_AGENT_ROOT;
	}

	e->previous_exec_id = proc->exec_id;
	proc->exec_id = next_exec_id();
	if (flags & WARDEN_FLAG_AGENT_ROOT)
		proc->session_id = proc->exec_id;

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
	}
	BPF_CORE_READ_INTO(&e->comm, task, comm);

	/* Offsets grow by bounded lengths only, so every write provably stays inside data[]. */
	len = copy_kernel_string(&s->exec.data[0], WARDEN_PATH_MAX, BPF_CORE_READ(bprm, filename), &flags);
	set_string(&e->filename, offset, len);
	offset += len;

	len = copy_kernel_string(&s->exec.data[offset], WARDEN_INTERP_MAX, BPF_CORE_READ(bprm, interp), &flags);
	set_string(&e->interpreter, offset, len);
	offset += len;

	len = resolve_path(ps, &exe_file->f_path, &s->exec.data[offset], &flags);
	set_string(&e->executable_path, offset, len);
	offset += len;

	len = resolve_path(ps, &task->fs->pwd, &s->exec.data[offset], &flags);
	set_string(&e->cwd, offset, len);
	offset += len;

	len = copy_user_block(&s->exec.data[offset], BPF_CORE_READ(task, mm, arg_start), BPF_CORE_READ(task, mm, arg_end),
			      WARDEN_ARGV_MAX, WARDEN_FLAG_ARGV_TRUNCATED, &flags);
	set_string(&e->argv, offset, len);
	offset += len;

	/* The environment, for injection checks (LD_PRELOAD, NODE_OPTIONS, ...). User space keeps
	 * only the variables it inspects; the rest is never stored or exported. */
	len = copy_user_block(&s->exec.data[offset], BPF_CORE_READ(task, mm, env_start), BPF_CORE_READ(task, mm, env_end),
			      WARDEN_ENV_MAX, WARDEN_FLAG_ENV_TRUNCATED, &flags);
	set_string(&e->env, offset, len);
	offset += len;

	e->header.flags = flags;
	len = sizeof(*e) + offset;
	fill_header(&e->header, WARDEN_EVENT_EXEC, len, proc);
	if (len > sizeof(s->exec))
		return 0;
	if (enforced(proc))
		submit_held(task, proc, &e->header, len);
	else
		submit(e, len);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	struct warden_process *proc;
	struct warden_process inherited;
	struct warden_fork_event e = {};

	if (child_pid != child_tgid)
		return 0; /* a new thread, not a new process */
	proc = bpf_map_lookup_elem(&processes, &parent_tgid);
	if (!proc)
		return 0;
	inherited = *proc;
	inherited.flags &= ~WARDEN_PROCESS_AGENT_ROOT;
	inherited.parent_exec_id = proc->exec_id;
	inherited.exec_id = next_exec_id();
	if (bpf_map_update_elem(&processes, &child_tgid, &inherited, BPF_ANY) != 0) {
		struct warden_counters *c = this_cpu_counters();

		if (c)
			c->process_table_full++;
		return 0;
	}
	fill_header(&e.header, WARDEN_EVENT_FORK, sizeof(e), &inherited);
	e.header.pid = child_tgid;
	e.header.tid = child_pid;
	e.parent_pid = parent_tgid;
	submit(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct warden_process *proc = bpf_map_lookup_elem(&processes, &tgid);
	struct warden_exit_event e = {};
	struct signal_struct *signal;

	if (!proc)
		return 0;
	signal = BPF_CORE_READ(task, signal);
	if (BPF_CORE_READ(signal, live.counter) != 0)
		return 0; /* other threads of the group still run */
	fill_header(&e.header, WARDEN_EVENT_EXIT, sizeof(e), proc);
	e.header.pid = tgid;
	e.header.tid = BPF_CORE_READ(task, pid);
	if (BPF_CORE_READ(signal, flags) & SIGNAL_GROUP_EXIT)
		e.exit_status = BPF_CORE_READ(signal, group_exit_code);
	else
		e.exit_status = BPF_CORE_READ(task, exit_code);
	bpf_map_delete_elem(&processes, &tgid);
	bpf_map_delete_elem(&held, &tgid);
	submit(&e, sizeof(e));
	return 0;
}

/* What one decoded open-like or exec-like syscall asked for. */
struct file_request {
	const char *path;
	int dirfd;
	__u64 flags;
	__u32 mode;
	bool is_exec;
};

static __always_inline bool decode_request(struct pt_regs *regs, long nr, long ret, struct file_request *r)
{
	r->dirfd = AT_FDCWD;
	r->is_exec = false;
	switch (nr) {
	case NR_open:
		r->path = (const char *)BPF_CORE_READ(regs, di);
		r->flags = BPF_CORE_READ(regs, si);
		r->mode = BPF_CORE_READ(regs, dx);
		return true;
	case NR_creat:
		r->path = (const char *)BPF_CORE_READ(regs, di);
		r->flags = 01 | 0100 | 01000; /* O_WRONLY | O_CREAT | O_TRUNC */
		r->mode = BPF_CORE_READ(regs, si);
		return true;
	case NR_openat:
		r->dirfd = BPF_CORE_READ(regs, di);
		r->path = (const char *)BPF_CORE_READ(regs, si);
		r->flags = BPF_CORE_READ(regs, dx);
		r->mode = BPF_CORE_READ(regs, r10);
		return true;
	case NR_openat2: {
		struct open_how how = {};

		r->dirfd = BPF_CORE_READ(regs, di);
		r->path = (const char *)BPF_CORE_READ(regs, si);
		bpf_probe_read_user(&how, sizeof(how), (void *)BPF_CORE_READ(regs, dx));
		r->flags = how.flags;
		r->mode = how.mode;
		return true;
	}
	case NR_execve:
		r->path = (const char *)BPF_CORE_READ(regs, di);
		r->flags = 0;
		r->mode = 0;
		r->is_exec = true;
		return ret < 0;
	case NR_execveat:
		r->dirfd = BPF_CORE_READ(regs, di);
		r->path = (const char *)BPF_CORE_READ(regs, si);
		r->flags = BPF_CORE_READ(regs, r8);
		r->mode = 0;
		r->is_exec = true;
		return ret < 0;
	}
	return false;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
	/* A direct load through the BTF-typed argument: no helper call on this path, which runs for
	 * every syscall of every process on the host. */
	long nr = regs->orig_ax;
	__u32 tgid, zero = 0, len, offset = 0;
	__u16 flags = 0;
	struct warden_process *proc;
	struct file_request req;
	struct scratch *s;
	struct path_scratch *ps;
	struct warden_file_event *e;
	struct task_struct *task;
	bool relative, hold = false;

	if (nr != NR_openat && nr != NR_open && nr != NR_openat2 && nr != NR_creat &&
	    nr != NR_execve && nr != NR_execveat)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	proc = bpf_map_lookup_elem(&processes, &tgid);
	if (!proc || tgid == config.monitor_tgid)
		return 0;
	if (!decode_request(regs, nr, ret, &req))
		return 0;
	s = bpf_map_lookup_elem(&scratch_space, &zero);
	ps = bpf_map_lookup_elem(&path_space, &zero);
	if (!s || !ps)
		return 0;
	e = &s->file.event;
	task = (struct task_struct *)bpf_get_current_task_btf();

	e->result = ret;
	e->flags = req.flags;
	e->mode = req.mode;
	e->syscall = nr;

	len = copy_user_string(&s->file.data[0], WARDEN_PATH_MAX, req.path, &flags);
	set_string(&e->requested, 0, len);
	offset = len;
	relative = len == 0 || s->file.data[0] != '/';

	__builtin_memset(&e->file, 0, sizeof(e->file));
	if (ret >= 0 && !req.is_exec) {
		/* Success: the kernel's own file object is the truth, whatever the argument said. */
		struct file *f = file_of_fd(task, ret);

		if (f) {
			read_identity(BPF_CORE_READ(f, f_inode), &e->file);
			len = resolve_path(ps, &f->f_path, &s->file.data[offset], &flags);
			hold = enforced(proc) && !(proc->flags & WARDEN_PROCESS_AGENT_ROOT) && is_guarded(f);
		} else {
			len = 0;
		}
	} else if (relative) {
		/* Failure with a relative path: send the directory it was relative to. */
		struct file *dir = req.dirfd == AT_FDCWD ? NULL : file_of_fd(task, req.dirfd);

		flags |= WARDEN_FLAG_PATH_IS_BASE;
		if (dir)
			len = resolve_path(ps, &dir->f_path, &s->file.data[offset], &flags);
		else
			len = resolve_path(ps, &task->fs->pwd, &s->file.data[offset], &flags);
	} else {
		len = 0;
	}
	set_string(&e->path, offset, len);
	offset += len;

	len = sizeof(*e) + offset;
	e->header.flags = flags;
	fill_header(&e->header, req.is_exec ? WARDEN_EVENT_EXEC_FAILED : WARDEN_EVENT_OPEN, len, proc);
	if (len > sizeof(s->file))
		return 0;
	if (hold)
		submit_held(task, proc, &e->header, len);
	else
		submit(e, len);
	return 0;
}

/*
 * `warden doctor` only: proves that bpf_send_signal() from sched_process_exec acts on a new image
 * before it runs (SIGKILL: kernel-kill; SIGSTOP: the enforce-mode hold). Not loaded by the monitor
 * ("?" prefix); the doctor loads it alone, puts the tgid of a held child in probe_target[0] and
 * the signal in probe_target[1], and checks what became of the child.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} probe_target SEC(".maps");

SEC("?tp_btf/sched_process_exec")
int BPF_PROG(probe_send_signal, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0, one = 1;
	__u32 *target = bpf_map_lookup_elem(&probe_target, &zero);
	__u32 *signal = bpf_map_lookup_elem(&probe_target, &one);

	if (target && signal && *target != 0 && *target == BPF_CORE_READ(task, tgid))
		bpf_send_signal(*signal == SIGSTOP ? SIGSTOP : SIGKILL);
	return 0;
}
