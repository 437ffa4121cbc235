import Foundation
import Logging
import NIOCore
import Testing
@testable import WharfAgent

@Suite("Docker API mapping")
struct DockerMappingTests {
    @Test(
        "image references split into repository and tag or digest",
        arguments: [
            ("busybox", "busybox", "latest", nil),
            ("busybox:1.36", "busybox", "1.36", nil),
            ("library/nginx:1.25-alpine", "library/nginx", "1.25-alpine", nil),
            ("127.0.0.1:5000/wharf/busybox", "127.0.0.1:5000/wharf/busybox", "latest", "127.0.0.1:5000"),
            ("127.0.0.1:5000/wharf/busybox:v2", "127.0.0.1:5000/wharf/busybox", "v2", "127.0.0.1:5000"),
            ("localhost/app:1", "localhost/app", "1", "localhost"),
            ("ghcr.io/org/app@sha256:abcd", "ghcr.io/org/app", "sha256:abcd", "ghcr.io"),
            ("registry:5000/app:old@sha256:abcd", "registry:5000/app", "sha256:abcd", "registry:5000"),
        ] as [(String, String, String, String?)]
    )
    func imageReferences(reference: String, repository: String, tagOrDigest: String, registry: String?) throws {
        let parsed = try ImageReference(parsing: reference)
        #expect(parsed.repository == repository)
        #expect(parsed.tagOrDigest == tagOrDigest)
        #expect(parsed.registry == registry)
    }

    @Test("malformed image references are invalid", arguments: ["", "busybox:", "@sha256:abcd", "a b", "busybox@"])
    func malformedImageReferences(reference: String) {
        #expect(throws: RuntimeError.self) { try ImageReference(parsing: reference) }
        do {
            _ = try ImageReference(parsing: reference)
        } catch {
            #expect(error.code == .invalid)
        }
    }

    @Test("credentials go to Docker Hub's address unless the reference names a registry")
    func registryServerAddress() throws {
        #expect(try ImageReference(parsing: "nginx").serverAddress == "https://index.docker.io/v1/")
        #expect(try ImageReference(parsing: "127.0.0.1:5000/x:1").serverAddress == "127.0.0.1:5000")
    }

    @Test("the JSON splitter finds objects split across chunks and several in one chunk")
    func jsonSplitter() throws {
        let stream = #"{"a":"}{\"","b":[1,{"c":2}]}"# + "\n" + #"{"d":3}{"e":"x\\"}"# + "\n"
        let bytes = Array(stream.utf8)
        for chunkSize in [1, 2, 3, 7, bytes.count] {
            var splitter = JSONObjectSplitter()
            var objects: [String] = []
            var index = 0
            while index < bytes.count {
                let chunk = bytes[index..<min(index + chunkSize, bytes.count)]
                objects += try splitter.append(chunk).map { String(decoding: $0, as: UTF8.self) }
                index += chunkSize
            }
            #expect(objects == [#"{"a":"}{\"","b":[1,{"c":2}]}"#, #"{"d":3}"#, #"{"e":"x\\"}"#], "chunk size \(chunkSize)")
            #expect(!splitter.hasPartialObject)
        }
    }

    @Test("engine timestamps parse with nanoseconds, and the zero time is nil")
    func timestamps() throws {
        let parsed = try #require(DockerTimestamp.secondsSince1970("2026-11-22T04:07:25.618270788Z"))
        #expect(abs(parsed - 1_795_320_445.618270788) < 1e-6)
        #expect(DockerTimestamp.secondsSince1970("1970-01-01T00:00:00Z") == 0)
        #expect(DockerTimestamp.secondsSince1970("1970-01-01T01:00:00+01:00") == 0)
        #expect(DockerTimestamp.secondsSince1970("2000-03-01T00:00:00Z") == 951_868_800)
        #expect(DockerTimestamp.secondsSince1970("0001-01-01T00:00:00Z") == nil)
        #expect(DockerTimestamp.secondsSince1970("yesterday") == nil)
        #expect(DockerTimestamp.secondsSince1970("") == nil)
    }

    @Test("the API version is ours, the engine's when older, and the engine's oldest when ours is gone")
    func apiVersionNegotiation() throws {
        #expect(try DockerAPIVersion.negotiate(engineMaximum: "1.41", engineMinimum: "1.12").description == "1.41")
        #expect(try DockerAPIVersion.negotiate(engineMaximum: "1.47", engineMinimum: "1.24").description == "1.41")
        #expect(try DockerAPIVersion.negotiate(engineMaximum: "1.40", engineMinimum: nil).description == "1.40")
        #expect(try DockerAPIVersion.negotiate(engineMaximum: "1.51", engineMinimum: "1.44").description == "1.44")
        #expect(throws: RuntimeError.self) { try DockerAPIVersion.negotiate(engineMaximum: "1.39", engineMinimum: nil) }
    }

    @Test("query values are percent-encoded so + and & reach the engine intact")
    func escaping() {
        #expect(DockerClient.escape(#"{"label":["a=b+c&d"]}"#) == "%7B%22label%22%3A%5B%22a%3Db%2Bc%26d%22%5D%7D")
        #expect(DockerClient.escapePath("127.0.0.1:5000/x/y@sha256:ab") == "127.0.0.1:5000/x/y@sha256:ab")
    }

    @Test("a socket that refuses the agent's user says so; other connection failures say to start the engine")
    func connectionFailures() async {
        let client = DockerClient(socketPath: "/run/docker.sock", httpClient: nil, logger: Logger(label: "test"))
        let denied = client.transportError(IOError(errnoCode: EACCES, reason: "connect"), "listing containers")
        #expect(denied.code == .unavailable)
        #expect(denied.message.hasPrefix("listing containers: permission denied on /run/docker.sock; run the agent as root or as a member of the docker group"))
        let missing = client.transportError(IOError(errnoCode: ENOENT, reason: "connect"), "listing containers")
        #expect(missing.message.hasPrefix("listing containers: no Docker engine answers on /run/docker.sock; start dockerd"))
        #expect(client.transportError(CancellationError(), "x").code == .cancelled)
        await client.shutdown()
    }

    @Test("registry credentials are base64url JSON")
    func registryAuth() throws {
        let data = Data([0xFB, 0xFF, 0xFE])
        #expect(DockerRuntime.base64URL(data) == "-__-")
    }
}
