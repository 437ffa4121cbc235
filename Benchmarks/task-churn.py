#!/usr/bin/env python3
"""Task churn (issue 13): endless short tasks against one release wharf-controller started with
--task-retention, over --agents simulated nodes (wharf-sim) whose containers exit on their own
--run-ms after they start. RunTask calls (10 tasks each) from --clients threads until --tasks
tasks were started, never more than --in-flight of them not yet STOPPED (so tasks start as fast as
the nodes run them); every --sample seconds the controller's RSS, the size of wharf.db with its
WAL, and how many tasks the controller holds (its /metrics). Reports whether memory and the
database level off: once the first retention has passed, the tasks held stay near
rate x (run time + retention), so RSS and the database should stop growing.

    python3 Benchmarks/task-churn.py --tasks 1000000 --retention 1m --json docs/benchmarks.json
"""
import argparse, concurrent.futures, os, re, sys, threading, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench
from importlib import import_module

capacity = import_module("sync-capacity")


def tasks_by_status(port):
    """The tasks the controller holds, by last status, from its gauges."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read().decode()
    return {status: int(float(value))
            for status, value in re.findall(r'^wharf_tasks\{last_status="([A-Z]+)"\} ([0-9.e+]+)$', text, re.M)}


def held_tasks(port):
    """How many tasks the controller holds, stopped ones included."""
    return sum(tasks_by_status(port).values())


def live_tasks(port):
    """How many tasks the controller holds that have not stopped."""
    return sum(count for status, count in tasks_by_status(port).items() if status != "STOPPED")


def database_mib(directory):
    return sum(os.path.getsize(os.path.join(directory, name)) for name in os.listdir(directory)
               if name.startswith("wharf.db")) / 2**20


def quarters(values):
    """The highest value in each quarter of the series."""
    size = max(1, len(values) // 4)
    return [max(values[i:i + size]) for i in range(0, size * 4, size)][:4]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--retention", default="1m", help="the controller's --task-retention; 'none' for a controller without it")
    parser.add_argument("--sim-bin-dir", help="where wharf-sim is, when not in --bin-dir (a controller from before --run-ms)")
    parser.add_argument("--run-ms", type=int, default=2000, help="how long each simulated container runs")
    parser.add_argument("--in-flight", type=int, default=2000,
                        help="the most tasks not yet STOPPED: the clients wait below it, so tasks start as fast as the fleet runs them")
    parser.add_argument("--sample", type=float, default=10)
    parser.add_argument("--json")
    args = parser.parse_args()
    with bench.Fleet(args.bin_dir, args.agents, "wharf-churn-", ["--ramp", "5", "--cpus", "64", "--memory", "262144", "--start-delay-ms", "50",
                                                                "--run-ms", str(args.run_ms)],
                     controller_arguments=[] if args.retention == "none" else ["--task-retention", args.retention],
                     sim_bin_dir=args.sim_bin_dir) as fleet:
        port, controller = fleet.port, fleet.controller
        data = os.path.join(fleet.work, "controller")
        bench.ecs(port, "RegisterTaskDefinition", {"family": "churn", "containerDefinitions": [
            {"name": "app", "image": "busybox", "memory": 6, "cpu": 1}]})
        idle_rss = capacity.rss_mib(controller.pid)
        samples, started, failures = [], [0], []
        stop = threading.Event()
        lock = threading.Lock()
        begin = time.monotonic()

        def sampler():
            while not stop.is_set():
                samples.append({"t": round(time.monotonic() - begin, 1), "started": started[0], "rss_mib": round(capacity.rss_mib(controller.pid), 1),
                                "db_mib": round(database_mib(data), 1), "held": held_tasks(port), "live": live[0]})
                print(samples[-1], flush=True)
                stop.wait(args.sample)

        live = [0]

        def watch_live():
            # Without a bound the clients start tasks faster than the nodes take them up, and what
            # grows is the queue of PROVISIONING tasks, not what retention is about.
            while not stop.is_set():
                live[0] = live_tasks(port)
                stop.wait(0.25)

        def client():
            while True:
                while live[0] >= args.in_flight:
                    time.sleep(0.05)
                with lock:
                    if started[0] >= args.tasks:
                        return
                    started[0] += 10
                answer = bench.ecs(port, "RunTask", {"taskDefinition": "churn", "count": 10}, timeout=300)
                if answer.get("failures"):
                    failures.extend(answer["failures"])
                for name, process in fleet.processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} exited with {process.returncode}")

        watcher = threading.Thread(target=sampler, daemon=True)
        watcher.start()
        threading.Thread(target=watch_live, daemon=True).start()
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            for future in [pool.submit(client) for _ in range(args.clients)]:
                future.result()
        elapsed = time.monotonic() - begin
        stop.set()
        watcher.join()
        rss = [s["rss_mib"] for s in samples]
        db = [s["db_mib"] for s in samples]
        held = [s["held"] for s in samples]
        result = {"tasks": started[0], "seconds": round(elapsed, 1), "tasks_per_second": round(started[0] / elapsed),
                  "retention": args.retention, "run_ms": args.run_ms, "run_task_failures": len(failures),
                  "controller_rss_idle_mib": round(idle_rss, 1),
                  "rss_mib_max_by_quarter": quarters(rss), "db_mib_max_by_quarter": quarters(db), "held_tasks_max_by_quarter": quarters(held),
                  "samples": samples[:: max(1, len(samples) // 60)]}
        print({k: v for k, v in result.items() if k != "samples"})
        if args.json:
            bench.write_record(args.json, "task-churn", args.bin_dir, {"agents": args.agents, "tasks": args.tasks, "clients": args.clients,
                                                                       "retention": args.retention, "run_ms": args.run_ms,
                                                                       "in_flight": args.in_flight}, result)


if __name__ == "__main__":
    main()
