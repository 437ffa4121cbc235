import Foundation
import Testing
import WharfModel
import WharfProtocol

@Suite("Agent protocol v1")
struct AgentProtocolTests {
    @Test("a sync round-trips through JSON unchanged")
    func roundTrip() throws {
        let request = SyncRequest(containerInstanceArn: "arn", credential: "c", desiredVersion: 3, tasks: [
            TaskReport(taskArn: "t", lastStatus: "RUNNING", containers: [
                ContainerReport(name: "a", runtimeId: "id", lastStatus: "RUNNING", exitCode: nil,
                                networkBindings: [ECS.NetworkBinding(bindIP: "0.0.0.0", containerPort: 80, hostPort: 32768, protocol: "tcp")]),
            ], startedAt: 1.5),
        ])
        let data = try JSONEncoder().encode(request)
        #expect(try JSONDecoder().decode(SyncRequest.self, from: data) == request)
    }

    @Test("terminal errors are the ones retrying cannot fix")
    func terminal() {
        #expect(AgentProtocolError(.versionMismatch, "").isTerminal)
        #expect(AgentProtocolError(.deregistered, "").isTerminal)
        #expect(!AgentProtocolError(.serverError, "").isTerminal)
        #expect(!AgentProtocolError(.unauthorized, "").isTerminal)
    }
}
