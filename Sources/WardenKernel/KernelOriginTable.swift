internal import CLibBPF
import WardenABI
import WardenCore

/// The kernel's origin table (bpf/lib/origins.h), for the corrections user space makes.
public final class KernelOriginTable: OriginTable, Sendable {
    private let origins: BPFMap

    init(origins: BPFMap) {
        self.origins = origins
    }

    public func relabel(_ file: FileIdentity, as origin: DataOrigin) {
        let key = warden_file_key(inode: file.inode, dev: file.device, pad: 0)
        // Only an entry that still exists: a file the table forgot has no origin to correct.
        guard var value = origins.lookup(key, as: warden_file_origin.self) else { return }
        value.origin = origin.rawValue
        try? origins.update(key, value, flags: UInt64(BPF_EXIST))
    }

    public func origin(of file: FileIdentity) -> DataOrigin? {
        origins.lookup(warden_file_key(inode: file.inode, dev: file.device, pad: 0), as: warden_file_origin.self)
            .map { DataOrigin(rawValue: $0.origin) }
    }

    public func add(_ origin: DataOrigin, to file: FileIdentity, writtenBy execID: UInt64) {
        let key = warden_file_key(inode: file.inode, dev: file.device, pad: 0)
        var value = origins.lookup(key, as: warden_file_origin.self) ?? warden_file_origin(origin: 0, pad: 0, exec_id: execID)
        value.origin |= origin.rawValue
        try? origins.update(key, value)
    }
}
