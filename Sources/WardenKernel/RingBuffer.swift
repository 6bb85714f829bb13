internal import CLibBPF
import Glibc
import Synchronization
import WardenCore

/// Consumes Warden's BPF ring buffer and hands each decoded record to a sink.
/// Polling happens on whichever thread calls `poll`; Warden gives it a dedicated thread.
///
/// The thread sleeps in poll(2) on the ring buffer's epoll descriptor (readable when the kernel
/// wakes it) and the doorbell: the kernel's wakeup (a held process) and a worker's answer (an
/// exec waiting for it, perhaps held) both end the wait at once.
final class RingBuffer {
    private var ring: OpaquePointer?
    private let sink: EventSink
    private let doorbell: Doorbell?
    private var waitOn: [pollfd] = []
    private(set) var decodeFailures: UInt64 = 0

    init(map: BPFMap, sink: EventSink, doorbell: Doorbell? = nil) throws {
        self.sink = sink
        self.doorbell = doorbell
        let context = Unmanaged.passUnretained(self).toOpaque()
        // libbpf calls this for every record; `self` outlives the ring (freed in deinit).
        let callback: ring_buffer_sample_fn = { context, data, size in
            guard let context, let data else { return 0 }
            let buffer = Unmanaged<RingBuffer>.fromOpaque(context).takeUnretainedValue()
            buffer.deliver(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        guard let ring = ring_buffer__new(map.fd, callback, context, nil) else {
            throw KernelError("creating the ring buffer reader", errno: errno)
        }
        self.ring = ring
        waitOn = ([ring_buffer__epoll_fd(ring)] + (doorbell.map { [$0.fd] } ?? []))
            .filter { $0 >= 0 }
            .map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    }

    deinit {
        if let ring { ring_buffer__free(ring) }
    }

    private func deliver(_ record: UnsafeRawBufferPointer) {
        do {
            sink.receive(try EventDecoder.decode(record))
        } catch {
            decodeFailures += 1
        }
    }

    /// Polls on the calling thread until `stop` is set, then drains what is left. The kernel wakes
    /// the poller only for held processes (`submit_with` in bpf/lib/submit.h), so the timeout is
    /// also the longest an ordinary event waits. The sink gets `idle()` after every poll.
    /// `roundFinished` runs after each poll round (the enforce-mode guardian's heartbeat).
    func run(until stop: borrowing Atomic<Bool>, timeoutMilliseconds: Int32, roundFinished: () -> Void = {}) throws {
        while !stop.load(ordering: .acquiring) {
            try poll(timeoutMilliseconds: timeoutMilliseconds)
            sink.idle()
            roundFinished()
        }
        drain()
        sink.finish()
    }

    /// Waits up to `timeoutMilliseconds` for a wakeup, then delivers every record in the buffer.
    /// Records are mostly submitted without a wakeup (bpf/lib/submit.h), and epoll reports the
    /// buffer only on one, so the buffer is read after every wait, woken or timed out.
    private func poll(timeoutMilliseconds: Int32) throws {
        let result = Glibc.poll(&waitOn, nfds_t(waitOn.count), timeoutMilliseconds)
        if result < 0 && errno != EINTR {
            throw KernelError("waiting on the ring buffer", errno: errno)
        }
        doorbell?.clear()
        drain()
    }

    /// Delivers every record already in the buffer without waiting.
    private func drain() {
        _ = ring_buffer__consume(ring)
    }
}
