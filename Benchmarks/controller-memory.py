#!/usr/bin/env python3
"""Controller memory per task (issue 13): what the state costs, apart from what a fleet's
connections and bursts of reports cost. --tasks tasks (services of 5,000) run on --agents simulated
nodes (wharf-sim); the controller's RSS is read while they run and after the agents have left;
then the controller is stopped and started again, alone, on that data directory, and on an empty
one. (RSS loaded - RSS empty) / tasks is the state's memory per task, instances included.

    python3 Benchmarks/controller-memory.py --agents 2000 --tasks 100000 --json docs/benchmarks.json
"""
import argparse, os, signal, socket, subprocess, sys, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench
from importlib import import_module

capacity = import_module("sync-capacity")


def database_mib(directory):
    return sum(os.path.getsize(os.path.join(directory, n)) for n in os.listdir(directory) if n.startswith("wharf.db")) / 2**20


def alone(bin_dir, directory, settle):
    """RSS of a controller started on `directory` with no agent, `settle` seconds after it serves."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    environment = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=bench.ACCESS_KEY[0], WHARF_ADMIN_SECRET_ACCESS_KEY=bench.ACCESS_KEY[1])
    process = subprocess.Popen([os.path.join(bin_dir, "wharf-controller"), "--listen", f"127.0.0.1:{port}", "--data-dir", directory],
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        bench.wait_for("the controller", lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200,
                       600, {"controller": process})
        loaded_in = time.monotonic() - started
        time.sleep(settle)
        return capacity.rss_mib(process.pid), loaded_in
    finally:
        bench.stop(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--sim-bin-dir", help="where wharf-sim is, when not in --bin-dir")
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--settle", type=float, default=4)
    parser.add_argument("--json")
    args = parser.parse_args()
    per_node = -(-args.tasks // args.agents) * 2
    with bench.Fleet(args.bin_dir, args.agents, "wharf-memory-", ["--ramp", "10", "--cpus", str(max(1, per_node * 10 // 1024 + 1)),
                                                                 "--memory", str(max(1024, per_node * 32 + 512))],
                     register_timeout=args.agents // 250 + 300, sim_bin_dir=args.sim_bin_dir) as fleet:
        port = fleet.port
        bench.ecs(port, "RegisterTaskDefinition", {"family": "load", "containerDefinitions": [
            {"name": "app", "image": "busybox", "memory": 32, "cpu": 10}]})
        for index in range(-(-args.tasks // 5000)):
            count = min(5000, args.tasks - index * 5000)
            bench.ecs(port, "CreateService", {"serviceName": f"s{index}", "taskDefinition": "load", "desiredCount": count})
        bench.wait_for("every task RUNNING", lambda: bench.ecs(port, "DescribeClusters", {"clusters": ["default"]})["clusters"][0]
                       ["runningTasksCount"] >= args.tasks, 1800, fleet.processes, interval=2)
        time.sleep(args.settle)
        with_fleet = capacity.rss_mib(fleet.controller.pid)
        bench.stop(fleet.sim, grace=120)
        time.sleep(args.settle)
        agents_gone = capacity.rss_mib(fleet.controller.pid)
        bench.stop(fleet.controller)
        fleet.sim = fleet.controller = None
        data = os.path.join(fleet.work, "controller")
        loaded, loaded_in = alone(args.bin_dir, data, args.settle)
        empty, _ = alone(args.bin_dir, os.path.join(fleet.work, "empty"), args.settle)
        result = {"agents": args.agents, "tasks": args.tasks, "controller_rss_with_fleet_mib": round(with_fleet, 1),
                  "controller_rss_after_agents_left_mib": round(agents_gone, 1), "controller_rss_loaded_mib": round(loaded, 1),
                  "controller_rss_empty_mib": round(empty, 1), "state_kib_per_task": round((loaded - empty) * 1024 / args.tasks, 2),
                  "load_seconds": round(loaded_in, 1), "database_mib": round(database_mib(data), 1),
                  "database_kib_per_task": round(database_mib(data) * 1024 / args.tasks, 2)}
        print(result)
        if args.json:
            bench.write_record(args.json, "controller-memory", args.bin_dir,
                               {"agents": args.agents, "tasks": args.tasks, "settle": args.settle}, result)


if __name__ == "__main__":
    main()
