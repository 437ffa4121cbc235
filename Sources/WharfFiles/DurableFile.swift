#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that it survives a power cut whole: the bytes go to a temporary file beside
/// it, which is flushed to disk (`fsync`), renamed over the file, and the directory is flushed
/// too, so that the rename itself is on disk. After a crash at any moment the file holds either
/// what it held before or all of what was written, never a mixture or nothing.
public enum DurableFile {
    /// What went wrong, with the call and its `errno`.
    public struct Failure: Error, CustomStringConvertible {
        /// The path, the call that failed and its `errno`.
        public var description: String
        /// The `errno` of the call that failed.
        public var code: Int32
    }

    /// Replaces the file at `path` with `bytes`, created with `mode` (owner-only by default).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(Failure) {
        let temporary = path + ".tmp"
        _ = unlink(temporary)
        try create(bytes, at: temporary, mode: mode, syncingDirectory: false)
        guard rename(temporary, path) == 0 else {
            let failure = Failure(call: "rename \(temporary) to", path: path)
            unlink(temporary)
            throw failure
        }
        try syncDirectory(of: path)
    }

    /// Creates `path` with `bytes` and `mode` from the start (never readable by others, whatever
    /// the umask); fails when it exists. The file and its directory are flushed to disk.
    public static func create(_ bytes: [UInt8], at path: String, mode: mode_t = 0o600) throws(Failure) {
        try create(bytes, at: path, mode: mode, syncingDirectory: true)
    }

    /// Renames `source` to `destination` and flushes the directory, so the rename is on disk.
    public static func move(_ source: String, to destination: String) throws(Failure) {
        guard rename(source, destination) == 0 else { throw Failure(call: "rename \(source) to", path: destination) }
        try syncDirectory(of: destination)
    }

    /// Removes `path` (nothing to do when it is absent) and flushes its directory.
    public static func remove(_ path: String) throws(Failure) {
        guard unlink(path) == 0 || errno == ENOENT else { throw Failure(call: "remove", path: path) }
        try syncDirectory(of: path)
    }

    /// Flushes the directory holding `path`, so that a rename or removal in it is on disk.
    public static func syncDirectory(of path: String) throws(Failure) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let name = directory.isEmpty ? "/" : directory
        let descriptor = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(call: "open", path: name) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(call: "flush to disk", path: name) }
    }

    private static func create(
        _ bytes: [UInt8], at path: String, mode: mode_t, syncingDirectory: Bool
    ) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(call: "create", path: path) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw abandon(descriptor, path, Failure(call: "write", path: path)) }
            written += count
        }
        // The mode asked for, whatever the umask took away at creation.
        guard fchmod(descriptor, mode) == 0 else { throw abandon(descriptor, path, Failure(call: "chmod", path: path)) }
        guard fsync(descriptor) == 0 else {
            throw abandon(descriptor, path, Failure(call: "flush to disk", path: path))
        }
        close(descriptor)
        if syncingDirectory { try syncDirectory(of: path) }
    }

    /// Closes and removes a file whose creation failed; returns the failure to throw.
    private static func abandon(_ descriptor: Int32, _ path: String, _ failure: Failure) -> Failure {
        close(descriptor)
        unlink(path)
        return failure
    }
}

extension DurableFile.Failure {
    /// The failure of `call` on `path`, with the current `errno`.
    init(call: String, path: String) {
        let code = errno
        self.init(description: "cannot \(call) \(path): \(String(cString: strerror(code))) (errno \(code))", code: code)
    }
}
