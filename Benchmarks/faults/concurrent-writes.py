#!/usr/bin/env python3
"""Concurrent valid writes: many clients at once across the APIs, 0 5xx, every acknowledged write
readable afterwards.

    python3 Benchmarks/faults/concurrent-writes.py [--bin-dir .build-release/release] [--clients 16]
        [--rounds 20] [--json docs/benchmarks.json]

Starts a wharf-controller in a temporary directory. --clients threads, each with
boto3 clients of its own (no retries, so every answer counts), make --rounds rounds of valid calls
that overlap on purpose: ECS (CreateCluster, RegisterTaskDefinition, CreateService, UpdateService,
DeleteService), SSM (PutParameter with Overwrite, GetParameter), Secrets Manager (CreateSecret,
PutSecretValue), CloudWatch Logs (CreateLogGroup, CreateLogStream, PutLogEvents), CloudWatch
(PutMetricData, PutMetricAlarm, DescribeAlarmHistory), Cloud Map (CreateHttpNamespace), Elastic
Load Balancing (CreateTargetGroup) and Application Auto Scaling (DescribeScalingActivities). Several
clients share cluster, family, parameter, log group and alarm names, so their writes meet on the
same records; the refusals that sharing brings (CreateLogGroup of a group that exists) are counted
apart.

Afterwards every acknowledged write must be readable: each task definition revision, secret value,
log event, metric sample (SampleCount per metric), alarm, namespace and target group; each
parameter holds a value some client wrote; no service the clients deleted is left ACTIVE. Prints the
answers by operation and status; exits 1 on any 5xx, any answer that is no HTTP answer, any other
refusal, or any acknowledged write missing. Needs boto3.
"""
import argparse, collections, datetime, os, shutil, socket, subprocess, sys, tempfile, threading, time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from wharf_bench import ACCESS_KEY, stop, wait_for, write_record  # noqa: E402

# Refusals that clients sharing names bring on themselves, as AWS gives them.
EXPECTED = {("CreateLogGroup", "ResourceAlreadyExistsException")}


class Controller:
    """A wharf-controller in a temporary directory; on exit, even on failure, it is stopped (its
    log's last lines printed when something failed) and the directory deleted."""

    def __init__(self, bin_dir):
        self.bin_dir, self.work, self.process = bin_dir, tempfile.mkdtemp(prefix="wharf-fault-concurrent-"), None

    def __enter__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = open(os.path.join(self.work, "controller.log"), "w")
        environment = dict(os.environ, WHARF_ADMIN_ACCESS_KEY_ID=ACCESS_KEY[0], WHARF_ADMIN_SECRET_ACCESS_KEY=ACCESS_KEY[1])
        self.process = subprocess.Popen(
            [os.path.join(self.bin_dir, "wharf-controller"), "--listen", f"127.0.0.1:{self.port}", "--data-dir",
             os.path.join(self.work, "data")],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
        wait_for("the controller's /healthz", lambda: urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/healthz", timeout=2).status == 200, 30, {"controller": self.process})
        return self

    def __exit__(self, kind, value, traceback):
        stop(self.process)
        self.log.close()
        if kind is not None:
            print("".join(open(os.path.join(self.work, "controller.log")).readlines()[-15:]), file=sys.stderr)
        shutil.rmtree(self.work, ignore_errors=True)
        return False


class Ledger:
    """What every client was told, under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers = collections.Counter()
        self.examples = {}
        self.revisions, self.secrets, self.events, self.alarms = [], {}, [], set()
        self.metrics = collections.Counter()
        self.parameters = collections.defaultdict(set)
        self.namespaces, self.target_groups, self.deleted_services = [], [], []

    def answer(self, operation, outcome, detail=""):
        with self.lock:
            self.answers[(operation, outcome)] += 1
            if outcome != "ok":
                self.examples.setdefault((operation, outcome), detail[:300])


def clients(port):
    config = Config(retries={"total_max_attempts": 1}, read_timeout=60)
    made = {}
    for service in ("ecs", "ssm", "secretsmanager", "logs", "cloudwatch", "servicediscovery", "elbv2",
                    "application-autoscaling"):
        made[service] = boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                                     aws_access_key_id=ACCESS_KEY[0], aws_secret_access_key=ACCESS_KEY[1],
                                     config=config)
    return made


def client_rounds(port, number, rounds, ledger, start):
    c = clients(port)
    start.wait()

    def attempt(operation, run):
        try:
            result = run()
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            ledger.answer(operation, f"{status} {error.response['Error']['Code']}", str(error))
            return None
        except Exception as error:  # noqa: BLE001 - no HTTP answer at all is what this counts
            ledger.answer(operation, f"no answer {type(error).__name__}", str(error))
            return None
        ledger.answer(operation, "ok")
        return result

    for index in range(rounds):
        tag = f"{number}-{index}"
        cluster, family = f"cw-{number % 4}", f"cw-{number % 3}"
        attempt("CreateCluster", lambda: c["ecs"].create_cluster(clusterName=cluster))
        registered = attempt("RegisterTaskDefinition", lambda: c["ecs"].register_task_definition(
            family=family, containerDefinitions=[{"name": "app", "image": "busybox", "memory": 16}]))
        if registered:
            with ledger.lock:
                ledger.revisions.append(registered["taskDefinition"]["taskDefinitionArn"])
            service = f"s-{tag}"
            if attempt("CreateService", lambda: c["ecs"].create_service(
                    cluster=cluster, serviceName=service, taskDefinition=family, desiredCount=0)):
                attempt("UpdateService", lambda: c["ecs"].update_service(cluster=cluster, service=service,
                                                                          desiredCount=0))
                if attempt("DeleteService", lambda: c["ecs"].delete_service(cluster=cluster, service=service)):
                    with ledger.lock:
                        ledger.deleted_services.append((cluster, service))
        parameter = f"/cw/{number % 5}"
        if attempt("PutParameter", lambda: c["ssm"].put_parameter(Name=parameter, Value=tag, Type="String",
                                                                  Overwrite=True)):
            with ledger.lock:
                ledger.parameters[parameter].add(tag)
        attempt("GetParameter", lambda: c["ssm"].get_parameter(Name=parameter))
        secret = f"cw-{tag}"
        if attempt("CreateSecret", lambda: c["secretsmanager"].create_secret(Name=secret, SecretString=tag)):
            if attempt("PutSecretValue", lambda: c["secretsmanager"].put_secret_value(SecretId=secret,
                                                                                      SecretString=tag + "+")):
                with ledger.lock:
                    ledger.secrets[secret] = tag + "+"
        group = f"cw-{number % 3}"
        attempt("CreateLogGroup", lambda: c["logs"].create_log_group(logGroupName=group))
        if attempt("CreateLogStream", lambda: c["logs"].create_log_stream(logGroupName=group, logStreamName=tag)):
            when = int(time.time() * 1000)
            if attempt("PutLogEvents", lambda: c["logs"].put_log_events(
                    logGroupName=group, logStreamName=tag, logEvents=[{"timestamp": when, "message": tag}])):
                with ledger.lock:
                    ledger.events.append((group, tag))
        metric = f"m-{number % 6}"
        if attempt("PutMetricData", lambda: c["cloudwatch"].put_metric_data(
                Namespace="Fault/concurrent", MetricData=[{"MetricName": metric, "Value": 1.0}])):
            with ledger.lock:
                ledger.metrics[metric] += 1
        alarm = f"cw-{number % 4}"
        if attempt("PutMetricAlarm", lambda: c["cloudwatch"].put_metric_alarm(
                AlarmName=alarm, Namespace="Fault/concurrent", MetricName=metric, Statistic="Sum", Period=60,
                EvaluationPeriods=1, Threshold=1e9, ComparisonOperator="GreaterThanThreshold")):
            with ledger.lock:
                ledger.alarms.add(alarm)
        attempt("DescribeAlarmHistory", lambda: c["cloudwatch"].describe_alarm_history(MaxRecords=10))
        if index < 2:
            made = attempt("CreateHttpNamespace", lambda: c["servicediscovery"].create_http_namespace(
                Name=f"cw-{tag}"))
            if made:
                with ledger.lock:
                    ledger.namespaces.append(f"cw-{tag}")
        made = attempt("CreateTargetGroup", lambda: c["elbv2"].create_target_group(
            Name=f"cw-{tag}", Protocol="HTTP", Port=80, VpcId="vpc-wharf", TargetType="ip"))
        if made:
            with ledger.lock:
                ledger.target_groups.append(made["TargetGroups"][0]["TargetGroupArn"])
        attempt("DescribeScalingActivities", lambda: c["application-autoscaling"].describe_scaling_activities(
            ServiceNamespace="ecs"))


def missing_writes(port, ledger):
    """Every acknowledged write that cannot be read back, described."""
    c, missing = clients(port), []
    for arn in ledger.revisions:
        try:
            c["ecs"].describe_task_definition(taskDefinition=arn)
        except ClientError as error:
            missing.append(f"task definition {arn}: {error}")
    for secret, value in ledger.secrets.items():
        got = c["secretsmanager"].get_secret_value(SecretId=secret)["SecretString"]
        if got != value:
            missing.append(f"secret {secret}: {got!r}, not {value!r}")
    for group, stream in ledger.events:
        events = c["logs"].get_log_events(logGroupName=group, logStreamName=stream)["events"]
        if [e["message"] for e in events] != [stream]:
            missing.append(f"log event {group}/{stream}: {events}")
    now = datetime.datetime.now(datetime.timezone.utc)
    for metric, count in ledger.metrics.items():
        points = c["cloudwatch"].get_metric_statistics(
            Namespace="Fault/concurrent", MetricName=metric, StartTime=now - datetime.timedelta(hours=1),
            EndTime=now + datetime.timedelta(minutes=5), Period=3600, Statistics=["SampleCount"])["Datapoints"]
        stored = sum(p["SampleCount"] for p in points)
        if stored != count:
            missing.append(f"metric {metric}: {stored} samples stored, {count} acknowledged")
    alarms = {a["AlarmName"] for a in c["cloudwatch"].describe_alarms(AlarmNamePrefix="cw-")["MetricAlarms"]}
    missing += [f"alarm {name}" for name in sorted(ledger.alarms - alarms)]
    namespaces = set()
    for page in c["servicediscovery"].get_paginator("list_namespaces").paginate():
        namespaces |= {n["Name"] for n in page["Namespaces"]}
    missing += [f"namespace {name}" for name in ledger.namespaces if name not in namespaces]
    for start in range(0, len(ledger.target_groups), 20):
        arns = ledger.target_groups[start:start + 20]
        try:
            found = c["elbv2"].describe_target_groups(TargetGroupArns=arns)["TargetGroups"]
        except ClientError as error:
            missing.append(f"target groups {arns}: {error}")
            continue
        missing += [f"target group {arn}" for arn in set(arns) - {g["TargetGroupArn"] for g in found}]
    for parameter, values in ledger.parameters.items():
        got = c["ssm"].get_parameter(Name=parameter)["Parameter"]["Value"]
        if got not in values:
            missing.append(f"parameter {parameter}: {got!r}, which no client wrote")
    for cluster, service in ledger.deleted_services:
        described = c["ecs"].describe_services(cluster=cluster, services=[service])["services"]
        if described and described[0]["status"] == "ACTIVE":
            missing.append(f"service {cluster}/{service} ACTIVE after its deletion was acknowledged")
    return missing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", default=".build-release/release")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json")
    parser.add_argument("--record", default="fault-concurrent-writes")
    args = parser.parse_args()
    ledger = Ledger()
    with Controller(args.bin_dir) as cluster:
        start = threading.Barrier(args.clients)
        threads = [threading.Thread(target=client_rounds, args=(cluster.port, number, args.rounds, ledger, start))
                   for number in range(args.clients)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - began
        missing = missing_writes(cluster.port, ledger)
        alive = cluster.process.poll() is None
    calls = sum(ledger.answers.values())
    five_xx = sum(n for (_, outcome), n in ledger.answers.items() if outcome[:1] == "5")
    no_answer = sum(n for (_, outcome), n in ledger.answers.items() if outcome.startswith("no answer"))
    unexpected = sum(n for (operation, outcome), n in ledger.answers.items()
                     if outcome != "ok" and outcome[:1] == "4" and (operation, outcome.split(" ", 1)[1]) not in EXPECTED)
    for (operation, outcome), count in sorted(ledger.answers.items()):
        print(f"{operation:28} {outcome:45} {count}")
    for key, detail in sorted(ledger.examples.items()):
        if key[1] != "ok" and (key[0], key[1].split(" ", 1)[-1]) not in EXPECTED:
            print(f"example {key[0]} {key[1]}: {detail}", file=sys.stderr)
    for line in missing[:20]:
        print(f"missing: {line}", file=sys.stderr)
    results = {"calls": calls, "seconds": round(seconds, 1), "five_xx": five_xx, "no_answer": no_answer,
               "unexpected_refusals": unexpected, "acknowledged_missing": len(missing), "controller_alive": alive}
    print(results)
    if args.json:
        write_record(args.json, args.record, args.bin_dir, {"clients": args.clients, "rounds": args.rounds}, results)
    passed = five_xx == 0 and no_answer == 0 and unexpected == 0 and not missing and alive
    print("result:", "passed" if passed else "FAILED")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
