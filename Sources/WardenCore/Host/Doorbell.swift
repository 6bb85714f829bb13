import Glibc

/// Wakes the polling thread when a worker has answered (an interpreter recognised by content, a
/// script read): the exec waiting for that answer is held in enforce mode, and the ring buffer's
/// poll would otherwise sleep out its timeout first. A pipe: any thread rings, the poller
/// waits on `fd` (a non-blocking pipe's read end) next to the ring buffer and empties it after
/// waking. A full pipe only means a wake is already pending.
public final class Doorbell: Sendable {
    /// The end the poller waits on; -1 if the pipe could not be made (then nothing wakes early).
    public let fd: Int32
    private let bell: Int32

    public init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            }
        }
        fd = ends[0]
        bell = ends[1]
    }

    deinit {
        if fd >= 0 { close(fd) }
        if bell >= 0 { close(bell) }
    }

    /// Wakes the poller (several rings before it wakes are one wake).
    public func ring() {
        guard bell >= 0 else { return }
        var one: UInt8 = 1
        _ = write(bell, &one, 1)
    }

    /// Called by the poller after waking.
    public func clear() {
        guard fd >= 0 else { return }
        var drained = [UInt8](repeating: 0, count: 256)
        while read(fd, &drained, drained.count) > 0 {}
    }
}
