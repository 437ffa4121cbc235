import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing
@testable import WharfAgent
import WharfSim

@Suite("Introspection endpoint")
struct IntrospectionServerTests {
    @Test("a port another process holds is tried again; the endpoint comes up once it is free and serves /v1/metadata")
    func portTakenThenFreed() async throws {
        try await withAgentDirectory { directory in
            let agent = Agent(configuration: AgentConfiguration(controllerURL: "http://unused", cluster: "lab", dataDirectory: directory),
                              runtime: FakeRuntime(), client: ScriptedController(), logger: Logger(label: "test"))
            // Something else listens on the port first.
            let blocker = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { $0.close() }
                .bind(host: "127.0.0.1", port: 0).get()
            let port = try #require(blocker.localAddress?.port)
            let bound = Mutex<[Int]>([])
            let server = IntrospectionServer(agent: agent, cluster: "lab", port: port, logger: Logger(label: "test"),
                                             retryInterval: .milliseconds(50)) { value in bound.withLock { $0.append(value) } }
            let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
            try await withThrowingTaskGroup { tasks in
                tasks.addTask { try await group.run() }
                // Several tries fail while the port is held; the agent's service group keeps running.
                try await Task.sleep(for: .milliseconds(300))
                #expect(bound.withLock { $0 }.isEmpty, "bound although the port was taken")
                try await blocker.close()
                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: .seconds(10))
                while bound.withLock({ $0 }).isEmpty, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                #expect(bound.withLock { $0 } == [port])

                let response = try await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/v1/metadata").get()
                #expect(response.status == .ok)
                let body = response.body.map { String(buffer: $0) } ?? ""
                #expect(body.contains("\"Cluster\":\"lab\""), "\(body)")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
