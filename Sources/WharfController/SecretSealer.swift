import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import WharfFiles

/// Seals the secrets the controller must be able to read back (access key secrets: verifying a
/// SigV4 signature needs the secret itself, so it cannot be only hashed) with AES-256-GCM under a
/// key kept apart from the database, in `secrets.key` (mode 0600) in the data directory. A copy of
/// `wharf.db` alone reveals no secret.
public struct SecretSealer: Sendable {
    /// The 32 key bytes (kept as bytes: `SymmetricKey` is not `Sendable`).
    let keyBytes: Data

    /// A sealer with `key`; tests use a random one.
    public init(key: SymmetricKey = SymmetricKey(size: .bits256)) {
        self.keyBytes = key.withUnsafeBytes { Data($0) }
    }

    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The file name of the key in the data directory.
    public static let fileName = "secrets.key"

    /// Reads the data directory's key, creating it (32 random bytes, mode 0600) on first start.
    public static func load(dataDirectory: String) throws(ControllerStartError) -> SecretSealer {
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        if access(path, F_OK) == 0 {
            // It exists: read it or stop. A new key would orphan every stored secret.
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ControllerStartError("\(path) exists but cannot be read (errno \(errno)); the stored access keys need it")
            }
            guard data.count == 32 else {
                throw ControllerStartError("\(path) holds \(data.count) bytes, not the 32 of a secrets key; restore it from a backup (the stored access keys cannot be read without it)")
            }
            return SecretSealer(key: SymmetricKey(data: data))
        }
        guard errno == ENOENT else {
            throw ControllerStartError("cannot look at \(path) (errno \(errno)); the stored access keys need it")
        }
        let key = SymmetricKey(size: .bits256)
        try writeExclusively(key.withUnsafeBytes { Array($0) }, to: path, what: "the key that seals stored secrets")
        return SecretSealer(key: key)
    }

    /// Creates `path` with mode 0600 from the start (never readable by others, whatever the
    /// umask), fails if it exists, and flushes it and its directory to disk: a key that was used
    /// to seal anything must survive a power cut.
    static func writeExclusively(_ bytes: [UInt8], to path: String, what: String) throws(ControllerStartError) {
        do {
            try DurableFile.create(bytes, at: path)
        } catch {
            throw ControllerStartError("\(error), \(what); check that the data directory is writable")
        }
    }

    /// Seals `secret`, bound to `context` (the key's ID): base64 of nonce, ciphertext and tag.
    /// - Throws: what AES-GCM throws; with the random 12-byte nonce used here it has no reason to.
    public func seal(_ secret: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else {
            throw ControllerStartError("AES-GCM gave no combined form for a sealed secret (the nonce is not 12 bytes)")
        }
        return combined.base64EncodedString()
    }

    /// Opens what ``seal(_:context:)`` made; nil when it was sealed under another key or context,
    /// or altered.
    public func open(_ sealed: String, context: String) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8)) else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}

/// Why the controller cannot start: a setting or a file to fix, said so the operator can.
public struct ControllerStartError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
