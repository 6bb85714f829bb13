import Foundation
import Glibc

/// Reads the bytes of the file a process image runs, making sure they are that file's: through
/// /proc/PID/exe (the kernel's own file object, which no rename can swap) while the image still
/// runs, else through its path; either way only if the opened file has the identity the kernel
/// reported at exec. Host access: never called on the poll thread.
enum ExecutableContents {
    static func read(pid: UInt32, identity: FileIdentity, path: String, limit: Int) -> [UInt8]? {
        for candidate in ["/proc/\(pid)/exe", path] {
            if let bytes = readIfIdentical(candidate, identity: identity, limit: limit) { return bytes }
        }
        return nil
    }

    /// The whole file at `path`, if it is `identity` and no longer than `limit`.
    static func readIfIdentical(_ path: String, identity: FileIdentity?, limit: Int) -> [UInt8]? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        // The identity is checked on the open file, so what is read is what was checked.
        var st = stat()
        guard fstat(file.fileDescriptor, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= limit else { return nil }
        if let identity {
            guard UInt64(st.st_ino) == identity.inode,
                  FileIdentity.kernelDevice(fromStatDevice: UInt64(st.st_dev)) == identity.device else { return nil }
        }
        return (try? file.readToEnd()).map { Array($0) } ?? []
    }
}
