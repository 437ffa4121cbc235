/// The AWS Cloud Map wire shapes Wharf serves under `X-Amz-Target: Route53AutoNaming_v20170314.`:
/// namespaces, services, instances, discovery, health, operations and tags. Generated from
/// botocore's `servicediscovery` model into `ServiceDiscovery/Generated/` (only the structures
/// those operations reach), with the model's member names on the wire and camelCase properties.
public enum ServiceDiscovery {
    /// The prefix of every operation's `X-Amz-Target`.
    public static let targetPrefix = "Route53AutoNaming_v20170314."
    /// The service name requests are signed for.
    public static let signingName = "servicediscovery"
}
