import Foundation
import WharfModel
import WharfMonitoring
import WharfStore

/// A CloudWatch request's members as they arrived: a JSON 1.0 body or Query parameters.
enum CloudWatchRequest: Sendable {
    case json(Data)
    case query([String: String])

    /// The request shape, checked against the model's constraints, with failures in CloudWatch's
    /// codes (`MissingParameter`, `InvalidParameterValue`).
    func decode<Input: ECSShape>(_ type: Input.Type) throws(ECSError) -> Input {
        do {
            switch self {
            case .json(let data): return try ECSWire.decode(data)
            case .query(let parameters): return try QueryDecoder.decode(type, from: parameters).validated()
            }
        } catch {
            throw CloudWatchOperations.translated(error)
        }
    }
}

/// The CloudWatch operations the controller serves, by name, for both of CloudWatch's protocols:
/// each decodes its input shape, runs against the metric store (and the ``Controller`` for
/// alarms) and returns its output shape, which the endpoint writes as JSON or XML.
struct CloudWatchOperations: Sendable {
    typealias Handler = @Sendable (CloudWatchRequest) async throws -> any Encodable & Sendable

    private(set) var handlers: [String: Handler] = [:]
    let controller: Controller
    let metrics: MetricStore
    let settings: MonitoringSettings
    let context: AccountContext
    let now: @Sendable () -> Date

    init(
        controller: Controller,
        metrics: MetricStore,
        settings: MonitoringSettings,
        context: AccountContext,
        now: @escaping @Sendable () -> Date
    ) {
        self.controller = controller
        self.metrics = metrics
        self.settings = settings
        self.context = context
        self.now = now
        addMetrics()
        addAlarms()
    }

    /// Registers `name`, whose input shape is `Input`.
    mutating func on<Input: ECSShape, Output: Encodable & Sendable>(
        _ name: String,
        _ body: @escaping @Sendable (Input) async throws -> Output
    ) {
        handlers[name] = { request in
            let input = try request.decode(Input.self)
            do {
                return try await body(input)
            } catch let error as ECSError {
                throw Self.translated(error)
            } catch let error as StoreError {
                throw ECSError(.internalServiceError, "the metric store failed: \(error)")
            }
        }
    }

    /// A shared refusal in CloudWatch's terms: a missing member is `MissingParameter`, any other
    /// invalid input `InvalidParameterValue`, a server fault `InternalServiceError`.
    static func translated(_ error: ECSError) -> ECSError {
        switch error.code {
        case .invalidParameter, .validationError, .client, .validation:
            let missing = error.message.split(separator: ";").allSatisfy { $0.hasSuffix("is required") }
            return ECSError(missing ? .missingParameter : .invalidParameterValue, error.message)
        case .server: return ECSError(.internalServiceError, error.message)
        default: return error
        }
    }

    /// A time as milliseconds since 1970, held within ±2^53 ms (about 285,000 years either way): a
    /// request may name any time, and one past what an `Int` holds must not stop the controller.
    static func millis(_ date: Date) -> Int {
        let value = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard !value.isNaN else { return 0 }
        return Int(min(max(value, -millisBound), millisBound))
    }

    /// The farthest time ``millis(_:)`` gives, either way.
    static let millisBound = Double(1 << 53)
}

/// How the controller's CloudWatch keeps and makes metrics.
public struct MonitoringSettings: Sendable, Equatable {
    /// How often Wharf's own metrics (`AWS/ECS`) get a point: one minute, as ECS sends them
    /// (`--metric-period`). The alarms that scaling policies create use it as their period.
    public var period: Duration = .seconds(60)
    /// How long samples and alarm history are kept (`--metric-retention`): 15 days, as CloudWatch
    /// keeps one-minute data.
    public var retention: Duration = .seconds(15 * 86_400)

    public init(period: Duration = .seconds(60), retention: Duration = .seconds(15 * 86_400)) {
        self.period = period
        self.retention = retention
    }

    /// The period in whole seconds (at least 1).
    public var periodSeconds: Int { max(1, Int(period.components.seconds)) }
}
