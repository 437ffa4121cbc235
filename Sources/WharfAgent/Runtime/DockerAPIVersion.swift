/// A Docker Engine API version such as `1.41`, and the choice of the one to speak.
struct DockerAPIVersion: Comparable, Sendable, CustomStringConvertible {
    /// The version this code is written against; newer engines are spoken to in it.
    static let newest = DockerAPIVersion(major: 1, minor: 41)
    /// The oldest version Wharf accepts: Docker 19.03.
    static let oldest = DockerAPIVersion(major: 1, minor: 40)

    var major: Int
    var minor: Int

    init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `1.41`; nil for anything else.
    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    var description: String { "\(major).\(minor)" }

    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }

    /// The version to speak with an engine that serves `engineMaximum` down to `engineMinimum`:
    /// ``newest`` or the engine's own when it is older. An engine that no longer serves
    /// ``newest`` (Docker 29 serves 1.44 and up) is spoken to in its oldest version; the
    /// members Wharf reads and writes are the same there.
    /// - Throws: `RuntimeError` with code `engine` when the engine is older than ``oldest`` or
    ///   reports versions that do not parse.
    static func negotiate(engineMaximum: String, engineMinimum: String?) throws(RuntimeError) -> DockerAPIVersion {
        guard let maximum = DockerAPIVersion(engineMaximum) else {
            throw RuntimeError(.engine, "the Docker engine reports API version \"\(engineMaximum)\", which is not MAJOR.MINOR")
        }
        guard maximum >= oldest else {
            throw RuntimeError(
                .engine,
                "the Docker engine speaks API \(maximum), older than the \(oldest) (Docker 19.03) Wharf needs; upgrade Docker"
            )
        }
        let chosen = min(maximum, newest)
        if let minimum = engineMinimum.flatMap(DockerAPIVersion.init), minimum > chosen { return minimum }
        return chosen
    }
}
