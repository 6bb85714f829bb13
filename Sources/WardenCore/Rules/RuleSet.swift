public typealias Predicate = (EvaluationContext) -> Bool
/// A compiled comparison on the UTF-8 bytes of a string field.
typealias ByteTest = ([UInt8]) -> Bool

// Closures kept in an array, a dictionary or an optional are stored in the generic (indirect)
// representation, and the closure read back out is a reabstraction thunk around the original:
// one more call at every node of a compiled condition, every time it runs (perf: a tenth of the
// rule engine's time). A struct's stored closure keeps its own representation, so the compiler
// collects closures in these.
struct PredicateTerm { let call: Predicate }
struct ByteTestTerm { let call: ByteTest }

/// One rule, compiled: its condition and exceptions as closures, the event kinds it can match,
/// and its output template split into literal text and fields.
public final class CompiledRule {
    public enum OutputPart {
        case text(String)
        case field(FieldDefinition)
    }

    public let source: RuleSource.Rule
    let predicate: Predicate
    let exceptions: [Exception]

    struct Exception {
        let name: String
        let predicate: Predicate
    }
    /// nil: evaluated for every event kind.
    public let kinds: Set<EventKind>?
    public let output: [OutputPart]
    /// What the rule's fields read beyond the event: a rule is judged again when one of these
    /// changes after the event (a pipe's writer that exec'd after its reader).
    let inputs: FieldInputs
    /// The field a `threshold:` counts distinct values of.
    let thresholdField: FieldDefinition?
    /// true: can only match opens that write (`file.write` in its top-level conjunction); false:
    /// only opens that do not; nil: either.
    let openDirection: Bool?
    /// Conditions one of which holds whenever the rule matches (nil: none known); see `GateAtom`.
    let gate: [GateAtom]?

    public var id: String { source.id }

    init(source: RuleSource.Rule, predicate: @escaping Predicate, exceptions: [Exception],
         kinds: Set<EventKind>?, output: [OutputPart], inputs: FieldInputs, thresholdField: FieldDefinition? = nil,
         openDirection: Bool? = nil, gate: [GateAtom]? = nil) {
        self.source = source
        self.predicate = predicate
        self.exceptions = exceptions
        self.kinds = kinds
        self.output = output
        self.inputs = inputs
        self.thresholdField = thresholdField
        self.openDirection = openDirection
        self.gate = gate
    }

    /// True when the condition holds and no exception does, for the loaded event.
    public func matches(_ context: EvaluationContext) -> Bool {
        guard predicate(context) else { return false }
        return !exceptions.contains { $0.predicate(context) }
    }

    public func renderOutput(_ context: EvaluationContext) -> String {
        output.map { part in
            switch part {
            case .text(let text): return text
            case .field(let field): return FieldRegistry.value(field, in: context).text
            }
        }.joined()
    }
}

/// A compiled, validated set of rules, indexed by event kind. Immutable: reloads build a new one.
public final class RuleSet: @unchecked Sendable {
    // @unchecked: immutable after init; its closures only read the context they are given.
    public let rules: [CompiledRule]
    public let sources: [String]
    /// Enforce mode: files and directories (the files directly in them) whose opens by tool
    /// processes the kernel holds for the rules to judge; the list named `guarded_paths`, `~`
    /// standing for every home directory.
    public let guardedPaths: [String]
    /// Rule indices that can match each event kind (by `EventKind.allCases` position); opens are
    /// further split by direction, since most opens only read and most open rules are about writes.
    private let byKind: [CandidateList]
    private let opensReading: CandidateList
    private let opensWriting: CandidateList

    public static let guardedPathsList = "guarded_paths"

    /// The rules worth evaluating for an event of `kind` (`writing`: an open that may change the file).
    public func candidates(for kind: EventKind, writing: Bool = false) -> [Int] {
        candidateList(for: kind, writing: writing).all
    }

    func candidateList(for kind: EventKind, writing: Bool) -> CandidateList {
        if kind == .open { return writing ? opensWriting : opensReading }
        return byKind[kind.position]
    }

    /// The default pack embedded in the binary (rules/default.yaml at build time).
    public static func embeddedDefault() throws(RuleError) -> RuleSet {
        let source = try RuleSource(yaml: String(decoding: PackageResources.default_yaml, as: UTF8.self), file: "<embedded default.yaml>")
        return try RuleSet(sources: [source], names: ["<embedded default.yaml>"])
    }

    public init(sources: [RuleSource], names: [String]) throws(RuleError) {
        var compiler = RuleCompiler()
        var rules: [CompiledRule] = []
        try compiler.register(sources)
        guardedPaths = compiler.items(ofList: Self.guardedPathsList) ?? []
        var seen: [String: SourceLocation] = [:]
        for source in sources {
            for rule in source.rules {
                if let first = seen[rule.id] {
                    throw RuleError(rule.location, "rule `\(rule.id)` is already defined at \(first)")
                }
                seen[rule.id] = rule.location
                guard rule.enabled else { continue }
                rules.append(try compiler.compile(rule))
            }
        }
        let byKind = EventKind.allCases.map { kind in rules.indices.filter { rules[$0].kinds?.contains(kind) ?? true } }
        func list(_ indices: [Int]) -> CandidateList { CandidateList(indices, rules: rules) }
        self.rules = rules
        self.sources = names
        self.byKind = byKind.map(list)
        opensReading = list(byKind[EventKind.open.position].filter { rules[$0].openDirection != true })
        opensWriting = list(byKind[EventKind.open.position].filter { rules[$0].openDirection != false })
    }
}

/// A condition that holds whenever some rules match, found in their conditions by the compiler
/// (`RuleCompiler.necessaryGate`): a bool field that must be true, a list that must not be empty,
/// literals one of which a string field must hold. Tested once per event for all the rules that
/// need it, so that a rule none of whose atoms holds is passed over without being evaluated:
/// most opens are not of a network-origin file, not guarded, not a pipe, and their path holds
/// none of the credential names, and so skip most of the open rules for the cost of a few tests.
enum GateAtom: Hashable {
    /// The bool field (by `FieldDefinition.index`) is true.
    case flag(Int)
    /// The list or string field is not empty.
    case nonEmpty(Int)
    /// The string field's bytes hold one of the literals.
    case literals(Int, [[UInt8]])

    /// A literals atom as a test of its own (an `or`'s pre-scan, see `RuleCompiler.compile`); it
    /// holds for a value of an unexpected type (a gate may only let through).
    static func literalTest(field index: Int, _ literals: [[UInt8]]) -> Predicate {
        let field = FieldRegistry.fields[index]
        if let search = MultiByteSearch(literals) {
            return { context in
                guard case .bytes(let value) = FieldRegistry.value(field, in: context) else { return true }
                return search.occurs(in: value.bytes)
            }
        }
        let searches = literals.map(ByteSearch.init)
        return { context in
            guard case .bytes(let value) = FieldRegistry.value(field, in: context) else { return true }
            return searches.contains { $0.occurs(in: value.bytes) }
        }
    }
}

/// The rules that can match one kind of event, split by their gates.
///
/// `selected` runs for every event, so what it walks is plain data: copying a struct or a closure
/// out of an array retains each reference it holds, and the first version (an array of gate
/// structs, each with a closure) made twenty retains and releases per event (callgrind).
final class CandidateList {
    /// Every candidate, in rule-file order.
    let all: [Int]
    /// Candidates without a gate: always evaluated.
    let ungated: [Int]
    /// Atoms tested one by one (flags, non-empty fields, literals a scan cannot find), with
    /// `gateRules[i]` the candidates whose gate has atom i.
    private let gateTests: [GateTest]
    private let gateRules: [[Int]]
    /// The literal atoms of one string field, all found in one pass over the field's bytes: the
    /// open rules' gates hold four groups of literals on file.path, and four scans of every path
    /// were a third of the engine's instructions (callgrind).
    private let scans: [FieldScan]

    private enum GateTest {
        case flag(Int)
        case nonEmpty(Int)
        /// Literals a two-byte-block scan cannot find (one byte long), searched one by one.
        case literals(Int, [ByteSearch])
    }

    private final class FieldScan {
        let field: Int
        /// Needles tagged by the atom they come from.
        let search: MultiByteSearch
        /// By tag: the candidates whose gate has that atom.
        let rules: [[Int]]
        /// Every tag: the scan stops once all were found.
        let wanted: UInt64

        init(field: Int, search: MultiByteSearch, rules: [[Int]]) {
            self.field = field
            self.search = search
            self.rules = rules
            wanted = rules.count == 64 ? ~0 : (UInt64(1) << UInt64(rules.count)) - 1
        }
    }

    init(_ indices: [Int], rules: [CompiledRule]) {
        all = indices
        ungated = indices.filter { rules[$0].gate == nil }
        var byAtom: [GateAtom: [Int]] = [:]
        var order: [GateAtom] = []
        for index in indices {
            for atom in rules[index].gate ?? [] {
                if byAtom[atom] == nil { order.append(atom) }
                byAtom[atom, default: []].append(index)
            }
        }
        var tests: [GateTest] = []
        var testRules: [[Int]] = []
        // Literal atoms by field, in first-seen order; at most 64 atoms (tags) per scan.
        var groups: [(field: Int, atoms: [(literals: [[UInt8]], rules: [Int])])] = []
        for atom in order {
            switch atom {
            case .flag(let field): tests.append(.flag(field))
            case .nonEmpty(let field): tests.append(.nonEmpty(field))
            case .literals(let field, let literals) where !literals.contains(where: { $0.count < 2 }):
                if let at = groups.lastIndex(where: { $0.field == field && $0.atoms.count < 64 }) {
                    groups[at].atoms.append((literals, byAtom[atom]!))
                } else {
                    groups.append((field, [(literals, byAtom[atom]!)]))
                }
                continue
            case .literals(let field, let literals): tests.append(.literals(field, literals.map(ByteSearch.init)))
            }
            testRules.append(byAtom[atom]!)
        }
        gateTests = tests
        gateRules = testRules
        scans = groups.map { group in
            let needles = group.atoms.flatMap(\.literals)
            let tags = group.atoms.enumerated().flatMap { tag, atom in Array(repeating: tag, count: atom.literals.count) }
            return FieldScan(field: group.field, search: MultiByteSearch(needles, tags: tags)!, rules: group.atoms.map(\.rules))
        }
    }

    /// The candidates to evaluate for the loaded event, in rule-file order: the ungated ones and
    /// those with an atom that holds. An atom on a value of an unexpected type holds (a gate may
    /// only let through).
    func selected(_ context: EvaluationContext) -> [Int] {
        var opened: [Int] = []
        for index in gateTests.indices {
            let holds: Bool
            switch gateTests[index] {
            case .flag(let field):
                if case .bool(false) = context.value(at: field) { holds = false } else { holds = true }
            case .nonEmpty(let field):
                switch context.value(at: field) {
                case .byteList(let items): holds = !items.isEmpty
                case .bytes(let value): holds = !value.bytes.isEmpty
                default: holds = true
                }
            case .literals(let field, let searches):
                if case .bytes(let value) = context.value(at: field) {
                    holds = searches.contains { $0.occurs(in: value.bytes) }
                } else {
                    holds = true
                }
            }
            if holds { opened += gateRules[index] }
        }
        for scan in scans {
            guard case .bytes(let value) = context.value(at: scan.field) else {
                for rules in scan.rules { opened += rules }
                continue
            }
            var found = scan.search.tagsFound(in: value.bytes, wanted: scan.wanted)
            while found != 0 {
                opened += scan.rules[found.trailingZeroBitCount]
                found &= found - 1
            }
        }
        if opened.isEmpty { return ungated }
        opened += ungated
        opened.sort()
        var unique: [Int] = []
        unique.reserveCapacity(opened.count)
        for index in opened where unique.last != index { unique.append(index) }
        return unique
    }
}

/// A compiled comparison: on the bytes of a string field, or on any field value.
enum FieldTest {
    case bytes(StringTest)
    case value((FieldValue) -> Bool)

    var onValue: (FieldValue) -> Bool {
        switch self {
        case .bytes(let string): let test = string.test; return { if case .bytes(let b) = $0 { return test(b.bytes) }; return false }
        case .value(let test): return test
        }
    }
}

/// A string operator compiled to a test on UTF-8 bytes.
struct StringTest {
    let test: ByteTest
    /// Literals one of which occurs in every value the test accepts (nil: not known), so that an
    /// `or` of tests on one field can reject a value in one scan (`MultiByteSearch`).
    let required: [[UInt8]]?
}

/// Turns parsed conditions into closures: resolves lists and macros (reporting cycles), checks
/// every field exists and every comparison fits the field's type.
struct RuleCompiler {
    private var lists: [String: (items: [String], location: SourceLocation)] = [:]
    private var macros: [String: RuleSource.Macro] = [:]
    private var compiledMacros: [String: CompiledMacro] = [:]

    private struct CompiledMacro {
        let predicate: Predicate
        let kinds: Set<EventKind>?
        let inputs: FieldInputs
    }
    private var macroStack: [String] = []

    /// A list's items with nested lists expanded (after `register`).
    func items(ofList name: String) -> [String]? { lists[name]?.items }

    mutating func register(_ sources: [RuleSource]) throws(RuleError) {
        for source in sources {
            for list in source.lists {
                if let first = lists[list.name] { throw RuleError(list.location, "list `\(list.name)` is already defined at \(first.location)") }
                lists[list.name] = (list.items, list.location)
            }
            for macro in source.macros {
                if let first = macros[macro.name] { throw RuleError(macro.location, "macro `\(macro.name)` is already defined at \(first.location)") }
                macros[macro.name] = macro
            }
        }
        for name in lists.keys {
            var visiting: [String] = []
            lists[name]!.items = try expandList(name, visiting: &visiting)
        }
    }

    private func expandList(_ name: String, visiting: inout [String]) throws(RuleError) -> [String] {
        guard let list = lists[name] else { return [name] }
        if visiting.contains(name) {
            throw RuleError(list.location, "list cycle: \((visiting + [name]).joined(separator: " -> "))")
        }
        visiting.append(name)
        defer { visiting.removeLast() }
        var items: [String] = []
        for item in list.items {
            items += lists[item] != nil ? try expandList(item, visiting: &visiting) : [item]
        }
        return items
    }

    mutating func compile(_ rule: RuleSource.Rule) throws(RuleError) -> CompiledRule {
        let (_, kinds, inputs) = try compile(rule.condition)
        // Rules are only evaluated for the event kinds they can match (RuleSet indexes them), so a
        // top-level `evt.type` test is already known to hold: leave it out of the predicate.
        var condition = rule.condition
        // Likewise an open-only rule is only evaluated for opens of its direction (RuleSet's
        // opensReading/opensWriting, chosen by the same `isWrite`): its top-level `file.write` or
        // `not file.write` already holds.
        let direction = kinds == [.open] ? openDirection(rule.condition) : nil
        if kinds != nil, case .and(let terms) = condition {
            let rest = terms.filter { !Self.isEventTypeTest($0) && !(direction != nil && isOpenDirectionTest($0)) }
            if !rest.isEmpty { condition = rest.count == 1 ? rest[0] : .and(rest) }
        }
        let (predicate, _, _) = try compile(condition)
        var exceptions: [CompiledRule.Exception] = []
        for exception in rule.exceptions {
            exceptions.append(CompiledRule.Exception(name: exception.name, predicate: try compile(exception.condition).0))
        }
        var thresholdField: FieldDefinition?
        if let threshold = rule.threshold {
            guard let field = FieldRegistry.byName[threshold.field] else {
                throw RuleError(rule.location, "unknown field `\(threshold.field)` in `threshold`; `warden rules fields` lists them")
            }
            thresholdField = field
        }
        return CompiledRule(source: rule, predicate: predicate, exceptions: exceptions, kinds: kinds,
                            output: try Self.parseOutput(rule.output, at: rule.location),
                            inputs: inputs, thresholdField: thresholdField,
                            openDirection: openDirection(rule.condition), gate: necessaryGate(rule.condition))
    }

    /// Atoms one of which holds whenever `expression` does (nil: none known). A comparison on a
    /// string field needs one of its test's literals (`StringTest.required`), in the field it is
    /// `within` if any; a list comparison other than `!=`, a non-empty list; a bool field standing
    /// alone, that field (not the open direction, which the candidate lists already split on);
    /// a conjunction, its first conjunct's atoms; a disjunction, all its terms' when each has
    /// some; a macro, its condition's. A negation needs nothing.
    func necessaryGate(_ expression: Expression, depth: Int = 0) -> [GateAtom]? {
        guard depth < ConditionParser.maximumDepth else { return nil }
        switch expression {
        case .comparison(_, let op, _, _), .listReference(_, let op, _, _):
            guard let (field, test) = try? fieldTest(expression) else { return nil }
            switch test {
            case .bytes(let string):
                guard let literals = string.required, !literals.contains(where: \.isEmpty) else { return nil }
                let base = field.within.flatMap { FieldRegistry.byName[$0] } ?? field
                return [.literals(base.index, literals)]
            case .value:
                return field.type == .list && op != .notEqual ? [.nonEmpty(field.index)] : nil
            }
        case .name(let name, _):
            if let macro = macros[name] { return necessaryGate(macro.condition, depth: depth + 1) }
            guard let field = FieldRegistry.byName[name], field.type == .bool, field.role == .plain else { return nil }
            return [.flag(field.index)]
        case .and(let terms):
            return terms.lazy.compactMap { necessaryGate($0, depth: depth + 1) }.first
        case .or(let terms):
            var atoms: [GateAtom] = []
            for term in terms {
                guard let termAtoms = necessaryGate(term, depth: depth + 1) else { return nil }
                atoms += termAtoms
            }
            return Self.merged(atoms)
        case .not:
            return nil
        }
    }

    /// The same atoms, literals on one field joined into one atom (one scan), duplicates dropped.
    private static func merged(_ atoms: [GateAtom]) -> [GateAtom] {
        var result: [GateAtom] = []
        var literals: [Int: [[UInt8]]] = [:]
        var fieldOrder: [Int] = []
        for atom in atoms {
            if case .literals(let field, let items) = atom {
                if literals[field] == nil { fieldOrder.append(field) }
                literals[field, default: []] += items
            } else if !result.contains(atom) {
                result.append(atom)
            }
        }
        return result + fieldOrder.map { .literals($0, literals[$0]!) }
    }

    /// `a && b && ...` as a tree of closures of up to four terms each: terms called straight from
    /// captures, not from an array in a loop, halved the retain/release traffic of evaluation
    /// (callgrind: 23% -> 13% of instructions, 5% fewer in all). One copy per input type, not a
    /// generic: closures passed through a generic function are wrapped in reabstraction thunks,
    /// one more call per term at every level (perf: a tenth of the rule engine's time).
    static func all(_ terms: [PredicateTerm]) -> Predicate {
        switch terms.count {
        case 0: return { _ in true }
        case 1: return terms[0].call
        case 2: let (a, b) = (terms[0].call, terms[1].call); return { a($0) && b($0) }
        case 3: let (a, b, c) = (terms[0].call, terms[1].call, terms[2].call); return { a($0) && b($0) && c($0) }
        case 4: let (a, b, c, d) = (terms[0].call, terms[1].call, terms[2].call, terms[3].call); return { a($0) && b($0) && c($0) && d($0) }
        default: let (head, rest) = (all(Array(terms[..<4])), all(Array(terms[4...]))); return { head($0) && rest($0) }
        }
    }

    /// `a || b || ...`, built like `all`.
    static func any(_ terms: [PredicateTerm]) -> Predicate {
        switch terms.count {
        case 0: return { _ in false }
        case 1: return terms[0].call
        case 2: let (a, b) = (terms[0].call, terms[1].call); return { a($0) || b($0) }
        case 3: let (a, b, c) = (terms[0].call, terms[1].call, terms[2].call); return { a($0) || b($0) || c($0) }
        case 4: let (a, b, c, d) = (terms[0].call, terms[1].call, terms[2].call, terms[3].call); return { a($0) || b($0) || c($0) || d($0) }
        default: let (head, rest) = (any(Array(terms[..<4])), any(Array(terms[4...]))); return { head($0) || rest($0) }
        }
    }

    /// `any` for tests on a string field's bytes.
    static func any(_ terms: [ByteTestTerm]) -> ByteTest {
        switch terms.count {
        case 0: return { _ in false }
        case 1: return terms[0].call
        case 2: let (a, b) = (terms[0].call, terms[1].call); return { a($0) || b($0) }
        case 3: let (a, b, c) = (terms[0].call, terms[1].call, terms[2].call); return { a($0) || b($0) || c($0) }
        case 4: let (a, b, c, d) = (terms[0].call, terms[1].call, terms[2].call, terms[3].call); return { a($0) || b($0) || c($0) || d($0) }
        default: let (head, rest) = (any(Array(terms[..<4])), any(Array(terms[4...]))); return { head($0) || rest($0) }
        }
    }

    /// `any` for tests on field values of mixed types (rare: a group of byte tests is the rule).
    static func any(_ terms: [(FieldValue) -> Bool]) -> (FieldValue) -> Bool {
        { value in terms.contains { $0(value) } }
    }

    /// Whether `expression` can only hold for opens that write (true), only for opens that do not
    /// (false), or either (nil). Conservative: only the open-direction field (`file.write`) and its
    /// negation in a top-level conjunction count, directly or through macros.
    private func openDirection(_ expression: Expression, depth: Int = 0) -> Bool? {
        guard depth < ConditionParser.maximumDepth else { return nil }
        switch expression {
        case .and(let terms):
            let found = Set(terms.compactMap { openDirection($0, depth: depth + 1) })
            return found.count == 1 ? found.first : nil
        case .name(let name, _) where FieldRegistry.byName[name]?.role == .openDirection: return true
        case .not(.name(let name, _)) where FieldRegistry.byName[name]?.role == .openDirection: return false
        case .name(let name, _): return macros[name].flatMap { openDirection($0.condition, depth: depth + 1) }
        default: return nil
        }
    }

    private func isOpenDirectionTest(_ expression: Expression) -> Bool {
        switch expression {
        case .name(let name, _), .not(.name(let name, _)): return macros[name] == nil && FieldRegistry.byName[name]?.role == .openDirection
        default: return false
        }
    }

    private static func isEventTypeTest(_ expression: Expression) -> Bool {
        switch expression {
        case .comparison(let field, .equal, _, _), .comparison(let field, .in, _, _), .listReference(let field, .in, _, _):
            return FieldRegistry.byName[field]?.role == .eventKind
        default: return false
        }
    }

    /// (predicate, event kinds it can be true for or nil for any, what its fields read)
    private mutating func compile(_ expression: Expression) throws(RuleError) -> (Predicate, Set<EventKind>?, FieldInputs) {
        switch expression {
        case .and(let terms):
            var predicates: [PredicateTerm] = []
            var kinds: Set<EventKind>?
            var inputs: FieldInputs = []
            for term in terms {
                let (p, k, i) = try compile(term)
                predicates.append(PredicateTerm(call: p))
                if let k { kinds = kinds.map { $0.intersection(k) } ?? k }
                inputs.formUnion(i)
            }
            return (Self.all(predicates), kinds, inputs)
        case .or(let terms):
            var predicates: [PredicateTerm] = []
            var kinds: Set<EventKind>? = []
            var inputs: FieldInputs = []
            // Comparisons on the same field are fused: the field is fetched once and every test of
            // the group runs on that value (credential path lists are a dozen tests of file.path).
            var groups: [(field: FieldDefinition, tests: [FieldTest])] = []
            for term in terms {
                if let (field, test) = try fieldTest(term) {
                    // A plain field comparison: any event kind.
                    kinds = nil
                    inputs.formUnion(field.inputs)
                    if let index = groups.firstIndex(where: { $0.field === field }) {
                        groups[index].tests.append(test)
                    } else {
                        groups.append((field, [test]))
                    }
                    continue
                }
                let (p, k, i) = try compile(term)
                kinds = (kinds == nil || k == nil) ? nil : kinds!.union(k!)
                inputs.formUnion(i)
                predicates.append(PredicateTerm(call: p))
            }
            for (field, tests) in groups {
                var byteTests: [ByteTestTerm] = []
                var required: [[UInt8]]? = []
                for case .bytes(let string) in tests {
                    byteTests.append(ByteTestTerm(call: string.test))
                    required = string.required.flatMap { literals in required.map { $0 + literals } }
                }
                if byteTests.count == tests.count, byteTests.count >= 3, let search = required.flatMap({ MultiByteSearch($0) }) {
                    // A string field whose every test needs one of its literals: one scan for all
                    // the literals rejects most values before any test runs (for one or two tests,
                    // the tests themselves are as cheap as the scan).
                    let anyTest = Self.any(byteTests)
                    predicates.append(PredicateTerm(call: { context in
                        guard case .bytes(let value) = FieldRegistry.value(field, in: context) else { return false }
                        return search.occurs(in: value.bytes) && anyTest(value.bytes)
                    }))
                } else if byteTests.count == tests.count {
                    // A string field: its bytes are taken out once and every test runs on them.
                    let anyTest = Self.any(byteTests)
                    predicates.append(PredicateTerm(call: { context in
                        guard case .bytes(let value) = FieldRegistry.value(field, in: context) else { return false }
                        return anyTest(value.bytes)
                    }))
                } else {
                    let anyTest = Self.any(tests.map(\.onValue))
                    predicates.append(PredicateTerm(call: { anyTest(FieldRegistry.value(field, in: $0)) }))
                }
            }
            let any = Self.any(predicates)
            // Terms that each need a literal in one field (the paths of credential_path, a file
            // name or a path prefix): one scan of that field rejects the whole `or` for most
            // values, before any term fetches its field or runs its test. A single fused group
            // already scans for its literals.
            if predicates.count >= 2, let atoms = necessaryGate(expression), atoms.count == 1,
               case .literals(let field, let literals) = atoms[0] {
                let gate = GateAtom.literalTest(field: field, literals)
                return ({ gate($0) && any($0) }, kinds, inputs)
            }
            return (any, kinds, inputs)
        case .not(let inner):
            let (p, _, i) = try compile(inner)
            return ({ !p($0) }, nil, i)
        case .name(let name, let location):
            if macros[name] != nil { return try compileMacro(name, at: location) }
            guard let field = FieldRegistry.byName[name] else {
                throw RuleError(location, "unknown field or macro `\(name)`\(Self.suggestion(for: name))")
            }
            guard field.type == .bool else {
                throw RuleError(location, "`\(name)` is a \(field.type.rawValue) field; compare it with an operator (only bool fields stand alone)")
            }
            return ({ if case .bool(true) = FieldRegistry.value(field, in: $0) { return true }; return false }, nil, field.inputs)
        case .listReference(let fieldName, let op, let listName, let location):
            guard let list = lists[listName] else { throw RuleError(location, "unknown list `\(listName)`") }
            return try compileComparison(fieldName, op, .list(list.items), at: location)
        case .comparison(let fieldName, let op, let literal, let location):
            var literal = literal
            if case .list(let items) = literal {
                literal = .list(items.flatMap { lists[$0]?.items ?? [$0] })
            }
            return try compileComparison(fieldName, op, literal, at: location)
        }
    }

    /// The field and value test of a plain comparison (not of the event kind, which compiles to a kind check).
    private func fieldTest(_ expression: Expression) throws(RuleError) -> (FieldDefinition, FieldTest)? {
        var fieldName: String, op: ComparisonOperator, literal: Literal, location: SourceLocation
        switch expression {
        case .comparison(let f, let o, let l, let at):
            (fieldName, op, literal, location) = (f, o, l, at)
            if case .list(let items) = literal { literal = .list(items.flatMap { lists[$0]?.items ?? [$0] }) }
        case .listReference(let f, let o, let name, let at):
            guard let list = lists[name] else { return nil }
            (fieldName, op, literal, location) = (f, o, .list(list.items), at)
        default:
            return nil
        }
        // Unknown fields fall through to compile(), which reports them.
        guard let field = FieldRegistry.byName[fieldName], field.role != .eventKind else { return nil }
        return (field, try Self.makeTest(field, op, literal, at: location))
    }

    private mutating func compileMacro(_ name: String, at location: SourceLocation) throws(RuleError) -> (Predicate, Set<EventKind>?, FieldInputs) {
        if let compiled = compiledMacros[name] { return (compiled.predicate, compiled.kinds, compiled.inputs) }
        if macroStack.contains(name) {
            throw RuleError(location, "macro cycle: \((macroStack + [name]).joined(separator: " -> "))")
        }
        guard macroStack.count < ConditionParser.maximumDepth else {
            throw RuleError(location, "macros nest deeper than \(ConditionParser.maximumDepth) levels (\(macroStack.prefix(3).joined(separator: " -> ")) -> ...)")
        }
        macroStack.append(name)
        defer { macroStack.removeLast() }
        let (predicate, kinds, inputs) = try compile(macros[name]!.condition)
        // Rules share macros (credential_path, written_file, ...): each is evaluated once per event.
        let slot = compiledMacros.count
        let compiled = CompiledMacro(predicate: { context in context.macroResult(slot, predicate) }, kinds: kinds, inputs: inputs)
        compiledMacros[name] = compiled
        return (compiled.predicate, compiled.kinds, compiled.inputs)
    }

    private func compileComparison(_ fieldName: String, _ op: ComparisonOperator, _ literal: Literal,
                                   at location: SourceLocation) throws(RuleError) -> (Predicate, Set<EventKind>?, FieldInputs) {
        guard let field = FieldRegistry.byName[fieldName] else {
            throw RuleError(location, "unknown field `\(fieldName)`\(Self.suggestion(for: fieldName))")
        }
        var kinds: Set<EventKind>?
        if field.role == .eventKind {
            let names: [String]
            switch (op, literal) {
            case (.equal, .string(let name)): names = [name]
            case (.in, .list(let items)): names = items
            default: names = []
            }
            for name in names where EventKind(name: name) == nil {
                throw RuleError(location, "unknown event type `\(name)`; expected \(EventKind.allCases.map(\.name).joined(separator: ", "))")
            }
            if !names.isEmpty { kinds = Set(names.compactMap(EventKind.init(name:))) }
        }
        if let kinds, op == .equal || op == .in {
            // The event kind is an enum on the context: no field value, no byte comparison.
            let mask = kinds.reduce(0) { $0 | $1.bit }
            return ({ context in context.kindBit & mask != 0 }, kinds, field.inputs)
        }
        // A string test is called on the bytes directly, not through `onValue`'s wrapper closure.
        switch try Self.makeTest(field, op, literal, at: location) {
        case .bytes(let string):
            let test = string.test
            return ({ context in
                guard case .bytes(let value) = FieldRegistry.value(field, in: context) else { return false }
                return test(value.bytes)
            }, kinds, field.inputs)
        case .value(let test):
            return ({ test(FieldRegistry.value(field, in: $0)) }, kinds, field.inputs)
        }
    }

    private static func makeTest(_ field: FieldDefinition, _ op: ComparisonOperator, _ literal: Literal,
                                 at location: SourceLocation) throws(RuleError) -> FieldTest {
        func mismatch(_ expected: String) -> RuleError {
            RuleError(location, "`\(field.name)` is a \(field.type.rawValue) field: `\(op.rawValue)` \(expected)")
        }
        switch field.type {
        case .bool:
            guard op == .equal || op == .notEqual, case .string(let word) = literal, ["true", "false"].contains(word) else {
                throw mismatch("is not allowed; write `\(field.name)`, `not \(field.name)` or `\(field.name) = true|false`")
            }
            let wanted = FieldValue.bool(word == "true")
            return .value(op == .equal ? { $0 == wanted } : { $0 != wanted })
        case .number:
            let numbers: [Int64]
            switch literal {
            case .number(let n): numbers = [n]
            case .list(let items):
                var parsed: [Int64] = []
                for item in items {
                    guard let n = Int64(item) else { throw mismatch("needs numbers, found '\(item)'") }
                    parsed.append(n)
                }
                numbers = parsed
            case .string(let s): throw mismatch("needs a number, found '\(s)'")
            }
            func number(_ v: FieldValue) -> Int64 { if case .number(let n) = v { return n }; return 0 }
            let n = numbers.first ?? 0
            switch op {
            case .equal: return .value { number($0) == n }
            case .notEqual: return .value { number($0) != n }
            case .less: return .value { number($0) < n }
            case .lessOrEqual: return .value { number($0) <= n }
            case .greater: return .value { number($0) > n }
            case .greaterOrEqual: return .value { number($0) >= n }
            case .in: let set = Set(numbers); return .value { set.contains(number($0)) }
            default: throw mismatch("does not apply to numbers")
            }
        case .string, .list:
            let string = try stringTest(op, literal, mismatch: mismatch)
            if field.type == .string {
                return .bytes(string)
            }
            let test = string.test
            if op == .notEqual {
                let equal = try stringTest(.equal, literal, mismatch: mismatch).test
                return .value { if case .byteList(let items) = $0 { return !items.contains { equal($0.bytes) } }; return true }
            }
            return .value { if case .byteList(let items) = $0 { return items.contains { test($0.bytes) } }; return false }
        }
    }

    /// Compiles a string operator to a test on UTF-8 bytes; literals are converted once, here.
    private static func stringTest(_ op: ComparisonOperator, _ literal: Literal,
                                   mismatch: (String) -> RuleError) throws(RuleError) -> StringTest {
        let single: [UInt8]?
        switch literal {
        case .string(let s): single = Array(s.utf8)
        case .number(let n): single = Array(String(n).utf8)
        case .list: single = nil
        }
        switch op {
        case .in, .pmatch:
            guard case .list(let items) = literal else { throw mismatch("needs a list: (a, b, ...)") }
            let bytes = items.map { Array($0.utf8) }
            // Equal to an item, or (pmatch) under it: the item occurs either way.
            if op == .in { let set = ByteSet(bytes); return StringTest(test: { set.contains($0) }, required: bytes) }
            let prefixes = bytes.map { $0.last == UInt8(ascii: "/") ? $0 : $0 + [UInt8(ascii: "/")] }
            return StringTest(test: { value in bytes.contains(value) || prefixes.contains { ByteMatch.hasPrefix(value, $0) } },
                              required: bytes)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            throw mismatch("needs a number field")
        default:
            break
        }
        guard let value = single else { throw mismatch("needs a single value, not a list") }
        switch op {
        case .equal: return StringTest(test: { $0 == value }, required: [value])
        case .notEqual: return StringTest(test: { $0 != value }, required: nil)
        case .startswith: return StringTest(test: { ByteMatch.hasPrefix($0, value) }, required: [value])
        case .endswith: return StringTest(test: { ByteMatch.hasSuffix($0, value) }, required: [value])
        case .contains: let search = ByteSearch(value); return StringTest(test: { search.occurs(in: $0) }, required: [value])
        case .icontains:
            let lowered = ByteMatch.lowercasedASCII(value)
            let search = ByteSearch(lowered)
            return StringTest(test: { search.occurs(in: ByteMatch.lowercasedASCII($0)) }, required: nil)
        case .glob:
            // Most globs are a literal with a leading and/or trailing `*`: match those directly.
            let star = UInt8(ascii: "*")
            let inner = Array(value.drop { $0 == star }.reversed().drop { $0 == star }.reversed())
            if !inner.contains(where: { [star, UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "\\")].contains($0) }) {
                let test: ByteTest
                switch (value.first == star, value.last == star && value.count > 1) {
                case (true, true): let search = ByteSearch(inner); test = { search.occurs(in: $0) }
                case (true, false): test = { ByteMatch.hasSuffix($0, inner) }
                case (false, true): test = { ByteMatch.hasPrefix($0, inner) }
                case (false, false): test = { $0 == inner }
                }
                return StringTest(test: test, required: [inner])
            }
            // A general glob: its literal head and tail reject most values before any backtracking.
            let metacharacters: [UInt8] = [star, UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "\\")]
            let head = Array(value.prefix { !metacharacters.contains($0) })
            let tail = Array(value.reversed().prefix { !metacharacters.contains($0) }.reversed())
            return StringTest(test: { ByteMatch.hasPrefix($0, head) && ByteMatch.hasSuffix($0, tail) && ByteMatch.glob(value, $0) },
                              required: [head.count >= tail.count ? head : tail])
        case .regex:
            let regex: PosixRegex
            do { regex = try PosixRegex(String(decoding: value, as: UTF8.self)) } catch { throw mismatch("has an invalid regular expression: \(error.message)") }
            return StringTest(test: { regex.matches($0) }, required: nil)
        default:
            throw mismatch("is not supported")
        }
    }

    static func parseOutput(_ template: String, at location: SourceLocation) throws(RuleError) -> [CompiledRule.OutputPart] {
        var parts: [CompiledRule.OutputPart] = []
        var literal = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            if character == "%" {
                var end = template.index(after: index)
                while end < template.endIndex, template[end].isLetter || template[end].isNumber || template[end] == "." || template[end] == "_" { end = template.index(after: end) }
                var name = String(template[template.index(after: index)..<end])
                while name.hasSuffix(".") { name.removeLast(); end = template.index(before: end) }
                if !name.isEmpty {
                    guard let field = FieldRegistry.byName[name] else {
                        throw RuleError(location, "output uses unknown field `%\(name)`\(suggestion(for: name))")
                    }
                    if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                    parts.append(.field(field))
                    index = end
                    continue
                }
            }
            literal.append(character)
            index = template.index(after: index)
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return parts
    }

    static func suggestion(for name: String) -> String {
        let prefix = name.split(separator: ".").first.map(String.init) ?? name
        let near = FieldRegistry.fields.map(\.name).filter { $0.hasPrefix(prefix + ".") }.prefix(6)
        return near.isEmpty ? "" : " (fields of `\(prefix)`: \(near.joined(separator: ", "))\(near.count == 6 ? ", ..." : ""))"
    }
}
