/// Encodes events as JSON Lines; the schema is documented in docs/events.md.
public struct EventJSONEncoder: Sendable {
    public var context: OutputContext

    public init(context: OutputContext) {
        self.context = context
    }

    /// One JSON object, without the trailing newline.
    public func encode(_ event: Event) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.key("type")
        json.string(event.typeName)
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
        case .loss(let report):
            json.key("time"); json.string(context.clock.rfc3339(bootTime: report.bootTime))
            json.key("ringbuf_drops"); json.number(report.ringBufferDrops)
            json.key("process_table_full"); json.number(report.processTableFull)
        }
        json.endObject()
        return json.bytes
    }

    private func common(_ json: inout JSONLineBuilder, _ p: ProcessRef) {
        json.key("time"); json.string(context.clock.rfc3339(bootTime: p.bootTime))
        json.key("agent")
        if let name = context.catalog.name(of: p.agentID) { json.string(name) } else { json.null() }
        json.key("session_id"); json.id(p.sessionID)
        json.key("exec_id"); json.id(p.execID)
        json.key("parent_exec_id"); json.id(p.parentExecID)
        json.key("pid"); json.number(p.pid)
        json.key("tid"); json.number(p.tid)
    }

    private func encodeExec(_ json: inout JSONLineBuilder, _ e: ExecEvent) {
        json.key("previous_exec_id"); json.id(e.previousExecID)
        json.key("ppid"); json.number(e.ppid)
        json.key("agent_root"); json.bool(e.isAgentRoot)
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
        json.key("argv_truncated"); json.bool(e.argvTruncated)
        json.key("path_truncated"); json.bool(e.pathTruncated)
        json.key("executable"); identity(&json, e.executable)
        json.key("stdio")
        json.beginArray()
        for fd in e.stdio { identity(&json, fd) }
        json.endArray()
    }

    private func encodeFile(_ json: inout JSONLineBuilder, _ e: FileEvent) {
        json.key("syscall"); json.string(e.syscall.rawValue)
        json.bytesField("path", e.path)
        json.bytesField("requested", e.requested)
        json.key("result"); json.number(e.result)
        json.key("error"); if let name = SyscallText.errorName(e.result) { json.string(name) } else { json.null() }
        json.key("flags"); json.number(e.flags)
        json.key("flags_text"); json.string(SyscallText.openFlags(e.flags))
        json.key("mode"); json.string(SyscallText.octal(e.mode))
        json.key("write"); json.bool(e.isWrite)
        json.key("path_truncated"); json.bool(e.pathTruncated)
        json.key("request_unreadable"); json.bool(e.requestUnreadable)
        json.key("file")
        if e.file.kind == .none { json.null() } else { identity(&json, e.file) }
    }

    private func identity(_ json: inout JSONLineBuilder, _ id: FileIdentity) {
        json.beginObject()
        json.key("kind"); json.string(id.stdioDescription)
        if id.kind != .none {
            json.key("dev"); json.string("\(id.deviceMajor):\(id.deviceMinor)")
            json.key("inode"); json.number(id.inode)
            json.key("nlink"); json.number(id.links)
            json.key("mode"); json.string(SyscallText.octal(UInt32(id.mode)))
            if id.kind == .charDevice {
                json.key("rdev"); json.string("\(id.rdevMajor):\(id.rdevMinor)")
            }
        }
        json.endObject()
    }
}
