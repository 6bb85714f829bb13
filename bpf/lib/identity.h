/*
 * identity.h — what a file is, by the kernel's own objects: the inode behind an executable or a
 * file descriptor, never a name that could have changed since.
 */
#ifndef WARDEN_IDENTITY_H
#define WARDEN_IDENTITY_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.h"
#include "warden_abi.h"

static __always_inline __u8 file_kind(__u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return WARDEN_FILE_REGULAR;
	case S_IFIFO: return WARDEN_FILE_PIPE;
	case S_IFSOCK: return WARDEN_FILE_SOCKET;
	case S_IFCHR: return WARDEN_FILE_CHAR_DEVICE;
	case S_IFDIR: return WARDEN_FILE_DIRECTORY;
	default: return WARDEN_FILE_OTHER;
	}
}

/* The inode's ctime, folded to 32 bits: every write, chmod or link changes it, and user space
 * cannot set it (utimensat sets mtime), so identity plus stamp names one version of a file. */
static __always_inline __u32 change_stamp(struct inode *inode)
{
	long long sec = 0;
	long nsec = 0;

	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		sec = BPF_CORE_READ(inode, i_ctime_sec);
		nsec = BPF_CORE_READ(inode, i_ctime_nsec);
	} else if (bpf_core_field_exists(((struct inode___ctime_private *)inode)->__i_ctime)) {
		struct inode___ctime_private *old = (void *)inode;

		sec = BPF_CORE_READ(old, __i_ctime.tv_sec);
		nsec = BPF_CORE_READ(old, __i_ctime.tv_nsec);
	} else {
		struct inode___ctime_public *old = (void *)inode;

		sec = BPF_CORE_READ(old, i_ctime.tv_sec);
		nsec = BPF_CORE_READ(old, i_ctime.tv_nsec);
	}
	return (__u32)sec * 1000000007u ^ (__u32)nsec;
}

static __always_inline void read_identity(struct inode *inode, struct warden_file_identity *id)
{
	__builtin_memset(id, 0, sizeof(*id));
	if (!inode)
		return;
	id->mode = BPF_CORE_READ(inode, i_mode);
	id->inode = BPF_CORE_READ(inode, i_ino);
	id->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	id->rdev = BPF_CORE_READ(inode, i_rdev);
	id->nlink = BPF_CORE_READ(inode, i_nlink);
	id->size = BPF_CORE_READ(inode, i_size);
	id->kind = file_kind(id->mode);
	if (id->kind == WARDEN_FILE_REGULAR)
		id->change_stamp = change_stamp(inode);
	if (id->kind == WARDEN_FILE_SOCKET) {
		/* The family tells a network peer (a reverse shell) from the AF_UNIX socketpairs that
		 * libuv-based agents (node, bun) use as their children's stdio. */
		struct socket *sock = (void *)inode - bpf_core_field_offset(struct socket_alloc, vfs_inode);

		id->socket_family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	}
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

/* The socket behind fd, or NULL when fd is not one. Socket inodes live inside a struct
 * socket_alloc, right after their struct socket. */
static __always_inline struct sock *sock_of_fd(struct task_struct *task, __u32 fd)
{
	struct file *file = file_of_fd(task, fd);
	struct socket *sock;

	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = (void *)BPF_CORE_READ(file, f_inode) - bpf_core_field_offset(struct socket_alloc, vfs_inode);
	return BPF_CORE_READ(sock, sk);
}

#endif
