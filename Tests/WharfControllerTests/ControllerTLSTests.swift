import Foundation
import Logging
import Testing
import WharfState
@testable import WharfController

@Suite("The controller's CA and server certificate")
struct ControllerTLSTests {
    func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }

    @Test("issuing again keeps the CA and every earlier name, and adds the new ones")
    func namesAccumulate() throws {
        try withDirectory { directory in
            let first = try ControllerTLS.initialize(dataDirectory: directory, names: ["one.lan"], addresses: ["192.0.2.1"])
            #expect(ControllerTLS.reissueReason(dataDirectory: directory, names: ["one.lan"], addresses: ["192.0.2.1"]) == nil)
            #expect(ControllerTLS.reissueReason(dataDirectory: directory, names: ["two.lan"], addresses: []) == "it does not name two.lan")
            #expect(ControllerTLS.reissueReason(dataDirectory: directory, names: [], addresses: ["192.0.2.2"]) == "it does not name 192.0.2.2")
            let second = try ControllerTLS.initialize(dataDirectory: directory, names: ["two.lan"], addresses: ["192.0.2.2"])
            #expect(first == second, "the CA stays")
            #expect(ControllerTLS.reissueReason(dataDirectory: directory, names: ["one.lan", "two.lan", "localhost"],
                                                addresses: ["192.0.2.1", "192.0.2.2", "127.0.0.1", "::1"]) == nil)
            #expect(throws: ControllerStartError.self) {
                try ControllerTLS.initialize(dataDirectory: directory, names: [], addresses: ["not-an-address"])
            }
        }
    }

    @Test("a CA missing one of its two files is refused, not replaced: agents pinned the old one")
    func halfACA() throws {
        for missing in ["ca.pem", "ca.key"] {
            try withDirectory { directory in
                let fingerprint = try ControllerTLS.initialize(dataDirectory: directory, names: [], addresses: [])
                let tls = ControllerTLS.directory(directory)
                let files = ["ca.pem", "ca.key", "server.pem", "server.key"]
                for file in files {
                    let mode = try FileManager.default.attributesOfItem(atPath: tls + "/" + file)[.posixPermissions]
                    #expect(mode as? Int == (file.hasSuffix(".key") ? 0o600 : 0o644), "\(file)")
                }
                #expect(!FileManager.default.fileExists(atPath: tls + "/ca.pem.tmp"))
                let kept = files.filter { $0 != missing }.map { FileManager.default.contents(atPath: tls + "/" + $0) }
                try FileManager.default.moveItem(atPath: tls + "/" + missing, toPath: tls + "/aside")
                do {
                    try ControllerTLS.initialize(dataDirectory: directory, names: [], addresses: [])
                    Issue.record("a CA without \(missing) was replaced")
                } catch {
                    #expect("\(error)".contains("without \(missing)"), "\(error)")
                }
                #expect(!FileManager.default.fileExists(atPath: tls + "/" + missing))
                #expect(files.filter { $0 != missing }.map { FileManager.default.contents(atPath: tls + "/" + $0) } == kept)
                try FileManager.default.moveItem(atPath: tls + "/aside", toPath: tls + "/" + missing)
                #expect(try ControllerTLS.initialize(dataDirectory: directory, names: [], addresses: []) == fingerprint)
            }
        }
    }

    @Test("a certificate within 30 days of expiry is due for renewal")
    func expiry() throws {
        try withDirectory { directory in
            try ControllerTLS.initialize(dataDirectory: directory, names: [], addresses: [], now: Date().addingTimeInterval(-800 * 86_400))
            #expect(ControllerTLS.reissueReason(dataDirectory: directory, names: [], addresses: [])?.hasPrefix("it expires on") == true)
            try ControllerTLS.initialize(dataDirectory: directory, names: [], addresses: [])
            #expect(ControllerTLS.reissueReason(dataDirectory: directory, names: [], addresses: []) == nil)
        }
    }

    @Test("at start: plain HTTP on loopback without a certificate, HTTPS beyond it (created), renewed when a name is added, none with --tls off")
    func resolve() throws {
        try withDirectory { directory in
            let logger = Logger(label: "test")
            var configuration = ControllerConfiguration(host: "127.0.0.1", dataDirectory: directory)
            #expect(try ControllerServer.resolveTLS(configuration, logger: logger) == nil)
            #expect(!ControllerTLS.exists(dataDirectory: directory))
            configuration.host = "0.0.0.0"
            let served = try #require(try ControllerServer.resolveTLS(configuration, logger: logger))
            #expect(served.caPEM != nil && ControllerTLS.exists(dataDirectory: directory))
            configuration.tlsNames = ["added.lan"]
            let renewed = try #require(try ControllerServer.resolveTLS(configuration, logger: logger))
            #expect(renewed.certificatePEM != served.certificatePEM && renewed.caPEM == served.caPEM)
            #expect(ControllerTLS.reissueReason(dataDirectory: directory, names: ["added.lan"], addresses: []) == nil)
            configuration.host = "127.0.0.1"
            #expect(try ControllerServer.resolveTLS(configuration, logger: logger) != nil, "a certificate in the data directory is served on loopback too")
            configuration.tls = .off
            #expect(try ControllerServer.resolveTLS(configuration, logger: logger) == nil)
        }
    }
}
