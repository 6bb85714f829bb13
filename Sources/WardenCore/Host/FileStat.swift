import Foundation
import Glibc

/// stat(2) reduced to what Warden compares with the kernel's view of a file.
public enum FileStat {
    /// The identity of the file at `path`, following symlinks; nil if it does not exist.
    public static func identity(of path: String) -> FileIdentity? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let kind: FileKind
        switch st.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFIFO: kind = .pipe
        case S_IFSOCK: kind = .socket
        case S_IFCHR: kind = .charDevice
        default: kind = .other
        }
        return FileIdentity(kind: kind, inode: UInt64(st.st_ino),
                            device: FileIdentity.kernelDevice(fromStatDevice: UInt64(st.st_dev)),
                            rdev: FileIdentity.kernelDevice(fromStatDevice: UInt64(st.st_rdev)),
                            links: UInt32(truncatingIfNeeded: st.st_nlink), mode: UInt16(truncatingIfNeeded: st.st_mode),
                            size: UInt64(max(0, st.st_size)))
    }

    /// The path with every symlink resolved.
    public static func realPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// True when the file at `path` begins with `#!`: the kernel runs it through an interpreter,
    /// so at exec the executable it sees is the interpreter, not this file.
    public static func isShebangScript(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var magic: (UInt8, UInt8) = (0, 0)
        return withUnsafeMutableBytes(of: &magic) { read(fd, $0.baseAddress, 2) } == 2 && magic == (0x23, 0x21)
    }
}
