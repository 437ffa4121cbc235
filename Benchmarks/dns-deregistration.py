#!/usr/bin/env python3
"""How soon a stopped task leaves its Cloud Map name in Wharf's DNS (issue 16): on a `wharf lab`
of two nodes, an awsvpc service of --tasks tasks registered in `web.internal` (A records, TTL 10);
a container on node 2 asks for the name every 100 ms while one task at a time is stopped with
StopTask; the time from StopTask's answer to the first answer without the task's address.

    python3 Benchmarks/dns-deregistration.py --stops 5 --json docs/benchmarks.json

Uses `wharf` from --wharf (default .build-release/release/wharf), Docker and the test image
(.ci/setup.sh), the AWS CLI's boto3."""
import argparse, json, os, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wharf_bench  # noqa: E402

rolling = __import__("rolling-deployment")
IMAGE = "wharf-test/busybox:latest"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wharf", default=".build-release/release/wharf")
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--stops", type=int, default=5)
    parser.add_argument("--lab", default="dnsb")
    parser.add_argument("--lab-dir", default="/tmp/wharf-dns-lab")
    parser.add_argument("--subnet", default="10.252.10.0/24")
    parser.add_argument("--json")
    args = parser.parse_args()
    wharf = os.path.abspath(args.wharf)
    subprocess.run([wharf, "lab", "up", "--nodes", "2", "--subnet", args.subnet, "--port", "28447", "--image",
                    IMAGE, "--name", args.lab, "--dir", args.lab_dir], check=True, stdout=subprocess.DEVNULL)
    try:
        result = run(args, wharf)
    finally:
        subprocess.run([wharf, "lab", "down", "--name", args.lab, "--dir", args.lab_dir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(json.dumps(result, indent=2))
    if args.json:
        wharf_bench.write_record(args.json, "dns-deregistration", os.path.dirname(wharf),
                                 {"tasks": args.tasks, "stops": args.stops}, result)


def resolve(docker, container):
    out = subprocess.run(docker + ["exec", container, "nslookup", "web.internal"], capture_output=True,
                         text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.startswith("Address:") and ":53" not in line}


def run(args, wharf):
    import boto3
    env = rolling.lab_environment(wharf, args.lab, args.lab_dir)
    session = boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1")
    endpoint, bundle = env["AWS_ENDPOINT_URL"], env.get("AWS_CA_BUNDLE")
    ecs = session.client("ecs", endpoint_url=endpoint, verify=bundle)
    cloud_map = session.client("servicediscovery", endpoint_url=endpoint, verify=bundle)
    operation = cloud_map.create_private_dns_namespace(Name="internal", Vpc="vpc-lab")["OperationId"]
    namespace = cloud_map.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
    registry = cloud_map.create_service(Name="web", DnsConfig={
        "NamespaceId": namespace, "DnsRecords": [{"Type": "A", "TTL": 10}]})["Service"]["Arn"]
    definition = ecs.register_task_definition(**rolling.definition("v1"))["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="default", serviceName="web", taskDefinition=definition, desiredCount=args.tasks,
                       launchType="FARGATE", serviceRegistries=[{"registryArn": registry}],
                       networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-lab"]}})
    docker = ["docker", "-H", f"unix://{args.lab_dir}/node-2/docker.sock"]

    def container():
        out = subprocess.run(docker + ["ps", "-q", "--filter", "label=com.amazonaws.ecs.container-name=web"],
                             capture_output=True, text=True).stdout.split()
        return out[0] if out else None

    def running():
        arns = ecs.list_tasks(cluster="default", serviceName="web", desiredStatus="RUNNING")["taskArns"]
        tasks = ecs.describe_tasks(cluster="default", tasks=arns)["tasks"] if arns else []
        return {t["taskArn"]: t["attachments"][0]["details"] for t in tasks if t["lastStatus"] == "RUNNING"}

    seconds = []
    for _ in range(args.stops):
        tasks = rolling.wait(f"{args.tasks} running tasks", lambda: (lambda r: r if len(r) == args.tasks else None)(
            running()), 180)
        asker = rolling.wait("a task container on node 2", container, 120)
        addresses = {next(d["value"] for d in details if d["name"] == "privateIPv4Address")
                     for details in tasks.values()}
        rolling.wait("the name to list every task", lambda: resolve(docker, asker) == addresses, 60, interval=0.2)
        arn, details = sorted(tasks.items())[0]
        address = next(d["value"] for d in details if d["name"] == "privateIPv4Address")
        if subprocess.run(docker + ["exec", asker, "hostname"], capture_output=True,
                          text=True).stdout.strip() == "ip-" + address.replace(".", "-"):
            arn, details = sorted(tasks.items())[1]
            address = next(d["value"] for d in details if d["name"] == "privateIPv4Address")
        ecs.stop_task(cluster="default", task=arn, reason="benchmark")
        stopped = time.monotonic()
        while address in resolve(docker, asker):
            if time.monotonic() - stopped > 30:
                raise RuntimeError(f"{address} still resolves 30 s after its task was stopped")
            time.sleep(0.1)
        seconds.append(round(time.monotonic() - stopped, 3))
    return {"stops": len(seconds), "seconds": seconds, "median": statistics.median(seconds), "max": max(seconds)}


if __name__ == "__main__":
    main()
