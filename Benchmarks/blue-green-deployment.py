#!/usr/bin/env python3
"""A blue/green deployment behind a Wharf load balancer while clients send a steady stream of
requests (issue 19): production answers come from the old revision until ECS's
PRODUCTION_TRAFFIC_SHIFT and from the new one after, the test listener reaches the new revision
first, no request fails; then a second deployment is stopped in its bake time and traffic returns.

On a `wharf lab` of two nodes (node 1 serves the load balancers with HAProxy): an awsvpc service of
--tasks busybox httpd tasks with deploymentConfiguration.strategy BLUE_GREEN (--bake minutes),
behind an application load balancer whose production rule (port --listener-port) and test rule
(port --test-port) ECS manages between two target groups. --clients threads send GET / to the
production port over a new connection each time. The service is updated to v2; the script follows
the service deployment's lifecycle stage, probes the test port, and waits for SUCCESSFUL. Then it
updates to v3 and, once v3 takes production traffic (BAKE_TIME), calls StopServiceDeployment
(ROLLBACK): production must come back to v2 and the deployment end ROLLBACK_SUCCESSFUL.

A failure is a request without an HTTP 200 answer. Answers are timed against the stages the script
saw (it asks twice a second): a v2 answer sent before a stage ahead of PRODUCTION_TRAFFIC_SHIFT was
last reported, or a v1 answer once a stage after it was reported and --settle seconds passed, counts
as misrouted, although v1 runs on through the bake time; likewise v3 after the rollback settled.

    python3 Benchmarks/blue-green-deployment.py --tasks 2 --clients 4 --json docs/benchmarks.json

Uses `wharf` from --wharf (default .build-release/release/wharf, with wharf-controller and
wharf-agent beside it), Docker and the test image (.ci/setup.sh), HAProxy, boto3. With --lab NAME
--lab-dir DIR it uses that lab if it is up, and leaves it up. Exits 1 on a failed or misrouted
request or a deployment that does not end as it should."""
import argparse, http.client, importlib.util, json, os, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import wharf_bench  # noqa: E402

_spec = importlib.util.spec_from_file_location("rolling", os.path.join(HERE, "rolling-deployment.py"))
rolling = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rolling)


def definition(version):
    made = rolling.definition(version)
    made["family"] = "bluegreen-web"
    return made


def get(host, port):
    """The revision answering GET / on host:port, or None."""
    try:
        connection = http.client.HTTPConnection(host, port, timeout=3)
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read().decode(errors="replace")
        connection.close()
        return body.split("-", 1)[0] if response.status == 200 else None
    except (OSError, http.client.HTTPException):
        return None


class Deployment:
    """Follows the newest service deployment of a service: the moment each lifecycle stage and
    status was first seen, and the revision the test port answered with at each stage."""

    # The stages in which production traffic is all on blue still.
    BEFORE_SHIFT = ("RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
                    "POST_TEST_TRAFFIC_SHIFT")

    def __init__(self, ecs, service, host, test_port):
        self.ecs, self.service, self.host, self.test_port = ecs, service, host, test_port
        self.seen = {}
        self.test_answers = {}
        # The last moment a stage before the production shift was seen: blue had all the traffic then.
        self.before_shift = 0.0

    def poll(self, arn):
        asked = time.monotonic()
        described = self.ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
        now = time.monotonic()
        for key in (described.get("lifecycleStage"), described.get("status")):
            if key and key not in self.seen:
                self.seen[key] = now
        if described.get("lifecycleStage") in self.BEFORE_SHIFT:
            self.before_shift = max(self.before_shift, asked)
        stage = described.get("lifecycleStage")
        if stage and stage not in self.test_answers:
            self.test_answers[stage] = get(self.host, self.test_port)
        return described

    def newest(self, after):
        """The ARN of the service's newest service deployment other than `after`."""
        listed = self.ecs.list_service_deployments(cluster="default", service=self.service)["serviceDeployments"]
        arns = [d["serviceDeploymentArn"] for d in listed if d["serviceDeploymentArn"] != after]
        return arns[0] if arns else None


def misrouted(answers, wrong, start, end=None):
    """How many answers of revision `wrong` came from `start` to `end` (monotonic seconds)."""
    return sum(1 for moment, version in answers
               if version == wrong and moment >= start and (end is None or moment < end))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wharf", default=".build-release/release/wharf")
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--bake", type=int, default=1, help="bakeTimeInMinutes")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds a load balancer node may take to apply a rule's new weights")
    parser.add_argument("--lab", default="bgreen")
    parser.add_argument("--lab-dir", default="/tmp/wharf-bluegreen-lab")
    parser.add_argument("--subnet", default="10.252.10.0/24")
    parser.add_argument("--listener-port", type=int, default=81)
    parser.add_argument("--test-port", type=int, default=8081)
    parser.add_argument("--json", help="append the result to this benchmarks file")
    args = parser.parse_args()
    wharf = os.path.abspath(args.wharf)
    result = rolling.in_lab(args, wharf, 28445, run)
    print(json.dumps(result, indent=2))
    if args.json:
        wharf_bench.write_record(args.json, "blue-green-deployment", os.path.dirname(wharf),
                                 {"tasks": args.tasks, "clients": args.clients, "bake_minutes": args.bake}, result)
    sys.exit(0 if result["ok"] else 1)


def setup(args, ecs, elb):
    """Target groups, the load balancer, its production and test rules and the service; the first
    revision's ARN."""
    groups = []
    for name in ("bluegreen-a", "bluegreen-b"):
        tg = elb.create_target_group(Name=name, Protocol="HTTP", Port=80, TargetType="ip", VpcId="vpc-lab",
                                     HealthCheckPath="/health", HealthCheckIntervalSeconds=5,
                                     HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
                                     UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
        elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
        groups.append(tg)
    lb = elb.create_load_balancer(Name="bluegreen", Subnets=["subnet-lab"])["LoadBalancers"][0]["LoadBalancerArn"]
    rules = []
    for port in (args.listener_port, args.test_port):
        listener = elb.create_listener(
            LoadBalancerArn=lb, Protocol="HTTP", Port=port,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]["ListenerArn"]
        rules.append(elb.create_rule(
            ListenerArn=listener, Priority=1, Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": groups[0]}],
        )["Rules"][0]["RuleArn"])
    first = ecs.register_task_definition(**definition("v1"))["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="default", serviceName="bluegreen", taskDefinition=first, desiredCount=args.tasks,
        launchType="FARGATE",
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": args.bake},
        loadBalancers=[{
            "targetGroupArn": groups[0], "containerName": "web", "containerPort": 80,
            "advancedConfiguration": {
                "alternateTargetGroupArn": groups[1], "productionListenerRule": rules[0],
                "testListenerRule": rules[1], "roleArn": "arn:aws:iam::000000000000:role/ecsInfrastructure",
            },
        }],
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-lab"]}},
    )
    return groups


def run(args, wharf):
    ecs, elb, host = rolling.lab_clients(wharf, args)
    groups = setup(args, ecs, elb)

    def healthy(group):
        states = [d["TargetHealth"]["State"] for d in
                  elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]]
        return states.count("healthy") == args.tasks
    rolling.wait(f"{args.tasks} healthy targets", lambda: healthy(groups[0]), 180)
    rolling.wait("v1 through the production listener", lambda: get(host, args.listener_port) == "v1", 60)
    follow = Deployment(ecs, "bluegreen", host, args.test_port)
    first_deployment = follow.newest(None)

    load = rolling.Load(host, args.listener_port, args.clients)
    load.start()
    time.sleep(3)
    # The deployment to v2, to its end.
    second = ecs.register_task_definition(**definition("v2"))["taskDefinition"]["taskDefinitionArn"]
    started = time.monotonic()
    ecs.update_service(cluster="default", service="bluegreen", taskDefinition=second)
    arn = rolling.wait("the v2 service deployment", lambda: follow.newest(first_deployment), 30)
    rolling.wait("the v2 deployment to succeed", lambda: follow.poll(arn)["status"] in
                 ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"), 600, interval=0.5)
    v2_status = follow.poll(arn)["status"]
    v2_seconds = time.monotonic() - started
    v2_seen = dict(follow.seen)
    v2_tests = dict(follow.test_answers)
    # Green answering production while a stage before the shift was still reported is misrouted; blue
    # answering once a stage after it was reported (and the load balancer had time to apply it) is too.
    early_v2 = misrouted(load.answers, "v2", 0, follow.before_shift)
    after = [v2_seen[key] for key in ("POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP", "SUCCESSFUL")
             if key in v2_seen]
    late_v1 = misrouted(load.answers, "v1", min(after) + args.settle) if after else -1
    test_reached_green = rolling.wait("v2 through the test listener",
                                      lambda: get(host, args.test_port) == "v2", 30)

    # The deployment to v3, stopped in its bake time: traffic returns to v2.
    follow = Deployment(ecs, "bluegreen", host, args.test_port)
    third = ecs.register_task_definition(**definition("v3"))["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="default", service="bluegreen", taskDefinition=third)
    arn3 = rolling.wait("the v3 service deployment", lambda: follow.newest(arn), 30)
    rolling.wait("the v3 deployment's bake time", lambda: follow.poll(arn3).get("lifecycleStage") == "BAKE_TIME",
                 600, interval=0.5)
    rolling.wait("v3 through the production listener", lambda: get(host, args.listener_port) == "v3", 30)
    stopped_at = time.monotonic()
    ecs.stop_service_deployment(serviceDeploymentArn=arn3, stopType="ROLLBACK")
    rolling.wait("the rollback to end", lambda: follow.poll(arn3)["status"] in
                 ("ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED", "SUCCESSFUL", "STOPPED"), 300, interval=0.5)
    v3_status = follow.poll(arn3)["status"]
    returned = rolling.wait("v2 through the production listener again",
                            lambda: get(host, args.listener_port) == "v2", 30)
    time.sleep(args.settle)
    load.stop()
    late_v3 = misrouted(load.answers, "v3", stopped_at + args.settle)
    service = ecs.describe_services(cluster="default", services=["bluegreen"])["services"][0]
    ok = (load.failed == 0 and early_v2 == 0 and late_v1 == 0 and late_v3 == 0 and v2_status == "SUCCESSFUL"
          and v3_status == "ROLLBACK_SUCCESSFUL" and bool(test_reached_green) and bool(returned)
          and service["taskDefinition"] == second)
    stages = sorted((moment - started, key) for key, moment in v2_seen.items())
    return {
        "ok": ok, "tasks": args.tasks, "clients": args.clients, "requests_sent": load.sent, "failed": load.failed,
        "answers_by_revision": load.versions, "v2_before_production_shift": early_v2,
        "v1_after_production_shift": late_v1, "v3_after_rollback": late_v3,
        "v2_deployment_seconds": round(v2_seconds, 1), "v2_status": v2_status, "v3_status": v3_status,
        "v2_stages_seconds": [[key, round(seconds, 1)] for seconds, key in stages],
        "test_listener_by_stage": v2_tests, "service_task_definition": service["taskDefinition"],
        "first_errors": load.errors,
    }


if __name__ == "__main__":
    main()
