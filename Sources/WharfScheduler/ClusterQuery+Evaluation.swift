import WharfModel

extension ClusterQuery {
    /// Whether `target` satisfies the expression.
    public func matches(_ target: QueryTarget) -> Bool {
        switch self {
        case .and(let left, let right): return left.matches(target) && right.matches(target)
        case .or(let left, let right): return left.matches(target) || right.matches(target)
        case .not(let inner): return !inner.matches(target)
        case .compare(let subject, let op, let values): return Self.compare(subject, op, values, target)
        }
    }

    static func compare(_ subject: Subject, _ op: Operator, _ values: [String], _ target: QueryTarget) -> Bool {
        let candidates: [String]
        switch subject {
        case .attribute(let name): candidates = target.attributes[name].map { [$0] } ?? []
        case .agentConnected: candidates = [target.agentConnected ? "true" : "false"]
        case .agentVersion: candidates = target.agentVersion.map { [$0] } ?? []
        case .ec2InstanceId: candidates = target.ec2InstanceId.map { [$0] } ?? []
        case .registeredAt: candidates = target.registeredAt.map { [String($0)] } ?? []
        case .runningTasksCount: candidates = [String(target.runningTasksCount)]
        case .taskGroup: candidates = target.taskGroups.sorted()
        }
        let value = values.first ?? ""
        switch op {
        case .exists: return !candidates.isEmpty
        case .notExists: return candidates.isEmpty
        case .equals: return candidates.contains { glob(value, $0) }
        case .notEquals: return !candidates.contains { glob(value, $0) }
        case .isIn: return candidates.contains { candidate in values.contains { glob($0, candidate) } }
        case .notIn: return !candidates.contains { candidate in values.contains { glob($0, candidate) } }
        case .matches: return candidates.contains { wholeMatch(value, $0) }
        case .notMatches: return !candidates.contains { wholeMatch(value, $0) }
        case .greaterThan, .greaterThanOrEqual, .lessThan, .lessThanOrEqual:
            return candidates.contains { candidate in
                guard let order = ordering(candidate, value, subject: subject) else { return false }
                switch op {
                case .greaterThan: return order > 0
                case .greaterThanOrEqual: return order >= 0
                case .lessThan: return order < 0
                default: return order <= 0
                }
            }
        }
    }

    /// -1, 0 or 1 comparing `left` to `right`: as numbers when both are, as times for
    /// registeredAt, else as text.
    static func ordering(_ left: String, _ right: String, subject: Subject) -> Int? {
        if subject == .registeredAt {
            guard let l = Double(left), let r = Double(right) ?? ISOTime.epochSeconds(right) else { return nil }
            return l < r ? -1 : l > r ? 1 : 0
        }
        if let l = Double(left), let r = Double(right) { return l < r ? -1 : l > r ? 1 : 0 }
        return left < right ? -1 : left > right ? 1 : 0
    }

    /// `pattern` with `*` standing for any run of characters, against the whole of `text`.
    static func glob(_ pattern: String, _ text: String) -> Bool {
        guard pattern.contains("*") else { return pattern == text }
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        var rest = Substring(text)
        guard let first = parts.first, rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for (offset, part) in parts.dropFirst().enumerated() {
            if offset == parts.count - 2 { return rest.hasSuffix(part) }
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }

    /// Whether the regular expression `pattern` matches the whole of `text` (false when it is not
    /// a valid expression; ``ClusterQuery/check()`` refuses those up front).
    static func wholeMatch(_ pattern: String, _ text: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return false }
        return (try? regex.wholeMatch(in: text)) != nil
    }

    /// Checks what parsing cannot: that every regular expression compiles and every time given to
    /// registeredAt can be read.
    /// - Throws: `InvalidParameterException` naming the value.
    public func check() throws(ECSError) {
        switch self {
        case .and(let left, let right), .or(let left, let right):
            try left.check()
            try right.check()
        case .not(let inner):
            try inner.check()
        case .compare(let subject, let op, let values):
            if op == .matches || op == .notMatches, let pattern = values.first, (try? Regex(pattern)) == nil {
                throw ECSError(.invalidParameter, "the regular expression \"\(pattern)\" is not valid")
            }
            if subject == .registeredAt, op != .exists, op != .notExists {
                for value in values where Double(value) == nil && ISOTime.epochSeconds(value) == nil {
                    throw ECSError(.invalidParameter, "registeredAt compares with a time such as 2026-01-31 or 2026-01-31T12:00:00Z; \"\(value)\" is not one")
                }
            }
        }
    }
}

/// ISO 8601 times without Foundation: `YYYY-MM-DD`, optionally `THH:MM[:SS]` and `Z`.
enum ISOTime {
    static func epochSeconds(_ text: String) -> Double? {
        var text = Substring(text)
        if text.hasSuffix("Z") { text = text.dropLast() }
        let halves = text.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let date = halves[0].split(separator: "-", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard date.count == 3, (1...12).contains(date[1]), (1...31).contains(date[2]) else { return nil }
        var seconds = 0
        if halves.count == 2 {
            let time = halves[1].split(separator: ":", omittingEmptySubsequences: false).compactMap { Int($0) }
            guard (2...3).contains(time.count), (0...23).contains(time[0]), (0...59).contains(time[1]), time.count == 2 || (0...60).contains(time[2]) else { return nil }
            seconds = time[0] * 3600 + time[1] * 60 + (time.count == 3 ? time[2] : 0)
        }
        return Double(days(year: date[0], month: date[1], day: date[2]) * 86400 + seconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
