/// The Elastic Load Balancing v2 wire shapes Wharf serves: application and network load balancers,
/// target groups, listeners, rules, targets and tags, through the Query protocol with XML answers.
/// Generated from botocore's `elbv2` model into `ELBv2/Generated/` (only the structures the served
/// operations reach), with the model's member names on the wire and camelCase properties in Swift.
public enum ELBv2 {
    /// The API version every request names (`Version=2015-12-01`).
    public static let version = "2015-12-01"
    /// The XML namespace of every answer.
    public static let xmlNamespace = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
    /// The service name requests are signed for.
    public static let signingName = "elasticloadbalancing"
}
