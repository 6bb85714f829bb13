import Glibc
import WardenKernel

/// What `warden run` does with processes its command left running (a `setsid -f` child, a
/// `nohup` job): they are still the agent's, so Warden keeps watching — and enforcing — until
/// they end, or kills them when asked to. It never stops watching silently.
struct Descendants {
    let sensors: SensorSet
    let session: UInt64

    /// Live members of the session.
    var remaining: [(pid: UInt32, execID: UInt64)] { sensors.lineage.members(ofSession: session) }

    /// Kills each remaining process through a pidfd, only if it still runs the image the kernel
    /// recorded (a reused pid is never signalled), again until none is left: one may fork while
    /// the others die. Returns how many were killed.
    func killAll(rounds: Int = 20) -> Int {
        var killed = 0
        for _ in 0..<rounds {
            let left = remaining
            if left.isEmpty { break }
            killed += left.filter { sensors.processControl.kill(pid: $0.pid, execID: $0.execID) == .sent }.count
            usleep(20_000) // the kernel evicts them as they exit
        }
        return killed
    }

    /// Looks again after each `stop()` (which waits a little) until none remains or `stop` says
    /// to stop watching. Returns how many were still running then.
    func waitForAll(until stop: () -> Bool) -> Int {
        while true {
            let count = remaining.count
            if count == 0 || stop() { return count }
        }
    }
}
