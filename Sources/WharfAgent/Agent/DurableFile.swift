#if canImport(Glibc)
import Glibc
#endif

/// Writes a file so that it survives a power cut whole: the bytes go to a temporary file beside
/// it, which is flushed to disk (`fsync`), renamed over the file, and the directory is flushed
/// too, so that the rename itself is on disk. After a crash at any moment the file holds either
/// what it held before or all of what was written, never a mixture or nothing.
enum DurableFile {
    /// What went wrong, with the call and its `errno`.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Replaces the file at `path` with `bytes`, readable by its owner only.
    static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(temporary): errno \(errno)") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw Failure(description: "cannot write \(temporary): errno \(code)")
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            unlink(temporary)
            throw Failure(description: "cannot flush \(temporary) to disk: errno \(code)")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw Failure(description: "cannot rename \(temporary) to \(path): errno \(code)")
        }
        try syncDirectory(of: path)
    }

    /// Flushes the directory holding `path`, so that a rename or removal in it is on disk.
    static func syncDirectory(of path: String) throws(Failure) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(directory): errno \(errno)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw Failure(description: "cannot flush \(directory) to disk: errno \(errno)")
        }
    }
}
