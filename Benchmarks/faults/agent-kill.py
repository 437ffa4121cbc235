#!/usr/bin/env python3
"""Agent SIGKILL at random moments during task churn (issue 18).

    python3 Benchmarks/faults/agent-kill.py [--bin-dir .build-release/release] [--kills 50]
        [--json docs/benchmarks.json]

Starts a wharf-controller and one wharf-agent on the local Docker engine with two services: `keep`
(3 long-running tasks, never changed: its containers must live through everything) and `churn`,
whose desired count a client moves between 0 and 5, while another runs short tasks (RunTask of a
container that exits after 1 s) and stops long ones (StopTask). Meanwhile the agent is killed with
SIGKILL `--kills` times, each at a random moment 0.3 to 2 s after it registered again, and started
again at once on the same data directory.

When the churn stops and the cluster settles, the engine is read by the containers' labels:

  duplicates    more than one container for the same task and container name (goal 0);
  orphans       containers still running whose task the controller does not want RUNNING (goal 0);
  wanted lost   `keep` containers that are not the ones it started with, and tasks that stopped for
                a reason other than their own exit, StopTask or a scale-in (goal 0).

Exits 1 when a goal is missed. Needs Docker and wharf-test/busybox:latest (.ci/setup.sh).
"""
import json, os, random, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nodes import IMAGE, Lab, arguments  # noqa: E402
from wharf_bench import wait_for, write_record  # noqa: E402

# Why a task may stop without anyone having lost it.
EXPECTED_STOPS = ("Essential container in task exited", "fault suite", "Scaling activity initiated")


def churn(lab, stop_event, seed):
    chance = random.Random(seed)
    started = []
    while not stop_event.is_set():
        try:
            move = chance.random()
            if move < 0.4:
                lab.call("UpdateService", {"cluster": lab.cluster, "service": "churn",
                                           "desiredCount": chance.randrange(6)}, timeout=10)
            elif move < 0.7:
                definition = chance.choice(["blip", "long"])
                answer = lab.call("RunTask", {"cluster": lab.cluster, "taskDefinition": definition}, timeout=10)
                started += [t["taskArn"] for t in answer.get("tasks", [])]
            elif started:
                lab.call("StopTask", {"cluster": lab.cluster, "task": started.pop(chance.randrange(len(started))),
                                      "reason": "fault suite"}, timeout=10)
        except (RuntimeError, OSError):
            pass
        time.sleep(chance.uniform(0.1, 0.4))


def main():
    parser = arguments(__doc__)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    chance = random.Random(args.seed)
    began = time.monotonic()
    with Lab(args.bin_dir, "wharf-fault-agent-", controller_args=["--agent-long-poll", "5"],
             agent_args=["--task-cleanup-wait", "5"]) as lab:
        lab.register_sleeper("long")
        lab.register_sleeper("keep")
        lab.call("RegisterTaskDefinition", {"family": "blip", "containerDefinitions": [{
            "name": "app", "image": IMAGE, "command": ["sleep", "1"], "memory": 8, "stopTimeout": 1}]})
        for name, count in (("keep", 3), ("churn", 2)):
            lab.call("CreateService", {"cluster": lab.cluster, "serviceName": name, "desiredCount": count,
                                       "taskDefinition": "keep" if name == "keep" else "long"})
        wait_for("5 running containers", lambda: len(lab.containers(running_only=True)) == 5, 60, lab.processes)
        keep_tasks = {t["taskArn"] for t in lab.tasks(service="keep")}
        keep = {c["id"]: c["started"] for c in lab.containers(running_only=True) if c["task"] in keep_tasks}
        stop_event = threading.Event()
        client = threading.Thread(target=churn, args=(lab, stop_event, args.seed), daemon=True)
        client.start()
        for kill in range(args.kills):
            time.sleep(chance.uniform(0.3, 2.0))
            lab.kill_agent("node-1")
            lab.start_agent("node-1")
            if (kill + 1) % 10 == 0 or kill + 1 == args.kills:
                print(f"  {kill + 1} kills", flush=True)
        stop_event.set()
        client.join(30)
        lab.call("UpdateService", {"cluster": lab.cluster, "service": "churn", "desiredCount": 2})

        def settled():
            wanted = lab.tasks()
            if any(t["lastStatus"] != "RUNNING" for t in wanted):
                return False
            running = lab.containers(running_only=True)
            return {c["task"] for c in running} == {t["taskArn"] for t in wanted} and len(running) == len(wanted)
        try:
            wait_for("the cluster to settle", settled, 120, lab.processes, interval=1)
        except RuntimeError as error:
            print(f"  {error}", file=sys.stderr)
        wanted = {t["taskArn"] for t in lab.tasks()}
        everything = lab.containers()
        seen = {}
        for container in everything:
            seen.setdefault((container["task"], container["name"]), []).append(container["id"])
        duplicates = {key: ids for key, ids in seen.items() if len(ids) > 1}
        orphans = [c for c in everything if c["running"] and c["task"] not in wanted]
        now_running = {c["id"]: c["started"] for c in everything if c["running"]}
        keep_lost = [cid for cid, started in keep.items() if now_running.get(cid) != started]
        stopped = lab.tasks(desired="STOPPED")
        unexpected = [t for t in stopped
                      if not any(reason in (t.get("stoppedReason") or "") for reason in EXPECTED_STOPS)]
        summary = {"kills": args.kills, "tasks_started": len(stopped) + len(wanted),
                   "tasks_stopped": len(stopped), "duplicates": len(duplicates), "orphans": len(orphans),
                   "keep_containers_lost": len(keep_lost), "unexpected_stops": len(unexpected),
                   "seconds": round(time.monotonic() - began, 1)}
    print(json.dumps(summary, indent=2))
    for key, ids in list(duplicates.items())[:10]:
        print(f"DUPLICATE: {key}: {ids}", file=sys.stderr)
    for container in orphans[:10]:
        print(f"ORPHAN: {container}", file=sys.stderr)
    for task in unexpected[:10]:
        print(f"STOPPED: {task['taskArn']}: {task.get('stopCode')}: {task.get('stoppedReason')}", file=sys.stderr)
    met = not duplicates and not orphans and not keep_lost and not unexpected
    print(f"goals (0 duplicates, 0 orphans, 0 wanted containers stopped): {'met' if met else 'MISSED'}")
    if args.json:
        write_record(args.json, "fault-agent-kill", args.bin_dir, {"kills": args.kills, "seed": args.seed}, summary)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
