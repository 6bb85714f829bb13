internal import CLibBPF
import Glibc
import Synchronization

/// Collects libbpf's diagnostics (notably the verifier log) instead of letting libbpf print them,
/// so that a load failure can show the relevant lines in its error and a success prints nothing.
enum LibBPFLog {
    private static let lines = Mutex<[String]>([])
    private static let keep = 60

    static func install() {
        libbpf_set_print { level, format, arguments in
            guard let format, let arguments else { return 0 }
            guard level != LIBBPF_DEBUG else { return 0 }
            // A verifier log arrives as one message of many lines, and its verdict is at the end:
            // the buffer is large enough for a whole log, and the last lines are what is kept.
            var buffer = [CChar](repeating: 0, count: 1 << 20)
            let written = vsnprintf(&buffer, buffer.count, format, arguments)
            guard written > 0 else { return 0 }
            let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            LibBPFLog.lines.withLock { lines in
                lines += text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                if lines.last == "" { lines.removeLast() }
                if lines.count > LibBPFLog.keep { lines.removeFirst(lines.count - LibBPFLog.keep) }
            }
            return 0
        }
    }

    /// The collected lines, cleared.
    static func take() -> String {
        lines.withLock { lines in
            defer { lines.removeAll() }
            return lines.joined(separator: "\n")
        }
    }
}
