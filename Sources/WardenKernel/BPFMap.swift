internal import CLibBPF
import Glibc

/// A loaded BPF map, addressed by its fd. Keys and values are plain C structs from the ABI header.
/// The map's fd belongs to its BPFObject; a BPFMap must not outlive it.
struct BPFMap {
    let name: String
    let fd: Int32

    func update<Key, Value>(_ key: Key, _ value: Value, flags: UInt64 = UInt64(BPF_ANY)) throws {
        var key = key
        var value = value
        let result = withUnsafePointer(to: &key) { keyPointer in
            withUnsafePointer(to: &value) { valuePointer in
                bpf_map_update_elem(fd, keyPointer, valuePointer, flags)
            }
        }
        if result != 0 { throw KernelError("updating BPF map \(name)", errno: -result) }
    }

    func lookup<Key, Value>(_ key: Key, as: Value.Type) -> Value? {
        var key = key
        return withUnsafeTemporaryAllocation(of: Value.self, capacity: 1) { buffer -> Value? in
            let found = withUnsafePointer(to: &key) { bpf_map_lookup_elem(fd, $0, buffer.baseAddress!) } == 0
            return found ? buffer[0] : nil
        }
    }

    @discardableResult
    func delete<Key>(_ key: Key) -> Bool {
        var key = key
        return withUnsafePointer(to: &key) { bpf_map_delete_elem(fd, $0) } == 0
    }

    /// Every key of a hash map at the time of the walk (entries may change meanwhile).
    func keys<Key>(as: Key.Type, limit: Int) -> [Key] {
        var keys: [Key] = []
        withUnsafeTemporaryAllocation(of: Key.self, capacity: 2) { buffer in
            let current = buffer.baseAddress!, next = buffer.baseAddress! + 1
            var previous: UnsafeMutablePointer<Key>? = nil
            while keys.count < limit, bpf_map_get_next_key(fd, previous, next) == 0 {
                keys.append(next.pointee)
                current.pointee = next.pointee
                previous = current
            }
        }
        return keys
    }

    /// The per-CPU values of `key` in a per-CPU map.
    func lookupPerCPU<Key, Value>(_ key: Key, as: Value.Type) -> [Value] {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { return [] }
        // The kernel lays per-CPU values out at 8-byte strides.
        let stride = (MemoryLayout<Value>.size + 7) & ~7
        var key = key
        var raw = [UInt8](repeating: 0, count: stride * cpus)
        let found = raw.withUnsafeMutableBytes { buffer in
            withUnsafePointer(to: &key) { bpf_map_lookup_elem(fd, $0, buffer.baseAddress!) }
        } == 0
        guard found else { return [] }
        return raw.withUnsafeBytes { buffer in
            (0..<cpus).map { buffer.loadUnaligned(fromByteOffset: $0 * stride, as: Value.self) }
        }
    }
}
