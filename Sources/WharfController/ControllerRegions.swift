import Foundation
import Logging
import ServiceLifecycle
import WharfModel
import WharfStore

/// The regions other than the controller's own: each one's ``RegionBundle`` and endpoints, opened
/// from `regions/<name>/` at start or at the first signed request for it; ``loopsService`` runs the
/// loops of each and ``storesService`` closes their databases.
actor ControllerRegions {
    /// The controller's own region's configuration.
    let home: ControllerConfiguration
    /// What every region's endpoints share (the home region's parts, controller replaced per region).
    let parts: RegionEndpoints.Parts
    let metrics: ControllerMetrics
    let logger: Logger
    private var opened: [String: (bundle: RegionBundle, endpoints: RegionEndpoints)] = [:]
    private var opening: [String: Task<RegionEndpoints, any Error>] = [:]
    private let added: AsyncStream<RegionBundle>
    private let addedContinuation: AsyncStream<RegionBundle>.Continuation
    private var closed = false

    init(parts: RegionEndpoints.Parts, logger: Logger) {
        self.home = parts.configuration
        self.parts = parts
        self.metrics = parts.metrics
        self.logger = logger
        (added, addedContinuation) = AsyncStream.makeStream()
    }

    /// The endpoints of `region` when it is open.
    func endpoints(_ region: String) -> RegionEndpoints? { opened[region]?.endpoints }

    /// Each open region's controller and log store, by region name.
    var stores: [(controller: Controller, logs: LogStore)] {
        opened.sorted { $0.key < $1.key }.map { ($0.value.bundle.controller, $0.value.bundle.logs) }
    }

    /// The endpoints of `region`, opening its databases first when it is not open yet.
    func open(_ region: String) async throws -> RegionEndpoints {
        if let endpoints = opened[region]?.endpoints { return endpoints }
        if let task = opening[region] { return try await task.value }
        let task = Task { try await self.load(region) }
        opening[region] = task
        defer { opening[region] = nil }
        return try await task.value
    }

    private func load(_ region: String) async throws -> RegionEndpoints {
        guard !closed else { throw ControllerStartError("the controller is stopping") }
        let configuration = RegionBundle.configuration(of: region, home: home)
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let bundle = try await RegionBundle.open(configuration, metrics: metrics, logger: logger)
        await bundle.controller.useSecrets(parts.sealer)
        // Stopped meanwhile: nobody would close it later.
        guard !closed else {
            await bundle.close()
            throw ControllerStartError("the controller is stopping")
        }
        var regionParts = parts
        regionParts.controller = bundle.controller
        regionParts.configuration = configuration
        regionParts.logs = bundle.logs
        regionParts.metricStore = bundle.metricStore
        let endpoints = RegionEndpoints(regionParts, regions: [region])
        opened[region] = (bundle, endpoints)
        addedContinuation.yield(bundle)
        logger.info("opened a region", metadata: ["region": "\(region)", "data.dir": "\(configuration.dataDirectory)"])
        return endpoints
    }

    /// Opens every region that has a directory under `regions/` (those used before a restart).
    func openStored() async throws {
        let directory = (home.dataDirectory as NSString).appendingPathComponent("regions")
        var names = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        if case .postgres(let location) = home.store {
            names.formUnion(try await PostgresStore.regions(location, logger: logger))
        }
        for name in names.sorted() where home.serves(name) {
            guard name != home.context.region else { continue }
            _ = try await open(name)
        }
    }

    /// Whether any region besides the controller's own is open.
    var anyOpen: Bool { !opened.isEmpty }

    /// The regions open now, for the log and tests.
    var names: [String] { opened.keys.sorted() }

    /// Closes the databases of every region open and opens no more: at shutdown, once the HTTP
    /// server has stopped, or when the controller fails to start after opening them.
    func closeAll() async {
        closed = true
        addedContinuation.finish()
        for (bundle, _) in opened.values { await bundle.close() }
        opened = [:]
    }

    /// Runs the loops of every region opened, from start to shutdown: each region in its own group,
    /// which stops when the controller's does. Placed after the HTTP server in the controller's
    /// group, so it stops first, and the regions' liveness loops answer their held syncs.
    nonisolated var loopsService: some Service { RegionLoopsService(regions: self) }

    /// Waits for shutdown, then closes every region's databases (see ``closeAll()``). Placed before
    /// the HTTP server in the controller's group, so it stops after it.
    nonisolated var storesService: some Service { RegionStoresService(regions: self) }

    fileprivate var stream: AsyncStream<RegionBundle> { added }
}

/// See ``ControllerRegions/storesService``.
private struct RegionStoresService: Service {
    let regions: ControllerRegions

    func run() async throws {
        try? await gracefulShutdown()
        await regions.closeAll()
    }
}

/// See ``ControllerRegions/loopsService``.
private struct RegionLoopsService: Service {
    let regions: ControllerRegions

    func run() async throws {
        let stream = await regions.stream
        let metrics = regions.metrics
        let logger = regions.logger
        // A region whose loops fail stops the controller, as the controller's own region does:
        // serving a region with no scheduler or liveness would be worse.
        try await withThrowingDiscardingTaskGroup { group in
            // Child groups see the parent's graceful shutdown (a task local), and stop with it.
            for await bundle in stream.cancelOnGracefulShutdown() {
                let services = bundle.loops(metrics: metrics)
                let regionGroup = ServiceGroup(
                    configuration: .init(
                        services: services.map { .init(service: $0) },
                        logger: Logger(label: "wharf.controller.\(bundle.region)")
                    )
                )
                group.addTask {
                    do {
                        try await regionGroup.run()
                    } catch {
                        logger.error(
                            "a region's loops failed",
                            metadata: ["region": "\(bundle.region)", "error": "\(error)"]
                        )
                        throw error
                    }
                }
            }
        }
    }
}
