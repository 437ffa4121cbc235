import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1

extension DockerRuntime {
    /// The container's output from `GET /containers/{id}/logs` with timestamps, from `sinceNanos`
    /// on, following it while it runs. The stream ends when the container has stopped and all its
    /// output is read, and with a `RuntimeError` when the engine goes away.
    public func logs(id: String, sinceNanos: Int64?) -> AsyncThrowingStream<[ContainerLogLine], any Error> {
        let (stream, continuation) = AsyncThrowingStream<[ContainerLogLine], any Error>.makeStream()
        let client = self.client
        let task = Task<Void, Never> {
            let context = "reading the output of container \(id)"
            do throws(RuntimeError) {
                var query = [("follow", "1"), ("stdout", "1"), ("stderr", "1"), ("timestamps", "1")]
                if let sinceNanos {
                    let fraction = String(sinceNanos % 1_000_000_000)
                    query.append(("since", "\(sinceNanos / 1_000_000_000)." + String(repeating: "0", count: 9 - fraction.count) + fraction))
                }
                let response = try await client.stream(.GET, "/containers/\(DockerClient.escapePath(id))/logs", query: query, context: context)
                do {
                    guard response.status == .ok else {
                        let body = try await response.body.collect(upTo: DockerClient.maximumBodySize)
                        throw client.failure(DockerClient.Response(status: response.status, body: body), context)
                    }
                    var demuxer = DockerLogDemuxer()
                    for try await chunk in response.body {
                        let lines = demuxer.append(chunk.readableBytesView).filter { line in sinceNanos.map { line.timestampNanos > $0 } ?? true }
                        if !lines.isEmpty { continuation.yield(lines) }
                    }
                } catch {
                    throw client.transportError(error, context)
                }
                continuation.finish()
            } catch {
                if Task.isCancelled { continuation.finish() } else { continuation.finish(throwing: error) }
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One sample of the container's CPU and memory from `GET /containers/{id}/stats` (one-shot).
    /// - Throws: `RuntimeError` with code `notFound` for a container that does not exist.
    public func stats(id: String) async throws(RuntimeError) -> ContainerStatsSample {
        let context = "reading the stats of container \(id)"
        let response = try await client.request(.GET, "/containers/\(DockerClient.escapePath(id))/stats",
                                                query: [("stream", "false"), ("one-shot", "true")], context: context)
        guard response.status == .ok else { throw client.failure(response, context) }
        let stats = try response.decode(DockerAPI.Stats.self, context)
        let memory = stats.memoryStats?.usage ?? 0
        // cgroup v2 reports inactive_file, v1 total_inactive_file; docker stats subtracts it.
        let cache = stats.memoryStats?.stats?["inactive_file"] ?? stats.memoryStats?.stats?["total_inactive_file"] ?? 0
        return ContainerStatsSample(cpuNanos: stats.cpuStats?.cpuUsage?.totalUsage ?? 0, memoryBytes: memory > cache ? memory - cache : memory,
                                    readAt: stats.read.flatMap(DockerTimestamp.secondsSince1970) ?? Date().timeIntervalSince1970)
    }
}

extension DockerAPI {
    /// What `GET /containers/{id}/stats` answers, the members the agent reads.
    struct Stats: Decodable, Sendable {
        struct CPUUsage: Decodable, Sendable {
            var totalUsage: UInt64?
            enum CodingKeys: String, CodingKey { case totalUsage = "total_usage" }
        }
        struct CPUStats: Decodable, Sendable {
            var cpuUsage: CPUUsage?
            enum CodingKeys: String, CodingKey { case cpuUsage = "cpu_usage" }
        }
        struct MemoryStats: Decodable, Sendable {
            var usage: UInt64?
            var stats: [String: UInt64]?
        }
        var read: String?
        var cpuStats: CPUStats?
        var memoryStats: MemoryStats?
        enum CodingKeys: String, CodingKey { case read, cpuStats = "cpu_stats", memoryStats = "memory_stats" }
    }
}
