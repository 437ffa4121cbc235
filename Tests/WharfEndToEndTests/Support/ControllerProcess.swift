import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real `wharf-controller` (or `wharf dev`) process on a free loopback port.
final class ControllerProcess: Sendable {
    let daemon: ManagedProcess
    let dataDirectory: String
    let port: Int
    /// `http`, or `https` when it serves TLS.
    let scheme: String

    /// Where clients on this machine reach it (loopback, whatever address it listens on).
    var endpoint: String { "\(scheme)://127.0.0.1:\(port)" }
    var log: String { daemon.log }
    /// A client signed with the tests' key.
    var client: ECSClient { ECSClient(endpoint: endpoint, caFile: caFile) }
    /// The CA of an https controller (its own, in the data directory).
    var caFile: String? { scheme == "https" ? dataDirectory + "/tls/ca.pem" : nil }
    /// The fingerprint agents pin, as the controller logs it.
    var caFingerprint: String? {
        guard let range = log.range(of: "--ca-fingerprint ") else { return nil }
        return String(log[range.upperBound...].prefix { $0.isHexDigit })
    }

    /// The log once `wharf dev`'s banner is in it: the banner is written a moment after the line that
    /// says the controller listens, which is all ``init`` waits for.
    func banner() async throws -> String {
        try await daemon.waitFor("wharf dev's banner") { text in
            text.contains("aws ecs list-container-instances --endpoint-url ") ? text : nil
        }
    }

    /// The built `wharf-controller`.
    static var executable: URL { ManagedProcess.built("wharf-controller") }

    /// Starts a controller on `dataDirectory` and waits until it serves.
    /// - Parameter command: the executable and subcommand; `wharf-controller` by default.
    /// - Parameter listen: the address to listen on; loopback and a free port by default.
    init(
        dataDirectory: String,
        command: [String] = ["wharf-controller"],
        extraArguments: [String] = [],
        environment: [String: String] = [:],
        listen: String = "127.0.0.1:0"
    ) async throws {
        self.dataDirectory = dataDirectory
        // wharf-controller requires signed requests: it gets the tests' bootstrap pair. wharf dev
        // runs without, as people start it.
        daemon = try ManagedProcess(
            command[0],
            Array(command.dropFirst()) + ["--listen", listen, "--data-dir", dataDirectory] + extraArguments,
            environment: command == ["wharf-controller"]
                ? TestCredentials.controllerEnvironment.merging(environment) { $1 } : environment
        )
        (scheme, port) = try await daemon.waitFor("serving") { text -> (String, Int)? in
            guard let range = text.range(of: "wharf-controller listening on ") else { return nil }
            let url = text[range.upperBound...].prefix { !$0.isWhitespace }
            guard let colon = url.lastIndex(of: ":"), let port = Int(url[url.index(after: colon)...]) else {
                return nil
            }
            return (url.hasPrefix("https") ? "https" : "http", port)
        }
    }

    /// Sends `signal` and waits for the exit; returns the status (128 + signal if killed by one).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(20)) async throws -> Int32 {
        try await daemon.stop(signal: signal, timeout: timeout)
    }
}

/// Runs `body` with a fresh temporary data directory and a controller serving it; stops the
/// controller and removes the directory afterwards, even when `body` throws.
@discardableResult
func withController<T>(_ body: (ControllerProcess) async throws -> T) async throws -> T {
    try await withDataDirectory { directory in
        try await withController(dataDirectory: directory, body)
    }
}

/// Runs `body` with the path of a fresh temporary directory (not yet created), removed afterwards.
func withDataDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-e2e-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// Runs `body` with a controller serving `dataDirectory`; stops it afterwards, even when `body` throws.
@discardableResult
func withController<T>(
    dataDirectory directory: String,
    command: [String] = ["wharf-controller"],
    extraArguments: [String] = [],
    _ body: (ControllerProcess) async throws -> T
) async throws -> T {
    let controller = try await ControllerProcess(
        dataDirectory: directory,
        command: command,
        extraArguments: extraArguments
    )
    do {
        let result = try await body(controller)
        try await controller.stop()
        return result
    } catch {
        _ = try? await controller.stop(signal: SIGKILL)
        throw error
    }
}

/// Runs the AWS CLI against `endpoint` signed with the tests' access key and returns its JSON output.
/// - Parameter caBundle: the CA of an https endpoint.
func aws(
    _ arguments: [String],
    endpoint: String,
    caBundle: String? = nil
) async throws -> (status: Int32, json: [String: Any], stderr: String) {
    let bundle = caBundle.map { ["--ca-bundle", $0] } ?? []
    let result = try await DockerEngine.run(
        TestCredentials.signing(["aws"] + arguments + ["--endpoint-url", endpoint, "--output", "json"] + bundle)
    )
    let json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
    return (result.status, json ?? [:], result.stderr)
}

/// Records an issue for every file under `directory` whose bytes contain `text` (a secret's
/// plaintext), and checks that the directory holds `expected` (`wharf.db` by default).
func expectNoFile(in directory: String, contains text: String, expected: String = "wharf.db") {
    let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
    #expect(files.contains(expected), "\(directory) holds \(files)")
    for file in files {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(file)"))) ?? Data()
        #expect(data.range(of: Data(text.utf8)) == nil, "\(file) holds the plaintext")
    }
}
