internal import CLibBPF
import Glibc
import Synchronization
import WardenCore

/// Consumes Warden's two BPF ring buffers (bpf/lib/submit.h: `decisions`, then the bulk `events`)
/// and hands each decoded record to a sink, in the order `RingMerge` restores.
/// Polling happens on whichever thread calls `run`; Warden gives it a dedicated thread.
///
/// The thread sleeps in poll(2) on both rings' epoll descriptors (readable when the kernel wakes
/// them) and the doorbell: the kernel's wakeup (a held process) and a worker's answer (an exec
/// waiting for it, perhaps held) both end the wait at once.
final class RingBuffer {
    /// One libbpf reader per ring: consumed separately, the decisions ring first.
    private var readers: [OpaquePointer] = []
    /// The callback's context: which ring a record came from, and the merge it goes into.
    private final class Source {
        unowned let owner: RingBuffer
        let index: Int
        init(owner: RingBuffer, index: Int) { self.owner = owner; self.index = index }
    }
    private var sources: [Source] = []
    private var merge: RingMerge<Event>
    private let sink: EventSink
    private let doorbell: Doorbell?
    private var waitOn: [pollfd] = []
    private(set) var decodeFailures: UInt64 = 0

    /// `maps` in merge order: on equal stamps the first ring's record goes first.
    init(maps: [BPFMap], sink: EventSink, doorbell: Doorbell? = nil) throws {
        self.sink = sink
        self.doorbell = doorbell
        merge = RingMerge(rings: maps.count)
        // libbpf calls this for every record; the sources outlive the readers (freed in deinit).
        let callback: ring_buffer_sample_fn = { context, data, size in
            guard let context, let data else { return 0 }
            let source = Unmanaged<Source>.fromOpaque(context).takeUnretainedValue()
            source.owner.queue(UnsafeRawBufferPointer(start: data, count: size), ring: source.index)
            return 0
        }
        for (index, map) in maps.enumerated() {
            let source = Source(owner: self, index: index)
            sources.append(source)
            guard let reader = ring_buffer__new(map.fd, callback, Unmanaged.passUnretained(source).toOpaque(), nil) else {
                throw KernelError("creating the ring buffer reader", errno: errno)
            }
            readers.append(reader)
        }
        waitOn = (readers.map { ring_buffer__epoll_fd($0) } + (doorbell.map { [$0.fd] } ?? []))
            .filter { $0 >= 0 }
            .map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    }

    deinit {
        for reader in readers { ring_buffer__free(reader) }
    }

    private func queue(_ record: UnsafeRawBufferPointer, ring: Int) {
        do {
            let event = try EventDecoder.decode(record)
            merge.append(event, time: event.process?.bootTime ?? 0, ring: ring)
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
            // Records read but stamped after this round's cutoff go in the next round, at once:
            // one of them may be a held exec that woke us just after the cutoff was read.
            try poll(timeoutMilliseconds: merge.pending > 0 ? 0 : timeoutMilliseconds)
            sink.idle()
            roundFinished()
        }
        drainAll()
        sink.finish()
    }

    /// Waits up to `timeoutMilliseconds` for a wakeup, then delivers what the rings hold.
    /// Records are mostly submitted without a wakeup (bpf/lib/submit.h), and epoll reports a ring
    /// only on one, so both are read after every wait, woken or timed out.
    private func poll(timeoutMilliseconds: Int32) throws {
        let result = Glibc.poll(&waitOn, nfds_t(waitOn.count), timeoutMilliseconds)
        if result < 0 && errno != EINTR {
            throw KernelError("waiting on the ring buffer", errno: errno)
        }
        doorbell?.clear()
        // The cutoff is read before the rings are: RingMerge's invariant.
        let cutoff = WallClock.bootTimeNow()
        for reader in readers { _ = ring_buffer__consume(reader) }
        merge.release(upTo: cutoff) { sink.receive($0) }
    }

    /// At stop (programs detached: nothing more can come): every record, in merged order.
    private func drainAll() {
        for reader in readers { _ = ring_buffer__consume(reader) }
        merge.release(upTo: .max) { sink.receive($0) }
    }
}
