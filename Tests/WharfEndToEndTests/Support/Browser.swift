import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A real headless Chromium driven over W3C WebDriver by Debian's `chromedriver`
/// (`.ci/setup.sh ensure-chromium`): one browser session, closed (with the driver) by ``close()``.
final class Browser: @unchecked Sendable {
    // @unchecked: used from the test's own task only, one command at a time.
    private let driver: ManagedProcess
    private let base: String
    private let session: String
    private let profile: String
    // URLSession on Linux fails on chromedriver's answers ("Failed writing header").
    private static let client = HTTPClient(eventLoopGroupProvider: .singleton)

    /// Where a failure's screenshot goes, and where `WHARF_CONSOLE_SCREENSHOTS` asks for the docs'.
    static let screenshots = ProcessInfo.processInfo.environment["WHARF_CONSOLE_SCREENSHOTS"]

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts chromedriver and a headless browser `width` × `height` pixels.
    init(width: Int = 1280, height: Int = 900) async throws {
        let setup = try await DockerEngine.run(["bash", DockerEngine.repositoryRoot.path + "/.ci/setup.sh", "ensure-chromium"])
        guard setup.status == 0 else { throw Failure(description: "no Chromium: \(setup.stderr)") }
        let port = try freePort()
        driver = try ManagedProcess("chromedriver", ["chromedriver", "--port=\(port)"], path: "/usr/bin/env")
        base = "http://127.0.0.1:\(port)"
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("wharf-chromium-\(UUID().uuidString)").path
        let started = ContinuousClock.now
        var ready = false
        var last = ""
        while !ready, ContinuousClock.now - started < .seconds(20) {
            do {
                let status = try await Self.send("GET", base + "/status", nil)
                ready = (status["value"] as? [String: Any])?["ready"] as? Bool == true
                last = "\(status)"
            } catch {
                last = "\(error)"
            }
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard ready else { throw Failure(description: "chromedriver did not start (\(last)):\n\(driver.log)") }
        let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let options: [String: Any] = [
            "binary": binary ?? "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                "--user-data-dir=\(profile)", "--no-first-run", "--disable-extensions",
            ],
        ]
        let created = try await Self.send("POST", base + "/session", [
            "capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options, "unhandledPromptBehavior": "ignore"]],
        ])
        guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw Failure(description: "no browser session: \(created)\n\(driver.log)")
        }
        session = id
    }

    func close() async {
        _ = try? await Self.send("DELETE", "\(base)/session/\(session)", nil)
        _ = try? await driver.stop()
        try? FileManager.default.removeItem(atPath: profile)
    }

    // MARK: - Commands

    func open(_ url: String) async throws {
        _ = try await command("POST", "url", ["url": url])
    }

    /// The element `selector` finds (CSS, or XPath when it starts with `/`), waiting up to `timeout`.
    func element(_ selector: String, timeout: Duration = .seconds(15)) async throws -> String {
        let started = ContinuousClock.now
        let using = selector.hasPrefix("/") ? "xpath" : "css selector"
        while true {
            if let answer = try? await command("POST", "element", ["using": using, "value": selector]),
                let value = answer as? [String: Any], let id = value.values.first as? String
            {
                return id
            }
            guard ContinuousClock.now - started < timeout else {
                throw Failure(description: "no element \(selector) after \(timeout); the page says:\n\(try await text())")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Clicks the element `selector` finds. A page redraws its live parts every few seconds: an
    /// element replaced between finding and clicking is found again.
    func click(_ selector: String) async throws {
        for attempt in 1...5 {
            let id = try await element(selector)
            do {
                _ = try await command("POST", "element/\(id)/click", [:])
                return
            } catch let failure as Failure where failure.description.contains("stale element") && attempt < 5 {
                continue
            }
        }
    }

    /// Types `text` into the field `selector`, replacing what it held.
    func type(_ selector: String, _ text: String) async throws {
        let id = try await element(selector)
        _ = try await command("POST", "element/\(id)/clear", [:])
        _ = try await command("POST", "element/\(id)/value", ["text": text])
    }

    /// Presses and releases `key` (a character, or a WebDriver key such as `\u{E004}`, Tab).
    func press(_ key: String) async throws {
        let actions: [[String: Any]] = [["type": "keyDown", "value": key], ["type": "keyUp", "value": key]]
        _ = try await command("POST", "actions", ["actions": [["type": "key", "id": "keyboard", "actions": actions]]])
    }

    /// Accepts the `confirm()` the last click opened.
    func accept() async throws {
        let started = ContinuousClock.now
        while (try? await command("POST", "alert/accept", [:])) == nil {
            guard ContinuousClock.now - started < .seconds(5) else { throw Failure(description: "no dialog to accept") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Runs `script` in the page and returns its result.
    @discardableResult
    func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("POST", "execute/sync", ["script": script, "args": arguments])
    }

    /// The page's visible text.
    func text() async throws -> String {
        (try await run("return document.body.innerText") as? String) ?? ""
    }

    /// Waits until the page's text contains `fragment`; fails with the text after `timeout`.
    func waitFor(_ fragment: String, timeout: Duration = .seconds(60)) async throws {
        try await waitUntil("the page shows \"\(fragment)\"", timeout: timeout) { $0.contains(fragment) }
    }

    /// Waits until `holds` is true of the page's text.
    func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ holds: (String) -> Bool) async throws {
        let started = ContinuousClock.now
        var last = ""
        while ContinuousClock.now - started < timeout {
            last = (try? await text()) ?? last
            if holds(last) { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        try? await screenshot("failure-\(UUID().uuidString.prefix(6))")
        throw Failure(description: "\(what): not after \(timeout); the page says:\n\(last)")
    }

    /// Saves a PNG of the window as `name`.png in `WHARF_CONSOLE_SCREENSHOTS` (nothing when unset).
    func screenshot(_ name: String) async throws {
        guard let directory = Self.screenshots, let encoded = try await command("GET", "screenshot", nil) as? String,
            let data = Data(base64Encoded: encoded)
        else { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: directory).appendingPathComponent("\(name).png"))
    }

    private func command(_ method: String, _ path: String, _ body: [String: Any]?) async throws -> Any? {
        let answer = try await Self.send(method, "\(base)/session/\(session)/\(path)", body)
        if let value = answer["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "\(path): \(error): \(value["message"] ?? "")")
        }
        return answer["value"]
    }

    private static func send(_ method: String, _ url: String, _ body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await client.execute(request, timeout: .seconds(60))
        let data = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:]
    }
}
