import Foundation
import Testing
@testable import WardenCore

@Suite("Agent catalog")
struct AgentCatalogTests {
    @Test("the embedded defaults parse and name the agents in THREATS.md")
    func embeddedDefaults() throws {
        let catalog = try AgentCatalog.embeddedDefaults()
        for name in ["claude-code", "codex", "gemini-cli", "aider"] {
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
}
