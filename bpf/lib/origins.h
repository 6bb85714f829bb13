/*
 * origins.h — where data came from, kept by the kernel's identities (issue #10).
 *
 * A process is network-tainted once network bytes reach it: it connects an internet socket (by
 * connect, a TCP Fast Open send or a ring's connect, loopback included), accepts one from another
 * host, or receives bytes on one whose peer is not loopback or is unknown (an unconnected UDP
 * socket; receive.c, sock:sock_recv_length, whatever call received them). One that starts with
 * network data on stdin, reads a file of network origin, or receives over an AF_UNIX socket whose
 * sender carries network data, carries network data (the strengths are in warden_abi.h). What such
 * a process writes gets network origin, recorded by the written object's identity (device + inode)
 * in file_origins, so the origin follows renames and hard links and cannot be shed by choosing a
 * name. Seen on the way out:
 *   - when the process starts carrying: every regular file, pipe and FIFO it has open for writing,
 *     on any descriptor (`curl … > f`, `exec 3>f; curl … >&3`, `… 2>&1 >/dev/null | sh`, a `3>`
 *     pipe), its AF_UNIX sockets, and the files it has mapped shared and writable (the descriptor
 *     may be closed; mark_shared_mappings);
 *   - every regular file or FIFO it opens for writing afterwards (`curl -o f`, a script's open());
 *   - at each write (write.c): what write, writev, pwrite*, send*, sendfile, splice, tee,
 *     vmsplice, copy_file_range and a ring's writes and sends wrote into (a descriptor passed
 *     over SCM_RIGHTS later), the pipes and socketpairs it makes (marked when made, before a
 *     child execs with one as stdin), files it maps shared and writable, AF_UNIX connections it
 *     makes or accepts.
 * A process that reads a file of network origin, or receives from such a socket, carries the data
 * on (WARDEN_PROCESS_NETWORK_DATA): `cp download x`, `cat download | sh`, a unix-socket hand-off.
 * What package-manager work wrote is relabelled to package origin by user space, so importing an
 * installed package carries nothing; marking at the write never undoes that (add_network_origin).
 * Not seen (documented in docs/rules.md): reads of a pipe or FIFO other than as stdin at an exec
 * or fork (`$(…)`, which user space follows instead, or a reader that already runs, judged again
 * by user space when the writer is tainted), unconnected AF_UNIX datagrams (no peer on the
 * receiving socket), receives that bypass sock_recvmsg (zero-copy receive), descriptors past the
 * 64th at the taint, and System V shared memory.
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

/* The inode of a socket, and the socket of an inode: sockets live in a struct socket_alloc. */
static __always_inline struct inode *socket_inode(struct socket *sock)
{
	return (void *)sock - bpf_core_field_offset(struct socket_alloc, socket) +
	       bpf_core_field_offset(struct socket_alloc, vfs_inode);
}

static __always_inline struct socket *inode_socket(struct inode *inode)
{
	return (void *)inode - bpf_core_field_offset(struct socket_alloc, vfs_inode) +
	       bpf_core_field_offset(struct socket_alloc, socket);
}

/* The origin bits recorded for an inode (0: none). */
static __always_inline __u32 inode_origin(struct inode *inode)
{
	struct warden_file_key key = {
		.inode = BPF_CORE_READ(inode, i_ino),
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};
	struct warden_file_origin *origin = bpf_map_lookup_elem(&file_origins, &key);

	return origin ? origin->origin : 0;
}

/* Network origin for what a process carrying network data wrote into without an open Warden
 * reported (a write through a descriptor it had, a pipe it made, a mapping). An entry that
 * already says network or package is left alone: user space relabels package-manager work's
 * files to package origin, and every later write would otherwise undo that. */
static __always_inline void add_network_origin(struct inode *inode, __u64 exec_id)
{
	struct warden_file_key key = {
		.inode = BPF_CORE_READ(inode, i_ino),
		.dev = BPF_CORE_READ(inode, i_sb, s_dev),
	};
	struct warden_file_origin *known = bpf_map_lookup_elem(&file_origins, &key);
	struct warden_file_origin value = { .origin = WARDEN_ORIGIN_NETWORK, .exec_id = exec_id };

	if (known && (known->origin & (WARDEN_ORIGIN_NETWORK | WARDEN_ORIGIN_PACKAGE)))
		return;
	if (known)
		value.origin |= known->origin;
	bpf_map_update_elem(&file_origins, &key, &value, BPF_ANY);
}

/* AF_UNIX sockets that receive what a process carrying network data sends, by the address of
 * the receiving sock. Not by inode, as files are: the receiving end of a connection has no inode
 * until the server accepts it, and when the sender closes, the kernel unlinks the receiver from
 * it while data may still wait to be read. The entry is marked when the sender connects, accepts,
 * makes the pair, starts carrying, or sends, all before the receiver can read what it sent; the
 * receiver's first read takes it (receive.c). peer_pid (the receiving sock's SO_PEERCRED pid
 * object, fixed for the connection's life) tells a sock reused for another connection from the
 * one marked. LRU: a flood of hand-offs forgets the oldest. */
struct unix_carrier {
	__u64 peer_pid;
	__u64 exec_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct unix_carrier);
} unix_carriers SEC(".maps");

/* The AF_UNIX sock behind `file`, or NULL. */
static __always_inline struct sock *unix_sock_of(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct socket *sock;
	struct sock *sk;

	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = inode_socket(inode);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != AF_UNIX)
		return NULL;
	return sk;
}

/* What a carrier sends on `sk` arrives at its peer. */
static __always_inline void mark_unix_peer(struct sock *sk, __u64 exec_id)
{
	struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	struct unix_carrier value = { .exec_id = exec_id };
	__u64 key = (__u64)peer;

	if (!peer)
		return;
	value.peer_pid = (__u64)BPF_CORE_READ(peer, sk_peer_pid);
	bpf_map_update_elem(&unix_carriers, &key, &value, BPF_ANY);
}

/* A process carrying network data wrote (or will write) through `file`: a regular file, pipe or
 * FIFO gets network origin by identity, an AF_UNIX socket marks its peer. Anything else (a tty,
 * an internet socket) is not recorded. */
static __always_inline void mark_written(struct file *file, __u64 exec_id)
{
	struct inode *inode;
	struct sock *sk;
	__u32 mode;

	if (!file)
		return;
	inode = BPF_CORE_READ(file, f_inode);
	mode = BPF_CORE_READ(inode, i_mode) & S_IFMT;
	if (mode == S_IFREG || mode == S_IFIFO) {
		add_network_origin(inode, exec_id);
		return;
	}
	sk = unix_sock_of(file);
	if (sk)
		mark_unix_peer(sk, exec_id);
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

/* Marks fd `fd` if it is a regular file, pipe or FIFO open for writing, or an AF_UNIX socket:
 * whoever reads it later (a shell on the pipe's other end, `sh f`, the socket's peer) reads what
 * the process writes from now on. Pipes on any descriptor, not only stdout (`curl … 2>&1
 * >/dev/null | sh`, a `3>` pipe); user space judges again a reader that started before. */
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
	if (mode == S_IFSOCK) {
		mark_written(file, scan->exec_id);
		return 0;
	}
	if (!(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return 0;
	if (mode == S_IFREG || (mode == S_IFIFO && fd == 1))
		mark_origin(inode, WARDEN_ORIGIN_NETWORK, scan->exec_id);
	else if (mode == S_IFIFO)
		add_network_origin(inode, scan->exec_id);
	return 0;
}

/* Kernel functions (6.7+): the task's memory mappings, one by one. Weak: without them a file
 * mapped before the taint is not seen (write.c still sees mappings made after it). */
extern int bpf_iter_task_vma_new(struct bpf_iter_task_vma *it, struct task_struct *task, __u64 addr) __ksym __weak;
extern struct vm_area_struct *bpf_iter_task_vma_next(struct bpf_iter_task_vma *it) __ksym __weak;
extern void bpf_iter_task_vma_destroy(struct bpf_iter_task_vma *it) __ksym __weak;

/* Files the process mapped shared and writable before it held network data (the descriptor
 * may be closed since): stores into the mapping write the file with no write call. Every mapping
 * is looked at, once per image that starts carrying (the iterator is its own bound: a counter
 * would keep the verifier from seeing the loop converge). */
static __always_inline void mark_shared_mappings(struct task_struct *task, __u64 exec_id)
{
	struct bpf_iter_task_vma it;
	struct vm_area_struct *vma;

	if (!bpf_iter_task_vma_new || !bpf_iter_task_vma_next || !bpf_iter_task_vma_destroy)
		return;
	bpf_iter_task_vma_new(&it, task, 0);
	while ((vma = bpf_iter_task_vma_next(&it))) {
		struct file *file;

		if ((BPF_CORE_READ(vma, vm_flags) & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
			continue;
		file = BPF_CORE_READ(vma, vm_file);
		if (file && (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) == S_IFREG)
			add_network_origin(BPF_CORE_READ(file, f_inode), exec_id);
	}
	bpf_iter_task_vma_destroy(&it);
}

/* What the process writes from now on carries network data: the files, pipes and FIFOs it has
 * open for writing, and the files it has mapped shared and writable. A function of its own in the
 * object (not inlined): every program that can taint calls it, and one copy keeps the object, and
 * the Swift compile that embeds it, small. */
static __noinline void mark_open_outputs(struct task_struct *task, const struct warden_process *proc)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct open_files_scan scan = { .fdt = fdt, .exec_id = proc->exec_id };

	mark_shared_mappings(task, proc->exec_id);
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
