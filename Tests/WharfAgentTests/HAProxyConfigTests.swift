import Foundation
import Testing
import WharfProtocol
@testable import WharfAgent

/// The HAProxy configuration of a load balancer plan, as text.
@Suite("HAProxy configuration from the controller's load balancer plan")
struct HAProxyConfigTests {
    /// An application load balancer with a rule of every kind and a network one, over three
    /// target groups.
    static let plan = LoadBalancerPlan(
        version: "1.4.0",
        balancers: [
            .init(
                id: "00000000000000b1",
                name: "web",
                type: "application",
                idleTimeoutSeconds: 30,
                listeners: [
                    .init(
                        id: "00000000000000c1",
                        port: 8080,
                        protocol: "HTTP",
                        rules: [
                            .init(
                                conditions: [
                                    .init(field: "path-pattern", values: ["/api/*", "/v?/x"]),
                                    .init(field: "host-header", values: ["*.Example.com"]),
                                ],
                                action: .init(kind: "forward", targetGroups: [.init(id: "00000000000000a2", weight: 1)])
                            ),
                            .init(
                                conditions: [
                                    .init(field: "http-header", values: ["yes"], headerName: "X-Canary"),
                                    .init(
                                        field: "query-string",
                                        values: [],
                                        queryPairs: [.init(key: nil, value: "v1")]
                                    ),
                                    .init(field: "source-ip", values: ["10.0.0.0/8"]),
                                    .init(field: "http-request-method", values: ["GET", "HEAD"]),
                                ],
                                action: .init(
                                    kind: "fixed-response",
                                    statusCode: "404",
                                    contentType: "text/plain",
                                    messageBody: "no \"such\" page"
                                )
                            ),
                            .init(
                                conditions: [.init(field: "path-pattern", values: ["/old"])],
                                action: .init(
                                    kind: "redirect",
                                    redirect: .init(
                                        protocol: "#{protocol}",
                                        port: "#{port}",
                                        host: "#{host}",
                                        path: "/new/#{path}",
                                        query: "#{query}",
                                        statusCode: "HTTP_301"
                                    )
                                )
                            ),
                            .init(
                                conditions: [],
                                action: .init(
                                    kind: "forward",
                                    targetGroups: [
                                        .init(id: "00000000000000a1", weight: 3),
                                        .init(id: "00000000000000a2", weight: 1),
                                    ],
                                    stickinessSeconds: 60
                                )
                            ),
                        ]
                    )
                ]
            ),
            .init(
                id: "00000000000000b2",
                name: "db",
                type: "network",
                idleTimeoutSeconds: 350,
                listeners: [
                    .init(
                        id: "00000000000000c2",
                        port: 15432,
                        protocol: "TCP",
                        rules: [
                            .init(
                                conditions: [],
                                action: .init(kind: "forward", targetGroups: [.init(id: "00000000000000a3", weight: 1)])
                            )
                        ]
                    )
                ]
            ),
        ],
        targetGroups: [
            .init(
                id: "00000000000000a1",
                name: "web-blue",
                protocol: "HTTP",
                protocolVersion: "HTTP1",
                healthCheck: .init(
                    protocol: "HTTP",
                    port: "traffic-port",
                    path: "/healthz",
                    intervalSeconds: 5,
                    timeoutSeconds: 2,
                    healthyThreshold: 2,
                    unhealthyThreshold: 2,
                    httpCodes: "200-202,204"
                ),
                attributes: [
                    "deregistration_delay.timeout_seconds": "20", "slow_start.duration_seconds": "30",
                    "stickiness.enabled": "true", "load_balancing.algorithm.type": "least_outstanding_requests",
                ],
                targets: [
                    .init(id: "10.64.1.5", port: 80, address: "10.64.1.5", draining: false),
                    .init(id: "10.64.1.6", port: 80, address: "10.64.1.6", draining: true),
                ]
            ),
            .init(
                id: "00000000000000a2",
                name: "web-green",
                protocol: "HTTP",
                protocolVersion: "HTTP2",
                healthCheck: .init(
                    protocol: "HTTP",
                    port: "9000",
                    path: "/",
                    intervalSeconds: 30,
                    timeoutSeconds: 5,
                    healthyThreshold: 5,
                    unhealthyThreshold: 2,
                    httpCodes: "200"
                ),
                attributes: [:],
                targets: [.init(id: "node-1", port: 32768, address: "10.250.0.10", draining: false)]
            ),
            .init(
                id: "00000000000000a3",
                name: "db",
                protocol: "TCP",
                protocolVersion: nil,
                healthCheck: .init(
                    protocol: "TCP",
                    port: "traffic-port",
                    path: nil,
                    intervalSeconds: 10,
                    timeoutSeconds: 5,
                    healthyThreshold: 3,
                    unhealthyThreshold: 3,
                    httpCodes: nil
                ),
                attributes: ["proxy_protocol_v2.enabled": "true", "stickiness.enabled": "true"],
                targets: [.init(id: "10.64.2.9", port: 5432, address: "10.64.2.9", draining: false)]
            ),
        ]
    )

    @Test("frontends carry the rules in order, backends the checks, balancing, stickiness and servers")
    func render() throws {
        let known = HAProxyConfig.ServerKey(backend: "tg_00000000000000a1", server: "10.64.1.5_80")
        let text = HAProxyConfig(socketPath: "/run/h.sock", stateFile: "/run/state", known: [known]).render(Self.plan)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("stats socket /run/h.sock mode 600 level admin expose-fd listeners"))
        #expect(lines.contains("hard-stop-after 305s"), "the longest deregistration delay (300 s by default) and 5 s")
        #expect(lines.contains("option redispatch 1"), "a refused connection is tried on another target")
        #expect(lines.contains("noreuseport"), "a second HAProxy cannot share the ports unseen")
        #expect(lines.contains("bind :8080") && lines.contains("bind :15432"))
        #expect(lines.contains(#"acl r0c0 path -m reg '^(\/api\/.*|\/v.\/x)$'"#))
        #expect(lines.contains(#"acl r0c1 req.hdr(host),field(1,:),lower -m reg '^(.*\.example\.com)$'"#))
        #expect(
            lines.contains("http-request set-var(txn.wharf_rule) int(0) if r0c0 r0c1 !{ var(txn.wharf_rule) -m found }")
        )
        #expect(lines.contains("http-request set-var(txn.wharf_rule) int(3) if !{ var(txn.wharf_rule) -m found }"))
        #expect(lines.contains("use_backend tg_00000000000000a2 if { var(txn.wharf_rule) -m int eq 0 }"))
        #expect(lines.contains("acl r1c0 req.hdr(X-Canary) -m reg -i '^(yes)$'"))
        #expect(lines.contains("acl r1c1 query -m reg -i '(^|&)[^&=]*=v1(&|$)'"))
        #expect(lines.contains("acl r1c2 src 10.0.0.0/8") && lines.contains("acl r1c3 method GET HEAD"))
        #expect(
            lines.contains(
                #"http-request return status 404 content-type "text/plain" string "no \"such\" page" "#
                    + "if { var(txn.wharf_rule) -m int eq 1 }"
            )
        )
        #expect(
            lines.contains(
                #"http-request redirect location "http://%[req.hdr(host),field(1,:)]:8080/new%[path]?%[query]" "#
                    + "code 301 if { var(txn.wharf_rule) -m int eq 2 } { query -m found }"
            )
        )
        // The default rule: weighted groups, the one before kept by its cookie.
        let first = try #require(
            lines.firstIndex(of: "http-request set-var(txn.wharf_pick3) rand(4) if { var(txn.wharf_rule) -m int eq 3 }")
        )
        #expect(
            lines[first...].contains(
                "use_backend tg_00000000000000a1 if { var(txn.wharf_rule) -m int eq 3 } "
                    + "{ var(txn.wharf_pick3) -m int ge 0 } "
                    + "{ var(txn.wharf_pick3) -m int lt 3 }"
            )
        )
        #expect(
            lines.contains(
                "use_backend tg_00000000000000a2 if { var(txn.wharf_rule) -m int eq 3 } "
                    + "{ var(txn.wharf_tg) -m str tg_00000000000000a2 }"
            )
        )
        // Backends.
        #expect(lines.contains("balance leastconn"))
        #expect(lines.contains("http-check send meth GET uri /healthz ver HTTP/1.0"))
        #expect(lines.contains("http-check expect rstatus ^(200|201|202|204)$"))
        #expect(lines.contains("default-server check inter 5s fall 2 rise 2 slowstart 30s"))
        #expect(lines.contains("cookie AWSALB insert indirect nocache maxlife 86400s"))
        #expect(lines.contains("server 10.64.1.5_80 10.64.1.5:80 cookie 10.64.1.5_80"), "known: in service")
        #expect(lines.contains("server 10.64.1.6_80 10.64.1.6:80 cookie 10.64.1.6_80 weight 0"), "draining")
        #expect(lines.contains("default-server check inter 30s fall 2 rise 5 port 9000 proto h2"))
        #expect(lines.contains("server node-1_32768 10.250.0.10:32768 disabled"), "new: in maintenance until checked")
        #expect(lines.contains("mode tcp") && lines.contains("default_backend tg_00000000000000a3"))
        #expect(lines.contains("default-server check inter 10s fall 3 rise 3 send-proxy-v2"))
        #expect(lines.contains("stick on src"))
    }

    @Test("HAProxy itself (haproxy -c) accepts the configuration")
    func accepted() async throws {
        let haproxy = "/usr/sbin/haproxy"
        try #require(FileManager.default.isExecutableFile(atPath: haproxy), "HAProxy is installed (.ci/setup.sh does)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haproxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = HAProxyConfig(socketPath: directory.path + "/h.sock", stateFile: directory.path + "/state")
        try Data(HAProxyConfig.emptyStateFile.utf8).write(to: URL(fileURLWithPath: directory.path + "/state"))
        let path = directory.path + "/haproxy.cfg"
        try Data(config.render(Self.plan).utf8).write(to: URL(fileURLWithPath: path))
        let result = try await HostCommand.run([haproxy, "-c", "-f", path])
        #expect(result.status == 0 && !result.output.contains("WARNING"), "\(result.output)")
    }

    @Test("show stat's CSV is read by its header")
    func stats() {
        let csv = """
            # pxname,svname,qcur,status,weight,check_status,chkfail,
            l_1,FRONTEND,0,OPEN,,,,
            tg_a,10.64.1.5_80,0,UP,1,L7OK,0,
            tg_a,10.64.1.7_80,0,DOWN,1,L4CON,3,
            tg_a,BACKEND,0,UP,1,,,

            """
        #expect(
            HAProxyServerStat.parse(csv) == [
                HAProxyServerStat(backend: "tg_a", server: "10.64.1.5_80", status: "UP", checkStatus: "L7OK"),
                HAProxyServerStat(
                    backend: "tg_a",
                    server: "10.64.1.7_80",
                    status: "DOWN",
                    checkStatus: "L4CON",
                    failedChecks: 3
                ),
            ]
        )
    }
}
