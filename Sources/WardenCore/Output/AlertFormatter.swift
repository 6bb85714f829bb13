/// Alerts for people (one line) and for machines (Falco's JSON envelope plus Warden's fields).
public struct AlertFormatter {
    public var context: OutputContext
    public var colour: Bool
    private let timestamps: RFC3339Formatter

    public init(context: OutputContext, colour: Bool) {
        self.context = context
        self.colour = colour
        self.timestamps = RFC3339Formatter(clock: context.clock)
    }

    private func bootTime(_ alert: Alert) -> UInt64 { alert.event.process?.bootTime ?? 0 }

    public func text(_ alert: Alert) -> String {
        let priority = alert.priority.rawValue.uppercased()
        let painted = colour ? "\u{1B}[\(alert.priority <= .warning ? "1;33" : "1;31")m\(priority)\u{1B}[0m" : priority
        var line = "\(context.clock.clockTime(bootTime: bootTime(alert))) \(painted) \(alert.ruleID): "
            + TerminalText.escape(ByteString(alert.output))
        line += " | agent=\(TerminalText.escape(ByteString(alert.agent ?? "-")))"
        let chain = alert.lineage.map { TerminalText.escape($0.name) } + [alert.process.map { TerminalText.escape($0.name) } ?? "?"]
        line += " chain=\(chain.joined(separator: ">"))"
        if !alert.evidence.isEmpty { line += " evidence=[\(alert.evidence.map { TerminalText.escape(ByteString($0)) }.joined(separator: "; "))]" }
        if alert.action == .kill { line += " action=kill mechanism=\(alert.outcome.mechanism.rawValue) outcome=\(alert.outcome.description)" }
        return line
    }

    /// Falco's alert envelope: time, rule, priority, source, hostname, tags, output, output_fields;
    /// plus `warden`: agent, session, exec ids, lineage, evidence, action and outcome.
    public func json(_ alert: Alert, hostname: String, into json: inout JSONLineBuilder) {
        let time = timestamps.format(bootTime: bootTime(alert))
        let timeText = String(decoding: time, as: UTF8.self)
        json.beginObject()
        json.key("type"); json.string("alert")
        json.key("time"); json.preformattedString(time)
        json.key("rule"); json.string(alert.ruleID)
        json.key("priority"); json.string(alert.priority.rawValue)
        json.key("source"); json.string("syscall")
        json.key("hostname"); json.string(hostname)
        json.key("tags")
        json.beginArray()
        for tag in alert.tags { json.string(tag) }
        json.endArray()
        json.key("output"); json.string("\(timeText): \(alert.priority.rawValue) \(alert.output)")
        json.key("output_fields")
        json.beginObject()
        json.key("evt.time"); json.number(context.clock.unixNanoseconds(bootTime: bootTime(alert)))
        json.key("evt.type"); json.string(alert.event.typeName)
        for (key, value) in alert.fields {
            json.key(key)
            json.string(value)
        }
        json.endObject()
        json.key("warden")
        json.beginObject()
        json.key("description"); json.string(alert.description)
        json.key("agent"); if let agent = alert.agent { json.string(agent) } else { json.null() }
        if let p = alert.event.process {
            json.key("session_id"); json.id(p.sessionID)
            json.key("exec_id"); json.id(p.execID)
            json.key("parent_exec_id"); json.id(p.parentExecID)
        }
        json.key("lineage")
        json.beginArray()
        for record in alert.lineage + (alert.process.map { [$0] } ?? []) {
            json.beginObject()
            json.key("exec_id"); json.id(record.execID)
            json.key("pid"); json.number(record.pid)
            json.bytesField("exe", record.executablePath)
            json.bytesArrayField("argv", record.argv)
            json.endObject()
        }
        json.endArray()
        json.key("evidence")
        json.beginArray()
        for item in alert.evidence { json.string(item) }
        json.endArray()
        json.key("action"); json.string(alert.action.rawValue)
        json.key("mechanism"); json.string(alert.outcome.mechanism.rawValue)
        json.key("outcome"); json.string(alert.outcome.description)
        json.endObject()
        json.endObject()
    }
}
