import Foundation
import WharfModel
import WharfState

extension ECSOperations {
    /// Serves Cloud Map (`Route53AutoNaming_v20170314.CreatePrivateDnsNamespace` and the rest).
    mutating func addCloudMap(_ controller: Controller) {
        cloudMapWrite("CreatePrivateDnsNamespace", controller) {
            (state, request: ServiceDiscovery.CreatePrivateDnsNamespaceRequest, now, seed) in
            let created = try state.createNamespace(
                name: request.name,
                type: .dnsPrivate,
                vpc: request.vpc,
                soaTTL: request.properties?.dnsProperties?.soa?.ttl,
                description: request.description,
                creatorRequestId: request.creatorRequestId,
                tags: request.tags,
                now: now,
                seed: seed
            )
            return Outcome(
                ServiceDiscovery.CreatePrivateDnsNamespaceResponse(operationId: created.response),
                created.changes
            )
        }
        cloudMapWrite("CreateHttpNamespace", controller) {
            (state, request: ServiceDiscovery.CreateHttpNamespaceRequest, now, seed) in
            let created = try state.createNamespace(
                name: request.name,
                type: .http,
                vpc: nil,
                soaTTL: nil,
                description: request.description,
                creatorRequestId: request.creatorRequestId,
                tags: request.tags,
                now: now,
                seed: seed
            )
            return Outcome(ServiceDiscovery.CreateHttpNamespaceResponse(operationId: created.response), created.changes)
        }
        cloudMapRead("GetNamespace", controller) { state, request in try state.getNamespace(request) }
        cloudMapRead("ListNamespaces", controller) { state, request in try state.listNamespaces(request) }
        cloudMapWrite("DeleteNamespace", controller) { state, request, now, seed in
            try state.deleteNamespace(request, now: now, seed: seed)
        }
        cloudMapWrite("CreateService", controller) { state, request, now, seed in
            try state.createDiscoveryService(request, now: now, seed: seed)
        }
        cloudMapRead("GetService", controller) { state, request in try state.getDiscoveryService(request) }
        cloudMapRead("ListServices", controller) { state, request in try state.listDiscoveryServices(request) }
        cloudMapWrite("DeleteService", controller) { state, request, _, _ in try state.deleteDiscoveryService(request) }
        cloudMapWrite("RegisterInstance", controller) { state, request, now, seed in
            try state.registerDiscoveryInstance(request, now: now, seed: seed)
        }
        cloudMapWrite("DeregisterInstance", controller) { state, request, now, seed in
            try state.deregisterDiscoveryInstance(request, now: now, seed: seed)
        }
        cloudMapRead("ListInstances", controller) { state, request in try state.listDiscoveryInstances(request) }
        cloudMapRead("GetInstance", controller) { state, request in try state.getDiscoveryInstance(request) }
        cloudMapRead("DiscoverInstances", controller) { state, request in try state.discoverInstances(request) }
        cloudMapRead("DiscoverInstancesRevision", controller) { state, request in
            try state.discoverInstancesRevision(request)
        }
        cloudMapRead("GetInstancesHealthStatus", controller) { state, request in
            try state.getInstancesHealthStatus(request)
        }
        cloudMapWrite("UpdateInstanceCustomHealthStatus", controller) {
            (state, request: ServiceDiscovery.UpdateInstanceCustomHealthStatusRequest, _, _) in
            try state.updateInstanceCustomHealthStatus(request)
        }
        cloudMapRead("GetOperation", controller) { state, request in try state.getOperation(request) }
        cloudMapRead("ListOperations", controller) { state, request in try state.listOperations(request) }
        cloudMapWrite("TagResource", controller) { (state, request: ServiceDiscovery.TagResourceRequest, _, _) in
            let tags = try CloudMapRules.tags(request.tags)
            return try state.tagCloudMapResource(request.resourceARN) { current in
                current.filter { tag in !tags.contains { $0.key == tag.key } } + tags
            }
        }
        cloudMapWrite("UntagResource", controller) { (state, request: ServiceDiscovery.UntagResourceRequest, _, _) in
            let keys = request.tagKeys ?? []
            return try state.tagCloudMapResource(request.resourceARN) { current in
                current.filter { !keys.contains($0.key) }
            }
        }
        cloudMapRead("ListTagsForResource", controller) { state, request in try state.listCloudMapTags(request) }
    }

    private mutating func cloudMapRead<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Request) throws -> Response
    ) {
        cloudMapHandlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try Self.cloudMapDecode(data)
            return try ECSWire.encode(try await controller.read { state in try body(state, request) })
        }
    }

    private mutating func cloudMapWrite<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Request, Date, UInt64) throws -> Outcome<Response>
    ) {
        cloudMapHandlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try Self.cloudMapDecode(data)
            let seed = controller.nextSeed()
            return try ECSWire.encode(try await controller.write { state, now in try body(state, request, now, seed) })
        }
    }

    /// A request decoded and checked against the model, its failures as Cloud Map's InvalidInput.
    private static func cloudMapDecode<Request: ECSShape>(_ data: Data) throws(ECSError) -> Request {
        do {
            return try ECSWire.decode(data)
        } catch  where error.code == .invalidParameter || error.code == .serialization {
            throw ECSError(.invalidInput, error.message)
        }
    }
}
