/// Python's start-up files (`*.pth`): at every interpreter start, `site` reads each `.pth` in the
/// site directories and runs every line that starts with `import ` or `import<TAB>` as code; the
/// other lines are paths. Whoever can write one runs code in every later Python (the LiteLLM
/// shape), and a wheel's `.pth` is written by pip itself, so such files are judged by what their
/// lines run, at the open by which Python reads them, not by who wrote them.
enum PythonStartupFile {
    /// A file Python reads as a start-up file when it lies in a site directory: its name says so,
    /// and `site` knows it by nothing else.
    static func isStartupFile(_ path: ByteString) -> Bool {
        path.bytes.count > 4 && path.bytes.suffix(4).elementsEqual(".pth".utf8)
    }

    /// The lines `site.addpackage` runs, joined by newlines: those starting with `import ` or
    /// `import\t` (a UTF-8 byte-order mark at the start is dropped, as Python decodes it; a
    /// trailing carriage return is dropped from each line).
    static func runLines(_ content: [UInt8]) -> [UInt8] {
        var bytes = content[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var out: [UInt8] = []
        for var line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.starts(with: "import".utf8), line.count > 6,
                  line[line.startIndex + 6] == UInt8(ascii: " ") || line[line.startIndex + 6] == UInt8(ascii: "\t") else { continue }
            if !out.isEmpty { out.append(UInt8(ascii: "\n")) }
            out += line
        }
        return out
    }

    /// The top-level modules the run lines import (`import a, b.c as d; from e import f` gives
    /// a, b, e), at most `limit`, in order: a line that only imports a module hands its code to
    /// that module's file, which Python finds first in the start-up file's own directory.
    static func importedModules(_ lines: [UInt8], limit: Int = 4) -> [String] {
        var found: [String] = []
        let text = String(decoding: lines, as: UTF8.self)
        for statement in text.split(whereSeparator: { $0 == "\n" || $0 == ";" }) {
            let words = statement.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first else { continue }
            var names: [Substring] = []
            if first == "import" {
                names = statement.drop { $0 == " " || $0 == "\t" }.dropFirst(6).split(separator: ",")
                    .compactMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).first }
            } else if first == "from", words.count > 1 {
                names = [words[1]]
            }
            for name in names {
                let top = String(name.prefix { $0 != "." })
                guard !top.isEmpty, top.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !found.contains(top) else { continue }
                found.append(top)
                if found.count == limit { return found }
            }
        }
        return found
    }
}
