import WardenABI
import WardenCore

/// The kernel's guarded table (bpf/lib/guarded.h): the hash map of identities and their ids, and
/// the prefilter bit of each, set after its entry so the kernel never finds a bit without it.
/// Written from one thread at a time (start-up, then the processing thread).
public final class KernelGuardedFiles: GuardedFileStore, @unchecked Sendable {
    private let files: BPFMap
    private let filter: BPFMap

    init(files: BPFMap, filter: BPFMap) {
        self.files = files
        self.filter = filter
    }

    public func insert(_ file: FileIdentity, id: UInt32) -> Bool {
        let key = warden_file_key(inode: file.inode, dev: file.device, pad: 0)
        guard (try? files.update(key, id)) != nil else { return false }
        let slot = warden_guarded_filter_slot(file.inode, file.device)
        let word = slot / 64
        let bits = (filter.lookup(word, as: UInt64.self) ?? 0) | (UInt64(1) << UInt64(slot % 64))
        return (try? filter.update(word, bits)) != nil
    }

    /// The prefilter bit stays: other identities may share it, and a stale bit costs one lookup.
    public func remove(_ file: FileIdentity) {
        files.delete(warden_file_key(inode: file.inode, dev: file.device, pad: 0))
    }

    /// The id the kernel would report for this identity (tests).
    public func id(of file: FileIdentity) -> UInt32? {
        files.lookup(warden_file_key(inode: file.inode, dev: file.device, pad: 0), as: UInt32.self)
    }
}
