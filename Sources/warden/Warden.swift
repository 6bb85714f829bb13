import ArgumentParser

@main
struct Warden: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warden",
        abstract: "Watches what AI agents execute and open, from the kernel.",
        discussion: "Warden tracks each agent's whole process tree in the kernel with BPF and streams its execs, file opens and exits.",
        subcommands: [MonitorCommand.self, RunCommand.self, RulesCommand.self, ReplayCommand.self, DoctorCommand.self],
        defaultSubcommand: MonitorCommand.self
    )
}
