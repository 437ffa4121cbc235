import WharfModel

/// Paging over rows of a log (alarm history, scaling activities) in the order they are listed:
/// the token is the row ID the next page starts at.
enum RowPage {
    /// The page of `size` rows from the row the token names (the first row without one), and the
    /// token of the page after it, if any.
    /// - Throws: `invalid` for a token that names no row.
    static func page<Row>(
        _ rows: [(id: Int, row: Row)],
        size: Int,
        token: String?,
        invalid: ECSError
    ) throws(ECSError) -> (rows: [Row], nextToken: String?) {
        var offset = 0
        if let token {
            guard let id = Int(token), let index = rows.firstIndex(where: { $0.id == id }) else { throw invalid }
            offset = index
        }
        let page = rows.dropFirst(offset).prefix(size)
        let next = offset + page.count < rows.count ? String(rows[offset + page.count].id) : nil
        return (page.map(\.row), next)
    }
}
