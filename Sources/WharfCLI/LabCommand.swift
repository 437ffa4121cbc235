import ArgumentParser
import Foundation
import WharfLab

/// `wharf lab`: a multi-node cluster on this machine, each node a network namespace with its own
/// Docker engine and agent, for trying Wharf and for end-to-end tests.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: """
            A multi-node Wharf cluster on this Linux machine: nodes in network namespaces, each with its own \
            Docker engine.
            """,
        subcommands: [Up.self, Down.self, Load.self, Env.self]
    )

    /// Which lab: its name and directory.
    struct Which: ParsableArguments {
        @Option(help: "The lab's name: 1 to 8 lowercase letters and digits.")
        var name: String = "lab"

        @Option(help: "The directory that holds everything the lab writes. Default: /var/lib/wharf-lab/NAME.")
        var dir: String?

        var root: String { dir ?? "/var/lib/wharf-lab/\(name)" }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a controller and NODES nodes, joined to one bridge; prints how to reach it."
        )

        @OptionGroup var which: Which

        @Option(help: "How many nodes.")
        var nodes: Int = 2

        @Option(
            help: """
                The /24 of the lab's bridge: .1 is this machine (the controller), .10 and on the nodes.
                """
        )
        var subnet: String = "10.250.0.0/24"

        @Option(help: "The controller's port on the bridge address.")
        var port: Int = 8443

        @Option(
            help: "How many nodes, from node 1 on, serve the load balancers with HAProxy (wharf-agent --load-balancer)."
        )
        var loadBalancers: Int = 1

        @Option(help: "An image of this machine's Docker engine to load into every node; repeat for more.")
        var image: [String] = []

        func run() async throws {
            let layout: LabLayout
            do {
                layout = try LabLayout(
                    name: which.name,
                    nodes: nodes,
                    subnet: subnet,
                    root: which.root,
                    port: port,
                    loadBalancerNodes: loadBalancers
                )
            } catch {
                throw ValidationError(error.description)
            }
            let binaries = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
                .path
            _ = try Lab().up(layout, binaries: binaries, images: image) { step in
                FileHandle.standardError.write(Data("wharf lab: \(step)\n".utf8))
            }
            print(
                """
                Lab \(layout.name) is up: a controller at \(layout.endpoint) and \(layout.nodes) nodes \
                (\((1...layout.nodes).map(layout.nodeAddress).joined(separator: ", "))).
                Point the AWS CLI and wharf at it:
                  eval "$(wharf lab env --name \(layout.name)\(which.dir.map { " --dir \($0)" } ?? ""))"
                  aws ecs list-container-instances
                Load images into the nodes with wharf lab load IMAGE; remove it all with wharf lab down.
                """
            )
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the lab's agents, engines and controller, and remove its namespaces, bridge and directory."
        )

        @OptionGroup var which: Which

        func run() async throws {
            let state = try LabState.load(root: which.root)
            Lab().down(state) { step in FileHandle.standardError.write(Data("wharf lab down: \(step)\n".utf8)) }
            print("Lab \(state.layout.name) is down.")
        }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy images from this machine's Docker engine into every node's."
        )

        @OptionGroup var which: Which

        @Argument(help: "The images, as this machine's engine names them.")
        var images: [String]

        func run() async throws {
            let state = try LabState.load(root: which.root)
            try Lab().load(state, images: images)
            print("Loaded \(images.joined(separator: ", ")) into \(state.layout.nodes) nodes.")
        }
    }

    struct Env: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the environment that points the AWS CLI, the SDKs and wharf at the lab, for eval."
        )

        @OptionGroup var which: Which

        func run() async throws {
            print(try LabState.load(root: which.root).environment, terminator: "")
        }
    }
}
