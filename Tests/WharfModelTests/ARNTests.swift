import Testing
import WharfModel

@Suite("ARNs")
struct ARNTests {
    @Test("ARNs parse into their parts and print back the same")
    func parse() throws {
        let text = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3"
        let arn = try #require(ARN(parsing: text))
        #expect(arn.region == "eu-west-1")
        #expect(arn.account == "123456789012")
        #expect(arn.resourceType == "task-definition")
        #expect(arn.resourceID == "web:3")
        #expect(arn.description == text)
    }

    @Test("text that is not an ARN", arguments: ["web", "arn:aws:ecs", "arn:aws:ecs:r:a:cluster", "arn:aws:ecs:r:a:/x", "arn::ecs:r:a:cluster/x"])
    func notARN(text: String) {
        #expect(ARN(parsing: text) == nil)
    }

    @Test("the context issues ARNs in its region and account")
    func context() {
        let context = AccountContext(region: "eu-north-1", accountID: "111122223333")
        #expect(context.clusterARN("prod") == "arn:aws:ecs:eu-north-1:111122223333:cluster/prod")
        #expect(context.taskDefinitionARN(family: "web", revision: 12) == "arn:aws:ecs:eu-north-1:111122223333:task-definition/web:12")
        #expect(context.rootPrincipalARN == "arn:aws:iam::111122223333:root")
    }
}
