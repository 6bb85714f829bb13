import Foundation
import Testing
@testable import WardenCore

@Suite("Agent catalog")
struct AgentCatalogTests {
    @Test("the embedded defaults parse and name the agents in THREATS.md")
    func embeddedDefaults() throws {
        let catalog = try AgentCatalog.embeddedDefaults()
        for name in ["claude-code", "codex", "gemini-cli", "aider", "mini-swe-agent", "openhands", "open-interpreter", "goose"] {
            #expect(catalog.id(of: name) != nil, "missing \(name)")
        }
        #expect(catalog.name(of: 0) == nil)
        #expect(catalog.name(of: 1) == catalog.agents[0].name)
    }

    @Test("bad definitions are rejected with the file and line", arguments: [
        ("agents: 3", "must be a list"),
        ("agents:\n  - name: a\n  - name: a", "defined twice"),
        ("agents:\n  - name: a\n    colour: red", "unknown key `colour`"),
        ("agents:\n  - description: no name", "without `name`"),
        ("agents:\n  - name: a\n    executables: /bin/x", "must be a list"),
        ("agent:\n  - name: a", "unknown key `agent`"),
        ("agents: [", "not valid YAML"),
    ])
    func rejectsBadFiles(yaml: String, message: String) {
        do {
            _ = try AgentCatalog(yaml: yaml, source: "agents.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect("\(error)".hasPrefix("agents.yaml"))
        }
    }

    @Test("globs expand per home directory and match by file identity or exact command path")
    func matchTable() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("warden-agents-\(getpid())").path
        let home = root + "/home/u"
        try FileManager.default.createDirectory(atPath: home + "/.local/share/claude/versions", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: home + "/.local/share/claude/versions/2.0.1", contents: Data("x".utf8))
        FileManager.default.createFile(atPath: root + "/gemini", contents: Data("#!/usr/bin/env node".utf8))
        try FileManager.default.createSymbolicLink(atPath: root + "/gemini-link", withDestinationPath: root + "/gemini")
        defer { try? FileManager.default.removeItem(atPath: root) }

        let catalog = AgentCatalog(agents: [
            AgentDefinition(name: "claude", executables: ["~/.local/share/claude/versions/*"]),
            AgentDefinition(name: "gemini", commands: [root + "/gemini-l*"]),
        ])
        let table = AgentMatchTable(catalog: catalog, homes: [home])
        #expect(table.executables.count == 1)
        #expect(table.paths[root + "/gemini-link"] == 2)
        #expect(table.paths[root + "/gemini"] == 2, "the resolved script path matches too")

        let identity = try #require(FileStat.identity(of: home + "/.local/share/claude/versions/2.0.1"))
        let running = ProcProcess(pid: 5, ppid: 1, executablePath: "/x", executable: identity, argv: ["2.0.1"])
        #expect(table.agent(of: running) == 1)
        let node = ProcProcess(pid: 6, ppid: 1, executablePath: "/usr/bin/node", executable: nil, argv: ["node", ByteString(root + "/gemini-link")])
        #expect(table.agent(of: node) == 2)
    }

    @Test("mini-swe-agent installed with pip into a project venv under a home is recognised by its launcher")
    func miniSweAgentInProjectVenv() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("warden-mini-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/work/.venv/bin", withIntermediateDirectories: true)
        // What pip writes for the console script (mini-swe-agent 2.4.6).
        let launcher = "#!\(home)/work/.venv/bin/python3\nimport re\nimport sys\nfrom minisweagent.run.mini import app\n"
        FileManager.default.createFile(atPath: home + "/work/.venv/bin/mini", contents: Data(launcher.utf8))
        let catalog = try AgentCatalog.embeddedDefaults()
        let id = try #require(catalog.id(of: "mini-swe-agent"))
        #expect(AgentMatchTable(catalog: catalog, homes: [home]).paths[home + "/work/.venv/bin/mini"] == id)
    }

    @Test("an --agents file adds to the embedded catalog; an agent of the same name replaces the embedded one in place")
    func merge() throws {
        var catalog = try AgentCatalog.embeddedDefaults()
        let before = catalog.agents.count
        let aiderID = try #require(catalog.id(of: "aider"))
        let file = try AgentCatalog(yaml: "agents:\n  - name: aider\n    commands: [/opt/aider/bin/aider]\n    interpreters: [shell]\n  - name: in-house\n    executables: [/opt/bot]\n", source: "extra.yaml")
        let replaced = catalog.merge(file)
        #expect(replaced == ["aider"])
        #expect(catalog.agents.count == before + 1)
        #expect(catalog.id(of: "aider") == aiderID, "kept its place")
        #expect(catalog.definition(of: aiderID)?.commands == ["/opt/aider/bin/aider"], "replaced whole, not merged key by key")
        #expect(catalog.id(of: "in-house") == UInt32(before + 1))
    }

    @Test("a program is matched by identity when native, by path when it is a shebang launcher")
    func programKinds() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("warden-programs-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root + "/venv/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        FileManager.default.createFile(atPath: root + "/venv/bin/aider", contents: Data("#!\(root)/venv/bin/python3\nimport aider\n".utf8))
        FileManager.default.createFile(atPath: root + "/native", contents: Data([0x7f, 0x45, 0x4c, 0x46]))
        var table = AgentMatchTable()
        let script = table.addProgram(root + "/venv/bin/aider", id: 1)
        #expect(script)
        #expect(table.paths[root + "/venv/bin/aider"] == 1 && table.executables.isEmpty)
        let native = table.addProgram(root + "/native", id: 2)
        #expect(native)
        #expect(table.executables.values.contains(2) && table.paths[root + "/native"] == nil)
        let directory = table.addProgram(root + "/venv", id: 3)
        #expect(!directory, "a directory is no program")
        let missing = table.addProgram(root + "/missing", id: 3)
        #expect(!missing)
        // The same applies to `executables:` globs in the catalog.
        let catalog = AgentCatalog(agents: [AgentDefinition(name: "py", executables: [root + "/venv/bin/ai*"])])
        #expect(AgentMatchTable(catalog: catalog, homes: []).paths[root + "/venv/bin/aider"] == 1)
    }
}
