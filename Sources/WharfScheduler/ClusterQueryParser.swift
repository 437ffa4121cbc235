import WharfModel

/// A recursive-descent parser of the cluster query language (see ``ClusterQuery``).
struct ClusterQueryParser {
    enum Token: Equatable {
        case word(String)
        /// A quoted value: never an operator or keyword.
        case quoted(String)
        case symbol(String)
    }

    let text: String
    private var tokens: [Token] = []
    private var position = 0

    init(text: String) {
        self.text = text
    }

    mutating func parse() throws(ECSError) -> ClusterQuery {
        tokens = try Self.tokenize(text)
        guard !tokens.isEmpty else { throw failure("is empty; write an expression such as attribute:ecs.os-type == linux") }
        let query = try parseOr()
        guard position == tokens.count else { throw failure("has \(describe(tokens[position])) where the expression should end") }
        return query
    }

    // MARK: - Grammar

    private mutating func parseOr() throws(ECSError) -> ClusterQuery {
        var left = try parseAnd()
        while take(word: "or") || take(symbol: "||") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(ECSError) -> ClusterQuery {
        var left = try parseUnary()
        while take(word: "and") || take(symbol: "&&") { left = .and(left, try parseUnary()) }
        return left
    }

    private mutating func parseUnary() throws(ECSError) -> ClusterQuery {
        if take(word: "not") || take(symbol: "!") { return .not(try parseUnary()) }
        if take(symbol: "(") {
            let inner = try parseOr()
            guard take(symbol: ")") else { throw failure("is missing a closing parenthesis") }
            return inner
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(ECSError) -> ClusterQuery {
        guard position < tokens.count, case .word(let name) = tokens[position] else {
            throw failure(position < tokens.count ? "has \(describe(tokens[position])) where a subject such as attribute:NAME should be"
                                                  : "ends where a subject such as attribute:NAME should be")
        }
        position += 1
        let subject = try Self.subject(name, failure: failure)
        let op = try parseOperator(after: name)
        switch op {
        case .exists, .notExists:
            return .compare(subject, op, [])
        case .isIn, .notIn:
            return .compare(subject, op, try parseList())
        default:
            return .compare(subject, op, [try parseValue(after: op)])
        }
    }

    private mutating func parseOperator(after subject: String) throws(ECSError) -> ClusterQuery.Operator {
        let symbols: [String: ClusterQuery.Operator] = [
            "==": .equals, "!=": .notEquals, ">": .greaterThan, ">=": .greaterThanOrEqual, "<": .lessThan, "<=": .lessThanOrEqual,
            "=~": .matches, "!~": .notMatches,
        ]
        let words: [String: ClusterQuery.Operator] = [
            "equals": .equals, "not_equals": .notEquals, "greater_than": .greaterThan, "greater_than_equal": .greaterThanOrEqual,
            "less_than": .lessThan, "less_than_equal": .lessThanOrEqual, "exists": .exists, "not_exists": .notExists,
            "in": .isIn, "not_in": .notIn, "matches": .matches, "not_matches": .notMatches,
        ]
        guard position < tokens.count else { throw failure("ends after \(subject), where an operator such as == should be") }
        let token = tokens[position]
        position += 1
        switch token {
        case .symbol("!"):
            if take(word: "exists") { return .notExists }
            if take(word: "in") { return .notIn }
        case .symbol(let symbol):
            if let op = symbols[symbol] { return op }
        case .word(let word):
            if let op = words[word.lowercased()] { return op }
        case .quoted: break
        }
        position -= 1
        throw failure("has \(describe(token)) after \(subject) where an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~) should be")
    }

    private mutating func parseValue(after op: ClusterQuery.Operator) throws(ECSError) -> String {
        guard position < tokens.count else { throw failure("ends where the value after \(op.rawValue) should be") }
        switch tokens[position] {
        case .word(let value), .quoted(let value):
            position += 1
            return value
        case .symbol(let symbol):
            throw failure("has \"\(symbol)\" where the value after \(op.rawValue) should be")
        }
    }

    private mutating func parseList() throws(ECSError) -> [String] {
        let close: String
        if take(symbol: "[") { close = "]" } else if take(symbol: "(") { close = ")" } else {
            throw failure("needs a list such as [a, b] after in")
        }
        var values: [String] = []
        repeat {
            guard position < tokens.count else { throw failure("ends inside a list; close it with \(close)") }
            switch tokens[position] {
            case .word(let value), .quoted(let value):
                values.append(value)
                position += 1
            case .symbol(let symbol):
                throw failure("has \"\(symbol)\" where a list value should be")
            }
        } while take(symbol: ",")
        guard take(symbol: close) else { throw failure("has a list that is not closed with \(close)") }
        return values
    }

    // MARK: - Helpers

    private mutating func take(word: String) -> Bool {
        guard position < tokens.count, case .word(let found) = tokens[position], found.lowercased() == word else { return false }
        position += 1
        return true
    }

    private mutating func take(symbol: String) -> Bool {
        guard position < tokens.count, tokens[position] == .symbol(symbol) else { return false }
        position += 1
        return true
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let word): "\"\(word)\""
        case .quoted(let value): "\"\(value)\""
        case .symbol(let symbol): "\"\(symbol)\""
        }
    }

    private func failure(_ what: String) -> ECSError {
        ECSError(.invalidParameter, "the expression \"\(text)\" \(what)")
    }

    static func subject(_ name: String, failure: (String) -> ECSError) throws(ECSError) -> ClusterQuery.Subject {
        if name.lowercased().hasPrefix("attribute:") {
            let attribute = String(name.dropFirst("attribute:".count))
            guard !attribute.isEmpty else { throw failure("names no attribute after attribute:") }
            return .attribute(attribute)
        }
        switch name {
        case "agentConnected": return .agentConnected
        case "agentVersion": return .agentVersion
        case "ec2InstanceId": return .ec2InstanceId
        case "registeredAt": return .registeredAt
        case "runningTasksCount": return .runningTasksCount
        case "task:group": return .taskGroup
        default:
            throw failure("has the subject \"\(name)\", which is not one of attribute:NAME, agentConnected, agentVersion, ec2InstanceId, registeredAt, runningTasksCount, task:group")
        }
    }

    /// Splits the text into words, quoted values and the symbols ( ) [ ] , ! == != > >= < <= =~ !~ && ||.
    static func tokenize(_ text: String) throws(ECSError) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var index = 0
        let two = ["==", "!=", ">=", "<=", "=~", "!~", "&&", "||"]
        let single: Set<Character> = ["(", ")", "[", "]", ",", "!", ">", "<"]
        let stops: Set<Character> = ["(", ")", "[", "]", ",", "!", ">", "<", "=", "&", "|", "\"", "'"]
        while index < characters.count {
            let c = characters[index]
            if c.isWhitespace {
                index += 1
                continue
            }
            if index + 1 < characters.count, two.contains(String(characters[index...index + 1])) {
                tokens.append(.symbol(String(characters[index...index + 1])))
                index += 2
            } else if single.contains(c) {
                tokens.append(.symbol(String(c)))
                index += 1
            } else if c == "\"" || c == "'" {
                guard let end = characters[(index + 1)...].firstIndex(of: c) else {
                    throw ECSError(.invalidParameter, "the expression \"\(text)\" has a quote that is not closed")
                }
                tokens.append(.quoted(String(characters[(index + 1)..<end])))
                index = end + 1
            } else if stops.contains(c) {
                throw ECSError(.invalidParameter, "the expression \"\(text)\" has \"\(c)\" where it makes no sense; operators are ==, !=, >, >=, <, <=, =~, !~, &&, ||")
            } else {
                var end = index
                while end < characters.count, !characters[end].isWhitespace, !stops.contains(characters[end]) { end += 1 }
                tokens.append(.word(String(characters[index..<end])))
                index = end
            }
        }
        return tokens
    }
}
