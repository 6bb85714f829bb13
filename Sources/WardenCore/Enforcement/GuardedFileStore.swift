/// Where guarded identities go so that the kernel can match opens against them: the BPF guarded
/// table (WardenKernel), or a fake in tests.
public protocol GuardedFileStore: AnyObject {
    /// Makes opens of this file (of the files directly inside it, for a directory) carry `id`.
    /// False when the table is full.
    func insert(_ file: FileIdentity, id: UInt32) -> Bool
    /// Forgets this identity (its file was replaced or deleted: the inode number may be reused).
    func remove(_ file: FileIdentity)
}
