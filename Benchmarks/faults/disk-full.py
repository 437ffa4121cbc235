#!/usr/bin/env python3
"""The controller's data directory full, then read-only (issue 18).

    python3 Benchmarks/faults/disk-full.py [--bin-dir .build-release/release] [--writes 200]
        [--json docs/benchmarks.json]

Runs as root: the controller's data directory is an ext4 file system of its own (64 MiB in a
file, mounted errors=remount-ro) beside one agent on the local Docker engine. The cluster is given
a service of one task, task definitions, parameters, a secret and log events; then:

  full       the file system is filled to the last byte; `--writes` writes of each kind are sent
             (RegisterTaskDefinition, PutParameter, CreateCluster, CreateSecret, PutLogEvents),
             and reads; then the filler is deleted and writes must succeed again without a restart;
  read-only  the file system fails as a dying disk does (ext4's trigger_fs_error: it turns
             read-only under the running controller); the same writes and reads; then the
             operator's repair: the controller stopped, the file system checked and mounted
             again, the controller started, and writes must succeed.

While the disk is full or read-only every write must be refused with a clear error (HTTP 500
ServerException that says the change was not stored; never a hang or a crash) or, when SQLite
still had room in pages it owns, succeed and be kept; reads must keep working; the running task
must keep running. At the end the controller is restarted: everything stored before, and every
write acknowledged meanwhile, must be there, and every refused one absent; SQLite's
integrity_check must pass on every database. Exits 1 when a goal is missed.
"""
import glob, json, os, sqlite3, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nodes import Lab, arguments  # noqa: E402
from wharf_bench import stop, wait_for, write_record  # noqa: E402

SSM, SECRETS, LOGS = "AmazonSSM", "secretsmanager", "Logs_20140328"


def attempt(lab, operation, body, target="AmazonEC2ContainerServiceV20141113"):
    """(outcome, detail): ok, refused (HTTP 4xx/5xx with the answer), or broken (no answer)."""
    try:
        return "ok", lab.call(operation, body, target=target, timeout=15)
    except RuntimeError as error:
        return "refused", str(error)
    except OSError as error:
        return "broken", repr(error)


def writes(lab, tag, count):
    """`count` writes of each kind; returns [(kind, name, outcome, detail)]."""
    done = []
    for i in range(count):
        name = f"{tag}-{i}"
        for kind, operation, body, target in (
            ("definition", "RegisterTaskDefinition", {"family": name, "containerDefinitions": [{
                "name": "app", "image": "wharf-test/busybox:latest", "memory": 8}]}, None),
            ("parameter", "PutParameter", {"Name": f"/disk/{name}", "Value": "x" * 100, "Type": "String"}, SSM),
            ("cluster", "CreateCluster", {"clusterName": name}, None),
            ("secret", "CreateSecret", {"Name": name, "SecretString": "s3cret"}, SECRETS),
            ("logs", "PutLogEvents", {"logGroupName": "disk", "logStreamName": "s", "logEvents": [
                {"timestamp": int(time.time() * 1000), "message": name}]}, LOGS),
        ):
            outcome, detail = attempt(lab, operation, body, target or "AmazonEC2ContainerServiceV20141113")
            done.append((kind, name, outcome, detail))
    return done


def exists(lab, kind, name):
    outcome, answer = {
        "definition": lambda: attempt(lab, "DescribeTaskDefinition", {"taskDefinition": name}),
        "parameter": lambda: attempt(lab, "GetParameter", {"Name": f"/disk/{name}"}, SSM),
        "cluster": lambda: attempt(lab, "DescribeClusters", {"clusters": [name]}),
        "secret": lambda: attempt(lab, "DescribeSecret", {"SecretId": name}, SECRETS),
        "logs": lambda: attempt(lab, "FilterLogEvents", {"logGroupName": "disk", "filterPattern": f'"{name}"'},
                                LOGS),
    }[kind]()
    if outcome != "ok":
        return False
    if kind == "cluster":
        return any(c["status"] == "ACTIVE" for c in answer["clusters"])
    if kind == "logs":
        return any(e["message"] == name for e in answer["events"])
    return True


def reads_work(lab):
    return all(attempt(lab, op, body, target)[0] == "ok" for op, body, target in (
        ("ListClusters", {}, "AmazonEC2ContainerServiceV20141113"),
        ("DescribeServices", {"cluster": lab.cluster, "services": ["keep"]}, "AmazonEC2ContainerServiceV20141113"),
        ("GetParameter", {"Name": "/disk/before"}, SSM)))


def phase(lab, name, count, break_it, repair):
    result = {"phase": name}
    running = {c["id"] for c in lab.containers(running_only=True)}
    break_it()
    began = time.monotonic()
    done = writes(lab, name, count)
    result["seconds_for_writes"] = round(time.monotonic() - began, 1)
    result["outcomes"] = {o: sum(1 for d in done if d[2] == o) for o in ("ok", "refused", "broken")}
    refusals = [d[3] for d in done if d[2] == "refused"]
    result["server_errors"] = sum(1 for r in refusals if "HTTP 5" in r)
    result["unclear_refusals"] = [r for r in refusals if not any(
        reason in r for reason in ("disk is full", "readonly", "read-only", "disk I"))][:5]
    result["example_refusal"] = refusals[0][:300] if refusals else None
    result["reads_worked"] = reads_work(lab)
    result["controller_alive"] = lab.controller.poll() is None
    result["task_kept_running"] = running <= {c["id"] for c in lab.containers(running_only=True)}
    began = time.monotonic()
    repair()
    wait_for("writes to work again", lambda: attempt(lab, "CreateCluster", {"clusterName": f"{name}-again"})[0]
             == "ok", 60, lab.processes, interval=0.2)
    result["seconds_to_recover"] = round(time.monotonic() - began, 2)
    return result, done


def main():
    parser = arguments(__doc__)
    parser.add_argument("--writes", type=int, default=200)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("disk-full.py mounts an ext4 file system of its own for the controller's data directory: run it as root")
    with Lab(args.bin_dir, "wharf-fault-disk-", controller_disk_mib=64,
             controller_args=["--agent-long-poll", "5"]) as lab:
        lab.register_sleeper("keep")
        lab.call("CreateService", {"cluster": lab.cluster, "serviceName": "keep", "taskDefinition": "keep",
                                   "desiredCount": 1})
        lab.call("PutParameter", {"Name": "/disk/before", "Value": "kept", "Type": "String"}, target=SSM)
        lab.call("CreateLogGroup", {"logGroupName": "disk"}, target=LOGS)
        lab.call("CreateLogStream", {"logGroupName": "disk", "logStreamName": "s"}, target=LOGS)
        before = writes(lab, "before", 3)
        assert all(d[2] == "ok" for d in before), before
        wait_for("the task running", lambda: len(lab.containers(running_only=True)) == 1, 60, lab.processes)
        filler = os.path.join(lab.controller_dir, "filler")

        def fill():
            subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True)
            subprocess.run(["sync"])

        def unfill():
            os.remove(filler)

        def read_write():
            # An emergency read-only ext4 stays so until unmounted: the operator stops the
            # controller, checks the file system and starts it again.
            stop(lab.controller)
            lab.unmount_disk()
            lab.check_disk()
            lab.mount_disk()
            lab.start_controller()

        full, full_done = phase(lab, "full", args.writes, fill, unfill)
        print(f"  {json.dumps(full)}", flush=True)
        ro, ro_done = phase(lab, "readonly", args.writes, lab.fail_disk, read_write)
        print(f"  {json.dumps(ro)}", flush=True)

        stop(lab.controller)
        integrity = {}
        for path in sorted(glob.glob(os.path.join(lab.controller_dir, "*.db"))):
            db = sqlite3.connect(path)
            integrity[os.path.basename(path)] = db.execute("PRAGMA integrity_check").fetchone()[0]
            db.close()
        lab.start_controller()
        missing = [(k, n) for k, n, o, _ in before + full_done + ro_done if o == "ok" and not exists(lab, k, n)]
        appeared = [(k, n) for k, n, o, _ in full_done + ro_done if o == "refused" and exists(lab, k, n)]
        kept = attempt(lab, "GetParameter", {"Name": "/disk/before"}, SSM)[0] == "ok"
    summary = {"writes_per_kind": args.writes, "phases": [full, ro], "integrity": integrity,
               "acknowledged_missing": len(missing), "refused_but_present": len(appeared), "before_kept": kept}
    print(json.dumps(summary, indent=2))
    for item in (missing + appeared)[:10]:
        print(f"WRONG: {item}", file=sys.stderr)
    met = (not missing and not appeared and kept and all(v == "ok" for v in integrity.values())
           and all(p["controller_alive"] and p["reads_worked"] and p["task_kept_running"]
                   and not p["unclear_refusals"] and p["outcomes"]["broken"] == 0 for p in (full, ro)))
    print(f"goals (clear refusals, reads and tasks unaffected, nothing damaged, writes resume): "
          f"{'met' if met else 'MISSED'}")
    if args.json:
        write_record(args.json, "fault-disk-full", args.bin_dir, {"writes": args.writes}, summary)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
