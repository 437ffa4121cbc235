import Foundation
import Testing
@testable import WharfAgent

@Suite("Registry credentials from the engine auth file")
struct RegistryAuthTests {
    static let pair = RegistryCredentials(username: "wharf", password: "s3cret:with:colons")
    static let base64 = Data("wharf:s3cret:with:colons".utf8).base64EncodedString()

    @Test("a Docker config.json and the ECS agent's bare map both parse; keys match by host and port", arguments: [
        "{\"auths\": {\"127.0.0.1:5001\": {\"auth\": \"\(base64)\"}}}",
        "{\"https://127.0.0.1:5001/v2/\": {\"auth\": \"\(base64)\", \"email\": \"\"}}",
        "{\"http://127.0.0.1:5001\": {\"username\": \"wharf\", \"password\": \"s3cret:with:colons\"}}",
    ])
    func parses(_ text: String) throws {
        let auth = try RegistryAuth(parsing: Data(text.utf8), source: "auth.json")
        #expect(auth.credentials(for: "127.0.0.1:5001/team/app:1.2") == Self.pair)
        #expect(auth.credentials(for: "127.0.0.1:5002/team/app:1.2") == nil, "another port is another registry")
        #expect(auth.credentials(for: "busybox") == nil, "Docker Hub has no entry")
    }

    @Test("Docker Hub's keys all mean Docker Hub, and name images without a registry")
    func dockerHub() throws {
        let auth = try RegistryAuth(parsing: Data("{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"\(Self.base64)\"}}}".utf8), source: "x")
        #expect(auth.credentials(for: "nginx:1.27") == Self.pair)
        #expect(auth.credentials(for: "library/nginx") == Self.pair)
        #expect(auth.credentials(for: "docker.io/library/nginx") == Self.pair)
        #expect(auth.credentials(for: "ghcr.io/owner/app") == nil)
    }

    @Test("a bad file is refused with the file and the entry named", arguments: [
        ("not json", "is not a JSON object"),
        ("{\"auths\": []}", "\"auths\" must be an object"),
        ("{\"auths\": {\"r:5000\": \"x\"}}", "registry \"r:5000\" must map to an object"),
        ("{\"auths\": {\"r:5000\": {\"auth\": \"bm9jb2xvbg==\"}}}", "auth must be base64 of user:password"),
        ("{\"auths\": {\"r:5000\": {\"auth\": \"%%%\"}}}", "auth must be base64 of user:password"),
        ("{\"auths\": {\"r:5000\": {\"email\": \"a@b\"}}}", "needs auth (base64 of user:password), or username and password"),
    ])
    func refused(_ text: String, _ fragment: String) {
        #expect {
            _ = try RegistryAuth(parsing: Data(text.utf8), source: "/etc/wharf/auth.json")
        } throws: { error in
            guard let error = error as? AgentError else { return false }
            return error.code == .configuration && error.message.contains("/etc/wharf/auth.json") && error.message.contains(fragment)
        }
    }

    @Test("a secrets file maps secret ARNs and names to credentials, as objects or SecretString JSON; lookups match ARN, name and suffixed name")
    func secrets() throws {
        var auth = RegistryAuth()
        try auth.addSecrets(parsing: Data(#"""
            {"arn:aws:secretsmanager:us-east-1:000000000000:secret:exact": {"username": "a", "password": "1"},
             "named": "{\"username\": \"b\", \"password\": \"2\"}"}
            """#.utf8), source: "s.json")
        #expect(auth.credentials(forSecret: "arn:aws:secretsmanager:us-east-1:000000000000:secret:exact") == RegistryCredentials(username: "a", password: "1"))
        #expect(auth.credentials(forSecret: "named") == RegistryCredentials(username: "b", password: "2"))
        #expect(auth.credentials(forSecret: "arn:aws:secretsmanager:us-east-1:000000000000:secret:named") == RegistryCredentials(username: "b", password: "2"))
        #expect(auth.credentials(forSecret: "arn:aws:secretsmanager:us-east-1:000000000000:secret:named-Xy12Zq") == RegistryCredentials(username: "b", password: "2"))
        #expect(auth.credentials(forSecret: "arn:aws:secretsmanager:us-east-1:000000000000:secret:other") == nil)
        #expect(auth.credentials(forSecret: "arn:aws:ssm:us-east-1:000000000000:parameter/named") == nil)
        for bad in [#"[]"#, #"{"x": 3}"#, #"{"x": {"username": "u"}}"#, #"{"x": "not json"}"#] {
            var other = RegistryAuth()
            #expect(throws: AgentError.self, "\(bad)") { try other.addSecrets(parsing: Data(bad.utf8), source: "s.json") }
        }
    }
}
