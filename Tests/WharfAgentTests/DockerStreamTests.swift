import Foundation
import Testing
@testable import WharfAgent

/// How `DockerRuntime` reads the engine's streams, against a scripted engine that splits and ends
/// them where a test wants.
@Suite("Docker runtime streams")
struct DockerStreamTests {
    static func event(_ action: String, _ id: String, _ attributes: String) -> String {
        #"{"status":"\#(action)","id":"\#(id)","Type":"container","Action":"\#(action)","Actor":{"ID":"\#(id)","Attributes":{\#(attributes)}},"scope":"local","time":1,"timeNano":1}"#
    }

    @Test("events split across chunks and packed into one arrive whole, and an engine that ends the stream is an error")
    func eventsAcrossChunks() async throws {
        let create = Self.event("create", "c1", #""image":"busybox","name":"web","team":"a""#)
        let start = Self.event("start", "c1", #""image":"busybox","name":"web","team":"a""#)
        let die = Self.event("die", "c1", #""exitCode":"3","image":"busybox","name":"web","team":"a""#)
        // The first chunk ends inside the first event; the second holds its rest, the whole second
        // event and the start of the third.
        let all = create + "\n" + start + "\n" + die + "\n"
        let cut1 = all.index(all.startIndex, offsetBy: 17)
        let cut2 = all.index(all.startIndex, offsetBy: create.count + start.count + 30)
        let engine = try ScriptedEngine { line in
            if line.hasPrefix("GET /version") { return [ScriptedEngine.version] }
            guard line.hasPrefix("GET /v1.41/events?") else { return [ScriptedEngine.json("404 Not Found", #"{"message":"page not found"}"#)] }
            return [
                ScriptedEngine.chunkedHead,
                ScriptedEngine.chunk(String(all[..<cut1])),
                ScriptedEngine.chunk(String(all[cut1..<cut2])),
                ScriptedEngine.chunk(String(all[cut2...])),
                ScriptedEngine.lastChunk,
            ]
        }
        defer { engine.close() }
        try await withRuntime(socketPath: engine.path) { runtime in
            let (received, error) = try await withTimeout(10, "the scripted event stream") {
                var events: [ContainerEvent] = []
                do {
                    for try await event in runtime.events(labels: ["team": "a"]) { events.append(event) }
                    return (events, nil as RuntimeError?)
                } catch let error as RuntimeError {
                    return (events, error)
                }
            }
            #expect(received.map(\.action) == ["create", "start", "die"])
            #expect(received.last?.exitCode == 3)
            #expect(received.allSatisfy { $0.labels == ["team": "a"] && $0.containerID == "c1" })
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("ended the event stream") == true)

            let head = try #require(engine.requests.last)
            #expect(head.contains("Host: docker"))
            #expect(head.contains("since="))
            #expect(head.contains(DockerClient.escape(#"{"label":["team=a"],"type":["container"]}"#)))
        }
    }

    @Test("a pull whose stream ends in an error line fails with the registry's words, and credentials travel base64url")
    func pullErrorInStream() async throws {
        let engine = try ScriptedEngine { line in
            if line.hasPrefix("GET /version") { return [ScriptedEngine.version] }
            let progress = #"{"status":"Pulling from app","id":"1"}"# + "\n"
            let failure = #"{"errorDetail":{"message":"unauthorized: authentication required"},"error":"unauthorized: authentication required"}"# + "\n"
            return [ScriptedEngine.chunkedHead, ScriptedEngine.chunk(progress + String(failure.prefix(20))), ScriptedEngine.chunk(String(failure.dropFirst(20))), ScriptedEngine.lastChunk]
        }
        defer { engine.close() }
        try await withRuntime(socketPath: engine.path) { runtime in
            let error = await #expect(throws: RuntimeError.self) {
                try await runtime.pullImage("registry.example:5000/team/app:1.2", credentials: RegistryCredentials(username: "u", password: "p?>"))
            }
            #expect(error == RuntimeError(.pullFailed, "pulling image \"registry.example:5000/team/app:1.2\": unauthorized: authentication required"))

            let head = try #require(engine.requests.last)
            #expect(head.hasPrefix("POST /v1.41/images/create?fromImage=registry.example%3A5000%2Fteam%2Fapp&tag=1.2 "))
            let auth = try #require(head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-registry-auth:") })
            let encoded = auth.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
            let standard = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            let json = try JSONSerialization.jsonObject(with: try #require(Data(base64Encoded: standard))) as? [String: String]
            #expect(json == ["username": "u", "password": "p?>", "serveraddress": "registry.example:5000"])
        }
    }

    @Test("a pull cancelled while the engine still streams progress is cancelled, not a success")
    func cancelledPull() async throws {
        let engine = try ScriptedEngine { line in
            if line.hasPrefix("GET /version") { return [ScriptedEngine.version] }
            let progress = ScriptedEngine.chunk(#"{"status":"Downloading","id":"1"}"# + "\n")
            return [ScriptedEngine.chunkedHead] + Array(repeating: progress, count: 500) + [ScriptedEngine.lastChunk]
        }
        defer { engine.close() }
        try await withRuntime(socketPath: engine.path) { runtime in
            let pull = Task { () async -> RuntimeError? in
                do throws(RuntimeError) {
                    try await runtime.pullImage("app:1", credentials: nil)
                    return nil
                } catch {
                    return error
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            pull.cancel()
            let error = await pull.value
            #expect(error?.code == .cancelled, "\(String(describing: error))")
        }
    }

    @Test("an engine that speaks only an API older than 1.40 is refused with advice")
    func oldEngine() async throws {
        let engine = try ScriptedEngine { _ in [ScriptedEngine.json("200 OK", #"{"Version":"18.09.1","ApiVersion":"1.39"}"#)] }
        defer { engine.close() }
        try await withRuntime(socketPath: engine.path) { runtime in
            let error = await #expect(throws: RuntimeError.self) { _ = try await runtime.hasImage("busybox") }
            #expect(error?.code == .engine)
            #expect(error?.message.contains("upgrade Docker") == true)
        }
    }
}
