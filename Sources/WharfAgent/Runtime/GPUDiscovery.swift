#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import WharfModel

/// Finds the node's NVIDIA GPUs, as ECS's agent does with GPU support on: their UUIDs, from what
/// the NVIDIA driver writes under `/proc/driver/nvidia/gpus` (one folder per GPU, with an
/// `information` file). A node without the driver has none.
public enum GPUDiscovery {
    /// The UUIDs of the GPUs under `root`, sorted; empty without the driver.
    public static func nvidiaGPUs(root: String = "/proc/driver/nvidia/gpus") -> [String] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return folders.compactMap { folder in
            guard let data = FileManager.default.contents(atPath: "\(root)/\(folder)/information") else { return nil }
            return uuid(in: String(decoding: data, as: UTF8.self))
        }.sorted()
    }

    /// The `GPU UUID:` line of an `information` file.
    public static func uuid(in information: String) -> String? {
        for line in information.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingWhitespace() == "GPU UUID" else { continue }
            let value = parts[1].trimmingWhitespace()
            return value.isEmpty ? nil : value
        }
        return nil
    }
}
