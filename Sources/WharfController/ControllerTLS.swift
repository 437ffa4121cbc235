import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import WharfAuth
import WharfFiles
import X509

/// The controller's TLS material in `<data dir>/tls`: a CA of its own (`ca.pem`, `ca.key`) and a
/// server certificate it issued (`server.pem`, `server.key`) for the names and addresses agents
/// and clients reach it by. Agents pin the CA by its fingerprint at join, as k3s pins its CA in the
/// join token; the AWS CLI trusts it through `AWS_CA_BUNDLE`. An operator may give their own
/// certificate and key instead (`--tls-cert`, `--tls-key`).
public struct ControllerTLS: Sendable, Equatable {
    /// The server certificate chain, PEM.
    public var certificatePEM: String
    /// The server key, PEM.
    public var keyPEM: String
    /// The CA certificate, PEM, when the controller has its own CA (served at `GET /v1/ca`).
    public var caPEM: String?

    /// The directory under the data directory.
    public static func directory(_ dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("tls")
    }

    /// Whether the data directory already holds a server certificate.
    public static func exists(dataDirectory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory(dataDirectory) + "/server.pem")
    }

    /// Creates the CA (once; kept when it exists) and a new server certificate for `names`
    /// (DNS names) and `addresses` (IPv4 or IPv6), always with `localhost`, 127.0.0.1 and ::1, and
    /// with every name and address the previous server certificate had (names are only added).
    /// - Returns: the CA's fingerprint.
    @discardableResult
    public static func initialize(dataDirectory: String, names: [String], addresses: [String], now: Date = Date()) throws(ControllerStartError) -> String {
        let dir = directory(dataDirectory)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let caKey: P256.Signing.PrivateKey
            let ca: Certificate
            let hasKey = FileManager.default.fileExists(atPath: dir + "/ca.key")
            let hasCertificate = FileManager.default.fileExists(atPath: dir + "/ca.pem")
            if hasKey != hasCertificate {
                // A new CA would break every agent that pinned the old one: refuse, and say why.
                let (present, missing) = hasKey ? ("ca.key", "ca.pem") : ("ca.pem", "ca.key")
                throw ControllerStartError(
                    "\(dir)/\(present) exists without \(missing): restore \(missing) from a backup; if this "
                        + "controller never started, or to make a new CA that every agent must pin again, "
                        + "move \(present) aside")
            }
            if hasKey {
                caKey = try P256.Signing.PrivateKey(pemRepresentation: try String(contentsOfFile: dir + "/ca.key", encoding: .utf8))
                ca = try Certificate(pemEncoded: try String(contentsOfFile: dir + "/ca.pem", encoding: .utf8))
            } else {
                caKey = P256.Signing.PrivateKey()
                let name = try DistinguishedName {
                    OrganizationName("Wharf")
                    CommonName("Wharf controller CA \(UUID().uuidString.prefix(8).lowercased())")
                }
                ca = try Certificate(
                    version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
                    notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
                    issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: try Certificate.Extensions {
                        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                        Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                        SubjectKeyIdentifier(hash: Certificate.PublicKey(caKey.publicKey))
                    },
                    issuerPrivateKey: .init(caKey))
                try write(caKey.pemRepresentation, to: dir + "/ca.key", mode: 0o600)
                try write(try ca.serializeAsPEM().pemString, to: dir + "/ca.pem", mode: 0o644)
            }
            var general: [GeneralName] = []
            let previous = (try? String(contentsOfFile: dir + "/server.pem", encoding: .utf8)).flatMap { try? Certificate(pemEncoded: $0) }
            let kept = (try? previous?.extensions.subjectAlternativeNames).flatMap { $0 }.map(Array.init) ?? []
            for name in kept where !general.contains(name) { general.append(name) }
            for name in ["localhost"] + names where !general.contains(.dnsName(name)) {
                general.append(.dnsName(name))
            }
            for address in ["127.0.0.1", "::1"] + addresses {
                guard let bytes = ipBytes(address) else {
                    throw ControllerStartError("\(address) is not an IPv4 or IPv6 address (give host names with --name)")
                }
                if !general.contains(.ipAddress(ASN1OctetString(contentBytes: bytes[...]))) {
                    general.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
                }
            }
            let serverKey = P256.Signing.PrivateKey()
            let subject = try DistinguishedName {
                OrganizationName("Wharf")
                CommonName(names.first ?? "wharf-controller")
            }
            let server = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(825 * 86_400),
                issuer: ca.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(general)
                    SubjectKeyIdentifier(hash: Certificate.PublicKey(serverKey.publicKey))
                    if let identifier = try? ca.extensions.subjectKeyIdentifier?.keyIdentifier {
                        AuthorityKeyIdentifier(keyIdentifier: identifier)
                    }
                },
                issuerPrivateKey: .init(caKey))
            try write(serverKey.pemRepresentation, to: dir + "/server.key", mode: 0o600)
            try write(try server.serializeAsPEM().pemString, to: dir + "/server.pem", mode: 0o644)
            return try fingerprint(ofPEM: try ca.serializeAsPEM().pemString)
        } catch let error as ControllerStartError {
            throw error
        } catch {
            throw ControllerStartError("cannot create the TLS certificates in \(dir): \(error)")
        }
    }

    /// Why the data directory's server certificate should be issued anew: it expires within 30
    /// days, or lacks one of `names` or `addresses`; nil when it is fine or not the controller's
    /// own (no CA key to issue with).
    public static func reissueReason(dataDirectory: String, names: [String], addresses: [String], now: Date = Date()) -> String? {
        let dir = directory(dataDirectory)
        guard FileManager.default.fileExists(atPath: dir + "/ca.key"),
              let pem = try? String(contentsOfFile: dir + "/server.pem", encoding: .utf8),
              let certificate = try? Certificate(pemEncoded: pem) else { return nil }
        if certificate.notValidAfter < now.addingTimeInterval(30 * 86_400) {
            return "it expires on \(certificate.notValidAfter.formatted(.iso8601))"
        }
        let present = ((try? certificate.extensions.subjectAlternativeNames).flatMap { $0 }).map(Array.init) ?? []
        for name in names where !present.contains(.dnsName(name)) { return "it does not name \(name)" }
        for address in addresses {
            guard let bytes = ipBytes(address) else { continue }
            if !present.contains(.ipAddress(ASN1OctetString(contentBytes: bytes[...]))) { return "it does not name \(address)" }
        }
        return nil
    }

    /// Loads the data directory's material.
    public static func load(dataDirectory: String) throws(ControllerStartError) -> ControllerTLS {
        let dir = directory(dataDirectory)
        do {
            return ControllerTLS(certificatePEM: try String(contentsOfFile: dir + "/server.pem", encoding: .utf8),
                                 keyPEM: try String(contentsOfFile: dir + "/server.key", encoding: .utf8),
                                 caPEM: try? String(contentsOfFile: dir + "/ca.pem", encoding: .utf8))
        } catch {
            throw ControllerStartError("cannot read the TLS certificate in \(dir): \(error); run wharf-controller init again")
        }
    }

    /// Loads an operator's certificate (chain) and key.
    public static func load(certificate: String, key: String) throws(ControllerStartError) -> ControllerTLS {
        do {
            return ControllerTLS(certificatePEM: try String(contentsOfFile: certificate, encoding: .utf8),
                                 keyPEM: try String(contentsOfFile: key, encoding: .utf8), caPEM: nil)
        } catch {
            throw ControllerStartError("cannot read --tls-cert \(certificate) or --tls-key \(key): \(error)")
        }
    }

    /// The NIOSSL server configuration.
    func serverConfiguration() throws(ControllerStartError) -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { NIOSSLCertificateSource.certificate($0) }
            guard !chain.isEmpty else { throw ControllerStartError("the TLS certificate file holds no certificate") }
            let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            return configuration
        } catch let error as ControllerStartError {
            throw error
        } catch {
            throw ControllerStartError("the TLS certificate or key cannot be used: \(error)")
        }
    }

    /// The SHA-256 fingerprint of the first certificate in `pem`: lowercase hex of its DER, as
    /// agents pin it (`--ca-fingerprint`).
    public static func fingerprint(ofPEM pem: String) throws -> String {
        let der = try Certificate(pemEncoded: pem)
        var serializer = DER.Serializer()
        try serializer.serialize(der)
        return SigV4.hexSHA256(Data(serializer.serializedBytes))
    }

    /// Gives the TLS files to the owner of the data directory, so a controller running as its own
    /// user (systemd's DynamicUser) can read what `wharf-controller init` wrote as root.
    public static func chownToDataDirectory(_ dataDirectory: String) throws(ControllerStartError) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: dataDirectory),
              let owner = attributes[.ownerAccountID] as? NSNumber, let group = attributes[.groupOwnerAccountID] as? NSNumber,
              owner.uint32Value != getuid() else { return }
        let dir = directory(dataDirectory)
        for path in [dir] + ["ca.pem", "ca.key", "server.pem", "server.key"].map({ dir + "/" + $0 }) {
            guard chown(path, owner.uint32Value, group.uint32Value) == 0 || errno == ENOENT else {
                throw ControllerStartError("cannot give \(path) to the data directory's owner (uid \(owner)): errno \(errno)")
            }
        }
    }

    /// Replaces `path` with `text` durably (``DurableFile``), created with `mode` from the start.
    static func write(_ text: String, to path: String, mode: mode_t) throws(ControllerStartError) {
        do {
            try DurableFile.write(Array(text.utf8), to: path, mode: mode)
        } catch {
            throw ControllerStartError("\(error), a TLS file; check that the data directory is writable")
        }
    }

    /// The bytes of an IPv4 or IPv6 address in text form; nil for anything else.
    public static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
