#!/usr/bin/env python3
"""Drives Application Auto Scaling for an ECS service with boto3 and checks every raw JSON answer
strictly against botocore's application-autoscaling model (the checker of ecs_conformance.py), and
every refusal is a 4xx whose __type botocore maps to the model's exception. Also checks what the
calls do: the service's desired count brought into the target's range, the alarms of a target
tracking policy in CloudWatch, alarms that run a step policy, scheduled actions, activities, tags.

python3 autoscaling_conformance.py ENDPOINT

Prints one line per check, then "N passed, M failed"; exits 1 when any fails."""
import json
import sys
from pathlib import Path

import boto3
import botocore.session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conformance_checks import Checks, method  # noqa: E402
from ecs_conformance import _walk  # noqa: E402

ENDPOINT = sys.argv[1]
MODEL = botocore.session.get_session().get_service_model("application-autoscaling")
raw = {}
checks = Checks()
check = checks.check


aas = boto3.client("application-autoscaling", endpoint_url=ENDPOINT, region_name="us-east-1")
aas.meta.events.register(
    "before-parse.application-autoscaling",
    lambda operation_model, response_dict, **_: raw.update(body=response_dict["body"],
                                                           status=response_dict["status_code"]))
ecs = boto3.client("ecs", endpoint_url=ENDPOINT, region_name="us-east-1")
cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name="us-east-1")


def call(operation, **params):
    result = getattr(aas, method(operation))(**params)
    body = json.loads(raw["body"] or b"{}")
    errors = []
    shape = MODEL.operation_model(operation).output_shape
    if shape is not None:
        _walk(shape, body, "$", errors)
    check(f"{operation}: the answer is valid against the application-autoscaling model", not errors,
          "; ".join(errors[:5]))
    return result


def refused(operation, exception, **params):
    checks.refused(aas, raw, operation, exception, **params)


ecs.create_cluster(clusterName="aas")
ecs.register_task_definition(family="web", containerDefinitions=[
    {"name": "web", "image": "busybox", "memory": 32, "command": ["sleep", "600"]}])
ecs.create_service(cluster="aas", serviceName="web", taskDefinition="web", desiredCount=1)
target = dict(ServiceNamespace="ecs", ResourceId="service/aas/web", ScalableDimension="ecs:service:DesiredCount")

registered = call("RegisterScalableTarget", MinCapacity=2, MaxCapacity=6, Tags={"team": "web"}, **target)
arn = registered.get("ScalableTargetARN", "")
check("RegisterScalableTarget answers the target's ARN",
      arn.startswith("arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/"), arn)
desired = ecs.describe_services(cluster="aas", services=["web"])["services"][0]["desiredCount"]
check("a desired count below the new minimum is brought up to it", desired == 2, str(desired))
activities = call("DescribeScalingActivities", ServiceNamespace="ecs", ResourceId="service/aas/web")
first = (activities["ScalingActivities"] or [{}])[0]
check("DescribeScalingActivities tells it in AWS's words",
      first.get("Description") == "Setting desired count to 2." and first.get("StatusCode") == "Successful"
      and first.get("Cause") == "minimum capacity was set to 2", str(first))
described = call("DescribeScalableTargets", ServiceNamespace="ecs", ResourceIds=["service/aas/web"])
scalable = (described["ScalableTargets"] or [{}])[0]
check("DescribeScalableTargets shows its capacities, role and suspended state",
      scalable.get("MinCapacity") == 2 and scalable.get("MaxCapacity") == 6
      and scalable.get("RoleARN", "").endswith("AWSServiceRoleForApplicationAutoScaling_ECSService")
      and scalable.get("SuspendedState") == {"DynamicScalingInSuspended": False, "DynamicScalingOutSuspended": False,
                                             "ScheduledScalingSuspended": False}, str(scalable))
call("RegisterScalableTarget", MaxCapacity=8, SuspendedState={"ScheduledScalingSuspended": True}, **target)
scalable = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"][0]
check("registering again changes only what is given",
      scalable["MinCapacity"] == 2 and scalable["MaxCapacity"] == 8
      and scalable["SuspendedState"]["ScheduledScalingSuspended"] is True, str(scalable))

tracking = call("PutScalingPolicy", PolicyName="cpu50", PolicyType="TargetTrackingScaling",
                TargetTrackingScalingPolicyConfiguration={
                    "TargetValue": 50.0, "ScaleInCooldown": 60, "ScaleOutCooldown": 30,
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}},
                **target)
names = [a["AlarmName"] for a in tracking.get("Alarms", [])]
check("a target tracking policy makes AlarmHigh and AlarmLow",
      len(names) == 2 and names[0].startswith("TargetTracking-service/aas/web-AlarmHigh-")
      and "-AlarmLow-" in names[1], str(names))
alarms = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNames=names)["MetricAlarms"]}
high, low = alarms.get(names[0], {}), alarms.get(names[-1], {})
check("... CloudWatch alarms on the service's CPUUtilization that run the policy",
      high.get("MetricName") == "CPUUtilization" and high.get("Threshold") == 50.0
      and high.get("ComparisonOperator") == "GreaterThanThreshold" and high.get("EvaluationPeriods") == 3
      and low.get("Threshold") == 45.0 and low.get("EvaluationPeriods") == 15
      and high.get("AlarmActions") == [tracking["PolicyARN"]]
      and {d["Name"]: d["Value"] for d in high.get("Dimensions", [])} == {"ClusterName": "aas", "ServiceName": "web"},
      f"{high} / {low}")
again = call("PutScalingPolicy", PolicyName="cpu50", PolicyType="TargetTrackingScaling",
             TargetTrackingScalingPolicyConfiguration={
                 "TargetValue": 60.0, "DisableScaleIn": True,
                 "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}},
             **target)
check("changing the policy keeps its ARN and alarm names; DisableScaleIn drops AlarmLow",
      again["PolicyARN"] == tracking["PolicyARN"] and [a["AlarmName"] for a in again["Alarms"]] == names[:1]
      and cw.describe_alarms(AlarmNames=names[1:])["MetricAlarms"] == [], str(again))
step = call("PutScalingPolicy", PolicyName="step", PolicyType="StepScaling",
            StepScalingPolicyConfiguration={
                "AdjustmentType": "ChangeInCapacity", "Cooldown": 60, "MetricAggregationType": "Maximum",
                "StepAdjustments": [{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20,
                                     "ScalingAdjustment": 1},
                                    {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2}]},
            **target)
cw.put_metric_alarm(AlarmName="queue-deep", Namespace="App", MetricName="Queue", Statistic="Maximum", Period=60,
                    EvaluationPeriods=1, Threshold=100, ComparisonOperator="GreaterThanThreshold",
                    AlarmActions=[step["PolicyARN"]])
policies = call("DescribeScalingPolicies", ServiceNamespace="ecs", ResourceId="service/aas/web")
by_name = {p["PolicyName"]: p for p in policies["ScalingPolicies"]}
check("DescribeScalingPolicies shows both, and the alarm that runs the step policy",
      set(by_name) == {"cpu50", "step"}
      and [a["AlarmName"] for a in by_name["step"].get("Alarms", [])] == ["queue-deep"]
      and by_name["step"]["StepScalingPolicyConfiguration"]["StepAdjustments"][1] == {
          "MetricIntervalLowerBound": 20.0, "ScalingAdjustment": 2}, str(policies))
call("PutScheduledAction", ScheduledActionName="nightly", Schedule="cron(0 22 * * ? *)",
     Timezone="Europe/Berlin", ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 3}, **target)
scheduled = call("DescribeScheduledActions", ServiceNamespace="ecs", ResourceId="service/aas/web")
action = (scheduled["ScheduledActions"] or [{}])[0]
check("DescribeScheduledActions shows the action with its schedule and time zone",
      action.get("Schedule") == "cron(0 22 * * ? *)" and action.get("Timezone") == "Europe/Berlin"
      and action.get("ScalableTargetAction") == {"MinCapacity": 1, "MaxCapacity": 3}, str(action))
call("TagResource", ResourceARN=arn, Tags={"tier": "gold"})
call("UntagResource", ResourceARN=arn, TagKeys=["team"])
tags = call("ListTagsForResource", ResourceARN=arn)["Tags"]
check("the target's tags: created with one, one added, one removed", tags == {"tier": "gold"}, str(tags))

refused("RegisterScalableTarget", "ValidationException", ServiceNamespace="ecs", ResourceId="service/aas/nope",
        ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=2)
refused("RegisterScalableTarget", "ValidationException", ServiceNamespace="dynamodb", ResourceId="table/t",
        ScalableDimension="dynamodb:table:ReadCapacityUnits", MinCapacity=1, MaxCapacity=2)
refused("RegisterScalableTarget", "ValidationException", MinCapacity=5, MaxCapacity=3, **target)
refused("PutScalingPolicy", "ObjectNotFoundException", PolicyName="x", PolicyType="StepScaling",
        ServiceNamespace="ecs", ResourceId="service/aas/other", ScalableDimension="ecs:service:DesiredCount",
        StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity",
                                        "StepAdjustments": [{"ScalingAdjustment": 1}]})
refused("PutScalingPolicy", "ValidationException", PolicyName="x", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 100.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget"}},
        **target)
refused("PutScalingPolicy", "ValidationException", PolicyName="x", PolicyType="StepScaling",
        StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2}]}, **target)
refused("PutScalingPolicy", "ValidationException", PolicyName="x", PolicyType="PredictiveScaling", **target)
refused("PutScheduledAction", "ValidationException", ScheduledActionName="bad", Schedule="cron(0 22 * * * *)",
        ScalableTargetAction={"MinCapacity": 1}, **target)
refused("PutScheduledAction", "ValidationException", ScheduledActionName="bad", Schedule="rate(5 minutes)",
        Timezone="Mars/Olympus", ScalableTargetAction={"MinCapacity": 1}, **target)
refused("DeleteScalingPolicy", "ObjectNotFoundException", PolicyName="nope", **target)
refused("DeleteScheduledAction", "ObjectNotFoundException", ScheduledActionName="nope", **target)
refused("DescribeScalableTargets", "InvalidNextTokenException", ServiceNamespace="ecs", NextToken="bm9wZQ==")
checks.unserved(aas, raw, "GetPredictiveScalingForecast", "UnknownOperationException", PolicyName="p",
                StartTime=0, EndTime=3600, **target)

call("DeleteScheduledAction", ScheduledActionName="nightly", **target)
call("DeleteScalingPolicy", PolicyName="step", **target)
call("DeregisterScalableTarget", **target)
check("deregistering takes its policies and their alarms with it",
      aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
      and aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []
      and cw.describe_alarms(AlarmNames=names)["MetricAlarms"] == [])
refused("DeregisterScalableTarget", "ObjectNotFoundException", **target)

checks.finish()
