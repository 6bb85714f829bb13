import Foundation
import Testing
@testable import WardenCore

@Suite("Rule language")
struct RuleLanguageTests {
    private func compile(_ yaml: String) throws(RuleError) -> RuleSet {
        try RuleSet(sources: [try RuleSource(yaml: yaml, file: "t.yaml")], names: ["t.yaml"])
    }

    private func rule(_ condition: String, extra: String = "") -> String {
        "\(extra)- rule: r\n  condition: \(condition)\n  output: \"%proc.cmdline\"\n  priority: Warning\n"
    }

    @Test("bad rule files are rejected with file:line:column, what was found and what was expected", arguments: [
        ("- rule: r\n  condition: evt.type = exec and\n  output: x\n  priority: Warning\n", "t.yaml:2:33: found the end of the condition, expected a field"),
        ("- rule: r\n  condition: proc.nmae = bash\n  output: x\n  priority: Warning\n", "t.yaml:2:14: unknown field `proc.nmae`"),
        ("- rule: r\n  condition: proc.name > 3\n  output: x\n  priority: Warning\n", "`>` needs a number field"),
        ("- rule: r\n  condition: proc.argc = many\n  output: x\n  priority: Warning\n", "needs a number, found 'many'"),
        ("- rule: r\n  condition: proc.name\n  output: x\n  priority: Warning\n", "is a string field; compare it"),
        ("- macro: a\n  condition: b\n- macro: b\n  condition: a\n- rule: r\n  condition: a\n  output: x\n  priority: Warning\n", "macro cycle: a -> b -> a"),
        ("- list: a\n  items: [b]\n- list: b\n  items: [a]\n", "list cycle"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n", "t.yaml:5:3: rule `r` is already defined at t.yaml:1:3"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Loud\n", "t.yaml:4:13: found `Loud`, expected one of Emergency"),
        ("- rule: r\n  condition: proc.is_shell\n  output: \"%proc.nope\"\n  priority: Warning\n", "output uses unknown field `%proc.nope`"),
        ("- rule: r\n  condition: proc.is_shell\n  priority: Warning\n", "missing `output:`"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  colour: red\n", "unknown key `colour`"),
        ("- rule: r\n  condition: proc.name in shells\n  output: x\n  priority: Warning\n", "unknown list `shells`"),
        ("- rule: r\n  condition: evt.type = exce\n  output: x\n  priority: Warning\n", "unknown event type `exce`"),
        ("- rule: r\n  condition: proc.name regex \"(\"\n  output: x\n  priority: Warning\n", "invalid regular expression"),
        ("- rule: r\n  condition: proc.name = 'unterminated\n  output: x\n  priority: Warning\n", "unterminated string"),
        ("- rule: r\n  condition: proc.name ! bash\n  output: x\n  priority: Warning\n", "found `!`, expected `!=`"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  action: nuke\n", "expected `alert` or `kill`"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  kill_scope: tool_call\n", "`kill_scope` needs `action: kill`"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  threshold: {distinct: file.nope, at_least: 3, within_seconds: 5}\n", "unknown field `file.nope` in `threshold`"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  threshold: {distinct: file.path, at_least: 1, within_seconds: 5}\n", "expected `at_least` as a whole number from 2"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  threshold: {distinct: file.path, at_least: 3, within_seconds: 5, per: host}\n", "found `host`, expected `process` or `session`"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  threshold: 5\n", "`threshold` must be a mapping"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  action: kill\n  kill_scope: host\n", "found `host`, expected `process` or `tool_call`"),
        ("rules: []\n", "expected a list of `- list:`"),
        ("- [unbalanced\n", "not valid YAML"),
        ("- rule: r\n  condition: proc.is_shell\n  output: x\n  priority: Warning\n  examples:\n    match:\n      - {argz: [x]}\n", "unknown example key `argz`"),
    ])
    func rejects(yaml: String, message: String) {
        do {
            _ = try compile(yaml)
            Issue.record("accepted:\n\(yaml)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(error.description.hasPrefix("t.yaml:"))
        }
    }

    @Test("a huge rule file is refused before parsing")
    func hugeFile() {
        let yaml = String(repeating: "# padding padding padding padding\n", count: RuleSource.maximumBytes / 34 + 10)
        #expect(throws: RuleError.self) { try RuleSource(yaml: yaml, file: "big.yaml") }
    }

    @Test("very deep nesting is refused with an error; very long flat conditions compile and run")
    func pathological() throws {
        let nested = String(repeating: "(", count: 5000) + "proc.is_shell" + String(repeating: ")", count: 5000)
        #expect(throws: RuleError.self) { try compile(rule(nested)) }
        let notNot = String(repeating: "not ", count: 5000) + "proc.is_shell"
        #expect(throws: RuleError.self) { try compile(rule(notNot)) }
        let long = (0..<5000).map { "proc.name = n\($0)" }.joined(separator: " or ") + " or proc.name = zsh"
        let set = try compile(rule(long))
        let source = try RuleSource(yaml: "- rule: x\n  condition: proc.is_shell\n  output: x\n  priority: Debug\n  examples:\n    match:\n      - {argv: [zsh], exe: /usr/bin/zsh}\n", file: "e.yaml")
        #expect(RuleExampleRunner(ruleSet: set).matchingRules(source.rules[0].examplesMatch[0]) == ["r"])
    }

    @Test("lists expand inside parentheses, exceptions suppress, all matching rules are reported")
    func semantics() throws {
        let yaml = """
        - list: shells
          items: [bash, sh]
        - rule: shell
          condition: evt.type = exec and proc.name in (shells, zsh)
          output: "%proc.name"
          priority: Warning
          exceptions:
            - name: make-recipes
              condition: proc.pname = make
        - rule: any-exec
          condition: evt.type = exec and not proc.name startswith x
          output: any
          priority: Debug
        - rule: opens
          condition: evt.type = open
          output: open
          priority: Debug
        """
        let set = try compile(yaml)
        #expect(set.candidates(for: .exec).count == 2)
        #expect(set.candidates(for: .open).count == 1)
        let runner = RuleExampleRunner(ruleSet: set)
        func example(_ yaml: String) throws -> RuleExample {
            let source = try RuleSource(yaml: "- rule: x\n  condition: proc.is_shell\n  output: x\n  priority: Debug\n  examples:\n    match:\n      - \(yaml)\n", file: "e.yaml")
            return source.rules[0].examplesMatch[0]
        }
        #expect(try runner.matchingRules(example("{argv: [zsh], exe: /usr/bin/zsh}")) == ["shell", "any-exec"])
        #expect(try runner.matchingRules(example("{argv: [bash], exe: /usr/bin/bash, parent: {exe: /usr/bin/make, argv: [make]}}")) == ["any-exec"])
        #expect(try runner.matchingRules(example("{argv: [xterm], exe: /usr/bin/xterm}")) == [])
    }

    @Test("a rule's gate is a condition its match needs, and a gated rule still matches when its gate holds")
    func gates() throws {
        let yaml = """
        - macro: secret_path
          condition: (file.path contains "/.ssh/" and not file.name endswith ".pub") or file.name in (.netrc, .pgpass)
        - rule: secrets
          condition: evt.type = open and not file.write and file.kind != directory and (secret_path or file.guarded)
          output: x
          priority: Debug
        - rule: downloads
          condition: evt.type = open and file.origin in (network, decoded) and proc.is_interpreter
          output: x
          priority: Debug
        - rule: negated
          condition: evt.type = open and not file.path startswith /usr/
          output: x
          priority: Debug
        - rule: exec-names
          condition: evt.type = exec and proc.name in (curl, wget)
          output: x
          priority: Debug
        """
        let set = try compile(yaml)
        let gate = { (id: String) in set.rules.first { $0.id == id }?.gate }
        let path = try #require(FieldRegistry.byName["file.path"]).index
        // file.kind != directory needs nothing; the or needs the guarded flag or a path literal,
        // file.name's literals counting in file.path (a name is the end of its path).
        #expect(gate("secrets") == [.flag(try #require(FieldRegistry.byName["file.guarded"]).index),
                                    .literals(path, [Array("/.ssh/".utf8), Array(".netrc".utf8), Array(".pgpass".utf8)])])
        #expect(gate("downloads") == [.nonEmpty(try #require(FieldRegistry.byName["file.origin"]).index)])
        #expect(gate("negated") == nil)
        #expect(gate("exec-names") == [.literals(try #require(FieldRegistry.byName["proc.exe"]).index, [Array("curl".utf8), Array("wget".utf8)])])

        let runner = RuleExampleRunner(ruleSet: set)
        func example(_ yaml: String) throws -> RuleExample {
            let source = try RuleSource(yaml: "- rule: x\n  condition: proc.is_shell\n  output: x\n  priority: Debug\n  examples:\n    match:\n      - \(yaml)\n", file: "e.yaml")
            return source.rules[0].examplesMatch[0]
        }
        #expect(try runner.matchingRules(example("{type: open, path: /home/dev/.ssh/id_rsa, by: [cat, x]}")) == ["secrets", "negated"])
        #expect(try runner.matchingRules(example("{type: open, path: /home/dev/.netrc, by: [cat, x]}")) == ["secrets", "negated"])
        #expect(try runner.matchingRules(example("{type: open, path: /home/dev/.ssh/id_rsa.pub, by: [cat, x]}")) == ["negated"])
        #expect(try runner.matchingRules(example("{type: open, path: /home/dev/notes, guarded: /home/dev/.aws/credentials, by: [cat, x]}")) == ["secrets", "negated"])
        #expect(try runner.matchingRules(example("{type: open, path: /usr/lib/x.py, by: [cat, x]}")) == [])
        #expect(try runner.matchingRules(example("{argv: [curl, -s, x], exe: /usr/bin/curl}")) == ["exec-names"])
        #expect(try runner.matchingRules(example("{argv: [curly], exe: /usr/bin/curly}")) == [])
    }

    @Test("one tagged scan finds which groups of needles occur, as a scan per group would")
    func taggedScan() throws {
        let groups: [[String]] = [["/.ssh/id_", ".netrc"], [".env"], [".pth"], ["/site-packages/", "/dist-packages/"]]
        let needles = groups.flatMap { $0.map { Array($0.utf8) } }
        let tags = groups.enumerated().flatMap { tag, group in Array(repeating: tag, count: group.count) }
        let search = try #require(MultiByteSearch(needles, tags: tags))
        let paths = ["/home/dev/.ssh/id_rsa", "/srv/app/.env", "/usr/lib/python3/dist-packages/x.pth", "/usr/lib/libc.so.6",
                     "/w/.venv/lib/site-packages/.env/.netrc", "", ".p", "/a/.pt", "/.pth/.ssh/id_/.env"]
        for path in paths {
            let bytes = Array(path.utf8)
            var expected: UInt64 = 0
            for (tag, group) in groups.enumerated() where group.contains(where: { path.contains($0) }) { expected |= 1 << UInt64(tag) }
            #expect(search.tagsFound(in: bytes, wanted: 0b1111) == expected, "\(path)")
            #expect(search.occurs(in: bytes) == (expected != 0), "\(path)")
        }
        // Stops once the wanted tags are found: what it reports then includes them.
        #expect(search.tagsFound(in: Array("/x/.env/.ssh/id_a".utf8), wanted: 0b10) & 0b10 == 0b10)
    }

    @Test("package-manager scripts: a file in a package manager's distribution, or its launcher in a bin directory")
    func packageManagerScripts() {
        for path in ["/usr/lib/python3/dist-packages/pip/__main__.py", "/w/.venv/bin/pip", "/w/.venv/bin/pip3.11", "bin/npm",
                     "/usr/local/bin//virtualenv", "/x/node_modules/npm/bin/npm-cli.js"] {
            #expect(PackageManagers.isScript(path), "\(path)")
        }
        for path in ["/pip", "pip", "/w/.venv/lib/pip", "/w/bin/pipe", "/w/sbin/pip", "/w/bin/", "/w/.venv/bin/python3", ""] {
            #expect(!PackageManagers.isScript(path), "\(path)")
        }
    }

    @Test("every example in the default pack passes")
    func defaultPackExamples() throws {
        let set = try RuleSet.embeddedDefault()
        let (count, failures) = RuleExampleRunner(ruleSet: set).run()
        #expect(count > 80)
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    @Test("regex: POSIX extended syntax with \\s \\d \\w shorthands, on bytes, linear on hostile input")
    func posixRegex() throws {
        let shell = try PosixRegex("(eval|source|\\.|sh|bash)\\s+(\"?\\$\\(|<\\()\\s*(curl|wget)")
        #expect(shell.matches(Array("eval \"$(curl -fsSL x)\"".utf8)))
        #expect(shell.matches(Array("bash <(wget -qO- x)".utf8)))
        #expect(!shell.matches(Array("echo $(date)".utf8)))
        let escapes = try PosixRegex("^-[a-zA-Z]*[rR]|^--recursive$")
        #expect(escapes.matches(Array("-rf".utf8)) && escapes.matches(Array("--recursive".utf8)) && !escapes.matches(Array("--force".utf8)))
        #expect(try PosixRegex("a[\\s]b").matches(Array("a\\b".utf8)), "a backslash inside brackets is literal")
        #expect(try !PosixRegex("a[\\s]b").matches(Array("a b".utf8)))
        #expect(try PosixRegex("\\d{3}\\W\\w").matches(Array("123-a".utf8)))
        // Catastrophic for a backtracking engine; POSIX matching stays polynomial.
        let hostile = try PosixRegex("(a+)+$")
        #expect(!hostile.matches(Array(String(repeating: "a", count: 5000).utf8) + [UInt8(ascii: "!")]))
        #expect(throws: PosixRegexError.self) { try PosixRegex("(unclosed") }
    }

    private func literal(_ quoted: String) throws(RuleError) -> String? {
        let expression = try ConditionParser.parse("proc.args = \(quoted)", at: SourceLocation(file: "t.yaml", line: 2, column: 14))
        guard case .comparison(_, _, .string(let value), _) = expression else { return nil }
        return value
    }

    @Test("string escapes: \\\\ \\\" \\' \\n \\t \\r \\xHH, in either kind of quotes; words are taken as written", arguments: [
        (#""a\\b""#, "a\\b"), (#""say \"hi\"""#, "say \"hi\""), (#"'it\'s'"#, "it's"), (#""\'""#, "'"), (#"'\"'"#, "\""),
        (#""a\nb""#, "a\nb"), (#"'a\tb'"#, "a\tb"), (#""a\rb""#, "a\rb"), (#""\x1b[31m""#, "\u{1b}[31m"), (#""\x41\x7F""#, "A\u{7f}"),
        (#""\\n""#, "\\n"), (#""é\n""#, "é\n"), (#"a\nb"#, "a\\nb"),
    ])
    func escapes(quoted: String, value: String) throws {
        #expect(try literal(quoted) == value)
    }

    @Test("a bad or unfinished escape is an error at the backslash's file:line:column, saying what was wrong", arguments: [
        (#""os\.system""#, "t.yaml:2:29: unknown escape `\\.`; strings know \\\\ \\\" \\' \\n \\t \\r \\xHH (in a regex, double the backslash: `\\\\.`)"),
        (#""\s+""#, "t.yaml:2:27: unknown escape `\\s`"),
        (#""a\qb""#, "t.yaml:2:28: unknown escape `\\q`; strings know"),
        (#""\x4g""#, "t.yaml:2:27: unfinished escape `\\x4g`: `\\x` takes exactly two hex digits"),
        (#""\x4""#, "t.yaml:2:27: unfinished escape `\\x4\"`"),
        (#""\x+1""#, "t.yaml:2:27: unfinished escape `\\x+1`"),
        (#""\x00""#, "t.yaml:2:27: escape `\\x00` is outside 01-7f"),
        (#""\xc3""#, "t.yaml:2:27: escape `\\xc3` is outside 01-7f"),
        (#""abc\"#, "t.yaml:2:30: unfinished escape: `\\` at the end of the condition"),
    ])
    func badEscapes(quoted: String, message: String) {
        do {
            _ = try literal(quoted)
            Issue.record("accepted \(quoted)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test("escape errors in a rule file name the file, line and column")
    func escapeErrorInFile() {
        #expect(throws: RuleError(SourceLocation(file: "t.yaml", line: 2, column: 33), "unknown escape `\\.`; strings know \\\\ \\\" \\' \\n \\t \\r \\xHH (in a regex, double the backslash: `\\\\.`)")) {
            try compile(rule(#"proc.args regex "os\.system""#, extra: ""))
        }
    }

    @Test("errors inside a condition folded over several YAML lines name their own line and column", arguments: [
        ("- macro: m\n  condition: >-\n    proc.name = a\n      and proc.args contains \"x\\q\"\n", "t.yaml:4:32: unknown escape `\\q`"),
        ("- macro: m\n  condition: proc.name = b and\n    proc.args = \"\\y\" # note\n", "t.yaml:3:18: unknown escape `\\y`"),
        ("- macro: m\n  condition: |\n    proc.name = b and\n\n    proc.nmae = c\n", "t.yaml:5:5: unknown field `proc.nmae`"),
        ("- macro: m\n  condition: >-\n    proc.name = a\n    and and\n", "t.yaml:4:9: found `and`"),
    ])
    func foldedLocations(yaml: String, message: String) {
        #expect(throws: (any Error).self) { try compile(yaml + rule("m")) }
        do {
            _ = try compile(yaml + rule("m"))
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }

    @Test("\"\\n\" is a real newline: a rule matches a newline in an argument, not a backslash and an n; regex escapes are doubled")
    func newlineInArgument() throws {
        let set = try compile("""
        - rule: multi-line
          condition: proc.inline_code contains "\\n"
          output: x
          priority: Warning
        - rule: tab-regex
          condition: proc.inline_code regex "^import\\\\s+os\\t"
          output: x
          priority: Warning
        """)
        let runner = RuleExampleRunner(ruleSet: set)
        func example(_ yaml: String) throws -> RuleExample {
            try RuleSource(yaml: "- rule: x\n  condition: proc.is_shell\n  output: x\n  priority: Debug\n  examples:\n    match:\n      - \(yaml)\n", file: "e.yaml").rules[0].examplesMatch[0]
        }
        // YAML double quotes decode \n and \t in the example; single quotes keep the backslash.
        #expect(try runner.matchingRules(example(#"{argv: [python3, -c, "import os\nos.system('id')"]}"#)) == ["multi-line"])
        #expect(try runner.matchingRules(example(#"{argv: [python3, -c, 'print("a\nb")']}"#)) == [])
        #expect(try runner.matchingRules(example(#"{argv: [python3, -c, "import  os\tx"]}"#)) == ["tab-regex"])
    }

    @Test("open rules are indexed by direction: a rule that needs file.write is not evaluated for reads")
    func openIndexByDirection() throws {
        let yaml = """
        - macro: writing
          condition: evt.type = open and file.write
        - rule: writes
          condition: writing and file.path contains x
          output: x
          priority: Debug
        - rule: reads
          condition: evt.type = open and not file.write
          output: x
          priority: Debug
        - rule: either
          condition: evt.type = open and (file.write or file.path = /x)
          output: x
          priority: Debug
        """
        let set = try RuleSet(sources: [RuleSource(yaml: yaml, file: "t.yaml")], names: ["t.yaml"])
        let ids = { (writing: Bool) in set.candidates(for: .open, writing: writing).map { set.rules[$0].id } }
        #expect(ids(true) == ["writes", "either"])
        #expect(ids(false) == ["reads", "either"])
    }

    @Test("threshold rules alert once the distinct count is reached within the window, per process")
    func thresholdCounting() throws {
        let yaml = """
        - rule: sweep
          condition: evt.type = open
          threshold: {distinct: file.path, at_least: 3, within_seconds: 10, per: process}
          output: x
          priority: Warning
        """
        let set = try RuleSet(sources: [RuleSource(yaml: yaml, file: "t.yaml")], names: ["t.yaml"])
        let processor = EventProcessor(ProcessorConfiguration(rules: set, catalog: AgentCatalog(), homes: [],
                                                              interpreters: InterpreterCatalog()))
        func alerts(opening path: String, image: UInt64, atSecond second: UInt64) -> Int {
            let process = ProcessRef(bootTime: second * 1_000_000_000, pid: 7, tid: 7, execID: image, parentExecID: 1,
                                     sessionID: 1, agentID: 1)
            return processor.process(.open(FileEvent(process: process, result: 3, syscall: .openat,
                                                     path: ByteString(path), requested: ByteString(path))), now: 0).alerts.count
        }
        #expect(alerts(opening: "/a", image: 10, atSecond: 1) == 0)
        #expect(alerts(opening: "/a", image: 10, atSecond: 2) == 0, "the same value counts once")
        #expect(alerts(opening: "/b", image: 10, atSecond: 3) == 0)
        #expect(alerts(opening: "/c", image: 11, atSecond: 3) == 0, "another process has its own count")
        #expect(alerts(opening: "/c", image: 10, atSecond: 4) == 1, "the third distinct value fires")
        #expect(alerts(opening: "/d", image: 10, atSecond: 5) == 0, "once")
        #expect(alerts(opening: "/e", image: 10, atSecond: 30) == 0, "the window passed: counting restarts")
        #expect(alerts(opening: "/f", image: 10, atSecond: 31) == 0)
        #expect(alerts(opening: "/g", image: 10, atSecond: 32) == 1, "and fires again")
    }

    @Test("the default pack guards what its open-time kill rules protect, and kills curl | sh by tool call")
    func defaultPackEnforcement() throws {
        let set = try RuleSet.embeddedDefault()
        #expect(Set(set.guardedPaths).isSuperset(of: ["~/.ssh", "~/.aws", "~/.bashrc", "~/.claude", "/etc/shadow"]))
        let pipeRule = try #require(set.rules.first { $0.id == "download-piped-to-interpreter" })
        #expect(pipeRule.source.action == .kill && pipeRule.source.killScope == .toolCall)
        #expect(set.rules.filter { $0.source.killScope == .toolCall }.allSatisfy { $0.source.action == .kill })
    }
}

@Suite("Rule documentation")
struct RuleDocumentationTests {
    @Test("docs/rules.md lists every field")
    func everyFieldDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/rules.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for field in FieldRegistry.fields {
            #expect(text.contains("`\(field.name)`"), "docs/rules.md does not document \(field.name): regenerate with `warden rules fields`")
        }
    }
}
