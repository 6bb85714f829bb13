/// One line a person can read at a glance per event, safe to print on a terminal.
public struct EventTextFormatter: Sendable {
    public var context: OutputContext
    public var colour: Bool

    public init(context: OutputContext, colour: Bool) {
        self.context = context
        self.colour = colour
    }

    public func format(_ event: Event, lineage: ProcessTable) -> String {
        switch event {
        case .exec(let e):
            var line = prefix(event, e.process) + "\(TerminalText.commandLine(e.argv, truncated: e.argvTruncated))"
            line += "  exe=\(TerminalText.escape(e.executablePath))"
            if e.isScript {
                line += " script=\(TerminalText.escape(e.filename)) interpreter=\(TerminalText.escape(e.interpreter))"
            }
            line += " cwd=\(TerminalText.escape(e.cwd)) ppid=\(e.ppid)"
            if let parent = lineage[e.process.parentExecID] {
                line += " parent=\(TerminalText.escape(parent.name))"
            }
            let stdio = e.stdio.map(\.stdioDescription)
            if stdio.contains(where: { $0 != "tty" }) {
                line += " stdio=\(stdio.joined(separator: ","))"
            }
            if e.abi != .native { line += " [32-bit \(e.abi.rawValue)]" }
            if e.isAgentRoot { line += " [agent root]" }
            if e.process.networkTainted { line += " [argv from a network-tainted image]" }
            if e.isHeld { line += " [held]" }
            if e.pathTruncated { line += " [path truncated]" }
            return line
        case .fork(let e):
            let parent = lineage[e.process.parentExecID].map { TerminalText.escape($0.name) } ?? "?"
            return prefix(event, e.process) + "child of \(parent)[\(e.parentPID)]"
        case .exit(let e):
            let name = lineage[e.process.execID].map { TerminalText.escape($0.name) } ?? "?"
            if let signal = e.signal { return prefix(event, e.process) + "\(name) killed by signal \(signal)" }
            return prefix(event, e.process) + "\(name) exited \(e.code ?? 0)"
        case .open(let e), .execFailed(let e):
            let name = lineage[e.process.execID].map { TerminalText.escape($0.name) } ?? "?"
            var line = prefix(event, e.process) + "\(name) \(TerminalText.escape(e.path))"
            if e.requested != e.path { line += " (requested \(TerminalText.escape(e.requested)))" }
            if !e.file.origin.isEmpty { line += " [origin \(e.file.origin.name)]" }
            if e.isHeld { line += " [held]" }
            if case .open = event { line += " \(SyscallText.openFlags(e.flags))" }
            line += e.succeeded ? (event.typeName == "open" ? " fd=\(e.result)" : "") : " \(SyscallText.errorName(e.result) ?? "")"
            return line
        case .rename(let e):
            let name = lineage[e.process.execID].map { TerminalText.escape($0.name) } ?? "?"
            var line = prefix(event, e.process) + "\(name) \(e.operation.rawValue) \(TerminalText.escape(e.source)) -> \(TerminalText.escape(e.destination))"
            if e.isHeld { line += " [held]" }
            if !e.succeeded { line += " \(SyscallText.errorName(e.result) ?? "")" }
            return line
        case .connect(let e):
            let name = lineage[e.process.execID].map { TerminalText.escape($0.name) } ?? "?"
            let verb = e.isAccept ? "accepted" : e.isReceive ? "received \(e.result) bytes from" : "connected to"
            var line = prefix(event, e.process) + "\(name) \(verb) "
            if e.isLocalHandOff {
                line += "a local socket carrying network data"
            } else if e.peerUnknown {
                line += "an unconnected socket"
            } else {
                line += e.family == 10 ? "[\(e.addressText)]:\(e.port)" : "\(e.addressText):\(e.port)"
            }
            if e.syscall != .connect && !e.isAccept && !e.isReceive { line += " (\(e.syscall.rawValue))" }
            if e.result < 0, let error = SyscallText.errorName(e.result) { line += " (\(error))" }
            return line
        case .syscall(let e):
            let name = lineage[e.process.execID].map { TerminalText.escape($0.name) } ?? "?"
            return prefix(event, e.process) + "\(name) " + Self.describe(e)
        case .loss(let report):
            return "\(context.clock.clockTime(bootTime: report.bootTime)) \(paint("LOSS", code: "1;31"))  "
                + "kernel dropped \(report.ringBufferDrops) events (ring buffer full\(report.ringBufferDrops > 0 ? ": " + report.droppedKindsText : "")), "
                + "\(report.processTableFull) processes not tracked (process table full)"
        }
    }

    private func prefix(_ event: Event, _ p: ProcessRef) -> String {
        let kind = event.typeName.padding(toLength: 11)
        let agent = context.catalog.name(of: p.agentID).map { TerminalText.escape(ByteString($0)) } ?? "-"
        return "\(context.clock.clockTime(bootTime: p.bootTime)) \(paint(kind, code: colourCode(event))) \(agent) pid=\(p.pid) "
    }

    private func colourCode(_ event: Event) -> String {
        switch event {
        case .exec: return "1;36"
        case .execFailed: return "1;33"
        case .exit: return "2"
        default: return "0"
        }
    }

    private func paint(_ text: String, code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}

extension EventTextFormatter {
    /// "ptrace PTRACE_ATTACH pid 1234 (outside the session) [held]", "kill SIGSTOP pid 99 (Warden)",
    /// "compat ia32 open (5) /home/u/.ssh/id_ed25519 [held]";
    /// "connect unix /tmp/tmux-0/default pid 812 (outside the session) server=/usr/bin/tmux uid=0 [held]".
    static func describe(_ e: SyscallEvent) -> String {
        if e.isUnixConnect { return describeUnixConnect(e) }
        var line = e.syscall.rawValue
        if let name = e.compatName {
            line += " \(e.abi.rawValue) \(name) (\(e.argument))"
            if e.target.contains(.process) {
                line += " pid \(e.targetPID)"
                if e.targetsWarden { line += " (Warden)" } else if e.targetOutsideSession { line += " (outside the session)" }
            }
            if !e.path.isEmpty { line += " " + TerminalText.escape(e.path) }
            if e.isHeld { line += " [held]" }
            if e.result < 0, let error = SyscallText.errorName(e.result) { line += " (\(error))" }
            return line
        }
        if e.syscall.sendsSignal { line += " " + SyscallText.signalName(e.argument) }
        if e.syscall == .ptrace { line += " " + SyscallText.ptraceRequestName(e.argument) }
        if e.target.contains(.process) {
            line += " pid \(e.targetPID)"
            if e.targetsWarden { line += " (Warden)" } else if e.targetOutsideSession { line += " (outside the session)" }
        } else if e.argument != 0 {
            line += " flags=0x" + String(e.argument, radix: 16)
        }
        if !e.path.isEmpty { line += " " + TerminalText.escape(e.path) }
        if e.isHeld { line += " [held]" }
        if e.result < 0, let error = SyscallText.errorName(e.result) { line += " (\(error))" }
        return line
    }
}

extension EventTextFormatter {
    static func describeUnixConnect(_ e: SyscallEvent) -> String {
        var line = e.abi == .native ? "connect unix" : "connect \(e.abi.rawValue) unix"
        if e.socketType != "stream" { line += " " + e.socketType }
        line += " " + (e.isAbstractName ? "@" : "") + TerminalText.escape(e.path)
        if e.target.contains(.process) {
            line += " pid \(e.targetPID)"
            if e.targetOutsideSession { line += " (outside the session)" }
        } else {
            line += " (server unknown)"
        }
        line += " server=" + (e.targetExecutablePath.isEmpty ? "?" : TerminalText.escape(e.targetExecutablePath))
        if let uid = e.targetUID { line += " uid=\(uid)" }
        if e.isHeld { line += " [held]" }
        return line
    }
}
