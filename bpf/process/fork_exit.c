/*
 * fork_exit.c — the two ends of a process's life in the table: children inherit their parent's
 * lineage at fork, in the kernel, before they can exec; tracked processes leave it at exit, so the
 * table stays bounded under churn. Included by warden.bpf.c (see there why).
 */

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
	/* The child reports its own first compat call (enforce mode holds each process on its own). */
	inherited.flags = network_flags_at_fork(inherited.flags & ~(WARDEN_PROCESS_AGENT_ROOT | WARDEN_PROCESS_COMPAT_REPORTED));
	/* The parent's stdin is looked at now, not at its exec: in `curl … | xargs sh -c`, xargs
	 * starts before curl has connected, and forks after it has read what curl wrote. */
	if (!(proc->flags & WARDEN_PROCESS_AGENT_ROOT) && stdin_carries_network_data(parent))
		inherited.flags |= WARDEN_PROCESS_NETWORK_TAINT | WARDEN_PROCESS_NETWORK_FED;
	inherited.parent_exec_id = proc->exec_id;
	inherited.exec_id = next_exec_id();
	if (!record_process(child_tgid, &inherited))
		return 0;
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
