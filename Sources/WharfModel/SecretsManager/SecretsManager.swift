/// The AWS Secrets Manager wire shapes Wharf serves under `X-Amz-Target: secretsmanager.`,
/// generated from botocore's model into `SecretsManager/Generated/` (only the structures the served
/// operations reach), with the model's member names on the wire and camelCase properties in Swift.
public enum SecretsManager {}
