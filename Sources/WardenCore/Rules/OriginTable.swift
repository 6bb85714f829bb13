/// The kernel's origin table, for the corrections user space makes (WardenKernel implements it over
/// the BPF map): what package-manager work or a version-control client wrote is relabelled from
/// network to package origin, so enforce mode does not hold every later open of an installed
/// package's files; what a decoder wrote gets decoded origin, so interpreters' opens of it are held.
public protocol OriginTable: AnyObject {
    /// Replaces the origin the kernel recorded for `file` (if it still has one).
    func relabel(_ file: FileIdentity, as origin: DataOrigin)
    /// Adds `origin` to what the kernel records for `file`, written by image `execID`.
    func add(_ origin: DataOrigin, to file: FileIdentity, writtenBy execID: UInt64)
    /// What the kernel records for `file` now; nil when it records nothing.
    func origin(of file: FileIdentity) -> DataOrigin?
}

/// Version-control clients, by the file name of the executable the kernel runs: what they fetch
/// is the project's source, which agents build and test as their daily work (package origin).
enum VersionControl {
    static let clients: Set<String> = [
        "git", "git-remote-http", "git-remote-https", "git-remote-ftp", "git-remote-ftps", "hg", "svn",
    ]

    static func isClient(executablePath: String) -> Bool {
        clients.contains(String(executablePath.split(separator: "/").last ?? ""))
    }
}
