/*
 * doctor_probe.c — `warden doctor` only: proves that bpf_send_signal() from sched_process_exec
 * acts on a new image before it runs (SIGKILL: kernel-kill; SIGSTOP: the enforce-mode hold). Not
 * loaded by the monitor ("?" prefix); the doctor loads it alone, puts the tgid of a held child in
 * probe_target[0] and the signal in probe_target[1], and checks what became of the child.
 * Included by warden.bpf.c, so the doctor tests the very object the monitor loads.
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
