import Glibc

/// Receives process signals synchronously on the control thread.
///
/// The signals are blocked before any other thread starts (threads inherit the mask), so they are
/// only ever delivered here, through sigtimedwait: no async handler, no reentrancy hazards.
struct SignalWaiter {
    static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGCHLD]
    private var set = sigset_t()

    init() {
        sigemptyset(&set)
        for signal in Self.handled { sigaddset(&set, signal) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// The next signal, or nil after `timeoutMilliseconds`.
    func wait(timeoutMilliseconds: Int) -> Int32? {
        var set = self.set
        var timeout = timespec(tv_sec: timeoutMilliseconds / 1000, tv_nsec: (timeoutMilliseconds % 1000) * 1_000_000)
        let signal = sigtimedwait(&set, nil, &timeout)
        return signal > 0 ? signal : nil
    }
}
