import Testing

@testable import WharfState

@Suite("ResourceID: 32 hexadecimal digits")
struct ResourceIDTests {
    static let ids: [TaskID] = [
        TaskID(high: 0, low: 0),
        TaskID(high: 0x0535_940e_df40_4cc9, low: 0x972b_41d3_0a1a_9950),
        TaskID(high: .max, low: 1),
    ]

    @Test("description, the byte-array writer and the buffer writer give the same digits, and they parse back")
    func writersAgree() {
        for id in Self.ids {
            var bytes: [UInt8] = Array("arn/".utf8)
            id.write(into: &bytes)
            let text = String(unsafeUninitializedCapacity: 32) { buffer in
                id.write(into: buffer)
                return 32
            }
            #expect(String(decoding: bytes, as: UTF8.self) == "arn/" + id.description)
            #expect(text == id.description)
            #expect(id.description.count == 32)
            #expect(TaskID(id.description) == id)
        }
        #expect(Self.ids[1].description == "0535940edf404cc9972b41d30a1a9950")
        #expect(Self.ids[0].description == String(repeating: "0", count: 32))
    }
}
