/// How the `awslogs` driver groups a container's lines into log events: one event per line, or,
/// with `awslogs-multiline-pattern` or `awslogs-datetime-format`, one event from each line that
/// matches to the next, as Docker's awslogs driver does.
public enum AwslogsEvents {
    /// The regular expression a line that starts an event matches, from the container's `awslogs`
    /// options; nil for one event per line.
    /// - Throws: `ClientException` for both options at once, or a pattern that does not compile.
    public static func startPattern(_ options: [String: String]) throws(ECSError) -> String? {
        if options["awslogs-multiline-pattern"] != nil, options["awslogs-datetime-format"] != nil {
            throw ECSError(
                .client,
                "awslogs-multiline-pattern and awslogs-datetime-format cannot both be given; choose one"
            )
        }
        guard let pattern = pattern(options) else { return nil }
        do {
            _ = try Regex(pattern)
        } catch {
            throw ECSError(.client, "awslogs pattern \(pattern) is not a valid regular expression: \(error)")
        }
        return pattern
    }

    /// The pattern without checking it (registration did): what the agent follows a container by.
    public static func pattern(_ options: [String: String]) -> String? {
        options["awslogs-multiline-pattern"] ?? options["awslogs-datetime-format"].map { "^" + regex(strftime: $0) }
    }

    /// The regular expression for a `strftime` format, with the directives Docker's awslogs
    /// driver knows; other text matches itself.
    public static func regex(strftime format: String) -> String {
        let directives: [Character: String] = [
            "a": "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)",
            "A": "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)",
            "b": "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)",
            "B": "(?:January|February|March|April|May|June|July|August|September|October|November|December)",
            "d": "(?:0[1-9]|[1,2][0-9]|3[0,1])",
            "H": "(?:[0,1][0-9]|2[0-3])",
            "I": "(?:0[0-9]|1[0-2])",
            "j": "(?:0[0-9][1-9]|[1,2][0-9][0-9]|3[0-5][0-9]|36[0-6])",
            "L": "\\.\\d{3}",
            "m": "(?:0[1-9]|1[0-2])",
            "M": "[0-5][0-9]",
            "p": "[A,P]M",
            "S": "[0-5][0-9]",
            "f": "\\d{6}",
            "U": "(?:0[0-9]|[1-4][0-9]|5[0-3])",
            "w": "[0-6]",
            "W": "(?:0[0-9]|[1-4][0-9]|5[0-3])",
            "y": "\\d{2}",
            "Y": "\\d{4}",
            "z": "[+-]\\d{4}",
            "Z": "[A-Z]{1,4}T",
        ]
        var result = ""
        var characters = format.makeIterator()
        while let character = characters.next() {
            if character == "%", let directive = characters.next() {
                result += directives[directive] ?? escaped("%\(directive)")
            } else {
                result += escaped(String(character))
            }
        }
        return result
    }

    /// `text` with the characters a regular expression gives meaning to escaped.
    static func escaped(_ text: String) -> String {
        let special: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]
        return text.map { special.contains($0) ? "\\\($0)" : String($0) }.joined()
    }
}
