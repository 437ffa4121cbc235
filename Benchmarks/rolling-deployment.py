#!/usr/bin/env python3
"""A service behind a Wharf load balancer rolls to a new revision while clients send it a steady
stream of requests (issue 16): how many requests were sent and how many failed, and how long the
deployment took.

On a `wharf lab` of two nodes (node 1 serves the load balancers with HAProxy): an awsvpc service
of --tasks busybox httpd tasks behind an application load balancer, registered by ECS; --clients
threads each send GET / over a new connection at a time to the load balancer, from this machine;
the service is updated to a revision that answers differently; the run ends once the deployment is
COMPLETED and every answer comes from the new revision. A failure is a request without an HTTP
200 answer (refused, reset, timed out, or another status).

    python3 Benchmarks/rolling-deployment.py --tasks 4 --clients 4 --json docs/benchmarks.json

Uses `wharf` from --wharf (default .build-release/release/wharf, with wharf-controller and
wharf-agent beside it), Docker and the test image (.ci/setup.sh), HAProxy, the AWS CLI's boto3.
With --lab NAME --lab-dir DIR it uses that lab if it is up, and leaves it up."""
import argparse, http.client, json, os, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench  # noqa: E402

IMAGE = "wharf-test/busybox:latest"


def definition(version):
    page = f"mkdir -p /www && echo {version}-$(hostname) > /www/index.html && echo ok > /www/health && "
    return {
        "family": "rolling-web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": [{
            "name": "web", "image": IMAGE, "essential": True,
            "command": ["sh", "-c", page + "exec httpd -f -p 80 -h /www"],
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
        }],
    }


class Load:
    """Threads that each send GET / over a new connection until stopped, counting answers (and
    keeping each with the moment it came)."""

    def __init__(self, host, port, clients):
        self.host, self.port, self.clients = host, port, clients
        self.sent = self.failed = 0
        self.versions = {}
        self.answers = []
        self.errors = []
        self.lock = threading.Lock()
        self.running = True
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(clients)]

    def run(self):
        while self.running:
            version, error = None, None
            try:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
                connection.request("GET", "/")
                response = connection.getresponse()
                body = response.read().decode(errors="replace")
                connection.close()
                if response.status == 200:
                    version = body.split("-", 1)[0]
                else:
                    error = f"HTTP {response.status}: {body[:80]!r}"
            except (OSError, http.client.HTTPException) as failure:
                error = f"{type(failure).__name__}: {failure}"
            with self.lock:
                self.sent += 1
                if error:
                    self.failed += 1
                    if len(self.errors) < 10:
                        self.errors.append(error)
                else:
                    self.versions[version] = self.versions.get(version, 0) + 1
                    self.answers.append((time.monotonic(), version))
            time.sleep(0.01)

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join(10)


def lab_environment(wharf, name, directory):
    out = subprocess.run([wharf, "lab", "env", "--name", name, "--dir", directory], check=True, capture_output=True,
                         text=True).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        if line.startswith("export "):
            key, _, value = line[len("export "):].partition("=")
            env[key] = value.strip("'\"")
    return env


def wait(what, check, timeout, interval=1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - reported when the wait ends
            last = error
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last})" if last else ""))


def diagnose(directory):
    """What the load balancer node did, on stderr: its agent's log and HAProxy's view of the servers."""
    import socket
    log = os.path.join(directory, "node-1", "agent.log")
    if os.path.exists(log):
        print("---- node 1's agent log (last 40 lines)", file=sys.stderr)
        print("".join(open(log).readlines()[-40:]), file=sys.stderr)
    path = os.path.join(directory, "node-1", "agent", "haproxy", "haproxy.sock")
    try:
        client = socket.socket(socket.AF_UNIX)
        client.settimeout(5)
        client.connect(path)
        client.sendall(b"show stat\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
        print("---- HAProxy show stat (pxname, svname, status, check_status, chkfail)", file=sys.stderr)
        for line in answer.decode(errors="replace").splitlines():
            fields = line.split(",")
            if len(fields) > 36:
                print(fields[0], fields[1], fields[17], fields[36], fields[21], file=sys.stderr)
    except OSError as error:
        print(f"---- HAProxy's socket does not answer: {error}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wharf", default=".build-release/release/wharf")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--lab", default="roll")
    parser.add_argument("--lab-dir", default="/tmp/wharf-rolling-lab")
    parser.add_argument("--subnet", default="10.252.9.0/24")
    parser.add_argument("--listener-port", type=int, default=80)
    parser.add_argument("--json", help="append the result to this benchmarks file")
    args = parser.parse_args()
    wharf = os.path.abspath(args.wharf)
    result = in_lab(args, wharf, 28444, run)
    print(json.dumps(result, indent=2))
    if args.json:
        wharf_bench.write_record(args.json, "rolling-deployment", os.path.dirname(wharf),
                                 {"tasks": args.tasks, "clients": args.clients}, result)
    sys.exit(0 if result["failed"] == 0 else 1)


def in_lab(args, wharf, port, body):
    """body(args, wharf) on the lab of --lab and --lab-dir: started (controller on `port`) and
    stopped again unless it was up already; the load balancer node's state shown on a failure."""
    started_lab = not os.path.exists(os.path.join(args.lab_dir, "lab.json"))
    if started_lab:
        subprocess.run([wharf, "lab", "up", "--nodes", "2", "--subnet", args.subnet, "--port", str(port),
                        "--image", IMAGE, "--name", args.lab, "--dir", args.lab_dir], check=True,
                       stdout=subprocess.DEVNULL)
    try:
        return body(args, wharf)
    except Exception:
        diagnose(args.lab_dir)
        raise
    finally:
        if started_lab:
            subprocess.run([wharf, "lab", "down", "--name", args.lab, "--dir", args.lab_dir],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def lab_clients(wharf, args):
    """boto3's ECS and ELBv2 clients for the lab's controller, and the load balancer node's address."""
    import boto3
    env = lab_environment(wharf, args.lab, args.lab_dir)
    session = boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
    endpoint, bundle = env["AWS_ENDPOINT_URL"], env.get("AWS_CA_BUNDLE")
    ecs = session.client("ecs", endpoint_url=endpoint, verify=bundle)
    elb = session.client("elbv2", endpoint_url=endpoint, verify=bundle)
    host = args.subnet.rsplit(".", 1)[0] + ".10"
    with open(os.path.join(args.lab_dir, "lab.json")) as file:
        layout = json.load(file).get("layout", {})
    if "prefix" in layout:
        host = ".".join(str(octet) for octet in layout["prefix"]) + ".10"
    return ecs, elb, host


def run(args, wharf):
    ecs, elb, lb_host = lab_clients(wharf, args)

    first = ecs.register_task_definition(**definition("v1"))["taskDefinition"]["taskDefinitionArn"]
    lb = elb.create_load_balancer(Name="rolling", Subnets=["subnet-lab"])["LoadBalancers"][0]
    tg = elb.create_target_group(Name="rolling", Protocol="HTTP", Port=80, TargetType="ip", VpcId="vpc-lab",
                                 HealthCheckPath="/health", HealthCheckIntervalSeconds=5,
                                 HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
                                 UnhealthyThresholdCount=2)["TargetGroups"][0]
    elb.modify_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"], Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=args.listener_port,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    ecs.create_service(cluster="default", serviceName="rolling", taskDefinition=first, desiredCount=args.tasks,
                       launchType="FARGATE",
                       loadBalancers=[{"targetGroupArn": tg["TargetGroupArn"], "containerName": "web",
                                       "containerPort": 80}],
                       networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-lab"]}})

    def healthy():
        states = [d["TargetHealth"]["State"] for d in
                  elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]]
        return states.count("healthy") == args.tasks and len(states) == args.tasks
    try:
        wait(f"{args.tasks} healthy targets", healthy, 180)
    except RuntimeError:
        health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        print("---- targets:", [(d["Target"]["Id"], d["TargetHealth"]["State"]) for d in health], file=sys.stderr)
        arns = ecs.list_tasks(cluster="default", serviceName="rolling")["taskArns"]
        tasks = ecs.describe_tasks(cluster="default", tasks=arns)["tasks"] if arns else []
        print("---- tasks:", [(t["taskArn"][-6:], t["lastStatus"], t.get("attachments", [{}])[0].get("details"))
                               for t in tasks], file=sys.stderr)
        raise

    load = Load(lb_host, args.listener_port, args.clients)
    load.start()
    time.sleep(5)
    second = ecs.register_task_definition(**definition("v2"))["taskDefinition"]["taskDefinitionArn"]
    deploy_started = time.monotonic()
    ecs.update_service(cluster="default", service="rolling", taskDefinition=second)

    def completed():
        service = ecs.describe_services(cluster="default", services=["rolling"])["services"][0]
        primary = [d for d in service["deployments"] if d["status"] == "PRIMARY"][0]
        return primary["rolloutState"] == "COMPLETED" and len(service["deployments"]) == 1
    wait("the deployment to complete", completed, 600)
    duration = time.monotonic() - deploy_started
    before = dict(load.versions)
    time.sleep(5)
    load.stop()
    after_only_v2 = {k: v - before.get(k, 0) for k, v in load.versions.items()}
    return {
        "tasks": args.tasks, "clients": args.clients, "requests_sent": load.sent, "failed": load.failed,
        "answers_by_revision": load.versions,
        "answers_after_completion": after_only_v2, "deployment_seconds": round(duration, 1),
        "first_errors": load.errors,
    }


if __name__ == "__main__":
    main()
