import Yams

/// The agents Warden knows, in the order their kernel ids are assigned (id = index + 1; 0 means
/// "no agent"). Agents added at run time (`warden run`, `--agent-pid`, `--agent-exe`) are appended.
public struct AgentCatalog: Sendable {
    public private(set) var agents: [AgentDefinition]

    public init(agents: [AgentDefinition] = []) {
        self.agents = agents
    }

    /// The definitions embedded in the binary (rules/agents.yaml at build time).
    public static func embeddedDefaults() throws -> AgentCatalog {
        try AgentCatalog(yaml: String(decoding: PackageResources.agents_yaml, as: UTF8.self), source: "<embedded agents.yaml>")
    }

    public init(yaml: String, source: String) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw AgentCatalogError(source: source, line: nil, message: "not valid YAML: \(error)")
        }
        guard let root, let mapping = root.mapping else {
            throw AgentCatalogError(source: source, line: 1, message: "expected a mapping with an `agents:` list")
        }
        for (key, _) in mapping where key.string != "agents" {
            throw AgentCatalogError(source: source, line: key.mark?.line, message: "unknown key `\(key.string ?? "?")`; expected `agents`")
        }
        guard let list = mapping["agents"]?.sequence else {
            throw AgentCatalogError(source: source, line: root.mark?.line, message: "`agents:` must be a list")
        }
        var seen: Set<String> = []
        var agents: [AgentDefinition] = []
        for item in list {
            let agent = try Self.parseAgent(item, source: source)
            guard seen.insert(agent.name).inserted else {
                throw AgentCatalogError(source: source, line: item.mark?.line, message: "agent `\(agent.name)` is defined twice")
            }
            agents.append(agent)
        }
        self.agents = agents
    }

    private static func parseAgent(_ node: Node, source: String) throws -> AgentDefinition {
        let line = node.mark?.line
        guard let mapping = node.mapping else {
            throw AgentCatalogError(source: source, line: line, message: "each agent must be a mapping with `name:`")
        }
        var agent = AgentDefinition(name: "")
        for (key, value) in mapping {
            switch key.string {
            case "name":
                guard let name = value.string, !name.isEmpty else {
                    throw AgentCatalogError(source: source, line: value.mark?.line, message: "`name` must be a non-empty string")
                }
                agent.name = name
            case "description":
                agent.description = value.string ?? ""
            case "executables":
                agent.executables = try stringList(value, key: "executables", source: source)
            case "commands":
                agent.commands = try stringList(value, key: "commands", source: source)
            case "interpreters":
                agent.interpreters = try stringList(value, key: "interpreters", source: source).map { name in
                    guard let kind = InterpreterKind(rawValue: name) else {
                        throw AgentCatalogError(source: source, line: value.mark?.line,
                                                message: "unknown interpreter `\(name)`; expected \(InterpreterKind.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return kind
                }
            default:
                throw AgentCatalogError(source: source, line: key.mark?.line,
                                        message: "unknown key `\(key.string ?? "?")`; expected name, description, executables, commands or interpreters")
            }
        }
        guard !agent.name.isEmpty else {
            throw AgentCatalogError(source: source, line: line, message: "agent without `name`")
        }
        return agent
    }

    private static func stringList(_ node: Node, key: String, source: String) throws -> [String] {
        guard let items = node.sequence else {
            throw AgentCatalogError(source: source, line: node.mark?.line, message: "`\(key)` must be a list of strings")
        }
        return try items.map { item in
            guard let text = item.string, !text.isEmpty else {
                throw AgentCatalogError(source: source, line: item.mark?.line, message: "`\(key)` entries must be non-empty strings")
            }
            return text
        }
    }

    /// Adds the agents of `other` (an `--agents` file) to these. An agent whose name is already here
    /// replaces that definition in place, whole (not key by key), so a host can narrow or re-path an
    /// embedded agent; returns the names replaced.
    @discardableResult
    public mutating func merge(_ other: AgentCatalog) -> [String] {
        var replaced: [String] = []
        for agent in other.agents {
            if let index = agents.firstIndex(where: { $0.name == agent.name }) {
                agents[index] = agent
                replaced.append(agent.name)
            } else {
                agents.append(agent)
            }
        }
        return replaced
    }

    /// Appends an agent and returns its kernel id.
    public mutating func add(_ agent: AgentDefinition) -> UInt32 {
        agents.append(agent)
        return UInt32(agents.count)
    }

    /// The kernel id of the agent named `name`.
    public func id(of name: String) -> UInt32? {
        agents.firstIndex { $0.name == name }.map { UInt32($0 + 1) }
    }

    /// The definition for a kernel agent id; nil for 0 or an unknown id.
    public func definition(of id: UInt32) -> AgentDefinition? {
        guard id > 0, Int(id) <= agents.count else { return nil }
        return agents[Int(id) - 1]
    }

    /// The name for a kernel agent id; nil for 0 or an unknown id.
    public func name(of id: UInt32) -> String? {
        guard id > 0, Int(id) <= agents.count else { return nil }
        return agents[Int(id) - 1].name
    }
}

public struct AgentCatalogError: Error, CustomStringConvertible {
    public var source: String
    public var line: Int?
    public var message: String

    public var description: String {
        if let line { return "\(source):\(line): \(message)" }
        return "\(source): \(message)"
    }
}
