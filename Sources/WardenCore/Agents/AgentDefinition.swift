/// How to recognise one agent's root process; see rules/agents.yaml and docs/agents.md.
public struct AgentDefinition: Sendable, Hashable {
    public var name: String
    public var description: String
    /// Globs of native agent binaries, matched by file identity.
    public var executables: [String]
    /// Globs of shebang-script agent CLIs, matched by exact exec path.
    public var commands: [String]
    /// Interpreters this agent's work is expected to start (shell, python, node, ...); empty means
    /// no expectation. Rules see it as `agent.expects_interpreter`.
    public var interpreters: [InterpreterKind]

    public init(name: String, description: String = "", executables: [String] = [], commands: [String] = [],
                interpreters: [InterpreterKind] = []) {
        self.name = name
        self.description = description
        self.executables = executables
        self.commands = commands
        self.interpreters = interpreters
    }
}
