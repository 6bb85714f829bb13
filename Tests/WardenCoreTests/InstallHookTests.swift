import Testing
@testable import WardenCore

/// Issue #11, class 5: a command line's options in one spelling (`proc.options`), and the lines
/// of a Python start-up file that Python runs.
@Suite("Install hooks: option spellings and start-up file lines")
struct InstallHookTests {
    private static func options(_ argv: [String]) -> Set<String> {
        Set(CommandOptions.of(argv.map { ByteString($0) }).map(\.text))
    }

    @Test("every spelling of an option with a value reads --name=value")
    func longOptions() {
        for argv in [["claude", "-p", "x", "--permission-mode", "bypassPermissions"],
                     ["claude", "-p", "x", "--permission-mode=bypassPermissions"],
                     ["claude", "--permissionMode", "bypassPermissions", "-p", "x"],
                     ["claude", "--permissionMode=bypassPermissions"]] {
            let found = Self.options(argv)
            #expect(found.contains("--permission-mode=bypassPermissions"), "\(argv): \(found)")
            #expect(found.contains("--permission-mode"), "\(argv): \(found)")
        }
        #expect(Self.options(["gemini", "--yolo=true"]).contains("--yolo"))
        #expect(!Self.options(["gemini", "--yolo=false"]).contains("--yolo"))
        #expect(Self.options(["gemini", "--yolo=false"]).contains("--yolo=false"))
    }

    @Test("short options: -s value, -s=value, -svalue and clusters")
    func shortOptions() {
        for argv in [["codex", "exec", "-s", "danger-full-access"], ["codex", "exec", "-s=danger-full-access"],
                     ["codex", "exec", "-sdanger-full-access"]] {
            #expect(Self.options(argv).contains("-s=danger-full-access"), "\(argv): \(Self.options(argv))")
        }
        let cluster = Self.options(["tar", "-xzf", "a.tgz"])
        #expect(cluster.isSuperset(of: ["-x", "-z", "-f", "-x=zf", "-f=a.tgz"]), "\(cluster)")
        #expect(Self.options(["codex", "-c", "sandbox_mode=danger-full-access"]).contains("-c=sandbox_mode=danger-full-access"))
    }

    @Test("argv[0] and what follows -- are not options")
    func operands() {
        #expect(Self.options(["--yolo"]).isEmpty)
        #expect(Self.options(["grep", "-r", "--", "--yolo", "."]) == ["-r"])
    }

    @Test("replay never answers an opened .pth with the script its opener's exec ran")
    func replayKeepsScriptsApart() {
        let script = ScriptCode(bytes: Array("import os; os.system('id')\n".utf8), status: .read)
        let source = KnownScriptSource([7: script])
        let file = FileIdentity(kind: .regular, inode: 9, device: 1)
        #expect(source.readNow(ScriptRequest(execID: 7, pid: 1, path: "/v/site-packages/x.pth", cwd: "/",
                                             opened: (fd: 3, file: file))).status == .uninspected)
        #expect(source.readNow(ScriptRequest(execID: 7, pid: 1, path: "app.py", cwd: "/")).bytes == script.bytes)
    }

    @Test("the lines of a .pth that Python runs")
    func startupLines() {
        let content = "\u{FEFF}import a; a.install()\r\n/some/path\n# import b\n  import c\nimport\td\nimportx\n"
        let lines = String(decoding: PythonStartupFile.runLines(Array(content.utf8)), as: UTF8.self)
        #expect(lines == "import a; a.install()\nimport\td")
        #expect(PythonStartupFile.importedModules(Array("import a, b.c as d; from e.f import g\nimport\th".utf8)) == ["a", "b", "e", "h"])
        #expect(PythonStartupFile.importedModules(Array("import os; var = 'x'; enabled and __import__('y').z()".utf8)) == ["os"])
        #expect(PythonStartupFile.isStartupFile("/x/site-packages/zz.pth"))
        #expect(!PythonStartupFile.isStartupFile("/x/site-packages/.pth.txt"))
    }
}
