import ArgumentParser
import Testing
import WharfController
import WharfStore

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

    @Test("--store chooses SQLite or a PostgreSQL URL (or WHARF_STORE); --leader-lease and --advertise-url go with it")
    func store() throws {
        let plain = try ControllerOptions.parse([]).configuration(environment: [:])
        #expect(plain.store == .sqlite && plain.leadership.lease == .seconds(5))
        let shared = try ControllerOptions.parse([
            "--store", "postgres://wharf:pw@db:5432/wharf?sslmode=disable", "--leader-lease", "4",
            "--advertise-url", "https://c1:8080",
        ]).configuration(environment: [:])
        guard case .postgres(let location) = shared.store else {
            Issue.record("not a PostgreSQL store: \(shared.store)")
            return
        }
        #expect(location.host == "db" && location.tls == .disable && location.password == "pw")
        #expect(shared.leadership.lease == .seconds(4) && shared.leadership.renewInterval == .seconds(4) / 6)
        #expect(shared.leadership.advertiseURL == "https://c1:8080")
        let byEnvironment = try ControllerOptions.parse([]).configuration(environment: [
            "WHARF_STORE": "postgres://wharf@db/wharf", "WHARF_LEADER_LEASE": "10",
        ])
        #expect(byEnvironment.store != .sqlite && byEnvironment.leadership.lease == .seconds(10))
        for (arguments, message) in [
            (["--store", "mysql://db/wharf"], "--store: the store URL must start with postgres://"),
            (["--store", "postgres://db/wharf"], "names no user"),
            (["--store", "postgres://a@db/w", "--leader-lease", "1"], "--leader-lease 1 must be 2 to 60 seconds"),
            (["--store", "postgres://a@db/w", "--advertise-url", "c1:80"], "is not an http(s) URL"),
            (["--leader-lease", "5"], "on one PostgreSQL --store"),
        ] {
            do {
                _ = try ControllerOptions.parse(arguments).configuration(environment: [:])
                Issue.record("\(arguments) was accepted")
            } catch let error as ValidationError {
                #expect(error.message.contains(message), "\(arguments): \(error.message)")
            }
        }
    }

    @Test("--metric-period and --metric-retention (or their variables) set CloudWatch's period and how long samples stay")
    func monitoring() throws {
        let plain = try ControllerOptions.parse([]).configuration(environment: [:]).monitoring
        #expect(plain.period == .seconds(60) && plain.retention == .seconds(15 * 86_400))
        let given = try ControllerOptions.parse(["--metric-period", "2s", "--metric-retention", "36h"])
            .configuration(environment: [:]).monitoring
        #expect(given.period == .seconds(2) && given.periodSeconds == 2 && given.retention == .seconds(36 * 3_600))
        let byEnvironment = try ControllerOptions.parse([]).configuration(environment: [
            "WHARF_METRIC_PERIOD": "10s", "WHARF_METRIC_RETENTION": "2d",
        ]).monitoring
        #expect(byEnvironment.period == .seconds(10) && byEnvironment.retention == .seconds(2 * 86_400))
        for (arguments, message) in [
            (["--metric-period", "0s"], "--metric-period \"0s\" is not a duration from 1s to 1h"),
            (["--metric-period", "2h"], "--metric-period \"2h\" is not a duration from 1s to 1h"),
            (["--metric-period", "soon"], "--metric-period \"soon\""),
            (["--metric-retention", "30m"], "--metric-retention \"30m\" is not a duration from 1h to 455d"),
            (["--metric-retention", "500d"], "--metric-retention \"500d\""),
        ] {
            do {
                _ = try ControllerOptions.parse(arguments).configuration(environment: [:])
                Issue.record("\(arguments) was accepted")
            } catch let error as ValidationError {
                #expect(error.message.contains(message), "\(arguments): \(error.message)")
            }
        }
    }
}
