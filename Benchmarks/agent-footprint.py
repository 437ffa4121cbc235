#!/usr/bin/env python3
"""Agent footprint at idle: RSS and CPU of wharf-agent with 0 and with 20 running tasks (issue 3).

    python3 Benchmarks/agent-footprint.py [--bin-dir .build-static/release] [--tasks 20]
        [--settle 20] [--seconds 60] [--runs 1] [--json docs/benchmarks.json]

Each run starts a fresh wharf-controller and wharf-agent (temp data dirs, cluster "default"),
measures with no task, then starts --tasks busybox `sleep` tasks through the ECS API and measures
again once all are RUNNING. Each phase settles, then samples VmRSS once a second and CPU time
(utime+stime) at both ends of the window, for the agent and the controller. Needs Docker and
wharf-test/busybox:latest (.ci/setup.sh). Always stops both processes and removes its containers
and temp dirs, on failure and Ctrl-C too. Method and results: docs/benchmarks.md.
"""
import argparse, os, secrets, signal, statistics, sys, time

from wharf_bench import IMAGE, Cluster, ecs, wait_for, write_record

GOAL_RSS_MB, GOAL_CPU_PERCENT = 30, 1.0  # issue 3: under 30 MB RSS, under 1 % of a core


class TaskStopped(Exception):
    """A task stopped while the benchmark waited for it to run: no point waiting further."""


def all_running(port, arns):
    tasks = ecs(port, "DescribeTasks", {"cluster": "default", "tasks": arns})["tasks"]
    for task in tasks:
        if task.get("lastStatus") == "STOPPED":
            raise TaskStopped(f"task {task['taskArn']} stopped: {task.get('stoppedReason', 'no reason given')}")
    return len(tasks) == len(arns) and all(t.get("lastStatus") == "RUNNING" for t in tasks)


def status_mib(pid, *keys):
    """Fields of /proc/PID/status; kB values converted to MiB."""
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return [int(fields[k].split()[0]) / (1024 if fields[k].strip().endswith("kB") else 1) for k in keys]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after "(comm)"; fields[11:13] = utime, stime
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(pids, seconds):
    """Samples each process's VmRSS every second for `seconds`; CPU % of one core over the window."""
    rss = {name: [] for name in pids}
    start_cpu, start = {n: cpu_seconds(p) for n, p in pids.items()}, time.monotonic()
    for i in range(seconds + 1):
        time.sleep(max(0, start + i - time.monotonic()))
        for name, pid in pids.items():
            rss[name].append(status_mib(pid, "VmRSS")[0])
    elapsed = time.monotonic() - start
    result = {}
    for name, pid in pids.items():
        anon, file, threads = status_mib(pid, "RssAnon", "RssFile", "Threads")
        result[name] = {
            "rss_mib": {"median": round(statistics.median(rss[name]), 2), "min": round(min(rss[name]), 2),
                        "max": round(max(rss[name]), 2)},
            "rss_anon_mib": round(anon, 2), "rss_file_mib": round(file, 2), "threads": int(threads),
            "cpu_percent": round((cpu_seconds(pid) - start_cpu[name]) / elapsed * 100, 3)}
    return result


def one_run(args):
    family = f"footprint-{secrets.token_hex(4)}"  # unique: cleanup removes only this run's containers
    with Cluster(args.bin_dir, family, "wharf-footprint-") as cluster:
        port, processes = cluster.port, cluster.processes
        pids = {name: p.pid for name, p in processes.items()}
        print(f"  0 tasks: settling {args.settle}s, measuring {args.seconds}s", flush=True)
        time.sleep(args.settle)
        idle = measure(pids, args.seconds)
        ecs(port, "RegisterTaskDefinition", {"family": family, "containerDefinitions": [{
            "name": "sleep", "image": IMAGE, "command": ["sleep", "100000"], "memory": 16, "essential": True,
            "stopTimeout": 1}]})
        arns, started = [], time.monotonic()
        while len(arns) < args.tasks:
            answer = ecs(port, "RunTask", {"cluster": "default", "taskDefinition": family,
                                           "count": min(10, args.tasks - len(arns))})
            if answer.get("failures"):
                raise RuntimeError(f"RunTask failures: {answer['failures']}")
            arns += [t["taskArn"] for t in answer["tasks"]]
        wait_for(f"{args.tasks} tasks RUNNING", lambda: all_running(port, arns), 300, processes)
        print(f"  {args.tasks} tasks RUNNING after {time.monotonic() - started:.1f}s: settling {args.settle}s, "
              f"measuring {args.seconds}s", flush=True)
        time.sleep(args.settle)
        busy = measure(pids, args.seconds)
        for process in processes.values():
            if process.poll() is not None:
                raise RuntimeError("a process exited during the measurement")
        return {"agent_0_tasks": idle["agent"], f"agent_{args.tasks}_tasks": busy["agent"],
                "controller_0_tasks": idle["controller"], f"controller_{args.tasks}_tasks": busy["controller"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin-dir", default=".build-static/release")
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--settle", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=1, help="repeat with fresh processes; medians across runs")
    parser.add_argument("--json", help="merge the record into this JSON file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up on SIGTERM as on Ctrl-C
    runs = []
    for i in range(args.runs):
        print(f"run {i + 1}/{args.runs}", flush=True)
        runs.append(one_run(args))
    summary = {}
    print(f"\n{'process':<22}{'RSS median':>11}{'min':>8}{'max':>8}{'CPU %':>8}{'threads':>9}  (MiB; medians of {args.runs} runs)")
    for key in runs[0]:
        rows = [r[key] for r in runs]
        summary[key] = {
            "rss_median_mib": round(statistics.median(r["rss_mib"]["median"] for r in rows), 2),
            "rss_min_mib": min(r["rss_mib"]["min"] for r in rows), "rss_max_mib": max(r["rss_mib"]["max"] for r in rows),
            "cpu_percent_median": round(statistics.median(r["cpu_percent"] for r in rows), 3),
            "cpu_percent_range": [min(r["cpu_percent"] for r in rows), max(r["cpu_percent"] for r in rows)],
            "threads": max(r["threads"] for r in rows)}
        s = summary[key]
        print(f"{key:<22}{s['rss_median_mib']:>11.1f}{s['rss_min_mib']:>8.1f}{s['rss_max_mib']:>8.1f}"
              f"{s['cpu_percent_median']:>8.2f}{s['threads']:>9}")
    agents = [v for k, v in summary.items() if k.startswith("agent")]
    goal = {"rss_mb": GOAL_RSS_MB, "cpu_percent": GOAL_CPU_PERCENT,
            "rss_met": all(a["rss_max_mib"] * 1.048576 < GOAL_RSS_MB for a in agents),
            "cpu_met": all(a["cpu_percent_range"][1] < GOAL_CPU_PERCENT for a in agents)}
    print(f"goal (agent, every sample under {GOAL_RSS_MB} MB = {GOAL_RSS_MB / 1.048576:.1f} MiB RSS, every run under "
          f"{GOAL_CPU_PERCENT} % CPU): RSS {'met' if goal['rss_met'] else 'MISSED'}, CPU {'met' if goal['cpu_met'] else 'MISSED'}")
    if args.json:
        write_record(args.json, "agent-footprint", args.bin_dir, {k: getattr(args, k) for k in ("tasks", "settle", "seconds", "runs")},
                     {"summary": summary, "goal": goal, "runs": runs})


if __name__ == "__main__":
    main()
