/// The Amazon CloudWatch wire shapes Wharf serves: metrics (PutMetricData, GetMetricStatistics,
/// GetMetricData, ListMetrics) and metric alarms. Generated from botocore's `cloudwatch` model into
/// `CloudWatch/Generated/` (only the structures those operations reach). The same shapes travel
/// as AWS JSON 1.0 (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, what botocore
/// sends) and as the Query protocol with XML answers (what older SDKs send).
public enum CloudWatch {
    /// The prefix of every operation's `X-Amz-Target` in the JSON protocol.
    public static let targetPrefix = "GraniteServiceVersion20100801."
    /// The service name requests are signed for.
    public static let signingName = "monitoring"
    /// The API version every Query request names.
    public static let version = "2010-08-01"
    /// The XML namespace of every Query answer.
    public static let xmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"
    /// The JSON protocol's content type.
    public static let contentType = "application/x-amz-json-1.0"

    /// The model's error shape for each of CloudWatch's error codes, as the JSON protocol names
    /// it in `__type` (the code itself travels in `x-amzn-query-error`).
    public static let errorShapes: [String: String] = [
        "InvalidParameterValue": "InvalidParameterValueException",
        "MissingParameter": "MissingRequiredParameterException",
        "InvalidParameterCombination": "InvalidParameterCombinationException",
        "ResourceNotFound": "ResourceNotFound",
        "ResourceNotFoundException": "ResourceNotFoundException",
        "LimitExceeded": "LimitExceededFault",
        "InvalidNextToken": "InvalidNextToken",
        "InvalidFormat": "InvalidFormatFault",
        "InternalServiceError": "InternalServiceFault",
    ]
}

extension CloudWatch {
    /// The answer of an operation without output (PutMetricData, DeleteAlarms, ...): `{}` in
    /// JSON, an empty result in XML.
    public struct Empty: Codable, Equatable, Sendable {
        public init() {}
    }
}
