import ArgumentParser
import Foundation
import WardenCore

/// Options shared by every command that streams events.
struct StreamOptions: ParsableArguments {
    @Option(name: .long, help: "Output on stdout: text (one line per event, for people) or json (JSON Lines).")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Also export every event as JSON Lines to this file.")
    var output: String?

    @Flag(name: .long, help: "Show every event on stdout, not only alerts and loss reports.")
    var events = false

    @Option(name: .long, help: "Agent definitions (YAML) added to the embedded rules/agents.yaml; an agent with an embedded agent's name replaces it.")
    var agents: String?

    @Flag(name: .long, help: "Use only the --agents file, not the embedded agent definitions.")
    var replaceAgents = false

    @OptionGroup var rules: RuleOptions

    @OptionGroup var enforcement: EnforceOptions

    @Option(name: .customLong("min-priority"), help: "Show alerts of at least this priority on stdout (all are exported). Default: Notice for text output, Debug for json.")
    var minPriorityOption: String?

    /// Text on stdout is for people: Debug and Informational alerts (context, not findings) would
    /// bury the ones that matter. JSON on stdout feeds programs and keeps everything, as --output does.
    var minPriority: String { minPriorityOption ?? (format == .text ? "Notice" : "Debug") }

    @Option(name: .long, help: "Adopt a running process and all its descendants as an agent (repeatable).")
    var agentPid: [Int32] = []

    @Option(name: .long, help: "Treat every exec of this executable file as an agent root (repeatable).")
    var agentExe: [String] = []

    @Flag(name: .long, help: "Trace every process on the host, not only agent lineages.")
    var hostWide = false

    @Option(name: .long, help: "Size in MiB of each of the kernel's two ring buffers (a power of two).")
    var ringBufferMib: UInt32 = 4

    @Flag(name: .long, inversion: .prefixedNo,
          help: "Run the thread that reads and decides at real-time priority (SCHED_FIFO 1), so agents cannot starve it.")
    var decisionPriority = true

    func validate() throws {
        let bytes = UInt64(ringBufferMib) << 20
        guard ringBufferMib > 0, ringBufferMib <= 1024, bytes & (bytes - 1) == 0 else {
            throw ValidationError("--ring-buffer-mib must be a power of two between 1 and 1024")
        }
        guard Priority(name: minPriority) != nil else {
            throw ValidationError("--min-priority \(minPriority): expected one of \(Priority.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if replaceAgents && agents == nil {
            throw ValidationError("--replace-agents needs --agents FILE")
        }
        for pid in agentPid where pid <= 0 {
            throw ValidationError("--agent-pid \(pid) is not a process id")
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}
extension EnforcementPolicy.FailMode: ExpressibleByArgument {}

/// Audit mode (the default) or enforce mode; docs/enforce.md.
struct EnforceOptions: ParsableArguments {
    @Flag(name: .long, help: "Enforce mode: rules with `action: kill` stop the offending process before it runs or reads. Default: audit mode (alerts say what would have been done).")
    var enforce = false

    @Option(name: .long, help: "Enforce mode: what happens to a held process Warden cannot decide about (Warden exits or crashes, its event was lost): open lets it run, closed kills it.")
    var failMode: EnforcementPolicy.FailMode?

    @Flag(name: .long, help: "Enforce mode: a kill takes down the whole agent session, the agent included, not only the tool call.")
    var killAgent = false

    func validate() throws {
        if !enforce && (failMode != nil || killAgent) {
            throw ValidationError("--fail-mode and --kill-agent apply to enforce mode: add --enforce")
        }
    }

    var policy: EnforcementPolicy? {
        enforce ? EnforcementPolicy(failMode: failMode ?? .open, killAgent: killAgent) : nil
    }
}

/// Which rules to use.
struct RuleOptions: ParsableArguments {
    @Option(name: .long, help: "Rule file or directory of *.yaml files instead of the embedded default pack (repeatable).")
    var rules: [String] = []

    /// The rule set these options name; errors carry file:line:column.
    func load() throws(RuleError) -> RuleSet {
        try RuleSet.load(pathsOrDefault: rules)
    }
}

