import Foundation
import WharfAuth
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A bare ECS JSON 1.1 client for tests that need many calls fast (the AWS CLI starts a Python
/// interpreter per call).
struct ECSClient: Sendable {
    let endpoint: String
    /// Signs each call; the tests' access key unless another (or none) is given.
    var signer: SigV4Signer? = TestCredentials.signer
    /// The CA of an https endpoint.
    var caFile: String? = nil

    /// The service each target prefix other than ECS's is signed for.
    static let signingNames = [
        "AmazonSSM": "ssm", "WharfAdmin": "wharf", "AnyScaleFrontendService": "application-autoscaling",
        "Route53AutoNaming_v20170314": "servicediscovery", "Logs_20140328": "logs",
        "GraniteServiceVersion20100801": "monitoring",
    ]

    /// Calls `operation` with a JSON body; returns the HTTP status and the decoded JSON object.
    /// - Parameter target: the service's target prefix; `AmazonSSM` for the activation operations.
    /// - Parameter extraHeaders: more headers to send (and sign), such as `X-Wharf-Include`.
    func call(_ operation: String, _ body: [String: Any], target: String = "AmazonEC2ContainerServiceV20141113",
              extraHeaders: [(String, String)] = []) async throws -> (status: Int, json: [String: Any]) {
        let url = URL(string: endpoint + "/")!
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        let payload = try JSONSerialization.data(withJSONObject: body)
        var headers = [("Host", "\(url.host ?? "127.0.0.1")\(url.port.map { ":\($0)" } ?? "")"),
                       ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(target).\(operation)")] + extraHeaders
        if let signer {
            headers += signer.sign(method: "POST", path: "/", headers: headers, body: payload,
                                   service: Self.signingNames[target] ?? "ecs")
        }
        if let caFile {
            // URLSession on Linux cannot trust a CA of its own: curl can.
            let result = try await DockerEngine.run(["curl", "-sS", "--cacert", caFile, "-o", "-", "-w", "\n%{http_code}", "-X", "POST"]
                + headers.flatMap { ["-H", "\($0.0): \($0.1)"] } + ["--data-binary", String(decoding: payload, as: UTF8.self), url.absoluteString])
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let status = Int(lines.last ?? "") ?? 0
            let body = lines.dropLast().joined(separator: "\n")
            return (status, (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:])
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = payload
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }
}
