#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory the C allocator holds free back to the system (glibc's `malloc_trim`).
///
/// glibc keeps what a process frees for its next allocations, in one arena per thread that
/// allocated it; pages between live allocations stay resident. After loading a large state (every
/// row decoded once, then dropped) or forgetting thousands of expired tasks, the controller's RSS
/// stayed at its peak though the state was a fraction of it. Trimming then brings RSS back to what
/// is in use (measured in docs/benchmarks.md, controller memory per task). Found at run time, so a
/// libc without it (musl) costs nothing.
enum AllocatorTrim {
    #if canImport(Glibc)
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif

    /// Returns free memory to the system, where the allocator can.
    static func run() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
