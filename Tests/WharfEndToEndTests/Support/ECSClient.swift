import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A bare ECS JSON 1.1 client for tests that need many calls fast (the AWS CLI starts a Python
/// interpreter per call).
struct ECSClient: Sendable {
    let endpoint: String

    /// Calls `operation` with a JSON body; returns the HTTP status and the decoded JSON object.
    /// - Parameter target: the service's target prefix; `AmazonSSM` for the activation operations.
    func call(_ operation: String, _ body: [String: Any], target: String = "AmazonEC2ContainerServiceV20141113") async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: endpoint + "/")!)
        request.httpMethod = "POST"
        request.setValue("application/x-amz-json-1.1", forHTTPHeaderField: "Content-Type")
        request.setValue("\(target).\(operation)", forHTTPHeaderField: "X-Amz-Target")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }
}
