import CoreMetrics
import Prometheus

/// One daemon's metrics: a swift-metrics factory whose counters, gauges, recorders and timers live
/// in a Prometheus registry of their own, each with the help text Prometheus shows (`# HELP`), so
/// the controller and an agent in one process (`wharf dev`) keep apart what they count.
public final class MetricsRegistry: MetricsFactory, Sendable {
    /// The registry the exposition is rendered from.
    public let prometheus = PrometheusCollectorRegistry()
    private let help: [String: String]
    private let durationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]
    private let valueBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000]

    /// - Parameter help: each metric's name and what it counts.
    public init(help: [String: String]) {
        self.help = help
    }

    /// The metrics in Prometheus' text format (`text/plain; version=0.0.4`).
    public func exposition() -> String {
        prometheus.emitToString()
    }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: help[label] ?? label.replacingUnderscores())
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        prometheus.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        prometheus.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        aggregate ? prometheus.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: valueBuckets)
            : prometheus.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        prometheus.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        prometheus.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: durationBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { prometheus.unregisterCounter(counter) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { prometheus.unregisterCounter(counter) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { prometheus.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { prometheus.unregisterValueHistogram(histogram) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { prometheus.unregisterGauge(gauge) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { prometheus.unregisterDurationHistogram(histogram) }
    }
}

extension String {
    /// `wharf_api_requests_total` as words, for a metric without its own help text.
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? " " : $0 })
    }
}
