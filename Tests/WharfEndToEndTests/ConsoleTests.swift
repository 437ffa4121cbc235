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

        // A service in the agent's cluster, watched until its task runs, its logs followed.
        try await browser.open(console + "#/clusters/\(cluster.name)")
        try await browser.type("form[aria-label='Create service'] input[name=serviceName]", service)
        try await browser.click("//form[@aria-label='Create service']//option[normalize-space()='\(family)']")
        try await browser.type("form[aria-label='Create service'] input[name=desiredCount]", "1")
        try await browser.click("form[aria-label='Create service'] button[type=submit]")
        try await browser.waitFor("Created service \(service).")
        try await browser.click("//a[normalize-space()='\(service)']")
        try await browser.waitFor("1 running, 0 pending, 1 desired", timeout: .seconds(90))
        try await browser.waitFor("console-v1-", timeout: .seconds(60))
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
}
