import Foundation
import Testing
import WharfModel

@Suite("The Query protocol: form parameters into shapes, shapes into XML")
struct QueryCodecTests {
    @Test("nested structures, lists, numbers and booleans decode from botocore's parameter names")
    func decode() throws {
        let form =
            "Name=tg%2B1&Port=8080&HealthCheckEnabled=true&Matcher.HttpCode=200-299"
            + "&Tags.member.1.Key=a+b&Tags.member.2.Key=c"
        let parameters = try QueryDecoder.parameters(form: Array(form.utf8))
        #expect(parameters["Name"] == "tg+1" && parameters["Tags.member.1.Key"] == "a b")
        let input = try QueryDecoder.decode(ELBv2.CreateTargetGroupInput.self, from: parameters)
        #expect(input.name == "tg+1" && input.port == 8080 && input.healthCheckEnabled == true)
        #expect(input.matcher?.httpCode == "200-299")
        #expect(input.tags?.map(\.key) == ["a b", "c"])
    }

    @Test("an empty list, a gap in a list's indexes, an unknown name, a bad number and a repeated name")
    func refusals() throws {
        let empty = try QueryDecoder.decode(ELBv2.DescribeTagsInput.self, from: ["ResourceArns": ""])
        #expect(empty.resourceArns == [])
        #expect(throws: ECSError.self) {
            try QueryDecoder.decode(
                ELBv2.DescribeTagsInput.self,
                from: ["ResourceArns.member.1": "a", "ResourceArns.member.3": "c"]
            )
        }
        let unknown = #expect(throws: ECSError.self) {
            try QueryDecoder.decode(ELBv2.DescribeTagsInput.self, from: ["Colour": "blue"])
        }
        #expect(unknown?.code == .validationError && unknown?.message.contains("Colour") == true)
        let number = #expect(throws: ECSError.self) {
            try QueryDecoder.decode(ELBv2.CreateTargetGroupInput.self, from: ["Port": "80.5"])
        }
        #expect(number?.message.contains("Port") == true)
        #expect(throws: ECSError.self) { try QueryDecoder.parameters(form: Array("A=1&A=2".utf8)) }
        let envelope = try QueryDecoder.decode(
            ELBv2.DescribeTagsInput.self,
            from: ["Action": "DescribeTags", "Version": "2015-12-01"]
        )
        #expect(envelope.resourceArns == nil)
    }

    @Test("an answer: the result wrapped in the action's elements, lists as <member>, maps as <entry>, nil left out")
    func encode() throws {
        let output = ELBv2.DescribeTagsOutput(
            tagDescriptions: [ELBv2.TagDescription(resourceArn: "a<b>&c", tags: [ELBv2.Tag(key: "k")])]
        )
        let xml = String(
            decoding: try QueryXML.response(action: "DescribeTags", result: output, namespace: "urn:x", requestID: "r"),
            as: UTF8.self
        )
        #expect(xml.contains("<DescribeTagsResponse xmlns=\"urn:x\"><DescribeTagsResult>"))
        #expect(
            xml.contains(
                "<TagDescriptions><member><ResourceArn>a&lt;b&gt;&amp;c</ResourceArn>"
                    + "<Tags><member><Key>k</Key></member></Tags></member></TagDescriptions>"
            )
        )
        #expect(!xml.contains("<Value>"))
        #expect(xml.contains("<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeTagsResponse>"))
        let date = ELBv2.LoadBalancer(createdTime: Date(timeIntervalSince1970: 1_780_000_000.25))
        let dated = String(
            decoding: try QueryXML.response(action: "X", result: date, namespace: "urn:x", requestID: "r"),
            as: UTF8.self
        )
        #expect(dated.contains("<CreatedTime>2026-05-28T20:26:40.250Z</CreatedTime>"))
        let mapped = String(
            decoding: try QueryXML.response(
                action: "X",
                result: CloudWatch.Datapoint(extendedStatistics: ["p99": 2, "p50": 1]),
                namespace: "urn:x",
                requestID: "r"
            ),
            as: UTF8.self
        )
        #expect(
            mapped.contains(
                "<ExtendedStatistics><entry><key>p50</key><value>1.0</value></entry>"
                    + "<entry><key>p99</key><value>2.0</value></entry></ExtendedStatistics>"
            ),
            "maps are <entry> elements in key order: \(mapped)"
        )
        let error = String(
            decoding: QueryXML.error(
                code: "LoadBalancerNotFound",
                message: "x",
                sender: true,
                namespace: "urn:x",
                requestID: "r"
            ),
            as: UTF8.self
        )
        #expect(
            error.contains("<Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>x</Message></Error>")
        )
    }
}
