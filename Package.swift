// swift-tools-version:6.2
import PackageDescription

/// Settings every Wharf target shares: Swift 6 mode plus the upcoming features the style guide asks
/// for. CI (CI=true) also turns every warning in Wharf's own targets into an error.
var swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
if Context.environment["CI"] != nil {
    swiftSettings.append(.treatAllWarnings(as: .error))
}

let package = Package(
    name: "wharf",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "wharf-controller", targets: ["wharf-controller"]),
        .executable(name: "wharf", targets: ["wharf"]),
        .executable(name: "wharf-agent", targets: ["wharf-agent"]),
        .executable(name: "wharf-sim", targets: ["wharf-sim"]),
        .library(name: "WharfModel", targets: ["WharfModel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(name: "WharfModel", swiftSettings: swiftSettings),
        // zlib from the system (Debian's zlib1g-dev), to inflate gzip request bodies.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The controller's state as typed records split by aggregate; pure (no NIO, SQL or HTTP).
        .target(name: "WharfState", dependencies: ["WharfModel", "WharfMonitoring"], swiftSettings: swiftSettings),
        // CloudWatch's arithmetic: metric samples into periods and statistics, alarm evaluation,
        // scaling policies and schedules. Pure (no I/O, no clock of its own).
        .target(name: "WharfMonitoring", swiftSettings: swiftSettings),
        .target(name: "WharfScheduler", dependencies: ["WharfModel", "WharfState"], swiftSettings: swiftSettings),
        .target(name: "WharfProtocol", dependencies: ["WharfModel"], swiftSettings: swiftSettings),
        // swift-metrics handlers in a Prometheus registry per daemon; no Foundation, so the agent can link it.
        .target(
            name: "WharfMetrics",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS Signature Version 4: verified by the controller, made by Wharf's own clients.
        .target(name: "WharfAuth", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        .target(
            name: "WharfConsole",
            dependencies: [
                "WharfAuth",
                "WharfModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The console's files, embedded in the binary: a controller installed alone serves them.
            resources: [
                "index.html", "console.css", "console.js", "api.js", "ui.js", "clusters.js", "service.js", "task.js",
                "taskdefs.js", "logs.js", "tasklist.js",
            ].map { .embedInCode("Assets/\($0)") },
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WharfStore",
            dependencies: [
                "WharfModel",
                "WharfState",
                "WharfMonitoring",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WharfController",
            dependencies: [
                "WharfModel",
                "WharfFiles",
                "WharfState",
                "WharfStore",
                "WharfMonitoring",
                "CZlib",
                "WharfScheduler",
                "WharfProtocol",
                "WharfAuth",
                "WharfMetrics",
                "WharfConsole",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WharfAgent",
            dependencies: [
                "WharfModel",
                "WharfFiles",
                "WharfProtocol",
                "WharfMetrics",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The agent's command on its own, so the wharf-agent executable links neither the
        // controller nor its HTTP server and SQLite (see docs/benchmarks.md, agent footprint).
        .target(
            name: "WharfAgentCLI",
            dependencies: [
                "WharfAgent",
                "WharfModel",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `wharf lab`: nodes in network namespaces, each with its own Docker engine, on one machine.
        .target(name: "WharfLab", swiftSettings: swiftSettings),
        // Files that survive a power cut whole: the agent's state files, the controller's keys.
        .target(name: "WharfFiles", swiftSettings: swiftSettings),
        .target(
            name: "WharfCLI",
            dependencies: [
                "WharfLab",
                "WharfController",
                "WharfStore",
                "WharfAgent",
                "WharfAgentCLI",
                "WharfModel",
                "WharfAuth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The fleet simulator: many agents with fake runtimes in one process (benchmarks, CI smoke test).
        .target(
            name: "WharfSim",
            dependencies: [
                "WharfAgent",
                "WharfAgentCLI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "wharf-sim", dependencies: ["WharfSim", "WharfAgentCLI"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "wharf-controller",
            dependencies: ["WharfCLI", "WharfAgentCLI"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "wharf-agent",
            dependencies: ["WharfAgentCLI"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "wharf",
            dependencies: ["WharfCLI", "WharfAgentCLI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WharfModelTests", dependencies: ["WharfModel"], swiftSettings: swiftSettings),
        .testTarget(name: "WharfMonitoringTests", dependencies: ["WharfMonitoring"], swiftSettings: swiftSettings),
        .testTarget(name: "WharfStateTests", dependencies: ["WharfState", "WharfModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WharfStoreTests",
            dependencies: [
                "WharfStore", "WharfState", "WharfModel", "WharfMonitoring",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfControllerTests",
            dependencies: [
                "WharfController", "WharfModel", "WharfState", "WharfStore", "WharfProtocol", "WharfAuth", "WharfScheduler",
                "WharfMonitoring",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WharfAuthTests", dependencies: ["WharfAuth"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WharfConsoleTests",
            dependencies: ["WharfConsole", "WharfAuth", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WharfLabTests", dependencies: ["WharfLab"], swiftSettings: swiftSettings),
        .testTarget(name: "WharfFilesTests", dependencies: ["WharfFiles"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WharfCLITests",
            dependencies: [
                "WharfCLI", "WharfAgentCLI", "WharfModel", "WharfController", "WharfStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WharfSchedulerTests", dependencies: ["WharfScheduler", "WharfState", "WharfModel"],
                    swiftSettings: swiftSettings),
        .testTarget(name: "WharfProtocolTests", dependencies: ["WharfProtocol", "WharfModel"], exclude: ["Support"],
                    swiftSettings: swiftSettings),
        .testTarget(
            name: "WharfAgentTests",
            dependencies: [
                "WharfAgent", "WharfModel", "WharfSim",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WharfEndToEndTests",
            dependencies: [
                "WharfModel", "WharfAuth", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: [
                "Fixtures", "Support/ecs_conformance.py", "Support/ecs_strict_call.py", "Support/elbv2_conformance.py",
                "Support/cloudmap_conformance.py", "Support/cloudwatch_conformance.py", "Support/query_xml.py",
                "Support/autoscaling_conformance.py", "Support/conformance_checks.py", "Support/tcp_proxy.py",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
