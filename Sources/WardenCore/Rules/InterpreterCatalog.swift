import Foundation

/// Languages whose interpreters run code given on the command line, on stdin or in a file.
public enum InterpreterKind: String, Sendable, CaseIterable {
    case shell, python, node, bun, deno, perl, ruby, php, lua, tcl, powershell
}

/// Recognises interpreters by what they are, not by what they are called.
///
/// In order: the executable's identity (device + inode, from the kernel) is one of the host's
/// interpreter binaries (so a hard link or bind mount under any name counts); its file name looks
/// like an interpreter; a busybox applet named like a shell; else its content says it is one
/// (`InterpreterContentDetector`: build-id, the runtime its `main` calls, its machine code). Any
/// other regular file is read by the detector off the poll thread, once per file version, and
/// until it answers the exec is `pending` (the spine waits for the answer before judging it).
/// Nothing here reads the file system after start-up.
///
/// The dynamic loader run as a program (`ld-linux-x86-64.so.2 /bin/dash -c CODE`, recognised by
/// identity among the host's loaders or by name) is an exec of its program argument: the match
/// is that program's, found by its path among the paths scanned at start-up, by its name, or by
/// the detector reading it; its invocation starts at that argument (`Match.argumentOffset`).
/// `busybox sh -c` likewise starts at the applet.
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
    /// The detector's answers; bounded.
    private var recognised: [InterpreterContentDetector.Subject: ContentKind?] = [:]
    private var asked: Set<InterpreterContentDetector.Subject> = []
    private let detector: InterpreterContentDetector?

    /// A catalog without host binaries recognises interpreters by name only (rule examples,
    /// benchmarks: results independent of the host).
    public init() {
        detector = nil
    }

    private init(scanned: [(path: String, kind: ContentKind)], doorbell: Doorbell?) {
        detector = InterpreterContentDetector(candidates: scanned.map { .init(path: $0.path, kind: $0.kind) }, doorbell: doorbell)
        for case let (path, .interpreter(kind)) in scanned { add(path: path, kind: kind) }
        for case let (path, .loader) in scanned { addLoader(path: path) }
    }

    /// Indexes the interpreters installed in the usual directories; any other executable is
    /// recognised by content. The doorbell wakes the poller when the detector answers.
    public static func scanHost(directories: [String] = ["/usr/bin", "/bin", "/usr/local/bin"],
                                loaderDirectories: [String] = defaultLoaderDirectories,
                                doorbell: Doorbell? = nil) -> InterpreterCatalog {
        var scanned: [(path: String, kind: ContentKind)] = []
        for directory in directories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                if let kind = kind(ofName: name) { scanned.append((directory + "/" + name, .interpreter(kind))) }
                if name == "busybox" { scanned.append((directory + "/" + name, .busybox)) }
            }
        }
        for directory in loaderDirectories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            where DynamicLoaderInvocation.isLoaderName(name) {
                scanned.append((directory + "/" + name, .loader))
            }
        }
        return InterpreterCatalog(scanned: scanned, doorbell: doorbell)
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
        if byIdentity[key] == nil { byIdentity[key] = kind }
    }

    /// What interpreter an exec started, if any, as far as known now.
    public func match(_ exec: ExecEvent) -> Match? {
        if case .known(let match) = recognise(exec) { return match }
        return nil
    }

    /// Cheap first test for `recognise(_:) == .pending`: only a regular file can wait for the
    /// detector.
    public func mayAwaitContent(_ exec: ExecEvent) -> Bool {
        detector != nil && exec.executable.kind == .regular
    }

    /// What interpreter an exec started, or that the detector is still comparing its file.
    public func recognise(_ exec: ExecEvent) -> Recognition {
        let key = FileKey(exec.executable)
        let name = exec.executablePath.lastPathComponent.text
        if loaders.contains(key) || DynamicLoaderInvocation.isLoaderName(name) {
            return loaderProgram(of: exec)
        }
        let named = Self.kind(ofName: name)
        if let kind = byIdentity[key] {
            return .known(Match(kind: kind, disguised: named != kind && !(kind == .shell && named == .shell)))
        }
        if let named { return .known(Match(kind: named, disguised: false)) }
        if name == "busybox", let applet = busyboxApplet(of: exec, disguised: false) { return .known(applet) }
        guard exec.executable.kind == .regular else { return .known(nil) }
        switch executableContent(of: exec) {
        case nil: return .pending
        case .some(nil): return .known(nil)
        case .some(.interpreter(let kind)): return .known(Match(kind: kind, disguised: true))
        case .some(.loader): return loaderProgram(of: exec)
        case .some(.busybox): return .known(busyboxApplet(of: exec, disguised: true))
        }
    }

    /// The applet busybox runs, as busybox picks it: argv[0]'s file name (`exec -a sh ./copy`),
    /// or the first argument when argv[0] is named busybox (`busybox sh -c CODE`).
    private func busyboxApplet(of exec: ExecEvent, disguised: Bool) -> Match? {
        guard let applet = exec.argv.first?.lastPathComponent.text else { return nil }
        if Self.kind(ofName: applet) == .shell { return Match(kind: .shell, disguised: disguised) }
        if applet == "busybox", exec.argv.count > 1, Self.kind(ofName: exec.argv[1].lastPathComponent.text) == .shell {
            return Match(kind: .shell, disguised: disguised, argumentOffset: 1)
        }
        return nil
    }

    /// What the detector found the exec's file to be: nil while it is reading it (asked now if
    /// not yet), .some(nil) for a file that is none of the kinds it looks for.
    private func executableContent(of exec: ExecEvent) -> ContentKind?? {
        let subject = InterpreterContentDetector.Subject.executable(ExecutableVersion(exec.executable))
        return content(subject, of: exec, identity: exec.executable, paths: ["/proc/\(exec.process.pid)/exe", exec.executablePath.text])
    }

    /// The paths are made only when the detector is asked: most execs find their answer cached.
    private func content(_ subject: InterpreterContentDetector.Subject, of exec: ExecEvent, identity: FileIdentity?,
                         paths: @autoclosure () -> [String]) -> ContentKind?? {
        guard let detector else { return .some(nil) }
        if let known = recognised[subject] { return .some(known) }
        if asked.insert(subject).inserted {
            detector.ask(.init(subject: subject, settles: FileKey(exec.executable), pid: exec.process.pid,
                               identity: identity, paths: paths()))
        }
        return nil
    }

    /// The exec runs the dynamic loader as a program (by identity among the host's loaders, by
    /// name, or as the detector found it: a renamed copy).
    public func isLoader(_ exec: ExecEvent) -> Bool {
        loaders.contains(FileKey(exec.executable)) || DynamicLoaderInvocation.isLoaderName(exec.executablePath.lastPathComponent.text)
            || recognised[.executable(ExecutableVersion(exec.executable))] == .some(.loader)
    }

    /// The interpreter the loader's program argument is: by its path among the scanned
    /// interpreters (so a renamed hard link found at start-up counts), by its file name, else by
    /// the detector reading the program as the loader will find it (relative to the process's
    /// working directory or root).
    private func loaderProgram(of exec: ExecEvent) -> Recognition {
        guard let loader = DynamicLoaderInvocation(argv: exec.argv, environment: exec.environment) else { return .known(nil) }
        let program = loader.program
        let relative = ByteString(Array(program.bytes.drop { $0 == UInt8(ascii: "/") }))
        let absolute = PathJoin.lexical(base: program.hasPrefix("/") ? ByteString("/") : exec.cwd, relative: relative).text
        let named = Self.kind(ofName: program.lastPathComponent.text)
        func match(_ kind: InterpreterKind) -> Match {
            Match(kind: kind, disguised: named != kind && !(kind == .shell && named == .shell),
                  argumentOffset: loader.programIndex, viaLoader: true)
        }
        if let kind = byPath[absolute] { return .known(match(kind)) }
        if let named { return .known(match(named)) }
        let processView = { "/proc/\(exec.process.pid)/" + (program.hasPrefix("/") ? "root/" : "cwd/") + relative.text }
        switch content(.loaderProgram(execID: exec.process.execID), of: exec, identity: nil, paths: [processView(), absolute]) {
        case nil: return .pending
        case .some(.interpreter(let kind)): return .known(match(kind))
        // A loader running a loader, or busybox, runs nothing the rules read as code here.
        default: return .known(nil)
        }
    }

    /// Takes in the detector's answers; returns the identities they settled.
    func absorbAnswers() -> [FileKey] {
        guard let answers = detector?.takeAnswers(), !answers.isEmpty else { return [] }
        if recognised.count > 8192 { recognised.removeAll() }
        for answer in answers {
            recognised[answer.subject] = answer.kind
            asked.remove(answer.subject)
        }
        return answers.map(\.settles)
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
