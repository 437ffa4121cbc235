#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Task-level CPU and memory as ECS accepts them: CPU in units ("256") or vCPUs ("1 vCPU",
/// ".25 vcpu"), memory in MiB ("512") or GB ("1GB", "0.5 GB"). Both are stored as unit strings.
public enum TaskSize {
    /// CPU units for a task-level `cpu` string.
    /// - Throws: `ClientException` naming the accepted forms.
    public static func cpuUnits(_ text: String) throws(ECSError) -> Int {
        guard let units = parse(text, suffixes: ["vcpu"], scale: 1024) else {
            throw ECSError(.client, "task cpu \"\(text)\" is not valid; give CPU units such as \"256\" or vCPUs such as \"1 vCPU\" or \".25 vCPU\"")
        }
        guard (128...196_608).contains(units) else {
            throw ECSError(.client, "task cpu \"\(text)\" is \(units) CPU units; allowed are 128 (0.125 vCPU) to 196608 (192 vCPU)")
        }
        return units
    }

    /// Memory in MiB for a task-level `memory` string.
    /// - Throws: `ClientException` naming the accepted forms.
    public static func memoryMiB(_ text: String) throws(ECSError) -> Int {
        guard let mib = parse(text, suffixes: ["gb", "gib"], scale: 1024) else {
            throw ECSError(.client, "task memory \"\(text)\" is not valid; give MiB such as \"512\" or GB such as \"1GB\" or \"0.5 GB\"")
        }
        guard mib >= 6 else {
            throw ECSError(.client, "task memory \"\(text)\" is \(mib) MiB; at least 6 MiB is required")
        }
        return mib
    }

    /// Parses a plain integer, or a decimal with one of `suffixes` multiplied by `scale`.
    static func parse(_ text: String, suffixes: [String], scale: Double) -> Int? {
        let trimmed = text.trimmingWhitespace().lowercased()
        if let plain = Int(trimmed) { return plain }
        for suffix in suffixes where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingWhitespace()
            guard number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number), value > 0 else { return nil }
            let scaled = value * scale
            guard scaled == scaled.rounded(), scaled < Double(Int32.max) else { return nil }
            return Int(scaled)
        }
        return nil
    }

    /// The memory sizes (MiB) Fargate offers for each task CPU size, as the ECS documentation lists them.
    public static let fargateMemoryOptions: [(cpu: Int, memory: [Int])] = [
        (256, [512, 1024, 2048]),
        (512, Array(stride(from: 1024, through: 4096, by: 1024))),
        (1024, Array(stride(from: 2048, through: 8192, by: 1024))),
        (2048, Array(stride(from: 4096, through: 16384, by: 1024))),
        (4096, Array(stride(from: 8192, through: 30720, by: 1024))),
        (8192, Array(stride(from: 16384, through: 61440, by: 4096))),
        (16384, Array(stride(from: 32768, through: 122_880, by: 8192))),
    ]

    /// Whether Fargate offers a task of `cpu` units with `memory` MiB.
    public static func isFargateSize(cpu: Int, memory: Int) -> Bool {
        fargateMemoryOptions.contains { $0.cpu == cpu && $0.memory.contains(memory) }
    }
}
