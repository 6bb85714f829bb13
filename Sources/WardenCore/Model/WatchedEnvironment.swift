/// The environment variables Warden inspects on every exec; all others are dropped on arrival so
/// that secrets in the environment are never stored or exported.
public enum WatchedEnvironment {
    /// Variables that make an interpreter, the dynamic loader, git or a package manager run extra
    /// or other code (T9), and the markers agents set in their tool shells.
    public static let names: Set<String> = [
        "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "NODE_OPTIONS", "NODE_PATH", "PYTHONSTARTUP",
        "PYTHONPATH", "PYTHONHOME", "PYTHONINSPECT", "BASH_ENV", "ENV", "PERL5OPT", "PERL5LIB",
        "RUBYOPT", "RUBYLIB", "PROMPT_COMMAND", "GIT_SSH_COMMAND", "GIT_EXEC_PATH",
        "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
        "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX",
        "npm_config_registry", "NPM_CONFIG_REGISTRY",
        "GIT_PAGER", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_EXTERNAL_DIFF", "GIT_PROXY_COMMAND",
        "GIT_SSH", "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS",
        "CLAUDECODE", "GEMINI_CLI", "CODEX_SANDBOX", "CODEX_SANDBOX_NETWORK_DISABLED",
        "npm_lifecycle_event", "npm_package_name", "HOME", "LD_TRACE_LOADED_OBJECTS",
    ]

    /// Watched variables that describe the process rather than change what it runs: agent markers
    /// and npm's lifecycle context, HOME (enforce mode guards the credential files under it), and
    /// ldd's LD_TRACE_LOADED_OBJECTS (the loader then lists libraries and runs nothing).
    /// They are never reported as injected.
    public static let markers: Set<String> = [
        "CLAUDECODE", "GEMINI_CLI", "CODEX_SANDBOX", "CODEX_SANDBOX_NETWORK_DISABLED",
        "npm_lifecycle_event", "npm_package_name", "HOME", "LD_TRACE_LOADED_OBJECTS",
    ]

    /// Families of watched names: git's `GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>` settings.
    public static let prefixes = ["GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"]

    /// The longest watched name (a numbered one up to 40 bytes): a longer entry is skipped
    /// without decoding it.
    static let longestName = max(names.map(\.utf8.count).max() ?? 0, 40)

    public static func isWatched(_ name: String) -> Bool {
        names.contains(name) || prefixes.contains { name.hasPrefix($0) }
    }

    /// The watched `NAME=value` pairs of a NUL-separated environment block. A later duplicate of
    /// a name replaces an earlier one, as bash reads its environment.
    public static func extract(_ block: ArraySlice<UInt8>) -> [String: ByteString] {
        var found: [String: ByteString] = [:]
        for entry in block.split(separator: 0) { take(entry, into: &found) }
        return found
    }

    /// The length of the whole entries at the start of a block that was cut (the kernel's copy of
    /// a truncated environment): up to and including its last NUL. What follows is the beginning
    /// of an entry whose end was not copied, and is not a value.
    public static func wholeEntriesLength(_ block: ArraySlice<UInt8>) -> Int {
        guard let last = block.lastIndex(of: 0) else { return 0 }
        return last + 1 - block.startIndex
    }

    /// One `NAME=value` entry: kept when NAME is watched. Names are bytes; one that is not valid
    /// UTF-8 is not a watched name, whatever it decodes to.
    static func take(_ entry: ArraySlice<UInt8>, into found: inout [String: ByteString]) {
        guard let equals = entry.prefix(longestName + 1).firstIndex(of: UInt8(ascii: "=")) else { return }
        let nameBytes = entry[entry.startIndex..<equals]
        guard let name = String(validating: nameBytes, as: UTF8.self), isWatched(name) else { return }
        found[name] = ByteString(Array(entry[(equals + 1)...]))
    }

    /// Extracts watched variables from an environment read in pieces (/proc/PID/environ), with
    /// bounded memory: only the entry that spans the current piece boundary is kept, and an entry
    /// longer than `entryLimit` is skipped (the kernel caps one at 128 KiB, MAX_ARG_STRLEN; a
    /// process that rewrote its environment in place may not). Skipping a watched one is said
    /// (`skippedWatched`): what was found is then not all there is.
    public struct Scanner {
        public private(set) var found: [String: ByteString] = [:]
        public private(set) var skippedWatched = false
        private var partial: [UInt8] = []
        private var partialOverflowed = false
        private let entryLimit: Int

        public init(entryLimit: Int = 128 << 10) {
            self.entryLimit = entryLimit
        }

        public mutating func feed(_ bytes: ArraySlice<UInt8>) {
            var rest = bytes
            while let end = rest.firstIndex(of: 0) {
                append(rest[rest.startIndex..<end])
                if !partialOverflowed { WatchedEnvironment.take(partial[...], into: &found) }
                partial.removeAll(keepingCapacity: true)
                partialOverflowed = false
                rest = rest[(end + 1)...]
            }
            append(rest)
        }

        /// The last entry, when the environment does not end with a NUL.
        public mutating func finish() -> [String: ByteString] {
            if !partial.isEmpty, !partialOverflowed { WatchedEnvironment.take(partial[...], into: &found) }
            partial.removeAll()
            return found
        }

        private mutating func append(_ piece: ArraySlice<UInt8>) {
            guard !partialOverflowed else { return }
            if partial.count + piece.count > entryLimit {
                partialOverflowed = true
                let nameRoom = WatchedEnvironment.longestName + 1
                let head = Array(partial.prefix(nameRoom)) + piece.prefix(max(0, nameRoom - partial.count))
                if let equals = head.firstIndex(of: UInt8(ascii: "=")),
                   let name = String(validating: head[..<equals], as: UTF8.self), WatchedEnvironment.isWatched(name) {
                    skippedWatched = true
                }
                return
            }
            partial += piece
        }
    }

    /// The watched variables an exec carries that its parent image did not have, or had with
    /// another value: what the exec's caller set. Empty for an agent root (its environment is
    /// what its user started it with) and when the parent image is unknown. When the parent's
    /// environment is known only in part (cut by the kernel, and its rest unread: audit mode, a
    /// parent that exec'd on at once, as `env X=1 node` does), a variable it lacks may be one it
    /// had past the cut, so only a changed value counts.
    public static func injected(_ environment: [String: ByteString], isSessionRoot: Bool, parent: [String: ByteString]?,
                                parentComplete: Bool = true) -> [String] {
        guard !environment.isEmpty, !isSessionRoot, let parent else { return [] }
        return environment.compactMap { name, value in
            guard !markers.contains(name), !value.isEmpty else { return nil }
            guard let before = parent[name] else { return parentComplete ? name : nil }
            return before == value ? nil : name
        }.sorted()
    }

    /// `injected` for an exec (with `environment` as it is now known) and its parent image's record.
    public static func injected(_ environment: [String: ByteString], of e: ExecEvent, parent: ProcessRecord?) -> [String] {
        injected(environment, isSessionRoot: e.process.execID == e.process.sessionID, parent: parent?.environment,
                 parentComplete: parent?.exec?.environmentRest != .unread)
    }
}
