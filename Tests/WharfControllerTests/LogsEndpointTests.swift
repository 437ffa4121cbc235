import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import WharfModel
import WharfStore
import WharfState
@testable import WharfController

/// The CloudWatch Logs operations over a real log database, at a fixed time.
@Suite("CloudWatch Logs endpoint")
struct LogsEndpointTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let nowMillis = 1_800_000_000_000

    func withLogs(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-logs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logs = try await LogStore.open(path: directory + "/logs.db", maxStoredBytes: 1 << 30, logger: Logger(label: "test"))
        let controller = try await Controller(store: InMemoryStore(), context: AccountContext(), logger: Logger(label: "test"), now: { Self.now })
        let configuration = ControllerConfiguration(dataDirectory: directory, authentication: .disabled)
        let app = try ControllerServer.makeApplication(controller: controller, configuration: configuration, logs: logs, logger: Logger(label: "test"))
        do {
            try await app.test(.router, body)
        } catch {
            await logs.close()
            throw error
        }
        await logs.close()
    }

    @Test("a stream's events come back in order, from the tail by default, and the tokens page as CloudWatch Logs' do")
    func getLogEvents() async throws {
        try await withLogs { client in
            #expect(try await client.logs("CreateLogGroup", #"{"logGroupName":"/ecs/web"}"#).status == 200)
            #expect(try await client.logs("CreateLogStream", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1"}"#).status == 200)
            let events = (0..<5).map { #"{"timestamp":\#(Self.nowMillis - 5_000 + $0 * 1_000),"message":"line \#($0)"}"# }.joined(separator: ",")
            let put = try await client.logs("PutLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","logEvents":[\#(events)]}"#)
            #expect(put.status == 200)
            #expect(put.json["nextSequenceToken"] is String)
            #expect(put.json["rejectedLogEventsInfo"] == nil)

            let tail = try await client.logs("GetLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","limit":2}"#)
            #expect(Self.messages(tail) == ["line 3", "line 4"])
            let backward = try #require(tail.json["nextBackwardToken"] as? String)
            let older = try await client.logs("GetLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","limit":2,"nextToken":"\#(backward)"}"#)
            #expect(Self.messages(older) == ["line 1", "line 2"])

            let head = try await client.logs("GetLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","startFromHead":true,"limit":3}"#)
            #expect(Self.messages(head) == ["line 0", "line 1", "line 2"])
            let first = try #require(head.json["events"] as? [[String: Any]]).first
            #expect(first?["timestamp"] as? Int == Self.nowMillis - 5_000)
            #expect(first?["ingestionTime"] as? Int == Self.nowMillis)
            var forward = try #require(head.json["nextForwardToken"] as? String)
            let rest = try await client.logs("GetLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","nextToken":"\#(forward)"}"#)
            #expect(Self.messages(rest) == ["line 3", "line 4"])
            forward = try #require(rest.json["nextForwardToken"] as? String)
            // At the end: no events and the same token again.
            let end = try await client.logs("GetLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","nextToken":"\#(forward)"}"#)
            #expect(Self.messages(end) == [])
            #expect(end.json["nextForwardToken"] as? String == forward)
            // A new event shows up behind that token.
            _ = try await client.logs("PutLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","logEvents":[{"timestamp":\#(Self.nowMillis),"message":"line 5"}]}"#)
            let new = try await client.logs("GetLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","nextToken":"\#(forward)"}"#)
            #expect(Self.messages(new) == ["line 5"])
            // A time window, by group ARN.
            let window = try await client.logs("GetLogEvents", #"{"logGroupIdentifier":"arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web","logStreamName":"ecs/app/1","startTime":\#(Self.nowMillis - 4_000),"endTime":\#(Self.nowMillis - 2_000),"startFromHead":true}"#)
            #expect(Self.messages(window) == ["line 1", "line 2"])
            let bad = try await client.logs("GetLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1","nextToken":"x/1/2"}"#)
            #expect(bad.json["__type"] as? String == "InvalidParameterException")
        }
    }

    @Test("FilterLogEvents finds terms across streams, in time order, a page at a time")
    func filterLogEvents() async throws {
        try await withLogs { client in
            _ = try await client.logs("CreateLogGroup", #"{"logGroupName":"g"}"#)
            for (stream, offset) in [("a", 0), ("b", 1)] {
                _ = try await client.logs("CreateLogStream", #"{"logGroupName":"g","logStreamName":"\#(stream)"}"#)
                let events = (0..<3).map { #"{"timestamp":\#(Self.nowMillis - 100 + $0 * 2 + offset),"message":"\#(stream) \#($0 == 1 ? "ERROR boom" : "ok")"}"# }
                _ = try await client.logs("PutLogEvents", #"{"logGroupName":"g","logStreamName":"\#(stream)","logEvents":[\#(events.joined(separator: ","))]}"#)
            }
            let errors = try await client.logs("FilterLogEvents", #"{"logGroupName":"g","filterPattern":"ERROR"}"#)
            #expect(Self.messages(errors) == ["a ERROR boom", "b ERROR boom"])
            #expect((errors.json["events"] as? [[String: Any]])?.compactMap { $0["logStreamName"] as? String } == ["a", "b"])
            #expect(errors.json["nextToken"] == nil)
            // endTime is inclusive for FilterLogEvents.
            let window = try await client.logs("FilterLogEvents", #"{"logGroupName":"g","startTime":\#(Self.nowMillis - 100),"endTime":\#(Self.nowMillis - 99)}"#)
            #expect(Self.messages(window) == ["a ok", "b ok"])
            let phrase = try await client.logs("FilterLogEvents", #"{"logGroupName":"g","filterPattern":"\"b ERROR\"","logStreamNames":["a","b"]}"#)
            #expect(Self.messages(phrase) == ["b ERROR boom"])
            var seen: [String] = []
            var token: String?
            repeat {
                let tokenMember = token.map { #","nextToken":"\#($0)""# } ?? ""
                let page = try await client.logs("FilterLogEvents", #"{"logGroupName":"g","limit":4\#(tokenMember)}"#)
                seen += Self.messages(page)
                token = page.json["nextToken"] as? String
            } while token != nil
            #expect(seen == ["a ok", "b ok", "a ERROR boom", "b ERROR boom", "a ok", "b ok"])
            let json = try await client.logs("FilterLogEvents", #"{"logGroupName":"g","filterPattern":"{ $.level = 1 }"}"#)
            #expect(json.json["__type"] as? String == "InvalidParameterException")
            #expect((json.json["message"] as? String)?.contains("filterPattern") == true)
        }
    }

    @Test("DescribeLogStreams orders by last event time, newest first; DescribeLogGroups pages")
    func describe() async throws {
        try await withLogs { client in
            _ = try await client.logs("CreateLogGroup", #"{"logGroupName":"/ecs/web"}"#)
            _ = try await client.logs("CreateLogGroup", #"{"logGroupName":"/ecs/api"}"#)
            for (stream, age) in [("old", 9_000), ("new", 1_000), ("middle", 5_000)] {
                _ = try await client.logs("CreateLogStream", #"{"logGroupName":"/ecs/web","logStreamName":"\#(stream)"}"#)
                _ = try await client.logs("PutLogEvents", #"{"logGroupName":"/ecs/web","logStreamName":"\#(stream)","logEvents":[{"timestamp":\#(Self.nowMillis - age),"message":"x"}]}"#)
            }
            let streams = try await client.logs("DescribeLogStreams", #"{"logGroupName":"/ecs/web","orderBy":"LastEventTime","descending":true}"#)
            let list = try #require(streams.json["logStreams"] as? [[String: Any]])
            #expect(list.compactMap { $0["logStreamName"] as? String } == ["new", "middle", "old"])
            #expect(list.first?["lastEventTimestamp"] as? Int == Self.nowMillis - 1_000)
            #expect(list.first?["storedBytes"] as? Int == 27)
            #expect(list.first?["arn"] as? String == "arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:log-stream:new")
            let byName = try await client.logs("DescribeLogStreams", #"{"logGroupName":"/ecs/web","logStreamNamePrefix":"m"}"#)
            #expect((byName.json["logStreams"] as? [[String: Any]])?.compactMap { $0["logStreamName"] as? String } == ["middle"])
            let both = try await client.logs("DescribeLogStreams", #"{"logGroupName":"/ecs/web","logStreamNamePrefix":"m","orderBy":"LastEventTime"}"#)
            #expect(both.json["__type"] as? String == "InvalidParameterException")

            let page = try await client.logs("DescribeLogGroups", #"{"limit":1}"#)
            let groups = try #require(page.json["logGroups"] as? [[String: Any]])
            #expect(groups.compactMap { $0["logGroupName"] as? String } == ["/ecs/api"])
            #expect(groups.first?["arn"] as? String == "arn:aws:logs:us-east-1:000000000000:log-group:/ecs/api:*")
            let token = try #require(page.json["nextToken"] as? String)
            let next = try await client.logs("DescribeLogGroups", #"{"limit":1,"nextToken":"\#(token)"}"#)
            #expect((next.json["logGroups"] as? [[String: Any]])?.compactMap { $0["logGroupName"] as? String } == ["/ecs/web"])
            #expect(next.json["nextToken"] == nil)
        }
    }

    @Test("retention is enforced at once and shown; events past it or too far out are rejected by index")
    func retention() async throws {
        try await withLogs { client in
            let day = 86_400_000
            _ = try await client.logs("CreateLogGroup", #"{"logGroupName":"g"}"#)
            _ = try await client.logs("CreateLogStream", #"{"logGroupName":"g","logStreamName":"s"}"#)
            // One batch may span at most 24 hours.
            let span = try await client.logs("PutLogEvents", #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":\#(Self.nowMillis - 3 * day),"message":"old"},{"timestamp":\#(Self.nowMillis),"message":"new"}]}"#)
            #expect(span.json["__type"] as? String == "InvalidParameterException")
            _ = try await client.logs("PutLogEvents", #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":\#(Self.nowMillis - 3 * day),"message":"old"}]}"#)
            _ = try await client.logs("PutLogEvents", #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":\#(Self.nowMillis),"message":"new"}]}"#)
            let invalid = try await client.logs("PutRetentionPolicy", #"{"logGroupName":"g","retentionInDays":2}"#)
            #expect(invalid.json["__type"] as? String == "InvalidParameterException")
            #expect((invalid.json["message"] as? String)?.contains("retentionInDays") == true)
            #expect(try await client.logs("PutRetentionPolicy", #"{"logGroupName":"g","retentionInDays":1}"#).status == 200)
            let kept = try await client.logs("GetLogEvents", #"{"logGroupName":"g","logStreamName":"s","startFromHead":true}"#)
            #expect(Self.messages(kept) == ["new"])
            let groups = try await client.logs("DescribeLogGroups", "{}")
            #expect((groups.json["logGroups"] as? [[String: Any]])?.first?["retentionInDays"] as? Int == 1)

            func put(_ timestamps: [Int]) async throws -> [String: Any] {
                let batch = timestamps.enumerated().map { #"{"timestamp":\#($0.element),"message":"e\#($0.offset)"}"# }.joined(separator: ",")
                let put = try await client.logs("PutLogEvents", #"{"logGroupName":"g","logStreamName":"s","logEvents":[\#(batch)]}"#)
                #expect(put.status == 200)
                return put.json["rejectedLogEventsInfo"] as? [String: Any] ?? [:]
            }
            #expect(try await put([Self.nowMillis - 20 * day, Self.nowMillis - 20 * day + 1])["tooOldLogEventEndIndex"] as? Int == 1)
            #expect(try await put([Self.nowMillis - day - 1, Self.nowMillis - day + 1_000])["expiredLogEventEndIndex"] as? Int == 0)
            #expect(try await put([Self.nowMillis + 1, Self.nowMillis + 3 * 3_600_000])["tooNewLogEventStartIndex"] as? Int == 1)
            let after = try await client.logs("GetLogEvents", #"{"logGroupName":"g","logStreamName":"s","startFromHead":true}"#)
            #expect(Self.messages(after) == ["e1", "new", "e0"])
            #expect(try await client.logs("DeleteRetentionPolicy", #"{"logGroupName":"g"}"#).status == 200)
            let cleared = try await client.logs("DescribeLogGroups", "{}")
            #expect((cleared.json["logGroups"] as? [[String: Any]])?.first?["retentionInDays"] == nil)
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let operation: String
        let body: String
        let type: String
        let mentions: String
        var testDescription: String { "\(operation) \(body)" }
    }

    @Test("bad requests name the member or resource and change nothing", arguments: [
        ErrorCase(operation: "CreateLogGroup", body: #"{"logGroupName":"g"}"#, type: "ResourceAlreadyExistsException", mentions: "g"),
        ErrorCase(operation: "CreateLogGroup", body: #"{"logGroupName":"bad name!"}"#, type: "InvalidParameterException", mentions: "logGroupName"),
        ErrorCase(operation: "CreateLogGroup", body: "{}", type: "InvalidParameterException", mentions: "logGroupName"),
        ErrorCase(operation: "CreateLogStream", body: #"{"logGroupName":"nope","logStreamName":"s"}"#, type: "ResourceNotFoundException", mentions: "nope"),
        ErrorCase(operation: "CreateLogStream", body: #"{"logGroupName":"g","logStreamName":"a:b"}"#, type: "InvalidParameterException", mentions: "logStreamName"),
        ErrorCase(operation: "PutLogEvents", body: #"{"logGroupName":"g","logStreamName":"missing","logEvents":[{"timestamp":1800000000000,"message":"x"}]}"#,
                  type: "ResourceNotFoundException", mentions: "missing"),
        ErrorCase(operation: "PutLogEvents", body: #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1800000000002,"message":"x"},{"timestamp":1800000000001,"message":"y"}]}"#,
                  type: "InvalidParameterException", mentions: "chronological"),
        ErrorCase(operation: "PutLogEvents", body: #"{"logGroupName":"g","logStreamName":"s","logEvents":[]}"#, type: "InvalidParameterException", mentions: "logEvents"),
        ErrorCase(operation: "PutLogEvents", body: #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1800000000000,"message":""}]}"#,
                  type: "InvalidParameterException", mentions: "logEvents[0].message"),
        ErrorCase(operation: "GetLogEvents", body: #"{"logGroupName":"g","logStreamName":"s","limit":10001}"#, type: "InvalidParameterException", mentions: "limit"),
        ErrorCase(operation: "PutLogEvents", body: #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":-1,"message":"x"},{"timestamp":9223372036854775807,"message":"y"}]}"#,
                  type: "InvalidParameterException", mentions: "logEvents[0].timestamp"),
        ErrorCase(operation: "PutLogEvents", body: #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":0,"message":"x"},{"timestamp":9223372036854775807,"message":"y"}]}"#,
                  type: "InvalidParameterException", mentions: "24 hours"),
        ErrorCase(operation: "GetLogEvents", body: #"{"logStreamName":"s"}"#, type: "InvalidParameterException", mentions: "logGroupName"),
        ErrorCase(operation: "GetLogEvents", body: #"{"logGroupName":"g","logStreamName":"t"}"#, type: "ResourceNotFoundException", mentions: "t"),
        ErrorCase(operation: "DeleteLogGroup", body: #"{"logGroupName":"h"}"#, type: "ResourceNotFoundException", mentions: "h"),
        ErrorCase(operation: "StartQuery", body: "{}", type: "UnknownOperationException", mentions: "GetLogEvents"),
    ])
    func errors(_ testCase: ErrorCase) async throws {
        try await withLogs { client in
            _ = try await client.logs("CreateLogGroup", #"{"logGroupName":"g"}"#)
            _ = try await client.logs("CreateLogStream", #"{"logGroupName":"g","logStreamName":"s"}"#)
            _ = try await client.logs("PutLogEvents", #"{"logGroupName":"g","logStreamName":"s","logEvents":[{"timestamp":1800000000000,"message":"kept"}]}"#)
            let response = try await client.logs(testCase.operation, testCase.body)
            #expect(response.status == 400)
            #expect(response.json["__type"] as? String == testCase.type)
            #expect((response.json["message"] as? String)?.contains(testCase.mentions) == true, "\(response.json)")
            let events = try await client.logs("GetLogEvents", #"{"logGroupName":"g","logStreamName":"s"}"#)
            #expect(Self.messages(events) == ["kept"])
        }
    }

    static func messages(_ response: WireResponse) -> [String] {
        (response.json["events"] as? [[String: Any]])?.compactMap { $0["message"] as? String } ?? []
    }
}

extension TestClientProtocol {
    func logs(_ operation: String, _ body: String) async throws -> WireResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-amz-json-1.1"
        headers[.amzTarget] = "Logs_20140328.\(operation)"
        return try await execute(uri: "/", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
            return WireResponse(status: Int(response.status.code), headers: response.headers, json: object ?? [:])
        }
    }
}
