import Yams

/// A rule file as written, before compilation: lists, macros and rules with their locations.
public struct RuleSource: Sendable {
    public struct List: Sendable {
        public var name: String
        public var items: [String]
        public var location: SourceLocation
    }

    public struct Macro: Sendable {
        public var name: String
        public var condition: Expression
        public var location: SourceLocation
    }

    public struct Exception: Sendable {
        public var name: String
        public var condition: Expression
    }

    public struct Rule: Sendable {
        public var id: String
        public var description: String
        public var condition: Expression
        public var output: String
        public var priority: Priority
        public var tags: [String]
        public var action: RuleAction
        public var killScope: KillScope
        public var threshold: Threshold?
        public var exceptions: [Exception]
        public var examplesMatch: [RuleExample]
        public var examplesNoMatch: [RuleExample]
        public var enabled: Bool
        public var location: SourceLocation
    }

    public var lists: [List] = []
    public var macros: [Macro] = []
    public var rules: [Rule] = []

    /// Files larger than this are refused before parsing.
    public static let maximumBytes = 4 << 20

    public init() {}

    /// Parses one YAML rule file; `file` names it in errors.
    public init(yaml: String, file: String) throws(RuleError) {
        guard yaml.utf8.count <= Self.maximumBytes else {
            throw RuleError(SourceLocation(file: file, line: 1, column: 1), "the file is \(yaml.utf8.count) bytes; rule files are limited to \(Self.maximumBytes)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw RuleError(Self.yamlLocation(error, file: file), "not valid YAML: \(Self.yamlMessage(error))")
        }
        guard let root else { return }
        guard let items = root.sequence else {
            throw RuleError(Self.location(root, file), "found a \(Self.kindName(root)), expected a list of `- list:`, `- macro:` and `- rule:` items")
        }
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        for item in items {
            try parseItem(item, file: file, lines: lines)
        }
    }

    private mutating func parseItem(_ node: Node, file: String, lines: [Substring]) throws(RuleError) {
        let location = Self.location(node, file)
        guard let mapping = node.mapping else {
            throw RuleError(location, "found a \(Self.kindName(node)), expected a mapping starting with `list:`, `macro:` or `rule:`")
        }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw RuleError(Self.location(key, file), "keys must be plain words") }
            guard fields.updateValue(value, forKey: name) == nil else {
                throw RuleError(Self.location(key, file), "`\(name)` appears twice in one item")
            }
        }
        if let name = fields["list"] {
            try Self.allow(fields, ["list", "items"], at: location)
            lists.append(List(name: try Self.word(name, "list", file), items: try Self.strings(fields["items"], "items", at: location, file), location: location))
        } else if let name = fields["macro"] {
            try Self.allow(fields, ["macro", "condition"], at: location)
            macros.append(Macro(name: try Self.word(name, "macro", file), condition: try Self.condition(fields["condition"], at: location, file, lines), location: location))
        } else if let id = fields["rule"] {
            try Self.allow(fields, ["rule", "desc", "condition", "output", "priority", "tags", "action", "kill_scope", "threshold", "exceptions", "examples", "enabled"], at: location)
            let priorityNode = try Self.required(fields["priority"], "priority", at: location)
            guard let priorityName = priorityNode.string, let priority = Priority(name: priorityName) else {
                throw RuleError(Self.location(priorityNode, file), "found `\(priorityNode.string ?? Self.kindName(priorityNode))`, expected one of \(Priority.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var action = RuleAction.alert
            if let actionNode = fields["action"] {
                guard let name = actionNode.string, let parsed = RuleAction(rawValue: name) else {
                    throw RuleError(Self.location(actionNode, file), "found `\(actionNode.string ?? Self.kindName(actionNode))`, expected `alert` or `kill`")
                }
                action = parsed
            }
            var killScope = KillScope.process
            if let scopeNode = fields["kill_scope"] {
                guard action == .kill else {
                    throw RuleError(Self.location(scopeNode, file), "`kill_scope` needs `action: kill`")
                }
                guard let name = scopeNode.string, let parsed = KillScope(rawValue: name) else {
                    throw RuleError(Self.location(scopeNode, file), "found `\(scopeNode.string ?? Self.kindName(scopeNode))`, expected \(KillScope.allCases.map { "`\($0.rawValue)`" }.joined(separator: " or "))")
                }
                killScope = parsed
            }
            let threshold = try fields["threshold"].map { (node: Node) throws(RuleError) -> Threshold in try Self.threshold(node, file) }
            var exceptions: [Exception] = []
            if let list = fields["exceptions"] {
                guard let entries = list.sequence else { throw RuleError(Self.location(list, file), "`exceptions` must be a list of {name, condition}") }
                for entry in entries {
                    guard let m = entry.mapping, let name = m["name"]?.string else {
                        throw RuleError(Self.location(entry, file), "each exception needs `name:` and `condition:`")
                    }
                    exceptions.append(Exception(name: name, condition: try Self.condition(m["condition"], at: Self.location(entry, file), file, lines)))
                }
            }
            var match: [RuleExample] = [], noMatch: [RuleExample] = []
            if let examples = fields["examples"] {
                guard let m = examples.mapping else { throw RuleError(Self.location(examples, file), "`examples` must have `match:` and/or `no_match:` lists") }
                for (key, value) in m {
                    guard let entries = value.sequence else { throw RuleError(Self.location(value, file), "`\(key.string ?? "?")` must be a list of example events") }
                    let parsed = try entries.map { (entry: Node) throws(RuleError) -> RuleExample in try RuleExample(entry, file: file) }
                    switch key.string {
                    case "match": match = parsed
                    case "no_match": noMatch = parsed
                    default: throw RuleError(Self.location(key, file), "found `\(key.string ?? "?")`, expected `match` or `no_match`")
                    }
                }
            }
            var enabled = true
            if let node = fields["enabled"] {
                guard let value = node.bool else { throw RuleError(Self.location(node, file), "`enabled` must be true or false") }
                enabled = value
            }
            let output = try Self.required(fields["output"], "output", at: location)
            rules.append(Rule(
                id: try Self.word(id, "rule", file),
                description: fields["desc"]?.string ?? "",
                condition: try Self.condition(fields["condition"], at: location, file, lines),
                output: output.string ?? "",
                priority: priority,
                tags: try Self.strings(fields["tags"], "tags", at: location, file, optional: true),
                action: action, killScope: killScope, threshold: threshold, exceptions: exceptions,
                examplesMatch: match, examplesNoMatch: noMatch, enabled: enabled, location: location))
        } else {
            throw RuleError(location, "found an item with \(fields.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")), expected `list:`, `macro:` or `rule:`")
        }
    }

    static func location(_ node: Node, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    private static func kindName(_ node: Node) -> String {
        switch node {
        case .scalar: return "scalar"
        case .mapping: return "mapping"
        case .sequence: return "list"
        }
    }

    /// `threshold: {distinct: FIELD, at_least: N, within_seconds: S, per: process|session}`
    private static func threshold(_ node: Node, _ file: String) throws(RuleError) -> Threshold {
        let at = location(node, file)
        guard let mapping = node.mapping else {
            throw RuleError(at, "`threshold` must be a mapping: {distinct: FIELD, at_least: N, within_seconds: S, per: process|session}")
        }
        var fields: [String: Node] = [:]
        for (key, value) in mapping { if let name = key.string { fields[name] = value } }
        try allow(fields, ["distinct", "at_least", "within_seconds", "per"], at: at)
        guard let field = try required(fields["distinct"], "distinct", at: at).string, !field.isEmpty else {
            throw RuleError(at, "`distinct` must name a field")
        }
        func count(_ key: String, minimum: Int) throws(RuleError) -> Int {
            let value = try required(fields[key], key, at: at)
            guard let number = value.int, number >= minimum, number <= 1_000_000 else {
                throw RuleError(location(value, file), "found `\(value.string ?? kindName(value))`, expected `\(key)` as a whole number from \(minimum) to 1000000")
            }
            return number
        }
        let atLeast = try count("at_least", minimum: 2)
        let seconds = try count("within_seconds", minimum: 1)
        var per = Threshold.Scope.session
        if let node = fields["per"] {
            guard let name = node.string, let scope = Threshold.Scope(rawValue: name) else {
                throw RuleError(location(node, file), "found `\(node.string ?? kindName(node))`, expected `process` or `session`")
            }
            per = scope
        }
        return Threshold(field: field, atLeast: atLeast, windowNanoseconds: UInt64(seconds) * 1_000_000_000, per: per)
    }

    private static func allow(_ fields: [String: Node], _ allowed: Set<String>, at location: SourceLocation) throws(RuleError) {
        for key in fields.keys.sorted() where !allowed.contains(key) {
            throw RuleError(location, "unknown key `\(key)`; expected \(allowed.sorted().map { "`\($0)`" }.joined(separator: ", "))")
        }
    }

    private static func required(_ node: Node?, _ key: String, at location: SourceLocation) throws(RuleError) -> Node {
        guard let node else { throw RuleError(location, "missing `\(key):`") }
        return node
    }

    private static func word(_ node: Node, _ key: String, _ file: String) throws(RuleError) -> String {
        guard let text = node.string, !text.isEmpty, !text.contains(where: \.isWhitespace) else {
            throw RuleError(location(node, file), "`\(key)` must be a name without spaces")
        }
        return text
    }

    private static func strings(_ node: Node?, _ key: String, at parent: SourceLocation, _ file: String, optional: Bool = false) throws(RuleError) -> [String] {
        guard let node else {
            if optional { return [] }
            throw RuleError(parent, "missing `\(key):`")
        }
        guard let items = node.sequence else { throw RuleError(location(node, file), "`\(key)` must be a list") }
        var result: [String] = []
        for item in items {
            guard let text = item.string else { throw RuleError(location(item, file), "`\(key)` entries must be strings") }
            result.append(text)
        }
        return result
    }

    private static func condition(_ node: Node?, at parent: SourceLocation, _ file: String, _ lines: [Substring]) throws(RuleError) -> Expression {
        let node = try required(node, "condition", at: parent)
        guard let text = node.string else { throw RuleError(location(node, file), "`condition` must be a string") }
        return try ConditionParser.parse(text, at: conditionOrigin(node, text, file, lines))
    }

    /// Maps the condition's characters back to the file. YAML only folds line breaks (into a space,
    /// or a newline in `|` scalars) and drops indentation, so each non-empty source line is found
    /// again, in order, after the whitespace that replaced the break. Quoted YAML scalars have
    /// YAML escapes of their own, so only their first line is mapped.
    private static func conditionOrigin(_ node: Node, _ text: String, _ file: String, _ lines: [Substring]) -> ConditionOrigin {
        let start = location(node, file)
        guard case .scalar(let scalar) = node else { return ConditionOrigin(start) }
        if scalar.style == .singleQuoted || scalar.style == .doubleQuoted { return ConditionOrigin(start.advanced(by: 1)) }
        let block = scalar.style == .literal || scalar.style == .folded
        let condition = Array(text.unicodeScalars)
        var segments: [(offset: Int, location: SourceLocation)] = []
        var position = 0
        // A plain scalar starts at its mark; a block scalar on the line after its `>-` or `|`.
        var lineNumber = block ? start.line + 1 : start.line
        var column = block ? 1 : start.column
        while position < condition.count, lineNumber - 1 < lines.count {
            let line = Array(lines[lineNumber - 1].unicodeScalars.dropFirst(column - 1))
            let indent = line.prefix { $0 == " " || $0 == "\t" }.count
            var piece = Array(line.dropFirst(indent))
            while let last = piece.last, last.properties.isWhitespace { piece.removeLast() }
            if !piece.isEmpty {
                var at = position
                while at < condition.count, condition[at].properties.isWhitespace { at += 1 }
                // A plain scalar's last line may end in a ` # comment` that is not part of it.
                if !condition[at...].starts(with: piece), let hash = piece.indices.first(where: { $0 > 0 && piece[$0] == "#" && piece[$0 - 1] == " " }) {
                    piece = Array(piece[..<hash]); while piece.last == " " { piece.removeLast() }
                }
                guard condition[at...].starts(with: piece) else { break }
                segments.append((at, SourceLocation(file: file, line: lineNumber, column: column + indent)))
                position = at + piece.count
            }
            lineNumber += 1
            column = 1
        }
        return segments.isEmpty ? ConditionOrigin(start) : ConditionOrigin(segments: segments)
    }

    private static func yamlLocation(_ error: Error, file: String) -> SourceLocation {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                return SourceLocation(file: file, line: mark.line, column: mark.column)
            default: break
            }
        }
        return SourceLocation(file: file, line: 1, column: 1)
    }

    private static func yamlMessage(_ error: Error) -> String {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
                return problem
            default: break
            }
        }
        return "\(error)"
    }
}
