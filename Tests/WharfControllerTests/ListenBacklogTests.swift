import Foundation
import Hummingbird
import Logging
import Testing
import WharfModel
import WharfState
import WharfStore
@testable import WharfController

@Suite("The controller's listening socket")
struct ListenBacklogTests {
    @Test("lets 4,096 connections wait to be accepted, not Hummingbird's 256, on the leader and the follower")
    func waiting() async throws {
        let controller = try await Controller(
            store: InMemoryStore(), context: AccountContext(), logger: Logger(label: "test"))
        let configuration = ControllerConfiguration(port: 0, dataDirectory: "/unused", authentication: .disabled)
        let app = try ControllerServer.makeApplication(
            controller: controller, configuration: configuration, logger: Logger(label: "test"))
        #expect(app.configuration.backlog == 4096)
        // The follower's server (Standby) is configured by the same function.
        let follower = ControllerServer.listening(on: "0.0.0.0", port: 8443)
        #expect(follower.backlog == 4096)
        #expect(follower.serverName == "wharf")
    }
}
