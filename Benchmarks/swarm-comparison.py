#!/usr/bin/env python3
"""Wharf and Docker Swarm side by side on one Docker engine, with raw `docker run` as the floor
(issue 7).

    python3 Benchmarks/swarm-comparison.py [--bin-dir .build-release/release] [--replicas 20]
        [--trials 5] [--json docs/benchmarks.json]

One run measures, in this order and never two systems at once:

  raw     `docker run -d` --replicas times, one after the other (the CLI, as a user types it).
  wharf   a wharf-controller and one wharf-agent (release binaries, the agent's default image pull
          behaviour), driven over the ECS JSON 1.1 API.
  swarm   `docker swarm init` on the same engine (unless a swarm is already active: then it is
          used and left as it was), driven over the engine's API, each setting at its default
          unless named below.

For each system, --trials times each:

  create   a service of --replicas tasks is created; time until the engine has started all of
           them (raw: the first `docker run` until the last container started).
  replace  one running task's container is killed (`docker kill`); time from the engine's `die`
           event to the `start` event of its replacement. Swarm's restart delay is left at its
           default (5 s): that is what a Swarm user gets.
  update   a rolling update of all tasks that keeps every old task until its replacement runs
           (ECS minimumHealthyPercent 100 / maximumPercent 200; Swarm's start-first order with
           parallelism --replicas, the same bound); time until every old container has died and
           --replicas new ones have started. Swarm is also measured at its default parallelism,
           1 (start-first), as `update_one_at_a_time`.

Every time comes from one clock: the engine's event stream (`start` and `die`, timeNano), watched
from before the first call, against this script's `time.time()` for the moment a call was sent.
The orchestrator's own view is recorded too (ECS runningCount and rolloutState COMPLETED; Swarm's
running task count and UpdateStatus "completed"), polled every 20 ms.

Both orchestrators run the image from the local registry (127.0.0.1:5000, .ci/setup.sh starts it),
so each pulls it as its default does (a manifest check per start; the layers are local); raw
`docker run` uses the local copy without asking the registry. The containers run
`sh -c 'trap "exit 0" TERM; sleep 100000 & wait'`, which stops at once on SIGTERM, so no stop
timeout is measured. Always removes every container, service and process it created, leaves a
swarm it initialised, and deletes its temporary directories. Results: docs/benchmarks.md.
"""
import argparse, http.client, json, secrets, signal, socket, statistics, subprocess, sys, threading, time
import urllib.parse

from wharf_bench import Cluster, write_record

IMAGE = "127.0.0.1:5000/wharf-test/busybox:latest"
COMMAND = ["sh", "-c", 'trap "exit 0" TERM; sleep 100000 & wait']
DOCKER_SOCKET = "/var/run/docker.sock"
POLL = 0.02
REPLACEMENT_GOAL_SECONDS = 1.0  # issue 7: a killed task's replacement running within 1 s


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, timeout=60):
        super().__init__("localhost", timeout=timeout)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(DOCKER_SOCKET)


def engine(method, path, body=None, expect=(200, 201, 204), stream=False):
    """One Docker Engine API call over the unix socket; returns the decoded answer (or None), or
    with `stream` the raw bytes of a streamed answer."""
    connection = UnixConnection()
    try:
        data = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        response = connection.getresponse()
        text = response.read()
        if response.status not in expect:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {text.decode(errors='replace')}")
        return text if stream else json.loads(text) if text else None
    finally:
        connection.close()


def filters(**values):
    return urllib.parse.quote(json.dumps({k: v for k, v in values.items()}))


class EngineEvents(threading.Thread):
    """Follows the engine's container `start` and `die` events for this run's label."""

    def __init__(self, run):
        super().__init__(daemon=True)
        self.run_label, self.events, self.lock = run, [], threading.Lock()
        self.connection = UnixConnection(timeout=None)
        self.connection.request("GET", "/events?filters=" + filters(type=["container"], event=["start", "die"],
                                                                    label=[f"wharf-bench.run={run}"]))
        self.response = self.connection.getresponse()

    def run(self):
        try:
            for line in self.response:
                if line.strip():
                    event = json.loads(line)
                    with self.lock:
                        self.events.append((event["timeNano"] / 1e9, event["Action"], event["Actor"]["ID"],
                                            event["Actor"].get("Attributes", {})))
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed at the end of the run

    def close(self):
        try:
            self.connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()

    def select(self, action, service=None, after=0.0, exclude=()):
        with self.lock:
            return [e for e in self.events if e[1] == action and e[0] >= after and e[2] not in exclude
                    and (service is None or e[3].get("wharf-bench.service") == service)]

    def wait(self, what, check, timeout=120):
        """Polls check() (which reads the events) until it returns a value other than None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value is not None:
                return value
            time.sleep(0.005)
        raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


def running_containers(run, service):
    return [c["Id"] for c in engine("GET", "/containers/json?filters=" + filters(
        label=[f"wharf-bench.run={run}", f"wharf-bench.service={service}"], status=["running"]))]


def remove_containers(run):
    ids = [c["Id"] for c in engine("GET", "/containers/json?all=1&filters=" + filters(label=[f"wharf-bench.run={run}"]))]
    for id in ids:
        engine("DELETE", f"/containers/{id}?force=1", expect=(204, 404, 409))


def poll(what, check, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(POLL)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}")


class Wharf:
    name = "wharf"

    def __init__(self, args, run):
        self.args, self.run, self.cluster, self.revision = args, run, None, 1

    def __enter__(self):
        self.cluster = Cluster(self.args.bin_dir, f"bench-{self.run}", "wharf-swarm-comparison-", pull_behavior="default").__enter__()
        return self

    def __exit__(self, *failure):
        return self.cluster.__exit__(*failure)

    def register(self, service, revision_env):
        answer = self.cluster.call("RegisterTaskDefinition", {"family": f"bench-{self.run}-{service}", "containerDefinitions": [{
            "name": "app", "image": IMAGE, "command": COMMAND, "memory": 16, "stopTimeout": 2,
            "environment": [{"name": "REV", "value": revision_env}],
            "dockerLabels": {"wharf-bench.run": self.run, "wharf-bench.service": service}}]})
        return answer["taskDefinition"]["taskDefinitionArn"]

    def create(self, service, replicas):
        definition = self.register(service, "1")
        sent = time.time()
        self.cluster.call("CreateService", {"cluster": "default", "serviceName": service, "taskDefinition": definition,
                                            "desiredCount": replicas, "deploymentConfiguration": {
                                                "minimumHealthyPercent": 100, "maximumPercent": 200}})
        return sent

    def describe(self, service):
        return self.cluster.call("DescribeServices", {"cluster": "default", "services": [service]})["services"][0]

    def steady(self, service, replicas):
        s = self.describe(service)
        return (s["runningCount"] == replicas and len(s["deployments"]) == 1
                and s["deployments"][0].get("rolloutState") == "COMPLETED") or None

    def update(self, service, replicas, parallelism=None):
        self.revision += 1
        definition = self.register(service, str(self.revision))
        sent = time.time()
        self.cluster.call("UpdateService", {"cluster": "default", "service": service, "taskDefinition": definition})
        return sent

    def remove(self, service):
        self.cluster.call("DeleteService", {"cluster": "default", "service": service, "force": True})


class Swarm:
    name = "swarm"

    def __init__(self, args, run):
        self.args, self.run, self.ids, self.initialised, self.networks_before = args, run, {}, False, set()
        self.revision = 1

    def __enter__(self):
        self.networks_before = {n["Name"] for n in engine("GET", "/networks")}
        state = engine("GET", "/info")["Swarm"]["LocalNodeState"]
        if state == "inactive":
            engine("POST", "/swarm/init", {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"})
            self.initialised = True
        elif state != "active":
            raise RuntimeError(f"the engine's swarm is {state}; expected inactive or active")
        return self

    def __exit__(self, *failure):
        for id in self.ids.values():
            engine("DELETE", f"/services/{id}", expect=(200, 404))
        if self.initialised:
            engine("POST", "/swarm/leave?force=1")
            for network in {n["Name"] for n in engine("GET", "/networks")} - self.networks_before:
                engine("DELETE", f"/networks/{network}", expect=(204, 404, 403, 409))
        return False

    def spec(self, service, replicas, revision_env, parallelism=1):
        return {"Name": f"bench-{self.run}-{service}",
                "TaskTemplate": {"ContainerSpec": {"Image": IMAGE, "Command": COMMAND, "Env": [f"REV={revision_env}"],
                                                   "StopGracePeriod": 2_000_000_000,
                                                   "Labels": {"wharf-bench.run": self.run, "wharf-bench.service": service}},
                                 "Resources": {"Limits": {"MemoryBytes": 16 << 20}, "Reservations": {"MemoryBytes": 16 << 20}}},
                "Mode": {"Replicated": {"Replicas": replicas}},
                "UpdateConfig": {"Parallelism": parallelism, "Order": "start-first"}}

    def create(self, service, replicas):
        sent = time.time()
        self.ids[service] = engine("POST", "/services/create", self.spec(service, replicas, "1"))["ID"]
        return sent

    def steady(self, service, replicas):
        listed = engine("GET", "/services?status=true&filters=" + filters(id=[self.ids[service]]))[0]
        running = listed.get("ServiceStatus", {}).get("RunningTasks", 0)
        update = listed.get("UpdateStatus", {}).get("State")
        return (running == replicas and update in (None, "completed")) or None

    def update(self, service, replicas, parallelism=None):
        self.revision += 1
        current = engine("GET", f"/services/{self.ids[service]}")
        sent = time.time()
        engine("POST", f"/services/{self.ids[service]}/update?version={current['Version']['Index']}",
               self.spec(service, replicas, str(self.revision), parallelism or replicas))
        return sent

    def remove(self, service):
        engine("DELETE", f"/services/{self.ids.pop(service)}", expect=(200, 404))


def measure_raw(args, run, events):
    results = []
    for trial in range(args.trials):
        service = f"raw{trial}"
        sent = time.time()
        for _ in range(args.replicas):
            subprocess.run(["docker", "run", "-d", "--label", f"wharf-bench.run={run}", "--label",
                            f"wharf-bench.service={service}", "--memory", "16m", IMAGE, *COMMAND],
                           check=True, stdout=subprocess.DEVNULL)
        last = events.wait("raw containers started", lambda: (
            lambda s: max(e[0] for e in s) if len(s) >= args.replicas else None)(events.select("start", service)))
        results.append({"create_s": last - sent, "first_start_s": min(e[0] for e in events.select("start", service)) - sent})
        print(f"  raw trial {trial + 1}: {args.replicas} × docker run -d in {last - sent:.2f} s", flush=True)
        remove_containers(run)
    return results


def measure(system, args, run, events):
    """create, replace and update trials for one orchestrator."""
    creates, replaces, updates, serial_updates = [], [], [], []
    for trial in range(args.trials):
        service = f"c{trial}"
        sent = system.create(service, args.replicas)
        last = events.wait(f"{system.name}: {args.replicas} started", lambda: (
            lambda s: max(e[0] for e in s) if len(s) >= args.replicas else None)(events.select("start", service, sent)))
        poll("steady state", lambda: system.steady(service, args.replicas))
        first = min(e[0] for e in events.select("start", service, sent))
        creates.append({"create_s": last - sent, "first_start_s": first - sent, "reported_s": time.time() - sent})
        print(f"  {system.name} create {trial + 1}: first {first - sent:.2f} s, all {last - sent:.2f} s, reported {creates[-1]['reported_s']:.2f} s", flush=True)
        if trial < args.trials - 1:
            system.remove(service)
            poll("the service's containers gone", lambda: (not running_containers(run, service)) or None)
    # The last service stays for the replacement and update trials.
    for trial in range(args.trials):
        time.sleep(1)
        before = set(running_containers(run, service))
        victim = sorted(before)[0]
        kill_sent = time.time()
        engine("POST", f"/containers/{victim}/kill")
        died = events.wait("the die event", lambda: (lambda s: s[0][0] if s else None)(
            [e for e in events.select("die", service, kill_sent - 1) if e[2] == victim]))
        started = events.wait("the replacement started", lambda: (lambda s: min(e[0] for e in s) if s else None)(
            events.select("start", service, died, exclude=before)))
        poll("steady state", lambda: system.steady(service, args.replicas), timeout=60)
        replaces.append({"die_to_start_s": started - died, "kill_to_start_s": started - kill_sent})
        print(f"  {system.name} replace {trial + 1}: {started - died:.3f} s", flush=True)
    variants = [("update", updates, None)] + ([("update_one_at_a_time", serial_updates, 1)] if system.name == "swarm" else [])
    for label, bucket, parallelism in variants:
        for trial in range(args.trials):
            time.sleep(1)
            old = set(running_containers(run, service))
            sent = system.update(service, args.replicas, parallelism)

            def done():
                died = [e for e in events.select("die", service, sent) if e[2] in old]
                fresh = events.select("start", service, sent, exclude=old)
                if len({e[2] for e in died}) >= len(old) and len(fresh) >= args.replicas:
                    return max(e[0] for e in died + fresh)
            finished = events.wait(f"{system.name}: the rolling update", done, timeout=300)
            poll("the update reported complete", lambda: system.steady(service, args.replicas), timeout=300)
            bucket.append({"update_s": finished - sent, "reported_s": time.time() - sent})
            print(f"  {system.name} {label} {trial + 1}: replaced {finished - sent:.2f} s, reported {bucket[-1]['reported_s']:.2f} s", flush=True)
    system.remove(service)
    poll("the service's containers gone", lambda: (not running_containers(run, service)) or None)
    out = {"create": creates, "replace": replaces, "update": updates}
    if serial_updates:
        out["update_one_at_a_time"] = serial_updates
    return out


def summarise(values):
    values = sorted(values)
    return {"median_s": round(statistics.median(values), 3), "min_s": round(values[0], 3), "max_s": round(values[-1], 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--replicas", type=int, default=20)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--json", help="merge the record into this JSON file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pulled = engine("POST", f"/images/create?fromImage={urllib.parse.quote(IMAGE.rsplit(':', 1)[0])}&tag=latest", stream=True)
    if b'"error"' in pulled:
        sys.exit(f"cannot pull {IMAGE} (is the local registry running? .ci/setup.sh starts it): {pulled.decode(errors='replace')}")
    run = secrets.token_hex(4)
    events = EngineEvents(run)
    events.start()
    trials = {}
    try:
        print(f"raw docker run, {args.replicas} containers, {args.trials} trials", flush=True)
        trials["raw"] = {"create": measure_raw(args, run, events)}
        for system in (Wharf(args, run), Swarm(args, run)):
            print(f"{system.name}, {args.replicas} replicas, {args.trials} trials", flush=True)
            with system:
                trials[system.name] = measure(system, args, run, events)
    finally:
        events.close()
        remove_containers(run)
    summary = {name: {scenario: summarise([next(v for k, v in t.items() if k in ("create_s", "die_to_start_s", "update_s"))
                                           for t in values]) for scenario, values in scenarios.items()}
               for name, scenarios in trials.items()}
    for name, scenarios in trials.items():
        for scenario, values in scenarios.items():
            if "reported_s" in values[0]:
                summary[name][scenario]["reported_median_s"] = round(statistics.median(v["reported_s"] for v in values), 3)
    med = lambda name, scenario: summary[name][scenario]["median_s"]
    ratios = {"create_wharf_over_swarm": round(med("wharf", "create") / med("swarm", "create"), 3),
              "create_wharf_over_raw": round(med("wharf", "create") / med("raw", "create"), 3),
              "replace_wharf_over_swarm": round(med("wharf", "replace") / med("swarm", "replace"), 3),
              "update_wharf_over_swarm": round(med("wharf", "update") / med("swarm", "update"), 3),
              "update_wharf_over_swarm_one_at_a_time": round(med("wharf", "update") / med("swarm", "update_one_at_a_time"), 3)}
    goals = {"create_faster_than_raw": med("wharf", "create") < med("raw", "create"),
             "replacement_within_1s": summary["wharf"]["replace"]["max_s"] < REPLACEMENT_GOAL_SECONDS}
    print(f"\n{'system':<8}{'scenario':<22}{'median':>9}{'min':>9}{'max':>9}  (s, {args.trials} trials)")
    for name, scenarios in summary.items():
        for scenario, s in scenarios.items():
            print(f"{name:<8}{scenario:<22}{s['median_s']:>9.3f}{s['min_s']:>9.3f}{s['max_s']:>9.3f}")
    for key, value in ratios.items():
        print(f"{key}: {value}")
    for key, value in goals.items():
        print(f"goal {key}: {'met' if value else 'MISSED'}")
    if args.json:
        write_record(args.json, "swarm-comparison", args.bin_dir, {"replicas": args.replicas, "trials": args.trials, "image": IMAGE},
                     {"summary": summary, "ratios": ratios, "goals": goals, "trials": trials})


if __name__ == "__main__":
    main()
