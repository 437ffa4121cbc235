import ArgumentParser
import Testing
import WharfController

@testable import WharfCLI

@Suite("wharf-controller's options")
struct ControllerOptionsTests {
    @Test("--regions (or WHARF_REGIONS) names the other regions served; a name AWS does not have is refused")
    func regions() throws {
        let all = try ControllerOptions.parse([]).configuration(environment: [:])
        #expect(all.servedRegions == nil && all.serves("ap-south-1") && all.serves("us-east-1"))
        let some = try ControllerOptions.parse(["--regions", "eu-west-1, us-east-2"]).configuration(environment: [:])
        #expect(some.servedRegions == ["eu-west-1", "us-east-2"])
        #expect(some.serves("eu-west-1") && some.serves("us-east-1") && !some.serves("ap-south-1"))
        let byEnvironment = try ControllerOptions.parse([]).configuration(environment: ["WHARF_REGIONS": "sa-east-1"])
        #expect(byEnvironment.servedRegions == ["sa-east-1"])
        #expect(throws: ValidationError.self) {
            try ControllerOptions.parse(["--regions", "eu-west-1,nowhere-1"]).configuration(environment: [:])
        }
    }
}
