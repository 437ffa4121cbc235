import Foundation
import Testing

@Suite("Docker engine fixture", .serialized)
struct DockerEngineTests {
    @Test("A container from the local test image runs and its output comes back")
    func runsTheTestImage() async throws {
        try await DockerEngine.ensureAvailable()

        let result = try await DockerEngine.run(
            ["docker", "run", "--rm", DockerEngine.testImage, "echo", "hello-wharf"]
        )

        #expect(result.status == 0, "docker run failed: \(result.stderr)")
        #expect(result.stdout == "hello-wharf\n")
    }

    @Test("withContainer removes its container when the body throws")
    func withContainerRemovesItsContainerWhenTheBodyThrows() async throws {
        try await DockerEngine.ensureAvailable()
        struct BodyFailed: Error {}
        let name = "wharf-e2e-cleanup-\(UUID().uuidString.prefix(8).lowercased())"

        await #expect(throws: BodyFailed.self) {
            try await DockerEngine.withContainer(name: name, [DockerEngine.testImage, "sleep", "300"]) { container in
                let state = try await DockerEngine.run(
                    ["docker", "container", "inspect", "--format", "{{.State.Running}}", container.name]
                )
                #expect(state.trimmedStdout == "true", "the container should run inside the body")
                throw BodyFailed()
            }
        }

        let after = try await DockerEngine.run(["docker", "container", "inspect", name])
        #expect(after.status != 0, "container \(name) still exists after withContainer returned")
        #expect(after.stderr.contains("No such container"), "unexpected error: \(after.stderr)")
    }
}
