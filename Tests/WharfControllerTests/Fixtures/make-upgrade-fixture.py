#!/usr/bin/env python3
"""Makes the upgrade fixture: a controller data directory written by an earlier release, and what
that release answered about it.

    python3 Tests/WharfControllerTests/Fixtures/make-upgrade-fixture.py --bin-dir BIN --out DIR

BIN holds `wharf-controller` and `wharf-sim` of the release whose data directory is to be kept
(schema version 5 was made with commit 9720ae6). The script starts that controller on a fresh data
directory with three simulated nodes, drives every kind of record into it through the public APIs
(clusters, settings, tags, task definition revisions in every status, activations, an access key,
attributes, tasks running and stopped, services with deployments, one deleted), stops both
processes gracefully, and writes to DIR:

- `wharf.db` and `secrets.key`, the data directory as that release left it;
- `answers.json`, that release's answers to the read operations listed in READS, which the upgrade
  test asks again of today's controller over the migrated directory.
"""
import argparse, json, os, shutil, signal, socket, subprocess, sys, tempfile, time
import urllib.error, urllib.request

ACCESS_KEY = ("AKWHFIXTURE000000001", "fixture-secret-0123456789abcdefghijkl")
TARGETS = {"ecs": ("AmazonEC2ContainerServiceV20141113", "ecs"), "ssm": ("AmazonSSM", "ssm"), "admin": ("WharfAdmin", "wharf")}


def call(port, operation, body, service="ecs"):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    target, signing = TARGETS[service]
    url, data = f"http://127.0.0.1:{port}/", json.dumps(body).encode()
    signed = AWSRequest(method="POST", url=url, data=data, headers={
        "X-Amz-Target": f"{target}.{operation}", "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(*ACCESS_KEY), signing, "us-east-1").add_auth(signed)
    request = urllib.request.Request(url, data=data, headers=dict(signed.headers.items()))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{operation}: HTTP {error.code} {error.read().decode(errors='replace')}") from None


def wait(what, check, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except RuntimeError:
            pass  # e.g. cluster default, which the first node's registration creates
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {what}")


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(60)


def drive(port, sim_start):
    """Creates one of everything; returns the references the reads below need."""
    call(port, "PutAccountSettingDefault", {"name": "awsvpcTrunking", "value": "enabled"})
    call(port, "PutAccountSetting", {"name": "containerInsights", "value": "enhanced"})
    call(port, "CreateCluster", {"clusterName": "prod", "tags": [{"key": "env", "value": "prod"}],
                                 "settings": [{"name": "containerInsights", "value": "enabled"}],
                                 "configuration": {"executeCommandConfiguration": {"logging": "DEFAULT"}}})
    call(port, "CreateCluster", {"clusterName": "gone"})
    call(port, "DeleteCluster", {"cluster": "gone"})
    web = {"family": "web", "cpu": "256", "memory": "512", "networkMode": "bridge", "tags": [{"key": "team", "value": "web"}],
           "containerDefinitions": [{"name": "app", "image": "busybox", "essential": True, "command": ["sleep", "100000"],
                                     "portMappings": [{"containerPort": 80, "hostPort": 0}],
                                     "environment": [{"name": "MODE", "value": "fixture"}]},
                                    {"name": "sidecar", "image": "busybox", "essential": False, "memoryReservation": 16,
                                     "dependsOn": [{"containerName": "app", "condition": "START"}]}]}
    for _ in range(3):
        call(port, "RegisterTaskDefinition", web)
    call(port, "RegisterTaskDefinition", {"family": "job", "containerDefinitions": [
        {"name": "main", "image": "busybox", "memory": 32, "cpu": 10, "portMappings": [{"containerPort": 9000, "hostPort": 9000}],
         "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 5}}]})
    call(port, "RegisterTaskDefinition", {"family": "old", "containerDefinitions": [{"name": "x", "image": "busybox", "memory": 16}]})
    call(port, "DeregisterTaskDefinition", {"taskDefinition": "web:1"})
    call(port, "DeleteTaskDefinitions", {"taskDefinitions": ["web:1"]})
    call(port, "DeregisterTaskDefinition", {"taskDefinition": "old:1"})
    call(port, "TagResource", {"resourceArn": "arn:aws:ecs:us-east-1:000000000000:cluster/prod", "tags": [{"key": "owner", "value": "ops"}]})
    kept = call(port, "CreateActivation", {"IamRole": "ecsAnywhereRole", "Description": "kept", "RegistrationLimit": 5,
                                           "Tags": [{"Key": "site", "Value": "lab"}]}, service="ssm")
    dropped = call(port, "CreateActivation", {"IamRole": "ecsAnywhereRole", "Description": "dropped"}, service="ssm")
    call(port, "DeleteActivation", {"ActivationId": dropped["ActivationId"]}, service="ssm")
    call(port, "CreateAccessKey", {"Description": "fixture key"}, service="admin")

    sim_start()
    wait("three nodes", lambda: len(call(port, "ListContainerInstances", {})["containerInstanceArns"]) == 3)
    instances = sorted(call(port, "ListContainerInstances", {})["containerInstanceArns"])
    call(port, "PutAttributes", {"attributes": [{"name": "rack", "value": "r1", "targetId": instances[0]},
                                                {"name": "ssd", "targetId": instances[1]}]})
    run = call(port, "RunTask", {"taskDefinition": "web:2", "count": 3, "startedBy": "fixture", "group": "batch",
                                 "tags": [{"key": "run", "value": "1"}],
                                 "overrides": {"containerOverrides": [{"name": "app", "environment": [{"name": "X", "value": "1"}]}]}})
    started = call(port, "StartTask", {"taskDefinition": "job", "containerInstances": [instances[2]]})
    call(port, "StopTask", {"task": run["tasks"][0]["taskArn"], "reason": "fixture stop"})
    call(port, "CreateService", {"serviceName": "api", "taskDefinition": "web:2", "desiredCount": 2,
                                 "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                                             "maximumPercent": 200, "minimumHealthyPercent": 50},
                                 "tags": [{"key": "svc", "value": "api"}], "propagateTags": "SERVICE", "enableECSManagedTags": True})
    call(port, "CreateService", {"serviceName": "retired", "taskDefinition": "job", "desiredCount": 0, "launchType": "EXTERNAL"})
    call(port, "DeleteService", {"service": "retired"})

    def api_steady():
        service = call(port, "DescribeServices", {"services": ["api"]})["services"][0]
        return service["runningCount"] == 2 and len(service["deployments"]) == 1 and service["deployments"][0]["rolloutState"] == "COMPLETED"
    wait("api to settle", api_steady)
    call(port, "UpdateService", {"service": "api", "taskDefinition": "web:3"})
    wait("api to settle on web:3", lambda: api_steady() and call(port, "DescribeServices", {"services": ["api"]})
         ["services"][0]["taskDefinition"].endswith("web:3"))
    wait("retired to go INACTIVE", lambda: call(port, "DescribeServices", {"services": ["retired"]})["services"][0]["status"] == "INACTIVE")
    wait("the stopped task", lambda: call(port, "DescribeTasks", {"tasks": [run["tasks"][0]["taskArn"]]})["tasks"][0]["lastStatus"] == "STOPPED")
    wait("every other task RUNNING", lambda: all(
        t["lastStatus"] == "RUNNING" for t in call(port, "DescribeTasks", {"tasks": [x["taskArn"] for x in run["tasks"][1:]] +
                                                                                   [started["tasks"][0]["taskArn"]]})["tasks"]))
    call(port, "UpdateContainerInstancesState", {"containerInstances": [instances[1]], "status": "DRAINING"})
    time.sleep(3)  # the scheduler moves api's task off the draining node
    wait("api to settle after draining", api_steady)
    return {"instances": instances, "activation": kept["ActivationId"]}


def reads(port, refs):
    """The read operations whose answers the upgraded controller must repeat."""
    running = call(port, "ListTasks", {"maxResults": 100})["taskArns"]
    stopped = call(port, "ListTasks", {"desiredStatus": "STOPPED", "maxResults": 100})["taskArns"]
    services = call(port, "ListServices", {})["serviceArns"]
    deployments = call(port, "ListServiceDeployments", {"service": "api"})
    answers = [
        ("DescribeClusters", {"clusters": ["default", "prod", "gone"], "include": ["SETTINGS", "TAGS", "CONFIGURATIONS", "STATISTICS"]}),
        ("ListClusters", {}),
        ("ListAccountSettings", {"effectiveSettings": True}),
        ("ListAccountSettings", {}),
        ("DescribeTaskDefinition", {"taskDefinition": "web:2", "include": ["TAGS"]}),
        ("DescribeTaskDefinition", {"taskDefinition": "web"}),
        ("DescribeTaskDefinition", {"taskDefinition": "job"}),
        ("DescribeTaskDefinition", {"taskDefinition": "old:1"}),
        ("ListTaskDefinitions", {}),
        ("ListTaskDefinitions", {"status": "INACTIVE"}),
        ("ListTaskDefinitionFamilies", {"status": "ALL"}),
        ("ListTagsForResource", {"resourceArn": "arn:aws:ecs:us-east-1:000000000000:cluster/prod"}),
        ("ListTagsForResource", {"resourceArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2"}),
        ("ListContainerInstances", {}),
        ("DescribeContainerInstances", {"containerInstances": refs["instances"], "include": ["TAGS"]}),
        ("ListAttributes", {"targetType": "container-instance"}),
        ("ListTasks", {"maxResults": 100}),
        ("ListTasks", {"desiredStatus": "STOPPED", "maxResults": 100}),
        ("ListTasks", {"serviceName": "api"}),
        ("DescribeTasks", {"tasks": running + stopped, "include": ["TAGS"]}),
        ("ListServices", {}),
        ("DescribeServices", {"services": services + ["retired"], "include": ["TAGS"]}),
        ("ListServiceDeployments", {"service": "api"}),
        ("DescribeServiceDeployments", {"serviceDeploymentArns": [d["serviceDeploymentArn"] for d in deployments["serviceDeployments"]]}),
    ]
    recorded = [{"service": "ecs", "operation": op, "request": body, "answer": call(port, op, body)} for op, body in answers]
    recorded.append({"service": "ssm", "operation": "DescribeActivations", "request": {},
                     "answer": call(port, "DescribeActivations", {}, service="ssm")})
    recorded.append({"service": "admin", "operation": "ListAccessKeys", "request": {},
                     "answer": call(port, "ListAccessKeys", {}, service="admin")})
    return recorded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="wharf-fixture-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=ACCESS_KEY[0], WHARF_ADMIN_SECRET_ACCESS_KEY=ACCESS_KEY[1])
    data = os.path.join(work, "controller")
    controller = subprocess.Popen([os.path.join(args.bin_dir, "wharf-controller"), "--listen", f"127.0.0.1:{port}", "--data-dir", data,
                                   "--open-registration"], env=env, stdout=open(os.path.join(work, "controller.log"), "w"),
                                  stderr=subprocess.STDOUT, start_new_session=True)
    sim = []
    try:
        wait("the controller", lambda: _healthy(port))
        refs = drive(port, lambda: sim.append(subprocess.Popen(
            [os.path.join(args.bin_dir, "wharf-sim"), "--controller", f"http://127.0.0.1:{port}", "--agents", "3", "--ramp", "0",
             "--start-delay-ms", "50", "--data-dir", os.path.join(work, "fleet")],
            stdout=open(os.path.join(work, "sim.log"), "w"), stderr=subprocess.STDOUT, start_new_session=True)))
        recorded = reads(port, refs)
    except BaseException:
        print(open(os.path.join(work, "controller.log")).read()[-3000:], file=sys.stderr)
        raise
    finally:
        for process in sim:
            stop(process)
        stop(controller)
    os.makedirs(args.out, exist_ok=True)
    for name in ("wharf.db", "secrets.key"):
        shutil.copy(os.path.join(data, name), os.path.join(args.out, name))
    leftovers = [n for n in os.listdir(data) if n.startswith("wharf.db-") and os.path.getsize(os.path.join(data, n)) > 0]
    if leftovers:
        raise RuntimeError(f"the controller left {leftovers}: the database was not checkpointed")
    with open(os.path.join(args.out, "answers.json"), "w") as f:
        json.dump({"accessKey": ACCESS_KEY[0], "reads": recorded}, f, indent=1, sort_keys=True)
        f.write("\n")
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.out}: {len(recorded)} answers")


def _healthy(port):
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status == 200
    except OSError:
        return False


if __name__ == "__main__":
    main()
