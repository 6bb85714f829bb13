import Testing
@testable import WardenCore

/// The texts of `mechanism` and `outcome` are an interface (docs/enforce.md, docs/events.md): SIEM
/// rules match them, so the typed values must render exactly these strings.
@Suite("Enforcement outcome")
struct EnforcementOutcomeTests {
    @Test("every outcome renders its documented mechanism and outcome texts")
    func texts() {
        let cases: [(EnforcementOutcome, String, String)] = [
            (.notApplicable, "none", "none"),
            (.wouldKillInAuditMode, "none", "would kill (audit mode)"),
            (.undecided, "none", "undecided"),
            (.sparedAgent, "none", "not killed: it is the agent itself (--kill-agent kills agents)"),
            (.alreadyGone(wasHeld: true), "hold-kill", "already gone"),
            (.alreadyGone(wasHeld: false), "late-kill", "already gone"),
            (.killed(when: .beforeFirstInstruction, companions: 0, companionScope: .toolCall), "hold-kill", "killed before its first instruction"),
            (.killed(when: .beforeFileUse, companions: 0, companionScope: .agentSession), "hold-kill", "killed before it used the file"),
            (.killed(when: .afterEvent, companions: 0, companionScope: .toolCall), "late-kill", "killed after the event; it may have acted"),
            (.killed(when: .beforeFirstInstruction, companions: 2, companionScope: .toolCall), "hold-kill",
             "killed before its first instruction; 2 more in its tool call"),
            (.killed(when: .afterEvent, companions: 1, companionScope: .agentSession), "late-kill",
             "killed after the event; it may have acted; 1 more in its agent session"),
        ]
        for (outcome, mechanism, text) in cases {
            #expect(outcome.mechanism.rawValue == mechanism, "\(outcome)")
            #expect(outcome.description == text)
        }
    }

    @Test("alerts print them in text and JSON")
    func formatted() {
        let event = Event.exec(ExecEvent(
            process: ProcessRef(bootTime: 0, pid: 7, tid: 7, execID: 2, parentExecID: 1, sessionID: 1, agentID: 0),
            ppid: 1, comm: "sh", filename: "/bin/sh", interpreter: "/bin/sh", executablePath: "/bin/sh",
            executable: .none, cwd: "/", argv: ["sh"]))
        let alert = Alert(ruleID: "r", description: "", priority: .critical, tags: [], output: "o", action: .kill,
                          killScope: .toolCall,
                          outcome: .killed(when: .beforeFirstInstruction, companions: 2, companionScope: .toolCall),
                          event: event, agent: nil, process: nil, lineage: [], evidence: [], fields: [])
        let formatter = AlertFormatter(context: OutputContext(catalog: AgentCatalog()), colour: false)
        #expect(formatter.text(alert).hasSuffix(
            " action=kill mechanism=hold-kill outcome=killed before its first instruction; 2 more in its tool call"))
        var json = JSONLineBuilder()
        formatter.json(alert, hostname: "h", into: &json)
        let line = String(decoding: json.bytes, as: UTF8.self)
        #expect(line.contains(#""action":"kill","mechanism":"hold-kill","outcome":"killed before its first instruction; 2 more in its tool call""#), "\(line)")
    }
}
