/// The AWS Systems Manager wire shapes Wharf serves under `X-Amz-Target: AmazonSSM.`: the
/// activation operations ECS Anywhere users run to join nodes, and Parameter Store. Generated from
/// botocore's SSM model into `SSM/Generated/` (only the structures those operations reach), with
/// the model's member names on the wire and camelCase properties in Swift.
public enum SSM {}
