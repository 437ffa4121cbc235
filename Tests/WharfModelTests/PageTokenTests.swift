import Testing
import WharfModel

@Suite("Pagination")
struct PageTokenTests {
    @Test("pages cover every item once, in order, ascending and descending")
    func pages() throws {
        let items = (1...7).map { "item-\($0)" }
        for ascending in [true, false] {
            let ordered = ascending ? items : items.reversed()
            var seen: [String] = []
            var token: String?
            repeat {
                let page = try PageToken.page(ordered, key: { $0 }, ascending: ascending, size: 3, after: token, scope: "s")
                #expect(page.items.count <= 3)
                seen += page.items
                token = page.nextToken
            } while token != nil
            #expect(seen == ordered)
        }
    }

    @Test("a token resumes after its item even when that item is gone")
    func removed() throws {
        let first = try PageToken.page(["a", "b", "c", "d"], key: { $0 }, size: 2, after: nil, scope: "s")
        let next = try PageToken.page(["a", "c", "d"], key: { $0 }, size: 2, after: first.nextToken, scope: "s")
        #expect(next.items == ["c", "d"])
        #expect(next.nextToken == nil)
    }

    @Test("foreign or garbled tokens and bad maxResults are refused", arguments: ["garbage", "djEKb3RoZXIKYg=="])
    func refused(token: String) {
        #expect(throws: ECSError.self) { try PageToken.page(["a"], key: { $0 }, size: 1, after: token, scope: "s") }
    }

    @Test("maxResults must lie within the operation's limit", arguments: [0, -1, 101])
    func maxResults(value: Int) {
        #expect(throws: ECSError.self) { try PageToken.pageSize(value, limit: 100) }
    }

    @Test("a scope names the listing and its filters in order, an absent one as empty, so positions stay apart")
    func scope() {
        #expect(PageToken.scope("tasks", "default", "RUNNING", nil, "web") == "tasks/default/RUNNING//web")
        #expect(PageToken.scope("capacityProviders", nil) == "capacityProviders/")
        #expect(PageToken.scope("x", "a", nil) != PageToken.scope("x", nil, "a"))
    }
}
