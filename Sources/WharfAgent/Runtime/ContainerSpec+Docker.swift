extension DockerAPI.ContainerCreate {
    /// The engine's smallest CPU share value; it raises anything below it.
    static let minimumCPUShares = 2

    /// The create request for `spec`.
    ///
    /// Absent settings stay absent so the engine's defaults apply: CPU shares of 0 (an ECS
    /// container without `cpu`), durations of 0 in a health check, an unset log driver. Ports are
    /// published only in network modes that have their own network namespace to publish from.
    init(_ spec: ContainerSpec) {
        let nanosecondsPerSecond = 1_000_000_000
        let bytesPerMiB = 1 << 20
        let publishes = !["host", "none"].contains(spec.networkMode) && !spec.networkMode.hasPrefix("container:")
        let ports = publishes ? spec.ports : []
        var bindings: [String: [DockerAPI.HostConfig.PortBinding]] = [:]
        for port in ports {
            let hostPort = port.hostPort.flatMap { $0 > 0 ? String($0) : nil } ?? ""
            bindings["\(port.containerPort)/\(port.transport)", default: []]
                .append(.init(hostIP: "", hostPort: hostPort))
        }
        let healthcheck = spec.healthCheck.flatMap { check -> Healthcheck? in
            guard !check.test.isEmpty else { return nil }
            func nanoseconds(_ seconds: Int) -> Int? { seconds > 0 ? seconds * nanosecondsPerSecond : nil }
            return Healthcheck(
                test: check.test,
                interval: nanoseconds(check.intervalSeconds),
                timeout: nanoseconds(check.timeoutSeconds),
                startPeriod: nanoseconds(check.startPeriodSeconds),
                retries: check.retries > 0 ? check.retries : nil
            )
        }
        let binds = spec.mounts.map { mount in
            let source = switch mount.source {
            case .hostPath(let path): path
            case .volume(let name, _, _, _): name
            }
            return "\(source):\(mount.containerPath)" + (mount.readOnly ? ":ro" : "")
        }
        func mode(_ namespace: ContainerSpec.Namespace?) -> String? {
            switch namespace {
            case .host: "host"
            case .container(let id): "container:\(id)"
            case .shareable: "shareable"
            case .disabled: "none"
            case nil: nil
            }
        }
        self.init(
            image: spec.image,
            entrypoint: spec.entryPoint,
            cmd: spec.command,
            env: spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" },
            workingDir: spec.workingDirectory,
            user: spec.user,
            hostname: spec.hostname,
            labels: spec.labels,
            exposedPorts: ports.isEmpty ? nil : Dictionary(
                ports.map { ("\($0.containerPort)/\($0.transport)", Empty()) }, uniquingKeysWith: { first, _ in first }
            ),
            healthcheck: healthcheck,
            stopTimeout: spec.stopTimeoutSeconds,
            openStdin: spec.openStdin ? true : nil,
            tty: spec.tty ? true : nil,
            networkDisabled: spec.networkDisabled ? true : nil,
            hostConfig: DockerAPI.HostConfig(
                networkMode: spec.networkMode,
                portBindings: bindings.isEmpty ? nil : bindings,
                cpuShares: spec.cpuShares > 0 ? max(spec.cpuShares, Self.minimumCPUShares) : nil,
                memory: spec.memoryMiB.map { $0 * bytesPerMiB },
                memoryReservation: spec.memoryReservationMiB.map { $0 * bytesPerMiB },
                ulimits: spec.ulimits.isEmpty ? nil : spec.ulimits.map { .init(name: $0.name, soft: $0.soft, hard: $0.hard) },
                initProcess: spec.initProcess ? true : nil,
                binds: binds.isEmpty ? nil : binds,
                volumesFrom: spec.volumesFrom.isEmpty ? nil : spec.volumesFrom.map { "\($0.containerID):\($0.readOnly ? "ro" : "rw")" },
                logConfig: spec.logDriver.map { .init(type: $0, config: spec.logOptions) },
                privileged: spec.privileged,
                readonlyRootfs: spec.readOnlyRootFilesystem,
                dns: spec.dnsServers.isEmpty ? nil : spec.dnsServers,
                dnsSearch: spec.dnsSearchDomains.isEmpty ? nil : spec.dnsSearchDomains,
                extraHosts: spec.extraHosts.isEmpty ? nil : spec.extraHosts,
                links: spec.links.isEmpty ? nil : spec.links,
                capAdd: spec.capabilitiesAdded.isEmpty ? nil : spec.capabilitiesAdded,
                capDrop: spec.capabilitiesDropped.isEmpty ? nil : spec.capabilitiesDropped,
                devices: spec.devices.isEmpty ? nil : spec.devices.map {
                    .init(pathOnHost: $0.hostPath, pathInContainer: $0.containerPath, cgroupPermissions: $0.permissions)
                },
                shmSize: spec.sharedMemoryMiB.map { $0 * bytesPerMiB },
                tmpfs: spec.tmpfs.isEmpty ? nil : spec.tmpfs,
                memorySwap: spec.maxSwapMiB.flatMap { swap in spec.memoryMiB.map { ($0 + swap) * bytesPerMiB } },
                memorySwappiness: spec.swappiness,
                securityOpt: spec.securityOptions.isEmpty ? nil : spec.securityOptions,
                sysctls: spec.sysctls.isEmpty ? nil : spec.sysctls,
                pidMode: mode(spec.pidNamespace),
                ipcMode: mode(spec.ipcNamespace),
                deviceRequests: spec.gpuDeviceIDs.isEmpty
                    ? nil : [.init(driver: "nvidia", deviceIDs: spec.gpuDeviceIDs, capabilities: [["gpu"]])],
                cgroupParent: spec.cgroupParent,
                nanoCpus: spec.cpuQuotaUnits.map { $0 * nanosecondsPerSecond / 1024 }
            ),
            networkingConfig: spec.ipv4Address.map { address in
                NetworkingConfig(endpointsConfig: [spec.networkMode: .init(ipamConfig: .init(ipv4Address: address))])
            }
        )
    }
}

extension ContainerSpec {
    /// The named volumes the container mounts, to create before the container when absent.
    var namedVolumes: [DockerAPI.VolumeCreate] {
        var seen: Set<String> = []
        return mounts.compactMap { mount in
            guard case .volume(let name, let driver, let options, let labels) = mount.source,
                !existingVolumes.contains(name), seen.insert(name).inserted
            else { return nil }
            return DockerAPI.VolumeCreate(name: name, driver: driver, driverOptions: options, labels: labels)
        }
    }
}
