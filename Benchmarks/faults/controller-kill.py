#!/usr/bin/env python3
"""Controller SIGKILL at random moments under concurrent writes (issue 18).

    python3 Benchmarks/faults/controller-kill.py [--bin-dir .build-release/release] [--kills 100]
        [--writers 4] [--json docs/benchmarks.json]

Starts a wharf-controller and one wharf-agent on the local Docker engine, and a service of two
long-running tasks whose containers must live through everything. Then `--writers` clients write
as fast as they can, each its own sequence of RunTask, StopTask, CreateService, UpdateService,
RegisterTaskDefinition and PutParameter, while the controller is killed with SIGKILL `--kills`
times, each at a random moment 0.2 to 1.5 s after it came back, and started again at once on the
same data directory and port. A write counts as acknowledged when its answer was HTTP 200; a
write whose connection broke may or may not have happened and is only allowed either way.

At the end every acknowledged write is read back (the revision; the parameter version and value,
among the last 100 versions that SSM keeps; the service and its last acknowledged task
definition; the task and its desired status), the service's two containers must be the very
ones it started with and still running, and the agent must be connected. Figures: writes
acknowledged per kind, lost (goal 0), failed restarts (goal 0), the time from the kill's restart
to /healthz, the steady containers restarted or stopped (goal 0). Exits 1 when a goal is missed. Needs Docker and wharf-test/busybox:latest (.ci/setup.sh).
"""
import json, os, random, statistics, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nodes import Lab, arguments, percentile  # noqa: E402
from wharf_bench import wait_for, write_record  # noqa: E402


class Writer(threading.Thread):
    """One client: its own names, so what it acknowledged can be checked exactly."""

    def __init__(self, lab, index, stop_event, seed):
        super().__init__(daemon=True)
        self.lab, self.index, self.stop_event = lab, index, stop_event
        self.random = random.Random(seed)
        self.family = f"w{index}"
        self.revisions, self.parameters, self.services, self.tasks = [], {}, {}, {}
        self.attempted_updates = {}  # service -> task definitions sent after its last acknowledged one
        self.counts = {}
        self.errors = 0

    def call(self, kind, operation, body, target="AmazonEC2ContainerServiceV20141113"):
        try:
            answer = self.lab.call(operation, body, target=target, timeout=10)
        except RuntimeError as error:  # an HTTP error: refused, so nothing happened or nothing acknowledged
            if "HTTP 5" not in str(error) and "HTTP 4" in str(error):
                self.errors += 1
            return None
        except OSError:  # the connection broke: the write may or may not have happened
            return None
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return answer

    def run(self):
        step = 0
        while not self.stop_event.is_set():
            step += 1
            kind = ("RegisterTaskDefinition", "PutParameter", "CreateService", "UpdateService", "RunTask",
                    "StopTask")[step % 6]
            if kind == "RegisterTaskDefinition":
                answer = self.call(kind, kind, {"family": self.family, "containerDefinitions": [{
                    "name": "app", "image": "wharf-test/busybox:latest", "memory": 8, "command": ["sleep", "2"]}]})
                if answer:
                    self.revisions.append(answer["taskDefinition"]["revision"])
            elif kind == "PutParameter":
                name = f"/fault/{self.family}/p{self.random.randrange(5)}"
                value = f"v{step}"
                answer = self.call(kind, kind, {"Name": name, "Value": value, "Type": "String", "Overwrite": True},
                                   target="AmazonSSM")
                if answer:
                    self.parameters.setdefault(name, []).append((answer["Version"], value))
            elif kind == "CreateService":
                if not self.revisions:
                    continue
                name = f"{self.family}-s{step}"
                answer = self.call(kind, kind, {"cluster": self.lab.cluster, "serviceName": name,
                                                "taskDefinition": f"{self.family}:{self.revisions[0]}",
                                                "desiredCount": 0})
                if answer:
                    self.services[name] = f"{self.family}:{self.revisions[0]}"
            elif kind == "UpdateService":
                if not self.services or not self.revisions:
                    continue
                name = self.random.choice(sorted(self.services))
                definition = f"{self.family}:{self.random.choice(self.revisions)}"
                self.attempted_updates.setdefault(name, set()).add(definition)
                answer = self.call(kind, kind, {"cluster": self.lab.cluster, "service": name,
                                                "taskDefinition": definition})
                if answer:
                    self.services[name] = definition
                    self.attempted_updates[name] = set()
            elif kind == "RunTask":
                if not self.revisions:
                    continue
                answer = self.call(kind, kind, {"cluster": self.lab.cluster,
                                                "taskDefinition": f"{self.family}:{self.revisions[-1]}"})
                for task in (answer or {}).get("tasks", []):
                    self.tasks[task["taskArn"]] = "RUNNING"
            else:
                running = [arn for arn, desired in self.tasks.items() if desired == "RUNNING"]
                if not running:
                    continue
                arn = self.random.choice(running)
                if self.call(kind, kind, {"cluster": self.lab.cluster, "task": arn, "reason": "fault suite"}):
                    self.tasks[arn] = "STOPPED"

    def verify(self, lab):
        """What was acknowledged and is missing or different now."""
        lost = []
        for revision in self.revisions:
            try:
                lab.call("DescribeTaskDefinition", {"taskDefinition": f"{self.family}:{revision}"})
            except RuntimeError as error:
                lost.append(f"task definition {self.family}:{revision}: {error}")
        for name, versions in self.parameters.items():
            # Parameter Store keeps a parameter's last 100 versions, as SSM does: older ones go.
            latest = lab.call("GetParameter", {"Name": name}, target="AmazonSSM")["Parameter"]["Version"]
            if latest < max(version for version, _ in versions):
                lost.append(f"parameter {name} is at version {latest}, acknowledged {max(versions)[0]}")
            for version, value in versions:
                if version <= latest - 100:
                    continue
                try:
                    got = lab.call("GetParameter", {"Name": f"{name}:{version}"}, target="AmazonSSM")["Parameter"]
                    if got["Value"] != value:
                        lost.append(f"parameter {name}:{version} is {got['Value']!r}, acknowledged {value!r}")
                except RuntimeError as error:
                    lost.append(f"parameter {name}:{version}: {error}")
        names = sorted(self.services)
        for start in range(0, len(names), 10):
            described = lab.call("DescribeServices", {"cluster": lab.cluster, "services": names[start:start + 10]})
            found = {s["serviceName"]: s for s in described["services"]}
            for name in names[start:start + 10]:
                service = found.get(name)
                allowed = {self.services[name]} | self.attempted_updates.get(name, set())
                if service is None or service["status"] != "ACTIVE":
                    lost.append(f"service {name}: {described.get('failures')}")
                elif service["taskDefinition"].split("/")[-1] not in allowed:
                    lost.append(f"service {name} runs {service['taskDefinition']}, acknowledged {self.services[name]}")
        arns = sorted(self.tasks)
        for start in range(0, len(arns), 100):
            described = lab.call("DescribeTasks", {"cluster": lab.cluster, "tasks": arns[start:start + 100]})
            found = {t["taskArn"]: t for t in described["tasks"]}
            for arn in arns[start:start + 100]:
                task = found.get(arn)
                if task is None:
                    lost.append(f"task {arn}: {described.get('failures')}")
                elif self.tasks[arn] == "STOPPED" and task["desiredStatus"] != "STOPPED":
                    lost.append(f"task {arn} was stopped (acknowledged) but is desired {task['desiredStatus']}")
        return lost


def main():
    parser = arguments(__doc__)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    began = time.monotonic()
    with Lab(args.bin_dir, "wharf-fault-kill-", controller_args=["--agent-long-poll", "5"]) as lab:
        lab.register_sleeper("steady")
        lab.call("CreateService", {"cluster": lab.cluster, "serviceName": "steady", "taskDefinition": "steady",
                                   "desiredCount": 2})
        wait_for("the steady service's 2 containers", lambda: len(lab.containers(running_only=True)) == 2, 60,
                 lab.processes)
        steady = {c["id"]: c["started"] for c in lab.containers(running_only=True)}
        stop_event = threading.Event()
        writers = [Writer(lab, i, stop_event, args.seed * 100 + i) for i in range(args.writers)]
        for writer in writers:
            writer.start()
        restarts, failed_restarts = [], 0
        for kill in range(args.kills):
            time.sleep(chance.uniform(0.2, 1.5))
            lab.kill_controller()
            try:
                restarts.append(lab.start_controller(timeout=30))
            except RuntimeError as error:
                failed_restarts += 1
                print(f"  kill {kill + 1}: the controller did not come back: {error}", file=sys.stderr)
                restarts.append(lab.start_controller(timeout=60))
            if (kill + 1) % 10 == 0 or kill + 1 == args.kills:
                acknowledged = sum(sum(w.counts.values()) for w in writers)
                print(f"  {kill + 1} kills, {acknowledged} writes acknowledged", flush=True)
        time.sleep(1)
        stop_event.set()
        for writer in writers:
            writer.join(30)
        lost = [problem for writer in writers for problem in writer.verify(lab)]
        wait_for("the agent connected", lambda: all(i["agentConnected"] for i in lab.instances()), 60, lab.processes)
        # The service settles at its two tasks again; they must be the ones it started with.
        wait_for("the steady service at 2 running",
                 lambda: len([t for t in lab.tasks(service="steady") if t["lastStatus"] == "RUNNING"]) == 2, 60,
                 lab.processes)
        now_running = {c["id"]: c["started"] for c in lab.containers(running_only=True)
                       if c["task"] in {t["taskArn"] for t in lab.tasks(service="steady")}}
        steady_disturbed = sum(1 for cid, started in steady.items() if now_running.get(cid) != started)
        counts = {}
        for writer in writers:
            for kind, count in writer.counts.items():
                counts[kind] = counts.get(kind, 0) + count
    acknowledged = sum(counts.values())
    summary = {
        "kills": args.kills, "writers": args.writers, "acknowledged": counts, "acknowledged_total": acknowledged,
        "lost": len(lost), "failed_restarts": failed_restarts, "steady_containers_disturbed": steady_disturbed,
        "restart_to_healthz_ms": {"median": round(statistics.median(restarts) * 1000, 1),
                                  "p90": round(percentile(restarts, 0.9) * 1000, 1),
                                  "max": round(max(restarts) * 1000, 1)},
        "seconds": round(time.monotonic() - began, 1),
    }
    print(json.dumps(summary, indent=2))
    for problem in lost[:20]:
        print(f"LOST: {problem}", file=sys.stderr)
    met = not lost and failed_restarts == 0 and steady_disturbed == 0 and acknowledged > 0
    print(f"goals (0 lost, 0 failed restarts, 0 steady containers disturbed): {'met' if met else 'MISSED'}")
    if args.json:
        write_record(args.json, "fault-controller-kill", args.bin_dir, {"kills": args.kills, "writers": args.writers,
                                                                         "seed": args.seed}, summary)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
