import Foundation
import ArgumentParser
import WardenCore

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Validate rule files and run their examples.",
        subcommands: [Check.self, Test.self, Fields.self]
    )

    struct Fields: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every field conditions and outputs may use (Markdown).")

        func run() {
            print("| field | type | events | meaning |\n| --- | --- | --- | --- |")
            for field in FieldRegistry.fields {
                let kinds = field.kinds.map { $0.map(\.name).sorted().joined(separator: ", ") } ?? "all"
                print("| `\(field.name)` | \(field.type.rawValue) | \(kinds) | \(field.description.replacingOccurrences(of: "|", with: "\\|")) |")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parse and compile rules; report the first error as file:line:column.")

        @Argument(help: "Rule files or directories (default: the embedded pack).")
        var paths: [String] = []

        func run() throws {
            let set = try RulesCommand.load(paths)
            let kinds = Dictionary(grouping: set.rules) { $0.kinds.map { $0.map(\.name).sorted().joined(separator: ",") } ?? "any" }
            print("ok: \(set.rules.count) rules (\(kinds.map { "\($0.key): \($0.value.count)" }.sorted().joined(separator: "; "))) from \(set.sources.joined(separator: ", "))")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every rule's `match` and `no_match` examples.")

        @Argument(help: "Rule files or directories (default: the embedded pack).")
        var paths: [String] = []

        func run() throws {
            let set = try RulesCommand.load(paths)
            let (count, failures) = RuleExampleRunner(ruleSet: set).run()
            for failure in failures { print("FAIL \(failure)") }
            let untested = set.rules.filter { $0.source.examplesMatch.isEmpty }.map(\.id)
            if !untested.isEmpty { print("note: rules without a `match` example: \(untested.joined(separator: ", "))") }
            print("\(count - failures.count) passed, \(failures.count) failed")
            if !failures.isEmpty { throw ExitCode.failure }
        }
    }

    static func load(_ paths: [String]) throws -> RuleSet {
        do {
            return try RuleSet.load(pathsOrDefault: paths)
        } catch {
            throw CommandError("\(error)")
        }
    }
}
