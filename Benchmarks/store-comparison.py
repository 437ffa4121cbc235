#!/usr/bin/env python3
"""The two stores side by side (issue 20): API latency (api-latency.py) and placements per second
(scheduling-throughput.py) against a controller on SQLite and against one on PostgreSQL, on the
same machine in the same run, the same release binaries and the same simulated fleet.

    python3 Benchmarks/store-comparison.py --json docs/benchmarks.json

PostgreSQL is a server of this run's own (Debian's `postgresql`, its default settings: fsync and
synchronous commit on) beside the controllers' data directories, so both stores sit on the same
medium: /dev/shm as in the other benchmarks, or a disk with `--work-dir DIR` (what each store's
flushes cost). Each measurement gets a fresh schema.
The order alternates (SQLite first in odd rounds, PostgreSQL first in even ones) so that neither
store always runs on a machine warmed or tired by the other. The record keeps every round's
figures and, per figure, the median over the rounds and the ratio PostgreSQL / SQLite.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench

HERE = os.path.dirname(os.path.abspath(__file__))


def measure(script, arguments, store_url, bin_dir):
    """Runs one benchmark script with --store (or without, for SQLite); returns its results."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "record.json")
        command = [sys.executable, os.path.join(HERE, script), "--bin-dir", bin_dir, "--json", path, "--record", "run"] + arguments
        if store_url:
            command += ["--store", store_url]
        subprocess.run(command, check=True)
        return json.load(open(path))["run"]["results"]


def figures(api, scheduling):
    """The figures compared: each API operation's rate and percentiles, and the scheduler's."""
    picked = {}
    for operation, result in api.items():
        if isinstance(result, dict) and "p50_ms" in result:
            for key in ("calls_per_second", "p50_ms", "p99_ms", "errors"):
                picked[f"{operation}.{key}"] = result[key]
    if scheduling is None:
        return picked
    for key in ("placements_per_second", "seconds_until_running"):
        picked[f"scheduling.{key}"] = scheduling[key]
    picked["scheduling.run_task_p99_s"] = (scheduling.get("run_task_latency_s") or {}).get("p99")
    return picked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--rounds", type=int, default=1, help="measurements of each store")
    parser.add_argument("--agents", type=int, default=500, help="simulated instances for the placements")
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks placed")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10, help="the load on each API operation")
    parser.add_argument("--operations", nargs="+", help="api-latency.py's operations (its own list when absent)")
    parser.add_argument("--no-placements", action="store_true", help="the API figures only, without scheduling-throughput.py")
    parser.add_argument("--work-dir", help="where the data directories and the server go (a disk); /dev/shm when absent")
    parser.add_argument("--json")
    parser.add_argument("--record", default="store-comparison")
    args = parser.parse_args()
    if args.work_dir:
        os.makedirs(args.work_dir, exist_ok=True)
        os.environ["WHARF_BENCH_WORK_DIR"] = os.path.abspath(args.work_dir)
    rounds = {"sqlite": [], "postgres": []}
    with bench.Postgres() as postgres:
        server = postgres.settings()
        print(f"PostgreSQL {server}")
        for round_ in range(args.rounds):
            order = ["sqlite", "postgres"] if round_ % 2 == 0 else ["postgres", "sqlite"]
            for store in order:
                print(f"--- round {round_ + 1}: {store} ---", flush=True)
                operations = ["--operations"] + args.operations if args.operations else []
                api = measure("api-latency.py", ["--clients", str(args.clients), "--seconds", str(args.seconds)] + operations,
                              postgres.url() if store == "postgres" else None, args.bin_dir)
                if args.no_placements:
                    rounds[store].append(figures(api, None))
                    continue
                scheduling = measure("scheduling-throughput.py", ["--agents", str(args.agents), "--tasks", str(args.tasks),
                                                                  "--settle", "0"],
                                     postgres.url() if store == "postgres" else None, args.bin_dir)
                rounds[store].append(figures(api, scheduling))
    summary = {}
    for key in rounds["sqlite"][0]:
        values = {store: [r[key] for r in rounds[store] if r.get(key) is not None] for store in rounds}
        medians = {store: statistics.median(v) if v else None for store, v in values.items()}
        ratio = round(medians["postgres"] / medians["sqlite"], 2) if medians["sqlite"] and medians["postgres"] is not None else None
        summary[key] = {"sqlite": medians["sqlite"], "postgres": medians["postgres"], "postgres_over_sqlite": ratio}
    width = max(len(k) for k in summary)
    print(f"{'figure'.ljust(width)}  {'sqlite':>10}  {'postgres':>10}  ratio")
    for key, row in summary.items():
        print(f"{key.ljust(width)}  {row['sqlite']!s:>10}  {row['postgres']!s:>10}  {row['postgres_over_sqlite']}")
    if args.json:
        bench.write_record(args.json, args.record, args.bin_dir,
                           {"rounds": args.rounds, "agents": args.agents, "tasks": args.tasks, "clients": args.clients,
                            "operations": args.operations or "api-latency.py's", "placements": not args.no_placements,
                            "seconds": args.seconds, "postgres": server, "data_on": bench.work_base()},
                           {"summary": summary, "rounds": rounds})


if __name__ == "__main__":
    main()
