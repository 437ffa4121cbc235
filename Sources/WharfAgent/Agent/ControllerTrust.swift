import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import WharfFiles

/// Whom the agent trusts to be its controller over HTTPS. Certificate verification is always on:
/// there is no setting that turns it off, only ways to say which CA signs the controller's
/// certificate.
public enum ControllerTrust: Sendable, Equatable {
    /// The system's trust store (a controller with a certificate from a public CA, or plain HTTP).
    case system
    /// The CA certificates in a PEM file (`--ca-file`).
    case caFile(String)
    /// The controller's own CA, fetched from it once and kept only if its SHA-256 fingerprint is
    /// this one (`--ca-fingerprint`, as k3s pins its CA in the join token).
    case pinned(fingerprint: String)

    /// The name of the pinned CA's copy in the agent's data directory.
    public static let savedCAFile = "controller-ca.pem"

    /// A fingerprint as people paste it (`AB:CD:...` from openssl, or plain hex), as 64 lowercase
    /// hex digits; nil when it is not a SHA-256 fingerprint.
    public static func normalize(fingerprint text: String) -> String? {
        let hex = text.lowercased().filter { $0 != ":" && $0 != " " }
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }) else { return nil }
        return hex
    }

    /// The SHA-256 fingerprint (lowercase hex of the DER) of a certificate.
    public static func fingerprint(_ certificate: NIOSSLCertificate) throws -> String {
        let digits = Array("0123456789abcdef")
        return String(SHA256Digest.hash(try certificate.toDERBytes()).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    /// The trust roots to verify the controller against: nil for the system's.
    /// - Throws: `AgentError` `.terminal` when the controller's CA is not the pinned one or the
    ///   CA file cannot be used; `.controller` when the controller cannot be reached yet.
    public func roots(controllerURL: String, dataDirectory: String, logger: Logger) async throws(AgentError) -> [NIOSSLCertificate]? {
        switch self {
        case .system:
            return nil
        case .caFile(let path):
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(path)
                guard !certificates.isEmpty else { throw AgentError(.terminal, "--ca-file \(path) holds no PEM certificate") }
                return certificates
            } catch let error as AgentError {
                throw error
            } catch {
                throw AgentError(.terminal, "--ca-file \(path) cannot be read as PEM certificates: \(error)")
            }
        case .pinned(let pin):
            let saved = (dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/") + Self.savedCAFile
            if let certificates = try? NIOSSLCertificate.fromPEMFile(saved), let first = certificates.first,
               (try? Self.fingerprint(first)) == pin {
                return [first]
            }
            let pem = try await Self.fetchCA(controllerURL)
            let certificate: NIOSSLCertificate
            do {
                guard let first = try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)).first else { throw AgentError(.controller, "no certificate") }
                certificate = first
            } catch {
                throw AgentError(.terminal, "\(controllerURL)/v1/ca is not a PEM certificate: is this a Wharf controller with its own CA? (\(error))")
            }
            let presented: String
            do {
                presented = try Self.fingerprint(certificate)
            } catch {
                throw AgentError(.terminal, "the CA from \(controllerURL) cannot be read: \(error)")
            }
            guard presented == pin else {
                throw AgentError(.terminal, "the controller at \(controllerURL) presented a CA with fingerprint \(presented), not the pinned \(pin): another machine, or someone in between; check --ca-fingerprint against the controller's log")
            }
            try? FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            // Written whole or not at all; when it is not, the next start fetches and checks it again.
            do {
                try DurableFile.write(Array(pem.utf8), to: saved, mode: 0o644)
            } catch {
                logger.warning("the pinned CA could not be saved", metadata: ["error": "\(error)"])
            }
            logger.info("pinned the controller's CA", metadata: ["ca.fingerprint": "\(pin)"])
            return [certificate]
        }
    }

    /// `GET /v1/ca` without verifying the certificate: the answer is trusted only through the
    /// fingerprint check that follows, and nothing secret is sent.
    static func fetchCA(_ controllerURL: String) async throws(AgentError) -> String {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool.retryConnectionEstablishment = false  // the caller retries
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        do {
            let base = controllerURL.hasSuffix("/") ? String(controllerURL.dropLast()) : controllerURL
            let response = try await client.execute(HTTPClientRequest(url: base + "/v1/ca"), timeout: .seconds(15))
            let body = try await response.body.collect(upTo: 64 * 1024)
            guard response.status == .ok else {
                throw AgentError(.terminal, "\(base)/v1/ca answered \(response.status.code): the controller has no CA of its own; give its CA with --ca-file instead")
            }
            return String(buffer: body)
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.controller, "cannot fetch the controller's CA from \(controllerURL): \(error)")
        }
    }
}
