import Testing
import WharfModel
@testable import WharfScheduler
import WharfState

/// Two instances to query: a t3 in zone a running a web task, an m5 in zone b running nothing.
let t3a = QueryTarget(attributes: ["ecs.instance-type": "t3.micro", "ecs.availability-zone": "us-east-1a", "ecs.os-type": "linux", "disk": "ssd"],
                      agentConnected: true, agentVersion: "0.1.0", ec2InstanceId: "node-1",
                      registeredAt: Double(ISOTime.days(year: 2026, month: 3, day: 1) * 86400), runningTasksCount: 4,
                      taskGroups: ["service:web"])
let m5b = QueryTarget(attributes: ["ecs.instance-type": "m5.large", "ecs.availability-zone": "us-east-1b", "ecs.os-type": "linux"],
                      agentConnected: false, agentVersion: "0.2.0", ec2InstanceId: "node-2",
                      registeredAt: Double(ISOTime.days(year: 2026, month: 6, day: 1) * 86400), runningTasksCount: 0)

@Suite("Cluster query language")
struct ClusterQueryTests {
    @Test("expressions select the right instances", arguments: [
        ("attribute:ecs.instance-type == t3.micro", true, false),
        ("attribute:ecs.instance-type equals m5.large", false, true),
        ("attribute:ecs.instance-type != t3.micro", false, true),
        ("attribute:ecs.instance-type == t3.*", true, false),
        ("attribute:ecs.instance-type =~ t3\\..*", true, false),
        ("attribute:ecs.instance-type matches \"(t3|m5)\\..*\"", true, true),
        ("attribute:ecs.instance-type !~ t3.*", false, true),
        ("attribute:disk exists", true, false),
        ("attribute:disk !exists", false, true),
        ("attribute:disk not_exists", false, true),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1c]", true, false),
        ("attribute:ecs.availability-zone in (us-east-1b)", false, true),
        ("attribute:ecs.availability-zone !in [us-east-1a]", false, true),
        ("attribute:ecs.availability-zone not_in [us-east-1a, us-east-1b]", false, false),
        ("runningTasksCount > 2", true, false),
        ("runningTasksCount >= 4", true, false),
        ("runningTasksCount < 1", false, true),
        ("runningTasksCount <= 4 and runningTasksCount greater_than 3", true, false),
        ("agentConnected == true", true, false),
        ("agentVersion == 0.2.0", false, true),
        ("ec2InstanceId in [node-1, node-9]", true, false),
        ("registeredAt < 2026-04-01", true, false),
        ("registeredAt >= 2026-05-31T23:59:59Z", false, true),
        ("task:group == service:web", true, false),
        ("not(task:group == service:web)", false, true),
        ("task:group != service:web", false, true),
        ("attribute:ecs.os-type == linux and attribute:disk == ssd", true, false),
        ("attribute:disk == ssd or attribute:ecs.instance-type == m5.large", true, true),
        ("attribute:ecs.os-type == linux && !(attribute:disk exists)", false, true),
        ("attribute:disk == hdd || attribute:ecs.availability-zone == us-east-1b and runningTasksCount == 0", false, true),
        ("(attribute:disk == hdd or attribute:ecs.availability-zone == us-east-1a) and runningTasksCount > 1", true, false),
        ("attribute:ecs.os-type == linux and not attribute:disk exists or runningTasksCount > 3", true, true),
        ("attribute:missing == x", false, false),
        ("attribute:missing != x", true, true),
    ])
    func matches(expression: String, first: Bool, second: Bool) throws {
        let query = try ClusterQuery(parsing: expression)
        try query.check()
        #expect(query.matches(t3a) == first, "\(expression) on t3a")
        #expect(query.matches(m5b) == second, "\(expression) on m5b")
    }

    @Test("bad expressions are refused with where and why", arguments: [
        ("", "is empty"),
        ("attribute:a ==", "value after equals"),
        ("attribute:a", "operator"),
        ("attribute:a ~= b", "makes no sense"),
        ("attribute:a in b", "needs a list"),
        ("attribute:a in [b, c", "not closed"),
        ("(attribute:a == b", "closing parenthesis"),
        ("attribute:a == b c", "where the expression should end"),
        ("color == red", "subject \"color\""),
        ("attribute: == b", "names no attribute"),
        ("attribute:a == \"b", "quote that is not closed"),
        ("attribute:a =~ \"[\"", "regular expression"),
        ("registeredAt > yesterday", "registeredAt compares with a time"),
        ("attribute:a == b and", "subject"),
    ])
    func refused(expression: String, fragment: String) {
        #expect {
            let query = try ClusterQuery(parsing: expression)
            try query.check()
        } throws: { error in
            guard let error = error as? ECSError else { return false }
            return error.code == .invalidParameter && error.message.contains(fragment)
        }
    }

    @Test("memberOf constrains placement, with ECS's failure reason")
    func memberOf() throws {
        var placement = try Placement(strategies: [], constraints: [ECS.PlacementConstraint(type: "memberOf", expression: "attribute:rack == b")], seed: 1)
        let a = PlacementCandidate(arn: "a", remainingCPU: 4096, remainingMemoryMiB: 4096, attributes: ["rack": "a"])
        let b = PlacementCandidate(arn: "b", remainingCPU: 4096, remainingMemoryMiB: 4096, attributes: ["rack": "b"])
        let result = placement.place(small, count: 3, group: "g", on: [a, b])
        #expect(result.placements == ["b", "b", "b"])
        let none = placement.place(small, count: 1, group: "g", on: [a])
        #expect(none.failures == [Placement.Failure(arn: "a", reason: "MemberOf placement constraint unsatisfied.")])
        #expect(throws: ECSError.self) { try Placement(strategies: [], constraints: [ECS.PlacementConstraint(type: "memberOf")], seed: 1) }
        #expect(throws: ECSError.self) { try Placement(strategies: [], constraints: [ECS.PlacementConstraint(type: "memberOf", expression: "nonsense")], seed: 1) }
    }

    @Test("distinctInstance is never violated, whatever the count")
    func distinctInstance() throws {
        var placement = try Placement(strategies: [], constraints: [ECS.PlacementConstraint(type: "distinctInstance")], seed: 3)
        let pool = (1...4).map { PlacementCandidate(arn: "i\($0)", remainingCPU: 8192, remainingMemoryMiB: 8192) }
        let result = placement.place(small, count: 6, group: "g", on: pool)
        #expect(result.placements.count == 4)
        #expect(Set(result.placements).count == 4)
        #expect(result.failures.allSatisfy { $0.reason == "DistinctInstance placement constraint unsatisfied." })
    }
}
