import WardenABI
import WardenCore

/// The kernel's agent tables: the executables (by identity) and shebang script paths whose exec
/// makes a process an agent root (bpf/process/exec.c).
public struct KernelAgentTables: Sendable {
    private let executables: BPFMap
    private let paths: BPFMap

    init(executables: BPFMap, paths: BPFMap) {
        self.executables = executables
        self.paths = paths
    }

    /// Adds every entry of `table` to the kernel's tables.
    public func install(_ table: AgentMatchTable) throws {
        for (key, id) in table.executables {
            try executables.update(warden_file_key(inode: key.inode, dev: key.device, pad: 0), id)
        }
        for (path, id) in table.paths {
            try paths.update(Self.pathKey(path), id)
        }
    }

    static func pathKey(_ path: String) -> warden_path_key {
        var key = warden_path_key()
        withUnsafeMutableBytes(of: &key.path) { buffer in
            for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
        }
        return key
    }
}
