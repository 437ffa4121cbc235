import Foundation

/// When a scheduled action runs, as Application Auto Scaling writes it: once
/// (`at(2026-12-05T12:00:00)`), at a fixed rate (`rate(5 minutes)`), or on a cron schedule of six
/// fields (`cron(0 9 ? * MON-FRI *)`: minutes, hours, day of month, month, day of week, year),
/// read in the action's time zone.
public enum ScalingSchedule: Equatable, Sendable {
    case at(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)
    case rate(seconds: Int)
    case cron(CronSchedule)

    /// Reads a schedule expression.
    /// - Throws: a message saying what is wrong with it.
    public init(_ text: String) throws(ScheduleError) {
        func inner(_ prefix: String) -> String? {
            guard text.hasPrefix(prefix + "("), text.hasSuffix(")") else { return nil }
            return String(text.dropFirst(prefix.count + 1).dropLast())
        }
        if let body = inner("at") {
            let parts = body.split(whereSeparator: { "-T:".contains($0) }).map { Int($0) }
            guard parts.count == 6, !parts.contains(nil), body.count == 19,
                let year = parts[0], let month = parts[1], let day = parts[2], let hour = parts[3],
                let minute = parts[4], let second = parts[5],
                (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
                (0...59).contains(second)
            else {
                throw ScheduleError("an at expression is at(yyyy-mm-ddThh:mm:ss), such as at(2026-12-24T18:00:00)")
            }
            self = .at(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        } else if let body = inner("rate") {
            let parts = body.split(separator: " ")
            let units: [String: Int] = [
                "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86_400, "days": 86_400,
            ]
            guard parts.count == 2, let value = Int(parts[0]), value > 0, let unit = units[String(parts[1])],
                (value == 1) == !parts[1].hasSuffix("s")
            else {
                throw ScheduleError(
                    "a rate expression is rate(value unit) with a unit of minute(s), hour(s) or day(s), singular "
                        + "for 1: rate(1 hour), rate(5 minutes)"
                )
            }
            self = .rate(seconds: value * unit)
        } else if let body = inner("cron") {
            self = .cron(try CronSchedule(body))
        } else {
            throw ScheduleError("a schedule is at(...), rate(...) or cron(...)")
        }
    }

    /// The time it should have run last, at or before `now`, and after `since`; nil when there is
    /// none. `base` is when a rate counts from (its start time, or when it was created).
    public func occurrence(after since: Date, upTo now: Date, base: Date, timeZone: TimeZone) -> Date? {
        switch self {
        case .at(let year, let month, let day, let hour, let minute, let second):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let components = DateComponents(
                year: year,
                month: month,
                day: day,
                hour: hour,
                minute: minute,
                second: second
            )
            guard let time = calendar.date(from: components), time > since, time <= now else { return nil }
            return time
        case .rate(let seconds):
            let elapsed = now.timeIntervalSince(base)
            guard elapsed >= Double(seconds) else { return nil }
            let time = base.addingTimeInterval(Double(Int(elapsed) / seconds * seconds))
            return time > since ? time : nil
        case .cron(let cron):
            // Minute by minute back from now, at most an hour: the controller looks every few seconds.
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let latest = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60)
            for back in 0..<60 {
                let time = latest.addingTimeInterval(Double(-60 * back))
                guard time > since else { return nil }
                if cron.matches(calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: time)) {
                    return time
                }
            }
            return nil
        }
    }
}

/// What is wrong with a schedule expression.
public struct ScheduleError: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// A cron schedule's six fields as sets of the values they allow (day of week 1 = Sunday); a
/// field of `?` allows every value.
public struct CronSchedule: Equatable, Sendable {
    public var minutes: Set<Int>
    public var hours: Set<Int>
    public var daysOfMonth: Set<Int>
    public var months: Set<Int>
    public var daysOfWeek: Set<Int>
    public var years: Set<Int>

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    init(_ text: String) throws(ScheduleError) {
        let fields = text.split(separator: " ").map(String.init)
        guard fields.count == 6 else {
            throw ScheduleError(
                "a cron expression has six fields: minutes hours day-of-month month day-of-week year, such as "
                    + "cron(0 9 ? * MON-FRI *)"
            )
        }
        guard (fields[2] == "?") != (fields[4] == "?") else {
            throw ScheduleError("in a cron expression, exactly one of day-of-month and day-of-week must be ?")
        }
        minutes = try Self.field(fields[0], 0...59, "minutes")
        hours = try Self.field(fields[1], 0...23, "hours")
        daysOfMonth = try Self.field(fields[2], 1...31, "day-of-month")
        months = try Self.field(fields[3], 1...12, "month", names: Self.monthNames, first: 1)
        daysOfWeek = try Self.field(fields[4], 1...7, "day-of-week", names: Self.dayNames, first: 1)
        years = try Self.field(fields[5], 1970...2199, "year")
    }

    /// Whether a minute (its calendar components) is one the schedule names.
    func matches(_ time: DateComponents) -> Bool {
        guard let minute = time.minute, let hour = time.hour, let day = time.day, let month = time.month,
            let weekday = time.weekday, let year = time.year
        else { return false }
        return minutes.contains(minute) && hours.contains(hour) && daysOfMonth.contains(day)
            && months.contains(month) && daysOfWeek.contains(weekday) && years.contains(year)
    }

    /// The values one field allows: `*`, `?`, numbers or names, ranges `a-b`, steps `a/n` and
    /// `a-b/n`, and lists of these.
    static func field(
        _ text: String,
        _ range: ClosedRange<Int>,
        _ name: String,
        names: [String] = [],
        first: Int = 0
    ) throws(ScheduleError) -> Set<Int> {
        if text == "*" || text == "?" { return Set(range) }
        func value(_ part: Substring) throws(ScheduleError) -> Int {
            if let index = names.firstIndex(of: part.uppercased()) { return index + first }
            guard let number = Int(part), range.contains(number) else {
                if part.contains("L") || part.contains("W") || part.contains("#") {
                    throw ScheduleError("the cron field \(name) uses \(part), which Wharf does not support (L, W, #)")
                }
                throw ScheduleError(
                    "the cron field \(name) has \(part), outside \(range.lowerBound)-\(range.upperBound)"
                )
            }
            return number
        }
        var allowed = Set<Int>()
        for item in text.split(separator: ",") {
            let stepParts = item.split(separator: "/", maxSplits: 1)
            var step = 1
            if stepParts.count == 2 {
                guard let parsed = Int(stepParts[1]), parsed > 0 else {
                    throw ScheduleError("the cron field \(name) has a step that is not a positive number: \(item)")
                }
                step = parsed
            }
            let span = stepParts[0]
            let low: Int
            let high: Int
            if span == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = span.firstIndex(of: "-") {
                low = try value(span[..<dash])
                high = try value(span[span.index(after: dash)...])
                guard low <= high else { throw ScheduleError("the cron field \(name) has a range backwards: \(item)") }
            } else {
                low = try value(span)
                high = stepParts.count == 2 ? range.upperBound : low
            }
            allowed.formUnion(stride(from: low, through: high, by: step))
        }
        return allowed
    }
}
