/// Joins paths the way a person reads them, without touching the file system.
public enum PathJoin {
    /// `relative` resolved against `base` with "." and ".." folded lexically. An absolute
    /// `relative` is returned as it is. Used for failed opens, where no file object exists to ask.
    public static func lexical(base: ByteString, relative: ByteString) -> ByteString {
        if relative.hasPrefix("/") { return relative }
        var parts = base.bytes.split(separator: UInt8(ascii: "/")).map(Array.init)
        for part in relative.bytes.split(separator: UInt8(ascii: "/")).map(Array.init) {
            if part == [UInt8(ascii: ".")] { continue }
            if part == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        var joined: [UInt8] = []
        for part in parts { joined.append(UInt8(ascii: "/")); joined += part }
        return ByteString(joined.isEmpty ? [UInt8(ascii: "/")] : joined)
    }
}
