/// Bytes that came from the kernel or a process: paths, argv entries, comm.
///
/// Linux paths and arguments are byte strings, not text. Warden keeps the exact bytes so that no
/// output can lose or alter them; `text` is the lossy view for display, and the output encoders
/// decide how to show bytes that are not valid UTF-8 (see docs/events.md).
public struct ByteString: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The bytes decoded as UTF-8, with U+FFFD for any invalid sequence.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public var isValidUTF8: Bool { String(validating: bytes, as: UTF8.self) != nil }

    public var description: String { text }

    /// The last path component (everything after the final "/").
    public var lastPathComponent: ByteString {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return self }
        return ByteString(Array(bytes[(slash + 1)...]))
    }

    public func hasPrefix(_ prefix: String) -> Bool { bytes.starts(with: prefix.utf8) }

    public static func < (a: ByteString, b: ByteString) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }

    /// Splits NUL-separated arguments as the kernel stores argv; a trailing NUL ends the last one.
    public static func splitArguments(_ raw: ArraySlice<UInt8>) -> [ByteString] {
        guard !raw.isEmpty else { return [] }
        var parts = raw.split(separator: 0, omittingEmptySubsequences: false).map { ByteString(Array($0)) }
        if raw.last == 0 { parts.removeLast() }
        return parts
    }
}

extension ByteString: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}
