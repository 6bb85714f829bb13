import ArgumentParser
import Glibc

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch agent process trees until interrupted (SIGINT/SIGTERM)."
    )

    @OptionGroup var stream: StreamOptions

    func run() throws {
        let signals = SignalWaiter()
        let session = try MonitorSession(options: stream)
        // Read before the polling thread owns the pipeline.
        let guarded = session.pipeline.processor.guardedFiles?.count ?? 0
        session.startPolling()
        FileHandleStderr.write("warden: monitoring (\(session.sensors.attachedPrograms.count) sensors attached in \(String(format: "%.0f", session.sensors.loadSeconds * 1000)) ms; \(guarded) guarded files and directories known by identity); Ctrl-C to stop")
        while true {
            let signal = signals.wait(timeoutMilliseconds: 500)
            if signal == SIGHUP { session.reloadRules() }
            if signal == SIGINT || signal == SIGTERM || session.pollingFailed { break }
        }
        session.stop()
        if session.pollingFailed { throw ExitCode.failure }
    }
}
