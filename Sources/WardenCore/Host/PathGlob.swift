import Foundation

/// Expands shell-style globs (`*`, `?`, `[...]` per path component, `~` for home directories)
/// against the file system.
public enum PathGlob {
    /// All existing paths matching `pattern`; `~` expands to each of `homes`.
    public static func expand(_ pattern: String, homes: [String]) -> [String] {
        if pattern == "~" || pattern.hasPrefix("~/") {
            let rest = String(pattern.dropFirst(1))
            return homes.flatMap { expand($0 + rest, homes: []) }
        }
        guard pattern.hasPrefix("/") else { return [] }
        var matches = ["/"]
        for component in pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            var next: [String] = []
            for base in matches {
                let prefix = base == "/" ? "/" : base + "/"
                if component.contains(where: { "*?[".contains($0) }) {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
                    for name in names.sorted() where fnmatch(component, name, FNM_PERIOD) == 0 {
                        next.append(prefix + name)
                    }
                } else if FileManager.default.fileExists(atPath: prefix + component) {
                    next.append(prefix + component)
                }
            }
            matches = next
            if matches.isEmpty { break }
        }
        return matches == ["/"] ? [] : matches
    }

    /// Home directories of local users (from /etc/passwd) plus $HOME, without duplicates.
    public static func homeDirectories(passwd: String = "/etc/passwd") -> [String] {
        var homes: [String] = []
        if let home = ProcessInfo.processInfo.environment["HOME"], home.hasPrefix("/") { homes.append(home) }
        if let text = try? String(contentsOfFile: passwd, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                guard fields.count >= 7, let uid = Int(fields[2]), uid == 0 || uid >= 1000 else { continue }
                let home = String(fields[5])
                if home.hasPrefix("/"), home != "/", FileManager.default.fileExists(atPath: home) { homes.append(home) }
            }
        }
        var seen: Set<String> = []
        return homes.filter { seen.insert($0).inserted }
    }
}
