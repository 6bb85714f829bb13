import Foundation

/// Languages whose interpreters run code given on the command line, on stdin or in a file.
public enum InterpreterKind: String, Sendable, CaseIterable {
    case shell, python, node, bun, deno, perl, ruby, php, lua, tcl, powershell
}

/// Recognises interpreters by what they are, not by what they are called.
///
/// In order: the executable's identity (device + inode, from the kernel) is one of the host's
/// interpreter binaries (so a hard link or bind mount under any name counts), or one the copy
/// detector found to be a byte-for-byte copy of one; its file name looks like an interpreter; a
/// busybox applet named like a shell. A regular file of exactly the size of a known interpreter
/// is a candidate copy: the detector reads it off the poll thread, and until it answers the exec
/// is `pending` (the spine waits for the answer before judging it). Nothing here reads the file
/// system after start-up.
///
/// The dynamic loader run as a program (`ld-linux-x86-64.so.2 /bin/dash -c CODE`, recognised by
/// identity among the host's loaders or by name) is an exec of its program argument: the match
/// is that program's, found by its path among the paths scanned at start-up or by its name, and
/// its invocation starts at that argument (`Match.argumentOffset`). `busybox sh -c` likewise
/// starts at the applet.
public final class InterpreterCatalog {
    public struct Match: Sendable, Hashable {
        public var kind: InterpreterKind
        /// Recognised although its name does not say so (renamed copy or link).
        public var disguised: Bool
        /// Index in the exec's argv of the interpreter's own argv[0]: 0, or the applet of
        /// `busybox sh`, or the program the dynamic loader runs.
        public var argumentOffset: Int = 0
        /// The exec is of the dynamic loader, running this interpreter as its program.
        public var viaLoader: Bool = false

        public init(kind: InterpreterKind, disguised: Bool, argumentOffset: Int = 0, viaLoader: Bool = false) {
            self.kind = kind
            self.disguised = disguised
            self.argumentOffset = argumentOffset
            self.viaLoader = viaLoader
        }

        /// The interpreter's argv within the exec's.
        public func argv(of exec: ExecEvent) -> [ByteString] { Array(exec.argv.dropFirst(argumentOffset)) }
    }

    public enum Recognition: Sendable, Hashable {
        case known(Match?)
        /// A possible copy of an interpreter, being compared by the detector.
        case pending
    }

    private var byIdentity: [FileKey: InterpreterKind] = [:]
    /// The scanned interpreters by path (as scanned and resolved): the loader's program argument
    /// is only a path, and the file system is not read while judging.
    private var byPath: [String: InterpreterKind] = [:]
    /// The host's ELF program interpreters (ld-linux*.so*, ld-musl-*), by identity.
    private var loaders: Set<FileKey> = []
    private var bySize: [UInt64: [InterpreterCopyDetector.Candidate]] = [:]
    /// The detector's answers, by identity; bounded.
    private var copies: [FileKey: InterpreterKind?] = [:]
    private var asked: Set<FileKey> = []
    private let detector: InterpreterCopyDetector?

    /// A catalog without host binaries recognises interpreters by name only (rule examples,
    /// benchmarks: results independent of the host).
    public init(detector: InterpreterCopyDetector? = nil) {
        self.detector = detector
    }

    /// Indexes the interpreters installed in the usual directories; renamed copies of them are
    /// recognised by content.
    public static func scanHost(directories: [String] = ["/usr/bin", "/bin", "/usr/local/bin"],
                                loaderDirectories: [String] = defaultLoaderDirectories) -> InterpreterCatalog {
        let catalog = InterpreterCatalog(detector: InterpreterCopyDetector())
        for directory in directories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                guard let kind = kind(ofName: name) else { continue }
                catalog.add(path: directory + "/" + name, kind: kind)
            }
        }
        for directory in loaderDirectories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            where DynamicLoaderInvocation.isLoaderName(name) {
                catalog.addLoader(path: directory + "/" + name)
            }
        }
        return catalog
    }

    /// Where distributions keep the ELF program interpreter (multiarch, lib64, musl).
    public static let defaultLoaderDirectories = [
        "/lib64", "/lib", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
    ]

    public func addLoader(path: String) {
        guard let identity = FileStat.identity(of: path), identity.kind == .regular else { return }
        loaders.insert(FileKey(identity))
    }

    public func add(path: String, kind: InterpreterKind) {
        guard let identity = FileStat.identity(of: path), identity.kind == .regular else { return }
        byPath[path] = kind
        byPath[FileStat.realPath(path)] = kind
        let key = FileKey(identity)
        guard byIdentity[key] == nil else { return }
        byIdentity[key] = kind
        if identity.size > 0 {
            bySize[identity.size, default: []].append(.init(path: FileStat.realPath(path), kind: kind))
        }
    }

    /// What interpreter an exec started, if any, as far as known now.
    public func match(_ exec: ExecEvent) -> Match? {
        if case .known(let match) = recognise(exec) { return match }
        return nil
    }

    /// Cheap first test for `recognise(_:) == .pending`: only a regular file of exactly a known
    /// interpreter's size can be a copy waiting for the detector.
    public func mayBeCopy(_ exec: ExecEvent) -> Bool {
        detector != nil && exec.executable.kind == .regular && bySize[exec.executable.size] != nil
    }

    /// What interpreter an exec started, or that the detector is still comparing its file.
    public func recognise(_ exec: ExecEvent) -> Recognition {
        let key = FileKey(exec.executable)
        let name = exec.executablePath.lastPathComponent.text
        if loaders.contains(key) || DynamicLoaderInvocation.isLoaderName(name) {
            return .known(loaderProgram(of: exec))
        }
        let named = Self.kind(ofName: name)
        if let kind = byIdentity[key] {
            return .known(Match(kind: kind, disguised: named != kind && !(kind == .shell && named == .shell)))
        }
        if let named { return .known(Match(kind: named, disguised: false)) }
        if name == "busybox", let applet = exec.argv.first?.lastPathComponent.text {
            if Self.kind(ofName: applet) == .shell { return .known(Match(kind: .shell, disguised: false)) }
            // `busybox sh -c CODE`: the applet is the first argument.
            if applet == "busybox", exec.argv.count > 1, Self.kind(ofName: exec.argv[1].lastPathComponent.text) == .shell {
                return .known(Match(kind: .shell, disguised: false, argumentOffset: 1))
            }
        }
        if let copy = copies[key] { return .known(copy.map { Match(kind: $0, disguised: true) }) }
        guard let detector, exec.executable.kind == .regular, let candidates = bySize[exec.executable.size] else {
            return .known(nil)
        }
        if asked.insert(key).inserted {
            detector.ask(.init(pid: exec.process.pid, identity: exec.executable, path: exec.executablePath.text,
                               candidates: candidates))
        }
        return .pending
    }

    /// The exec runs the dynamic loader as a program (by identity among the host's loaders, or by name).
    public func isLoader(_ exec: ExecEvent) -> Bool {
        loaders.contains(FileKey(exec.executable)) || DynamicLoaderInvocation.isLoaderName(exec.executablePath.lastPathComponent.text)
    }

    /// The interpreter the loader's program argument is: by its path among the scanned
    /// interpreters (so a renamed hard link found at start-up counts), else by its file name.
    private func loaderProgram(of exec: ExecEvent) -> Match? {
        guard let loader = DynamicLoaderInvocation(argv: exec.argv, environment: exec.environment) else { return nil }
        let program = loader.program
        let absolute = PathJoin.lexical(base: program.hasPrefix("/") ? ByteString("/") : exec.cwd,
                                        relative: ByteString(Array(program.bytes.drop { $0 == UInt8(ascii: "/") }))).text
        let named = Self.kind(ofName: program.lastPathComponent.text)
        if let kind = byPath[absolute] {
            return Match(kind: kind, disguised: named != kind && !(kind == .shell && named == .shell),
                         argumentOffset: loader.programIndex, viaLoader: true)
        }
        return named.map { Match(kind: $0, disguised: false, argumentOffset: loader.programIndex, viaLoader: true) }
    }

    /// Takes in the detector's answers; returns the identities they settled.
    func absorbAnswers() -> [FileKey] {
        guard let answers = detector?.takeAnswers(), !answers.isEmpty else { return [] }
        if copies.count > 4096 { copies.removeAll() }
        for answer in answers {
            copies[answer.key] = answer.kind
            asked.remove(answer.key)
        }
        return answers.map(\.key)
    }

    /// Replay and tests: every question asked so far is answered.
    func waitForAnswers() {
        detector?.waitForAnswers()
    }

    /// The interpreter a file name suggests: bash, python3.11, nodejs, perl5.36, ...
    public static func kind(ofName name: String) -> InterpreterKind? {
        // A name, then only a version (digits and dots): python3.11 yes, python3-config no.
        let stem: String
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            // Every exec asks: an ASCII name (all real ones) is read as bytes, where a letter is
            // A-Z or a-z and a number 0-9, as Character.isLetter/isNumber say for ASCII.
            let bytes = name.utf8
            let end = bytes.firstIndex { !(($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z")) } ?? bytes.endIndex
            guard bytes[end...].allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".") }) else { return nil }
            stem = String(name[..<end])
        } else {
            stem = String(name.prefix { $0.isLetter })
            guard name.dropFirst(stem.count).allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        }
        switch stem {
        case "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "tcsh", "csh", "yash", "rbash", "lksh", "pdksh":
            return .shell
        case "python", "pypy": return .python
        case "node", "nodejs": return .node
        case "bun": return .bun
        case "deno": return .deno
        case "perl": return .perl
        case "ruby": return .ruby
        case "php": return .php
        case "lua", "luajit": return .lua
        case "tclsh", "wish": return .tcl
        case "pwsh": return .powershell
        default: return nil
        }
    }
}
