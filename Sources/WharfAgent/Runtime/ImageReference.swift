/// An image reference split the way the engine's pull endpoint wants it: a repository and one tag
/// or digest.
///
/// The tag is what follows the last `:` *after* the last `/`, so the registry port in
/// `127.0.0.1:5000/wharf/busybox` is never taken for a tag. A digest (`@sha256:...`) wins over a
/// tag, as it does for the engine. Without either, the tag is `latest`: an empty tag would make
/// the engine pull every tag of the repository.
struct ImageReference: Equatable, Sendable {
    /// Everything before the tag or digest: `127.0.0.1:5000/wharf/busybox`, `nginx`.
    var repository: String
    /// A tag (`1.25`) or a digest (`sha256:…`).
    var tagOrDigest: String

    /// Splits `reference`.
    /// - Throws: `RuntimeError` with code `invalid` for an empty reference or an empty part.
    init(parsing reference: String) throws(RuntimeError) {
        let invalid = RuntimeError(.invalid, "image reference \"\(reference)\" is not valid; expected NAME[:TAG] or NAME@DIGEST")
        guard !reference.isEmpty, !reference.contains(where: \.isWhitespace) else { throw invalid }
        if let at = reference.firstIndex(of: "@") {
            let digest = reference[reference.index(after: at)...]
            let name = Self.splitTag(reference[..<at]).repository
            guard !name.isEmpty, !digest.isEmpty else { throw invalid }
            self.repository = String(name)
            self.tagOrDigest = String(digest)
        } else {
            let (name, tag) = Self.splitTag(reference[...])
            guard !name.isEmpty, tag?.isEmpty != true else { throw invalid }
            self.repository = String(name)
            self.tagOrDigest = tag.map(String.init) ?? "latest"
        }
    }

    /// The registry host (with its port) that the reference names, or nil for Docker Hub. As the
    /// engine decides it: the first path component when it has a `.` or a `:` or is `localhost`.
    var registry: String? {
        guard let slash = repository.firstIndex(of: "/") else { return nil }
        let first = repository[..<slash]
        return first.contains(".") || first.contains(":") || first == "localhost" ? String(first) : nil
    }

    /// The server address that registry credentials are for, as `X-Registry-Auth` wants it.
    var serverAddress: String { registry ?? "https://index.docker.io/v1/" }

    private static func splitTag(_ name: Substring) -> (repository: Substring, tag: Substring?) {
        guard let colon = name.lastIndex(of: ":") else { return (name, nil) }
        if let slash = name.lastIndex(of: "/"), slash > colon { return (name, nil) }
        return (name[..<colon], name[name.index(after: colon)...])
    }
}
