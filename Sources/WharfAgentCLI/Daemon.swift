import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization

/// What the daemons share: logging to stderr as journald keeps it, and turning a start-up failure
/// into one clear line and a non-zero exit instead of a crash.
public enum Daemon {
    /// A logger for `label` at the level named by `level` (info when the name is unknown).
    ///
    /// The first call also sets that level for every logger the process makes later (the
    /// controller's scheduler, retention and metrics loggers, the agent's Docker client), so
    /// `--log-level debug` shows their debug lines and `--log-level error` quiets their notices.
    public static func logger(_ label: String, level: String) -> Logger {
        let chosen = Logger.Level(rawValue: level) ?? .info
        bootstrap.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = chosen
                return handler
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = chosen
        return logger
    }

    /// Whether the logging system was bootstrapped (it may be only once in a process).
    private static let bootstrap = Mutex(false)

    /// Runs `body`; a failure is logged as one critical line and becomes exit status 1 (an
    /// `ExitCode` that `body` chose itself passes through).
    public static func run(logger: Logger, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let code as ExitCode {
            throw code
        } catch {
            logger.critical("cannot run: \(error)")
            throw ExitCode(1)
        }
    }
}
