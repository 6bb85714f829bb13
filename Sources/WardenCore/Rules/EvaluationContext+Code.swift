/// The code an interpreter runs, whichever way it was given: on the command line (inline code)
/// or in a script file the spine read before judging the exec (`ScriptInspector`). Rules that
/// read `proc.code` judge `python3 -c CODE` and `python3 file.py` holding CODE alike.
extension EvaluationContext {
    /// What was read of the script the loaded exec's interpreter runs; nil when it runs none
    /// (or the event is not an exec). `uninspected` when nothing reads scripts here. For a
    /// Python's open of a start-up file (.pth), what was read of that file.
    var scriptCode: ScriptCode? {
        if case .open = event { return startupFile }
        guard case .exec(let e) = event,
              ScriptInspector.target(of: e, interpreter: interpreter) != nil else { return nil }
        return scripts.code(for: e.process.execID) ?? .uninspected
    }

    /// A Python interpreter opened a start-up file (`*.pth`) for reading: its content, read at
    /// the open, on this thread (the file is small and the process has it open; enforce mode holds
    /// the open when the lineage wrote or named the file). Nil for any other event.
    var startupFile: ScriptCode? {
        if startupGeneration == generation { return startupCache }
        var read: ScriptCode?
        if case .open(let f) = event, f.succeeded, !f.isWrite, f.file.kind == .regular,
           PythonStartupFile.isStartupFile(f.path), interpreter?.kind == .python {
            read = scripts.readNow(ScriptRequest(execID: f.process.execID, pid: f.process.pid, path: f.path, cwd: ByteString([]),
                                                 opened: (fd: Int32(truncatingIfNeeded: f.result), file: f.file)))
        }
        startupCache = read
        startupGeneration = generation
        return read
    }

    /// The lines of the start-up file the loaded open reads that Python runs ("" for any other
    /// event).
    var startupLines: ByteString {
        ByteString(startupFile.map { PythonStartupFile.runLines($0.bytes) } ?? [])
    }

    /// The source of the modules those lines import, found in the start-up file's own directory
    /// (`M.py`, `M/__init__.py`; at most 4, 64 KiB each), read as the opener sees the path:
    /// `import evil_init` hands the code to evil_init.py, which Python imports at once.
    var startupModules: [UInt8] {
        guard case .open(let f) = event, let slash = f.path.bytes.lastIndex(of: UInt8(ascii: "/")) else { return [] }
        let directory = String(decoding: f.path.bytes[..<slash], as: UTF8.self)
        var bytes: [UInt8] = []
        for module in PythonStartupFile.importedModules(startupLines.bytes) {
            for candidate in ["\(directory)/\(module).py", "\(directory)/\(module)/__init__.py"] {
                let code = scripts.readNow(ScriptRequest(execID: f.process.execID, pid: f.process.pid, path: ByteString(candidate),
                                                         cwd: ByteString([]), module: true))
                guard !code.bytes.isEmpty else { continue }
                bytes += [UInt8(ascii: "\n")] + code.bytes
                break
            }
        }
        return bytes
    }

    /// Inline code and script code, joined by a newline when both exist. For a Python's open of
    /// a start-up file, the lines of it that Python runs, then the source of the modules they
    /// import from its directory.
    var code: ByteString {
        if codeGeneration == generation, let cached = codeCache { return cached }
        var bytes: [UInt8] = []
        if case .open = event {
            bytes = startupLines.bytes
            if !bytes.isEmpty { bytes += startupModules }
        } else {
            bytes = inlineCode?.bytes ?? []
            if let script = scriptCode, !script.bytes.isEmpty {
                if !bytes.isEmpty { bytes.append(UInt8(ascii: "\n")) }
                bytes += script.bytes
            }
        }
        let joined = ByteString(bytes)
        codeCache = joined
        codeGeneration = generation
        return joined
    }

    /// Evidence for an alert: the first lines of `code` that hold a call rules look for
    /// (executing, decoding, downloading, sockets, string-built names), numbered, each cut to
    /// 160 bytes, at most 4.
    var codeEvidence: ByteString {
        let code = self.code.bytes
        guard !code.isEmpty else { return ByteString([]) }
        var found: [[UInt8]] = []
        var number = 0
        for line in code.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            guard CodeEvidence.isNotable(line) else { continue }
            var trimmed = Array(line.drop { $0 == 32 || $0 == 9 })
            if trimmed.count > 160 { trimmed = Array(trimmed.prefix(160)) + Array("...".utf8) }
            found.append(Array("L\(number): ".utf8) + trimmed)
            if found.count == 4 { break }
        }
        return ByteString(Array(found.joined(separator: Array(" | ".utf8))))
    }
}

enum CodeEvidence {
    private static let tokens: [[UInt8]] = [
        "exec", "eval", "system", "popen", "Popen", "subprocess", "spawn", "child_process", "Function(",
        "b64decode", "base64", "atob", "fromhex", "unhexlify", "decompress", "marshal", "decode64", "pack(",
        "urlopen", "requests.", "fetch(", "http", "curl", "wget", "socket", "Socket", "recv", "/dev/tcp", "/dev/udp",
        "__import__", "getattr", "dup2", "pty", "IO::", "Net::", "open-uri", "| sh", "| bash", "|sh", "|bash",
    ].map { Array($0.utf8) }

    static func isNotable(_ line: ArraySlice<UInt8>) -> Bool {
        tokens.contains { token in contains(line, token) }
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
