import Foundation

/// Languages whose interpreters run code given on the command line, on stdin or in a file.
public enum InterpreterKind: String, Sendable, CaseIterable {
    case shell, python, node, bun, deno, perl, ruby, php, lua, tcl, powershell
}

/// Recognises interpreters by what they are, not by what they are called.
///
/// In order: the executable's identity (device + inode) is one of the host's interpreter binaries
/// (so a hard link or bind mount under any name counts); its file name looks like an interpreter;
/// a busybox applet named like a shell; or, for a file of exactly the size of a known interpreter,
/// its bytes are that interpreter's (a renamed copy such as /tmp/.cache-helper). The last check reads
/// the file once per (device, inode) and is cached.
public final class InterpreterCatalog {
    public struct Match: Sendable, Hashable {
        public var kind: InterpreterKind
        /// Recognised although its name does not say so (renamed copy or link).
        public var disguised: Bool
    }

    private var byIdentity: [FileKey: InterpreterKind] = [:]
    private var bySize: [Int: [(path: String, kind: InterpreterKind)]] = [:]
    private var copyCache: [FileKey: InterpreterKind?] = [:]

    private struct FileKey: Hashable {
        var device: UInt32
        var inode: UInt64
    }

    /// An empty catalog recognises interpreters by name only.
    public init() {}

    /// Indexes the interpreters installed in the usual directories.
    public static func scanHost(directories: [String] = ["/usr/bin", "/bin", "/usr/local/bin"]) -> InterpreterCatalog {
        let catalog = InterpreterCatalog()
        for directory in directories {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                guard let kind = kind(ofName: name) else { continue }
                catalog.add(path: directory + "/" + name, kind: kind)
            }
        }
        return catalog
    }

    public func add(path: String, kind: InterpreterKind) {
        guard let identity = FileStat.identity(of: path), identity.kind == .regular else { return }
        let key = FileKey(device: identity.device, inode: identity.inode)
        guard byIdentity[key] == nil else { return }
        byIdentity[key] = kind
        if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size > 0 {
            bySize[size, default: []].append((FileStat.realPath(path), kind))
        }
    }

    /// What interpreter an exec started, if any.
    public func match(_ exec: ExecEvent) -> Match? {
        let key = FileKey(device: exec.executable.device, inode: exec.executable.inode)
        let name = exec.executablePath.lastPathComponent.text
        let named = Self.kind(ofName: name)
        if let kind = byIdentity[key] {
            return Match(kind: kind, disguised: named != kind && !(kind == .shell && named == .shell))
        }
        if let named { return Match(kind: named, disguised: false) }
        if name == "busybox", let applet = exec.argv.first?.lastPathComponent.text, Self.kind(ofName: applet) == .shell {
            return Match(kind: .shell, disguised: false)
        }
        if let kind = copyOfKnownInterpreter(exec, key: key) {
            return Match(kind: kind, disguised: true)
        }
        return nil
    }

    private func copyOfKnownInterpreter(_ exec: ExecEvent, key: FileKey) -> InterpreterKind? {
        if let cached = copyCache[key] { return cached }
        var result: InterpreterKind?
        let path = exec.executablePath.text
        if exec.executable.kind == .regular,
           let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int,
           let candidates = bySize[size],
           let contents = FileManager.default.contents(atPath: path) {
            result = candidates.first { FileManager.default.contents(atPath: $0.path) == contents }?.kind
        }
        if copyCache.count > 4096 { copyCache.removeAll() }
        copyCache[key] = result
        return result
    }

    /// The interpreter a file name suggests: bash, python3.11, nodejs, perl5.36, ...
    public static func kind(ofName name: String) -> InterpreterKind? {
        // A name, then only a version (digits and dots): python3.11 yes, python3-config no.
        let stem = String(name.prefix { $0.isLetter })
        guard name.dropFirst(stem.count).allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
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
