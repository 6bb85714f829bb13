import ArgumentParser
import Glibc
import WardenCore
import WardenKernel

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start a command as an agent under watch, from its very first exec.",
        discussion: "Warden exits with the command's exit status (128 + signal if it was killed). SIGINT and SIGTERM are passed on to the command. Processes the command leaves running are still watched (and enforced) until they end; Ctrl-C then stops watching, or --kill-remaining kills them when the command ends."
    )

    @OptionGroup var stream: StreamOptions

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after `--`.")
    var command: [String] = []

    @Option(name: .long, help: "Agent name shown on events (default: the command's name).")
    var name: String?

    @Flag(name: .long, help: "When the command ends, kill the processes it left running instead of watching them until they end.")
    var killRemaining = false

    mutating func validate() throws {
        // The command is captured verbatim, so ArgumentParser never sees a leading --help itself.
        if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
        if command.first == "--" { command.removeFirst() }
        guard !command.isEmpty else { throw ValidationError("missing the command to run: warden run [options] -- CMD [ARGS...]") }
    }

    func run() throws {
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        let signals = SignalWaiter()
        let session = try MonitorSession(options: stream)
        let child = try HeldChild(arguments: arguments)
        let program = arguments[0].split(separator: "/").last.map(String.init) ?? arguments[0]
        let sessionID = try session.adoptHeldChild(pid: UInt32(child.pid), name: name ?? program, argv: arguments,
                                                   path: HeldChild.resolve(arguments[0]) ?? arguments[0])
        session.startPolling()
        try child.release()

        var status: Int32 = 0
        while true {
            let signal = signals.wait(timeoutMilliseconds: 500)
            if let signal, signal == SIGINT || signal == SIGTERM { kill(child.pid, signal) }
            if signal == SIGHUP { session.reloadRules() }
            if let exited = child.wait(block: false) {
                status = exited
                break
            }
            if session.pollingFailed {
                kill(child.pid, SIGTERM)
                status = child.wait(block: true) ?? 0
                break
            }
        }
        if !session.pollingFailed {
            outlive(Descendants(sensors: session.sensors, session: sessionID), signals: signals, monitor: session)
        }
        session.stop()
        if session.pollingFailed { throw ExitCode.failure }
        let signal = status & 0x7F
        throw ExitCode(signal != 0 ? 128 + signal : (status >> 8) & 0xFF)
    }

    /// The command ended; what it left running is watched to its end, or killed.
    private func outlive(_ descendants: Descendants, signals: SignalWaiter, monitor session: MonitorSession) {
        let left = descendants.remaining.count
        guard left > 0 else { return }
        if killRemaining {
            let killed = descendants.killAll()
            FileHandleStderr.write("warden: the command ended; killed the \(killed) processes it left running")
            return
        }
        FileHandleStderr.write("warden: the command ended; still watching the \(left) processes it left running (Ctrl-C stops watching)")
        let start = WallClock.now(CLOCK_MONOTONIC)
        let still = descendants.waitForAll {
            let signal = signals.wait(timeoutMilliseconds: 200)
            if signal == SIGHUP { session.reloadRules() }
            return signal == SIGINT || signal == SIGTERM || session.pollingFailed
        }
        let seconds = Double(WallClock.now(CLOCK_MONOTONIC) - start) / 1e9
        if still > 0 {
            FileHandleStderr.write(String(format: "warden: stopped watching after %.1f s with %d processes of the command still running", seconds, still))
        } else {
            FileHandleStderr.write(String(format: "warden: %d processes outlived the command by %.1f s", left, seconds))
        }
    }
}
