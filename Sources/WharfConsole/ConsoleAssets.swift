import Crypto
import Foundation

/// The console's files (`Assets/`), embedded in the binary by SwiftPM (`.embedInCode`).
enum ConsoleAssets {
    /// One file as served.
    struct Asset: Sendable {
        var contentType: String
        var bytes: [UInt8]
        /// A strong validator: the first 16 bytes of the content's SHA-256, quoted.
        var etag: String

        init(_ contentType: String, _ bytes: [UInt8]) {
            self.contentType = contentType
            self.bytes = bytes
            let digest = SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
            self.etag = "\"\(digest)\""
        }
    }

    static let all: [String: Asset] = {
        let javaScript = "text/javascript; charset=utf-8"
        return [
            "index.html": Asset("text/html; charset=utf-8", PackageResources.index_html),
            "console.css": Asset("text/css; charset=utf-8", PackageResources.console_css),
            "console.js": Asset(javaScript, PackageResources.console_js),
            "api.js": Asset(javaScript, PackageResources.api_js),
            "ui.js": Asset(javaScript, PackageResources.ui_js),
            "clusters.js": Asset(javaScript, PackageResources.clusters_js),
            "service.js": Asset(javaScript, PackageResources.service_js),
            "task.js": Asset(javaScript, PackageResources.task_js),
            "taskdefs.js": Asset(javaScript, PackageResources.taskdefs_js),
            "logs.js": Asset(javaScript, PackageResources.logs_js),
            "tasklist.js": Asset(javaScript, PackageResources.tasklist_js),
        ]
    }()

    /// The bytes of every file, which the first page loads.
    static var totalBytes: Int { all.values.map(\.bytes.count).reduce(0, +) }
}
