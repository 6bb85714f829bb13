/// Encodes events as JSON Lines; the schema is documented in docs/events.md.
public struct EventJSONEncoder {
    public var context: OutputContext
    private let timestamps: RFC3339Formatter
    // Values that repeat across events (flag sets, modes, devices, agent names) are formatted
    // once: string building per event would dominate the cost of the hot path.
    private let flagTexts = FormattedCache<UInt64>()
    private let octals = FormattedCache<UInt32>()
    private let devices = FormattedCache<UInt32>()
    private let agentNames = FormattedCache<UInt32>()

    public init(context: OutputContext) {
        self.context = context
        self.timestamps = RFC3339Formatter(clock: context.clock)
    }

    /// Agents added at run time change names; cached names must go with them.
    public mutating func updateCatalog(_ catalog: AgentCatalog) {
        context.catalog = catalog
        agentNames.removeAll()
    }

    /// One JSON object, without the trailing newline.
    public func encode(_ event: Event) -> [UInt8] {
        var json = JSONLineBuilder()
        encode(event, into: &json)
        return json.bytes
    }

    /// Encodes into a caller-owned builder, so the hot path reuses one buffer for every event.
    public func encode(_ event: Event, into json: inout JSONLineBuilder) {
        json.beginObject()
        json.key("type")
        json.preformattedString(Self.typeBytes(event))
        switch event {
        case .exec(let e):
            common(&json, e.process)
            encodeExec(&json, e)
        case .fork(let e):
            common(&json, e.process)
            json.key("ppid"); json.number(e.parentPID)
        case .exit(let e):
            common(&json, e.process)
            json.key("status"); json.number(e.status)
            json.key("exit_code"); if let code = e.code { json.number(code) } else { json.null() }
            json.key("signal"); if let signal = e.signal { json.number(signal) } else { json.null() }
        case .open(let e), .execFailed(let e):
            common(&json, e.process)
            encodeFile(&json, e)
        case .rename(let e):
            common(&json, e.process)
            encodeRename(&json, e)
        case .connect(let e):
            common(&json, e.process)
            encodeConnect(&json, e)
        case .syscall(let e):
            common(&json, e.process)
            encodeSyscall(&json, e)
        case .loss(let report):
            json.key("time"); timestamps.append(bootTime: report.bootTime, to: &json)
            json.key("ringbuf_drops"); json.number(report.ringBufferDrops)
            json.key("dropped_by_kind")
            json.beginObject()
            for kind in EventKind.allCases where report[dropped: kind] > 0 {
                json.key(kind.name); json.number(report[dropped: kind])
            }
            json.endObject()
            json.key("process_table_full"); json.number(report.processTableFull)
        }
        json.endObject()
    }

    private func common(_ json: inout JSONLineBuilder, _ p: ProcessRef) {
        json.key("time"); timestamps.append(bootTime: p.bootTime, to: &json)
        json.key("agent")
        if p.agentID == 0 {
            json.null()
        } else {
            json.raw(agentNames.bytes(for: p.agentID) {
                var name = JSONLineBuilder(capacity: 32)
                name.string(context.catalog.name(of: p.agentID) ?? "unknown-\(p.agentID)")
                return name.bytes
            })
        }
        json.key("session_id"); json.id(p.sessionID)
        json.key("exec_id"); json.id(p.execID)
        json.key("parent_exec_id"); json.id(p.parentExecID)
        json.key("pid"); json.number(p.pid)
        json.key("tid"); json.number(p.tid)
        json.key("cpu"); json.number(p.cpu)
        json.key("network_tainted"); json.bool(p.networkTainted)
        if !p.networkInput.isEmpty {
            json.key("network_input"); json.beginArray()
            for name in p.networkInput.names { json.string(name) }
            json.endArray()
        }
    }

    private func encodeConnect(_ json: inout JSONLineBuilder, _ e: ConnectEvent) {
        json.key("syscall"); json.string(e.syscall.rawValue)
        json.key("family"); json.number(e.family)
        json.key("address"); json.string(e.addressText)
        json.key("port"); json.number(e.port)
        json.key("loopback"); json.bool(e.isLoopback)
        json.key("result"); json.number(e.result)
        json.key("error"); if let name = SyscallText.errorName(e.result) { json.string(name) } else { json.null() }
    }

    private func encodeSyscall(_ json: inout JSONLineBuilder, _ e: SyscallEvent) {
        json.key("syscall"); json.string(e.syscall.rawValue)
        if e.abi != .native { json.key("abi"); json.string(e.abi.rawValue) }
        if let name = e.compatName { json.key("compat_name"); json.string(name) }
        json.key("argument"); json.number(e.argument)
        if e.syscall.sendsSignal { json.key("signal"); json.string(SyscallText.signalName(e.argument)) }
        json.key("target_pid"); json.number(e.targetPID)
        json.key("target_exec_id"); json.id(e.targetExecID)
        json.key("target"); json.beginArray()
        for (bit, name) in SyscallTarget.names where e.target.contains(bit) { json.string(name) }
        json.endArray()
        json.key("targets_warden"); json.bool(e.targetsWarden)
        json.bytesField("path", e.path)
        json.key("path_truncated"); json.bool(e.pathTruncated)
        if e.isUnixConnect {
            json.key("socket_type"); json.string(e.socketType)
            json.key("abstract"); json.bool(e.isAbstractName)
            json.key("socket"); if e.socket.kind == .none { json.null() } else { identity(&json, e.socket) }
            json.key("target_uid"); if let uid = e.targetUID { json.number(uid) } else { json.null() }
            json.key("target_executable")
            if e.targetExecutable.kind == .none { json.null() } else { identity(&json, e.targetExecutable) }
            json.bytesField("target_exe", e.targetExecutablePath)
        }
        json.key("held"); json.bool(e.isHeld)
        json.key("result"); json.number(e.result)
        json.key("error"); if let name = SyscallText.errorName(e.result) { json.string(name) } else { json.null() }
    }

    private func encodeExec(_ json: inout JSONLineBuilder, _ e: ExecEvent) {
        json.key("previous_exec_id"); json.id(e.previousExecID)
        json.key("ppid"); json.number(e.ppid)
        json.key("agent_root"); json.bool(e.isAgentRoot)
        json.key("held"); json.bool(e.isHeld)
        if e.abi != .native { json.key("abi"); json.string(e.abi.rawValue) }
        json.key("uid"); json.number(e.uid)
        json.key("euid"); json.number(e.euid)
        json.key("gid"); json.number(e.gid)
        json.key("login_uid"); if let login = e.loginUID { json.number(login) } else { json.null() }
        json.key("cgroup_id"); json.id(e.cgroupID)
        json.bytesField("comm", e.comm)
        json.bytesField("filename", e.filename)
        json.bytesField("exe", e.executablePath)
        json.bytesField("interpreter", e.interpreter)
        json.key("script")
        if e.isScript { json.string(e.filename) } else { json.null() }
        json.bytesField("cwd", e.cwd)
        json.bytesArrayField("argv", e.argv)
        json.key("argc"); json.number(e.argc)
        let names = e.environment.keys.sorted()
        json.key("env")
        json.beginObject()
        for name in names {
            json.key(name)
            json.string(e.environment[name]!)
        }
        json.endObject()
        if !names.allSatisfy({ e.environment[$0]!.isValidUTF8 }) {
            // As for other byte fields: the exact values, when the text had to replace bytes.
            json.key("env_b64")
            json.beginObject()
            for name in names {
                json.key(name)
                json.string(Base64.encode(e.environment[name]!.bytes))
            }
            json.endObject()
        }
        json.key("env_truncated"); json.bool(e.environmentTruncated)
        if e.environmentRest != .notNeeded { json.key("env_rest"); json.string(e.environmentRest.rawValue) }
        if !e.pythonStartupHooks.isEmpty { json.bytesArrayField("python_startup_hooks", e.pythonStartupHooks) }
        json.key("argv_truncated"); json.bool(e.argvTruncated)
        json.key("path_truncated"); json.bool(e.pathTruncated)
        json.key("executable"); identity(&json, e.executable)
        json.key("stdio")
        json.beginArray()
        for fd in e.stdio { identity(&json, fd) }
        json.endArray()
    }

    private func encodeRename(_ json: inout JSONLineBuilder, _ e: RenameEvent) {
        json.key("syscall"); json.string(e.syscall.rawValue)
        json.key("operation"); json.string(e.operation.rawValue)
        json.bytesField("source", e.source)
        json.bytesField("path", e.destination)
        json.bytesField("source_requested", e.sourceRequested)
        json.bytesField("requested", e.destinationRequested)
        json.key("result"); json.number(e.result)
        json.key("error"); if let name = SyscallText.errorName(e.result) { json.string(name) } else { json.null() }
        json.key("flags"); json.number(e.flags)
        json.key("path_truncated"); json.bool(e.pathTruncated)
        json.key("request_unreadable"); json.bool(e.requestUnreadable)
        json.key("held"); json.bool(e.isHeld)
        guarded(&json, e.guarded)
    }

    /// Which guarded file the event's file is by identity, or null.
    private func guarded(_ json: inout JSONLineBuilder, _ g: GuardedFile?) {
        json.key("guarded")
        guard let g else { json.null(); return }
        json.beginObject()
        json.key("id"); json.number(g.id)
        json.key("match"); json.string(g.match.rawValue)
        json.bytesField("path", g.path)
        json.endObject()
    }

    private func encodeFile(_ json: inout JSONLineBuilder, _ e: FileEvent) {
        json.key("syscall"); json.string(e.syscall.rawValue)
        json.bytesField("path", e.path)
        json.bytesField("requested", e.requested)
        json.key("result"); json.number(e.result)
        json.key("error"); if let name = SyscallText.errorName(e.result) { json.string(name) } else { json.null() }
        json.key("flags"); json.number(e.flags)
        json.key("flags_text"); json.preformattedString(flagTexts.bytes(for: e.flags) { Array(SyscallText.openFlags(e.flags).utf8) })
        json.key("mode"); json.preformattedString(octal(e.mode))
        json.key("write"); json.bool(e.isWrite)
        json.key("path_truncated"); json.bool(e.pathTruncated)
        json.key("request_unreadable"); json.bool(e.requestUnreadable)
        json.key("held"); json.bool(e.isHeld)
        json.key("file")
        if e.file.kind == .none { json.null() } else { identity(&json, e.file) }
        guarded(&json, e.guarded)
    }

    private func identity(_ json: inout JSONLineBuilder, _ id: FileIdentity) {
        json.beginObject()
        json.key("kind"); json.preformattedString(Array(id.stdioDescription.utf8))
        if id.kind != .none {
            json.key("dev"); json.preformattedString(device(id.device))
            json.key("inode"); json.number(id.inode)
            json.key("nlink"); json.number(id.links)
            json.key("mode"); json.preformattedString(octal(UInt32(id.mode)))
            if id.kind == .regular {
                json.key("size"); json.number(id.size)
            }
            if id.kind == .charDevice {
                json.key("rdev"); json.preformattedString(device(id.rdev))
            }
            if id.kind == .socket {
                json.key("family"); json.number(id.socketFamily)
            }
            if !id.origin.isEmpty {
                json.key("origin"); json.string(id.origin.name)
                json.key("origin_exec_id"); json.id(id.originExecID)
            }
        }
        json.endObject()
    }

    private func octal(_ value: UInt32) -> [UInt8] {
        octals.bytes(for: value) { Array(SyscallText.octal(value).utf8) }
    }

    private func device(_ value: UInt32) -> [UInt8] {
        devices.bytes(for: value) { Array("\(value >> 20):\(value & 0xFFFFF)".utf8) }
    }

    private static let kindNameBytes = EventKind.allCases.map { Array($0.name.utf8) }
    private static let lossNameBytes = Array(Event.lossTypeName.utf8)

    private static func typeBytes(_ event: Event) -> [UInt8] {
        event.kind.map { kindNameBytes[$0.position] } ?? lossNameBytes
    }
}

/// A small memo of formatted JSON fragments, bounded so hostile variety cannot grow it forever.
final class FormattedCache<Key: Hashable> {
    private var entries: [Key: [UInt8]] = [:]
    private let limit = 4096

    func bytes(for key: Key, make: () -> [UInt8]) -> [UInt8] {
        if let hit = entries[key] { return hit }
        let value = make()
        if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
        entries[key] = value
        return value
    }

    func removeAll() { entries.removeAll() }
}
