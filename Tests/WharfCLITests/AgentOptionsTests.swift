import ArgumentParser
import Testing

@testable import WharfAgentCLI

@Suite("wharf-agent's options")
struct AgentOptionsTests {
    func configure(_ arguments: [String], environment: [String: String] = [:]) throws {
        _ = try AgentOptions.parse(arguments).configuration(
            defaultDataDir: "/tmp/wharf-agent-test",
            environment: environment
        )
    }

    @Test("a plain-HTTP controller beyond loopback is refused unless --insecure-http says so")
    func plainHTTP() throws {
        do {
            try configure(["--controller", "http://10.0.0.5:8080"])
            Issue.record("plain HTTP to 10.0.0.5 was accepted")
        } catch {
            #expect("\(error)".contains("is plain HTTP beyond loopback"), "\(error)")
            #expect("\(error)".contains("--insecure-http"), "\(error)")
        }
        try configure(["--controller", "http://10.0.0.5:8080", "--insecure-http"])
        try configure(["--controller", "http://10.0.0.5:8080"], environment: ["WHARF_INSECURE_HTTP": "true"])
        try configure(["--controller", "https://10.0.0.5:8443"])
        for local in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://127.8.9.10:1"] {
            try configure(["--controller", local])
        }
        #expect(AgentOptions.isLoopback("127.0.0.1.example.com") == false)
        #expect(AgentOptions.isLoopback("1270.0.0.1") == false)
    }
}
