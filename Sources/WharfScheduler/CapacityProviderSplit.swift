import WharfState

/// How ECS spreads tasks over the capacity providers of a strategy: the provider with a `base`
/// gets its first `base` tasks, and the rest go to the providers with a `weight` above 0, in
/// proportion to their weights. Pure and deterministic: ties go to the provider listed first.
public enum CapacityProviderSplit {
    /// The provider of each of `count` new tasks, in order, given how many tasks each provider
    /// already has (`existing`).
    public static func split(
        _ count: Int,
        strategy: [CapacityProviderStrategyItem],
        existing: [String: Int] = [:]
    ) -> [String] {
        var held = existing
        var chosen: [String] = []
        for _ in 0..<max(count, 0) {
            guard let next = next(strategy: strategy, held: held) else { break }
            chosen.append(next)
            held[next, default: 0] += 1
        }
        return chosen
    }

    /// The provider the next task goes to, or nil when no provider has a base left or a weight.
    static func next(strategy: [CapacityProviderStrategyItem], held: [String: Int]) -> String? {
        if let based = strategy.first(where: { ($0.base ?? 0) > held[$0.capacityProvider, default: 0] }) {
            return based.capacityProvider
        }
        var best: (name: String, share: Double)?
        for item in strategy {
            let weight = item.weight ?? 0
            guard weight > 0 else { continue }
            // What the provider holds beyond its base, per unit of weight, once it has one more.
            let beyond = held[item.capacityProvider, default: 0] - (item.base ?? 0)
            let share = Double(beyond + 1) / Double(weight)
            if let current = best, share >= current.share { continue }
            best = (item.capacityProvider, share)
        }
        // A strategy of one provider takes every task, whatever its weight.
        return best?.name ?? (strategy.count == 1 ? strategy[0].capacityProvider : nil)
    }
}
