import Foundation

/// Where a PostgreSQL store lives, from a `postgres://` URL:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&schema=PREFIX]`, or
/// `postgres://USER@/DATABASE?host=/var/run/postgresql` for a Unix socket.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    /// The server's host name or address; nil with a Unix socket.
    public var host: String?
    /// The server's port.
    public var port: Int
    /// The Unix socket's path, when the URL names one with `host=/path`.
    public var socketPath: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The prefix of every schema Wharf creates: `PREFIX` holds the leadership lease, `PREFIX_REGION`
    /// (dashes as underscores) each region's state. Several clusters can share one database with
    /// different prefixes.
    public var schemaPrefix: String

    /// Parses a `postgres://` or `postgresql://` URL.
    /// - Throws: ``StoreError`` (`open`) naming what is wrong with it.
    public init(url text: String) throws(StoreError) {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql" else {
            throw StoreError(.open, "the store URL must start with postgres:// (as postgres://USER:PASSWORD@HOST/DB)")
        }
        var query: [String: String] = [:]
        for item in url.queryItems ?? [] {
            guard let value = item.value else {
                throw StoreError(.open, "the store URL's parameter \(item.name) has no value")
            }
            query[item.name] = value
        }
        guard let user = url.user, !user.isEmpty else {
            throw StoreError(.open, "the store URL names no user (postgres://USER@HOST/DB)")
        }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError(.open, "the store URL names no database (postgres://USER@HOST/DB)")
        }
        self.user = user
        self.password = url.password
        self.database = database
        self.port = url.port ?? 5432
        if let socket = query.removeValue(forKey: "host") {
            guard socket.hasPrefix("/") else {
                throw StoreError(.open, "the store URL's host parameter must be a Unix socket's directory")
            }
            socketPath = (socket as NSString).appendingPathComponent(".s.PGSQL.\(port)")
            host = nil
        } else {
            guard let host = url.host, !host.isEmpty else {
                throw StoreError(.open, "the store URL names no host (postgres://USER@HOST/DB)")
            }
            self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            socketPath = nil
        }
        let mode = query.removeValue(forKey: "sslmode") ?? "prefer"
        guard let tls = TLSMode(rawValue: mode) else {
            throw StoreError(.open, "the store URL's sslmode must be disable, prefer or require, not \(mode)")
        }
        self.tls = tls
        let prefix = query.removeValue(forKey: "schema") ?? "wharf"
        guard Self.isIdentifier(prefix), prefix.count <= 40 else {
            throw StoreError(
                .open,
                "the store URL's schema must be lower-case letters, digits and underscores (at most 40), not \(prefix)"
            )
        }
        schemaPrefix = prefix
        if let unknown = query.keys.sorted().first {
            throw StoreError(
                .open,
                "the store URL's parameter \(unknown) is not one Wharf knows (sslmode, schema, host)"
            )
        }
    }

    /// The schema that holds `region`'s state.
    public func schema(region: String) -> String {
        schemaPrefix + "_" + region.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    /// The URL without its password, for logs and messages.
    public var description: String {
        if let socketPath {
            let directory = (socketPath as NSString).deletingLastPathComponent
            return "postgres://\(user)@/\(database)?host=\(directory)"
        }
        let name = host ?? "localhost"
        return "postgres://\(user)@\(name.contains(":") ? "[\(name)]" : name):\(port)/\(database)"
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
