import Testing
@testable import WardenCore

/// The per-interpreter argv grammars, over real and hostile shapes: where the code comes from,
/// what is preloaded, and argv that does not parse (never taken as a script path).
@Suite("Interpreter argv grammar")
struct InterpreterInvocationTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        var kind: InterpreterKind
        var argv: [String]
        /// inline:CODE, script:PATH, module:NAME, stdin, none or unparsed.
        var expected: String
        var preloaded: [String] = []
        var testDescription: String { argv.joined(separator: " ") }
    }

    static func describe(_ invocation: InterpreterInvocation) -> String {
        switch invocation.source {
        case .inline(let code): return "inline:" + code.text
        case .script(let path): return "script:" + path.text
        case .module(let name): return "module:" + name.text
        case .stdin: return "stdin"
        case .noProgram: return "none"
        case .unparsed: return "unparsed"
        }
    }

    static let shapes: [Shape] = [
        // Shells.
        Shape(kind: .shell, argv: ["bash", "-c", "id"], expected: "inline:id"),
        Shape(kind: .shell, argv: ["bash", "-o", "errexit", "-c", "id"], expected: "inline:id"),
        Shape(kind: .shell, argv: ["bash", "+o", "posix", "-c", "id"], expected: "inline:id"),
        Shape(kind: .shell, argv: ["bash", "-O", "extglob", "-c", "id"], expected: "inline:id"),
        Shape(kind: .shell, argv: ["bash", "-eo", "pipefail", "-c", "id", "name"], expected: "inline:id"),
        Shape(kind: .shell, argv: ["bash", "--norc", "--noprofile", "-c", "id"], expected: "inline:id"),
        Shape(kind: .shell, argv: ["bash", "-lc", "make test"], expected: "inline:make test"),
        Shape(kind: .shell, argv: ["sh", "-ec", "cmd"], expected: "inline:cmd"),
        Shape(kind: .shell, argv: ["sh", "-ce", "cmd"], expected: "inline:cmd"),
        Shape(kind: .shell, argv: ["sh", "-c", "-e", "cmd"], expected: "inline:cmd"),
        Shape(kind: .shell, argv: ["sh", "-c", "--", "cmd", "$0"], expected: "inline:cmd"),
        Shape(kind: .shell, argv: ["sh", "-c", "", "x"], expected: "inline:"),
        Shape(kind: .shell, argv: ["sh", "-c"], expected: "unparsed"),
        Shape(kind: .shell, argv: ["bash", "-o"], expected: "unparsed"),
        Shape(kind: .shell, argv: ["bash", "--bogus", "x.sh"], expected: "unparsed"),
        Shape(kind: .shell, argv: ["bash", "-x", "errexit"], expected: "script:errexit"),
        Shape(kind: .shell, argv: ["bash", "script.sh", "-c", "x"], expected: "script:script.sh"),
        Shape(kind: .shell, argv: ["bash", "--", "-c"], expected: "script:-c"),
        Shape(kind: .shell, argv: ["bash", "-s", "--", "--yes"], expected: "stdin"),
        Shape(kind: .shell, argv: ["sh"], expected: "stdin"),
        Shape(kind: .shell, argv: ["bash", "-i"], expected: "stdin"),
        Shape(kind: .shell, argv: ["bash", "--version"], expected: "none"),
        Shape(kind: .shell, argv: ["bash", "--rcfile", "/tmp/rc", "-i"], expected: "stdin", preloaded: ["/tmp/rc"]),
        Shape(kind: .shell, argv: ["fish", "--command=id"], expected: "inline:id"),
        Shape(kind: .shell, argv: ["bash", "-\u{FFFD}c", "id"], expected: "unparsed"),
        // Python.
        Shape(kind: .python, argv: ["python3", "-c", "print(1)"], expected: "inline:print(1)"),
        Shape(kind: .python, argv: ["python3", "-uc", "print(1)"], expected: "inline:print(1)"),
        Shape(kind: .python, argv: ["python3", "-I", "-c", "x"], expected: "inline:x"),
        Shape(kind: .python, argv: ["python3", "-Ic", "x"], expected: "inline:x"),
        Shape(kind: .python, argv: ["python3", "-cprint(2)"], expected: "inline:print(2)"),
        Shape(kind: .python, argv: ["python3", "-X", "dev", "-c", "x"], expected: "inline:x"),
        Shape(kind: .python, argv: ["python3", "-Xdev", "-W", "ignore", "-c", "x"], expected: "inline:x"),
        Shape(kind: .python, argv: ["python3", "-E", "-S", "-B", "-uc", "x", "-m", "y"], expected: "inline:x"),
        Shape(kind: .python, argv: ["python3", "-m", "pytest", "-q"], expected: "module:pytest"),
        Shape(kind: .python, argv: ["python3", "-mpip", "install", "x"], expected: "module:pip"),
        Shape(kind: .python, argv: ["python3", "-", "arg"], expected: "script:-"),
        Shape(kind: .python, argv: ["python3", "script.py", "-c", "x"], expected: "script:script.py"),
        Shape(kind: .python, argv: ["python3", "--", "-c"], expected: "script:-c"),
        Shape(kind: .python, argv: ["python3"], expected: "stdin"),
        Shape(kind: .python, argv: ["python3", "-V"], expected: "none"),
        Shape(kind: .python, argv: ["python3", "-Z", "x.py"], expected: "unparsed"),
        Shape(kind: .python, argv: ["python3", "-X"], expected: "unparsed"),
        Shape(kind: .python, argv: ["python3", "-c"], expected: "unparsed"),
        Shape(kind: .python, argv: ["python3", "--check-hash-based-pycs", "never", "x.py"], expected: "script:x.py"),
        // Node, bun, deno.
        Shape(kind: .node, argv: ["node", "-e", "1"], expected: "inline:1"),
        Shape(kind: .node, argv: ["node", "--eval=1"], expected: "inline:1"),
        Shape(kind: .node, argv: ["node", "-p", "1+1"], expected: "inline:1+1"),
        Shape(kind: .node, argv: ["node", "-pe", "1+1"], expected: "inline:1+1"),
        Shape(kind: .node, argv: ["node", "--require", "x", "-e", "1"], expected: "inline:1", preloaded: ["x"]),
        Shape(kind: .node, argv: ["node", "-r", "./x.js", "script.js"], expected: "script:script.js", preloaded: ["./x.js"]),
        Shape(kind: .node, argv: ["node", "--import=/tmp/h.mjs", "app.js"], expected: "script:app.js", preloaded: ["/tmp/h.mjs"]),
        Shape(kind: .node, argv: ["node", "--experimental-loader", "/tmp/l.mjs", "app.js"], expected: "script:app.js", preloaded: ["/tmp/l.mjs"]),
        Shape(kind: .node, argv: ["node", "--max-old-space-size=4096", "--experimental-vm-modules", "app.js"], expected: "script:app.js"),
        Shape(kind: .node, argv: ["node", "--title", "srv", "app.js"], expected: "script:app.js"),
        Shape(kind: .node, argv: ["node", "--test"], expected: "none"),
        Shape(kind: .node, argv: ["node", "-c", "app.js"], expected: "none"),
        Shape(kind: .node, argv: ["node", "--", "-e"], expected: "script:-e"),
        Shape(kind: .node, argv: ["node", "-"], expected: "script:-"),
        Shape(kind: .node, argv: ["node"], expected: "stdin"),
        Shape(kind: .node, argv: ["node", "-e"], expected: "unparsed"),
        Shape(kind: .node, argv: ["node", "-Z", "x.js"], expected: "unparsed"),
        Shape(kind: .bun, argv: ["bun", "run", "sweep.js"], expected: "script:sweep.js"),
        Shape(kind: .bun, argv: ["bun", "sweep.js"], expected: "script:sweep.js"),
        Shape(kind: .bun, argv: ["bun", "-e", "1"], expected: "inline:1"),
        Shape(kind: .bun, argv: ["bun", "--preload", "/tmp/p.ts", "run", "a.ts"], expected: "script:a.ts", preloaded: ["/tmp/p.ts"]),
        Shape(kind: .bun, argv: ["bun", "install"], expected: "none"),
        Shape(kind: .bun, argv: ["bun", "exec", "echo hi"], expected: "inline:echo hi"),
        Shape(kind: .deno, argv: ["deno", "run", "-A", "main.ts"], expected: "script:main.ts"),
        Shape(kind: .deno, argv: ["deno", "run", "--config", "deno.json", "main.ts"], expected: "script:main.ts"),
        Shape(kind: .deno, argv: ["deno", "eval", "console.log(1)"], expected: "inline:console.log(1)"),
        Shape(kind: .deno, argv: ["deno", "test"], expected: "none"),
        Shape(kind: .deno, argv: ["deno", "main.ts"], expected: "script:main.ts"),
        // Perl.
        Shape(kind: .perl, argv: ["perl", "-e", "print 1"], expected: "inline:print 1"),
        Shape(kind: .perl, argv: ["perl", "-e", "a;", "-E", "b;"], expected: "inline:a;\nb;"),
        Shape(kind: .perl, argv: ["perl", "-Mstrict", "-e", "x"], expected: "inline:x", preloaded: ["strict"]),
        Shape(kind: .perl, argv: ["perl", "-M", "POSIX", "-e", "x"], expected: "inline:x", preloaded: ["POSIX"]),
        Shape(kind: .perl, argv: ["perl", "-ne", "print"], expected: "inline:print"),
        Shape(kind: .perl, argv: ["perl", "-lane", "print $F[0]"], expected: "inline:print $F[0]"),
        Shape(kind: .perl, argv: ["perl", "-eprint 1"], expected: "inline:print 1"),
        Shape(kind: .perl, argv: ["perl", "-pi.bak", "-e", "s/a/b/", "f"], expected: "inline:s/a/b/"),
        Shape(kind: .perl, argv: ["perl", "-ie", "f"], expected: "script:f"),
        Shape(kind: .perl, argv: ["perl", "-I", "/tmp/lib", "x.pl"], expected: "script:x.pl"),
        Shape(kind: .perl, argv: ["perl", "-x", "x.pl"], expected: "script:x.pl"),
        Shape(kind: .perl, argv: ["perl", "-c", "x.pl"], expected: "none"),
        Shape(kind: .perl, argv: ["perl", "-e"], expected: "unparsed"),
        Shape(kind: .perl, argv: ["perl", "-w"], expected: "stdin"),
        // Ruby.
        Shape(kind: .ruby, argv: ["ruby", "-e", "p 1"], expected: "inline:p 1"),
        Shape(kind: .ruby, argv: ["ruby", "-W0", "-e", "p 1"], expected: "inline:p 1"),
        Shape(kind: .ruby, argv: ["ruby", "-rsocket", "-e", "x", "-e", "y"], expected: "inline:x\ny", preloaded: ["socket"]),
        Shape(kind: .ruby, argv: ["ruby", "-r", "/tmp/h.rb", "app.rb"], expected: "script:app.rb", preloaded: ["/tmp/h.rb"]),
        Shape(kind: .ruby, argv: ["ruby", "--disable-gems", "-ne", "print"], expected: "inline:print"),
        Shape(kind: .ruby, argv: ["ruby", "--bogus", "x.rb"], expected: "unparsed"),
        // PHP, lua, tcl, PowerShell.
        Shape(kind: .php, argv: ["php", "-r", "echo 1;"], expected: "inline:echo 1;"),
        Shape(kind: .php, argv: ["php", "-n", "-d", "auto_prepend_file=/tmp/p.php", "index.php"], expected: "script:index.php", preloaded: ["/tmp/p.php"]),
        Shape(kind: .php, argv: ["php", "-f", "x.php"], expected: "script:x.php"),
        Shape(kind: .php, argv: ["php", "-l", "x.php"], expected: "none"),
        Shape(kind: .lua, argv: ["lua", "-e", "print(1)"], expected: "inline:print(1)"),
        Shape(kind: .lua, argv: ["lua", "-l", "socket", "x.lua"], expected: "script:x.lua", preloaded: ["socket"]),
        Shape(kind: .lua, argv: ["lua", "-"], expected: "script:-"),
        Shape(kind: .perl, argv: ["perl", "-0777ne", "print"], expected: "inline:print"),
        Shape(kind: .perl, argv: ["perl", "-CSDe", "print"], expected: "inline:print"),
        Shape(kind: .tcl, argv: ["tclsh", "x.tcl"], expected: "script:x.tcl"),
        Shape(kind: .powershell, argv: ["pwsh", "-NoProfile", "-Command", "Get-Item", "x"], expected: "inline:Get-Item x"),
        Shape(kind: .powershell, argv: ["pwsh", "-ep", "Bypass", "-File", "/tmp/x.ps1"], expected: "script:/tmp/x.ps1"),
        Shape(kind: .powershell, argv: ["pwsh", "/tmp/x.ps1"], expected: "script:/tmp/x.ps1"),
    ]

    @Test("each shape parses to its source and preloads", arguments: shapes)
    func parses(_ shape: Shape) {
        let invocation = InterpreterInvocation(argv: shape.argv.map { ByteString($0) }, kind: shape.kind)
        #expect(Self.describe(invocation) == shape.expected)
        #expect(invocation.preloaded.map(\.text) == shape.preloaded)
    }

    @Test("attached code keeps bytes that are not UTF-8, and an option that is not UTF-8 is unparsed")
    func nonUTF8() {
        let code = ByteString(Array("-c".utf8) + [0xff, 0xfe, UInt8(ascii: "x")])
        let python = InterpreterInvocation(argv: ["python3", code], kind: .python)
        #expect(python.inlineCode?.bytes == [0xff, 0xfe, UInt8(ascii: "x")])
        let shell = InterpreterInvocation(argv: ["sh", ByteString([UInt8(ascii: "-"), 0xff]), "id"], kind: .shell)
        #expect(shell.isUnparsed && shell.scriptArgument == nil)
        let operand = InterpreterInvocation(argv: ["sh", "-c", ByteString([0xc3, 0x28])], kind: .shell)
        #expect(operand.inlineCode?.bytes == [0xc3, 0x28])
    }

    @Test("the dynamic loader's options are skipped to its program; --list, --verify and ldd's tracing run nothing")
    func loader() throws {
        let loader = try #require(DynamicLoaderInvocation(argv: ["/lib64/ld-linux-x86-64.so.2", "--inhibit-cache", "--library-path", "/x",
                                                                 "--preload", "/tmp/a.so:/tmp/b.so", "--argv0", "sh", "--", "/bin/dash", "-c", "id"],
                                                          environment: [:]))
        #expect(loader.program == "/bin/dash" && loader.programIndex == 9)
        #expect(loader.preloaded == ["/tmp/a.so", "/tmp/b.so"])
        #expect(DynamicLoaderInvocation(argv: ["ld.so", "--list", "/bin/ls"], environment: [:]) == nil)
        #expect(DynamicLoaderInvocation(argv: ["ld.so", "/bin/ls"], environment: ["LD_TRACE_LOADED_OBJECTS": "1"]) == nil)
        #expect(DynamicLoaderInvocation(argv: ["ld.so", "--preload"], environment: [:]) == nil)
        #expect(DynamicLoaderInvocation.isLoaderName("ld-linux-x86-64.so.2") && DynamicLoaderInvocation.isLoaderName("ld-musl-x86_64.so.1"))
        #expect(!DynamicLoaderInvocation.isLoaderName("ldd") && !DynamicLoaderInvocation.isLoaderName("ld-config"))
    }

    private static func exec(_ argv: [ByteString], path: ByteString, identity: FileIdentity = .none) -> ExecEvent {
        ExecEvent(process: ProcessRef(bootTime: 0, pid: 7, tid: 7, execID: 2, parentExecID: 1, sessionID: 1, agentID: 0),
                  ppid: 1, comm: "x", filename: path, interpreter: path, executablePath: path,
                  executable: identity, cwd: "/", argv: argv)
    }

    @Test("the host's loader, by identity under another name, runs /bin/dash as a shell with inline code; busybox sh -c too")
    func loaderRecognisedOnHost() throws {
        let catalog = InterpreterCatalog.scanHost()
        let loaderPath = try #require(["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"].first { FileStat.identity(of: $0) != nil })
        let identity = try #require(FileStat.identity(of: loaderPath))
        // Known by identity: the path the kernel reports may be any name of the file.
        let exec = Self.exec(["ld", "--inhibit-cache", "/bin/dash", "-c", "id"], path: "/tmp/renamed-loader", identity: identity)
        let match = try #require(catalog.match(exec))
        #expect(match.kind == .shell && match.viaLoader && match.argumentOffset == 2)
        #expect(InterpreterInvocation(argv: match.argv(of: exec), kind: match.kind).inlineCode == "id")
        #expect(catalog.isLoader(exec))
        // A program renamed but found at start-up by its path is still known.
        let python = Self.exec([ByteString(loaderPath), "/usr/bin/python3", "-Ic", "x"], path: ByteString(loaderPath), identity: identity)
        #expect(catalog.match(python)?.kind == .python)
        let busybox = Self.exec(["busybox", "sh", "-c", "id"], path: "/usr/bin/busybox")
        let applet = try #require(InterpreterCatalog().match(busybox))
        #expect(applet.kind == .shell && InterpreterInvocation(argv: applet.argv(of: busybox), kind: .shell).inlineCode == "id")
    }
}
