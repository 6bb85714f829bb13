/*
 * arch.h — the kernel facts that differ between architectures, behind Warden's own names.
 *
 * Syscall numbers, the saved register frame and the open-flag bits exist here only, once per
 * architecture; every program and all of Swift speak enum warden_syscall and WARDEN_O_*
 * (warden_abi.h). bpf/build.sh compiles the object once per architecture (__TARGET_ARCH_*).
 *
 * Each architecture provides:
 *   struct pt_regs                    the frame sys_exit's BTF-typed argument points to
 *   syscall_nr(regs)                  the number of the syscall that is returning
 *   syscall_arg(regs, n)              its argument n (0-4), read at syscall exit
 *   WARDEN_WATCHED_SYSCALLS(X)        X(number, enum warden_syscall) for every syscall Warden watches
 *   warden_open_flags(flags)          the architecture's O_* bits as WARDEN_O_* bits
 *   syscall_abi(regs, nr)             the interface the returning syscall came through (enum
 *                                     warden_syscall_abi): native, or a compat ABI whose numbers
 *                                     and registers mean something else entirely
 *   task_abi(task)                    the ABI a task's next return to user space goes to (at exec:
 *                                     the new image's)
 *   compat_path_arg(abi, nr)          which argument of a compat call is a path Warden reports, or -1
 *   compat_target(abi, nr, regs, pid) whether a compat call names a process (enum compat_target: a
 *                                     signal's target, ptrace's or process_vm_*'s), and which
 *   compat_syscall_arg(regs, n)       argument n of a compat call
 *   compat_connect_fd(abi, nr, regs)  the socket fd of a compat connect (-1 when the call is not one)
 */
#ifndef WARDEN_ARCH_H
#define WARDEN_ARCH_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.h"
#include "warden_abi.h"

enum compat_target {
	COMPAT_TARGET_NONE = 0,
	COMPAT_TARGET_SIGNAL = 1, /* kill, tkill, tgkill, rt_(tg)sigqueueinfo */
	COMPAT_TARGET_OTHER = 2,  /* ptrace, process_vm_readv/writev */
};

#if defined(__TARGET_ARCH_x86)

/* ax takes the result, so orig_ax is where the number survives until exit; the argument
 * registers are left as the caller set them. */
struct pt_regs {
	unsigned long bp;
	unsigned long bx;
	unsigned long cx;
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long r8;
	unsigned long orig_ax;
} CORE;

/* The i386 interface (int 0x80, sysenter, syscall from 32-bit code) marks the task TS_COMPAT
 * for the duration of the call (arch/x86/entry: set at entry, cleared only after the exit work
 * that fires sys_exit), and exec of a 32-bit ELF sets it for the execve's own return. thread_info
 * is the first member of task_struct on x86, so the test is one load at a constant offset. */
struct thread_info___x86 {
	__u32 status;
} CORE;

struct task_struct___x86 {
	struct thread_info___x86 thread_info;
} CORE;

#define TS_COMPAT 0x0002
/* x32 numbers are x86_64's with bit 30 set (__X32_SYSCALL_BIT); a number with higher bits set
 * (syscall(-1)) is not one. */
#define X32_SYSCALL_BIT 0x40000000L
#define X32_SYSCALL_MASK (~0x3fffffffL)

/* A direct load through the BTF-typed pointer: no helper call, which matters in front of the
 * filter that every syscall on the host pays for. */
static __always_inline long syscall_nr(struct pt_regs *regs)
{
	return regs->orig_ax;
}

static __always_inline unsigned long syscall_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0: return BPF_CORE_READ(regs, di);
	case 1: return BPF_CORE_READ(regs, si);
	case 2: return BPF_CORE_READ(regs, dx);
	case 3: return BPF_CORE_READ(regs, r10);
	default: return BPF_CORE_READ(regs, r8);
	}
}

static __always_inline enum warden_syscall_abi task_abi(struct task_struct *task)
{
	return BPF_CORE_READ((struct task_struct___x86 *)task, thread_info.status) & TS_COMPAT ?
		WARDEN_ABI_IA32 : WARDEN_ABI_NATIVE;
}

/* In front of the syscall filter, so every syscall of the host pays it: an and and a compare on
 * the number, then bpf_get_current_task_btf() and one direct load through the trusted pointer
 * (task_struct's first cache line, which the syscall exit path has just touched). No register of
 * the frame tells `int 0x80` from a native call: cs is the 64-bit one for both. The helper is a
 * real call on 6.18 (newer x86-64 verifiers inline it); measured on an untracked getppid loop,
 * the program went from 49.0 to 55.7 ns per run (median of 6, bpf_stats). */
static __always_inline enum warden_syscall_abi syscall_abi(struct pt_regs *regs, long nr)
{
	struct task_struct___x86 *task;

	if ((nr & X32_SYSCALL_MASK) == X32_SYSCALL_BIT)
		return WARDEN_ABI_X32;
	task = (struct task_struct___x86 *)bpf_get_current_task_btf();
	return task->thread_info.status & TS_COMPAT ? WARDEN_ABI_IA32 : WARDEN_ABI_NATIVE;
}

/* The i386 calling convention: ebx, ecx, edx, esi, edi, ebp (the registers' low halves). */
static __always_inline unsigned long compat_syscall_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0: return (__u32)BPF_CORE_READ(regs, bx);
	case 1: return (__u32)BPF_CORE_READ(regs, cx);
	case 2: return (__u32)BPF_CORE_READ(regs, dx);
	case 3: return (__u32)BPF_CORE_READ(regs, si);
	case 4: return (__u32)BPF_CORE_READ(regs, di);
	default: return (__u32)BPF_CORE_READ(regs, bp);
	}
}

/* i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) of the file calls Warden watches natively:
 * which argument is the path it reports (the destination of a rename, link or symlink). x32
 * reuses x86_64's registers and numbers; it is reported by number only. */
static __always_inline int compat_path_arg(enum warden_syscall_abi abi, long nr)
{
	if (abi != WARDEN_ABI_IA32)
		return -1;
	switch (nr) {
	case 5: case 8: case 11: return 0;                       /* open, creat, execve */
	case 9: case 38: case 83: case 295: case 358: case 437: return 1; /* link, rename, symlink, openat, execveat, openat2 */
	case 304: return 2;                                      /* symlinkat */
	case 302: case 303: case 353: return 3;                  /* renameat, linkat, renameat2 */
	default: return -1;
	}
}

/* What an i386 call names a process for (enum compat_target), and the pid it names. */
static __always_inline int compat_target(enum warden_syscall_abi abi, long nr, struct pt_regs *regs, long *pid)
{
	if (abi != WARDEN_ABI_IA32)
		return COMPAT_TARGET_NONE;
	switch (nr) {
	case 37: case 178: case 238: case 270: case 335: /* kill, rt_sigqueueinfo, tkill, tgkill, rt_tgsigqueueinfo */
		*pid = (int)compat_syscall_arg(regs, 0);
		return COMPAT_TARGET_SIGNAL;
	case 347: case 348: /* process_vm_readv/writev(pid, ...) */
		*pid = (int)compat_syscall_arg(regs, 0);
		return COMPAT_TARGET_OTHER;
	case 26: /* ptrace(request, pid, ...) */
		*pid = (int)compat_syscall_arg(regs, 1);
		return COMPAT_TARGET_OTHER;
	default:
		return COMPAT_TARGET_NONE;
	}
}

/* i386 has two ways to connect: connect(fd, addr, len) (362, since Linux 4.3) and the older
 * socketcall(SYS_CONNECT, args) (102), whose arguments are 32-bit words in user memory that the
 * kernel has just copied in (so they are resident at exit). x32 is not built into the kernels we
 * run on; its connects are reported by number only. */
#define IA32_SOCKETCALL 102
#define IA32_CONNECT 362
#define SYS_CONNECT 3

static __always_inline int compat_connect_fd(enum warden_syscall_abi abi, long nr, struct pt_regs *regs)
{
	__u32 fd;

	if (abi != WARDEN_ABI_IA32)
		return -1;
	if (nr == IA32_CONNECT)
		return (int)compat_syscall_arg(regs, 0);
	if (nr != IA32_SOCKETCALL || compat_syscall_arg(regs, 0) != SYS_CONNECT)
		return -1;
	if (bpf_probe_read_user(&fd, sizeof(fd), (const void *)compat_syscall_arg(regs, 1)) != 0)
		return -1;
	return (int)fd;
}

/* Every syscall Warden watches: (number, enum warden_syscall). */
#define WARDEN_WATCHED_SYSCALLS(X) \
	X(2, WARDEN_SYSCALL_OPEN) \
	X(42, WARDEN_SYSCALL_CONNECT) \
	X(43, WARDEN_SYSCALL_ACCEPT) \
	X(59, WARDEN_SYSCALL_EXECVE) \
	X(61, WARDEN_SYSCALL_WAIT4) \
	X(62, WARDEN_SYSCALL_KILL) \
	X(82, WARDEN_SYSCALL_RENAME) \
	X(85, WARDEN_SYSCALL_CREAT) \
	X(86, WARDEN_SYSCALL_LINK) \
	X(88, WARDEN_SYSCALL_SYMLINK) \
	X(101, WARDEN_SYSCALL_PTRACE) \
	X(129, WARDEN_SYSCALL_RT_SIGQUEUEINFO) \
	X(200, WARDEN_SYSCALL_TKILL) \
	X(234, WARDEN_SYSCALL_TGKILL) \
	X(247, WARDEN_SYSCALL_WAITID) \
	X(257, WARDEN_SYSCALL_OPENAT) \
	X(264, WARDEN_SYSCALL_RENAMEAT) \
	X(265, WARDEN_SYSCALL_LINKAT) \
	X(266, WARDEN_SYSCALL_SYMLINKAT) \
	X(288, WARDEN_SYSCALL_ACCEPT4) \
	X(297, WARDEN_SYSCALL_RT_TGSIGQUEUEINFO) \
	X(304, WARDEN_SYSCALL_OPEN_BY_HANDLE_AT) \
	X(310, WARDEN_SYSCALL_PROCESS_VM_READV) \
	X(311, WARDEN_SYSCALL_PROCESS_VM_WRITEV) \
	X(316, WARDEN_SYSCALL_RENAMEAT2) \
	X(322, WARDEN_SYSCALL_EXECVEAT) \
	X(424, WARDEN_SYSCALL_PIDFD_SEND_SIGNAL) \
	X(425, WARDEN_SYSCALL_IO_URING_SETUP) \
	X(428, WARDEN_SYSCALL_OPEN_TREE) \
	X(429, WARDEN_SYSCALL_MOVE_MOUNT) \
	X(432, WARDEN_SYSCALL_FSMOUNT) \
	X(437, WARDEN_SYSCALL_OPENAT2) \
	/* What a process that carries network data writes into (bpf/process/write.c), and the \
	 * objects it creates to write into: filtered by the process's flags right after the lookup. */ \
	X(1, WARDEN_SYSCALL_WRITE) \
	X(9, WARDEN_SYSCALL_MMAP) \
	X(18, WARDEN_SYSCALL_PWRITE64) \
	X(20, WARDEN_SYSCALL_WRITEV) \
	X(22, WARDEN_SYSCALL_PIPE) \
	X(40, WARDEN_SYSCALL_SENDFILE) \
	X(44, WARDEN_SYSCALL_SENDTO) \
	X(46, WARDEN_SYSCALL_SENDMSG) \
	X(53, WARDEN_SYSCALL_SOCKETPAIR) \
	X(275, WARDEN_SYSCALL_SPLICE) \
	X(276, WARDEN_SYSCALL_TEE) \
	X(278, WARDEN_SYSCALL_VMSPLICE) \
	X(293, WARDEN_SYSCALL_PIPE2) \
	X(296, WARDEN_SYSCALL_PWRITEV) \
	X(307, WARDEN_SYSCALL_SENDMMSG) \
	X(326, WARDEN_SYSCALL_COPY_FILE_RANGE) \
	X(328, WARDEN_SYSCALL_PWRITEV2)

/* Warden's bits are x86_64's (the generic values). */
static __always_inline __u64 warden_open_flags(__u64 flags)
{
	return flags;
}

#elif defined(__TARGET_ARCH_arm64)

/* The kernel's frame nests regs[] in an anonymous union and struct; CO-RE matches members of
 * anonymous members by name, so the flat declaration relocates. x0 carries the first argument in
 * and the result out: at exit the argument is in orig_x0. */
struct pt_regs {
	__u64 regs[31];
	__u64 pstate;
	__u64 orig_x0;
	__s32 syscallno;
} CORE;

/* An AArch32 task runs with PSTATE.M[4] set (PSR_MODE32_BIT, what compat_user_mode() tests): the
 * whole task is 32-bit, there is no per-call switch like x86's int 0x80. Its calls use the ARM
 * EABI numbering (in r7, kept in syscallno) and r0-r6. */
#define PSR_MODE32_BIT 0x10

static __always_inline enum warden_syscall_abi syscall_abi(struct pt_regs *regs, long nr)
{
	return regs->pstate & PSR_MODE32_BIT ? WARDEN_ABI_AARCH32 : WARDEN_ABI_NATIVE;
}

static __always_inline enum warden_syscall_abi task_abi(struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	return regs && (BPF_CORE_READ(regs, pstate) & PSR_MODE32_BIT) ? WARDEN_ABI_AARCH32 : WARDEN_ABI_NATIVE;
}

static __always_inline unsigned long compat_syscall_arg(struct pt_regs *regs, int n)
{
	return n == 0 ? (__u32)BPF_CORE_READ(regs, orig_x0) : 0;
}

/* AArch32 calls are reported by number only (untested here: no AArch32 hardware to run them). */
static __always_inline int compat_path_arg(enum warden_syscall_abi abi, long nr)
{
	return -1;
}

static __always_inline int compat_target(enum warden_syscall_abi abi, long nr, struct pt_regs *regs, long *pid)
{
	return COMPAT_TARGET_NONE;
}

/* AArch32 connects are reported by number only (see compat_path_arg). */
static __always_inline int compat_connect_fd(enum warden_syscall_abi abi, long nr, struct pt_regs *regs)
{
	return -1;
}

static __always_inline long syscall_nr(struct pt_regs *regs)
{
	return regs->syscallno;
}

static __always_inline unsigned long syscall_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0: return BPF_CORE_READ(regs, orig_x0);
	case 1: return BPF_CORE_READ(regs, regs[1]);
	case 2: return BPF_CORE_READ(regs, regs[2]);
	case 3: return BPF_CORE_READ(regs, regs[3]);
	default: return BPF_CORE_READ(regs, regs[4]);
	}
}

/* The generic syscall table: no open, creat, rename, link or symlink (libc calls the *at forms). */
#define WARDEN_WATCHED_SYSCALLS(X) \
	X(36, WARDEN_SYSCALL_SYMLINKAT) \
	X(37, WARDEN_SYSCALL_LINKAT) \
	X(38, WARDEN_SYSCALL_RENAMEAT) \
	X(56, WARDEN_SYSCALL_OPENAT) \
	X(95, WARDEN_SYSCALL_WAITID) \
	X(117, WARDEN_SYSCALL_PTRACE) \
	X(129, WARDEN_SYSCALL_KILL) \
	X(130, WARDEN_SYSCALL_TKILL) \
	X(131, WARDEN_SYSCALL_TGKILL) \
	X(138, WARDEN_SYSCALL_RT_SIGQUEUEINFO) \
	X(202, WARDEN_SYSCALL_ACCEPT) \
	X(203, WARDEN_SYSCALL_CONNECT) \
	X(221, WARDEN_SYSCALL_EXECVE) \
	X(240, WARDEN_SYSCALL_RT_TGSIGQUEUEINFO) \
	X(242, WARDEN_SYSCALL_ACCEPT4) \
	X(260, WARDEN_SYSCALL_WAIT4) \
	X(265, WARDEN_SYSCALL_OPEN_BY_HANDLE_AT) \
	X(270, WARDEN_SYSCALL_PROCESS_VM_READV) \
	X(271, WARDEN_SYSCALL_PROCESS_VM_WRITEV) \
	X(276, WARDEN_SYSCALL_RENAMEAT2) \
	X(281, WARDEN_SYSCALL_EXECVEAT) \
	X(424, WARDEN_SYSCALL_PIDFD_SEND_SIGNAL) \
	X(425, WARDEN_SYSCALL_IO_URING_SETUP) \
	X(428, WARDEN_SYSCALL_OPEN_TREE) \
	X(429, WARDEN_SYSCALL_MOVE_MOUNT) \
	X(432, WARDEN_SYSCALL_FSMOUNT) \
	X(437, WARDEN_SYSCALL_OPENAT2) \
	X(59, WARDEN_SYSCALL_PIPE2) \
	X(64, WARDEN_SYSCALL_WRITE) \
	X(66, WARDEN_SYSCALL_WRITEV) \
	X(68, WARDEN_SYSCALL_PWRITE64) \
	X(70, WARDEN_SYSCALL_PWRITEV) \
	X(71, WARDEN_SYSCALL_SENDFILE) \
	X(75, WARDEN_SYSCALL_VMSPLICE) \
	X(76, WARDEN_SYSCALL_SPLICE) \
	X(77, WARDEN_SYSCALL_TEE) \
	X(199, WARDEN_SYSCALL_SOCKETPAIR) \
	X(206, WARDEN_SYSCALL_SENDTO) \
	X(211, WARDEN_SYSCALL_SENDMSG) \
	X(222, WARDEN_SYSCALL_MMAP) \
	X(269, WARDEN_SYSCALL_SENDMMSG) \
	X(285, WARDEN_SYSCALL_COPY_FILE_RANGE) \
	X(287, WARDEN_SYSCALL_PWRITEV2)

/* arch/arm64/include/uapi/asm/fcntl.h: four bits differ from the generic values, and they are a
 * permutation of the same four bit positions. */
#define ARM64_O_DIRECTORY 040000
#define ARM64_O_NOFOLLOW 0100000
#define ARM64_O_DIRECT 0200000
#define ARM64_O_LARGEFILE 0400000

static __always_inline __u64 warden_open_flags(__u64 flags)
{
	__u64 moved = flags & (ARM64_O_DIRECTORY | ARM64_O_NOFOLLOW | ARM64_O_DIRECT | ARM64_O_LARGEFILE);
	__u64 out = flags & ~moved;

	if (moved & ARM64_O_DIRECTORY)
		out |= WARDEN_O_DIRECTORY;
	if (moved & ARM64_O_NOFOLLOW)
		out |= WARDEN_O_NOFOLLOW;
	if (moved & ARM64_O_DIRECT)
		out |= WARDEN_O_DIRECT;
	if (moved & ARM64_O_LARGEFILE)
		out |= WARDEN_O_LARGEFILE;
	return out;
}

#else
#error "bpf/build.sh defines __TARGET_ARCH_x86 or __TARGET_ARCH_arm64"
#endif

/* The syscall by Warden's numbering; WARDEN_SYSCALL_UNKNOWN for every syscall Warden ignores. */
static __always_inline enum warden_syscall warden_syscall_of(long nr)
{
#define WARDEN_SYSCALL_CASE(nr, name) case nr: return name;
	switch (nr) {
	WARDEN_WATCHED_SYSCALLS(WARDEN_SYSCALL_CASE)
	default: return WARDEN_SYSCALL_UNKNOWN;
	}
#undef WARDEN_SYSCALL_CASE
}

#endif
