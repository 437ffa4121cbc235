#!/usr/bin/env python3
"""A node's power cut, simulated by giving its agent back its files in an earlier or torn state
while its containers keep running (issue 18).

    python3 Benchmarks/faults/power-cut.py [--bin-dir .build-release/release] [--rounds 3]
        [--json docs/benchmarks.json]

Starts a wharf-controller and one wharf-agent on the local Docker engine and a service of one
long-running task; saves the agent's files; scales the service to 3 and waits. Then, `--rounds`
times, each of these cuts: the agent is killed with SIGKILL, its files are changed, and it starts
again on them:

  earlier         tasks.json as saved when the service had one task (a write lost in the cut)
  torn            tasks.json cut in half (a write half on disk)
  empty           tasks.json of zero bytes (what a rename without fsync leaves on ext4)
  lost            no tasks.json
  identity-lost   no identity.json nor tasks.json: the agent joins again with a fresh activation
                  made for its instance and --container-instance, as docs/reliability.md tells an
                  operator to

After each, the service must be back at 3 RUNNING tasks whose containers are the very ones that ran
before the cut (labels are the truth: nothing wanted stopped, nothing started twice), the node the
same container instance (no second one), and the agent connected. Figures per cut: containers
stopped or started again (goal 0), seconds from the agent's start until its own view (its
introspection endpoint) shows the same tasks RUNNING in the same containers.
Exits 1 when a goal is missed. Needs Docker and wharf-test/busybox:latest (.ci/setup.sh).
"""
import json, os, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nodes import Lab, arguments  # noqa: E402
from wharf_bench import wait_for, write_record  # noqa: E402

CUTS = ("earlier", "torn", "empty", "lost", "identity-lost")


def running_service(lab):
    return {t["taskArn"] for t in lab.tasks(service="keep") if t["lastStatus"] == "RUNNING"}


def main():
    parser = arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cuts", nargs="*", default=list(CUTS), choices=CUTS)
    args = parser.parse_args()
    results = []
    with Lab(args.bin_dir, "wharf-fault-power-", controller_args=["--agent-long-poll", "5"]) as lab:
        node = lab.agent_dir("node-1")
        lab.register_sleeper("keep")
        lab.call("CreateService", {"cluster": lab.cluster, "serviceName": "keep", "taskDefinition": "keep",
                                   "desiredCount": 1})
        wait_for("1 running task", lambda: len(running_service(lab)) == 1, 60, lab.processes)
        time.sleep(1)
        earlier = open(os.path.join(node, "tasks.json"), "rb").read()
        lab.call("UpdateService", {"cluster": lab.cluster, "service": "keep", "desiredCount": 3})
        wait_for("3 running tasks", lambda: len(running_service(lab)) == 3, 60, lab.processes)
        instance = lab.instances()[0]["containerInstanceArn"]
        for round_ in range(args.rounds):
            for cut in args.cuts:
                before = {c["id"]: c["started"] for c in lab.containers(running_only=True)}
                tasks_before = running_service(lab)
                lab.kill_agent("node-1")
                path = os.path.join(node, "tasks.json")
                saved = open(path, "rb").read() if os.path.exists(path) else b""
                extra, activation = [], None
                if cut == "earlier":
                    open(path, "wb").write(earlier)
                elif cut == "torn":
                    open(path, "wb").write(saved[:len(saved) // 2])
                elif cut == "empty":
                    open(path, "wb").close()
                elif cut == "lost":
                    os.remove(path)
                else:
                    os.remove(path)
                    os.remove(os.path.join(node, "identity.json"))
                    activation = lab.activate(instance=instance)
                    extra = ["--container-instance", instance]
                for name in os.listdir(node):
                    if ".damaged-" in name:  # what the last round set aside
                        os.remove(os.path.join(node, name))
                began = time.monotonic()
                lab.start_agent("node-1", extra=extra, activation=activation)
                ids = sorted(before)

                def steady():  # the agent's own view: the same tasks RUNNING in the same containers
                    view = lab.agent_tasks("node-1")
                    return (set(view) >= tasks_before and all(view[arn][0] == "RUNNING" for arn in tasks_before)
                            and sorted(i for arn in tasks_before for i in view[arn][1]) == ids)
                wait_for("the agent's view steady again", steady, 60, lab.processes, interval=0.05)
                seconds = time.monotonic() - began
                wait_for("the agent connected", lambda: all(i["agentConnected"] for i in lab.instances()), 60,
                         lab.processes)
                time.sleep(2)  # a wrongly stopped or started container shows by now
                after = {c["id"]: c["started"] for c in lab.containers(running_only=True)}
                instances = [i["containerInstanceArn"] for i in lab.instances() if i["status"] == "ACTIVE"]
                result = {"round": round_ + 1, "cut": cut,
                          "stopped": sum(1 for cid, started in before.items() if after.get(cid) != started),
                          "started": sum(1 for cid in after if cid not in before),
                          "same_instance": instances == [instance],
                          "service_tasks_replaced": len(tasks_before - running_service(lab)),
                          "seconds_to_steady": round(seconds, 2)}
                results.append(result)
                print(f"  {json.dumps(result)}", flush=True)
                if cut == "identity-lost":
                    # The next round's agent starts with no activation: its new identity is saved.
                    lab.activations["node-1"] = activation
    bad = [r for r in results if r["stopped"] or r["started"] or not r["same_instance"] or r["service_tasks_replaced"]]
    summary = {"rounds": args.rounds, "cuts": len(results), "failed": len(bad),
               "containers_stopped": sum(r["stopped"] for r in results),
               "containers_started": sum(r["started"] for r in results),
               "max_seconds_to_steady": max(r["seconds_to_steady"] for r in results)}
    print(json.dumps(summary, indent=2))
    met = not bad
    print(f"goals (nothing wanted stopped or started twice, same instance, every cut): {'met' if met else 'MISSED'}")
    if args.json:
        write_record(args.json, "fault-power-cut", args.bin_dir, {"rounds": args.rounds, "cuts": args.cuts},
                     {"summary": summary, "cuts": results})
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
