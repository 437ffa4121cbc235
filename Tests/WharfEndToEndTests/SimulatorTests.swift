import Foundation
import Testing

@Suite("The fleet simulator against a real controller", .serialized)
struct SimulatorTests {
    @Test("smoke: 200 simulated agents and a 2,000-task service; every task placed and RUNNING, every agent connected throughout")
    func smoke() async throws {
        try await withDataDirectory { root in
            let controller = try await ControllerProcess(dataDirectory: root + "/controller", extraArguments: ["--open-registration"])
            let simulator = try ManagedProcess("wharf-sim", ["--controller", controller.endpoint, "--agents", "200", "--ramp", "5",
                                                             "--start-delay-ms", "100", "--data-dir", root + "/fleet"])
            do {
                let client = controller.client
                // The simulator prints how many have registered every 5 s.
                _ = try await simulator.waitFor("200 registered agents", timeout: .seconds(60)) { $0.contains("200/200 agents registered") ? true : nil }
                let instances = try await client.call("ListContainerInstances", ["cluster": "default", "maxResults": 100])
                #expect(instances.status == 200)
                let registered = try await client.call("DescribeClusters", ["clusters": ["default"]])
                #expect((registered.json["clusters"] as? [[String: Any]])?.first?["registeredContainerInstancesCount"] as? Int == 200)

                let definition = try await client.call("RegisterTaskDefinition", ["family": "fleet", "containerDefinitions": [
                    ["name": "app", "image": "busybox", "memory": 32, "cpu": 10],
                ]])
                #expect(definition.status == 200)
                let created = try await client.call("CreateService", ["serviceName": "fleet", "taskDefinition": "fleet", "desiredCount": 2_000])
                #expect(created.status == 200, "\(created.json)")
                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: .seconds(180))
                var service: [String: Any] = [:]
                while clock.now < deadline {
                    service = (try await client.call("DescribeServices", ["services": ["fleet"]]).json["services"] as? [[String: Any]])?.first ?? [:]
                    if service["runningCount"] as? Int == 2_000 { break }
                    try await Task.sleep(for: .seconds(1))
                }
                #expect(service["runningCount"] as? Int == 2_000, "\(service["runningCount"] ?? "-") running, \(service["pendingCount"] ?? "-") pending")
                #expect(service["pendingCount"] as? Int == 0)

                // Every RUNNING task, counted through the API's pages.
                var running = 0
                var token: String?
                repeat {
                    var body: [String: Any] = ["desiredStatus": "RUNNING", "maxResults": 100]
                    if let token { body["nextToken"] = token }
                    let page = try await client.call("ListTasks", body).json
                    let arns = page["taskArns"] as? [String] ?? []
                    let described = try await client.call("DescribeTasks", ["tasks": arns]).json["tasks"] as? [[String: Any]] ?? []
                    running += described.filter { $0["lastStatus"] as? String == "RUNNING" }.count
                    token = page["nextToken"] as? String
                } while token != nil
                #expect(running == 2_000)

                // No false disconnects: every instance connected, and the controller never marked one lost.
                var connected = 0
                token = nil
                repeat {
                    var body: [String: Any] = ["maxResults": 100]
                    if let token { body["nextToken"] = token }
                    let page = try await client.call("ListContainerInstances", body).json
                    let arns = page["containerInstanceArns"] as? [String] ?? []
                    let described = try await client.call("DescribeContainerInstances", ["containerInstances": arns]).json["containerInstances"] as? [[String: Any]] ?? []
                    connected += described.filter { $0["agentConnected"] as? Bool == true }.count
                    token = page["nextToken"] as? String
                } while token != nil
                #expect(connected == 200)
                #expect(!controller.log.contains("agent disconnected"), "the controller marked an agent disconnected")
                _ = try await simulator.waitFor("2000 containers in the simulator", timeout: .seconds(30)) { $0.contains("2000 containers running") ? true : nil }
                try await simulator.stop()
                try await controller.stop()
            } catch {
                _ = try? await simulator.stop()
                _ = try? await controller.stop()
                throw error
            }
        }
    }
}
