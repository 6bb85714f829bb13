// SPDX-License-Identifier: GPL-2.0
/*
 * warden.bpf.c — Warden's kernel sensors, built as one BPF object per architecture.
 *
 * Tracepoints, all attached through BTF (tp_btf), so nothing here needs tracefs:
 *   sched_process_exec  every exec; recognises agent roots; full exec context for tracked processes
 *   sched_process_fork  children inherit their parent's lineage (agent, session) in the kernel
 *   sched_process_exit  exit status of tracked processes; evicts them from the process table
 *   sys_exit            open/openat/openat2/creat results, failed execs, rename/link/symlink,
 *                       connect/accept on internet sockets (network taint), connects to AF_UNIX
 *                       servers outside the session (command brokers), the first call through a
 *                       compat ABI (int 0x80, 32-bit programs) of tracked processes, and what
 *                       processes carrying network data write into
 *   sock_recv_length    bytes received on any socket: network taint at the data (receive.c)
 *   io_uring_complete   the ring's opens, connects and writes
 *
 * Only processes in the process table (agent lineages, or everyone with host-wide scope) produce
 * events; everything else returns after one hash lookup and never reaches user space.
 *
 * One translation unit on purpose: the programs share their maps (process table, ring buffer,
 * holds, counters), the exec id sequence (.bss) and the configuration (.rodata). libbpf creates
 * those once per object; separate objects would each get their own copies, and sharing them would
 * take map reuse or pinning in the loader (bpffs is not even mounted here). So the program files
 * in process/ are included here rather than compiled alone, and bpf/lib holds what they share.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/openat2.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "lib/kernel_types.h"
#include "warden_abi.h"
#include "lib/arch.h"
#include "lib/maps.h"
#include "lib/strings.h"
#include "lib/paths.h"
#include "lib/identity.h"
#include "lib/guarded.h"
#include "lib/lineage.h"
#include "lib/submit.h"
#include "lib/holds.h"
#include "lib/origins.h"

char LICENSE[] SEC("license") = "GPL";

#include "process/exec.c"
#include "process/fork_exit.c"
#include "process/file.c"
#include "process/rename.c"
#include "process/jobcontrol.c"
#include "process/syscall.c"
#include "process/broker.c"
#include "process/connect.c"
#include "process/receive.c"
#include "process/write.c"
#include "process/compat.c"
#include "process/io_uring.c"
#include "process/sys_exit.c"
#include "process/doctor_probe.c"
