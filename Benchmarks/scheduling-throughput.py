#!/usr/bin/env python3
"""Scheduling throughput (issue 7): services and RunTask calls totalling --tasks tasks over
--agents simulated instances (wharf-sim), against one release wharf-controller. Reports placements
per second until every task is placed (the cluster's pending + running count reaches the total),
and the time until every task is RUNNING. Then, over --settle seconds of the settled cluster, the
controller's RSS per task, its CPU, and the time its scheduler rounds take per second.

    python3 Benchmarks/scheduling-throughput.py --agents 5000 --tasks 100000 --json docs/benchmarks.json

Anchor: HashiCorp's C1M placed 1,000,000 containers on 5,000 hosts in under 5 minutes with 5
servers, about 3,750 a second. Goal here: 10,000 placements a second.
"""
import argparse, concurrent.futures, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench
from importlib import import_module

capacity = import_module("sync-capacity")


def counts(port):
    cluster = bench.ecs(port, "DescribeClusters", {"clusters": ["default"]}, timeout=300)["clusters"][0]
    return cluster["pendingTasksCount"], cluster["runningTasksCount"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--agents", type=int, default=5000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--run-task-share", type=float, default=0.1, help="the share of the tasks started by RunTask (10 a call)")
    parser.add_argument("--json")
    parser.add_argument("--settle", type=float, default=20, help="seconds after all RUNNING over which the settled cluster is measured")
    parser.add_argument("--record", default="scheduling-throughput", help="the record's name in the JSON file")
    parser.add_argument("--sim-bin-dir", help="where wharf-sim is, when not in --bin-dir")
    parser.add_argument("--sim-nice", type=int, default=0,
                        help="the simulator's niceness: above 0 it takes only the CPU the controller leaves")
    parser.add_argument("--store", help="the controller's --store (a postgres:// URL); its data directory's SQLite when absent")
    args = parser.parse_args()
    # Room for the tasks: each takes 10 CPU units and 32 MiB.
    per_node = -(-args.tasks // args.agents) * 2
    with bench.Fleet(args.bin_dir, args.agents, "wharf-scheduling-", ["--ramp", str(max(10, args.agents // 250)), "--cpus",
                     str(max(1, per_node * 10 // 1024 + 1)), "--memory", str(max(1024, per_node * 32 + 512))],
                     register_timeout=args.agents // 250 + 300, sim_bin_dir=args.sim_bin_dir, sim_nice=args.sim_nice,
                     controller_arguments=["--store", args.store] if args.store else []) as fleet:
        controller, sim, port = fleet.controller, fleet.sim, fleet.port
        processes = fleet.processes
        bench.ecs(port, "RegisterTaskDefinition", {"family": "load", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 32, "cpu": 10}]})
        idle_rss = capacity.rss_mib(controller.pid)
        run_tasks = int(args.tasks * args.run_task_share) // 10 * 10
        service_tasks = args.tasks - run_tasks
        services = [5000] * (service_tasks // 5000) + ([service_tasks % 5000] if service_tasks % 5000 else [])
        print(f"{args.agents} agents joined; starting {service_tasks} tasks in {len(services)} services and {run_tasks} with {run_tasks // 10} RunTask calls")
        store_label = f'store="{"postgres" if args.store else "sqlite"}",operation="write"'
        metrics_start = capacity.scrape(port)
        start = time.monotonic()
        for index, count in enumerate(services):
            bench.ecs(port, "CreateService", {"serviceName": f"s{index}", "taskDefinition": "load", "desiredCount": count})
        failures, latencies = [], []

        def run(_):
            # Under the full load a call can wait long for the controller's writer: allowed 5
            # minutes, and each call's latency is recorded.
            sent = time.monotonic()
            answer = bench.ecs(port, "RunTask", {"taskDefinition": "load", "count": 10}, timeout=300)
            latencies.append(time.monotonic() - sent)
            failures.extend(answer.get("failures", []))
        pool = concurrent.futures.ThreadPoolExecutor(8)
        runs = [pool.submit(run, i) for i in range(run_tasks // 10)]
        placed_at = running_at = None
        samples = []
        while time.monotonic() - start < 1800:
            pending, running = counts(port)
            now = time.monotonic() - start
            samples.append((round(now, 2), pending, running))
            if placed_at is None and pending + running >= args.tasks:
                placed_at = now
            if running >= args.tasks:
                running_at = now
                break
            for name, process in processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}")
            time.sleep(0.2)
        for future in runs:
            future.result()
        pool.shutdown()
        rss_running = capacity.rss_mib(controller.pid)
        # The store's transactions from the first CreateService until every task ran: how long a
        # batch's commit took (bucket bounds, and the mean from the histogram's sum and count).
        metrics_running = capacity.scrape(port)
        store_name = "wharf_store_operation_duration_seconds"
        store_writes, store_count = capacity.histogram_quantiles(metrics_start, metrics_running, store_name,
                                                                 [0.5, 0.9, 0.99], label=store_label)
        store_sum = (metrics_running.get(f"{store_name}_sum{{{store_label}}}", 0)
                     - metrics_start.get(f"{store_name}_sum{{{store_label}}}", 0))
        store_writes.update(count=store_count, mean_ms=round(store_sum / store_count * 1000, 2) if store_count else None)
        # What the tasks themselves cost, once the start's transient allocations are over: RSS
        # after --settle seconds of nothing but idle syncs. What the settled cluster costs the
        # controller over the same window: its CPU, and the time its scheduler rounds take.
        cpu_before, metrics_before, settle_start = capacity.cpu_seconds(controller.pid), capacity.scrape(port), time.monotonic()
        time.sleep(args.settle)
        rss_settled = capacity.rss_mib(controller.pid)
        cpu_after, metrics_after = capacity.cpu_seconds(controller.pid), capacity.scrape(port)
        window = time.monotonic() - settle_start
        if "wharf_scheduler_round_duration_seconds_count" not in metrics_after:
            raise RuntimeError("the controller's /metrics has no wharf_scheduler_round_duration_seconds_count")
        round_sum, round_count = (metrics_after.get(f"wharf_scheduler_round_duration_seconds_{k}", 0)
                                  - metrics_before.get(f"wharf_scheduler_round_duration_seconds_{k}", 0) for k in ("sum", "count"))
        result = {"agents": args.agents, "tasks": args.tasks, "service_tasks": service_tasks, "run_task_tasks": run_tasks,
                  "run_task_failures": len(failures),
                  "run_task_latency_s": {"median": round(sorted(latencies)[len(latencies) // 2], 3),
                                         "p99": round(sorted(latencies)[int(len(latencies) * 0.99)], 3),
                                         "max": round(max(latencies), 3)} if latencies else None,
                  "seconds_until_placed": round(placed_at, 2) if placed_at else None,
                  "placements_per_second": round(args.tasks / placed_at) if placed_at else None,
                  "seconds_until_running": round(running_at, 2) if running_at else None,
                  "store_writes_until_running": store_writes,
                  "controller_rss_mib": round(rss_running, 1), "simulator_rss_mib": round(capacity.rss_mib(sim.pid), 1),
                  "controller_rss_before_tasks_mib": round(idle_rss, 1),
                  "controller_rss_settled_mib": round(rss_settled, 1),
                  "controller_kib_per_task_settled": round((rss_settled - idle_rss) * 1024 / args.tasks, 2),
                  "settled_controller_cpu_percent": round((cpu_after - cpu_before) / window * 100, 1),
                  "settled_scheduler_rounds": int(round_count),
                  "settled_scheduler_ms_per_second": round(round_sum / window * 1000, 1),
                  "false_disconnects": fleet.log("controller").count("agent disconnected"),
                  "samples": samples[:: max(1, len(samples) // 60)]}
        print({k: v for k, v in result.items() if k != "samples"})
        if args.json:
            bench.write_record(args.json, args.record, args.bin_dir, {"agents": args.agents, "tasks": args.tasks,
                                                                                   "run_task_share": args.run_task_share,
                                                                                   "store": "postgres" if args.store else "sqlite", "sim_nice": args.sim_nice}, result)


if __name__ == "__main__":
    main()
