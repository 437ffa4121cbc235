import Testing
@testable import WharfCLI

@Suite("Credentials found as the AWS CLI finds them")
struct AWSCredentialsTests {
    static let files = [
        "/home/u/.aws/credentials": """
            # a comment
            [default]
            aws_access_key_id = AKWHDEFAULT
            aws_secret_access_key = default-secret
            [lab]
            aws_access_key_id=AKWHLAB
            aws_secret_access_key=lab-secret
            [empty]
            """,
        "/home/u/.aws/config": """
            [default]
            region = eu-west-1
            [profile lab]
            region = us-west-2
            [profile inconfig]
            aws_access_key_id = AKWHCONFIG
            aws_secret_access_key = config-secret
            """,
    ]

    func resolve(_ environment: [String: String], profile: String? = nil, region: String? = nil) throws -> AWSCredentials? {
        try AWSCredentials.resolve(profile: profile, region: region, environment: ["HOME": "/home/u"].merging(environment) { $1 }) { Self.files[$0] }
    }

    @Test("the default profile and its region; another by --profile or AWS_PROFILE; keys in the config file")
    func profiles() throws {
        #expect(try resolve([:]) == AWSCredentials(accessKeyId: "AKWHDEFAULT", secretAccessKey: "default-secret", region: "eu-west-1"))
        #expect(try resolve([:], profile: "lab") == AWSCredentials(accessKeyId: "AKWHLAB", secretAccessKey: "lab-secret", region: "us-west-2"))
        #expect(try resolve(["AWS_PROFILE": "lab"])?.accessKeyId == "AKWHLAB")
        #expect(try resolve([:], profile: "inconfig")?.accessKeyId == "AKWHCONFIG")
    }

    @Test("the environment wins over files, WHARF_* over AWS_*; --region over everything")
    func precedence() throws {
        #expect(try resolve(["AWS_ACCESS_KEY_ID": "AKWHENV", "AWS_SECRET_ACCESS_KEY": "env"])?.accessKeyId == "AKWHENV")
        #expect(try resolve(["AWS_ACCESS_KEY_ID": "AKWHENV", "AWS_SECRET_ACCESS_KEY": "env",
                             "WHARF_ACCESS_KEY_ID": "AKWHOVERRIDE", "WHARF_SECRET_ACCESS_KEY": "o"])?.accessKeyId == "AKWHOVERRIDE")
        #expect(try resolve(["AWS_REGION": "ap-south-1"])?.region == "ap-south-1")
        #expect(try resolve(["AWS_REGION": "ap-south-1"], region: "sa-east-1")?.region == "sa-east-1")
    }

    @Test("nothing anywhere is unsigned; half a pair or a profile without keys is an error that names it")
    func problems() throws {
        #expect(try AWSCredentials.resolve(profile: nil, region: nil, environment: ["HOME": "/nowhere"]) { _ in nil } == nil)
        #expect(throws: AWSCredentials.Problem.self) { _ = try resolve(["AWS_ACCESS_KEY_ID": "AKWHHALF"]) }
        do {
            _ = try resolve([:], profile: "empty")
            Issue.record("a profile without keys was accepted")
        } catch {
            #expect("\(error)".contains("profile \"empty\""))
        }
        #expect(throws: AWSCredentials.Problem.self) { _ = try resolve(["AWS_PROFILE": "missing"]) }
    }
}
