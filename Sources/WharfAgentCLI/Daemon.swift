import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// What the daemons share: logging to stderr as journald keeps it, and turning a start-up failure
/// into one clear line and a non-zero exit instead of a crash.
public enum Daemon {
    /// A logger for `label` at the level named by `level` (info when the name is unknown).
    public static func logger(_ label: String, level: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }

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
