/*
 * kernel_types.h — the few kernel-internal types Warden's BPF programs read, declared by hand.
 *
 * Only the members we read are listed. preserve_access_index makes every access a CO-RE
 * relocation, so libbpf rewrites offsets against the running kernel's BTF at load time; member
 * order and the absence of other members here do not matter. Keeping this small (instead of a
 * 3 MB generated vmlinux.h) keeps the dependency surface on kernel internals visible in review.
 * Names must match the kernel's (anonymous structs and unions are matched by member name).
 * Only types that are the same on every architecture live here; the register frame is in arch.h.
 */
#ifndef WARDEN_KERNEL_TYPES_H
#define WARDEN_KERNEL_TYPES_H

#include <linux/types.h>
#include <linux/openat2.h>

#define CORE __attribute__((preserve_access_index))

typedef int pid_t;
typedef unsigned int dev_t;
typedef unsigned short umode_t;

typedef struct { unsigned int val; } CORE kuid_t;
typedef struct { unsigned int val; } CORE kgid_t;
typedef struct { int counter; } CORE atomic_t;

struct hlist_node___warden {
	struct hlist_node___warden *next;
} CORE;

struct hlist_head___warden {
	struct hlist_node___warden *first;
} CORE;

struct qstr {
	__u32 len;
	const unsigned char *name;
} CORE;

struct super_block {
	dev_t s_dev;
	unsigned long s_magic;
} CORE;

struct inode {
	umode_t i_mode;
	struct super_block *i_sb;
	unsigned long i_ino;
	unsigned int i_nlink;
	dev_t i_rdev;
	long long i_size;
	long long i_ctime_sec; /* 6.11+ */
	unsigned int i_ctime_nsec;
	void *i_private;
} CORE;

/* How older kernels keep the inode's ctime: __i_ctime (6.6-6.10), i_ctime (before). */
struct timespec64___warden {
	long long tv_sec;
	long tv_nsec;
} CORE;

struct inode___ctime_private {
	struct timespec64___warden __i_ctime;
} CORE;

struct inode___ctime_public {
	struct timespec64___warden i_ctime;
} CORE;

/* The kernel nests these in anonymous unions (skc_addrpair, skc_portpair); CO-RE matches the
 * members by name. The ___warden flavour keeps the name clear of any uapi header's in6_addr. */
struct in6_addr___warden {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} CORE;

struct sock_common {
	unsigned short skc_family;
	__u32 skc_daddr;     /* __be32 */
	__u32 skc_rcv_saddr; /* __be32: the address the socket is bound to */
	__u16 skc_dport;     /* __be16 */
	struct in6_addr___warden skc_v6_daddr;
	struct in6_addr___warden skc_v6_rcv_saddr;
} CORE;

struct pid;
struct cred;
struct socket;

/* sk_peer_pid and sk_peer_cred: the peer credentials SO_PEERCRED returns. A connected AF_UNIX
 * client's are the listening server's, copied at connect from what listen() recorded; a server's
 * accepted end's are the process that connected (or made the pair). */
struct sock {
	struct sock_common __sk_common;
	__u16 sk_type;
	struct socket *sk_socket;
	struct pid *sk_peer_pid;
	const struct cred *sk_peer_cred;
} CORE;

struct socket {
	struct sock *sk;
} CORE;

/* Socket inodes live inside a struct socket_alloc, right after their struct socket. */
struct socket_alloc {
	struct socket socket;
	struct inode vfs_inode;
} CORE;

struct dentry {
	struct dentry *d_parent;
	struct inode *d_inode;
	struct qstr d_name;
} CORE;

struct vfsmount {
	struct dentry *mnt_root;
} CORE;

/* The kernel's struct mount embeds the struct vfsmount that paths point to. */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} CORE;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} CORE;

struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_mode;
	void *private_data;
} CORE;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} CORE;

struct files_struct {
	struct fdtable *fdt;
} CORE;

struct fs_struct {
	struct path pwd;
} CORE;

struct file;

struct mm_struct {
	struct file *exe_file;
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
} CORE;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
} CORE;

struct signal_struct {
	atomic_t live;
	unsigned int flags;
	int group_exit_code;
} CORE;

struct task_struct {
	pid_t pid;
	pid_t tgid;
	int exit_code;
	struct task_struct *real_parent;
	struct cred *cred;
	kuid_t loginuid;
	struct mm_struct *mm;
	struct fs_struct *fs;
	struct files_struct *files;
	struct signal_struct *signal;
	struct task_struct *group_leader;
	char comm[16];
	__u64 start_boottime;
	struct hlist_node___warden pid_links[4];
} CORE;

/* A mapping of the process's memory: a file mapped shared and writable is written by stores. */
struct vm_area_struct {
	unsigned long vm_flags;
	struct file *vm_file;
} CORE;

#define VM_SHARED 0x00000008
#define VM_MAYWRITE 0x00000020

/* The open-coded VMA iterator's state (its size is the kernel's; the verifier checks it). */
struct bpf_iter_task_vma {
	__u64 __opaque[1];
} __attribute__((aligned(8)));

/* A pidfd names a struct pid: through its pidfs inode's i_private (6.9+), or through the file's
 * private_data (an anonymous inode, before). numbers[0] is the pid in the initial namespace, the
 * numbering bpf_get_current_pid_tgid and the process table use. */
struct upid {
	int nr;
} CORE;

/* tasks[PIDTYPE_TGID]: the thread group this pid leads, linked through the leader's
 * pid_links[PIDTYPE_TGID]; empty once the process is gone (the struct pid can outlive it). */
struct pid {
	struct hlist_head___warden tasks[4];
	struct upid numbers[1];
} CORE;

/* AF_UNIX: a connected socket's peer (a socketpair's other end, the server side of a connection)
 * is where what it sends arrives (origins.h), and the server's socket for this connection carries
 * the listener's bound name (addr: its length counts sun_family; name[0].sun_path follows) and,
 * for a filesystem name, the path of the socket file (path.dentry). */
struct sockaddr_un___warden {
	unsigned short sun_family;
	char sun_path[108];
} CORE;

struct unix_address {
	int len;
	struct sockaddr_un___warden name[0];
} CORE;

struct unix_sock {
	struct unix_address *addr;
	struct path path;
	struct sock *peer;
} CORE;

/* io_uring's request: its opcode, and for IORING_OP_OPENAT/OPENAT2 the open's own state, which
 * the kernel keeps at the start of the request (io_kiocb's first union). */
struct io_kiocb {
	__u8 opcode;
	struct file *file; /* the file the operation works on (a connect's socket, a write's target) */
} CORE;

struct io_open {
	__u32 file_slot; /* non-zero: a direct descriptor (the ring's file table), no fd installed */
	struct open_how how;
} CORE;

struct io_uring_cqe {
	__s32 res;
} CORE;

#define IORING_OP_WRITEV 2
#define IORING_OP_WRITE_FIXED 5
#define IORING_OP_SENDMSG 9
#define IORING_OP_CONNECT 16
#define IORING_OP_OPENAT 18
#define IORING_OP_WRITE 23
#define IORING_OP_SEND 26
#define IORING_OP_OPENAT2 28
#define IORING_OP_SEND_ZC 47
#define IORING_OP_SENDMSG_ZC 48
/* For bpf_send_signal_task: which of the task's groups the signal goes to. */
enum pid_type {
	PIDTYPE_PID = 0,
	PIDTYPE_TGID = 1,
};

#define PIDFS_MAGIC 0x50494446
#define ANON_INODE_FS_MAGIC 0x09041934

struct linux_binprm {
	struct file *file;
	int argc;
	const char *filename;
	const char *interp;
} CORE;

#define SIGNAL_GROUP_EXIT 0x00000004
#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_SEQPACKET 5
#define AF_INET 2
#define AF_INET6 10
#define EINPROGRESS 115
#define FMODE_WRITE 0x2
#define MSG_ERRQUEUE 0x2000
#define MSG_FASTOPEN 0x20000000
#define MAP_SHARED 0x01
#define PROT_WRITE 0x2
#define AT_FDCWD -100
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

#endif
