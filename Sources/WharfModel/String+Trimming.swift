extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, newlines).
    ///
    /// What `trimmingCharacters(in: .whitespacesAndNewlines)` does, without needing full
    /// Foundation: the modules the node agent links use FoundationEssentials only (see
    /// docs/architecture.md, "Foundation in the agent").
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
