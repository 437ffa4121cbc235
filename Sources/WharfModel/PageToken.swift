#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Pagination as ECS does it: `maxResults` bounds a page and an opaque `nextToken` resumes after
/// the last item returned. The token carries the sort key of that item, so a page stays correct
/// when items are added or removed between calls.
public struct PageToken: Sendable {
    /// Checks `maxResults` against the operation's limit, returning the page size to use.
    /// - Throws: `InvalidParameterException` when it is out of range.
    public static func pageSize(_ maxResults: Int?, limit: Int) throws(ECSError) -> Int {
        guard let maxResults else { return limit }
        guard (1...limit).contains(maxResults) else {
            throw ECSError(.invalidParameter, "maxResults \(maxResults) is outside the allowed range 1...\(limit)")
        }
        return maxResults
    }

    /// A listing's scope for ``page(_:key:ascending:size:after:scope:)``: its name and what it is
    /// filtered by, in order, a filter not given as empty, so a token of one listing is refused for
    /// another (`tasks/default/RUNNING//web`).
    public static func scope(_ listing: String, _ filters: String?...) -> String {
        ([listing] + filters.map { $0 ?? "" }).joined(separator: "/")
    }

    /// Returns one page of `items` (already in order) after the position `nextToken` names.
    /// - Parameters:
    ///   - items: every matching item, in the order pages are served.
    ///   - key: the unique sort key of an item, which the token records.
    ///   - ascending: whether `items` are in ascending order of `key` (false: descending).
    ///   - scope: what the listing was filtered by; a token is refused for another listing.
    /// - Throws: `InvalidParameterException` for a token that this listing did not issue.
    public static func page<T>(
        _ items: [T], key: (T) -> String, ascending: Bool = true, size: Int, after nextToken: String?, scope: String
    ) throws(ECSError) -> (items: [T], nextToken: String?) {
        var start = 0
        if let nextToken {
            guard let decoded = decode(nextToken), decoded.scope == scope else {
                throw ECSError(.invalidParameter, "nextToken is not valid for this request; pass the nextToken of the previous page of the same listing, unchanged")
            }
            start = items.firstIndex { ascending ? key($0) > decoded.after : key($0) < decoded.after } ?? items.endIndex
        }
        let end = min(start + size, items.count)
        let page = Array(items[start..<end])
        let token = end < items.count ? encode(scope: scope, after: key(items[end - 1])) : nil
        return (page, token)
    }

    static func encode(scope: String, after: String) -> String {
        Data("v1\n\(scope)\n\(after)".utf8).base64EncodedString()
    }

    static func decode(_ token: String) -> (scope: String, after: String)? {
        guard let data = Data(base64Encoded: token), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1" else { return nil }
        return (String(parts[1]), String(parts[2]))
    }
}
