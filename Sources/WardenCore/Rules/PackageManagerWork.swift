/// Package-manager work: a process that is a package manager or a version-control client, or
/// descends from one within its session (pip's build backends, npm's lifecycle scripts, dpkg's
/// maintainer scripts, git's transport helpers). What it writes has package origin: downloaded,
/// but by the tool whose job is fetching code.
///
/// Recognised by executable and script names and by lineage, like the default pack's
/// `package_manager_process` macro. A copy of curl named `pip` passes for one; identity (the pip
/// distribution's files, the binaries' build ids) is the next step (issue #10 item 4).
public enum PackageManagerWork {
    public static let names: Set<String> = [
        "npm", "npx", "yarn", "pnpm", "bun", "pip", "pip3", "uv", "uvx", "poetry", "pdm", "pipx", "conda", "mamba",
        "cargo", "go", "gem", "bundle", "composer", "apt", "apt-get", "dpkg",
        // Version control fetches source the same way: a clone's files are the project's code,
        // which agents build and test as their daily work (git's transport helpers connect).
        "git", "git-remote-http", "git-remote-https", "git-remote-ftp", "git-remote-ftps", "hg", "svn",
    ]
    /// Script file names (the JavaScript and Python entry points package managers run as).
    private static let scriptNames: Set<String> = [
        "npm-cli.js", "npx-cli.js", "yarn.js", "pnpm.cjs", "pnpm.js", "yarnpkg", "pnpx", "bunx", "__pip-runner__.py",
    ]

    /// Whether `record` is package-manager work.
    public static func contains(_ record: ProcessRecord, lineage: ProcessTable) -> Bool {
        if isPackageManager(record) { return true }
        return lineage.ancestors(of: record.execID).contains(where: isPackageManager)
    }

    private static func isPackageManager(_ record: ProcessRecord) -> Bool {
        let name = record.executablePath.lastPathComponent.text
        if names.contains(name) || name.hasPrefix("pip3.") { return true }
        guard let exec = record.exec else { return false }
        // A shebang script (`.venv/bin/pip`), or the first operand of an interpreter
        // (`node .../npm-cli.js`, `python3 .../__pip-runner__.py`).
        let script = exec.isScript ? exec.filename : exec.argv.dropFirst().first { !$0.bytes.starts(with: [UInt8(ascii: "-")]) }
        if let script {
            let scriptName = script.lastPathComponent.text
            if names.contains(scriptName) || scriptNames.contains(scriptName) || scriptName.hasPrefix("pip3.") { return true }
        }
        // python -m pip, python -m ensurepip
        let argv = exec.argv.map(\.text)
        if let module = argv.firstIndex(of: "-m").map({ $0 + 1 }), module < argv.count,
           ["pip", "ensurepip", "pipx", "poetry", "pdm", "uv"].contains(argv[module]) {
            return true
        }
        return false
    }
}

/// The kernel's origin table, for corrections user space makes (WardenKernel implements it over
/// the BPF map). What package-manager work wrote is relabelled from network to package origin, so
/// enforce mode does not hold every later open of an installed package's files.
public protocol OriginTable: AnyObject {
    /// Replaces the origin the kernel recorded for `file` (if it still has one).
    func relabel(_ file: FileIdentity, as origin: DataOrigin)
    /// Adds `origin` to what the kernel records for `file`, written by image `execID`.
    func add(_ origin: DataOrigin, to file: FileIdentity, writtenBy execID: UInt64)
}
