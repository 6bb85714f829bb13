/// Formats boot-time stamps as RFC 3339 bytes, reusing the date-and-seconds prefix while events
/// stay within one second, so the common case costs a few digit writes instead of gmtime_r and
/// string building. One per polling thread; not thread-safe.
public final class RFC3339Formatter {
    private let clock: WallClock
    private var cachedSecond = Int64.min
    private var prefix: [UInt8] = []

    public init(clock: WallClock) {
        self.clock = clock
    }

    /// Appends `"2026-05-25T13:44:05.478445995Z"` (with the quotes) as a JSON string value.
    public func append(bootTime: UInt64, to json: inout JSONLineBuilder) {
        let (prefix, nanos) = parts(bootTime: bootTime)
        json.appendTimestamp(prefix: prefix, nanos: nanos)
    }

    /// "2026-05-25T13:44:05.478445995Z" as UTF-8 bytes.
    public func format(bootTime: UInt64) -> [UInt8] {
        let (prefix, nanos) = parts(bootTime: bootTime)
        var digits = JSONLineBuilder(capacity: 32)
        digits.appendPadded(nanos, width: 9)
        return prefix + digits.bytes + [UInt8(ascii: "Z")]
    }

    private func parts(bootTime: UInt64) -> (prefix: [UInt8], nanos: Int) {
        let unix = clock.unixNanoseconds(bootTime: bootTime)
        var second = unix / 1_000_000_000
        var nanos = unix % 1_000_000_000
        if nanos < 0 { second -= 1; nanos += 1_000_000_000 }
        if second != cachedSecond {
            let full = WallClock.rfc3339(unixNanoseconds: second * 1_000_000_000)
            prefix = Array(full.utf8.prefix(20)) // through the "." before the fraction
            cachedSecond = second
        }
        return (prefix, Int(nanos))
    }
}
