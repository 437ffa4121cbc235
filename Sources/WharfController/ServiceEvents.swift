import Foundation
import WharfModel
import WharfState

/// A service's event list as ECS keeps it: newest first, at most 100.
enum ServiceEvents {
    /// How many events a service keeps.
    static let limit = 100
    /// A message that repeats the newest event within this many seconds is not written again (a
    /// task that cannot be placed says so once a minute, not once a round).
    static let repeatWindow: Double = 60

    /// `events` with `messages` (oldest first) added at the front, their IDs drawn from `random`.
    static func adding(
        _ messages: [String],
        to events: [ServiceEventRecord],
        now: Date,
        random: inout SeededRandom
    ) -> [ServiceEventRecord] {
        var events = events
        for message in messages {
            if let newest = events.first, newest.message == message,
                now.timeIntervalSince(newest.createdAt) < repeatWindow
            {
                continue
            }
            events.insert(ServiceEventRecord(id: random.uuid(), createdAt: now, message: message), at: 0)
        }
        return Array(events.prefix(limit))
    }
}
