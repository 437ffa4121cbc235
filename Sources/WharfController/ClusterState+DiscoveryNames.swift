import WharfModel
import WharfProtocol
import WharfState

extension ClusterState {
    /// The version of ``discoveryNames()``: it changes with the Cloud Map records, the load
    /// balancers and the nodes' addresses.
    public var discoveryNamesVersion: String {
        "\(instances.generation).\(cloudMap.revision).\(loadBalancing.balancerRevision).\(instances.routeRevision)"
    }

    /// The zone of the load balancers' DNS names in a region.
    static func loadBalancerZone(_ region: String) -> String { "\(region).elb.wharf.internal" }

    /// The names Wharf's DNS answers: for each service of a private DNS namespace, its healthy
    /// instances as A records of `service.namespace`, and as SRV records pointing at
    /// `instance.service.namespace` (with A records of their own), each with the service's TTL;
    /// and each load balancer's `DNSName` at the registered load balancer nodes' addresses.
    public func discoveryNames() -> DiscoveryNames {
        let zones = cloudMap.allNamespaces.filter { $0.type == .dnsPrivate }
        var records: [DiscoveryRecord] = []
        for zone in zones {
            for service in cloudMap.services(in: zone.id) {
                let name = "\(service.name.lowercased()).\(zone.name)"
                let healthy = service.instances.filter { $0.unhealthy != true }
                for setting in service.dnsRecords {
                    switch setting.type {
                    case .a:
                        let addresses = healthy.compactMap { $0.attributes["AWS_INSTANCE_IPV4"] }
                        records.append(DiscoveryRecord(name: name, type: "A", ttl: setting.ttl, values: addresses))
                    case .srv:
                        var values: [String] = []
                        for instance in healthy {
                            guard let port = instance.attributes["AWS_INSTANCE_PORT"],
                                let address = instance.attributes["AWS_INSTANCE_IPV4"]
                            else { continue }
                            let target = "\(instance.id.lowercased()).\(name)"
                            values.append("1 1 \(port) \(target)")
                            records.append(
                                DiscoveryRecord(name: target, type: "A", ttl: setting.ttl, values: [address])
                            )
                        }
                        records.append(DiscoveryRecord(name: name, type: "SRV", ttl: setting.ttl, values: values))
                    case .aaaa, .cname:
                        break
                    }
                }
            }
        }
        // Each load balancer's DNS name, at the addresses of the load balancer nodes. Nodes are
        // looked for only when there is a load balancer: this runs for every sync of a node whose
        // names are not current, and a scan of every instance for each was half the controller's
        // time while a 1,000-node fleet started its tasks.
        let balancers = loadBalancing.allLoadBalancers
        let nodes =
            balancers.isEmpty
            ? []
            : instances.all.filter { record in
                record.status != .inactive && Self.isLoadBalancerNode(record)
            }.compactMap(\.nodeAddress).sorted()
        for balancer in balancers where !nodes.isEmpty {
            records.append(DiscoveryRecord(name: dnsName(of: balancer).lowercased(), type: "A", ttl: 60, values: nodes))
        }
        let balancerZone = balancers.isEmpty ? [] : [Self.loadBalancerZone(context.region)]
        return DiscoveryNames(
            version: discoveryNamesVersion,
            zones: zones.map(\.name) + balancerZone,
            records: records
        )
    }
}
