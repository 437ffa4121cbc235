import Foundation
import Testing
import WharfModel
import WharfState
@testable import WharfController

/// Elastic Load Balancing v2 through the Query handlers, as botocore calls them.
@Suite("Elastic Load Balancing: load balancers, target groups, listeners, rules, targets, tags")
struct ELBv2Tests {
    /// An application load balancer, an HTTP target group of IP targets and a listener forwarding
    /// to it; their ARNs.
    func webStack(_ client: QueryClient) async throws -> (lb: String, tg: String, listener: String) {
        let lb = try await client.ok(
            "CreateLoadBalancer",
            ["Name": "web", "Subnets.member.1": "subnet-a", "Subnets.member.2": "subnet-b"]
        )
        let lbARN = try #require(lb["LoadBalancers"]?.members.first?.value("LoadBalancerArn"))
        let tg = try await client.ok(
            "CreateTargetGroup",
            ["Name": "web-tg", "Protocol": "HTTP", "Port": "80", "VpcId": "vpc-1", "TargetType": "ip"]
        )
        let tgARN = try #require(tg["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        let listener = try await client.ok(
            "CreateListener",
            [
                "LoadBalancerArn": lbARN, "Protocol": "HTTP", "Port": "80",
                "DefaultActions.member.1.Type": "forward", "DefaultActions.member.1.TargetGroupArn": tgARN,
            ]
        )
        let listenerARN = try #require(listener["Listeners"]?.members.first?.value("ListenerArn"))
        return (lbARN, tgARN, listenerARN)
    }

    @Test("a load balancer's ARN, DNS name and zones; created again with the same settings it is the same one")
    func loadBalancer() async throws {
        let client = try await QueryClient()
        let created = try await client.ok(
            "CreateLoadBalancer",
            ["Name": "web", "Subnets.member.1": "subnet-a", "Tags.member.1.Key": "env", "Tags.member.1.Value": "lab"]
        )
        let lb = try #require(created["LoadBalancers"]?.members.first)
        let arn = try #require(lb.value("LoadBalancerArn"))
        #expect(arn.hasPrefix("arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/"))
        #expect(lb.value("Type") == "application" && lb.value("Scheme") == "internet-facing")
        #expect(lb.value("State", "Code") == "active")
        #expect(lb.value("DNSName")?.hasSuffix(".us-east-1.elb.wharf.internal") == true)
        #expect(lb["AvailabilityZones"]?.members.first?.value("SubnetId") == "subnet-a")
        let again = try await client.ok("CreateLoadBalancer", ["Name": "web", "Subnets.member.1": "subnet-a"])
        #expect(again["LoadBalancers"]?.members.first?.value("LoadBalancerArn") == arn)
        #expect(
            try await client.refusal("CreateLoadBalancer", ["Name": "web", "Subnets.member.1": "subnet-z"])?.code
                == .duplicateLoadBalancerName
        )
        #expect(
            try await client.refusal("CreateLoadBalancer", ["Name": "-bad", "Subnets.member.1": "s"])?.code
                == .validationError
        )
        #expect(
            try await client.refusal("CreateLoadBalancer", ["Name": "gw", "Type": "gateway", "Subnets.member.1": "s"])?
                .code == .validationError
        )
        #expect(try await client.refusal("CreateLoadBalancer", ["Name": "nosubnet"])?.code == .validationError)
        let described = try await client.ok("DescribeLoadBalancers", ["Names.member.1": "web"])
        #expect(described["LoadBalancers"]?.members.count == 1)
        #expect(
            try await client.refusal("DescribeLoadBalancers", ["Names.member.1": "nope"])?.code == .loadBalancerNotFound
        )
        let tags = try await client.ok("DescribeTags", ["ResourceArns.member.1": arn])
        #expect(tags["TagDescriptions"]?.members.first?["Tags"]?.members.first?.value("Key") == "env")
    }

    @Test("a parameter the action has no member for is refused by name, and a number must be a number")
    func unknownParameters() async throws {
        let client = try await QueryClient()
        let unknown = try await client.refusal(
            "CreateLoadBalancer",
            ["Name": "web", "Subnets.member.1": "s", "Colour": "blue"]
        )
        #expect(unknown?.code == .validationError && unknown?.message.contains("Colour") == true)
        let notNumber = try await client.refusal(
            "CreateTargetGroup",
            ["Name": "tg", "Protocol": "HTTP", "Port": "eighty"]
        )
        #expect(notNumber?.code == .validationError && notNumber?.message.contains("Port") == true)
        let outOfRange = try await client.refusal(
            "CreateTargetGroup",
            ["Name": "tg", "Protocol": "HTTP", "Port": "70000"]
        )
        #expect(outOfRange?.code == .validationError)
    }

    @Test("target groups get ELB's health-check defaults; bad checks, UDP and Lambda are refused")
    func targetGroups() async throws {
        let client = try await QueryClient()
        let http = try await client.ok("CreateTargetGroup", ["Name": "http", "Protocol": "HTTP", "Port": "8080"])
        let group = try #require(http["TargetGroups"]?.members.first)
        #expect(group.value("HealthCheckPath") == "/" && group.value("Matcher", "HttpCode") == "200")
        #expect(group.value("HealthCheckIntervalSeconds") == "30" && group.value("HealthCheckTimeoutSeconds") == "5")
        #expect(group.value("TargetType") == "instance" && group.value("ProtocolVersion") == "HTTP1")
        let tcp = try await client.ok("CreateTargetGroup", ["Name": "tcp", "Protocol": "TCP", "Port": "5432"])
        let tcpGroup = try #require(tcp["TargetGroups"]?.members.first)
        #expect(tcpGroup.value("HealthCheckProtocol") == "TCP" && tcpGroup["HealthCheckPath"] == nil)
        #expect(tcpGroup.value("HealthCheckTimeoutSeconds") == "10")
        let arn = try #require(group.value("TargetGroupArn"))
        let modified = try await client.ok(
            "ModifyTargetGroup",
            [
                "TargetGroupArn": arn, "HealthCheckPath": "/healthz", "HealthCheckIntervalSeconds": "10",
                "Matcher.HttpCode": "200-299",
            ]
        )
        #expect(modified["TargetGroups"]?.members.first?.value("HealthCheckPath") == "/healthz")
        #expect(modified["TargetGroups"]?.members.first?.value("Matcher", "HttpCode") == "200-299")
        let refusals: [[String: String]] = [
            ["TargetGroupArn": arn, "HealthCheckTimeoutSeconds": "10"],
            ["TargetGroupArn": arn, "Matcher.HttpCode": "600"],
            ["TargetGroupArn": arn, "HealthCheckEnabled": "false"],
            ["TargetGroupArn": arn, "HealthCheckPath": "healthz"],
        ]
        for parameters in refusals {
            #expect(
                try await client.refusal("ModifyTargetGroup", parameters)?.code == .validationError,
                "\(parameters)"
            )
        }
        #expect(
            try await client.refusal("CreateTargetGroup", ["Name": "u", "Protocol": "UDP", "Port": "53"])?.code
                == .unsupportedProtocol
        )
        #expect(
            try await client.refusal("CreateTargetGroup", ["Name": "l", "TargetType": "lambda"])?.code
                == .validationError
        )
        #expect(
            try await client.refusal("CreateTargetGroup", ["Name": "http", "Protocol": "HTTP", "Port": "9090"])?.code
                == .duplicateTargetGroupName
        )
    }

    @Test("listeners forward to target groups of their load balancer's kind, one load balancer per group and port")
    func listeners() async throws {
        let client = try await QueryClient()
        let (lb, tg, listener) = try await webStack(client)
        let described = try await client.ok("DescribeListeners", ["LoadBalancerArn": lb])
        let shown = try #require(described["Listeners"]?.members.first)
        #expect(shown.value("ListenerArn") == listener && shown.value("Port") == "80")
        let action = try #require(shown["DefaultActions"]?.members.first)
        #expect(action.value("Type") == "forward" && action.value("TargetGroupArn") == tg)
        #expect(action["ForwardConfig"]?["TargetGroups"]?.members.first?.value("Weight") == "1")
        let groups = try await client.ok("DescribeTargetGroups", ["LoadBalancerArn": lb])
        #expect(groups["TargetGroups"]?.members.first?["LoadBalancerArns"]?.members.first?.text == lb)
        #expect(try await client.refusal("DeleteTargetGroup", ["TargetGroupArn": tg])?.code == .resourceInUse)

        let other = try await client.ok("CreateLoadBalancer", ["Name": "other", "Subnets.member.1": "s"])
        let otherARN = try #require(other["LoadBalancers"]?.members.first?.value("LoadBalancerArn"))
        let forward = ["DefaultActions.member.1.Type": "forward", "DefaultActions.member.1.TargetGroupArn": tg]
        #expect(
            try await client.refusal(
                "CreateListener",
                ["LoadBalancerArn": otherARN, "Port": "8080"].merging(forward) { a, _ in a }
            )?.code == .targetGroupAssociationLimit
        )
        #expect(
            try await client.refusal(
                "CreateListener",
                [
                    "LoadBalancerArn": lb, "Port": "80", "DefaultActions.member.1.Type": "fixed-response",
                    "DefaultActions.member.1.FixedResponseConfig.StatusCode": "200",
                ]
            )?.code == .duplicateListener
        )
        let fixed = [
            "DefaultActions.member.1.Type": "fixed-response",
            "DefaultActions.member.1.FixedResponseConfig.StatusCode": "503",
        ]
        #expect(
            try await client.refusal(
                "CreateListener",
                ["LoadBalancerArn": otherARN, "Port": "80"].merging(fixed) { a, _ in a }
            )?.code == .duplicateListener,
            "a port serves one load balancer"
        )
        #expect(
            try await client.refusal(
                "CreateListener",
                ["LoadBalancerArn": lb, "Port": "443", "Protocol": "HTTPS"].merging(forward) { a, _ in a }
            )?.code == .validationError
        )
        #expect(
            try await client.refusal(
                "CreateListener",
                ["LoadBalancerArn": lb, "Port": "81", "Protocol": "TCP"].merging(forward) { a, _ in a }
            )?.code == .unsupportedProtocol
        )
        let network = try await client.ok(
            "CreateLoadBalancer",
            ["Name": "db", "Type": "network", "Subnets.member.1": "s"]
        )
        let networkARN = try #require(network["LoadBalancers"]?.members.first?.value("LoadBalancerArn"))
        #expect(
            try await client.refusal(
                "CreateListener",
                ["LoadBalancerArn": networkARN, "Port": "5432", "Protocol": "TCP"].merging(forward) { a, _ in a }
            )?.code == .incompatibleProtocols
        )
    }

    @Test("rules: priorities unique, the default rule kept last and undeletable, its actions the listener's")
    func rules() async throws {
        let client = try await QueryClient()
        let (_, tg, listener) = try await webStack(client)
        func rule(_ priority: String, _ path: String) -> [String: String] {
            [
                "ListenerArn": listener, "Priority": priority,
                "Conditions.member.1.Field": "path-pattern", "Conditions.member.1.Values.member.1": path,
                "Actions.member.1.Type": "fixed-response", "Actions.member.1.FixedResponseConfig.StatusCode": "404",
            ]
        }
        let created = try await client.ok("CreateRule", rule("10", "/api/*"))
        let ruleARN = try #require(created["Rules"]?.members.first?.value("RuleArn"))
        _ = try await client.ok("CreateRule", rule("20", "/img/*"))
        #expect(try await client.refusal("CreateRule", rule("10", "/x/*"))?.code == .priorityInUse)
        var sixValues = rule("30", "/a")
        for index in 2...6 { sixValues["Conditions.member.1.Values.member.\(index)"] = "/v\(index)" }
        #expect(try await client.refusal("CreateRule", sixValues)?.code == .tooManyRules)
        let rules = try await client.ok("DescribeRules", ["ListenerArn": listener])
        #expect(rules["Rules"]?.members.map { $0.value("Priority") } == ["10", "20", "default"])
        let defaultRule = try #require(rules["Rules"]?.members.last)
        #expect(defaultRule.value("IsDefault") == "true")
        let defaultARN = try #require(defaultRule.value("RuleArn"))
        #expect(try await client.refusal("DeleteRule", ["RuleArn": defaultARN])?.code == .operationNotPermitted)
        _ = try await client.ok(
            "ModifyRule",
            [
                "RuleArn": defaultARN, "Actions.member.1.Type": "fixed-response",
                "Actions.member.1.FixedResponseConfig.StatusCode": "503",
            ]
        )
        let listeners = try await client.ok("DescribeListeners", ["ListenerArns.member.1": listener])
        #expect(
            listeners["Listeners"]?.members.first?["DefaultActions"]?.members.first?.value("Type") == "fixed-response"
        )
        #expect(
            try await client.refusal("DeleteTargetGroup", ["TargetGroupArn": tg]) == nil,
            "no listener or rule forwards to the group any more"
        )
        let moved = try await client.ok(
            "SetRulePriorities",
            ["RulePriorities.member.1.RuleArn": ruleARN, "RulePriorities.member.1.Priority": "30"]
        )
        #expect(moved["Rules"]?.members.first?.value("Priority") == "30")
        _ = try await client.ok("DeleteRule", ["RuleArn": ruleARN])
        #expect(try await client.refusal("DeleteRule", ["RuleArn": ruleARN])?.code == .ruleNotFound)
        let hosts = try await client.ok(
            "CreateRule",
            [
                "ListenerArn": listener, "Priority": "5", "Conditions.member.1.Field": "host-header",
                "Conditions.member.1.HostHeaderConfig.Values.member.1": "*.example.com",
                "Conditions.member.2.Field": "http-header",
                "Conditions.member.2.HttpHeaderConfig.HttpHeaderName": "X-Canary",
                "Conditions.member.2.HttpHeaderConfig.Values.member.1": "yes",
                "Actions.member.1.Type": "redirect", "Actions.member.1.RedirectConfig.StatusCode": "HTTP_301",
                "Actions.member.1.RedirectConfig.Host": "www.example.com",
            ]
        )
        let conditions = try #require(hosts["Rules"]?.members.first?["Conditions"]?.members)
        #expect(conditions.first?.value("HostHeaderConfig", "Values") != nil)
        #expect(conditions.last?.value("HttpHeaderConfig", "HttpHeaderName") == "X-Canary")
        #expect(
            try await client.refusal(
                "CreateRule",
                [
                    "ListenerArn": listener, "Priority": "6", "Conditions.member.1.Field": "path-pattern",
                    "Conditions.member.1.Values.member.1": "/", "Actions.member.1.Type": "redirect",
                    "Actions.member.1.RedirectConfig.StatusCode": "HTTP_301",
                ]
            )?.code == .invalidLoadBalancerAction,
            "a redirect to the same URL loops"
        )
    }

    @Test("targets register, drain for the deregistration delay and are forgotten by the retention pass")
    func targets() async throws {
        let client = try await QueryClient()
        let (_, tg, _) = try await webStack(client)
        _ = try await client.ok(
            "RegisterTargets",
            [
                "TargetGroupArn": tg, "Targets.member.1.Id": "10.64.1.5", "Targets.member.1.Port": "8080",
                "Targets.member.2.Id": "10.64.1.6",
            ]
        )
        var health = try await client.ok("DescribeTargetHealth", ["TargetGroupArn": tg])
        var described = try #require(health["TargetHealthDescriptions"]?.members)
        #expect(described.map { $0.value("Target", "Port") } == ["8080", "80"])
        #expect(described.allSatisfy { $0.value("TargetHealth", "State") == "initial" })
        #expect(described.first?.value("HealthCheckPort") == "8080")
        _ = try await client.ok(
            "ModifyTargetGroupAttributes",
            [
                "TargetGroupArn": tg, "Attributes.member.1.Key": "deregistration_delay.timeout_seconds",
                "Attributes.member.1.Value": "30",
            ]
        )
        _ = try await client.ok("DeregisterTargets", ["TargetGroupArn": tg, "Targets.member.1.Id": "10.64.1.6"])
        health = try await client.ok("DescribeTargetHealth", ["TargetGroupArn": tg])
        described = try #require(health["TargetHealthDescriptions"]?.members)
        #expect(described.last?.value("TargetHealth", "State") == "draining")
        #expect(
            try await client.refusal("DeregisterTargets", ["TargetGroupArn": tg, "Targets.member.1.Id": "10.9.9.9"])?
                .code == .invalidTarget
        )
        #expect(
            try await client.refusal("RegisterTargets", ["TargetGroupArn": tg, "Targets.member.1.Id": "127.0.0.1"])?
                .code == .invalidTarget
        )
        client.harness.clock.advance(31)
        try await client.harness.controller.expire(retention: .seconds(3600))
        let stored = await client.harness.controller.read { state in
            state.loadBalancing.allTargetGroups.first?.targets.map(\.id)
        }
        #expect(stored == ["10.64.1.5"])
        let asked = try await client.ok(
            "DescribeTargetHealth",
            ["TargetGroupArn": tg, "Targets.member.1.Id": "10.64.1.6"]
        )
        #expect(
            asked["TargetHealthDescriptions"]?.members.first?.value("TargetHealth", "Reason") == "Target.NotRegistered"
        )

        let instanceGroup = try await client.ok(
            "CreateTargetGroup",
            ["Name": "inst", "Protocol": "HTTP", "Port": "80"]
        )
        let instanceARN = try #require(instanceGroup["TargetGroups"]?.members.first?.value("TargetGroupArn"))
        #expect(
            try await client.refusal(
                "RegisterTargets",
                ["TargetGroupArn": instanceARN, "Targets.member.1.Id": "i-nope"]
            )?
            .code == .invalidTarget
        )
        _ = try await client.harness.join("node-1")
        _ = try await client.ok("RegisterTargets", ["TargetGroupArn": instanceARN, "Targets.member.1.Id": "node-1"])
        let unused = try await client.ok("DescribeTargetHealth", ["TargetGroupArn": instanceARN])
        #expect(unused["TargetHealthDescriptions"]?.members.first?.value("TargetHealth", "Reason") == "Target.NotInUse")
    }

    @Test("attributes: the defaults shown, the ones Wharf applies kept, the others refused by name")
    func attributes() async throws {
        let client = try await QueryClient()
        let (lb, _, _) = try await webStack(client)
        let shown = try await client.ok("DescribeLoadBalancerAttributes", ["LoadBalancerArn": lb])
        let pairs = (shown["Attributes"]?.members ?? []).map { ($0.value("Key") ?? "", $0.value("Value") ?? "") }
        #expect(pairs.contains { $0 == ("idle_timeout.timeout_seconds", "60") })
        let refused = try await client.refusal(
            "ModifyLoadBalancerAttributes",
            [
                "LoadBalancerArn": lb, "Attributes.member.1.Key": "access_logs.s3.enabled",
                "Attributes.member.1.Value": "true",
            ]
        )
        #expect(refused?.code == .validationError && refused?.message.contains("access_logs.s3.enabled") == true)
        #expect(
            try await client.refusal(
                "ModifyLoadBalancerAttributes",
                ["LoadBalancerArn": lb, "Attributes.member.1.Key": "no.such", "Attributes.member.1.Value": "1"]
            )?.code == .validationError
        )
        _ = try await client.ok(
            "ModifyLoadBalancerAttributes",
            [
                "LoadBalancerArn": lb, "Attributes.member.1.Key": "deletion_protection.enabled",
                "Attributes.member.1.Value": "true",
            ]
        )
        #expect(try await client.refusal("DeleteLoadBalancer", ["LoadBalancerArn": lb])?.code == .operationNotPermitted)
        _ = try await client.ok(
            "ModifyLoadBalancerAttributes",
            [
                "LoadBalancerArn": lb, "Attributes.member.1.Key": "deletion_protection.enabled",
                "Attributes.member.1.Value": "false",
            ]
        )
        _ = try await client.ok("DeleteLoadBalancer", ["LoadBalancerArn": lb])
        let counts = await client.harness.controller.read { state in state.loadBalancing.counts }
        #expect(counts.loadBalancers == 0 && counts.listeners == 0 && counts.rules == 0)
        _ = try await client.ok("DeleteLoadBalancer", ["LoadBalancerArn": lb])
    }

    @Test("tags on a listener and its default rule in one call both stay")
    func tags() async throws {
        let client = try await QueryClient()
        let (_, _, listener) = try await webStack(client)
        let rules = try await client.ok("DescribeRules", ["ListenerArn": listener])
        let defaultRule = try #require(rules["Rules"]?.members.last?.value("RuleArn"))
        _ = try await client.ok(
            "AddTags",
            [
                "ResourceArns.member.1": listener, "ResourceArns.member.2": defaultRule,
                "Tags.member.1.Key": "team", "Tags.member.1.Value": "web",
            ]
        )
        let tags = try await client.ok(
            "DescribeTags",
            ["ResourceArns.member.1": listener, "ResourceArns.member.2": defaultRule]
        )
        #expect(tags["TagDescriptions"]?.members.map { $0["Tags"]?.members.first?.value("Key") } == ["team", "team"])
        _ = try await client.ok("RemoveTags", ["ResourceArns.member.1": listener, "TagKeys.member.1": "team"])
        let after = try await client.ok("DescribeTags", ["ResourceArns.member.1": listener])
        #expect(after["TagDescriptions"]?.members.first?["Tags"]?.members.isEmpty == true)
        #expect(
            try await client.refusal(
                "AddTags",
                ["ResourceArns.member.1": listener, "Tags.member.1.Key": "a", "Tags.member.2.Key": "a"]
            )?.code == .duplicateTagKeys
        )
    }
}
