import Foundation
import Testing
import WharfLab

@Suite("wharf lab's layout: names, addresses, directories")
struct LabLayoutTests {
    @Test("a lab's names fit the kernel's 15 characters, its addresses the /24, its files the directory")
    func layout() throws {
        let layout = try LabLayout(
            name: "home1",
            nodes: 3,
            subnet: "10.250.7.0/24",
            root: "/var/lib/wharf-lab/home1",
            port: 8443
        )
        #expect(layout.bridge == "wl-home1")
        #expect(layout.hostAddress == "10.250.7.1")
        #expect(layout.endpoint == "https://10.250.7.1:8443")
        #expect((1...3).map(layout.nodeAddress) == ["10.250.7.10", "10.250.7.11", "10.250.7.12"])
        #expect(layout.namespace(2) == "wharf-home1-n2")
        #expect(layout.dockerSocket(2) == "/var/lib/wharf-lab/home1/node-2/docker.sock")
        #expect(layout.caFile == "/var/lib/wharf-lab/home1/controller/tls/ca.pem")
        let longest = try LabLayout(name: "abcdefgh", nodes: 200, subnet: "10.0.0.0/24", root: "/l", port: 1)
        #expect(longest.veth(200).count <= 15 && longest.bridge.count <= 15)
        #expect(longest.nodeAddress(200) == "10.0.0.209")
    }

    @Test(
        "bad names, subnets, node counts, ports and directories are refused with what is allowed",
        arguments: [
            ("Lab", 2, "10.250.0.0/24", "/l", 1, "lowercase"),
            ("1lab", 2, "10.250.0.0/24", "/l", 1, "starting with a letter"),
            ("toolongname", 2, "10.250.0.0/24", "/l", 1, "1 to 8"),
            ("lab", 0, "10.250.0.0/24", "/l", 1, "--nodes 0"),
            ("lab", 201, "10.250.0.0/24", "/l", 1, "--nodes 201"),
            ("lab", 2, "10.250.0.0/16", "/l", 1, "a /24"),
            ("lab", 2, "10.250.0.5/24", "/l", 1, "a /24"),
            ("lab", 2, "10.250.300.0/24", "/l", 1, "a /24"),
            ("lab", 2, "10.250.0.0/24", "/l", 0, "--port 0"),
            ("lab", 2, "10.250.0.0/24", "relative", 1, "absolute path"),
        ] as [(String, Int, String, String, Int, String)]
    )
    func refused(_ name: String, _ nodes: Int, _ subnet: String, _ root: String, _ port: Int, _ fragment: String) {
        #expect {
            _ = try LabLayout(name: name, nodes: nodes, subnet: subnet, root: root, port: port)
        } throws: { error in
            (error as? LabError)?.description.contains(fragment) == true
        }
    }

    @Test("the state file round-trips, and its environment points the AWS CLI at the lab")
    func state() throws {
        let layout = try LabLayout(
            name: "lab",
            nodes: 2,
            subnet: "10.250.0.0/24",
            root: "/var/lib/wharf-lab/lab",
            port: 8443
        )
        var state = LabState(layout: layout, accessKeyID: "WLABKEY", secretAccessKey: "secret")
        state.enginePIDs = [10, 11]
        let decoded = try JSONDecoder().decode(LabState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
        #expect(state.environment.contains("export AWS_ENDPOINT_URL=https://10.250.0.1:8443\n"))
        #expect(state.environment.contains("export AWS_CA_BUNDLE=/var/lib/wharf-lab/lab/controller/tls/ca.pem\n"))
        #expect(state.environment.contains("export AWS_ACCESS_KEY_ID=WLABKEY\n"))
    }
}
