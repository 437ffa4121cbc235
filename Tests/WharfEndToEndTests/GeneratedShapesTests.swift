import Foundation
import Testing

@Suite("Generated ECS and SSM shapes")
struct GeneratedShapesTests {
    @Test("the committed shapes are exactly what botocore's ECS and SSM models generate")
    func inSync() async throws {
        let script = DockerEngine.repositoryRoot.appendingPathComponent("Protocols/codegen/generate-ecs-shapes.py").path
        let result = try await DockerEngine.run([
            "sh", "-c", "cd \"$1\" && python3 \"$2\" --check", "sh", DockerEngine.repositoryRoot.path, script,
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("generated shapes match botocore's models"))
    }
}
