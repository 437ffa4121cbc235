import Foundation
import WharfModel
import WharfState

/// The Elastic Load Balancing v2 operations this controller serves, by action name, each reading
/// its input from the Query protocol's parameters, checking the model's constraints, running
/// against the ``Controller`` and answering in XML.
struct ELBv2Operations: Sendable {
    /// Runs one action: its parameters in, the XML answer's body out (`requestID` goes into it).
    typealias Handler = @Sendable (_ parameters: [String: String], _ requestID: String) async throws -> [UInt8]

    private(set) var handlers: [String: Handler] = [:]

    init(controller: Controller) {
        seededWrite("CreateLoadBalancer", controller) { state, request, now, seed in
            try state.createLoadBalancer(request, now: now, seed: seed)
        }
        read("DescribeLoadBalancers", controller) { state, request in try state.describeLoadBalancers(request) }
        write("DeleteLoadBalancer", controller) { state, request, _ in try state.deleteLoadBalancer(request) }
        read("DescribeLoadBalancerAttributes", controller) { state, request in
            try state.describeLoadBalancerAttributes(request)
        }
        write("ModifyLoadBalancerAttributes", controller) { state, request, _ in
            try state.modifyLoadBalancerAttributes(request)
        }

        seededWrite("CreateTargetGroup", controller) { state, request, now, seed in
            try state.createTargetGroup(request, now: now, seed: seed)
        }
        write("ModifyTargetGroup", controller) { state, request, _ in try state.modifyTargetGroup(request) }
        read("DescribeTargetGroups", controller) { state, request in try state.describeTargetGroups(request) }
        write("DeleteTargetGroup", controller) { state, request, _ in try state.deleteTargetGroup(request) }
        read("DescribeTargetGroupAttributes", controller) { state, request in
            try state.describeTargetGroupAttributes(request)
        }
        write("ModifyTargetGroupAttributes", controller) { state, request, _ in
            try state.modifyTargetGroupAttributes(request)
        }

        seededWrite("CreateListener", controller) { state, request, _, seed in
            try state.createListener(request, seed: seed)
        }
        write("ModifyListener", controller) { state, request, _ in try state.modifyListener(request) }
        read("DescribeListeners", controller) { state, request in try state.describeListeners(request) }
        write("DeleteListener", controller) { state, request, _ in try state.deleteListener(request) }

        seededWrite("CreateRule", controller) { state, request, _, seed in try state.createRule(request, seed: seed) }
        write("ModifyRule", controller) { state, request, _ in try state.modifyRule(request) }
        write("DeleteRule", controller) { state, request, _ in try state.deleteRule(request) }
        write("SetRulePriorities", controller) { state, request, _ in try state.setRulePriorities(request) }
        read("DescribeRules", controller) { state, request in try state.describeRules(request) }

        write("RegisterTargets", controller) { state, request, now in try state.registerTargets(request, now: now) }
        write("DeregisterTargets", controller) { state, request, now in try state.deregisterTargets(request, now: now) }
        handlers["DescribeTargetHealth"] = { parameters, requestID in
            let request = try Self.decode(ELBv2.DescribeTargetHealthInput.self, parameters)
            let now = controller.now()
            let observed = await controller.observedTargetHealth()
            let output = try await controller.read { state in
                try state.describeTargetHealth(request, now: now, observed: observed)
            }
            return try Self.encode("DescribeTargetHealth", output, requestID: requestID)
        }

        write("AddTags", controller) { state, request, _ in try state.addLoadBalancingTags(request) }
        write("RemoveTags", controller) { state, request, _ in try state.removeLoadBalancingTags(request) }
        read("DescribeTags", controller) { state, request in try state.describeLoadBalancingTags(request) }
        read("DescribeAccountLimits", controller) { state, request in try state.describeAccountLimits(request) }
    }

    static func decode<Input: ECSShape>(_ type: Input.Type, _ parameters: [String: String]) throws(ECSError) -> Input {
        do {
            return try QueryDecoder.decode(type, from: parameters).validated()
        } catch  where error.code == .invalidParameter {
            throw ECSError(.validationError, error.message)
        }
    }

    static func encode(_ action: String, _ output: some Encodable, requestID: String) throws(ECSError) -> [UInt8] {
        do {
            return try QueryXML.response(
                action: action,
                result: output,
                namespace: ELBv2.xmlNamespace,
                requestID: requestID
            )
        } catch {
            throw ECSError(.server, "the response could not be encoded: \(error)")
        }
    }

    private mutating func read<Input: ECSShape, Output: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Input) throws -> Output
    ) {
        handlers[name] = { parameters, requestID in
            let request = try Self.decode(Input.self, parameters)
            let output = try await controller.read { state in try body(state, request) }
            return try Self.encode(name, output, requestID: requestID)
        }
    }

    private mutating func write<Input: ECSShape, Output: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Input, Date) throws -> Outcome<Output>
    ) {
        handlers[name] = { parameters, requestID in
            let request = try Self.decode(Input.self, parameters)
            let output = try await controller.write { state, now in try body(state, request, now) }
            return try Self.encode(name, output, requestID: requestID)
        }
    }

    /// A write that makes IDs, from a seed drawn from the controller's.
    private mutating func seededWrite<Input: ECSShape, Output: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Input, Date, UInt64) throws -> Outcome<Output>
    ) {
        handlers[name] = { parameters, requestID in
            let request = try Self.decode(Input.self, parameters)
            let seed = controller.nextSeed()
            let output = try await controller.write { state, now in try body(state, request, now, seed) }
            return try Self.encode(name, output, requestID: requestID)
        }
    }
}
