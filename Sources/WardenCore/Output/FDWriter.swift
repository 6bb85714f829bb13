import Glibc

/// Buffered output to a file descriptor. Lines are collected and written in large chunks, so a
/// burst of events costs few syscalls; `flush` is called after every ring-buffer poll round.
public final class FDWriter {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private let limit: Int
    public private(set) var failed = false

    public init(fd: Int32, bufferBytes: Int = 1 << 16) {
        self.fd = fd
        self.limit = bufferBytes
        buffer.reserveCapacity(bufferBytes)
    }

    /// Opens (creating or truncating) a file for export.
    public convenience init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OutputError(path: path, errno: errno) }
        self.init(fd: fd)
    }

    public func writeLine(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= limit { flush() }
    }

    public func writeLine(_ text: String) { writeLine(Array(text.utf8)) }

    public func flush() {
        var offset = 0
        while offset < buffer.count, !failed {
            let written = buffer[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                failed = true // a closed pipe or full disk: keep monitoring, report at exit
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

public struct OutputError: Error, CustomStringConvertible {
    public var path: String
    public var errno: Int32

    public var description: String { "cannot open \(path) for writing: \(String(cString: strerror(errno)))" }
}
