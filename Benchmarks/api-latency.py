#!/usr/bin/env python3
"""API latency (issues 7 and 13): DescribeTaskDefinition, DescribeServices, ListTasks, RunTask and
RegisterTaskDefinition at --clients concurrent connections against one release wharf-controller
with --agents simulated instances (wharf-sim): calls per second and latency percentiles per
operation. `--operations` can also name PutLogEvents (one event into a stream) and PutMetricData
(one sample), the writes of the log and metric stores (issue 20).

    python3 Benchmarks/api-latency.py --clients 64 --seconds 10 --json docs/benchmarks.json

Each connection is HTTP/1.1 keep-alive and sends a request signed once with SigV4 (a signature
holds for 15 minutes, as AWS's does), so the client's signing is not what is measured. The load
comes from wrk (Debian's `wrk`, C and epoll: two threads hold the 64 connections) when it is
installed, else (`--driver python`) from 64 Python threads, which on two cores shared with the
controller cap the rate well below what the controller serves (issue 7's figures used them).
"""
import argparse, http.client, json, os, shutil, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench as bench
from importlib import import_module

capacity = import_module("sync-capacity")



# The operations of other services: their target prefix, signing name and content type.
SERVICES = {
    "PutLogEvents": ("Logs_20140328", "logs", "application/x-amz-json-1.1"),
    "CreateLogGroup": ("Logs_20140328", "logs", "application/x-amz-json-1.1"),
    "CreateLogStream": ("Logs_20140328", "logs", "application/x-amz-json-1.1"),
    "PutMetricData": ("GraniteServiceVersion20100801", "monitoring", "application/x-amz-json-1.0"),
}


def signed(port, operation, body):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    data = json.dumps(body).encode()
    target, service, content_type = SERVICES.get(operation, ("AmazonEC2ContainerServiceV20141113", "ecs",
                                                             "application/x-amz-json-1.1"))
    request = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=data, headers={
        "X-Amz-Target": f"{target}.{operation}", "Content-Type": content_type})
    SigV4Auth(Credentials(*bench.ACCESS_KEY), service, "us-east-1").add_auth(request)
    return data, dict(request.headers.items())


def load(port, operation, body, clients, seconds):
    data, headers = signed(port, operation, body)
    latencies, errors = [], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            connection.request("POST", "/", body=data, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                failed += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.append(failed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(len(latencies) * q))], 2)
    return {"calls": len(latencies), "errors": sum(errors), "calls_per_second": round(len(latencies) / elapsed),
            "p50_ms": pick(0.5), "p90_ms": pick(0.9), "p99_ms": pick(0.99), "max_ms": round(latencies[-1], 2)}


def load_wrk(port, operation, body, clients, seconds):
    """The same load from wrk: `clients` connections on two threads; percentiles from wrk's own
    latency record (microseconds)."""
    data, headers = signed(port, operation, body)
    def lua(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ['wrk.method = "POST"', f"wrk.body = {lua(data.decode())}"]
    lines += [f"wrk.headers[{lua(name)}] = {lua(value)}" for name, value in headers.items() if name.lower() != "host"]
    lines += ["done = function(summary, latency, requests)",
              '  local e = summary.errors',
              '  io.write(string.format("WHARF %d %d %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,',
              "    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(90),",
              "    latency:percentile(99), latency.max, latency.min))",
              "end"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        out = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s", "-s", script.name,
                              f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    fields = [int(x) for x in next(l for l in out.splitlines() if l.startswith("WHARF ")).split()[1:]]
    requests, duration, socket_errors, status_errors, p50, p90, p99, worst, _ = fields
    return {"calls": requests, "errors": socket_errors + status_errors, "calls_per_second": round(requests / (duration / 1e6)),
            "p50_ms": round(p50 / 1000, 2), "p90_ms": round(p90 / 1000, 2), "p99_ms": round(p99 / 1000, 2),
            "max_ms": round(worst / 1000, 2), "driver": "wrk"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--driver", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--operations", nargs="+",
                        default=["DescribeTaskDefinition", "DescribeServices", "ListTasks", "RunTask", "RegisterTaskDefinition"],
                        help="in this order; RunTask after RegisterTaskDefinition resolves the family among the revisions that registered")
    parser.add_argument("--service-tasks", type=int, default=200,
                        help="each service's desired count (at most 5,000); thousands make every scheduler round long (issue 13)")
    parser.add_argument("--services", type=int, default=1, help="services of --service-tasks each: web, web-2, ...")
    parser.add_argument("--json")
    parser.add_argument("--record", default="api-latency", help="the record's name in the JSON file")
    parser.add_argument("--store", help="the controller's --store (a postgres:// URL); its data directory's SQLite when absent")
    parser.add_argument("--sim-nice", type=int, default=0,
                        help="the simulator's niceness: above 0 it takes only the CPU the controller leaves")
    args = parser.parse_args()
    store = ["--store", args.store] if args.store else []
    with bench.Fleet(args.bin_dir, args.agents, "wharf-api-", ["--ramp", "5", "--cpus", "64", "--memory", "262144"], register_timeout=120,
                     controller_arguments=store, sim_nice=args.sim_nice) as fleet:
        controller, sim, port = fleet.controller, fleet.sim, fleet.port
        processes = fleet.processes
        definition = {"family": "api", "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 8, "cpu": 1}]}
        bench.ecs(port, "RegisterTaskDefinition", definition)
        wanted = args.service_tasks
        names = ["web"] + [f"web-{n}" for n in range(2, args.services + 1)]
        for name in names:
            bench.ecs(port, "CreateService", {"serviceName": name, "taskDefinition": "api", "desiredCount": wanted})
        bench.wait_for(f"{wanted} running in each of {len(names)} services",
                       lambda: all(s["runningCount"] == wanted for s in bench.ecs(port, "DescribeServices", {"services": names})["services"]),
                       120 + wanted * len(names) // 100, processes)
        results = {}
        now = int(time.time())
        bodies = {"DescribeServices": {"services": ["web"]}, "ListTasks": {"serviceName": "web"},
                  "DescribeTaskDefinition": {"taskDefinition": "api"},
                  "RunTask": {"taskDefinition": "api", "count": 1}, "RegisterTaskDefinition": definition,
                  "PutLogEvents": {"logGroupName": "/bench/api", "logStreamName": "writes",
                                   "logEvents": [{"timestamp": now * 1000, "message": "GET /health 200 0.4 ms " + "x" * 60}]},
                  "PutMetricData": {"Namespace": "Bench", "MetricData": [
                      {"MetricName": "Latency", "Dimensions": [{"Name": "Service", "Value": "web"}], "Value": 4.5,
                       "Unit": "Milliseconds", "Timestamp": now}]}}
        if "PutLogEvents" in args.operations:
            for operation in ("CreateLogGroup", "CreateLogStream"):
                data, headers = signed(port, operation, {"logGroupName": "/bench/api", "logStreamName": "writes"}
                                       if operation == "CreateLogStream" else {"logGroupName": "/bench/api"})
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("POST", "/", body=data, headers=headers)
                answer = connection.getresponse()
                if answer.status != 200:
                    raise SystemExit(f"{operation}: {answer.status} {answer.read()[:300]}")
                connection.close()
        run = load_wrk if args.driver == "wrk" else load
        for operation in args.operations:
            body = bodies[operation]
            before = capacity.scrape(port)
            results[operation] = run(port, operation, body, args.clients, args.seconds)
            # The same calls as the controller timed them, from its handler's start to its answer
            # (signature, decoding, the operation, encoding): what lies outside is the HTTP
            # server's and the kernel's, and the wait for a thread.
            inside, observed = capacity.histogram_quantiles(before, capacity.scrape(port), "wharf_api_request_duration_seconds",
                                                            [0.5, 0.9, 0.99], label=f'operation="{SERVICES.get(operation, ("", "ecs"))[1]}:{operation}"')
            results[operation]["in_handler"] = dict(inside, calls=observed)
            if os.environ.get("WHARF_BENCH_ROUNDS"):
                after = capacity.scrape(port)
                for name, label in (("wharf_scheduler_round_duration_seconds", None),
                                    ("wharf_store_operation_duration_seconds",
                                     f'store="{"postgres" if args.store else "sqlite"}",operation="write"'),
                                    ("wharf_agent_sync_duration_seconds", None)):
                    print(name, capacity.histogram_quantiles(before, after, name, [0.5, 0.9, 0.99, 1.0], label=label))
            print(f"{operation}: {results[operation]}")
            time.sleep(2)
        results["tasks_at_end"] = bench.ecs(port, "DescribeClusters", {"clusters": ["default"]})["clusters"][0]
        results["tasks_at_end"] = {k: results["tasks_at_end"][k] for k in ("runningTasksCount", "pendingTasksCount")}
        if args.json:
            settings = {"agents": args.agents, "services": len(names), "service_tasks": wanted, "clients": args.clients,
                        "seconds": args.seconds, "operations": args.operations, "driver": args.driver,
                        "store": "postgres" if args.store else "sqlite", "sim_nice": args.sim_nice}
            bench.write_record(args.json, args.record, args.bin_dir, settings, results)


if __name__ == "__main__":
    main()
