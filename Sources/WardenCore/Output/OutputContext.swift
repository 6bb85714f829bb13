/// What the encoders need besides the event: agent names, the lineage, and the clock.
public struct OutputContext: Sendable {
    public var catalog: AgentCatalog
    public var clock: WallClock

    public init(catalog: AgentCatalog, clock: WallClock = WallClock()) {
        self.catalog = catalog
        self.clock = clock
    }
}
