#!/usr/bin/env python3
"""Drives the Elastic Load Balancing v2 API with boto3 and checks every raw XML answer strictly
against botocore's elbv2 model: the envelope (<ActionResponse><ActionResult>, ResponseMetadata with
a RequestId), every element a member of its shape, lists made of <member> elements, integers,
booleans and timestamps that parse, enum values the model allows, required members present; and
every refusal a 4xx whose code botocore maps to the model's exception.

python3 elbv2_conformance.py ENDPOINT

Prints one line per check; exits 1 when any fails."""
import sys
from pathlib import Path

import boto3
import botocore.session
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query_xml import validate as validate_xml  # noqa: E402

MODEL = botocore.session.get_session().get_service_model("elbv2")
raw = {}
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


elb = boto3.client("elbv2", endpoint_url=sys.argv[1], region_name="us-east-1")
elb.meta.events.register("before-parse.elastic-load-balancing-v2",
                         lambda operation_model, response_dict, **_: raw.update(body=response_dict["body"],
                                                                                status=response_dict["status_code"]))


def call(operation, **params):
    method = "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")
    result = getattr(elb, method)(**params)
    problems = validate_xml(MODEL, operation, raw["body"])
    check(f"{operation}: the answer is valid against the elbv2 model", not problems, "; ".join(problems[:5]))
    return result


def refused(operation, exception, **params):
    method = "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")
    try:
        getattr(elb, method)(**params)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        modeled = getattr(elb.exceptions, exception, None)
        check(f"{operation} refused with {exception} (HTTP {raw.get('status')})",
              modeled is not None and isinstance(error, modeled) and 400 <= raw.get("status", 0) < 500,
              f"got {code} HTTP {raw.get('status')}: {error}")
        return
    check(f"{operation} refused with {exception}", False, "it succeeded")


lb = call("CreateLoadBalancer", Name="conf-lb", Subnets=["subnet-1", "subnet-2"], Scheme="internal",
          Tags=[{"Key": "suite", "Value": "conformance"}])["LoadBalancers"][0]
nlb = call("CreateLoadBalancer", Name="conf-nlb", Type="network", Subnets=["subnet-1"])["LoadBalancers"][0]
tg = call("CreateTargetGroup", Name="conf-tg", Protocol="HTTP", Port=8080, VpcId="vpc-1", TargetType="ip",
          HealthCheckPath="/health", Matcher={"HttpCode": "200,204"})["TargetGroups"][0]
tcp = call("CreateTargetGroup", Name="conf-tcp", Protocol="TCP", Port=5432, TargetType="ip")["TargetGroups"][0]
listener = call("CreateListener", LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=8081,
                DefaultActions=[{"Type": "forward", "ForwardConfig": {
                    "TargetGroups": [{"TargetGroupArn": tg["TargetGroupArn"], "Weight": 3}],
                    "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 300}}}])["Listeners"][0]
call("CreateListener", LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TCP", Port=15432,
     DefaultActions=[{"Type": "forward", "TargetGroupArn": tcp["TargetGroupArn"]}])
rule = call("CreateRule", ListenerArn=listener["ListenerArn"], Priority=7,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/old/*"]}},
                        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
                        {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}},
                        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "1"}]}}],
            Actions=[{"Type": "redirect", "RedirectConfig": {"Path": "/new/#{path}", "StatusCode": "HTTP_302"}}]
            )["Rules"][0]
call("ModifyRule", RuleArn=rule["RuleArn"],
     Actions=[{"Type": "fixed-response",
               "FixedResponseConfig": {"StatusCode": "410", "ContentType": "text/plain", "MessageBody": "gone"}}])
call("SetRulePriorities", RulePriorities=[{"RuleArn": rule["RuleArn"], "Priority": 8}])
call("DescribeRules", ListenerArn=listener["ListenerArn"])
call("DescribeListeners", LoadBalancerArn=lb["LoadBalancerArn"])
call("ModifyListener", ListenerArn=listener["ListenerArn"], Port=8082)
call("DescribeLoadBalancers")
call("DescribeLoadBalancers", LoadBalancerArns=[lb["LoadBalancerArn"]])
call("DescribeLoadBalancerAttributes", LoadBalancerArn=lb["LoadBalancerArn"])
call("ModifyLoadBalancerAttributes", LoadBalancerArn=lb["LoadBalancerArn"],
     Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "120"}])
call("DescribeTargetGroups", Names=["conf-tg", "conf-tcp"])
call("ModifyTargetGroup", TargetGroupArn=tg["TargetGroupArn"], HealthCheckIntervalSeconds=10,
     HealthyThresholdCount=2)
call("ModifyTargetGroupAttributes", TargetGroupArn=tg["TargetGroupArn"],
     Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "10"},
                 {"Key": "slow_start.duration_seconds", "Value": "30"}])
call("DescribeTargetGroupAttributes", TargetGroupArn=tcp["TargetGroupArn"])
call("RegisterTargets", TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.64.0.10", "Port": 80},
                                                                      {"Id": "10.64.0.11"}])
call("DeregisterTargets", TargetGroupArn=tg["TargetGroupArn"], Targets=[{"Id": "10.64.0.11"}])
health = call("DescribeTargetHealth", TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
check("DescribeTargetHealth: one target initial, the deregistered one draining",
      sorted(h["TargetHealth"]["State"] for h in health) == ["draining", "initial"], str(health))
call("AddTags", ResourceArns=[tg["TargetGroupArn"], listener["ListenerArn"], rule["RuleArn"]],
     Tags=[{"Key": "team", "Value": "web"}])
call("RemoveTags", ResourceArns=[tg["TargetGroupArn"]], TagKeys=["team"])
call("DescribeTags", ResourceArns=[lb["LoadBalancerArn"], listener["ListenerArn"], rule["RuleArn"]])
call("DescribeAccountLimits", PageSize=2)
page = call("DescribeLoadBalancers", PageSize=1)
check("DescribeLoadBalancers pages with NextMarker", "NextMarker" in page, str(page.keys()))
if "NextMarker" in page:
    call("DescribeLoadBalancers", PageSize=1, Marker=page["NextMarker"])

refused("DescribeLoadBalancers", "LoadBalancerNotFoundException", Names=["nope"])
refused("DescribeTargetGroups", "TargetGroupNotFoundException",
        TargetGroupArns=[tg["TargetGroupArn"].rsplit("/", 1)[0] + "/0000000000000000"])
refused("DescribeListeners", "ListenerNotFoundException",
        ListenerArns=[listener["ListenerArn"].rsplit("/", 1)[0] + "/0000000000000000"])
refused("DeleteRule", "RuleNotFoundException", RuleArn=rule["RuleArn"].rsplit("/", 1)[0] + "/0000000000000000")
refused("CreateLoadBalancer", "DuplicateLoadBalancerNameException", Name="conf-lb", Subnets=["subnet-9"])
refused("CreateTargetGroup", "DuplicateTargetGroupNameException", Name="conf-tg", Protocol="HTTP", Port=1)
refused("CreateListener", "DuplicateListenerException", LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP",
        Port=8082, DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}])
refused("CreateRule", "PriorityInUseException", ListenerArn=listener["ListenerArn"], Priority=8,
        Conditions=[{"Field": "host-header", "Values": ["a.example"]}],
        Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}])
refused("DeleteTargetGroup", "ResourceInUseException", TargetGroupArn=tg["TargetGroupArn"])
refused("DeregisterTargets", "InvalidTargetException", TargetGroupArn=tg["TargetGroupArn"],
        Targets=[{"Id": "10.64.9.9"}])
refused("CreateListener", "IncompatibleProtocolsException", LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TCP",
        Port=15433, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
refused("CreateListener", "UnsupportedProtocolException", LoadBalancerArn=lb["LoadBalancerArn"], Protocol="TCP",
        Port=8090, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
refused("AddTags", "DuplicateTagKeysException", ResourceArns=[lb["LoadBalancerArn"]],
        Tags=[{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}])
try:
    elb.describe_load_balancers(LoadBalancerArns=["not-an-arn"])
    check("a malformed ARN is refused with ValidationError", False, "it succeeded")
except ClientError as error:
    check("a malformed ARN is refused with ValidationError (HTTP 400)",
          error.response["Error"]["Code"] == "ValidationError" and raw.get("status") == 400, str(error))

call("DeleteListener", ListenerArn=listener["ListenerArn"])
call("DeleteTargetGroup", TargetGroupArn=tg["TargetGroupArn"])
call("DeleteLoadBalancer", LoadBalancerArn=nlb["LoadBalancerArn"])
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
