import Foundation

/// Reads events back from the JSON Lines Warden exports (docs/events.md), for `warden replay`.
/// Wall-clock times are mapped back to the boot-time clock with the same offset, so replay is
/// deterministic: the same file gives the same alerts.
public final class EventJSONDecoder {
    public struct DecodeError: Error, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public let clock: WallClock
    /// Agents named in the file, in order of appearance.
    public private(set) var catalog = AgentCatalog()
    /// What live inspection read of scripts (`script` records), by exec id.
    public private(set) var scripts: [UInt64: ScriptCode] = [:]

    public init(clock: WallClock = WallClock(offset: 0)) {
        self.clock = clock
    }

    private func agentID(_ name: String?) -> UInt32 {
        guard let name else { return 0 }
        return catalog.id(of: name) ?? catalog.add(AgentDefinition(name: name))
    }

    /// The event on one line of the export; nil for lines that are not events (alerts).
    public func decode(_ line: Data, number: Int) throws -> Event? {
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            throw DecodeError(line: number, message: "not a JSON object")
        }
        guard let type = object["type"] as? String else { throw DecodeError(line: number, message: "no `type`") }
        if type == Event.lossTypeName {
            guard let time = object["time"] as? String, let unix = Self.parseRFC3339(time) else {
                throw DecodeError(line: number, message: "missing or malformed `time`")
            }
            let byKind = object["dropped_by_kind"] as? [String: NSNumber] ?? [:]
            return .loss(LossReport(bootTime: bootTime(unix), ringBufferDrops: (object["ringbuf_drops"] as? NSNumber)?.uint64Value ?? 0,
                                    processTableFull: (object["process_table_full"] as? NSNumber)?.uint64Value ?? 0,
                                    droppedByKind: EventKind.allCases.map { byKind[$0.name]?.uint64Value ?? 0 }))
        }
        if type == "script" {
            let code = bytes(object, "code").bytes
            let status = (object["status"] as? String).flatMap(ScriptCode.Status.init(rawValue:)) ?? .uninspected
            scripts[id(object["exec_id"])] = ScriptCode(bytes: code, status: status, size: (object["size"] as? NSNumber)?.uint64Value ?? 0)
            return nil
        }
        guard let kind = EventKind(name: type) else { return nil }
        let p = try process(object, number)
        switch kind {
        case .exec:
            return .exec(ExecEvent(
                process: p, previousExecID: id(object["previous_exec_id"]), ppid: uint(object["ppid"]),
                uid: uint(object["uid"]), euid: uint(object["euid"]), gid: uint(object["gid"]),
                loginUID: (object["login_uid"] as? NSNumber)?.uint32Value, cgroupID: id(object["cgroup_id"]),
                comm: bytes(object, "comm"), filename: bytes(object, "filename"), interpreter: bytes(object, "interpreter"),
                executablePath: bytes(object, "exe"), executable: identity(object["executable"] as Any), cwd: bytes(object, "cwd"),
                argv: byteArray(object, "argv"), argc: uint(object["argc"]),
                stdio: (object["stdio"] as? [Any] ?? []).map(identity),
                environment: environment(object),
                environmentTruncated: object["env_truncated"] as? Bool ?? false,
                environmentRest: (object["env_rest"] as? String).flatMap(EnvironmentRest.init(rawValue:)) ?? .notNeeded,
                pythonStartupHooks: byteArray(object, "python_startup_hooks"),
                argvTruncated: object["argv_truncated"] as? Bool ?? false,
                pathTruncated: object["path_truncated"] as? Bool ?? false,
                isAgentRoot: object["agent_root"] as? Bool ?? false, isHeld: object["held"] as? Bool ?? false,
                abi: (object["abi"] as? String).flatMap(SyscallABI.init(rawValue:)) ?? .native))
        case .fork:
            return .fork(ForkEvent(process: p, parentPID: uint(object["ppid"])))
        case .exit:
            return .exit(ExitEvent(process: p, status: uint(object["status"])))
        case .open, .execFailed:
            let file = FileEvent(
                process: p, result: (object["result"] as? NSNumber)?.int64Value ?? 0,
                flags: (object["flags"] as? NSNumber)?.uint64Value ?? 0,
                mode: UInt32(object["mode"] as? String ?? "0", radix: 8) ?? 0,
                syscall: Syscall(rawValue: object["syscall"] as? String ?? "") ?? .unknown,
                file: identity(object["file"] ?? NSNull()), path: bytes(object, "path"), requested: bytes(object, "requested"),
                pathTruncated: object["path_truncated"] as? Bool ?? false,
                requestUnreadable: object["request_unreadable"] as? Bool ?? false, isHeld: object["held"] as? Bool ?? false,
                guarded: guarded(object["guarded"]))
            return kind == .open ? .open(file) : .execFailed(file)
        case .rename:
            return .rename(RenameEvent(
                process: p, result: (object["result"] as? NSNumber)?.int64Value ?? 0,
                syscall: Syscall(rawValue: object["syscall"] as? String ?? "") ?? .unknown,
                operation: RenameOperation(rawValue: object["operation"] as? String ?? "") ?? .rename,
                flags: uint(object["flags"]),
                source: bytes(object, "source"), destination: bytes(object, "path"),
                sourceRequested: bytes(object, "source_requested"), destinationRequested: bytes(object, "requested"),
                pathTruncated: object["path_truncated"] as? Bool ?? false,
                requestUnreadable: object["request_unreadable"] as? Bool ?? false, isHeld: object["held"] as? Bool ?? false,
                guarded: guarded(object["guarded"])))
        case .connect:
            return .connect(ConnectEvent(
                process: p, result: (object["result"] as? NSNumber)?.int64Value ?? 0,
                syscall: Syscall(rawValue: object["syscall"] as? String ?? "") ?? .unknown,
                family: UInt16(uint(object["family"])), port: UInt16(truncatingIfNeeded: uint(object["port"])),
                address: NetworkAddress.bytes(object["address"] as? String ?? "")))
        case .syscall:
            let names = object["target"] as? [String] ?? []
            let target = SyscallTarget.names.reduce(into: SyscallTarget()) { set, entry in
                if names.contains(entry.1) { set.insert(entry.0) }
            }
            return .syscall(SyscallEvent(
                process: p, result: (object["result"] as? NSNumber)?.int64Value ?? 0,
                syscall: Syscall(rawValue: object["syscall"] as? String ?? "") ?? .unknown,
                argument: (object["argument"] as? NSNumber)?.uint64Value ?? 0,
                targetPID: (object["target_pid"] as? NSNumber)?.int64Value ?? 0,
                targetExecID: id(object["target_exec_id"]), target: target, path: bytes(object, "path"),
                pathTruncated: object["path_truncated"] as? Bool ?? false, isHeld: object["held"] as? Bool ?? false,
                targetIsWardenHelper: (object["targets_warden"] as? Bool ?? false) && !target.contains(.monitor),
                abi: (object["abi"] as? String).flatMap(SyscallABI.init(rawValue:)) ?? .native,
                targetUID: (object["target_uid"] as? NSNumber)?.uint32Value, socket: identity(object["socket"] ?? NSNull()),
                targetExecutable: identity(object["target_executable"] ?? NSNull()),
                targetExecutablePath: bytes(object, "target_exe")))
        default:
            throw DecodeError(line: number, message: "events of type `\(type)` cannot be replayed by this version")
        }
    }

    private func bootTime(_ unixNanoseconds: Int64) -> UInt64 {
        UInt64(max(0, unixNanoseconds - clock.realtimeMinusBoottime))
    }

    /// Watched variables, exact when `env_b64` is present.
    private func environment(_ o: [String: Any]) -> [String: ByteString] {
        if let encoded = o["env_b64"] as? [String: String] {
            return encoded.mapValues { ByteString(Array(Data(base64Encoded: $0) ?? Data())) }
        }
        return (o["env"] as? [String: String] ?? [:]).mapValues { ByteString($0) }
    }

    private func process(_ o: [String: Any], _ number: Int) throws -> ProcessRef {
        guard let time = o["time"] as? String, let unix = Self.parseRFC3339(time) else {
            throw DecodeError(line: number, message: "missing or malformed `time`")
        }
        return ProcessRef(bootTime: bootTime(unix), pid: uint(o["pid"]), tid: uint(o["tid"]),
                          execID: id(o["exec_id"]), parentExecID: id(o["parent_exec_id"]), sessionID: id(o["session_id"]),
                          agentID: agentID(o["agent"] as? String), cpu: uint(o["cpu"]),
                          networkTainted: o["network_tainted"] as? Bool ?? false,
                          networkInput: NetworkInput(names: o["network_input"] as? [String] ?? []))
    }

    private func id(_ value: Any?) -> UInt64 { (value as? String).flatMap { UInt64($0) } ?? 0 }
    private func uint(_ value: Any?) -> UInt32 { (value as? NSNumber)?.uint32Value ?? 0 }

    /// A byte field, exact when the `_b64` sibling is present.
    private func bytes(_ o: [String: Any], _ key: String) -> ByteString {
        if let b64 = o[key + "_b64"] as? String, let data = Data(base64Encoded: b64) { return ByteString(Array(data)) }
        return ByteString(o[key] as? String ?? "")
    }

    private func byteArray(_ o: [String: Any], _ key: String) -> [ByteString] {
        if let encoded = o[key + "_b64"] as? [String] {
            return encoded.map { ByteString(Array(Data(base64Encoded: $0) ?? Data())) }
        }
        return (o[key] as? [String] ?? []).map { ByteString($0) }
    }

    private func guarded(_ value: Any?) -> GuardedFile? {
        guard let o = value as? [String: Any], let match = GuardedFile.Match(rawValue: o["match"] as? String ?? "") else { return nil }
        return GuardedFile(id: uint(o["id"]), match: match, path: bytes(o, "path"))
    }

    private func identity(_ value: Any) -> FileIdentity {
        guard let o = value as? [String: Any], let kindName = o["kind"] as? String else { return .none }
        let kind: FileKind
        switch kindName {
        case "tty", "null", "char": kind = .charDevice
        case "unix-socket", "inet-socket": kind = .socket
        default: kind = FileKind(rawValue: kindName) ?? .other
        }
        func device(_ text: Any?) -> UInt32 {
            let parts = (text as? String ?? "0:0").split(separator: ":").compactMap { UInt32($0) }
            return parts.count == 2 ? parts[0] << 20 | parts[1] : 0
        }
        var rdev = device(o["rdev"])
        if kindName == "tty", rdev == 0 { rdev = 136 << 20 }
        if kindName == "null", rdev == 0 { rdev = 1 << 20 | 3 }
        // Older exports name the family only through the kind.
        let family = (o["family"] as? NSNumber)?.uint8Value ?? (kindName == "unix-socket" ? 1 : (kindName == "inet-socket" ? 2 : 0))
        return FileIdentity(kind: kind, inode: (o["inode"] as? NSNumber)?.uint64Value ?? 0, device: device(o["dev"]),
                            rdev: rdev, links: uint(o["nlink"]), mode: UInt16(o["mode"] as? String ?? "0", radix: 8) ?? 0,
                            socketFamily: family, size: (o["size"] as? NSNumber)?.uint64Value ?? 0, origin: DataOrigin(name: o["origin"] as? String ?? "") ?? [],
                            originExecID: id(o["origin_exec_id"]))
    }

    /// Nanoseconds since the epoch for "2026-05-25T13:44:05.478445995Z".
    static func parseRFC3339(_ text: String) -> Int64? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 20, utf8.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: utf8[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var nanos = 0
        if utf8.count > 21, utf8[19] == UInt8(ascii: ".") {
            let fraction = String(decoding: utf8[20..<(utf8.count - 1)], as: UTF8.self)
            nanos = Int((fraction + "000000000").prefix(9)) ?? 0
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Int64(((days * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000_000 + Int64(nanos)
    }
}
