/*
 * warden_abi.h — the one contract between Warden's BPF programs and its Swift loader.
 *
 * Compiled for the BPF target (bpf/warden.bpf.c, once per architecture) and by the host compiler
 * as the WardenABI Clang module imported by Swift. Every struct uses fixed-width types and explicit
 * padding, and every size and offset the two sides rely on is checked with _Static_assert below,
 * so the layouts cannot drift apart silently.
 *
 * Wire format: each ring-buffer record starts with a struct warden_event_header. Records that
 * carry strings (exec, open, exec_failed) end in a data area; each string is described by a
 * struct warden_string (offset from the start of that data area, length in bytes without a
 * terminating NUL). argv is stored as NUL-separated arguments, exactly as in the process image.
 */
#ifndef WARDEN_ABI_H
#define WARDEN_ABI_H

#include <linux/types.h>

/* Limits of what the kernel copies per event. Longer values are cut and flagged as truncated. */
#define WARDEN_ARGV_MAX 8192u   /* bytes of argv (NUL-separated) */
#define WARDEN_ENV_MAX 8192u    /* bytes of the environment (NUL-separated), read for injection checks */
#define WARDEN_PATH_MAX 4096u   /* bytes of one path */
#define WARDEN_INTERP_MAX 256u  /* bytes of bprm->interp (the kernel caps shebangs near this) */
#define WARDEN_PATH_DEPTH 48u   /* path components walked from a dentry to the root */
#define WARDEN_COMM_LEN 16u

/* Capacity of the in-kernel tables; also the bound that keeps them from growing under churn. */
#define WARDEN_MAX_PROCESSES 65536u
#define WARDEN_MAX_AGENT_EXECUTABLES 1024u
#define WARDEN_AGENT_PATH_KEY 256u
#define WARDEN_MAX_HELD 4096u     /* processes stopped at once, waiting for Warden's decision */
#define WARDEN_MAX_GUARDED 8192u  /* files and directories whose opens enforce mode holds */
#define WARDEN_MAX_ORIGINS 65536u /* files and pipes whose origin is remembered (least recently used go first) */
#define WARDEN_GUARDED_FILTER_WORDS 1024u /* 64-bit words of the guarded table's prefilter (65,536 bits) */

/* The kinds of ring-buffer records: the one list. Swift derives its event kinds (their order, names
 * and bits) from this enum and warden_event_kind_name(); a new kind is added here first, with its
 * name, then given a record struct below and a case in the Swift Event enum. */
enum warden_event_kind {
	WARDEN_EVENT_EXEC = 1,
	WARDEN_EVENT_FORK = 2,
	WARDEN_EVENT_EXIT = 3,
	WARDEN_EVENT_OPEN = 4,
	WARDEN_EVENT_EXEC_FAILED = 5,
	WARDEN_EVENT_RENAME = 6, /* rename, link and symlink: a name made for a file without opening it */
	WARDEN_EVENT_CONNECT = 7, /* connect and accept on an internet socket: the process now exchanges data with a network peer */
	WARDEN_EVENT_SYSCALL = 8, /* a call that reaches past files, execs and sockets: io_uring, the mount API, ptrace, another process's memory, signals out of the lineage */
	WARDEN_EVENT_KIND_END, /* one past the last kind */
};

/* The kind's name in the JSON schema and the rule language (`evt.type`); NULL for no kind. */
static inline const char *warden_event_kind_name(__u32 kind)
{
	switch (kind) {
	case WARDEN_EVENT_EXEC: return "exec";
	case WARDEN_EVENT_FORK: return "fork";
	case WARDEN_EVENT_EXIT: return "exit";
	case WARDEN_EVENT_OPEN: return "open";
	case WARDEN_EVENT_EXEC_FAILED: return "exec_failed";
	case WARDEN_EVENT_RENAME: return "rename";
	case WARDEN_EVENT_CONNECT: return "connect";
	case WARDEN_EVENT_SYSCALL: return "syscall";
	}
	return 0;
}

/* Bits of warden_event_header.flags. */
enum warden_event_flag {
	WARDEN_FLAG_ARGV_TRUNCATED = 1u << 0,
	WARDEN_FLAG_PATH_TRUNCATED = 1u << 1,     /* a path hit WARDEN_PATH_MAX or WARDEN_PATH_DEPTH */
	WARDEN_FLAG_AGENT_ROOT = 1u << 2,         /* this exec made the process an agent root */
	WARDEN_FLAG_UNTRACKED = 1u << 3,          /* host-wide scope: not in any agent lineage */
	WARDEN_FLAG_REQUEST_UNREADABLE = 1u << 4, /* the user-space path argument could not be read */
	WARDEN_FLAG_PATH_IS_BASE = 1u << 5,       /* file event: path is the directory a failed relative request was relative to */
	WARDEN_FLAG_ENV_TRUNCATED = 1u << 6,      /* the environment exceeded WARDEN_ENV_MAX and was cut */
	WARDEN_FLAG_HELD = 1u << 7,               /* enforce mode: the process is stopped (SIGSTOP) until Warden decides */
	WARDEN_FLAG_NETWORK_TAINT = 1u << 8,      /* the process held network data (WARDEN_PROCESS_NETWORK_TAINT); on an exec: the image that called it, whose memory made argv and env */
	/* On an exec, what the calling image was handed as input, beyond a connection of its own:
	 * STDIN_INPUT: it was forked by an image that had network data on its stdin (xargs, awk's
	 * system(), a `while read` loop, `make -f -`), so its argv may be that data;
	 * FILE_INPUT: it read a file of network origin. */
	WARDEN_FLAG_NETWORK_STDIN_INPUT = 1u << 9,
	WARDEN_FLAG_NETWORK_FILE_INPUT = 1u << 10,
	/* An open of a regular file a tracked process opened for writing earlier (the kernel's bounded
	 * memory, lineage_writes): what provenance judges (a file written, then run or sourced), so the
	 * record is kept with those that decide when the ring fills (bpf/lib/submit.h). */
	WARDEN_FLAG_LINEAGE_WRITTEN = 1u << 11,
	/* On an exec: the new image is a 32-bit program (ia32 on x86_64, aarch32 on arm64); every
	 * syscall it makes goes through the compat ABI, which no per-syscall sensor decodes. */
	WARDEN_FLAG_COMPAT_IMAGE = 1u << 12,
};

/* Bits of warden_process.flags beyond the event flags it shares (WARDEN_FLAG_UNTRACKED). */
enum warden_process_flag {
	WARDEN_PROCESS_AGENT_ROOT = 1u << 16, /* the agent itself: its own opens are never held (kill tool calls, not agents) */
	/* Network taint, in three strengths (bpf/lib/origins.h). Never set on an agent root: the agent
	 * talks to its model by design, and what it writes is the agent's own. All three are cleared at
	 * exec (the new image's code is the executable's) and make what the image writes network origin.
	 * TAINT: the image connected or accepted an internet socket (loopback too), or was forked by a
	 * tainted or stdin-tainted image; its execs are reported as made by a tainted image (argv and
	 * env came from its memory). */
	WARDEN_PROCESS_NETWORK_TAINT = 1u << 17,
	/* DATA: the image read a file of network origin (`cp download x`, `cat download | sh`). It did
	 * not talk to the network; a script that parses a downloaded JSON file is not a downloader. */
	WARDEN_PROCESS_NETWORK_DATA = 1u << 18,
	/* STDIN: the image started with network data on stdin (`curl … | awk '{system($0)}'`). Its
	 * children are tainted; an exec in place is not (a pyenv shim exec'ing python has read nothing). */
	WARDEN_PROCESS_NETWORK_STDIN = 1u << 19,
	/* FED: the image was forked by one with network data on stdin, or by a FED one: the command
	 * executors' children (xargs' and awk's `sh -c LINE`). Tainted too; reported on its execs as
	 * WARDEN_FLAG_NETWORK_STDIN_INPUT. */
	WARDEN_PROCESS_NETWORK_FED = 1u << 20,
	/* The image made a syscall through a compat ABI (or exec'd as a 32-bit program) and it was
	 * reported: once per image, so a 32-bit program does not flood the ring. Cleared at exec
	 * and for a forked child (a new process, held on its own in enforce mode). */
	WARDEN_PROCESS_COMPAT_REPORTED = 1u << 24,
};

/* Where the content of a file or pipe came from, as the kernel saw it written (bits). Recorded by
 * file identity, so it follows renames and hard links, and is kept for WARDEN_MAX_ORIGINS files. */
enum warden_origin {
	WARDEN_ORIGIN_NONE = 0,
	WARDEN_ORIGIN_NETWORK = 1u << 0, /* written by a network-tainted process (a file it opened for writing, or its stdout) */
	WARDEN_ORIGIN_PACKAGE = 1u << 1, /* set by user space in place of NETWORK when package-manager work wrote it; never held */
	WARDEN_ORIGIN_DECODED = 1u << 2, /* set by user space: written by a decoder (base64 -d, xxd -r, openssl enc -d, gunzip, ...) */
	WARDEN_ORIGIN_STARTUP_HOOK = 1u << 3, /* set by user space: a Python start-up file (.pth) the lineage wrote or named, by anyone
					       * (pip too); reads of it by tool processes are held so its code is judged before it runs */
};

/* Kind of object behind a file descriptor or an executable (from the inode's S_IFMT). */
enum warden_file_kind {
	WARDEN_FILE_NONE = 0, /* fd not open */
	WARDEN_FILE_REGULAR = 1,
	WARDEN_FILE_PIPE = 2,
	WARDEN_FILE_SOCKET = 3,
	WARDEN_FILE_CHAR_DEVICE = 4, /* ttys, /dev/null, ...: tell them apart by rdev */
	WARDEN_FILE_DIRECTORY = 5,
	WARDEN_FILE_OTHER = 6,
};

/* Identity of a file as the kernel sees it. dev and rdev use the kernel's encoding
 * (major << 20 | minor), not glibc's st_dev encoding. */
struct warden_file_identity {
	__u64 inode;
	__u32 dev;
	__u32 rdev;
	__u32 nlink; /* 0 for memfd and deleted files */
	__u16 mode;
	__u8 kind;   /* enum warden_file_kind */
	__u8 socket_family; /* AF_UNIX (1), AF_INET (2), AF_INET6 (10), ... for sockets; else 0 */
	__u64 size;  /* i_size when the event was made: bytes of a regular file */
	__u32 origin; /* enum warden_origin bits of this file or pipe; filled for tracked processes */
	__u32 change_stamp; /* the inode's ctime folded to 32 bits: a file rewritten in place gets another */
	__u64 origin_exec_id; /* the image whose write gave it that origin; 0 for none */
};

/*
 * The syscall behind a file event. Warden's own numbering: syscall numbers differ per architecture
 * (arm64 has no open or creat at all), so the kernel side translates them (bpf/lib/arch.h) and
 * nothing else ever sees one.
 */
enum warden_syscall {
	WARDEN_SYSCALL_UNKNOWN = 0,
	WARDEN_SYSCALL_OPEN = 1,
	WARDEN_SYSCALL_OPENAT = 2,
	WARDEN_SYSCALL_OPENAT2 = 3,
	WARDEN_SYSCALL_CREAT = 4,
	WARDEN_SYSCALL_EXECVE = 5,
	WARDEN_SYSCALL_EXECVEAT = 6,
	WARDEN_SYSCALL_RENAME = 7,    /* x86_64 only */
	WARDEN_SYSCALL_RENAMEAT = 8,
	WARDEN_SYSCALL_RENAMEAT2 = 9,
	WARDEN_SYSCALL_LINK = 10,     /* x86_64 only */
	WARDEN_SYSCALL_LINKAT = 11,
	WARDEN_SYSCALL_SYMLINK = 12,  /* x86_64 only */
	WARDEN_SYSCALL_SYMLINKAT = 13,
	WARDEN_SYSCALL_CONNECT = 14,
	WARDEN_SYSCALL_ACCEPT = 15,
	WARDEN_SYSCALL_ACCEPT4 = 16,
	WARDEN_SYSCALL_OPEN_BY_HANDLE_AT = 17, /* a file event: opens by file handle, no path argument */
	WARDEN_SYSCALL_IO_URING_OPENAT = 18,   /* a file event: IORING_OP_OPENAT or OPENAT2, completed by the ring */
	WARDEN_SYSCALL_IO_URING_SETUP = 19,    /* the syscall events from here on */
	WARDEN_SYSCALL_OPEN_TREE = 20,
	WARDEN_SYSCALL_MOVE_MOUNT = 21,
	WARDEN_SYSCALL_FSMOUNT = 22,
	WARDEN_SYSCALL_PTRACE = 23,
	WARDEN_SYSCALL_PROCESS_VM_READV = 24,
	WARDEN_SYSCALL_PROCESS_VM_WRITEV = 25,
	WARDEN_SYSCALL_KILL = 26,
	WARDEN_SYSCALL_TKILL = 27,
	WARDEN_SYSCALL_TGKILL = 28,
	WARDEN_SYSCALL_PIDFD_SEND_SIGNAL = 29,
	WARDEN_SYSCALL_RT_SIGQUEUEINFO = 30,
	WARDEN_SYSCALL_RT_TGSIGQUEUEINFO = 31,
	/* Never in an event: a parent collecting a held child's stop (bpf/process/jobcontrol.c). */
	WARDEN_SYSCALL_WAIT4 = 32,
	WARDEN_SYSCALL_WAITID = 33,
	/* Any syscall made through a compat ABI (warden_syscall_event.abi): the i386 interface
	 * (`int 0x80`, sysenter, a 32-bit program), x32 (bit 30 of the number) or aarch32. Reported
	 * for the first such call of each image; its number, in that ABI's numbering, is the
	 * event's argument. (32-39 are left to the native calls that come next.) */
	WARDEN_SYSCALL_COMPAT = 40,
	/* Connect events (warden_connect_event.syscall) made by other ways of talking to a peer
	 * than connect/accept: sendto or sendmsg with MSG_FASTOPEN (TCP Fast Open connects in the
	 * send), IORING_OP_CONNECT completed by a ring, and RECV: the first bytes a process received
	 * on an internet socket from a peer that is not loopback (or unknown: an unconnected datagram
	 * socket), whatever call received them (read, recv*, io_uring's recv; sock:sock_recv_length). */
	WARDEN_SYSCALL_SENDTO = 41,
	WARDEN_SYSCALL_SENDMSG = 42,
	WARDEN_SYSCALL_IO_URING_CONNECT = 43,
	WARDEN_SYSCALL_RECV = 44,
	/* Never in an event: the calls through which a process carrying network data writes, and
	 * creates what it writes into (bpf/process/write.c). */
	WARDEN_SYSCALL_WRITE = 48,
	WARDEN_SYSCALL_WRITEV = 49,
	WARDEN_SYSCALL_PWRITE64 = 50,
	WARDEN_SYSCALL_PWRITEV = 51,
	WARDEN_SYSCALL_PWRITEV2 = 52,
	WARDEN_SYSCALL_SENDMMSG = 53,
	WARDEN_SYSCALL_SPLICE = 54,
	WARDEN_SYSCALL_TEE = 55,
	WARDEN_SYSCALL_VMSPLICE = 56,
	WARDEN_SYSCALL_SENDFILE = 57,
	WARDEN_SYSCALL_COPY_FILE_RANGE = 58,
	WARDEN_SYSCALL_MMAP = 59,
	WARDEN_SYSCALL_PIPE = 60,
	WARDEN_SYSCALL_PIPE2 = 61,
	WARDEN_SYSCALL_SOCKETPAIR = 62,
};

/* The syscall interface a syscall event's call came through (warden_syscall_event.abi). */
enum warden_syscall_abi {
	WARDEN_ABI_NATIVE = 0,  /* x86_64 or arm64: the numbering bpf/lib/arch.h watches */
	WARDEN_ABI_IA32 = 1,    /* x86_64: the i386 interface (int 0x80, sysenter, syscall from 32-bit code) */
	WARDEN_ABI_X32 = 2,     /* x86_64: x32 (the number has bit 30 set) */
	WARDEN_ABI_AARCH32 = 3, /* arm64: a 32-bit (AArch32) task */
};

/* How the target of a syscall event relates to the caller (bits of warden_syscall_event.target_flags). */
enum warden_target_flag {
	WARDEN_TARGET_NONE = 0,          /* the call has no target process (io_uring, mount API) */
	WARDEN_TARGET_PROCESS = 1u << 0, /* target_pid names a process (or, for kill, a group when negative) */
	WARDEN_TARGET_TRACKED = 1u << 1, /* the target is in the process table (some agent lineage) */
	WARDEN_TARGET_SAME_SESSION = 1u << 2, /* ... and in the caller's own session */
	WARDEN_TARGET_MONITOR = 1u << 3, /* the target is Warden itself */
	WARDEN_TARGET_SELF = 1u << 4,    /* the caller's own thread group */
	WARDEN_TARGET_HELD = 1u << 5,    /* the kernel holds the target for Warden's decision */
	WARDEN_TARGET_RESTOPPED = 1u << 6, /* ... and the signal (SIGCONT) would have let it go: the kernel stopped it again */
	WARDEN_TARGET_SENDER_KILLED = 1u << 7, /* ... for the second time: the kernel killed the sender; also a compat signal to Warden in enforce mode */
	WARDEN_TARGET_JOB_CONTROL = 1u << 8, /* a SIGCONT to a held target from its parent, which collected the target's stop with wait: job control (tmux, script, a shell's bg), stopped again but never counted as a continue loop */
};

/* The argument of a connect syscall event (an AF_UNIX stream or seqpacket connect): the socket
 * type in the low 16 bits (1 SOCK_STREAM, 5 SOCK_SEQPACKET), and these bits about the name the
 * server bound. */
enum warden_unix_connect_flag {
	WARDEN_UNIX_TYPE_MASK = 0xffffu,
	WARDEN_UNIX_ABSTRACT = 1u << 16, /* an abstract name (sun_path starts with NUL): path holds the bytes after it */
	WARDEN_UNIX_UNNAMED = 1u << 17,  /* the server's socket has no name the kernel could read */
};

/* What a rename event did to its destination name. */
enum warden_rename_operation {
	WARDEN_RENAME_OP_RENAME = 1,  /* rename, renameat, renameat2: the source's file now has the destination name */
	WARDEN_RENAME_OP_LINK = 2,    /* link, linkat: a second name for the source's file */
	WARDEN_RENAME_OP_SYMLINK = 3, /* symlink, symlinkat: a new symbolic link whose text is the source */
};

/*
 * Open flags in a file event. O_* values differ per architecture; these are Warden's own bits, and
 * the kernel side translates (bpf/lib/arch.h). They equal the generic (and x86_64) values, so
 * x86_64 maps by identity and the `flags` number in exported JSON means what it always meant;
 * arm64 moves O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE, the four bits it defines
 * differently. The access mode is the value of the low two bits, not a set of flags.
 */
enum warden_open_flag {
	WARDEN_O_ACCMODE = 03,
	WARDEN_O_RDONLY = 00,
	WARDEN_O_WRONLY = 01,
	WARDEN_O_RDWR = 02,
	WARDEN_O_CREAT = 0100,
	WARDEN_O_EXCL = 0200,
	WARDEN_O_NOCTTY = 0400,
	WARDEN_O_TRUNC = 01000,
	WARDEN_O_APPEND = 02000,
	WARDEN_O_NONBLOCK = 04000,
	WARDEN_O_DSYNC = 010000,
	WARDEN_O_DIRECT = 040000,
	WARDEN_O_LARGEFILE = 0100000,
	WARDEN_O_DIRECTORY = 0200000,
	WARDEN_O_NOFOLLOW = 0400000,
	WARDEN_O_NOATIME = 01000000,
	WARDEN_O_CLOEXEC = 02000000,
	WARDEN_O_SYNC = 04000000,       /* the kernel's __O_SYNC bit; O_SYNC is this with O_DSYNC */
	WARDEN_O_PATH = 010000000,
	WARDEN_O_TMPFILE = 020000000,   /* the kernel's __O_TMPFILE bit; O_TMPFILE is this with O_DIRECTORY */
};

struct warden_string {
	__u16 offset;
	__u16 length;
};

/* Common header of every ring-buffer record. */
struct warden_event_header {
	__u16 kind;         /* enum warden_event_kind */
	__u16 flags;        /* enum warden_event_flag */
	__u32 size;         /* bytes of the whole record */
	__u64 time_ns;      /* CLOCK_BOOTTIME */
	__u64 exec_id;      /* the process image this event belongs to (after the exec, for exec) */
	__u64 parent_exec_id; /* the image of the process that forked this one */
	__u64 session_id;   /* exec_id of the agent root of this lineage; 0 when untracked */
	__u32 pid;          /* thread-group id */
	__u32 tid;
	__u32 agent_id;     /* index of the agent definition; 0 when untracked */
	__u32 cpu;
};

struct warden_exec_event {
	struct warden_event_header header;
	__u64 previous_exec_id; /* the image this exec replaced */
	__u64 cgroup_id;
	__u32 ppid;
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 login_uid; /* (uint32_t)-1 when unset */
	__u32 argc;      /* as counted by the kernel, even when argv was truncated */
	struct warden_file_identity executable;
	struct warden_file_identity stdio[3];
	char comm[WARDEN_COMM_LEN];
	struct warden_string filename;   /* as passed to execve */
	struct warden_string interpreter; /* bprm->interp; equals filename unless a shebang or binfmt_misc ran */
	struct warden_string executable_path; /* resolved path of the file the kernel runs */
	struct warden_string cwd;
	struct warden_string argv;
	struct warden_string env;
	__u8 data[];
};

#define WARDEN_EXEC_DATA_MAX (WARDEN_PATH_MAX + WARDEN_INTERP_MAX + WARDEN_PATH_MAX + WARDEN_PATH_MAX + WARDEN_ARGV_MAX + WARDEN_ENV_MAX)

struct warden_fork_event {
	struct warden_event_header header; /* describes the child */
	__u32 parent_pid;
	__u32 pad;
};

struct warden_exit_event {
	struct warden_event_header header;
	__u32 exit_status; /* wait(2) status: (code << 8) | signal */
	__u32 pad;
};

/* open, openat, openat2, creat, and execve/execveat that failed. */
struct warden_file_event {
	struct warden_event_header header;
	__s64 result;   /* fd, or -errno */
	__u64 flags;    /* enum warden_open_flag bits; creat reports WRONLY|CREAT|TRUNC; a failed execveat its AT_* flags */
	__u32 mode;
	__u32 syscall;  /* enum warden_syscall */
	struct warden_file_identity file; /* the opened file; kind NONE when the call failed */
	struct warden_string path;      /* kernel-resolved path of the opened file, or the request joined to its directory */
	struct warden_string requested; /* the path argument exactly as the process passed it */
	__u32 guarded_id;    /* the guarded table's value for this file (see warden_guarded_filter_slot); 0: not guarded */
	__u32 guarded_match; /* enum warden_guarded_match */
	__u8 data[];
};

#define WARDEN_FILE_DATA_MAX (WARDEN_PATH_MAX * 2)

/*
 * rename, renameat, renameat2, link, linkat, symlink, symlinkat. Both paths are the arguments as
 * the process passed them; a relative one comes with the directory the kernel resolved it
 * against (the directory fd's path or the working directory, read from the kernel's objects at
 * syscall exit), so user space joins the two. A symlink's source is the link's text, never
 * resolved, and has no base. No file identity: see docs/events.md.
 */
struct warden_rename_event {
	struct warden_event_header header;
	__s64 result;    /* 0, or -errno */
	__u32 syscall;   /* enum warden_syscall */
	__u32 operation; /* enum warden_rename_operation */
	__u32 flags;     /* renameat2's RENAME_* flags, linkat's AT_* flags, else 0 */
	__u32 pad;
	struct warden_string source;
	struct warden_string destination;
	struct warden_string source_base;      /* empty when the source is absolute (or a symlink's text) */
	struct warden_string destination_base; /* empty when the destination is absolute */
	__u8 data[];
};

#define WARDEN_RENAME_DATA_MAX (WARDEN_PATH_MAX * 4)

/*
 * connect (result 0 or -EINPROGRESS), accept and accept4 on an AF_INET or AF_INET6 socket. The peer
 * is read from the kernel's socket, not from the caller's sockaddr: what the kernel connected to.
 */
struct warden_connect_event {
	struct warden_event_header header;
	__s64 result;      /* 0, -EINPROGRESS, the accepted fd, the bytes sent (SENDTO, SENDMSG) or received (RECV) */
	__u32 syscall;     /* enum warden_syscall */
	__u16 family;      /* AF_INET (2) or AF_INET6 (10); AF_UNIX (1), RECV only: network data a process carrying it sent over a local socket */
	__u16 port;        /* the peer's port, host byte order; 0 with an all-zero address: unknown (RECV on an unconnected socket) */
	__u8 address[16];  /* the peer's address, network byte order; IPv4 in the first 4 bytes */
};

/*
 * A call that reaches past files, execs and sockets, by a tracked process: io_uring_setup, the
 * mount API's open_tree/move_mount/fsmount, ptrace, process_vm_readv/writev, signals sent
 * out of the caller's session or to Warden, and connects to AF_UNIX stream/seqpacket servers
 * outside the caller's session (command brokers: tmux, screen, dockerd, systemd). Each is rare in
 * ordinary work; each is a way around the other sensors (opens the ring makes never pass open's
 * syscall exit; a detached mount shows another path; another process's memory, a debugger or a
 * server's socket hands code to a process outside the lineage; a stopped Warden decides nothing).
 * At syscall exit: the call has happened.
 *
 * For connect, the target is the server: the process that called listen() on the socket, as the
 * kernel recorded it for the connection (SO_PEERCRED's pid and credentials), never a name the
 * caller chose; path is the name the server bound (from the server's socket), socket the file
 * that name is, target_executable the server's executable, both read in the kernel at the call.
 */
struct warden_syscall_event {
	struct warden_event_header header;
	__s64 result;          /* the syscall's return value, or -errno */
	__u32 syscall;         /* enum warden_syscall, WARDEN_SYSCALL_IO_URING_SETUP and after */
	__u32 target_flags;    /* enum warden_target_flag */
	__u64 argument;        /* ptrace: the request; signals: the signal; io_uring_setup: IORING_SETUP_* flags; open_tree, move_mount, fsmount: their flags; compat: the syscall number in its ABI's numbering; connect: the socket type and enum warden_unix_connect_flag */
	__s64 target_pid;      /* ptrace, process_vm_*, signals: the pid as the caller named it (kill: negative for a group); connect: the server's (its peer credentials); 0 otherwise */
	__u64 target_exec_id;  /* the target's exec id when tracked, else 0 */
	struct warden_string path; /* open_tree, move_mount: the path argument (move_mount: the destination); compat: the path argument of a file call; connect: the name the server bound; empty otherwise */
	__u32 abi;             /* enum warden_syscall_abi */
	__u32 target_uid;      /* connect: the server's effective uid (its peer credentials); (uint32_t)-1 otherwise */
	__u32 pad;
	struct warden_file_identity socket;            /* connect: the socket file the server's name is (filesystem names); kind NONE otherwise */
	struct warden_file_identity target_executable; /* connect: the server's executable, read from its task at the call; kind NONE when unknown */
	__u8 data[];
};

#define WARDEN_SYSCALL_DATA_MAX WARDEN_PATH_MAX

/* Value of the origin table (key: struct warden_file_key). */
struct warden_file_origin {
	__u32 origin;  /* enum warden_origin bits */
	__u32 pad;
	__u64 exec_id; /* the image whose write gave the origin */
};

/* Slots of warden_counters.dropped_by_kind: room for the kinds to come. */
#define WARDEN_KIND_SLOTS 16u

/* Per-CPU counters of what the kernel could not deliver. */
struct warden_counters {
	__u64 ringbuf_drops;       /* records lost because the ring buffer was full (or kept for others) */
	__u64 process_table_full;  /* tracked processes not recorded because the table was full */
	__u64 events_emitted;
	__u64 holds;               /* enforce mode: processes stopped for a decision */
	__u64 fail_closed_kills;   /* enforce mode, --fail-mode closed: killed because Warden could not be told */
	__u64 dropped_by_kind[WARDEN_KIND_SLOTS]; /* ringbuf_drops by enum warden_event_kind */
};

/* Key of the agent executable table: the identity of an agent's executable file. */
struct warden_file_key {
	__u64 inode;
	__u32 dev;
	__u32 pad;
};

/*
 * The guarded table (key: struct warden_file_key, value: an id user space maps back to the
 * canonical path it resolved). An open of a tracked process says which entry its file matched:
 * the file's own identity, or the identity of the directory it is in (a guarded directory covers
 * the files directly inside it, including ones created later).
 */
enum warden_guarded_match {
	WARDEN_GUARDED_NONE = 0,
	WARDEN_GUARDED_FILE = 1,
	WARDEN_GUARDED_DIRECTORY = 2,
};

/* The bit of the guarded table's prefilter (an array map of WARDEN_GUARDED_FILTER_WORDS words)
 * that an identity sets: an open whose file and directory bits are clear costs no hash lookup.
 * Both sides compute it with this function. */
static inline __u32 warden_guarded_filter_slot(__u64 inode, __u32 dev)
{
	__u64 mixed = (inode ^ ((__u64)dev << 40)) * 0x9E3779B97F4A7C15ull;

	return (__u32)(mixed >> 48) & (WARDEN_GUARDED_FILTER_WORDS * 64u - 1u);
}

/* Key of the agent path table: an exact path as passed to execve (scripts with a shebang). */
struct warden_path_key {
	char path[WARDEN_AGENT_PATH_KEY];
};

/* Value of the process table: the lineage state of one tracked thread group. */
struct warden_process {
	__u64 exec_id;
	__u64 parent_exec_id;
	__u64 session_id;
	__u32 agent_id;
	__u32 flags;
};

/* Value of the hold table (key: tgid): one process stopped by the kernel until Warden decides.
 * start_time_ns lets a guardian that outlives Warden's programs tell the process from a later one
 * that reused its pid (it is /proc/PID/stat's starttime in nanoseconds). */
struct warden_hold {
	__u64 exec_id;
	__u64 start_time_ns; /* task->start_boottime */
	__u64 held_at_ns;    /* CLOCK_BOOTTIME */
	__u32 event_kind;    /* WARDEN_EVENT_EXEC, WARDEN_EVENT_OPEN, WARDEN_EVENT_RENAME or WARDEN_EVENT_SYSCALL */
	__u32 flags;         /* enum warden_hold_flag */
};

/* Bits of warden_hold.flags. */
enum warden_hold_flag {
	/* A signal to this held process was reported; later ones are not (a loop of SIGCONTs, each
	 * stopped again in the kernel, is one event, not a flood of them). */
	WARDEN_HOLD_SIGNAL_REPORTED = 1u << 0,
	/* A second SIGCONT came: its sender was killed in the kernel (one continue is what a pty
	 * wrapper sends its stopped child; a loop of them is an attempt to run the target in the
	 * moments before each re-stop). */
	WARDEN_HOLD_SENDER_KILLED = 1u << 1,
	/* Its parent collected its stop (wait4/waitid with WUNTRACED) since the last continue: the
	 * parent's next SIGCONT answers a stop it was told about (job control), not a loop. */
	WARDEN_HOLD_STOP_COLLECTED = 1u << 2,
	/* The parent's job-control continue was reported; later ones are not. */
	WARDEN_HOLD_JOB_CONTROL_REPORTED = 1u << 3,
};

/* Read-only configuration, set by the loader before the programs load. */
struct warden_config {
	__u64 exec_id_base;     /* exec ids continue from here: CLOCK_BOOTTIME ns at start keeps them unique per boot */
	__u32 monitor_tgid;     /* Warden's own process, never traced */
	__u32 host_wide;        /* 1: trace every process, not only agent lineages */
	__u32 enforce;          /* 1: hold every exec in an agent lineage, and opens of guarded files */
	__u32 fail_closed;      /* 1: kill a process that would be held when Warden cannot be told */
};

_Static_assert(sizeof(struct warden_file_identity) == 48, "file identity layout");
_Static_assert(sizeof(struct warden_connect_event) == 56 + 16 + 16, "connect event layout");
_Static_assert(sizeof(struct warden_file_origin) == 16, "origin table layout");
_Static_assert(sizeof(struct warden_syscall_event) == 56 + 40 + 16 + 2 * 48, "syscall event layout");
_Static_assert(__builtin_offsetof(struct warden_syscall_event, socket) == 112, "syscall event identities follow the fixed-width fields");
_Static_assert(__builtin_offsetof(struct warden_syscall_event, data) == sizeof(struct warden_syscall_event), "syscall data follows the fixed part");
_Static_assert(__builtin_offsetof(struct warden_file_identity, size) == 24, "file size follows the fixed-width identity fields");
_Static_assert(sizeof(struct warden_event_header) == 56, "event header layout");
_Static_assert(sizeof(struct warden_exec_event) == 56 + 40 + 4 * 48 + 16 + 6 * 4, "exec event layout");
_Static_assert(__builtin_offsetof(struct warden_exec_event, data) == sizeof(struct warden_exec_event), "exec data follows the fixed part");
_Static_assert(sizeof(struct warden_fork_event) == 64, "fork event layout");
_Static_assert(sizeof(struct warden_exit_event) == 64, "exit event layout");
_Static_assert(sizeof(struct warden_file_event) == 56 + 24 + 48 + 8 + 8, "file event layout");
_Static_assert(__builtin_offsetof(struct warden_file_event, data) == sizeof(struct warden_file_event), "file data follows the fixed part");
_Static_assert(sizeof(struct warden_rename_event) == 56 + 24 + 16, "rename event layout");
_Static_assert(__builtin_offsetof(struct warden_rename_event, data) == sizeof(struct warden_rename_event), "rename data follows the fixed part");
_Static_assert(sizeof(struct warden_counters) == 40 + 8 * WARDEN_KIND_SLOTS, "counters layout");
_Static_assert(WARDEN_EVENT_KIND_END <= WARDEN_KIND_SLOTS, "every kind has a drop counter");
_Static_assert(sizeof(struct warden_hold) == 32, "hold table layout");
_Static_assert(sizeof(struct warden_process) == 32, "process table layout");
_Static_assert(sizeof(struct warden_config) == 24, "config layout");
_Static_assert(WARDEN_EXEC_DATA_MAX < 65536 && WARDEN_FILE_DATA_MAX < 65536 && WARDEN_RENAME_DATA_MAX < 65536, "string offsets fit in 16 bits");

#endif
