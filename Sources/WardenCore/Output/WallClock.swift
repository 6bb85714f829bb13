import Glibc

/// Converts the kernel's CLOCK_BOOTTIME timestamps into wall-clock time.
///
/// The offset between the two clocks is taken once at start-up; it only changes when the wall
/// clock is stepped, which would then shift displayed times, never the order of events.
public struct WallClock: Sendable {
    public let realtimeMinusBoottime: Int64

    public init() {
        self.realtimeMinusBoottime = Self.now(CLOCK_REALTIME) - Self.now(CLOCK_BOOTTIME)
    }

    public init(offset: Int64) {
        self.realtimeMinusBoottime = offset
    }

    public static func now(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public static func bootTimeNow() -> UInt64 { UInt64(now(CLOCK_BOOTTIME)) }

    /// Nanoseconds since the Unix epoch for a boot-time stamp.
    public func unixNanoseconds(bootTime: UInt64) -> Int64 {
        Int64(bootTime) + realtimeMinusBoottime
    }

    /// RFC 3339 in UTC with nanoseconds, as Falco writes `time`: 2026-05-25T13:44:05.478445995Z.
    public static func rfc3339(unixNanoseconds: Int64) -> String {
        var seconds = time_t(unixNanoseconds / 1_000_000_000)
        let nanos = Int(unixNanoseconds % 1_000_000_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))T"
            + "\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(nanos, 9))Z"
    }

    /// HH:MM:SS.mmm in local time, for the human-readable stream.
    public func clockTime(bootTime: UInt64) -> String {
        let ns = unixNanoseconds(bootTime: bootTime)
        var seconds = time_t(ns / 1_000_000_000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return "\(Self.pad(Int(parts.tm_hour), 2)):\(Self.pad(Int(parts.tm_min), 2)):\(Self.pad(Int(parts.tm_sec), 2)).\(Self.pad(Int(ns % 1_000_000_000) / 1_000_000, 3))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
