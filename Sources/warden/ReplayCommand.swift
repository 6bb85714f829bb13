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
    var format: EventPipeline.Format = .text

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
        let lineage = ProcessTable()
        let context = EvaluationContext(lineage: lineage, provenance: ProvenanceTracker(homes: PathGlob.homeDirectories()),
                                        interpreters: InterpreterCatalog.scanHost(), catalog: decoder.catalog)
        let pipeline = EventPipeline(
            configuration: .init(showEvents: false, format: format, colour: isatty(1) == 1 && format == .text),
            context: OutputContext(catalog: decoder.catalog, clock: decoder.clock), stdout: FDWriter(fd: 1), export: nil,
            lineage: lineage, engine: RuleEngine(ruleSet: ruleSet, context: context),
            lossSource: { LossReport(bootTime: 0, ringBufferDrops: 0, processTableFull: 0) })
        for event in events { pipeline.receive(event) }
        pipeline.idle()
        FileHandleStderr.write("warden replay: \(events.count) events, \(pipeline.alertCount) alerts")
    }

    /// Rule evaluation only (lineage and provenance included, output excluded), on this thread.
    private func runBenchmark(_ events: [Event], ruleSet: RuleSet, catalog: AgentCatalog, rounds: Int) throws {
        var best = Double.infinity
        var alerts = 0
        for _ in 0..<rounds {
            let lineage = ProcessTable()
            let context = EvaluationContext(lineage: lineage, provenance: ProvenanceTracker(), interpreters: InterpreterCatalog(), catalog: catalog)
            let engine = RuleEngine(ruleSet: ruleSet, context: context)
            alerts = 0
            let start = WallClock.now(CLOCK_MONOTONIC)
            for event in events {
                lineage.apply(event)
                _ = context.provenance.observe(event, lineage: lineage)
                alerts += engine.evaluate(event).count
            }
            best = min(best, Double(WallClock.now(CLOCK_MONOTONIC) - start) / 1e9)
        }
        let rate = Double(events.count) / best
        print(String(format: "%d events x %d rules: %.0f events/s (best of %d rounds, %.1f ns/event), %d alerts per round",
                     events.count, ruleSet.rules.count, rate, rounds, best / Double(events.count) * 1e9, alerts))
    }
}
