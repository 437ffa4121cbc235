#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
import Logging
import NIOCore
import NIOPosix
import WharfModel
import WharfProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wharf's DNS on a node: answers the Cloud Map private DNS namespaces' names (A and SRV, with
/// their records' TTLs) from the controller's ``DiscoveryNames``, and asks the node's own resolver
/// (the first `nameserver` of `/etc/resolv.conf`) for every other name. It listens on UDP port 53
/// of the awsvpc bridge's gateway, the resolver of every awsvpc task on the node.
public actor DiscoveryDNS {
    let logger: Logger
    private var names = DiscoveryNames(version: "", zones: [], records: [])
    private var upstream: String?

    public init(logger: Logger, upstream: String? = DiscoveryDNS.systemResolver()) {
        self.logger = logger
        self.upstream = upstream
    }

    /// The version of the names answered, for the next sync.
    public var version: String? { names.version.isEmpty ? nil : names.version }

    /// Takes the controller's names.
    public func update(_ names: DiscoveryNames) {
        self.names = names
    }

    /// The first `nameserver` of `/etc/resolv.conf`, if any.
    public static func systemResolver() -> String? {
        guard let data = FileManager.default.contents(atPath: "/etc/resolv.conf") else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.trimmingWhitespace().split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, parts[0] == "nameserver", IPv4Network.address(String(parts[1])) != nil {
                return String(parts[1])
            }
        }
        return nil
    }

    /// The answer to a query: from the names under a namespace, else from the node's resolver;
    /// nil for bytes that are not a query.
    public func answer(_ query: [UInt8]) async -> [UInt8]? {
        guard let question = DNSQuestion.parse(query) else { return nil }
        let inZone = names.zones.contains { question.name == $0 || question.name.hasSuffix("." + $0) }
        guard inZone else {
            guard let upstream else { return question.failure() }
            return await Self.forward(query, to: upstream) ?? question.failure()
        }
        let matching = names.records.filter { $0.name == question.name }
        var records: [(type: UInt16, ttl: Int, data: [UInt8])] = []
        for record in matching {
            let type = record.type == "SRV" ? DNSQuestion.typeSRV : DNSQuestion.typeA
            guard type == question.type else { continue }
            for value in record.values {
                let data = type == DNSQuestion.typeSRV ? DNSQuestion.srvData(value) : DNSQuestion.aData(value)
                if let data { records.append((type, record.ttl, data)) }
            }
        }
        return question.answer(records, exists: !matching.isEmpty)
    }

    /// Serves UDP queries on `address`:`port` until cancelled.
    public func serve(address: String, port: Int = 53) async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: address, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        logger.info("DNS for Cloud Map names listening", metadata: ["address": "\(address):\(port)"])
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingDiscardingTaskGroup { group in
                for try await envelope in inbound {
                    let query = Array(envelope.data.readableBytesView)
                    group.addTask {
                        guard let reply = await self.answer(query) else { return }
                        try? await outbound.write(
                            AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))
                        )
                    }
                }
            }
        }
    }

    /// Asks `server` (port 53) and returns its answer, or nil after 2 s without one.
    static func forward(_ query: [UInt8], to server: String) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: forwardBlocking(query, to: server)) }
        }
    }

    static func forwardBlocking(_ query: [UInt8], to server: String) -> [UInt8]? {
        guard let address = IPv4Network.address(server) else { return nil }
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_DGRAM, 0)
        #endif
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(53).bigEndian
        target.sin_addr.s_addr = address.bigEndian
        let sent = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer[0..<count]) : nil
    }
}
