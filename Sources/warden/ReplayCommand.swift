import ArgumentParser
import Foundation
import Glibc
import WardenCore

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Evaluate the rules over a recorded JSON Lines event file (from --output), offline and deterministically."
    )

    @Argument(help: "A JSON Lines file written by `warden monitor --output` or `warden run --output`.")
    var file: String

    @OptionGroup var rules: RuleOptions

    @Option(name: .long, help: "Output: text or json.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Instead of printing alerts, time the rule engine over the events this many times and report events/s.")
    var benchmark: Int?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandError("cannot read \(file)")
        }
        let decoder = EventJSONDecoder()
        var events: [Event] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            if let event = try decoder.decode(Data(line), number: number + 1) { events.append(event) }
        }
        let ruleSet: RuleSet
        do { ruleSet = try rules.load() } catch { throw CommandError("\(error)") }

        if let rounds = benchmark {
            try runBenchmark(events, ruleSet: ruleSet, catalog: decoder.catalog, rounds: max(1, rounds))
            return
        }
        // The same spine as the live monitor, in audit mode, with this host's interpreters.
        let processor = EventProcessor(ProcessorConfiguration(
            rules: ruleSet, catalog: decoder.catalog, homes: PathGlob.homeDirectories(), interpreters: InterpreterCatalog.scanHost(),
            scripts: KnownScriptSource(decoder.scripts)))
        let stdout = format.sink(writer: FDWriter(fd: 1), showEvents: false, minimumPriority: .debug, colour: isatty(1) == 1,
                                 context: OutputContext(catalog: decoder.catalog, clock: decoder.clock), lineage: processor.lineage)
        var alerts = 0
        for event in events {
            let result = processor.process(event, now: event.process?.bootTime ?? 0)
            alerts += result.alerts.count
            stdout.write(result)
        }
        if let last = processor.finish(now: events.last?.process?.bootTime ?? 0) {
            alerts += last.alerts.count
            stdout.write(last)
        }
        stdout.flush()
        FileHandleStderr.write("warden replay: \(events.count) events, \(alerts) alerts")
    }

    /// The spine without output (lineage, provenance, rules; no JSON parsing), on this thread.
    private func runBenchmark(_ events: [Event], ruleSet: RuleSet, catalog: AgentCatalog, rounds: Int) throws {
        var best = Double.infinity
        var alerts = 0
        for _ in 0..<rounds {
            let processor = EventProcessor(ProcessorConfiguration(rules: ruleSet, catalog: catalog, homes: [],
                                                                  interpreters: InterpreterCatalog()))
            alerts = 0
            let start = WallClock.now(CLOCK_MONOTONIC)
            for event in events {
                alerts += processor.process(event, now: 0).alerts.count
            }
            best = min(best, Double(WallClock.now(CLOCK_MONOTONIC) - start) / 1e9)
        }
        let rate = Double(events.count) / best
        print(String(format: "%d events x %d rules: %.0f events/s (best of %d rounds, %.1f ns/event), %d alerts per round",
                     events.count, ruleSet.rules.count, rate, rounds, best / Double(events.count) * 1e9, alerts))
    }
}
