/*
 * maps.h — the maps and globals every program shares, and the per-CPU scratch space.
 *
 * The loader (Sources/WardenKernel/SensorMaps.swift) looks each map up once by these names.
 */
#ifndef WARDEN_MAPS_H
#define WARDEN_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "warden_abi.h"

const volatile struct warden_config config = {};

/* Exec ids are config.exec_id_base + a per-load sequence number. */
static __u64 exec_id_sequence;

/* Two rings (bpf/lib/submit.h): `decisions` carries what lineage and enforcement depend on (execs,
 * forks, exits, renames, held records); `events` carries the bulk (opens, failed execs, connects,
 * unheld syscall events). A flood of bulk records can then never take the room of an exec. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the loader */
} decisions SEC(".maps");

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

/* Guarded files, and directories (for the files directly in them), by identity, so links and
 * other paths change nothing; the value is the id user space maps back to the canonical path.
 * Filled in every mode: every open event says which entry its file is (bpf/lib/guarded.h), and
 * enforce mode holds those opens by tool processes for the rule engine. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WARDEN_MAX_GUARDED);
	__type(key, struct warden_file_key);
	__type(value, __u32);
} guarded_files SEC(".maps");

/* Where files and pipes got their content (bpf/lib/origins.h). LRU: a flood of written files
 * forgets the oldest, never fails the write that is being recorded. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WARDEN_MAX_ORIGINS);
	__type(key, struct warden_file_key);
	__type(value, struct warden_file_origin);
} file_origins SEC(".maps");

/* Regular files tracked processes opened for writing, by identity: a later open of one is what
 * provenance judges (written, then run or sourced) and must not be dropped with a flood of reads.
 * LRU: a build writing thousands of objects forgets the oldest. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct warden_file_key);
	__type(value, __u8);
} lineage_writes SEC(".maps");

/* One bit per guarded identity (warden_guarded_filter_slot), set by user space after the entry:
 * a clear bit spares the hash lookup. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WARDEN_GUARDED_FILTER_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} guarded_filter SEC(".maps");

/*
 * Per-CPU scratch space: events are assembled here and copied into the ring buffer at their real
 * size, so a short exec does not reserve room for the longest one.
 */
#define NAME_MAX_LEN 255u

struct exec_scratch {
	struct warden_exec_event event;
	__u8 data[WARDEN_EXEC_DATA_MAX];
};

struct file_scratch {
	struct warden_file_event event;
	__u8 data[WARDEN_FILE_DATA_MAX];
};

struct rename_scratch {
	struct warden_rename_event event;
	__u8 data[WARDEN_RENAME_DATA_MAX];
};

struct syscall_scratch {
	struct warden_syscall_event event;
	__u8 data[WARDEN_SYSCALL_DATA_MAX];
};

/* Per-CPU values are limited to 32 KiB, so events and path building use separate scratch maps. */
struct scratch {
	union {
		struct exec_scratch exec;
		struct file_scratch file;
		struct rename_scratch rename;
		struct syscall_scratch syscall;
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

#endif
