import WharfModel
import WharfProtocol
import WharfState

/// The task address range (`wharf-controller --task-cidr`) and the blocks of it the controller
/// leases to nodes: one /24 for each node that joins, kept while it stays registered (across
/// agent and controller restarts: it is part of the instance's record) and given back when it is
/// deregistered. A node gives its awsvpc tasks addresses from its block.
public enum TaskSubnets {
    /// The range when none is given: 16,384 blocks of 254 task addresses.
    public static let defaultCIDR = IPv4Network("10.64.0.0/10")!
    /// Each node's block: a /24.
    public static let blockLength = 24
}

extension ClusterState {
    /// The node's block: the one it holds when that is still inside `cidr`, else the lowest that
    /// no other registered instance holds.
    /// - Throws: `AgentProtocolError` when every block is taken.
    func leaseTaskSubnet(for record: InstanceRecord, in cidr: IPv4Network) throws(AgentProtocolError) -> String {
        if let held = record.taskSubnet.flatMap(IPv4Network.init), cidr.contains(held),
            held.prefixLength == TaskSubnets.blockLength
        {
            return held.description
        }
        let taken = Set(
            instances.all.filter { $0.id != record.id && $0.status != .inactive }.compactMap(\.taskSubnet))
        let count = cidr.blockCount(TaskSubnets.blockLength)
        for index in 0..<count {
            if let block = cidr.block(index, TaskSubnets.blockLength), !taken.contains(block.description) {
                return block.description
            }
        }
        throw AgentProtocolError(
            .invalidRequest,
            "every block of the task address range \(cidr) is leased (\(count) nodes hold one); widen "
                + "wharf-controller --task-cidr, or deregister nodes that are gone"
        )
    }
}
