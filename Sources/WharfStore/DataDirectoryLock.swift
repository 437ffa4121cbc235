import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive lock on a data directory, so two controllers never write one database.
public final class DataDirectoryLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Creates `directory` if needed (mode 0700) and locks it.
    /// - Throws: ``StoreError`` with code `locked` when another process holds it.
    public static func acquire(_ directory: String) throws(StoreError) -> DataDirectoryLock {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError(.open, "cannot create the data directory \(directory)", cause: error)
        }
        let path = (directory as NSString).appendingPathComponent("controller.lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.open, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StoreError(.locked, "another wharf-controller is using the data directory \(directory); stop it or choose another --data-dir")
        }
        return DataDirectoryLock(descriptor: descriptor)
    }

    /// Releases the lock.
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
