import Foundation
import Logging
import Testing
import WharfProtocol
@testable import WharfAgent

/// Wharf's DNS: queries read, answers written, names from the controller's Cloud Map records.
@Suite("Wharf's DNS answers Cloud Map names")
struct DiscoveryDNSTests {
    /// A query for `name` of `type` with ID 0x1234, recursion desired.
    static func query(_ name: String, type: UInt16) -> [UInt8] {
        [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0] + DNSQuestion.encodeName(name)
            + [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
    }

    static let names = DiscoveryNames(
        version: "1.4",
        zones: ["internal"],
        records: [
            DiscoveryRecord(name: "web.internal", type: "A", ttl: 10, values: ["10.64.0.5", "10.64.1.7"]),
            DiscoveryRecord(name: "api.internal", type: "SRV", ttl: 30, values: ["1 1 8080 t1.api.internal"]),
            DiscoveryRecord(name: "t1.api.internal", type: "A", ttl: 30, values: ["10.250.0.10"]),
        ]
    )

    @Test("an A query of a namespace's name gets every address with the record's TTL")
    func addresses() async throws {
        let dns = DiscoveryDNS(logger: Logger(label: "test"), upstream: nil)
        await dns.update(Self.names)
        let answer = try #require(await dns.answer(Self.query("WEB.internal", type: DNSQuestion.typeA)))
        #expect(answer[0] == 0x12 && answer[1] == 0x34, "the query's ID")
        #expect(answer[3] & 0x0F == 0, "no error")
        #expect(answer[7] == 2, "two answers")
        let questionEnd = 12 + DNSQuestion.encodeName("web.internal").count + 4
        let first = Array(answer[questionEnd..<(questionEnd + 16)])
        #expect(first == [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 10, 0, 4, 10, 64, 0, 5])
        #expect(Array(answer[(questionEnd + 28)..<(questionEnd + 32)]) == [10, 64, 1, 7])
    }

    @Test("an SRV query gets priority, weight, port and target; an unknown name in a namespace does not exist")
    func services() async throws {
        let dns = DiscoveryDNS(logger: Logger(label: "test"), upstream: nil)
        await dns.update(Self.names)
        let answer = try #require(await dns.answer(Self.query("api.internal", type: DNSQuestion.typeSRV)))
        #expect(answer[7] == 1)
        let questionEnd = 12 + DNSQuestion.encodeName("api.internal").count + 4
        let data = Array(answer[(questionEnd + 12)...])
        #expect(Array(data.prefix(6)) == [0, 1, 0, 1, 0x1F, 0x90])
        #expect(Array(data.dropFirst(6)) == DNSQuestion.encodeName("t1.api.internal"))
        let missing = try #require(await dns.answer(Self.query("nope.internal", type: DNSQuestion.typeA)))
        #expect(missing[3] & 0x0F == 3, "NXDOMAIN")
        let other = try #require(await dns.answer(Self.query("example.com", type: DNSQuestion.typeA)))
        #expect(other[3] & 0x0F == 2, "without a resolver to ask, SERVFAIL")
        #expect(await dns.answer([1, 2, 3]) == nil, "not a query")
    }
}
