/// Who wrote a file, as an origin category rather than a name: a name or a path is what an
/// attacker who has read the rules chooses; what a process is (the agent's own root image,
/// package-manager work, a compiler that is no file of this lineage's making) is not.
///
/// Taint (network data, decoded data reaching the writer) belongs beside `category` here: it is
/// a property of the writer's inputs, recorded the same way, per write.
public struct WriterOrigin: Sendable, Hashable {
    public enum Category: String, Sendable {
        /// The agent's root process itself (its own image, its threads, or the image its root
        /// process exec'd into): AutoGen writing a code block.
        case agent
        /// Package-manager work: a package manager, or anything it started (see `PackageManagers`).
        case packageManager = "package_manager"
        /// A compiler, assembler or linker of the host (not a file this lineage wrote).
        case build
        /// Any other process in the lineage.
        case tool
    }

    public var category: Category
    /// The exec id of the writer's image.
    public var execID: UInt64
    /// The writer's name, for alerts.
    public var name: String

    public init(category: Category, execID: UInt64, name: String) {
        self.category = category
        self.execID = execID
        self.name = name
    }
}

/// Compilers, assemblers and linkers, by the file name of what actually runs (the kernel's
/// resolved executable, never argv[0]), with a GNU target prefix (`x86_64-linux-gnu-`) and a
/// version suffix (`-12`) taken off. A writer counts as build work only when its executable is
/// not a file this lineage wrote (a copy of a shell named `ld` is a tool).
enum BuildTools {
    static let names: Set<String> = [
        "cc", "c++", "gcc", "g++", "cpp", "clang", "clang++", "cc1", "cc1plus", "collect2", "as", "ar",
        "ld", "ld.bfd", "ld.gold", "ld.lld", "lld", "rust-lld", "wasm-ld", "mold", "tcc", "gfortran", "nasm",
        "rustc", "go", "javac", "kotlinc", "swiftc", "swift-frontend", "swift-driver", "swift-build", "zig", "ghc",
    ]

    static func isBuildTool(executablePath: String) -> Bool {
        var name = Substring(executablePath.split(separator: "/").last ?? "")
        if let range = name.range(of: "-linux-gnu-") { name = name[range.upperBound...] }
        if let dash = name.lastIndex(of: "-"), name[name.index(after: dash)...].allSatisfy(\.isNumber),
           name.index(after: dash) < name.endIndex {
            name = name[..<dash]
        }
        // Go's compiler and linker are `compile` and `link` in its tool directory.
        if ByteMatch.contains(executablePath, "/pkg/tool/") { return name == "compile" || name == "link" || name == "asm" }
        return names.contains(String(name))
    }
}

/// Package managers, recognised by what actually runs: the executable, the script file (a script
/// inside an installed package manager's own distribution, or its console-script launcher), or
/// the module Python runs. Whoever asks checks that the file is none this lineage wrote outside
/// package-manager work, so naming a file `pip` makes nothing a package manager.
enum PackageManagers {
    /// Native package-manager binaries.
    static let binaries: Set<String> = [
        "apt", "apt-get", "aptitude", "dpkg", "cargo", "rustup", "uv", "uvx", "pixi", "conda", "mamba", "micromamba",
        "pnpm", "yarn",
    ]
    /// Directories holding a package manager's own code (`python .../site-packages/pip/__pip-runner__.py`,
    /// `node .../node_modules/npm/bin/npm-cli.js`).
    static let distributions = [
        "/site-packages/pip/", "/dist-packages/pip/", "/site-packages/pipx/", "/site-packages/poetry/",
        "/site-packages/pdm/", "/site-packages/uv/", "/site-packages/virtualenv/", "/node_modules/npm/", "/node_modules/pnpm/",
        "/node_modules/yarn/", "/node_modules/corepack/",
    ]
    /// Console-script launchers, in a `bin` directory.
    static let launchers: Set<String> = [
        "pip", "pip3", "npm", "npx", "pnpm", "pnpx", "yarn", "yarnpkg", "poetry", "pdm", "pipx", "gem", "bundle",
        "bundler", "composer", "conda", "uv", "uvx", "corepack", "virtualenv",
    ]
    /// Python modules that are package managers (`python -m pip`, ensurepip's `-m ensurepip`).
    /// virtualenv seeds a new environment with pip, setuptools and its own `.pth` files, as
    /// ensurepip does for `-m venv`.
    static let modules: Set<String> = ["pip", "ensurepip", "pipx", "poetry", "pdm", "uv", "conda", "virtualenv"]

    static func isBinary(_ executablePath: String) -> Bool {
        binaries.contains(String(lastComponent(executablePath)))
    }

    /// `path.split(separator: "/").last ?? ""` without building every component (every exec asks).
    static func lastComponent(_ path: String) -> Substring {
        var end = path.utf8.endIndex
        while end > path.utf8.startIndex, path.utf8[path.utf8.index(before: end)] == UInt8(ascii: "/") { end = path.utf8.index(before: end) }
        let trimmed = path.utf8[..<end]
        guard let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) else { return Substring(trimmed) }
        return Substring(trimmed[trimmed.index(after: slash)...])
    }

    /// `distributions`, found in one pass (every exec of a script asks).
    private static let distributionSearch = MultiByteSearch(distributions.map { Array($0.utf8) })!

    static func isScript(_ path: String) -> Bool {
        if distributionSearch.occurs(in: Array(path.utf8)) { return true }
        // A launcher: `…/bin/NAME`.
        var name = lastComponent(path)
        guard !name.isEmpty, lastComponent(String(path[..<name.startIndex])) == "bin" else { return false }
        // pip3.11
        if name.hasPrefix("pip") { name = Substring(name.prefix { !$0.isNumber && $0 != "." }) }
        return launchers.contains(String(name))
    }

    /// The module files whose writing by anything but package-manager work shadows `module`
    /// (`python -m pip` in a directory holding a planted `pip/__main__.py`).
    static func shadowedModule(byWriting path: String) -> String? {
        let components = path.split(separator: "/")
        guard let last = components.last else { return nil }
        if last.hasSuffix(".py"), modules.contains(String(last.dropLast(3))) { return String(last.dropLast(3)) }
        if components.count >= 2, modules.contains(String(components[components.count - 2])) {
            return String(components[components.count - 2])
        }
        return nil
    }
}
