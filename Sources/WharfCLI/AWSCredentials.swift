import Foundation

/// The access key and region the `wharf` commands sign with, found where the AWS CLI finds them:
/// `WHARF_ACCESS_KEY_ID` / `WHARF_SECRET_ACCESS_KEY` (Wharf's own override), then
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, then the profile (`--profile`, else
/// `AWS_PROFILE`, else `default`) in the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`,
/// else `~/.aws/credentials`) or the config file (`AWS_CONFIG_FILE`, else `~/.aws/config`).
struct AWSCredentials: Equatable {
    var accessKeyId: String
    var secretAccessKey: String
    var region: String

    /// Why no credentials could be formed from what was given.
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// Resolves the credentials; nil when there are none anywhere (requests then go unsigned).
    /// - Parameter read: reads a file's text (injected for tests); nil when it is not there.
    static func resolve(profile flag: String?, region regionFlag: String?, environment: [String: String],
                        read: (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }) throws(Problem) -> AWSCredentials? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let home = value("HOME") ?? NSHomeDirectory()
        let profile = flag ?? value("AWS_PROFILE") ?? "default"
        let credentialsFile = value("AWS_SHARED_CREDENTIALS_FILE") ?? home + "/.aws/credentials"
        let configFile = value("AWS_CONFIG_FILE") ?? home + "/.aws/config"
        let credentials = read(credentialsFile).map(parseINI)?[profile] ?? [:]
        let config = read(configFile).map(parseINI)?[profile == "default" ? "default" : "profile \(profile)"] ?? [:]
        let region = regionFlag ?? value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? config["region"] ?? "us-east-1"

        for (idName, secretName) in [("WHARF_ACCESS_KEY_ID", "WHARF_SECRET_ACCESS_KEY"), ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")] {
            switch (value(idName), value(secretName)) {
            case (let id?, let secret?): return AWSCredentials(accessKeyId: id, secretAccessKey: secret, region: region)
            case (nil, nil): continue
            default: throw Problem(description: "set both \(idName) and \(secretName), or neither")
            }
        }
        for section in [credentials, config] {
            if let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"], !id.isEmpty, !secret.isEmpty {
                return AWSCredentials(accessKeyId: id, secretAccessKey: secret, region: region)
            }
        }
        if flag != nil || value("AWS_PROFILE") != nil {
            throw Problem(description: "profile \"\(profile)\" has no aws_access_key_id and aws_secret_access_key in \(credentialsFile) or \(configFile)")
        }
        return nil
    }

    /// The sections of an INI file (`[name]` then `key = value` lines; `#` and `;` comments).
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if let current, sections[current] == nil { sections[current] = [:] }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            sections[current]?[key] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return sections
    }
}
