import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging

extension ControllerServer {
    /// How many connections may wait to be accepted. Hummingbird's default of 256 overflowed when
    /// 5,000 nodes joined: the kernel counted 2,151 SYNs dropped in one run of the scheduling
    /// benchmark, each costing its client a second before it tried again. Linux caps it at
    /// `net.core.somaxconn` (4,096 by default).
    static let listenBacklog = 4096

    /// The HTTP server's settings for `host:port`: the leader's server and the follower's alike.
    static func listening(on host: String, port: Int) -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: .hostname(host, port: port),
            serverName: "wharf",
            backlog: listenBacklog
        )
    }

    /// HTTP/1.1, over TLS with `tls` when given: the leader's server and the follower's alike.
    static func serverBuilder(_ tls: ControllerTLS?) throws(ControllerStartError) -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        let settings = try tls.serverConfiguration()
        do {
            return try .tls(.http1(), tlsConfiguration: settings)
        } catch {
            throw ControllerStartError("cannot serve HTTPS with this certificate: \(error)")
        }
    }

    /// The certificate the controller serves with, per ``ControllerConfiguration/TLSMode``.
    static func resolveTLS(
        _ configuration: ControllerConfiguration,
        logger: Logger
    ) throws(ControllerStartError) -> ControllerTLS? {
        let directory = configuration.dataDirectory
        let loopback = ControllerConfiguration.isLoopback(configuration.host)
        switch configuration.tls {
        case .off:
            if !loopback {
                logger.warning(
                    """
                    serving plain HTTP beyond loopback (--tls off): signatures stop tampering, not eavesdropping; \
                    put a TLS proxy in front
                    """
                )
            }
            return nil
        case .files(let certificate, let key):
            return try ControllerTLS.load(certificate: certificate, key: key)
        case .on, .auto:
            let host = ProcessInfo.processInfo.hostName
            let listening = configuration.host == "0.0.0.0" || configuration.host == "::" ? [] : [configuration.host]
            let names = [host] + configuration.tlsNames.filter { $0 != host }
            let addresses = listening.filter { ControllerTLS.ipBytes($0) != nil } + configuration.tlsAddresses
            if !ControllerTLS.exists(dataDirectory: directory) {
                guard configuration.tls == .on || !loopback else { return nil }
                let fingerprint = try ControllerTLS.initialize(
                    dataDirectory: directory,
                    names: names,
                    addresses: addresses
                )
                logger.notice(
                    """
                    created a CA and a server certificate in \(ControllerTLS.directory(directory)); agents join with \
                    --ca-fingerprint \(fingerprint)
                    """
                )
            } else if let reason = ControllerTLS.reissueReason(
                dataDirectory: directory,
                names: names,
                addresses: addresses
            ) {
                // Same CA, so agents that pinned it keep trusting the controller.
                try ControllerTLS.initialize(dataDirectory: directory, names: names, addresses: addresses)
                logger.notice("issued the server certificate anew with the same CA: \(reason)")
            }
            return try ControllerTLS.load(dataDirectory: directory)
        }
    }
}
