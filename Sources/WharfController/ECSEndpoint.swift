import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WharfModel

/// `POST /` as the AWS JSON 1.1 protocol has it: the operation named by
/// `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`, a JSON body, a JSON answer with
/// `x-amzn-RequestId`, and errors as HTTP 4xx with `{"__type": ..., "message": ...}`.
struct ECSEndpoint: Sendable {
    static let targetPrefix = "AmazonEC2ContainerServiceV20141113."
    /// Systems Manager's prefix, for the activation operations.
    static let ssmPrefix = "AmazonSSM."
    /// Secrets Manager's operations: `secretsmanager.<Operation>`, signed for `secretsmanager`.
    static let secretsPrefix = "secretsmanager."
    static let contentType = "application/x-amz-json-1.1"
    /// HTTP/1's `Host`, which HTTP types keeps as a header when it does not make it the authority.
    static let hostField = HTTPField.Name("Host")

    let operations: ECSOperations
    /// The CloudWatch Logs operations (`Logs_20140328.<Operation>`); nil serves none.
    let logs: LogsOperations?
    /// The Application Auto Scaling operations (`AnyScaleFrontendService.<Operation>`); nil serves none.
    var autoScaling: AutoScalingOperations? = nil
    /// `https` when the controller serves TLS, else `http`: the scheme of the endpoint
    /// DiscoverPollEndpoint gives.
    var scheme = "http"
    /// The `wharf exec` sessions ExecuteCommand opens; nil refuses ExecuteCommand.
    var exec: ExecSessions? = nil
    /// The controller's own region when this endpoint serves another one: the admin API (access
    /// keys, which every region shares) is answered only there. Nil in the controller's own region.
    var adminRegion: String? = nil
    let authenticator: APIAuthenticator
    let maxBodyBytes: Int
    let logger: Logger
    let metrics: ControllerMetrics?

    func handle(_ request: Request) async -> Response {
        let started = ContinuousClock.now
        let target = request.headers[.amzTarget] ?? ""
        let response = await answer(request, target: target)
        metrics?.apiCall(
            operation: operationLabel(target),
            status: Int(response.status.code),
            duration: ContinuousClock.now - started
        )
        return response
    }

    /// The operation as a metric label: `ecs:RunTask`, `logs:GetLogEvents`; one label for every
    /// target that is not served, so junk cannot grow the metrics without bound.
    func operationLabel(_ target: String) -> String {
        let served: [(String, String, [String: ECSOperations.Handler])] = [
            (Self.targetPrefix, "ecs", operations.handlers), (Self.ssmPrefix, "ssm", operations.ssmHandlers),
            (Self.secretsPrefix, "secretsmanager", operations.secretsHandlers),
            (ServiceDiscovery.targetPrefix, "servicediscovery", operations.cloudMapHandlers),
            (WharfAdmin.targetPrefix, "admin", operations.adminHandlers),
            (CloudWatchLogs.targetPrefix, "logs", logs?.handlers ?? [:]),
            (ApplicationAutoScaling.targetPrefix, "application-autoscaling", autoScaling?.handlers ?? [:]),
        ]
        for (prefix, service, handlers) in served where target.hasPrefix(prefix) {
            let name = String(target.dropFirst(prefix.count))
            return handlers[name] == nil ? "unknown" : "\(service):\(name)"
        }
        return "unknown"
    }

    func answer(_ request: Request, target: String) async -> Response {
        let requestID = UUID().uuidString.lowercased()
        do {
            let handler: ECSOperations.Handler?
            let signingName: String
            if target.hasPrefix(Self.ssmPrefix) {
                handler = operations.ssmHandlers[String(target.dropFirst(Self.ssmPrefix.count))]
                signingName = "ssm"
            } else if target.hasPrefix(Self.secretsPrefix) {
                handler = operations.secretsHandlers[String(target.dropFirst(Self.secretsPrefix.count))]
                signingName = "secretsmanager"
            } else if target.hasPrefix(ServiceDiscovery.targetPrefix) {
                handler = operations.cloudMapHandlers[String(target.dropFirst(ServiceDiscovery.targetPrefix.count))]
                signingName = ServiceDiscovery.signingName
            } else if target.hasPrefix(CloudWatchLogs.targetPrefix) {
                handler = logs?.handlers[String(target.dropFirst(CloudWatchLogs.targetPrefix.count))]
                signingName = CloudWatchLogs.signingName
            } else if target.hasPrefix(WharfAdmin.targetPrefix) {
                let name = String(target.dropFirst(WharfAdmin.targetPrefix.count))
                handler = adminRegion == nil ? operations.adminHandlers[name] : nil
                signingName = WharfAdmin.signingName
            } else if target.hasPrefix(ApplicationAutoScaling.targetPrefix) {
                let name = String(target.dropFirst(ApplicationAutoScaling.targetPrefix.count))
                handler = autoScaling?.handlers[name]
                signingName = ApplicationAutoScaling.signingName
            } else {
                let name = String(target.dropFirst(Self.targetPrefix.count))
                let utilization =
                    request.headers[.wharfInclude]?.split(separator: ",").contains {
                        $0.trimmingWhitespace() == "utilization"
                    } == true
                if target.hasPrefix(Self.targetPrefix), name == "DiscoverPollEndpoint" {
                    // The agents' endpoint is this controller, reached at the address the caller used.
                    let host = request.head.authority ?? Self.hostField.flatMap { request.headers[$0] } ?? "localhost"
                    handler = operations.discoverPollEndpoint("\(scheme)://\(host)")
                } else if target.hasPrefix(Self.targetPrefix), name == "ExecuteCommand", let exec {
                    let host = request.head.authority ?? Self.hostField.flatMap { request.headers[$0] } ?? "localhost"
                    handler = operations.executeCommand("\(scheme)://\(host)", sessions: exec)
                } else {
                    handler =
                        target.hasPrefix(Self.targetPrefix)
                        ? (utilization ? operations.utilizationHandlers[name] : nil) ?? operations.handlers[name] : nil
                }
                signingName = "ecs"
            }
            let body = try await collectBody(request)
            // As AWS does: who is calling comes before whether the operation exists.
            _ = try await authenticator.authenticate(request, body: body, service: signingName)
            guard let handler else { throw unknownOperation(target) }
            let data = try await handler(body)
            return Self.response(.ok, data, requestID: requestID)
        } catch var error as ECSError {
            if target.hasPrefix(Self.ssmPrefix) {
                // Systems Manager's names for the same failures.
                switch error.code {
                case .invalidParameter: error.code = .ssmInvalidParameters
                case .server: error.code = .ssmInternalServerError
                default: break
                }
            }
            if error.httpStatus == 500 {
                logger.error(
                    "request failed",
                    metadata: ["request.id": "\(requestID)", "target": "\(target)", "error": "\(error.message)"]
                )
            } else {
                // AWS's message goes to the caller; Wharf's hint, when there is one, to the log.
                logger.log(
                    level: error.hint == nil ? .debug : .info,
                    "request refused",
                    metadata: ["request.id": "\(requestID)", "target": "\(target)", "error": "\(error)"]
                )
            }
            return Self.errorResponse(error, requestID: requestID)
        } catch {
            logger.error("request failed", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
            return Self.errorResponse(
                ECSError(.server, "internal error; see the controller's log for request \(requestID)"),
                requestID: requestID
            )
        }
    }

    /// Reads the body up to the limit, refusing a larger one without reading it all.
    func collectBody(_ request: Request) async throws(ECSError) -> Data {
        let tooLarge = ECSError(
            .client,
            "the request body exceeds the controller's limit of \(maxBodyBytes) bytes (--max-request-bytes)"
        )
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw tooLarge
        }
        do {
            let buffer = try await request.body.collect(upTo: maxBodyBytes)
            return Data(buffer.readableBytesView)
        } catch {
            throw tooLarge
        }
    }

    func unknownOperation(_ target: String) -> ECSError {
        if target.hasPrefix(WharfAdmin.targetPrefix), let adminRegion {
            return ECSError(
                .unknownOperation,
                "Wharf's admin API is served in the controller's own region, \(adminRegion): access keys hold in "
                    + "every region"
            )
        }
        if target.hasPrefix(WharfAdmin.targetPrefix) {
            return ECSError(
                .unknownOperation,
                "Wharf's admin API serves CreateAccessKey, ListAccessKeys and DeleteAccessKey, not "
                    + "\(target.dropFirst(WharfAdmin.targetPrefix.count))"
            )
        }
        if target.hasPrefix(CloudWatchLogs.targetPrefix) {
            let served = (logs?.handlers.keys.sorted() ?? []).joined(separator: ", ")
            return ECSError(
                .unknownOperation,
                "Wharf serves the CloudWatch Logs operations \(served), not "
                    + "\(target.dropFirst(CloudWatchLogs.targetPrefix.count))"
            )
        }
        if target.hasPrefix(ApplicationAutoScaling.targetPrefix) {
            let served = (autoScaling?.handlers.keys.sorted() ?? []).joined(separator: ", ")
            return ECSError(
                .unknownOperation,
                "Wharf serves the Application Auto Scaling operations \(served), not "
                    + "\(target.dropFirst(ApplicationAutoScaling.targetPrefix.count))"
            )
        }
        if target.hasPrefix(ServiceDiscovery.targetPrefix) {
            let served = operations.cloudMapHandlers.keys.sorted().joined(separator: ", ")
            return ECSError(
                .unknownOperation,
                "Wharf serves the Cloud Map operations \(served), not "
                    + "\(target.dropFirst(ServiceDiscovery.targetPrefix.count))"
            )
        }
        if target.hasPrefix(Self.secretsPrefix) {
            let served = operations.secretsHandlers.keys.sorted().joined(separator: ", ")
            return ECSError(
                .unknownOperation,
                "Wharf serves the Secrets Manager operations \(served), not "
                    + "\(target.dropFirst(Self.secretsPrefix.count))"
            )
        }
        if target.hasPrefix(Self.ssmPrefix) {
            let served = operations.ssmHandlers.keys.sorted().joined(separator: ", ")
            return ECSError(
                .unknownOperation,
                "Wharf serves the Systems Manager operations \(served), not \(target.dropFirst(Self.ssmPrefix.count))"
            )
        }
        guard target.hasPrefix(Self.targetPrefix) else {
            let shown = target.isEmpty ? "no X-Amz-Target header" : "X-Amz-Target \"\(target)\""
            return ECSError(.unknownOperation, "\(shown); Wharf serves the ECS API as \(Self.targetPrefix)<Operation>")
        }
        let name = target.dropFirst(Self.targetPrefix.count)
        return ECSError(
            .unknownOperation,
            "Wharf does not serve the ECS operation \(name) yet; Protocols/ecs-api.md lists the operations served"
        )
    }

    static func response(_ status: HTTPResponse.Status, _ data: Data, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.amznRequestID] = requestID
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func errorResponse(_ error: ECSError, requestID: String) -> Response {
        let body = (try? JSONEncoder().encode(["__type": error.code.rawValue, "message": error.message])) ?? Data()
        var response = response(HTTPResponse.Status(code: error.httpStatus), body, requestID: requestID)
        response.headers[.amznErrorType] = error.code.rawValue
        return response
    }
}

extension HTTPField.Name {
    static let amzTarget = HTTPField.Name("X-Amz-Target")!
    static let amznRequestID = HTTPField.Name("x-amzn-RequestId")!
    static let amznErrorType = HTTPField.Name("x-amzn-ErrorType")!
    /// Wharf's additions to ECS answers a caller asks for: `utilization`.
    static let wharfInclude = HTTPField.Name("X-Wharf-Include")!
}
