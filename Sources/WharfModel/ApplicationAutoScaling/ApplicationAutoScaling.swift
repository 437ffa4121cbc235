/// The Application Auto Scaling wire shapes Wharf serves under `X-Amz-Target:
/// AnyScaleFrontendService.<Operation>` (AWS JSON 1.1): scalable targets, scaling policies,
/// scheduled actions, scaling activities and tags. Generated from botocore's
/// `application-autoscaling` model into `ApplicationAutoScaling/Generated/`.
public enum ApplicationAutoScaling {
    /// The prefix of every operation's `X-Amz-Target`.
    public static let targetPrefix = "AnyScaleFrontendService."
    /// The service name requests are signed for.
    public static let signingName = "application-autoscaling"
}
