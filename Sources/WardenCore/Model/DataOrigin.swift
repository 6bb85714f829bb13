import WardenABI

/// Where the content of a file or pipe came from, as the kernel saw it written (`enum
/// warden_origin`): recorded by file identity, so it follows renames and hard links and no name
/// can shed it. See bpf/lib/origins.h for what sets it and docs/rules.md for the fields.
/// Network data an exec's calling image was handed as input, beyond a connection of its own.
public struct NetworkInput: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Forked by an image that had network data on its stdin (xargs, awk's system(), a `while
    /// read` loop, `make -f -`): its argv may be made of that data.
    public static let stdin = NetworkInput(rawValue: 1)
    /// Read a file of network origin.
    public static let file = NetworkInput(rawValue: 2)

    public static let named: [(NetworkInput, String)] = [(.stdin, "stdin"), (.file, "file")]

    public var names: [String] { Self.named.filter { contains($0.0) }.map(\.1) }

    public init(names: [String]) {
        self = NetworkInput(Self.named.filter { names.contains($0.1) }.map(\.0))
    }
}

public struct DataOrigin: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Written by a network-tainted process: one that connected or accepted an internet socket,
    /// read its stdin from one or from network data, or was forked by such a process.
    public static let network = DataOrigin(rawValue: WARDEN_ORIGIN_NETWORK.rawValue)
    /// Downloaded by package-manager work (pip, npm, apt and what they run): user space relabels
    /// the kernel's network origin when it sees who wrote (`proc.package_manager_work`, version control).
    public static let package = DataOrigin(rawValue: WARDEN_ORIGIN_PACKAGE.rawValue)
    /// Written by a decoder (`base64 -d`, `xxd -r`, `openssl enc -d`, `gunzip`, ...): user space
    /// marks it when it sees the decoder exec with its output, or open it for writing.
    public static let decoded = DataOrigin(rawValue: WARDEN_ORIGIN_DECODED.rawValue)

    /// Not where content came from but a mark on it: a Python start-up file (`*.pth`) the lineage
    /// wrote or named, whoever the writer was (pip too), so that enforce mode holds Python's read
    /// of it and its lines are judged before they run.
    public static let startupHook = DataOrigin(rawValue: WARDEN_ORIGIN_STARTUP_HOOK.rawValue)

    /// Every origin with its name in JSON and in rules.
    public static let named: [(DataOrigin, String)] = [(.network, "network"), (.package, "package"), (.decoded, "decoded"),
                                                      (.startupHook, "startup_hook")]

    /// The names of the origins in the set.
    public var names: [String] { Self.named.filter { contains($0.0) }.map(\.1) }

    /// "network", "network,decoded", or "" when nothing is known.
    public var name: String { names.joined(separator: ",") }

    /// From `name`; nil for an unknown name.
    public init?(name: String) {
        var origin = DataOrigin()
        for part in name.split(separator: ",") {
            guard let match = Self.named.first(where: { $0.1 == part }) else { return nil }
            origin.insert(match.0)
        }
        self = origin
    }
}
