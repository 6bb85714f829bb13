import Glibc

/// The real-time priority of the thread that reads the rings and decides (docs/enforce.md,
/// "Deciding under load"). Hundreds of agent processes at the default nice level share the CPU with
/// it under the fair scheduler: 100 runnable tools on a core leave a nice-0 thread about 1% of it,
/// and a held exec then waits behind them (issue #14 measured a p99 hold of 247 ms). At SCHED_FIFO
/// it runs as soon as it is runnable, ahead of every fair-class task. Priority 1, the lowest real-time
/// one, so it never preempts the kernel's own real-time threads or anything an administrator raised.
///
/// Safety: the thread sleeps in poll(2) whenever the rings are empty, so its CPU time is what the
/// agents make it spend; and the kernel's real-time throttling (sched_rt_runtime_us, 950 ms of every
/// second by default) caps a runaway real-time thread, so the rest of the system keeps at least 5%
/// of each CPU even if it spun. One thread: the other CPUs are never taken.
enum DecisionPriority {
    /// Raises the calling thread. Returns nil when done, else why not (errno text), for a note.
    static func raiseCurrentThread() -> String? {
        var parameters = sched_param()
        parameters.sched_priority = 1
        let result = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        return result == 0 ? nil : String(cString: strerror(result))
    }
}
