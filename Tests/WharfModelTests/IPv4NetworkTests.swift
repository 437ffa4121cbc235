import Testing
import WharfModel

@Suite("IPv4 networks and their blocks")
struct IPv4NetworkTests {
    @Test("CIDR notation parses, prints and divides into blocks")
    func blocks() throws {
        let range = try #require(IPv4Network("10.64.0.0/10"))
        #expect(range.description == "10.64.0.0/10")
        #expect(range.blockCount(24) == 16_384)
        #expect(range.block(0, 24)?.description == "10.64.0.0/24")
        #expect(range.block(3, 24)?.description == "10.64.3.0/24")
        #expect(range.block(16_383, 24)?.description == "10.127.255.0/24")
        #expect(range.block(16_384, 24) == nil)
        #expect(range.blockCount(8) == 0, "a block wider than the range")
        #expect(range.contains(try #require(IPv4Network("10.100.7.0/24"))))
        #expect(!range.contains(try #require(IPv4Network("10.128.0.0/24"))))
        #expect(!range.contains(try #require(IPv4Network("10.0.0.0/8"))), "wider than the range")
        #expect(IPv4Network.address("192.168.1.20") == 0xC0A8_0114)
        #expect(IPv4Network.text(0xC0A8_0114) == "192.168.1.20")
    }

    @Test("what is not a network is refused", arguments: [
        "10.64.0.0", "10.64.0.0/33", "10.64.0.1/24", "10.64.0/24", "10.64.0.256/24", "a.b.c.d/8", "10.64.0.0/-1", "",
    ])
    func refused(_ text: String) {
        #expect(IPv4Network(text) == nil)
    }
}
