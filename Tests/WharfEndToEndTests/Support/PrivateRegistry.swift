import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Runs `body` with a registry that requires a login (Debian's docker-registry with the htpasswd in
/// Fixtures, user `wharf`) on a free loopback port, holding the test image as
/// `ADDRESS/wharf-test/busybox:private`, and an engine auth file for it. Stops the registry and
/// removes the local tag, the login and the registry's storage afterwards, even when `body` throws.
func withPrivateRegistry(root: String, _ body: (_ address: String, _ authFile: String) async throws -> Void) async throws {
    let directory = root + "/private-registry"
    try FileManager.default.createDirectory(atPath: directory + "/docker-config", withIntermediateDirectories: true)
    let port = try freeLoopbackPort()
    let address = "127.0.0.1:\(port)"
    let htpasswd = DockerEngine.repositoryRoot.appendingPathComponent("Tests/WharfEndToEndTests/Fixtures/registry.htpasswd").path
    try """
    version: 0.1
    log:
      level: warn
    storage:
      filesystem:
        rootdirectory: \(directory)/data
    auth:
      htpasswd:
        realm: wharf-test
        path: \(htpasswd)
    http:
      addr: \(address)
    """.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
    let registry = try ManagedProcess("docker-registry", ["serve", directory + "/config.yml"], path: "/usr/bin/docker-registry")
    let image = "\(address)/wharf-test/busybox:private"
    let docker = ["env", "DOCKER_CONFIG=\(directory)/docker-config", "docker"]
    defer { _ = registry }
    do {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(10))
        // Up means it answers, and refuses an anonymous client.
        while try await DockerEngine.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(address)/v2/"]).trimmedStdout != "401" {
            guard clock.now < deadline else { throw ManagedProcess.Failure("the private registry did not answer on \(address):\n\(registry.log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        for step in [docker + ["login", address, "-u", "wharf", "-p", "wharf-test-password"],
                     docker + ["tag", DockerEngine.testImage, image], docker + ["push", image], docker + ["rmi", image]] {
            let result = try await DockerEngine.run(step)
            guard result.status == 0 else { throw ManagedProcess.Failure("\(step.joined(separator: " ")) failed: \(result.stderr)") }
        }
        let authFile = directory + "/engine-auth.json"
        let auth = Data("wharf:wharf-test-password".utf8).base64EncodedString()
        try "{\"auths\": {\"\(address)\": {\"auth\": \"\(auth)\"}}}".write(toFile: authFile, atomically: true, encoding: .utf8)
        try await body(address, authFile)
    } catch {
        _ = try? await DockerEngine.run(docker + ["rmi", "-f", image])
        _ = try? await registry.stop()
        throw error
    }
    _ = try? await DockerEngine.run(docker + ["rmi", "-f", image])
    _ = try await registry.stop()
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
func freeLoopbackPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw ManagedProcess.Failure("socket() failed") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw ManagedProcess.Failure("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
