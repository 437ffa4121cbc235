import Synchronization
import WharfAgent
import WharfProtocol

/// A ``HostNetwork`` that changes nothing on the machine: it records the traffic rules and routes
/// it was asked for, and can be told to report a problem, for the agent's tests.
public final class FakeHostNetwork: HostNetwork {
    struct State {
        var problem: String?
        var allowed: [String] = []
        var routes: [TaskRoute] = []
        var routeCalls = 0
    }

    let state: Mutex<State>

    /// A host network that reports `problem` (nil: none).
    public init(problem: String? = nil) {
        state = Mutex(State(problem: problem))
    }

    public func problem() async -> String? { state.withLock { $0.problem } }

    public func allowTaskTraffic(bridge: String, block: String, taskCIDR: String) async throws(RuntimeError) {
        state.withLock { $0.allowed.append("\(bridge) \(block) \(taskCIDR)") }
    }

    public func setRoutes(_ routes: [TaskRoute]) async throws(RuntimeError) {
        state.withLock {
            $0.routes = routes
            $0.routeCalls += 1
        }
    }

    /// The traffic rules asked for, as `bridge block taskCIDR`.
    public var allowed: [String] { state.withLock { $0.allowed } }
    /// The routes last set, and how often they were set.
    public var routes: [TaskRoute] { state.withLock { $0.routes } }
    public var routeCalls: Int { state.withLock { $0.routeCalls } }
}
