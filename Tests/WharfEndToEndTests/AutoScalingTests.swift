import Foundation
import Testing

@Suite("Application Auto Scaling of ECS services against a real controller", .serialized)
struct AutoScalingEndToEndTests {
    @Test("every answer validates against botocore's application-autoscaling model; every bad request gets its 4xx")
    func conformance() async throws {
        try await withController { controller in
            let script = DockerEngine.repositoryRoot
                .appendingPathComponent("Tests/WharfEndToEndTests/Support/autoscaling_conformance.py").path
            let result = try await DockerEngine.run(TestCredentials.signing(["python3", script, controller.endpoint]))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let checks = result.stdout.split(separator: "\n").filter { $0.hasPrefix("ok   ") }.count
            #expect(checks >= 40, "\(result.stdout)")
            #expect(result.stdout.hasSuffix(" 0 failed\n"), "\(result.stdout)")
        }
    }

    @Test("a scheduled action at a time raises the minimum then, and the desired count with it")
    func scheduledAction() async throws {
        try await withDataDirectory { directory in
            try await withController(dataDirectory: directory, extraArguments: ["--metric-period", "2s"]) {
                controller in
                let endpoint = controller.endpoint
                let client = ECSClient(endpoint: endpoint, caFile: controller.caFile)
                _ = try await client.call("CreateCluster", ["clusterName": "sched"])
                _ = try await client.call(
                    "RegisterTaskDefinition",
                    ["family": "idle", "containerDefinitions": [busybox("idle", ["sleep", "600"])]]
                )
                _ = try await client.call(
                    "CreateService",
                    ["cluster": "sched", "serviceName": "idle", "taskDefinition": "idle", "desiredCount": 1]
                )
                let target = [
                    "--service-namespace", "ecs", "--resource-id", "service/sched/idle", "--scalable-dimension",
                    "ecs:service:DesiredCount",
                ]
                let registered = try await aws(
                    [
                        "application-autoscaling", "register-scalable-target", "--min-capacity", "1", "--max-capacity",
                        "4",
                    ]
                        + target,
                    endpoint: endpoint
                )
                #expect(registered.status == 0, "\(registered.stderr)")
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
                // Made through a direct call: the AWS CLI, a Python process, can take longer than a few
                // seconds to start on a loaded machine, and an at() that has passed never runs.
                let due = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 5).rounded(.down))
                let put = try await client.call(
                    "PutScheduledAction",
                    [
                        "ServiceNamespace": "ecs", "ResourceId": "service/sched/idle",
                        "ScalableDimension": "ecs:service:DesiredCount", "ScheduledActionName": "morning",
                        "Schedule": "at(\(formatter.string(from: due)))", "ScalableTargetAction": ["MinCapacity": 3],
                    ],
                    target: "AnyScaleFrontendService"
                )
                #expect(put.status == 200, "\(put.json)")
                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: .seconds(60))
                var desired = 0
                while clock.now < deadline {
                    let described = try await client.call(
                        "DescribeServices",
                        ["cluster": "sched", "services": ["idle"]]
                    )
                    desired = (described.json["services"] as? [[String: Any]])?.first?["desiredCount"] as? Int ?? 0
                    if desired == 3 { break }
                    try await Task.sleep(for: .milliseconds(500))
                }
                #expect(desired == 3)
                #expect(Date() >= due, "not before its time")
                let targets = try await aws(
                    ["application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs"],
                    endpoint: endpoint
                )
                let minimum = (targets.json["ScalableTargets"] as? [[String: Any]])?.first?["MinCapacity"] as? Int
                #expect(minimum == 3, "\(targets.json)")
                let activities = try await aws(
                    ["application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs"],
                    endpoint: endpoint
                )
                let told = (activities.json["ScalingActivities"] as? [[String: Any]] ?? []).map {
                    "\($0["Description"] as? String ?? "") / \($0["Cause"] as? String ?? "")"
                }
                #expect(
                    told.contains("Setting min capacity to 3. / scheduled action name morning was triggered"),
                    "\(told)"
                )
                #expect(
                    told.contains {
                        $0.hasPrefix("Setting desired count to 3. / minimum capacity was set to 3 by scheduled action")
                    },
                    "\(told)"
                )
                // The CLI tells the same.
                let shown = try await DockerEngine.run(
                    TestCredentials.signing([
                        ManagedProcess.built("wharf").path, "scaling", "idle", "--cluster", "sched", "--endpoint",
                        endpoint,
                    ])
                )
                #expect(shown.status == 0, "\(shown.stderr)")
                #expect(shown.stdout.contains("3 desired, between 3 and 4"), "\(shown.stdout)")
                #expect(shown.stdout.contains("Setting min capacity to 3."), "\(shown.stdout)")
                let status = try await DockerEngine.run(
                    TestCredentials.signing([
                        ManagedProcess.built("wharf").path, "services", "--cluster", "sched", "--endpoint", endpoint,
                    ])
                )
                #expect(status.stdout.contains("3-4"), "\(status.stdout)")
            }
        }
    }

    @Test(
        """
        a service whose tasks spin a CPU, tracked at 50 % CPU, scales out to its maximum under the load and back in \
        to its minimum after it; the activities tell the story, and CloudWatch has the points the scaler used
        """
    )
    func targetTracking() async throws {
        let arguments = ["--metric-period", "2s", "--agent-long-poll", "2"]
        try await withCluster(controllerArguments: arguments) { cluster in
            try await cluster.startAgent("node-1", arguments: ["--stats-interval", "1"])
            let endpoint = cluster.controller.endpoint
            // Every task spins until the test creates `stop` in a host directory they all mount, then idles. The
            // load ends when the test says so, not at a time a loaded machine might reach before the scale-out. The
            // 64 units reserved are a sixteenth of a core: a share of a busy machine's CPU is still far above 50 %.
            let control = FileManager.default.temporaryDirectory.appendingPathComponent("burn-\(cluster.name)")
            try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: control) }
            let definition = try await cluster.register([
                "family": "burn-\(cluster.name)",
                "volumes": [["name": "control", "host": ["sourcePath": control.path]]],
                "containerDefinitions": [
                    busybox(
                        "burn",
                        ["sh", "-c", "while [ ! -e /control/stop ]; do :; done; exec sleep 3600"],
                        extra: [
                            "cpu": 64, "stopTimeout": 1,
                            "mountPoints": [["sourceVolume": "control", "containerPath": "/control"]],
                        ]
                    )
                ],
            ])
            _ = try await cluster.client.call(
                "CreateService",
                ["cluster": cluster.name, "serviceName": "burn", "taskDefinition": definition, "desiredCount": 1]
            )
            // Direct calls, not the AWS CLI: on a loaded machine its start could eat the burn's time.
            let target: [String: Any] = [
                "ServiceNamespace": "ecs", "ResourceId": "service/\(cluster.name)/burn",
                "ScalableDimension": "ecs:service:DesiredCount",
            ]
            let registered = try await cluster.client.call(
                "RegisterScalableTarget",
                target.merging(["MinCapacity": 1, "MaxCapacity": 3]) { _, new in new },
                target: "AnyScaleFrontendService"
            )
            #expect(registered.status == 200, "\(registered.json)")
            let policy = try await cluster.client.call(
                "PutScalingPolicy",
                target.merging([
                    "PolicyName": "cpu50", "PolicyType": "TargetTrackingScaling",
                    "TargetTrackingScalingPolicyConfiguration": [
                        "TargetValue": 50.0, "ScaleOutCooldown": 10, "ScaleInCooldown": 5,
                        "PredefinedMetricSpecification": ["PredefinedMetricType": "ECSServiceAverageCPUUtilization"],
                    ],
                ]) { _, new in new },
                target: "AnyScaleFrontendService"
            )
            #expect(policy.status == 200, "\(policy.json)")
            func desired() async throws -> Int {
                let described = try await cluster.client.call(
                    "DescribeServices",
                    ["cluster": cluster.name, "services": ["burn"]]
                )
                return (described.json["services"] as? [[String: Any]])?.first?["desiredCount"] as? Int ?? 0
            }
            func wait(for count: Int, seconds: Int) async throws -> Int {
                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: .seconds(seconds))
                var seen = try await desired()
                while clock.now < deadline && seen != count {
                    try await Task.sleep(for: .seconds(1))
                    seen = try await desired()
                }
                return seen
            }
            #expect(try await wait(for: 3, seconds: 120) == 3, "scaled out to the maximum under the load")
            try await expectEvaluatedPointsServed(cluster)
            // `wharf status` shows the range and the CPU the policy tracks, now, against its target.
            let status = try await DockerEngine.run(
                TestCredentials.signing([
                    ManagedProcess.built("wharf").path, "status", "--cluster", cluster.name, "--endpoint", endpoint,
                ])
            )
            #expect(status.status == 0, "\(status.stderr)")
            let line = status.stdout.split(separator: "\n").first { $0.contains("1-3, CPU ") }
            #expect(line?.contains("% of 50%") == true, "\(status.stdout)")
            #expect(line?.contains("CPU ?") == false, "the policy's metric has points: \(status.stdout)")
            try Data().write(to: control.appendingPathComponent("stop"))
            #expect(try await wait(for: 1, seconds: 120) == 1, "scaled back in to the minimum after it")
            let activities = try await aws(
                ["application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs"],
                endpoint: endpoint
            )
            let story = (activities.json["ScalingActivities"] as? [[String: Any]] ?? []).reversed().map {
                "\($0["Description"] as? String ?? "") / \($0["Cause"] as? String ?? "")"
            }
            // The scale-out comes first, in one step or several (a burn slowed by a busy machine reads below 100 %, and
            // target tracking then asks for 2 before 3), each on AlarmHigh and each above the one before, up to 3.
            let counts = story.map { entry in
                entry.split(separator: " ").dropFirst(4).first.flatMap { Int($0.dropLast()) } ?? 0
            }
            let outward = story.prefix { $0.contains("-AlarmHigh-") }
            #expect(!outward.isEmpty && outward.count < story.count, "\(story)")
            #expect(outward.allSatisfy { $0.hasPrefix("Setting desired count to ") }, "\(story)")
            #expect(outward.allSatisfy { $0.contains("/ monitor alarm TargetTracking-service/") }, "\(story)")
            #expect(Array(counts.prefix(outward.count)) == Array(2...3).suffix(outward.count), "\(story)")
            #expect(story.dropFirst(outward.count).allSatisfy { $0.contains("-AlarmLow-") }, "\(story)")
            #expect(
                story.last?.hasPrefix("Setting desired count to 1. / monitor alarm TargetTracking-service/") == true,
                "\(story)"
            )
            #expect(story.last?.contains("-AlarmLow-") == true, "\(story)")
            #expect(story.last?.hasSuffix("in state ALARM triggered policy cpu50") == true, "\(story)")
            // At its minimum with the load gone, AlarmLow stays in ALARM: the policy records why it does not scale,
            // shown only to who asks for not scaled activities.
            var blocked: [String: Any]?
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            while blocked == nil && clock.now < deadline {
                let all = try await aws(
                    [
                        "application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs",
                        "--include-not-scaled-activities",
                    ],
                    endpoint: endpoint
                )
                blocked = (all.json["ScalingActivities"] as? [[String: Any]] ?? []).first {
                    $0["NotScaledReasons"] != nil && ($0["Cause"] as? String)?.contains("-AlarmLow-") == true
                }
                if blocked == nil { try await Task.sleep(for: .seconds(1)) }
            }
            let reasons = blocked?["NotScaledReasons"] as? [[String: Any]] ?? []
            #expect(reasons.first?["Code"] as? String == "AlreadyAtMinCapacity", "\(String(describing: blocked))")
            #expect(reasons.first?["MinCapacity"] as? Int == 1, "\(reasons)")
            #expect(blocked?["StatusCode"] as? String == "Failed", "\(String(describing: blocked))")
            let plain = try await aws(
                ["application-autoscaling", "describe-scaling-activities", "--service-namespace", "ecs"],
                endpoint: endpoint
            )
            let shown = plain.json["ScalingActivities"] as? [[String: Any]] ?? []
            #expect(!shown.isEmpty && shown.allSatisfy { $0["NotScaledReasons"] == nil }, "\(shown)")
            let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-600))
            let end = ISO8601DateFormatter().string(from: Date().addingTimeInterval(60))
            let statistics = try await aws(
                [
                    "cloudwatch", "get-metric-statistics", "--namespace", "AWS/ECS", "--metric-name", "CPUUtilization",
                    "--dimensions", "Name=ClusterName,Value=\(cluster.name)", "Name=ServiceName,Value=burn",
                    "--start-time", start, "--end-time", end, "--period", "60", "--statistics", "Maximum", "Minimum",
                ],
                endpoint: endpoint
            )
            let points = statistics.json["Datapoints"] as? [[String: Any]] ?? []
            #expect(points.contains { ($0["Maximum"] as? Double ?? 0) > 50 }, "\(points)")
            #expect(points.contains { ($0["Minimum"] as? Double ?? 100) < 45 }, "\(points)")
        }
    }

    /// The points the scale-out alarm evaluated (its StateReasonData) are what
    /// `aws cloudwatch get-metric-statistics` answers for the service's CPUUtilization at the alarm's
    /// period and statistic: the scaler and CloudWatch read the same samples.
    func expectEvaluatedPointsServed(_ cluster: WharfCluster) async throws {
        let alarms = try await aws(
            [
                "cloudwatch", "describe-alarms", "--alarm-name-prefix",
                "TargetTracking-service/\(cluster.name)/burn-AlarmHigh-",
            ],
            endpoint: cluster.controller.endpoint
        )
        let alarm = try #require((alarms.json["MetricAlarms"] as? [[String: Any]])?.first, "\(alarms.json)")
        #expect(alarm["StateValue"] as? String == "ALARM", "\(alarm)")
        let reasonText = try #require(alarm["StateReasonData"] as? String, "\(alarm)")
        let reason = try #require(
            try JSONSerialization.jsonObject(with: Data(reasonText.utf8)) as? [String: Any],
            "\(reasonText)"
        )
        let period = try #require(reason["period"] as? Int, "\(reasonText)")
        let statistic = try #require(reason["statistic"] as? String, "\(reasonText)")
        #expect(period == alarm["Period"] as? Int && statistic == alarm["Statistic"] as? String, "\(alarm)")
        /// Seconds since 1970 of `2026-12-06T07:10:02...`, in UTC.
        func seconds(_ text: String?) -> Int? {
            guard let text, text.count >= 19 else { return nil }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
            return formatter.date(from: String(text.prefix(19))).map { Int($0.timeIntervalSince1970) }
        }
        let evaluated: [(Int, Double)] = (reason["evaluatedDatapoints"] as? [[String: Any]] ?? []).compactMap {
            point in
            guard let time = seconds(point["timestamp"] as? String), let value = point["value"] as? Double else {
                return nil
            }
            return (time, value)
        }
        #expect(!evaluated.isEmpty, "\(reasonText)")
        let first = try #require(evaluated.map { $0.0 }.min())
        let last = try #require(evaluated.map { $0.0 }.max())
        let iso = ISO8601DateFormatter()
        let statistics = try await aws(
            [
                "cloudwatch", "get-metric-statistics", "--namespace", "AWS/ECS", "--metric-name", "CPUUtilization",
                "--dimensions", "Name=ClusterName,Value=\(cluster.name)", "Name=ServiceName,Value=burn",
                "--start-time", iso.string(from: Date(timeIntervalSince1970: Double(first))),
                "--end-time", iso.string(from: Date(timeIntervalSince1970: Double(last + period))),
                "--period", "\(period)", "--statistics", statistic,
            ],
            endpoint: cluster.controller.endpoint
        )
        #expect(statistics.status == 0, "\(statistics.stderr)")
        var served: [Int: Double] = [:]
        for point in statistics.json["Datapoints"] as? [[String: Any]] ?? [] {
            // The AWS CLI writes a time as seconds since 1970 or in ISO 8601, as its configuration says.
            let time = (point["Timestamp"] as? Int) ?? seconds(point["Timestamp"] as? String)
            if let time, let value = point[statistic] as? Double {
                served[time] = value
            }
        }
        for (time, value) in evaluated {
            // The reason data writes a value to three decimals, as CloudWatch's does.
            let answered = served[time]
            #expect(answered.map { abs($0 - value) < 0.001 } == true, "\(time): alarm \(value), CloudWatch \(statistics.json)")
        }
    }
}
