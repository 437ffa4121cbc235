import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WharfModel

/// CloudWatch as botocore calls it: AWS JSON 1.0 with `X-Amz-Target:
/// GraniteServiceVersion20100801.<Operation>`, errors carrying the Query protocol's code in
/// `x-amzn-query-error` (CloudWatch is "query compatible"), bodies gzip-compressed when large.
struct CloudWatchEndpoint: Sendable {
    let operations: CloudWatchOperations
    /// The JSON endpoint, for its body limit, authentication, log and metrics.
    let json: ECSEndpoint

    static func accepts(_ request: Request) -> Bool {
        request.headers[.amzTarget]?.hasPrefix(CloudWatch.targetPrefix) == true
    }

    func handle(_ request: Request) async -> Response {
        let started = ContinuousClock.now
        let requestID = UUID().uuidString.lowercased()
        let name = String((request.headers[.amzTarget] ?? "").dropFirst(CloudWatch.targetPrefix.count))
        let handler = operations.handlers[name]
        let response: Response
        do {
            let raw = try await json.collectBody(request)
            _ = try await json.authenticator.authenticate(request, body: raw, service: CloudWatch.signingName)
            guard let handler else {
                let served = operations.handlers.keys.sorted().joined(separator: ", ")
                throw ECSError(.unknownOperation, "Wharf serves the CloudWatch operations \(served), not \(name)")
            }
            let body = Self.isGzip(request) ? try GzipBody.inflate(raw, limit: json.maxBodyBytes) : raw
            let output = try await handler(.json(body))
            response = Self.response(.ok, try ECSWire.encode(output), requestID: requestID)
        } catch let error as ECSError {
            response = errorResponse(error, requestID: requestID)
        } catch {
            json.logger.error("request failed", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
            response = errorResponse(
                ECSError(.internalServiceError, "internal error; see the controller's log for request \(requestID)"),
                requestID: requestID
            )
        }
        json.metrics?.apiCall(
            operation: handler == nil ? "unknown" : "monitoring:\(name)",
            status: Int(response.status.code),
            duration: ContinuousClock.now - started
        )
        return response
    }

    /// Whether the body is gzip-compressed.
    static func isGzip(_ request: Request) -> Bool {
        request.headers[.contentEncoding]?.lowercased().split(separator: ",").contains {
            $0.trimmingWhitespace() == "gzip"
        } == true
    }

    /// An error with the model's shape in `__type` and CloudWatch's code in `x-amzn-query-error`.
    func errorResponse(_ error: ECSError, requestID: String) -> Response {
        let code = error.code.rawValue
        if error.httpStatus >= 500 {
            json.logger.error("request failed", metadata: ["request.id": "\(requestID)", "error": "\(error.message)"])
        } else {
            json.logger.debug("request refused", metadata: ["request.id": "\(requestID)", "error": "\(error)"])
        }
        let shape = CloudWatch.errorShapes[code]
        let type = shape.map { "com.amazonaws.cloudwatch#\($0)" } ?? code
        let body = (try? JSONEncoder().encode(["__type": type, "message": error.message])) ?? Data()
        var response = Self.response(HTTPResponse.Status(code: error.httpStatus), body, requestID: requestID)
        if shape != nil {
            response.headers[.amznQueryError] = "\(code);\(error.httpStatus >= 500 ? "Receiver" : "Sender")"
        }
        return response
    }

    static func response(_ status: HTTPResponse.Status, _ data: Data, requestID: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = CloudWatch.contentType
        headers[.amznRequestID] = requestID
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    static let amznQueryError = HTTPField.Name("x-amzn-query-error")!
}
