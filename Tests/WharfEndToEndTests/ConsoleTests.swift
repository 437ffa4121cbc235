import Foundation
import Testing

/// The web console in a real headless Chromium against a real controller and agent on the real
/// Docker engine. With `WHARF_CONSOLE_SCREENSHOTS=DIR` it also saves the screenshots in `docs/`.
@Suite("The web console in a real browser", .serialized)
struct ConsoleTests {
    static func definition(_ family: String, _ word: String, group: String) -> String {
        let body: [String: Any] = [
            "family": family,
            "containerDefinitions": [[
                "name": "app", "image": "wharf-test/busybox:latest", "memory": 16, "cpu": 64, "stopTimeout": 1,
                "command": ["sh", "-c", "i=0; while true; do i=$((i+1)); echo \(word)-$i; sleep 1; done"],
                "logConfiguration": [
                    "logDriver": "awslogs",
                    "options": [
                        "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web",
                        "awslogs-create-group": "true",
                    ],
                ],
            ]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(
        """
        sign in (wrong keys refused), create a cluster, register a task definition, create a service and watch it \
        run, follow its logs, scale it, roll a new revision, drain a node, sign out
        """
    )
    func walkthrough() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-a")
            let browser = try await Browser()
            do {
                try await Self.walk(cluster, browser)
            } catch {
                try? await browser.screenshot("failure-walkthrough")
                await browser.close()
                Issue.record("the controller's log ends:\n\(cluster.controller.log.suffix(4000))")
                throw error
            }
            await browser.close()
        }
    }

    /// A service (desired 0) with a target group behind a load balancer and a Cloud Map
    /// registry: the service page shows the load balancer's DNS name and the Cloud Map name.
    static func namesShown(_ cluster: WharfCluster, _ browser: Browser, console: String, family: String) async throws {
        let endpoint = cluster.controller.endpoint
        let balancer = try await aws(["elbv2", "create-load-balancer", "--name", "console-lb", "--subnets", "s"], endpoint: endpoint)
        let made = try #require((balancer.json["LoadBalancers"] as? [[String: Any]])?.first, "\(balancer.stderr)")
        let balancerArn = try #require(made["LoadBalancerArn"] as? String)
        let dnsName = try #require(made["DNSName"] as? String)
        let group = try await aws(
            ["elbv2", "create-target-group", "--name", "console-tg", "--protocol", "HTTP", "--port", "80"],
            endpoint: endpoint
        )
        let groupArn = try #require((group.json["TargetGroups"] as? [[String: Any]])?.first?["TargetGroupArn"] as? String)
        let listener = try await aws([
            "elbv2", "create-listener", "--load-balancer-arn", balancerArn, "--protocol", "HTTP", "--port", "80",
            "--default-actions", "Type=forward,TargetGroupArn=\(groupArn)",
        ], endpoint: endpoint)
        #expect(listener.status == 0, "\(listener.stderr)")
        let map = "Route53AutoNaming_v20170314"
        let namespace = try await cluster.client.call("CreatePrivateDnsNamespace", ["Name": "console.internal", "Vpc": "vpc-1"], target: map)
        let operation = try #require(namespace.json["OperationId"] as? String, "\(namespace.json)")
        let done = try await cluster.client.call("GetOperation", ["OperationId": operation], target: map)
        let namespaceID = try #require(((done.json["Operation"] as? [String: Any])?["Targets"] as? [String: String])?["NAMESPACE"])
        let registry = try await cluster.client.call(
            "CreateService",
            ["Name": "api", "DnsConfig": ["NamespaceId": namespaceID, "DnsRecords": [["Type": "SRV", "TTL": 10]]]],
            target: map
        )
        let registryArn = try #require((registry.json["Service"] as? [String: Any])?["Arn"] as? String, "\(registry.json)")
        let served = try await cluster.register([
            "family": family + "-named",
            "containerDefinitions": [[
                "name": "app", "image": "wharf-test/busybox:latest", "memory": 16, "portMappings": [["containerPort": 80]],
            ]],
        ])
        let created = try await cluster.client.call("CreateService", [
            "cluster": cluster.name, "serviceName": "named", "taskDefinition": served, "desiredCount": 0,
            "loadBalancers": [["targetGroupArn": groupArn, "containerName": "app", "containerPort": 80]],
            "serviceRegistries": [["registryArn": registryArn, "containerName": "app", "containerPort": 80]],
        ])
        #expect(created.status == 200, "\(created.json)")
        try await browser.open(console + "#/clusters/\(cluster.name)/services/named")
        try await browser.waitFor(dnsName)
        try await browser.waitFor("api.console.internal")
    }

    /// What the page breaks of the rules a keyboard, a screen reader and a phone need: a page
    /// wider than the screen, form fields without a label, buttons or links without a name,
    /// charts without a text alternative.
    static let audit = """
        const problems = [];
        if (document.documentElement.scrollWidth > window.innerWidth + 1) {
          problems.push(`the page is ${document.documentElement.scrollWidth}px wide on a ${window.innerWidth}px screen`);
        }
        for (const field of document.querySelectorAll('input, select, textarea')) {
          if (!field.labels || !field.labels.length) problems.push(`a ${field.tagName} named ${field.name} has no label`);
        }
        for (const control of document.querySelectorAll('button, a')) {
          if (!control.textContent.trim() && !control.getAttribute('aria-label')) problems.push(`a ${control.tagName} has no name`);
        }
        for (const chart of document.querySelectorAll('svg')) {
          if (!chart.getAttribute('aria-label')) problems.push('a chart has no text alternative');
        }
        if (!document.querySelector('h1')) problems.push('no heading');
        return problems;
        """

    @Test("on a phone-sized screen every page fits, every field and control is named, and the keyboard drives it")
    func phone() async throws {
        try await withCluster { cluster in
            try await cluster.startAgent("node-a")
            // A running service, so the service, task and revision pages have their widest tables.
            let family = "phone-\(cluster.name)"
            let body = Data(Self.definition(family, "phone", group: "/ecs/\(family)").utf8)
            let definition = try await cluster.register(
                try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            )
            _ = try await cluster.client.call(
                "CreateService",
                ["cluster": cluster.name, "serviceName": "web", "taskDefinition": definition, "desiredCount": 1]
            )
            _ = try await cluster.waitForService("web", timeout: .seconds(90), "running") { settled($0, count: 1) }
            let task = try #require((try await cluster.serviceTasks("web").first?["taskArn"] as? String)?
                .split(separator: "/").last)
            let browser = try await Browser(width: 390, height: 844)
            do {
                let console = cluster.controller.endpoint + "/console"
                try await browser.open(console)
                // The first load fetches the page and its modules from a controller that may share a busy machine.
                _ = try await browser.element("#access-key-id", timeout: .seconds(60))
                try await browser.type("#access-key-id", TestCredentials.accessKeyId)
                try await browser.type("#secret-access-key", TestCredentials.secretAccessKey)
                #expect(try await browser.run(Self.audit) as? [String] == [], "the sign-in page")
                try await browser.click("form.sign-in button[type=submit]")
                try await browser.waitFor(cluster.name)
                for page in ["#/", "#/clusters/\(cluster.name)", "#/clusters/\(cluster.name)/tasks",
                             "#/clusters/\(cluster.name)/nodes", "#/taskdefs", "#/clusters/\(cluster.name)/services/web",
                             "#/clusters/\(cluster.name)/tasks/\(task)", "#/taskdefs/\(family)", "#/taskdefs/\(family)/1"] {
                    try await browser.open(console + page)
                    try await browser.waitUntil("\(page) drawn", timeout: .seconds(20)) { !$0.contains("Loading") }
                    try await Task.sleep(for: .milliseconds(300))
                    let problems = try await browser.run(Self.audit) as? [String]
                    #expect(problems == [], "\(page): \(problems ?? [])")
                }
                // The keyboard: a page drawn puts the focus on its heading, so Tab goes on into the
                // content; Tab reaches the cluster's link and Enter follows it.
                try await browser.open(console + "#/")
                try await browser.waitFor("Create a cluster")
                #expect(try await browser.run("return document.activeElement.tagName") as? String == "H1")
                var reached = false
                for _ in 0..<6 where !reached {
                    try await browser.press("\u{E004}")
                    let focused = try await browser.run("return document.activeElement.textContent") as? String
                    let inside = try await browser.run("return document.getElementById('main').contains(document.activeElement)")
                    #expect(inside as? Bool == true, "Tab left the content for \(focused ?? "")")
                    reached = focused == cluster.name
                }
                #expect(reached, "Tab never reached the link to \(cluster.name)")
                try await browser.press("\u{E007}")
                try await browser.waitFor("Create a service")
                #expect(try await browser.run("return location.hash") as? String == "#/clusters/\(cluster.name)")
                // The skip link (the first stop of a fresh load's Tab) moves to the content, not to a route.
                try await browser.run("document.querySelector('.skip').focus()")
                try await browser.press("\u{E007}")
                #expect(try await browser.run("return document.activeElement.id") as? String == "main")
                #expect(try await browser.run("return location.hash") as? String == "#/clusters/\(cluster.name)")
            } catch {
                try? await browser.screenshot("failure-phone")
                await browser.close()
                throw error
            }
            await browser.close()
        }
    }

    static func walk(_ cluster: WharfCluster, _ browser: Browser) async throws {
        let console = cluster.controller.endpoint + "/console"
        let family = "console-\(cluster.name)"
        let group = "/ecs/\(family)"
        let service = "web"
        try await browser.open(console)
        // The first load fetches the page and its modules from a controller that may share a busy machine.
        _ = try await browser.element("#access-key-id", timeout: .seconds(60))

        // Wrong keys are refused; the right ones sign in.
        try await browser.type("#access-key-id", TestCredentials.accessKeyId)
        try await browser.type("#secret-access-key", "not-the-secret")
        try await browser.click("form.sign-in button[type=submit]")
        try await browser.waitFor("The access key ID or the secret access key is not valid.")
        try await browser.type("#secret-access-key", TestCredentials.secretAccessKey)
        try await browser.click("form.sign-in button[type=submit]")
        try await browser.waitFor(TestCredentials.accessKeyId)
        try await browser.waitFor(cluster.name)

        // A new cluster, made and deleted from the list.
        let extra = "made-in-console-\(cluster.name)"
        try await browser.type("form[aria-label='Create cluster'] input[name=clusterName]", extra)
        try await browser.click("form[aria-label='Create cluster'] button[type=submit]")
        try await browser.waitFor("Created cluster \(extra).")
        let listed = try await cluster.client.call("DescribeClusters", ["clusters": [extra]])
        #expect((listed.json["clusters"] as? [[String: Any]])?.first?["status"] as? String == "ACTIVE")
        try await browser.screenshot("clusters")

        // A task definition registered from JSON.
        try await browser.open(console + "#/taskdefs")
        try await browser.waitFor("Register a task definition")
        try await browser.run(
            "document.querySelector(\"form[aria-label='Register a task definition'] textarea\").value = arguments[0]",
            [definition(family, "console-v1", group: group)]
        )
        try await browser.click("form[aria-label='Register a task definition'] button[type=submit]")
        try await browser.waitFor("\(family):1")

        // The agent's cluster updated (UpdateCluster): Container Insights on.
        try await browser.open(console + "#/clusters/\(cluster.name)")
        try await browser.waitFor("Container Insights disabled")
        try await browser.click("//form[@aria-label='Cluster settings']//option[normalize-space()='enabled']")
        try await browser.click("form[aria-label='Cluster settings'] button[type=submit]")
        try await browser.waitFor("Updated cluster \(cluster.name).")
        try await browser.waitFor("Container Insights enabled")
        let updated = try await cluster.client.call(
            "DescribeClusters", ["clusters": [cluster.name], "include": ["SETTINGS"]]
        )
        let setting = ((updated.json["clusters"] as? [[String: Any]])?.first?["settings"] as? [[String: Any]])?
            .first { $0["name"] as? String == "containerInsights" }
        #expect(setting?["value"] as? String == "enabled", "\(updated.json)")

        // A service in the agent's cluster, watched until its task runs, its logs followed.
        try await browser.type("form[aria-label='Create service'] input[name=serviceName]", service)
        try await browser.click("//form[@aria-label='Create service']//option[normalize-space()='\(family)']")
        try await browser.type("form[aria-label='Create service'] input[name=desiredCount]", "1")
        try await browser.click("form[aria-label='Create service'] button[type=submit]")
        try await browser.waitFor("Created service \(service).")
        // The API's own validation, word for word: the same service again is refused.
        try await browser.type("form[aria-label='Create service'] input[name=serviceName]", service)
        try await browser.click("form[aria-label='Create service'] button[type=submit]")
        try await browser.waitFor("InvalidParameterException: Creation of service was not idempotent.")
        try await browser.click("//a[normalize-space()='\(service)']")
        try await browser.waitFor("1 running, 0 pending, 1 desired", timeout: .seconds(90))
        try await browser.waitFor("console-v1-", timeout: .seconds(60))
        // Live: later lines appear on the same page, without a reload or a click.
        let first = Self.highest("console-v1-", in: try await browser.text())
        #expect(first > 0)
        try await browser.waitUntil("three more log lines tailed", timeout: .seconds(45)) { text in
            Self.highest("console-v1-", in: text) >= first + 3
        }
        try await browser.screenshot("service")

        // Scaled to two.
        try await browser.type("form[aria-label='Scale'] input[name=desiredCount]", "2")
        try await browser.click("form[aria-label='Scale'] button[type=submit]")
        try await browser.waitFor("2 running, 0 pending, 2 desired", timeout: .seconds(90))
        let scaled = try await cluster.client.call("DescribeServices", ["cluster": cluster.name, "services": [service]])
        #expect((scaled.json["services"] as? [[String: Any]])?.first?["runningCount"] as? Int == 2)

        // A new revision from the first one's JSON, edited, then deployed to the service.
        try await browser.open(console + "#/taskdefs/\(family)/1")
        try await browser.waitFor("Register a new revision")
        try await browser.screenshot("task-definition")
        try await browser.run(
            """
            const area = document.querySelector("form[aria-label='Register a task definition'] textarea");
            area.value = area.value.replace('console-v1', 'console-v2');
            """
        )
        try await browser.click("form[aria-label='Register a task definition'] button[type=submit]")
        try await browser.waitFor("\(family):2")
        try await browser.open(console + "#/clusters/\(cluster.name)/services/\(service)")
        try await browser.click("//form[@aria-label='Deploy a revision']//option[normalize-space()='\(family):2']")
        try await browser.click("form[aria-label='Deploy a revision'] button[type=submit]")
        try await browser.waitFor("Deploying \(family):2")
        try await browser.waitFor("console-v2-", timeout: .seconds(120))
        try await browser.waitUntil("the rollout completes on revision 2", timeout: .seconds(120)) { text in
            text.contains("2 running, 0 pending, 2 desired") && !text.contains("ACTIVE\t\(family):1")
        }
        let rolled = try await cluster.client.call("DescribeServices", ["cluster": cluster.name, "services": [service]])
        let primary = ((rolled.json["services"] as? [[String: Any]])?.first?["deployments"] as? [[String: Any]])?
            .first { $0["status"] as? String == "PRIMARY" }
        #expect((primary?["taskDefinition"] as? String)?.hasSuffix("\(family):2") == true)

        // A task stopped from the tasks tab: stopped with the console's reason, replaced by the service.
        try await browser.open(console + "#/clusters/\(cluster.name)/tasks")
        try await browser.waitFor("RUNNING")
        try await browser.click("//button[normalize-space()='Stop']")
        try await browser.accept()
        var stopped: [[String: Any]] = []
        for _ in 0..<60 {
            let listed = try await cluster.client.call(
                "ListTasks", ["cluster": cluster.name, "serviceName": service, "desiredStatus": "STOPPED"]
            )
            let arns = listed.json["taskArns"] as? [String] ?? []
            var described: [[String: Any]] = []
            if !arns.isEmpty {
                let answer = try await cluster.client.call("DescribeTasks", ["cluster": cluster.name, "tasks": arns])
                described = answer.json["tasks"] as? [[String: Any]] ?? []
            }
            stopped = described.filter { $0["stoppedReason"] as? String == "Stopped from the Wharf console" }
            if !stopped.isEmpty { break }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(stopped.count == 1, "one task stopped from the console")
        try await browser.open(console + "#/clusters/\(cluster.name)/services/\(service)")
        try await browser.waitFor("2 running, 0 pending, 2 desired", timeout: .seconds(90))

        // The node drained from its tab: its service tasks are stopped, then it is activated again.
        try await browser.open(console + "#/clusters/\(cluster.name)/nodes")
        try await browser.waitFor("\tCONNECTED\t")
        try await browser.screenshot("nodes")
        try await browser.click("//button[normalize-space()='Drain']")
        try await browser.accept()
        try await browser.waitFor("DRAINING")
        let instances = try await cluster.client.call("ListContainerInstances", ["cluster": cluster.name, "status": "DRAINING"])
        #expect((instances.json["containerInstanceArns"] as? [String])?.count == 1)
        try await browser.click("//button[normalize-space()='Activate']")
        try await browser.waitFor("is ACTIVE")

        // A service behind a load balancer and in Cloud Map: its page names both.
        try await namesShown(cluster, browser, console: console, family: family)

        // The extra cluster deleted from the list, then signed out.
        try await browser.open(console + "#/")
        try await browser.click("//tr[td/a[normalize-space()='\(extra)']]//button[normalize-space()='Delete']")
        try await browser.accept()
        try await browser.waitFor("Deleted cluster \(extra).")
        try await browser.click("#sign-out")
        try await browser.waitFor("Signed out.")
        try await browser.waitFor("Sign in to Wharf")
        let after = try await browser.run(
            """
            return fetch('/console/api', {method: 'POST', headers: {'X-Wharf-Console': '1',
              'X-Amz-Target': 'AmazonEC2ContainerServiceV20141113.ListClusters'}, body: '{}'}).then(r => r.status);
            """
        )
        #expect((after as? Int) == 401, "a call after signing out answered \(String(describing: after))")
    }

    /// The highest N of `PREFIXN` in `text`; 0 when there is none.
    static func highest(_ prefix: String, in text: String) -> Int {
        text.components(separatedBy: prefix).dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }.max() ?? 0
    }
}
