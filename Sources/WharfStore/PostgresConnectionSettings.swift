import Logging
import NIOSSL
import PostgresNIO

/// How the PostgreSQL stores connect: PostgresNIO's settings for a ``PostgresLocation``, and the
/// single connection made first so that a wrong address or password fails with the server's reason.
extension PostgresStore {
    /// Connects once, so that a server that refuses (or a wrong password) fails the start with the
    /// server's reason; the pool behind the store would only retry and wait.
    static func probe(_ location: PostgresLocation, logger: Logger) async throws(StoreError) {
        let configuration = try connectionConfiguration(location)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw StoreError(.open, "cannot connect to \(location)", cause: reason(error))
        }
    }

    /// PostgresNIO's settings for one connection to `location`.
    static func connectionConfiguration(_ location: PostgresLocation) throws(StoreError)
        -> PostgresConnection.Configuration
    {
        var configuration: PostgresConnection.Configuration
        if let socket = location.socketPath {
            configuration = .init(
                unixSocketPath: socket,
                username: location.user,
                password: location.password,
                database: location.database
            )
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                tls =
                    switch location.tls {
                    case .disable: .disable
                    case .prefer: .prefer(try NIOSSLContext(configuration: unverifiedTLS))
                    case .require: .require(try NIOSSLContext(configuration: unverifiedTLS))
                    }
            } catch {
                throw StoreError(.open, "cannot set up TLS for \(location)", cause: error)
            }
            configuration = .init(
                host: location.host ?? "localhost",
                port: location.port,
                username: location.user,
                password: location.password,
                database: location.database,
                tls: tls
            )
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// TLS as libpq's `prefer` and `require` have it: encrypted, the server's certificate unchecked.
    static var unverifiedTLS: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return tls
    }

    /// PostgresNIO's client settings for `location`.
    static func configuration(_ location: PostgresLocation) -> PostgresClient.Configuration {
        let tls = unverifiedTLS
        var configuration: PostgresClient.Configuration
        if let socket = location.socketPath {
            configuration = .init(
                unixSocketPath: socket,
                username: location.user,
                password: location.password,
                database: location.database
            )
        } else {
            let mode: PostgresClient.Configuration.TLS =
                switch location.tls {
                case .disable: .disable
                case .prefer: .prefer(tls)
                case .require: .require(tls)
                }
            configuration = .init(
                host: location.host ?? "localhost",
                port: location.port,
                username: location.user,
                password: location.password,
                database: location.database,
                tls: mode
            )
        }
        configuration.options.maximumConnections = 4
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(10))
        return configuration
    }
}
