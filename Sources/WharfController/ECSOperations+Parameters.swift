import Foundation
import WharfModel
import WharfState

extension ECSOperations {
    /// Serves Parameter Store (`AmazonSSM.PutParameter` and the rest). SecureString values are
    /// sealed with the controller's key before they reach the state, bound to the parameter's name.
    mutating func addParameterStore(_ controller: Controller, sealer: SecretSealer) {
        let seal = ValueSeal(sealer)
        ssmWrite("PutParameter", controller) { (state, request: SSM.PutParameterRequest, now) in
            try state.putParameter(request, now: now, seal: seal)
        }
        ssmRead("GetParameter", controller) { (state, request: SSM.GetParameterRequest) in
            try state.getParameter(request, seal: seal)
        }
        ssmRead("GetParameters", controller) { (state, request: SSM.GetParametersRequest) in
            try state.getParameters(request, seal: seal)
        }
        ssmRead("GetParametersByPath", controller) { (state, request: SSM.GetParametersByPathRequest) in
            try state.getParametersByPath(request, seal: seal)
        }
        ssmRead("DescribeParameters", controller) { (state, request: SSM.DescribeParametersRequest) in
            try state.describeParameters(request)
        }
        ssmRead("GetParameterHistory", controller) { (state, request: SSM.GetParameterHistoryRequest) in
            try state.getParameterHistory(request, seal: seal)
        }
        ssmWrite("LabelParameterVersion", controller) { (state, request: SSM.LabelParameterVersionRequest, _) in
            try state.labelParameterVersion(request)
        }
        ssmWrite("UnlabelParameterVersion", controller) { (state, request: SSM.UnlabelParameterVersionRequest, _) in
            try state.unlabelParameterVersion(request)
        }
        ssmWrite("DeleteParameter", controller) { (state, request: SSM.DeleteParameterRequest, _) in
            try state.deleteParameter(request)
        }
        ssmWrite("DeleteParameters", controller) { (state, request: SSM.DeleteParametersRequest, _) in
            state.deleteParameters(request)
        }
        ssmWrite("AddTagsToResource", controller) { (state, request: SSM.AddTagsToResourceRequest, _) in
            try state.addParameterTags(request)
        }
        ssmWrite("RemoveTagsFromResource", controller) { (state, request: SSM.RemoveTagsFromResourceRequest, _) in
            try state.removeParameterTags(request)
        }
        ssmRead("ListTagsForResource", controller) { (state, request: SSM.ListTagsForResourceRequest) in
            try state.listParameterTags(request)
        }
    }

    /// A request decoded and checked against the SSM model: a broken constraint is Systems
    /// Manager's `ValidationException`.
    static func ssmDecode<Request: ECSShape>(_ data: Data) throws(ECSError) -> Request {
        do {
            return try ECSWire.decode(data)
        } catch  where error.code == .invalidParameter {
            throw ECSError(.validation, error.message)
        }
    }

    private mutating func ssmRead<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Request) throws -> Response
    ) {
        ssmHandlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try Self.ssmDecode(data)
            return try ECSWire.encode(try await controller.read { state in try body(state, request) })
        }
    }

    private mutating func ssmWrite<Request: ECSShape, Response: Encodable & Sendable>(
        _ name: String,
        _ controller: Controller,
        _ body: @escaping @Sendable (ClusterState, Request, Date) throws -> Outcome<Response>
    ) {
        ssmHandlers[name] = { (data: Data) async throws -> Data in
            let request: Request = try Self.ssmDecode(data)
            return try ECSWire.encode(try await controller.write { state, now in try body(state, request, now) })
        }
    }
}
