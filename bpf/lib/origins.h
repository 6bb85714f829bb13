/*
 * origins.h — where data came from, kept by the kernel's identities (issue #10).
 *
 * A process is network-tainted once it connects or accepts an internet socket; one that starts with
 * network data on stdin, or reads a file of network origin, carries network data (the three
 * strengths are in warden_abi.h). What such a process writes gets network origin, recorded by the
 * written file's or pipe's identity (device + inode) in file_origins, so the origin follows renames
 * and hard links and cannot be shed by choosing a name. Seen on the way out:
 *   - when the process starts carrying: its stdout pipe, and every regular file it has open for
 *     writing (`curl … > f`, `curl … | sh`, `open(f,'wb').write(urlopen(…).read())`);
 *   - every regular file it opens for writing afterwards (`curl -o f`, `wget`, a script's open()).
 * A process that reads a file of network origin carries the data on (WARDEN_PROCESS_NETWORK_DATA):
 * `cp download x`, `cat download | sh`. What package-manager work wrote is relabelled to package
 * origin by user space, so importing an installed package carries nothing.
 * Not seen (documented in docs/rules.md): a file opened for writing before the process connected,
 * and pipes read by a shell other than on stdin (`$(…)`, which user space follows instead).
 *
 * Agent roots are never tainted: the agent talks to its model over the network by design, and
 * what it writes itself is the agent's own code, judged by inspection in user space.
 */
#ifndef WARDEN_ORIGINS_H
#define WARDEN_ORIGINS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.h"
#include "warden_abi.h"
#include "maps.h"
#include "identity.h"

static __always_inline bool network_tainted(const struct warden_process *proc)
{
	return proc->flags & WARDEN_PROCESS_NETWORK_TAINT;
}

#define WARDEN_PROCESS_NETWORK_ANY (WARDEN_PROCESS_NETWORK_TAINT | WARDEN_PROCESS_NETWORK_DATA | \
				    WARDEN_PROCESS_NETWORK_STDIN | WARDEN_PROCESS_NETWORK_FED)

/* What the process writes has network origin. */
static __always_inline bool carries_network_data(const struct warden_process *proc)
{
	return proc->flags & WARDEN_PROCESS_NETWORK_ANY;
}

/* A child forked by an image that talked to the network or reads network data on stdin may have
 * been handed that data (awk's system(), xargs, a shell running downloaded lines): it is tainted,
 * and fed when the data came on stdin (what its argv may be made of). The fork handler also
 * looks at the parent's stdin as it is at the fork (stdin_carries_network_data). */
static __always_inline __u32 network_flags_at_fork(__u32 flags)
{
	if (flags & (WARDEN_PROCESS_NETWORK_TAINT | WARDEN_PROCESS_NETWORK_STDIN))
		flags |= WARDEN_PROCESS_NETWORK_TAINT;
	if (flags & WARDEN_PROCESS_NETWORK_STDIN)
		flags |= WARDEN_PROCESS_NETWORK_FED;
	return flags & ~WARDEN_PROCESS_NETWORK_STDIN;
}

/* Fills id->origin from the table; the identity itself was read by read_identity. */
static __always_inline void read_origin(struct warden_file_identity *id)
{
	struct warden_file_key key = { .inode = id->inode, .dev = id->dev };
	struct warden_file_origin *origin;

	if (id->kind != WARDEN_FILE_REGULAR && id->kind != WARDEN_FILE_PIPE)
		return;
	origin = bpf_map_lookup_elem(&file_origins, &key);
	if (!origin)
		return;
	id->origin = origin->origin;
	id->origin_exec_id = origin->exec_id;
}

static __always_inline void mark_origin(struct inode *inode, __u32 origin, __u64 exec_id)
{
	struct warden_file_key key = {
		.inode = BPF_CORE_READ(inode, i_ino),
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};
	struct warden_file_origin value = { .origin = origin, .exec_id = exec_id };

	bpf_map_update_elem(&file_origins, &key, &value, BPF_ANY);
}

/* A file written from scratch (O_TRUNC) by an untainted process no longer holds what a tainted
 * one wrote there. */
static __always_inline void forget_origin(const struct warden_file_identity *id)
{
	struct warden_file_key key = { .inode = id->inode, .dev = id->dev };

	bpf_map_delete_elem(&file_origins, &key);
}

/* Descriptors looked at when a process starts carrying network data: what it already has open
 * for writing (`open('f','wb').write(urlopen(…).read())` opens before it connects). */
#define WARDEN_OPEN_FILES_SCANNED 64

struct open_files_scan {
	struct fdtable *fdt;
	__u32 max_fds;
	__u64 exec_id;
};

/* Marks fd `fd` if it is a pipe (fd 1 only: a process's other pipes are mostly its own plumbing)
 * or a regular file open for writing. */
static long mark_written_fd(__u32 fd, struct open_files_scan *scan)
{
	struct fdtable *fdt = scan->fdt; /* a local: CO-RE reads start from kernel types only */
	struct file **fds;
	struct file *file = NULL;
	struct inode *inode;
	__u32 mode;

	if (fd >= scan->max_fds)
		return 1;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	mode = BPF_CORE_READ(inode, i_mode) & S_IFMT;
	if ((mode == S_IFIFO && fd == 1) || (mode == S_IFREG && (BPF_CORE_READ(file, f_mode) & FMODE_WRITE)))
		mark_origin(inode, WARDEN_ORIGIN_NETWORK, scan->exec_id);
	return 0;
}

/* What the process writes from now on carries network data: its stdout, and the files it has
 * open for writing. */
static __always_inline void mark_open_outputs(struct task_struct *task, const struct warden_process *proc)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct open_files_scan scan = { .fdt = fdt, .exec_id = proc->exec_id };

	if (!fdt)
		return;
	scan.max_fds = BPF_CORE_READ(fdt, max_fds);
	bpf_loop(WARDEN_OPEN_FILES_SCANNED, mark_written_fd, &scan, 0);
}

/* The process now holds network data; `flag` says how (warden_abi.h). Its outputs carry the data
 * from now on. */
static __always_inline void taint_process(struct task_struct *task, struct warden_process *proc, __u32 flag)
{
	bool carried = carries_network_data(proc);

	if (proc->flags & (WARDEN_PROCESS_AGENT_ROOT | flag))
		return;
	proc->flags |= flag;
	if (!carried)
		mark_open_outputs(task, proc);
}

/* A stdin that carries network data: an internet socket, or a pipe or file of network origin. */
static __always_inline bool network_stdin(const struct warden_file_identity *stdin)
{
	if (stdin->kind == WARDEN_FILE_SOCKET)
		return stdin->socket_family == AF_INET || stdin->socket_family == AF_INET6;
	return stdin->origin & WARDEN_ORIGIN_NETWORK;
}

/* The task's fd 0 carries network data now. */
static __always_inline bool stdin_carries_network_data(struct task_struct *task)
{
	struct warden_file_identity stdin;
	struct file *f = file_of_fd(task, 0);

	if (!f)
		return false;
	read_identity(BPF_CORE_READ(f, f_inode), &stdin);
	read_origin(&stdin);
	return network_stdin(&stdin);
}

#endif
