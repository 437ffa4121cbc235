#!/usr/bin/env python3
"""Sync capacity (issue 7): one release wharf-controller and wharf-sim's simulated agents at the
default sync settings (20 s long poll, 60 s disconnect grace). For each fleet size: the
controller's CPU and RSS over a window after every agent has joined and settled, syncs per second,
sync latency from the controller's own histogram (authenticate and record a report; the long poll
is not counted), and false disconnects (must be 0).

    python3 Benchmarks/sync-capacity.py --agents 1000 5000 10000 --json docs/benchmarks.json
"""
import argparse, os, re, statistics, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def scrape(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def histogram_quantiles(before, after, name, quantiles, label=None):
    """Upper bucket bounds (ms) under which the given shares of the window's observations fall;
    `label` (`operation="RunTask"`) picks one series of a labelled histogram."""
    buckets = []
    for key, value in after.items():
        match = re.fullmatch(name + r'_bucket\{(.*)\}', key)
        if not match:
            continue
        labels = match.group(1).split(",")
        bound = next((l[4:-1] for l in labels if l.startswith('le="')), None)
        if bound is None or ",".join(l for l in labels if not l.startswith('le="')) != (label or ""):
            continue
        buckets.append((float("inf") if bound == "+Inf" else float(bound), value - before.get(key, 0)))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0
    result = {}
    for q in quantiles:
        bound = next((b for b, count in buckets if total and count >= q * total), float("inf"))
        result[f"p{int(q * 100)}_ms_at_most"] = None if bound == float("inf") else round(bound * 1000, 3)
    return result, int(total)


def measure(bin_dir, agents, settle, window):
    ramp = max(10, agents // 250)
    with bench.Fleet(bin_dir, agents, f"wharf-sync-{agents}-", ["--ramp", str(ramp)], register_timeout=ramp + 300) as fleet:
        controller, sim, port = fleet.controller, fleet.sim, fleet.port
        join_seconds = time.monotonic() - fleet.started
        print(f"  {agents} agents registered {join_seconds:.0f} s after start (ramp {ramp} s); settling {settle} s")
        time.sleep(settle)
        before, cpu0, sim_cpu0, start = scrape(port), cpu_seconds(controller.pid), cpu_seconds(sim.pid), time.monotonic()
        rss, sim_rss = [], []
        while time.monotonic() - start < window:
            rss.append(rss_mib(controller.pid))
            sim_rss.append(rss_mib(sim.pid))
            time.sleep(1)
            for name, process in fleet.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}")
        elapsed = time.monotonic() - start
        after, cpu1, sim_cpu1 = scrape(port), cpu_seconds(controller.pid), cpu_seconds(sim.pid)
        quantiles, observed = histogram_quantiles(before, after, "wharf_agent_sync_duration_seconds", [0.5, 0.99])
        result = {
            "agents": agents, "join_seconds": round(join_seconds, 1), "window_seconds": round(elapsed),
            "controller_cpu_percent": round((cpu1 - cpu0) / elapsed * 100, 1),
            "controller_rss_mib_median": round(statistics.median(rss), 1), "controller_rss_mib_max": round(max(rss), 1),
            "syncs_per_second": round(observed / elapsed, 1), "sync_latency": quantiles,
            "connected_at_end": int(after.get("wharf_agents_connected", 0)),
            "false_disconnects": fleet.log("controller").count("agent disconnected"),
            "sync_errors": int(sum(v for k, v in after.items() if k.startswith("wharf_agent_syncs_total") and 'outcome="ok"' not in k)),
            "simulator_cpu_percent": round((sim_cpu1 - sim_cpu0) / elapsed * 100, 1), "simulator_rss_mib_median": round(statistics.median(sim_rss), 1),
        }
        print(f"  {result}")
        return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--agents", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--settle", type=int, default=30, help="seconds after the last join before measuring (one long poll and more)")
    parser.add_argument("--window", type=int, default=60)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = []
    for agents in args.agents:
        print(f"{agents} agents")
        results.append(measure(args.bin_dir, agents, args.settle, args.window))
    print("\nagents  controller CPU %  RSS MiB  syncs/s  p50 ms<=  p99 ms<=  false disconnects")
    for r in results:
        print(f"{r['agents']:>6}  {r['controller_cpu_percent']:>16}  {r['controller_rss_mib_median']:>7}  {r['syncs_per_second']:>7}  "
              f"{r['sync_latency']['p50_ms_at_most']!s:>8}  {r['sync_latency']['p99_ms_at_most']!s:>8}  {r['false_disconnects']:>17}")
    if args.json:
        bench.write_record(args.json, "sync-capacity", args.bin_dir, {"agents": args.agents, "settle_seconds": args.settle,
                                                                       "window_seconds": args.window, "long_poll_seconds": 20,
                                                                       "disconnect_after_seconds": 60}, {"runs": results})


if __name__ == "__main__":
    main()
