/// The environment variables Warden inspects on every exec; all others are dropped on arrival so
/// that secrets in the environment are never stored or exported.
public enum WatchedEnvironment {
    /// Variables that make an interpreter or the dynamic loader run extra code (T9), and the
    /// markers agents set in their tool shells.
    public static let names: Set<String> = [
        "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "NODE_OPTIONS", "NODE_PATH", "PYTHONSTARTUP",
        "PYTHONPATH", "PYTHONHOME", "PYTHONINSPECT", "BASH_ENV", "ENV", "PERL5OPT", "PERL5LIB",
        "RUBYOPT", "RUBYLIB", "PROMPT_COMMAND", "GIT_SSH_COMMAND", "GIT_EXEC_PATH",
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

    /// The watched `NAME=value` pairs of a NUL-separated environment block.
    public static func extract(_ block: ArraySlice<UInt8>) -> [String: ByteString] {
        var found: [String: ByteString] = [:]
        for entry in block.split(separator: 0) {
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: entry[entry.startIndex..<equals], as: UTF8.self)
            if names.contains(name) {
                found[name] = ByteString(Array(entry[(equals + 1)...]))
            }
        }
        return found
    }
}
