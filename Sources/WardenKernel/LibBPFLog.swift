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
            var buffer = [CChar](repeating: 0, count: 1024)
            let written = vsnprintf(&buffer, buffer.count, format, arguments)
            guard written > 0 else { return 0 }
            let line = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard level != LIBBPF_DEBUG else { return 0 }
            LibBPFLog.lines.withLock { lines in
                lines.append(line.hasSuffix("\n") ? String(line.dropLast()) : line)
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
