import Foundation
import Testing
import WharfModel

@Suite("Task definition members Wharf refuses, and the rules on those it runs")
struct TaskDefinitionSupportTests {
    static func container(_ change: @escaping @Sendable (inout ECS.ContainerDefinition) -> Void) -> RuleCase.Change {
        { request in change(&request.containerDefinitions![0]) }
    }

    static let refusals: [RuleCase] = [
        RuleCase(name: "proxyConfiguration", code: .invalidParameter, fragment: "proxyConfiguration is not supported") {
            $0.proxyConfiguration = ECS.ProxyConfiguration(type: "APPMESH", containerName: "app")
        },
        RuleCase(
            name: "inferenceAccelerators",
            code: .invalidParameter,
            fragment: "inferenceAccelerators is not supported"
        ) {
            $0.inferenceAccelerators = [ECS.InferenceAccelerator(deviceName: "d", deviceType: "eia2.medium")]
        },
        RuleCase(name: "ephemeralStorage", code: .invalidParameter, fragment: "ephemeralStorage is not supported") {
            $0.ephemeralStorage = ECS.EphemeralStorage(sizeInGiB: 30)
        },
        RuleCase(
            name: "enableFaultInjection",
            code: .invalidParameter,
            fragment: "enableFaultInjection is not supported"
        ) {
            $0.enableFaultInjection = true
        },
        RuleCase(
            name: "a Windows runtime platform",
            code: .invalidParameter,
            fragment: "operatingSystemFamily WINDOWS_SERVER_2022_CORE is not supported"
        ) {
            $0.runtimePlatform = ECS.RuntimePlatform(operatingSystemFamily: "WINDOWS_SERVER_2022_CORE")
        },
        RuleCase(name: "an unknown architecture", code: .client, fragment: "cpuArchitecture MIPS is not valid") {
            $0.runtimePlatform = ECS.RuntimePlatform(cpuArchitecture: "MIPS")
        },
        RuleCase(name: "an unknown pidMode", code: .client, fragment: "pidMode container is not valid") {
            $0.pidMode = "container"
        },
        RuleCase(name: "an unknown ipcMode", code: .client, fragment: "ipcMode shareable is not valid") {
            $0.ipcMode = "shareable"
        },
        RuleCase(name: "an EFS volume", code: .invalidParameter, fragment: "efsVolumeConfiguration is not supported") {
            $0.volumes = [
                ECS.Volume(name: "v", efsVolumeConfiguration: ECS.EFSVolumeConfiguration(fileSystemId: "fs-1"))
            ]
        },
        RuleCase(
            name: "an FSx volume",
            code: .invalidParameter,
            fragment: "fsxWindowsFileServerVolumeConfiguration is not supported"
        ) {
            $0.volumes = [
                ECS.Volume(
                    name: "v",
                    fsxWindowsFileServerVolumeConfiguration: ECS.FSxWindowsFileServerVolumeConfiguration(
                        fileSystemId: "fs-1",
                        rootDirectory: "/"
                    )
                )
            ]
        },
        RuleCase(
            name: "an S3 Files volume",
            code: .invalidParameter,
            fragment: "s3filesVolumeConfiguration is not supported"
        ) {
            $0.volumes = [ECS.Volume(name: "v", s3filesVolumeConfiguration: ECS.S3FilesVolumeConfiguration())]
        },
        RuleCase(
            name: "a volume configured at launch",
            code: .invalidParameter,
            fragment: "configuredAtLaunch is not supported"
        ) {
            $0.volumes = [ECS.Volume(name: "v", configuredAtLaunch: true)]
        },
        RuleCase(
            name: "environmentFiles",
            code: .invalidParameter,
            fragment: "environmentFiles is not supported by Wharf: environment files are read from Amazon S3",
            change: container { $0.environmentFiles = [ECS.EnvironmentFile(value: "arn:aws:s3:::b/k.env", type: "s3")] }
        ),
        RuleCase(
            name: "firelensConfiguration",
            code: .invalidParameter,
            fragment: "firelensConfiguration is not supported",
            change: container { $0.firelensConfiguration = ECS.FirelensConfiguration(type: "fluentbit") }
        ),
        RuleCase(
            name: "credentialSpecs",
            code: .invalidParameter,
            fragment: "credentialSpecs is not supported",
            change: container { $0.credentialSpecs = ["credentialspecdomainless:arn:aws:s3:::b/k"] }
        ),
        RuleCase(
            name: "an inference accelerator",
            code: .invalidParameter,
            fragment: "resourceRequirements InferenceAccelerator is not supported",
            change: container {
                $0.resourceRequirements = [ECS.ResourceRequirement(value: "d", type: "InferenceAccelerator")]
            }
        ),
        RuleCase(
            name: "versionConsistency enabled",
            code: .invalidParameter,
            fragment: "versionConsistency enabled is not supported",
            change: container { $0.versionConsistency = "enabled" }
        ),
        RuleCase(
            name: "a Windows credential spec security option",
            code: .invalidParameter,
            fragment: "credentialspec:file://x.json is not supported",
            change: container { $0.dockerSecurityOptions = ["credentialspec:file://x.json"] }
        ),
        RuleCase(
            name: "an unknown security option",
            code: .client,
            fragment: "dockerSecurityOptions seccomp=unconfined is not valid",
            change: container { $0.dockerSecurityOptions = ["seccomp=unconfined"] }
        ),
        RuleCase(
            name: "the awsfirelens log driver",
            code: .invalidParameter,
            fragment: "logDriver awsfirelens is not supported",
            change: container { $0.logConfiguration = ECS.LogConfiguration(logDriver: "awsfirelens") }
        ),
        RuleCase(
            name: "an unknown log driver",
            code: .client,
            fragment: "logDriver loki is not valid",
            change: container { $0.logConfiguration = ECS.LogConfiguration(logDriver: "loki") }
        ),
        RuleCase(
            name: "an awslogs option the agent does not know",
            code: .invalidParameter,
            fragment: "awslogs option awslogs-endpoint is not supported",
            change: container {
                $0.logConfiguration = ECS.LogConfiguration(
                    logDriver: "awslogs",
                    options: ["awslogs-group": "g", "awslogs-endpoint": "https://x"]
                )
            }
        ),
        RuleCase(
            name: "awslogs in another region",
            code: .invalidParameter,
            fragment: "awslogs-region eu-west-1 is not supported",
            change: container {
                $0.logConfiguration = ECS.LogConfiguration(
                    logDriver: "awslogs",
                    options: ["awslogs-group": "g", "awslogs-region": "eu-west-1"]
                )
            }
        ),
        RuleCase(
            name: "awslogs in blocking mode",
            code: .invalidParameter,
            fragment: "awslogs mode blocking is not supported",
            change: container {
                $0.logConfiguration = ECS.LogConfiguration(
                    logDriver: "awslogs",
                    options: ["awslogs-group": "g", "mode": "blocking"]
                )
            }
        ),
        RuleCase(
            name: "a buffer size that is no size",
            code: .client,
            fragment: "max-buffer-size lots",
            change: container {
                $0.logConfiguration = ECS.LogConfiguration(
                    logDriver: "awslogs",
                    options: ["awslogs-group": "g", "max-buffer-size": "lots"]
                )
            }
        ),
        RuleCase(
            name: "an unknown capability",
            code: .client,
            fragment: "capabilities CAP_NET_ADMIN is not a capability",
            change: container {
                $0.linuxParameters = ECS.LinuxParameters(capabilities: ECS.KernelCapabilities(add: ["CAP_NET_ADMIN"]))
            }
        ),
        RuleCase(
            name: "a device permission ECS does not know",
            code: .client,
            fragment: "permission execute is not valid",
            change: container {
                $0.linuxParameters = ECS.LinuxParameters(devices: [
                    ECS.Device(hostPath: "/dev/fuse", permissions: ["execute"])
                ])
            }
        ),
        RuleCase(
            name: "a device without a host path",
            code: .client,
            fragment: "needs a hostPath",
            change: container {
                $0.linuxParameters = ECS.LinuxParameters(devices: [ECS.Device(containerPath: "/dev/fuse")])
            }
        ),
        RuleCase(
            name: "a tmpfs without a size",
            code: .client,
            fragment: "tmpfs needs an absolute containerPath and a size",
            change: container { $0.linuxParameters = ECS.LinuxParameters(tmpfs: [ECS.Tmpfs(containerPath: "/run")]) }
        ),
        RuleCase(
            name: "a shared memory size of 0",
            code: .client,
            fragment: "sharedMemorySize 0",
            change: container { $0.linuxParameters = ECS.LinuxParameters(sharedMemorySize: 0) }
        ),
        RuleCase(
            name: "maxSwap without a memory limit",
            code: .client,
            fragment: "maxSwap needs the container's memory limit",
            change: container { definition in
                definition.memory = nil
                definition.memoryReservation = 64
                definition.linuxParameters = ECS.LinuxParameters(maxSwap: 128)
            }
        ),
        RuleCase(
            name: "swappiness without maxSwap",
            code: .client,
            fragment: "swappiness needs maxSwap",
            change: container { $0.linuxParameters = ECS.LinuxParameters(swappiness: 10) }
        ),
        RuleCase(
            name: "swappiness above 100",
            code: .client,
            fragment: "swappiness 101 must be 0 to 100",
            change: container { $0.linuxParameters = ECS.LinuxParameters(maxSwap: 0, swappiness: 101) }
        ),
        RuleCase(
            name: "a restart policy without enabled",
            code: .client,
            fragment: "restartPolicy needs enabled",
            change: container { $0.restartPolicy = ECS.ContainerRestartPolicy(restartAttemptPeriod: 60) }
        ),
        RuleCase(
            name: "a restart period under a minute",
            code: .client,
            fragment: "restartAttemptPeriod 30 must be 60 to 1800",
            change: container { $0.restartPolicy = ECS.ContainerRestartPolicy(enabled: true, restartAttemptPeriod: 30) }
        ),
        RuleCase(
            name: "a start timeout of 0",
            code: .client,
            fragment: "startTimeout 0",
            change: container { $0.startTimeout = 0 }
        ),
        RuleCase(
            name: "a sysctl without a value",
            code: .client,
            fragment: "systemControls needs a namespace and a value",
            change: container { $0.systemControls = [ECS.SystemControl(namespace: "net.core.somaxconn")] }
        ),
        RuleCase(
            name: "a network sysctl in host mode",
            code: .client,
            fragment: "net.core.somaxconn cannot be set in the host network mode"
        ) { request in
            request.networkMode = "host"
            request.containerDefinitions?[0].portMappings = []
            request.containerDefinitions?[0].systemControls = [
                ECS.SystemControl(namespace: "net.core.somaxconn", value: "511")
            ]
        },
        RuleCase(
            name: "a hostname in host mode",
            code: .client,
            fragment: "hostname is not supported in the host network mode"
        ) { request in
            request.networkMode = "host"
            request.containerDefinitions?[0].portMappings = []
            request.containerDefinitions?[0].hostname = "web"
        },
        RuleCase(
            name: "a port range that is no range",
            code: .client,
            fragment: "containerPortRange 9000-8000 is not valid",
            change: container { $0.portMappings = [ECS.PortMapping(containerPortRange: "9000-8000")] }
        ),
        RuleCase(
            name: "a port range with a host port",
            code: .client,
            fragment: "takes no containerPort or hostPort",
            change: container { $0.portMappings = [ECS.PortMapping(hostPort: 8000, containerPortRange: "8000-8010")] }
        ),
        RuleCase(
            name: "a port range in host mode",
            code: .client,
            fragment: "containerPortRange needs the bridge or awsvpc"
        ) { request in
            request.networkMode = "host"
            request.containerDefinitions?[0].portMappings = [ECS.PortMapping(containerPortRange: "8000-8010")]
        },
    ]

    @Test(
        "each member Wharf cannot run, and each broken rule, is refused with a message naming it",
        arguments: refusals
    )
    func refused(_ rule: RuleCase) {
        rule.expectRefused()
    }

    @Test("the members Wharf runs are accepted and kept as given")
    func acceptsWhatRuns() throws {
        let request = webRequest { request in
            request.pidMode = "task"
            request.ipcMode = "none"
            request.runtimePlatform = ECS.RuntimePlatform(cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX")
            request.enableFaultInjection = false
            request.containerDefinitions?[0].linuxParameters = ECS.LinuxParameters(
                capabilities: ECS.KernelCapabilities(add: ["NET_ADMIN"], drop: ["MKNOD"]),
                devices: [ECS.Device(hostPath: "/dev/fuse", permissions: ["read", "mknod"])],
                initProcessEnabled: true,
                sharedMemorySize: 64,
                tmpfs: [ECS.Tmpfs(containerPath: "/run", size: 16, mountOptions: ["noexec"])],
                maxSwap: 0,
                swappiness: 0
            )
            request.containerDefinitions?[0].restartPolicy = ECS.ContainerRestartPolicy(
                enabled: true,
                ignoredExitCodes: [0],
                restartAttemptPeriod: 60
            )
            request.containerDefinitions?[0].startTimeout = 30
            request.containerDefinitions?[0].systemControls = [
                ECS.SystemControl(namespace: "net.ipv4.ip_forward", value: "1")
            ]
            request.containerDefinitions?[0].dockerSecurityOptions = ["no-new-privileges", "apparmor:docker-default"]
            request.containerDefinitions?[0].versionConsistency = "disabled"
            request.containerDefinitions?[0].interactive = true
            request.containerDefinitions?[0].pseudoTerminal = true
            request.containerDefinitions?[0].disableNetworking = false
            request.containerDefinitions?[0].portMappings?.append(ECS.PortMapping(containerPortRange: "9000-9009"))
            request.containerDefinitions?[0].logConfiguration = ECS.LogConfiguration(
                logDriver: "awslogs",
                options: [
                    "awslogs-group": "g", "awslogs-region": "us-east-1", "mode": "non-blocking",
                    "max-buffer-size": "4m",
                ]
            )
        }
        let definition = try register(request)
        let container = try #require(definition.containerDefinitions?.first)
        #expect(definition.pidMode == "task")
        #expect(definition.runtimePlatform?.cpuArchitecture == "ARM64")
        #expect(container.linuxParameters == request.containerDefinitions?[0].linuxParameters)
        #expect(container.restartPolicy?.restartAttemptPeriod == 60)
        #expect(container.portMappings?.last?.containerPortRange == "9000-9009")
    }

    @Test(
        "Docker sizes: suffixes k, m and g, bytes without one",
        arguments: [
            ("25m", 25 << 20), ("4096k", 4 << 20), ("1g", 1 << 30), ("2MB", 2 << 20), ("512", 512), ("0m", nil),
            ("m", nil), ("lots", nil),
        ] as [(String, Int?)]
    )
    func sizes(_ text: String, _ bytes: Int?) {
        #expect(TaskDefinitionRules.bytes(text) == bytes)
    }

    @Test(
        "a port range: FROM below TO, both ports",
        arguments: [
            ("8000-8010", 8000...8010), ("1-65535", 1...65535), ("8000-8000", nil), ("0-10", nil), ("10-65536", nil),
            ("80", nil), ("a-b", nil),
        ] as [(String, ClosedRange<Int>?)]
    )
    func portRanges(_ text: String, _ ports: ClosedRange<Int>?) {
        #expect(PortRange(text)?.ports == ports)
    }
}
